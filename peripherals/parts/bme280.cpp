#include "parts/bme280.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/log.hpp"

namespace boardemu {

namespace {

constexpr std::int32_t kRawMax20 = 0xFFFFF;
constexpr std::int32_t kRawMax16 = 0xFFFF;
constexpr unsigned kFilterFraction = 12;  // fraction bits of the IIR filter memory

// filter[2:0] (5.4.6): 000 off, then coefficients 2, 4, 8 and 16 (100 and above).
unsigned filter_coefficient(std::uint8_t config) {
  static constexpr unsigned kCoefficient[8] = {1, 2, 4, 8, 16, 16, 16, 16};
  return kCoefficient[(config >> 2) & 7u];
}

// Resolution of temperature and pressure (3.4.2, 3.4.3): 20 bits with the filter on, else
// 16 + (osrs - 1) bits, osrs being the register code (1 = x1 ... 5 and above = x16).
unsigned resolution_bits(unsigned osrs, unsigned filter) {
  if (filter > 1) return 20;
  return 16 + std::min(osrs, 5u) - 1;
}

// The nearest value a `bits`-bit result can take: its unresolved low bits read 0.
std::int32_t to_resolution(std::int32_t raw, unsigned bits) {
  const std::int32_t step = std::int32_t{1} << (20 - bits);
  const std::int32_t q = (raw + step / 2) / step * step;
  return std::min(q, kRawMax20 & ~(step - 1));
}

// The x in [lo, hi] whose f(x) is nearest to `target`, for an f that does not decrease.
template <class F>
std::int32_t nearest_raw(std::int32_t lo, std::int32_t hi, double target, F f) {
  const std::int32_t first = lo;
  while (lo < hi) {  // smallest x with f(x) >= target (hi if there is none)
    std::int32_t mid = lo + (hi - lo) / 2;
    if (static_cast<double>(f(mid)) >= target)
      hi = mid;
    else
      lo = mid + 1;
  }
  if (lo > first && target - static_cast<double>(f(lo - 1)) < static_cast<double>(f(lo)) - target) return lo - 1;
  return lo;
}

}  // namespace

// ---- Timing, tables -------------------------------------------------------------------------------

unsigned Bme280::oversampling(unsigned osrs) {
  static constexpr unsigned kFactor[8] = {0, 1, 2, 4, 8, 16, 16, 16};
  return kFactor[osrs & 7u];
}

std::uint32_t Bme280::standby_us(unsigned t_sb) {
  // Table 27: 0.5, 62.5, 125, 250, 500, 1000, 10, 20 ms.
  static constexpr std::uint32_t kStandby[8] = {500, 62'500, 125'000, 250'000, 500'000, 1'000'000, 10'000, 20'000};
  return kStandby[t_sb & 7u];
}

Cycles Bme280::Timing::measurement(unsigned osrs_t, unsigned osrs_p, unsigned osrs_h) const {
  std::uint64_t us = base_us;
  if (osrs_t != 0) us += std::uint64_t{per_sample_us} * oversampling(osrs_t);
  if (osrs_p != 0) us += std::uint64_t{per_sample_us} * oversampling(osrs_p) + extra_us;
  if (osrs_h != 0) us += std::uint64_t{per_sample_us} * oversampling(osrs_h) + extra_us;
  return cycles(us);
}

// ---- Compensation (4.2.3) -----------------------------------------------------------------------
// The datasheet's formulas in 32/64-bit integers; here every step is 64-bit, which gives the same
// results wherever the datasheet's 32-bit steps do not overflow (everywhere in the operating
// range) and keeps the inversion's search over the whole raw range free of overflow.

std::int32_t Bme280::t_fine(const Trimming& c, std::int32_t adc_T) {
  const std::int64_t adc = adc_T, t1 = c.dig_T1;
  const std::int64_t var1 = (((adc >> 3) - (t1 << 1)) * c.dig_T2) >> 11;
  const std::int64_t d = (adc >> 4) - t1;
  const std::int64_t var2 = (((d * d) >> 12) * c.dig_T3) >> 14;
  return static_cast<std::int32_t>(var1 + var2);
}

std::int32_t Bme280::temperature_centi(std::int32_t t_fine) { return (t_fine * 5 + 128) >> 8; }

std::uint32_t Bme280::pressure_q24_8(const Trimming& c, std::int32_t adc_P, std::int32_t t_fine) {
  return static_cast<std::uint32_t>(pressure_signed(c, adc_P, t_fine));
}

// As the datasheet's, before the final cast to unsigned: raw values far above any real pressure's
// give negative results there, which the cast would turn into huge ones. Signed, the result falls
// as adc_P rises over the whole 20-bit range, which the inversion relies on.
std::int64_t Bme280::pressure_signed(const Trimming& c, std::int32_t adc_P, std::int32_t t_fine) {
  std::int64_t var1 = std::int64_t{t_fine} - 128000;
  std::int64_t var2 = var1 * var1 * c.dig_P6;
  var2 += (var1 * c.dig_P5) << 17;
  var2 += std::int64_t{c.dig_P4} << 35;
  var1 = ((var1 * var1 * c.dig_P3) >> 8) + ((var1 * c.dig_P2) << 12);
  var1 = (((std::int64_t{1} << 47) + var1) * c.dig_P1) >> 33;
  if (var1 == 0) return 0;  // the datasheet's guard against dividing by zero
  std::int64_t p = 1048576 - std::int64_t{adc_P};
  p = (((p << 31) - var2) * 3125) / var1;
  var1 = (std::int64_t{c.dig_P9} * (p >> 13) * (p >> 13)) >> 25;
  var2 = (std::int64_t{c.dig_P8} * p) >> 19;
  return ((p + var1 + var2) >> 8) + (std::int64_t{c.dig_P7} << 4);
}

std::uint32_t Bme280::humidity_q22_10(const Trimming& c, std::int32_t adc_H, std::int32_t t_fine) {
  std::int64_t v = std::int64_t{t_fine} - 76800;
  const std::int64_t x =
      ((std::int64_t{adc_H} << 14) - (std::int64_t{c.dig_H4} << 20) - (std::int64_t{c.dig_H5} * v) + 16384) >> 15;
  const std::int64_t y =
      (((((v * c.dig_H6) >> 10) * (((v * c.dig_H3) >> 11) + 32768)) >> 10) + 2097152) * c.dig_H2 + 8192;
  v = x * (y >> 14);
  v -= ((((v >> 15) * (v >> 15)) >> 7) * c.dig_H1) >> 4;
  v = std::clamp<std::int64_t>(v, 0, 419430400);  // 0..100 %RH in Q22.10, << 12
  return static_cast<std::uint32_t>(v >> 12);
}

// ---- Construction, reset ------------------------------------------------------------------------

Bme280::Bme280(std::string name, Scheduler& scheduler, Timing timing, std::uint8_t address)
    : name_(std::move(name)),
      scheduler_(scheduler),
      timing_(timing),
      address_(address),
      conversion_event_(scheduler, name_ + ".conversion", [this](Cycles) { end_conversion(); }) {
  if (address != kAddressSdoLow && address != kAddressSdoHigh)
    throw std::invalid_argument(fmt::format(
        "BME280 {}: address 0x{:02X}: the SDO pin selects 0x76 (low) or 0x77 (high)", name_, address));
  if (timing.cpu_hz == 0) throw std::invalid_argument(fmt::format("BME280 {}: timing without a clock", name_));

  // 4.2.2, Table 16: the trimming parameters little-endian, dig_H4/dig_H5 sharing 0xE5.
  const Trimming& t = kTrimming;
  auto put16 = [](std::uint8_t* at, int v) {
    at[0] = static_cast<std::uint8_t>(v & 0xFF);
    at[1] = static_cast<std::uint8_t>((v >> 8) & 0xFF);
  };
  const int low16[12] = {t.dig_T1, t.dig_T2, t.dig_T3, t.dig_P1, t.dig_P2, t.dig_P3,
                         t.dig_P4, t.dig_P5, t.dig_P6, t.dig_P7, t.dig_P8, t.dig_P9};
  for (int i = 0; i < 12; ++i) put16(&calib_low_[2 * i], low16[i]);  // 0x88..0x9F
  calib_low_[0xA1 - Reg::calib00] = t.dig_H1;                           // 0xA0 (calib24) stays 0
  put16(&calib_high_[0], t.dig_H2);                                     // 0xE1, 0xE2
  calib_high_[2] = t.dig_H3;                                            // 0xE3
  calib_high_[3] = static_cast<std::uint8_t>((t.dig_H4 >> 4) & 0xFF);   // 0xE4: dig_H4[11:4]
  calib_high_[4] = static_cast<std::uint8_t>((t.dig_H4 & 0x0F) | ((t.dig_H5 & 0x0F) << 4));  // 0xE5
  calib_high_[5] = static_cast<std::uint8_t>((t.dig_H5 >> 4) & 0xFF);   // 0xE6: dig_H5[11:4]
  calib_high_[6] = static_cast<std::uint8_t>(t.dig_H6);                 // 0xE7
  power_on_reset();
}

Bme280::~Bme280() = default;

void Bme280::power_on_reset() {
  conversion_event_.cancel();
  forced_request_ = false;
  ctrl_hum_ = ctrl_meas_ = config_ = 0;
  osrs_h_effective_ = 0;
  conv_osrs_t_ = conv_osrs_p_ = conv_osrs_h_ = 0;
  data_ = {0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00};  // 5.3 reset values
  filter_t_ = filter_p_ = Filter{};
}

// ---- The register map (5.3) ---------------------------------------------------------------------

const Bme280::RegisterSpec* Bme280::spec_at(std::uint8_t reg) {
  static constexpr RegisterSpec kMap[] = {
      {0x88, 0xA1, "calib00", Kind::calibration, 0x00},
      {0xD0, 0xD0, "id", Kind::id, 0x00},
      {0xE0, 0xE0, "reset", Kind::reset, 0xFF},
      {0xE1, 0xF0, "calib26", Kind::calibration, 0x00},
      {0xF2, 0xF2, "ctrl_hum", Kind::ctrl_hum, 0x07},
      {0xF3, 0xF3, "status", Kind::status, 0x00},
      {0xF4, 0xF4, "ctrl_meas", Kind::ctrl_meas, 0xFF},
      {0xF5, 0xF5, "config", Kind::config, 0xFD},  // bit 1 is reserved
      {0xF7, 0xF7, "press_msb", Kind::data, 0x00},
      {0xF8, 0xF8, "press_lsb", Kind::data, 0x00},
      {0xF9, 0xF9, "press_xlsb", Kind::data, 0x00},
      {0xFA, 0xFA, "temp_msb", Kind::data, 0x00},
      {0xFB, 0xFB, "temp_lsb", Kind::data, 0x00},
      {0xFC, 0xFC, "temp_xlsb", Kind::data, 0x00},
      {0xFD, 0xFD, "hum_msb", Kind::data, 0x00},
      {0xFE, 0xFE, "hum_lsb", Kind::data, 0x00},
  };
  for (const RegisterSpec& s : kMap)
    if (reg >= s.first && reg <= s.last) return &s;
  return nullptr;
}

std::uint8_t Bme280::status_now() const {
  std::uint8_t s = 0;
  if (measuring()) s |= kStatusMeasuring;
  if (scheduler_.now() < im_update_until_) s |= kStatusImUpdate;
  return s;
}

bool Bme280::measuring() const {
  return conversion_event_.armed() && scheduler_.now() >= conversion_start_;
}

std::uint8_t Bme280::read_register(std::uint8_t reg, bool guest) const {
  const RegisterSpec* s = spec_at(reg);
  if (s == nullptr) {
    if (guest)
      BE_LOG(guest_error, "BME280 {}: read of reserved address 0x{:02X}: reads 0x00 (not in the memory map, "
             "BST-BME280-DS002 5.3)", name_, reg);
    return 0x00;
  }
  switch (s->kind) {
    case Kind::calibration:
      if (reg <= Reg::calib25) return calib_low_[reg - Reg::calib00];
      return calib_high_[reg - Reg::calib26];
    case Kind::id:
      return kChipId;
    case Kind::reset:
      return 0x00;  // 5.4.2: "The readout value is always 0x00"
    case Kind::ctrl_hum:
      return ctrl_hum_;
    case Kind::status:
      return status_now();
    case Kind::ctrl_meas:
      return ctrl_meas_;
    case Kind::config:
      return config_;
    case Kind::data:
      return (guest && shadow_valid_ ? shadow_ : data_)[reg - Reg::press_msb];
  }
  return 0x00;
}

std::uint8_t Bme280::peek(std::uint8_t reg) const { return read_register(reg, false); }

void Bme280::write_register(std::uint8_t reg, std::uint8_t value) {
  const RegisterSpec* s = spec_at(reg);
  if (s == nullptr) {
    BE_LOG(guest_error, "BME280 {}: write 0x{:02X} to reserved address 0x{:02X} ignored (not in the memory map, "
           "BST-BME280-DS002 5.3)", name_, value, reg);
    return;
  }
  if (s->writable == 0) {
    // A calibration byte is named by its own index: calib00..calib25, calib26..calib41.
    const std::string reg_name = s->kind != Kind::calibration ? std::string(s->name)
                                 : reg <= Reg::calib25     ? fmt::format("calib{:02}", reg - Reg::calib00)
                                                           : fmt::format("calib{:02}", 26 + reg - Reg::calib26);
    BE_LOG(guest_error, "BME280 {}: write 0x{:02X} to read-only register {} (0x{:02X}) ignored (BST-BME280-DS002 5.3)",
           name_, value, reg_name, reg);
    return;
  }
  value &= s->writable;
  switch (s->kind) {
    case Kind::reset:
      // 5.4.2: 0xB6 runs the power-on-reset procedure; other values have no effect.
      if (value == kResetCommand) {
        power_on_reset();
        im_update_until_ = scheduler_.now() + timing_.cycles(timing_.startup_us);
      }
      return;
    case Kind::ctrl_hum:
      ctrl_hum_ = value;  // takes effect at the next ctrl_meas write (5.4.3)
      return;
    case Kind::ctrl_meas:
      ctrl_meas_ = value;
      on_ctrl_meas_written();
      return;
    case Kind::config:
      if (mode() == 3)
        BE_LOG(guest_error, "BME280 {}: config written in normal mode (0x{:02X}): the datasheet says such writes "
               "may be ignored (BST-BME280-DS002 5.4.6); applied", name_, value);
      if (((value ^ config_) & 0x1C) != 0) filter_t_ = filter_p_ = Filter{};
      config_ = value;
      return;
    default:
      return;  // not reached: the other kinds are read-only
  }
}

// ---- Modes and measurements (3.3) ---------------------------------------------------------------

void Bme280::on_ctrl_meas_written() {
  osrs_h_effective_ = ctrl_hum_ & 0x07u;  // 5.4.3
  const Cycles now = scheduler_.now();
  const bool scheduled = conversion_event_.armed();
  const bool in_progress = scheduled && now >= conversion_start_;
  switch (mode()) {
    case 0:  // sleep: a measurement in progress completes; nothing follows it
      forced_request_ = false;
      if (scheduled && !in_progress) conversion_event_.cancel();
      return;
    case 3:  // normal
      forced_request_ = false;
      if (!scheduled)
        start_conversion(now);
      else if (!in_progress)
        start_conversion(conversion_start_);  // in standby: the next one takes the new oversampling
      return;
    default:  // 01, 10: forced
      if (in_progress) {
        forced_request_ = true;
      } else {
        conversion_event_.cancel();  // a normal-mode standby, if any
        start_conversion(now);
      }
      return;
  }
}

void Bme280::start_conversion(Cycles at) {
  conv_osrs_t_ = (ctrl_meas_ >> 5) & 0x07u;
  conv_osrs_p_ = (ctrl_meas_ >> 2) & 0x07u;
  conv_osrs_h_ = osrs_h_effective_;
  conversion_start_ = at;
  conversion_event_.cancel();
  conversion_end_ = at + timing_.measurement(conv_osrs_t_, conv_osrs_p_, conv_osrs_h_);
  conversion_event_.arm_at(conversion_end_);
}

void Bme280::end_conversion() {
  store_results();
  ++conversions_;
  const Cycles end = conversion_end_;
  if (forced_request_) {
    forced_request_ = false;
    start_conversion(end);
  } else if (mode() == 3) {
    // 3.3.4: standby, then the next measurement; timed from the due time so the period holds.
    start_conversion(end + timing_.cycles(standby_us(config_ >> 5)));
  } else {
    ctrl_meas_ &= 0xFCu;  // 3.3.3: forced mode returns to sleep
  }
}

// A CPU slice may overshoot an event's time: a measurement whose end has passed is over, fired or
// not (and in normal mode, so may be the ones after it).
void Bme280::catch_up() {
  while (conversion_event_.armed() && scheduler_.now() >= conversion_end_) {
    conversion_event_.cancel();
    end_conversion();
  }
}

void Bme280::store_results() {
  const Trimming& c = kTrimming;
  const unsigned coefficient = filter_coefficient(config_);
  // The sensor's own temperature, at full resolution, fixes t_fine for the other two.
  const std::int32_t adc_t =
      nearest_raw(0, kRawMax20, celsius_ * 5120.0, [&](std::int32_t x) { return t_fine(c, x); });
  const std::int32_t fine = t_fine(c, adc_t);

  // 3.4.4: data_filtered = (data_filtered_old * (c - 1) + data_ADC) / c.
  auto filtered = [coefficient](Filter& f, std::int32_t sample) {
    if (coefficient == 1) return sample;
    const std::int64_t in = std::int64_t{sample} << kFilterFraction;
    f.value = f.primed ? (f.value * (coefficient - 1) + in) / coefficient : in;
    f.primed = true;
    const std::int64_t out = (f.value + (std::int64_t{1} << (kFilterFraction - 1))) >> kFilterFraction;
    return static_cast<std::int32_t>(std::min<std::int64_t>(out, kRawMax20));
  };

  std::int32_t temp = kSkipped20, press = kSkipped20, hum = kSkipped16;
  if (conv_osrs_t_ != 0) temp = filtered(filter_t_, to_resolution(adc_t, resolution_bits(conv_osrs_t_, coefficient)));
  if (conv_osrs_p_ != 0) {
    // Pressure falls as the raw value rises: it rises with the mirrored raw value.
    const std::int32_t mirrored = nearest_raw(0, kRawMax20, pascal_ * 256.0, [&](std::int32_t x) {
      return pressure_signed(c, kRawMax20 - x, fine);
    });
    press = filtered(filter_p_, to_resolution(kRawMax20 - mirrored, resolution_bits(conv_osrs_p_, coefficient)));
  }
  if (conv_osrs_h_ != 0)
    hum = nearest_raw(0, kRawMax16, percent_rh_ * 1024.0, [&](std::int32_t x) { return humidity_q22_10(c, x, fine); });

  // 5.4.7-5.4.9: 20-bit values as msb, lsb, xlsb[7:4]; humidity as msb, lsb.
  auto put20 = [this](unsigned at, std::int32_t v) {
    data_[at] = static_cast<std::uint8_t>(v >> 12);
    data_[at + 1] = static_cast<std::uint8_t>(v >> 4);
    data_[at + 2] = static_cast<std::uint8_t>((v & 0x0F) << 4);
  };
  put20(0, press);
  put20(3, temp);
  data_[6] = static_cast<std::uint8_t>(hum >> 8);
  data_[7] = static_cast<std::uint8_t>(hum);
}

// ---- Host side ----------------------------------------------------------------------------------

void Bme280::set_temperature(double celsius) {
  if (!(celsius >= kMinCelsius && celsius <= kMaxCelsius))
    throw std::invalid_argument(
        fmt::format("{} °C is outside the BME280's operating temperature range, -40..85 °C", celsius));
  celsius_ = celsius;
}

void Bme280::set_pressure(double pascal) {
  if (!(pascal >= kMinPascal && pascal <= kMaxPascal))
    throw std::invalid_argument(fmt::format(
        "{} Pa is outside the BME280's operating pressure range, 30000..110000 Pa (300..1100 hPa)", pascal));
  pascal_ = pascal;
}

void Bme280::set_humidity(double percent_rh) {
  if (!(percent_rh >= kMinPercent && percent_rh <= kMaxPercent))
    throw std::invalid_argument(
        fmt::format("{} %RH is outside the BME280's operating humidity range, 0..100 %RH", percent_rh));
  percent_rh_ = percent_rh;
}

// ---- I2C (6.2) ----------------------------------------------------------------------------------

I2cAck Bme280::start(I2cDirection direction) {
  catch_up();
  if (direction == I2cDirection::read) {
    shadow_ = data_;  // 4: the data of one measurement for the whole burst
    shadow_valid_ = true;
  } else {
    next_is_address_ = true;
  }
  return I2cAck::ack;
}

I2cAck Bme280::write(std::uint8_t byte) {
  catch_up();
  // 6.2.1: register address, data, register address, data, ...
  if (next_is_address_) {
    pointer_ = byte;
  } else {
    write_register(pointer_, byte);
  }
  next_is_address_ = !next_is_address_;
  return I2cAck::ack;
}

std::uint8_t Bme280::read() {
  catch_up();
  const std::uint8_t byte = read_register(pointer_, true);
  pointer_ = static_cast<std::uint8_t>(pointer_ + 1);  // 6.2.2: auto-increment
  return byte;
}

void Bme280::stop() {
  shadow_valid_ = false;
  next_is_address_ = true;
}

void Bme280::repeated_start() { stop(); }

// ---- The part -----------------------------------------------------------------------------------

Bme280Part::Bme280Part(const std::string& id, const PartContext& ctx, std::uint8_t address)
    : Part(id),
      bus_(id, ctx.scheduler),
      sensor_(id, *ctx.scheduler, Bme280::Timing::typical(ctx.cpu_hz), address),
      engine_(id, bus_, ctx.scheduler) {
  sensor_.attach_to(bus_);
}

void Bme280Part::set_control(const std::string& control, double value) {
  try {
    if (control == "temperature") return sensor_.set_temperature(value);
    if (control == "pressure") return sensor_.set_pressure(value);
    if (control == "humidity") return sensor_.set_humidity(value);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(id() + ": " + control + ": " + e.what());
  }
  unknown("control", control, controls());
}

double Bme280Part::reading(const std::string& name) const {
  if (name == "temperature") return sensor_.temperature();
  if (name == "pressure") return sensor_.pressure();
  if (name == "humidity") return sensor_.humidity();
  unknown("reading", name, readings());
}

void Bme280::state(StateArchive& ar) {
  ar.field("celsius", celsius_);
  ar.field("pascal", pascal_);
  ar.field("percent_rh", percent_rh_);
  ar.field("calib_low", calib_low_);
  ar.field("calib_high", calib_high_);
  ar.field("ctrl_hum", ctrl_hum_);
  ar.field("ctrl_meas", ctrl_meas_);
  ar.field("config", config_);
  ar.field("osrs_h_effective", osrs_h_effective_);
  ar.field("data", data_);
  ar.field("shadow", shadow_);
  ar.field("shadow_valid", shadow_valid_);
  for (Filter* f : {&filter_t_, &filter_p_}) {
    ar.field("filter_primed", f->primed);
    ar.field("filter_value", f->value);
  }
  ar.field("pointer", pointer_);
  ar.field("next_is_address", next_is_address_);
  ar.field("conv_osrs_t", conv_osrs_t_);
  ar.field("conv_osrs_p", conv_osrs_p_);
  ar.field("conv_osrs_h", conv_osrs_h_);
  ar.field("conversion_start", conversion_start_);
  ar.field("conversion_end", conversion_end_);
  ar.field("forced_request", forced_request_);
  ar.field("im_update_until", im_update_until_);
  ar.field("conversions", conversions_);
}

void Bme280Part::state(StateArchive& ar) {
  bus_.state(ar);
  sensor_.state(ar);
  engine_.state(ar);
}

}  // namespace boardemu
