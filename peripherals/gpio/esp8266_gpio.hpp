// ESP8266 GPIO block at 0x60000300 (GPIO0..GPIO15; GPIO16 lives in the RTC block).
//
// Sources: ESP8266 Technical Reference (Espressif), chapter "GPIO" and its register list, and
// the ESP8266 SDK's gpio_register.h / gpio.h:
//   0x00 GPIO_OUT            [15:0] output levels ([31:16] BT_SEL, stored)
//   0x04 GPIO_OUT_W1TS       write 1 to set GPIO_OUT bits
//   0x08 GPIO_OUT_W1TC       write 1 to clear GPIO_OUT bits
//   0x0C GPIO_ENABLE         [15:0] output enables ([21:16] SDIO_SEL, stored)
//   0x10 GPIO_ENABLE_W1TS, 0x14 GPIO_ENABLE_W1TC
//   0x18 GPIO_IN             [15:0] pin levels (read-only; [31:16] strapping, 0 here)
//   0x1C GPIO_STATUS         [15:0] interrupt status
//   0x20 GPIO_STATUS_W1TS, 0x24 GPIO_STATUS_W1TC
//   0x28 + 4*n GPIO_PINn     SOURCE [0], PAD_DRIVER (open drain) [2], INT_TYPE [9:7]
//                            (0 disabled, 1 rising edge, 2 falling edge, 3 any edge,
//                            4 low level, 5 high level), WAKEUP_ENABLE [10]
//   0x68 GPIO_SIGMA_DELTA, 0x6C GPIO_RTC_CALIB_SYNC, 0x70 GPIO_RTC_CALIB_VALUE (stored only)
//
// Model:
//  - Pins: GPIO0..15 are pins "<name>.GPIOn" (core/net.hpp). GPIO_IN reads the level of each
//    pin's net whatever its pad does: high is 1; low, floating (nothing drives it: a real pin
//    reads noise, here 0) and contention read 0.
//  - Pads: what reaches the net is decided in one place (drive_pins), from the pad state the
//    IO_MUX model sets with set_pad() (esp8266_iomux.hpp: its function is GPIO or not, its
//    pull-up is on or off) and this block's GPIO_OUT, GPIO_ENABLE and PAD_DRIVER:
//      pad in the GPIO function, output enabled, push-pull    drives GPIO_OUT high or low
//      pad in the GPIO function, output enabled, open drain   drives low for 0; for 1 lets go
//                                                             to the pad's pull
//      output disabled, or pad in another function            the pad's pull (pull-up or off)
//      pad in another function that a peripheral model drives the function's output signal
//      (connect_function/drive_function: HSPI's CLK, MOSI and CS0 on GPIO14/13/15 in function
//      2, esp8266_hspi.hpp)                                     drives that signal; its `off`
//                                                             lets go to the pad's pull
//    Other functions' signals (UART, I2S, ...) are not driven by their peripherals here. A
//    peripheral's input signal on a pad (HSPI's MISO on GPIO12) reads the pin's net.
//    Without an IO_MUX (this model alone, in tests) every pad is in the GPIO function with no
//    pull. The pad state belongs to the IO_MUX: reset() here leaves it alone.
//  - Interrupts: a level change on pin n sets GPIO_STATUS bit n when INT_TYPE matches (edge
//    types); level types (4/5) set it whenever the level holds, so clearing it while the level
//    persists sets it again. The single output "irq" (CPU interrupt 4, the SDK's ETS_GPIO_INUM)
//    is asserted while any GPIO_STATUS bit of a pin whose INT_TYPE is not 0 is set.
//  - Host side: set_input() drives a pin's net from outside, weakly (a pull, as through a
//    resistor, so an output driving the pin wins), for tests and a GUI; circuits use parts
//    instead. Against the pad's pull-up, set_input(pin, false) is a pull against a pull: the
//    net floats and reads 0. on_output_change() reports the pin levels whenever they change (not owned; may
//    be empty).
//  - Not modelled: sigma-delta output, RTC calibration, wake-up (stored only).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.hpp"
#include "core/net.hpp"
#include "core/registers.hpp"

namespace boardemu {

class Esp8266Gpio : public Device {
 public:
  static constexpr std::uint32_t GPIO_OUT = 0x00;
  static constexpr std::uint32_t GPIO_OUT_W1TS = 0x04;
  static constexpr std::uint32_t GPIO_OUT_W1TC = 0x08;
  static constexpr std::uint32_t GPIO_ENABLE = 0x0C;
  static constexpr std::uint32_t GPIO_ENABLE_W1TS = 0x10;
  static constexpr std::uint32_t GPIO_ENABLE_W1TC = 0x14;
  static constexpr std::uint32_t GPIO_IN = 0x18;
  static constexpr std::uint32_t GPIO_STATUS = 0x1C;
  static constexpr std::uint32_t GPIO_STATUS_W1TS = 0x20;
  static constexpr std::uint32_t GPIO_STATUS_W1TC = 0x24;
  static constexpr std::uint32_t GPIO_PIN0 = 0x28;
  static constexpr std::uint32_t GPIO_SIGMA_DELTA = 0x68;
  static constexpr std::uint32_t GPIO_RTC_CALIB_SYNC = 0x6C;
  static constexpr std::uint32_t GPIO_RTC_CALIB_VALUE = 0x70;
  static constexpr unsigned kPins = 16;

  static constexpr std::uint32_t PIN_PAD_DRIVER = 1u << 2;
  static constexpr unsigned PIN_INT_TYPE_SHIFT = 7;

  // `scheduler` stamps pin changes with virtual time (null in tests that need none).
  explicit Esp8266Gpio(std::string name, Scheduler* scheduler = nullptr);

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  IrqLine* irq(std::string_view output) override;

  // The pad's pull resistor as IO_MUX sets it (GPIO0..15 have pull-ups only).
  enum class PadPull : std::uint8_t { none, up };

  // ---- pad state, set by the IO_MUX model ----
  // Pin `pin` (0..15): whether its pad is in the GPIO function (else this block does not drive
  // it) and its pull. Throws std::out_of_range for a bad pin.
  void set_pad(unsigned pin, bool gpio_function, PadPull pull);
  bool pad_is_gpio(unsigned pin) const { return !(pad_not_gpio_ & (1u << pin)); }
  // Pin `pin`'s IO_MUX function number (0..7), as IO_MUX last set it (the GPIO function's
  // number, 3 or 0, without an IO_MUX). Throws std::out_of_range for a bad pin.
  void set_pad_function(unsigned pin, unsigned function);
  unsigned pad_function(unsigned pin) const { return pad_function_.at(pin); }

  // ---- peripheral signals on pads (a pad's non-GPIO functions) ----
  // Declares that a peripheral model owns function `function`'s signal on pad `pin` (IO_MUX
  // then does not report that function as unmodelled). One signal per pad.
  void connect_function(unsigned pin, unsigned function);
  bool function_connected(unsigned pin, unsigned function) const;
  // What that output signal drives: it reaches the pin while the pad is in `function`.
  void drive_function(unsigned pin, Drive drive);
  PadPull pad_pull(unsigned pin) const {
    return (pad_pull_up_ & (1u << pin)) ? PadPull::up : PadPull::none;
  }

  // ---- host side ----
  // Drives pin `pin` (0..15) from outside. Throws std::out_of_range for a bad pin.
  void set_input(unsigned pin, bool level);
  // The levels of GPIO0..15 now.
  std::uint16_t pin_levels() const { return levels_; }
  // Called with the new levels whenever any pin level changes.
  void on_output_change(std::function<void(std::uint16_t levels)> cb) { observer_ = std::move(cb); }

  const RegisterBank* registers() const override { return &regs_; }
  std::vector<Pin*> pins() override;
  // "GPIO" while the pad is in the GPIO function, else the IO_MUX function's name.
  std::string pin_function(const Pin& pin) const override;
  Pin& pin(unsigned n) { return *pins_.at(n); }

  void state(StateArchive& ar) override;

 private:
  std::uint16_t compute_levels() const;
  // Puts each pin's drive onto its net as the pad state, GPIO_OUT, GPIO_ENABLE and PAD_DRIVER
  // say (the table in the header comment).
  void drive_pins();
  // Recomputes the pin levels, latches interrupt status for the changes and drives irq.
  void update();

  RegisterBank regs_;
  std::array<std::unique_ptr<Pin>, kPins> pins_;
  std::array<std::unique_ptr<Pin>, kPins> probes_;  // set_input's drivers, made on first use
  Scheduler* scheduler_;
  bool updating_ = false;  // our own drives echo back through the nets
  std::uint16_t levels_ = 0;
  std::uint16_t pad_not_gpio_ = 0;  // pads IO_MUX switched to another function
  std::uint16_t pad_pull_up_ = 0;   // pads with IO_MUX's pull-up on
  std::array<std::uint8_t, kPins> pad_function_{};  // IO_MUX function numbers
  struct FunctionSignal {
    bool connected = false;
    std::uint8_t function = 0;
    Drive drive = Drive::off;
  };
  std::array<FunctionSignal, kPins> signals_{};
  std::function<void(std::uint16_t)> observer_;
  IrqLine irq_;
};

}  // namespace boardemu
