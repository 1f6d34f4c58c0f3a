// Microchip 24LC32A (and 24AA32A): 32 Kbit I2C serial EEPROM, 4096 x 8 bits, as an I2C target.
//
// Source: Microchip "24AA32A/24LC32A 32K I2C Serial EEPROM", DS21713 (revision M), sections:
//  - 2.0 Pin descriptions: A0, A1, A2 chip address inputs (tied to VCC or VSS); WP
//    write-protect (tied to VSS: writes enabled; to VCC: writes inhibited, reads unaffected).
//  - 5.0 Device addressing: control byte 1010 A2 A1 A0 R/W, so 7-bit addresses 0x50..0x57,
//    the chip-select bits matching the A2..A0 pin levels; a write message continues with two
//    word-address bytes, high byte first; only A11..A0 are used (the upper four bits of the high
//    byte are "don't care").
//  - 6.1 Byte write / 6.2 Page write: data bytes go to a 32-byte page buffer; after each one the
//    five low bits of the address pointer increment, so more than 32 bytes wrap within the page
//    and overwrite the earlier ones; the STOP condition starts the internal write cycle, during
//    which the device does not acknowledge. With WP high the device acknowledges everything,
//    no write cycle occurs and it accepts a new command at once. After a write the address
//    pointer points to the location after the last one written.
//  - 7.0 Acknowledge polling: during the write cycle the device does not acknowledge its
//    control byte; once the cycle is over it does.
//  - 8.1 Current address read: the address counter holds the last address accessed plus one.
//    8.2 Random read: a write message with the word address and no data, then a repeated START
//    "terminates the write operation, but not before the internal Address Pointer is set".
//    8.3 Sequential read: the pointer increments after every byte read and rolls over from
//    0xFFF to 0x000.
//  - AC characteristics (Table 1-2): TWC, write cycle time (byte or page), 5 ms maximum.
//
// Model and decisions:
//  - A2..A0 are board strapping, given at construction (they fix the bus address); a board
//    that drives them from a GPIO is not modelled. WP is a pin, `<name>.WP`, on a net like any
//    other: high write-protects; low, or floating (a board that leaves it unwired), does not.
//    WP is sampled at the STOP that would start the write cycle.
//  - The write cycle lasts Timing::write_cycle from the STOP (Timing::datasheet_max: TWC 5 ms);
//    it is one owned scheduler event (`write_cycle_event_`, due at write_cycle_end()), which
//    writes the page buffer's loaded bytes into the array when it fires. Until then the array
//    holds the old bytes and the device NACKs its address, for reads and writes alike.
//  - The pointer takes each word-address byte as it arrives (high byte: A11..A8). A write message
//    with no data byte (the first half of a random read, or a STOP right after the word address)
//    starts no write cycle. Only a STOP after at least one data byte does; a repeated START
//    drops the page buffer (8.2: it "terminates the write operation"). A STOP cut into a data
//    byte is still a STOP: the whole bytes before it are written, the partial one is lost (the
//    datasheet does not say; some other vendors' parts ignore such a STOP).
//  - More than 32 data bytes in one message wrap as the datasheet says (logged as guest_error:
//    almost always a driver that ignores page boundaries).
//  - A fresh part is erased: every byte 0xFF.
//  - Host access (tests, loading and saving an image) reads and writes the array directly, with
//    no timing; a write cycle still pending lands its page on top when it completes.
//    finish_write_cycle() completes a pending one at once (before saving contents on exit).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/i2c.hpp"
#include "core/event.hpp"
#include "core/nonvolatile.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class Eeprom24lc32 final : public I2cTarget, public NonVolatileMemory {
 public:
  static constexpr std::uint32_t kSize = 4096;     // 32 Kbit
  static constexpr std::uint32_t kPageSize = 32;   // 6.2
  static constexpr std::uint8_t kBaseAddress = 0x50;  // control code 1010 (5.0)

  struct Timing {
    Cycles write_cycle = 0;  // TWC
    // TWC = 5 ms (the datasheet maximum) at `cpu_hz` CPU cycles per second.
    static Timing datasheet_max(std::uint64_t cpu_hz) { return Timing{(cpu_hz * 5 + 999) / 1000}; }
    static Timing instant() { return {}; }
  };

  // `chip_select`: the levels of A2, A1, A0 as bits 2..0 (0..7). Throws std::invalid_argument
  // for a value above 7.
  Eeprom24lc32(std::string name, Scheduler& scheduler, Timing timing, unsigned chip_select = 0);
  ~Eeprom24lc32() override;
  Eeprom24lc32(const Eeprom24lc32&) = delete;
  Eeprom24lc32& operator=(const Eeprom24lc32&) = delete;

  const std::string& name() const { return name_; }
  // The 7-bit bus address: 0x50 | A2 A1 A0.
  std::uint8_t address() const { return address_; }
  // Attaches at address() under name().
  void attach_to(I2cBus& bus) { bus.attach(address_, *this, name_); }
  Pin& wp() { return wp_; }

  // ---- host side ----
  std::span<const std::uint8_t, kSize> contents() const { return array_; }
  std::uint8_t peek(std::uint32_t addr) const { return array_[addr % kSize]; }
  // Writes `data` at `offset` directly into the array. Throws std::out_of_range past the end.
  void load(std::uint32_t offset, std::span<const std::uint8_t> data);
  std::uint16_t address_pointer() const { return pointer_; }
  bool write_cycle_in_progress() const { return write_cycle_event_.armed(); }
  Cycles write_cycle_end() const { return write_cycle_end_; }
  void finish_write_cycle();

  // ---- NonVolatileMemory (core/nonvolatile.hpp): a page is reported when its write cycle
  // ends and the bytes are in the array (the moment acknowledge polling sees the part again).
  std::uint32_t nvm_size() const override { return kSize; }
  void nvm_read(std::uint32_t addr, std::span<std::uint8_t> out) const override;
  void nvm_load(std::uint32_t addr, std::span<const std::uint8_t> data) override { load(addr, data); }
  ObserverId observe_nvm_changes(ChangeObserver observer) override;
  void unobserve_nvm_changes(ObserverId id) override;

  // ---- I2cTarget ----
  I2cAck start(I2cDirection direction) override;
  I2cAck write(std::uint8_t byte) override;
  std::uint8_t read() override;
  void stop() override;
  void repeated_start() override;

  // Save state (core/state.hpp): the array, the address counter and the I2C message state.
  void state(StateArchive& ar);

 private:
  enum class Expect : std::uint8_t { nothing, address_high, address_low, data };
  void drop_page_buffer();
  void commit_page_buffer();
  bool busy();

  std::string name_;
  Scheduler& scheduler_;
  Timing timing_;
  std::uint8_t address_;
  Pin wp_;
  std::array<std::uint8_t, kSize> array_;
  std::uint16_t pointer_ = 0;  // the address counter, 12 bits
  // The current write message.
  Expect expect_ = Expect::nothing;
  unsigned data_bytes_ = 0;  // data bytes received in this message
  // The page buffer: the page it belongs to, its bytes and which of them were loaded. During the
  // write cycle it holds the page being programmed (nothing else reaches it: the part NACKs).
  std::uint16_t page_base_ = 0;
  std::array<std::uint8_t, kPageSize> page_{};
  std::uint32_t page_loaded_ = 0;  // bit i: page_[i] holds a byte to write
  // The write cycle's end, and the event that ends it.
  Cycles write_cycle_end_ = 0;
  Event write_cycle_event_;  // "<name>.write_cycle"
  std::vector<std::pair<ObserverId, ChangeObserver>> observers_;
  ObserverId next_observer_ = 1;
};

}  // namespace boardemu
