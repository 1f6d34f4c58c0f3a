// The command side of the GDB remote stub: packets in, replies out, for one client session.
//
// It knows nothing of sockets (gdb_server.hpp carries bytes) and reaches the emulated system only
// through DebugTarget, so unit tests and the fuzz target drive it with a fake CPU. Commands and
// replies follow the GDB manual, appendix "Remote Protocol": E.2 "Packets", E.3 "Stop Reply
// Packets", E.4 "General Query Packets", E.6 "Register Packet Format", E.9 "Interrupts",
// E.11 "Packet Acknowledgment", and "Target Descriptions" (qXfer:features:read).
//
// Execution model (all-stop, one thread): the stub is either halted (answering packets) or
// running. `c`/`vCont;c` switch it to running; the run loop then executes the target in bounded
// slices and calls report_stop() when the target stopped (breakpoint, watchpoint, exit, or an
// interrupt the loop noticed through interrupt_requested()). `s` steps synchronously.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/debug.hpp"
#include "gdb/rsp.hpp"

namespace boardemu::gdb {

// What the stub needs of the emulated system (a Machine in the emulator, a fake in tests).
class DebugTarget {
 public:
  virtual ~DebugTarget() = default;
  virtual CpuDebug* debug() = 0;  // nullptr: the backend has no debugger access
  virtual std::string arch() = 0;  // "cortex-m3", "rv32imac", "lx106"
  virtual Bus& bus() = 0;
  virtual RunResult step() = 0;  // one instruction; events due before it fire first
  virtual void reset() = 0;      // system reset (monitor reset): halted at the reset vector
  virtual Cycles now() = 0;
  virtual std::uint64_t cpu_hz() = 0;
  virtual std::uint64_t instructions() = 0;
  // `monitor regs NAME`: text listing the device's registers, or an explanation.
  virtual std::string describe_device(const std::string& name) = 0;
};

class GdbStub {
 public:
  enum class State {
    halted,    // answering packets
    running,   // the run loop executes the target
    detached,  // `D`: the client left; the target runs freely
    killed,    // `k`/`vKill`: end the emulation
  };

  using Sender = std::function<void(std::string_view bytes)>;
  GdbStub(DebugTarget& target, Sender send);

  // Bytes from the client, in any split. Packets are answered immediately while halted; while
  // running, 0x03 sets interrupt_requested() and other packets wait until the target stops.
  void receive(const std::uint8_t* data, std::size_t len);

  State state() const { return state_; }
  // How the program ended, when it ended by itself (exit, fatal error, time limit) rather than
  // by `k`: the emulator then exits as it would without a debugger.
  const std::optional<RunResult>& program_end() const { return program_end_; }
  bool interrupt_requested() const { return interrupt_; }

  // The run loop's report that the running target stopped: sends the stop reply (E.3) and
  // halts. `interrupted` means the loop stopped it for interrupt_requested() (`T02`). Exit and
  // fatal stops reply `W`/`X`: the session (and the emulation) is then over.
  void report_stop(const RunResult& r, bool interrupted);

  // A new client was accepted (target halted) / the client went away: every breakpoint and
  // watchpoint this session inserted is removed, and framing state is dropped.
  void start_session();
  void end_session();

 private:
  void handle(const std::string& packet);
  void reply(std::string_view payload);
  std::string stop_reply_for(const RunResult& r);
  void resume(bool step, std::string_view addr_hex);
  std::string query(const std::string& p);
  std::string read_memory(std::uint32_t addr, std::uint32_t len);
  bool write_memory(std::uint32_t addr, const std::string& bytes);
  std::string breakpoint(const std::string& p, bool insert);
  std::string vcont(const std::string& p);
  std::string monitor(const std::string& command);
  std::string registers_packet();
  unsigned pc_regno();

  DebugTarget& target_;
  Sender send_;
  PacketDecoder decoder_;
  State state_ = State::halted;
  std::optional<RunResult> program_end_;
  bool no_ack_ = false;
  bool interrupt_ = false;
  std::string last_reply_;  // framed, for retransmission on `-`
  std::deque<std::string> pending_;  // packets that arrived while running
  std::string last_stop_ = "S05";
  // Points this session inserted: (type 0..4, address, length).
  std::set<std::tuple<int, std::uint32_t, std::uint32_t>> points_;
};

}  // namespace boardemu::gdb
