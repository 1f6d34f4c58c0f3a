// ESP8266 hardware watchdog: NONOS SDK eagle_soc.h / ets_sys.h and public reverse-engineering
// notes. See esp8266_wdt.hpp for what is modelled and where each fact comes from.
#include "timer/esp8266_wdt.hpp"

#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/bus.hpp"
#include "core/log.hpp"
#include "system/esp8266_dport.hpp"
#include "timer/esp8266_rtc.hpp"

namespace boardemu {

namespace {

Scheduler& scheduler_of(const DeviceContext& ctx, const std::string& name) {
  if (!ctx.scheduler) throw std::invalid_argument(name + ": no scheduler");
  if (ctx.cpu_hz == 0) throw std::invalid_argument(name + ": CPU clock (cpu_hz) is 0");
  if (ctx.clock_hz == 0 || ctx.clock_hz >= ctx.cpu_hz)
    throw std::invalid_argument("clock_hz (the watchdog tick) must be set in the board file, below the CPU clock");
  return *ctx.scheduler;
}

template <typename T>
T* find_device(const DeviceContext& ctx, const std::string& key, const std::string& wanted,
               const char* model) {
  if (wanted.empty()) return nullptr;
  if (!ctx.bus)
    throw std::invalid_argument("params." + key + ": '" + wanted + "' cannot be found (no bus)");
  for (auto& m : ctx.bus->mmio()) {
    if (m->device && m->device->name() == wanted) {
      auto* d = dynamic_cast<T*>(m->device);
      if (!d) throw std::invalid_argument("params." + key + ": '" + wanted + "' is not an " + model);
      return d;
    }
  }
  throw std::invalid_argument("params." + key + ": no device named '" + wanted +
                              "' before this one in the board file");
}

}  // namespace

Esp8266Wdt::Params Esp8266Wdt::parse_params(const std::map<std::string, std::string>& params) {
  ParamReader r("esp8266-wdt", params);
  Params p;
  p.edge_gate = r.text("edge_gate");
  p.rtc = r.text("rtc");
  r.finish();
  return p;
}

Esp8266Wdt::Esp8266Wdt(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      sched_(scheduler_of(ctx, this->name())),
      cpu_hz_(ctx.cpu_hz),
      tick_hz_(ctx.clock_hz),
      request_system_reset_(ctx.request_system_reset),
      gate_(find_device<const Esp8266Dport>(ctx, "edge_gate", params.edge_gate, "esp8266-dport")),
      rtc_(find_device<Esp8266Rtc>(ctx, "rtc", params.rtc, "esp8266-rtc")),
      regs_(this->name(),
            {
                {.offset = WDT_CTL,
                 .name = "WDT_CTL",
                 .writable = 0x3F,
                 .on_write =
                     [this](std::uint32_t old, std::uint32_t) {
                       bool was = old & WDT_CTL_EN;
                       if (enabled() && !was) start_stage(0);
                       else if (!enabled() && was) stop();
                     }},
                {.offset = WDT_OP, .name = "WDT_OP", .writable = 0xF},
                {.offset = WDT_OP_ND, .name = "WDT_OP_ND", .writable = 0xF},
                {.offset = WDT_STAGE,
                 .name = "WDT_STAGE",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return static_cast<std::uint32_t>(stage_); }},
                {.offset = WDT_RST,
                 .name = "WDT_RST",
                 .writable = 0,
                 .access = Access::WO,
                 .on_write =
                     [this](std::uint32_t, std::uint32_t written) {
                       if ((written & 0xFF) != WDT_RESET_VALUE) {
                         BE_LOG(guest_error, "{}: WDT_RST written with 0x{:x}; only 0x73 feeds",
                                this->name(), written);
                         return;
                       }
                       if (enabled()) start_stage(0);
                     }},
            }),
      stage_event_(sched_, this->name() + ".stage_end", [this](Cycles) { stage_end(); }) {
  reset();
}

Esp8266Wdt::~Esp8266Wdt() = default;

void Esp8266Wdt::reset() {
  stop();
  regs_.reset();
  irq_.set(false);
}

IrqLine* Esp8266Wdt::irq(std::string_view output) { return output == "irq" ? &irq_ : nullptr; }

std::uint32_t Esp8266Wdt::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266Wdt::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

void Esp8266Wdt::stop() {
  stage_event_.cancel();
  stage_ = 0;
}

void Esp8266Wdt::start_stage(unsigned stage) {
  stage_event_.cancel();
  stage_ = stage;
  unsigned n = regs_.get(stage == 0 ? WDT_OP : WDT_OP_ND) & 0xF;
  // 2^n ticks of tick_hz, in CPU cycles (rounded up: the stage never ends early).
  unsigned __int128 num = (unsigned __int128){1} << n;
  num *= cpu_hz_;
  Cycles length = static_cast<Cycles>((num + tick_hz_ - 1) / tick_hz_);
  stage_event_.arm_in(length);
}

void Esp8266Wdt::stage_end() {
  if (stage_ == 0) {
    if (!gate_ || gate_->edge_int_enabled(0)) {
      ++pulses_;
      irq_.set(true);
      irq_.set(false);
    }
    start_stage(1);
    return;
  }
  // Stage 1 over: the chip resets.
  ++resets_;
  stop();
  if (rtc_) rtc_->note_reset_cause(Esp8266Rtc::OWDT_RESET);
  if (request_system_reset_) {
    BE_LOG(trace, "{}: not fed: resetting the chip", name());
    request_system_reset_();
  } else {
    BE_LOG(guest_error, "{}: not fed: the watchdog would reset the chip (no reset path here)",
           name());
  }
}

void Esp8266Wdt::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("stage", stage_);
  ar.field("pulses", pulses_);
  ar.field("resets", resets_);
  irq_.state(ar);
}

}  // namespace boardemu
