// ESP8266 RTC block: ESP8266 Technical Reference; NONOS SDK eagle_soc.h; ESP8266_RTOS_SDK
// rtc_register.h. See esp8266_rtc.hpp for what is modelled.
#include "timer/esp8266_rtc.hpp"

#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/log.hpp"

namespace boardemu {

namespace {

Scheduler& scheduler_of(const DeviceContext& ctx, const std::string& name) {
  if (!ctx.scheduler) throw std::invalid_argument(name + ": no scheduler");
  if (ctx.cpu_hz == 0) throw std::invalid_argument(name + ": CPU clock (cpu_hz) is 0");
  if (ctx.clock_hz == 0 || ctx.clock_hz >= ctx.cpu_hz)
    throw std::invalid_argument("clock_hz (the RTC clock) must be set in the board file, below the CPU clock");
  return *ctx.scheduler;
}

}  // namespace

void Esp8266Rtc::check_params(const std::map<std::string, std::string>& params) {
  ParamReader("esp8266-rtc", params).finish();  // none: the RTC clock is clock_hz
}

Esp8266Rtc::Esp8266Rtc(std::string name, const DeviceContext& ctx)
    : Device(std::move(name)),
      sched_(scheduler_of(ctx, this->name())),
      cpu_hz_(ctx.cpu_hz),
      rtc_hz_(ctx.clock_hz),
      power_on_(sched_.now()),
      regs_(this->name(),
            {
                {.offset = RTC_SLP_VAL, .name = "RTC_SLP_VAL"},
                {.offset = RTC_STATE1,
                 .name = "RTC_STATE1",
                 .reset = POWERON_RESET,
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return reset_cause_; }},
                {.offset = RTC_STATE2, .name = "RTC_STATE2"},
                {.offset = RTC_SLP_CNT_VAL,
                 .name = "RTC_SLP_CNT_VAL",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return counter(); }},
                {.offset = RTC_STORE0 + 0x0, .name = "RTC_STORE0"},
                {.offset = RTC_STORE0 + 0x4, .name = "RTC_STORE1"},
                {.offset = RTC_STORE0 + 0x8, .name = "RTC_STORE2"},
                {.offset = RTC_STORE0 + 0xC, .name = "RTC_STORE3"},
                {.offset = RTC_GPIO_OUT, .name = "RTC_GPIO_OUT", .writable = 1},
                {.offset = RTC_GPIO_ENABLE, .name = "RTC_GPIO_ENABLE", .writable = 1},
                {.offset = RTC_GPIO_IN_DATA,
                 .name = "RTC_GPIO_IN_DATA",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read =
                     [this](std::uint32_t) {
                       return regs_.get(RTC_GPIO_ENABLE) & regs_.get(RTC_GPIO_OUT) & 1u;
                     }},
                {.offset = RTC_GPIO_CONF, .name = "RTC_GPIO_CONF"},
                {.offset = PAD_XPD_DCDC_CONF, .name = "PAD_XPD_DCDC_CONF"},
            }) {
  // Power-on: every register at its reset value, the counter from 0.
  regs_.reset();
}

void Esp8266Rtc::reset() {
  // The digital core resets; the RTC domain does not. Only the cause is updated.
  if (pending_cause_) reset_cause_ = pending_cause_;
  pending_cause_ = 0;
}

std::uint32_t Esp8266Rtc::counter() const {
  unsigned __int128 elapsed = sched_.now() - power_on_;
  return static_cast<std::uint32_t>(elapsed * rtc_hz_ / cpu_hz_);
}

std::uint32_t Esp8266Rtc::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(unimp, "{}: read of unmodelled offset 0x{:x} (size {}): 0", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266Rtc::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(unimp, "{}: write 0x{:x} to unmodelled offset 0x{:x} (size {}) ignored", name(), value,
           offset, size);
}

void Esp8266Rtc::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("power_on", power_on_);
  ar.field("reset_cause", reset_cause_);
  ar.field("pending_cause", pending_cause_);
}

}  // namespace boardemu
