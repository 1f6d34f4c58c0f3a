// Listing (and, for `boardemu flash mkfs`, making) a littlefs v2 file system held in memory: the ESP8266 port's "/" (made
// by vfs.VfsLfs2 over firmware/esp8266/modules/flashbdev.py: 4 KiB blocks from
// esp.flash_user_start(), 0x100000, to the end of the flash), for the GUI's Flash window.
//
// The image is mounted and walked with littlefs itself: MicroPython's lib/littlefs/lfs2.c,
// built with the LFS2_* settings MicroPython uses (extmod/extmod.mk) and mounted with the
// parameters vfs.VfsLfs2 gives it by default (extmod/vfs_lfs.c, vfs_lfsx.c: read and program
// size 32, cache min(block size, 128), lookahead 32, block_cycles 100). Writes are refused.
// From littlefs's SPEC.md: the superblock is the first entry of the metadata pair in blocks 0
// and 1, its name tag the first tag, so "littlefs" sits at offset 8 of one of those blocks.
//
// Limits: every read is bounds-checked. littlefs checks each commit's CRC and the metadata list
// for cycles, but a directory whose pointers lead back into itself would still send it round
// in circles, so the walk stops with FsError after kLittlefsMaxEntries entries, directories
// nested kLittlefsMaxDepth deep, or reads totalling kLittlefsReadFactor times the region's
// size. Not covered: a crafted image (valid CRCs) with an empty metadata pair that names the
// same block twice and itself as its tail; lfs2 then loops over its cache without reading.
// Errors are FsError "littlefs: <where>: <problem> (error <lfs2 code>)".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fs/fs_entry.hpp"

namespace boardemu {

inline constexpr std::size_t kLittlefsMaxEntries = 65536;
inline constexpr int kLittlefsMaxDepth = 64;
inline constexpr std::uint64_t kLittlefsReadFactor = 256;

// Block 0 or block 1 of `region` holds the superblock's magic. An erased region (all 0xFF) has
// no file system, which is not an error.
bool is_littlefs(std::span<const std::uint8_t> region, std::uint32_t block_size = 4096);

// Every directory and file (size, and whether its data starts with 'M'), a directory before its
// contents, entries of a directory in littlefs's (name) order. `region` holds whole blocks (a
// partial last block is ignored) and must be the whole file system: littlefs checks the block
// count against its superblock. A region without the magic (see is_littlefs) lists as empty;
// a block size that is not a multiple of 128, or a malformed image, throws FsError.
std::vector<FsEntry> list_littlefs(std::span<const std::uint8_t> region, std::uint32_t block_size = 4096);

// One file or directory to put into a new file system ('/'-separated path from its root).
struct FsFile {
  std::string path;  // "lib/x.py"
  bool directory = false;
  std::vector<std::uint8_t> data;
};
// Formats `region` (whole blocks) as a littlefs v2 file system with the parameters vfs.VfsLfs2
// uses, so the firmware mounts it as its own, and writes `files` into it in order (a directory
// before its contents). Throws FsError "littlefs: <path>: <problem>" (no space left, a name too
// long, a block size that is not a multiple of 128).
void make_littlefs(std::span<std::uint8_t> region, const std::vector<FsFile>& files, std::uint32_t block_size = 4096);

}  // namespace boardemu
