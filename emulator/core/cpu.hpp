// The one small interface between the machine and a CPU backend.
//
// A backend executes guest code until virtual time reaches a deadline (it advances the shared
// Scheduler's clock by the cycles it executes), or until something needs the machine's
// attention. It takes interrupts from its own interrupt controller model between blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/scheduler.hpp"
#include "core/state.hpp"

namespace boardemu {

enum class StopReason {
  deadline,       // reached the requested time (or stopped early so due events can run)
  exit,           // the guest asked to end the run (semihosting exit); see exit_code
  fatal,          // the run cannot go on (unhandled fault with policy "stop", lockup...)
  reset_request,  // the guest asked for a system reset
  time_limit,     // the machine reached the virtual-time limit the user set
  host_quit,      // the user asked to quit (Ctrl-A x, SIGINT/SIGTERM)
  debug,          // a breakpoint or watchpoint was hit, or a step ended (core/debug.hpp)
};

struct RunResult {
  StopReason reason = StopReason::deadline;
  int exit_code = 0;
  std::string message;  // for fatal: one line naming what and where (PC, address)
};

class CpuDebug;

class Cpu {
 public:
  virtual ~Cpu() = default;
  // Architectural reset (registers from the vector table / reset vector).
  virtual void reset() = 0;
  // Runs until scheduler.now() >= deadline or an event needs handling. While the guest sleeps
  // (WFI) with nothing to wake it, time jumps straight to the deadline.
  virtual RunResult run(Cycles deadline) = 0;
  virtual std::uint32_t pc() = 0;
  virtual std::string arch() const = 0;
  // Address ranges [begin, end) of code loaded from the firmware file. Code elsewhere (written
  // by the guest at run time) may be checked for rewrites, which costs time per block.
  virtual void set_static_code(std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) = 0;
  // The CPU's own interrupt inputs by name (RISC-V: "msip", "mtip", "meip"), for the board's
  // `irqs: {out: cpu.NAME}` wiring. Returns an empty function for an unknown name.
  virtual std::function<void(bool)> cpu_line(const std::string& name) {
    (void)name;
    return {};
  }
  // The debugger's access to this backend (core/debug.hpp); nullptr if it has none.
  virtual CpuDebug* debug() { return nullptr; }
  // Instructions retired since reset (for statistics and the benchmark).
  virtual std::uint64_t instructions() const = 0;
  // Save state (core/state.hpp): the architectural registers and everything the backend
  // carries from one instruction or block to the next. Restoring also drops decoded or
  // translated code, since memory is restored beside it.
  virtual void state(StateArchive& ar) { ar.unsupported("the " + arch() + " CPU backend"); }
};

}  // namespace boardemu
