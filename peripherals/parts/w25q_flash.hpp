// Winbond W25Q-series serial NOR flash (W25Q32JV class), a part on an SPI bus.
//
// Datasheet: Winbond "W25Q32JV 3V 32M-bit Serial Flash Memory with Dual, Quad SPI", revision F
// (May 11, 2017); the W25Q16JV/W25Q64JV/W25Q128JV share the instruction set, and so do the
// GigaDevice GD25Q parts. What is modelled, with the section it comes from:
//
//  - Standard SPI (section 6 "Functional Descriptions", "Standard SPI Instructions"): bits
//    go in on DI on the rising edge of CLK and come out on DO on the falling edge, modes 0 and
//    3; every instruction starts with /CS falling and ends with /CS rising (4.1 "Chip Select").
//    The bit level is BitBangSpi's (core/spi.hpp); this class sees whole bytes (SpiTarget).
//  - Status Register-1 (7.1 "Status Registers"): BUSY S0, WEL S1, BP0..2 S4:2, TB S5, SEC S6,
//    SRP S7; Status Register-2 is stored and read back. The block-protect bits are stored, not
//    enforced (logged under `unimp` when set).
//  - Instructions (8.2 "Instruction Descriptions"):
//      06h Write Enable (WEL = 1)           04h Write Disable (WEL = 0)
//      05h Read Status Register-1           35h Read Status Register-2
//      01h Write Status Register (SR1, and SR2 when a second byte follows)
//      9Fh Read JEDEC ID (manufacturer EFh, memory type 40h, capacity log2(size); EF 40 16 for
//          the 4 MiB W25Q32JV)             90h Read Manufacturer / Device ID
//      03h Read Data                        0Bh Fast Read (eight dummy clocks after the address)
//      02h Page Program                     20h Sector Erase (4 KiB)
//      52h Block Erase (32 KiB)             D8h Block Erase (64 KiB)
//      C7h / 60h Chip Erase                 B9h Power-down
//      ABh Release Power-down / Device ID (the device ID, 15h for the W25Q32JV, after three
//          dummy bytes, repeated while clocked)
//    Dual/quad I/O, suspend/resume, security registers, SFDP, unique ID, reset (66h/99h) and the
//    volatile status write enable (50h) are not modelled: they are logged as unknown
//    instructions and ignored.
//  - Reads stream from the address on, rolling over from the last byte to 0. Addresses are
//    24 bits, taken modulo the chip size.
//  - Program and erase (Page Program, Sector/Block/Chip Erase, Write Status Register) need
//    WEL = 1 and run when /CS rises after the last byte: "/CS must be driven high after the
//    eighth bit of the last byte has been latched. If this is not done the ... instruction will
//    not be executed" (8.2, each instruction). A frame that ends before its address is complete,
//    a Page Program with no data byte, or no WEL: the instruction is ignored (a guest error).
//  - Page Program: up to 256 bytes into one page. Addressing wraps within the page; bytes past
//    256 overwrite the ones sent before ("Page Program (02h)"). Programming only clears bits
//    (stored = old AND new). Erase sets the sector/block/chip to FFh, the address rounded down
//    to its boundary.
//  - BUSY: the operation takes the typical time of the AC Electrical Characteristics table
//    (section 9): tPP 0.4 ms, tSE 45 ms, tBE1 (32 KiB) 120 ms, tBE2 (64 KiB) 150 ms, tCE 10 s,
//    tW (write status) 10 ms. Typical, not maximum: firmware polls BUSY, and the typical figure
//    is what a real chip mostly shows. While BUSY = 1 only the status reads (05h, 35h) are
//    accepted; any other instruction is ignored (a guest error). WEL clears when the operation
//    ends. The end is one Scheduler event the part owns (busy_end_, re-armed from
//    `busy_until_`); status reads also see the time directly, so a host that advances virtual
//    time without running due events reads the same status.
//  - The contents change when the instruction is accepted at /CS rising, not at the end of
//    BUSY: firmware that respects BUSY cannot tell, and a host view (an execute-in-place window,
//    a file written through) sees the final bytes at once. Change observers are told then.
//  - Power-down (B9h): every instruction but ABh is ignored (a guest error) until ABh. The
//    3 us tDP / tRES1 delays are not modelled.
//  - Not modelled: /WP, /HOLD, the power-up delays, block protection, partial-byte frames
//    (a frame cut inside a byte is handled by the bit-level engine, which drops the bits).
//
// Storage: the first `mapped.size()` bytes can live in memory the caller owns (an
// execute-in-place window a bus maps, such as the ESP8266 flash cache), the rest in the part.
// A new part is erased (all FFh).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/nonvolatile.hpp"
#include "core/event.hpp"
#include "core/scheduler.hpp"
#include "core/spi.hpp"

namespace boardemu {

class W25qFlash : public SpiTarget, public NonVolatileMemory {
 public:
  // Operation times in scheduler cycles.
  struct Timing {
    Cycles page_program = 0;     // tPP
    Cycles sector_erase = 0;     // tSE
    Cycles block_erase_32k = 0;  // tBE1
    Cycles block_erase_64k = 0;  // tBE2
    Cycles chip_erase = 0;       // tCE
    Cycles write_status = 0;     // tW
    // The W25Q32JV typical figures at `cpu_hz` scheduler cycles per second.
    static Timing typical(std::uint64_t cpu_hz);
    // No busy time at all.
    static Timing instant() { return {}; }
  };

  struct Params {
    std::uint32_t size = 0x400000;  // bytes: a power of two from 64 KiB to 16 MiB
    std::uint32_t jedec_id = 0;     // 0xMMTTCC; 0: Winbond's, EF 40 log2(size)
    Timing timing = {};
  };

  // One instruction's framing: what follows the opcode byte.
  struct Instruction {
    std::uint8_t opcode;
    const char* name;             // as the datasheet names it
    std::uint8_t address_bytes;   // A23..A0, most significant byte first
    std::uint8_t dummy_bytes;     // dummy clocks after the address, in bytes
    bool while_busy;              // accepted while BUSY = 1
  };
  // The modelled instruction `opcode`, or null.
  static const Instruction* instruction(std::uint8_t opcode);

  static constexpr std::uint8_t SR_BUSY = 1u << 0;
  static constexpr std::uint8_t SR_WEL = 1u << 1;
  static constexpr std::uint8_t SR_BP_MASK = 0x1C;  // BP0..BP2
  static constexpr std::uint32_t kPageSize = 256;
  static constexpr std::uint32_t kSectorSize = 0x1000;
  static constexpr std::uint32_t kBlock32Size = 0x8000;
  static constexpr std::uint32_t kBlock64Size = 0x10000;

  // `name` prefixes the part's log lines (e.g. "flash1"). `scheduler` must outlive the part.
  // `mapped` (may be empty) holds the first bytes of the chip; it must not be larger than the
  // chip. Throws std::invalid_argument for a bad size or mapping. The contents are erased.
  W25qFlash(std::string name, Scheduler& scheduler, Params params,
            std::span<std::uint8_t> mapped = {});
  ~W25qFlash() override;
  W25qFlash(const W25qFlash&) = delete;
  W25qFlash& operator=(const W25qFlash&) = delete;

  const std::string& name() const { return name_; }
  std::uint32_t size() const { return size_; }
  std::uint32_t jedec_id() const { return jedec_id_; }
  // The ABh/90h device ID: the capacity code minus one (15h for the W25Q32JV).
  std::uint8_t device_id() const { return static_cast<std::uint8_t>((jedec_id_ & 0xFF) - 1); }
  const Timing& timing() const { return timing_; }

  // ---- SpiTarget: the chip on its SPI pins
  void select() override;
  void deselect() override;
  std::uint8_t shift_out() override;
  void shift_in(std::uint8_t mosi) override;

  // ---- State as the host sees it (no side effects)
  // Status Register-1, BUSY included.
  std::uint8_t status() const;
  std::uint8_t status_register_2() const { return sr2_; }
  bool busy() const { return operation_ != Operation::none && scheduler_.now() < busy_until_; }
  bool write_enabled() const { return (status() & SR_WEL) != 0; }
  bool powered_down() const { return powered_down_; }
  // When the operation in progress ends (meaningful while busy()).
  Cycles busy_until() const { return busy_until_; }

  // ---- Contents, for loaders, tests and host-side stores. Addresses wrap at size().
  std::uint8_t byte_at(std::uint32_t addr) const;
  void read(std::uint32_t addr, std::span<std::uint8_t> out) const;
  // Overwrites bytes regardless of flash semantics (loading an image); observers are not told.
  void load(std::uint32_t addr, std::span<const std::uint8_t> data);
  // The chip's bytes in address order: the caller's mapped window (empty without one), then
  // the part's own storage. Writing through them is load().
  std::array<std::span<std::uint8_t>, 2> contents() { return {mapped_, std::span(rest_)}; }
  std::array<std::span<const std::uint8_t>, 2> contents() const {
    return {std::span<const std::uint8_t>(mapped_), std::span<const std::uint8_t>(rest_)};
  }

  // Called with [addr, addr + len) after a program or erase changed those bytes (a Page
  // Program reports its whole page): for a file-backed store to write them through, or a CPU
  // backend to drop code decoded from there.
  ObserverId observe_changes(ChangeObserver observer);
  // Removing an unknown id is a no-op.
  void unobserve_changes(ObserverId id);

  // ---- NonVolatileMemory (core/nonvolatile.hpp): the same contents and change reports ----
  std::uint32_t nvm_size() const override { return size(); }
  void nvm_read(std::uint32_t addr, std::span<std::uint8_t> out) const override { read(addr, out); }
  void nvm_load(std::uint32_t addr, std::span<const std::uint8_t> data) override { load(addr, data); }
  ObserverId observe_nvm_changes(ChangeObserver observer) override { return observe_changes(std::move(observer)); }
  void unobserve_nvm_changes(ObserverId id) override { unobserve_changes(id); }

  // Save state (core/state.hpp); the chip's bytes past the mapped part included.
  void state(StateArchive& ar);

 private:
  enum class Phase : std::uint8_t { opcode, address, dummy, data, ignored };
  enum class Operation : std::uint8_t {
    none, page_program, sector_erase, block_erase_32k, block_erase_64k, chip_erase, write_status
  };
  static const char* operation_name(Operation op);

  std::uint8_t& at(std::uint32_t addr);
  void begin_instruction(std::uint8_t opcode);
  void execute();
  bool check_write_enable();
  void erase(std::uint32_t addr, std::uint32_t len, Operation op, Cycles duration);
  void changed(std::uint32_t addr, std::uint32_t len);
  void start_operation(Operation op, Cycles duration);
  void finish_operation();
  // Ends the operation in progress if its time is up (the event may not have run yet).
  void settle();

  std::string name_;
  Scheduler& scheduler_;
  std::uint32_t size_;
  std::uint32_t jedec_id_;
  Timing timing_;
  std::span<std::uint8_t> mapped_;
  std::vector<std::uint8_t> rest_;

  // Status: WEL and the non-volatile bits of Status Register-1 (BUSY comes from operation_).
  std::uint8_t sr1_ = 0;
  std::uint8_t sr2_ = 0;
  bool powered_down_ = false;

  // The program/erase/write-status in progress and its end, the part's one scheduler event.
  Operation operation_ = Operation::none;
  Cycles busy_until_ = 0;
  Event busy_end_;  // "<name>.busy_end": the operation in progress completes

  // The frame in progress.
  Phase phase_ = Phase::opcode;
  const Instruction* instruction_ = nullptr;
  unsigned address_count_ = 0;  // address bytes received
  unsigned dummy_left_ = 0;
  std::uint32_t address_ = 0;
  std::uint32_t data_in_ = 0;   // data bytes received
  std::uint32_t data_out_ = 0;  // data bytes sent
  std::array<std::uint8_t, kPageSize> page_buffer_{};  // Page Program data by column; FFh: none
  std::array<std::uint8_t, 2> status_in_{};            // Write Status Register data

  std::vector<std::pair<ObserverId, ChangeObserver>> observers_;
  ObserverId next_observer_ = 1;
};

}  // namespace boardemu
