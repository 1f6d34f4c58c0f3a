// ESP8266 hardware watchdog at 0x60000900.
//
// Sources:
//  [SDK] ESP8266 NONOS SDK eagle_soc.h: PERIPHS_WDT_BASEADDR 0x60000900; WDT_CTL_ADDRESS 0x00
//        (WDT_CTL_EN_MASK 0x1, WDT_CTL_RSPMOD_MASK 0x6, WDT_CTL_RSTLEN_MASK 0x38),
//        WDT_OP_ADDRESS 0x04, WDT_OP_ND_ADDRESS 0x08, WDT_RST_ADDRESS 0x14 and WDT_RESET_VALUE
//        0x73 (the feed); ets_sys.h ETS_WDT_INUM 8; DPORT EDGE_INT_ENABLE bit 0 gates the
//        watchdog's edge interrupt (WDT_EDGE_INT_ENABLE()).
//  The ESP8266 Technical Reference does not document this block. What is not in the SDK
//  headers is taken from public reverse-engineering notes of the chip (Cesanta's
//  esp_hw_wdt_register.h, open-source ESP8266 drivers): OP and OP_ND hold the two stages'
//  lengths as exponents, a stage lasting 2^n ticks of the watchdog clock (0.8 ms: 40 MHz /
//  32000); 0x10 reads the current stage; stage 0 ending raises the watchdog interrupt, stage 1
//  ending resets the chip; writing 0x73 to 0x14 restarts stage 0.
//
// Registers (offsets in the block):
//   0x00 WDT_CTL    RW  [0] EN, [2:1] RSPMOD, [5:3] RSTLEN (RSPMOD/RSTLEN stored, not
//                       interpreted: the ROM sets RSTLEN, the response used is the one below)
//   0x04 WDT_OP     RW  [3:0] stage 0 length: 2^n ticks
//   0x08 WDT_OP_ND  RW  [3:0] stage 1 length: 2^n ticks
//   0x10 WDT_STAGE  RO  [0] the stage running (0 or 1)
//   0x14 WDT_RST    WO  writing WDT_RESET_VALUE (0x73) feeds: stage 0 starts again and a
//                       pending stage-0 interrupt condition ends; other values are logged
//
// Model (ticks of the device clock: the board file's clock_hz for this block, 1250 Hz):
//  - Off after reset (WDT_CTL = 0), as it is when no ROM has run: firmware that never enables
//    it never sees it. Setting EN starts stage 0; clearing EN stops it.
//  - Stage 0 ends after 2^OP ticks: the "irq" output gives one edge pulse (CPU interrupt 8,
//    edge-triggered on the LX106; passed only while DPORT EDGE_INT_ENABLE bit 0 is set when
//    `params: {edge_gate: <dport>}` names the DPORT), and stage 1 starts.
//  - Stage 1 ends after 2^OP_ND ticks: the watchdog resets the chip. It notes OWDT_RESET in
//    the RTC block named by `params: {rtc: <rtc>}` (RTC_STATE1, read back by firmware as the
//    reset cause) and asks the machine for a system reset (DeviceContext::request_system_reset:
//    every device and the CPU reset, memory kept, as the chip's digital core reset). With no
//    reset path in the context (register-level tests), the expiry is logged under
//    `guest_error` and counted (resets_requested()).
//  - Writing OP/OP_ND while running takes effect at the next stage start (the next feed).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/device.hpp"
#include "core/event.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class Esp8266Dport;
class Esp8266Rtc;

class Esp8266Wdt : public Device {
 public:
  static constexpr std::uint32_t WDT_CTL = 0x00;
  static constexpr std::uint32_t WDT_OP = 0x04;
  static constexpr std::uint32_t WDT_OP_ND = 0x08;
  static constexpr std::uint32_t WDT_STAGE = 0x10;
  static constexpr std::uint32_t WDT_RST = 0x14;

  static constexpr std::uint32_t WDT_CTL_EN = 1u << 0;
  static constexpr std::uint32_t WDT_RESET_VALUE = 0x73;

  struct Params {
    std::string edge_gate;  // the DPORT whose EDGE_INT_ENABLE bit 0 gates the interrupt
    std::string rtc;        // the RTC block that records the reset cause
  };
  // Known keys: edge_gate, rtc. Throws std::invalid_argument.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Finds the named DPORT and RTC among ctx.bus's devices (they must come first in the board
  // file); throws std::invalid_argument if one is named but missing or of another model.
  Esp8266Wdt(std::string name, const DeviceContext& ctx, Params params);
  ~Esp8266Wdt() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  IrqLine* irq(std::string_view output) override;
  const RegisterBank* registers() const override { return &regs_; }

  // Tests: edge pulses given and resets asked for so far.
  std::uint64_t interrupts() const { return pulses_; }
  std::uint64_t resets_requested() const { return resets_; }
  unsigned stage() const { return stage_; }

  void state(StateArchive& ar) override;

 private:
  bool enabled() const { return regs_.get(WDT_CTL) & WDT_CTL_EN; }
  void start_stage(unsigned stage);
  void stop();
  void stage_end();

  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t tick_hz_;
  std::function<void()> request_system_reset_;
  const Esp8266Dport* gate_ = nullptr;
  Esp8266Rtc* rtc_ = nullptr;
  RegisterBank regs_;
  unsigned stage_ = 0;
  std::uint64_t pulses_ = 0;
  std::uint64_t resets_ = 0;
  Event stage_event_;  // "<name>.stage_end": the running stage ends
  IrqLine irq_;
};

}  // namespace boardemu
