// ESP8266 SAR ADC on TOUT: ESP8266EX Datasheet (ADC, 10-bit, 0..1.0 V) and the Non-OS SDK API
// Reference (system_adc_read, system_get_vdd33); the register interface is boardemu's own
// (see esp8266_sar_adc.hpp for why).
#include "adc/esp8266_sar_adc.hpp"

#include <cmath>
#include <stdexcept>

#include "core/params.hpp"
#include "core/log.hpp"

namespace boardemu {

namespace {

Scheduler& scheduler_of(const DeviceContext& ctx, const std::string& name) {
  if (!ctx.scheduler) throw std::invalid_argument(name + ": no scheduler");
  return *ctx.scheduler;
}

}  // namespace

Esp8266SarAdc::Params Esp8266SarAdc::parse_params(const std::map<std::string, std::string>& params) {
  ParamReader r("esp8266-sar-adc", params);
  Params p;
  p.vdd33 = r.number("vdd33", p.vdd33, 2.5, 3.6);  // [DS] operating voltage 2.5..3.6 V
  p.conversion_us = r.number("conversion_us", p.conversion_us, 0, 1e6);
  r.finish();
  return p;
}

Esp8266SarAdc::Esp8266SarAdc(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      sched_(scheduler_of(ctx, this->name())),
      params_(params),
      conversion_cycles_(static_cast<Cycles>(std::llround(params.conversion_us * 1e-6 * static_cast<double>(ctx.cpu_hz)))),
      tout_(this->name() + ".TOUT", ctx.scheduler),
      regs_(this->name(),
            {
                {.offset = SAR_CTRL,
                 .name = "SAR_CTRL",
                 .writable = CTRL_SEL_VDD33,
                 .on_write =
                     [this](std::uint32_t, std::uint32_t written) {
                       if (written & CTRL_START) start();
                     }},
                {.offset = SAR_STATUS, .name = "SAR_STATUS", .writable = 0, .access = Access::RO},
                {.offset = SAR_DATA, .name = "SAR_DATA", .writable = 0, .access = Access::RO},
            }),
      conversion_event_(sched_, this->name() + ".conversion", [this](Cycles) {
        regs_[SAR_DATA] = sampled_;
        regs_[SAR_STATUS] &= ~STATUS_BUSY;
      }) {
  reset();
}

Esp8266SarAdc::Esp8266SarAdc(std::string name, const DeviceContext& ctx)
    : Esp8266SarAdc(std::move(name), ctx, Params{}) {}

void Esp8266SarAdc::reset() {
  conversion_event_.cancel();
  sampled_ = 0;
  regs_.reset();
}

std::uint32_t Esp8266SarAdc::tout_code(double volts) {
  if (!(volts > 0)) return 0;  // also NaN
  const double code = std::floor(volts * 1024.0 / kFullScaleVolts);
  return code >= kMaxCode ? kMaxCode : static_cast<std::uint32_t>(code);
}

void Esp8266SarAdc::start() {
  if (regs_.get(SAR_STATUS) & STATUS_BUSY) {
    BE_LOG(guest_error, "{}: SAR_CTRL.START while a conversion is running: ignored", name());
    return;
  }
  std::uint32_t result;
  if (regs_.get(SAR_CTRL) & CTRL_SEL_VDD33) {
    result = static_cast<std::uint32_t>(std::lround(params_.vdd33 * 1024.0));
  } else {
    const double v = tout_.voltage();
    if (v > kFullScaleVolts && !warned_over_range_) {
      warned_over_range_ = true;
      BE_LOG(guest_error, "{}: TOUT at {:.3f} V, above the 0..1.0 V input range (reads {})", name(), v, kMaxCode);
    }
    result = tout_code(v);
  }
  sampled_ = result;
  regs_[SAR_STATUS] |= STATUS_BUSY;
  conversion_event_.arm_in(conversion_cycles_);
}

std::uint32_t Esp8266SarAdc::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(unimp, "{}: read of offset 0x{:x} (size {}): the SAR block's own registers are not modelled", name(),
           offset, size);
    return 0;
  }
  return v;
}

std::uint32_t Esp8266SarAdc::peek(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  return regs_.read(offset, size, &v) ? v : 0;
}

void Esp8266SarAdc::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(unimp, "{}: write 0x{:x} to offset 0x{:x} (size {}): the SAR block's own registers are not modelled",
           name(), value, offset, size);
}

void Esp8266SarAdc::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("sampled", sampled_);
  ar.field("warned_over_range", warned_over_range_);
}

}  // namespace boardemu
