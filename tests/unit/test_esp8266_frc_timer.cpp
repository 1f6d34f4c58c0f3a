// Register-level tests of the ESP8266 FRC1/FRC2 timer model and the DPORT block, no CPU.
//
// Reference: ESP8266 Technical Reference (Espressif), timer registers; ESP8266 SDK
// timer_register.h (LOAD 0x00, COUNT 0x04, CTRL 0x08, INT 0x0C, FRC2 ALARM 0x10 in FRC2's
// window), hw_timer.c (CTRL: DIVDED_BY_16 = 4, DIVDED_BY_256 = 8, auto-load 0x40, enable 0x80,
// level interrupt 1, interrupt status bit 8) and eagle_soc.h (DPORT EDGE_INT_ENABLE_REG
// 0x3FF00004 bit 1 for FRC1).
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/bus.hpp"
#include "system/esp8266_dport.hpp"
#include "timer/esp8266_frc_timer.hpp"
#include "machine/device_registry.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t kLoad = 0x00, kCount = 0x04, kCtrl = 0x08, kInt = 0x0C, kAlarm = 0x10;
constexpr std::uint32_t kLevel = 1, kDiv1 = 0, kDiv16 = 4, kDiv256 = 8, kAutoLoad = 0x40,
                        kEnable = 0x80, kIntStatus = 0x100;

class FrcTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kHz = 80'000'000;

  explicit FrcTest(Esp8266FrcTimer::Counter c = Esp8266FrcTimer::Counter::frc1)
      : ctx_{&sched_, kHz, kHz}, timer_("frc", ctx_, {.counter = c, .edge_gate = {}}) {
    timer_.irq("irq")->connect([this](bool level) { edges_.emplace_back(sched_.now(), level); });
  }

  std::uint32_t rd(std::uint32_t off) { return timer_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { timer_.write(off, v, 4); }
  bool irq() { return timer_.irq("irq")->level(); }

  void run_to(Cycles t) {
    for (;;) {
      Cycles next = sched_.next_deadline();
      if (next > t) break;
      sched_.advance_to(next);
      sched_.run_due();
    }
    sched_.advance_to(t);
    sched_.run_due();
  }

  Scheduler sched_;
  DeviceContext ctx_;
  Esp8266FrcTimer timer_;
  std::vector<std::pair<Cycles, bool>> edges_;
};

class Frc2Test : public FrcTest {
 protected:
  Frc2Test() : FrcTest(Esp8266FrcTimer::Counter::frc2) {}
};

TEST_F(FrcTest, ResetValues) {
  EXPECT_EQ(rd(kLoad), 0u);
  EXPECT_EQ(rd(kCount), 0u);
  EXPECT_EQ(rd(kCtrl), 0u);
  EXPECT_FALSE(irq());
  run_to(1'000'000);
  EXPECT_EQ(rd(kCount), 0u);  // disabled: not counting
  EXPECT_EQ(sched_.pending_count(), 0u);
}

TEST_F(FrcTest, Frc1CountsDownAtTheClockOverThePrescaler) {
  wr(kCtrl, kEnable | kDiv16 | kLevel);
  wr(kLoad, 100);
  EXPECT_EQ(rd(kCount), 100u);
  run_to(15);
  EXPECT_EQ(rd(kCount), 100u);
  run_to(16);
  EXPECT_EQ(rd(kCount), 99u);
  run_to(16 * 60 + 5);
  EXPECT_EQ(rd(kCount), 40u);
  // Zero is reached after 100 ticks = 1600 cycles: level interrupt and CTRL bit 8.
  run_to(1599);
  EXPECT_FALSE(irq());
  EXPECT_EQ(rd(kCtrl) & kIntStatus, 0u);
  run_to(1600);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kCtrl), kEnable | kDiv16 | kLevel | kIntStatus);
  ASSERT_EQ(edges_.size(), 1u);
  EXPECT_EQ(edges_[0], (std::pair<Cycles, bool>{1600, true}));
  // No auto-load: it wraps through the 23-bit maximum and keeps counting.
  run_to(1616);
  EXPECT_EQ(rd(kCount), 0x7FFFFFu);
  // Writing INT clears the status and the level.
  wr(kInt, 1);
  EXPECT_FALSE(irq());
  EXPECT_EQ(rd(kCtrl) & kIntStatus, 0u);
  // Next expiry a full 2^23 ticks after the first.
  run_to(1600 + (Cycles{1} << 23) * 16 - 1);
  EXPECT_FALSE(irq());
  run_to(1600 + (Cycles{1} << 23) * 16);
  EXPECT_TRUE(irq());
}

TEST_F(FrcTest, AutoLoadGivesAPeriodicEdgeInterruptWithoutDrift) {
  wr(kCtrl, kEnable | kAutoLoad | kDiv1);  // edge mode
  wr(kLoad, 1000);
  // A late-running CPU: time jumps in uneven steps.
  for (Cycles t = 0; t <= 5300; t += 777) run_to(t);
  run_to(5300);
  EXPECT_EQ(timer_.edge_pulses(), 5u);
  std::vector<std::pair<Cycles, bool>> want;
  for (Cycles t = 1000; t <= 5000; t += 1000) {
    want.emplace_back(t, true);
    want.emplace_back(t, false);
  }
  EXPECT_EQ(edges_, want);
  EXPECT_EQ(rd(kCount), 700u);  // reloaded at 5000, 300 ticks since
  EXPECT_FALSE(irq());          // edge mode: no level
  EXPECT_EQ(rd(kCtrl) & kIntStatus, kIntStatus);
}

TEST_F(FrcTest, DportEdgeIntEnableGatesFrc1EdgePulses) {
  Esp8266Dport dport("dport");
  timer_.set_edge_gate(&dport);
  wr(kCtrl, kEnable | kAutoLoad | kDiv1);
  wr(kLoad, 100);
  run_to(250);
  EXPECT_EQ(timer_.edge_pulses(), 0u);  // EDGE_INT_ENABLE bit 1 clear
  EXPECT_TRUE(edges_.empty());
  dport.write(0x04, 1u << 1, 4);
  run_to(300);
  EXPECT_EQ(timer_.edge_pulses(), 1u);
  dport.write(0x04, 1u << 2, 4);  // FRC2's bit does not gate FRC1
  run_to(400);
  EXPECT_EQ(timer_.edge_pulses(), 1u);
}

TEST_F(FrcTest, ReprogrammingTheControlKeepsTheCount) {
  wr(kCtrl, kEnable | kDiv1);
  wr(kLoad, 1000);
  run_to(500);
  EXPECT_EQ(rd(kCount), 500u);
  wr(kCtrl, kEnable | kDiv256);
  run_to(500 + 255);
  EXPECT_EQ(rd(kCount), 500u);
  run_to(500 + 256);
  EXPECT_EQ(rd(kCount), 499u);
  // Disabling freezes it; enabling resumes from there.
  wr(kCtrl, kDiv256);
  run_to(100'000);
  EXPECT_EQ(rd(kCount), 499u);
  wr(kCtrl, kEnable | kDiv1);
  run_to(100'000 + 499);
  EXPECT_EQ(rd(kCount), 0u);
  EXPECT_EQ(rd(kCtrl) & kIntStatus, kIntStatus);
  // LOAD is 23 bits.
  wr(kLoad, 0xFFFFFFFF);
  EXPECT_EQ(rd(kLoad), 0x7FFFFFu);
}

TEST_F(FrcTest, Frc1HasNoAlarmRegister) {
  testing::LogCapture log;
  wr(kAlarm, 5);
  EXPECT_EQ(rd(kAlarm), 0u);
  EXPECT_NE(log.take().find("unknown offset 0x10"), std::string::npos);
}

TEST_F(Frc2Test, Frc2CountsUpAndInterruptsAtTheAlarm) {
  wr(kCtrl, kEnable | kDiv16 | kLevel);
  wr(kLoad, 10);
  wr(kAlarm, 110);
  EXPECT_EQ(rd(kAlarm), 110u);
  run_to(16 * 50);
  EXPECT_EQ(rd(kCount), 60u);
  run_to(16 * 100 - 1);
  EXPECT_FALSE(irq());
  run_to(16 * 100);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kCount), 110u);
  wr(kInt, 1);
  EXPECT_FALSE(irq());
  // The count keeps going up; the next match is after a full 32-bit wrap.
  run_to(16 * 101);
  EXPECT_EQ(rd(kCount), 111u);
  // Moving the alarm re-arms the match.
  wr(kAlarm, 120);
  run_to(16 * 110);
  EXPECT_TRUE(irq());
  // 32-bit LOAD.
  wr(kLoad, 0xFFFFFFF0);
  EXPECT_EQ(rd(kCount), 0xFFFFFFF0u);
  run_to(16 * 110 + 16 * 0x20);
  EXPECT_EQ(rd(kCount), 0x10u);  // wrapped
}

TEST(Esp8266Dport, RegistersStoreEfuseIsReadOnlyAndUnknownIsLogged) {
  Esp8266Dport dport("dport", Esp8266Dport::parse_params({{"efuse2", "0x12345678"}}));
  EXPECT_EQ(dport.read(0x04, 4), 0u);
  EXPECT_FALSE(dport.edge_int_enabled(1));
  dport.write(0x04, 0x2, 4);
  EXPECT_TRUE(dport.edge_int_enabled(1));
  EXPECT_EQ(dport.read(0x04, 4), 0x2u);
  EXPECT_EQ(dport.read(0x0C, 4) & (1u << 9), 1u << 9);  // SPI_READY: idle
  EXPECT_EQ(dport.read(0x58, 4), 0x12345678u);
  testing::LogCapture log;
  dport.write(0x58, 0, 4);
  EXPECT_EQ(dport.read(0x58, 4), 0x12345678u);
  EXPECT_NE(log.take().find("read-only efuse"), std::string::npos);
  dport.write(0x44, 0xAB, 4);
  EXPECT_EQ(dport.read(0x44, 4), 0xABu);
  EXPECT_NE(log.take().find("undocumented register at offset 0x44"), std::string::npos);
  dport.write(0x14, 1, 4);
  EXPECT_NE(log.take().find("160 MHz"), std::string::npos);
  dport.reset();
  EXPECT_EQ(dport.read(0x04, 4), 0u);
  EXPECT_EQ(dport.read(0x58, 4), 0x12345678u);
  EXPECT_THROW(Esp8266Dport::parse_params({{"efuse4", "1"}}), std::invalid_argument);
  EXPECT_THROW(Esp8266Dport::parse_params({{"efuse0", "x"}}), std::invalid_argument);
}

TEST(Esp8266FrcRegistry, ParamsAndTheEdgeGateLookup) {
  Scheduler sched;
  Bus bus(sched);
  BoardDesc board;
  board.source_path = "test.yaml";
  DeviceContext ctx{&sched, 80'000'000, 80'000'000, &bus};
  PeripheralDesc dp;
  dp.name = "dport";
  dp.model = "esp8266-dport";
  auto dport = create_device(board, dp, ctx);
  bus.add_device(0x3FF00000, 0x100, dport.get(), 0);
  PeripheralDesc d;
  d.name = "frc1";
  d.model = "esp8266-frc-timer";
  d.params = {{"counter", "frc1"}, {"edge_gate", "dport"}};
  auto frc1 = create_device(board, d, ctx);
  ASSERT_NE(dynamic_cast<Esp8266FrcTimer*>(frc1.get()), nullptr);
  d.params = {{"counter", "frc3"}};
  EXPECT_THROW(create_device(board, d, ctx), BoardError);
  d.params = {{"edge_gate", "nosuch"}};
  EXPECT_THROW(create_device(board, d, ctx), BoardError);
  bus.add_device(0x60000600, 0x20, frc1.get(), 0);
  d.params = {{"edge_gate", "frc1"}};  // not a DPORT
  EXPECT_THROW(create_device(board, d, ctx), BoardError);
}

}  // namespace
}  // namespace boardemu
