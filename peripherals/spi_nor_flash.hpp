// A serial NOR flash chip (the 25-series command set), as a component that an SPI flash
// controller model drives one transaction at a time. Not a bus device.
//
// Implements the instruction set and status register of the Winbond W25Q32JV / W25Q16JV
// ("3V 32M-bit / 16M-bit Serial Flash Memory with Dual/Quad SPI", Winbond, datasheet sections
// 7.1 "Status Registers" and 8.2 "Instructions"), which GigaDevice GD25Q32/GD25Q16 share:
//   0x06 Write Enable (WEL=1)          0x04 Write Disable (WEL=0)
//   0x05 Read Status Register-1        0x35 Read Status Register-2
//   0x01 Write Status Register         0x9F Read JEDEC ID (manufacturer, type, capacity)
//   0x03 Read Data, 0x0B Fast Read     0x02 Page Program (within one 256-byte page)
//   0x20 Sector Erase (4 KiB)          0x52 Block Erase (32 KiB)   0xD8 Block Erase (64 KiB)
//   0xC7 / 0x60 Chip Erase             0xAB Release Power-down     0xB9 Power-down (ignored)
// Status register 1: BUSY/WIP [0], WEL [1], BP0..2 [4:2], TB [5], SEC [6], SRP [7].
//
// Behaviour from the datasheet:
//  - Program and erase need WEL (set by Write Enable); WEL clears when the operation ends.
//    Without WEL the instruction is ignored (logged as a guest error).
//  - Page Program only changes 1 bits to 0 (stored = old & new). Bytes past the end of the
//    256-byte page wrap to its start; more than 256 bytes keep the last 256 (8.2.16).
//  - Erase sets the sector/block/chip to 0xFF, the address rounded down to its boundary.
//  - While an operation is in progress (BUSY = 1) only the status reads are accepted; any
//    other instruction is ignored (logged as a guest error).
//  - Addresses wrap at the chip size.
//  - Timing (AC electrical characteristics, W25Q32JV, typical values): tPP 0.4 ms, tSE 45 ms,
//    tBE1 (32 KiB) 120 ms, tBE2 (64 KiB) 150 ms, tCE 10 s, tW (write status) 10 ms. BUSY is
//    set for that long from the instruction; Timing::instant() makes all of them 0.
//  - Contents change when the instruction is accepted (not at the end of BUSY): a reader that
//    respects BUSY cannot tell the difference.
//  - The block-protect bits are stored but not enforced (logged under `unimp` when set).
//
// Storage: the first `mapped.size()` bytes of the chip live in memory the caller owns (for the
// ESP8266, the flash cache window's bytes, so the CPU reads what the chip holds); the rest in
// the chip object. An erased chip is all 0xFF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/scheduler.hpp"

namespace boardemu {

class SpiNorFlash {
 public:
  struct Timing {
    Cycles page_program = 0;
    Cycles sector_erase = 0;
    Cycles block_erase_32k = 0;
    Cycles block_erase_64k = 0;
    Cycles chip_erase = 0;
    Cycles write_status = 0;
    // The W25Q32JV typical figures at `cpu_hz` CPU cycles per second.
    static Timing w25q_typical(std::uint64_t cpu_hz);
    static Timing instant() { return {}; }
  };

  static constexpr std::uint8_t SR_BUSY = 1u << 0;
  static constexpr std::uint8_t SR_WEL = 1u << 1;
  static constexpr std::uint32_t kPageSize = 256;
  static constexpr std::uint32_t kSectorSize = 4096;

  // `size`: a power of two from 64 KiB to 16 MiB. `jedec_id`: 0xMMTTCC (manufacturer, memory
  // type, capacity), e.g. 0xEF4016 for a W25Q32. `mapped` (may be empty) holds the first bytes
  // of the chip; it must not be larger than `size`. The contents are erased (0xFF).
  // Throws std::invalid_argument for a bad size or mapping.
  SpiNorFlash(std::uint32_t size, std::uint32_t jedec_id, Timing timing, const Scheduler& clock,
              std::span<std::uint8_t> mapped = {});

  std::uint32_t size() const { return size_; }
  std::uint32_t jedec_id() const { return jedec_id_; }

  // One instruction with chip select held low: `opcode`, then the 24-bit address if the
  // instruction takes one (ignored otherwise), then `mosi` bytes in, while `miso` is filled
  // with what the chip drives (0xFF where it drives nothing).
  void transfer(std::uint8_t opcode, std::uint32_t address, std::span<const std::uint8_t> mosi,
                std::span<std::uint8_t> miso);

  std::uint8_t status() const;
  bool busy() const { return clock_.now() < busy_until_; }

  // Direct access (loaders, tests, the controller's bookkeeping); addresses wrap.
  std::uint8_t byte_at(std::uint32_t addr) const;
  void read(std::uint32_t addr, std::span<std::uint8_t> out) const;
  // Overwrites bytes regardless of flash semantics (loading an image).
  void load(std::uint32_t addr, std::span<const std::uint8_t> data);

  // Image files. load_file() reads a file of at most size() bytes to offset 0 (the rest stays
  // as it is) and throws std::runtime_error naming the file on failure. save_file() writes the
  // whole chip atomically (a temporary file in the same directory, flushed and fsync'ed, then
  // renamed over `path`) and throws std::runtime_error naming the file on failure; the
  // previous file is left untouched if anything goes wrong.
  void load_file(const std::string& path);
  void save_file(const std::string& path) const;

  // Called after program/erase changed [addr, addr + len) (e.g. to drop cached decodings of
  // code held there).
  void on_modified(std::function<void(std::uint32_t addr, std::uint32_t len)> cb) {
    modified_ = std::move(cb);
  }

 private:
  std::uint8_t& at(std::uint32_t addr);
  bool begin_write_op(const char* what, Cycles duration);
  void erase(std::uint32_t addr, std::uint32_t len, const char* what, Cycles duration);

  std::uint32_t size_;
  std::uint32_t jedec_id_;
  Timing timing_;
  const Scheduler& clock_;
  std::span<std::uint8_t> mapped_;
  std::vector<std::uint8_t> rest_;
  std::uint8_t sr1_ = 0;  // WEL and the non-volatile bits; BUSY is computed
  std::uint8_t sr2_ = 0;
  Cycles busy_until_ = 0;
  bool wel_clears_when_idle_ = false;
  std::function<void(std::uint32_t, std::uint32_t)> modified_;
};

}  // namespace boardemu
