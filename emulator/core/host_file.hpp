// Host files that users name: what kind of file a stat() mode describes (for messages such as
// "x: is a FIFO, not a board file" or "serial:x: not a serial port (a regular file)"), and
// reading a user's text file without blocking on a FIFO or reading a device for ever.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <stdexcept>
#include <string>

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

class HostFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a regular file of at most `max_bytes`. O_NONBLOCK keeps open() from waiting for a
// FIFO's writer; anything but a regular file is refused before a byte is read. Throws
// HostFileError "<path>: <problem>", `what` naming the file's role ("board file").
std::string read_regular_file(const std::string& path, const std::string& what, std::uint64_t max_bytes);

// A message about a user's file stays one line whatever the file holds: control characters
// that reach it (a quoted "\n" in a value, a NUL or line break quoted by a yaml-cpp message)
// are written as escapes (\n, \r, \t, \xNN).
std::string one_line(const std::string& message);

// Guest or user text shown on several lines (a UART's output in a failure message, a JUnit
// report): line feeds and tabs kept, carriage returns dropped, other control characters and
// DEL as \xNN; bytes from 0x80 up too if `ascii_only`, else kept (UTF-8).
std::string printable_lines(const std::string& text, bool ascii_only);

}  // namespace boardemu
