// A small fake system for testing the GDB stub without a real CPU backend: 17 registers in the
// ARMv7-M GDB order (r0..r15, xpsr), 4 KiB of RAM at 0x20000000, a device window at 0x40000000,
// and a "CPU" whose every instruction is 2 bytes, 1 cycle, and which stores its PC to the word
// at kStoreAddr every 10th instruction (so write watchpoints have something to catch).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/bus.hpp"
#include "core/debug.hpp"
#include "core/device.hpp"
#include "gdb/gdb_server.hpp"

namespace boardemu::gdbtest {

constexpr std::uint32_t kRamBase = 0x20000000, kRamSize = 0x1000;
constexpr std::uint32_t kDevBase = 0x40000000, kDevSize = 0x100;
constexpr std::uint32_t kStoreAddr = 0x20000100;
constexpr std::uint32_t kResetPc = 0x100;

// A register-level device: reads return 0xD0000000 | offset; writes are recorded.
class FakeDevice : public Device {
 public:
  FakeDevice() : Device("fake") {}
  std::uint32_t read(std::uint32_t offset, unsigned size) override {
    ++reads;
    std::uint32_t v = 0xD0000000u | offset;
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
  }
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override {
    writes.push_back({offset, value, size});
  }
  void reset() override {}
  int reads = 0;
  std::vector<std::tuple<std::uint32_t, std::uint32_t, unsigned>> writes;
};

class FakeCpu : public CpuDebug {
 public:
  FakeCpu(Bus& bus, Scheduler& s) : bus_(bus), sched_(s) { reset(); }
  void reset() {
    regs.fill(0);
    regs[15] = kResetPc;
  }
  std::string gdb_target_xml() const override { return xml; }
  unsigned gdb_register_count() const override { return 17; }
  bool gdb_read_register(unsigned n, std::uint32_t* v) override {
    if (n >= 17) return false;
    *v = regs[n];
    return true;
  }
  bool gdb_write_register(unsigned n, std::uint32_t v) override {
    if (n >= 17) return false;
    regs[n] = v;
    return true;
  }
  bool insert_breakpoint(std::uint32_t a) override {
    breakpoints.insert(a);
    return true;
  }
  bool remove_breakpoint(std::uint32_t a) override { return breakpoints.erase(a) > 0; }
  bool insert_watchpoint(std::uint32_t a, std::uint32_t len, WatchKind k) override {
    watchpoints.insert({a, len, static_cast<int>(k)});
    return true;
  }
  bool remove_watchpoint(std::uint32_t a, std::uint32_t len, WatchKind k) override {
    return watchpoints.erase({a, len, static_cast<int>(k)}) > 0;
  }
  // One instruction; a write watchpoint over kStoreAddr stops after the storing instruction.
  RunResult step() override {
    regs[15] += 2;
    sched_.advance(1);
    ++retired;
    stop_ = {DebugStop::Kind::step, 0, WatchKind::write};
    if (retired % 10 == 0) {
      std::uint32_t pc = regs[15];
      bus_.write_block(kStoreAddr, reinterpret_cast<const std::uint8_t*>(&pc), 4);
      for (auto [a, len, k] : watchpoints)
        if (k != static_cast<int>(WatchKind::read) && kStoreAddr + 4 > a && kStoreAddr < a + len) {
          stop_ = {DebugStop::Kind::watchpoint, kStoreAddr, static_cast<WatchKind>(k)};
          return {StopReason::debug, 0, {}};
        }
    }
    if (exit_at && retired >= exit_at) return {StopReason::exit, 3, {}};
    return {StopReason::debug, 0, {}};
  }
  DebugStop last_stop() const override { return stop_; }
  // Cpu::run as a backend would: until the deadline, a breakpoint or a watchpoint.
  RunResult run(Cycles deadline) {
    while (sched_.now() < deadline) {
      if (breakpoints.count(regs[15]) && !resumed_from_bp_) {
        stop_ = {DebugStop::Kind::breakpoint, regs[15], WatchKind::write};
        return {StopReason::debug, 0, {}};
      }
      resumed_from_bp_ = false;
      RunResult r = step();
      if (r.reason == StopReason::exit) return r;
      if (stop_.kind == DebugStop::Kind::watchpoint) return r;
    }
    return {StopReason::deadline, 0, {}};
  }
  void resuming() { resumed_from_bp_ = true; }

  std::array<std::uint32_t, 17> regs{};
  std::set<std::uint32_t> breakpoints;
  std::set<std::tuple<std::uint32_t, std::uint32_t, int>> watchpoints;
  std::string xml = "<?xml version=\"1.0\"?><target><architecture>arm</architecture></target>";
  std::uint64_t retired = 0;
  std::uint64_t exit_at = 0;

 private:
  Bus& bus_;
  Scheduler& sched_;
  DebugStop stop_;
  bool resumed_from_bp_ = false;
};

class FakeTarget : public gdb::RunTarget {
 public:
  FakeTarget() : bus_(sched_), cpu(bus_, sched_) {
    bus_.add_ram(MemoryRegion{"ram", kRamBase, kRamSize, MemoryKind::ram, 0, false});
    bus_.add_device(kDevBase, kDevSize, &dev, 0);
    bus_.add_write_observer([this](std::uint32_t a, std::uint32_t len) { observed.push_back({a, len}); });
  }
  CpuDebug* debug() override { return has_debug ? &cpu : nullptr; }
  std::string arch() override { return "cortex-m3"; }
  Bus& bus() override { return bus_; }
  RunResult step() override { return cpu.step(); }
  void reset() override {
    cpu.reset();
    ++resets;
  }
  Cycles now() override { return sched_.now(); }
  std::uint64_t cpu_hz() override { return 1000000; }
  std::uint64_t instructions() override { return cpu.retired; }
  std::string describe_device(const std::string& name) override { return "device " + name + "\n"; }
  RunResult run_until(Cycles pause_at) override {
    ++slices;
    RunResult r = cpu.run(pause_at);
    // The next resume starts at a breakpoint address: it must execute that instruction.
    if (r.reason == StopReason::debug) cpu.resuming();
    return r;
  }
  bool quit_requested() override { return false; }

  Scheduler sched_;
  Bus bus_;
  FakeDevice dev;
  FakeCpu cpu;
  bool has_debug = true;
  int resets = 0;
  int slices = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> observed;
};

}  // namespace boardemu::gdbtest
