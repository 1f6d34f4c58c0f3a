#include "cli/romfs_tool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/host_file.hpp"
#include "fs/romfs.hpp"

namespace boardemu::cli {

std::vector<std::uint8_t> read_romfs_image(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_regular_file(path, "ROMFS image", kMaxRomfsImageBytes);
  } catch (const HostFileError& e) {
    throw RomfsError(e.what());
  }
  std::vector<std::uint8_t> image(bytes.begin(), bytes.end());
  if (!is_romfs(image))
    throw RomfsError(fmt::format("{}: not a ROMFS image (no ROMFS header D2 CD 31 at offset 0)", path));
  try {
    list_romfs(image);
  } catch (const FsError& e) {
    throw RomfsError(one_line(fmt::format("{}: {}", path, e.what())));
  }
  return image;
}

int romfs_ls(const std::string& path) {
  try {
    std::vector<std::uint8_t> image = read_romfs_image(path);
    for (const FsEntry& e : list_romfs(image)) {
      if (e.directory)
        std::printf("%s/\n", e.path.c_str());
      else
        std::printf("%-40s %8llu%s\n", e.path.c_str(), static_cast<unsigned long long>(e.size),
                    e.bytecode ? "  bytecode" : "");
    }
    return 0;
  } catch (const RomfsError& e) {
    std::fprintf(stderr, "boardemu: %s\n", e.what());
    return 3;
  }
}

int romfs_check(const std::string& path) {
  try {
    std::vector<std::uint8_t> image = read_romfs_image(path);
    std::size_t files = 0, dirs = 0, bytecode = 0;
    for (const FsEntry& e : list_romfs(image)) {
      if (e.directory) ++dirs;
      else ++files, bytecode += e.bytecode;
    }
    std::printf("%s: ROMFS image, %zu files (%zu bytecode) in %zu directories, %zu bytes\n", path.c_str(), files,
                bytecode, dirs, image.size());
    return 0;
  } catch (const RomfsError& e) {
    std::fprintf(stderr, "boardemu: %s\n", e.what());
    return 3;
  }
}

void install_romfs(Machine& machine, const std::vector<std::uint8_t>& image, const std::string& path) {
  const BoardDesc& board = machine.board();
  auto it = std::find_if(board.partitions.begin(), board.partitions.end(),
                         [](const FlashPartition& p) { return p.kind == PartitionKind::romfs; });
  if (it == board.partitions.end())
    throw RomfsError(fmt::format("{}: board '{}' has no ROMFS partition (its board file lists none)", path, board.name));
  if (image.size() > it->size)
    throw RomfsError(fmt::format("{}: the image ({} bytes) does not fit the {}-byte ROMFS partition '{}' of board '{}'",
                                 path, image.size(), it->size, it->name, board.name));
  auto flash = machine.nonvolatile_memories(/*parts=*/false);
  // The board reader checked that partitions lie in the flash chip (Machine's constructor).
  std::vector<std::uint8_t> bytes(it->size, 0xFF);
  std::copy(image.begin(), image.end(), bytes.begin());
  flash.front().second->nvm_load(it->offset, bytes);
}

}  // namespace boardemu::cli
