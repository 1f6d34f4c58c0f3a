// ESP8266 SAR ADC: the chip's one analog input, the TOUT pin, read as a 10-bit value.
//
// Documented behaviour (ESP8266EX Datasheet, Espressif, "ADC" / "Analog-to-digital Converter"
// and pin list: TOUT is pin 6, the ADC's only external input, 10-bit, input range 0..1.0 V;
// ESP8266 Non-OS SDK API Reference, system_adc_read(): TOUT's voltage as 0..1024 in units of
// 1/1024 V, and system_get_vdd33(): the VDD3P3 supply in units of 1/1024 V, usable only while
// TOUT is not read):
//  - a conversion samples TOUT and gives code = floor(V * 1024 / 1.0 V), clamped to 0..1023
//    (above 1.0 V the input saturates; the datasheet rates it 0..1.0 V, so more is a wiring
//    error a real chip would not survive for long, logged under guest_error once per run);
//  - the other channel measures the chip's own supply, VDD3P3, in 1/1024 V.
//
// Registers: NOT the chip's. Espressif documents no SAR register in the ESP8266 Technical
// Reference; the SDK reaches the converter through the mask ROM's internal-I2C (analog) bus and
// undocumented registers. Community reverse engineering places the SAR block at 0x60000D00
// (a configuration word at +0x50 with a state field [26:24] and a force-start bit, eight raw
// sample words from +0x80, post-processed by the SDK with PHY calibration data) but its raw
// codes are uncalibrated and the analog-bus setup is unknown, so no honest model of it can be
// built. This model therefore puts boardemu's own, small register interface in that block, at
// offsets where the notes show no register (+0x00..+0x0B); the rest of the block reads as 0
// and is logged under `unimp`. Firmware written for boardemu (firmware/esp8266/machine_adc.c)
// uses it; SDK binaries would not.
//   +0x00 SAR_CTRL    [0] START: write 1 to start a conversion (reads 0)
//                     [1] SEL_VDD33: channel, 0 TOUT, 1 VDD3P3 (RW, reset 0)
//   +0x04 SAR_STATUS  [0] BUSY: a conversion is running (RO)
//   +0x08 SAR_DATA    [15:0] the last conversion's result (RO, reset 0): TOUT's 10-bit code,
//                     or VDD3P3 in 1/1024 V
// A conversion samples its input when it starts (the sample-and-hold of a successive-
// approximation converter), takes params.conversion_us (default 10 us: boardemu's choice, the
// real time is undocumented) of virtual time in the model's event "<name>.conversion" (core/
// event.hpp), then latches SAR_DATA and clears BUSY. START while BUSY is ignored and logged (guest_error).
//
// Pin: "<name>.TOUT" (e.g. adc.TOUT), whose net's voltage (core/net.hpp) is what TOUT sees: a
// potentiometer's wiper, or 0 V when nothing drives it. Params: vdd33 (the supply the VDD3P3
// channel reads, volts, default 3.3), conversion_us.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.hpp"
#include "core/event.hpp"
#include "core/net.hpp"
#include "core/registers.hpp"

namespace boardemu {

class Esp8266SarAdc : public Device {
 public:
  static constexpr std::uint32_t SAR_CTRL = 0x00;
  static constexpr std::uint32_t SAR_STATUS = 0x04;
  static constexpr std::uint32_t SAR_DATA = 0x08;
  static constexpr std::uint32_t CTRL_START = 1u << 0;
  static constexpr std::uint32_t CTRL_SEL_VDD33 = 1u << 1;
  static constexpr std::uint32_t STATUS_BUSY = 1u << 0;
  static constexpr double kFullScaleVolts = 1.0;  // [DS] TOUT input range 0..1.0 V
  static constexpr unsigned kMaxCode = 1023;      // [DS] 10 bits

  struct Params {
    double vdd33 = 3.3;
    double conversion_us = 10;
  };
  // Throws std::invalid_argument naming the bad or unknown param.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // `ctx.scheduler` is required (the conversion is an event).
  Esp8266SarAdc(std::string name, const DeviceContext& ctx, Params params);
  Esp8266SarAdc(std::string name, const DeviceContext& ctx);  // default params

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  // As read(), without logging the rest of the block (reads have no side effects here).
  std::uint32_t peek(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  const RegisterBank* registers() const override { return &regs_; }
  std::vector<Pin*> pins() override { return {&tout_}; }
  Pin& tout() { return tout_; }

  // The code a TOUT conversion gives for `volts` (the transfer function above).
  static std::uint32_t tout_code(double volts);
  Cycles conversion_cycles() const { return conversion_cycles_; }

  void state(StateArchive& ar) override;

 private:
  void start();

  Scheduler& sched_;
  Params params_;
  Cycles conversion_cycles_;
  Pin tout_;
  RegisterBank regs_;
  std::uint32_t sampled_ = 0;  // the running conversion's result, latched when it ends
  Event conversion_event_;     // "<name>.conversion": the running conversion ends
  bool warned_over_range_ = false;
};

}  // namespace boardemu
