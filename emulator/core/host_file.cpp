#include "core/host_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace boardemu {

std::string read_regular_file(const std::string& path, const std::string& what, std::uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) throw HostFileError(path + ": cannot open " + what + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw HostFileError(path + ": cannot read " + what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw HostFileError(path + ": is " + file_kind(st.st_mode) + ", not a " + what);
  auto too_large = [&] {
    return HostFileError(path + ": is too large for a " + what + " (at most " + std::to_string(max_bytes) + " bytes)");
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) throw too_large();
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw HostFileError(path + ": cannot read " + what + ": " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) throw too_large();
  }
  return text;
}

std::string printable_lines(const std::string& s, bool ascii_only) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\r') continue;
    if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && (c < 0x80 || !ascii_only))) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string one_line(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace boardemu
