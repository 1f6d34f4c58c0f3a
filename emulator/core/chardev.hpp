// Host side of a serial line: where a UART's bytes come from and go to.
//
// Backends: stdio (the terminal, raw mode), pty (a pseudo-terminal whose /dev/pts/N name is the
// first line printed on stdout), tcp:[HOST:]PORT (one client on a listening socket, 127.0.0.1
// by default), serial:DEVICE (a real host serial port through libserialport), and a buffer
// backend for tests.
//
// Input is never dropped: bytes read from the host wait in the backend until the UART takes
// them, however long the guest takes to read. A backend reads from the host only while its
// backlog is below a bound (hostio/byte_queue.hpp), so the rest waits in the kernel or the peer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace boardemu {

class CharBackend {
 public:
  virtual ~CharBackend() = default;

  // Moves whatever the host has sent into the backend's queue without blocking. Called by the
  // UART from its periodic host-poll event; must be cheap when there is nothing to read.
  virtual void poll() = 0;
  // Is a byte waiting? (Does not touch the host.)
  virtual bool readable() const = 0;
  // Takes the next waiting byte; only valid when readable().
  virtual std::uint8_t read_byte() = 0;
  // Sends bytes to the host. Never blocks the emulator indefinitely.
  virtual void write(const std::uint8_t* data, std::size_t len) = 0;
  // The host side went away for good (e.g. stdin reached end of file). A run may then stop.
  virtual bool closed() const { return false; }
};

class ChardevError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A device with a serial line that a host backend can be attached to (UART models).
class SerialDevice {
 public:
  virtual ~SerialDevice() = default;
  // Connects the host side (not owned; nullptr detaches).
  virtual void attach(CharBackend* backend) = 0;
};

// Creates a backend from a CLI spec: "stdio", "pty", "tcp:[HOST:]PORT", "serial:DEVICE[:BAUD]",
// "null". Throws ChardevError with a one-line message for a bad spec or a host failure.
// `label` names the line in the pty message ("serial0": the console, announced on stdout;
// anything else on stderr).
std::unique_ptr<CharBackend> make_char_backend(const std::string& spec, const std::string& label = "serial0");

// True once the host asked the emulation to end: the quit escape (Ctrl-A x) on a "stdio"
// terminal, or set_host_quit_requested(). Process-wide; the run loop checks it between slices
// and stops, and a backend waiting for a slow client (bounded waits for output room) gives up.
bool host_quit_requested();
// Asks for the above. Async-signal-safe: the emulator's SIGINT/SIGTERM handler reaches it
// through request_host_quit() (machine/machine.hpp).
void set_host_quit_requested();

}  // namespace boardemu
