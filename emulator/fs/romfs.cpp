#include "fs/romfs.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "core/host_file.hpp"

namespace boardemu {
namespace {

// extmod/vfs_rom.c: ROMFS_HEADER_BYTE0..2, the encoding of record kind 0x14a6b1.
constexpr std::uint8_t kHeader[] = {0x80 | 'R', 0x80 | 'M', '1'};

enum RecordKind : std::uint64_t {
  kUnused = 0,
  kPadding = 1,
  kDataVerbatim = 2,
  kDataIndirect = 3,
  kDirectory = 4,
  kFile = 5,
};

struct Record {
  std::size_t start;    // first byte of the kind
  std::uint64_t kind;
  std::size_t payload;  // first byte of the payload
  std::size_t end;      // one past the payload
};

struct FileData {
  std::size_t offset;
  std::uint64_t size;
};

class RomfsReader {
 public:
  explicit RomfsReader(std::span<const std::uint8_t> image) : image_(image) {}

  std::vector<FsEntry> list() {
    if (image_.size() > std::numeric_limits<std::uint32_t>::max()) fail(0, "image larger than 4 GiB");
    std::size_t pos = sizeof kHeader;
    std::uint64_t length = varuint(pos, image_.size());
    if (length > image_.size() - pos) {
      fail(0, fmt::format("the ROMFS record's 0x{:x}-byte payload runs past the end of the image "
                          "(0x{:x} bytes)", length, image_.size()));
    }
    fs_begin_ = pos;
    fs_end_ = pos + length;
    list_directory(fs_begin_, fs_end_, "", 0);
    return std::move(entries_);
  }

 private:
  // One line whatever the image holds: names quoted in a message may contain any byte.
  [[noreturn]] static void fail(std::size_t offset, const std::string& problem) {
    throw FsError(one_line(fmt::format("offset 0x{:x}: {}", offset, problem)));
  }

  // A varuint at `pos`, which must end before `end` (the end of the enclosing record).
  std::uint64_t varuint(std::size_t& pos, std::size_t end) const {
    const std::size_t start = pos;
    std::uint64_t value = 0;
    std::uint8_t byte;
    do {
      if (pos >= end) fail(start, "varuint runs past the end of its record");
      if (value > std::numeric_limits<std::uint64_t>::max() >> 7) fail(start, "varuint larger than 64 bits");
      byte = image_[pos++];
      value = (value << 7) | (byte & 0x7f);
    } while (byte & 0x80);
    return value;
  }

  Record record(std::size_t pos, std::size_t end) const {
    Record r{pos, 0, 0, 0};
    r.kind = varuint(pos, end);
    std::uint64_t length = varuint(pos, end);
    if (length > end - pos) {
      fail(r.start, fmt::format("record of kind {} with a 0x{:x}-byte payload runs past the end of "
                                "its enclosing record at 0x{:x}", r.kind, length, end));
    }
    if (r.kind == kUnused) fail(r.start, "record of kind 0 (unused): the image is corrupt");
    r.payload = pos;
    r.end = pos + length;
    return r;
  }

  // The first data record among a file's nested records [pos, end).
  FileData file_data(std::size_t pos, std::size_t end, const Record& file, const std::string& path) const {
    while (pos < end) {
      Record r = record(pos, end);
      if (r.kind == kDataVerbatim) return {r.payload, r.end - r.payload};
      if (r.kind == kDataIndirect) {
        std::size_t p = r.payload;
        std::uint64_t size = varuint(p, r.end);
        std::uint64_t offset = varuint(p, r.end);
        const std::uint64_t fs_size = fs_end_ - fs_begin_;
        if (offset > fs_size || size > fs_size - offset) {
          fail(r.start, fmt::format("indirect data 0x{:x}+0x{:x} of '{}' lies outside the ROMFS "
                                    "payload (0x{:x} bytes)", offset, size, path, fs_size));
        }
        return {static_cast<std::size_t>(fs_begin_ + offset), size};
      }
      pos = r.end;
    }
    fail(file.start, fmt::format("file '{}' has no data record", path));
  }

  void list_directory(std::size_t pos, std::size_t end, const std::string& dir, int depth) {
    while (pos < end) {
      Record r = record(pos, end);
      pos = r.end;
      if (r.kind != kDirectory && r.kind != kFile) continue;  // padding, data, unknown kinds
      std::size_t p = r.payload;
      std::uint64_t name_length = varuint(p, r.end);
      if (name_length > r.end - p) {
        fail(r.start, fmt::format("name length 0x{:x} runs past the end of its record", name_length));
      }
      std::string path = dir + '/';
      path.append(reinterpret_cast<const char*>(&image_[p]), name_length);
      p += name_length;
      if (r.kind == kDirectory) {
        if (depth == kRomfsMaxDepth) fail(r.start, fmt::format("directories nested deeper than {}", kRomfsMaxDepth));
        entries_.push_back({path, true, 0, false, 0});
        list_directory(p, r.end, path, depth + 1);
      } else {
        FileData data = file_data(p, r.end, r, path);
        bool bytecode = data.size > 0 && image_[data.offset] == 'M';
        entries_.push_back({path, false, data.size, bytecode, static_cast<std::uint32_t>(data.offset)});
      }
    }
  }

  std::span<const std::uint8_t> image_;
  std::size_t fs_begin_ = 0;  // the ROMFS record's payload, which indirect offsets count from
  std::size_t fs_end_ = 0;
  std::vector<FsEntry> entries_;
};

}  // namespace

bool is_romfs(std::span<const std::uint8_t> image) {
  // vfs_rom.c accepts at least ROMFS_SIZE_MIN (4) bytes starting with the header.
  return image.size() >= 4 && std::equal(std::begin(kHeader), std::end(kHeader), image.begin());
}

std::vector<FsEntry> list_romfs(std::span<const std::uint8_t> image) {
  if (!is_romfs(image)) return {};
  return RomfsReader(image).list();
}

}  // namespace boardemu
