#include "fs/littlefs.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "lfs2.h"

namespace boardemu {
namespace {

// extmod/vfs_lfs.c defaults (readsize, progsize, lookahead) and vfs_lfsx.c's init_config.
constexpr lfs2_size_t kReadSize = 32;
constexpr lfs2_size_t kProgSize = 32;
constexpr lfs2_size_t kLookahead = 32;
constexpr std::int32_t kBlockCycles = 100;
constexpr lfs2_size_t kCacheSize = 4 * std::max(kReadSize, kProgSize);  // capped at the block size

constexpr char kMagic[] = "littlefs";
constexpr std::size_t kMagicOffset = 8;

std::string describe(int err) {
  const char* what = "error";
  switch (err) {
    case LFS2_ERR_IO: what = "read outside the region"; break;
    case LFS2_ERR_CORRUPT: what = "corrupt metadata"; break;
    case LFS2_ERR_NOENT: what = "entry not found"; break;
    case LFS2_ERR_NOTDIR: what = "not a directory"; break;
    case LFS2_ERR_ISDIR: what = "is a directory"; break;
    case LFS2_ERR_INVAL: what = "invalid superblock or parameters"; break;
    case LFS2_ERR_NAMETOOLONG: what = "name too long"; break;
  }
  return fmt::format("{} (error {})", what, err);
}

class LittlefsReader {
 public:
  LittlefsReader(std::span<const std::uint8_t> region, std::uint32_t block_size)
      : region_(region),
        budget_(kLittlefsReadFactor * region.size()),
        read_buffer_(std::min(block_size, kCacheSize)),
        prog_buffer_(read_buffer_.size()),
        file_buffer_(read_buffer_.size()),
        lookahead_buffer_(kLookahead) {
    config_.context = this;
    config_.read = read;
    config_.prog = [](const lfs2_config*, lfs2_block_t, lfs2_off_t, const void*, lfs2_size_t) {
      return int{LFS2_ERR_IO};
    };
    config_.erase = [](const lfs2_config*, lfs2_block_t) { return int{LFS2_ERR_IO}; };
    config_.sync = [](const lfs2_config*) { return int{LFS2_ERR_OK}; };
    config_.read_size = kReadSize;
    config_.prog_size = kProgSize;
    config_.block_size = block_size;
    config_.block_count = region.size() / block_size;
    config_.block_cycles = kBlockCycles;
    config_.cache_size = read_buffer_.size();
    config_.lookahead_size = kLookahead;
    config_.read_buffer = read_buffer_.data();
    config_.prog_buffer = prog_buffer_.data();
    config_.lookahead_buffer = lookahead_buffer_.data();
  }

  std::vector<FsEntry> list() {
    check(lfs2_mount(&lfs_, &config_), "mount");
    list_directory("", 0);
    lfs2_unmount(&lfs_);
    return std::move(entries_);
  }

 private:
  static int read(const lfs2_config* c, lfs2_block_t block, lfs2_off_t off, void* buffer, lfs2_size_t size) {
    auto* self = static_cast<LittlefsReader*>(c->context);
    if (block >= c->block_count || off > c->block_size || size > c->block_size - off) return LFS2_ERR_IO;
    if (size > self->budget_) {
      self->budget_exhausted_ = true;
      return LFS2_ERR_IO;
    }
    self->budget_ -= size;
    std::memcpy(buffer, &self->region_[std::size_t{block} * c->block_size + off], size);
    return LFS2_ERR_OK;
  }

  void check(int err, const std::string& where) const {
    if (err >= 0) return;
    if (budget_exhausted_) {
      throw FsError(fmt::format("littlefs: {}: gave up after reading {} times the region (a loop in "
                                "corrupt metadata?)", where, kLittlefsReadFactor));
    }
    throw FsError(fmt::format("littlefs: {}: {}", where, describe(err)));
  }

  // The entries of `dir` ("" for the root), each followed by its contents. On an error the
  // whole lfs2_t is dropped, open handles included (LFS2_NO_MALLOC: nothing to free).
  void list_directory(const std::string& dir, int depth) {
    if (depth == kLittlefsMaxDepth) {
      throw FsError(fmt::format("littlefs: {}: directories nested deeper than {}", dir, kLittlefsMaxDepth));
    }
    std::vector<FsEntry> here;
    lfs2_dir_t handle;
    const std::string where = dir.empty() ? "/" : dir;
    check(lfs2_dir_open(&lfs_, &handle, where.c_str()), where);
    while (true) {
      lfs2_info info;
      int more = lfs2_dir_read(&lfs_, &handle, &info);
      check(more, where);
      if (!more) break;
      if (std::strcmp(info.name, ".") == 0 || std::strcmp(info.name, "..") == 0) continue;
      if (++visited_ > kLittlefsMaxEntries) {
        throw FsError(fmt::format("littlefs: {}: more than {} entries (a loop in corrupt metadata?)",
                                  where, kLittlefsMaxEntries));
      }
      bool directory = info.type == LFS2_TYPE_DIR;
      here.push_back({dir + '/' + info.name, directory, directory ? 0 : info.size, false, 0});
    }
    lfs2_dir_close(&lfs_, &handle);
    for (FsEntry& entry : here) {
      if (!entry.directory && entry.size > 0) entry.bytecode = first_byte(entry.path) == 'M';
      entries_.push_back(entry);
      if (entry.directory) list_directory(entry.path, depth + 1);
    }
  }

  std::uint8_t first_byte(const std::string& path) {
    lfs2_file_t file;
    lfs2_file_config file_config{};
    file_config.buffer = file_buffer_.data();
    check(lfs2_file_opencfg(&lfs_, &file, path.c_str(), LFS2_O_RDONLY, &file_config), path);
    std::uint8_t byte = 0;
    lfs2_ssize_t n = lfs2_file_read(&lfs_, &file, &byte, 1);
    lfs2_file_close(&lfs_, &file);
    check(n, path);
    return byte;
  }

  std::span<const std::uint8_t> region_;
  std::uint64_t budget_;  // bytes littlefs may still read
  bool budget_exhausted_ = false;
  std::size_t visited_ = 0;  // entries lfs2_dir_read returned, "." and ".." aside
  std::vector<std::uint8_t> read_buffer_, prog_buffer_, file_buffer_, lookahead_buffer_;
  lfs2_config config_{};
  lfs2_t lfs_{};
  std::vector<FsEntry> entries_;
};

}  // namespace

bool is_littlefs(std::span<const std::uint8_t> region, std::uint32_t block_size) {
  for (std::size_t block = 0; block < 2; ++block) {
    std::size_t at = block * block_size + kMagicOffset;
    if (block_size >= kMagicOffset + 8 && region.size() >= at + 8 && std::memcmp(&region[at], kMagic, 8) == 0) {
      return true;
    }
  }
  return false;
}

void make_littlefs(std::span<std::uint8_t> region, const std::vector<FsFile>& files, std::uint32_t block_size) {
  if (block_size == 0 || block_size % kCacheSize != 0) {
    throw FsError(fmt::format("littlefs: block size {} is not a multiple of {}", block_size, kCacheSize));
  }
  if (region.size() / block_size < 2) throw FsError("littlefs: the region holds fewer than 2 blocks");
  struct Device {
    std::span<std::uint8_t> region;
  } device{region};
  std::vector<std::uint8_t> read_buffer(kCacheSize), prog_buffer(kCacheSize), file_buffer(kCacheSize),
      lookahead(kLookahead);
  lfs2_config c{};
  c.context = &device;
  c.read = [](const lfs2_config* c, lfs2_block_t b, lfs2_off_t off, void* buf, lfs2_size_t size) {
    auto* d = static_cast<Device*>(c->context);
    std::memcpy(buf, &d->region[std::size_t{b} * c->block_size + off], size);
    return int{LFS2_ERR_OK};
  };
  c.prog = [](const lfs2_config* c, lfs2_block_t b, lfs2_off_t off, const void* buf, lfs2_size_t size) {
    auto* d = static_cast<Device*>(c->context);
    std::memcpy(&d->region[std::size_t{b} * c->block_size + off], buf, size);
    return int{LFS2_ERR_OK};
  };
  c.erase = [](const lfs2_config* c, lfs2_block_t b) {
    auto* d = static_cast<Device*>(c->context);
    std::memset(&d->region[std::size_t{b} * c->block_size], 0xFF, c->block_size);
    return int{LFS2_ERR_OK};
  };
  c.sync = [](const lfs2_config*) { return int{LFS2_ERR_OK}; };
  c.read_size = kReadSize;
  c.prog_size = kProgSize;
  c.block_size = block_size;
  c.block_count = static_cast<lfs2_size_t>(region.size() / block_size);
  c.block_cycles = kBlockCycles;
  c.cache_size = kCacheSize;
  c.lookahead_size = kLookahead;
  c.read_buffer = read_buffer.data();
  c.prog_buffer = prog_buffer.data();
  c.lookahead_buffer = lookahead.data();
  auto check = [](int err, const std::string& where) {
    if (err < 0) {
      const char* what = err == LFS2_ERR_NOSPC ? "no space left in the file system" : nullptr;
      throw FsError(what ? fmt::format("littlefs: {}: {}", where, what)
                         : fmt::format("littlefs: {}: {}", where, describe(err)));
    }
  };
  std::fill(region.begin(), region.end(), std::uint8_t{0xFF});
  lfs2_t lfs{};
  check(lfs2_format(&lfs, &c), "format");
  check(lfs2_mount(&lfs, &c), "mount");
  for (const FsFile& f : files) {
    const std::string path = "/" + f.path;
    if (f.directory) {
      int err = lfs2_mkdir(&lfs, path.c_str());
      if (err != LFS2_ERR_EXIST) check(err, path);
      continue;
    }
    lfs2_file_t file;
    lfs2_file_config fc{};
    fc.buffer = file_buffer.data();
    check(lfs2_file_opencfg(&lfs, &file, path.c_str(), LFS2_O_WRONLY | LFS2_O_CREAT | LFS2_O_TRUNC, &fc), path);
    lfs2_ssize_t n = lfs2_file_write(&lfs, &file, f.data.data(), static_cast<lfs2_size_t>(f.data.size()));
    int closed = lfs2_file_close(&lfs, &file);
    check(n < 0 ? static_cast<int>(n) : closed, path);
  }
  check(lfs2_unmount(&lfs), "unmount");
}

std::vector<FsEntry> list_littlefs(std::span<const std::uint8_t> region, std::uint32_t block_size) {
  // littlefs needs the cache (128 bytes here) to divide the block size, and at least 128-byte blocks.
  if (block_size == 0 || block_size % kCacheSize != 0) {
    throw FsError(fmt::format("littlefs: block size {} is not a multiple of {}", block_size, kCacheSize));
  }
  if (!is_littlefs(region, block_size)) return {};
  if (region.size() / block_size > 0xffffffffu) throw FsError("littlefs: more than 2^32 blocks");
  return LittlefsReader(region, block_size).list();
}

}  // namespace boardemu
