// The LX106 interpreter's debugger interface (core/debug.hpp, emulator/xtensa/lx106_cpu.hpp):
// registers by GDB number (the 50-register lx106 layout of REFERENCE.md section 5, as QEMU's
// stub sends it), breakpoints, watchpoints and single steps, on a Machine built from a board
// made in code:
//   iram 0x40000000, 128 KiB (VECBASE's reset value: the kernel vector is at 0x40000030),
//        test code at the reset vector 0x40001000;
//   dram 0x3FFE0000, 128 KiB.
// Instructions are encoded by the small assembler below from the Xtensa ISA Reference Manual's
// formats (RRR, RRI8, CALL, BRI12, as tests/cpu/test_lx106_cpu.cpp does). Expected cycle
// counts come from the cycle model in lx106_cpu.hpp (1 per instruction, +2 taken branch, +1
// load-use, kExceptionEntryCycles per exception/interrupt entry).

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/board.hpp"
#include "core/debug.hpp"
#include "machine/machine.hpp"
#include "xtensa/lx106_cpu.hpp"

namespace {

using boardemu::BoardDesc;
using boardemu::CpuDebug;
using boardemu::Cycles;
using boardemu::DebugStop;
using boardemu::Machine;
using boardemu::MemoryKind;
using boardemu::MemoryRegion;
using boardemu::RunResult;
using boardemu::StopReason;
using boardemu::WatchKind;
using namespace boardemu::xtensa;

constexpr std::uint32_t kCode = 0x40001000;
constexpr std::uint32_t kDram = 0x3FFE0000;
constexpr std::uint32_t kKernelVector = 0x40000030;
constexpr std::uint32_t kHandler = 0x40000800;

// GDB register numbers (REFERENCE.md section 5).
constexpr unsigned kA0 = 0, kPc = 16, kSar = 17, kLitbase = 18, kSr176 = 19, kPs = 21, kMmid = 22,
                   kEpc1 = 28, kInterrupt = 37, kIntset = 38, kIntclear = 39, kIntenable = 40,
                   kVecbase = 41, kExccause = 42, kDebugcause = 43, kCcount = 44, kPrid = 45,
                   kCcompare0 = 49;

// Minimal assembler: appends instructions at the current address (absolute branch targets).
class Asm {
 public:
  explicit Asm(std::uint32_t origin) { org(origin); }
  void org(std::uint32_t addr) { segs_.push_back({addr, {}}); }
  std::uint32_t here() const { return segs_.back().addr + static_cast<std::uint32_t>(segs_.back().bytes.size()); }
  struct Segment {
    std::uint32_t addr;
    std::vector<std::uint8_t> bytes;
  };
  const std::vector<Segment>& segments() const { return segs_; }

  static std::uint32_t rrr(unsigned op0, unsigned t, unsigned s, unsigned r, unsigned op1, unsigned op2) {
    return op0 | t << 4 | s << 8 | r << 12 | op1 << 16 | op2 << 20;
  }
  static std::uint32_t rri8(unsigned op0, unsigned t, unsigned s, unsigned r, unsigned imm8) {
    return op0 | t << 4 | s << 8 | r << 12 | (imm8 & 0xFF) << 16;
  }
  void add(unsigned ar, unsigned as, unsigned at) { w24(rrr(0, at, as, ar, 0, 8)); }
  void or_(unsigned ar, unsigned as, unsigned at) { w24(rrr(0, at, as, ar, 0, 2)); }
  void movi(unsigned at, std::int32_t imm) {  // -2048..2047
    auto v = static_cast<std::uint32_t>(imm) & 0xFFF;
    w24(rri8(2, at, v >> 8, 10, v & 0xFF));
  }
  void addi(unsigned at, unsigned as, std::int32_t imm) { w24(rri8(2, at, as, 12, static_cast<unsigned>(imm))); }
  void slli(unsigned ar, unsigned as, unsigned sa) {
    unsigned f = 32 - sa;
    w24(rrr(0, f & 15, as, ar, 1, (f >> 4) & 1));
  }
  void l32i(unsigned at, unsigned as, unsigned off) { w24(rri8(2, at, as, 2, off >> 2)); }
  void s32i(unsigned at, unsigned as, unsigned off) { w24(rri8(2, at, as, 6, off >> 2)); }
  void s8i(unsigned at, unsigned as, unsigned off) { w24(rri8(2, at, as, 4, off)); }
  void l8ui(unsigned at, unsigned as, unsigned off) { w24(rri8(2, at, as, 0, off)); }
  void j(std::uint32_t target) { w24(6 | ((target - here() - 4) & 0x3FFFF) << 6); }
  void j_self() { j(here()); }
  void bnez(unsigned as, std::uint32_t target) { w24(6 | 5 << 4 | as << 8 | ((target - here() - 4) & 0xFFF) << 12); }
  void rsr(unsigned at, unsigned sr) { w24(rrr(0, at, sr & 15, sr >> 4, 3, 0)); }
  void wsr(unsigned at, unsigned sr) { w24(rrr(0, at, sr & 15, sr >> 4, 3, 1)); }
  void waiti(unsigned level) { w24(rrr(0, 0, level, 7, 0, 0)); }
  void rfe() { w24(0x003000); }
  void rsync() { w24(0x002010); }
  void li(unsigned at, std::uint32_t v) {  // any constant, a15 scratch
    auto sv = static_cast<std::int32_t>(v);
    if (sv >= -2048 && sv <= 2047) {
      movi(at, sv);
      return;
    }
    movi(at, static_cast<std::int32_t>(v >> 24));
    for (int shift = 16; shift >= 0; shift -= 8) {
      slli(at, at, 8);
      movi(15, static_cast<std::int32_t>((v >> shift) & 0xFF));
      or_(at, at, 15);
    }
  }

 private:
  void w24(std::uint32_t w) {
    for (unsigned i = 0; i < 3; ++i) segs_.back().bytes.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
  }
  std::vector<Segment> segs_;
};

BoardDesc test_board() {
  BoardDesc b;
  b.semihosting = true;  // the test programs end their runs through semihosting
  b.name = "lx106-debug-test";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = "lx106";
  b.cpu_hz = 80'000'000;
  b.num_irqs = 15;
  b.interrupt_controller = "cpu";
  b.reset_vector = kCode;
  b.memory = {MemoryRegion{"iram", 0x40000000, 0x20000, MemoryKind::ram, 0, false},
              MemoryRegion{"dram", kDram, 0x20000, MemoryKind::ram, 0, false}};
  return b;
}

class Target {
 public:
  explicit Target(const Asm& program) : machine_(test_board()) {
    for (const auto& s : program.segments())
      EXPECT_TRUE(machine_.bus().write_block(s.addr, s.bytes.data(), s.bytes.size())) << std::hex << s.addr;
    machine_.reset();
  }
  Lx106Cpu& cpu() { return dynamic_cast<Lx106Cpu&>(machine_.cpu()); }
  CpuDebug& dbg() {
    CpuDebug* d = machine_.cpu().debug();
    EXPECT_NE(d, nullptr);
    return *d;
  }
  Machine& machine() { return machine_; }
  Cycles now() { return machine_.scheduler().now(); }
  RunResult run_until(Cycles t) { return machine_.run(t); }
  std::uint32_t reg(unsigned n) {
    std::uint32_t v = 0xDEADBEEF;
    EXPECT_TRUE(dbg().gdb_read_register(n, &v)) << n;
    return v;
  }
  std::vector<std::uint32_t> all_regs() {
    std::vector<std::uint32_t> v;
    for (unsigned i = 0; i < dbg().gdb_register_count(); ++i) v.push_back(reg(i));
    return v;
  }

 private:
  Machine machine_;
};

// ---- registers ---------------------------------------------------------------------------------

TEST(Lx106Debug, RegisterLayoutAndReads) {
  Asm a(kCode);
  a.j_self();
  Target t(a);
  EXPECT_EQ(t.dbg().gdb_target_xml(), "");
  EXPECT_EQ(t.dbg().gdb_register_count(), 50u);
  // After reset, as QEMU's stub reports for `-M sim -cpu lx106` (pc aside: the reset vector):
  // sr176/sr208 = CONFIGID0/1, PS 0x1F, VECBASE 0x40000000, everything else 0.
  std::vector<std::uint32_t> r = t.all_regs();
  ASSERT_EQ(r.size(), 50u);
  for (unsigned i = 0; i < 50; ++i) {
    std::uint32_t want = 0;
    if (i == kPc) want = kCode;
    if (i == kSr176) want = 0xC28CDAFA;
    if (i == kSr176 + 1) want = 0x1082B6F6;
    if (i == kPs) want = 0x1F;
    if (i == kVecbase) want = 0x40000000;
    if (i == kCcount) continue;  // 0 right after reset here as well, but not checked
    EXPECT_EQ(r[i], want) << "register " << i;
  }
  std::uint32_t v;
  EXPECT_FALSE(t.dbg().gdb_read_register(50, &v));
  EXPECT_FALSE(t.dbg().gdb_write_register(50, 0));
}

TEST(Lx106Debug, RegisterWritesActAsWsr) {
  Asm a(kCode);
  a.j_self();
  Target t(a);
  CpuDebug& d = t.dbg();
  // Windowless a0..a15 and the pc.
  for (unsigned i = 0; i < 16; ++i) ASSERT_TRUE(d.gdb_write_register(kA0 + i, 0x1000u * i + 7));
  for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(t.cpu().ar(i), 0x1000u * i + 7);
  ASSERT_TRUE(d.gdb_write_register(kPc, kCode + 3));
  EXPECT_EQ(t.cpu().pc(), kCode + 3);
  // SAR keeps 6 bits, PS its defined fields (mask 0x70F3F), LITBASE base + enable.
  ASSERT_TRUE(d.gdb_write_register(kSar, 0xFFFFFFE5));
  EXPECT_EQ(t.reg(kSar), 0x25u);
  ASSERT_TRUE(d.gdb_write_register(kPs, 0xFFFFFFFF));
  EXPECT_EQ(t.reg(kPs), 0x70F3Fu);
  ASSERT_TRUE(d.gdb_write_register(kLitbase, 0x40001FFF));
  EXPECT_EQ(t.reg(kLitbase), 0x40001001u);
  // Read-only registers: a different value is refused, the current one accepted (G packets).
  EXPECT_FALSE(d.gdb_write_register(kSr176, 1));
  EXPECT_TRUE(d.gdb_write_register(kSr176, 0xC28CDAFA));
  EXPECT_FALSE(d.gdb_write_register(kPrid, 1));
  EXPECT_FALSE(d.gdb_write_register(kDebugcause, 1));
  // Write-only MMID and INTCLEAR read 0; MMID writes are accepted (no trace port).
  EXPECT_EQ(t.reg(kMmid), 0u);
  EXPECT_TRUE(d.gdb_write_register(kMmid, 5));
  EXPECT_EQ(t.reg(kIntclear), 0u);
  // INTERRUPT and INTSET written: only the software interrupt (7) can be set; INTCLEAR clears it.
  ASSERT_TRUE(d.gdb_write_register(kIntset, 0xFFFF));
  EXPECT_EQ(t.reg(kInterrupt), 1u << 7);
  EXPECT_EQ(t.reg(kIntset), 1u << 7);
  ASSERT_TRUE(d.gdb_write_register(kIntclear, 1u << 7));
  EXPECT_EQ(t.reg(kInterrupt), 0u);
  ASSERT_TRUE(d.gdb_write_register(kInterrupt, 1u << 7));
  EXPECT_EQ(t.reg(kInterrupt), 1u << 7);
  // CCOUNT written moves the count; time itself does not move.
  Cycles before = t.now();
  ASSERT_TRUE(d.gdb_write_register(kCcount, 1000));
  EXPECT_EQ(t.reg(kCcount), 1000u);
  EXPECT_EQ(t.now(), before);
  ASSERT_TRUE(d.gdb_write_register(kEpc1, 0x12345678));
  EXPECT_EQ(t.reg(kEpc1), 0x12345678u);
  ASSERT_TRUE(d.gdb_write_register(kExccause, 9));
  EXPECT_EQ(t.reg(kExccause), 9u);
}

TEST(Lx106Debug, CcompareWriteBackKeepsTimerInterrupt) {
  Asm a(kCode);
  a.j_self();
  Target t(a);
  CpuDebug& d = t.dbg();
  ASSERT_TRUE(d.gdb_write_register(kCcompare0, 50));
  t.run_until(t.now() + 100);  // PS.INTLEVEL 15 after reset: the interrupt stays pending
  ASSERT_EQ(t.reg(kInterrupt) & (1u << 6), 1u << 6);
  // Writing back the value read (a `G` packet) changes nothing...
  ASSERT_TRUE(d.gdb_write_register(kCcompare0, 50));
  EXPECT_EQ(t.reg(kInterrupt) & (1u << 6), 1u << 6);
  // ...a new value is WSR.CCOMPARE0: clears the timer interrupt (ISA manual 4.4.6).
  ASSERT_TRUE(d.gdb_write_register(kCcompare0, 5000));
  EXPECT_EQ(t.reg(kInterrupt) & (1u << 6), 0u);
}

// ---- breakpoints -------------------------------------------------------------------------------

TEST(Lx106Debug, BreakpointStopsBeforeAndResumeExecutes) {
  Asm a(kCode);
  a.movi(2, 0);
  std::uint32_t loop = a.here();
  a.addi(2, 2, 1);  // breakpoint here
  a.j(loop);
  Target t(a);
  CpuDebug& d = t.dbg();
  EXPECT_FALSE(d.remove_breakpoint(loop));
  ASSERT_TRUE(d.insert_breakpoint(loop));
  ASSERT_TRUE(d.insert_breakpoint(loop));  // twice is harmless
  for (std::uint32_t n = 0; n < 3; ++n) {
    RunResult r = t.run_until(t.now() + 1000);
    ASSERT_EQ(r.reason, StopReason::debug) << n;
    EXPECT_EQ(d.last_stop().kind, DebugStop::Kind::breakpoint);
    EXPECT_EQ(d.last_stop().address, loop);
    EXPECT_EQ(t.cpu().pc(), loop);
    EXPECT_EQ(t.cpu().ar(2), n);  // stopped before the ADDI; resuming executes it once
  }
  // Time stands still at a breakpoint: movi 1, then per iteration addi 1 + j 3 cycles.
  EXPECT_EQ(t.cpu().instructions(), 1u + 2 * 2);
  EXPECT_EQ(t.reg(kCcount), 1u + 2 * 4);
  ASSERT_TRUE(d.remove_breakpoint(loop));
  EXPECT_FALSE(d.remove_breakpoint(loop));
  RunResult r = t.run_until(t.now() + 400);
  EXPECT_EQ(r.reason, StopReason::time_limit);
  EXPECT_EQ(t.cpu().ar(2), 2u + 100);
}

TEST(Lx106Debug, BreakpointInInterruptHandler) {
  // The timer interrupt enters the kernel vector, which holds a breakpoint.
  Asm a(kCode);
  a.movi(3, 100);
  a.wsr(3, SR_CCOMPARE0);
  a.movi(3, 1 << 6);
  a.wsr(3, SR_INTENABLE);
  a.movi(3, 0);
  a.wsr(3, SR_PS);
  a.rsync();
  a.j_self();
  a.org(kKernelVector);
  a.j_self();
  Target t(a);
  ASSERT_TRUE(t.dbg().insert_breakpoint(kKernelVector));
  RunResult r = t.run_until(t.now() + 10000);
  ASSERT_EQ(r.reason, StopReason::debug);
  EXPECT_EQ(t.cpu().pc(), kKernelVector);
  EXPECT_EQ(t.reg(kExccause), 4u);  // Level1InterruptCause
  EXPECT_GE(t.reg(kCcount), 100u);
  EXPECT_LT(t.reg(kCcount), 100u + 3 + Lx106Cpu::kExceptionEntryCycles + 1);
}

// ---- watchpoints -------------------------------------------------------------------------------

Asm watch_program(std::uint32_t* after_store, std::uint32_t* after_load, std::uint32_t* after_s8i) {
  Asm a(kCode);
  a.li(5, kDram);
  a.movi(3, 0x55);
  a.s32i(3, 5, 8);
  *after_store = a.here();
  a.l32i(4, 5, 12);
  *after_load = a.here();
  a.s8i(3, 5, 9);
  *after_s8i = a.here();
  a.l8ui(6, 5, 20);
  a.j_self();
  return a;
}

TEST(Lx106Debug, WatchpointsStopAfterTheAccessWithItsAddress) {
  std::uint32_t after_store, after_load, after_s8i;
  Asm a = watch_program(&after_store, &after_load, &after_s8i);
  {
    Target t(a);
    CpuDebug& d = t.dbg();
    ASSERT_TRUE(d.insert_watchpoint(kDram + 8, 4, WatchKind::write));
    RunResult r = t.run_until(t.now() + 1000);
    ASSERT_EQ(r.reason, StopReason::debug);
    EXPECT_EQ(d.last_stop().kind, DebugStop::Kind::watchpoint);
    EXPECT_EQ(d.last_stop().watch, WatchKind::write);
    EXPECT_EQ(d.last_stop().address, kDram + 8);
    EXPECT_EQ(t.cpu().pc(), after_store);  // the store completed
    // The load of kDram+12 is not watched; the byte store to kDram+9 is.
    r = t.run_until(t.now() + 1000);
    ASSERT_EQ(r.reason, StopReason::debug);
    EXPECT_EQ(d.last_stop().address, kDram + 9);
    EXPECT_EQ(t.cpu().pc(), after_s8i);
    EXPECT_EQ(t.run_until(t.now() + 1000).reason, StopReason::time_limit);
    EXPECT_TRUE(d.remove_watchpoint(kDram + 8, 4, WatchKind::write));
    EXPECT_FALSE(d.remove_watchpoint(kDram + 8, 4, WatchKind::write));
  }
  {
    Target t(a);
    CpuDebug& d = t.dbg();
    ASSERT_TRUE(d.insert_watchpoint(kDram + 12, 4, WatchKind::read));
    RunResult r = t.run_until(t.now() + 1000);
    ASSERT_EQ(r.reason, StopReason::debug);
    EXPECT_EQ(d.last_stop().watch, WatchKind::read);
    EXPECT_EQ(d.last_stop().address, kDram + 12);
    EXPECT_EQ(t.cpu().pc(), after_load);
    EXPECT_EQ(t.run_until(t.now() + 1000).reason, StopReason::time_limit);
  }
  {
    Target t(a);
    CpuDebug& d = t.dbg();
    // An access watchpoint over kDram+10..+23 sees the word store (kDram+8..11), the word
    // load (+12..15) and the byte load (+20), not the byte store to +9; each hit reports the
    // lowest watched byte the access touched.
    ASSERT_TRUE(d.insert_watchpoint(kDram + 10, 14, WatchKind::access));
    std::vector<std::uint32_t> addrs;
    for (int i = 0; i < 3; ++i) {
      RunResult r = t.run_until(t.now() + 1000);
      ASSERT_EQ(r.reason, StopReason::debug) << i;
      EXPECT_EQ(d.last_stop().watch, WatchKind::access);
      addrs.push_back(d.last_stop().address);
    }
    EXPECT_EQ(addrs, (std::vector<std::uint32_t>{kDram + 10, kDram + 12, kDram + 20}));
    EXPECT_EQ(t.run_until(t.now() + 1000).reason, StopReason::time_limit);
  }
  EXPECT_FALSE(Target(a).dbg().insert_watchpoint(kDram, 0, WatchKind::write));
  EXPECT_FALSE(Target(a).dbg().insert_watchpoint(0xFFFFFFF0, 0x20, WatchKind::write));
}

// ---- single steps ------------------------------------------------------------------------------

TEST(Lx106Debug, StepExecutesOneInstructionWithItsCycles) {
  Asm a(kCode);
  a.li(5, kDram);
  std::uint32_t load = a.here();
  a.l32i(3, 5, 0);
  std::uint32_t use = a.here();
  a.add(4, 3, 3);  // reads the register just loaded: +1 cycle (load-use)
  std::uint32_t jump = a.here();
  std::uint32_t target = jump + 6;
  a.j(target);
  a.movi(7, 1);  // skipped
  a.movi(8, 2);  // target
  a.j_self();
  Target t(a);
  CpuDebug& d = t.dbg();
  ASSERT_TRUE(d.insert_breakpoint(load));
  ASSERT_TRUE(d.insert_breakpoint(use));
  // Run to the breakpoint at the load, then step from it (the breakpoint does not stop a step).
  ASSERT_EQ(t.run_until(t.now() + 1000).reason, StopReason::debug);
  ASSERT_EQ(t.cpu().pc(), load);
  struct Expect {
    std::uint32_t pc_after;
    Cycles cycles;
  };
  for (Expect e : {Expect{use, 1}, Expect{jump, 2}, Expect{target, 3}, Expect{target + 3, 1}}) {
    Cycles before = t.now();
    std::uint64_t insns = t.cpu().instructions();
    RunResult r = t.machine().step();
    ASSERT_EQ(r.reason, StopReason::debug);
    EXPECT_EQ(d.last_stop().kind, DebugStop::Kind::step);
    EXPECT_EQ(t.cpu().pc(), e.pc_after);
    EXPECT_EQ(t.now() - before, e.cycles) << std::hex << e.pc_after;
    EXPECT_EQ(t.cpu().instructions(), insns + 1);
  }
  EXPECT_EQ(t.cpu().ar(7), 0u);
  EXPECT_EQ(t.cpu().ar(8), 2u);
  // Stepping onto a breakpoint is a step, and continuing from there runs on.
  ASSERT_TRUE(d.insert_breakpoint(target + 3));  // the `j .`
  ASSERT_EQ(t.machine().step().reason, StopReason::debug);
  EXPECT_EQ(d.last_stop().kind, DebugStop::Kind::step);
  EXPECT_EQ(t.cpu().pc(), target + 3);
  ASSERT_EQ(t.run_until(t.now() + 100).reason, StopReason::debug);  // next time round the loop
  EXPECT_EQ(d.last_stop().kind, DebugStop::Kind::breakpoint);
}

TEST(Lx106Debug, StepIntoExceptionVector) {
  Asm a(kCode);
  a.li(5, kDram + 1);
  std::uint32_t load = a.here();
  a.l32i(3, 5, 0);  // unaligned: LoadStoreAlignment (9)
  a.j_self();
  a.org(kKernelVector);
  a.j_self();
  Target t(a);
  CpuDebug& d = t.dbg();
  ASSERT_TRUE(d.gdb_write_register(kPs, 0));  // PS.EXCM 0: a kernel-vector exception
  while (t.cpu().pc() != load) ASSERT_EQ(t.machine().step().reason, StopReason::debug);
  Cycles before = t.now();
  std::uint64_t insns = t.cpu().instructions();
  ASSERT_EQ(t.machine().step().reason, StopReason::debug);
  EXPECT_EQ(t.cpu().pc(), kKernelVector);
  EXPECT_EQ(t.reg(kExccause), 9u);
  EXPECT_EQ(t.reg(kEpc1), load);
  EXPECT_EQ(t.cpu().instructions(), insns + 1);
  EXPECT_EQ(t.now() - before, 1 + Lx106Cpu::kExceptionEntryCycles);
}

TEST(Lx106Debug, StepIntoInterruptVector) {
  Asm a(kCode);
  a.j_self();
  a.org(kKernelVector);
  a.j_self();
  Target t(a);
  CpuDebug& d = t.dbg();
  ASSERT_TRUE(d.gdb_write_register(kPs, 0));
  ASSERT_TRUE(d.gdb_write_register(kIntenable, 1u << 7));
  ASSERT_TRUE(d.gdb_write_register(kIntset, 1u << 7));  // software interrupt pending
  Cycles before = t.now();
  ASSERT_EQ(t.machine().step().reason, StopReason::debug);
  // The interrupt entry is the step: no instruction, kExceptionEntryCycles.
  EXPECT_EQ(t.cpu().pc(), kKernelVector);
  EXPECT_EQ(t.reg(kExccause), 4u);
  EXPECT_EQ(t.reg(kEpc1), kCode);
  EXPECT_EQ(t.cpu().instructions(), 0u);
  EXPECT_EQ(t.now() - before, Lx106Cpu::kExceptionEntryCycles);
}

TEST(Lx106Debug, StepOverWaitiJumpsToTheInterrupt) {
  Asm a(kCode);
  a.movi(3, 200);
  a.wsr(3, SR_CCOMPARE0);
  a.movi(3, 1 << 6);
  a.wsr(3, SR_INTENABLE);
  a.movi(3, 0);
  a.wsr(3, SR_PS);
  a.rsync();
  std::uint32_t waiti = a.here();
  a.waiti(0);
  a.j_self();
  a.org(kKernelVector);
  a.j_self();
  Target t(a);
  while (t.cpu().pc() != waiti) ASSERT_EQ(t.machine().step().reason, StopReason::debug);
  ASSERT_EQ(t.machine().step().reason, StopReason::debug);  // WAITI itself
  EXPECT_TRUE(t.cpu().waiting());
  Cycles at_wait = t.now();
  ASSERT_LT(at_wait, 200u);
  ASSERT_EQ(t.machine().step().reason, StopReason::debug);  // the wait, then the interrupt entry
  EXPECT_EQ(t.cpu().pc(), kKernelVector);
  EXPECT_EQ(t.reg(kEpc1), waiti + 3);
  EXPECT_EQ(t.now(), 200u + Lx106Cpu::kExceptionEntryCycles);
}

// A program with loads, stores, load-use stalls, taken and untaken branches, a timer
// interrupt every ~300 cycles and a WAITI at the end.
Asm busy_program() {
  Asm a(kCode);
  a.li(5, kDram);
  a.movi(6, 120);
  a.movi(2, 0);
  a.movi(3, 250);
  a.wsr(3, SR_CCOMPARE0);
  a.movi(3, 1 << 6);
  a.wsr(3, SR_INTENABLE);
  a.movi(3, 0);
  a.wsr(3, SR_PS);
  a.rsync();
  std::uint32_t loop = a.here();
  a.l32i(3, 5, 0);
  a.add(3, 3, 6);
  a.s32i(3, 5, 0);
  a.addi(6, 6, -1);
  a.bnez(6, loop);
  a.waiti(0);
  std::uint32_t spin = a.here();
  a.addi(7, 7, 1);
  a.j(spin);
  a.org(kKernelVector);
  a.j(kHandler);
  a.org(kHandler);
  a.addi(2, 2, 1);
  a.rsr(9, SR_CCOUNT);
  a.movi(8, 300);
  a.add(9, 9, 8);
  a.wsr(9, SR_CCOMPARE0);  // clears the timer interrupt, next one in ~300 cycles
  a.rfe();
  return a;
}

TEST(Lx106Debug, SteppingNEqualsRunning) {
  Asm prog = busy_program();
  constexpr int kSteps = 3000;
  Target stepped(prog);
  for (int i = 0; i < kSteps; ++i) ASSERT_EQ(stepped.machine().step().reason, StopReason::debug) << i;
  Cycles end = stepped.now();
  ASSERT_GT(stepped.cpu().ar(2), 5u);  // several timer interrupts were taken
  ASSERT_GT(stepped.cpu().ar(7), 10u);  // and the WAITI was left

  Target ran(prog);
  EXPECT_EQ(ran.run_until(end).reason, StopReason::time_limit);

  // Breakpoints and watchpoints that are never hit, some on the executed pages (one in the
  // middle of an instruction), change nothing.
  Target watched(prog);
  ASSERT_TRUE(watched.dbg().insert_breakpoint(kCode + 1));
  ASSERT_TRUE(watched.dbg().insert_breakpoint(kHandler + 4));
  ASSERT_TRUE(watched.dbg().insert_breakpoint(0x40010000));
  ASSERT_TRUE(watched.dbg().insert_watchpoint(kDram + 4, 4, WatchKind::access));
  // A watchpoint on the loop's word, removed again: nothing of it remains.
  ASSERT_TRUE(watched.dbg().insert_watchpoint(kDram, 4, WatchKind::write));
  ASSERT_TRUE(watched.dbg().remove_watchpoint(kDram, 4, WatchKind::write));
  EXPECT_EQ(watched.run_until(end).reason, StopReason::time_limit);

  for (Target* t : {&ran, &watched}) {
    EXPECT_EQ(t->now(), end);
    EXPECT_EQ(t->cpu().instructions(), stepped.cpu().instructions());
    EXPECT_EQ(t->all_regs(), stepped.all_regs());
  }
}

}  // namespace
