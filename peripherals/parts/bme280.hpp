// Bosch BME280: combined humidity, pressure and temperature sensor, as an I2C target.
//
// Source: Bosch Sensortec "BME280 Combined humidity and pressure sensor", BST-BME280-DS002,
// sections:
//  - 1, Table 1: start-up time t_startup, 2 ms maximum (also what a soft reset takes).
//  - 3.3 Sensor modes (3.3.2 sleep: no measurements, all registers accessible, the mode after
//    power-on reset; 3.3.3 forced: one measurement, then back to sleep, the mode bits reading
//    00 again; 3.3.4 normal: measurement and standby periods alternate for ever, the standby
//    time t_standby being config.t_sb).
//  - 3.4 Measurement flow: temperature, pressure and humidity each measured with an oversampling
//    of x1..x16, or skipped (osrs 000: the output is set to 0x80000, humidity 0x8000).
//    3.4.2/3.4.3 (and the osrs_t/osrs_p register tables): with the IIR filter off the resolution
//    of temperature and pressure is 16 + (osrs - 1) bits, i.e. 16 bits at x1 ... 20 bits at x16;
//    with the filter on it is 20 bits. Humidity is always 16 bits.
//  - 3.4.4 IIR filter on temperature and pressure (not humidity):
//    data_filtered = (data_filtered_old * (c - 1) + data_ADC) / c, c = 2, 4, 8, 16 (filter 001,
//    010, 011, 100 and above), off at 000.
//  - 4 Data readout: results are "shadowed": a burst read of 0xF7..0xFE sees the data of one
//    measurement even if the next one ends during the read.
//  - 4.2.2 Trimming parameter readout (Table 16): dig_T1..dig_P9 little-endian at 0x88..0x9F,
//    dig_H1 at 0xA1, dig_H2 at 0xE1/0xE2, dig_H3 at 0xE3, dig_H4 = 0xE4[7:0] 0xE5[3:0],
//    dig_H5 = 0xE6[7:0] 0xE5[7:4] (12-bit signed values), dig_H6 at 0xE7.
//  - 4.2.3 Compensation formulas in integer arithmetic (BME280_compensate_T_int32,
//    BME280_compensate_P_int64, bme280_compensate_H_int32); 8.1 the same in double precision.
//  - 5.3 Memory map and 5.4 register descriptions: id 0xD0 = 0x60; reset 0xE0 (0xB6 starts
//    the power-on-reset procedure, other values do nothing, reads 0x00); ctrl_hum 0xF2
//    (osrs_h[2:0], "only effective after a write operation to ctrl_meas"); status 0xF3
//    (measuring[3], im_update[0]); ctrl_meas 0xF4 (osrs_t[7:5], osrs_p[4:2], mode[1:0]: 00
//    sleep, 01/10 forced, 11 normal); config 0xF5 (t_sb[7:5], filter[4:2], spi3w_en[0]; "writes
//    to the config register in normal mode may be ignored"); press 0xF7..0xF9, temp 0xFA..0xFC
//    (20 bits: msb, lsb, xlsb[7:4]), hum 0xFD..0xFE; reset values 0x80 00 00 80 00 00 80 00.
//    t_sb (Table 27): 0.5, 62.5, 125, 250, 500, 1000, 10, 20 ms.
//  - 6.2 I2C interface: 7-bit address 111011x, x = the SDO pin (0x76 or 0x77). 6.2.1 write:
//    the controller sends pairs of register address and register data (Figure 9, "not
//    auto-incremented"). 6.2.2 read: the register address in a write message, then STOP or
//    repeated START, then a read message whose data come from auto-incremented addresses.
//  - 9.1 / Appendix B Measurement time: t_measure = 1 + [2 osr_t] + [2 osr_p + 0.5]
//    + [2 osr_h + 0.5] ms typical, 1.25 + [2.3 osr_t] + [2.3 osr_p + 0.575] + [2.3 osr_h + 0.575]
//    ms maximum, each bracket present only when that measurement is enabled.
//
// Model and decisions:
//  - SDO is board strapping: the address is a construction parameter. CSB is not modelled (I2C
//    only); spi3w_en is stored and has no effect on I2C.
//  - Writes follow 6.2.1 exactly: in one write message the bytes alternate register address,
//    data, address, data... A message of one byte only sets the register pointer (the first half
//    of a read). The pointer is left at the last address byte received (a data write does not
//    advance it). Reads start at the pointer and advance it by one per byte; the pointer is 8
//    bits and wraps from 0xFF to 0x00 (the datasheet does not say).
//  - A write takes effect when its data byte arrives, so "ctrl_hum then ctrl_meas" in one
//    message applies osrs_h as the datasheet intends.
//  - Measurements: one owned scheduler event (`conversion_event_`, due at conversion_end())
//    ends a measurement. Its duration follows Timing (typical or maximum from Appendix B) with
//    the oversampling latched when it starts. status.measuring is 1 from the start of a
//    measurement until its event fires; the data registers change only then, with values
//    computed from what the host set at that moment (the model does not integrate over the
//    measurement window). In normal mode the next measurement starts t_standby after the end
//    of the previous one, timed from the due time so the period does not drift; ctrl_meas
//    written during standby re-latches the oversampling for the measurement to come.
//  - A measurement in progress always completes with its own settings. Writing sleep during it
//    stops what would follow; writing forced during it asks for one more measurement after it
//    (a forced request is never lost); in normal mode, standby then begins as usual.
//  - config written in normal mode is applied, and logged under guest_error (the datasheet says
//    such writes may be ignored: a driver must not rely on them). filter and t_sb are read when
//    a measurement ends. Changing filter, and a reset, clear the filter memory; the first value
//    into an empty filter passes through unchanged (the datasheet does not say what the memory
//    holds after power-on). The filter memory keeps 12 fraction bits beyond the 20-bit value, so
//    a constant input is reached exactly (with truncation alone it would stop one LSB short).
//  - Raw values: the model inverts the integer compensation of 4.2.3 by a binary search over
//    the raw value (each formula is monotonic over the ranges the setters accept) so that the
//    compensated output is the nearest one to the set value. The temperature's t_fine is found
//    first; pressure and humidity are inverted at that t_fine (the sensor's own temperature,
//    even when temperature is skipped). The value is then cut to the resolution: the nearest
//    multiple of 2^(20 - bits), its unresolved low bits reading 0. No noise. With the filter on,
//    the filter is fed the 20-bit value whatever the oversampling (on a real part it is the
//    averaging of noisy samples that yields 20 bits; without noise there is nothing to average).
//  - Reset (0xB6 to 0xE0, as power-on): registers to their reset values, the filter emptied,
//    sleep mode, any measurement cancelled; status.im_update reads 1 for Timing::startup while
//    the trimming data are "copied to the image registers". The part answers on I2C during that
//    time (the datasheet does not say otherwise). The NVM copy before each measurement is not
//    modelled (im_update stays 0 then).
//  - Guest errors, logged under guest_error and never thrown: a write to a read-only register
//    (id, status, calibration, data) is ignored; a read or write at a reserved address (not in
//    the 5.3 memory map) reads 0x00 / is ignored. calib33..calib41 (0xE8..0xF0) and calib24
//    (0xA0) are in the memory map but not used by any formula: they read 0x00.
//  - Trimming (4.2.2) is fixed, one chosen set (kTrimming below): dig_T1..dig_P9 are the
//    values of Bosch's worked example in the BMP280 datasheet (BST-BMP280-DS001, 3.12), which
//    are those of a real part and include negative values (dig_T3, dig_P2, dig_P6, dig_P8);
//    dig_H1..dig_H6 are typical of real BME280 parts, with dig_H3 made non-zero (many parts
//    read 0) so that its term counts.
//  - Host access: setters for the environment (throwing std::invalid_argument outside the
//    sensor's operating range: -40..85 °C, 300..1100 hPa, 0..100 %RH), peek() of any register
//    with no side effect (no pointer move, no snapshot, no catching up on time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/i2c.hpp"
#include "core/event.hpp"
#include "core/scheduler.hpp"
#include "parts/part.hpp"

namespace boardemu {

class Bme280 final : public I2cTarget {
 public:
  static constexpr std::uint8_t kAddressSdoLow = 0x76;   // 6.2
  static constexpr std::uint8_t kAddressSdoHigh = 0x77;
  static constexpr std::uint8_t kChipId = 0x60;           // 5.4.1
  static constexpr std::uint8_t kResetCommand = 0xB6;     // 5.4.2

  // Register addresses (5.3), named as in the datasheet.
  struct Reg {
    static constexpr std::uint8_t calib00 = 0x88;  // ..calib25 at 0xA1
    static constexpr std::uint8_t calib25 = 0xA1;
    static constexpr std::uint8_t id = 0xD0;
    static constexpr std::uint8_t reset = 0xE0;
    static constexpr std::uint8_t calib26 = 0xE1;  // ..calib41 at 0xF0
    static constexpr std::uint8_t calib41 = 0xF0;
    static constexpr std::uint8_t ctrl_hum = 0xF2;
    static constexpr std::uint8_t status = 0xF3;
    static constexpr std::uint8_t ctrl_meas = 0xF4;
    static constexpr std::uint8_t config = 0xF5;
    static constexpr std::uint8_t press_msb = 0xF7;
    static constexpr std::uint8_t press_lsb = 0xF8;
    static constexpr std::uint8_t press_xlsb = 0xF9;
    static constexpr std::uint8_t temp_msb = 0xFA;
    static constexpr std::uint8_t temp_lsb = 0xFB;
    static constexpr std::uint8_t temp_xlsb = 0xFC;
    static constexpr std::uint8_t hum_msb = 0xFD;
    static constexpr std::uint8_t hum_lsb = 0xFE;
  };
  // status bits (5.4.4).
  static constexpr std::uint8_t kStatusMeasuring = 1u << 3;
  static constexpr std::uint8_t kStatusImUpdate = 1u << 0;
  // What a skipped measurement reads (3.4, osrs tables).
  static constexpr std::int32_t kSkipped20 = 0x80000;
  static constexpr std::int32_t kSkipped16 = 0x8000;

  // The trimming parameters (4.2.2, Table 16), with their datasheet types.
  struct Trimming {
    std::uint16_t dig_T1;
    std::int16_t dig_T2, dig_T3;
    std::uint16_t dig_P1;
    std::int16_t dig_P2, dig_P3, dig_P4, dig_P5, dig_P6, dig_P7, dig_P8, dig_P9;
    std::uint8_t dig_H1;
    std::int16_t dig_H2;
    std::uint8_t dig_H3;
    std::int16_t dig_H4, dig_H5;  // 12-bit signed
    std::int8_t dig_H6;
  };
  // The set this model carries (a choice: see "Model and decisions").
  static constexpr Trimming kTrimming{
      27504, 26435, -1000,                                         // T1..T3
      36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000,     // P1..P9
      75,    362,    12,   313,  50,  30,                           // H1..H6
  };

  struct Timing {
    std::uint64_t cpu_hz = 0;
    // Appendix B, in microseconds: t_measure = base + per_sample * (osr_t + osr_p + osr_h)
    // + extra for pressure and again for humidity when enabled.
    std::uint32_t base_us = 0;
    std::uint32_t per_sample_us = 0;
    std::uint32_t extra_us = 0;
    std::uint32_t startup_us = 0;  // Table 1: t_startup (after a soft reset)
    static Timing typical(std::uint64_t cpu_hz) { return {cpu_hz, 1000, 2000, 500, 2000}; }
    static Timing maximum(std::uint64_t cpu_hz) { return {cpu_hz, 1250, 2300, 575, 2000}; }
    // `us` microseconds in CPU cycles, rounded up.
    Cycles cycles(std::uint64_t us) const { return (us * cpu_hz + 999'999) / 1'000'000; }
    // The measurement time for the osrs register codes (0 = skipped, 1..5 = x1..x16, 6/7 = x16).
    Cycles measurement(unsigned osrs_t, unsigned osrs_p, unsigned osrs_h) const;
  };
  // The standby time t_sb (Table 27) in microseconds, for the 3-bit code.
  static std::uint32_t standby_us(unsigned t_sb);
  // The oversampling factor of an osrs code: 0 (skipped), 1, 2, 4, 8, 16.
  static unsigned oversampling(unsigned osrs);

  // ---- compensation, 4.2.3 (integer arithmetic, as a driver computes it) ----
  // t_fine from the raw temperature.
  static std::int32_t t_fine(const Trimming& t, std::int32_t adc_T);
  // Temperature in 0.01 °C.
  static std::int32_t temperature_centi(std::int32_t t_fine);
  // Pressure in Pa, Q24.8 (value / 256).
  static std::uint32_t pressure_q24_8(const Trimming& t, std::int32_t adc_P, std::int32_t t_fine);
  // Relative humidity in %, Q22.10 (value / 1024).
  static std::uint32_t humidity_q22_10(const Trimming& t, std::int32_t adc_H, std::int32_t t_fine);

  // The operating range (1, Table 1), what the setters accept.
  static constexpr double kMinCelsius = -40.0, kMaxCelsius = 85.0;
  static constexpr double kMinPascal = 30000.0, kMaxPascal = 110000.0;
  static constexpr double kMinPercent = 0.0, kMaxPercent = 100.0;

  // `address`: 0x76 (SDO low) or 0x77 (SDO high); anything else throws std::invalid_argument,
  // as does a timing without a clock (cpu_hz 0).
  Bme280(std::string name, Scheduler& scheduler, Timing timing, std::uint8_t address = kAddressSdoLow);
  ~Bme280() override;
  Bme280(const Bme280&) = delete;
  Bme280& operator=(const Bme280&) = delete;

  const std::string& name() const { return name_; }
  std::uint8_t address() const { return address_; }
  void attach_to(I2cBus& bus) { bus.attach(address_, *this, name_); }
  const Timing& timing() const { return timing_; }

  // ---- host side: the environment ----
  // Each throws std::invalid_argument, naming the range, for a value outside the operating range
  // (or NaN); the value then stays as it was.
  void set_temperature(double celsius);
  void set_pressure(double pascal);
  void set_humidity(double percent_rh);
  double temperature() const { return celsius_; }
  double pressure() const { return pascal_; }
  double humidity() const { return percent_rh_; }

  // ---- host side: observing, without side effects ----
  // The register as the guest would read it now (status from the current state; a reserved
  // address reads 0x00), without moving the pointer or logging.
  std::uint8_t peek(std::uint8_t reg) const;
  std::uint8_t register_pointer() const { return pointer_; }
  // A measurement is in progress (started, and its event not yet fired).
  bool measuring() const;
  // Pending: a measurement in progress, or (normal mode) in standby before the next one.
  bool measurement_scheduled() const { return conversion_event_.armed(); }
  Cycles conversion_start() const { return conversion_start_; }
  Cycles conversion_end() const { return conversion_end_; }
  // Measurements completed since construction (a host counter; reset does not clear it).
  std::uint64_t conversions() const { return conversions_; }

  // ---- I2cTarget ----
  I2cAck start(I2cDirection direction) override;
  I2cAck write(std::uint8_t byte) override;
  std::uint8_t read() override;
  void stop() override;
  void repeated_start() override;

  // Save state (core/state.hpp): the environment it measures, registers, filters, conversion.
  void state(StateArchive& ar);

 private:
  // One entry per register or block of the memory map (5.3).
  enum class Kind : std::uint8_t { calibration, id, reset, ctrl_hum, status, ctrl_meas, config, data };
  struct RegisterSpec {
    std::uint8_t first, last;
    const char* name;  // as in 5.3; a block is named by its first register
    Kind kind;
    std::uint8_t writable;  // bits a guest write stores (0: read-only)
  };
  static const RegisterSpec* spec_at(std::uint8_t reg);
  static std::int64_t pressure_signed(const Trimming& t, std::int32_t adc_P, std::int32_t t_fine);

  // The IIR filter memory of one channel, in 20.12 fixed point.
  struct Filter {
    bool primed = false;
    std::int64_t value = 0;
  };

  void power_on_reset();
  void write_register(std::uint8_t reg, std::uint8_t value);
  // `guest`: a read by the guest (reads the shadow of a read message, logs reserved addresses);
  // otherwise a host peek.
  std::uint8_t read_register(std::uint8_t reg, bool guest) const;
  void on_ctrl_meas_written();
  void start_conversion(Cycles at);
  void schedule_conversion_end();
  void end_conversion();
  void catch_up();
  void store_results();
  std::uint8_t status_now() const;
  unsigned mode() const { return ctrl_meas_ & 0x03u; }

  std::string name_;
  Scheduler& scheduler_;
  Timing timing_;
  std::uint8_t address_;
  // The environment the host set.
  double celsius_ = 25.0;
  double pascal_ = 101325.0;
  double percent_rh_ = 50.0;
  // Calibration image, 0x88..0xA1 and 0xE1..0xF0.
  std::array<std::uint8_t, 26> calib_low_{};
  std::array<std::uint8_t, 16> calib_high_{};
  // Control registers.
  std::uint8_t ctrl_hum_ = 0;
  std::uint8_t ctrl_meas_ = 0;
  std::uint8_t config_ = 0;
  std::uint8_t osrs_h_effective_ = 0;  // ctrl_hum as of the last ctrl_meas write (5.4.3)
  // Data registers 0xF7..0xFE, and the copy a read message sees (4, shadowing).
  std::array<std::uint8_t, 8> data_{};
  std::array<std::uint8_t, 8> shadow_{};
  bool shadow_valid_ = false;  // a read message is open
  Filter filter_t_, filter_p_;
  // I2C message state.
  std::uint8_t pointer_ = 0;
  bool next_is_address_ = true;  // write message: the next byte is a register address
  // The measurement in progress or to come, and the event that ends it.
  unsigned conv_osrs_t_ = 0, conv_osrs_p_ = 0, conv_osrs_h_ = 0;
  Cycles conversion_start_ = 0;
  Cycles conversion_end_ = 0;
  Event conversion_event_;  // "<name>.conversion": the measurement in progress ends
  bool forced_request_ = false;  // forced mode was written while a measurement ran
  Cycles im_update_until_ = 0;
  std::uint64_t conversions_ = 0;
};

// The BME280 on its own SCL/SDA pins (`<id>.SCL`, `<id>.SDA`): its own bus and bit-level engine,
// like the 24LC32A part, and the typical measurement times (a driver that waits the maximum
// time and one that polls status.measuring both find their data). sensor() is how a host API
// sets the environment.
class Bme280Part : public Part {
 public:
  // Starts at 25 °C, 101325 Pa, 50 %RH. Throws std::invalid_argument for an address other than
  // 0x76/0x77.
  Bme280Part(const std::string& id, const PartContext& ctx, std::uint8_t address = Bme280::kAddressSdoLow);
  std::vector<Pin*> pins() override { return {&engine_.scl(), &engine_.sda()}; }
  std::optional<std::uint8_t> i2c_address() const override { return sensor_.address(); }
  Pin* i2c_scl() override { return &engine_.scl(); }
  Pin* i2c_sda() override { return &engine_.sda(); }
  Bme280& sensor() { return sensor_; }

  // "temperature" (°C), "pressure" (Pa), "humidity" (%RH): the environment the sensor measures.
  std::vector<std::string> controls() const override { return {"temperature", "pressure", "humidity"}; }
  void set_control(const std::string& control, double value) override;
  double reading(const std::string& name) const override;

  void state(StateArchive& ar) override;

 private:
  I2cBus bus_;
  Bme280 sensor_;
  BitBangI2c engine_;
};

}  // namespace boardemu
