#include "parts/ssd1306.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/png.hpp"

namespace boardemu {

namespace {

// Table 9-1, one line per command (23h fade out/blinking and D6h zoom in are from the advance
// graphic commands of later tables): the opcode bits under `mask` equal `pattern`; `args` argument
// bytes follow it as command bytes. Anything else is not a command.
struct CommandInfo {
  std::uint8_t pattern, mask, args;
  const char* name;
};

constexpr CommandInfo kCommands[] = {
    {0x00, 0xF0, 0, "set lower column start address for page addressing mode"},   // 00h-0Fh
    {0x10, 0xF0, 0, "set higher column start address for page addressing mode"},  // 10h-1Fh
    {0x20, 0xFF, 1, "set memory addressing mode"},
    {0x21, 0xFF, 2, "set column address"},
    {0x22, 0xFF, 2, "set page address"},
    {0x23, 0xFF, 1, "set fade out and blinking"},
    {0x26, 0xFE, 6, "continuous horizontal scroll setup"},                   // 26h right, 27h left
    {0x29, 0xFF, 5, "continuous vertical and right horizontal scroll setup"},
    {0x2A, 0xFF, 5, "continuous vertical and left horizontal scroll setup"},
    {0x2E, 0xFF, 0, "deactivate scroll"},
    {0x2F, 0xFF, 0, "activate scroll"},
    {0x40, 0xC0, 0, "set display start line"},  // 40h-7Fh
    {0x81, 0xFF, 1, "set contrast control"},
    {0x8D, 0xFF, 1, "charge pump setting"},
    {0xA0, 0xFE, 0, "set segment re-map"},  // A0h / A1h
    {0xA3, 0xFF, 2, "set vertical scroll area"},
    {0xA4, 0xFE, 0, "entire display on"},  // A4h / A5h
    {0xA6, 0xFE, 0, "set normal/inverse display"},
    {0xA8, 0xFF, 1, "set multiplex ratio"},
    {0xAE, 0xFE, 0, "set display on/off"},
    {0xB0, 0xF8, 0, "set page start address for page addressing mode"},  // B0h-B7h
    {0xC0, 0xF7, 0, "set COM output scan direction"},  // C0h / C8h
    {0xD3, 0xFF, 1, "set display offset"},
    {0xD5, 0xFF, 1, "set display clock divide ratio/oscillator frequency"},
    {0xD6, 0xFF, 1, "set zoom in"},
    {0xD9, 0xFF, 1, "set pre-charge period"},
    {0xDA, 0xFF, 1, "set COM pins hardware configuration"},
    {0xDB, 0xFF, 1, "set VCOMH deselect level"},
    {0xE3, 0xFF, 0, "NOP"},
};

const CommandInfo* find_command(std::uint8_t opcode) {
  for (const CommandInfo& c : kCommands)
    if ((opcode & c.mask) == c.pattern) return &c;
  return nullptr;
}

}  // namespace

Ssd1306::Ssd1306(std::string name, std::uint8_t address, Supply supply)
    : name_(std::move(name)), address_(address), supply_(supply) {
  if (address != kAddressSa0Low && address != kAddressSa0High)
    throw std::invalid_argument(fmt::format(
        "SSD1306 {}: address 0x{:02X}: the SA0 pin selects 0x3C or 0x3D (0111 10 SA0, datasheet 8.1.5)", name_,
        address));
}

void Ssd1306::reset() {
  regs_ = Registers{};
  column_ = 0;
  page_ = 0;
  expect_ = Expect::nothing;
  command_length_ = 0;
  command_needs_ = 0;
}

// ---- I2C (8.1.5) ----

I2cAck Ssd1306::start(I2cDirection direction) {
  if (direction == I2cDirection::read) {
    BE_LOG(guest_error, "SSD1306 {}: read message: the I2C interface is written only (8.1.5.1); reads give 0xFF",
           name_);
    expect_ = Expect::nothing;
  } else {
    expect_ = Expect::control;
  }
  return I2cAck::ack;
}

I2cAck Ssd1306::write(std::uint8_t byte) {
  switch (expect_) {
    case Expect::control:
      // Co, D/C#, then six 0s.
      if (byte & 0x3F)
        BE_LOG(guest_error, "SSD1306 {}: control byte 0x{:02X}: its low six bits must be 0 (8.1.5.1); taken as "
               "Co={} D/C#={}", name_, byte, byte >> 7, (byte >> 6) & 1);
      data_ = (byte & 0x40) != 0;
      expect_ = (byte & 0x80) ? Expect::one_byte : Expect::stream;
      return I2cAck::ack;
    case Expect::one_byte:
      take(byte);
      expect_ = Expect::control;
      return I2cAck::ack;
    case Expect::stream:
      take(byte);
      return I2cAck::ack;
    case Expect::nothing:
      break;
  }
  return I2cAck::nack;  // not reached through I2cBus: it sends no writes in a read message
}

std::uint8_t Ssd1306::read() { return 0xFF; }

void Ssd1306::stop() { expect_ = Expect::nothing; }

void Ssd1306::repeated_start() { expect_ = Expect::nothing; }

void Ssd1306::take(std::uint8_t byte) {
  if (data_)
    write_data(byte);
  else
    command_byte(byte);
}

// ---- commands (9, 10.1) ----

void Ssd1306::command_byte(std::uint8_t byte) {
  if (command_needs_ > 0) {  // an argument of the command in progress
    command_[command_length_++] = byte;
    if (--command_needs_ == 0) execute();
    return;
  }
  const CommandInfo* info = find_command(byte);
  if (!info) {
    BE_LOG(guest_error, "SSD1306 {}: command byte 0x{:02X} is not in the command table (9): ignored", name_, byte);
    return;
  }
  command_[0] = byte;
  command_length_ = 1;
  command_needs_ = info->args;
  if (command_needs_ == 0) execute();
}

void Ssd1306::check_mode(bool for_page_mode, const char* what) const {
  if ((regs_.addressing_mode == AddressingMode::page) != for_page_mode)
    BE_LOG(guest_error, "SSD1306 {}: {} is only for {} addressing mode (10.1.{}); carried out anyway", name_, what,
           for_page_mode ? "page" : "horizontal or vertical", for_page_mode ? "1-10.1.2, 10.1.13" : "4-10.1.5");
}

void Ssd1306::execute() {
  const std::uint8_t op = command_[0];
  const std::uint8_t a = command_[1], b = command_[2];
  command_length_ = 0;
  switch (op) {
    case 0x20:  // 10.1.3
      if ((a & 0x03) == 0x03) {
        BE_LOG(guest_error, "SSD1306 {}: memory addressing mode 11b is invalid (10.1.3): ignored", name_);
        return;
      }
      regs_.addressing_mode = static_cast<AddressingMode>(a & 0x03);
      return;
    case 0x21:  // 10.1.4: also sets the column pointer to the start
      check_mode(false, "21h (set column address)");
      regs_.column_start = a & 0x7F;
      regs_.column_end = b & 0x7F;
      if (regs_.column_start > regs_.column_end)
        BE_LOG(guest_error, "SSD1306 {}: column range {}..{}: the start is past the end", name_, regs_.column_start,
               regs_.column_end);
      column_ = regs_.column_start;
      return;
    case 0x22:  // 10.1.5: also sets the page pointer to the start
      check_mode(false, "22h (set page address)");
      regs_.page_start = a & 0x07;
      regs_.page_end = b & 0x07;
      if (regs_.page_start > regs_.page_end)
        BE_LOG(guest_error, "SSD1306 {}: page range {}..{}: the start is past the end", name_, regs_.page_start,
               regs_.page_end);
      page_ = regs_.page_start;
      return;
    case 0x23:
      regs_.fade_blink = a;
      if (a & 0x30) BE_LOG(unimp, "SSD1306 {}: fade out / blinking (23h {:02X}h) is not modelled", name_, a);
      return;
    case 0x26:
    case 0x27:
    case 0x29:
    case 0x2A:
      regs_.scroll_command = op;
      regs_.scroll_args = {command_[1], command_[2], command_[3], command_[4], command_[5], command_[6]};
      if (op == 0x29 || op == 0x2A) regs_.scroll_args[5] = 0;
      return;
    case 0x2E:
      regs_.scroll_active = false;
      return;
    case 0x2F:
      regs_.scroll_active = true;
      BE_LOG(unimp, "SSD1306 {}: scrolling (2Fh after {:02X}h) is not animated: the panel shows the RAM unscrolled",
             name_, regs_.scroll_command);
      return;
    case 0x81:
      regs_.contrast = a;
      return;
    case 0x8D:
      regs_.charge_pump = a;
      return;
    case 0xA3:
      regs_.vertical_scroll_fixed_rows = a & 0x3F;
      regs_.vertical_scroll_rows = b & 0x7F;
      return;
    case 0xA8:  // 10.1.11: 16MUX..64MUX; 0..14 are invalid
      if ((a & 0x3F) < 15) {
        BE_LOG(guest_error, "SSD1306 {}: multiplex ratio {} is invalid (A8h takes 15..63 for 16MUX..64MUX): ignored",
               name_, a & 0x3F);
        return;
      }
      regs_.multiplex_ratio = a & 0x3F;
      return;
    case 0xD3:
      regs_.display_offset = a & 0x3F;
      return;
    case 0xD5:
      regs_.clock = a;
      return;
    case 0xD6:
      regs_.zoom_in = a;
      if (a & 0x01) BE_LOG(unimp, "SSD1306 {}: zoom in (D6h 01h) is not modelled", name_);
      return;
    case 0xD9:
      regs_.precharge = a;
      return;
    case 0xDA:  // A[5:4] only; the pattern is 00 A5 A4 0 0 1 0
      if ((a & 0xCF) != 0x02)
        BE_LOG(guest_error, "SSD1306 {}: DAh argument {:02X}h is not of the form 00xx0010b: only A[5:4] are used",
               name_, a);
      regs_.com_pins = static_cast<std::uint8_t>((a & 0x30) | 0x02);
      return;
    case 0xDB:
      regs_.vcomh = a;
      return;
    case 0xE3:
      return;
    default:
      break;
  }
  // The single-byte commands whose low bits are their argument.
  if (op <= 0x0F) {  // 10.1.1
    check_mode(true, "00h-0Fh (lower column start address)");
    regs_.page_mode_column = static_cast<std::uint8_t>((regs_.page_mode_column & 0xF0) | op);
    column_ = regs_.page_mode_column;
  } else if (op <= 0x1F) {  // 10.1.2
    check_mode(true, "10h-1Fh (higher column start address)");
    if (op > 0x17)
      BE_LOG(guest_error, "SSD1306 {}: {:02X}h sets a column start past 127: it wraps", name_, op);
    regs_.page_mode_column = static_cast<std::uint8_t>((((op & 0x0F) << 4) | (regs_.page_mode_column & 0x0F)) & 0x7F);
    column_ = regs_.page_mode_column;
  } else if ((op & 0xF8) == 0xB0) {  // 10.1.13
    check_mode(true, "B0h-B7h (page start address)");
    page_ = op & 0x07;
  } else if ((op & 0xC0) == 0x40) {  // 10.1.6
    regs_.start_line = op & 0x3F;
  } else if ((op & 0xFE) == 0xA0) {  // 10.1.8
    regs_.segment_remap = op & 1;
  } else if ((op & 0xFE) == 0xA4) {  // 10.1.9
    regs_.entire_display_on = op & 1;
  } else if ((op & 0xFE) == 0xA6) {  // 10.1.10
    regs_.inverse = op & 1;
  } else if ((op & 0xFE) == 0xAE) {  // 10.1.12
    regs_.display_on = op & 1;
  } else if ((op & 0xF7) == 0xC0) {  // 10.1.14
    regs_.com_scan_remapped = (op & 0x08) != 0;
  }
}

// ---- display data (8.7, 10.1.3) ----

void Ssd1306::write_data(std::uint8_t byte) {
  if (command_needs_ > 0)
    BE_LOG(guest_error, "SSD1306 {}: a data byte while command {:02X}h waits for {} more argument byte(s): the byte "
           "goes to GDDRAM, the command keeps waiting", name_, command_[0], command_needs_);
  ram_[page_ * kColumns + column_] = byte;
  advance_pointer();
}

void Ssd1306::advance_pointer() {
  auto next_column = [this] { return static_cast<std::uint8_t>((column_ + 1) % kColumns); };
  auto next_page = [this] { return static_cast<std::uint8_t>((page_ + 1) % kPages); };
  switch (regs_.addressing_mode) {
    case AddressingMode::page:  // 10.1.3 a)
      column_ = column_ == kColumns - 1 ? regs_.page_mode_column : next_column();
      return;
    case AddressingMode::horizontal:  // 10.1.3 b)
      if (column_ != regs_.column_end) {
        column_ = next_column();
        return;
      }
      column_ = regs_.column_start;
      page_ = page_ == regs_.page_end ? regs_.page_start : next_page();
      return;
    case AddressingMode::vertical:  // 10.1.3 c)
      if (page_ != regs_.page_end) {
        page_ = next_page();
        return;
      }
      page_ = regs_.page_start;
      column_ = column_ == regs_.column_end ? regs_.column_start : next_column();
      return;
  }
}

// ---- the panel ----

bool Ssd1306::panel_lit() const {
  return regs_.display_on && (supply_ == Supply::external || charge_pump_enabled());
}

// The row path, from RAM to the glass:
//  - the multiplexer scans N = MUX rows; scan step k (0..N-1) shows RAM row (start line + k)
//    mod 64 (10.1.6: start line 1 maps RAM row 1 to COM0);
//  - step k drives COM signal L = (k + display offset) mod 64 (10.1.15: the offset moves the
//    start line to COM<offset>), reversed by C8h within the scanned range: COM[N-1-L] (10.1.14:
//    "scan from COM[N-1] to COM0"). With an offset and N < 64 together, the datasheet's tables
//    are the only account; this mod-64 form is the model's simplification;
//  - COM signals reach pins by DAh (10.1.18): alternative (A[4] = 1) interleaves them over the two
//    sides of the die, which the 128 x 64 panel's rows alternate between, so signal i lights
//    panel row i; sequential (A[4] = 0) puts COM0..31 on one side, the panel's even rows, and
//    COM32..63 on the other, the odd rows; COM left/right remap (A[5]) exchanges the sides,
//    i.e. even and odd rows. (A simplification of the pin tables in 10.1.18.)
int Ssd1306::ram_row_on_com(unsigned com) const {
  const unsigned n = regs_.multiplex_ratio + 1u;
  const unsigned logical = regs_.com_scan_remapped ? (n - 1 + kRows - com) % kRows : com;
  const unsigned step = (logical + kRows - regs_.display_offset) % kRows;
  if (step >= n) return -1;
  return static_cast<int>((regs_.start_line + step) % kRows);
}

unsigned Ssd1306::com_of_panel_row(unsigned row) const {
  const bool alternative = regs_.com_pins & 0x10, left_right_remap = regs_.com_pins & 0x20;
  const unsigned r = left_right_remap ? row ^ 1u : row;
  if (alternative) return r;
  return (r % 2 == 0) ? r / 2 : kRows / 2 + r / 2;
}

// The viewer sees SEG127 at the left and panel row 63 at the top (see the header). With A1h
// (column 127 -> SEG0, so column c -> SEG(127 - c)) and C8h at 64MUX (scan step k -> COM(63 - k)),
// both reversals cancel: x = 127 - SEG(127 - c) = c and y = 63 - (63 - k) = k, i.e. pixel (x, y)
// is bit y % 8 of GDDRAM byte x + (y / 8) * 128: framebuf's MONO_VLSB layout.
bool Ssd1306::pixel(unsigned x, unsigned y) const {
  if (x >= kWidth || y >= kHeight)
    throw std::out_of_range(fmt::format("SSD1306 {}: pixel ({}, {}) is outside the 128 x 64 panel", name_, x, y));
  if (!panel_lit()) return false;
  const unsigned seg = kColumns - 1 - x;
  const unsigned column = regs_.segment_remap ? kColumns - 1 - seg : seg;
  const int row = ram_row_on_com(com_of_panel_row(kRows - 1 - y));
  if (row < 0) return false;  // a COM the multiplexer does not scan stays dark
  // 10.1.9: A5h lights every pixel whatever the RAM holds; 10.1.10: A7h inverts RAM data.
  if (regs_.entire_display_on) return true;
  const bool bit = (ram_[(row / 8) * kColumns + column] >> (row % 8)) & 1;
  return bit != regs_.inverse;
}

std::vector<std::uint8_t> Ssd1306::framebuffer() const {
  std::vector<std::uint8_t> out(kWidth * kHeight);
  for (unsigned y = 0; y < kHeight; ++y)
    for (unsigned x = 0; x < kWidth; ++x) out[y * kWidth + x] = pixel(x, y) ? 255 : 0;
  return out;
}

void Ssd1306::write_png(const std::string& path, unsigned scale) const {
  if (scale == 0 || scale > 64)
    throw std::invalid_argument(fmt::format("SSD1306 {}: PNG scale {} (1..64)", name_, scale));
  const std::vector<std::uint8_t> panel = framebuffer();
  const unsigned w = kWidth * scale, h = kHeight * scale;
  std::vector<std::uint8_t> image(std::size_t{w} * h);
  for (unsigned y = 0; y < h; ++y)
    for (unsigned x = 0; x < w; ++x) image[std::size_t{y} * w + x] = panel[(y / scale) * kWidth + x / scale];
  write_png_gray8(path, w, h, image);
}

// ---- the module ----

Ssd1306Part::Ssd1306Part(const std::string& id, Scheduler* scheduler, std::uint8_t address, Ssd1306::Supply supply)
    : Part(id), bus_(id, scheduler), display_(id, address, supply), engine_(id, bus_, scheduler) {
  display_.attach_to(bus_);
}

std::optional<Part::Picture> Ssd1306Part::picture() const {
  return Picture{Ssd1306::kWidth, Ssd1306::kHeight, display_.framebuffer()};
}

void Ssd1306::state(StateArchive& ar) {
  Registers& r = regs_;
  ar.field("contrast", r.contrast);
  ar.field("entire_display_on", r.entire_display_on);
  ar.field("inverse", r.inverse);
  ar.field("display_on", r.display_on);
  ar.field("addressing_mode", r.addressing_mode);
  ar.field("column_start", r.column_start);
  ar.field("column_end", r.column_end);
  ar.field("page_start", r.page_start);
  ar.field("page_end", r.page_end);
  ar.field("page_mode_column", r.page_mode_column);
  ar.field("start_line", r.start_line);
  ar.field("segment_remap", r.segment_remap);
  ar.field("multiplex_ratio", r.multiplex_ratio);
  ar.field("com_scan_remapped", r.com_scan_remapped);
  ar.field("display_offset", r.display_offset);
  ar.field("com_pins", r.com_pins);
  ar.field("clock", r.clock);
  ar.field("precharge", r.precharge);
  ar.field("vcomh", r.vcomh);
  ar.field("charge_pump", r.charge_pump);
  ar.field("scroll_active", r.scroll_active);
  ar.field("scroll_command", r.scroll_command);
  ar.field("scroll_args", r.scroll_args);
  ar.field("vertical_scroll_fixed_rows", r.vertical_scroll_fixed_rows);
  ar.field("vertical_scroll_rows", r.vertical_scroll_rows);
  ar.field("fade_blink", r.fade_blink);
  ar.field("zoom_in", r.zoom_in);
  ar.field("ram", ram_);
  ar.field("column", column_);
  ar.field("page", page_);
  ar.field("expect", expect_);
  ar.field("data", data_);
  ar.field("command", command_);
  ar.field("command_length", command_length_);
  ar.field("command_needs", command_needs_);
  if (ar.loading() && (command_length_ > command_.size() || command_needs_ > command_.size()))
    ar.bad("command_length", "longer than any command");
}

void Ssd1306Part::state(StateArchive& ar) {
  bus_.state(ar);
  display_.state(ar);
  engine_.state(ar);
}

}  // namespace boardemu
