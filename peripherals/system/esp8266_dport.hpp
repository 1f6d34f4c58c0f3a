// ESP8266 DPORT block at 0x3FF00000: core/peripheral glue registers.
//
// Espressif documents little of this block. Sources: the ESP8266 SDK's eagle_soc.h
// (EDGE_INT_ENABLE_REG = 0x3FF00004; TM1_EDGE_INT_ENABLE() sets bit 1 so that FRC1's edge
// interrupt reaches the CPU), the SDK's efuse reads for system_get_chip_id() (0x3FF00050..5C)
// and esp-open-rtos' dport_regs.h, which names what the SDK's start-up code touches:
//   0x00 DPORT0 (start-up code writes field [4:0])
//   0x04 EDGE_INT_ENABLE: bit 0 WDT, bit 1 FRC1 (timer 0), bit 2 FRC2 (timer 1) edge
//        interrupts to the CPU
//   0x0C SPI_READY: bit 9 set while the SPI flash interface is idle
//   0x14 CPU_CLOCK: bit 0 doubles the CPU clock (160 MHz)
//   0x18 CLOCKGATE_WATCHDOG, 0x20 SPI_INT_STATUS, 0x24 SPI_CACHE_RAM, 0x28 PERI_IO,
//   0x2C SLC_TX_DESC_DEBUG
//   0x50..0x5C efuse words (OTP_MAC0, OTP_MAC1, OTP_CHIPID, OTP_MAC2), read-only
//
// Model: every word offset in the window is storage (reads return what was written; reset 0),
// so start-up code that reads back what it wrote works. EDGE_INT_ENABLE is used by the FRC
// timer model (edge_int_enabled()). SPI_READY reads with bit 9 set: the flash interface is
// modelled as always idle between commands. Writing CPU_CLOCK bit 0 is logged under `unimp`
// (the board's CPU clock stays as declared). The efuse words are read-only; their values come
// from `params: {efuse0..efuse3}` (default 0). Accesses to registers without a documented
// meaning are logged under `unimp`.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core/device.hpp"

namespace boardemu {

class Esp8266Dport : public Device {
 public:
  static constexpr std::uint32_t DPORT0 = 0x00;
  static constexpr std::uint32_t EDGE_INT_ENABLE = 0x04;
  static constexpr std::uint32_t SPI_READY = 0x0C;
  static constexpr std::uint32_t CPU_CLOCK = 0x14;
  static constexpr std::uint32_t CLOCKGATE_WATCHDOG = 0x18;
  static constexpr std::uint32_t SPI_INT_STATUS = 0x20;
  static constexpr std::uint32_t SPI_CACHE_RAM = 0x24;
  static constexpr std::uint32_t PERI_IO = 0x28;
  static constexpr std::uint32_t SLC_TX_DESC_DEBUG = 0x2C;
  static constexpr std::uint32_t EFUSE0 = 0x50;  // ..0x5C
  static constexpr std::uint32_t kWindow = 0x100;

  struct Params {
    std::array<std::uint32_t, 4> efuse{};
  };
  // Known keys: efuse0..efuse3 (integers). Throws std::invalid_argument.
  static Params parse_params(const std::map<std::string, std::string>& params);

  Esp8266Dport(std::string name, Params params);
  explicit Esp8266Dport(std::string name) : Esp8266Dport(std::move(name), Params{}) {}

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;

  // EDGE_INT_ENABLE bit `bit` (0 WDT, 1 FRC1, 2 FRC2).
  bool edge_int_enabled(unsigned bit) const { return (words_[EDGE_INT_ENABLE / 4] >> bit) & 1; }

  void state(StateArchive& ar) override;

 private:
  static bool documented(std::uint32_t word_offset);

  Params params_;
  std::array<std::uint32_t, kWindow / 4> words_{};
};

}  // namespace boardemu
