#include "cli/flash_tool.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/session.hpp"
#include "core/board.hpp"
#include "core/host_file.hpp"
#include "fs/littlefs.hpp"
#include "machine/machine.hpp"

namespace boardemu::cli {

namespace {

struct MkfsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The files under `root` (relative paths, '/'-separated), a directory before its contents,
// entries sorted by name.
void collect(const std::filesystem::path& root, const std::string& rel, std::vector<FsFile>& out, int depth) {
  if (depth > kLittlefsMaxDepth) throw MkfsError(root.string() + ": directories nest too deep");
  std::vector<std::string> names;
  std::error_code ec;
  const std::filesystem::path here = rel.empty() ? root : root / rel;
  for (const auto& e : std::filesystem::directory_iterator(here, ec)) names.push_back(e.path().filename().string());
  if (ec) throw MkfsError(fmt::format("{}: cannot list: {}", here.string(), ec.message()));
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = rel.empty() ? name : rel + "/" + name;
    const std::string host = (root / path).string();
    struct stat st {};
    if (::stat(host.c_str(), &st) != 0) throw MkfsError(host + ": cannot stat");
    if (S_ISDIR(st.st_mode)) {
      out.push_back({path, true, {}});
      collect(root, path, out, depth + 1);
    } else {
      std::string bytes;
      try {
        bytes = read_regular_file(host, "file", std::uint64_t{64} << 20);
      } catch (const HostFileError& e) {
        throw MkfsError(e.what());
      }
      out.push_back({path, false, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
    }
  }
}

}  // namespace

int flash_mkfs(const std::string& board_name, const std::string& boards_dir, const std::string& dir,
               const std::string& file, bool report) {
  try {
    BoardDesc board = load_board_by_name(board_name, boards_dir.empty() ? repo_root() + "/boards" : boards_dir);
    auto part = std::find_if(board.partitions.begin(), board.partitions.end(),
                             [](const FlashPartition& p) { return p.kind == PartitionKind::filesystem; });
    if (part == board.partitions.end())
      throw MkfsError(fmt::format("board '{}' has no filesystem partition (its board file lists none)", board.name));
    const FlashPartition partition = *part;
    Machine machine(std::move(board));  // for the flash chip's size
    auto flash = machine.nonvolatile_memories(/*parts=*/false);
    const std::uint32_t chip = flash.front().second->nvm_size();

    std::vector<std::uint8_t> bytes(chip, 0xFF);
    if (std::filesystem::exists(file)) {
      std::string old;
      try {
        old = read_regular_file(file, "flash file", std::uint64_t{chip} + 1);
      } catch (const HostFileError& e) {
        throw MkfsError(e.what());
      }
      if (old.size() != chip)
        throw MkfsError(fmt::format("{}: {} bytes, but the flash chip of board '{}' holds {} (not a flash file of "
                                    "this board)",
                                    file, old.size(), machine.board().name, chip));
      std::copy(old.begin(), old.end(), bytes.begin());
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw MkfsError(dir + ": not a directory");
    std::vector<FsFile> files;
    collect(dir, "", files, 0);
    try {
      make_littlefs(std::span<std::uint8_t>(bytes).subspan(partition.offset, partition.size), files);
    } catch (const FsError& e) {
      throw MkfsError(fmt::format("{}: {}", dir, e.what()));
    }
    const std::string tmp = file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      out.flush();
      if (!out) throw MkfsError(file + ": cannot write");
    }
    if (std::rename(tmp.c_str(), file.c_str()) != 0) throw MkfsError(file + ": cannot write");
    std::size_t n_dirs = std::count_if(files.begin(), files.end(), [](const FsFile& f) { return f.directory; });
    if (report)
      std::printf("%s: littlefs in partition '%s' (0x%X, %u KiB) of board %s: %zu files, %zu directories\n",
                file.c_str(), partition.name.c_str(), partition.offset, partition.size / 1024,
                machine.board().name.c_str(), files.size() - n_dirs, n_dirs);
    return 0;
  } catch (const BoardError& e) {
    return fail(kExitBadInput, e.what());
  } catch (const MkfsError& e) {
    return fail(kExitBadInput, one_line(e.what()));
  }
}

}  // namespace boardemu::cli
