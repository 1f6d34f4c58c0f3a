// Register-level tests of the ESP8266 HSPI (SPI1) controller model, no CPU: the controller
// drives its pads on the GPIO model, the pads' nets reach SPI parts through the core's
// bit-level SPI engine (core/spi.hpp BitBangSpi).
//
// Reference: ESP8266 Technical Reference (Espressif), SPI chapter; SDK spi_register.h
// (SPI_CMD.USR bit 18, SPI_CTRL WR/RD_BIT_ORDER 26/25, SPI_CLOCK fields, SPI_USER phase bits,
// SPI_USER1/2 lengths, SPI_PIN IDLE_EDGE 29 / CS0_DIS 0, SPI_SLAVE TRANS_DONE 4 /
// TRANS_DONE_EN 9, W0..W15 at 0x40..0x7C); W25Q32JV datasheet (JEDEC ID EF 40 16).
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/bus.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "core/spi.hpp"
#include "gpio/esp8266_gpio.hpp"
#include "spi/esp8266_hspi.hpp"
#include "gpio/esp8266_iomux.hpp"
#include "machine/device_registry.hpp"
#include "system/unimplemented.hpp"
#include "parts/w25q_flash.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

using H = Esp8266Hspi;
using M = Esp8266Iomux;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kHz = 80'000'000;

// SPI_CLOCK for 80 MHz / ((pre + 1) * (n + 1)), SCK's first part (h + 1) * (pre + 1) cycles.
constexpr std::uint32_t clock_reg(unsigned pre, unsigned n, unsigned h) {
  return (pre << 18) | (n << 12) | (h << 6) | n;
}

// An SPI target that answers a fixed byte sequence and records what it hears.
struct ScriptTarget : SpiTarget {
  std::deque<std::uint8_t> replies;
  Bytes heard;
  int frames = 0;
  void select() override { ++frames; }
  void deselect() override {}
  std::uint8_t shift_out() override {
    if (replies.empty()) return 0xFF;
    std::uint8_t b = replies.front();
    replies.pop_front();
    return b;
  }
  void shift_in(std::uint8_t mosi) override { heard.push_back(mosi); }
};

class HspiTest : public ::testing::Test {
 protected:
  HspiTest() {
    for (unsigned pad = 12; pad <= 15; ++pad) select_hspi(pad);
    // The flash on the four pads; a second engine (any mode) on the same data lines with its
    // own chip select on a net of its own, driven from the test.
    nets_.connect(gpio_.pin(14), "sck");
    nets_.connect(gpio_.pin(13), "mosi");
    nets_.connect(gpio_.pin(12), "miso");
    nets_.connect(gpio_.pin(15), "cs");
    nets_.connect(flash_spi_.sck(), "sck");
    nets_.connect(flash_spi_.mosi(), "mosi");
    nets_.connect(flash_spi_.miso(), "miso");
    nets_.connect(flash_spi_.cs(), "cs");
  }

  void select_hspi(unsigned pad) { iomux_.write(M::pad_offset(pad), M::func_bits(2), 4); }
  void wr(std::uint32_t off, std::uint32_t v) { hspi_.write(off, v, 4); }
  std::uint32_t rd(std::uint32_t off) { return hspi_.read(off, 4); }

  // Starts SPI_USR and runs virtual time until SPI_CMD reads 0; returns the cycles it took.
  Cycles run() {
    Cycles t0 = sched_.now();
    wr(H::SPI_CMD, H::CMD_USR);
    while (rd(H::SPI_CMD) & H::CMD_USR) {
      Cycles next = sched_.next_deadline();
      EXPECT_NE(next, kNever);
      if (next == kNever) break;
      sched_.advance_to(next);
      sched_.run_due();
    }
    return sched_.now() - t0;
  }

  // A command byte, then `out` bytes out and as many in (full duplex) from W0, byte 0 first.
  // Returns the bytes received.
  Bytes command_duplex(std::uint8_t cmd, const Bytes& out) {
    std::uint32_t user = H::USER_COMMAND | H::USER_DOUTDIN | (rd(H::SPI_USER) & 0x0FFF);
    if (!out.empty()) user |= H::USER_MOSI;
    wr(H::SPI_USER, user);
    wr(H::SPI_USER2, (7u << 28) | cmd);
    wr(H::SPI_USER1, out.empty() ? 0 : (static_cast<std::uint32_t>(out.size() * 8 - 1) << 17));
    load(out);
    run();
    return buffer(out.size());
  }
  // Half duplex: command, then `n` bytes read (MISO phase) into W0.
  Bytes command_read(std::uint8_t cmd, unsigned n, std::uint32_t addr = 0, bool with_addr = false) {
    std::uint32_t user = H::USER_COMMAND | H::USER_MISO | (rd(H::SPI_USER) & 0x0FFF);
    if (with_addr) user |= H::USER_ADDR;
    wr(H::SPI_USER, user);
    wr(H::SPI_USER2, (7u << 28) | cmd);
    wr(H::SPI_USER1, (23u << 26) | ((n * 8 - 1) << 8));
    wr(H::SPI_ADDR, addr << 8);
    run();
    return buffer(n);
  }
  // Half duplex: command, 24-bit address, `data` written (MOSI phase).
  void command_write(std::uint8_t cmd, std::uint32_t addr, const Bytes& data) {
    std::uint32_t user = H::USER_COMMAND | H::USER_ADDR | (rd(H::SPI_USER) & 0x0FFF);
    if (!data.empty()) user |= H::USER_MOSI;
    wr(H::SPI_USER, user);
    wr(H::SPI_USER2, (7u << 28) | cmd);
    wr(H::SPI_USER1, (23u << 26) | (data.empty() ? 0 : (static_cast<std::uint32_t>(data.size() * 8 - 1) << 17)));
    wr(H::SPI_ADDR, addr << 8);
    load(data);
    run();
  }
  void command_only(std::uint8_t cmd) {
    wr(H::SPI_USER, H::USER_COMMAND | (rd(H::SPI_USER) & 0x0FFF));
    wr(H::SPI_USER2, (7u << 28) | cmd);
    run();
  }
  void load(const Bytes& data) {
    for (unsigned w = 0; w < 16; ++w) wr(H::SPI_W0 + 4 * w, 0);
    for (std::size_t i = 0; i < data.size(); ++i)
      hspi_.write(H::SPI_W0 + static_cast<std::uint32_t>(i / 4) * 4,
                  rd(H::SPI_W0 + static_cast<std::uint32_t>(i / 4) * 4) |
                      (std::uint32_t{data[i]} << (8 * (i % 4))),
                  4);
  }
  Bytes buffer(std::size_t n) {
    Bytes out;
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(static_cast<std::uint8_t>(rd(H::SPI_W0 + static_cast<std::uint32_t>(i / 4) * 4) >> (8 * (i % 4))));
    return out;
  }
  void wait_flash_idle() {
    for (int i = 0; i < 100000; ++i) {
      if (!(command_read(0x05, 1)[0] & 1)) return;
      sched_.advance(80'000);  // 1 ms
      sched_.run_due();
    }
    FAIL() << "flash stays busy";
  }

  Scheduler sched_;
  Netlist nets_{&sched_};
  Esp8266Gpio gpio_{"gpio", &sched_};
  Esp8266Iomux iomux_{"iomux", &gpio_};
  H hspi_{"spi1", sched_, kHz, kHz, gpio_};
  W25qFlash flash_{"flash1", sched_, {.size = 0x400000, .timing = W25qFlash::Timing::typical(kHz)}};
  BitBangSpi flash_spi_{"flash1", &sched_, flash_, SpiFormat{SpiMode::mode0, BitOrder::msb_first, true}};
};

TEST(Esp8266Hspi, ResetValuesAndRegisterNames) {
  Scheduler sched;
  Esp8266Gpio gpio("gpio", &sched);
  H hspi("spi1", sched, kHz, kHz, gpio);
  const RegisterBank* regs = hspi.registers();
  ASSERT_NE(regs, nullptr);
  EXPECT_EQ(regs->specs().size(), 16u + 16u + 4u);
  EXPECT_STREQ(regs->spec_at(0x00)->name, "SPI_CMD");
  EXPECT_STREQ(regs->spec_at(0x18)->name, "SPI_CLOCK");
  EXPECT_STREQ(regs->spec_at(0x1C)->name, "SPI_USER");
  EXPECT_STREQ(regs->spec_at(0x2C)->name, "SPI_PIN");
  EXPECT_STREQ(regs->spec_at(0x30)->name, "SPI_SLAVE");
  EXPECT_STREQ(regs->spec_at(0x40)->name, "SPI_W0");
  EXPECT_STREQ(regs->spec_at(0x7C)->name, "SPI_W15");
  for (const RegisterSpec& s : regs->specs()) EXPECT_EQ(hspi.read(s.offset, 4), 0u) << s.name;
  EXPECT_FALSE(hspi.irq("irq")->level());
  EXPECT_EQ(hspi.irq("other"), nullptr);
  // Stored registers read back; SPI_USER2's bits 27:16 do not exist.
  hspi.write((H::SPI_W0 + 60), 0xDEADBEEF, 4);
  EXPECT_EQ(hspi.read((H::SPI_W0 + 60), 4), 0xDEADBEEFu);
  hspi.write(H::SPI_USER2, 0xFFFFFFFF, 4);
  EXPECT_EQ(hspi.read(H::SPI_USER2, 4), 0xF000FFFFu);
  hspi.reset();
  EXPECT_EQ(hspi.read((H::SPI_W0 + 60), 4), 0u);
  // Without an IO_MUX, the pads are GPIOs: HSPI's signals do not reach them.
  EXPECT_EQ(gpio.pin(14).driving(), Drive::off);
  EXPECT_EQ(gpio.pin(15).driving(), Drive::off);
  // A read of a hole is a guest error, not a crash.
  testing::LogCapture log;
  EXPECT_EQ(hspi.read(0x80, 4), 0u);
  EXPECT_NE(log.take().find("read of unknown offset 0x80"), std::string::npos);
}

TEST_F(HspiTest, PadsCarryTheSignalsOnlyInFunction2) {
  // Idle: SCK low (CPOL 0), CS0 high, MOSI low.
  EXPECT_EQ(nets_.find("sck")->level(), Level::low);
  EXPECT_EQ(nets_.find("cs")->level(), Level::high);
  EXPECT_EQ(nets_.find("mosi")->level(), Level::low);
  wr(H::SPI_PIN, H::PIN_IDLE_EDGE);  // CPOL 1
  EXPECT_EQ(nets_.find("sck")->level(), Level::high);
  // Back to the GPIO function: GPIO_OUT (0, output disabled) decides; nothing drives the pin.
  iomux_.write(M::pad_offset(14), M::func_bits(3), 4);
  EXPECT_EQ(gpio_.pin(14).driving(), Drive::off);
  select_hspi(14);
  EXPECT_EQ(gpio_.pin(14).driving(), Drive::high);
  // Selecting HSPI is not an unmodelled function any more.
  testing::LogCapture log;
  iomux_.write(M::pad_offset(13), M::func_bits(3), 4);
  select_hspi(13);
  EXPECT_EQ(log.take(), "");
}

TEST_F(HspiTest, JedecIdFromAW25qPartTakesThirtyTwoClocks) {
  testing::LogCapture log;
  wr(H::SPI_CLOCK, clock_reg(3, 19, 9));  // 80 MHz / 80 = 1 MHz: 80 cycles a clock
  EXPECT_DOUBLE_EQ(hspi_.sck_period_cycles(), 80.0);
  wr(H::SPI_USER, H::USER_COMMAND | H::USER_MISO);
  wr(H::SPI_USER2, (7u << 28) | 0x9F);
  wr(H::SPI_USER1, 23u << 8);  // 24 bits in
  wr(H::SPI_CMD, H::CMD_USR);
  EXPECT_TRUE(hspi_.busy());
  EXPECT_EQ(rd(H::SPI_CMD), H::CMD_USR);
  EXPECT_EQ(nets_.find("cs")->level(), Level::low);
  // 8 + 24 clocks of 80 cycles: still running one cycle before, done at 2560.
  sched_.advance_to(2559);
  sched_.run_due();
  EXPECT_EQ(rd(H::SPI_CMD), H::CMD_USR);
  EXPECT_EQ(rd(H::SPI_W0), 0u);  // the buffer fills when the transaction ends
  sched_.advance_to(2560);
  sched_.run_due();
  EXPECT_EQ(rd(H::SPI_CMD), 0u);
  EXPECT_EQ(nets_.find("cs")->level(), Level::high);
  EXPECT_EQ(rd(H::SPI_W0) & 0xFFFFFF, 0x1640EFu);  // EF 40 16, byte 0 first
  EXPECT_EQ(rd(H::SPI_SLAVE), H::SLAVE_TRANS_DONE);
  EXPECT_EQ(log.take(), "");
}

TEST_F(HspiTest, SectorEraseProgramAndReadBack) {
  wr(H::SPI_CLOCK, clock_reg(0, 3, 1));  // 20 MHz
  wr(H::SPI_USER, H::USER_CS_SETUP | H::USER_CS_HOLD);
  flash_.load(0x1000, Bytes(16, 0x00));  // something to erase
  command_only(0x06);                    // Write Enable
  EXPECT_TRUE(flash_.write_enabled());
  command_write(0x20, 0x1000, {});       // Sector Erase
  EXPECT_TRUE(flash_.busy());
  wait_flash_idle();
  EXPECT_EQ(flash_.byte_at(0x1000), 0xFF);
  command_only(0x06);
  Bytes page;
  for (unsigned i = 0; i < 64; ++i) page.push_back(static_cast<std::uint8_t>(i * 7 + 1));
  command_write(0x02, 0x1000, page);  // Page Program, the whole 64-byte buffer
  wait_flash_idle();
  for (unsigned i = 0; i < 64; ++i) ASSERT_EQ(flash_.byte_at(0x1000 + i), page[i]) << i;
  EXPECT_EQ(command_read(0x03, 64, 0x1000, true), page);
  EXPECT_EQ(command_read(0x03, 4, 0x1010, true), Bytes(page.begin() + 16, page.begin() + 20));
}

TEST_F(HspiTest, FourModesFullDuplex) {
  ScriptTarget target;
  BitBangSpi engine("dev", &sched_, target);
  nets_.connect(engine.sck(), "sck");
  nets_.connect(engine.mosi(), "mosi");
  nets_.connect(engine.miso(), "miso");
  // The flash stays deselected (CS0 disabled: its net is held high by the GPIO15 pad... here
  // by the test's own pin), the device listens on a chip select the test drives.
  wr(H::SPI_PIN, H::PIN_CS0_DIS);
  Pin dev_cs("test.CS", &sched_);
  nets_.connect(engine.cs(), "dev_cs");
  nets_.connect(dev_cs, "dev_cs");
  dev_cs.set(true);
  wr(H::SPI_CLOCK, clock_reg(1, 4, 2));  // 8 MHz
  testing::LogCapture log;
  for (unsigned mode = 0; mode < 4; ++mode) {
    SCOPED_TRACE(mode);
    bool cpol = mode & 2, cpha = mode & 1;
    engine.set_format({.mode = static_cast<SpiMode>(mode)});
    wr(H::SPI_PIN, H::PIN_CS0_DIS | (cpol ? H::PIN_IDLE_EDGE : 0));
    EXPECT_EQ(nets_.find("sck")->level(), cpol ? Level::high : Level::low);
    wr(H::SPI_USER, (cpha != cpol ? H::USER_CK_OUT_EDGE : 0));
    target.replies = {0xA5, 0x3C, 0x81, static_cast<std::uint8_t>(mode)};
    target.heard.clear();
    dev_cs.set(false);
    Bytes in = command_duplex(0x9F, {0x01, 0x80, 0x5A});
    dev_cs.set(true);
    EXPECT_EQ(target.heard, (Bytes{0x9F, 0x01, 0x80, 0x5A}));
    // The command's byte clocks out 0xA5; the data phase's three bytes land in W0.
    EXPECT_EQ(in, (Bytes{0x3C, 0x81, static_cast<std::uint8_t>(mode)}));
    EXPECT_EQ(nets_.find("cs")->level(), Level::high);  // CS0 disabled: never asserted
  }
  EXPECT_EQ(log.take(), "");
  // A mismatch between the controller's phase and the device's is visible: mode 1 against a
  // mode 0 device shifts the bits.
  engine.set_format({.mode = SpiMode::mode0});
  wr(H::SPI_PIN, H::PIN_CS0_DIS);
  wr(H::SPI_USER, H::USER_CK_OUT_EDGE);
  target.heard.clear();
  dev_cs.set(false);
  command_duplex(0x9F, {0x01});
  dev_cs.set(true);
  EXPECT_NE(target.heard, (Bytes{0x9F, 0x01}));
}

TEST_F(HspiTest, LeastSignificantBitFirstAndBigEndianBuffer) {
  ScriptTarget target;
  BitBangSpi engine("dev", &sched_, target, {.order = BitOrder::lsb_first});
  nets_.connect(engine.sck(), "sck");
  nets_.connect(engine.mosi(), "mosi");
  nets_.connect(engine.miso(), "miso");
  Pin dev_cs("test.CS", &sched_);
  nets_.connect(engine.cs(), "dev_cs");
  nets_.connect(dev_cs, "dev_cs");
  wr(H::SPI_PIN, H::PIN_CS0_DIS);
  wr(H::SPI_CLOCK, clock_reg(0, 7, 3));
  wr(H::SPI_CTRL, H::CTRL_WR_BIT_ORDER | H::CTRL_RD_BIT_ORDER);
  wr(H::SPI_USER, H::USER_MOSI | H::USER_DOUTDIN);
  wr(H::SPI_USER1, 15u << 17);
  wr(H::SPI_W0, 0x0000C001);
  target.replies = {0x12, 0x80};
  dev_cs.set(false);
  run();
  dev_cs.set(true);
  EXPECT_EQ(target.heard, (Bytes{0x01, 0xC0}));
  EXPECT_EQ(rd(H::SPI_W0) & 0xFFFF, 0x8012u);
  // WR_BYTE_ORDER / RD_BYTE_ORDER: big-endian words, bit 31 first (and MSB first again).
  wr(H::SPI_CTRL, 0);
  engine.set_format({});
  wr(H::SPI_USER, H::USER_MOSI | H::USER_DOUTDIN | H::USER_WR_BYTE_ORDER | H::USER_RD_BYTE_ORDER);
  wr(H::SPI_W0, 0x9F01FFFF);
  target.replies = {0xEF, 0x40};
  target.heard.clear();
  dev_cs.set(false);
  run();
  dev_cs.set(true);
  EXPECT_EQ(target.heard, (Bytes{0x9F, 0x01}));
  EXPECT_EQ(rd(H::SPI_W0) >> 16, 0xEF40u);
}

TEST_F(HspiTest, ClockDividerSetsTheEdgeTimes) {
  std::vector<std::pair<Cycles, Level>> edges;
  nets_.find("sck")->observe([&](const Net&, Level l, Cycles t) { edges.emplace_back(t, l); });
  // 80 MHz / ((1 + 1) * (4 + 1)) = 8 MHz: 10 cycles a clock; low (idle) for (1 + 1) * 2 = 4.
  wr(H::SPI_CLOCK, clock_reg(1, 4, 1));
  EXPECT_EQ(command_read(0x9F, 1), Bytes{0xEF});
  ASSERT_EQ(edges.size(), 32u);  // 16 clocks
  Cycles t0 = edges[0].first;
  for (unsigned i = 0; i < 16; ++i) {
    EXPECT_EQ(edges[2 * i].second, Level::high);
    EXPECT_EQ(edges[2 * i].first - t0, 10u * i);
    EXPECT_EQ(edges[2 * i + 1].first - t0, 10u * i + 6);
  }
  // CLK_EQU_SYSCLK: 80 MHz, one CPU cycle a clock; 16 clocks in 16 cycles.
  edges.clear();
  wr(H::SPI_CLOCK, H::CLOCK_EQU_SYSCLK);
  Cycles took = 0;
  wr(H::SPI_USER, H::USER_COMMAND | H::USER_MISO);
  wr(H::SPI_USER2, (7u << 28) | 0x9F);
  wr(H::SPI_USER1, 7u << 8);
  took = run();
  EXPECT_EQ(took, 16u);
  EXPECT_EQ(rd(H::SPI_W0) & 0xFF, 0xEFu);
  // (15 + 1) * (63 + 1) = 1024: 78.125 kHz.
  wr(H::SPI_CLOCK, clock_reg(15, 63, 31));
  EXPECT_EQ(run(), 16u * 1024u);
}

TEST_F(HspiTest, TransDoneInterrupt) {
  IrqLine* irq = hspi_.irq("irq");
  std::vector<bool> seen;
  irq->connect([&](bool level) { seen.push_back(level); });
  wr(H::SPI_CLOCK, clock_reg(0, 1, 0));
  command_read(0x9F, 3);
  EXPECT_EQ(rd(H::SPI_SLAVE) & H::SLAVE_TRANS_DONE, H::SLAVE_TRANS_DONE);
  EXPECT_TRUE(seen.empty());  // status without its enable: no interrupt
  wr(H::SPI_SLAVE, 0);
  wr(H::SPI_SLAVE, H::SLAVE_TRANS_DONE_EN);
  EXPECT_FALSE(irq->level());
  wr(H::SPI_CMD, H::CMD_USR);
  EXPECT_FALSE(irq->level());  // not before the transaction ends
  while (hspi_.busy()) {
    sched_.advance_to(sched_.next_deadline());
    sched_.run_due();
  }
  EXPECT_TRUE(irq->level());
  wr(H::SPI_SLAVE, H::SLAVE_TRANS_DONE_EN);  // clear the status: the line drops
  EXPECT_FALSE(irq->level());
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
}

TEST_F(HspiTest, UsrWhileBusyIsIgnoredAndResetStopsTheTransaction) {
  testing::LogCapture log;
  wr(H::SPI_CLOCK, clock_reg(3, 19, 9));
  wr(H::SPI_USER, H::USER_COMMAND | H::USER_MISO);
  wr(H::SPI_USER2, (7u << 28) | 0x9F);
  wr(H::SPI_USER1, 23u << 8);
  wr(H::SPI_CMD, H::CMD_USR);
  sched_.advance_to(1000);
  sched_.run_due();
  wr(H::SPI_CMD, H::CMD_USR);
  EXPECT_NE(log.take().find("SPI_USR written while a transaction runs"), std::string::npos);
  EXPECT_EQ(rd(H::SPI_CMD), H::CMD_USR);
  hspi_.reset();
  EXPECT_FALSE(hspi_.busy());
  EXPECT_EQ(rd(H::SPI_CMD), 0u);
  EXPECT_EQ(nets_.find("cs")->level(), Level::high);
  EXPECT_EQ(sched_.pending_count(), 0u);
  // Flash command bits are not modelled on HSPI: logged, cleared.
  wr(H::SPI_CMD, 1u << 28);
  EXPECT_EQ(rd(H::SPI_CMD), 0u);
  EXPECT_NE(log.take().find("[unimp]"), std::string::npos);
}

TEST_F(HspiTest, PadsInTheGpioFunctionCarryNothing) {
  for (unsigned pad = 12; pad <= 15; ++pad) iomux_.write(M::pad_offset(pad), M::func_bits(3), 4);
  wr(H::SPI_CLOCK, clock_reg(0, 1, 0));
  // The flash hears no clock; MISO floats and reads as ones.
  EXPECT_EQ(command_read(0x9F, 3), (Bytes{0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(nets_.find("sck")->level(), Level::floating);
}

TEST(Esp8266HspiRegistry, ParamsAndTheGpioLookup) {
  Scheduler sched;
  Bus bus(sched);
  BoardDesc board;
  board.source_path = "test.yaml";
  DeviceContext ctx{&sched, 80'000'000, 80'000'000, &bus};
  auto what = [&](const PeripheralDesc& d) -> std::string {
    try {
      create_device(board, d, ctx);
    } catch (const BoardError& e) {
      return e.what();
    }
    return "no error";
  };
  PeripheralDesc gp;
  gp.name = "gpio";
  gp.model = "esp8266-gpio";
  auto gpio_dev = create_device(board, gp, ctx);
  bus.add_device(0x60000300, 0x100, gpio_dev.get(), 0);
  UnimplementedDevice rtc("rtc");
  bus.add_device(0x60000700, 0x100, &rtc, 0);

  PeripheralDesc d;
  d.name = "spi1";
  d.model = "esp8266-hspi";
  d.line = 9;
  d.params = {{"gpio", "gpio"}};
  auto hspi = create_device(board, d, ctx);
  ASSERT_NE(dynamic_cast<H*>(hspi.get()), nullptr);
  EXPECT_NE(hspi->irq("irq"), nullptr);
  d.params = {};
  EXPECT_EQ(what(d), "test.yaml:9: peripheral 'spi1': params.gpio: required (the esp8266-gpio device whose "
                     "pads carry the HSPI signals)");
  d.params = {{"gpio", "gpio1"}};
  EXPECT_EQ(what(d), "test.yaml:9: peripheral 'spi1': params.gpio: no device named 'gpio1' before this one "
                     "in the board file");
  d.params = {{"gpio", "rtc"}};
  EXPECT_EQ(what(d), "test.yaml:9: peripheral 'spi1': params.gpio: 'rtc' is not an esp8266-gpio");
  d.params = {{"pins", "x"}};
  EXPECT_EQ(what(d), "test.yaml:9: peripheral 'spi1': esp8266-hspi: unknown param 'pins' (known: gpio)");
}

}  // namespace
}  // namespace boardemu
