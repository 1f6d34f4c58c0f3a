// RISC-V Platform-Level Interrupt Controller (PLIC).
//
// Implements: RISC-V Platform-Level Interrupt Controller Specification v1.0.0 — "Interrupt
// Gateways", "Interrupt Notifications", "Interrupt Identifiers (IDs)", "Memory Map",
// "Interrupt Priorities", "Interrupt Pending Bits", "Interrupt Enables", "Priority
// Thresholds", "Interrupt Claim Process" and "Interrupt Completion". The parameters default to
// QEMU's `virt` machine (window 0x0C000000, 0x600000 bytes): 96 interrupt IDs (sources 1..95;
// ID 0 means "no interrupt"), 3 priority bits, and two contexts for one hart (context 0 =
// M-mode, context 1 = S-mode; QEMU numbers hart h's contexts 2h and 2h+1).
//
// Register map (offsets in the window; every register is 32 bits wide):
//   0x000000 + 4*id                        priority of source id (WARL, `priority_bits` bits;
//                                          0 = never interrupt; id 0 is reserved, reads 0)
//   0x001000 + 4*w                         pending bits of ids 32w..32w+31 (read-only)
//   0x002000 + 0x80*ctx + 4*w              enable bits of ids 32w..32w+31 for context ctx
//   0x200000 + 0x1000*ctx                  priority threshold of context ctx (WARL)
//   0x200004 + 0x1000*ctx                  claim (read) / complete (write) of context ctx
// An access is decoded by arithmetic on these ranges, never by searching a list, since the
// window is 6 MiB and the spec allows 1024 IDs and 15872 contexts. Accesses that are not
// aligned 32-bit loads/stores (the spec: "accessed atomically with LW and SW") and offsets
// that hold no register for this configuration read 0, ignore writes and are logged under
// guest_error.
//
// Model:
//  - Gateways are level-sensitive (set_irq_level): the first assertion of an input whose
//    source is not in service (claimed and not yet completed) sets its pending bit. The
//    gateway cannot retract a request: an input that drops before the claim leaves the source
//    pending. Completion re-arms the gateway; an input still asserted then pends again.
//  - Claim returns the highest-priority pending source enabled for the context, ties broken by
//    the lowest ID, clears its pending bit and puts it in service; 0 if there is none. Sources
//    with priority 0 never win. The spec says the claim is not affected by the threshold;
//    QEMU's sifive_plic only returns sources above the threshold. Param
//    `claim_honours_threshold` picks the latter (default: the spec).
//  - Complete with an ID that is not enabled for the context (or not a valid source ID) is
//    ignored, as the spec requires (logged under guest_error). The PLIC does not check that
//    the ID was the one last claimed.
//  - Each context's notification (EIP) is an IrqLine: high while some source is pending,
//    enabled for the context and has a priority above the context's threshold. Outputs:
//    "meip" (context 0), "seip" (context 1), and "context<N>" for every context.
//  - Reset: priorities, enables and thresholds 0; nothing pending or in service; inputs that
//    are still asserted pend again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.hpp"

namespace boardemu {

class RiscvPlic : public Device, public InterruptController {
 public:
  // Register blocks (PLIC specification, "Memory Map").
  static constexpr std::uint32_t PRIORITY_BASE = 0x000000;
  static constexpr std::uint32_t PENDING_BASE = 0x001000;
  static constexpr std::uint32_t ENABLE_BASE = 0x002000;
  static constexpr std::uint32_t ENABLE_STRIDE = 0x80;  // per context
  static constexpr std::uint32_t CONTEXT_BASE = 0x200000;
  static constexpr std::uint32_t CONTEXT_STRIDE = 0x1000;
  static constexpr std::uint32_t THRESHOLD = 0x0;       // within a context block
  static constexpr std::uint32_t CLAIM_COMPLETE = 0x4;  // within a context block

  static constexpr unsigned kMaxIds = 1024;         // sources 1..1023
  static constexpr unsigned kMaxContexts = 15872;

  struct Params {
    unsigned num_sources = 96;  // interrupt IDs 0..num_sources-1; ID 0 does not exist
    unsigned num_contexts = 2;
    unsigned priority_bits = 3;  // priorities and thresholds 0..2^bits-1
    bool claim_honours_threshold = false;
  };
  // Reads the board file's `params:`: "num_sources" (2..1024), "num_contexts" (1..15872),
  // "priority_bits" (1..32) as decimal or 0x-prefixed integers, "claim_honours_threshold"
  // (true/false/1/0). Throws std::invalid_argument naming the key.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Throws std::invalid_argument for parameters out of range.
  explicit RiscvPlic(std::string name);  // QEMU virt defaults
  RiscvPlic(std::string name, Params params);

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  std::uint32_t peek(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  // "meip" = context 0, "seip" = context 1, "context<N>" = context N.
  IrqLine* irq(std::string_view output) override;

  // Input `source` (the interrupt ID, 1..num_sources-1) as a level. Input 0 and IDs out of
  // range are ignored.
  void set_irq_level(unsigned source, bool level) override;
  unsigned num_inputs() const override { return num_sources_; }

  // The claim/complete register's operations, for the CPU backend and tests.
  std::uint32_t claim(unsigned context);
  void complete(unsigned context, std::uint32_t id);

  unsigned num_contexts() const { return num_contexts_; }
  bool is_pending(unsigned id) const { return test(pending_, id); }
  bool in_service(unsigned id) const { return test(in_service_, id); }
  // The context's interrupt notification (EIP).
  bool eip(unsigned context) const;

  void state(StateArchive& ar) override;

 private:
  static bool test(const std::vector<std::uint32_t>& bits, unsigned id) {
    return id < bits.size() * 32 && (bits[id / 32] >> (id % 32) & 1);
  }
  static void assign(std::vector<std::uint32_t>& bits, unsigned id, bool on) {
    if (on) bits[id / 32] |= 1u << (id % 32);
    else bits[id / 32] &= ~(1u << (id % 32));
  }
  std::uint32_t* enables(unsigned context) { return &enable_[std::size_t{context} * words_]; }
  const std::uint32_t* enables(unsigned context) const {
    return &enable_[std::size_t{context} * words_];
  }
  // The best pending, enabled source of `context` with priority above `floor`, or 0.
  unsigned best_pending(unsigned context, std::uint32_t floor) const;
  void gateway_request(unsigned id);
  void update_outputs();
  std::uint32_t valid_bits(unsigned word) const;

  unsigned num_sources_;
  unsigned num_contexts_;
  unsigned words_;  // 32-bit words of pending/enable bits
  std::uint32_t priority_mask_;
  bool claim_honours_threshold_;

  std::vector<std::uint32_t> priority_;   // per ID
  std::vector<std::uint32_t> threshold_;  // per context
  std::vector<std::uint32_t> enable_;     // words_ per context
  std::vector<std::uint32_t> pending_;    // IP bits
  std::vector<std::uint32_t> in_service_;  // claimed, completion not yet received
  std::vector<std::uint32_t> level_;      // gateway inputs
  std::vector<IrqLine> eip_;              // per context
};

}  // namespace boardemu
