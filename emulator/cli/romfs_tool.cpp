#include "cli/romfs_tool.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/host_file.hpp"
#include "cli/session.hpp"
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
      // Names are the image's bytes: control characters are shown escaped, never sent to the
      // terminal.
      const std::string path = one_line(e.path);
      if (e.directory)
        std::printf("%s/\n", path.c_str());
      else
        std::printf("%-40s %8llu%s\n", path.c_str(), static_cast<unsigned long long>(e.size),
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

namespace {

using Bytes = std::vector<std::uint8_t>;

// The ROMFS writer of MicroPython's tools/mpremote/mpremote/romfs.py (VfsRomWriter), record for
// record: a varuint is big-endian, 7 bits a byte, high bit set on all but the last.
class RomfsWriter {
 public:
  RomfsWriter() { stack_.push_back({}); }
  void opendir(const std::string& name) { stack_.push_back({name, {}}); }
  void closedir() {
    Level l = std::move(stack_.back());
    stack_.pop_back();
    Bytes payload = uint(l.name.size());
    payload.insert(payload.end(), l.name.begin(), l.name.end());
    payload.insert(payload.end(), l.data.begin(), l.data.end());
    append(pack(kDirectory, payload));
  }
  void mkfile(const std::string& name, const Bytes& data) {
    Bytes payload = uint(name.size());
    payload.insert(payload.end(), name.begin(), name.end());
    Bytes record = pack(kVerbatim, data);
    payload.insert(payload.end(), record.begin(), record.end());
    append(pack(kFile, payload));
  }
  Bytes finalise() {
    const Bytes& data = stack_.front().data;
    Bytes out = {0xD2, 0xCD, 0x31};  // the ROMFS record's kind, 0x14a6b1, encoded
    Bytes len = uint(data.size());
    if ((out.size() + len.size() + data.size()) % 2 == 1) len.insert(len.begin(), 0x80);  // even length
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
  }

 private:
  static constexpr unsigned kVerbatim = 2, kDirectory = 4, kFile = 5;
  struct Level {
    std::string name;
    Bytes data;
  };
  static Bytes uint(std::uint64_t v) {
    Bytes out{static_cast<std::uint8_t>(v & 0x7F)};
    for (v >>= 7; v; v >>= 7) out.insert(out.begin(), static_cast<std::uint8_t>(0x80 | (v & 0x7F)));
    return out;
  }
  static Bytes pack(unsigned kind, const Bytes& payload) {
    Bytes out = uint(kind);
    Bytes len = uint(payload.size());
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
  }
  void append(const Bytes& b) { stack_.back().data.insert(stack_.back().data.end(), b.begin(), b.end()); }
  std::vector<Level> stack_;
};

Bytes read_file(const std::string& path) {
  try {
    std::string s = read_regular_file(path, "file", kMaxRomfsImageBytes);
    return Bytes(s.begin(), s.end());
  } catch (const HostFileError& e) {
    throw RomfsError(e.what());
  }
}

// Runs mpy-cross on `source` (spelled as given: it is embedded in the .mpy) into a temporary
// file and returns the .mpy; its complaint (a syntax error) becomes a RomfsError.
Bytes compile_mpy(const std::string& mpy_cross, const std::string& source) {
  char tmpl[] = "/tmp/boardemu-mpy-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) throw RomfsError(source + ": cannot make a temporary file for mpy-cross");
  ::close(fd);
  std::string out = tmpl, err = out + ".err";
  std::string cmd = fmt::format("'{}' -o '{}' '{}' 2>'{}'", mpy_cross, out, source, err);
  for (const std::string* s : {&mpy_cross, &source})
    if (s->find('\'') != std::string::npos) throw RomfsError(*s + ": a path with a quote (') cannot be passed on");
  int status = std::system(cmd.c_str());
  Bytes result;
  std::string why;
  if (status == 0) {
    result = read_file(out);
  } else {
    std::ifstream e(err);
    std::getline(e, why);
    std::string line;
    while (std::getline(e, line)) why = line;  // the last line says what is wrong
    if (why.empty()) why = fmt::format("{} failed (status {})", mpy_cross, status);
  }
  ::unlink(out.c_str());
  ::unlink(err.c_str());
  if (status != 0) throw RomfsError(one_line(fmt::format("{}: mpy-cross: {}", source, why)));
  return result;
}

// copy_recursively of mpremote's romfs.py: `src` ends in '/'.
void add_tree(RomfsWriter& w, const std::string& src, bool mpy, const std::string& mpy_cross, int depth) {
  if (depth > kRomfsMaxDepth) throw RomfsError(src + ": directories nest too deep");
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(src, ec)) names.push_back(e.path().filename().string());
  if (ec) throw RomfsError(fmt::format("{}: cannot list: {}", src, ec.message()));
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = src + name;
    for (unsigned char c : name)
      if (c >= 0x80) throw RomfsError(path + ": ROMFS names are ASCII (as mpremote writes them)");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw RomfsError(path + ": cannot stat");
    if (S_ISDIR(st.st_mode)) {
      w.opendir(name);
      add_tree(w, path + "/", mpy, mpy_cross, depth + 1);
      w.closedir();
      continue;
    }
    const bool py = name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
    const std::string mpy_name = py ? name.substr(0, name.size() - 3) + ".mpy" : "";
    struct stat beside {};
    if (mpy && py && !(::stat((src + mpy_name).c_str(), &beside) == 0 && S_ISREG(beside.st_mode)))
      w.mkfile(mpy_name, compile_mpy(mpy_cross, path));
    else
      w.mkfile(name, read_file(path));
  }
}

}  // namespace

std::string default_mpy_cross() {
  if (const char* env = std::getenv("BOARDEMU_MPY_CROSS")) return env;
  return repo_root() + "/build/deps/micropython/mpy-cross/build/mpy-cross";
}

int romfs_build(const std::string& dir, const std::string& output, bool mpy, const std::string& mpy_cross) {
  try {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw RomfsError(dir + ": not a directory");
    if (mpy && ::access(mpy_cross.c_str(), X_OK) != 0)
      throw RomfsError(mpy_cross + ": no mpy-cross there (run `make build`, give --mpy-cross, or use --no-mpy)");
    RomfsWriter w;
    add_tree(w, dir.back() == '/' ? dir : dir + "/", mpy, mpy_cross, 0);
    Bytes image = w.finalise();
    std::string tmp = output + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
      if (!out) throw RomfsError(output + ": cannot write");
    }
    if (std::rename(tmp.c_str(), output.c_str()) != 0) throw RomfsError(output + ": cannot write");
    std::printf("%s: %zu bytes\n", output.c_str(), image.size());
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
