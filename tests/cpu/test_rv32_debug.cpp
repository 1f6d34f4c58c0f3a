// CpuDebug of the RV32IMAC backend (core/debug.hpp): registers by GDB number, breakpoints,
// watchpoints and single steps, checked against unbroken runs of the same program for state,
// cycle count and instruction count.
//
// The program is determinism.s of test_rv32_cpu.cpp (its source is listed there): a CLINT timer
// interrupt every 1000 cycles over a thread loop updating a table; the handler reads `cycle`
// (emulated by the backend) and logs it; the program exits after 40 interrupts. Addresses used
// below (from riscv64-unknown-elf-objdump of the image):
//   0x80000052 loop: addi s5,s5,1 (block start)   0x80000060 mul t2,s5,s5 (inside the block)
//   0x80000066 sw t1,0(t0) (the table)            0x8000006a blt s1,s4,loop
//   0x800000ae rdcycle a0 (handler)               0x800000ba lw t5,0(t6) of LOGPTR
//   0x800000be sw a0,0(t5)

#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/debug.hpp"
#include "core/log.hpp"
#include "machine/machine.hpp"
#include "riscv/rv32_cpu.hpp"
#include "support/guest_memory.hpp"
#include "support/same_run.hpp"

namespace {

using boardemu::BoardDesc;
using boardemu::CpuDebug;
using boardemu::Cycles;
using boardemu::DebugStop;
using boardemu::Machine;
using boardemu::MemoryKind;
using boardemu::PeripheralDesc;
using boardemu::RunResult;
using boardemu::StopReason;
using boardemu::WatchKind;
using boardemu::riscv::Rv32Cpu;

namespace determinism {
constexpr std::uint8_t image[] = {
    0x97, 0x02, 0x00, 0x00, 0x93, 0x82, 0x82, 0x09, 0x73, 0x90, 0x52, 0x30, 0x37, 0x01, 0x02, 0x80,
    0xb7, 0x02, 0x01, 0x80, 0x93, 0x82, 0x02, 0x10, 0x13, 0x83, 0x42, 0x00, 0x23, 0xa0, 0x62, 0x00,
    0x81, 0x44, 0x13, 0x0a, 0x80, 0x02, 0xb7, 0xc2, 0x00, 0x02, 0xe1, 0x12, 0x03, 0xa3, 0x02, 0x00,
    0x13, 0x03, 0x83, 0x0c, 0xb7, 0x42, 0x00, 0x02, 0x23, 0xa0, 0x62, 0x00, 0x23, 0xa2, 0x02, 0x00,
    0x93, 0x02, 0x00, 0x08, 0x73, 0xa0, 0x42, 0x30, 0x73, 0x60, 0x04, 0x30, 0x81, 0x4a, 0x37, 0x1b,
    0x01, 0x80, 0x85, 0x0a, 0x93, 0xf2, 0xfa, 0x0f, 0x8a, 0x02, 0xda, 0x92, 0x03, 0xa3, 0x02, 0x00,
    0xb3, 0x83, 0x5a, 0x03, 0x1e, 0x93, 0x23, 0xa0, 0x62, 0x00, 0xe3, 0xc4, 0x44, 0xff, 0xb7, 0x05,
    0x01, 0x80, 0x93, 0x85, 0x05, 0x0f, 0xb7, 0x02, 0x02, 0x00, 0x93, 0x82, 0x62, 0x02, 0x23, 0xa0,
    0x55, 0x00, 0x81, 0x42, 0x23, 0xa2, 0x55, 0x00, 0x13, 0x05, 0x00, 0x02, 0x13, 0x10, 0xf0, 0x01,
    0x73, 0x00, 0x10, 0x00, 0x13, 0x50, 0x70, 0x40, 0x13, 0x01, 0x81, 0xfd, 0x16, 0xc0, 0x1a, 0xc2,
    0x1e, 0xc4, 0x72, 0xc6, 0x76, 0xc8, 0x7a, 0xca, 0x7e, 0xcc, 0x2a, 0xce, 0x2e, 0xd0, 0x73, 0x25,
    0x00, 0xc0, 0xb7, 0x0f, 0x01, 0x80, 0x93, 0x8f, 0x0f, 0x10, 0x03, 0xaf, 0x0f, 0x00, 0x23, 0x20,
    0xaf, 0x00, 0x11, 0x0f, 0x23, 0xa0, 0xef, 0x01, 0xb7, 0x0f, 0x01, 0x80, 0x93, 0x8f, 0x0f, 0x10,
    0x03, 0xaf, 0x0f, 0x00, 0x23, 0x20, 0x5f, 0x01, 0x11, 0x0f, 0x23, 0xa0, 0xef, 0x01, 0x85, 0x04,
    0xb7, 0x42, 0x00, 0x02, 0x03, 0xa3, 0x02, 0x00, 0x13, 0x03, 0x83, 0x0c, 0x23, 0xa0, 0x62, 0x00,
    0x82, 0x42, 0x12, 0x43, 0xa2, 0x43, 0x32, 0x4e, 0xc2, 0x4e, 0x52, 0x4f, 0xe2, 0x4f, 0x72, 0x45,
    0x82, 0x55, 0x13, 0x01, 0x81, 0x02, 0x73, 0x00, 0x20, 0x30, 0x01, 0x00, 0xf3, 0x22, 0x20, 0x34,
    0x37, 0x03, 0x01, 0x80, 0x13, 0x03, 0xc3, 0x0f, 0x23, 0x20, 0x53, 0x00, 0xb7, 0x05, 0x01, 0x80,
    0x93, 0x85, 0x05, 0x0f, 0xb7, 0x02, 0x02, 0x00, 0x93, 0x82, 0x62, 0x02, 0x23, 0xa0, 0x55, 0x00,
    0x85, 0x42, 0x23, 0xa2, 0x55, 0x00, 0x13, 0x05, 0x00, 0x02, 0x01, 0x00, 0x13, 0x10, 0xf0, 0x01,
    0x73, 0x00, 0x10, 0x00, 0x13, 0x50, 0x70, 0x40,
};
}  // namespace determinism

constexpr std::uint32_t kRamBase = 0x80000000, kLoop = 0x80000052, kMidLoop = 0x80000060;
constexpr std::uint32_t kLogPtr = 0x80010100, kLogBuf = 0x80010104, kTable = 0x80011000;
// GDB numbers (Rv32Cpu::gdb_target_xml).
constexpr unsigned kS5 = 21, kT5 = 30, kPc = 32, kMstatus = 33, kMisa = 34, kMtvec = 36,
                   kMip = 41;

BoardDesc test_board() {
  BoardDesc b;
  b.semihosting = true;  // the test programs end their runs through semihosting
  b.name = "rv32-debug-test";
  b.description = "RV32IMAC with RAM, CLINT and PLIC";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = "rv32imac";
  b.cpu_hz = 50'000'000;
  b.num_irqs = 96;
  b.interrupt_controller = "plic";
  b.memory = {{"dram", kRamBase, 0x100000, MemoryKind::ram, 0}};
  PeripheralDesc clint;
  clint.name = "clint";
  clint.model = "riscv-clint";
  clint.base = 0x02000000;
  clint.size = 0x10000;
  clint.clock_hz = 10'000'000;
  clint.cpu_irqs = {{"msip", "msip"}, {"mtip", "mtip"}};
  PeripheralDesc plic;
  plic.name = "plic";
  plic.model = "riscv-plic";
  plic.base = 0x0C000000;
  plic.size = 0x400000;
  plic.cpu_irqs = {{"meip", "meip"}};
  b.peripherals = {clint, plic};
  return b;
}

struct Target {
  Machine machine{test_board()};
  boardemu::testing::GuestMemory memory{machine.bus()};
  Target() {
    if (const char* spec = std::getenv("CPU_TEST_LOG")) boardemu::log::enable_from_string(spec, nullptr);
    EXPECT_TRUE(machine.bus().write_block(kRamBase, determinism::image, sizeof determinism::image));
    cpu().set_entry(kRamBase);
    machine.reset();
  }
  Rv32Cpu& cpu() { return dynamic_cast<Rv32Cpu&>(machine.cpu()); }
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
  std::vector<std::uint32_t> table() { return memory.words(kTable, 256); }
};

TEST(Rv32Debug, RegistersByGdbNumber) {
  Target t;
  ASSERT_NE(t.machine.cpu().debug(), nullptr);
  EXPECT_EQ(t.dbg().gdb_register_count(), 42u);
  EXPECT_EQ(t.r(kPc), kRamBase);
  EXPECT_EQ(t.r(0), 0u);
  EXPECT_EQ(t.r(kMstatus), 0u);
  EXPECT_NE(t.r(kMisa) & (1u << ('M' - 'A')), 0u);  // RV32IMAC
  std::uint32_t v = 0;
  EXPECT_FALSE(t.dbg().gdb_read_register(42, &v));
  EXPECT_FALSE(t.dbg().gdb_write_register(42, 1));
  EXPECT_TRUE(t.dbg().gdb_write_register(0, 5));  // x0 stays zero
  EXPECT_EQ(t.r(0), 0u);
  EXPECT_TRUE(t.dbg().gdb_write_register(kT5, 0xCAFEF00D));
  EXPECT_EQ(t.cpu().reg(UC_RISCV_REG_T5), 0xCAFEF00Du);
  EXPECT_TRUE(t.dbg().gdb_write_register(kMtvec, 0x80000100));
  EXPECT_EQ(t.cpu().reg(UC_RISCV_REG_MTVEC), 0x80000100u);
  EXPECT_TRUE(t.dbg().gdb_write_register(kPc, kLoop));
  EXPECT_EQ(t.cpu().pc(), kLoop);
  std::string xml = t.dbg().gdb_target_xml();
  EXPECT_NE(xml.find("org.gnu.gdb.riscv.cpu"), std::string::npos);
  EXPECT_NE(xml.find("<reg name=\"pc\" bitsize=\"32\" regnum=\"32\""), std::string::npos);
  EXPECT_NE(xml.find("<reg name=\"mip\" bitsize=\"32\" regnum=\"41\""), std::string::npos);
}

TEST(Rv32Debug, BreakpointInsideABlockAndAtItsStart) {
  Target t;
  ASSERT_TRUE(t.dbg().insert_breakpoint(kMidLoop));
  RunResult r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().kind, DebugStop::Kind::breakpoint);
  EXPECT_EQ(t.dbg().last_stop().address, kMidLoop);
  EXPECT_EQ(t.r(kPc), kMidLoop);
  EXPECT_EQ(t.r(kS5), 1u);
  r = t.run();  // resuming executes the instruction under the breakpoint
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.r(kPc), kMidLoop);
  EXPECT_EQ(t.r(kS5), 2u);
  ASSERT_TRUE(t.dbg().remove_breakpoint(kMidLoop));
  EXPECT_FALSE(t.dbg().remove_breakpoint(kMidLoop));
  ASSERT_TRUE(t.dbg().insert_breakpoint(kLoop));
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.r(kPc), kLoop);
  EXPECT_EQ(t.r(kS5), 2u);
  ASSERT_TRUE(t.dbg().remove_breakpoint(kLoop));
  EXPECT_EQ(t.run().reason, StopReason::exit);
}

TEST(Rv32Debug, BreakpointStopsDoNotChangeTheRun) {
  Target plain;
  ASSERT_EQ(plain.run().reason, StopReason::exit);
  Target t;
  ASSERT_TRUE(t.dbg().insert_breakpoint(kMidLoop));
  ASSERT_TRUE(t.dbg().insert_breakpoint(0x800000ba));
  RunResult r;
  unsigned stops = 0;
  while ((r = t.run()).reason == StopReason::debug) ++stops;
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
  EXPECT_GT(stops, 100u);
  ::boardemu::test_support::expect_same_end(t, plain);
}

TEST(Rv32Debug, UnhitBreakpointsAndWatchpointsChangeNothing) {
  Target plain;
  ASSERT_EQ(plain.run().reason, StopReason::exit);
  Target t;
  ASSERT_TRUE(t.dbg().insert_breakpoint(0x80008000));
  ASSERT_TRUE(t.dbg().insert_watchpoint(0x80018000, 4, WatchKind::access));
  RunResult r = t.run();
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
  ::boardemu::test_support::expect_same_end(t, plain);
}

TEST(Rv32Debug, WatchpointsStopAfterTheAccess) {
  Target t;
  ASSERT_TRUE(t.dbg().insert_watchpoint(kTable + 12, 4, WatchKind::write));
  RunResult r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().kind, DebugStop::Kind::watchpoint);
  EXPECT_EQ(t.dbg().last_stop().address, kTable + 12);
  EXPECT_EQ(t.dbg().last_stop().watch, WatchKind::write);
  EXPECT_EQ(t.r(kPc), 0x8000006au);
  EXPECT_EQ(t.r(kS5), 3u);
  EXPECT_EQ(t.memory.read32(kTable + 12), 9u);  // s5 * s5, stored
  ASSERT_TRUE(t.dbg().remove_watchpoint(kTable + 12, 4, WatchKind::write));
  ASSERT_TRUE(t.dbg().insert_watchpoint(kLogPtr, 4, WatchKind::read));
  r = t.run();
  ASSERT_EQ(r.reason, StopReason::debug) << r.message;
  EXPECT_EQ(t.dbg().last_stop().address, kLogPtr);
  EXPECT_EQ(t.dbg().last_stop().watch, WatchKind::read);
  EXPECT_EQ(t.r(kPc), 0x800000beu);
  EXPECT_EQ(t.r(kT5), kLogBuf);  // loaded: the log's first slot
  ASSERT_TRUE(t.dbg().remove_watchpoint(kLogPtr, 4, WatchKind::read));
  EXPECT_FALSE(t.dbg().remove_watchpoint(kLogPtr, 4, WatchKind::read));
  EXPECT_EQ(t.run().reason, StopReason::exit);
}

// Single steps through the whole program (interrupt entries, mret and the emulated `cycle`
// reads included) end in the state, cycle count and instruction count of the unbroken run.
TEST(Rv32Debug, SteppingTheWholeProgramMatchesTheRun) {
  Target plain;
  ASSERT_EQ(plain.run().reason, StopReason::exit);
  Target t;
  RunResult r;
  std::uint64_t steps = 0, entries = 0;
  for (;;) {
    std::uint64_t insns = t.cpu().instructions();
    r = t.dbg().step();
    if (r.reason != StopReason::debug) break;
    ASSERT_EQ(t.dbg().last_stop().kind, DebugStop::Kind::step);
    std::uint64_t retired = t.cpu().instructions() - insns;
    if (retired == 0) {
      ++entries;  // a trap entry is a step of its own
      EXPECT_EQ(t.r(kPc), t.cpu().reg(UC_RISCV_REG_MTVEC) & ~3u);
    } else {
      ASSERT_EQ(retired, 1u) << "step " << steps << " at pc " << std::hex << t.r(kPc);
    }
    ASSERT_LT(++steps, 1'000'000u);
  }
  EXPECT_EQ(r.reason, StopReason::exit) << r.message;
  EXPECT_EQ(entries, 40u);
  ::boardemu::test_support::expect_same_end(t, plain);
  std::vector<std::uint32_t> a = t.regs(), b = plain.regs();
  a[kMip] = b[kMip] = 0;  // mip.MTIP follows the CLINT, compared through the log instead
  EXPECT_EQ(a, b);
}

// Steps through one pass of the loop sum to the cycles of the unbroken pass.
TEST(Rv32Debug, StepsInsideABlockSumToIt) {
  Target a;
  ASSERT_TRUE(a.dbg().insert_breakpoint(kLoop));
  ASSERT_EQ(a.run().reason, StopReason::debug);
  ASSERT_EQ(a.run().reason, StopReason::debug);
  Target b;
  ASSERT_TRUE(b.dbg().insert_breakpoint(kLoop));
  ASSERT_EQ(b.run().reason, StopReason::debug);
  Cycles start = b.now();
  unsigned steps = 0;
  while (steps == 0 || b.r(kPc) != kLoop) {
    Cycles before = b.now();
    ASSERT_EQ(b.dbg().step().reason, StopReason::debug);
    EXPECT_LE(b.now() - before, 40u) << "pc " << std::hex << b.r(kPc);
    ++steps;
    ASSERT_LT(steps, 100u);
  }
  EXPECT_EQ(steps, 9u);
  EXPECT_EQ(b.now(), a.now());
  EXPECT_GT(b.now(), start);
  EXPECT_EQ(b.regs(), a.regs());
}

}  // namespace
