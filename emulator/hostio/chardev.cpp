// Host backends for the emulated serial lines: see core/chardev.hpp and hostio/host_chardevs.hpp.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libserialport.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/chardev.hpp"
#include "hostio/host_chardevs.hpp"

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

// Writes everything to a (possibly non-blocking) fd, waiting for room when needed. Returns
// false if the reader went away.
bool write_all_blocking(int fd, const std::uint8_t* data, std::size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n > 0) {
      data += n;
      len -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

bool host_quit_requested() { return g_quit_requested.load(std::memory_order_relaxed); }

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
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
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
  if (!write_all_blocking(STDOUT_FILENO, data, len)) output_dead_ = true;
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
  ssize_t n = ::read(master_, buf, sizeof buf);
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
    pollfd p{master_, POLLOUT, 0};
    ::poll(&p, 1, 100);
    if (p.revents & POLLHUP) {
      disconnected();
      return;
    }
    flush_pending();
  }
  if (pending_.size() > kMaxPendingOutput) {
    if (!noted_drop_) note("boardemu: pty client is not reading; dropping serial output");
    noted_drop_ = true;
    pending_.clear();
  }
}

// ---- tcp -------------------------------------------------------------------------------------

TcpCharBackend::TcpCharBackend(std::uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw ChardevError(errno_text("tcp: socket"));
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto fail = [this, port](const char* what) {
    std::string msg = errno_text("tcp:" + std::to_string(port) + ": " + what);
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw ChardevError(msg);
  };
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind");
  if (::listen(listen_fd_, 1) != 0) fail("listen");
  socklen_t alen = sizeof addr;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &alen) != 0)
    fail("getsockname");
  port_ = ntohs(addr.sin_port);
  note("boardemu: serial line waiting for a client on tcp 127.0.0.1:" + std::to_string(port_));
}

TcpCharBackend::~TcpCharBackend() {
  if (client_ >= 0) ::close(client_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TcpCharBackend::disconnect(const char* why) {
  ::close(client_);
  client_ = -1;
  pending_.clear();
  note(std::string("boardemu: tcp client ") + why + "; waiting for a client on 127.0.0.1:" +
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
    note("boardemu: tcp client connected on 127.0.0.1:" + std::to_string(port_));
    return;
  }
  std::uint8_t buf[4096];
  ssize_t n = ::recv(client_, buf, sizeof buf, 0);
  if (n > 0) {
    input_.push(buf, static_cast<std::size_t>(n));
  } else if (n == 0) {
    disconnect("disconnected");
    return;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    disconnect("lost");
    return;
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
    pollfd p{client_, POLLOUT, 0};
    ::poll(&p, 1, 100);
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

std::string sp_error(const std::string& what) {
  char* msg = sp_last_error_message();
  std::string text = what + ": " + (msg ? msg : "unknown error");
  if (msg) sp_free_error_message(msg);
  // Keep the message on one line.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

SerialCharBackend::SerialCharBackend(const std::string& device, unsigned baud)
    : device_(device) {
  const std::string where = "serial:" + device;
  if (sp_get_port_by_name(device.c_str(), &port_) != SP_OK) {
    port_ = nullptr;
    throw ChardevError(sp_error(where));
  }
  if (sp_open(port_, SP_MODE_READ_WRITE) != SP_OK) {
    std::string msg = sp_error(where + ": open");
    sp_free_port(port_);
    port_ = nullptr;
    throw ChardevError(msg);
  }
  auto check = [&](sp_return r, const char* what) {
    if (r == SP_OK) return;
    std::string msg = sp_error(where + ": " + what);
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
    sp_drain(port_);
    sp_close(port_);
    sp_free_port(port_);
  }
}

void SerialCharBackend::poll() {
  std::uint8_t buf[4096];
  sp_return n = sp_nonblocking_read(port_, buf, sizeof buf);
  if (n > 0) {
    input_.push(buf, static_cast<std::size_t>(n));
  } else if (n < 0 && !noted_error_) {
    noted_error_ = true;
    note("boardemu: " + sp_error("serial:" + device_ + ": read"));
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
  // The line is slower than the guest: give it a bounded time to catch up.
  sp_return n = sp_blocking_write(port_, pending_.data(), pending_.size() - kMaxPendingOutput,
                                  kOutputStallLimitMs);
  if (n > 0) pending_.consume(static_cast<std::size_t>(n));
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

std::uint16_t parse_tcp_port(const std::string& spec) {
  std::string rest = spec.size() > 4 ? spec.substr(4) : std::string{};
  if (!all_digits(rest) || rest.size() > 5 || std::stoul(rest) > 65535)
    throw ChardevError("serial backend '" + spec + "': expected tcp:PORT with PORT 0..65535");
  return static_cast<std::uint16_t>(std::stoul(rest));
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
      if (tail.size() > 8 || std::stoul(tail) == 0)
        throw ChardevError("serial backend '" + spec + "': bad baud rate '" + tail + "'");
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

std::unique_ptr<CharBackend> make_char_backend(const std::string& spec) {
  using namespace hostio;
  if (spec == "stdio") return std::make_unique<StdioCharBackend>();
  if (spec == "null") return std::make_unique<NullCharBackend>();
  if (spec == "pty") {
    auto pty = std::make_unique<PtyCharBackend>();
    // The first line on stdout, in QEMU's words: pyboard.py's execpty: (and people) look for
    // "/dev/pts/N" in it. Nothing else may go to stdout after this.
    std::printf("char device redirected to %s (label serial0)\n", pty->slave_name().c_str());
    std::fflush(stdout);
    return pty;
  }
  if (spec.rfind("tcp:", 0) == 0 || spec == "tcp")
    return std::make_unique<TcpCharBackend>(parse_tcp_port(spec));
  if (spec.rfind("serial:", 0) == 0 || spec == "serial") {
    SerialSpec s = parse_serial_spec(spec);
    return std::make_unique<SerialCharBackend>(s.device, s.baud);
  }
  throw ChardevError("unknown serial backend '" + spec +
                     "' (expected stdio, pty, tcp:PORT, serial:DEVICE[:BAUD] or null)");
}

}  // namespace boardemu
