// Register-level tests of the ARMv7-M System Control Space model (NVIC, SCB, SysTick) and the
// DWT cycle counter, with no CPU: registers are read and written at their SCS offsets, the CPU's
// side of the exception model (acknowledge/complete, PRIMASK/BASEPRI/FAULTMASK) is driven by
// hand, and virtual time is stepped with Scheduler::advance_to() + run_due().
//
// Reference: ARMv7-M Architecture Reference Manual, ARM DDI 0403E ("the ARM"):
//   B1.5.2  exception numbers;  B1.5.4  priorities, priority grouping, execution priority;
//   B3.2    SCB registers (B3.2.3 CPUID, B3.2.4 ICSR, B3.2.5 VTOR, B3.2.6 AIRCR, B3.2.7 SCR,
//           B3.2.8 CCR, B3.2.10-12 SHPR1-3, B3.2.13 SHCSR, B3.2.15 CFSR, B3.2.16 HFSR);
//   B3.3    SysTick (B3.3.1 operation, B3.3.3 SYST_CSR, B3.3.4 SYST_RVR, B3.3.5 SYST_CVR,
//           B3.3.6 SYST_CALIB);
//   B3.4    NVIC (ICTR, ISER, ICER, ISPR, ICPR, IABR, IPR, STIR; level-sensitive inputs);
//   C1.8    DWT (DWT_CTRL.CYCCNTENA, DWT_CYCCNT).
// Cortex-M3 TRM (ARM DDI 0337I) for implementation-defined values (CPUID r2p1, VTOR width).
//
// Offsets and bit positions are written out here from the manual rather than taken from the
// model's header, so a wrong constant in the model fails.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/scheduler.hpp"
#include "cortexm/scs.hpp"

namespace boardemu::cortexm {
namespace {

// ---- SCS register map (offsets from 0xE000E000), the ARM B3.2.2 / B3.3.2 / B3.4.3 ----------
constexpr std::uint32_t ICTR = 0x004;
constexpr std::uint32_t SYST_CSR = 0x010, SYST_RVR = 0x014, SYST_CVR = 0x018,
                        SYST_CALIB = 0x01C;
constexpr std::uint32_t NVIC_ISER0 = 0x100, NVIC_ICER0 = 0x180, NVIC_ISPR0 = 0x200,
                        NVIC_ICPR0 = 0x280, NVIC_IABR0 = 0x300, NVIC_IPR0 = 0x400;
constexpr std::uint32_t CPUID = 0xD00, ICSR = 0xD04, VTOR = 0xD08, AIRCR = 0xD0C, SCR = 0xD10,
                        CCR = 0xD14, SHPR1 = 0xD18, SHPR2 = 0xD1C, SHPR3 = 0xD20,
                        SHCSR = 0xD24, CFSR = 0xD28, HFSR = 0xD2C, BFAR = 0xD38,
                        DEMCR = 0xDFC, STIR = 0xF00;
// DWT (offsets from 0xE0001000), the ARM C1.8.
constexpr std::uint32_t DWT_CTRL = 0x000, DWT_CYCCNT = 0x004;

// SYST_CSR bits (B3.3.3).
constexpr std::uint32_t kEnable = 1u << 0, kTickInt = 1u << 1, kClkSource = 1u << 2,
                        kCountFlag = 1u << 16;
// ICSR bits (B3.2.4).
constexpr std::uint32_t kNmiPendSet = 1u << 31, kPendSvSet = 1u << 28, kPendSvClr = 1u << 27,
                        kPendStSet = 1u << 26, kPendStClr = 1u << 25, kIsrPending = 1u << 22,
                        kRetToBase = 1u << 11;
constexpr std::uint32_t vectpending(std::uint32_t icsr) { return (icsr >> 12) & 0x1FF; }
constexpr std::uint32_t vectactive(std::uint32_t icsr) { return icsr & 0x1FF; }
// AIRCR (B3.2.6): writes need VECTKEY 0x05FA in [31:16]; reads show VECTKEYSTAT 0xFA05.
constexpr std::uint32_t kVectKey = 0x05FA0000;
constexpr std::uint32_t aircr_prigroup(std::uint32_t n) { return kVectKey | (n << 8); }
constexpr std::uint32_t kSysResetReq = 1u << 2;

constexpr int irq(int n) { return kIrq0 + n; }  // exception number of external interrupt n

// One SCS on its own scheduler, with hooks that count their calls.
class ScsHarness {
 public:
  explicit ScsHarness(unsigned num_irqs = 40, unsigned priority_bits = 3,
                      std::uint64_t systick_ref_hz = 0, std::uint64_t cpu_hz = 25'000'000)
      : scs(sched, num_irqs, priority_bits, systick_ref_hz, cpu_hz,
            Scs::Hooks{[this] { ++preempt_calls; }, [this] { ++reset_requests; },
                       [this](std::uint32_t* basepri, std::uint32_t* faultmask) {
                         *basepri = cpu_basepri;
                         *faultmask = cpu_faultmask;
                       }}) {}

  std::uint32_t rd(std::uint32_t off, unsigned size = 4) { return scs.read(off, size); }
  void wr(std::uint32_t off, std::uint32_t v, unsigned size = 4) { scs.write(off, v, size); }
  void run_at(Cycles t) {
    sched.advance_to(t);
    sched.run_due();
  }
  // Sets external interrupt n's priority with a byte write to its IPR lane (B3.4: IPR is
  // byte-accessible).
  void set_irq_priority(int n, std::uint8_t p) { wr(NVIC_IPR0 + static_cast<std::uint32_t>(n), p, 1); }
  void enable_irq(int n) { wr(NVIC_ISER0 + 4 * (n / 32), 1u << (n % 32)); }
  void pend_irq(int n) { wr(NVIC_ISPR0 + 4 * (n / 32), 1u << (n % 32)); }

  Scheduler sched;
  std::uint32_t cpu_basepri = 0, cpu_faultmask = 0;  // the CPU's mask registers, as the SCS sees them
  int preempt_calls = 0;
  int reset_requests = 0;
  Scs scs;
};

class ScsNvicTest : public ::testing::Test, public ScsHarness {};
class ScsScbTest : public ::testing::Test, public ScsHarness {};

// ================================ NVIC ==========================================================

TEST_F(ScsNvicTest, IctrReportsInterruptLines) {
  // ICTR.INTLINESNUM: the number of 32-line groups minus one (B3.4, ICTR).
  EXPECT_EQ(rd(ICTR), 1u);  // 40 lines -> 2 groups
  EXPECT_EQ(ScsHarness(32).rd(ICTR), 0u);
  EXPECT_EQ(ScsHarness(64).rd(ICTR), 1u);
  EXPECT_EQ(ScsHarness(65).rd(ICTR), 2u);
  EXPECT_EQ(ScsHarness(240).rd(ICTR), 7u);
}

TEST_F(ScsNvicTest, IserIcerSetAndClearEnables) {
  // B3.4 ISER/ICER: write 1 to set / clear, write 0 no effect, both read the enable state.
  EXPECT_EQ(rd(NVIC_ISER0), 0u);
  wr(NVIC_ISER0, 0x80000005);
  EXPECT_EQ(rd(NVIC_ISER0), 0x80000005u);
  EXPECT_EQ(rd(NVIC_ICER0), 0x80000005u);
  EXPECT_TRUE(scs.is_enabled(irq(0)));
  EXPECT_TRUE(scs.is_enabled(irq(31)));
  EXPECT_FALSE(scs.is_enabled(irq(1)));
  wr(NVIC_ISER0, 0);  // zeros: no effect
  EXPECT_EQ(rd(NVIC_ISER0), 0x80000005u);
  wr(NVIC_ICER0, 0x00000001);
  EXPECT_EQ(rd(NVIC_ISER0), 0x80000004u);
  wr(NVIC_ICER0, 0);
  EXPECT_EQ(rd(NVIC_ICER0), 0x80000004u);
  // Second word: only IRQ32..39 exist; bits for unimplemented lines read as zero.
  wr(NVIC_ISER0 + 4, 0xFFFFFFFF);
  EXPECT_EQ(rd(NVIC_ISER0 + 4), 0x000000FFu);
  wr(NVIC_ICER0 + 4, 0x00000081);
  EXPECT_EQ(rd(NVIC_ICER0 + 4), 0x0000007Eu);
  EXPECT_FALSE(scs.is_enabled(irq(39)));
  EXPECT_TRUE(scs.is_enabled(irq(38)));
}

TEST_F(ScsNvicTest, IsprIcprSetAndClearPending) {
  // B3.4 ISPR/ICPR.
  wr(NVIC_ISPR0, 0x00010002);
  EXPECT_EQ(rd(NVIC_ISPR0), 0x00010002u);
  EXPECT_EQ(rd(NVIC_ICPR0), 0x00010002u);
  EXPECT_TRUE(scs.is_pending(irq(1)));
  EXPECT_TRUE(scs.is_pending(irq(16)));
  EXPECT_FALSE(scs.is_pending(irq(0)));
  wr(NVIC_ICPR0, 0x00000002);
  EXPECT_EQ(rd(NVIC_ISPR0), 0x00010000u);
  wr(NVIC_ISPR0 + 4, 0xFFFFFFFF);
  EXPECT_EQ(rd(NVIC_ISPR0 + 4), 0x000000FFu);
  wr(NVIC_ICPR0 + 4, 0x0000000F);
  EXPECT_EQ(rd(NVIC_ICPR0 + 4), 0x000000F0u);
  // Pending does not need enabling; the enable state is separate.
  EXPECT_EQ(rd(NVIC_ISER0), 0u);
}

TEST_F(ScsNvicTest, IabrShowsActiveAndIsReadOnly) {
  // B3.4 IABR: read-only active bits.
  EXPECT_EQ(rd(NVIC_IABR0 + 4), 0u);
  scs.acknowledge(irq(33));
  EXPECT_EQ(rd(NVIC_IABR0), 0u);
  EXPECT_EQ(rd(NVIC_IABR0 + 4), 0x00000002u);
  wr(NVIC_IABR0 + 4, 0);
  EXPECT_EQ(rd(NVIC_IABR0 + 4), 0x00000002u) << "IABR is read-only";
  scs.complete(irq(33));
  EXPECT_EQ(rd(NVIC_IABR0 + 4), 0u);
}

TEST_F(ScsNvicTest, IprByteAccessAndImplementedPriorityBits) {
  // B3.4 IPR: one byte per interrupt, byte-accessible; with 3 implemented priority bits only
  // bits [7:5] of each byte are stored, [4:0] read as zero (B1.5.4).
  for (int n = 0; n < 4; ++n) set_irq_priority(4 + n, static_cast<std::uint8_t>(0x3F + 0x40 * n));
  EXPECT_EQ(rd(NVIC_IPR0 + 4), 0xE0A06020u);  // 0x3F,0x7F,0xBF,0xFF -> 0x20,0x60,0xA0,0xE0
  EXPECT_EQ(rd(NVIC_IPR0 + 5, 1), 0x60u);
  EXPECT_EQ(rd(NVIC_IPR0 + 6, 2), 0xE0A0u);
  EXPECT_EQ(scs.priority(irq(4)), 0x20);
  EXPECT_EQ(scs.priority(irq(7)), 0xE0);
  // Halfword write to the upper lanes leaves the lower lanes alone.
  wr(NVIC_IPR0 + 6, 0x4080, 2);
  EXPECT_EQ(rd(NVIC_IPR0 + 4), 0x40806020u);
  // Word write.
  wr(NVIC_IPR0 + 36, 0xFFFFFFFF);  // IRQ36..39
  EXPECT_EQ(rd(NVIC_IPR0 + 36), 0xE0E0E0E0u);
  EXPECT_EQ(scs.priority(irq(39)), 0xE0);
  EXPECT_EQ(rd(NVIC_IPR0), 0u);
}

TEST(ScsNvicPriorityBitsTest, FourImplementedBits) {
  ScsHarness h(/*num_irqs=*/8, /*priority_bits=*/4);
  h.wr(NVIC_IPR0, 0xFFFFFFFF);
  EXPECT_EQ(h.rd(NVIC_IPR0), 0xF0F0F0F0u);
  // BASEPRI has the same implemented bits: 0x0F is BASEPRI = 0, no masking (B1.5.4).
  EXPECT_EQ(h.scs.execution_priority(0, 0x0F, 0), kThreadPriority);
  EXPECT_EQ(h.scs.execution_priority(0, 0x1F, 0), 0x10);
}

TEST_F(ScsNvicTest, LevelInputPendsOnRisingEdgeOnly) {
  // B3.4.1: a level-sensitive interrupt is pended by the asserted signal; the pending state is
  // latched until the handler is entered or software clears it.
  scs.set_irq_level(7, true);
  EXPECT_TRUE(scs.is_pending(irq(7)));
  scs.acknowledge(irq(7));
  EXPECT_FALSE(scs.is_pending(irq(7)));
  scs.set_irq_level(7, true);  // still high: no new edge
  EXPECT_FALSE(scs.is_pending(irq(7)));
  scs.set_irq_level(7, false);
  scs.complete(irq(7));
  EXPECT_FALSE(scs.is_pending(irq(7))) << "deasserted before return: stays inactive";
  // A pulse pends and stays pending after the line drops.
  scs.set_irq_level(7, true);
  scs.set_irq_level(7, false);
  EXPECT_TRUE(scs.is_pending(irq(7)));
  wr(NVIC_ICPR0, 1u << 7);
  EXPECT_FALSE(scs.is_pending(irq(7))) << "line low: ICPR clears";
}

TEST_F(ScsNvicTest, IcprCannotClearWhileLevelHigh) {
  scs.set_irq_level(3, true);
  wr(NVIC_ICPR0, 1u << 3);
  EXPECT_TRUE(scs.is_pending(irq(3)));
  EXPECT_EQ(rd(NVIC_ISPR0), 1u << 3);
  scs.set_irq_level(3, false);
  wr(NVIC_ICPR0, 1u << 3);
  EXPECT_FALSE(scs.is_pending(irq(3)));
}

TEST_F(ScsNvicTest, CompleteRePendsWhileLevelHigh) {
  // B3.4.1: if the signal is still asserted when the handler returns, the interrupt is pended
  // again.
  scs.set_irq_level(9, true);
  scs.acknowledge(irq(9));
  EXPECT_TRUE(scs.is_active(irq(9)));
  EXPECT_FALSE(scs.is_pending(irq(9)));
  scs.complete(irq(9));
  EXPECT_FALSE(scs.is_active(irq(9)));
  EXPECT_TRUE(scs.is_pending(irq(9)));
  // Rising edge while the handler runs: active and pending together.
  scs.set_irq_level(9, false);
  scs.acknowledge(irq(9));
  scs.set_irq_level(9, true);
  EXPECT_TRUE(scs.is_active(irq(9)));
  EXPECT_TRUE(scs.is_pending(irq(9)));
}

TEST_F(ScsNvicTest, ExceptionToTakeFollowsPriority) {
  // B1.5.4: the pending enabled exception with the lowest priority value is taken if its group
  // priority is lower than the execution priority.
  set_irq_priority(0, 0x80);
  set_irq_priority(1, 0x40);
  set_irq_priority(2, 0xC0);
  for (int n = 0; n < 3; ++n) pend_irq(n);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), 0) << "none enabled yet";
  EXPECT_EQ(scs.highest_pending(), 0);
  enable_irq(0);
  enable_irq(2);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), irq(0));
  enable_irq(1);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), irq(1));
  scs.acknowledge(irq(1));
  int exec = scs.execution_priority(0, 0, 0);
  EXPECT_EQ(exec, 0x40);
  EXPECT_EQ(scs.exception_to_take(exec), 0) << "0x80 cannot preempt 0x40";
  EXPECT_EQ(scs.highest_pending(), irq(0)) << "highest_pending ignores execution priority";
  scs.complete(irq(1));
  EXPECT_EQ(scs.execution_priority(0, 0, 0), kThreadPriority);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), irq(0));
  scs.acknowledge(irq(0));
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), 0)
      << "0xC0 cannot preempt 0x80";
  // Equal priority never preempts.
  set_irq_priority(2, 0x80);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), 0);
  set_irq_priority(2, 0x60);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), irq(2));
}

TEST_F(ScsNvicTest, FixedPriorityExceptions) {
  // B1.5.4: Reset -3, NMI -2, HardFault -1; NMI preempts a HardFault handler.
  EXPECT_EQ(scs.priority(kReset), -3);
  EXPECT_EQ(scs.priority(kNmi), -2);
  EXPECT_EQ(scs.priority(kHardFault), -1);
  scs.acknowledge(kHardFault);
  EXPECT_EQ(scs.execution_priority(0, 0, 0), -1);
  scs.set_pending(kNmi);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), kNmi);
  scs.acknowledge(kNmi);
  EXPECT_EQ(scs.execution_priority(0, 0, 0), -2);
}

TEST_F(ScsNvicTest, PrimaskMasksAllConfigurablePriorities) {
  // B1.5.4 (execution priority): PRIMASK = 1 boosts the execution priority to 0.
  set_irq_priority(0, 0x00);
  enable_irq(0);
  pend_irq(0);
  EXPECT_EQ(scs.execution_priority(1, 0, 0), 0);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(1, 0, 0)), 0);
  scs.set_pending(kHardFault);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(1, 0, 0)), kHardFault);
  scs.set_pending(kNmi);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(1, 0, 0)), kNmi);
}

TEST_F(ScsNvicTest, FaultmaskMasksHardFaultButNotNmi) {
  // B1.5.4: FAULTMASK = 1 boosts the execution priority to -1.
  EXPECT_EQ(scs.execution_priority(0, 0, 1), -1);
  EXPECT_EQ(scs.execution_priority(1, 0x20, 1), -1) << "FAULTMASK wins over PRIMASK/BASEPRI";
  scs.set_pending(kHardFault);
  EXPECT_EQ(scs.exception_to_take(-1), 0);
  scs.set_pending(kNmi);
  EXPECT_EQ(scs.exception_to_take(-1), kNmi);
}

TEST_F(ScsNvicTest, BasepriMasksAtAndBelowItsLevel) {
  // B1.5.4: BASEPRI != 0 boosts the execution priority to BASEPRI's group priority.
  set_irq_priority(0, 0x60);
  set_irq_priority(1, 0x40);
  enable_irq(0);
  enable_irq(1);
  pend_irq(0);
  EXPECT_EQ(scs.execution_priority(0, 0x60, 0), 0x60);
  EXPECT_EQ(scs.exception_to_take(0x60), 0) << "priority equal to BASEPRI is masked";
  pend_irq(1);
  EXPECT_EQ(scs.exception_to_take(0x60), irq(1));
  // Unimplemented BASEPRI bits are zero: 0x1F with 3 bits is BASEPRI = 0 (no masking).
  EXPECT_EQ(scs.execution_priority(0, 0x1F, 0), kThreadPriority);
  // Active exceptions and BASEPRI combine: the higher priority (lower value) wins.
  scs.acknowledge(irq(1));
  EXPECT_EQ(scs.execution_priority(0, 0x60, 0), 0x40);
  EXPECT_EQ(scs.execution_priority(0, 0x20, 0), 0x20);
}

TEST_F(ScsNvicTest, PrigroupSameGroupDoesNotPreempt) {
  // B1.5.4 Table B1-7: PRIGROUP = 5 -> group priority = bits [7:6], sub-priority = [5:0].
  wr(AIRCR, aircr_prigroup(5));
  set_irq_priority(0, 0x40);
  set_irq_priority(1, 0x60);  // same group (0x40) as IRQ0, larger sub-priority
  set_irq_priority(2, 0x20);  // group 0x00
  for (int n = 0; n < 3; ++n) enable_irq(n);
  scs.acknowledge(irq(0));
  int exec = scs.execution_priority(0, 0, 0);
  EXPECT_EQ(exec, 0x40);
  pend_irq(1);
  EXPECT_EQ(scs.exception_to_take(exec), 0) << "same group priority never preempts";
  pend_irq(2);
  EXPECT_EQ(scs.exception_to_take(exec), irq(2));
  // Execution priority is the group priority of the active exception, sub-priority dropped.
  scs.complete(irq(0));
  scs.acknowledge(irq(1));
  EXPECT_EQ(scs.execution_priority(0, 0, 0), 0x40);
  // BASEPRI is grouped the same way.
  scs.complete(irq(1));
  EXPECT_EQ(scs.execution_priority(0, 0x60, 0), 0x40);
  EXPECT_EQ(scs.execution_priority(0, 0x20, 0), 0x00);
}

TEST_F(ScsNvicTest, SubPriorityBreaksTiesAmongPending) {
  // B1.5.4: among pending exceptions of the same group priority, the lowest sub-priority is
  // taken first, then the lowest exception number.
  wr(AIRCR, aircr_prigroup(5));
  set_irq_priority(3, 0x60);  // group 0x40, sub 0x20
  set_irq_priority(4, 0x40);  // group 0x40, sub 0x00
  enable_irq(3);
  enable_irq(4);
  pend_irq(3);
  pend_irq(4);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), irq(4));
  EXPECT_EQ(scs.highest_pending(), irq(4));
}

TEST_F(ScsNvicTest, PrigroupSevenMeansNoPreemptionAmongConfigurable) {
  wr(AIRCR, aircr_prigroup(7));  // no group bits at all: every configurable group priority is 0
  set_irq_priority(0, 0xE0);
  set_irq_priority(1, 0x00);
  enable_irq(1);
  scs.acknowledge(irq(0));
  EXPECT_EQ(scs.execution_priority(0, 0, 0), 0);
  pend_irq(1);
  EXPECT_EQ(scs.exception_to_take(0), 0);
  scs.set_pending(kNmi);
  EXPECT_EQ(scs.exception_to_take(0), kNmi);
}

TEST_F(ScsNvicTest, TiesGoToLowerExceptionNumber) {
  // B1.5.4: equal priority -> lower exception number first.
  set_irq_priority(9, 0x20);
  set_irq_priority(3, 0x20);
  enable_irq(9);
  enable_irq(3);
  pend_irq(9);
  pend_irq(3);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), irq(3));
  // System exceptions and interrupts share the scheme: SysTick (15) before IRQ0 (16) at 0.
  set_irq_priority(0, 0x00);
  enable_irq(0);
  pend_irq(0);
  scs.set_pending(kSysTick);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), kSysTick);
}

TEST_F(ScsNvicTest, StirPendsInterrupt) {
  // B3.4 STIR: write INTID to pend that interrupt; write-only.
  int before = preempt_calls;
  wr(STIR, 5);
  EXPECT_TRUE(scs.is_pending(irq(5)));
  EXPECT_EQ(rd(NVIC_ISPR0), 1u << 5);
  EXPECT_GT(preempt_calls, before);
  wr(STIR, 33);
  EXPECT_EQ(rd(NVIC_ISPR0 + 4), 1u << 1);
  wr(STIR, 0x100);  // INTID 256: no such interrupt, ignored
  EXPECT_EQ(rd(NVIC_ISPR0), 1u << 5);
  EXPECT_EQ(rd(NVIC_ISPR0 + 4), 1u << 1);
  EXPECT_EQ(rd(STIR), 0u);
}

TEST_F(ScsNvicTest, HooksCalledWhenSomethingBecomesPendingOrEnabled) {
  auto calls_for = [&](auto&& action) {
    int before = preempt_calls;
    action();
    return preempt_calls - before;
  };
  EXPECT_GT(calls_for([&] { enable_irq(4); }), 0) << "ISER";
  EXPECT_GT(calls_for([&] { pend_irq(4); }), 0) << "ISPR";
  EXPECT_GT(calls_for([&] { scs.set_irq_level(6, true); }), 0) << "level rising";
  EXPECT_EQ(calls_for([&] { scs.set_irq_level(6, true); }), 0) << "level unchanged";
  EXPECT_GT(calls_for([&] { set_irq_priority(4, 0x20); }), 0) << "IPR";
  EXPECT_GT(calls_for([&] { wr(ICSR, kPendSvSet); }), 0) << "PENDSVSET";
  EXPECT_GT(calls_for([&] { wr(ICSR, kPendStSet); }), 0) << "PENDSTSET";
  EXPECT_GT(calls_for([&] { wr(ICSR, kNmiPendSet); }), 0) << "NMIPENDSET";
  EXPECT_GT(calls_for([&] { wr(SHPR3, 0x40000000); }), 0) << "SHPR3";
  EXPECT_GT(calls_for([&] { wr(AIRCR, aircr_prigroup(3)); }), 0) << "AIRCR.PRIGROUP";
  EXPECT_GT(calls_for([&] { scs.set_pending(kSvCall); }), 0) << "set_pending";
  EXPECT_EQ(reset_requests, 0);
}

TEST_F(ScsNvicTest, ResetClearsStateButKeepsAssertedLevels) {
  enable_irq(1);
  pend_irq(1);
  set_irq_priority(1, 0x80);
  scs.acknowledge(irq(2));
  scs.set_irq_level(5, true);
  wr(AIRCR, aircr_prigroup(4));
  scs.reset();
  EXPECT_EQ(rd(NVIC_ISER0), 0u);
  EXPECT_EQ(rd(NVIC_IABR0), 0u);
  EXPECT_EQ(rd(NVIC_IPR0), 0u);
  EXPECT_EQ(rd(AIRCR), 0xFA050000u);
  EXPECT_EQ(rd(NVIC_ISPR0), 1u << 5) << "an input still asserted is pending after reset";
}

// ================================ SCB ===========================================================

TEST_F(ScsScbTest, CpuidIsCortexM3r2p1) {
  // B3.2.3 CPUID; Cortex-M3 TRM: implementer 0x41, variant 2, architecture 0xF, part 0xC23,
  // revision 1.
  EXPECT_EQ(rd(CPUID), 0x412FC231u);
  wr(CPUID, 0);
  EXPECT_EQ(rd(CPUID), 0x412FC231u) << "read-only";
}

TEST_F(ScsScbTest, IcsrPendSvSetAndClear) {
  // B3.2.4 ICSR.PENDSVSET / PENDSVCLR.
  wr(ICSR, kPendSvSet);
  EXPECT_TRUE(scs.is_pending(kPendSv));
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, kPendSvSet | (14u << 12));
  wr(ICSR, kPendSvClr);
  EXPECT_FALSE(scs.is_pending(kPendSv));
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, 0u);
  wr(ICSR, 0);  // zeros have no effect
  EXPECT_FALSE(scs.is_pending(kPendSv));
}

TEST_F(ScsScbTest, IcsrPendStSetAndClear) {
  wr(ICSR, kPendStSet);
  EXPECT_TRUE(scs.is_pending(kSysTick));
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, kPendStSet | (15u << 12));
  wr(ICSR, kPendStClr);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, 0u);
}

TEST_F(ScsScbTest, IcsrNmiPendSet) {
  wr(ICSR, kNmiPendSet);
  EXPECT_TRUE(scs.is_pending(kNmi));
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, kNmiPendSet | (2u << 12));
  EXPECT_EQ(scs.exception_to_take(0), kNmi);
}

TEST_F(ScsScbTest, IcsrVectPendingAndIsrPending) {
  // B3.2.4: VECTPENDING is the highest-priority pending exception; ISRPENDING says an external
  // interrupt is pending.
  set_irq_priority(5, 0x20);
  enable_irq(5);
  pend_irq(5);
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, kIsrPending | (21u << 12));
  wr(ICSR, kPendSvSet);  // PendSV at priority 0 outranks IRQ5 at 0x20
  EXPECT_EQ(vectpending(rd(ICSR)), 14u);
  EXPECT_TRUE(rd(ICSR) & kIsrPending);
  wr(SHPR3, 0x00E00000);  // PendSV priority 0xE0
  EXPECT_EQ(vectpending(rd(ICSR)), 21u);
  wr(NVIC_ICPR0, 1u << 5);
  EXPECT_EQ(rd(ICSR) & ~kRetToBase, kPendSvSet | (14u << 12)) << "only PendSV left";
}

TEST_F(ScsScbTest, IcsrVectPendingHonoursBasepriAndFaultmask) {
  // B3.2.4: "The value indicated by this field includes the effect of the BASEPRI and
  // FAULTMASK registers, but not any effect of the PRIMASK register." (also Cortex-M3 PM0056
  // 4.4.3). With BASEPRI = 0x40, an enabled pending IRQ at 0x80 must not show in VECTPENDING.
  set_irq_priority(2, 0x80);
  set_irq_priority(5, 0x20);
  enable_irq(2);
  pend_irq(2);
  EXPECT_EQ(vectpending(rd(ICSR)), static_cast<std::uint32_t>(irq(2)));
  cpu_basepri = 0x40;
  EXPECT_EQ(vectpending(rd(ICSR)), 0u) << "IRQ2 (0x80) is masked by BASEPRI 0x40";
  enable_irq(5);
  pend_irq(5);
  EXPECT_EQ(vectpending(rd(ICSR)), static_cast<std::uint32_t>(irq(5))) << "0x20 is above BASEPRI";
  cpu_faultmask = 1;
  EXPECT_EQ(vectpending(rd(ICSR)), 0u) << "FAULTMASK masks everything but NMI";
  wr(ICSR, kNmiPendSet);
  EXPECT_EQ(vectpending(rd(ICSR)), static_cast<std::uint32_t>(kNmi));
}

TEST_F(ScsScbTest, IcsrVectActiveAndRetToBase) {
  // B3.2.4: VECTACTIVE is the exception number being handled (the IPSR value); RETTOBASE = 1
  // when that is the only active exception (in Thread mode RETTOBASE is UNKNOWN: not checked).
  set_irq_priority(3, 0x80);
  set_irq_priority(4, 0x20);
  scs.acknowledge(irq(3));
  std::uint32_t icsr = rd(ICSR);
  EXPECT_EQ(vectactive(icsr), 19u);
  EXPECT_TRUE(icsr & kRetToBase);
  scs.acknowledge(irq(4));  // preempts IRQ3
  icsr = rd(ICSR);
  EXPECT_EQ(vectactive(icsr), 20u);
  EXPECT_FALSE(icsr & kRetToBase);
  scs.complete(irq(4));
  icsr = rd(ICSR);
  EXPECT_EQ(vectactive(icsr), 19u);
  EXPECT_TRUE(icsr & kRetToBase);
  scs.complete(irq(3));
  EXPECT_EQ(vectactive(rd(ICSR)), 0u) << "Thread mode";
}

TEST_F(ScsScbTest, IcsrReadOnlyFieldsIgnoreWrites) {
  scs.acknowledge(kSvCall);
  wr(ICSR, 0x007FF9FF);  // VECTACTIVE, RETTOBASE, VECTPENDING, ISRPENDING are read-only
  EXPECT_EQ(rd(ICSR), kRetToBase | 11u);
}

TEST_F(ScsScbTest, VtorKeepsOnlyTblOff) {
  // B3.2.5 VTOR: TBLOFF in [31:7], [6:0] reserved; Cortex-M3 r2p1 implements [29:7].
  EXPECT_EQ(rd(VTOR), 0u);
  wr(VTOR, 0x20001234);
  EXPECT_EQ(rd(VTOR), 0x20001200u);
  EXPECT_EQ(scs.vtor(), 0x20001200u);
  wr(VTOR, 0xFFFFFFFF);
  EXPECT_EQ(rd(VTOR), 0x3FFFFF80u);
}

TEST_F(ScsScbTest, AircrNeedsVectKey) {
  // B3.2.6 AIRCR: reads VECTKEYSTAT 0xFA05; writes without VECTKEY 0x05FA are ignored;
  // ENDIANNESS (bit 15) is 0, little-endian.
  EXPECT_EQ(rd(AIRCR), 0xFA050000u);
  wr(AIRCR, aircr_prigroup(5));
  EXPECT_EQ(rd(AIRCR), 0xFA050500u);
  wr(AIRCR, 0x00000300);  // no key
  EXPECT_EQ(rd(AIRCR), 0xFA050500u);
  wr(AIRCR, 0xFA050300);  // the read-back value is not the write key
  EXPECT_EQ(rd(AIRCR), 0xFA050500u);
  wr(AIRCR, aircr_prigroup(2));
  EXPECT_EQ(rd(AIRCR), 0xFA050200u);
}

TEST_F(ScsScbTest, AircrSysResetReqCallsHookOnlyWithKey) {
  wr(AIRCR, kSysResetReq);
  EXPECT_EQ(reset_requests, 0);
  wr(AIRCR, kVectKey | kSysResetReq | (3u << 8));
  EXPECT_EQ(reset_requests, 1);
  EXPECT_EQ(rd(AIRCR), 0xFA050300u) << "SYSRESETREQ is not stored; PRIGROUP is";
}

TEST_F(ScsScbTest, ScrWritableBits) {
  // B3.2.7 SCR: SLEEPONEXIT (1), SLEEPDEEP (2), SEVONPEND (4).
  EXPECT_EQ(rd(SCR), 0u);
  wr(SCR, 0xFFFFFFFF);
  EXPECT_EQ(rd(SCR), 0x16u);
}

TEST_F(ScsScbTest, CcrResetHasStkAlign) {
  // B3.2.8 CCR; Cortex-M3 r2p1 TRM: STKALIGN (bit 9) resets to 1.
  EXPECT_EQ(rd(CCR), 0x00000200u);
  EXPECT_TRUE(scs.stack_align_8());
  wr(CCR, 0);
  EXPECT_FALSE(scs.stack_align_8());
  // NONBASETHRDENA, USERSETMPEND, UNALIGN_TRP, DIV_0_TRP, BFHFNMIGN, STKALIGN.
  wr(CCR, 0xFFFFFFFF);
  EXPECT_EQ(rd(CCR), 0x0000031Bu);
}

TEST_F(ScsScbTest, ShprImplementedBytesAndBits) {
  // B3.2.10-12: SHPR1 = MemManage, BusFault, UsageFault, reserved; SHPR2 = 3 reserved bytes,
  // SVCall; SHPR3 = DebugMonitor, reserved, PendSV, SysTick. 3 priority bits.
  wr(SHPR1, 0xFFFFFFFF);
  wr(SHPR2, 0xFFFFFFFF);
  wr(SHPR3, 0xFFFFFFFF);
  EXPECT_EQ(rd(SHPR1), 0x00E0E0E0u);
  EXPECT_EQ(rd(SHPR2), 0xE0000000u);
  EXPECT_EQ(rd(SHPR3), 0xE0E000E0u);
  wr(SHPR1, 0x00604020);
  EXPECT_EQ(scs.priority(kMemManage), 0x20);
  EXPECT_EQ(scs.priority(kBusFault), 0x40);
  EXPECT_EQ(scs.priority(kUsageFault), 0x60);
  EXPECT_EQ(scs.priority(kSvCall), 0xE0);
  EXPECT_EQ(scs.priority(kDebugMonitor), 0xE0);
  wr(SHPR3 + 3, 0x80, 1);  // byte access: SysTick priority
  wr(SHPR3 + 2, 0xA0, 1);  // PendSV
  EXPECT_EQ(scs.priority(kSysTick), 0x80);
  EXPECT_EQ(scs.priority(kPendSv), 0xA0);
  EXPECT_EQ(rd(SHPR3), 0x80A000E0u);
}

TEST_F(ScsScbTest, ShprPrioritiesOrderSystemExceptions) {
  // B1.5.4 with SHPR3: SysTick and PendSV compete by their programmed priorities.
  wr(SHPR3, 0x40200000);  // SysTick 0x40, PendSV 0x20
  scs.set_pending(kSysTick);
  scs.set_pending(kPendSv);
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), kPendSv);
  wr(SHPR3, 0x00200000);  // SysTick 0x00
  EXPECT_EQ(scs.exception_to_take(kThreadPriority), kSysTick);
  scs.acknowledge(kSysTick);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), 0);
  // An interrupt below SVCall's priority cannot preempt SVCall.
  wr(SHPR2, 0x40000000);
  scs.complete(kSysTick);
  scs.acknowledge(kSvCall);
  set_irq_priority(0, 0x60);
  enable_irq(0);
  pend_irq(0);
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), kPendSv);
  wr(SHPR3, 0x00800000);  // PendSV 0x80: now nothing preempts SVCall at 0x40
  EXPECT_EQ(scs.exception_to_take(scs.execution_priority(0, 0, 0)), 0);
}

TEST_F(ScsScbTest, ShcsrEnableActiveAndPendedBits) {
  // B3.2.13 SHCSR.
  EXPECT_EQ(rd(SHCSR), 0u);
  EXPECT_FALSE(scs.fault_enabled(kMemManage));
  EXPECT_FALSE(scs.fault_enabled(kBusFault));
  EXPECT_FALSE(scs.fault_enabled(kUsageFault));
  wr(SHCSR, 0x00070000);  // USGFAULTENA, BUSFAULTENA, MEMFAULTENA
  EXPECT_EQ(rd(SHCSR), 0x00070000u);
  EXPECT_TRUE(scs.fault_enabled(kMemManage));
  EXPECT_TRUE(scs.fault_enabled(kBusFault));
  EXPECT_TRUE(scs.fault_enabled(kUsageFault));
  // Active bits follow the exception state.
  scs.acknowledge(kMemManage);   // bit 0
  scs.acknowledge(kBusFault);    // bit 1
  scs.acknowledge(kUsageFault);  // bit 3
  scs.acknowledge(kSvCall);      // bit 7
  scs.acknowledge(kDebugMonitor);  // bit 8
  scs.acknowledge(kPendSv);      // bit 10
  scs.acknowledge(kSysTick);     // bit 11
  EXPECT_EQ(rd(SHCSR), 0x00070D8Bu);
  // Pended bits.
  scs.set_pending(kUsageFault);  // bit 12
  scs.set_pending(kMemManage);   // bit 13
  scs.set_pending(kBusFault);    // bit 14
  scs.set_pending(kSvCall);      // bit 15
  EXPECT_EQ(rd(SHCSR), 0x0007FD8Bu);
  // Software may write the active and pended bits (B3.2.13: used for context switching).
  wr(SHCSR, 0x00018800);  // MEMFAULTENA, SVCALLPENDED, SYSTICKACT
  EXPECT_EQ(rd(SHCSR), 0x00018800u);
  EXPECT_TRUE(scs.is_pending(kSvCall));
  EXPECT_FALSE(scs.is_pending(kBusFault));
  EXPECT_TRUE(scs.is_active(kSysTick));
  EXPECT_FALSE(scs.is_active(kPendSv));
  EXPECT_FALSE(scs.fault_enabled(kBusFault));
}

TEST_F(ScsScbTest, ShcsrByteWriteOfEnablesKeepsActiveState) {
  // A byte store to SHCSR[23:16] (the enable bits) must not touch the active and pended bits
  // held in the lower bytes.
  scs.acknowledge(kSysTick);
  scs.set_pending(kSvCall);
  wr(SHCSR + 2, 0x07, 1);
  EXPECT_EQ(rd(SHCSR), 0x00078800u);
  EXPECT_TRUE(scs.is_active(kSysTick));
  EXPECT_TRUE(scs.is_pending(kSvCall));
}

TEST_F(ScsScbTest, CfsrBitsAreWriteOneToClear) {
  // B3.2.15 CFSR = UFSR[31:16] : BFSR[15:8] : MMFSR[7:0], all status bits write-1-to-clear.
  scs.record_bus_fault(0x60000004, /*is_data=*/true, /*precise=*/true);
  EXPECT_EQ(rd(CFSR), 0x00008200u);  // BFARVALID | PRECISERR
  EXPECT_EQ(rd(BFAR), 0x60000004u);
  wr(CFSR, 0xFFFFFFFF & ~0x00008000u);
  EXPECT_EQ(rd(CFSR), 0x00008000u) << "bits written as 0 stay set";
  wr(CFSR, 0x00008000);
  EXPECT_EQ(rd(CFSR), 0u);
  scs.record_bus_fault(0, /*is_data=*/true, /*precise=*/false);
  EXPECT_EQ(rd(CFSR), 0x00000400u);  // IMPRECISERR
  wr(CFSR + 1, 0x04, 1);             // BFSR is byte-accessible
  EXPECT_EQ(rd(CFSR), 0u);
  scs.record_bus_fault(0, /*is_data=*/false, /*precise=*/true);
  EXPECT_EQ(rd(CFSR), 0x00000100u);  // IBUSERR
  wr(CFSR, 0x00000100);
  scs.record_usage_fault(1u << 9);  // DIVBYZERO
  scs.record_usage_fault(1u << 0);  // UNDEFINSTR
  EXPECT_EQ(rd(CFSR), 0x02010000u);
  wr(CFSR + 2, 0x0200, 2);  // UFSR is halfword-accessible
  EXPECT_EQ(rd(CFSR), 0x00010000u);
  wr(CFSR, 0x00010000);
  EXPECT_EQ(rd(CFSR), 0u);
  wr(CFSR, 0xFFFFFFFF);
  EXPECT_EQ(rd(CFSR), 0u) << "software cannot set fault status";
}

TEST_F(ScsScbTest, HfsrBitsAreWriteOneToClear) {
  // B3.2.16 HFSR: VECTTBL (1), FORCED (30), DEBUGEVT (31), write-1-to-clear.
  scs.record_forced_hardfault();
  scs.record_vector_table_hardfault();
  EXPECT_EQ(rd(HFSR), 0x40000002u);
  wr(HFSR, 0x00000002);
  EXPECT_EQ(rd(HFSR), 0x40000000u);
  wr(HFSR, 0x40000000);
  EXPECT_EQ(rd(HFSR), 0u);
  wr(HFSR, 0xFFFFFFFF);
  EXPECT_EQ(rd(HFSR), 0u);
}

// ================================ SysTick =======================================================

class ScsSysTickTest : public ::testing::Test, public ScsHarness {
 protected:
  // The ARM B3.3.1 / B3.3.5: software writes SYST_CVR (any value clears it to 0) before
  // enabling, so the counter loads SYST_RVR on the first tick.
  Cycles start(std::uint32_t reload, std::uint32_t csr = kEnable | kTickInt | kClkSource) {
    wr(SYST_RVR, reload);
    wr(SYST_CVR, 0xDEAD);
    wr(SYST_CSR, csr);
    return sched.now();
  }
  // Expected SYST_CVR `ticks` reference ticks after enabling from 0 with reload N: 0, then
  // N, N-1, ..., 0, N, ... (period N + 1).
  static std::uint32_t expected_cvr(Cycles ticks, std::uint32_t n) {
    if (ticks == 0) return 0;
    return n - static_cast<std::uint32_t>((ticks - 1) % (n + 1ull));
  }
  bool take_countflag() { return (rd(SYST_CSR) & kCountFlag) != 0; }
  bool take_systick_pending() {
    bool p = scs.is_pending(kSysTick);
    if (p) wr(ICSR, kPendStClr);
    return p;
  }
};

TEST_F(ScsSysTickTest, NoReferenceClockCalibAndClkSource) {
  // B3.3.6 SYST_CALIB.NOREF (bit 31) = 1 without a reference clock; B3.3.3: then CLKSOURCE
  // reads as 1 and ignores writes.
  EXPECT_EQ(rd(SYST_CALIB) & 0x80000000u, 0x80000000u);
  EXPECT_EQ(rd(SYST_CALIB) & 0x00FFFFFFu, 0u);
  EXPECT_EQ(rd(SYST_CSR), kClkSource);
  wr(SYST_CSR, 0);
  EXPECT_EQ(rd(SYST_CSR), kClkSource);
  EXPECT_EQ(rd(SYST_RVR), 0u);
  wr(SYST_RVR, 0xFFFFFFFF);
  EXPECT_EQ(rd(SYST_RVR), 0x00FFFFFFu) << "RELOAD is 24 bits (B3.3.4)";
}

TEST_F(ScsSysTickTest, CountsDownOnePerCycleAndWrapsEveryReloadPlusOne) {
  // B3.3.1: the counter loads RELOAD on the tick after it reaches 0; counting from 1 to 0 sets
  // COUNTFLAG and, with TICKINT, pends SysTick. Period = RELOAD + 1 ticks.
  constexpr std::uint32_t kN = 5;
  run_at(1000);
  Cycles t0 = start(kN);
  std::vector<Cycles> wraps, pends;
  for (Cycles t = t0; t <= t0 + 5 * (kN + 1) + 2; ++t) {
    run_at(t);
    ASSERT_EQ(rd(SYST_CVR), expected_cvr(t - t0, kN)) << "t0+" << (t - t0);
    if (take_countflag()) wraps.push_back(t - t0);
    if (take_systick_pending()) pends.push_back(t - t0);
  }
  const std::vector<Cycles> expected = {6, 12, 18, 24, 30};
  EXPECT_EQ(wraps, expected);
  EXPECT_EQ(pends, expected);
}

TEST_F(ScsSysTickTest, CountFlagClearsOnRead) {
  Cycles t0 = start(3);
  run_at(t0 + 4);
  std::uint32_t csr = rd(SYST_CSR);
  EXPECT_EQ(csr, kCountFlag | kClkSource | kTickInt | kEnable);
  EXPECT_EQ(rd(SYST_CSR), kClkSource | kTickInt | kEnable);
}

TEST_F(ScsSysTickTest, NoTickIntNoException) {
  Cycles t0 = start(3, kEnable | kClkSource);
  run_at(t0 + 4);
  EXPECT_TRUE(take_countflag());
  EXPECT_FALSE(scs.is_pending(kSysTick));
}

TEST_F(ScsSysTickTest, NoDriftOverThousandPeriods) {
  constexpr std::uint32_t kN = 99;
  run_at(77);
  Cycles t0 = start(kN);
  for (Cycles k = 1; k <= 1000; ++k) {
    Cycles due = t0 + k * (kN + 1);
    run_at(due - 1);
    ASSERT_FALSE(scs.is_pending(kSysTick)) << "period " << k;
    ASSERT_EQ(rd(SYST_CVR), 1u) << "period " << k;
    run_at(due);
    ASSERT_TRUE(take_systick_pending()) << "period " << k;
    ASSERT_EQ(rd(SYST_CVR), 0u);
    ASSERT_TRUE(take_countflag());
  }
  run_at(t0 + 1000 * (kN + 1) + 1);
  EXPECT_EQ(rd(SYST_CVR), kN);
}

TEST_F(ScsSysTickTest, LateRunStillGivesCorrectValueAndNextWrapOnTime) {
  constexpr std::uint32_t kN = 9;
  run_at(200);
  Cycles t0 = start(kN);
  // The CPU overshoots: time jumps past five wraps before run_due().
  sched.advance_to(t0 + 53);
  EXPECT_EQ(rd(SYST_CVR), expected_cvr(53, kN)) << "value correct before the events ran";
  EXPECT_EQ(rd(SYST_CVR), 7u);
  sched.run_due();
  EXPECT_EQ(rd(SYST_CVR), 7u);
  EXPECT_TRUE(take_countflag());
  EXPECT_FALSE(take_countflag());
  EXPECT_TRUE(take_systick_pending());
  run_at(t0 + 59);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  EXPECT_EQ(rd(SYST_CVR), 1u);
  run_at(t0 + 60);
  EXPECT_TRUE(take_systick_pending());
  EXPECT_EQ(rd(SYST_CVR), 0u);
  // Far overshoot, then the grid still holds.
  sched.advance_to(t0 + 100'004);
  EXPECT_EQ(rd(SYST_CVR), expected_cvr(100'004, kN));
  sched.run_due();
  EXPECT_TRUE(take_systick_pending());
  run_at(t0 + 100'009);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t0 + 100'010);
  EXPECT_TRUE(take_systick_pending());
}

TEST_F(ScsSysTickTest, DisableFreezesValueAndEnableResumes) {
  constexpr std::uint32_t kN = 99;
  Cycles t0 = start(kN);
  run_at(t0 + 10);
  EXPECT_EQ(rd(SYST_CVR), 90u);
  wr(SYST_CSR, kTickInt | kClkSource);  // ENABLE = 0
  run_at(t0 + 500);
  EXPECT_EQ(rd(SYST_CVR), 90u);
  EXPECT_FALSE(take_countflag());
  EXPECT_FALSE(scs.is_pending(kSysTick));
  EXPECT_EQ(sched.next_deadline(), kNever) << "a stopped SysTick schedules nothing";
  Cycles t1 = sched.now();
  wr(SYST_CSR, kEnable | kTickInt | kClkSource);
  EXPECT_EQ(rd(SYST_CVR), 90u);
  run_at(t1 + 1);
  EXPECT_EQ(rd(SYST_CVR), 89u);
  run_at(t1 + 89);
  EXPECT_EQ(rd(SYST_CVR), 1u);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t1 + 90);
  EXPECT_EQ(rd(SYST_CVR), 0u);
  EXPECT_TRUE(take_systick_pending());
  run_at(t1 + 91);
  EXPECT_EQ(rd(SYST_CVR), kN);
  run_at(t1 + 190);
  EXPECT_TRUE(take_systick_pending());
}

TEST_F(ScsSysTickTest, CvrWriteClearsCounterAndCountFlag) {
  // B3.3.5: any write clears SYST_CVR to 0 and clears COUNTFLAG; it does not pend SysTick.
  constexpr std::uint32_t kN = 9;
  Cycles t0 = start(kN);
  run_at(t0 + 10);  // wrap: COUNTFLAG set (not read yet)
  ASSERT_TRUE(take_systick_pending());
  run_at(t0 + 14);
  EXPECT_EQ(rd(SYST_CVR), 6u);
  wr(SYST_CVR, 123);
  EXPECT_EQ(rd(SYST_CVR), 0u);
  EXPECT_FALSE(take_countflag());
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t0 + 15);
  EXPECT_EQ(rd(SYST_CVR), kN);
  run_at(t0 + 23);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t0 + 24);
  EXPECT_TRUE(take_systick_pending());
  EXPECT_TRUE(take_countflag());
}

TEST_F(ScsSysTickTest, ZeroReloadParksCounter) {
  // B3.3.4: a RELOAD of 0 disables the counter on the next wrap; it stays at 0 and never
  // sets COUNTFLAG or pends SysTick again.
  Cycles t0 = start(0);
  for (Cycles t = t0; t <= t0 + 50; ++t) {
    run_at(t);
    ASSERT_EQ(rd(SYST_CVR), 0u) << "t0+" << (t - t0);
  }
  EXPECT_FALSE(take_countflag());
  EXPECT_FALSE(scs.is_pending(kSysTick));
  // A non-zero RELOAD restarts the parked counter on the next tick.
  Cycles t2 = sched.now();
  wr(SYST_RVR, 4);
  EXPECT_EQ(rd(SYST_CVR), 0u);
  run_at(t2 + 1);
  EXPECT_EQ(rd(SYST_CVR), 4u);
  run_at(t2 + 4);
  EXPECT_EQ(rd(SYST_CVR), 1u);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t2 + 5);
  EXPECT_EQ(rd(SYST_CVR), 0u);
  EXPECT_TRUE(take_systick_pending());
}

TEST_F(ScsSysTickTest, ZeroReloadWhileRunningStopsAfterNextWrap) {
  Cycles t0 = start(9);
  run_at(t0 + 3);
  EXPECT_EQ(rd(SYST_CVR), 7u);
  wr(SYST_RVR, 0);
  run_at(t0 + 9);
  EXPECT_EQ(rd(SYST_CVR), 1u);
  run_at(t0 + 10);
  EXPECT_EQ(rd(SYST_CVR), 0u);
  EXPECT_TRUE(take_countflag());
  EXPECT_TRUE(take_systick_pending());
  for (Cycles t = t0 + 11; t <= t0 + 60; ++t) {
    run_at(t);
    ASSERT_EQ(rd(SYST_CVR), 0u) << "t0+" << (t - t0);
  }
  EXPECT_FALSE(take_countflag());
  EXPECT_FALSE(scs.is_pending(kSysTick));
}

TEST_F(ScsSysTickTest, ReloadChangeTakesEffectAtNextWrap) {
  // B3.3.4: RELOAD is loaded when the counter wraps; the current count is not disturbed.
  Cycles t0 = start(9);
  run_at(t0 + 3);
  wr(SYST_RVR, 4);
  run_at(t0 + 4);
  EXPECT_EQ(rd(SYST_CVR), 6u);
  run_at(t0 + 10);
  EXPECT_TRUE(take_systick_pending());
  run_at(t0 + 11);
  EXPECT_EQ(rd(SYST_CVR), 4u);
  run_at(t0 + 14);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t0 + 15);
  EXPECT_TRUE(take_systick_pending());
}

// External reference clock of 1 MHz against a 25 MHz processor clock: one tick per 25 cycles.
class ScsSysTickExternalClockTest : public ::testing::Test, public ScsHarness {
 protected:
  ScsSysTickExternalClockTest() : ScsHarness(40, 3, 1'000'000, 25'000'000) {}
  static constexpr Cycles kCyclesPerTick = 25;
};

TEST_F(ScsSysTickExternalClockTest, CalibReportsTenMsReload) {
  // B3.3.6: TENMS = reload value for 10 ms = 10'000 ticks of 1 MHz - 1; NOREF = 0, SKEW = 0.
  EXPECT_EQ(rd(SYST_CALIB), 0x0000270Fu);
  // CLKSOURCE is writable when a reference clock exists (B3.3.3).
  EXPECT_EQ(rd(SYST_CSR) & kClkSource, 0u);
  wr(SYST_CSR, kClkSource);
  EXPECT_EQ(rd(SYST_CSR), kClkSource);
  wr(SYST_CSR, 0);
  EXPECT_EQ(rd(SYST_CSR), 0u);
}

TEST_F(ScsSysTickExternalClockTest, OneTickPerReferencePeriod) {
  constexpr std::uint32_t kN = 3;
  run_at(500);
  wr(SYST_RVR, kN);
  wr(SYST_CVR, 0);
  wr(SYST_CSR, kEnable | kTickInt);  // CLKSOURCE = 0: external reference clock
  Cycles t0 = sched.now();
  std::vector<Cycles> pends;
  for (Cycles t = t0; t <= t0 + 4 * (kN + 1) * kCyclesPerTick + 30; ++t) {
    run_at(t);
    Cycles ticks = (t - t0) / kCyclesPerTick;
    std::uint32_t want = ticks == 0 ? 0 : kN - static_cast<std::uint32_t>((ticks - 1) % (kN + 1));
    ASSERT_EQ(rd(SYST_CVR), want) << "t0+" << (t - t0);
    if (scs.is_pending(kSysTick)) {
      pends.push_back(t - t0);
      wr(ICSR, kPendStClr);
    }
  }
  EXPECT_EQ(pends, (std::vector<Cycles>{100, 200, 300, 400}));
}

TEST_F(ScsSysTickExternalClockTest, ProcessorClockSelectedWithClkSource) {
  wr(SYST_RVR, 9);
  wr(SYST_CVR, 0);
  wr(SYST_CSR, kEnable | kTickInt | kClkSource);
  Cycles t0 = sched.now();
  run_at(t0 + 1);
  EXPECT_EQ(rd(SYST_CVR), 9u);
  run_at(t0 + 10);
  EXPECT_EQ(rd(SYST_CVR), 0u);
  EXPECT_TRUE(scs.is_pending(kSysTick));
}

TEST_F(ScsSysTickExternalClockTest, SwitchingClockSourceKeepsCount) {
  // Changing CLKSOURCE while running changes the tick rate from then on; the count so far
  // is kept.
  constexpr std::uint32_t kN = 99;
  wr(SYST_RVR, kN);
  wr(SYST_CVR, 0);
  wr(SYST_CSR, kEnable | kTickInt);
  Cycles t0 = sched.now();
  run_at(t0 + 2 * kCyclesPerTick + 10);
  EXPECT_EQ(rd(SYST_CVR), 98u);
  wr(SYST_CSR, kEnable | kTickInt | kClkSource);
  Cycles t1 = sched.now();
  EXPECT_EQ(rd(SYST_CVR), 98u);
  run_at(t1 + 1);
  EXPECT_EQ(rd(SYST_CVR), 97u);
  run_at(t1 + 97);
  EXPECT_EQ(rd(SYST_CVR), 1u);
  EXPECT_FALSE(scs.is_pending(kSysTick));
  run_at(t1 + 98);
  EXPECT_TRUE(scs.is_pending(kSysTick));
  // Disable in the same write as switching back: the frozen value is the processor-clock count.
  run_at(t1 + 98 + 1 + 20);
  EXPECT_EQ(rd(SYST_CVR), 79u);
  wr(SYST_CSR, kTickInt);
  EXPECT_EQ(rd(SYST_CVR), 79u);
}

// ================================ DWT ===========================================================

class ScsDwtTest : public ::testing::Test, public ScsHarness {
 protected:
  ScsDwtTest() : dwt(sched, scs) { wr(DEMCR, 1u << 24); }  // DEMCR.TRCENA (C1.6.5)
  std::uint32_t dwt_rd(std::uint32_t off) { return dwt.read(off, 4); }
  void dwt_wr(std::uint32_t off, std::uint32_t v) { dwt.write(off, v, 4); }
  Dwt dwt;
};

TEST_F(ScsDwtTest, CtrlResetShowsFourComparators) {
  // C1.8 DWT_CTRL.NUMCOMP [31:28] = 4 on Cortex-M3; CYCCNTENA (bit 0) resets to 0.
  EXPECT_EQ(dwt_rd(DWT_CTRL), 0x40000000u);
  dwt_wr(DWT_CTRL, 1);
  EXPECT_EQ(dwt_rd(DWT_CTRL), 0x40000001u);
}

TEST_F(ScsDwtTest, CyccntCountsOnlyWhileEnabled) {
  // C1.8 DWT_CYCCNT: increments once per processor cycle while DWT_CTRL.CYCCNTENA = 1.
  run_at(100);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 0u);
  dwt_wr(DWT_CTRL, 1);
  run_at(150);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 50u);
  run_at(151);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 51u);
  dwt_wr(DWT_CTRL, 0);
  run_at(1000);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 51u);
  dwt_wr(DWT_CTRL, 1);
  run_at(1010);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 61u);
  dwt_wr(DWT_CTRL, 1);  // writing the same enable again does not restart the count
  run_at(1020);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 71u);
}

TEST_F(ScsDwtTest, CyccntWriteSetsValueAndWraps) {
  dwt_wr(DWT_CYCCNT, 1000);
  run_at(10);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 1000u) << "written while stopped: holds";
  dwt_wr(DWT_CTRL, 1);
  run_at(30);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 1020u);
  dwt_wr(DWT_CYCCNT, 0xFFFFFFF0);
  run_at(30 + 0x20);
  EXPECT_EQ(dwt_rd(DWT_CYCCNT), 0x00000010u) << "32-bit wrap";
}

TEST_F(ScsDwtTest, CyccntTracksVirtualTimeExactly) {
  dwt_wr(DWT_CYCCNT, 0);
  dwt_wr(DWT_CTRL, 1);
  Cycles base = sched.now();
  const Cycles steps[] = {1, 2, 3, 7, 100, 1, 65536, 12345};
  for (Cycles s : steps) {
    sched.advance(s);
    ASSERT_EQ(dwt_rd(DWT_CYCCNT), static_cast<std::uint32_t>(sched.now() - base));
  }
}

}  // namespace
}  // namespace boardemu::cortexm
