// Register-level tests of the SiFive CLINT model, no CPU: registers are read and written at
// their offsets and virtual time is stepped with Scheduler::advance_to() + run_due().
//
// References:
//   SiFive E31 Core Complex Manual, chapter "Core-Local Interruptor (CLINT)": register map
//     (msip 0x0000, mtimecmp 0x4000, mtime 0xBFF8), msip is WARL with only bit 0, msip and
//     mtime reset to 0.
//   RISC-V privileged specification, §3.2.1 "Machine Timer Registers (mtime and mtimecmp)":
//     mtip is pending whenever mtime >= mtimecmp (unsigned); writing a larger mtimecmp clears
//     it; the RV32 sequence for a 64-bit mtimecmp update without a spurious interrupt.
// The model resets mtimecmp to all ones (the manuals leave it unreset).
//
// Offsets are written out here from the manual rather than taken from the model's header, so
// a wrong constant in the model fails.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/log.hpp"
#include "core/scheduler.hpp"
#include "machine/device_registry.hpp"
#include "timer/riscv_clint.hpp"

#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t kMsip = 0x0000;
constexpr std::uint32_t kMtimecmpLo = 0x4000, kMtimecmpHi = 0x4004;
constexpr std::uint32_t kMtimeLo = 0xBFF8, kMtimeHi = 0xBFFC;

using testing::LogCapture;

// One CLINT on its own scheduler; every edge of its outputs is recorded with its cycle.
class ClintHarness {
 public:
  ClintHarness(std::uint64_t cpu_hz, std::uint64_t timebase_hz)
      : ctx{&sched, cpu_hz, timebase_hz}, clint("clint", ctx) {
    clint.irq("mtip")->connect([this](bool level) { mtip_edges.push_back({level, sched.now()}); });
    clint.irq("msip")->connect([this](bool level) { msip_edges.push_back({level, sched.now()}); });
  }

  std::uint32_t rd(std::uint32_t off, unsigned size = 4) { return clint.read(off, size); }
  void wr(std::uint32_t off, std::uint32_t v, unsigned size = 4) { clint.write(off, v, size); }
  std::uint64_t mtime() { return (std::uint64_t{rd(kMtimeHi)} << 32) | rd(kMtimeLo); }
  std::uint64_t mtimecmp() { return (std::uint64_t{rd(kMtimecmpHi)} << 32) | rd(kMtimecmpLo); }
  // How RV32 software usually writes a 64-bit mtime: low word, then high word.
  void set_mtime(std::uint64_t v) {
    wr(kMtimeLo, static_cast<std::uint32_t>(v));
    wr(kMtimeHi, static_cast<std::uint32_t>(v >> 32));
  }
  // The privileged spec's RV32 sequence: low word to all ones, high word, low word.
  void set_mtimecmp(std::uint64_t v) {
    wr(kMtimecmpLo, 0xFFFFFFFF);
    wr(kMtimecmpHi, static_cast<std::uint32_t>(v >> 32));
    wr(kMtimecmpLo, static_cast<std::uint32_t>(v));
  }
  bool mtip() { return clint.irq("mtip")->level(); }

  // Moves time to `t`, stopping at every event deadline on the way, as the CPU does.
  void run_to(Cycles t) {
    for (;;) {
      Cycles next = sched.next_deadline();
      if (next > t) break;
      sched.advance_to(next);
      sched.run_due();
    }
    sched.advance_to(t);
    sched.run_due();
  }

  struct Edge {
    bool level;
    Cycles at;
    bool operator==(const Edge&) const = default;
  };
  Scheduler sched;
  DeviceContext ctx;
  RiscvClint clint;
  std::vector<Edge> mtip_edges, msip_edges;
};

// QEMU virt: 10 MHz timebase; a 50 MHz CPU gives exactly 5 CPU cycles per mtime tick.
class ClintTest : public ::testing::Test, public ClintHarness {
 protected:
  ClintTest() : ClintHarness(50'000'000, 10'000'000) {}
};

// 48 MHz CPU, 10 MHz timebase: 4.8 CPU cycles per tick, tick k at cycle ceil(4.8 k).
class ClintOddRatioTest : public ::testing::Test, public ClintHarness {
 protected:
  ClintOddRatioTest() : ClintHarness(48'000'000, 10'000'000) {}
};

// ---- reset, identification --------------------------------------------------------------------

TEST_F(ClintTest, ResetValues) {
  EXPECT_EQ(rd(kMsip), 0u);                    // E31 manual: msip cleared on reset
  EXPECT_EQ(rd(kMtimecmpLo), 0xFFFFFFFFu);     // model: mtimecmp resets to all ones
  EXPECT_EQ(rd(kMtimecmpHi), 0xFFFFFFFFu);
  EXPECT_EQ(mtime(), 0u);                      // E31 manual: mtime cleared on reset
  EXPECT_EQ(clint.mtimecmp(), ~std::uint64_t{0});
  ASSERT_NE(clint.irq("msip"), nullptr);
  ASSERT_NE(clint.irq("mtip"), nullptr);
  EXPECT_FALSE(mtip());
  EXPECT_FALSE(clint.irq("msip")->level());
  EXPECT_EQ(clint.irq("meip"), nullptr);
  EXPECT_EQ(clint.timebase_hz(), 10'000'000u);
  // All ones is never reached in practice: no event is armed for it.
  EXPECT_EQ(sched.next_deadline(), kNever);
}

TEST(ClintClock, ZeroClockMeansCpuClock) {
  Scheduler sched;
  RiscvClint clint("clint", DeviceContext{&sched, 1'000'000, 0});
  EXPECT_EQ(clint.timebase_hz(), 1'000'000u);
  sched.advance_to(1234);
  EXPECT_EQ(clint.mtime(), 1234u);
  EXPECT_EQ(clint.read(kMtimeLo, 4), 1234u);
}

TEST(ClintClock, RejectsMissingSchedulerOrCpuClock) {
  Scheduler sched;
  EXPECT_THROW(RiscvClint("clint", DeviceContext{nullptr, 1'000'000, 0}), std::invalid_argument);
  EXPECT_THROW(RiscvClint("clint", DeviceContext{&sched, 0, 10'000'000}), std::invalid_argument);
}

// ---- mtime counting ---------------------------------------------------------------------------

TEST_F(ClintTest, MtimeCountsAtTheTimebase) {
  // Privileged spec §3.2.1: mtime increments at a constant frequency (here 10 MHz, one tick per
  // 5 cycles of the 50 MHz CPU clock).
  const std::pair<Cycles, std::uint64_t> samples[] = {
      {0, 0}, {4, 0}, {5, 1}, {9, 1}, {10, 2}, {49, 9}, {50, 10}, {50'000'000, 10'000'000}};
  for (auto [cycle, expected] : samples) {
    run_to(cycle);
    EXPECT_EQ(mtime(), expected) << "cycle " << cycle;
    EXPECT_EQ(clint.mtime(), expected) << "cycle " << cycle;
  }
  // mtime is 64 bits: the carry into mtimeh happens at tick 2^32 (cycle 5 * 2^32).
  run_to(5 * (Cycles{1} << 32) - 1);
  EXPECT_EQ(rd(kMtimeHi), 0u);
  EXPECT_EQ(rd(kMtimeLo), 0xFFFFFFFFu);
  run_to(5 * (Cycles{1} << 32));
  EXPECT_EQ(rd(kMtimeHi), 1u);
  EXPECT_EQ(rd(kMtimeLo), 0u);
}

TEST_F(ClintOddRatioTest, MtimeCountsExactlyAtANonIntegerRatio) {
  // mtime = floor(cycles * 10 / 48): no rounding error accumulates.
  const std::pair<Cycles, std::uint64_t> samples[] = {
      {4, 0}, {5, 1}, {9, 1}, {10, 2}, {23, 4}, {24, 5}, {47, 9}, {48, 10}};
  for (auto [cycle, expected] : samples) {
    run_to(cycle);
    EXPECT_EQ(mtime(), expected) << "cycle " << cycle;
  }
  // One hour of virtual time is exactly 36e9 ticks; one cycle earlier is one tick less.
  run_to(48'000'000ull * 3600 - 1);
  EXPECT_EQ(mtime(), 36'000'000'000ull - 1);
  run_to(48'000'000ull * 3600);
  EXPECT_EQ(mtime(), 36'000'000'000ull);
}

TEST(ClintClock, TimebaseFasterThanTheCpu) {
  // 3 MHz CPU, 10 MHz timebase: mtime advances by 3 or 4 per CPU cycle, 10 per 3 cycles.
  Scheduler sched;
  RiscvClint clint("clint", DeviceContext{&sched, 3'000'000, 10'000'000});
  const std::pair<Cycles, std::uint64_t> samples[] = {
      {1, 3}, {2, 6}, {3, 10}, {4, 13}, {300, 1000}};
  for (auto [cycle, expected] : samples) {
    sched.advance_to(cycle);
    EXPECT_EQ(clint.mtime(), expected) << "cycle " << cycle;
  }
}

TEST(ClintClock, ConversionHelpersAreExactInverses) {
  // Tick k is first visible at cycle ceil(k * cpu / timebase).
  EXPECT_EQ(RiscvClint::ticks_at(33, 10'000'000, 48'000'000), 6u);
  EXPECT_EQ(RiscvClint::ticks_at(34, 10'000'000, 48'000'000), 7u);
  EXPECT_EQ(RiscvClint::cycle_of_tick(7, 10'000'000, 48'000'000), 34u);
  EXPECT_EQ(RiscvClint::cycle_of_tick(10, 10'000'000, 48'000'000), 48u);
  EXPECT_EQ(RiscvClint::cycle_of_tick(1, 10'000'000, 50'000'000), 5u);
  EXPECT_EQ(RiscvClint::cycle_of_tick(0, 10'000'000, 50'000'000), 0u);
  for (std::uint64_t k = 0; k < 1000; ++k) {
    Cycles c = RiscvClint::cycle_of_tick(k, 10'000'000, 48'000'000);
    EXPECT_EQ(RiscvClint::ticks_at(c, 10'000'000, 48'000'000), k);
    if (c) {
      EXPECT_LT(RiscvClint::ticks_at(c - 1, 10'000'000, 48'000'000), k);
    }
  }
  // Beyond the 64-bit cycle counter: never.
  EXPECT_EQ(RiscvClint::cycle_of_tick(static_cast<unsigned __int128>(1) << 64, 10'000'000,
                                      50'000'000),
            kNever);
}

// ---- mtimecmp and mtip ------------------------------------------------------------------------

TEST_F(ClintTest, MtipRisesAtTheExactCycleMtimeReachesMtimecmp) {
  set_mtimecmp(100);  // tick 100 = cycle 500
  EXPECT_EQ(mtimecmp(), 100u);
  EXPECT_FALSE(mtip());
  // Only the edge is scheduled, at the cycle it happens.
  EXPECT_EQ(sched.next_deadline(), 500u);
  run_to(499);
  EXPECT_EQ(mtime(), 99u);
  EXPECT_FALSE(mtip());
  run_to(500);
  EXPECT_EQ(mtime(), 100u);
  EXPECT_TRUE(mtip());
  EXPECT_EQ(mtip_edges, (std::vector<Edge>{{true, 500}}));
  // It stays pending while mtime >= mtimecmp, and nothing more is scheduled.
  run_to(100'000);
  EXPECT_TRUE(mtip());
  EXPECT_EQ(mtip_edges.size(), 1u);
  EXPECT_EQ(sched.next_deadline(), kNever);
}

TEST_F(ClintOddRatioTest, MtipRisesAtTheExactCycleAtANonIntegerRatio) {
  set_mtimecmp(7);  // tick 7 = cycle ceil(7 * 4.8) = 34
  EXPECT_EQ(sched.next_deadline(), 34u);
  run_to(33);
  EXPECT_EQ(mtime(), 6u);
  EXPECT_FALSE(mtip());
  run_to(34);
  EXPECT_TRUE(mtip());
  EXPECT_EQ(mtip_edges, (std::vector<Edge>{{true, 34}}));
  // A far deadline lands on the exact cycle too: tick 10^9 + 3 is cycle ceil(4.8e9 + 14.4).
  set_mtimecmp(1'000'000'003);
  EXPECT_FALSE(mtip());
  EXPECT_EQ(sched.next_deadline(), 4'800'000'015u);
}

TEST_F(ClintTest, MtipLevelFollowsALateEvent) {
  // The CPU may overshoot the deadline by part of a block: the event fires late, and the level
  // is computed from the time it runs at.
  set_mtimecmp(100);
  sched.advance_to(537);
  EXPECT_FALSE(mtip());  // the event has not run yet
  EXPECT_EQ(mtime(), 107u);
  sched.run_due();
  EXPECT_TRUE(mtip());
}

TEST_F(ClintTest, RewritingMtimecmpLowersAndRearmsMtip) {
  set_mtimecmp(100);
  run_to(600);  // mtime 120
  ASSERT_TRUE(mtip());
  // §3.2.1: the interrupt stays posted until mtimecmp becomes greater than mtime.
  wr(kMtimecmpLo, 200);
  EXPECT_FALSE(mtip());
  EXPECT_EQ(sched.next_deadline(), 1000u);
  run_to(999);
  EXPECT_FALSE(mtip());
  run_to(1000);
  EXPECT_TRUE(mtip());
  // A deadline already passed: mtip rises at once.
  wr(kMtimecmpLo, 1000);
  EXPECT_FALSE(mtip());
  wr(kMtimecmpLo, 150);
  EXPECT_TRUE(mtip());
  // Equal counts as reached.
  run_to(1500);  // mtime 300
  wr(kMtimecmpLo, 300);
  EXPECT_TRUE(mtip());
  wr(kMtimecmpLo, 301);
  EXPECT_FALSE(mtip());
  EXPECT_EQ(mtip_edges, (std::vector<Edge>{{true, 500},
                                           {false, 600},
                                           {true, 1000},
                                           {false, 1000},
                                           {true, 1000},
                                           {false, 1500}}));
}

TEST_F(ClintTest, MovingTheDeadlineLaterCancelsTheEarlierEdge) {
  set_mtimecmp(100);
  run_to(100);
  set_mtimecmp(300);  // before the first deadline was reached
  run_to(1499);
  EXPECT_FALSE(mtip()) << "the edge armed for cycle 500 must not fire";
  run_to(1500);
  EXPECT_TRUE(mtip());
  EXPECT_EQ(mtip_edges, (std::vector<Edge>{{true, 1500}}));
  // Moving it earlier also re-arms.
  set_mtimecmp(1000);
  run_to(1600);  // mtime 320
  set_mtimecmp(330);
  EXPECT_EQ(sched.next_deadline(), 1650u);
  EXPECT_EQ(sched.pending_count(), 1u) << "one event for the one next edge";
}

TEST_F(ClintTest, HalfWordUpdatesFollowTheSoftwareSequence) {
  // mtime = 0x1_00000100, old deadline 0x2_00000000, new deadline 0x1_00001000: both in the
  // future. Written half by half, each store takes effect on its own, as on hardware.
  set_mtime(0x1'0000'0100);
  wr(kMtimecmpHi, 2);
  wr(kMtimecmpLo, 0);
  ASSERT_FALSE(mtip());
  const Cycles t0 = sched.now();

  // "High word to all ones, low word, high word": every intermediate value is in the future.
  wr(kMtimecmpHi, 0xFFFFFFFF);
  EXPECT_FALSE(mtip());
  wr(kMtimecmpLo, 0x0000'1000);
  EXPECT_FALSE(mtip());
  wr(kMtimecmpHi, 0x1);
  EXPECT_FALSE(mtip());
  EXPECT_EQ(mtimecmp(), 0x1'0000'1000u);
  EXPECT_TRUE(mtip_edges.empty()) << "no spurious timer interrupt";
  // The new deadline is 0xF00 ticks away: 0xF00 * 5 cycles.
  EXPECT_EQ(sched.next_deadline(), t0 + 0xF00 * 5);

  // The privileged spec's sequence (low word to all ones, high word, low word) to move it to
  // 0x1_00002000: no spurious edge either.
  set_mtimecmp(0x1'0000'2000);
  EXPECT_TRUE(mtip_edges.empty());
  EXPECT_EQ(sched.next_deadline(), t0 + 0x1F00 * 5);
  run_to(t0 + 0x1F00 * 5 - 1);
  EXPECT_FALSE(mtip());
  run_to(t0 + 0x1F00 * 5);
  EXPECT_TRUE(mtip());
  EXPECT_EQ(mtip_edges, (std::vector<Edge>{{true, t0 + 0x1F00 * 5}}));
}

TEST_F(ClintTest, NaiveHalfWordOrderCanRaiseASpuriousInterrupt) {
  // The reason for the software sequence: with the old deadline 0x2_00000000 and mtime
  // 0x1_00000100, writing the high word 1 first makes mtimecmp 0x1_00000000 < mtime for one
  // store. The model evaluates each half-write on its own, so mtip pulses exactly as the spec
  // warns it would on hardware.
  set_mtime(0x1'0000'0100);
  wr(kMtimecmpHi, 2);
  wr(kMtimecmpLo, 0);
  ASSERT_FALSE(mtip());
  wr(kMtimecmpHi, 1);
  EXPECT_TRUE(mtip());
  wr(kMtimecmpLo, 0x1000);
  EXPECT_FALSE(mtip());
  EXPECT_EQ(mtip_edges.size(), 2u);
}

TEST_F(ClintTest, MtipFallsWhenMtimeWraps) {
  // mtime and mtimecmp compare as unsigned 64-bit values: when mtime wraps to 0 it is below
  // mtimecmp again.
  set_mtimecmp(0xFFFF'FFFF'FFFF'FFF0);
  set_mtime(0xFFFF'FFFF'FFFF'FFFE);
  EXPECT_TRUE(mtip());
  const Cycles t0 = sched.now();
  EXPECT_EQ(sched.next_deadline(), t0 + 10);  // two ticks
  run_to(t0 + 9);
  EXPECT_TRUE(mtip());
  EXPECT_EQ(mtime(), 0xFFFF'FFFF'FFFF'FFFFu);
  run_to(t0 + 10);
  EXPECT_EQ(mtime(), 0u);
  EXPECT_FALSE(mtip());
}

// ---- mtime writes -----------------------------------------------------------------------------

TEST_F(ClintTest, MtimeWritesSetTheCountAndCountingContinues) {
  run_to(1000);  // mtime 200
  wr(kMtimeLo, 5000);
  EXPECT_EQ(mtime(), 5000u);
  run_to(1004);
  EXPECT_EQ(mtime(), 5000u);
  run_to(1005);
  EXPECT_EQ(mtime(), 5001u);
  // The high word alone keeps the low word counting.
  wr(kMtimeHi, 3);
  EXPECT_EQ(mtime(), 0x3'0000'1389u);
  run_to(1010);
  EXPECT_EQ(mtime(), 0x3'0000'138Au);
  EXPECT_EQ(clint.mtime(), 0x3'0000'138Au);
}

TEST_F(ClintOddRatioTest, MtimeWriteKeepsTheTimebasePhase) {
  // The timebase keeps running while software writes mtime: the next tick still comes at the
  // next timebase edge (tick 2 at cycle 10), not a whole tick period after the write.
  run_to(7);  // mtime 1
  wr(kMtimeLo, 100);
  run_to(9);
  EXPECT_EQ(mtime(), 100u);
  run_to(10);
  EXPECT_EQ(mtime(), 101u);
}

TEST_F(ClintTest, NarrowMtimeWriteMergesWithTheCurrentCount) {
  run_to(5 * 0x1234);  // mtime 0x1234
  wr(kMtimeLo + 1, 0xAB, 1);
  EXPECT_EQ(mtime(), 0xAB34u);
  EXPECT_EQ(rd(kMtimeLo + 1, 1), 0xABu);
  wr(kMtimeHi + 2, 0x7, 2);
  EXPECT_EQ(mtime(), 0x0007'0000'0000'AB34u);
}

TEST_F(ClintTest, MtimeWritesRearmMtip) {
  set_mtimecmp(1000);
  run_to(50);  // mtime 10
  wr(kMtimeLo, 999);
  EXPECT_FALSE(mtip());
  EXPECT_EQ(sched.next_deadline(), 55u);  // the next timebase edge
  run_to(55);
  EXPECT_TRUE(mtip());
  wr(kMtimeLo, 2000);  // still past
  EXPECT_TRUE(mtip());
  wr(kMtimeLo, 0);  // back before the deadline
  EXPECT_FALSE(mtip());
  EXPECT_EQ(sched.next_deadline(), 55u + 5000u);
}

// ---- msip -------------------------------------------------------------------------------------

TEST_F(ClintTest, MsipDrivesTheSoftwareInterruptLine) {
  // E31 manual: msip is a 32-bit WARL register with only bit 0 implemented.
  run_to(10);
  wr(kMsip, 1);
  EXPECT_EQ(rd(kMsip), 1u);
  EXPECT_TRUE(clint.irq("msip")->level());
  wr(kMsip, 0xFFFFFFFF);
  EXPECT_EQ(rd(kMsip), 1u);
  run_to(20);
  wr(kMsip, 0);
  EXPECT_EQ(rd(kMsip), 0u);
  EXPECT_FALSE(clint.irq("msip")->level());
  wr(kMsip, 0xFFFFFFFE);
  EXPECT_EQ(rd(kMsip), 0u);
  EXPECT_FALSE(clint.irq("msip")->level());
  EXPECT_EQ(msip_edges, (std::vector<Edge>{{true, 10}, {false, 20}}));
  EXPECT_FALSE(mtip()) << "msip and mtip are separate";
}

// ---- unknown offsets, reset, lifetime, registry -----------------------------------------------

TEST_F(ClintTest, UnknownOffsetsReadZeroAndIgnoreWrites) {
  for (std::uint32_t off : {0x0004u, 0x4008u, 0xBFF0u, 0xC000u, 0xFFFCu}) {
    LogCapture log;
    wr(off, 0xFFFFFFFF);
    EXPECT_NE(log.take().find("[guest_error]"), std::string::npos) << std::hex << off;
    EXPECT_EQ(rd(off), 0u) << std::hex << off;
    EXPECT_NE(log.take().find("[guest_error]"), std::string::npos) << std::hex << off;
  }
  {
    LogCapture log;
    for (std::uint32_t off : {kMsip, kMtimecmpLo, kMtimecmpHi, kMtimeLo, kMtimeHi}) rd(off);
    EXPECT_EQ(log.take(), "") << "registers that exist are not reported";
  }
  EXPECT_EQ(rd(kMsip), 0u);
  EXPECT_EQ(clint.mtimecmp(), ~std::uint64_t{0});
  EXPECT_EQ(mtime(), 0u);
}

TEST_F(ClintTest, ResetClearsMtimeMsipAndMtimecmp) {
  set_mtimecmp(10);
  wr(kMsip, 1);
  run_to(1000);
  ASSERT_TRUE(mtip());
  clint.reset();
  EXPECT_EQ(rd(kMsip), 0u);
  EXPECT_FALSE(clint.irq("msip")->level());
  EXPECT_EQ(clint.mtimecmp(), ~std::uint64_t{0});
  EXPECT_FALSE(mtip());
  EXPECT_EQ(mtime(), 0u);
  run_to(1005);
  EXPECT_EQ(mtime(), 1u);
}

TEST(ClintLifetime, DestructionCancelsThePendingEdge) {
  Scheduler sched;
  {
    RiscvClint clint("clint", DeviceContext{&sched, 50'000'000, 10'000'000});
    clint.write(kMtimecmpHi, 0, 4);
    clint.write(kMtimecmpLo, 100, 4);
    ASSERT_EQ(sched.pending_count(), 1u);
  }
  EXPECT_EQ(sched.pending_count(), 0u);
}

TEST(ClintRegistry, BuiltByNameAndRejectsParams) {
  Scheduler sched;
  BoardDesc board;
  board.source_path = "test.yaml";
  PeripheralDesc desc;
  desc.name = "clint";
  desc.model = "riscv-clint";
  desc.base = 0x02000000;
  desc.size = 0x10000;
  auto dev = create_device(board, desc, DeviceContext{&sched, 50'000'000, 10'000'000});
  auto* clint = dynamic_cast<RiscvClint*>(dev.get());
  ASSERT_NE(clint, nullptr);
  EXPECT_EQ(clint->timebase_hz(), 10'000'000u);
  desc.params["harts"] = "2";
  EXPECT_THROW(create_device(board, desc, DeviceContext{&sched, 50'000'000, 10'000'000}),
               BoardError);
}

}  // namespace
}  // namespace boardemu
