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
//   - A client that stops reading never blocks the emulator: the socket is non-blocking and
//     replies wait in a buffer of kMaxOutput bytes. While it is full the server reads no more
//     requests (each request can only add a reply), and once the client has taken nothing for
//     the output stall limit of host time it is dropped, with one line on stderr, and the
//     target halts as when a client goes away. Host quit requests are seen at least every
//     kHaltedPollMs of host time whatever the client does.
//   - The stub listens on 127.0.0.1 unless given another address; a listener that other hosts
//     can reach is announced with a warning on stderr (the protocol has no authentication).
// Slicing never changes what the guest sees: a slice end is not an event, the CPU simply
// returns to the loop at a block boundary and resumes where it was (Machine::run's contract).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "gdb/gdb_stub.hpp"
#include "hostio/byte_queue.hpp"

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
  // Replies waiting for a client that does not read them: at most this much (plus one reply).
  static constexpr std::size_t kMaxOutput = 256 * 1024;
  // Host time a client with a full output buffer may take nothing before it is dropped.
  static constexpr std::chrono::milliseconds kDefaultStallLimit{5000};
  // Host time between looks at quit requests while nothing happens (virtual time does not move
  // while the target is halted, so this is host responsiveness only).
  static constexpr int kHaltedPollMs = 100;

  // Binds and listens. Throws GdbError ("cannot listen on HOST:PORT: Address already in use").
  // Warns on stderr when the address is reachable from other hosts.
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

  // Host time a non-reading client with a full output buffer is given (tests shorten it).
  void set_output_stall_limit(std::chrono::milliseconds limit) { stall_limit_ = limit; }

 private:
  bool accept_client();
  void refuse_extra_clients();
  void drop_client();
  // Gives the client's last replies (a stop reply `W`, the `OK` to `k` or `D`) a chance to
  // leave, for as long as the client keeps reading and nobody asks to quit, then drops it.
  void finish_client(RunTarget& target);
  bool pump_client(int timeout_ms);  // false: the client went away or was dropped
  void feed_stub();
  void send_bytes(std::string_view bytes);
  void flush_output();
  bool output_stalled() const;

  std::string host_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int client_fd_ = -1;
  bool client_lost_ = false;
  Cycles slice_ = 25000;
  GdbStub* stub_ = nullptr;
  std::atomic<bool> stop_{false};
  std::chrono::milliseconds stall_limit_ = kDefaultStallLimit;

  // Bytes read from the client and not yet given to the stub: the stub takes them one at a
  // time while the output buffer has room, so a burst of requests (or of `-`, each asking for
  // the last reply again) cannot outgrow kMaxOutput by more than one reply.
  std::array<std::uint8_t, 4096> in_{};
  std::size_t in_pos_ = 0, in_len_ = 0;
  hostio::ByteQueue out_;  // replies the kernel has not taken yet
  std::chrono::steady_clock::time_point last_progress_{};  // the client last took output
};

}  // namespace boardemu::gdb
