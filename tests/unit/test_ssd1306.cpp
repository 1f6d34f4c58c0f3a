// Solomon Systech SSD1306 OLED controller and its 128 x 64 panel (peripherals/parts/ssd1306.hpp),
// no CPU, against the datasheet (Rev 1.1): the I2C control byte (8.1.5.1), the reset values of
// Table 9-1, the addressing modes and ranges (10.1.3-10.1.5) and page-mode start commands
// (10.1.1, 10.1.2, 10.1.13), GDDRAM to panel (8.7, 10.1.6-10.1.18), the charge pump; the PNG
// screenshot; the init sequence and show() of MicroPython's driver; through real wires.
#include <gtest/gtest.h>
#include <png.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/i2c.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "parts/ssd1306.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A hardware I2C controller's view: whole messages on the bus.
struct Bench {
  I2cBus bus{"i2c0", nullptr};
  Ssd1306 oled;
  explicit Bench(Ssd1306::Supply supply = Ssd1306::Supply::charge_pump) : oled("oled1", 0x3C, supply) {
    oled.attach_to(bus);
  }

  // One write message: START, 0x3C W, `bytes`, STOP. ACK if every byte was acknowledged.
  I2cAck send(const Bytes& bytes) {
    I2cAck ack = bus.start(0x3C, I2cDirection::write);
    for (auto b : bytes)
      if (bus.write(b) == I2cAck::nack) ack = I2cAck::nack;
    bus.stop();
    return ack;
  }
  // A command stream (control byte 00h) and a data stream (40h).
  void commands(const Bytes& cmds) {
    Bytes m{0x00};
    m.insert(m.end(), cmds.begin(), cmds.end());
    send(m);
  }
  void data(const Bytes& bytes) {
    Bytes m{0x40};
    m.insert(m.end(), bytes.begin(), bytes.end());
    send(m);
  }
  // What MicroPython's classic ssd1306.py does for each command byte: a message of its own with
  // control byte 80h (Co = 1, D/C# = 0), arguments included.
  void command_bytes_one_by_one(const Bytes& cmds) {
    for (auto c : cmds) send({0x80, c});
  }
  std::uint8_t ram(unsigned column, unsigned page) const { return oled.gddram()[page * 128 + column]; }
};

// MicroPython's SSD1306 driver, 128 x 64 with the internal charge pump: init_display().
const Bytes kMicroPythonInit{0xAE, 0x20, 0x00, 0x40, 0xA1, 0xA8, 0x3F, 0xC8, 0xD3, 0x00, 0xDA, 0x12,
                             0xD5, 0x80, 0xD9, 0xF1, 0xDB, 0x30, 0x81, 0xFF, 0xA4, 0xA6, 0x8D, 0x14, 0xAF};

// A framebuf.FrameBuffer MONO_VLSB buffer of 128 x 64: pixel (x, y) is bit y % 8 of byte
// x + (y / 8) * 128.
bool fb_pixel(const Bytes& fb, unsigned x, unsigned y) { return (fb[x + (y / 8) * 128] >> (y % 8)) & 1; }

// A pattern with no symmetry, so a mirrored or rotated panel cannot pass for the right one.
Bytes test_pattern() {
  Bytes fb(1024);
  for (unsigned i = 0; i < fb.size(); ++i) fb[i] = static_cast<std::uint8_t>((i * 37u + 11u) ^ (i >> 3));
  return fb;
}

void micropython_show(Bench& b, const Bytes& fb) {
  b.command_bytes_one_by_one({0x21, 0x00, 0x7F, 0x22, 0x00, 0x07});
  b.data(fb);  // writevto(addr, [b'\x40', buffer]): one message
}

TEST(Ssd1306, ResetStateFollowsTable9_1) {
  Bench b;
  const auto& r = b.oled.registers();
  EXPECT_EQ(b.oled.address(), 0x3C);
  EXPECT_FALSE(b.oled.display_on());  // AEh
  EXPECT_EQ(b.oled.contrast(), 0x7F);
  EXPECT_FALSE(r.entire_display_on);  // A4h
  EXPECT_FALSE(r.inverse);            // A6h
  EXPECT_EQ(r.addressing_mode, Ssd1306::AddressingMode::page);
  EXPECT_EQ(r.column_start, 0);
  EXPECT_EQ(r.column_end, 127);
  EXPECT_EQ(r.page_start, 0);
  EXPECT_EQ(r.page_end, 7);
  EXPECT_EQ(r.start_line, 0);
  EXPECT_FALSE(r.segment_remap);  // A0h
  EXPECT_EQ(r.multiplex_ratio, 63);
  EXPECT_FALSE(r.com_scan_remapped);  // C0h
  EXPECT_EQ(r.display_offset, 0);
  EXPECT_EQ(r.com_pins, 0x12);
  EXPECT_EQ(r.clock, 0x80);
  EXPECT_EQ(r.precharge, 0x22);
  EXPECT_EQ(r.vcomh, 0x20);
  EXPECT_EQ(r.charge_pump, 0x10);
  EXPECT_FALSE(b.oled.charge_pump_enabled());
  EXPECT_FALSE(r.scroll_active);
  EXPECT_EQ(b.oled.column_pointer(), 0);
  EXPECT_EQ(b.oled.page_pointer(), 0);
  for (auto byte : b.oled.gddram()) ASSERT_EQ(byte, 0);  // the model's choice for power-on
  EXPECT_FALSE(b.oled.panel_lit());
  for (auto lum : b.oled.framebuffer()) ASSERT_EQ(lum, 0);

  // RES#: every register back to its reset value, GDDRAM kept (8.9).
  b.commands({0xAF, 0x81, 0x10, 0xA1, 0xC8, 0x20, 0x00, 0x21, 0x04, 0x08});
  b.data({0x99});
  b.oled.reset();
  EXPECT_EQ(b.oled.registers(), Ssd1306::Registers{});
  EXPECT_EQ(b.oled.column_pointer(), 0);
  EXPECT_EQ(b.ram(4, 0), 0x99);
}

TEST(Ssd1306, Sa0SelectsTheAddress) {
  I2cBus bus("i2c0", nullptr);
  Ssd1306 low("oled_a"), high("oled_b", Ssd1306::kAddressSa0High);
  low.attach_to(bus);
  high.attach_to(bus);
  EXPECT_EQ(bus.addresses(), (std::vector<std::uint8_t>{0x3C, 0x3D}));
  bus.start(0x3D, I2cDirection::write);
  for (std::uint8_t byte : {0x00, 0xAF}) bus.write(byte);
  bus.stop();
  EXPECT_TRUE(high.display_on());
  EXPECT_FALSE(low.display_on());
  EXPECT_THROW(Ssd1306("oled_c", 0x3E), std::invalid_argument);
}

TEST(Ssd1306, ControlByteWithCo0StreamsCommandsOrData) {
  Bench b;
  EXPECT_EQ(b.send({0x00, 0xAF, 0x81, 0x20, 0xA7}), I2cAck::ack);
  EXPECT_TRUE(b.oled.display_on());
  EXPECT_EQ(b.oled.contrast(), 0x20);
  EXPECT_TRUE(b.oled.registers().inverse);
  // After 40h every byte is data, even one that looks like a control or command byte.
  b.send({0x40, 0x80, 0x00, 0xAE, 0x40});
  EXPECT_EQ(b.ram(0, 0), 0x80);
  EXPECT_EQ(b.ram(1, 0), 0x00);
  EXPECT_EQ(b.ram(2, 0), 0xAE);
  EXPECT_EQ(b.ram(3, 0), 0x40);
  EXPECT_TRUE(b.oled.display_on());
  EXPECT_EQ(b.oled.column_pointer(), 4);
}

TEST(Ssd1306, ControlByteWithCo1TakesOneByteThenAnotherControlByte) {
  Bench b;
  // Command, data, command, each behind its own control byte; then the last control byte (Co = 0)
  // opens a data stream.
  b.send({0x80, 0xAF, 0xC0, 0x55, 0x80, 0xA7, 0xC0, 0x66, 0x40, 0x11, 0x80, 0xC0});
  EXPECT_TRUE(b.oled.display_on());
  EXPECT_TRUE(b.oled.registers().inverse);
  EXPECT_EQ(b.ram(0, 0), 0x55);
  EXPECT_EQ(b.ram(1, 0), 0x66);
  EXPECT_EQ(b.ram(2, 0), 0x11);
  EXPECT_EQ(b.ram(3, 0), 0x80);
  EXPECT_EQ(b.ram(4, 0), 0xC0);

  // A double-byte command whose argument has a control byte of its own, in the same message...
  b.send({0x80, 0x81, 0x80, 0x42, 0x00, 0xA6});
  EXPECT_EQ(b.oled.contrast(), 0x42);
  EXPECT_FALSE(b.oled.registers().inverse);
  // ...and in the next message: the decoder keeps the command across the STOP.
  b.send({0x80, 0x81});
  EXPECT_EQ(b.oled.contrast(), 0x42);
  b.send({0x80, 0x33});
  EXPECT_EQ(b.oled.contrast(), 0x33);
  // Three-byte 21h across a command stream and single command bytes.
  b.send({0x00, 0x21, 0x05});
  b.send({0x80, 0x09});
  EXPECT_EQ(b.oled.registers().column_start, 5);
  EXPECT_EQ(b.oled.registers().column_end, 9);
  EXPECT_EQ(b.oled.column_pointer(), 5);
}

TEST(Ssd1306, GuestErrorsAreLoggedNotThrown) {
  Bench b;
  boardemu::testing::LogCapture log;
  b.commands({0xFF});  // not in Table 9-1
  EXPECT_NE(log.take().find("command byte 0xFF is not in the command table"), std::string::npos);
  b.send({0x01, 0xAF});  // low six bits of a control byte set: still Co = 0, D/C# = 0
  EXPECT_NE(log.take().find("control byte 0x01"), std::string::npos);
  EXPECT_TRUE(b.oled.display_on());
  b.commands({0xA8, 0x05});  // 0..14 are invalid multiplex ratios
  EXPECT_NE(log.take().find("multiplex ratio 5 is invalid"), std::string::npos);
  EXPECT_EQ(b.oled.registers().multiplex_ratio, 63);
  b.commands({0x20, 0x03});
  EXPECT_NE(log.take().find("11b is invalid"), std::string::npos);
  EXPECT_EQ(b.oled.registers().addressing_mode, Ssd1306::AddressingMode::page);

  // Data while 81h waits for its argument: the data goes to GDDRAM, 81h still takes the next
  // command byte.
  b.commands({0x81});
  b.data({0x77});
  EXPECT_NE(log.take().find("while command 81h waits for 1 more argument byte"), std::string::npos);
  EXPECT_EQ(b.ram(0, 0), 0x77);
  b.commands({0x05});
  EXPECT_EQ(b.oled.contrast(), 0x05);

  // A read: acknowledged, 0xFF, logged.
  ASSERT_EQ(b.bus.start(0x3C, I2cDirection::read), I2cAck::ack);
  EXPECT_EQ(b.bus.read(I2cAck::nack), 0xFF);
  b.bus.stop();
  EXPECT_NE(log.take().find("read message"), std::string::npos);

  // Scrolling is stored; activating it is a missing feature, not a guest error.
  b.commands({0x26, 0x00, 0x00, 0x07, 0x07, 0x00, 0xFF, 0x2F});
  std::string text = log.take();
  EXPECT_NE(text.find("[unimp]"), std::string::npos) << text;
  EXPECT_EQ(text.find("[guest_error]"), std::string::npos) << text;
  EXPECT_TRUE(b.oled.registers().scroll_active);
  EXPECT_EQ(b.oled.registers().scroll_command, 0x26);
  EXPECT_EQ(b.oled.registers().scroll_args[3], 0x07);
  b.commands({0x2E});
  EXPECT_FALSE(b.oled.registers().scroll_active);
}

// 10.1.3 b): column by column within 21h's range, then the next page within 22h's; past both
// ends, back to both starts.
TEST(Ssd1306, HorizontalAddressingWrapsWithinTheColumnAndPageRanges) {
  Bench b;
  b.commands({0x20, 0x00, 0x21, 0x10, 0x12, 0x22, 0x02, 0x03});
  EXPECT_EQ(b.oled.column_pointer(), 0x10);
  EXPECT_EQ(b.oled.page_pointer(), 2);
  b.data({1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(b.ram(0x10, 2), 7);  // the 7th byte wrapped to the start of the range
  EXPECT_EQ(b.ram(0x11, 2), 2);
  EXPECT_EQ(b.ram(0x12, 2), 3);
  EXPECT_EQ(b.ram(0x10, 3), 4);
  EXPECT_EQ(b.ram(0x11, 3), 5);
  EXPECT_EQ(b.ram(0x12, 3), 6);
  EXPECT_EQ(b.ram(0x13, 2), 0);  // outside the range: untouched
  EXPECT_EQ(b.ram(0x10, 4), 0);
  EXPECT_EQ(b.oled.column_pointer(), 0x11);
  EXPECT_EQ(b.oled.page_pointer(), 2);
  // The full-screen case: 1024 bytes fill the RAM in order and the pointer is home again.
  b.commands({0x21, 0x00, 0x7F, 0x22, 0x00, 0x07});
  Bytes all(1024);
  for (unsigned i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i * 7);
  b.data(all);
  EXPECT_TRUE(std::equal(all.begin(), all.end(), b.oled.gddram().begin()));
  EXPECT_EQ(b.oled.column_pointer(), 0);
  EXPECT_EQ(b.oled.page_pointer(), 0);
}

// 10.1.3 c): page by page within 22h's range, then the next column.
TEST(Ssd1306, VerticalAddressingWrapsWithinThePageAndColumnRanges) {
  Bench b;
  b.commands({0x20, 0x01, 0x21, 0x05, 0x06, 0x22, 0x06, 0x07});
  b.data({1, 2, 3, 4, 5});
  EXPECT_EQ(b.ram(5, 6), 5);  // the 5th wrapped to (start column, start page)
  EXPECT_EQ(b.ram(5, 7), 2);
  EXPECT_EQ(b.ram(6, 6), 3);
  EXPECT_EQ(b.ram(6, 7), 4);
  EXPECT_EQ(b.ram(7, 6), 0);
  EXPECT_EQ(b.ram(5, 5), 0);
  EXPECT_EQ(b.oled.column_pointer(), 5);
  EXPECT_EQ(b.oled.page_pointer(), 7);
}

// 10.1.3 a), 10.1.1, 10.1.2, 10.1.13: B0h-B7h set the page, 00h-0Fh and 10h-1Fh the column's
// nibbles; the column advances and after 127 returns to that column start, the page unchanged.
TEST(Ssd1306, PageAddressingAndItsStartCommands) {
  Bench b;
  EXPECT_EQ(b.oled.registers().addressing_mode, Ssd1306::AddressingMode::page);  // the reset mode
  b.commands({0xB3, 0x0E, 0x17});
  EXPECT_EQ(b.oled.page_pointer(), 3);
  EXPECT_EQ(b.oled.column_pointer(), 0x7E);
  b.data({0xA1, 0xA2, 0xA3});
  EXPECT_EQ(b.ram(0x7E, 3), 0xA3);  // wrapped back to the column start
  EXPECT_EQ(b.ram(0x7F, 3), 0xA2);
  EXPECT_EQ(b.ram(0x00, 4), 0x00);  // never to the next page
  EXPECT_EQ(b.ram(0x00, 3), 0x00);
  EXPECT_EQ(b.oled.page_pointer(), 3);
  EXPECT_EQ(b.oled.column_pointer(), 0x7F);
  // Each nibble command keeps the other nibble.
  b.commands({0x12, 0xB7, 0x03});
  EXPECT_EQ(b.oled.column_pointer(), 0x23);
  b.data({0x5A});
  EXPECT_EQ(b.ram(0x23, 7), 0x5A);

  // In horizontal mode they are not for use (logged) but still move the pointer.
  boardemu::testing::LogCapture log;
  b.commands({0x20, 0x00, 0xB1, 0x00, 0x10});
  EXPECT_NE(log.take().find("only for page addressing mode"), std::string::npos);
  b.data({0x3C});
  EXPECT_EQ(b.ram(0, 1), 0x3C);
}

// MicroPython's driver: init_display(), then show() of a buffer drawn by framebuf. The panel
// shows the buffer in framebuf's own orientation, which is the point of A1h and C8h (see
// Ssd1306::pixel): SEG(127 - x) is the viewer's column x, and with A1h it carries RAM column x;
// COM(63 - y) is the viewer's row y, and C8h at 64MUX puts scan step y (RAM row y) on it.
TEST(Ssd1306, MicroPythonInitAndShowGiveFramebufOrientation) {
  Bench b;
  b.command_bytes_one_by_one(kMicroPythonInit);
  EXPECT_TRUE(b.oled.display_on());
  EXPECT_TRUE(b.oled.charge_pump_enabled());
  EXPECT_TRUE(b.oled.panel_lit());
  EXPECT_EQ(b.oled.contrast(), 0xFF);
  EXPECT_EQ(b.oled.registers().addressing_mode, Ssd1306::AddressingMode::horizontal);
  EXPECT_TRUE(b.oled.registers().segment_remap);
  EXPECT_TRUE(b.oled.registers().com_scan_remapped);
  EXPECT_EQ(b.oled.registers().precharge, 0xF1);
  EXPECT_EQ(b.oled.registers().vcomh, 0x30);

  const Bytes fb = test_pattern();
  micropython_show(b, fb);
  EXPECT_TRUE(std::equal(fb.begin(), fb.end(), b.oled.gddram().begin()));
  for (unsigned y = 0; y < 64; ++y)
    for (unsigned x = 0; x < 128; ++x) ASSERT_EQ(b.oled.pixel(x, y), fb_pixel(fb, x, y)) << x << "," << y;

  // Single pixels at known places: framebuf.pixel(x, y, 1) at the corners and one inside.
  Bytes dots(1024);
  auto set = [&](unsigned x, unsigned y) { dots[x + (y / 8) * 128] |= 1 << (y % 8); };
  set(0, 0);
  set(127, 0);
  set(5, 63);
  set(100, 9);
  micropython_show(b, dots);
  const auto lum = b.oled.framebuffer();
  unsigned lit = 0;
  for (auto l : lum) lit += l == 255;
  EXPECT_EQ(lit, 4u);
  EXPECT_EQ(lum[0 * 128 + 0], 255);
  EXPECT_EQ(lum[0 * 128 + 127], 255);
  EXPECT_EQ(lum[63 * 128 + 5], 255);
  EXPECT_EQ(lum[9 * 128 + 100], 255);

  // Without the re-maps (A0h, C0h) the same RAM shows turned by 180 degrees.
  b.command_bytes_one_by_one({0xA0, 0xC0});
  EXPECT_TRUE(b.oled.pixel(127, 63));
  EXPECT_TRUE(b.oled.pixel(0, 63));
  EXPECT_TRUE(b.oled.pixel(122, 0));
  EXPECT_TRUE(b.oled.pixel(27, 54));
  EXPECT_FALSE(b.oled.pixel(0, 0));
  // A1h alone mirrors left-right, C8h alone top-bottom.
  b.command_bytes_one_by_one({0xA1});
  EXPECT_TRUE(b.oled.pixel(100, 54));
  b.command_bytes_one_by_one({0xA0, 0xC8});
  EXPECT_TRUE(b.oled.pixel(27, 9));
}

TEST(Ssd1306, InverseAndEntireDisplayOn) {
  Bench b;
  b.command_bytes_one_by_one(kMicroPythonInit);
  const Bytes fb = test_pattern();
  micropython_show(b, fb);
  b.commands({0xA7});  // 10.1.10: RAM 0 lit, 1 dark
  for (unsigned y = 0; y < 64; ++y)
    for (unsigned x = 0; x < 128; ++x) ASSERT_EQ(b.oled.pixel(x, y), !fb_pixel(fb, x, y)) << x << "," << y;
  b.commands({0xA5});  // 10.1.9: every pixel lit whatever the RAM holds (inverse or not)
  for (auto l : b.oled.framebuffer()) ASSERT_EQ(l, 255);
  b.commands({0xA6});
  for (auto l : b.oled.framebuffer()) ASSERT_EQ(l, 255);
  b.commands({0xA4});  // back to the RAM
  for (unsigned y = 0; y < 64; ++y)
    for (unsigned x = 0; x < 128; ++x) ASSERT_EQ(b.oled.pixel(x, y), fb_pixel(fb, x, y)) << x << "," << y;
  EXPECT_TRUE(std::equal(fb.begin(), fb.end(), b.oled.gddram().begin()));  // A5h/A7h leave RAM alone
}

TEST(Ssd1306, DisplayOffOrNoChargePumpIsBlack) {
  auto all_black = [](const Ssd1306& o) {
    for (auto l : o.framebuffer())
      if (l != 0) return false;
    return true;
  };
  Bench b;
  b.command_bytes_one_by_one(kMicroPythonInit);
  micropython_show(b, test_pattern());
  EXPECT_FALSE(all_black(b.oled));
  b.commands({0xAE});
  EXPECT_TRUE(all_black(b.oled));
  b.commands({0xA5});  // not even "entire display on" lights a sleeping panel
  EXPECT_TRUE(all_black(b.oled));
  b.commands({0xA4, 0xAF});
  EXPECT_FALSE(all_black(b.oled));
  b.commands({0x8D, 0x10});  // charge pump off
  EXPECT_FALSE(b.oled.panel_lit());
  EXPECT_TRUE(b.oled.display_on());
  EXPECT_TRUE(all_black(b.oled));
  b.commands({0x8D, 0x14});
  EXPECT_FALSE(all_black(b.oled));

  // With an external VCC the panel needs no charge pump (MicroPython: external_vcc=True sends
  // 8Dh 10h).
  Bench ext(Ssd1306::Supply::external);
  ext.commands({0xA1, 0xC8, 0x8D, 0x10, 0xAF, 0xA5});
  EXPECT_TRUE(ext.oled.panel_lit());
  EXPECT_TRUE(ext.oled.pixel(64, 32));
}

// The row path: start line (10.1.6), display offset (10.1.15), multiplex ratio (10.1.11) and
// COM pins configuration (10.1.18), on top of the A1h/C8h orientation.
TEST(Ssd1306, StartLineOffsetMultiplexAndComPins) {
  Bench b;
  b.command_bytes_one_by_one(kMicroPythonInit);
  // One lit RAM row at a time: row r is bit r % 8 of page r / 8, every column.
  auto light_ram_row = [&](unsigned r) {
    Bytes fb(1024);
    for (unsigned x = 0; x < 128; ++x) fb[x + (r / 8) * 128] = static_cast<std::uint8_t>(1 << (r % 8));
    micropython_show(b, fb);
  };
  auto lit_rows = [&] {
    std::vector<unsigned> rows;
    for (unsigned y = 0; y < 64; ++y)
      if (b.oled.pixel(17, y)) rows.push_back(y);
    return rows;
  };
  light_ram_row(10);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{10}));
  b.commands({0x40 | 8});  // start line 8: RAM row 8 at the top
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{2}));
  b.commands({0x40 | 0, 0xD3, 8});  // offset 8: the picture moves down by 8 rows, wrapping
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{18}));
  light_ram_row(60);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{4}));  // wraps mod 64
  b.commands({0xD3, 0});

  // 32MUX: only COM0..COM31 are scanned; with C8h at 32MUX scan step k drives COM(31 - k),
  // the viewer's row 32 + k: the picture's first 32 rows in the bottom half, the top half dark.
  b.commands({0xA8, 0x1F});
  light_ram_row(3);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{35}));
  light_ram_row(40);  // RAM row 40 is not scanned
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{}));
  b.commands({0xA5});
  unsigned lit = 0;
  for (auto l : b.oled.framebuffer()) lit += l == 255;
  EXPECT_EQ(lit, 128u * 32u);
  b.commands({0xA4, 0xA8, 0x3F});

  // Sequential COM pins (DAh 02h) on this panel, wired for the alternative configuration:
  // COM0..31 reach every other row, COM32..63 the rows between; RAM rows 0..31 land on the even
  // viewer rows, 32..63 on the odd ones.
  b.commands({0xDA, 0x02});
  light_ram_row(0);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{0}));
  light_ram_row(5);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{10}));
  light_ram_row(32);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{1}));
  // COM left/right remap (A[5]) exchanges the two sides' rows: sequential (DAh 22h), RAM rows
  // 0..31 on the odd viewer rows; alternative (DAh 32h), each pair of rows swapped.
  b.commands({0xDA, 0x22});
  light_ram_row(5);
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{11}));
  b.commands({0xDA, 0x32});
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{4}));
  b.commands({0xDA, 0x12});
  EXPECT_EQ(lit_rows(), (std::vector<unsigned>{5}));
}

// Reads a PNG back with libpng's simplified API as 8-bit grey.
struct PngRead {
  unsigned width = 0, height = 0;
  Bytes pixels;
};
PngRead read_png(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) throw std::runtime_error(image.message);
  image.format = PNG_FORMAT_GRAY;
  PngRead out{image.width, image.height, Bytes(PNG_IMAGE_SIZE(image))};
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) throw std::runtime_error(image.message);
  return out;
}

TEST(Ssd1306, WritesThePanelAsAnEightBitGreyPng) {
  Bench b;
  b.command_bytes_one_by_one(kMicroPythonInit);
  const Bytes fb = test_pattern();
  micropython_show(b, fb);
  const std::string path = ::testing::TempDir() + "ssd1306_panel_" + std::to_string(::getpid()) + ".png";
  b.oled.write_png(path, 3);

  // IHDR is the first chunk: width, height (big-endian), bit depth 8, colour type 0 (grey).
  std::ifstream f(path, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(file.size(), 33u);
  EXPECT_EQ(std::string(file.begin() + 12, file.begin() + 16), "IHDR");
  EXPECT_EQ(file[24], 8);
  EXPECT_EQ(file[25], 0);

  const PngRead png = read_png(path);
  EXPECT_EQ(png.width, 128u * 3);
  EXPECT_EQ(png.height, 64u * 3);
  ASSERT_EQ(png.pixels.size(), 384u * 192u);
  for (unsigned y = 0; y < png.height; ++y)
    for (unsigned x = 0; x < png.width; ++x)
      ASSERT_EQ(png.pixels[y * png.width + x], fb_pixel(fb, x / 3, y / 3) ? 255 : 0) << x << "," << y;
  std::remove(path.c_str());

  b.oled.write_png(path);  // scale 1
  EXPECT_EQ(read_png(path).pixels, b.oled.framebuffer());
  std::remove(path.c_str());

  EXPECT_THROW(b.oled.write_png(path, 0), std::invalid_argument);
  const std::string bad = ::testing::TempDir() + "no_such_dir/panel.png";
  try {
    b.oled.write_png(bad);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

// The whole path as firmware drives it: open-drain GPIOs, pull-ups, the module's own bit-bang
// engine and bus (Ssd1306Part), the controller.
TEST(Ssd1306, ThroughTheWires) {
  Scheduler s;
  Netlist nl(&s);
  Ssd1306Part part("oled1", &s, 0x3D);
  // 400 kHz SCL at 80 MHz: 100 cycles per half period.
  I2cBitBangController cpu("gpio", &s, /*half_period=*/100, /*max_stretch=*/1000);
  Pin r_sda("r1.P", &s), r_scl("r2.P", &s);
  for (Pin* p : {&cpu.sda_pin(), part.i2c_sda(), &r_sda}) nl.connect(*p, "sda");
  for (Pin* p : {&cpu.scl_pin(), part.i2c_scl(), &r_scl}) nl.connect(*p, "scl");
  r_sda.drive(Drive::pull_up);
  r_scl.drive(Drive::pull_up);
  EXPECT_EQ(part.i2c_address(), 0x3D);
  EXPECT_EQ(part.pins()[0]->name(), "oled1.SCL");
  EXPECT_EQ(part.pins()[1]->name(), "oled1.SDA");

  EXPECT_EQ(cpu.write(0x3C, std::array<std::uint8_t, 2>{0x80, 0xAF}), I2cAck::nack);  // SA0 is high
  const std::array<std::uint8_t, 15> init{0x00, 0xA1, 0xC8, 0x8D, 0x14, 0xAF, 0x20, 0x00,
                                          0x21, 0x00, 0x7F, 0x22, 0x00, 0x07, 0xE3};
  ASSERT_EQ(cpu.write(0x3D, init), I2cAck::ack);
  const std::array<std::uint8_t, 4> data{0x40, 0x81, 0xFF, 0x01};
  ASSERT_EQ(cpu.write(0x3D, data), I2cAck::ack);
  const Ssd1306& oled = part.display();
  EXPECT_TRUE(oled.panel_lit());
  EXPECT_EQ(oled.gddram()[0], 0x81);
  EXPECT_EQ(oled.gddram()[1], 0xFF);
  EXPECT_EQ(oled.gddram()[2], 0x01);
  EXPECT_TRUE(oled.pixel(0, 0));
  EXPECT_TRUE(oled.pixel(0, 7));
  EXPECT_FALSE(oled.pixel(0, 1));
  for (unsigned y = 0; y < 8; ++y) EXPECT_TRUE(oled.pixel(1, y));
  EXPECT_TRUE(oled.pixel(2, 0));
  EXPECT_FALSE(oled.pixel(2, 1));
  EXPECT_FALSE(oled.pixel(3, 0));

  boardemu::testing::LogCapture log;
  std::array<std::uint8_t, 2> got{};
  ASSERT_EQ(cpu.read(0x3D, got), I2cAck::ack);
  EXPECT_EQ(got, (std::array<std::uint8_t, 2>{0xFF, 0xFF}));
  EXPECT_NE(log.take().find("read message"), std::string::npos);
}

}  // namespace
}  // namespace boardemu
