// Bosch BME280 (peripherals/parts/bme280.hpp), no CPU, against BST-BME280-DS002: the I2C
// protocol (6.2: address/data pairs, auto-incremented reads, SDO address), the memory map and
// reset values (5.3, 5.4), the soft reset (5.4.2), the trimming parameter layout (4.2.2),
// sensor modes and measurement time (3.3, 9.1 / Appendix B), ctrl_hum latching (5.4.3),
// skipped measurements and resolution (3.4), the IIR filter (3.4.4), data shadowing (4), and the
// values a driver computes from the raw data. The compensation used to check the model is this
// file's own: the double-precision formulas of the datasheet's 8.1, from the trimming bytes as
// read over I2C.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/i2c.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "parts/bme280.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint64_t kCpuHz = 80'000'000;  // the ESP8266's CPU clock
constexpr Cycles kMs = kCpuHz / 1000;

// ctrl_meas and config fields (5.4.5, 5.4.6).
constexpr std::uint8_t ctrl_meas(unsigned osrs_t, unsigned osrs_p, unsigned mode) {
  return static_cast<std::uint8_t>((osrs_t << 5) | (osrs_p << 2) | mode);
}
constexpr std::uint8_t config(unsigned t_sb, unsigned filter) {
  return static_cast<std::uint8_t>((t_sb << 5) | (filter << 2));
}
constexpr unsigned kSleep = 0, kForced = 1, kNormal = 3;

// ---- The test's own compensation: datasheet 8.1, in doubles ------------------------------------

struct Calibration {
  double T1, T2, T3, P1, P2, P3, P4, P5, P6, P7, P8, P9, H1, H2, H3, H4, H5, H6;
};

// 4.2.2, Table 16, from the bytes at 0x88..0xA1 and 0xE1..0xE7.
Calibration decode(const std::vector<std::uint8_t>& lo, const std::vector<std::uint8_t>& hi) {
  auto u16 = [&](std::size_t i) { return static_cast<double>(lo[i] | (lo[i + 1] << 8)); };
  auto s16 = [&](std::size_t i) { return static_cast<double>(static_cast<std::int16_t>(lo[i] | (lo[i + 1] << 8))); };
  auto s8 = [](std::uint8_t b) { return static_cast<int>(static_cast<std::int8_t>(b)); };
  Calibration c{};
  c.T1 = u16(0);
  c.T2 = s16(2);
  c.T3 = s16(4);
  c.P1 = u16(6);
  c.P2 = s16(8);
  c.P3 = s16(10);
  c.P4 = s16(12);
  c.P5 = s16(14);
  c.P6 = s16(16);
  c.P7 = s16(18);
  c.P8 = s16(20);
  c.P9 = s16(22);
  c.H1 = lo[25];                                                        // 0xA1
  c.H2 = static_cast<std::int16_t>(hi[0] | (hi[1] << 8));               // 0xE1/0xE2
  c.H3 = hi[2];                                                         // 0xE3
  c.H4 = s8(hi[3]) * 16 + (hi[4] & 0x0F);                               // 0xE4, 0xE5[3:0]
  c.H5 = s8(hi[5]) * 16 + (hi[4] >> 4);                                 // 0xE6, 0xE5[7:4]
  c.H6 = s8(hi[6]);                                                     // 0xE7
  return c;
}

struct Reading {
  double celsius, pascal, percent_rh;
};

// 8.1: BME280_compensate_T_double, BME280_compensate_P_double, bme280_compensate_H_double.
Reading compensate(const Calibration& c, std::int32_t adc_T, std::int32_t adc_P, std::int32_t adc_H) {
  Reading r{};
  double var1 = (adc_T / 16384.0 - c.T1 / 1024.0) * c.T2;
  double var2 = (adc_T / 131072.0 - c.T1 / 8192.0) * (adc_T / 131072.0 - c.T1 / 8192.0) * c.T3;
  const auto t_fine = static_cast<std::int32_t>(var1 + var2);
  r.celsius = (var1 + var2) / 5120.0;

  var1 = t_fine / 2.0 - 64000.0;
  var2 = var1 * var1 * c.P6 / 32768.0;
  var2 = var2 + var1 * c.P5 * 2.0;
  var2 = var2 / 4.0 + c.P4 * 65536.0;
  var1 = (c.P3 * var1 * var1 / 524288.0 + c.P2 * var1) / 524288.0;
  var1 = (1.0 + var1 / 32768.0) * c.P1;
  double p = 1048576.0 - adc_P;
  p = (p - var2 / 4096.0) * 6250.0 / var1;
  var1 = c.P9 * p * p / 2147483648.0;
  var2 = p * c.P8 / 32768.0;
  r.pascal = p + (var1 + var2 + c.P7) / 16.0;

  double h = t_fine - 76800.0;
  h = (adc_H - (c.H4 * 64.0 + c.H5 / 16384.0 * h)) *
      (c.H2 / 65536.0 * (1.0 + c.H6 / 67108864.0 * h * (1.0 + c.H3 / 67108864.0 * h)));
  h = h * (1.0 - c.H1 * h / 524288.0);
  r.percent_rh = std::clamp(h, 0.0, 100.0);
  return r;
}

struct Raw {
  std::int32_t press, temp, hum;
};
Raw unpack(const std::vector<std::uint8_t>& d) {  // 0xF7..0xFE (5.4.7-5.4.9)
  return Raw{(d[0] << 12) | (d[1] << 4) | (d[2] >> 4), (d[3] << 12) | (d[4] << 4) | (d[5] >> 4), (d[6] << 8) | d[7]};
}

// ---- A controller on the bus (a hardware controller's view) ------------------------------------

struct Bench {
  Scheduler s;
  I2cBus bus{"i2c0", &s};
  Bme280 bme;
  explicit Bench(std::uint8_t address = 0x76) : bme("bme1", s, Bme280::Timing::typical(kCpuHz), address) {
    bme.attach_to(bus);
  }

  // One write message of raw bytes (6.2.1: address/data pairs).
  void send(const std::vector<std::uint8_t>& bytes) {
    ASSERT_EQ(bus.start(bme.address(), I2cDirection::write), I2cAck::ack);
    for (auto b : bytes) ASSERT_EQ(bus.write(b), I2cAck::ack);
    bus.stop();
  }
  void set(std::uint8_t reg, std::uint8_t value) { send({reg, value}); }
  // 6.2.2: the register address, a repeated START, then n bytes.
  std::vector<std::uint8_t> read(std::uint8_t reg, std::size_t n) {
    bus.start(bme.address(), I2cDirection::write);
    bus.write(reg);
    std::vector<std::uint8_t> out;
    if (bus.start(bme.address(), I2cDirection::read) == I2cAck::ack)
      for (std::size_t i = 0; i < n; ++i) out.push_back(bus.read(i + 1 < n ? I2cAck::ack : I2cAck::nack));
    bus.stop();
    return out;
  }
  std::uint8_t get(std::uint8_t reg) { return read(reg, 1).at(0); }
  Raw raw() { return unpack(read(0xF7, 8)); }
  Calibration calibration() { return decode(read(0x88, 26), read(0xE1, 7)); }
  void run_to(Cycles t) {
    s.advance_to(t);
    s.run_due();
  }
  void wait(Cycles d) { run_to(s.now() + d); }
  // One forced measurement with these settings, waited for.
  Raw forced(unsigned osrs_t, unsigned osrs_p, unsigned osrs_h, unsigned filter = 0) {
    set(0xF5, config(0, filter));
    send({0xF2, static_cast<std::uint8_t>(osrs_h), 0xF4, ctrl_meas(osrs_t, osrs_p, kForced)});
    run_to(bme.conversion_end());
    return raw();
  }
};

// ---- Addressing, identity, reset values ---------------------------------------------------------

TEST(Bme280, AnswersAt0x76Or0x77AsTheSdoPinSelects) {
  Bench low(0x76), high(0x77);
  EXPECT_EQ(low.bme.address(), 0x76);
  EXPECT_EQ(high.bme.address(), 0x77);
  EXPECT_EQ(low.bus.addresses(), (std::vector<std::uint8_t>{0x76}));
  EXPECT_EQ(high.bus.addresses(), (std::vector<std::uint8_t>{0x77}));
  EXPECT_EQ(high.bus.start(0x76, I2cDirection::write), I2cAck::nack);
  high.bus.stop();
  EXPECT_EQ(high.get(0xD0), 0x60);
  Scheduler s;
  EXPECT_THROW(Bme280("bad", s, Bme280::Timing::typical(kCpuHz), 0x78), std::invalid_argument);
  EXPECT_THROW(Bme280("bad", s, Bme280::Timing::typical(kCpuHz), 0x75), std::invalid_argument);
  EXPECT_THROW(Bme280("bad", s, Bme280::Timing::typical(0)), std::invalid_argument);
}

TEST(Bme280, ChipIdIs0x60) {
  Bench b;
  EXPECT_EQ(b.get(0xD0), 0x60);
  EXPECT_EQ(b.bme.peek(0xD0), 0x60);
}

TEST(Bme280, RegistersHoldTheirResetValues) {
  Bench b;
  // 5.3: ctrl_hum, status, ctrl_meas, config 0x00; the data registers 0x80 00 00 80 00 00 80 00.
  EXPECT_EQ(b.read(0xF2, 4), (std::vector<std::uint8_t>{0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(b.read(0xF7, 8), (std::vector<std::uint8_t>{0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00}));
  EXPECT_EQ(b.get(0xE0), 0x00);  // reset reads 0x00
  EXPECT_FALSE(b.bme.measurement_scheduled());
  // Sleep: no measurement ever starts by itself.
  b.wait(1000 * kMs);
  EXPECT_EQ(b.bme.conversions(), 0u);
}

TEST(Bme280, TheResetCommandRestoresResetValuesAndSleep) {
  Bench b;
  b.set(0xF5, config(0b101, 0b010));
  b.send({0xF2, 0x03, 0xF4, ctrl_meas(2, 3, kNormal)});
  b.run_to(b.bme.conversion_end());
  ASSERT_EQ(b.bme.conversions(), 1u);
  ASSERT_NE(b.get(0xFA), 0x80);

  b.set(0xE0, 0x00);  // 5.4.2: anything but 0xB6 does nothing
  EXPECT_EQ(b.get(0xF4), ctrl_meas(2, 3, kNormal));
  EXPECT_TRUE(b.bme.measurement_scheduled());

  const Cycles at = b.s.now();
  b.set(0xE0, 0xB6);
  EXPECT_FALSE(b.bme.measurement_scheduled());
  EXPECT_EQ(b.read(0xF2, 4), (std::vector<std::uint8_t>{0x00, 0x01, 0x00, 0x00}));  // im_update: copying NVM
  EXPECT_EQ(b.read(0xF7, 8), (std::vector<std::uint8_t>{0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00}));
  EXPECT_EQ(b.get(0xD0), 0x60);
  EXPECT_EQ(b.get(0x88), 0x70);  // the trimming data are back (dig_T1 = 27504 = 0x6B70)
  b.run_to(at + 2 * kMs - 1);    // t_startup, 2 ms
  EXPECT_EQ(b.get(0xF3), 0x01);
  b.run_to(at + 2 * kMs);
  EXPECT_EQ(b.get(0xF3), 0x00);
  b.wait(1000 * kMs);
  EXPECT_EQ(b.bme.conversions(), 1u);  // asleep
}

// ---- Trimming parameters ------------------------------------------------------------------------

TEST(Bme280, TheTrimmingParametersReadBackInTheDatasheetLayout) {
  Bench b;
  const std::vector<std::uint8_t> lo = b.read(0x88, 26), hi = b.read(0xE1, 7);
  ASSERT_EQ(lo.size(), 26u);
  // Little-endian words from 0x88 (Table 16): dig_T1 = 27504 (0x6B70), dig_T3 = -1000 (0xFC18).
  EXPECT_EQ(lo[0], 0x70);
  EXPECT_EQ(lo[1], 0x6B);
  EXPECT_EQ(lo[4], 0x18);
  EXPECT_EQ(lo[5], 0xFC);
  // dig_H4 = 313 (0x139) as 0xE4 = 0x13, 0xE5[3:0] = 9; dig_H5 = 50 (0x032) as 0xE6 = 0x03,
  // 0xE5[7:4] = 2.
  EXPECT_EQ(hi[3], 0x13);
  EXPECT_EQ(hi[4], 0x29);
  EXPECT_EQ(hi[5], 0x03);
  const Calibration c = decode(lo, hi);
  const std::vector<double> got{c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6,
                                c.P7, c.P8, c.P9, c.H1, c.H2, c.H3, c.H4, c.H5, c.H6};
  const std::vector<double> want{27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7,
                                 15500, -14600, 6000, 75, 362, 12, 313, 50, 30};
  EXPECT_EQ(got, want);
  // calib24 (0xA0) and calib33..41 (0xE8..0xF0) are in the map but unused: 0x00.
  EXPECT_EQ(lo[0xA0 - 0x88], 0x00);
  EXPECT_EQ(b.read(0xE8, 9), std::vector<std::uint8_t>(9, 0x00));
}

// Bosch's worked example (BMP280 datasheet BST-BMP280-DS001, 3.12, whose trimming values the model
// carries): adc_T 519888 gives t_fine 128422, 25.08 °C; adc_P 415148 then 100653.27 Pa (as the
// document rounds it: the double formula gives 100653.258, the integer one 100653.254). Both the
// model's integer compensation and this file's double one agree with it.
TEST(Bme280, TheCompensationMatchesBoschsWorkedExample) {
  Bench b;
  const Calibration c = b.calibration();
  const Reading r = compensate(c, 519888, 415148, 0);
  EXPECT_NEAR(r.celsius, 25.08, 0.005);
  EXPECT_NEAR(r.pascal, 100653.27, 0.02);
  const std::int32_t fine = Bme280::t_fine(Bme280::kTrimming, 519888);
  EXPECT_EQ(fine, 128422);
  EXPECT_EQ(Bme280::temperature_centi(fine), 2508);
  EXPECT_NEAR(Bme280::pressure_q24_8(Bme280::kTrimming, 415148, fine) / 256.0, 100653.27, 0.02);
}

// ---- Modes and timing ---------------------------------------------------------------------------

TEST(Bme280, MeasurementTimeFollowsAppendixB) {
  const auto typ = Bme280::Timing::typical(kCpuHz), max = Bme280::Timing::maximum(kCpuHz);
  // t_measure,typ = 1 + [2 T] + [2 P + 0.5] + [2 H + 0.5] ms.
  EXPECT_EQ(typ.measurement(0, 0, 0), 1 * kMs);
  EXPECT_EQ(typ.measurement(1, 0, 0), 3 * kMs);
  EXPECT_EQ(typ.measurement(1, 1, 1), 8 * kMs);
  EXPECT_EQ(typ.measurement(5, 5, 5), 98 * kMs);
  EXPECT_EQ(typ.measurement(7, 6, 5), 98 * kMs);  // codes above 101 are x16 too
  EXPECT_EQ(typ.measurement(2, 0, 3), 13 * kMs + kMs / 2);
  // t_measure,max = 1.25 + [2.3 T] + [2.3 P + 0.575] + [2.3 H + 0.575] ms.
  EXPECT_EQ(max.measurement(1, 1, 1), 9'300 * kMs / 1000);
  EXPECT_EQ(max.measurement(5, 5, 5), 112'800 * kMs / 1000);

  Bench b;
  b.send({0xF2, 0x03, 0xF4, ctrl_meas(2, 0, kForced)});
  EXPECT_EQ(b.bme.conversion_end() - b.bme.conversion_start(), 13 * kMs + kMs / 2);
}

TEST(Bme280, ForcedModeMeasuresOnceAfterTheMeasurementTimeThenSleeps) {
  Bench b;
  b.bme.set_temperature(21.5);
  b.s.advance(12345);
  b.send({0xF2, 0x01, 0xF4, ctrl_meas(1, 1, kForced)});
  const Cycles start = 12345, end = start + 8 * kMs;  // x1, x1, x1: 8 ms typical
  EXPECT_EQ(b.bme.conversion_start(), start);
  EXPECT_EQ(b.bme.conversion_end(), end);
  EXPECT_EQ(b.get(0xF3), Bme280::kStatusMeasuring);
  b.run_to(end - 1);
  EXPECT_EQ(b.get(0xF3), Bme280::kStatusMeasuring);
  EXPECT_EQ(b.get(0xF4), ctrl_meas(1, 1, kForced));
  EXPECT_EQ(b.read(0xF7, 8), (std::vector<std::uint8_t>{0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00}));
  b.run_to(end);
  EXPECT_EQ(b.get(0xF3), 0x00);
  EXPECT_EQ(b.get(0xF4), ctrl_meas(1, 1, kSleep));  // 3.3.3: back to sleep
  EXPECT_NEAR(compensate(b.calibration(), b.raw().temp, 0, 0).celsius, 21.5, 0.005);
  // Nothing more until forced mode is written again.
  b.bme.set_temperature(30.0);
  b.wait(500 * kMs);
  EXPECT_EQ(b.bme.conversions(), 1u);
  EXPECT_FALSE(b.bme.measurement_scheduled());
  EXPECT_NEAR(compensate(b.calibration(), b.raw().temp, 0, 0).celsius, 21.5, 0.005);
  b.set(0xF4, ctrl_meas(1, 1, 0b10));  // 10 is forced too
  b.run_to(b.bme.conversion_end());
  EXPECT_EQ(b.bme.conversions(), 2u);
  EXPECT_NEAR(compensate(b.calibration(), b.raw().temp, 0, 0).celsius, 30.0, 0.005);
}

TEST(Bme280, ForcedModeWrittenDuringAMeasurementRunsOneMore) {
  Bench b;
  b.set(0xF4, ctrl_meas(1, 0, kForced));  // 3 ms
  b.wait(kMs);
  b.set(0xF4, ctrl_meas(1, 0, kForced));
  b.wait(10 * kMs);
  EXPECT_EQ(b.bme.conversions(), 2u);
  EXPECT_EQ(b.get(0xF4) & 3, kSleep);
  // Sleep written during a measurement: it completes, nothing follows.
  b.set(0xF4, ctrl_meas(1, 0, kForced));
  b.wait(kMs);
  b.set(0xF4, ctrl_meas(1, 0, kForced));
  b.set(0xF4, ctrl_meas(1, 0, kSleep));
  EXPECT_EQ(b.get(0xF3), Bme280::kStatusMeasuring);
  b.wait(10 * kMs);
  EXPECT_EQ(b.bme.conversions(), 3u);
}

TEST(Bme280, NormalModeRepeatsWithTheStandbyTime) {
  Bench b;
  b.set(0xF5, config(0b110, 0));  // t_sb 10 ms (Table 27)
  b.set(0xF4, ctrl_meas(1, 0, kNormal));  // 3 ms each; period 13 ms
  // Measuring during [13k, 13k + 3) ms, standby otherwise; data land at 13k + 3 ms.
  for (unsigned k = 0; k < 5; ++k) {
    const Cycles start = k * 13 * kMs;
    b.bme.set_temperature(20.0 + k);
    b.run_to(start + 3 * kMs - 1);
    EXPECT_EQ(b.get(0xF3), Bme280::kStatusMeasuring) << k;
    EXPECT_EQ(b.bme.conversions(), k);
    b.run_to(start + 3 * kMs);
    EXPECT_EQ(b.get(0xF3), 0x00) << k;
    EXPECT_EQ(b.bme.conversions(), k + 1);
    EXPECT_NEAR(compensate(b.calibration(), b.raw().temp, 0, 0).celsius, 20.0 + k, 0.005) << k;
    EXPECT_EQ(b.get(0xF4), ctrl_meas(1, 0, kNormal));  // stays in normal mode
    b.run_to(start + 13 * kMs - 1);
    EXPECT_EQ(b.get(0xF3), 0x00) << k;
  }
  // The period holds when events fire late: the CPU overshoots by irregular amounts.
  const std::uint64_t done = b.bme.conversions();
  for (int i = 0; i < 37; ++i) {
    b.s.advance(kMs * 7 / 3 + 1234);
    b.s.run_due();
  }
  const Cycles now = b.s.now();
  EXPECT_EQ(b.bme.conversions(), done + (now - 3 * kMs) / (13 * kMs) + 1 - 5);
  EXPECT_EQ((b.bme.conversion_end() - 3 * kMs) % (13 * kMs), 0u);
  // Sleep in standby: nothing follows.
  b.run_to(b.bme.conversion_end());
  b.set(0xF4, ctrl_meas(1, 0, kSleep));
  EXPECT_FALSE(b.bme.measurement_scheduled());
  const std::uint64_t n = b.bme.conversions();
  b.wait(100 * kMs);
  EXPECT_EQ(b.bme.conversions(), n);
}

TEST(Bme280, NormalModeStandbyTimesFollowTable27) {
  const std::uint32_t want_us[8] = {500, 62'500, 125'000, 250'000, 500'000, 1'000'000, 10'000, 20'000};
  for (unsigned t_sb = 0; t_sb < 8; ++t_sb) {
    Bench b;
    b.set(0xF5, config(t_sb, 0));
    b.set(0xF4, ctrl_meas(1, 0, kNormal));
    b.run_to(b.bme.conversion_end());
    EXPECT_EQ(b.bme.conversion_start(), 3 * kMs + want_us[t_sb] * kMs / 1000) << t_sb;
  }
}

TEST(Bme280, CtrlHumTakesEffectOnlyAfterACtrlMeasWrite) {
  Bench b;
  b.set(0xF5, config(0b000, 0));  // t_sb 0.5 ms
  b.set(0xF4, ctrl_meas(1, 1, kNormal));
  b.run_to(b.bme.conversion_end());
  EXPECT_EQ(b.raw().hum, 0x8000);  // humidity skipped
  b.set(0xF2, 0x01);
  EXPECT_EQ(b.get(0xF2), 0x01);  // reads back at once...
  // ...but the measurements go on without humidity.
  for (int i = 0; i < 3; ++i) {
    b.run_to(b.bme.conversion_end());
    EXPECT_EQ(b.raw().hum, 0x8000) << i;
    EXPECT_EQ(b.bme.conversion_end() - b.bme.conversion_start(), 5 * kMs + kMs / 2);
  }
  b.set(0xF4, ctrl_meas(1, 1, kNormal));  // the same value again: now osrs_h applies
  b.run_to(b.bme.conversion_end());
  EXPECT_NE(b.raw().hum, 0x8000);
  EXPECT_EQ(b.bme.conversion_end() - b.bme.conversion_start(), 8 * kMs);
  EXPECT_NEAR(compensate(b.calibration(), b.raw().temp, 0, b.raw().hum).percent_rh, 50.0, 0.02);
}

// ---- What a driver computes ----------------------------------------------------------------------

struct Point {
  double celsius, pascal, percent_rh;
};
struct Setting {
  unsigned osrs_t, osrs_p, osrs_h, filter;
};

// The set values come back through the double-precision compensation within the resolution: half
// the change one resolved step of the raw value makes at that point, plus a margin for the
// difference between the datasheet's integer and double formulas (the model inverts the integer
// one, whose shifts drop low bits the double one keeps): 0.0025 °C, 0.3 Pa, 0.004 %RH. (Measured
// worst cases over these points: 0.0020 °C, 0.25 Pa, 0.0027 %RH.)
TEST(Bme280, SetValuesReadBackThroughTheDatasheetsCompensation) {
  const Point points[] = {
      {-40.0, 30000.0, 0.0},   {-40.0, 110000.0, 100.0}, {85.0, 30000.0, 100.0}, {85.0, 110000.0, 0.0},
      {25.0, 101325.0, 50.0},  {-12.34, 87654.3, 12.5},  {0.0, 50000.0, 99.9},   {60.5, 100000.0, 0.5},
      {-0.01, 70000.0, 33.3},
  };
  const Setting settings[] = {{1, 1, 1, 0}, {2, 3, 4, 0}, {5, 5, 5, 0}, {1, 1, 1, 4}};
  for (const Setting& st : settings) {
    for (const Point& pt : points) {
      Bench b;
      const Calibration c = b.calibration();
      b.bme.set_temperature(pt.celsius);
      b.bme.set_pressure(pt.pascal);
      b.bme.set_humidity(pt.percent_rh);
      const Raw raw = b.forced(st.osrs_t, st.osrs_p, st.osrs_h, st.filter);
      const Reading r = compensate(c, raw.temp, raw.press, raw.hum);
      // One resolved step: 2^(20 - bits), bits = 20 with the filter, 16 + osrs - 1 without.
      auto step = [&](unsigned osrs) { return st.filter ? 1 : 1 << (20 - (16 + std::min(osrs, 5u) - 1)); };
      const Reading up_t = compensate(c, raw.temp + step(st.osrs_t), raw.press, raw.hum);
      const Reading up_p = compensate(c, raw.temp, raw.press + step(st.osrs_p), raw.hum);
      const Reading up_h = compensate(c, raw.temp, raw.press, raw.hum + 1);
      const std::string where = ::testing::PrintToString(std::vector<double>{
          pt.celsius, pt.pascal, pt.percent_rh, double(st.osrs_t), double(st.osrs_p), double(st.osrs_h),
          double(st.filter)});
      EXPECT_NEAR(r.celsius, pt.celsius, std::abs(up_t.celsius - r.celsius) / 2 + 0.0025) << where;
      EXPECT_NEAR(r.pascal, pt.pascal, std::abs(up_p.pascal - r.pascal) / 2 + 0.3) << where;
      const double h_step = pt.percent_rh == 100.0 ? 0.0 : std::abs(up_h.percent_rh - r.percent_rh);
      EXPECT_NEAR(r.percent_rh, pt.percent_rh, h_step / 2 + 0.004) << where;
    }
  }
}

TEST(Bme280, ResolutionIs16PlusOsrsMinusOneBitsWithoutTheFilterAnd20With) {
  Bench b;
  // Values whose full-resolution raw data have non-zero low bits (the integer temperature formula
  // does not use adc_T's low 3 bits, so the model leaves them 000 or 111: not every value will do).
  Raw full{};
  double celsius = 23.4567;
  for (; celsius < 24.0; celsius += 0.0011) {
    b.bme.set_temperature(celsius);
    b.bme.set_pressure(98765.4);
    full = b.forced(5, 5, 0);
    if ((full.temp & 0xF) != 0 && (full.temp & 0xF) != 0x8 && (full.press & 0xF) != 0) break;
  }
  ASSERT_LT(celsius, 24.0);
  for (unsigned osrs = 1; osrs <= 4; ++osrs) {
    const int unresolved = (1 << (5 - osrs)) - 1;  // x1: 4 bits, x2: 3, x4: 2, x8: 1
    const Raw r = b.forced(osrs, osrs, 0);
    EXPECT_EQ(r.temp & unresolved, 0) << osrs;
    EXPECT_EQ(r.press & unresolved, 0) << osrs;
    EXPECT_LE(std::abs(r.temp - full.temp), (unresolved + 1) / 2) << osrs;
    EXPECT_LE(std::abs(r.press - full.press), (unresolved + 1) / 2) << osrs;
  }
  // With the filter on, x1 gives 20 bits.
  Bench f;
  f.bme.set_temperature(celsius);
  f.bme.set_pressure(98765.4);
  const Raw filtered = f.forced(1, 1, 0, 0b100);
  EXPECT_EQ(filtered.temp, full.temp);
  EXPECT_EQ(filtered.press, full.press);
}

TEST(Bme280, SkippedMeasurementsRead0x80000And0x8000) {
  Bench b;
  Raw r = b.forced(1, 1, 1);
  ASSERT_NE(r.temp, 0x80000);
  ASSERT_NE(r.press, 0x80000);
  ASSERT_NE(r.hum, 0x8000);
  r = b.forced(1, 0, 1);
  EXPECT_EQ(r.press, 0x80000);
  EXPECT_NE(r.temp, 0x80000);
  r = b.forced(0, 1, 0);
  EXPECT_EQ(r.temp, 0x80000);
  EXPECT_EQ(r.hum, 0x8000);
  EXPECT_NE(r.press, 0x80000);
  r = b.forced(0, 0, 0);  // still a measurement (1 ms), every output skipped
  EXPECT_EQ(b.read(0xF7, 8), (std::vector<std::uint8_t>{0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00}));
  EXPECT_EQ(b.bme.conversions(), 4u);
}

TEST(Bme280, TheIirFilterStepsTowardsANewValueAndConvergesToIt) {
  Bench b;
  b.bme.set_temperature(20.0);
  b.bme.set_pressure(90000.0);
  const Raw before = b.forced(5, 5, 0);  // no filter: the raw values at 20 °C, 90000 Pa
  b.bme.set_temperature(30.0);
  b.bme.set_pressure(100000.0);
  const Raw after = b.forced(5, 5, 0);
  ASSERT_NE(before.temp, after.temp);

  b.bme.set_temperature(20.0);
  b.bme.set_pressure(90000.0);
  b.set(0xF5, config(0b000, 0b100));  // coefficient 16, t_sb 0.5 ms; the filter memory is emptied
  b.set(0xF4, ctrl_meas(5, 5, kNormal));
  b.run_to(b.bme.conversion_end());
  EXPECT_EQ(b.raw().temp, before.temp);  // the first value passes through
  b.bme.set_temperature(30.0);
  b.bme.set_pressure(100000.0);
  // 3.4.4: filtered = (old * 15 + new) / 16, each measurement.
  double t = before.temp, p = before.press;
  for (int i = 0; i < 20; ++i) {
    b.run_to(b.bme.conversion_end());
    t = (t * 15 + after.temp) / 16;
    p = (p * 15 + after.press) / 16;
    const Raw r = b.raw();
    EXPECT_NEAR(r.temp, t, 1.0) << i;
    EXPECT_NEAR(r.press, p, 1.0) << i;
  }
  for (int i = 0; i < 400; ++i) b.run_to(b.bme.conversion_end());
  EXPECT_EQ(b.raw().temp, after.temp);
  EXPECT_EQ(b.raw().press, after.press);
  EXPECT_EQ(b.raw().hum, 0x8000);  // humidity is never filtered; here it is skipped
}

TEST(Bme280, ABurstReadSeesTheDataOfOneMeasurement) {
  Bench b;
  b.bme.set_temperature(10.0);
  b.bme.set_pressure(95000.0);
  b.bme.set_humidity(40.0);
  b.set(0xF5, config(0b000, 0));
  b.send({0xF2, 0x01, 0xF4, ctrl_meas(1, 1, kNormal)});
  b.run_to(b.bme.conversion_end());
  const std::vector<std::uint8_t> first = b.read(0xF7, 8);

  b.bme.set_temperature(40.0);
  b.bme.set_pressure(105000.0);
  b.bme.set_humidity(80.0);
  // A burst read across the end of the next measurement: the data of the first throughout.
  b.bus.start(0x76, I2cDirection::write);
  b.bus.write(0xF7);
  b.bus.start(0x76, I2cDirection::read);
  std::vector<std::uint8_t> burst;
  for (int i = 0; i < 4; ++i) burst.push_back(b.bus.read(I2cAck::ack));
  b.run_to(b.bme.conversion_end());
  EXPECT_NE(b.bme.peek(0xFA), first[3]);  // the registers have changed...
  for (int i = 4; i < 8; ++i) burst.push_back(b.bus.read(i < 7 ? I2cAck::ack : I2cAck::nack));
  b.bus.stop();
  EXPECT_EQ(burst, first);  // ...the burst did not
  // The next read message sees the new measurement.
  const Reading r = compensate(b.calibration(), b.raw().temp, b.raw().press, b.raw().hum);
  EXPECT_NEAR(r.celsius, 40.0, 0.005);
  EXPECT_NEAR(r.pascal, 105000.0, 2.0);
  EXPECT_NEAR(r.percent_rh, 80.0, 0.01);
}

TEST(Bme280, AMeasurementWhoseEndHasPassedIsOverAtTheNextAccess) {
  Bench b;
  b.set(0xF4, ctrl_meas(1, 0, kForced));
  b.s.advance(3 * kMs + 5);  // a CPU slice overshot the event; run_due() has not run
  EXPECT_EQ(b.get(0xF3), 0x00);
  EXPECT_NE(b.get(0xFA), 0x80);
  EXPECT_EQ(b.bme.conversions(), 1u);
  b.s.run_due();  // the cancelled event does not measure again
  EXPECT_EQ(b.bme.conversions(), 1u);
  EXPECT_EQ(b.s.pending_count(), 0u);
}

// ---- The I2C protocol ----------------------------------------------------------------------------

TEST(Bme280, WritesArePairsOfRegisterAddressAndData) {
  Bench b;
  // 6.2.1, Figure 9: address, data, address, data in one message.
  b.send({0xF5, config(0b101, 0b011), 0xF2, 0x05});
  EXPECT_EQ(b.bme.peek(0xF5), config(0b101, 0b011));
  EXPECT_EQ(b.bme.peek(0xF2), 0x05);
  // Not auto-incremented: the byte after a data byte is the next register address.
  b.send({0xF2, 0x02, 0xF5, 0x00, 0x33});
  EXPECT_EQ(b.bme.peek(0xF2), 0x02);
  EXPECT_EQ(b.bme.peek(0xF5), 0x00);
  EXPECT_EQ(b.bme.peek(0xF4), 0x00);
  EXPECT_EQ(b.bme.register_pointer(), 0x33);
  // Reserved bits are not stored: ctrl_hum[7:3], config[1].
  b.send({0xF2, 0xFF, 0xF5, 0xFF});
  EXPECT_EQ(b.bme.peek(0xF2), 0x07);
  EXPECT_EQ(b.bme.peek(0xF5), 0xFD);
}

TEST(Bme280, ReadsAutoIncrementFromThePointer) {
  Bench b;
  b.send({0xD0});  // a write message of one byte sets the pointer (then STOP)
  EXPECT_EQ(b.bme.register_pointer(), 0xD0);
  ASSERT_EQ(b.bus.start(0x76, I2cDirection::read), I2cAck::ack);
  EXPECT_EQ(b.bus.read(I2cAck::nack), 0x60);
  b.bus.stop();
  EXPECT_EQ(b.bme.register_pointer(), 0xD1);
  EXPECT_EQ(b.read(0x8E, 4), (std::vector<std::uint8_t>{0x7D, 0x8E, 0x43, 0xD6}));  // dig_P1, dig_P2
  EXPECT_EQ(b.bme.register_pointer(), 0x92);
  boardemu::testing::LogCapture log;
  b.read(0xFE, 3);  // hum_lsb, then 0xFF (reserved), then 0x00 (the pointer wraps)
  EXPECT_EQ(b.bme.register_pointer(), 0x01);
}

TEST(Bme280, GuestErrorsAreLoggedAndIgnored) {
  Bench b;
  boardemu::testing::LogCapture log;
  b.set(0xD0, 0x12);
  std::string text = log.take();
  EXPECT_NE(text.find("read-only register id (0xD0)"), std::string::npos) << text;
  EXPECT_EQ(b.get(0xD0), 0x60);
  b.set(0x90, 0x00);
  text = log.take();
  EXPECT_NE(text.find("read-only register calib08 (0x90)"), std::string::npos) << text;
  EXPECT_EQ(b.get(0x90), 0x43);
  b.set(0xFA, 0x12);
  b.set(0xF3, 0x08);
  text = log.take();
  EXPECT_NE(text.find("read-only register temp_msb"), std::string::npos) << text;
  EXPECT_NE(text.find("read-only register status"), std::string::npos) << text;
  EXPECT_EQ(b.get(0xFA), 0x80);
  EXPECT_EQ(b.get(0xF3), 0x00);
  EXPECT_EQ(b.get(0xF6), 0x00);
  text = log.take();
  EXPECT_NE(text.find("read of reserved address 0xF6"), std::string::npos) << text;
  b.set(0x10, 0x55);
  text = log.take();
  EXPECT_NE(text.find("write 0x55 to reserved address 0x10"), std::string::npos) << text;
  // config in normal mode: applied, and logged (5.4.6: such writes may be ignored).
  b.set(0xF4, ctrl_meas(1, 0, kNormal));
  EXPECT_EQ(log.take(), "");
  b.set(0xF5, config(0b001, 0));
  text = log.take();
  EXPECT_NE(text.find("config written in normal mode"), std::string::npos) << text;
  EXPECT_EQ(b.get(0xF5), config(0b001, 0));
}

TEST(Bme280, PeekHasNoSideEffects) {
  Bench b;
  b.send({0xF4});
  boardemu::testing::LogCapture log;
  EXPECT_EQ(b.bme.peek(0xD0), 0x60);
  EXPECT_EQ(b.bme.peek(0xF6), 0x00);
  EXPECT_EQ(b.bme.peek(0x00), 0x00);
  EXPECT_EQ(log.take(), "");
  EXPECT_EQ(b.bme.register_pointer(), 0xF4);
  b.set(0xF4, ctrl_meas(1, 0, kForced));
  EXPECT_EQ(b.bme.peek(0xF3), Bme280::kStatusMeasuring);
  b.s.advance(10 * kMs);  // past the end, not yet fired: peek does not complete it
  EXPECT_EQ(b.bme.peek(0xFA), 0x80);
  EXPECT_EQ(b.bme.conversions(), 0u);
}

// ---- The host side -------------------------------------------------------------------------------

TEST(Bme280, SettersRejectValuesOutsideTheOperatingRange) {
  Bench b;
  auto what = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(what([&] { b.bme.set_temperature(85.5); }),
            "85.5 °C is outside the BME280's operating temperature range, -40..85 °C");
  EXPECT_EQ(what([&] { b.bme.set_pressure(29999.0); }),
            "29999 Pa is outside the BME280's operating pressure range, 30000..110000 Pa (300..1100 hPa)");
  EXPECT_EQ(what([&] { b.bme.set_humidity(-0.1); }),
            "-0.1 %RH is outside the BME280's operating humidity range, 0..100 %RH");
  EXPECT_THROW(b.bme.set_temperature(-40.01), std::invalid_argument);
  EXPECT_THROW(b.bme.set_pressure(110000.5), std::invalid_argument);
  EXPECT_THROW(b.bme.set_humidity(100.01), std::invalid_argument);
  EXPECT_THROW(b.bme.set_temperature(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  // The defaults, untouched by the rejected values.
  EXPECT_EQ(b.bme.temperature(), 25.0);
  EXPECT_EQ(b.bme.pressure(), 101325.0);
  EXPECT_EQ(b.bme.humidity(), 50.0);
  b.bme.set_temperature(-40.0);
  b.bme.set_pressure(110000.0);
  b.bme.set_humidity(100.0);
  EXPECT_EQ(b.bme.temperature(), -40.0);
  EXPECT_EQ(b.bme.pressure(), 110000.0);
  EXPECT_EQ(b.bme.humidity(), 100.0);
}

TEST(Bme280, DestroyingThePartCancelsItsEvent) {
  Scheduler s;
  {
    Bme280 bme("bme1", s, Bme280::Timing::typical(kCpuHz));
    I2cBus bus("i2c0", &s);
    bme.attach_to(bus);
    bus.start(0x76, I2cDirection::write);
    bus.write(0xF4);
    bus.write(ctrl_meas(1, 1, kNormal));
    bus.stop();
    EXPECT_EQ(s.pending_count(), 1u);
  }
  EXPECT_EQ(s.pending_count(), 0u);
  s.advance(100 * kMs);
  s.run_due();
}

// The whole path as firmware drives it: open-drain GPIOs, pull-ups, the part's own bit-bang engine;
// the chip id, then a forced measurement polled on status.measuring, as a driver does.
TEST(Bme280, ThroughTheWiresAForcedMeasurement) {
  Scheduler s;
  Netlist nl(&s);
  PartContext ctx{&s, kCpuHz};
  Bme280Part part("env1", ctx, 0x77);
  // 100 kHz SCL at 80 MHz: 400 cycles per half period.
  I2cBitBangController cpu("gpio", &s, /*half_period=*/400, /*max_stretch=*/4000);
  Pin r_sda("r1.P", &s), r_scl("r2.P", &s);
  for (Pin* p : {&cpu.sda_pin(), part.i2c_sda(), &r_sda}) nl.connect(*p, "sda");
  for (Pin* p : {&cpu.scl_pin(), part.i2c_scl(), &r_scl}) nl.connect(*p, "scl");
  r_sda.drive(Drive::pull_up);
  r_scl.drive(Drive::pull_up);
  EXPECT_EQ(part.pins()[0]->name(), "env1.SCL");
  EXPECT_EQ(part.pins()[1]->name(), "env1.SDA");
  EXPECT_EQ(part.i2c_address(), 0x77);

  std::array<std::uint8_t, 1> id{};
  ASSERT_EQ(cpu.write(0x77, std::array<std::uint8_t, 1>{0xD0}, /*send_stop=*/false), I2cAck::ack);
  ASSERT_EQ(cpu.read(0x77, id), I2cAck::ack);
  EXPECT_EQ(id[0], 0x60);
  EXPECT_EQ(cpu.write(0x76, std::array<std::uint8_t, 1>{0xD0}), I2cAck::nack);

  std::vector<std::uint8_t> lo(26), hi(7);
  cpu.write(0x77, std::array<std::uint8_t, 1>{0x88}, false);
  cpu.read(0x77, lo);
  cpu.write(0x77, std::array<std::uint8_t, 1>{0xE1}, false);
  cpu.read(0x77, hi);
  const Calibration c = decode(lo, hi);

  part.sensor().set_temperature(-7.25);
  part.sensor().set_pressure(99000.0);
  part.sensor().set_humidity(65.0);
  ASSERT_EQ(cpu.write(0x77, std::array<std::uint8_t, 4>{0xF2, 0x01, 0xF4, ctrl_meas(1, 1, kForced)}), I2cAck::ack);
  const Cycles started = s.now();
  int polls = 0;
  std::array<std::uint8_t, 1> status{};
  do {
    ASSERT_LT(++polls, 1000);
    cpu.write(0x77, std::array<std::uint8_t, 1>{0xF3}, false);
    cpu.read(0x77, status);
  } while (status[0] & Bme280::kStatusMeasuring);
  EXPECT_GT(polls, 5);
  EXPECT_GE(s.now(), started + 8 * kMs - 400 * 40);  // the write's STOP came a few clocks later
  std::vector<std::uint8_t> data(8);
  cpu.write(0x77, std::array<std::uint8_t, 1>{0xF7}, false);
  ASSERT_EQ(cpu.read(0x77, data), I2cAck::ack);
  const Raw raw = unpack(data);
  const Reading r = compensate(c, raw.temp, raw.press, raw.hum);
  EXPECT_NEAR(r.celsius, -7.25, 0.005);
  EXPECT_NEAR(r.pascal, 99000.0, 2.0);
  EXPECT_NEAR(r.percent_rh, 65.0, 0.01);
}

}  // namespace
}  // namespace boardemu
