// What the flash file-system readers (fs/romfs.hpp, fs/littlefs.hpp) report: one entry per file
// or directory, and one error type for an image they cannot read.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace boardemu {

struct FsEntry {
  std::string path;          // absolute, '/'-separated: "/lib/pkg/mod.mpy"; the root is not listed
  bool directory = false;
  std::uint64_t size = 0;    // bytes of file data; 0 for a directory
  bool bytecode = false;     // a file whose data starts with 'M', the .mpy header's first byte
  std::uint32_t offset = 0;  // ROMFS files: where the data starts in the image; otherwise 0
};

// what() is one line: "offset 0x1a: <problem>" for ROMFS, "littlefs: <problem>" for littlefs.
class FsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace boardemu
