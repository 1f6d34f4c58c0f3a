// Host backends for the emulated serial lines: see core/chardev.hpp and hostio/host_chardevs.hpp.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libserialport.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/chardev.hpp"
#include "core/host_file.hpp"
#include "hostio/host_chardevs.hpp"
#include "hostio/listen_socket.hpp"

namespace boardemu {

namespace {

std::atomic<bool> g_quit_requested{false};

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// Writes a diagnostic line to stderr. Backends speak on stderr only: stdout may carry the
// guest console or the pty announcement.
void note(const std::string& line) {
  std::fputs(line.c_str(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

// ---- terminal state, restorable from exit paths and signal handlers ------------------------

struct SavedStdin {
  // Written before any handler that reads them is installed; read from signal handlers.
  volatile std::sig_atomic_t termios_saved = 0;
  termios tio{};
  volatile std::sig_atomic_t flags_saved = 0;
  int flags = 0;
};
SavedStdin g_stdin;

// Async-signal-safe: tcsetattr and fcntl only.
void restore_stdin() {
  if (g_stdin.termios_saved) {
    tcsetattr(STDIN_FILENO, TCSADRAIN, &g_stdin.tio);
    g_stdin.termios_saved = 0;
  }
  if (g_stdin.flags_saved) {
    fcntl(STDIN_FILENO, F_SETFL, g_stdin.flags);
    g_stdin.flags_saved = 0;
  }
}

extern "C" void restore_stdin_at_exit() { restore_stdin(); }

extern "C" void restore_stdin_on_signal(int sig) {
  restore_stdin();
  // SA_RESETHAND put the default action back: deliver the signal again to get it.
  raise(sig);
}

void register_restore_paths() {
  static bool registered = false;
  if (registered) return;
  registered = true;
  std::atexit(restore_stdin_at_exit);
  // Only signals nobody else has claimed: a run loop that installs its own handlers later
  // takes over, and then exits through the destructor or atexit.
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = restore_stdin_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigaction(sig, &sa, nullptr);
  }
}

// Writes everything to `fd` (stdout: a terminal, pipe or file, blocking), waiting for room as
// long as the reader takes it. Each write follows a poll that reported room and is small enough
// for that room (a pipe with room takes a page at once), so a reader that stops reading holds
// the emulator in poll(), where a quit request (SIGINT, SIGTERM) is seen within 100 ms, and
// never in a write() the kernel restarts after the signal. Returns false if the reader went
// away; on a quit request the rest is dropped.
bool write_all_waiting(int fd, const std::uint8_t* data, std::size_t len) {
  constexpr std::size_t kChunk = 512;
  while (len > 0) {
    if (host_quit_requested()) return true;
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) return false;
    if (r <= 0) continue;
    if (p.revents & (POLLERR | POLLNVAL)) return false;
    ssize_t n = ::write(fd, data, std::min(len, kChunk));
    if (n > 0) {
      data += n;
      len -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return false;
    }
  }
  return true;
}

// Waits up to 100 ms for room to write on `fd`; false if the host asked to quit meanwhile (the
// signal's EINTR ends the wait early).
bool wait_for_room(int fd) {
  if (host_quit_requested()) return false;
  pollfd p{fd, POLLOUT, 0};
  ::poll(&p, 1, 100);
  return !host_quit_requested();
}

}  // namespace

bool host_quit_requested() { return g_quit_requested.load(std::memory_order_relaxed); }
void set_host_quit_requested() { g_quit_requested.store(true, std::memory_order_relaxed); }

namespace hostio {

// ---- ConsoleEscape ---------------------------------------------------------------------------

ConsoleEscape::Action ConsoleEscape::feed(std::uint8_t byte, ByteQueue& out) {
  if (!pending_escape_) {
    if (byte == kEscape) {
      pending_escape_ = true;
    } else {
      out.push(byte);
    }
    return Action::none;
  }
  pending_escape_ = false;
  switch (byte) {
    case 'x':
    case 'X':
      return Action::quit;
    case 'h':
    case 'H':
    case '?':
      return Action::help;
    case kEscape:
      out.push(kEscape);
      return Action::none;
    default:
      out.push(kEscape);
      out.push(byte);
      return Action::none;
  }
}

// ---- stdio -----------------------------------------------------------------------------------

StdioCharBackend::StdioCharBackend() {
  tty_ = isatty(STDIN_FILENO) == 1;
  if (tty_) {
    if (tcgetpgrp(STDIN_FILENO) != getpgrp()) {
      // In the background a terminal read would stop the process (SIGTTIN): no input, and the
      // terminal is left alone.
      note("boardemu: stdin is a terminal of another process group; serial input is off");
      input_off_ = true;
      return;
    }
    termios tio{};
    if (tcgetattr(STDIN_FILENO, &tio) != 0) throw ChardevError(errno_text("stdio: tcgetattr"));
    g_stdin.tio = tio;
    g_stdin.termios_saved = 1;
    register_restore_paths();
    termios raw = tio;
    cfmakeraw(&raw);
    // Keep output processing so that diagnostics on stderr (same terminal) start at column 0.
    raw.c_oflag = tio.c_oflag;
    // VMIN=0, VTIME=0: read() returns at once with what is there, so polling needs no
    // O_NONBLOCK on a descriptor shared with the shell.
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) {
      restore_stdin();
      throw ChardevError(errno_text("stdio: tcsetattr"));
    }
  } else {
    int flags = fcntl(STDIN_FILENO, F_GETFL);
    if (flags < 0) {
      eof_ = true;  // no stdin at all
      return;
    }
    g_stdin.flags = flags;
    g_stdin.flags_saved = 1;
    register_restore_paths();
    fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK);
  }
}

StdioCharBackend::~StdioCharBackend() { restore_stdin(); }

void StdioCharBackend::poll() {
  if (eof_ || input_off_) return;
  std::uint8_t buf[4096];
  std::size_t room = std::min(sizeof buf, input_room());
  if (room == 0) return;  // backlog full: the rest waits in the pipe or the terminal
  ssize_t n = ::read(STDIN_FILENO, buf, room);
  if (n > 0) {
    if (!tty_) {
      input_.push(buf, static_cast<std::size_t>(n));
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      switch (escape_.feed(buf[i], input_)) {
        case ConsoleEscape::Action::none:
          break;
        case ConsoleEscape::Action::quit:
          // The terminal keeps output processing (ONLCR), so "\n" is enough here.
          note("\nboardemu: terminated (Ctrl-A x)");
          g_quit_requested.store(true, std::memory_order_relaxed);
          break;
        case ConsoleEscape::Action::help:
          note("\nC-a x    exit the emulator\nC-a C-a  send C-a to the guest\n"
               "C-a h    this help");
          break;
      }
    }
  } else if (n == 0) {
    // A terminal with VMIN=0 returns 0 when nothing was typed; anything else is end of file.
    if (!tty_) eof_ = true;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    eof_ = true;  // EIO: the terminal hung up; EBADF: no stdin
  }
}

void StdioCharBackend::write(const std::uint8_t* data, std::size_t len) {
  if (output_dead_) return;
  if (!write_all_waiting(STDOUT_FILENO, data, len)) output_dead_ = true;
}

// ---- pty -------------------------------------------------------------------------------------

PtyCharBackend::PtyCharBackend() {
  master_ = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (master_ < 0) throw ChardevError(errno_text("pty: posix_openpt"));
  auto fail = [this](const char* what) {
    std::string msg = errno_text(std::string("pty: ") + what);
    ::close(master_);
    master_ = -1;
    throw ChardevError(msg);
  };
  if (grantpt(master_) != 0) fail("grantpt");
  if (unlockpt(master_) != 0) fail("unlockpt");
  fcntl(master_, F_SETFD, FD_CLOEXEC);
  char name[128];
  if (ptsname_r(master_, name, sizeof name) != 0) fail("ptsname");
  slave_name_ = name;
  // Raw mode is a property of the slave side. Opening and closing the slave here also leaves
  // the pair in the "slave closed" state, which the master can see (read fails with EIO), so
  // output is discarded until a real client opens it.
  int slave = ::open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (slave < 0) fail("open slave");
  termios tio{};
  if (tcgetattr(slave, &tio) != 0) {
    ::close(slave);
    fail("tcgetattr");
  }
  cfmakeraw(&tio);
  if (tcsetattr(slave, TCSANOW, &tio) != 0) {
    ::close(slave);
    fail("tcsetattr");
  }
  ::close(slave);
}

PtyCharBackend::~PtyCharBackend() {
  if (master_ >= 0) ::close(master_);
}

bool PtyCharBackend::check_connected() {
  pollfd p{master_, POLLOUT, 0};
  if (::poll(&p, 1, 0) < 0) return connected_;
  // POLLHUP on the master: no process has the slave open.
  if (p.revents & POLLHUP) {
    if (connected_) disconnected();
  } else {
    connected_ = true;
  }
  return connected_;
}

void PtyCharBackend::disconnected() {
  connected_ = false;
  pending_.clear();  // nobody to deliver it to; a later client starts with fresh output
}

void PtyCharBackend::poll() {
  std::uint8_t buf[4096];
  std::size_t room = std::min(sizeof buf, input_room());
  // Backlog full: leave the rest in the pty, whose full buffer then blocks the client's writes.
  ssize_t n = room == 0 ? 0 : ::read(master_, buf, room);
  if (n > 0) {
    connected_ = true;
    input_.push(buf, static_cast<std::size_t>(n));
  } else if (n < 0 && errno == EIO) {
    if (connected_) disconnected();
  } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    connected_ = true;  // the slave is open, nothing typed
  }
  if (connected_ && !pending_.empty()) flush_pending();
}

void PtyCharBackend::flush_pending() {
  while (!pending_.empty()) {
    ssize_t n = ::write(master_, pending_.data(), pending_.size());
    if (n > 0) {
      pending_.consume(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) disconnected();
      return;
    }
  }
}

void PtyCharBackend::write(const std::uint8_t* data, std::size_t len) {
  if (!connected_ && !check_connected()) return;  // nobody listening: discard
  pending_.push(data, len);
  flush_pending();
  if (pending_.size() <= kMaxPendingOutput) return;
  // A connected client that does not read: wait for it a bounded time.
  for (int waited = 0; waited < kOutputStallLimitMs && connected_ &&
                       pending_.size() > kMaxPendingOutput;
       waited += 100) {
    if (!wait_for_room(master_)) break;
    if (!check_connected()) return;
    flush_pending();
  }
  if (pending_.size() > kMaxPendingOutput) {
    if (!noted_drop_) note("boardemu: pty client is not reading; dropping serial output");
    noted_drop_ = true;
    pending_.clear();
  }
}

// ---- tcp -------------------------------------------------------------------------------------

TcpCharBackend::TcpCharBackend(const std::string& host, std::uint16_t port, const std::string& what)
    : host_(host) {
  Listener l;
  try {
    l = listen_tcp(host, port, 1);
  } catch (const ListenError& e) {
    throw ChardevError(std::string("tcp: ") + e.what());
  }
  listen_fd_ = l.fd;
  port_ = l.port;
  warn_if_exposed(what + " (tcp)", host_, l);
  note("boardemu: " + what + " waiting for a client on tcp " + host_ + ":" + std::to_string(port_));
}

TcpCharBackend::~TcpCharBackend() {
  if (client_ >= 0) ::close(client_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TcpCharBackend::disconnect(const char* why) {
  ::close(client_);
  client_ = -1;
  pending_.clear();
  note(std::string("boardemu: tcp client ") + why + "; waiting for a client on " + host_ + ":" +
       std::to_string(port_));
}

void TcpCharBackend::poll() {
  if (client_ < 0) {
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    client_ = c;
    noted_drop_ = false;
    note("boardemu: tcp client connected on " + host_ + ":" + std::to_string(port_));
    return;
  }
  // Backlog full: the rest stays in the socket, and TCP flow control stops the client. (A
  // disconnect is then noticed once the guest has taken the backlog.)
  if (std::size_t room = input_room(); room > 0) {
    std::uint8_t buf[4096];
    ssize_t n = ::recv(client_, buf, std::min(sizeof buf, room), 0);
    if (n > 0) {
      input_.push(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      disconnect("disconnected");
      return;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      disconnect("lost");
      return;
    }
  }
  if (!pending_.empty()) flush_pending();
}

void TcpCharBackend::flush_pending() {
  while (client_ >= 0 && !pending_.empty()) {
    ssize_t n = ::send(client_, pending_.data(), pending_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      pending_.consume(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) disconnect("lost");
      return;
    }
  }
}

void TcpCharBackend::write(const std::uint8_t* data, std::size_t len) {
  if (client_ < 0) return;  // nobody listening: discard
  pending_.push(data, len);
  flush_pending();
  for (int waited = 0; waited < kOutputStallLimitMs && client_ >= 0 &&
                       pending_.size() > kMaxPendingOutput;
       waited += 100) {
    if (!wait_for_room(client_)) break;
    flush_pending();
  }
  if (pending_.size() > kMaxPendingOutput) {
    if (!noted_drop_) note("boardemu: tcp client is not reading; dropping serial output");
    noted_drop_ = true;
    pending_.clear();
  }
}

// ---- serial ----------------------------------------------------------------------------------

namespace {

// Why a libserialport call failed. Only SP_ERR_FAIL comes with a meaningful errno text; the
// other codes leave whatever errno held before ("Success"), so they are named here.
std::string sp_reason(sp_return code) {
  std::string reason;
  switch (code) {
    case SP_ERR_FAIL: {
      char* msg = sp_last_error_message();
      reason = msg ? msg : "unknown error";
      if (msg) sp_free_error_message(msg);
      break;
    }
    case SP_ERR_ARG:
      reason = "libserialport does not take it as a serial port";
      break;
    case SP_ERR_MEM:
      reason = "out of memory";
      break;
    case SP_ERR_SUPP:
      reason = "not supported by this port";
      break;
    default:
      reason = "error " + std::to_string(static_cast<int>(code));
  }
  // Keep the message on one line.
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r')) reason.pop_back();
  return reason;
}

std::string sp_error(const std::string& what, sp_return code) { return what + ": " + sp_reason(code); }

// Unix 98 pseudo-terminal slaves (Documentation/admin-guide/devices.txt: majors 136-143).
bool is_pty_slave(const struct stat& st) {
  unsigned m = major(st.st_rdev);
  return m >= 136 && m <= 143;
}

// What stat() alone tells about `device`; "" when it is a character device.
std::string stat_problem(const std::string& device) {
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) return std::strerror(errno);
    // "serial:/dev/ttyUSB0:fast": a baud rate that is not a number reads as part of the path.
    auto colon = device.rfind(':');
    struct stat head {};
    if (colon != std::string::npos && colon > 0 && ::stat(device.substr(0, colon).c_str(), &head) == 0)
      return "bad baud rate '" + device.substr(colon + 1) + "' (expected serial:DEVICE[:BAUD] with BAUD " +
             std::to_string(kMinBaud) + ".." + std::to_string(kMaxBaud) + ")";
    return "no such device";
  }
  if (!S_ISCHR(st.st_mode)) return std::string("not a serial port (") + file_kind(st.st_mode) + ")";
  if (is_pty_slave(st))
    return "not a serial port (a pseudo-terminal: libserialport opens real serial ports only; "
           "--uart0 pty makes one of its own)";
  return {};
}

}  // namespace

std::string serial_device_problem(const std::string& device) {
  std::string p = stat_problem(device);
  if (!p.empty()) return p;
  int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open: ") + std::strerror(errno);
  bool tty = isatty(fd) == 1;
  ::close(fd);
  if (!tty) return "not a serial port (a character device that is not a terminal)";
  return {};
}

SerialCharBackend::SerialCharBackend(const std::string& device, unsigned baud)
    : device_(device) {
  const std::string where = "serial:" + device;
  // Cheap checks first: they need no open() (opening a port can reset the board behind it, as
  // DTR toggles), and they name the problem where libserialport would not.
  if (std::string p = stat_problem(device); !p.empty()) throw ChardevError(where + ": " + p);
  // The port's own open happens once, in libserialport; only when that fails do we open it
  // ourselves to find out why.
  auto explain = [&](const std::string& fallback) {
    std::string p = serial_device_problem(device);
    return where + ": " + (p.empty() ? fallback : p);
  };
  if (sp_return r = sp_get_port_by_name(device.c_str(), &port_); r != SP_OK) {
    port_ = nullptr;
    throw ChardevError(explain(sp_reason(r)));
  }
  if (sp_return r = sp_open(port_, SP_MODE_READ_WRITE); r != SP_OK) {
    std::string fallback = sp_error("open", r);
    sp_free_port(port_);
    port_ = nullptr;
    throw ChardevError(explain(fallback));
  }
  auto check = [&](sp_return r, const char* what) {
    if (r == SP_OK) return;
    std::string msg = sp_error(where + ": " + what, r);
    sp_close(port_);
    sp_free_port(port_);
    port_ = nullptr;
    throw ChardevError(msg);
  };
  check(sp_set_baudrate(port_, static_cast<int>(baud)), "baud rate");
  check(sp_set_bits(port_, 8), "data bits");
  check(sp_set_parity(port_, SP_PARITY_NONE), "parity");
  check(sp_set_stopbits(port_, 1), "stop bits");
  check(sp_set_flowcontrol(port_, SP_FLOWCONTROL_NONE), "flow control");
}

SerialCharBackend::~SerialCharBackend() {
  if (port_) {
    // Let the line send what the kernel holds (seconds at a low baud rate), unless the host
    // asked to quit: then the process ends now.
    if (!host_quit_requested()) sp_drain(port_);
    sp_close(port_);
    sp_free_port(port_);
  }
}

void SerialCharBackend::poll() {
  std::uint8_t buf[4096];
  std::size_t room = std::min(sizeof buf, input_room());
  // Backlog full: the rest waits in the tty's buffer (with no flow control on the line, what
  // overflows that is lost on the wire, as on any serial port whose reader is slow).
  sp_return n = room == 0 ? SP_OK : sp_nonblocking_read(port_, buf, room);
  if (n > 0) {
    input_.push(buf, static_cast<std::size_t>(n));
  } else if (n < 0 && !noted_error_) {
    noted_error_ = true;
    note("boardemu: " + sp_error("serial:" + device_ + ": read", n));
  }
  if (!pending_.empty()) flush_pending();
}

void SerialCharBackend::flush_pending() {
  if (pending_.empty()) return;
  sp_return n = sp_nonblocking_write(port_, pending_.data(), pending_.size());
  if (n > 0) pending_.consume(static_cast<std::size_t>(n));
}

void SerialCharBackend::write(const std::uint8_t* data, std::size_t len) {
  pending_.push(data, len);
  flush_pending();
  if (pending_.size() <= kMaxPendingOutput) return;
  // The line is slower than the guest: give it a bounded time to catch up, in steps short
  // enough that a quit request is seen.
  for (int waited = 0; waited < kOutputStallLimitMs && pending_.size() > kMaxPendingOutput &&
                       !host_quit_requested();
       waited += 100) {
    sp_return n = sp_blocking_write(port_, pending_.data(), pending_.size() - kMaxPendingOutput, 100);
    if (n < 0) break;
    pending_.consume(static_cast<std::size_t>(n));
  }
  if (pending_.size() > kMaxPendingOutput) {
    if (!noted_error_) note("boardemu: serial:" + device_ + " is too slow; dropping output");
    noted_error_ = true;
    pending_.clear();
  }
}

// ---- specs -----------------------------------------------------------------------------------

namespace {

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

TcpSpec parse_tcp_spec(const std::string& spec) {
  TcpSpec out;
  std::string rest = spec.size() > 4 ? spec.substr(4) : std::string{};
  auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    out.host = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  if (out.host.empty() || !all_digits(rest) || rest.size() > 5 || std::stoul(rest) > 65535)
    throw ChardevError("serial backend '" + spec +
                       "': expected tcp:PORT or tcp:HOST:PORT with PORT 0..65535");
  out.port = static_cast<std::uint16_t>(std::stoul(rest));
  return out;
}

SerialSpec parse_serial_spec(const std::string& spec) {
  SerialSpec out;
  std::string rest = spec.size() > 7 ? spec.substr(7) : std::string{};
  // Device paths may contain ':' (/dev/serial/by-path/...); only an all-digit tail is a baud.
  auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    std::string tail = rest.substr(colon + 1);
    if (tail.empty())
      throw ChardevError("serial backend '" + spec + "': empty baud rate after ':'");
    if (all_digits(tail)) {
      if (tail.size() > 8 || std::stoul(tail) < kMinBaud || std::stoul(tail) > kMaxBaud)
        throw ChardevError("serial backend '" + spec + "': bad baud rate '" + tail + "' (expected " +
                           std::to_string(kMinBaud) + ".." + std::to_string(kMaxBaud) + ")");
      out.baud = static_cast<unsigned>(std::stoul(tail));
      rest.resize(colon);
    }
  }
  if (rest.empty())
    throw ChardevError("serial backend '" + spec + "': expected serial:DEVICE[:BAUD]");
  out.device = rest;
  return out;
}

}  // namespace hostio

std::unique_ptr<CharBackend> make_char_backend(const std::string& spec, const std::string& label) {
  using namespace hostio;
  if (spec == "stdio") return std::make_unique<StdioCharBackend>();
  if (spec == "null") return std::make_unique<NullCharBackend>();
  if (spec == "pty") {
    auto pty = std::make_unique<PtyCharBackend>();
    // The first line on stdout, in QEMU's words: pyboard.py's execpty: (and people) look for
    // "/dev/pts/N" in it. Nothing else may go to stdout after this. Other labels (the monitor)
    // go to stderr, so that line stays the console's.
    std::FILE* to = label == "serial0" ? stdout : stderr;
    std::fprintf(to, "char device redirected to %s (label %s)\n", pty->slave_name().c_str(), label.c_str());
    std::fflush(to);
    return pty;
  }
  if (spec.rfind("tcp:", 0) == 0 || spec == "tcp") {
    TcpSpec t = parse_tcp_spec(spec);
    return std::make_unique<TcpCharBackend>(t.host, t.port, label == "serial0" ? "serial line" : label);
  }
  if (spec.rfind("serial:", 0) == 0 || spec == "serial") {
    SerialSpec s = parse_serial_spec(spec);
    return std::make_unique<SerialCharBackend>(s.device, s.baud);
  }
  throw ChardevError("unknown serial backend '" + spec +
                     "' (expected stdio, pty, tcp:[HOST:]PORT, serial:DEVICE[:BAUD] or null)");
}

}  // namespace boardemu
