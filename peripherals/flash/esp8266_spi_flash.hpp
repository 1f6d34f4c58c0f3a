// ESP8266 SPI0 flash controller (0x60000200) with its SPI NOR flash chip.
//
// Register map from the ESP8266 Technical Reference (Espressif), SPI chapter, and the ESP8266
// SDK's spi_register.h (REG_SPI_BASE(0) = 0x60000200):
//   0x00 SPI_CMD       command bits, cleared by the hardware when the command is done:
//                      READ 31, WREN 30, WRDI 29, RDID 28, RDSR 27, WRSR 26, PP 25, SE 24,
//                      BE 23, CE 22, DP 21, RES 20, HPM 19, USR 18
//   0x04 SPI_ADDR      flash address [23:0]; byte count [31:24] for READ and PP
//   0x08 SPI_CTRL      read modes (QIO/DIO/QOUT/DOUT/FASTRD), TWO_BYTE_STATUS_EN 22, ...
//   0x0C SPI_CTRL1     0x10 SPI_RD_STATUS (status byte [7:0] for RDSR/WRSR)
//   0x14 SPI_CTRL2     0x18 SPI_CLOCK       0x1C SPI_USER    0x20 SPI_USER1   0x24 SPI_USER2
//   0x28 SPI_WR_STATUS 0x2C SPI_PIN         0x30..0x3C SPI_SLAVE..SPI_SLAVE3
//   0x40..0x7C SPI_W0..SPI_W15   the 64-byte data buffer (byte 0 = W0 bits 7:0)
//   0xF0..0xFC SPI_EXT0..SPI_EXT3
// The mask ROM's SPIRead/SPIWrite/SPIEraseSector (and the SDK's spi_flash_* on top of them) use
// exactly the command bits: SPI_ADDR = addr | len << 24, SPI_CMD = READ/PP, poll SPI_CMD until
// 0, move data through W0..; erase = WREN, then SE with SPI_ADDR = addr; completion is polled
// with RDSR until the chip's WIP bit (RD_STATUS bit 0) clears.
//
// Model:
//  - A command runs to completion when SPI_CMD is written; SPI_CMD then reads 0. The SPI bus
//    transfer time is not modelled (the flash chip's own program/erase time is: see
//    spi_nor_flash.hpp). Several command bits in one write run the highest one (logged).
//  - READ/PP move ADDR[31:24] bytes (at most 64, the buffer size; more is clamped and logged)
//    between W0.. and the chip. RDID puts the 3 JEDEC ID bytes in W0 [23:0] (manufacturer in
//    bits 7:0). RDSR puts the status in RD_STATUS [7:0]; WRSR writes RD_STATUS [7:0] (and
//    [15:8] with CTRL.TWO_BYTE_STATUS_EN).
//  - USR runs a user-defined transaction described by SPI_USER (COMMAND 31, ADDR 30, DUMMY 29,
//    MISO 28, MOSI 27), SPI_USER1 (ADDR_BITLEN [31:26], MOSI_BITLEN [25:17], MISO_BITLEN
//    [16:8], all "bits - 1") and SPI_USER2 (COMMAND_BITLEN [31:28], COMMAND_VALUE [15:0]); only
//    8-bit commands and whole bytes are supported (others logged under `unimp`). The address
//    is taken left-aligned from SPI_ADDR, MOSI data from W0.., MISO data lands in W0...
//  - DP/RES/HPM and all other registers are stored only.
//  - The chip's first bytes ARE the board's flash cache window (`params: {xip_region: NAME}`,
//    a memory region of kind flash): the CPU fetches and loads what the chip holds, ELF
//    segments linked there land in the chip, and program/erase through SPI0 show up there at
//    once. Only the first window-size bytes are mapped (the ESP8266 cache maps 1 MiB at
//    0x40200000; the cache mapping registers are not modelled).
//
// Params: xip_region (memory region name; optional), size (bytes, default 0x400000),
// jedec_id (default 0xEF4016 for 4 MiB, 0xEF4015 for 2 MiB: Winbond W25Q32/W25Q16),
// image (file loaded at start; missing is an error unless persist is true), persist
// (true/false: write the chip back to `image` atomically when the device is destroyed),
// timing (typical: the W25Q32JV typical figures; instant: no busy time).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/device.hpp"
#include "spi/esp8266_spi_registers.hpp"
#include "core/registers.hpp"
#include "flash/spi_nor_flash.hpp"

namespace boardemu {

class Esp8266SpiFlash : public Device, public Esp8266SpiRegisters {
 public:

  static constexpr std::uint32_t CMD_READ = 1u << 31;
  static constexpr std::uint32_t CMD_WREN = 1u << 30;
  static constexpr std::uint32_t CMD_WRDI = 1u << 29;
  static constexpr std::uint32_t CMD_RDID = 1u << 28;
  static constexpr std::uint32_t CMD_RDSR = 1u << 27;
  static constexpr std::uint32_t CMD_WRSR = 1u << 26;
  static constexpr std::uint32_t CMD_PP = 1u << 25;
  static constexpr std::uint32_t CMD_SE = 1u << 24;
  static constexpr std::uint32_t CMD_BE = 1u << 23;
  static constexpr std::uint32_t CMD_CE = 1u << 22;
  static constexpr std::uint32_t CMD_DP = 1u << 21;
  static constexpr std::uint32_t CMD_RES = 1u << 20;
  static constexpr std::uint32_t CMD_HPM = 1u << 19;
  static constexpr std::uint32_t CMD_USR = 1u << 18;

  static constexpr std::uint32_t USER_COMMAND = 1u << 31;
  static constexpr std::uint32_t USER_ADDR = 1u << 30;
  static constexpr std::uint32_t USER_DUMMY = 1u << 29;
  static constexpr std::uint32_t USER_MISO = 1u << 28;
  static constexpr std::uint32_t USER_MOSI = 1u << 27;
  static constexpr std::uint32_t CTRL_TWO_BYTE_STATUS_EN = 1u << 22;

  static constexpr unsigned kBufferBytes = 64;

  struct Params {
    std::string xip_region;
    std::uint32_t size = 0x400000;
    std::optional<std::uint32_t> jedec_id;
    std::string image;
    bool persist = false;
    bool instant = false;
  };
  // Throws std::invalid_argument naming a bad key or value.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Finds the XIP region on ctx.bus (if named), builds the chip, loads the image. Throws
  // std::invalid_argument / std::runtime_error with a one-line message.
  Esp8266SpiFlash(std::string name, const DeviceContext& ctx, Params params);
  // With `persist`, writes the chip back to the image file (errors go to stderr: there is no
  // one left to throw to).
  ~Esp8266SpiFlash() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  // Register reset only: the flash contents are non-volatile.
  void reset() override;

  SpiNorFlash& chip() { return *chip_; }
  NonVolatileMemory* nonvolatile() override { return chip_.get(); }
  // Reports program/erase that changed bytes of the cache window, as CPU addresses
  // [addr, addr + len) (clipped to the window), so a CPU backend can drop code it decoded from
  // there. Replaces any chip().on_modified() callback.
  void on_xip_modified(std::function<void(std::uint32_t addr, std::uint32_t len)> cb);
  // Writes the chip to the image file now (persist). Throws std::runtime_error.
  void save();

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  void execute(std::uint32_t cmd);
  void buffer_to(std::uint8_t* out, unsigned n) const;
  void buffer_from(const std::uint8_t* in, unsigned n);
  unsigned transfer_length(const char* what) const;
  void user_command();

  Params params_;
  std::uint32_t xip_base_ = 0;  // CPU address of the window (0 and size 0 without one)
  std::uint32_t xip_size_ = 0;
  std::unique_ptr<SpiNorFlash> chip_;
  RegisterBank regs_;
};

}  // namespace boardemu
