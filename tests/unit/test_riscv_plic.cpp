// Register-level tests of the RISC-V PLIC model, no CPU: registers are read and written at
// their offsets, device inputs are driven with set_irq_level(), and the context notification
// lines (meip/seip) are observed.
//
// Reference: RISC-V Platform-Level Interrupt Controller Specification v1.0.0:
//   "Interrupt Gateways" (level-sensitive sources, one request in flight, re-arm on completion,
//     no retraction), "Interrupt Notifications" (EIP per target, multicast),
//   "Interrupt Identifiers (IDs)" (ID 0 = no interrupt; ties go to the smaller ID),
//   "Memory Map" (32-bit registers), "Interrupt Priorities" (WARL, 0 = never interrupt),
//   "Interrupt Pending Bits" (bit N mod 32 of word N/32; bit 0 hardwired to 0),
//   "Interrupt Enables" (packed like the pending bits, bit 0 hardwired to 0),
//   "Priority Thresholds" (WARL; masks priorities <= threshold),
//   "Interrupt Claim Process" (highest-priority pending, clears IP; 0 if none; not affected by
//     the threshold), "Interrupt Completion" (IDs not enabled for the target are ignored; no
//     check against the last claim).
// Configuration as in QEMU's virt machine: 96 IDs, 3 priority bits, context 0 = hart 0 M-mode,
// context 1 = hart 0 S-mode.
//
// Offsets are written out here from the spec rather than taken from the model's header, so a
// wrong constant in the model fails.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/log.hpp"
#include "machine/device_registry.hpp"
#include "intc/riscv_plic.hpp"

#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t priority(unsigned id) { return 0x000000 + 4 * id; }
constexpr std::uint32_t pending(unsigned word) { return 0x001000 + 4 * word; }
constexpr std::uint32_t enable(unsigned ctx, unsigned word) {
  return 0x002000 + 0x80 * ctx + 4 * word;
}
constexpr std::uint32_t threshold(unsigned ctx) { return 0x200000 + 0x1000 * ctx; }
constexpr std::uint32_t claim_complete(unsigned ctx) { return 0x200004 + 0x1000 * ctx; }

constexpr unsigned kM = 0, kS = 1;  // QEMU virt contexts of hart 0

using testing::LogCapture;

class PlicHarness {
 public:
  explicit PlicHarness(RiscvPlic::Params params = RiscvPlic::Params{})
      : plic("plic", params) {
    plic.irq("meip")->connect([this](bool level) { meip_edges.push_back(level); });
    if (plic.num_contexts() > 1)
      plic.irq("seip")->connect([this](bool level) { seip_edges.push_back(level); });
  }

  std::uint32_t rd(std::uint32_t off, unsigned size = 4) { return plic.read(off, size); }
  void wr(std::uint32_t off, std::uint32_t v, unsigned size = 4) { plic.write(off, v, size); }
  std::uint32_t claim(unsigned ctx) { return rd(claim_complete(ctx)); }
  void complete(unsigned ctx, std::uint32_t id) { wr(claim_complete(ctx), id); }
  void enable_source(unsigned ctx, unsigned id) {
    wr(enable(ctx, id / 32), rd(enable(ctx, id / 32)) | (1u << (id % 32)));
  }
  void disable_source(unsigned ctx, unsigned id) {
    wr(enable(ctx, id / 32), rd(enable(ctx, id / 32)) & ~(1u << (id % 32)));
  }
  bool pending_bit(unsigned id) { return rd(pending(id / 32)) >> (id % 32) & 1; }
  bool meip() { return plic.irq("meip")->level(); }
  bool seip() { return plic.irq("seip")->level(); }

  RiscvPlic plic;
  std::vector<bool> meip_edges, seip_edges;
};

class PlicTest : public ::testing::Test, public PlicHarness {};

// ---- configuration, reset ---------------------------------------------------------------------

TEST_F(PlicTest, ResetValuesAndOutputs) {
  for (unsigned id = 1; id < 96; ++id) EXPECT_EQ(rd(priority(id)), 0u) << id;
  for (unsigned w = 0; w < 3; ++w) {
    EXPECT_EQ(rd(pending(w)), 0u);
    EXPECT_EQ(rd(enable(kM, w)), 0u);
    EXPECT_EQ(rd(enable(kS, w)), 0u);
  }
  EXPECT_EQ(rd(threshold(kM)), 0u);
  EXPECT_EQ(rd(threshold(kS)), 0u);
  EXPECT_EQ(claim(kM), 0u);
  EXPECT_FALSE(meip());
  EXPECT_FALSE(seip());
  // One input per interrupt ID, through the generic interrupt-controller interface.
  InterruptController& ic = plic;
  EXPECT_EQ(ic.num_inputs(), 96u);
  EXPECT_EQ(plic.irq("context0"), plic.irq("meip"));
  EXPECT_EQ(plic.irq("context1"), plic.irq("seip"));
  EXPECT_EQ(plic.irq("context2"), nullptr);
  EXPECT_EQ(plic.irq("context"), nullptr);
  EXPECT_EQ(plic.irq("context1x"), nullptr);
  EXPECT_EQ(plic.irq("mtip"), nullptr);
}

TEST(PlicConfig, ParamsAndRegistry) {
  RiscvPlic::Params p = RiscvPlic::parse_params({{"num_sources", "0x40"},
                                                 {"num_contexts", "4"},
                                                 {"priority_bits", "5"},
                                                 {"claim_honours_threshold", "true"}});
  EXPECT_EQ(p.num_sources, 64u);
  EXPECT_EQ(p.num_contexts, 4u);
  EXPECT_EQ(p.priority_bits, 5u);
  EXPECT_TRUE(p.claim_honours_threshold);
  EXPECT_THROW(RiscvPlic::parse_params({{"sources", "64"}}), std::invalid_argument);
  EXPECT_THROW(RiscvPlic::parse_params({{"num_sources", "many"}}), std::invalid_argument);
  EXPECT_THROW(RiscvPlic::parse_params({{"claim_honours_threshold", "maybe"}}),
               std::invalid_argument);
  EXPECT_THROW(RiscvPlic("plic", RiscvPlic::Params{.num_sources = 1025}), std::invalid_argument);
  EXPECT_THROW(RiscvPlic("plic", RiscvPlic::Params{.num_sources = 1}), std::invalid_argument);
  EXPECT_THROW(RiscvPlic("plic", RiscvPlic::Params{.num_contexts = 0}), std::invalid_argument);
  EXPECT_THROW(RiscvPlic("plic", RiscvPlic::Params{.num_contexts = 15873}),
               std::invalid_argument);
  EXPECT_THROW(RiscvPlic("plic", RiscvPlic::Params{.priority_bits = 0}), std::invalid_argument);

  Scheduler sched;
  BoardDesc board;
  board.source_path = "test.yaml";
  PeripheralDesc desc;
  desc.name = "plic";
  desc.model = "riscv-plic";
  desc.base = 0x0C000000;
  desc.size = 0x600000;
  desc.params = {{"num_contexts", "4"}};
  auto dev = create_device(board, desc, DeviceContext{&sched, 50'000'000, 0});
  auto* plic = dynamic_cast<RiscvPlic*>(dev.get());
  ASSERT_NE(plic, nullptr);
  EXPECT_EQ(plic->num_inputs(), 96u);
  EXPECT_EQ(plic->num_contexts(), 4u);
  EXPECT_NE(dynamic_cast<InterruptController*>(dev.get()), nullptr);
  desc.params = {{"num_harts", "1"}};
  EXPECT_THROW(create_device(board, desc, DeviceContext{&sched, 50'000'000, 0}), BoardError);
}

// ---- priorities, enables, thresholds ----------------------------------------------------------

TEST_F(PlicTest, PrioritiesAreWarlWithThreeBits) {
  wr(priority(1), 0xFFFFFFFF);
  EXPECT_EQ(rd(priority(1)), 7u);
  wr(priority(95), 5);
  EXPECT_EQ(rd(priority(95)), 5u);
  wr(priority(2), 0x0A);
  EXPECT_EQ(rd(priority(2)), 2u);
  // ID 0 does not exist; ID 96 is beyond this configuration.
  wr(priority(0), 7);
  EXPECT_EQ(rd(priority(0)), 0u);
  wr(priority(96), 7);
  EXPECT_EQ(rd(priority(96)), 0u);

  PlicHarness five(RiscvPlic::Params{.priority_bits = 5});
  five.wr(priority(3), 0xFFFFFFFF);
  EXPECT_EQ(five.rd(priority(3)), 31u);
  five.wr(threshold(kM), 0xFFFFFFFF);
  EXPECT_EQ(five.rd(threshold(kM)), 31u);
}

TEST_F(PlicTest, EnablesArePerContextWithIdZeroHardwired) {
  wr(enable(kM, 0), 0xFFFFFFFF);
  EXPECT_EQ(rd(enable(kM, 0)), 0xFFFFFFFEu) << "bit 0 (ID 0) is hardwired to 0";
  EXPECT_EQ(rd(enable(kS, 0)), 0u);
  wr(enable(kS, 2), 0x80000001);
  EXPECT_EQ(rd(enable(kS, 2)), 0x80000001u);  // IDs 64 and 95
  EXPECT_EQ(rd(enable(kM, 2)), 0u);
  wr(enable(kM, 1), 0x12345678);
  EXPECT_EQ(rd(enable(kM, 1)), 0x12345678u);
  // Word 3 would hold IDs 96..127, which this configuration does not have.
  wr(enable(kM, 3), 0xFFFFFFFF);
  EXPECT_EQ(rd(enable(kM, 3)), 0u);

  // With 40 IDs, only IDs 32..39 of word 1 exist.
  PlicHarness small(RiscvPlic::Params{.num_sources = 40});
  small.wr(enable(kM, 1), 0xFFFFFFFF);
  EXPECT_EQ(small.rd(enable(kM, 1)), 0xFFu);
  EXPECT_EQ(small.rd(enable(kM, 2)), 0u);
}

TEST_F(PlicTest, ThresholdIsWarlAndPerContext) {
  wr(threshold(kM), 0xFFFFFFFF);
  EXPECT_EQ(rd(threshold(kM)), 7u);
  EXPECT_EQ(rd(threshold(kS)), 0u);
  wr(threshold(kS), 3);
  EXPECT_EQ(rd(threshold(kS)), 3u);
}

// ---- gateways and pending bits ----------------------------------------------------------------

TEST_F(PlicTest, PendingBitsFollowTheGatewaysAndAreReadOnly) {
  // A request pends whatever the priority and enables are.
  plic.set_irq_level(5, true);
  plic.set_irq_level(33, true);
  plic.set_irq_level(95, true);
  EXPECT_EQ(rd(pending(0)), 1u << 5);
  EXPECT_EQ(rd(pending(1)), 1u << 1);
  EXPECT_EQ(rd(pending(2)), 1u << 31);
  // Pending bits are changed by gateways and claims only.
  wr(pending(0), 0);
  wr(pending(1), 0xFFFFFFFF);
  EXPECT_EQ(rd(pending(0)), 1u << 5);
  EXPECT_EQ(rd(pending(1)), 1u << 1);
  // Priority 0 means "never interrupt": pending, but no notification.
  enable_source(kM, 5);
  EXPECT_FALSE(meip());
  wr(priority(5), 1);
  EXPECT_TRUE(meip());
}

TEST_F(PlicTest, ADeassertedInputStaysPendingUntilClaimed) {
  // The gateway cannot retract a request once forwarded to the core.
  wr(priority(9), 1);
  enable_source(kM, 9);
  plic.set_irq_level(9, true);
  plic.set_irq_level(9, false);
  EXPECT_TRUE(pending_bit(9));
  EXPECT_TRUE(meip());
  EXPECT_EQ(claim(kM), 9u);
  EXPECT_FALSE(pending_bit(9));
  EXPECT_FALSE(meip());
  complete(kM, 9);
  EXPECT_FALSE(pending_bit(9)) << "input low at completion: no new request";
  EXPECT_FALSE(meip());
}

TEST_F(PlicTest, LevelSourceRependsAfterCompletionWhileStillAsserted) {
  wr(priority(10), 2);
  enable_source(kM, 10);
  plic.set_irq_level(10, true);
  EXPECT_EQ(claim(kM), 10u);
  EXPECT_TRUE(plic.in_service(10));
  EXPECT_FALSE(pending_bit(10));
  EXPECT_FALSE(meip());
  // While in service the gateway forwards nothing, however the input moves.
  plic.set_irq_level(10, false);
  plic.set_irq_level(10, true);
  EXPECT_FALSE(pending_bit(10));
  EXPECT_FALSE(meip());
  EXPECT_EQ(claim(kM), 0u);
  // Completion with the input still high: a new request.
  complete(kM, 10);
  EXPECT_FALSE(plic.in_service(10));
  EXPECT_TRUE(pending_bit(10));
  EXPECT_TRUE(meip());
  EXPECT_EQ(claim(kM), 10u);
  // The device is serviced (input drops) before completion: no new request.
  plic.set_irq_level(10, false);
  complete(kM, 10);
  EXPECT_FALSE(pending_bit(10));
  EXPECT_FALSE(meip());
  EXPECT_EQ(meip_edges, (std::vector<bool>{true, false, true, false}));
}

// ---- claim ------------------------------------------------------------------------------------

TEST_F(PlicTest, ClaimReturnsHighestPriorityThenLowestId) {
  const unsigned ids[] = {3, 7, 40, 9, 70, 2};
  const std::uint32_t prios[] = {2, 5, 5, 1, 7, 2};
  for (unsigned i = 0; i < 6; ++i) {
    wr(priority(ids[i]), prios[i]);
    enable_source(kM, ids[i]);
    plic.set_irq_level(ids[i], true);
  }
  // 70 (7); 7 and 40 tie at 5: the lower ID first; 2 and 3 tie at 2; then 9 (1).
  for (std::uint32_t expected : {70u, 7u, 40u, 2u, 3u, 9u, 0u}) EXPECT_EQ(claim(kM), expected);
  EXPECT_EQ(rd(pending(0)), 0u);
  EXPECT_EQ(rd(pending(1)), 0u);
  EXPECT_EQ(rd(pending(2)), 0u);
}

TEST_F(PlicTest, TiesAcrossWordsGoToTheLowestId) {
  for (unsigned id : {94u, 65u, 33u}) {
    wr(priority(id), 4);
    enable_source(kM, id);
    plic.set_irq_level(id, true);
  }
  EXPECT_EQ(claim(kM), 33u);
  EXPECT_EQ(claim(kM), 65u);
  EXPECT_EQ(claim(kM), 94u);
}

TEST_F(PlicTest, ClaimWithNothingPendingReturnsZero) {
  EXPECT_EQ(claim(kM), 0u);
  EXPECT_EQ(claim(kS), 0u);
  // Pending but not enabled for this context, or enabled with priority 0: nothing to claim.
  wr(priority(4), 3);
  plic.set_irq_level(4, true);
  enable_source(kS, 4);
  EXPECT_EQ(claim(kM), 0u);
  plic.set_irq_level(6, true);
  enable_source(kM, 6);
  EXPECT_EQ(claim(kM), 0u);
  EXPECT_TRUE(pending_bit(4));
  EXPECT_TRUE(pending_bit(6));
  EXPECT_FALSE(plic.in_service(6));
  EXPECT_EQ(claim(kS), 4u);
}

TEST_F(PlicTest, ThresholdMasksNotificationsButNotClaims) {
  // "The PLIC will mask all PLIC interrupts of a priority less than or equal to threshold";
  // "the claim operation is not affected by the setting of the priority threshold register".
  wr(priority(12), 3);
  enable_source(kM, 12);
  wr(threshold(kM), 3);
  plic.set_irq_level(12, true);
  EXPECT_FALSE(meip());
  wr(priority(12), 4);
  EXPECT_TRUE(meip());
  wr(threshold(kM), 4);
  EXPECT_FALSE(meip());
  wr(threshold(kM), 0);
  EXPECT_TRUE(meip());
  wr(threshold(kM), 7);
  EXPECT_FALSE(meip());
  EXPECT_EQ(claim(kM), 12u);
  EXPECT_FALSE(pending_bit(12));
}

TEST(PlicThresholdClaim, QemuStyleClaimHonoursTheThreshold) {
  PlicHarness h(RiscvPlic::Params{.claim_honours_threshold = true});
  h.wr(priority(12), 3);
  h.wr(priority(13), 5);
  h.enable_source(kM, 12);
  h.enable_source(kM, 13);
  h.wr(threshold(kM), 3);
  h.plic.set_irq_level(12, true);
  h.plic.set_irq_level(13, true);
  EXPECT_EQ(h.claim(kM), 13u);
  EXPECT_EQ(h.claim(kM), 0u) << "priority 3 is not above threshold 3";
  EXPECT_TRUE(h.pending_bit(12));
  h.wr(threshold(kM), 2);
  EXPECT_EQ(h.claim(kM), 12u);
}

// ---- notifications ----------------------------------------------------------------------------

TEST_F(PlicTest, MeipAndSeipFollowTheirContexts) {
  wr(priority(20), 1);
  wr(priority(21), 1);
  enable_source(kS, 20);
  plic.set_irq_level(20, true);
  EXPECT_FALSE(meip());
  EXPECT_TRUE(seip());
  // Multicast: enabled in both contexts, both are notified; the first claim takes it.
  enable_source(kM, 21);
  enable_source(kS, 21);
  plic.set_irq_level(21, true);
  EXPECT_TRUE(meip());
  EXPECT_EQ(claim(kM), 21u);
  EXPECT_FALSE(meip());
  EXPECT_TRUE(seip()) << "20 is still pending for S-mode";
  EXPECT_EQ(claim(kS), 20u);
  EXPECT_FALSE(seip());
  // Disabling a pending source withdraws the notification; enabling restores it.
  plic.set_irq_level(22, true);
  wr(priority(22), 2);
  enable_source(kS, 22);
  EXPECT_TRUE(seip());
  disable_source(kS, 22);
  EXPECT_FALSE(seip());
  enable_source(kS, 22);
  EXPECT_TRUE(seip());
  EXPECT_EQ(meip_edges, (std::vector<bool>{true, false}));
  EXPECT_EQ(seip_edges, (std::vector<bool>{true, false, true, false, true}));
}

TEST_F(PlicTest, NotificationStaysWhileALowerPrioritySourceWaits) {
  wr(priority(30), 6);
  wr(priority(31), 1);
  enable_source(kM, 30);
  enable_source(kM, 31);
  plic.set_irq_level(30, true);
  plic.set_irq_level(31, true);
  EXPECT_EQ(claim(kM), 30u);
  EXPECT_TRUE(meip());
  EXPECT_EQ(claim(kM), 31u);
  EXPECT_FALSE(meip());
  EXPECT_EQ(meip_edges, (std::vector<bool>{true, false}));
}

// ---- complete ---------------------------------------------------------------------------------

TEST_F(PlicTest, CompletionOfAnIdNotEnabledForTheContextIsIgnored) {
  wr(priority(5), 1);
  enable_source(kM, 5);
  plic.set_irq_level(5, true);
  ASSERT_EQ(claim(kM), 5u);
  // Not enabled for S-mode: ignored there.
  complete(kS, 5);
  EXPECT_TRUE(plic.in_service(5));
  EXPECT_FALSE(pending_bit(5));
  // Disabled in M-mode after the claim: ignored too.
  disable_source(kM, 5);
  complete(kM, 5);
  EXPECT_TRUE(plic.in_service(5));
  EXPECT_FALSE(pending_bit(5));
  // Once enabled again, the completion reaches the gateway and the high input pends again.
  enable_source(kM, 5);
  complete(kM, 5);
  EXPECT_FALSE(plic.in_service(5));
  EXPECT_TRUE(pending_bit(5));
  EXPECT_TRUE(meip());
}

TEST_F(PlicTest, CompletionNeedNotMatchTheLastClaim) {
  for (unsigned id : {5u, 6u}) {
    wr(priority(id), 1);
    enable_source(kM, id);
    plic.set_irq_level(id, true);
  }
  ASSERT_EQ(claim(kM), 5u);
  ASSERT_EQ(claim(kM), 6u);
  complete(kM, 5);  // out of order
  EXPECT_FALSE(plic.in_service(5));
  EXPECT_TRUE(plic.in_service(6));
  EXPECT_TRUE(pending_bit(5));
  complete(kM, 6);
  EXPECT_TRUE(pending_bit(6));
}

TEST_F(PlicTest, InvalidCompletionIdsAreIgnored) {
  wr(priority(8), 1);
  enable_source(kM, 8);
  plic.set_irq_level(8, true);
  ASSERT_EQ(claim(kM), 8u);
  for (std::uint32_t bad : {0u, 96u, 1023u, 0xFFFFFFFFu, 8u + 32u}) {
    LogCapture log;
    complete(kM, bad);
    EXPECT_NE(log.take().find("[guest_error]"), std::string::npos) << bad;
  }
  EXPECT_TRUE(plic.in_service(8));
  EXPECT_FALSE(pending_bit(8));
}

// ---- source 0 and unknown offsets -------------------------------------------------------------

TEST_F(PlicTest, SourceZeroAndOutOfRangeInputsAreIgnored) {
  wr(enable(kM, 0), 0xFFFFFFFF);
  wr(priority(1), 1);
  plic.set_irq_level(0, true);
  plic.set_irq_level(96, true);
  plic.set_irq_level(5000, true);
  EXPECT_EQ(rd(pending(0)), 0u);
  EXPECT_FALSE(meip());
  EXPECT_EQ(claim(kM), 0u);
  complete(kM, 0);
  EXPECT_EQ(rd(pending(0)), 0u);
  EXPECT_FALSE(meip());
}

TEST_F(PlicTest, UnknownOffsetsAndNarrowAccessesReadZero) {
  wr(priority(1), 7);
  wr(enable(kM, 0), 0x2);
  plic.set_irq_level(1, true);
  ASSERT_TRUE(meip());
  for (std::uint32_t off : {0x000180u,   // priority of ID 96
                            0x00100Cu,   // pending word 3
                            0x001FFCu,   // end of the pending block
                            0x00200Cu,   // context 0 enable word 3
                            0x002100u,   // context 2 enables
                            0x1FFFFCu,   // reserved
                            0x200008u,   // reserved in context 0's block
                            0x200FFCu,   // reserved in context 0's block
                            0x202000u,   // context 2 threshold
                            0x202004u,   // context 2 claim
                            0x5FFFFCu}) {
    LogCapture log;
    wr(off, 0xFFFFFFFF);
    EXPECT_NE(log.take().find("[guest_error]"), std::string::npos) << std::hex << off;
    EXPECT_EQ(rd(off), 0u) << std::hex << off;
    EXPECT_NE(log.take().find("[guest_error]"), std::string::npos) << std::hex << off;
  }
  {
    // Registers that exist are not reported.
    LogCapture log;
    for (std::uint32_t off : {priority(95), enable(kS, 2), threshold(kS)}) wr(off, rd(off));
    rd(pending(2));
    EXPECT_EQ(log.take(), "");
  }
  // Registers are 32-bit (LW/SW only): narrow or misaligned accesses read 0, write nothing and
  // have no side effect (a byte read of claim does not claim).
  EXPECT_EQ(rd(priority(1), 1), 0u);
  EXPECT_EQ(rd(priority(1) + 2, 2), 0u);
  wr(priority(1), 3, 1);
  wr(threshold(kM) + 1, 7, 4);
  EXPECT_EQ(rd(priority(1)), 7u);
  EXPECT_EQ(rd(threshold(kM)), 0u);
  EXPECT_EQ(rd(claim_complete(kM), 1), 0u);
  EXPECT_TRUE(pending_bit(1));
  EXPECT_TRUE(meip());
  // And nothing above changed the real registers.
  EXPECT_EQ(rd(enable(kM, 0)), 0x2u);
  EXPECT_EQ(rd(enable(kS, 0)), 0u);
}

TEST(PlicLarge, FullSizeMapDecodesTheLastContextAndId) {
  // 1024 IDs and 15872 contexts: the largest map the spec allows.
  PlicHarness h(RiscvPlic::Params{.num_sources = 1024, .num_contexts = 15872});
  const unsigned last = 15871;
  h.wr(priority(1023), 2);
  EXPECT_EQ(h.rd(priority(1023)), 2u);
  h.wr(enable(last, 31), 0x80000000);  // 0x1F1FFC: ID 1023 on the last context
  EXPECT_EQ(enable(last, 31), 0x1F1FFCu);
  EXPECT_EQ(h.rd(0x1F1FFC), 0x80000000u);
  EXPECT_EQ(h.rd(enable(last - 1, 31)), 0u);
  h.wr(threshold(last), 1);
  EXPECT_EQ(threshold(last), 0x3FFF000u);
  EXPECT_EQ(h.rd(0x3FFF000), 1u);
  h.plic.set_irq_level(1023, true);
  EXPECT_EQ(h.rd(pending(31)), 0x80000000u);
  EXPECT_TRUE(h.plic.irq("context15871")->level());
  EXPECT_FALSE(h.meip());
  EXPECT_EQ(h.rd(0x3FFF004), 1023u);
  EXPECT_FALSE(h.plic.irq("context15871")->level());
  h.wr(0x3FFF004, 1023);
  EXPECT_FALSE(h.plic.in_service(1023));
}

TEST_F(PlicTest, ResetClearsStateButKeepsAssertedInputsPending) {
  wr(priority(3), 4);
  wr(threshold(kM), 1);
  enable_source(kM, 3);
  enable_source(kM, 4);
  plic.set_irq_level(3, true);
  plic.set_irq_level(4, true);
  ASSERT_EQ(claim(kM), 3u);
  plic.set_irq_level(4, false);  // still pending: the gateway cannot retract it
  plic.reset();
  EXPECT_EQ(rd(priority(3)), 0u);
  EXPECT_EQ(rd(threshold(kM)), 0u);
  EXPECT_EQ(rd(enable(kM, 0)), 0u);
  EXPECT_FALSE(plic.in_service(3));
  EXPECT_TRUE(pending_bit(3)) << "input 3 is still asserted";
  EXPECT_FALSE(pending_bit(4)) << "input 4 was released";
  EXPECT_FALSE(meip());
}

}  // namespace
}  // namespace boardemu
