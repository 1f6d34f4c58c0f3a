// ROMFS images on the command line: `boardemu romfs ls|check IMAGE`, and `run --romfs IMAGE`,
// which writes an image into the board's ROMFS partition before boot (the firmware mounts it
// at /rom), as `mpremote romfs deploy` would have.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/machine.hpp"

namespace boardemu::cli {

// Largest image the tools read: more than any flash chip a board has.
constexpr std::uint64_t kMaxRomfsImageBytes = std::uint64_t{64} << 20;

class RomfsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and checks an image file: a regular file, the ROMFS header, every record well formed.
// Throws RomfsError "<path>: <problem>" (with the offset of a malformed record).
std::vector<std::uint8_t> read_romfs_image(const std::string& path);

// `boardemu romfs ls IMAGE`: the tree, one entry per line ("/lib/util.mpy  1234  bytecode"),
// directories ending in '/'. Returns the exit status (0, or 3 after one line on stderr).
int romfs_ls(const std::string& path);
// `boardemu romfs check IMAGE`: "IMAGE: ROMFS image, N files in M directories, B bytes", or the
// first defect with its offset (exit 3).
int romfs_check(const std::string& path);

// `boardemu romfs build DIR -o IMAGE [--no-mpy]`: the ROMFS image of a directory tree, as
// `mpremote romfs build` makes it (tools/mpremote/mpremote/romfs.py): entries sorted by name,
// directories recursively; each .py compiled to .mpy by `mpy_cross` (run as `MPY_CROSS -o TMP
// DIR/rel/path.py`, the source path spelled as mpremote spells it, so the .mpy is the same)
// unless a .mpy of that name is already beside it or `mpy` is false. For the same tree and
// mpy-cross the bytes are those of mpremote. Returns the exit status (3 after one line naming
// the path and problem: an unreadable file, a non-ASCII name, a .py that mpy-cross rejects).
int romfs_build(const std::string& dir, const std::string& output, bool mpy, const std::string& mpy_cross);

// The mpy-cross the firmware build made (build/deps/micropython/mpy-cross/build/mpy-cross).
std::string default_mpy_cross();

// Writes `image` into the romfs partition of the machine's flash chip, the rest of the
// partition erased (0xFF). Throws RomfsError when the board has no ROMFS partition or the image
// does not fit it.
void install_romfs(Machine& machine, const std::vector<std::uint8_t>& image, const std::string& path);

}  // namespace boardemu::cli
