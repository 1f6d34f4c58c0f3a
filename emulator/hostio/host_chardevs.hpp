// The host backends behind make_char_backend(). Declared here so that tests can reach what
// only a test needs (the pty's slave name, the TCP port the kernel picked); the rest of the
// emulator only sees CharBackend.
//
// Common rules:
//  - poll() costs at most one non-blocking read-type system call (plus one write when output
//    is waiting to be flushed) and never blocks.
//  - Input read from the host waits in the backend's queue until the UART takes it; it is
//    never dropped. poll() reads only while fewer than kMaxPendingInput bytes wait, so a host
//    that sends faster than the guest reads is held back by the kernel's flow control (socket,
//    pty or pipe buffer full) instead of growing the emulator's memory.
//  - Output never blocks the emulator while nobody is listening: it is discarded when no
//    client is connected (pty, tcp). While a client is connected but not reading, output is
//    kept in a buffer of kMaxPendingOutput bytes; past that the emulator waits up to
//    kOutputStallLimitMs for the client, then drops the excess (once noted on stderr). The wait
//    ends at once when the host asks to quit (SIGINT, SIGTERM, Ctrl-A x).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "hostio/byte_queue.hpp"

struct sp_port;

namespace boardemu::hostio {

constexpr std::size_t kMaxPendingOutput = std::size_t{1} << 20;
constexpr int kOutputStallLimitMs = 2000;

// The QEMU-style escape on an interactive terminal: Ctrl-A x quits, Ctrl-A Ctrl-A sends one
// Ctrl-A, Ctrl-A h prints help; Ctrl-A followed by anything else sends both bytes.
class ConsoleEscape {
 public:
  enum class Action { none, quit, help };
  static constexpr std::uint8_t kEscape = 0x01;  // Ctrl-A
  // Filters one byte typed on the terminal; appends what the guest should receive to `out`.
  Action feed(std::uint8_t byte, ByteQueue& out);

 private:
  bool pending_escape_ = false;
};

// "stdio": guest input from stdin, output to stdout. An interactive stdin is put in raw mode
// (restored by the destructor, at exit, and on fatal signals) and understands ConsoleEscape;
// a piped stdin is read without blocking and its end of file makes closed() true once the
// queued input is consumed.
class StdioCharBackend : public QueuedCharBackend {
 public:
  StdioCharBackend();
  ~StdioCharBackend() override;
  void poll() override;
  void write(const std::uint8_t* data, std::size_t len) override;
  bool closed() const override { return eof_ && input_.empty(); }

 private:
  bool tty_ = false;
  bool input_off_ = false;  // a terminal we may not read (background process group)
  bool eof_ = false;
  bool output_dead_ = false;
  ConsoleEscape escape_;
};

// "pty": a pseudo-terminal; a client (screen, picocom, pyboard.py) opens slave_name().
class PtyCharBackend : public QueuedCharBackend {
 public:
  PtyCharBackend();
  ~PtyCharBackend() override;
  const std::string& slave_name() const { return slave_name_; }
  bool connected() const { return connected_; }
  void poll() override;
  void write(const std::uint8_t* data, std::size_t len) override;

 private:
  bool check_connected();
  void disconnected();
  void flush_pending();

  int master_ = -1;
  std::string slave_name_;
  bool connected_ = false;
  ByteQueue pending_;
  bool noted_drop_ = false;
};

// "tcp:[HOST:]PORT": listens on HOST:PORT (default 127.0.0.1; port 0: the kernel picks, see
// port()) for one client at a time; a client that goes away is replaced by the next one to
// connect. Another address than loopback is announced with a warning on stderr: whoever
// connects types into the guest's console.
class TcpCharBackend : public QueuedCharBackend {
 public:
  // `what` names the line in the messages on stderr ("serial line", "monitor").
  TcpCharBackend(const std::string& host, std::uint16_t port, const std::string& what = "serial line");
  ~TcpCharBackend() override;
  std::uint16_t port() const { return port_; }
  bool connected() const { return client_ >= 0; }
  void poll() override;
  void write(const std::uint8_t* data, std::size_t len) override;

 private:
  void disconnect(const char* why);
  void flush_pending();

  std::string host_;
  int listen_fd_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
  ByteQueue pending_;
  bool noted_drop_ = false;
};

// "serial:DEVICE[:BAUD]": a real serial port through libserialport, 8N1, no flow control.
// The device is checked first (exists, is a terminal, can be opened), so a wrong path gets an
// error saying what it is instead of libserialport's often meaningless errno text.
class SerialCharBackend : public QueuedCharBackend {
 public:
  SerialCharBackend(const std::string& device, unsigned baud);
  ~SerialCharBackend() override;
  void poll() override;
  void write(const std::uint8_t* data, std::size_t len) override;

 private:
  void flush_pending();

  std::string device_;
  sp_port* port_ = nullptr;
  ByteQueue pending_;
  bool noted_error_ = false;
};

// "null": never any input; output is discarded.
class NullCharBackend : public CharBackend {
 public:
  void poll() override {}
  bool readable() const override { return false; }
  std::uint8_t read_byte() override { return 0; }
  void write(const std::uint8_t*, std::size_t) override {}
};

// Spec pieces, exposed for tests. They throw ChardevError with a one-line message.
struct TcpSpec {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};
TcpSpec parse_tcp_spec(const std::string& spec);  // spec is the whole "tcp:[HOST:]PORT"
// Baud rates a serial: spec may ask for (Linux termios goes up to 4 Mbaud).
constexpr unsigned kMinBaud = 50, kMaxBaud = 4000000;
struct SerialSpec {
  std::string device;
  unsigned baud = 115200;
};
SerialSpec parse_serial_spec(const std::string& spec);  // spec is "serial:DEVICE[:BAUD]"
// Why `device` cannot be a serial port ("" if it looks like one): missing, not a character
// device, not a terminal, a pseudo-terminal (libserialport opens real ports only), or not
// openable (permissions). Opens and closes the device to find out.
std::string serial_device_problem(const std::string& device);

}  // namespace boardemu::hostio
