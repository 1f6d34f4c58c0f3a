// ESP8266 FRC1 and FRC2 timers (the "hardware timers" at 0x60000600 and 0x60000620).
//
// Sources: ESP8266 Technical Reference (Espressif), "Timer" registers; ESP8266 SDK
// timer_register.h (PERIPHS_TIMER_BASEDDR 0x60000600: FRC1_LOAD +0x00, FRC1_COUNT +0x04,
// FRC1_CTRL +0x08, FRC1_INT +0x0C; FRC2_LOAD +0x20, FRC2_COUNT +0x24, FRC2_CTRL +0x28,
// FRC2_INT +0x2C, FRC2_ALARM +0x30) and the SDK's hw_timer driver, which programs CTRL with
// DIVDED_BY_1 = 0, DIVDED_BY_16 = 4, DIVDED_BY_256 = 8, FRC1_AUTO_LOAD = 0x40,
// FRC1_ENABLE_TIMER = 0x80, TM_LEVEL_INT = 1 / TM_EDGE_INT = 0, and enables the edge interrupt
// to the CPU with TM1_EDGE_INT_ENABLE (DPORT EDGE_INT_ENABLE_REG 0x3FF00004, bit 1).
//
// One model serves both counters; `params: {counter: frc1|frc2}` picks the variant. Offsets are
// relative to the counter's own window (FRC1 at 0x60000600, FRC2 at 0x60000620):
//   0x00 LOAD   FRC1: 23 bits; writing it loads COUNT (and is the auto-reload value).
//               FRC2: 32 bits; writing it loads COUNT.
//   0x04 COUNT  read-only: FRC1 counts down, FRC2 counts up.
//   0x08 CTRL   INT_TYPE [0] (1 level, 0 edge), prescaler [3:2] (0: /1, 1: /16, 2: /256;
//               3 is timed as /256 and logged), AUTO_LOAD [6] (FRC1), ENABLE [7];
//               INT status [8] read-only.
//   0x0C INT    write bit 0 to clear the interrupt status.
//   0x10 ALARM  FRC2 only: interrupt when COUNT reaches ALARM.
//
// Model (times in ticks of the timer clock = device clock_hz / prescaler; the APB clock is
// 80 MHz):
//  - COUNT is computed from the time elapsed since the counter was last loaded or (re)started,
//    never stepped; only the interrupt edge is scheduled (the prescaler restarts when LOAD or
//    CTRL is written; reprogramming CTRL keeps the current count).
//  - FRC1 counts down from LOAD; when it reaches 0 the INT status is set. With AUTO_LOAD it
//    reloads LOAD at that tick (period LOAD ticks); without, it wraps through 0x7FFFFF and keeps
//    counting (the next expiry is 2^23 ticks later).
//  - FRC2 counts up, wrapping at 2^32; the INT status is set each time COUNT becomes ALARM.
//  - Interrupt output "irq": level mode (CTRL bit 0 = 1) drives the INT status as a level until
//    INT is written; edge mode gives a pulse at each expiry, gated by the DPORT's
//    EDGE_INT_ENABLE bit for this counter (FRC1: bit 1, FRC2: bit 2) when a gate is attached
//    (`params: {edge_gate: <dport device name>}`; the DPORT must precede the timer in the board
//    file). The CPU latches the pulse on its edge-triggered interrupt input (FRC1: 9, the SDK's
//    ETS_FRC_TIMER1_INUM; FRC2: 10).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/device.hpp"
#include "core/event.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class Esp8266Dport;

class Esp8266FrcTimer : public Device {
 public:
  enum class Counter { frc1, frc2 };

  static constexpr std::uint32_t LOAD = 0x00;
  static constexpr std::uint32_t COUNT = 0x04;
  static constexpr std::uint32_t CTRL = 0x08;
  static constexpr std::uint32_t INT = 0x0C;
  static constexpr std::uint32_t ALARM = 0x10;  // FRC2

  static constexpr std::uint32_t CTRL_INT_LEVEL = 1u << 0;
  static constexpr std::uint32_t CTRL_PRESCALE = 3u << 2;
  static constexpr std::uint32_t CTRL_AUTO_LOAD = 1u << 6;
  static constexpr std::uint32_t CTRL_ENABLE = 1u << 7;
  static constexpr std::uint32_t CTRL_INT_STATUS = 1u << 8;

  struct Params {
    Counter counter = Counter::frc1;
    std::string edge_gate;  // name of the DPORT device whose EDGE_INT_ENABLE gates edge pulses
  };
  // Known keys: counter (frc1|frc2), edge_gate. Throws std::invalid_argument.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Finds the edge gate (Params::edge_gate) among ctx.bus's devices; throws
  // std::invalid_argument if it is named but missing or not an esp8266-dport.
  Esp8266FrcTimer(std::string name, const DeviceContext& ctx, Params params);
  ~Esp8266FrcTimer() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  IrqLine* irq(std::string_view output) override;

  // Attaches the DPORT whose EDGE_INT_ENABLE gates this counter's edge pulses (nullptr: none).
  void set_edge_gate(const Esp8266Dport* dport) { gate_ = dport; }

  // The counter value now.
  std::uint32_t count() const;
  // Number of edge pulses delivered so far (tests).
  std::uint64_t edge_pulses() const { return pulses_; }

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  bool is_frc1() const { return counter_ == Counter::frc1; }
  std::uint32_t mask() const { return is_frc1() ? 0x7FFFFF : 0xFFFFFFFF; }
  unsigned prescale() const;
  bool enabled() const { return regs_.get(CTRL) & CTRL_ENABLE; }
  // Elapsed ticks since base_time_ (0 when stopped).
  std::uint64_t ticks_now() const;
  Cycles cycle_of_tick(std::uint64_t tick) const;
  // Re-bases the counter at `value` now (prescaler restart) and schedules the next expiry.
  void restart(std::uint32_t value);
  void schedule_expiry();
  void expiry_reached();
  void expire();
  void update_irq();

  Counter counter_;
  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t clock_hz_;
  const Esp8266Dport* gate_ = nullptr;
  RegisterBank regs_;

  std::uint32_t base_value_ = 0;  // COUNT at base_time_
  Cycles base_time_ = 0;
  std::uint32_t stopped_value_ = 0;  // COUNT while disabled
  std::uint32_t alarm_ = 0;  // FRC2_ALARM
  bool int_status_ = false;
  std::uint64_t pulses_ = 0;
  std::uint64_t expiry_tick_ = 0;  // the tick (since base_time_) the armed expiry is for
  Event expiry_event_;             // "<name>.expiry": the counter reaches 0 (FRC1) or the alarm (FRC2)
  IrqLine irq_;
};

}  // namespace boardemu
