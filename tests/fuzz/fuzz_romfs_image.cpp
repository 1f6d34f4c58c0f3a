// libFuzzer target over the ROMFS image reader (emulator/fs/romfs.cpp): the bytes are an image as
// a user hands it over (a file for --romfs or `boardemu romfs ls`, or the flash's ROMFS
// partition the GUI lists). A malformed image must end in one FsError whose message is one line
// naming an offset; every file listed must lie inside the image; anything else (another
// exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "fs/romfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boardemu;
  std::span<const std::uint8_t> image(data, size);
  try {
    const bool header = is_romfs(image);
    auto entries = list_romfs(image);
    if (!header && !entries.empty()) {
      std::fprintf(stderr, "entries listed from an image without the ROMFS header\n");
      __builtin_trap();
    }
    for (const FsEntry& e : entries) {
      if (!e.directory && (e.offset > size || e.size > size - e.offset)) {
        std::fprintf(stderr, "%s: data at 0x%x (%llu bytes) outside the %zu-byte image\n", e.path.c_str(), e.offset,
                     static_cast<unsigned long long>(e.size), size);
        __builtin_trap();
      }
    }
  } catch (const FsError& e) {
    std::string msg = e.what();
    if (msg.rfind("offset 0x", 0) != 0 || msg.find('\n') != std::string::npos) {
      std::fprintf(stderr, "ROMFS error message is not one line naming an offset: \"%s\"\n", msg.c_str());
      __builtin_trap();
    }
  }
  return 0;
}
