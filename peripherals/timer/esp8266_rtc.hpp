// ESP8266 RTC block at 0x60000700: the RTC timer, the reset cause, scratch registers and
// GPIO16's registers.
//
// Sources:
//  [TRM] ESP8266 Technical Reference (Espressif): the RTC domain stays powered in deep sleep
//        and keeps counting on the low-power RTC clock (about 150 kHz, "RTC timer"), which
//        system_get_rtc_time() reads; RTC memory at 0x60001000 keeps its contents.
//  [SDK] ESP8266 NONOS SDK eagle_soc.h: PERIPHS_RTC_BASEADDR 0x60000700; RTC_SLP_VAL +0x04,
//        RTC_SLP_CNT_VAL +0x1C (the counter system_get_rtc_time() returns); RTC_GPIO_OUT +0x68,
//        RTC_GPIO_ENABLE +0x74, RTC_GPIO_IN_DATA +0x8C, RTC_GPIO_CONF +0x90,
//        PAD_XPD_DCDC_CONF +0xA0 (GPIO16's pad).
//  [RTOS] ESP8266_RTOS_SDK components/esp8266/include/esp8266/rtc_register.h: RTC_STATE1
//        +0x14 (the reset cause the ROM prints as "rst cause"), RTC_STATE2 +0x18, RTC_STORE0
//        +0x30 (STORE0..3 at +0x30..+0x3C); RESET_REASON: 1 POWERON_RESET, 2 EXT_RESET,
//        3 SW_RESET, 4 OWDT_RESET (watchdog), 5 DEEPSLEEP_RESET, 6 SDIO_RESET.
//
// Registers (offsets in the block):
//   0x04 RTC_SLP_VAL       RW  alarm value for the counter (stored; no wake-up modelled)
//   0x14 RTC_STATE1        RO  [3:0] cause of the last reset of the digital core
//   0x18 RTC_STATE2        RW  stored
//   0x1C RTC_SLP_CNT_VAL   RO  the RTC timer: 32 bits, counts up at the RTC clock, wraps
//   0x30..0x3C RTC_STORE0..3   RW  scratch, kept across resets of the digital core
//   0x68 RTC_GPIO_OUT      RW  [0] GPIO16 output level
//   0x74 RTC_GPIO_ENABLE   RW  [0] GPIO16 output enable
//   0x8C RTC_GPIO_IN_DATA  RO  [0] GPIO16 level: the output level when enabled, else 0
//                              (GPIO16 is not on a net yet: nothing outside drives it)
//   0x90 RTC_GPIO_CONF     RW  stored
//   0xA0 PAD_XPD_DCDC_CONF RW  stored (GPIO16 pad function)
//
// Model:
//  - The counter is computed from virtual time: (now - power-on) * clock_hz / cpu_hz, where
//    clock_hz is the board file's `clock_hz` for this device (the RTC clock, 150 kHz on the
//    esp8266 board). It never reads the host clock; the SDK's calibration against the crystal
//    (system_rtc_clock_cali_proc) is not modelled: the rate is exactly clock_hz.
//  - The RTC domain is not reset with the digital core: reset() (a system reset: watchdog,
//    reset request) keeps the counter running and every register, and only updates
//    RTC_STATE1 with the cause noted beforehand by the resetting block (note_reset_cause);
//    a reset with no cause noted leaves RTC_STATE1 as it was. The model's construction is the
//    power-on: counter 0, RTC_STATE1 = POWERON_RESET, the rest at the reset values below.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/device.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class Esp8266Rtc : public Device {
 public:
  static constexpr std::uint32_t RTC_SLP_VAL = 0x04;
  static constexpr std::uint32_t RTC_STATE1 = 0x14;
  static constexpr std::uint32_t RTC_STATE2 = 0x18;
  static constexpr std::uint32_t RTC_SLP_CNT_VAL = 0x1C;
  static constexpr std::uint32_t RTC_STORE0 = 0x30;
  static constexpr std::uint32_t RTC_GPIO_OUT = 0x68;
  static constexpr std::uint32_t RTC_GPIO_ENABLE = 0x74;
  static constexpr std::uint32_t RTC_GPIO_IN_DATA = 0x8C;
  static constexpr std::uint32_t RTC_GPIO_CONF = 0x90;
  static constexpr std::uint32_t PAD_XPD_DCDC_CONF = 0xA0;

  // [RTOS] RESET_REASON, as RTC_STATE1 [3:0] holds it.
  enum ResetReason : std::uint32_t {
    POWERON_RESET = 1,
    EXT_RESET = 2,
    SW_RESET = 3,
    OWDT_RESET = 4,
    DEEPSLEEP_RESET = 5,
  };

  // The model takes no params; throws std::invalid_argument for any.
  static void check_params(const std::map<std::string, std::string>& params);

  // ctx.clock_hz is the RTC clock; throws std::invalid_argument if it is 0 or above cpu_hz.
  Esp8266Rtc(std::string name, const DeviceContext& ctx);

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  // A reset of the digital core: see the header comment (the RTC domain keeps running).
  void reset() override;
  const RegisterBank* registers() const override { return &regs_; }

  // The block that is about to reset the system names the cause RTC_STATE1 will show.
  void note_reset_cause(ResetReason cause) { pending_cause_ = cause; }
  // The RTC timer now (RTC_SLP_CNT_VAL).
  std::uint32_t counter() const;

  void state(StateArchive& ar) override;

 private:
  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t rtc_hz_;
  Cycles power_on_ = 0;
  std::uint32_t reset_cause_ = POWERON_RESET;
  std::uint32_t pending_cause_ = 0;
  RegisterBank regs_;
};

}  // namespace boardemu
