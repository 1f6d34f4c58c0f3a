// What kind of file a stat() mode describes, for messages such as "x: is a FIFO, not a board
// file" or "serial:x: not a serial port (a regular file)".
#pragma once

#include <sys/stat.h>

namespace boardemu {

inline const char* file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "an unknown kind of file";
}

}  // namespace boardemu
