// Read-only listing of a MicroPython ROMFS image (the `vfs.VfsRom` format that `mpremote romfs`
// writes and the firmware mounts at /rom), for the GUI's Flash window.
//
// Format, as the comment at the top of MicroPython's extmod/vfs_rom.c defines it:
// - a varuint is big-endian, 7 bits a byte, the high bit set on every byte but the last; leading
//   0x80 bytes are padding and change nothing;
// - a record is a varuint kind, a varuint payload length, then the payload;
// - the image is one record of kind 0x14a6b1, whose encoding is the header bytes D2 CD 31
//   ("RM1" with the first two high bits set); its payload holds records;
// - kinds: 0 unused (marks corruption), 1 padding, 2 verbatim data (the payload is the file's
//   data), 3 indirect data (varuints size and offset, the offset counted from the start of the
//   ROMFS record's payload), 4 directory and 5 file (each: varuint name length, the name, then
//   nested records: a directory's entries; a file's data record among others). Any other kind
//   is skipped, as MicroPython skips it.
// A file's size and data come from the first data record in it, as MicroPython takes them.
//
// Limits: directories nest at most kRomfsMaxDepth deep; every length is checked against the
// record that encloses it, so nothing is read outside `image` and each step moves forward.
// Errors are FsError "offset 0x<hex>: <problem>", the offset counted from the start of `image`.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fs/fs_entry.hpp"

namespace boardemu {

inline constexpr int kRomfsMaxDepth = 64;

// The image starts with the ROMFS header bytes. An erased region (all 0xFF) does not: it holds
// no ROMFS image, which is not an error.
bool is_romfs(std::span<const std::uint8_t> image);

// Every directory and file in image order, a directory before its contents. An image without
// the header lists as empty (see is_romfs); a malformed one throws FsError.
std::vector<FsEntry> list_romfs(std::span<const std::uint8_t> image);

}  // namespace boardemu
