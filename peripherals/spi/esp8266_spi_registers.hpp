// The register map shared by the ESP8266's two SPI controllers, SPI0 (the flash controller,
// flash/esp8266_spi_flash.hpp) and SPI1 (HSPI, spi/esp8266_hspi.hpp): the same block at
// 0x60000200 and 0x60000100 (ESP8266 Technical Reference, SPI chapter; SDK spi_register.h).
// Offsets only; what each controller does with them is its model's.
#pragma once

#include <cstdint>

namespace boardemu {

struct Esp8266SpiRegisters {
  static constexpr std::uint32_t SPI_CMD = 0x00;
  static constexpr std::uint32_t SPI_ADDR = 0x04;
  static constexpr std::uint32_t SPI_CTRL = 0x08;
  static constexpr std::uint32_t SPI_CTRL1 = 0x0C;
  static constexpr std::uint32_t SPI_RD_STATUS = 0x10;
  static constexpr std::uint32_t SPI_CTRL2 = 0x14;
  static constexpr std::uint32_t SPI_CLOCK = 0x18;
  static constexpr std::uint32_t SPI_USER = 0x1C;
  static constexpr std::uint32_t SPI_USER1 = 0x20;
  static constexpr std::uint32_t SPI_USER2 = 0x24;
  static constexpr std::uint32_t SPI_WR_STATUS = 0x28;
  static constexpr std::uint32_t SPI_PIN = 0x2C;
  static constexpr std::uint32_t SPI_SLAVE = 0x30;
  static constexpr std::uint32_t SPI_SLAVE1 = 0x34;
  static constexpr std::uint32_t SPI_SLAVE2 = 0x38;
  static constexpr std::uint32_t SPI_SLAVE3 = 0x3C;
  static constexpr std::uint32_t SPI_W0 = 0x40;  // .. SPI_W15 at 0x7C
  static constexpr std::uint32_t SPI_EXT0 = 0xF0;  // .. SPI_EXT3 at 0xFC
};

}  // namespace boardemu
