// The emulator's Machine as the GDB stub's target.
#pragma once

#include "gdb/gdb_server.hpp"
#include "machine/machine.hpp"

namespace boardemu::gdb {

class MachineTarget : public RunTarget {
 public:
  // `limit`: the virtual-time limit of the run (--max-cycles), kNever for none.
  MachineTarget(Machine& machine, Cycles limit) : m_(machine), limit_(limit) {}

  CpuDebug* debug() override { return m_.cpu().debug(); }
  std::string arch() override { return m_.board().cpu_arch; }
  Bus& bus() override { return m_.bus(); }
  RunResult step() override { return m_.step(); }
  void reset() override { m_.reset(); }
  Cycles now() override { return m_.scheduler().now(); }
  std::uint64_t cpu_hz() override { return m_.board().cpu_hz; }
  std::uint64_t instructions() override { return m_.cpu().instructions(); }
  std::string describe_device(const std::string& name) override;
  RunResult run_until(Cycles pause_at) override { return m_.run(limit_, pause_at); }
  bool quit_requested() override { return Machine::quit_requested(); }

 private:
  Machine& m_;
  Cycles limit_;
};

}  // namespace boardemu::gdb
