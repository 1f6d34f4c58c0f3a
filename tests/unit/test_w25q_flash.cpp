// The W25Q32JV-class SPI NOR flash part (peripherals/parts/w25q_flash.hpp), no CPU: driven bit
// by bit through nets by a bit-banged controller in SPI mode 0 (and 3), as firmware using
// MicroPython's SoftSPI would, or byte by byte through an SpiBus.
//
// Reference: Winbond W25Q32JV datasheet rev. F: 7.1 Status Registers (BUSY S0, WEL S1);
// 8.2 Instruction Descriptions: Write Enable 06h, Write Disable 04h, Read Status Register-1
// 05h / -2 35h, Write Status Register 01h, Read Data 03h, Fast Read 0Bh (8 dummy clocks), Page
// Program 02h (wraps within the 256-byte page), Sector Erase 20h, Block Erase 52h/D8h, Chip
// Erase C7h/60h, Power-down B9h, Release Power-down / Device ID ABh, Manufacturer / Device ID
// 90h, JEDEC ID 9Fh (EF 40 16); program/erase run when /CS rises and need WEL; AC Electrical
// Characteristics, typical: tPP 0.4 ms, tSE 45 ms, tBE1 120 ms, tBE2 150 ms, tCE 10 s, tW 10 ms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "core/spi.hpp"
#include "parts/w25q_flash.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kHz = 80'000'000;
constexpr std::uint32_t kSize = 0x400000;  // 4 MiB: W25Q32JV
constexpr Cycles kTpp = kHz * 4 / 10'000;   // 0.4 ms
constexpr Cycles kTse = kHz * 45 / 1000;
constexpr Cycles kTbe1 = kHz * 120 / 1000;
constexpr Cycles kTbe2 = kHz * 150 / 1000;
constexpr Cycles kTce = kHz * 10;
constexpr Cycles kTw = kHz * 10 / 1000;

// An instruction with a 24-bit address, most significant byte first, then `rest`.
Bytes with_address(std::uint8_t opcode, std::uint32_t addr, const Bytes& rest = {}) {
  Bytes out;
  out.reserve(4 + rest.size());
  out.push_back(opcode);
  for (int shift = 16; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(addr >> shift));
  for (std::uint8_t b : rest) out.push_back(b);
  return out;
}

// The flash's pins wired to a bit-banged controller: mcu.SCK/MOSI/MISO/CS0 to flash1.SCK/...
class W25qFlashTest : public ::testing::Test {
 protected:
  W25qFlashTest()
      : flash_("flash1", sched_, {.size = kSize, .timing = W25qFlash::Timing::typical(kHz)}),
        spi_("flash1", &sched_, flash_, {.mode = SpiMode::mode0, .either_clock_polarity = true}),
        host_("mcu", &sched_, {.mode = SpiMode::mode0}) {
    nets_.connect(host_.sck(), "spi_sck");
    nets_.connect(spi_.sck(), "spi_sck");
    nets_.connect(host_.mosi(), "spi_mosi");
    nets_.connect(spi_.mosi(), "spi_mosi");
    nets_.connect(host_.miso(), "spi_miso");
    nets_.connect(spi_.miso(), "spi_miso");
    nets_.connect(host_.cs(0), "flash_cs");
    nets_.connect(spi_.cs(), "flash_cs");
  }

  Bytes frame(const Bytes& out) { return host_.transfer(0, out); }
  void command(std::uint8_t opcode) { frame({opcode}); }
  void command(std::uint8_t opcode, std::uint32_t addr) { frame(with_address(opcode, addr)); }
  std::uint8_t status() { return frame({0x05, 0x00})[1]; }
  Bytes read(std::uint32_t addr, std::size_t n) {
    Bytes in = frame(with_address(0x03, addr, Bytes(n, 0x00)));
    return Bytes(in.begin() + 4, in.end());
  }
  void program(std::uint32_t addr, const Bytes& data) {
    command(0x06);
    frame(with_address(0x02, addr, data));
  }
  // Polls Read Status Register-1 until BUSY clears, letting virtual time run to the end of
  // the operation in between (a 10 s chip erase is not polled every millisecond here).
  void wait_idle() {
    while (status() & W25qFlash::SR_BUSY) run_to(std::max(flash_.busy_until(), sched_.now() + 1));
  }
  void erase(std::uint8_t opcode, std::uint32_t addr) {
    command(0x06);
    if (opcode == 0xC7 || opcode == 0x60)
      command(opcode);
    else
      command(opcode, addr);
    wait_idle();
  }
  void run_to(Cycles t) {
    sched_.advance_to(t);
    sched_.run_due();
  }

  Scheduler sched_;
  Netlist nets_{&sched_};
  W25qFlash flash_;
  BitBangSpi spi_;
  BitBangSpiController host_;
};

TEST_F(W25qFlashTest, JedecIdAndDeviceIdOverBitBangedSpi) {
  EXPECT_EQ(frame({0x9F, 0x00, 0x00, 0x00}), (Bytes{0xFF, 0xEF, 0x40, 0x16}));
  // ABh: three dummy bytes, then the device ID, repeated.
  EXPECT_EQ(frame({0xAB, 0, 0, 0, 0, 0}), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x15, 0x15}));
  // 90h: manufacturer and device ID, in the order address bit 0 picks.
  EXPECT_EQ(frame(with_address(0x90, 0, {0, 0, 0})), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x15, 0xEF}));
  EXPECT_EQ(frame(with_address(0x90, 1, {0, 0})), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x15, 0xEF}));
  // The chip takes mode 3 as well as mode 0.
  host_.set_format({.mode = SpiMode::mode3});
  EXPECT_EQ(frame({0x9F, 0x00, 0x00, 0x00}), (Bytes{0xFF, 0xEF, 0x40, 0x16}));
  EXPECT_EQ(host_.undefined_samples(), 0u);
}

TEST(W25qFlash, TheJedecIdFollowsTheSizeOrIsGiven) {
  Scheduler s;
  W25qFlash w25q16("flash2", s, {.size = 0x200000});
  W25qFlash gd25q32("flash3", s, {.size = 0x400000, .jedec_id = 0xC84016});
  SpiBus bus("spi1", &s);
  bus.attach(0, w25q16, "flash2");
  bus.attach(1, gd25q32, "flash3");
  EXPECT_EQ(bus.transfer(0, Bytes{0x9F, 0, 0, 0}), (Bytes{0xFF, 0xEF, 0x40, 0x15}));
  EXPECT_EQ(bus.transfer(0, Bytes{0xAB, 0, 0, 0, 0}), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x14}));
  EXPECT_EQ(bus.transfer(1, Bytes{0x9F, 0, 0, 0}), (Bytes{0xFF, 0xC8, 0x40, 0x16}));
  EXPECT_THROW(W25qFlash("bad", s, {.size = 3 << 20}), std::invalid_argument);
  EXPECT_THROW(W25qFlash("bad", s, {.size = 0x8000}), std::invalid_argument);
  std::vector<std::uint8_t> window(0x20000);
  EXPECT_THROW(W25qFlash("bad", s, {.size = 0x10000}, std::span<std::uint8_t>(window)),
               std::invalid_argument);
}

TEST_F(W25qFlashTest, ProgramThenReadBack) {
  EXPECT_EQ(read(0x1234, 4), (Bytes{0xFF, 0xFF, 0xFF, 0xFF}));  // erased
  program(0x1234, {0x01, 0x02, 0x03, 0x04});
  EXPECT_EQ(status(), 0x03);  // BUSY and WEL during tPP
  wait_idle();
  EXPECT_EQ(read(0x1234, 4), (Bytes{0x01, 0x02, 0x03, 0x04}));
  EXPECT_EQ(read(0x1233, 1), (Bytes{0xFF}));
  EXPECT_EQ(flash_.byte_at(0x1236), 0x03);
  // Fast Read: one dummy byte after the address.
  Bytes in = frame(with_address(0x0B, 0x1235, {0x00, 0x00, 0x00}));
  EXPECT_EQ(Bytes(in.begin() + 5, in.end()), (Bytes{0x02, 0x03}));
  // Reads roll over from the last byte to the first.
  flash_.load(kSize - 1, Bytes{0xAB});
  flash_.load(0, Bytes{0xCD});
  EXPECT_EQ(read(kSize - 1, 2), (Bytes{0xAB, 0xCD}));
}

TEST_F(W25qFlashTest, ProgramOnlyClearsBits) {
  program(0x100, {0xF0, 0x3C});
  wait_idle();
  program(0x100, {0x0F, 0xFF});
  wait_idle();
  EXPECT_EQ(read(0x100, 2), (Bytes{0x00, 0x3C}));
  program(0x100, {0xFF, 0xC3});
  wait_idle();
  EXPECT_EQ(read(0x100, 2), (Bytes{0x00, 0x00}));
}

TEST_F(W25qFlashTest, PageProgramWrapsWithinItsPage) {
  Bytes data = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  program(0x12FA, data);  // page 0x1200, column FAh: 6 bytes to the end, 4 wrap
  wait_idle();
  EXPECT_EQ(read(0x12FA, 6), (Bytes{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(read(0x1200, 5), (Bytes{6, 7, 8, 9, 0xFF}));
  EXPECT_EQ(read(0x1300, 1), (Bytes{0xFF}));  // the next page untouched
  EXPECT_EQ(flash_.byte_at(0x11FF), 0xFF);    // and the one before
  // More than 256 bytes: the later ones overwrite the earlier ones at the same columns.
  Bytes big(300);
  for (int i = 0; i < 300; ++i) big[i] = static_cast<std::uint8_t>(i < 44 ? 0x00 : 0xA5);
  program(0x2000, big);
  wait_idle();
  EXPECT_EQ(read(0x2000, 256), Bytes(256, 0xA5));
  EXPECT_EQ(flash_.byte_at(0x2100), 0xFF);
}

TEST_F(W25qFlashTest, EraseSetsFFOnItsBoundaries) {
  struct Case {
    std::uint8_t opcode;
    std::uint32_t addr;   // anywhere inside
    std::uint32_t start;  // the boundary it rounds to
    std::uint32_t len;
  };
  for (Case c : {Case{0x20, 0x3456, 0x3000, 0x1000}, Case{0x52, 0x1A000, 0x18000, 0x8000},
                 Case{0xD8, 0x35555, 0x30000, 0x10000}}) {
    for (std::uint32_t a : {c.start - 1, c.start, c.start + c.len - 1, c.start + c.len})
      flash_.load(a, Bytes{0x00});
    erase(c.opcode, c.addr);
    EXPECT_EQ(flash_.byte_at(c.start - 1), 0x00) << int(c.opcode);
    EXPECT_EQ(flash_.byte_at(c.start), 0xFF) << int(c.opcode);
    EXPECT_EQ(flash_.byte_at(c.start + c.len - 1), 0xFF) << int(c.opcode);
    EXPECT_EQ(flash_.byte_at(c.start + c.len), 0x00) << int(c.opcode);
  }
  for (std::uint8_t opcode : {0xC7, 0x60}) {
    flash_.load(0, Bytes{0x00});
    flash_.load(kSize - 1, Bytes{0x12});
    erase(opcode, 0);
    EXPECT_EQ(flash_.byte_at(0), 0xFF) << int(opcode);
    EXPECT_EQ(flash_.byte_at(kSize - 1), 0xFF) << int(opcode);
  }
}

TEST_F(W25qFlashTest, BusyDuringSectorEraseThenClearOnceTheSchedulerGetsThere) {
  flash_.load(0x5000, Bytes{0x00});
  flash_.load(0x9000, Bytes{0x42});
  Cycles t0 = sched_.now();
  command(0x06);
  command(0x20, 0x5000);
  EXPECT_EQ(sched_.pending_count(), 1u);  // the part's end-of-erase event
  EXPECT_EQ(status(), 0x03);
  run_to(t0 + kTse - 1);
  EXPECT_EQ(status(), 0x03);
  // Only the status reads are accepted while BUSY = 1.
  testing::LogCapture log;
  EXPECT_EQ(read(0x9000, 1), (Bytes{0xFF}));  // ignored: nothing comes out
  EXPECT_NE(log.take().find("Read Data) while a program/erase is in progress (BUSY = 1)"),
            std::string::npos);
  EXPECT_EQ(frame({0x9F, 0, 0, 0}), (Bytes{0xFF, 0xFF, 0xFF, 0xFF}));
  program(0x9000, {0x00});  // Write Enable and Page Program both ignored
  EXPECT_EQ(frame({0x35, 0x00}), (Bytes{0xFF, 0x00}));  // Status Register-2 is readable
  run_to(t0 + kTse);
  EXPECT_EQ(sched_.pending_count(), 0u);  // the event ran
  EXPECT_FALSE(flash_.busy());
  EXPECT_EQ(status(), 0x00);  // BUSY and WEL clear
  EXPECT_EQ(flash_.byte_at(0x5000), 0xFF);
  EXPECT_EQ(read(0x9000, 1), (Bytes{0x42}));  // the ignored program changed nothing
}

TEST_F(W25qFlashTest, StatusIsOutputContinuouslyWithinOneFrame) {
  program(0x40, {0x00});
  host_.select();
  host_.exchange(0x05);
  EXPECT_EQ(host_.exchange(0x00), 0x03);
  EXPECT_EQ(host_.exchange(0x00), 0x03);
  run_to(sched_.now() + kTpp);
  // The next byte was loaded into the shift register at the last byte boundary (mode 0: on
  // the falling edge that ended the byte before), still busy; the one after shows BUSY clear
  // while the chip is still selected.
  EXPECT_EQ(host_.exchange(0x00), 0x03);
  EXPECT_EQ(host_.exchange(0x00), 0x00);
  host_.deselect();
}

TEST_F(W25qFlashTest, OperationTimesAreTheDatasheetTypicalFigures) {
  struct Case {
    Bytes frame;
    Cycles time;
  };
  for (const Case& c : {Case{with_address(0x02, 0x80000, {0x00}), kTpp},
                        Case{with_address(0x20, 0x80000), kTse},
                        Case{with_address(0x52, 0x80000), kTbe1},
                        Case{with_address(0xD8, 0x80000), kTbe2}, Case{{0xC7}, kTce},
                        Case{{0x01, 0x00}, kTw}}) {
    command(0x06);
    Cycles t0 = sched_.now();
    frame(c.frame);
    sched_.advance_to(t0 + c.time - 1);
    EXPECT_EQ(status() & W25qFlash::SR_BUSY, W25qFlash::SR_BUSY) << int(c.frame[0]);
    sched_.advance_to(t0 + c.time);  // events not run yet: the status still reads right
    EXPECT_EQ(status(), 0x00) << int(c.frame[0]);
    sched_.run_due();
  }
}

TEST_F(W25qFlashTest, WriteEnableLatchSetByWriteEnableClearedByDisableAndEachOperation) {
  EXPECT_EQ(status(), 0x00);
  command(0x06);
  EXPECT_EQ(status(), 0x02);
  command(0x04);
  EXPECT_EQ(status(), 0x00);
  program(0x300, {0x11});
  EXPECT_EQ(status() & W25qFlash::SR_WEL, W25qFlash::SR_WEL);  // still set while busy
  wait_idle();
  EXPECT_EQ(status(), 0x00);
  for (std::uint8_t opcode : {0x20, 0x52, 0xD8, 0xC7}) {
    erase(opcode, 0x300);
    EXPECT_EQ(status(), 0x00) << int(opcode);
  }
}

TEST_F(W25qFlashTest, ProgramAndEraseWithoutWriteEnableAreRefused) {
  flash_.load(0x7000, Bytes{0x00});
  testing::LogCapture log;
  frame(with_address(0x02, 0x100, {0x00}));
  EXPECT_NE(log.take().find("flash1: Page Program without Write Enable (WEL = 0): ignored"),
            std::string::npos);
  EXPECT_EQ(status(), 0x00);  // not busy
  EXPECT_EQ(flash_.byte_at(0x100), 0xFF);
  for (std::uint8_t opcode : {0x20, 0x52, 0xD8}) {
    command(opcode, 0x7000);
    EXPECT_NE(log.take().find("without Write Enable"), std::string::npos) << int(opcode);
  }
  for (std::uint8_t opcode : {0xC7, 0x60}) {
    command(opcode);
    EXPECT_NE(log.take().find("Chip Erase without Write Enable"), std::string::npos);
  }
  frame({0x01, 0x1C});
  EXPECT_NE(log.take().find("Write Status Register without Write Enable"), std::string::npos);
  EXPECT_EQ(status(), 0x00);
  EXPECT_EQ(flash_.byte_at(0x7000), 0x00);
  // Write Disable takes the latch away again.
  command(0x06);
  command(0x04);
  command(0x20, 0x7000);
  EXPECT_EQ(flash_.byte_at(0x7000), 0x00);
}

TEST_F(W25qFlashTest, ProgramAndEraseRunWhenChipSelectRises) {
  flash_.load(0x6000, Bytes{0x00});
  command(0x06);
  host_.select();
  for (std::uint8_t b : with_address(0x20, 0x6000)) host_.exchange(b);
  EXPECT_EQ(flash_.byte_at(0x6000), 0x00);  // not yet: /CS is still low
  EXPECT_FALSE(flash_.busy());
  host_.deselect();
  EXPECT_EQ(flash_.byte_at(0x6000), 0xFF);
  EXPECT_TRUE(flash_.busy());
  wait_idle();
  // A frame that ends inside the address does nothing.
  flash_.load(0x6000, Bytes{0x00});
  command(0x06);
  testing::LogCapture log;
  frame({0x20, 0x00, 0x60});
  EXPECT_NE(log.take().find("Sector Erase ended after 2 of 3 address bytes: ignored"),
            std::string::npos);
  EXPECT_EQ(flash_.byte_at(0x6000), 0x00);
  EXPECT_EQ(status(), 0x02);  // WEL still set: nothing ran
  // And so does a Page Program with no data.
  frame(with_address(0x02, 0x6000));
  EXPECT_NE(log.take().find("Page Program with no data byte"), std::string::npos);
  EXPECT_EQ(status(), 0x02);
}

TEST_F(W25qFlashTest, ChangeObserversHearEachProgramAndErase) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> seen;
  auto id = flash_.observe_changes([&](std::uint32_t a, std::uint32_t n) { seen.emplace_back(a, n); });
  flash_.load(0x10, Bytes{0x00});  // a host-side load is not a change the chip made
  program(0x1010, {0x01});
  wait_idle();
  erase(0x20, 0x5004);
  EXPECT_EQ(seen, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0x1000, 256},
                                                                        {0x5000, 4096}}));
  flash_.unobserve_changes(id);
  erase(0x20, 0x6000);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(W25qFlashTest, PowerDownIgnoresEverythingButRelease) {
  command(0xB9);
  EXPECT_TRUE(flash_.powered_down());
  testing::LogCapture log;
  EXPECT_EQ(frame({0x9F, 0, 0, 0}), (Bytes{0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_NE(log.take().find("in power-down: ignored"), std::string::npos);
  command(0xAB);  // release, without reading the ID
  EXPECT_FALSE(flash_.powered_down());
  EXPECT_EQ(frame({0x9F, 0, 0, 0}), (Bytes{0xFF, 0xEF, 0x40, 0x16}));
}

TEST_F(W25qFlashTest, WriteStatusRegisters) {
  testing::LogCapture log;
  command(0x06);
  frame({0x01, 0x1C, 0x02});  // BP0..2 in SR1, QE in SR2
  EXPECT_EQ(status(), 0x1F);  // busy for tW, WEL still set
  EXPECT_NE(log.take().find("BP0..2 = 7 are stored, not enforced"), std::string::npos);
  run_to(sched_.now() + kTw);
  EXPECT_EQ(status(), 0x1C);
  EXPECT_EQ(frame({0x35, 0x00})[1], 0x02);
  // BUSY and WEL are not writable.
  command(0x06);
  frame({0x01, 0x03});
  wait_idle();
  EXPECT_EQ(status(), 0x00);
}

TEST_F(W25qFlashTest, UnknownInstructionsAreGuestErrors) {
  testing::LogCapture log;
  EXPECT_EQ(frame({0x77, 0x00}), (Bytes{0xFF, 0xFF}));
  EXPECT_NE(log.take().find("flash1: unknown instruction 0x77: ignored"), std::string::npos);
}

TEST(W25qFlash, AMappedWindowHoldsTheFirstBytes) {
  Scheduler s;
  std::vector<std::uint8_t> window(0x10000, 0x00);
  W25qFlash flash("flash1", s, {.size = 0x100000}, std::span<std::uint8_t>(window));
  EXPECT_EQ(window[0], 0xFF);  // erased, the window included
  EXPECT_EQ(window[0xFFFF], 0xFF);
  auto pieces = flash.contents();
  EXPECT_EQ(pieces[0].data(), window.data());
  EXPECT_EQ(pieces[0].size(), 0x10000u);
  EXPECT_EQ(pieces[1].size(), 0x100000u - 0x10000);
  SpiBus bus("spi", &s);
  bus.attach(0, flash, "flash1");
  bus.transfer(0, Bytes{0x06});
  bus.transfer(0, with_address(0x02, 0x100, {0x12, 0x34}));  // timing: instant
  EXPECT_EQ(window[0x100], 0x12);
  bus.transfer(0, Bytes{0x06});
  bus.transfer(0, with_address(0x02, 0x20000, {0x56}));
  EXPECT_EQ(pieces[1][0x20000 - 0x10000], 0x56);
  EXPECT_EQ(bus.transfer(0, Bytes{0x05, 0x00}), (Bytes{0xFF, 0x00}));  // no busy time
}

TEST(W25qFlash, DestroyingThePartCancelsItsEvent) {
  Scheduler s;
  {
    W25qFlash flash("flash1", s, {.timing = W25qFlash::Timing::typical(kHz)});
    SpiBus bus("spi", &s);
    bus.attach(0, flash, "flash1");
    bus.transfer(0, Bytes{0x06});
    bus.transfer(0, with_address(0x20, 0));
    EXPECT_EQ(s.pending_count(), 1u);
  }
  EXPECT_EQ(s.pending_count(), 0u);
  s.advance(kTse);
  s.run_due();  // nothing left to call into the destroyed part
}

}  // namespace
}  // namespace boardemu
