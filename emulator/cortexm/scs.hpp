// ARMv7-M System Control Space: NVIC, SCB and SysTick (window 0xE000E000..0xE000EFFF), and the
// DWT cycle counter (0xE0001000).
//
// Implements: ARMv7-M Architecture Reference Manual (ARM DDI 0403E), B1.5 "ARMv7-M exception
// model" (priorities, preemption, pending/active state), B3.2 "System Control Space" (SCB
// register set), B3.3 "The system timer, SysTick", B3.4 "Nested Vectored Interrupt
// Controller"; C1.8 "Data Watchpoint and Trace unit" (DWT_CTRL, DWT_CYCCNT); and the
// Cortex-M3 Technical Reference Manual (ARM DDI 0337I) for the implementation-defined values
// (CPUID r2p1, STKALIGN reset 1, 4 DWT comparators).
//
// Nothing here knows the CPU engine: the backend asks which exception to take, tells us when it
// took or returned from one, and gives the masking registers it holds (PRIMASK, BASEPRI,
// FAULTMASK). Counters (SysTick, CYCCNT) are computed from virtual time on read; only the
// SysTick wrap is a scheduled event.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/device.hpp"
#include "core/event.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

namespace boardemu::cortexm {

// Exception numbers, ARMv7-M ARM B1.5.2.
enum Exception : int {
  kReset = 1,
  kNmi = 2,
  kHardFault = 3,
  kMemManage = 4,
  kBusFault = 5,
  kUsageFault = 6,
  kSvCall = 11,
  kDebugMonitor = 12,
  kPendSv = 14,
  kSysTick = 15,
  kIrq0 = 16,
};

// Execution priority when no exception is active and nothing is masked (B1.5.4).
constexpr int kThreadPriority = 256;

class Scs : public Device, public InterruptController {
 public:
  struct Hooks {
    // A pending exception may have become takeable (something was pended, enabled or
    // re-prioritised): the CPU should stop at its next block boundary and check.
    std::function<void()> exception_may_preempt;
    // AIRCR.SYSRESETREQ was written with the key.
    std::function<void()> system_reset_request;
    // Reads the CPU's BASEPRI and FAULTMASK, which ICSR.VECTPENDING takes into account
    // (B3.2.4). Without it VECTPENDING ignores them.
    std::function<void(std::uint32_t* basepri, std::uint32_t* faultmask)> mask_registers;
  };

  Scs(Scheduler& scheduler, unsigned num_irqs, unsigned priority_bits,
      std::uint64_t systick_ref_hz, std::uint64_t cpu_hz, Hooks hooks);

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  std::uint32_t peek(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;

  // ---- for the CPU backend -------------------------------------------------------------
  // External interrupt input `irq` (0-based) as a level: a rising level pends the interrupt,
  // and a level still high when its handler returns pends it again.
  void set_irq_level(unsigned irq, bool level) override;
  unsigned num_inputs() const override { return num_irqs_; }
  // Pends a system exception (SVCall, PendSV, faults, NMI) or IRQ by exception number.
  void set_pending(int exception);
  bool is_pending(int exception) const { return pending_[exception]; }
  bool is_active(int exception) const { return active_[exception]; }
  bool is_enabled(int exception) const;

  // Execution priority per B1.5.4 from the active exceptions and the CPU's mask registers.
  int execution_priority(std::uint32_t primask, std::uint32_t basepri,
                         std::uint32_t faultmask) const;
  // Highest-priority pending, enabled exception that preempts `execution_priority`, or 0.
  int exception_to_take(int execution_priority) const;
  // Highest-priority pending, enabled exception regardless of masking, or 0 (for WFI wake-up
  // and for the backend's "check every block while something waits" mode).
  int highest_pending() const;

  void acknowledge(int exception);  // pending -> active, on exception entry
  void complete(int exception);     // active -> inactive, on exception return
  int priority(int exception) const;  // full priority (group and sub-priority), -3..255

  std::uint32_t vtor() const { return regs_.get(kVTOR); }
  bool stack_align_8() const { return (regs_.get(kCCR) & (1u << 9)) != 0; }
  // Whether a configurable fault is enabled in SHCSR (otherwise it escalates to HardFault).
  bool fault_enabled(int exception) const;
  // Fault status (B3.2.15..B3.2.18).
  void record_bus_fault(std::uint32_t address, bool is_data, bool precise);
  void record_usage_fault(std::uint32_t cfsr_bits);
  void record_forced_hardfault();  // HFSR.FORCED: a fault escalated
  void record_vector_table_hardfault();

  int num_exceptions() const { return static_cast<int>(pending_.size()); }

  // Register offsets used by tests and the backend.
  static constexpr std::uint32_t kICTR = 0x004, kSYST_CSR = 0x010, kSYST_RVR = 0x014,
                                 kSYST_CVR = 0x018, kSYST_CALIB = 0x01C, kISER = 0x100,
                                 kICER = 0x180, kISPR = 0x200, kICPR = 0x280, kIABR = 0x300,
                                 kIPR = 0x400, kCPUID = 0xD00, kICSR = 0xD04, kVTOR = 0xD08,
                                 kAIRCR = 0xD0C, kSCR = 0xD10, kCCR = 0xD14, kSHPR1 = 0xD18,
                                 kSHPR2 = 0xD1C, kSHPR3 = 0xD20, kSHCSR = 0xD24, kCFSR = 0xD28,
                                 kHFSR = 0xD2C, kDFSR = 0xD30, kMMFAR = 0xD34, kBFAR = 0xD38,
                                 kAFSR = 0xD3C, kCPACR = 0xD88, kDHCSR = 0xDF0, kDEMCR = 0xDFC,
                                 kSTIR = 0xF00;

  bool trace_enabled() const { return (regs_.get(kDEMCR) & (1u << 24)) != 0; }

  const RegisterBank* registers() const override { return &regs_; }
  void state(StateArchive& ar) override;

 private:
  std::vector<RegisterSpec> register_specs();
  std::uint32_t icsr_value() const;
  int execution_priority_masks_only(std::uint32_t basepri, std::uint32_t faultmask) const;
  std::uint32_t shcsr_value() const;
  void write_shcsr(std::uint32_t value);
  std::uint32_t irq_bits(unsigned word, const std::vector<bool>& state) const;
  int group_priority(int priority) const;
  void notify();

  // SysTick (B3.3): the counter value is derived from virtual time.
  std::uint32_t systick_value() const;
  std::uint32_t systick_value_running(std::uint32_t csr) const;
  void systick_restart(std::uint32_t from_value);
  void systick_arm();
  void systick_wrapped();
  Cycles systick_cycles_per_tick() const;

  Scheduler& sched_;
  unsigned num_irqs_;
  unsigned priority_bits_;
  std::uint64_t systick_ref_hz_;
  std::uint64_t cpu_hz_;
  Hooks hooks_;
  RegisterBank regs_;

  std::vector<bool> pending_, active_, irq_enabled_, irq_level_;

  // SysTick running state: the counter held `t0_value` at time `t0`, and reaches zero at `zero_at`.
  Cycles systick_t0_ = 0;
  std::uint32_t systick_t0_value_ = 0;
  Cycles systick_zero_at_ = 0;
  std::uint32_t systick_frozen_ = 0;  // value while disabled
  bool systick_countflag_ = false;
  Event systick_event_;  // "scs.systick": the SysTick counter reaches 0
};

// DWT: only the cycle counter is modelled (C1.8.6 DWT_CTRL, C1.8.7 DWT_CYCCNT).
class Dwt : public Device {
 public:
  Dwt(Scheduler& scheduler, const Scs& scs);
  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;

  static constexpr std::uint32_t kCTRL = 0x000, kCYCCNT = 0x004;

  const RegisterBank* registers() const override { return &regs_; }
  void state(StateArchive& ar) override;

 private:
  bool counting() const;
  std::uint32_t cyccnt() const;
  Scheduler& sched_;
  const Scs& scs_;
  RegisterBank regs_;
  // CYCCNT = base_value + (now - base_time) while counting.
  std::uint32_t base_value_ = 0;
  Cycles base_time_ = 0;
};

}  // namespace boardemu::cortexm
