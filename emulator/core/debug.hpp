// What a debugger (the GDB remote stub) needs from a CPU backend, beyond the Cpu interface.
//
// The stub knows nothing about Unicorn or the LX106 interpreter: it reads and writes registers
// by GDB's register number, inserts breakpoints and watchpoints, runs (Cpu::run) and steps.
// Rules every backend keeps:
//   - Virtual time stands still while the target is halted (the stub simply does not run it).
//   - step() executes exactly one instruction (or takes one exception/interrupt entry, as the
//     hardware would before that instruction) and advances time by exactly its cycles: stepping
//     N instructions ends at the same cycle count as running them.
//   - Breakpoints and watchpoints that are not hit change neither behaviour nor cycle counts.
//   - A breakpoint hit stops *before* the instruction at its address executes (PC = address). A
//     watchpoint hit stops *after* the accessing instruction completed (PC = next instruction),
//     reporting the watched address that was accessed, as GDB expects of hardware watchpoints.
//   - Resuming (run or step) from an address that holds a breakpoint executes that instruction
//     (the stub does not remove and re-insert breakpoints around a resume).
#pragma once

#include <cstdint>
#include <string>

#include "core/cpu.hpp"

namespace boardemu {

enum class WatchKind { write, read, access };

// Why the last Cpu::run() or CpuDebug::step() returned StopReason::debug.
struct DebugStop {
  enum class Kind { breakpoint, watchpoint, step } kind = Kind::step;
  std::uint32_t address = 0;   // breakpoint: its address; watchpoint: the data address accessed
  WatchKind watch = WatchKind::write;
};

class CpuDebug {
 public:
  virtual ~CpuDebug() = default;

  // GDB target description (qXfer:features:read:target.xml). Empty: the architecture has no
  // XML and GDB uses its built-in register layout (LX106: the 50-register `g` packet order of
  // ../shared/REFERENCE.md section 5).
  virtual std::string gdb_target_xml() const = 0;
  // Registers in the `g` packet, in GDB's numbering; each 4 bytes, little-endian.
  virtual unsigned gdb_register_count() const = 0;
  // False for a number the backend does not know (the stub answers E..).
  virtual bool gdb_read_register(unsigned regno, std::uint32_t* value) = 0;
  virtual bool gdb_write_register(unsigned regno, std::uint32_t value) = 0;
  // The register's name for displays (the GUI's CPU window), in GDB's numbering; empty if the
  // target description (gdb_target_xml) names it.
  virtual std::string register_name(unsigned regno) const {
    (void)regno;
    return {};
  }

  // Z0/Z1 (software/hardware breakpoints are the same thing in an emulator). Returns false if
  // the backend cannot place it (the stub answers E..). Inserting twice is harmless; removal of
  // an absent one returns false.
  virtual bool insert_breakpoint(std::uint32_t addr) = 0;
  virtual bool remove_breakpoint(std::uint32_t addr) = 0;
  // Z2/Z3/Z4: watch [addr, addr + len) for writes, reads or both.
  virtual bool insert_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) = 0;
  virtual bool remove_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) = 0;

  // Executes one instruction (see the rules above). Returns StopReason::debug with
  // last_stop().kind == step normally; exit/fatal/reset_request as Cpu::run would.
  virtual RunResult step() = 0;
  // Set whenever run() or step() returns StopReason::debug.
  virtual DebugStop last_stop() const = 0;
};

}  // namespace boardemu
