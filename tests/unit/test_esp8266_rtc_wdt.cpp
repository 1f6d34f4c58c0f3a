// Register-level tests of the ESP8266 RTC block and hardware watchdog models, no CPU.
//
// References (as the models): NONOS SDK eagle_soc.h (RTC 0x60000700: RTC_SLP_VAL 0x04,
// RTC_SLP_CNT_VAL 0x1C, RTC_GPIO_OUT 0x68, RTC_GPIO_ENABLE 0x74, RTC_GPIO_IN_DATA 0x8C; WDT
// 0x60000900: WDT_CTL 0x00 EN bit 0, WDT_OP 0x04, WDT_OP_ND 0x08, WDT_RST 0x14 fed with 0x73),
// ESP8266_RTOS_SDK rtc_register.h (RTC_STATE1 0x14 = RESET_REASON: 1 power-on, 4 watchdog;
// RTC_STORE0..3 0x30..0x3C), ets_sys.h ETS_WDT_INUM 8; watchdog tick 0.8 ms and stage
// semantics from public reverse-engineering notes (esp8266_wdt.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "system/esp8266_dport.hpp"
#include "timer/esp8266_rtc.hpp"
#include "timer/esp8266_wdt.hpp"
#include "machine/device_registry.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint64_t kCpuHz = 80'000'000;
constexpr std::uint64_t kRtcHz = 150'000;
constexpr std::uint64_t kWdtHz = 1'250;

void run_to(Scheduler& sched, Cycles t) {
  for (;;) {
    Cycles next = sched.next_deadline();
    if (next > t) break;
    sched.advance_to(next);
    sched.run_due();
  }
  sched.advance_to(t);
  sched.run_due();
}

// ---- RTC -------------------------------------------------------------------------------------

class RtcTest : public ::testing::Test {
 protected:
  RtcTest() : ctx_{&sched_, kCpuHz, kRtcHz}, rtc_("rtc", ctx_) {}
  std::uint32_t rd(std::uint32_t off) { return rtc_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { rtc_.write(off, v, 4); }

  Scheduler sched_;
  DeviceContext ctx_;
  Esp8266Rtc rtc_;
};

TEST_F(RtcTest, PowerOnValues) {
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 0u);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_STATE1), Esp8266Rtc::POWERON_RESET);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_VAL), 0u);
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(rd(Esp8266Rtc::RTC_STORE0 + 4 * i), 0u);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_GPIO_IN_DATA), 0u);
}

TEST_F(RtcTest, CounterFollowsVirtualTimeAtTheRtcClock) {
  // 1 s of CPU cycles is exactly 150000 RTC ticks.
  run_to(sched_, kCpuHz);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 150'000u);
  // One tick is 533.33 cycles: 533 cycles later it has not yet moved, 534 later it has.
  run_to(sched_, kCpuHz + 533);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 150'000u);
  run_to(sched_, kCpuHz + 534);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 150'001u);
  // Read-only: a write is refused and the count is unchanged.
  testing::LogCapture log;
  wr(Esp8266Rtc::RTC_SLP_CNT_VAL, 0);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 150'001u);
}

TEST_F(RtcTest, CounterWrapsAt32Bits) {
  // 2^32 ticks at 150 kHz = 28633.1 s.
  Cycles wrap = static_cast<Cycles>((((unsigned __int128)1 << 32) * kCpuHz + kRtcHz - 1) / kRtcHz);
  sched_.advance_to(wrap - 534);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 0xFFFFFFFFu);
  sched_.advance_to(wrap);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 0u);
}

TEST_F(RtcTest, SystemResetKeepsTheRtcDomainAndRecordsTheCause) {
  wr(Esp8266Rtc::RTC_STORE0 + 4, 0xCAFEF00D);
  wr(Esp8266Rtc::RTC_SLP_VAL, 1234);
  run_to(sched_, kCpuHz / 2);
  // A reset nobody named a cause for (the machine's reset at firmware load) changes nothing.
  rtc_.reset();
  EXPECT_EQ(rd(Esp8266Rtc::RTC_STATE1), Esp8266Rtc::POWERON_RESET);
  rtc_.note_reset_cause(Esp8266Rtc::OWDT_RESET);
  rtc_.reset();
  EXPECT_EQ(rd(Esp8266Rtc::RTC_STATE1), Esp8266Rtc::OWDT_RESET);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_STORE0 + 4), 0xCAFEF00Du);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_VAL), 1234u);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_SLP_CNT_VAL), 75'000u);  // still counting from power-on
  // The cause is used once: the next unnamed reset keeps showing it.
  rtc_.reset();
  EXPECT_EQ(rd(Esp8266Rtc::RTC_STATE1), Esp8266Rtc::OWDT_RESET);
  // RTC_STATE1 is read-only.
  testing::LogCapture log;
  wr(Esp8266Rtc::RTC_STATE1, 0);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_STATE1), Esp8266Rtc::OWDT_RESET);
}

TEST_F(RtcTest, Gpio16ReadsItsOutputWhenEnabled) {
  wr(Esp8266Rtc::RTC_GPIO_OUT, 1);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_GPIO_IN_DATA), 0u);  // not enabled: nothing drives it
  wr(Esp8266Rtc::RTC_GPIO_ENABLE, 1);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_GPIO_IN_DATA), 1u);
  wr(Esp8266Rtc::RTC_GPIO_OUT, 0xFFFFFFFE);
  EXPECT_EQ(rd(Esp8266Rtc::RTC_GPIO_OUT), 0u);  // only bit 0 is stored
  EXPECT_EQ(rd(Esp8266Rtc::RTC_GPIO_IN_DATA), 0u);
}

TEST_F(RtcTest, UnmodelledOffsetsReadZeroAndAreLogged) {
  testing::LogCapture log;
  EXPECT_EQ(rd(0x00), 0u);
  wr(0x28, 1);
  std::string s = log.take();
  EXPECT_NE(s.find("unmodelled offset 0x0"), std::string::npos) << s;
  EXPECT_NE(s.find("unmodelled offset 0x28"), std::string::npos) << s;
}

// ---- WDT -------------------------------------------------------------------------------------

class WdtTest : public ::testing::Test {
 protected:
  WdtTest()
      : ctx_{&sched_, kCpuHz, kWdtHz, nullptr, [this] { ++system_resets_; }},
        wdt_("wdt", ctx_, {}) {
    wdt_.irq("irq")->connect([this](bool level) {
      if (level) irq_times_.push_back(sched_.now());
    });
  }
  std::uint32_t rd(std::uint32_t off) { return wdt_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { wdt_.write(off, v, 4); }
  // 2^n watchdog ticks of 0.8 ms in CPU cycles: 2^n * 64000.
  static Cycles ticks(unsigned n) { return (Cycles{1} << n) * (kCpuHz / kWdtHz); }

  Scheduler sched_;
  int system_resets_ = 0;
  DeviceContext ctx_;
  Esp8266Wdt wdt_;
  std::vector<Cycles> irq_times_;
};

TEST_F(WdtTest, OffAfterResetNeverFires) {
  EXPECT_EQ(rd(Esp8266Wdt::WDT_CTL), 0u);
  EXPECT_EQ(rd(Esp8266Wdt::WDT_OP), 0u);
  EXPECT_EQ(rd(Esp8266Wdt::WDT_OP_ND), 0u);
  run_to(sched_, 100 * kCpuHz);
  EXPECT_EQ(system_resets_, 0);
  EXPECT_TRUE(irq_times_.empty());
}

TEST_F(WdtTest, StagesInterruptThenReset) {
  wr(Esp8266Wdt::WDT_OP, 11);     // stage 0: 2048 ticks = 1.6384 s
  wr(Esp8266Wdt::WDT_OP_ND, 10);  // stage 1: 1024 ticks = 0.8192 s
  wr(Esp8266Wdt::WDT_CTL, Esp8266Wdt::WDT_CTL_EN);
  run_to(sched_, ticks(11) - 1);
  EXPECT_TRUE(irq_times_.empty());
  EXPECT_EQ(rd(Esp8266Wdt::WDT_STAGE), 0u);
  run_to(sched_, ticks(11));
  ASSERT_EQ(irq_times_.size(), 1u);
  EXPECT_EQ(irq_times_[0], ticks(11));
  EXPECT_EQ(rd(Esp8266Wdt::WDT_STAGE), 1u);
  run_to(sched_, ticks(11) + ticks(10) - 1);
  EXPECT_EQ(system_resets_, 0);
  run_to(sched_, ticks(11) + ticks(10));
  EXPECT_EQ(system_resets_, 1);
  EXPECT_EQ(wdt_.resets_requested(), 1u);
}

TEST_F(WdtTest, FeedingRestartsStageZero) {
  wr(Esp8266Wdt::WDT_OP, 4);
  wr(Esp8266Wdt::WDT_OP_ND, 4);
  wr(Esp8266Wdt::WDT_CTL, Esp8266Wdt::WDT_CTL_EN);
  // Fed every 15 ticks for a long while: never fires.
  for (int i = 1; i <= 200; ++i) {
    run_to(sched_, i * (ticks(4) * 15 / 16));
    wr(Esp8266Wdt::WDT_RST, Esp8266Wdt::WDT_RESET_VALUE);
  }
  EXPECT_TRUE(irq_times_.empty());
  EXPECT_EQ(system_resets_, 0);
  // Fed in stage 1: back to stage 0, no reset.
  Cycles t0 = sched_.now();
  run_to(sched_, t0 + ticks(4) + ticks(3));
  EXPECT_EQ(rd(Esp8266Wdt::WDT_STAGE), 1u);
  wr(Esp8266Wdt::WDT_RST, Esp8266Wdt::WDT_RESET_VALUE);
  EXPECT_EQ(rd(Esp8266Wdt::WDT_STAGE), 0u);
  run_to(sched_, t0 + 2 * ticks(4) + ticks(3));
  EXPECT_EQ(system_resets_, 0);
  // A wrong feed value does not feed, and is logged.
  testing::LogCapture log;
  wr(Esp8266Wdt::WDT_RST, 0x37);
  EXPECT_NE(log.take().find("only 0x73 feeds"), std::string::npos);
  run_to(sched_, sched_.now() + 2 * ticks(4));
  EXPECT_EQ(system_resets_, 1);
}

TEST_F(WdtTest, DisablingStopsIt) {
  wr(Esp8266Wdt::WDT_OP, 2);
  wr(Esp8266Wdt::WDT_CTL, Esp8266Wdt::WDT_CTL_EN);
  run_to(sched_, ticks(2) / 2);
  wr(Esp8266Wdt::WDT_CTL, 0);
  run_to(sched_, 100 * ticks(2));
  EXPECT_EQ(system_resets_, 0);
  EXPECT_TRUE(irq_times_.empty());
}

TEST_F(WdtTest, ResetTurnsItOff) {
  wr(Esp8266Wdt::WDT_OP, 2);
  wr(Esp8266Wdt::WDT_CTL, Esp8266Wdt::WDT_CTL_EN | 0x38);
  wdt_.reset();
  EXPECT_EQ(rd(Esp8266Wdt::WDT_CTL), 0u);
  run_to(sched_, 100 * ticks(2));
  EXPECT_EQ(system_resets_, 0);
}

// Through the registry, as the board wires it: the DPORT gates the interrupt and the RTC
// records the watchdog reset.
TEST(Esp8266WdtRegistry, EdgeGateAndRtcCause) {
  Scheduler sched;
  Bus bus(sched);
  BoardDesc board;
  board.source_path = "test.yaml";
  int resets = 0;
  DeviceContext cpu_ctx{&sched, kCpuHz, kCpuHz, &bus, [&] { ++resets; }};
  PeripheralDesc dp;
  dp.name = "dport";
  dp.model = "esp8266-dport";
  auto dport = create_device(board, dp, cpu_ctx);
  bus.add_device(0x3FF00000, 0x100, dport.get(), 0);
  PeripheralDesc rp;
  rp.name = "rtc";
  rp.model = "esp8266-rtc";
  DeviceContext rtc_ctx = cpu_ctx;
  rtc_ctx.clock_hz = kRtcHz;
  auto rtc = create_device(board, rp, rtc_ctx);
  bus.add_device(0x60000700, 0x100, rtc.get(), 0);
  rp.params = {{"rate", "1"}};
  EXPECT_THROW(create_device(board, rp, rtc_ctx), BoardError);
  rp.params = {};
  // No clock_hz in the board file gives the CPU clock: refused rather than run at 80 MHz.
  EXPECT_THROW(create_device(board, rp, cpu_ctx), BoardError);

  PeripheralDesc wp;
  wp.name = "wdt";
  wp.model = "esp8266-wdt";
  wp.params = {{"edge_gate", "dport"}, {"rtc", "rtc"}};
  DeviceContext wdt_ctx = cpu_ctx;
  wdt_ctx.clock_hz = kWdtHz;
  auto wdt = create_device(board, wp, wdt_ctx);
  int pulses = 0;
  wdt->irq("irq")->connect([&](bool level) { pulses += level; });
  wdt->write(Esp8266Wdt::WDT_CTL, Esp8266Wdt::WDT_CTL_EN, 4);
  run_to(sched, 3 * kCpuHz / 1000);  // stage 0 (1 tick) and stage 1 (1 tick) are over
  EXPECT_EQ(pulses, 0);               // EDGE_INT_ENABLE bit 0 clear: no interrupt
  EXPECT_EQ(resets, 1);
  rtc->reset();  // what the machine does next
  EXPECT_EQ(rtc->read(Esp8266Rtc::RTC_STATE1, 4), Esp8266Rtc::OWDT_RESET);
  wdt->reset();
  dport->write(0x04, 1, 4);  // EDGE_INT_ENABLE: WDT
  wdt->write(Esp8266Wdt::WDT_CTL, Esp8266Wdt::WDT_CTL_EN, 4);
  run_to(sched, sched.now() + kCpuHz / 1000);
  EXPECT_EQ(pulses, 1);

  wp.params = {{"rtc", "dport"}};
  EXPECT_THROW(create_device(board, wp, wdt_ctx), BoardError);
  wp.params = {{"edge_gate", "rtc"}};
  EXPECT_THROW(create_device(board, wp, wdt_ctx), BoardError);
  wp.params = {{"rtc", "nosuch"}};
  EXPECT_THROW(create_device(board, wp, wdt_ctx), BoardError);
  wp.params = {{"timeout", "1"}};
  EXPECT_THROW(create_device(board, wp, wdt_ctx), BoardError);
  wp.params = {};
  DeviceContext bad = wdt_ctx;
  bad.clock_hz = 0;
  EXPECT_THROW(create_device(board, wp, bad), BoardError);
}

}  // namespace
}  // namespace boardemu
