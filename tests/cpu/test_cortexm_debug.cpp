// CpuDebug of the Cortex-M3 backend (core/debug.hpp): registers by GDB number, breakpoints,
// watchpoints and single steps, checked against unbroken runs of the same program for state,
// cycle count and instruction count.
//
// The program is determinism.s of test_cortexm_cpu.cpp (its source is listed there): a busy
// thread loop with SysTick every 997 cycles and PendSV pended from the SysTick handler, ending
// after 40 SysTicks with semihosting SYS_EXIT. Addresses used below (from its listing):
//   0x7e loop:  adds r5,#1 (block start)        0x88  add r6,r0 (inside the loop's block)
//   0x94        str r2,[r7,r1]                  0x96  tst r6,#0x100
//   0xa0        str r3,[r7,#-4]  (0x20000ffc)   0xa4  b loop
//   0xcc (systick handler) ldr r1,[r0] of OUT (0x20000000); 0xce adds r1,#1; 0xd0 str r1,[r0];
//   0xd2 cmp r1,#40

#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/debug.hpp"
#include "core/log.hpp"
#include "cortexm/cortexm_cpu.hpp"
#include "machine/machine.hpp"
#include "support/guest_memory.hpp"
#include "support/same_run.hpp"

namespace {

using boardemu::BoardDesc;
using boardemu::CpuDebug;
using boardemu::Cycles;
using boardemu::DebugStop;
using boardemu::Machine;
using boardemu::MemoryKind;
using boardemu::RunResult;
using boardemu::StopReason;
using boardemu::WatchKind;
using boardemu::cortexm::CortexMCpu;

namespace determinism {
constexpr std::uint8_t image[] = {
    0x00, 0x00, 0x01, 0x20, 0x51, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00,
    0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00,
    0xf9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xdf, 0x00, 0x00, 0x00, 0xa9, 0x00, 0x00, 0x00,
    0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00, 0xf9, 0x00, 0x00, 0x00,
    0x2d, 0x48, 0x01, 0x1d, 0x01, 0x60, 0x2d, 0x48, 0x4f, 0xf0, 0x80, 0x71, 0x01, 0x60, 0x2c, 0x48,
    0x01, 0x21, 0x01, 0x60, 0x2b, 0x48, 0x2c, 0x49, 0x01, 0x60, 0x2c, 0x48, 0x4f, 0xf4, 0x79, 0x71,
    0x01, 0x60, 0x2b, 0x48, 0x07, 0x21, 0x01, 0x60, 0x00, 0x25, 0x2a, 0x4e, 0x2a, 0x4f, 0x01, 0x35,
    0x2a, 0x48, 0x06, 0xfb, 0x00, 0xf6, 0x2a, 0x48, 0x06, 0x44, 0xb1, 0x0d, 0x21, 0xf0, 0x03, 0x01,
    0x7a, 0x58, 0x72, 0x40, 0x7a, 0x50, 0x16, 0xf4, 0x80, 0x7f, 0x03, 0xd0, 0xb6, 0xfb, 0xf5, 0xf3,
    0x47, 0xf8, 0x04, 0x3c, 0xff, 0xf7, 0xeb, 0xbf, 0x22, 0x48, 0x00, 0x68, 0x16, 0x4b, 0x1a, 0x68,
    0x42, 0xf8, 0x04, 0x0b, 0x1a, 0x60, 0x14, 0x4b, 0x1a, 0x68, 0x42, 0xf8, 0x04, 0x5b, 0x1a, 0x60,
    0x1d, 0x48, 0x4f, 0xf0, 0x80, 0x51, 0x01, 0x60, 0x4f, 0xf0, 0x00, 0x50, 0x01, 0x68, 0x01, 0x31,
    0x01, 0x60, 0x28, 0x29, 0x00, 0xd0, 0x70, 0x47, 0x18, 0x20, 0x18, 0x49, 0xab, 0xbe, 0x4f, 0xf0,
    0x55, 0x01, 0x09, 0x4b, 0x1a, 0x68, 0x42, 0xf8, 0x04, 0x1b, 0x1a, 0x60, 0x06, 0x4b, 0x1a, 0x68,
    0x42, 0xf8, 0x04, 0xeb, 0x1a, 0x60, 0x70, 0x47, 0xef, 0xf3, 0x05, 0x80, 0x10, 0x49, 0x08, 0x60,
    0x18, 0x20, 0x10, 0x49, 0xab, 0xbe, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0xfc, 0xed, 0x00, 0xe0,
    0x00, 0x10, 0x00, 0xe0, 0x20, 0xed, 0x00, 0xe0, 0x00, 0x00, 0xe0, 0x40, 0x14, 0xe0, 0x00, 0xe0,
    0x10, 0xe0, 0x00, 0xe0, 0x78, 0x56, 0x34, 0x12, 0x00, 0x10, 0x00, 0x20, 0x0d, 0x66, 0x19, 0x00,
    0x5f, 0xf3, 0x6e, 0x3c, 0x04, 0x10, 0x00, 0xe0, 0x04, 0xed, 0x00, 0xe0, 0x26, 0x00, 0x02, 0x00,
    0xfc, 0x00, 0x00, 0x20, 0x23, 0x00, 0x02, 0x00,
};
}  // namespace determinism

constexpr std::uint32_t kLoop = 0x7e, kMidLoop = 0x88, kOut = 0x20000000;
constexpr std::uint32_t kLogPtr = 0x20000100, kLogBuf = 0x20000104;
// GDB numbers (CortexMCpu::gdb_target_xml).
constexpr unsigned kR5 = 5, kSp = 13, kPc = 15, kXpsr = 16, kMsp = 17, kPrimask = 19, kControl = 22;

BoardDesc test_board() {
  BoardDesc b;
  b.semihosting = true;  // the test programs end their runs through semihosting
  b.name = "cpu-debug-test";
  b.description = "Cortex-M3 with two RAM regions and nothing else";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = "cortex-m3";
  b.cpu_hz = 25'000'000;
  b.memory = {
      {"code", 0x00000000, 0x10000, MemoryKind::ram, 0},
      {"sram", 0x20000000, 0x10000, MemoryKind::ram, 0},
  };
  return b;
}

struct Target {
  Machine machine{test_board()};
  boardemu::testing::GuestMemory memory{machine.bus()};
  Target() {
    if (const char* spec = std::getenv("CPU_TEST_LOG")) boardemu::log::enable_from_string(spec, nullptr);
    EXPECT_TRUE(machine.bus().write_block(0, determinism::image, sizeof determinism::image));
    machine.reset();
  }
  CortexMCpu& cpu() { return dynamic_cast<CortexMCpu&>(machine.cpu()); }
  CpuDebug& dbg() { return *machine.cpu().debug(); }
  Cycles now() { return machine.scheduler().now(); }
  std::uint32_t r(unsigned regno) {
    std::uint32_t v = 0;
    EXPECT_TRUE(dbg().gdb_read_register(regno, &v)) << regno;
    return v;
  }
  // The machine's run loop (Machine::run) until the program exits or the debugger stops it.
  RunResult run() { return machine.run(10'000'000); }
  std::vector<std::uint32_t> regs() {
    std::vector<std::uint32_t> v;
    for (unsigned i = 0; i < dbg().gdb_register_count(); ++i) v.push_back(r(i));
    return v;
  }
  std::vector<std::uint32_t> log() { return memory.event_log(kLogPtr, kLogBuf); }
  std::vector<std::uint32_t> table() { return memory.words(0x20001000 - 4, 257); }
};

TEST(CortexMDebug, RegistersByGdbNumber) {
  Target t;
  ASSERT_NE(t.machine.cpu().debug(), nullptr);
  EXPECT_EQ(t.dbg().gdb_register_count(), 23u);
  EXPECT_EQ(t.r(kPc), 0x50u);  // reset vector 0x51 without the Thumb bit
  EXPECT_EQ(t.r(kSp), 0x20010000u);
  EXPECT_EQ(t.r(kMsp), 0x20010000u);
  EXPECT_EQ(t.r(kXpsr), 1u << 24);
  EXPECT_EQ(t.r(kControl), 0u);
  std::uint32_t v = 0;
  EXPECT_FALSE(t.dbg().gdb_read_register(23, &v));
  EXPECT_FALSE(t.dbg().gdb_write_register(23, 1));
  EXPECT_TRUE(t.dbg().gdb_write_register(kR5, 0xCAFEF00D));
  EXPECT_EQ(t.cpu().reg(UC_ARM_REG_R5), 0xCAFEF00Du);
  EXPECT_TRUE(t.dbg().gdb_write_register(kPrimask, 1));
  EXPECT_EQ(t.cpu().reg(UC_ARM_REG_PRIMASK), 1u);
  EXPECT_TRUE(t.dbg().gdb_write_register(kPc, kLoop));
  EXPECT_EQ(t.cpu().pc(), kLoop);
  std::string xml = t.dbg().gdb_target_xml();
  EXPECT_NE(xml.find("org.gnu.gdb.arm.m-profile"), std::string::npos);
  EXPECT_NE(xml.find("<reg name=\"xpsr\" bitsize=\"32\" regnum=\"16\""), std::string::npos);
}

TEST(CortexMDebug, BreakpointInsideABlockAndAtItsStart) {
  Target t;
  ASSERT_TRUE(t.dbg().insert_breakpoint(kMidLoop));
  RunResult r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().kind, DebugStop::Kind::breakpoint);
  EXPECT_EQ(t.dbg().last_stop().address, kMidLoop);
  EXPECT_EQ(t.r(kPc), kMidLoop);
  EXPECT_EQ(t.r(kR5), 1u);  // adds r5,#1 before it ran, nothing after it
  // Resuming executes the instruction under the breakpoint and stops there next time round.
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.r(kPc), kMidLoop);
  EXPECT_EQ(t.r(kR5), 2u);
  // At a block start.
  ASSERT_TRUE(t.dbg().remove_breakpoint(kMidLoop));
  EXPECT_FALSE(t.dbg().remove_breakpoint(kMidLoop));
  ASSERT_TRUE(t.dbg().insert_breakpoint(kLoop));
  EXPECT_TRUE(t.dbg().insert_breakpoint(kLoop));  // twice: harmless
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().address, kLoop);
  EXPECT_EQ(t.r(kPc), kLoop);
  EXPECT_EQ(t.r(kR5), 2u);
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.r(kR5), 3u);
  // Removed: the program runs to its end.
  ASSERT_TRUE(t.dbg().remove_breakpoint(kLoop));
  r = t.run();
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
}

// Stopping at breakpoints all along the way ends the program at the same cycle count, with the
// same instruction count, log and memory as the unbroken run.
TEST(CortexMDebug, BreakpointStopsDoNotChangeTheRun) {
  Target plain;
  ASSERT_EQ(plain.run().reason, StopReason::exit);
  Target t;
  ASSERT_TRUE(t.dbg().insert_breakpoint(kMidLoop));
  ASSERT_TRUE(t.dbg().insert_breakpoint(0xa0));
  RunResult r;
  unsigned stops = 0;
  while ((r = t.run()).reason == StopReason::debug) ++stops;
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
  EXPECT_GT(stops, 100u);
  ::boardemu::test_support::expect_same_end(t, plain);
}

TEST(CortexMDebug, UnhitBreakpointsAndWatchpointsChangeNothing) {
  Target plain;
  ASSERT_EQ(plain.run().reason, StopReason::exit);
  Target t;
  ASSERT_TRUE(t.dbg().insert_breakpoint(0x1000));             // no code there
  ASSERT_TRUE(t.dbg().insert_watchpoint(0x20008000, 4, WatchKind::access));  // nobody uses it
  RunResult r = t.run();
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
  ::boardemu::test_support::expect_same_end(t, plain);
}

TEST(CortexMDebug, WatchpointsStopAfterTheAccess) {
  Target t;
  // Write: str r3,[r7,#-4] at 0xa0; the stop is before the next instruction.
  ASSERT_TRUE(t.dbg().insert_watchpoint(0x20000ffc, 4, WatchKind::write));
  RunResult r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().kind, DebugStop::Kind::watchpoint);
  EXPECT_EQ(t.dbg().last_stop().address, 0x20000ffcu);
  EXPECT_EQ(t.dbg().last_stop().watch, WatchKind::write);
  EXPECT_EQ(t.r(kPc), 0xa4u);
  EXPECT_EQ(t.memory.read32(0x20000ffc), t.cpu().reg(UC_ARM_REG_R3));  // the store completed
  EXPECT_NE(t.memory.read32(0x20000ffc), 0u);
  ASSERT_TRUE(t.dbg().remove_watchpoint(0x20000ffc, 4, WatchKind::write));
  EXPECT_FALSE(t.dbg().remove_watchpoint(0x20000ffc, 4, WatchKind::write));
  // Read: the SysTick handler's ldr r1,[r0] of OUT.
  ASSERT_TRUE(t.dbg().insert_watchpoint(kOut, 4, WatchKind::read));
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().address, kOut);
  EXPECT_EQ(t.dbg().last_stop().watch, WatchKind::read);
  EXPECT_EQ(t.r(kPc), 0xceu);
  EXPECT_EQ(t.r(1), 0u);  // loaded: the count before this SysTick
  ASSERT_TRUE(t.dbg().remove_watchpoint(kOut, 4, WatchKind::read));
  // Access, on a byte inside the word: the store of the incremented count hits it.
  ASSERT_TRUE(t.dbg().insert_watchpoint(kOut + 1, 1, WatchKind::access));
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().address, kOut + 1);
  EXPECT_EQ(t.r(kPc), 0xd2u);
  EXPECT_EQ(t.memory.read32(kOut), 1u);
  r = t.run();  // the next SysTick's read
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.r(kPc), 0xceu);
  EXPECT_EQ(t.r(1), 1u);
  ASSERT_TRUE(t.dbg().remove_watchpoint(kOut + 1, 1, WatchKind::access));
  EXPECT_EQ(t.run().reason, StopReason::exit);
}

// Single steps through the whole program (exception entries and returns included) end in the
// state, cycle count and instruction count of the unbroken run; each step of an instruction
// retires one instruction.
TEST(CortexMDebug, SteppingTheWholeProgramMatchesTheRun) {
  Target plain;
  ASSERT_EQ(plain.run().reason, StopReason::exit);
  Target t;
  RunResult r;
  std::uint64_t steps = 0, entries = 0, returns = 0;
  for (;;) {
    std::uint64_t insns = t.cpu().instructions();
    std::uint32_t ipsr = t.r(kXpsr) & 0x1FF;
    r = t.dbg().step();
    if (r.reason != StopReason::debug) break;
    ASSERT_EQ(t.dbg().last_stop().kind, DebugStop::Kind::step);
    std::uint32_t new_ipsr = t.r(kXpsr) & 0x1FF;
    std::uint64_t retired = t.cpu().instructions() - insns;
    if (retired == 0) {
      ++entries;  // an exception entry is a step of its own
      EXPECT_NE(new_ipsr, 0u);
    } else {
      ASSERT_EQ(retired, 1u) << "step " << steps << " at pc " << t.r(kPc);
      if (ipsr != 0 && new_ipsr != ipsr) ++returns;
    }
    ASSERT_LT(++steps, 1'000'000u);
  }
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
  EXPECT_EQ(entries, 40u);  // 40 SysTicks; the PendSVs are tail-chained to their returns
  EXPECT_GT(returns, 30u);
  ::boardemu::test_support::expect_same_end(t, plain);
  EXPECT_EQ(t.regs(), plain.regs());
}

// Steps inside one block cost the model's per-instruction cycles and add up to the block.
TEST(CortexMDebug, StepsInsideABlockSumToIt) {
  Target a;
  ASSERT_TRUE(a.dbg().insert_breakpoint(kLoop));
  ASSERT_EQ(a.run().reason, StopReason::debug);  // first arrival at loop
  ASSERT_EQ(a.run().reason, StopReason::debug);  // once round the loop
  Target b;
  ASSERT_TRUE(b.dbg().insert_breakpoint(kLoop));
  ASSERT_EQ(b.run().reason, StopReason::debug);
  Cycles start = b.now();
  unsigned steps = 0;
  while (steps == 0 || b.r(kPc) != kLoop) {
    Cycles before = b.now();
    ASSERT_EQ(b.dbg().step().reason, StopReason::debug);
    EXPECT_LE(b.now() - before, 13u) << "pc " << b.r(kPc);  // no instruction here costs more
    ++steps;
    ASSERT_LT(steps, 100u);
  }
  EXPECT_GE(steps, 12u);
  EXPECT_EQ(b.now(), a.now());
  EXPECT_GT(b.now(), start);
  EXPECT_EQ(b.regs(), a.regs());
}

}  // namespace
