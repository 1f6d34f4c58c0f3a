#include "cortexm/scs.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace boardemu::cortexm {

namespace {
constexpr std::uint32_t kCsrEnable = 1u << 0, kCsrTickInt = 1u << 1, kCsrClkSource = 1u << 2,
                        kCsrCountFlag = 1u << 16;
constexpr std::uint32_t kIcsrNmiPendSet = 1u << 31, kIcsrPendSvSet = 1u << 28,
                        kIcsrPendSvClr = 1u << 27, kIcsrPendStSet = 1u << 26,
                        kIcsrPendStClr = 1u << 25, kIcsrIsrPending = 1u << 22,
                        kIcsrRetToBase = 1u << 11;
constexpr std::uint32_t kAircrVectKey = 0x05FA, kAircrVectKeyStat = 0xFA05;
constexpr std::uint32_t kAircrSysResetReq = 1u << 2, kAircrVectClrActive = 1u << 1;
// SHCSR bit positions (B3.2.13).
constexpr std::uint32_t kShcsrEnaMask = (1u << 16) | (1u << 17) | (1u << 18);
constexpr int kCpuIdR2p1 = 0x412FC231;  // Cortex-M3 TRM 4.3.1: r2p1

// Processor cycles per SysTick tick for a given SYST_CSR value: CLKSOURCE = 1 (or no reference
// clock) counts processor cycles, CLKSOURCE = 0 counts reference clock edges (B3.3.3).
Cycles systick_cycles_per_tick_for(std::uint32_t csr, std::uint64_t ref_hz, std::uint64_t cpu_hz) {
  if ((csr & kCsrClkSource) || ref_hz == 0) return 1;
  return std::max<Cycles>(1, cpu_hz / ref_hz);
}
}  // namespace

Scs::Scs(Scheduler& scheduler, unsigned num_irqs, unsigned priority_bits,
         std::uint64_t systick_ref_hz, std::uint64_t cpu_hz, Hooks hooks)
    : Device("scs"),
      sched_(scheduler),
      num_irqs_(std::min(num_irqs, 240u)),
      priority_bits_(std::clamp(priority_bits, 3u, 8u)),
      systick_ref_hz_(systick_ref_hz),
      cpu_hz_(cpu_hz),
      hooks_(std::move(hooks)),
      regs_("scs", register_specs()),
      systick_event_(scheduler, "scs.systick", [this](Cycles) { systick_wrapped(); }) {
  pending_.assign(kIrq0 + num_irqs_, false);
  active_.assign(kIrq0 + num_irqs_, false);
  irq_enabled_.assign(num_irqs_, false);
  irq_level_.assign(num_irqs_, false);
  reset();
}

std::vector<RegisterSpec> Scs::register_specs() {
  // Implemented priority bits are the top `priority_bits_` of each byte (B1.5.4).
  std::uint8_t prio_byte_mask = static_cast<std::uint8_t>(0xFF00u >> priority_bits_);
  std::uint32_t prio_word_mask = prio_byte_mask * 0x01010101u;
  unsigned irq_words = (num_irqs_ + 31) / 32;
  std::uint32_t calib = systick_ref_hz_ == 0
                            ? (1u << 31)  // NOREF: no reference clock
                            : static_cast<std::uint32_t>(systick_ref_hz_ / 100 - 1) & 0xFFFFFF;
  std::vector<RegisterSpec> s = {
      {kICTR, "ICTR", irq_words - 1, 0, 0, Access::RO},
      {kSYST_CSR, "SYST_CSR", systick_ref_hz_ == 0 ? kCsrClkSource : 0,
       kCsrEnable | kCsrTickInt | (systick_ref_hz_ == 0 ? 0 : kCsrClkSource), 0, Access::RW,
       [this](std::uint32_t v) {
         std::uint32_t r = v | (systick_countflag_ ? kCsrCountFlag : 0);
         systick_countflag_ = false;  // COUNTFLAG clears on read (B3.3.3)
         return r;
       },
       [this](std::uint32_t old, std::uint32_t) {
         std::uint32_t now_v = regs_.get(kSYST_CSR);
         bool was = old & kCsrEnable, is = now_v & kCsrEnable;
         if (was && !is) {
           systick_frozen_ = systick_value_running(old);
           systick_event_.cancel();
         } else if (!was && is) {
           systick_restart(systick_frozen_);
         } else if (is && ((old ^ now_v) & kCsrClkSource)) {
           systick_restart(systick_value_running(old));
         }
       }},
      {kSYST_RVR, "SYST_RVR", 0, 0x00FFFFFF, 0, Access::RW, nullptr,
       [this](std::uint32_t, std::uint32_t) {
         // A counter parked at zero by a zero reload value starts again on the next tick.
         if ((regs_.get(kSYST_CSR) & kCsrEnable) && !systick_event_.armed())
           systick_restart(0);
       }},
      {kSYST_CVR, "SYST_CVR", 0, 0, 0, Access::RW,
       [this](std::uint32_t) { return systick_value(); },
       [this](std::uint32_t, std::uint32_t) {
         // Any write clears the counter and COUNTFLAG (B3.3.5); no exception results.
         systick_countflag_ = false;
         systick_frozen_ = 0;
         if (regs_.get(kSYST_CSR) & kCsrEnable) systick_restart(0);
       }},
      {kSYST_CALIB, "SYST_CALIB", calib, 0, 0, Access::RO},
      {kCPUID, "CPUID", static_cast<std::uint32_t>(kCpuIdR2p1), 0, 0, Access::RO},
      {kICSR, "ICSR", 0, 0, 0, Access::RW, [this](std::uint32_t) { return icsr_value(); },
       [this](std::uint32_t, std::uint32_t v) {
         if (v & kIcsrNmiPendSet) set_pending(kNmi);
         if (v & kIcsrPendSvSet) set_pending(kPendSv);
         if (v & kIcsrPendSvClr) pending_[kPendSv] = false;
         if (v & kIcsrPendStSet) set_pending(kSysTick);
         if (v & kIcsrPendStClr) pending_[kSysTick] = false;
       }},
      {kVTOR, "VTOR", 0, 0x3FFFFF80},
      {kAIRCR, "AIRCR", 0, 0, 0, Access::RW,
       [](std::uint32_t v) { return (kAircrVectKeyStat << 16) | (v & 0x700); },
       [this](std::uint32_t, std::uint32_t v) {
         if ((v >> 16) != kAircrVectKey) {
           BE_LOG(guest_error, "scs: AIRCR write 0x{:08x} without VECTKEY ignored", v);
           return;
         }
         regs_[kAIRCR] = v & 0x700;  // PRIGROUP
         if (v & kAircrVectClrActive) std::fill(active_.begin(), active_.end(), false);
         if ((v & kAircrSysResetReq) && hooks_.system_reset_request) hooks_.system_reset_request();
         notify();
       }},
      {kSCR, "SCR", 0, 0x16},
      // STKALIGN resets to 1 on Cortex-M3 r2p0 and later (TRM 4.3.5).
      {kCCR, "CCR", 0x200, 0x31B},
      {kSHPR1, "SHPR1", 0, prio_word_mask & 0x00FFFFFF, 0, Access::RW, nullptr,
       [this](std::uint32_t, std::uint32_t) { notify(); }},
      {kSHPR2, "SHPR2", 0, prio_word_mask & 0xFF000000, 0, Access::RW, nullptr,
       [this](std::uint32_t, std::uint32_t) { notify(); }},
      {kSHPR3, "SHPR3", 0, prio_word_mask & 0xFFFF00FF, 0, Access::RW, nullptr,
       [this](std::uint32_t, std::uint32_t) { notify(); }},
      {kSHCSR, "SHCSR", 0, kShcsrEnaMask, 0, Access::RW,
       [this](std::uint32_t v) { return (v & kShcsrEnaMask) | shcsr_value(); },
       [this](std::uint32_t, std::uint32_t v) { write_shcsr(v); }},
      // Every status bit of MMFSR (IACCVIOL, DACCVIOL, MUNSTKERR, MSTKERR, MMARVALID), BFSR
      // (IBUSERR, PRECISERR, IMPRECISERR, UNSTKERR, STKERR, BFARVALID) and UFSR (UNDEFINSTR,
      // INVSTATE, INVPC, NOCP, UNALIGNED, DIVBYZERO) is write-1-to-clear (B3.2.15). The lazy FP
      // bits MLSPERR/LSPERR do not exist without an FPU.
      {kCFSR, "CFSR", 0, 0, 0x030F9F9B},
      {kHFSR, "HFSR", 0, 0, 0xC0000002},
      {kDFSR, "DFSR", 0, 0, 0x1F},
      {kMMFAR, "MMFAR", 0},
      {kBFAR, "BFAR", 0},
      {kAFSR, "AFSR", 0},
      // No FPU on Cortex-M3: CPACR is reserved, RAZ/WI.
      {kCPACR, "CPACR", 0, 0},
      {kDHCSR, "DHCSR", 0, 0, 0, Access::RO},
      {kDEMCR, "DEMCR", 0, 0x010F07F1},
      {kSTIR, "STIR", 0, 0, 0, Access::WO, nullptr,
       [this](std::uint32_t, std::uint32_t v) {
         unsigned irq = v & 0x1FF;
         if (irq < num_irqs_) set_pending(kIrq0 + static_cast<int>(irq));
       }},
  };
  for (unsigned w = 0; w < irq_words; ++w) {
    std::uint32_t valid = (num_irqs_ - w * 32 >= 32) ? 0xFFFFFFFFu : ((1u << (num_irqs_ % 32)) - 1);
    auto enabled_bits = [this, w](std::uint32_t) { return irq_bits(w, irq_enabled_); };
    auto pending_bits = [this, w](std::uint32_t) { return irq_bits(w, pending_); };
    auto set_bits = [this, w, valid](std::vector<bool>& state, std::uint32_t v, bool to) {
      for (unsigned b = 0; b < 32; ++b)
        if ((v & valid) >> b & 1) {
          unsigned irq = w * 32 + b;
          if (&state == &pending_) {
            if (to) set_pending(kIrq0 + static_cast<int>(irq));
            // A level still asserted keeps the interrupt pending (B3.4.1).
            else if (!irq_level_[irq]) pending_[kIrq0 + irq] = false;
          } else {
            state[irq] = to;
          }
        }
      if (to) notify();
    };
    s.push_back({kISER + 4 * w, "NVIC_ISER", 0, 0, 0, Access::RW, enabled_bits,
                 [set_bits, this](std::uint32_t, std::uint32_t v) { set_bits(irq_enabled_, v, true); }});
    s.push_back({kICER + 4 * w, "NVIC_ICER", 0, 0, 0, Access::RW, enabled_bits,
                 [set_bits, this](std::uint32_t, std::uint32_t v) { set_bits(irq_enabled_, v, false); }});
    s.push_back({kISPR + 4 * w, "NVIC_ISPR", 0, 0, 0, Access::RW, pending_bits,
                 [set_bits, this](std::uint32_t, std::uint32_t v) { set_bits(pending_, v, true); }});
    s.push_back({kICPR + 4 * w, "NVIC_ICPR", 0, 0, 0, Access::RW, pending_bits,
                 [set_bits, this](std::uint32_t, std::uint32_t v) { set_bits(pending_, v, false); }});
    s.push_back({kIABR + 4 * w, "NVIC_IABR", 0, 0, 0, Access::RO,
                 [this, w](std::uint32_t) { return irq_bits(w, active_); }});
  }
  for (unsigned i = 0; i < (num_irqs_ + 3) / 4; ++i)
    s.push_back({kIPR + 4 * i, "NVIC_IPR", 0, prio_word_mask, 0, Access::RW, nullptr,
                 [this](std::uint32_t, std::uint32_t) { notify(); }});
  return s;
}

void Scs::reset() {
  regs_.reset();
  std::fill(pending_.begin(), pending_.end(), false);
  std::fill(active_.begin(), active_.end(), false);
  std::fill(irq_enabled_.begin(), irq_enabled_.end(), false);
  for (unsigned i = 0; i < num_irqs_; ++i)
    if (irq_level_[i]) pending_[kIrq0 + i] = true;
  systick_event_.cancel();
  systick_frozen_ = 0;
  systick_countflag_ = false;
}

void Scs::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("pending", pending_);
  ar.field("active", active_);
  ar.field("irq_enabled", irq_enabled_);
  ar.field("irq_level", irq_level_);
  if (ar.loading() && (pending_.size() != active_.size() || irq_enabled_.size() != num_irqs_ ||
                       irq_level_.size() != num_irqs_ || pending_.size() != kIrq0 + num_irqs_))
    ar.bad("irq_level", "the saved NVIC has another number of interrupts");
  ar.field("systick_t0", systick_t0_);
  ar.field("systick_t0_value", systick_t0_value_);
  ar.field("systick_zero_at", systick_zero_at_);
  ar.field("systick_frozen", systick_frozen_);
  ar.field("systick_countflag", systick_countflag_);
}

std::uint32_t Scs::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v))
    BE_LOG(unimp, "scs: read of unmodelled register at 0xE000E{:03X}", offset);
  return v;
}

std::uint32_t Scs::peek(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if ((offset & ~3u) == kSYST_CSR) {  // COUNTFLAG without clearing it
    v = regs_.get(kSYST_CSR) | (systick_countflag_ ? kCsrCountFlag : 0);
    unsigned shift = (offset & 3u) * 8;
    return (v >> shift) & (size >= 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1));
  }
  return regs_.peek(offset, size, &v) ? v : 0;
}

void Scs::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if ((offset & ~3u) == kSHCSR && size < 4) {
    // SHCSR's active and pended bits live in the exception state, not in the stored word: a
    // byte or halfword store must keep the other bytes as they read, not as stored.
    unsigned shift = (offset & 3u) * 8;
    std::uint32_t lane = ((1u << (size * 8)) - 1) << shift;
    value = (read(kSHCSR, 4) & ~lane) | ((value << shift) & lane);
    offset = kSHCSR;
    size = 4;
  }
  if (!regs_.write(offset, value, size))
    BE_LOG(unimp, "scs: write 0x{:x} to unmodelled register at 0xE000E{:03X}", value, offset);
}

void Scs::notify() {
  if (hooks_.exception_may_preempt) hooks_.exception_may_preempt();
}

std::uint32_t Scs::irq_bits(unsigned word, const std::vector<bool>& state) const {
  std::uint32_t v = 0;
  unsigned base = (&state == &irq_enabled_) ? 0 : kIrq0;
  for (unsigned b = 0; b < 32; ++b) {
    unsigned irq = word * 32 + b;
    if (irq < num_irqs_ && state[base + irq]) v |= 1u << b;
  }
  return v;
}

// ---- exception state ------------------------------------------------------------------------

void Scs::set_irq_level(unsigned irq, bool level) {
  if (irq >= num_irqs_) return;
  bool rising = level && !irq_level_[irq];
  irq_level_[irq] = level;
  if (rising) set_pending(kIrq0 + static_cast<int>(irq));
}

void Scs::set_pending(int exception) {
  if (exception <= 0 || exception >= num_exceptions()) return;
  pending_[exception] = true;
  notify();
}

bool Scs::is_enabled(int e) const {
  if (e >= kIrq0) return irq_enabled_[e - kIrq0];
  return true;
}

bool Scs::fault_enabled(int e) const {
  std::uint32_t ena = regs_.get(kSHCSR);
  switch (e) {
    case kMemManage: return ena & (1u << 16);
    case kBusFault: return ena & (1u << 17);
    case kUsageFault: return ena & (1u << 18);
    default: return true;
  }
}

int Scs::priority(int e) const {
  switch (e) {
    case kReset: return -3;
    case kNmi: return -2;
    case kHardFault: return -1;
    default: break;
  }
  if (e >= kIrq0) {
    std::uint32_t off = kIPR + static_cast<std::uint32_t>(e - kIrq0);
    return (regs_.get(off & ~3u) >> ((off & 3u) * 8)) & 0xFF;
  }
  if (e >= 4 && e <= 15) {
    std::uint32_t off = 0xD14 + static_cast<std::uint32_t>(e);  // SHPR1..3 bytes for 4..15
    return (regs_.get(off & ~3u) >> ((off & 3u) * 8)) & 0xFF;
  }
  return 256;
}

int Scs::group_priority(int p) const {
  if (p < 0 || p > 255) return p;
  unsigned prigroup = (regs_.get(kAIRCR) >> 8) & 7;
  return p & static_cast<int>((0xFFu << (prigroup + 1)) & 0xFF);
}

int Scs::execution_priority_masks_only(std::uint32_t basepri, std::uint32_t faultmask) const {
  int boosted = kThreadPriority + 1;  // no mask: everything shows
  std::uint8_t mask = static_cast<std::uint8_t>(0xFF00u >> priority_bits_);
  if ((basepri & mask) != 0) boosted = group_priority(static_cast<int>(basepri & mask));
  if (faultmask & 1) boosted = -1;
  return boosted;
}

int Scs::execution_priority(std::uint32_t primask, std::uint32_t basepri,
                            std::uint32_t faultmask) const {
  int highest = kThreadPriority;
  for (int e = 1; e < num_exceptions(); ++e)
    if (active_[e]) highest = std::min(highest, group_priority(priority(e)));
  int boosted = kThreadPriority;
  std::uint8_t mask = static_cast<std::uint8_t>(0xFF00u >> priority_bits_);
  if ((basepri & mask) != 0) boosted = group_priority(static_cast<int>(basepri & mask));
  if (primask & 1) boosted = 0;
  if (faultmask & 1) boosted = -1;
  return std::min(highest, boosted);
}

int Scs::exception_to_take(int exec_priority) const {
  int best = 0, best_prio = 1000;
  for (int e = 1; e < num_exceptions(); ++e) {
    if (!pending_[e] || !is_enabled(e)) continue;
    int p = priority(e);
    if (group_priority(p) >= exec_priority) continue;
    if (p < best_prio) best = e, best_prio = p;  // ties: the lower exception number wins
  }
  return best;
}

int Scs::highest_pending() const {
  int best = 0, best_prio = 1000;
  for (int e = 1; e < num_exceptions(); ++e) {
    if (!pending_[e] || !is_enabled(e)) continue;
    int p = priority(e);
    if (p < best_prio) best = e, best_prio = p;
  }
  return best;
}

void Scs::acknowledge(int e) {
  pending_[e] = false;
  active_[e] = true;
}

void Scs::complete(int e) {
  active_[e] = false;
  if (e >= kIrq0 && irq_level_[e - kIrq0]) pending_[e] = true;
}

std::uint32_t Scs::icsr_value() const {
  std::uint32_t v = 0;
  // VECTPENDING includes the effect of BASEPRI and FAULTMASK, not of PRIMASK (B3.2.4).
  int vect_pending = highest_pending();
  if (hooks_.mask_registers) {
    std::uint32_t basepri = 0, faultmask = 0;
    hooks_.mask_registers(&basepri, &faultmask);
    int limit = execution_priority_masks_only(basepri, faultmask);
    if (vect_pending && group_priority(priority(vect_pending)) >= limit) {
      vect_pending = 0;
      int best_prio = 1000;
      for (int e = 1; e < num_exceptions(); ++e)
        if (pending_[e] && is_enabled(e) && group_priority(priority(e)) < limit && priority(e) < best_prio)
          vect_pending = e, best_prio = priority(e);
    }
  }
  v |= static_cast<std::uint32_t>(vect_pending & 0x1FF) << 12;
  for (int e = kIrq0; e < num_exceptions(); ++e)
    if (pending_[e]) v |= kIcsrIsrPending;
  if (pending_[kNmi]) v |= kIcsrNmiPendSet;
  if (pending_[kPendSv]) v |= kIcsrPendSvSet;
  if (pending_[kSysTick]) v |= kIcsrPendStSet;
  int n_active = static_cast<int>(std::count(active_.begin(), active_.end(), true));
  if (n_active <= 1) v |= kIcsrRetToBase;
  // VECTACTIVE: the active exception with the highest priority is the one executing, since a
  // preempting exception always has a higher (lower-valued) group priority.
  int cur = 0, cur_prio = 1000;
  for (int e = 1; e < num_exceptions(); ++e)
    if (active_[e] && group_priority(priority(e)) <= cur_prio)
      cur = e, cur_prio = group_priority(priority(e));
  v |= static_cast<std::uint32_t>(cur);
  return v;
}

std::uint32_t Scs::shcsr_value() const {
  std::uint32_t v = 0;
  auto bit = [&](bool on, unsigned b) { if (on) v |= 1u << b; };
  bit(active_[kMemManage], 0);
  bit(active_[kBusFault], 1);
  bit(active_[kUsageFault], 3);
  bit(active_[kSvCall], 7);
  bit(active_[kDebugMonitor], 8);
  bit(active_[kPendSv], 10);
  bit(active_[kSysTick], 11);
  bit(pending_[kUsageFault], 12);
  bit(pending_[kMemManage], 13);
  bit(pending_[kBusFault], 14);
  bit(pending_[kSvCall], 15);
  return v;
}

void Scs::write_shcsr(std::uint32_t v) {
  // Software may change the active and pended bits directly (B3.2.13); mirror them.
  active_[kMemManage] = v & (1u << 0);
  active_[kBusFault] = v & (1u << 1);
  active_[kUsageFault] = v & (1u << 3);
  active_[kSvCall] = v & (1u << 7);
  active_[kDebugMonitor] = v & (1u << 8);
  active_[kPendSv] = v & (1u << 10);
  active_[kSysTick] = v & (1u << 11);
  pending_[kUsageFault] = v & (1u << 12);
  pending_[kMemManage] = v & (1u << 13);
  pending_[kBusFault] = v & (1u << 14);
  pending_[kSvCall] = v & (1u << 15);
  notify();
}

void Scs::record_bus_fault(std::uint32_t address, bool is_data, bool precise) {
  std::uint32_t bfsr = is_data ? (precise ? (1u << 1) : (1u << 2)) : (1u << 0);  // PRECISERR/IMPRECISERR/IBUSERR
  if (is_data && precise) {
    bfsr |= 1u << 7;  // BFARVALID
    regs_[kBFAR] = address;
  }
  regs_[kCFSR] |= bfsr << 8;
}

void Scs::record_usage_fault(std::uint32_t bits) { regs_[kCFSR] |= bits << 16; }
void Scs::record_forced_hardfault() { regs_[kHFSR] |= 1u << 30; }
void Scs::record_vector_table_hardfault() { regs_[kHFSR] |= 1u << 1; }

// ---- SysTick ----------------------------------------------------------------------------------

Cycles Scs::systick_cycles_per_tick() const {
  return systick_cycles_per_tick_for(regs_.get(kSYST_CSR), systick_ref_hz_, cpu_hz_);
}

std::uint32_t Scs::systick_value() const {
  if (!(regs_.get(kSYST_CSR) & kCsrEnable)) return systick_frozen_;
  return systick_value_running(regs_.get(kSYST_CSR));
}

// `csr` is the SYST_CSR value the counter has been running under: when a write changes
// CLKSOURCE or ENABLE, the count so far was made at the old tick rate.
std::uint32_t Scs::systick_value_running(std::uint32_t csr) const {
  Cycles t = sched_.now();
  Cycles cpt = systick_cycles_per_tick_for(csr, systick_ref_hz_, cpu_hz_);
  if (t < systick_t0_) return 0;  // parked at zero until the reload tick
  if (t < systick_zero_at_)
    return systick_t0_value_ - static_cast<std::uint32_t>((t - systick_t0_) / cpt);
  // Past the zero point but its event has not run yet (the CPU overshoots by part of a block).
  Cycles k = (t - systick_zero_at_) / cpt;
  std::uint32_t reload = regs_.get(kSYST_RVR);
  if (k == 0 || reload == 0) return 0;
  return reload - static_cast<std::uint32_t>((k - 1) % (reload + 1ull));
}

void Scs::systick_restart(std::uint32_t from_value) {
  systick_event_.cancel();
  Cycles cpt = systick_cycles_per_tick(), now = sched_.now();
  if (from_value == 0) {
    std::uint32_t reload = regs_.get(kSYST_RVR);
    systick_t0_ = now + cpt;
    systick_t0_value_ = reload;
    if (reload == 0) {
      // A zero reload value parks the counter at zero (B3.3.4): it reads 0 from t0 on and no
      // wrap is scheduled.
      systick_zero_at_ = systick_t0_;
      return;
    }
  } else {
    systick_t0_ = now;
    systick_t0_value_ = from_value;
  }
  systick_zero_at_ = systick_t0_ + Cycles{systick_t0_value_} * cpt;
  systick_arm();
}

void Scs::systick_arm() { systick_event_.arm_at(systick_zero_at_); }

void Scs::systick_wrapped() {
  // Counting from 1 to 0 sets COUNTFLAG and, with TICKINT, pends SysTick (B3.3.1).
  systick_countflag_ = true;
  if (regs_.get(kSYST_CSR) & kCsrTickInt) set_pending(kSysTick);
  std::uint32_t reload = regs_.get(kSYST_RVR);
  Cycles cpt = systick_cycles_per_tick();
  if (reload == 0) return;
  systick_t0_ = systick_zero_at_ + cpt;
  systick_t0_value_ = reload;
  systick_zero_at_ = systick_t0_ + Cycles{reload} * cpt;  // absolute: no drift
  systick_arm();
}

// ---- DWT ---------------------------------------------------------------------------------------

Dwt::Dwt(Scheduler& scheduler, const Scs& scs)
    : Device("dwt"),
      sched_(scheduler),
      scs_(scs),
      regs_("dwt", {
                       // NUMCOMP = 4 on Cortex-M3 (TRM 11.4); only CYCCNTENA is writable here.
                       {kCTRL, "DWT_CTRL", 0x40000000, 0x1, 0, Access::RW, nullptr,
                        [this](std::uint32_t old, std::uint32_t v) {
                          if ((old ^ v) & 1) {
                            base_value_ = static_cast<std::uint32_t>(
                                (old & 1) ? base_value_ + (sched_.now() - base_time_) : base_value_);
                            base_time_ = sched_.now();
                          }
                          if ((v & 1) && !scs_.trace_enabled())
                            BE_LOG(guest_error, "dwt: CYCCNTENA set while DEMCR.TRCENA is 0");
                        }},
                       {kCYCCNT, "DWT_CYCCNT", 0, 0xFFFFFFFF, 0, Access::RW,
                        [this](std::uint32_t) { return cyccnt(); },
                        [this](std::uint32_t, std::uint32_t v) {
                          base_value_ = v;
                          base_time_ = sched_.now();
                        }},
                   }) {}

bool Dwt::counting() const { return regs_.get(kCTRL) & 1; }

std::uint32_t Dwt::cyccnt() const {
  if (!counting()) return base_value_;
  return static_cast<std::uint32_t>(base_value_ + (sched_.now() - base_time_));
}

std::uint32_t Dwt::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v))
    BE_LOG(unimp, "dwt: read of unmodelled register at 0xE0001{:03X}", offset);
  return v;
}

void Dwt::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(unimp, "dwt: write to unmodelled register at 0xE0001{:03X}", offset);
}

void Dwt::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("base_value", base_value_);
  ar.field("base_time", base_time_);
}

void Dwt::reset() {
  regs_.reset();
  base_value_ = 0;
  base_time_ = sched_.now();
}

}  // namespace boardemu::cortexm
