// Solomon Systech SSD1306: 128 x 64 dot-matrix OLED controller with its display RAM, as an I2C
// target, and the 128 x 64 panel it drives, as the host sees it.
//
// Source: Solomon Systech "SSD1306 Advance Information", Rev 1.1 (Apr 2008), sections:
//  - 8.1.5 MCU I2C interface: the address byte is 0111 10 SA0 R/W#, so 7-bit addresses 0x3C
//    (SA0 low) and 0x3D (SA0 high); R/W# = 1 is "read mode", but only writing is described
//    (8.1.5.1). After the address come control bytes: Co (bit 7) and D/C# (bit 6) followed by
//    six 0s. Co = 0: everything after it is data bytes only; D/C# = 0: the byte(s) are commands,
//    1: display data stored in GDDRAM, the column pointer advancing after each.
//  - 8.7 GDDRAM: 128 x 64 bits in 8 pages (PAGE0..PAGE7) of 128 columns; a data byte fills one
//    column of a page, D0 in the top row of the page, D7 in the bottom one. Segment re-map
//    (A0h/A1h) and COM scan direction (C0h/C8h) flip the picture horizontally and vertically.
//  - 8.9 Reset circuit: what RES# initialises (display off, normal mapping and scan, start line
//    0, column counter 0, contrast 7Fh, A4h); GDDRAM is not in the list.
//  - 9 Command table (Table 9-1): every command, its argument bytes and reset values.
//  - 10.1 Command descriptions: fundamental (81h contrast, A4h/A5h entire display on, A6h/A7h
//    normal/inverse, AEh/AFh display off/on), addressing (00h-0Fh/10h-1Fh column start and
//    B0h-B7h page start for page addressing mode, 20h memory addressing mode, 21h column
//    address, 22h page address), hardware configuration (40h-7Fh display start line, A0h/A1h,
//    A8h multiplex ratio, C0h/C8h, D3h display offset, DAh COM pins hardware configuration),
//    timing (D5h, D9h, DBh), E3h NOP; the status register read (10.1.21) is a read of the
//    parallel interfaces. Scrolling (Table 9-1's scrolling command table: 26h/27h, 29h/2Ah,
//    2Eh/2Fh, A3h) is described in 10.2.
//  - 10.1.3 Memory addressing modes: a) page mode: the column pointer advances, and at the end
//    returns to the column start, the page pointer unchanged; b) horizontal mode: at the column
//    end address the column returns to the start and the page advances, and when both reach
//    their end addresses both return to their start addresses; c) vertical mode: the same with
//    page and column exchanged. 10.1.4 (21h) and 10.1.5 (22h): the column/page start and end
//    addresses for horizontal and vertical mode, which also set the pointer to the start.
//  - Charge pump setting (8Dh; the datasheet's charge pump regulator appendix): A[2] = 1
//    enables the internal charge pump (14h), 0 disables it (10h, the reset value); the panel
//    needs it, or an external VCC, to light: "8Dh, 14h, AFh" is the datasheet's sequence.
//
// Model and decisions:
//  - One part, one address (SA0 is board strapping, a construction parameter). Writes work as
//    8.1.5.1 says. A read message (R/W# = 1) is acknowledged (the address matches), but the
//    datasheet defines no data for it: every byte reads 0xFF (nobody drives SDA), logged under
//    guest_error.
//  - A message starts expecting a control byte. Co = 1: one byte follows, then a control byte
//    again; Co = 0: the rest of the message goes where D/C# says. A control byte whose low six
//    bits are not 0 is logged under guest_error and taken by its Co and D/C# bits.
//  - Commands are decoded byte by byte from a table (kCommands: opcode pattern, argument count);
//    a command's argument bytes are the next command bytes, whether they come in the same
//    control-byte stream or in later messages, each with its own control byte (MicroPython's
//    classic ssd1306.py sends every command byte as a message of its own: 80h, byte). A data byte while a command waits for its
//    arguments goes to GDDRAM (D/C# routes it there; the command keeps waiting), logged under
//    guest_error.
//  - Unknown command bytes, invalid arguments (A8h below 15, 20h with 11b) and commands used
//    outside the addressing mode they belong to are logged under guest_error, never thrown.
//    Page-mode pointer commands (00h-1Fh, B0h-B7h) in horizontal/vertical mode, and 21h/22h in
//    page mode, are still carried out (the registers and pointers are set; the mode decides
//    only how the pointer advances). A column start set by 10h-1Fh past column 127 wraps
//    (the pointer is 7 bits).
//  - Page addressing mode: after column 127 the column pointer returns to the page-mode column
//    start (set by 00h-1Fh), the page unchanged; 21h's end address is not used (10.1.4: it is
//    for horizontal and vertical mode). In horizontal/vertical mode a pointer set outside the
//    21h/22h range (by a page-mode command) advances by one and wraps at 127 / 7 until it
//    reaches the end address.
//  - Scrolling (26h/27h/29h/2Ah/A3h) is accepted and stored; activating it (2Fh) is logged
//    under unimp: the panel shows the RAM unscrolled. Fade out/blinking (23h) and zoom in (D6h),
//    listed in later command tables, are taken with their argument and logged under unimp when
//    they enable something. D5h, D9h and DBh are stored only (they change timing and voltage,
//    not the picture).
//  - The panel is the one on the common 0.96-inch 128 x 64 modules, seen from the front: its
//    rows are wired for the alternative COM pin configuration (DAh 12h, the reset value), and
//    the viewer sees SEG127 at the left and COM63 at the top. That is a fact of the module,
//    not the chip: it is why MicroPython's and Adafruit's drivers send A1h and C8h, to put RAM
//    column 0, page 0, bit 0 at the top-left corner. See pixel(); the row path (multiplex
//    ratio, start line, offset, scan direction, COM pins) and what it simplifies are described
//    at ram_row_on_com() in ssd1306.cpp.
//  - Power: "panel lit" is display on (AFh) and a supply for the panel: the charge pump
//    enabled (8Dh 14h), or an external VCC (Supply::external, a construction parameter). Unlit,
//    every pixel is black. Contrast is reported, not applied: pixels are on or off.
//  - GDDRAM contents at power-on are undefined on real hardware; the model starts with all 0s
//    (a black panel once it is switched on). reset() (a RES# pulse) restores every register's
//    reset value, both pointers to 0 and the interface's decoder, and leaves GDDRAM alone: the
//    reset state listed in 8.9 (Reset circuit) does not include it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/i2c.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "parts/part.hpp"

namespace boardemu {

class Ssd1306 final : public I2cTarget {
 public:
  static constexpr unsigned kColumns = 128;  // SEG0..SEG127 (8.7)
  static constexpr unsigned kPages = 8;      // PAGE0..PAGE7, 8 rows each
  static constexpr unsigned kRows = 64;      // COM0..COM63
  static constexpr unsigned kRamSize = kColumns * kPages;
  static constexpr unsigned kWidth = kColumns, kHeight = kRows;  // the panel
  static constexpr std::uint8_t kAddressSa0Low = 0x3C;   // 0111 100 (8.1.5)
  static constexpr std::uint8_t kAddressSa0High = 0x3D;  // 0111 101

  // 20h A[1:0] (10.1.3).
  enum class AddressingMode : std::uint8_t { horizontal = 0b00, vertical = 0b01, page = 0b10 };
  // What powers the panel: the chip's charge pump (the common modules), or an external VCC.
  enum class Supply : std::uint8_t { charge_pump, external };

  // The command registers, each with its reset value from Table 9-1.
  struct Registers {
    std::uint8_t contrast = 0x7F;        // 81h
    bool entire_display_on = false;      // A4h (resume to RAM content) / A5h
    bool inverse = false;                // A6h normal / A7h inverse
    bool display_on = false;             // AEh off (sleep) / AFh on
    AddressingMode addressing_mode = AddressingMode::page;  // 20h
    std::uint8_t column_start = 0;       // 21h A[6:0]
    std::uint8_t column_end = 127;       // 21h B[6:0]
    std::uint8_t page_start = 0;         // 22h A[2:0]
    std::uint8_t page_end = 7;           // 22h B[2:0]
    std::uint8_t page_mode_column = 0;   // 00h-0Fh / 10h-1Fh: column start, page mode
    std::uint8_t start_line = 0;         // 40h-7Fh
    bool segment_remap = false;          // A0h: column 0 -> SEG0; A1h: column 127 -> SEG0
    std::uint8_t multiplex_ratio = 63;   // A8h A[5:0]: MUX = value + 1 (16..64)
    bool com_scan_remapped = false;      // C0h: COM0 -> COM[N-1]; C8h: COM[N-1] -> COM0
    std::uint8_t display_offset = 0;     // D3h A[5:0]
    std::uint8_t com_pins = 0x12;        // DAh: A[4] alternative, A[5] COM left/right remap
    std::uint8_t clock = 0x80;           // D5h: A[3:0] divide ratio - 1, A[7:4] oscillator
    std::uint8_t precharge = 0x22;       // D9h: A[3:0] phase 1, A[7:4] phase 2, in DCLKs
    std::uint8_t vcomh = 0x20;           // DBh: A[6:4]
    std::uint8_t charge_pump = 0x10;     // 8Dh: A[2] enable
    bool scroll_active = false;          // 2Eh / 2Fh
    std::uint8_t scroll_command = 0;     // 26h, 27h, 29h or 2Ah: the last scroll setup
    std::array<std::uint8_t, 6> scroll_args{};  // its argument bytes
    std::uint8_t vertical_scroll_fixed_rows = 0;  // A3h A[5:0]
    std::uint8_t vertical_scroll_rows = 64;       // A3h B[6:0]
    std::uint8_t fade_blink = 0;         // 23h
    std::uint8_t zoom_in = 0;            // D6h

    bool operator==(const Registers&) const = default;
  };

  // Throws std::invalid_argument for an address other than 0x3C or 0x3D.
  explicit Ssd1306(std::string name, std::uint8_t address = kAddressSa0Low, Supply supply = Supply::charge_pump);

  const std::string& name() const { return name_; }
  std::uint8_t address() const { return address_; }
  void attach_to(I2cBus& bus) { bus.attach(address_, *this, name_); }
  // The RES# pulse: every register and the command decoder to their reset state (GDDRAM kept).
  void reset();

  // ---- host side (no side effects) ----
  std::span<const std::uint8_t, kRamSize> gddram() const { return ram_; }
  const Registers& registers() const { return regs_; }
  std::uint8_t column_pointer() const { return column_; }
  std::uint8_t page_pointer() const { return page_; }
  std::uint8_t contrast() const { return regs_.contrast; }
  bool display_on() const { return regs_.display_on; }
  bool charge_pump_enabled() const { return (regs_.charge_pump & 0x04) != 0; }
  // Display on and the panel supplied: otherwise the panel is black.
  bool panel_lit() const;
  // The panel pixel at column x (0..127, left to right) and row y (0..63, top to bottom) as a
  // viewer sees it: lit or not. Throws std::out_of_range outside the panel.
  bool pixel(unsigned x, unsigned y) const;
  // The whole panel, row by row from the top: 0 (off) or 255 (lit) per pixel, 128 x 64 bytes.
  std::vector<std::uint8_t> framebuffer() const;
  // The panel as an 8-bit greyscale PNG, each pixel a `scale` x `scale` square. Throws
  // std::invalid_argument for scale 0, std::runtime_error naming `path` if it cannot be written.
  void write_png(const std::string& path, unsigned scale = 1) const;

  // ---- I2cTarget ----
  I2cAck start(I2cDirection direction) override;
  I2cAck write(std::uint8_t byte) override;
  std::uint8_t read() override;
  void stop() override;
  void repeated_start() override;

  // Save state (core/state.hpp): controller registers, GDDRAM, the I2C stream parser.
  void state(StateArchive& ar);

 private:
  // What the next byte of the message is.
  enum class Expect : std::uint8_t { control, one_byte, stream, nothing };
  void take(std::uint8_t byte);
  void command_byte(std::uint8_t byte);
  void execute();
  void write_data(std::uint8_t byte);
  void advance_pointer();
  void check_mode(bool for_page_mode, const char* what) const;
  // The RAM row shown on COM signal `com` (0..63), or -1 when the multiplexer does not scan it.
  int ram_row_on_com(unsigned com) const;
  unsigned com_of_panel_row(unsigned row) const;

  std::string name_;
  std::uint8_t address_;
  Supply supply_;
  Registers regs_;
  std::array<std::uint8_t, kRamSize> ram_{};
  std::uint8_t column_ = 0;  // the GDDRAM address pointer
  std::uint8_t page_ = 0;
  // The I2C message.
  Expect expect_ = Expect::nothing;
  bool data_ = false;  // D/C# of the last control byte
  // The command being received: its opcode and argument bytes so far, and how many it needs.
  std::array<std::uint8_t, 7> command_{};
  unsigned command_length_ = 0;
  unsigned command_needs_ = 0;
};

// The SSD1306 module on its own SCL/SDA pins (`<id>.SCL`, `<id>.SDA`): its own bus and bit-level
// engine, like every I2C part (part_registry.cpp), so several parts can share the nets.
// Circuit type "ssd1306", params: address 0x3C (default) or 0x3D; vcc charge_pump (default) or
// external.
class Ssd1306Part final : public Part {
 public:
  Ssd1306Part(const std::string& id, Scheduler* scheduler, std::uint8_t address = Ssd1306::kAddressSa0Low,
              Ssd1306::Supply supply = Ssd1306::Supply::charge_pump);
  std::vector<Pin*> pins() override { return {&engine_.scl(), &engine_.sda()}; }
  std::optional<std::uint8_t> i2c_address() const override { return display_.address(); }
  Pin* i2c_scl() override { return &engine_.scl(); }
  Pin* i2c_sda() override { return &engine_.sda(); }
  Ssd1306& display() { return display_; }
  const Ssd1306& display() const { return display_; }
  // The panel as framebuffer() shows it (128 x 64).
  std::optional<Picture> picture() const override;

  void state(StateArchive& ar) override;

 private:
  I2cBus bus_;
  Ssd1306 display_;
  BitBangI2c engine_;
};

}  // namespace boardemu
