// ESP8266 IO_MUX at 0x60000800: the pad function select and pull-ups of GPIO0..15.
//
// Sources:
//   [TRM]  ESP8266 Technical Reference (Espressif), the IO_MUX appendix / pin list: one
//          register per pad, each pad's functions.
//   [SOC]  ESP8266 NONOS SDK include/eagle_soc.h ("PIN Mux reg"): PERIPHS_IO_MUX 0x60000800,
//          the register offsets, FUNC [5:4] (PERIPHS_IO_MUX_FUNC 0x13 << 4: bit 8 is the
//          function's high bit, as PIN_FUNC_SELECT writes ((FUNC & 4) << 2 | (FUNC & 3)) << 4),
//          PULLUP bit 7, PULLUP2 bit 6, SLEEP_PULLUP bit 3, SLEEP_PULLUP2 bit 2, SLEEP_OE bit 1,
//          OE bit 0; FUNC_GPIOn numbers; IO_MUX_CONF's SPI0_CLK_EQU_SYS_CLK bit 8 and
//          SPI1_CLK_EQU_SYS_CLK bit 9.
//   [MUX]  ESP8266_RTOS_SDK include/espressif/esp8266/pin_mux_register.h: the same offsets and
//          bits (bit 6 named PERIPHS_IO_MUX_PULLDWN there, bit 2 SLEEP_PULLDWN) and every
//          pad's function numbers 0..4, e.g. MTDI: 0 MTDI, 1 I2SI_DATA, 2 HSPIQ_MISO, 3 GPIO12,
//          4 UART0_DTR.
//
// Registers (offsets from 0x60000800), one per pad in pad order, not GPIO order:
//   0x00 IO_MUX_CONF   stored (SPI0/SPI1_CLK_EQU_SYS_CLK bits 8/9 have no effect here)
//   0x04 MTDI_U  GPIO12    0x08 MTCK_U  GPIO13    0x0C MTMS_U  GPIO14    0x10 MTDO_U  GPIO15
//   0x14 U0RXD_U GPIO3     0x18 U0TXD_U GPIO1     0x1C SD_CLK_U GPIO6    0x20 SD_DATA0_U GPIO7
//   0x24 SD_DATA1_U GPIO8  0x28 SD_DATA2_U GPIO9  0x2C SD_DATA3_U GPIO10 0x30 SD_CMD_U GPIO11
//   0x34 GPIO0_U           0x38 GPIO2_U           0x3C GPIO4_U           0x40 GPIO5_U
// Pad register fields: OE [0], SLEEP_OE [1], SLEEP_PULLUP2 [2], SLEEP_PULLUP [3], FUNC [5:4]
// with FUNC's bit 2 in [8], PULLUP2 [6], PULLUP [7]; bits 31:9 are not stored (read 0).
// The GPIO function is number 3 on MTDI/MTCK/MTMS/MTDO, U0RXD (FUNC_GPIO3), U0TXD (FUNC_GPIO1)
// and the SD_* pads, and number 0 on the GPIO0/GPIO2/GPIO4/GPIO5 pads ([SOC], [MUX]).
//
// Model:
//  - Each pad register is stored; on every write (and at reset) the pad's state goes to the
//    GPIO model (`params: {gpio: <esp8266-gpio device>}`, which must precede this one in the
//    board file) through Esp8266Gpio::set_pad: GPIO function or not, pull-up on or off. The
//    GPIO model decides the pin's drive from that (esp8266_gpio.hpp).
//  - Pull-up: PULLUP (bit 7) or PULLUP2 (bit 6). Bit 6 is not a pull-down: older SDK headers
//    ([MUX]) call it PULLDWN, but Espressif says GPIO0..15 have no pull-down ("Only RTC_IO(IO16)
//    can internal pull down", ESP8266_RTOS_SDK issue #16; "There are no pull-down functions on
//    GPIO pad", Espressif BBS as quoted in esp8266/Arduino issue #478), the current NONOS SDK
//    renamed it PULLUP2 ([SOC]), and users who set it measured a pull-up (esp8266/Arduino #478,
//    micropython/micropython pull request #1288). So it is modelled as a second pull-up enable.
//  - The pad's function number also goes to the GPIO model (Esp8266Gpio::set_pad_function): a
//    peripheral model that owns that function's signal on the pad drives the pin through it
//    (HSPI, function 2 on MTDI/MTCK/MTMS/MTDO: esp8266_hspi.hpp). Other functions (UART, SPI,
//    I2S, JTAG, SDIO, clock outputs) are not wired to their peripherals' signals: a pad
//    switched to one is undriven except for its pull, and the switch is logged under `unimp`
//    once per pad; a function number the sources do not list for that pad is logged under
//    `guest_error` once per pad.
//  - OE, the sleep fields and IO_MUX_CONF are stored only (sleep modes are not modelled).
//  - Reset values are this model's choice; neither the TRM nor the SDK lists them. FUNC: 0 on
//    every pad (GPIO on GPIO0/2/4/5, UART0 on U0TXD/U0RXD, JTAG on MTDI..MTDO), except the
//    SD_* pads in function 1 (SPI: the flash interface the boot ROM runs from). Pulls: none.
//    A forum measurement (esp8266.com topic 16141, 2017) saw GPIO0/1/2/3/12..15 pulled high
//    during boot and GPIO4/5 high impedance; whether the pull-ups are still on when the
//    application starts is not documented, so they are not set here.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/device.hpp"
#include "core/registers.hpp"

namespace boardemu {

class Esp8266Gpio;

class Esp8266Iomux : public Device {
 public:
  static constexpr std::uint32_t IO_MUX_CONF = 0x00;
  static constexpr std::uint32_t MTDI_U = 0x04;
  static constexpr std::uint32_t MTCK_U = 0x08;
  static constexpr std::uint32_t MTMS_U = 0x0C;
  static constexpr std::uint32_t MTDO_U = 0x10;
  static constexpr std::uint32_t U0RXD_U = 0x14;
  static constexpr std::uint32_t U0TXD_U = 0x18;
  static constexpr std::uint32_t SD_CLK_U = 0x1C;
  static constexpr std::uint32_t SD_DATA0_U = 0x20;
  static constexpr std::uint32_t SD_DATA1_U = 0x24;
  static constexpr std::uint32_t SD_DATA2_U = 0x28;
  static constexpr std::uint32_t SD_DATA3_U = 0x2C;
  static constexpr std::uint32_t SD_CMD_U = 0x30;
  static constexpr std::uint32_t GPIO0_U = 0x34;
  static constexpr std::uint32_t GPIO2_U = 0x38;
  static constexpr std::uint32_t GPIO4_U = 0x3C;
  static constexpr std::uint32_t GPIO5_U = 0x40;
  static constexpr unsigned kPads = 16;

  // Pad register fields ([SOC] names).
  static constexpr std::uint32_t OE = 1u << 0;
  static constexpr std::uint32_t SLEEP_OE = 1u << 1;
  static constexpr std::uint32_t SLEEP_PULLUP2 = 1u << 2;
  static constexpr std::uint32_t SLEEP_PULLUP = 1u << 3;
  static constexpr std::uint32_t FUNC_LOW = 3u << 4;
  static constexpr std::uint32_t PULLUP2 = 1u << 6;
  static constexpr std::uint32_t PULLUP = 1u << 7;
  static constexpr std::uint32_t FUNC_HIGH = 1u << 8;
  static constexpr std::uint32_t PAD_BITS = 0x1FF;

  // The FUNC field of pad register value `reg` (0..7).
  static constexpr unsigned function_of(std::uint32_t reg) {
    return ((reg >> 4) & 3) | (((reg >> 8) & 1) << 2);
  }
  // The FUNC bits of a pad register selecting function `f` (0..7), as PIN_FUNC_SELECT writes.
  static constexpr std::uint32_t func_bits(unsigned f) {
    return ((f & 3u) << 4) | (((f >> 2) & 1u) << 8);
  }
  // The pad register offset of GPIOn (0..15). Throws std::out_of_range.
  static std::uint32_t pad_offset(unsigned gpio);
  // The function number that makes GPIOn's pad a GPIO (0..15). Throws std::out_of_range.
  static unsigned gpio_function(unsigned gpio);

  struct Params {
    std::string gpio;  // the esp8266-gpio device whose pads these registers configure
  };
  // Known key: gpio. Throws std::invalid_argument.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Finds Params::gpio among ctx.bus's devices (none if empty); throws std::invalid_argument
  // if it is named but missing or not an esp8266-gpio.
  Esp8266Iomux(std::string name, const DeviceContext& ctx, const Params& params);
  // `gpio` may be null: the registers are then stored only.
  Esp8266Iomux(std::string name, Esp8266Gpio* gpio);

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  // Tells the GPIO model the state of pad `index` (in the pad table).
  void apply(unsigned index);
  // A write changed pad `index`'s function from `old_func`: logs an unmodelled function.
  void note_function(unsigned index, unsigned old_func);

  Esp8266Gpio* gpio_;
  RegisterBank regs_;
  std::uint32_t logged_ = 0;  // pads whose non-GPIO function was logged (kept across reset)
};

}  // namespace boardemu
