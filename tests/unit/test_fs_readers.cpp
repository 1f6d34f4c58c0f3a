// fs/romfs.hpp and fs/littlefs.hpp: the flash file-system readers. ROMFS images are written
// here byte by byte in the format of MicroPython's extmod/vfs_rom.c; littlefs images are made
// by lfs2 itself (format, mkdir, write) over a vector, with vfs.VfsLfs2's default parameters.
// Truncated, corrupt and randomly mutated images must give FsError, never a crash or a hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "fs/littlefs.hpp"
#include "fs/romfs.hpp"
#include "lfs2.h"

namespace boardemu {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ---- ROMFS (extmod/vfs_rom.c) ----

Bytes varuint(std::uint64_t v) {
  Bytes out{static_cast<std::uint8_t>(v & 0x7f)};
  while (v >>= 7) out.insert(out.begin(), static_cast<std::uint8_t>(0x80 | (v & 0x7f)));
  return out;
}

Bytes record(std::uint64_t kind, const Bytes& payload) { return cat({varuint(kind), varuint(payload.size()), payload}); }

constexpr std::uint64_t kPadding = 1, kVerbatim = 2, kIndirect = 3, kDir = 4, kFile = 5;

Bytes named(std::uint64_t kind, std::string_view name, const Bytes& contents) {
  return record(kind, cat({varuint(name.size()), bytes(name), contents}));
}

Bytes romfs(const Bytes& payload) { return cat({{0xd2, 0xcd, 0x31}, varuint(payload.size()), payload}); }

struct Expected {
  std::string path;
  bool directory;
  std::uint64_t size;
  bool bytecode;
};

void expect_entries(const std::vector<FsEntry>& got, const std::vector<Expected>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].path);
    EXPECT_EQ(got[i].path, want[i].path);
    EXPECT_EQ(got[i].directory, want[i].directory);
    EXPECT_EQ(got[i].size, want[i].size);
    EXPECT_EQ(got[i].bytecode, want[i].bytecode);
  }
}

template <typename F>
std::string fs_error(F&& f) {
  try {
    f();
  } catch (const FsError& e) {
    return e.what();
  }
  return "(no FsError)";
}

const Bytes kBoot = bytes("print('hi')\n");
const Bytes kMpy = {'M', 6, 0, 31, 1, 2, 3, 4};
const Bytes kBig = [] {
  Bytes b(300);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>('a' + i % 26);
  return b;
}();

// A verbatim data record first (what big.py points at, at payload offset 3: kind, two length
// bytes), then files, padding, a nested directory, an unknown record kind and an empty dir.
Bytes sample_payload() {
  return cat({record(kVerbatim, kBig),
              named(kFile, "boot.py", record(kVerbatim, kBoot)),
              record(kPadding, bytes("a comment")),
              named(kDir, "lib", cat({named(kDir, "pkg", named(kFile, "mod.mpy", cat({record(0x40, bytes("meta")),
                                                                                      record(kVerbatim, kMpy)}))),
                                      named(kFile, "big.py", record(kIndirect, cat({varuint(kBig.size()), varuint(3)})))})),
              named(kDir, "empty", {}),
              named(kFile, "zero.txt", record(kVerbatim, {}))});
}

const std::vector<Expected> kSampleEntries = {
    {"/boot.py", false, kBoot.size(), false}, {"/lib", true, 0, false},
    {"/lib/pkg", true, 0, false},             {"/lib/pkg/mod.mpy", false, kMpy.size(), true},
    {"/lib/big.py", false, kBig.size(), false}, {"/empty", true, 0, false},
    {"/zero.txt", false, 0, false},
};

Bytes file_data(const Bytes& image, const FsEntry& e) {
  return Bytes(image.begin() + e.offset, image.begin() + e.offset + e.size);
}

TEST(Romfs, ListsNestedDirectoriesAndFilesWithTheirData) {
  Bytes image = romfs(sample_payload());
  ASSERT_TRUE(is_romfs(image));
  auto entries = list_romfs(image);
  expect_entries(entries, kSampleEntries);
  EXPECT_EQ(file_data(image, entries[0]), kBoot);
  EXPECT_EQ(file_data(image, entries[3]), kMpy);
  EXPECT_EQ(file_data(image, entries[4]), kBig);  // through the indirect record
}

TEST(Romfs, PaddedVaruintsAndTrailingBytesChangeNothing) {
  Bytes payload = sample_payload();
  // mpremote pads the header's length with 0x80 to make the record's size even.
  Bytes image = cat({{0xd2, 0xcd, 0x31, 0x80, 0x80}, varuint(payload.size()), payload, Bytes(100, 0xff)});
  expect_entries(list_romfs(image), kSampleEntries);
  // A record kind padded with 0x80 bytes is still a file.
  Bytes contents = cat({{1, 'x'}, record(kVerbatim, {'M'})});
  Bytes file = cat({{0x80, 0x80, kFile}, varuint(contents.size()), contents});
  expect_entries(list_romfs(romfs(file)), {{"/x", false, 1, true}});
}

TEST(Romfs, ErasedOrShortRegionIsNoImage) {
  Bytes erased(0x10000, 0xff);
  EXPECT_FALSE(is_romfs(erased));
  EXPECT_TRUE(list_romfs(erased).empty());
  EXPECT_FALSE(is_romfs(Bytes{}));
  EXPECT_FALSE(is_romfs(Bytes{0xd2, 0xcd, 0x31}));
  EXPECT_TRUE(is_romfs(romfs({})));
  EXPECT_TRUE(list_romfs(romfs({})).empty());
}

TEST(Romfs, EveryTruncationIsAnErrorNamingAnOffset) {
  Bytes image = romfs(sample_payload());
  for (std::size_t n = 4; n < image.size(); ++n) {
    std::string error = fs_error([&] { list_romfs(std::span(image).first(n)); });
    EXPECT_EQ(error.rfind("offset 0x", 0), 0u) << n << ": " << error;
  }
}

TEST(Romfs, MalformedRecordsNameTheirOffset) {
  // The payload starts at 4 (three header bytes, one length byte); the first nested record of
  // directory "d" at 4 + 4 (kind, length, name length, name).
  auto error_for = [](const Bytes& payload) { return fs_error([&] { list_romfs(romfs(payload)); }); };
  EXPECT_EQ(error_for(named(kDir, "d", {kFile, 0x7f})),
            "offset 0x8: record of kind 5 with a 0x7f-byte payload runs past the end of its enclosing "
            "record at 0xa");
  EXPECT_EQ(error_for(named(kDir, "d", record(0, {}))), "offset 0x8: record of kind 0 (unused): the image is corrupt");
  EXPECT_EQ(error_for(named(kDir, "d", {kFile, 0x01, 0x85})), "offset 0xa: varuint runs past the end of its record");
  EXPECT_EQ(error_for(named(kDir, "d", record(kFile, {9, 'x'}))),
            "offset 0x8: name length 0x9 runs past the end of its record");
  EXPECT_EQ(error_for(named(kDir, "d", named(kFile, "f", record(kPadding, {})))),
            "offset 0x8: file '/d/f' has no data record");
  EXPECT_EQ(error_for(named(kFile, "f", record(kIndirect, cat({varuint(2), varuint(9)})))),
            "offset 0x8: indirect data 0x9+0x2 of '/f' lies outside the ROMFS payload (0x8 bytes)");
  EXPECT_EQ(error_for(cat({Bytes(11, 0xff), {0x01, 0x00}})), "offset 0x4: varuint larger than 64 bits");
  Bytes header_only = {0xd2, 0xcd, 0x31, 0x10, 0x01, 0x00};
  EXPECT_EQ(fs_error([&] { list_romfs(header_only); }),
            "offset 0x0: the ROMFS record's 0x10-byte payload runs past the end of the image (0x6 bytes)");
}

TEST(Romfs, NestingIsBounded) {
  auto nested = [](int depth) {
    Bytes inner = named(kFile, "f", record(kVerbatim, {}));
    for (int i = 0; i < depth; ++i) inner = named(kDir, "d", inner);
    return romfs(inner);
  };
  EXPECT_EQ(list_romfs(nested(kRomfsMaxDepth)).size(), std::size_t(kRomfsMaxDepth) + 1);
  std::string error = fs_error([&] { list_romfs(nested(kRomfsMaxDepth + 1)); });
  EXPECT_NE(error.find("nested deeper than 64"), std::string::npos) << error;
}

// Any entry a mutated image yields stays inside the image; anything else is an FsError.
TEST(Romfs, RandomMutationsNeverCrash) {
  const Bytes image = romfs(sample_payload());
  std::mt19937 rng(12345);
  int errors = 0;
  for (int round = 0; round < 5000; ++round) {
    Bytes mutated = image;
    int changes = 1 + rng() % 4;
    for (int i = 0; i < changes; ++i) mutated[3 + rng() % (mutated.size() - 3)] = static_cast<std::uint8_t>(rng());
    if (rng() % 8 == 0) mutated.resize(3 + rng() % (mutated.size() - 3));
    try {
      for (const FsEntry& e : list_romfs(mutated)) {
        ASSERT_LE(e.offset + e.size, mutated.size()) << e.path;
      }
    } catch (const FsError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

// ---- littlefs ----

// A RAM block device with lfs2's configuration as vfs.VfsLfs2 sets it up (vfs_lfsx.c).
class LfsDevice {
 public:
  LfsDevice(std::uint32_t block_size, std::uint32_t block_count)
      : data(std::size_t{block_size} * block_count, 0xff), cache_(std::min<std::uint32_t>(block_size, 128)),
        prog_(cache_.size()), file_(cache_.size()), lookahead_(32) {
    cfg_.context = this;
    cfg_.read = [](const lfs2_config* c, lfs2_block_t b, lfs2_off_t off, void* buf, lfs2_size_t n) {
      std::memcpy(buf, &self(c)->data[std::size_t{b} * c->block_size + off], n);
      return 0;
    };
    cfg_.prog = [](const lfs2_config* c, lfs2_block_t b, lfs2_off_t off, const void* buf, lfs2_size_t n) {
      std::memcpy(&self(c)->data[std::size_t{b} * c->block_size + off], buf, n);
      return 0;
    };
    cfg_.erase = [](const lfs2_config* c, lfs2_block_t b) {
      std::fill_n(&self(c)->data[std::size_t{b} * c->block_size], c->block_size, 0xff);
      return 0;
    };
    cfg_.sync = [](const lfs2_config*) { return 0; };
    cfg_.read_size = 32;
    cfg_.prog_size = 32;
    cfg_.block_size = block_size;
    cfg_.block_count = block_count;
    cfg_.block_cycles = 100;
    cfg_.cache_size = cache_.size();
    cfg_.lookahead_size = lookahead_.size();
    cfg_.read_buffer = cache_.data();
    cfg_.prog_buffer = prog_.data();
    cfg_.lookahead_buffer = lookahead_.data();
    EXPECT_EQ(lfs2_format(&lfs_, &cfg_), 0);
    EXPECT_EQ(lfs2_mount(&lfs_, &cfg_), 0);
  }
  ~LfsDevice() { lfs2_unmount(&lfs_); }

  void mkdir(const char* path) { EXPECT_EQ(lfs2_mkdir(&lfs_, path), 0) << path; }
  void write(const char* path, const Bytes& content) {
    lfs2_file_t f;
    lfs2_file_config fc{};
    fc.buffer = file_.data();
    ASSERT_EQ(lfs2_file_opencfg(&lfs_, &f, path, LFS2_O_WRONLY | LFS2_O_CREAT, &fc), 0) << path;
    EXPECT_EQ(lfs2_file_write(&lfs_, &f, content.data(), content.size()), lfs2_ssize_t(content.size()));
    EXPECT_EQ(lfs2_file_close(&lfs_, &f), 0);
  }

  Bytes data;

 private:
  static LfsDevice* self(const lfs2_config* c) { return static_cast<LfsDevice*>(c->context); }
  Bytes cache_, prog_, file_, lookahead_;
  lfs2_config cfg_{};
  lfs2_t lfs_{};
};

const Bytes kLfsBoot = bytes("# This file is executed on every boot\n");

// What the firmware's first boot leaves, and more: nested directories, an .mpy, a file that
// spans blocks (a CTZ skip-list), an empty file and an empty directory.
Bytes sample_littlefs(std::uint32_t block_size, std::uint32_t block_count) {
  LfsDevice dev(block_size, block_count);
  dev.write("/boot.py", kLfsBoot);
  dev.mkdir("/lib");
  dev.mkdir("/lib/pkg");
  dev.mkdir("/data");
  dev.write("/lib/pkg/mod.mpy", kMpy);
  dev.write("/lib/big.bin", Bytes(10000, 0x5a));
  dev.write("/empty.txt", {});
  return dev.data;
}

const std::vector<Expected> kLittlefsEntries = {
    // littlefs keeps a directory's entries in name order.
    {"/boot.py", false, kLfsBoot.size(), false}, {"/data", true, 0, false},        {"/empty.txt", false, 0, false},
    {"/lib", true, 0, false},       {"/lib/big.bin", false, 10000, false}, {"/lib/pkg", true, 0, false},
    {"/lib/pkg/mod.mpy", false, kMpy.size(), true},
};

TEST(Littlefs, ListsWhatLfs2WroteWithEspParameters) {
  Bytes image = sample_littlefs(4096, 64);
  ASSERT_TRUE(is_littlefs(image));
  expect_entries(list_littlefs(image), kLittlefsEntries);
}

TEST(Littlefs, OtherBlockSizes) {
  Bytes image = sample_littlefs(512, 256);
  ASSERT_TRUE(is_littlefs(image, 512));
  expect_entries(list_littlefs(image, 512), kLittlefsEntries);
  // Block 0 holds the magic whatever the block size; the superblock then disagrees.
  EXPECT_EQ(fs_error([&] { list_littlefs(image, 4096); }),
            "littlefs: mount: invalid superblock or parameters (error -22)");
  EXPECT_EQ(fs_error([&] { list_littlefs(image, 100); }), "littlefs: block size 100 is not a multiple of 128");
}

TEST(Littlefs, ErasedRegionIsNoFileSystem) {
  Bytes erased(0x300000, 0xff);
  EXPECT_FALSE(is_littlefs(erased));
  EXPECT_TRUE(list_littlefs(erased).empty());
  EXPECT_FALSE(is_littlefs(Bytes(100, 0)));
}

TEST(Littlefs, WrongSizeOrCorruptSuperblockIsAnError) {
  Bytes image = sample_littlefs(4096, 64);
  // The superblock records 64 blocks.
  std::string error = fs_error([&] { list_littlefs(std::span(image).first(32 * 4096)); });
  EXPECT_EQ(error, "littlefs: mount: invalid superblock or parameters (error -22)");
  // Both blocks of the superblock's pair, past the magic: every commit's CRC fails.
  for (std::size_t block : {0, 1}) std::fill_n(&image[block * 4096 + 16], 64, 0);
  ASSERT_TRUE(is_littlefs(image));
  EXPECT_EQ(fs_error([&] { list_littlefs(image); }), "littlefs: mount: corrupt metadata (error -84)");
}

// Mutations land in the blocks lfs2 wrote (metadata and file data); the listing either
// succeeds or throws FsError.
TEST(Littlefs, RandomMutationsNeverCrash) {
  const std::uint32_t block_size = 512;
  const Bytes image = sample_littlefs(block_size, 64);
  std::vector<std::size_t> used;
  for (std::size_t b = 0; b < 64; ++b) {
    auto first = image.begin() + b * block_size;
    if (std::any_of(first, first + block_size, [](std::uint8_t x) { return x != 0xff; })) used.push_back(b);
  }
  std::mt19937 rng(54321);
  int errors = 0, listed = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes mutated = image;
    int changes = 1 + rng() % 8;
    for (int i = 0; i < changes; ++i) {
      std::size_t block = used[rng() % used.size()];
      mutated[block * block_size + rng() % block_size] = static_cast<std::uint8_t>(rng());
    }
    try {
      list_littlefs(mutated, block_size);
      ++listed;
    } catch (const FsError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(listed, 0);
}

TEST(Littlefs, MakeThenListRoundTrip) {
  // make_littlefs (boardemu flash mkfs) writes what list_littlefs then finds, sizes and all.
  std::vector<std::uint8_t> region(64 * 4096, 0);
  std::vector<FsFile> files = {{"lib", true, {}},
                               {"lib/mod.mpy", false, {'M', 6, 0, 31, 1, 2, 3}},
                               {"main.py", false, std::vector<std::uint8_t>(9000, 'x')},
                               {"lib/sub", true, {}},
                               {"lib/sub/empty.txt", false, {}}};
  make_littlefs(region, files);
  ASSERT_TRUE(is_littlefs(region));
  auto entries = list_littlefs(region);
  ASSERT_EQ(entries.size(), 5u);
  std::map<std::string, FsEntry> by_path;
  for (const FsEntry& e : entries) by_path[e.path] = e;
  EXPECT_TRUE(by_path.at("/lib").directory);
  EXPECT_EQ(by_path.at("/lib/mod.mpy").size, 7u);
  EXPECT_TRUE(by_path.at("/lib/mod.mpy").bytecode);
  EXPECT_EQ(by_path.at("/main.py").size, 9000u);
  EXPECT_FALSE(by_path.at("/main.py").bytecode);
  EXPECT_TRUE(by_path.at("/lib/sub").directory);
  EXPECT_EQ(by_path.at("/lib/sub/empty.txt").size, 0u);
}

TEST(Littlefs, MakeReportsNoSpaceNamingTheFile) {
  std::vector<std::uint8_t> region(8 * 4096, 0);
  std::vector<FsFile> files = {{"big.bin", false, std::vector<std::uint8_t>(64 * 1024, 1)}};
  try {
    make_littlefs(region, files);
    FAIL() << "64 KiB fitted into 32 KiB";
  } catch (const FsError& e) {
    EXPECT_NE(std::string(e.what()).find("littlefs: /big.bin: no space left"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace boardemu
