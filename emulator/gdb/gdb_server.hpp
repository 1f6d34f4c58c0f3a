// The GDB remote stub's transport and run loop: one TCP client at a time (GDB manual, appendix
// "Remote Protocol", E.1 "Overview": the protocol runs over a serial line or TCP), the target run
// in bounded slices so the client's interrupt byte is seen promptly.
//
// Session rules:
//   - One client at a time. A second connection is accepted and closed at once with nothing
//     sent; the first session is unaffected.
//   - A client connecting to a running target halts it (as `target remote` expects).
//   - The client going away (mid-packet or mid-run) halts the target, removes the breakpoints
//     and watchpoints it inserted, and the server waits for a new client.
//   - `D` (detach): the target runs freely and a debugger may attach again any time.
//   - `k` / `vKill`: the emulation ends.
// Slicing never changes what the guest sees: a slice end is not an event, the CPU simply
// returns to the loop at a block boundary and resumes where it was (Machine::run's contract).
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "gdb/gdb_stub.hpp"

namespace boardemu::gdb {

// A DebugTarget the server can also run.
class RunTarget : public DebugTarget {
 public:
  // Runs until virtual time `pause_at` (then StopReason::deadline) or anything that ends or
  // interrupts the run (exit, fatal, debug stop, time limit, host quit).
  virtual RunResult run_until(Cycles pause_at) = 0;
  // The host asked to quit (Ctrl-C on the emulator's own terminal, SIGTERM).
  virtual bool quit_requested() = 0;
};

struct GdbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};
// "[HOST:]PORT" -> Endpoint; PORT 0 picks a free port. Throws GdbError with a message naming
// what is wrong.
Endpoint parse_endpoint(const std::string& spec);

class GdbServer {
 public:
  // Binds and listens. Throws GdbError ("cannot listen on HOST:PORT: Address already in use").
  explicit GdbServer(const Endpoint& where);
  ~GdbServer();
  GdbServer(const GdbServer&) = delete;
  GdbServer& operator=(const GdbServer&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& host() const { return host_; }

  // Runs the target under the debugger until the emulation ends: the guest exits, a fatal
  // error, the time limit, a host quit or a client's kill (host_quit). With `wait`, the target
  // stays halted at reset until the first client attaches.
  RunResult serve(RunTarget& target, bool wait);

  // Makes serve() return host_quit at its next poll (from another thread: tests, watchdogs).
  void request_stop() { stop_ = true; }

  // Virtual time between polls of the socket while the target runs.
  void set_slice(Cycles cycles) { slice_ = cycles; }

 private:
  int accept_client();
  void refuse_extra_clients(int listen_timeout_ms);
  void drop_client();
  bool pump_client(int timeout_ms);  // false: the client went away
  void send_bytes(std::string_view bytes);

  std::string host_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int client_fd_ = -1;
  bool client_lost_ = false;
  Cycles slice_ = 25000;
  GdbStub* stub_ = nullptr;
  std::atomic<bool> stop_{false};
};

}  // namespace boardemu::gdb
