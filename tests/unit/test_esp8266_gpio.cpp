// Register-level tests of the ESP8266 GPIO model, no CPU.
//
// Reference: ESP8266 Technical Reference (Espressif), GPIO chapter; ESP8266 SDK
// gpio_register.h: GPIO_OUT 0x00, _W1TS 0x04, _W1TC 0x08, GPIO_ENABLE 0x0C (+W1TS 0x10, W1TC
// 0x14), GPIO_IN 0x18, GPIO_STATUS 0x1C (+W1TS 0x20, W1TC 0x24), GPIO_PINn 0x28 + 4n with
// INT_TYPE [9:7] (1 rising, 2 falling, 3 any edge, 4 low level, 5 high level), PAD_DRIVER [2].
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "gpio/esp8266_gpio.hpp"
#include "machine/device_registry.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t kOut = 0x00, kOutW1ts = 0x04, kOutW1tc = 0x08, kEnable = 0x0C,
                        kEnableW1ts = 0x10, kEnableW1tc = 0x14, kIn = 0x18, kStatus = 0x1C,
                        kStatusW1ts = 0x20, kStatusW1tc = 0x24, kPin0 = 0x28;
constexpr std::uint32_t int_type(unsigned t) { return t << 7; }
constexpr std::uint32_t kPadDriver = 1u << 2;

class Esp8266GpioTest : public ::testing::Test {
 protected:
  std::uint32_t rd(std::uint32_t off) { return gpio_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { gpio_.write(off, v, 4); }
  bool irq() { return gpio_.irq("irq")->level(); }

  Esp8266Gpio gpio_{"gpio"};
};

TEST_F(Esp8266GpioTest, ResetValues) {
  for (std::uint32_t off : {kOut, kEnable, kIn, kStatus}) EXPECT_EQ(rd(off), 0u) << off;
  for (unsigned n = 0; n < 16; ++n) EXPECT_EQ(rd(kPin0 + 4 * n), 0u) << n;
  ASSERT_NE(gpio_.irq("irq"), nullptr);
  EXPECT_FALSE(irq());
}

TEST_F(Esp8266GpioTest, SetAndClearRegistersOnlyTouchTheirBits) {
  wr(kOut, 0x00F0);
  wr(kOutW1ts, 0x0003);
  EXPECT_EQ(rd(kOut), 0x00F3u);
  wr(kOutW1tc, 0x0030);
  EXPECT_EQ(rd(kOut), 0x00C3u);
  wr(kEnableW1ts, 0x8001);
  wr(kEnableW1ts, 0x0100);
  EXPECT_EQ(rd(kEnable), 0x8101u);
  wr(kEnableW1tc, 0x8000);
  EXPECT_EQ(rd(kEnable), 0x0101u);
  // The set/clear registers are write-only.
  testing::LogCapture log;
  EXPECT_EQ(rd(kOutW1ts), 0u);
  EXPECT_NE(log.take().find("write-only register GPIO_OUT_W1TS"), std::string::npos);
  wr(kIn, 0xFFFF);
  EXPECT_NE(log.take().find("read-only register GPIO_IN"), std::string::npos);
}

TEST_F(Esp8266GpioTest, InputReadsOutputsAndHostDrivenPins) {
  std::vector<std::uint16_t> seen;
  gpio_.on_output_change([&](std::uint16_t levels) { seen.push_back(levels); });
  wr(kOut, 0x0005);
  EXPECT_EQ(rd(kIn), 0u);  // not output-enabled
  wr(kEnable, 0x0001);
  EXPECT_EQ(rd(kIn), 0x0001u);
  gpio_.set_input(2, true);  // pin 2 is an input: the host drives it
  EXPECT_EQ(rd(kIn), 0x0005u);
  gpio_.set_input(0, false);  // pin 0 is driven by the output: no effect
  EXPECT_EQ(rd(kIn), 0x0005u);
  // Open drain (PAD_DRIVER): low if either side pulls low.
  wr(kPin0, kPadDriver);
  EXPECT_EQ(rd(kIn) & 1, 0u);
  gpio_.set_input(0, true);
  EXPECT_EQ(rd(kIn) & 1, 1u);
  EXPECT_EQ(seen, (std::vector<std::uint16_t>{0x0001, 0x0005, 0x0004, 0x0005}));
  EXPECT_THROW(gpio_.set_input(16, true), std::out_of_range);
}

TEST_F(Esp8266GpioTest, EdgeInterruptsLatchStatusUntilCleared) {
  wr(kPin0 + 4 * 3, int_type(1));  // GPIO3 rising edge
  wr(kPin0 + 4 * 4, int_type(2));  // GPIO4 falling edge
  wr(kPin0 + 4 * 5, int_type(3));  // GPIO5 any edge
  gpio_.set_input(4, true);
  EXPECT_EQ(rd(kStatus), 0u);  // GPIO4 rose: not its edge
  gpio_.set_input(3, true);
  EXPECT_EQ(rd(kStatus), 1u << 3);
  EXPECT_TRUE(irq());
  gpio_.set_input(3, false);  // falling: no new event for GPIO3
  wr(kStatusW1tc, 1u << 3);
  EXPECT_EQ(rd(kStatus), 0u);
  EXPECT_FALSE(irq());
  gpio_.set_input(4, false);
  EXPECT_EQ(rd(kStatus), 1u << 4);
  gpio_.set_input(5, true);
  gpio_.set_input(5, false);
  EXPECT_EQ(rd(kStatus), (1u << 4) | (1u << 5));
  wr(kStatusW1tc, 0xFFFF);
  EXPECT_FALSE(irq());
  // An output pin's own transitions count too.
  wr(kEnable, 1u << 3);
  wr(kOutW1ts, 1u << 3);
  EXPECT_EQ(rd(kStatus), 1u << 3);
}

TEST_F(Esp8266GpioTest, LevelInterruptsRepeatWhileTheLevelHolds) {
  wr(kPin0 + 4 * 7, int_type(5));  // GPIO7 high level
  EXPECT_FALSE(irq());
  gpio_.set_input(7, true);
  EXPECT_TRUE(irq());
  wr(kStatusW1tc, 1u << 7);
  EXPECT_TRUE(irq());  // still high: set again
  EXPECT_EQ(rd(kStatus), 1u << 7);
  gpio_.set_input(7, false);
  wr(kStatusW1tc, 1u << 7);
  EXPECT_FALSE(irq());
  wr(kPin0 + 4 * 7, int_type(4));  // low level: holds now
  EXPECT_TRUE(irq());
}

TEST_F(Esp8266GpioTest, StatusOfPinsWithoutAnInterruptTypeDoesNotInterrupt) {
  wr(kStatusW1ts, 1u << 9);
  EXPECT_EQ(rd(kStatus), 1u << 9);
  EXPECT_FALSE(irq());
  wr(kPin0 + 4 * 9, int_type(1));
  EXPECT_TRUE(irq());
  wr(kStatus, 0);
  EXPECT_FALSE(irq());
}

TEST(Esp8266GpioRegistry, TakesNoParams) {
  Scheduler sched;
  BoardDesc board;
  board.source_path = "test.yaml";
  DeviceContext ctx{&sched, 80'000'000, 80'000'000};
  PeripheralDesc d;
  d.name = "gpio";
  d.model = "esp8266-gpio";
  EXPECT_NE(dynamic_cast<Esp8266Gpio*>(create_device(board, d, ctx).get()), nullptr);
  d.params = {{"pins", "17"}};
  EXPECT_THROW(create_device(board, d, ctx), BoardError);
}

// The pins on nets (core/net.hpp): GPIO4 wired to GPIO5, as MicroPython's
// extmod_hardware/machine_pwm.py expects on esp8266 (pwm_pulse_pins = ((4, 5),)).
class Esp8266GpioNetTest : public ::testing::Test {
 protected:
  Esp8266GpioNetTest() {
    nl_.connect(gpio_.pin(4), "loop");
    nl_.connect(gpio_.pin(5), "loop");
  }
  std::uint32_t rd(std::uint32_t off) { return gpio_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { gpio_.write(off, v, 4); }

  Scheduler sched_;
  Netlist nl_{&sched_};
  Esp8266Gpio gpio_{"gpio", &sched_};
};

TEST_F(Esp8266GpioNetTest, PinsAreNamedAndListed) {
  auto pins = gpio_.pins();
  ASSERT_EQ(pins.size(), 16u);
  EXPECT_EQ(pins[0]->name(), "gpio.GPIO0");
  EXPECT_EQ(pins[15]->name(), "gpio.GPIO15");
  EXPECT_EQ(gpio_.pin(4).net().name(), "loop");
  EXPECT_EQ(gpio_.pin(6).net().name(), "gpio.GPIO6");  // unwired: a net of its own
}

TEST_F(Esp8266GpioNetTest, AnOutputDrivesTheNetAndAnotherPinReadsIt) {
  wr(kPin0 + 4 * 5, int_type(3));  // GPIO5: any edge
  wr(kEnableW1ts, 1u << 4);        // GPIO4 output, push-pull, low
  EXPECT_EQ(gpio_.pin(4).driving(), Drive::low);
  EXPECT_EQ(rd(kIn) & (1u << 5), 0u);
  wr(kStatusW1tc, 0xFFFF);
  sched_.advance(40);
  wr(kOutW1ts, 1u << 4);
  EXPECT_EQ(nl_.find("loop")->level(), Level::high);
  EXPECT_EQ(nl_.find("loop")->last_change(), 40u);
  EXPECT_EQ(rd(kIn) & 0x30, 0x30u);
  EXPECT_EQ(rd(kStatus), 0x20u);  // GPIO5 saw the edge (GPIO4 has no interrupt type)
  EXPECT_TRUE(gpio_.irq("irq")->level());
  // A disabled output lets go: nothing drives the net, it floats and reads 0.
  wr(kEnableW1tc, 1u << 4);
  EXPECT_EQ(gpio_.pin(4).driving(), Drive::off);
  EXPECT_EQ(nl_.find("loop")->level(), Level::floating);
  EXPECT_EQ(rd(kIn) & 0x30, 0u);
}

TEST_F(Esp8266GpioNetTest, OpenDrainPinsMakeAWiredAnd) {
  Pin pullup("r1.P", &sched_);
  nl_.connect(pullup, "loop");
  pullup.drive(Drive::pull_up);
  wr(kPin0 + 4 * 4, kPadDriver);
  wr(kPin0 + 4 * 5, kPadDriver);
  wr(kOut, 0x30);
  wr(kEnable, 0x30);
  EXPECT_EQ(gpio_.pin(4).driving(), Drive::off);  // open drain, 1: released
  EXPECT_EQ(rd(kIn) & 0x30, 0x30u);               // the pull-up holds the line high
  wr(kOutW1tc, 1u << 5);
  EXPECT_EQ(rd(kIn) & 0x30, 0u);  // one pulls low: both read low, no contention
  EXPECT_EQ(nl_.find("loop")->level(), Level::low);
}

TEST_F(Esp8266GpioNetTest, TwoPushPullOutputsAgainstEachOtherAreAGuestError) {
  boardemu::testing::LogCapture log;
  wr(kOut, 1u << 4);
  wr(kEnable, 0x30);  // GPIO4 high, GPIO5 low, both push-pull
  std::string text = log.take();
  EXPECT_EQ(nl_.find("loop")->level(), Level::contention);
  EXPECT_NE(text.find("net loop: contention"), std::string::npos) << text;
  EXPECT_EQ(rd(kIn) & 0x30, 0u);
}

}  // namespace
}  // namespace boardemu
