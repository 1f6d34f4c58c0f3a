// A serial NOR flash chip as a controller that issues whole instructions drives it (the ESP8266
// SPI0 flash controller, which is handed an opcode, an address and data lengths, and runs the
// bus phases itself). Not a bus device.
//
// The chip is the Winbond W25Q32JV-class part, parts/w25q_flash.hpp, which holds the one state
// machine (instruction set, status registers, WEL, BUSY timing, program/erase semantics, the
// datasheet sections they come from). This class adds:
//  - transfer(): one instruction as one chip-select frame on that part: the opcode, the
//    address bytes and dummy bytes the instruction takes (Fast Read's dummy byte and ABh's
//    three are supplied here, so the caller gives only the phases it has data for), the MOSI
//    bytes, then the MISO bytes (the chip is clocked with FFh on MOSI for those), and /CS
//    rising, where program and erase take effect;
//  - image files (load_file, save_file) and a single modified-range callback (on_modified).
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

#include "core/scheduler.hpp"
#include "parts/w25q_flash.hpp"

namespace boardemu {

class SpiNorFlash : public W25qFlash {
 public:
  struct Timing : W25qFlash::Timing {
    // The W25Q32JV typical figures at `cpu_hz` CPU cycles per second.
    static Timing w25q_typical(std::uint64_t cpu_hz) { return {W25qFlash::Timing::typical(cpu_hz)}; }
    static Timing instant() { return {}; }
  };

  // `size`: a power of two from 64 KiB to 16 MiB. `jedec_id`: 0xMMTTCC (manufacturer, memory
  // type, capacity), e.g. 0xEF4016 for a W25Q32; 0 for Winbond's ID of that size. `mapped`
  // (may be empty) holds the first bytes of the chip; it must not be larger than `size`.
  // `clock` must outlive the chip. The contents are erased (0xFF).
  // `name` names it in logs and its scheduler event ("<name>.busy_end"): unique per scheduler.
  // Throws std::invalid_argument for a bad size or mapping.
  SpiNorFlash(std::uint32_t size, std::uint32_t jedec_id, Timing timing, Scheduler& clock,
              std::span<std::uint8_t> mapped = {}, std::string name = "spi-nor-flash");

  // One instruction with chip select held low: `opcode`, then the 24-bit address if the
  // instruction takes one (ignored otherwise) and its dummy bytes, then `mosi` bytes in, while
  // `miso` is filled with what the chip drives (0xFF where it drives nothing).
  void transfer(std::uint8_t opcode, std::uint32_t address, std::span<const std::uint8_t> mosi,
                std::span<std::uint8_t> miso);

  // Image files. load_file() reads a file of at most size() bytes to offset 0 (the rest stays
  // as it is) and throws std::runtime_error naming the file on failure. save_file() writes the
  // whole chip atomically (a temporary file in the same directory, flushed and fsync'ed, then
  // renamed over `path`) and throws std::runtime_error naming the file on failure; the
  // previous file is left untouched if anything goes wrong.
  void load_file(const std::string& path);
  void save_file(const std::string& path) const;

  // Called after program/erase changed [addr, addr + len) (e.g. to drop cached decodings of
  // code held there). Replaces the callback set before (null: none).
  void on_modified(std::function<void(std::uint32_t addr, std::uint32_t len)> cb);

 private:
  ObserverId modified_ = 0;
};

}  // namespace boardemu
