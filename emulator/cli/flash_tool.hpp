// `boardemu flash mkfs --board B --littlefs DIR FILE`: a flash file (the format `--flash FILE`
// keeps: the chip's bytes) whose filesystem partition holds a littlefs v2 file system with the
// files of a host directory, as the firmware would have written them. An existing FILE keeps
// everything outside that partition (a ROMFS image, for one); a new one is erased flash.
#pragma once

#include <string>

namespace boardemu::cli {

// Returns the exit status: 0, or 3 after one line naming the file or path and the problem.
// With `report`, says on stdout what it made.
int flash_mkfs(const std::string& board, const std::string& boards_dir, const std::string& dir,
               const std::string& file, bool report = true);

}  // namespace boardemu::cli
