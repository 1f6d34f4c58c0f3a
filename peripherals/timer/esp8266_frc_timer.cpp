// ESP8266 FRC1/FRC2 timers: ESP8266 Technical Reference (Espressif), timer registers; ESP8266
// SDK timer_register.h and hw_timer.c. See esp8266_frc_timer.hpp for what is modelled.
#include "timer/esp8266_frc_timer.hpp"

#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/bus.hpp"
#include "core/log.hpp"
#include "system/esp8266_dport.hpp"

namespace boardemu {

namespace {

Scheduler& scheduler_of(const DeviceContext& ctx, const std::string& name) {
  if (!ctx.scheduler) throw std::invalid_argument(name + ": no scheduler");
  if (ctx.cpu_hz == 0) throw std::invalid_argument(name + ": CPU clock (cpu_hz) is 0");
  return *ctx.scheduler;
}

}  // namespace

Esp8266FrcTimer::Params Esp8266FrcTimer::parse_params(
    const std::map<std::string, std::string>& params) {
  ParamReader r("esp8266-frc-timer", params);
  Params p;
  p.counter = r.choice("counter", {"frc1", "frc2"}) == "frc1" ? Counter::frc1 : Counter::frc2;
  p.edge_gate = r.text("edge_gate");
  r.finish();
  return p;
}

Esp8266FrcTimer::Esp8266FrcTimer(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      counter_(params.counter),
      sched_(scheduler_of(ctx, this->name())),
      cpu_hz_(ctx.cpu_hz),
      clock_hz_(ctx.clock_hz ? ctx.clock_hz : ctx.cpu_hz),
      regs_(this->name(),
            {
                {.offset = LOAD,
                 .name = params.counter == Counter::frc1 ? "FRC1_LOAD" : "FRC2_LOAD",
                 .writable = params.counter == Counter::frc1 ? 0x7FFFFFu : 0xFFFFFFFFu,
                 .on_write =
                     [this](std::uint32_t, std::uint32_t) { restart(regs_.get(LOAD) & mask()); }},
                {.offset = COUNT,
                 .name = params.counter == Counter::frc1 ? "FRC1_COUNT" : "FRC2_COUNT",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return count(); }},
                {.offset = CTRL,
                 .name = params.counter == Counter::frc1 ? "FRC1_CTRL" : "FRC2_CTRL",
                 .writable = 0xFF,
                 .on_read =
                     [this](std::uint32_t stored) {
                       return (stored & 0xFF) | (int_status_ ? CTRL_INT_STATUS : 0);
                     },
                 .on_write =
                     [this](std::uint32_t old, std::uint32_t) {
                       std::uint32_t ctrl = regs_.get(CTRL);
                       if ((ctrl & CTRL_PRESCALE) == CTRL_PRESCALE &&
                           (old & CTRL_PRESCALE) != CTRL_PRESCALE)
                         BE_LOG(guest_error, "{}: CTRL prescaler field 3 is reserved; timed as /256",
                                this->name());
                       // The count carries over; the prescaler restarts.
                       std::uint32_t now_count = [&] {
                         // count() reads the new CTRL: compute with the old enable state.
                         if (!(old & CTRL_ENABLE)) return stopped_value_;
                         std::uint32_t saved = regs_[CTRL];
                         regs_[CTRL] = old;
                         std::uint32_t c = count();
                         regs_[CTRL] = saved;
                         return c;
                       }();
                       restart(now_count);
                     }},
                {.offset = INT,
                 .name = params.counter == Counter::frc1 ? "FRC1_INT" : "FRC2_INT",
                 .writable = 0,
                 .access = Access::WO,
                 .on_write =
                     [this](std::uint32_t, std::uint32_t written) {
                       if (written & 1) {
                         int_status_ = false;
                         update_irq();
                       }
                     }},
            }),
      expiry_event_(sched_, this->name() + ".expiry", [this](Cycles) { expiry_reached(); }) {
  if (!params.edge_gate.empty()) {
    if (!ctx.bus)
      throw std::invalid_argument("params.edge_gate: '" + params.edge_gate +
                                  "' cannot be found (no bus)");
    for (auto& m : ctx.bus->mmio()) {
      if (m->device && m->device->name() == params.edge_gate) {
        gate_ = dynamic_cast<const Esp8266Dport*>(m->device);
        if (!gate_)
          throw std::invalid_argument("params.edge_gate: '" + params.edge_gate +
                                      "' is not an esp8266-dport");
      }
    }
    if (!gate_)
      throw std::invalid_argument("params.edge_gate: no device named '" + params.edge_gate +
                                  "' before this one in the board file");
  }
  reset();
}

Esp8266FrcTimer::~Esp8266FrcTimer() = default;

void Esp8266FrcTimer::reset() {
  expiry_event_.cancel();
  regs_.reset();
  alarm_ = 0;
  int_status_ = false;
  base_value_ = stopped_value_ = 0;
  base_time_ = sched_.now();
  update_irq();
}

IrqLine* Esp8266FrcTimer::irq(std::string_view output) { return output == "irq" ? &irq_ : nullptr; }

// FRC2_ALARM (timer_register.h: FRC2_ALARM_ADDRESS = base + 0x30, 0x10 in FRC2's window) is
// handled outside the bank, which FRC1 shares and which has no ALARM.
std::uint32_t Esp8266FrcTimer::read(std::uint32_t offset, unsigned size) {
  if (!is_frc1() && (offset & ~3u) == ALARM) return alarm_ >> ((offset & 3u) * 8);
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266FrcTimer::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!is_frc1() && (offset & ~3u) == ALARM) {
    if (size != 4)
      BE_LOG(guest_error, "{}: FRC2_ALARM written with a {}-byte access; taken as 32 bits", name(),
             size);
    alarm_ = value;
    if (enabled()) restart(count());
    return;
  }
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

// ---- counting -------------------------------------------------------------------------------

unsigned Esp8266FrcTimer::prescale() const {
  switch ((regs_.get(CTRL) & CTRL_PRESCALE) >> 2) {
    case 0: return 1;
    case 1: return 16;
    default: return 256;
  }
}

std::uint64_t Esp8266FrcTimer::ticks_now() const {
  unsigned __int128 elapsed = sched_.now() - base_time_;
  return static_cast<std::uint64_t>(elapsed * clock_hz_ / (unsigned __int128){cpu_hz_ * prescale()});
}

Cycles Esp8266FrcTimer::cycle_of_tick(std::uint64_t tick) const {
  unsigned __int128 num = (unsigned __int128){tick} * prescale() * cpu_hz_;
  return base_time_ + static_cast<Cycles>((num + clock_hz_ - 1) / clock_hz_);
}

std::uint32_t Esp8266FrcTimer::count() const {
  if (!enabled()) return stopped_value_;
  std::uint64_t k = ticks_now();
  if (is_frc1()) return static_cast<std::uint32_t>((base_value_ - k) & mask());
  return static_cast<std::uint32_t>(base_value_ + k);
}

void Esp8266FrcTimer::restart(std::uint32_t value) {
  expiry_event_.cancel();
  base_value_ = stopped_value_ = value & mask();
  base_time_ = sched_.now();
  schedule_expiry();
}

void Esp8266FrcTimer::schedule_expiry() {
  if (!enabled()) return;
  std::uint64_t k;
  if (is_frc1()) {
    // Counting down: 0 is reached after base_value ticks (a full 2^23 if it starts at 0).
    k = base_value_ ? base_value_ : (std::uint64_t{1} << 23);
  } else {
    std::uint32_t diff = alarm_ - base_value_;
    k = diff ? diff : (std::uint64_t{1} << 32);
  }
  expiry_tick_ = k;
  expiry_event_.arm_at(cycle_of_tick(k));
}

void Esp8266FrcTimer::expiry_reached() {
  // Re-base exactly on the expiry tick (not on the possibly late firing time).
  base_time_ = cycle_of_tick(expiry_tick_);
  if (is_frc1()) {
    bool reload = regs_.get(CTRL) & CTRL_AUTO_LOAD;
    base_value_ = reload ? (regs_.get(LOAD) & mask()) : 0;
  } else {
    base_value_ = alarm_;
  }
  expire();
  schedule_expiry();
}

void Esp8266FrcTimer::expire() {
  int_status_ = true;
  if (regs_.get(CTRL) & CTRL_INT_LEVEL) {
    update_irq();
    return;
  }
  // Edge mode: one pulse, which the DPORT lets through only if its enable bit is set.
  unsigned gate_bit = is_frc1() ? 1 : 2;
  if (gate_ && !gate_->edge_int_enabled(gate_bit)) return;
  ++pulses_;
  irq_.set(true);
  irq_.set(false);
}

void Esp8266FrcTimer::update_irq() {
  irq_.set((regs_.get(CTRL) & CTRL_INT_LEVEL) && int_status_);
}

void Esp8266FrcTimer::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("base_value", base_value_);
  ar.field("base_time", base_time_);
  ar.field("stopped_value", stopped_value_);
  ar.field("alarm", alarm_);
  ar.field("int_status", int_status_);
  ar.field("pulses", pulses_);
  ar.field("expiry_tick", expiry_tick_);
  irq_.state(ar);
}

}  // namespace boardemu
