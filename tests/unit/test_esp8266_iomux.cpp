// Register-level tests of the ESP8266 IO_MUX model and its pads on the GPIO model, no CPU.
//
// Reference: ESP8266 Technical Reference (Espressif), IO_MUX appendix / pin list; NONOS SDK
// eagle_soc.h: PERIPHS_IO_MUX 0x60000800, IO_MUX_CONF 0x00, MTDI_U 0x04 (GPIO12) .. GPIO5_U
// 0x40, FUNC [5:4] with bit 8 as its high bit, PULLUP bit 7, PULLUP2 bit 6, FUNC_GPIOn (3 on
// MTDI/MTCK/MTMS/MTDO/U0RXD/U0TXD/SD_*, 0 on GPIO0/2/4/5); ESP8266_RTOS_SDK
// pin_mux_register.h for the other function numbers. Reset values are the model's documented
// choice (esp8266_iomux.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/bus.hpp"
#include "core/net.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"
#include "gpio/esp8266_gpio.hpp"
#include "gpio/esp8266_iomux.hpp"
#include "machine/device_registry.hpp"
#include "support/log_capture.hpp"
#include "system/unimplemented.hpp"

namespace boardemu {
namespace {

using M = Esp8266Iomux;
using G = Esp8266Gpio;

constexpr std::uint32_t kGpioOut = 0x00, kGpioEnable = 0x0C, kGpioIn = 0x18, kGpioStatus = 0x1C,
                        kGpioPin0 = 0x28;
constexpr std::uint32_t kPadDriver = 1u << 2;

TEST(Esp8266Iomux, PadTableFollowsEagleSoc) {
  // GPIOn -> pad register offset, in GPIO order (eagle_soc.h PERIPHS_IO_MUX_*_U).
  const std::uint32_t offsets[16] = {0x34, 0x18, 0x38, 0x14, 0x3C, 0x40, 0x1C, 0x20,
                                     0x24, 0x28, 0x2C, 0x30, 0x04, 0x08, 0x0C, 0x10};
  for (unsigned n = 0; n < 16; ++n) {
    EXPECT_EQ(M::pad_offset(n), offsets[n]) << n;
    bool gpio_is_function0 = n == 0 || n == 2 || n == 4 || n == 5;
    EXPECT_EQ(M::gpio_function(n), gpio_is_function0 ? 0u : 3u) << n;
  }
  EXPECT_THROW(M::pad_offset(16), std::out_of_range);
  // FUNC's high bit lives in bit 8 (PIN_FUNC_SELECT).
  EXPECT_EQ(M::func_bits(3), 0x30u);
  EXPECT_EQ(M::func_bits(4), 0x100u);
  for (unsigned f = 0; f < 8; ++f) EXPECT_EQ(M::function_of(M::func_bits(f) | 0xCF), f);
}

TEST(Esp8266Iomux, ResetValuesAndStoredWrites) {
  M iomux("iomux", nullptr);
  const RegisterBank* regs = iomux.registers();
  ASSERT_NE(regs, nullptr);
  ASSERT_EQ(regs->specs().size(), 17u);
  EXPECT_STREQ(regs->spec_at(0x00)->name, "IO_MUX_CONF");
  EXPECT_STREQ(regs->spec_at(0x04)->name, "MTDI_U");
  EXPECT_STREQ(regs->spec_at(0x18)->name, "U0TXD_U");
  EXPECT_STREQ(regs->spec_at(0x40)->name, "GPIO5_U");
  // Function 0 everywhere except the SD_* pads (0x1C..0x30), left in function 1 (SPI flash).
  // No pulls, no sleep bits.
  EXPECT_EQ(iomux.read(M::IO_MUX_CONF, 4), 0u);
  for (std::uint32_t off = 0x04; off <= 0x40; off += 4)
    EXPECT_EQ(iomux.read(off, 4), (off >= 0x1C && off <= 0x30) ? 0x10u : 0u) << off;
  // Pad registers keep bits 8:0 (sleep fields and OE stored); IO_MUX_CONF keeps all.
  iomux.write(M::MTDO_U, 0xFFFFFFFF, 4);
  EXPECT_EQ(iomux.read(M::MTDO_U, 4), 0x1FFu);
  iomux.write(M::GPIO2_U, M::OE | M::SLEEP_OE | M::SLEEP_PULLUP | M::SLEEP_PULLUP2, 4);
  EXPECT_EQ(iomux.read(M::GPIO2_U, 4), 0x0Fu);
  iomux.write(M::IO_MUX_CONF, 0x300, 4);
  EXPECT_EQ(iomux.read(M::IO_MUX_CONF, 4), 0x300u);
  // A byte write reaches bit 8, FUNC's high bit.
  iomux.write(M::GPIO0_U + 1, 0x01, 1);
  EXPECT_EQ(M::function_of(iomux.read(M::GPIO0_U, 4)), 4u);
  iomux.reset();
  EXPECT_EQ(iomux.read(M::MTDO_U, 4), 0u);
  EXPECT_EQ(iomux.read(M::IO_MUX_CONF, 4), 0u);
  // Nothing lives past GPIO5_U: a guest error, read as 0.
  testing::LogCapture log;
  EXPECT_EQ(iomux.read(0x44, 4), 0u);
  EXPECT_NE(log.take().find("iomux: read of unknown offset 0x44"), std::string::npos);
}

// The IO_MUX and the GPIO block together, their pins on nets.
class Esp8266IomuxPadTest : public ::testing::Test {
 protected:
  std::uint32_t gpio_in() { return gpio_.read(kGpioIn, 4); }
  void gpio_wr(std::uint32_t off, std::uint32_t v) { gpio_.write(off, v, 4); }
  void mux_wr(std::uint32_t off, std::uint32_t v) { iomux_.write(off, v, 4); }
  std::uint32_t mux_rd(std::uint32_t off) { return iomux_.read(off, 4); }
  // Selects GPIOn's GPIO function, keeping the pad's other bits.
  void select_gpio(unsigned n) {
    std::uint32_t off = M::pad_offset(n);
    mux_wr(off, (mux_rd(off) & ~(M::FUNC_LOW | M::FUNC_HIGH)) | M::func_bits(M::gpio_function(n)));
  }

  Scheduler sched_;
  Netlist nl_{&sched_};
  G gpio_{"gpio", &sched_};
  M iomux_{"iomux", &gpio_};
};

TEST_F(Esp8266IomuxPadTest, ResetPadsReachTheGpioBlock) {
  // Function 0 is GPIO on GPIO0/2/4/5 only.
  for (unsigned n = 0; n < 16; ++n) {
    bool gpio = n == 0 || n == 2 || n == 4 || n == 5;
    EXPECT_EQ(gpio_.pad_is_gpio(n), gpio) << n;
    EXPECT_EQ(gpio_.pad_pull(n), G::PadPull::none) << n;
    EXPECT_EQ(gpio_.pin(n).level(), Level::floating) << n;
  }
  EXPECT_EQ(gpio_in(), 0u);
}

TEST_F(Esp8266IomuxPadTest, PullUpOnAnUndrivenPadReadsHigh) {
  gpio_.write(kGpioPin0 + 4 * 4, 1u << 7, 4);  // GPIO4: rising-edge interrupt
  mux_wr(M::GPIO4_U, M::PULLUP);
  EXPECT_EQ(gpio_.pad_pull(4), G::PadPull::up);
  EXPECT_EQ(gpio_.pin(4).driving(), Drive::pull_up);
  EXPECT_EQ(gpio_.pin(4).net().level(), Level::high);
  EXPECT_EQ(gpio_in(), 1u << 4);
  EXPECT_EQ(gpio_.read(kGpioStatus, 4), 1u << 4);  // the pull-up's edge is an input edge
  EXPECT_TRUE(gpio_.irq("irq")->level());
  mux_wr(M::GPIO4_U, 0);
  EXPECT_EQ(gpio_.pin(4).net().level(), Level::floating);
  EXPECT_EQ(gpio_in(), 0u);
  // Bit 6 (PULLUP2; PULLDWN in older SDK headers) pulls up as well.
  mux_wr(M::GPIO4_U, M::PULLUP2);
  EXPECT_EQ(gpio_in(), 1u << 4);
  // The pull works whatever the pad's function: MTDI (GPIO12) is still in function 0 (JTAG).
  mux_wr(M::MTDI_U, M::PULLUP);
  EXPECT_FALSE(gpio_.pad_is_gpio(12));
  EXPECT_EQ(gpio_in() & (1u << 12), 1u << 12);
}

TEST_F(Esp8266IomuxPadTest, OpenDrainReleasesToThePullUp) {
  gpio_.write(kGpioPin0 + 4 * 5, kPadDriver, 4);
  gpio_wr(kGpioOut, 1u << 5);
  gpio_wr(kGpioEnable, 1u << 5);
  EXPECT_EQ(gpio_.pin(5).driving(), Drive::off);  // open drain, 1, no pull: released, floating
  EXPECT_EQ(gpio_in(), 0u);
  mux_wr(M::GPIO5_U, M::PULLUP);
  EXPECT_EQ(gpio_.pin(5).driving(), Drive::pull_up);
  EXPECT_EQ(gpio_.pin(5).net().level(), Level::high);
  EXPECT_EQ(gpio_in(), 1u << 5);
  gpio_wr(kGpioOut, 0);
  EXPECT_EQ(gpio_.pin(5).driving(), Drive::low);
  EXPECT_EQ(gpio_.pin(5).net().level(), Level::low);
  EXPECT_EQ(gpio_in(), 0u);
  // Push-pull ignores the pull: high is driven high.
  gpio_.write(kGpioPin0 + 4 * 5, 0, 4);
  gpio_wr(kGpioOut, 1u << 5);
  EXPECT_EQ(gpio_.pin(5).driving(), Drive::high);
}

TEST_F(Esp8266IomuxPadTest, APadInAnotherFunctionDoesNotDriveGpioOut) {
  testing::LogCapture log;
  nl_.connect(gpio_.pin(13), "mosi");
  gpio_wr(kGpioOut, 1u << 13);
  gpio_wr(kGpioEnable, 1u << 13);
  // MTCK (GPIO13) is in function 0 (MTCK, JTAG) from reset: GPIO_OUT does not reach the net.
  EXPECT_EQ(gpio_.pin(13).driving(), Drive::off);
  EXPECT_EQ(nl_.find("mosi")->level(), Level::floating);
  EXPECT_EQ(gpio_in(), 0u);
  select_gpio(13);  // function 3
  EXPECT_EQ(mux_rd(M::MTCK_U), 0x30u);
  EXPECT_EQ(nl_.find("mosi")->level(), Level::high);
  EXPECT_EQ(gpio_in(), 1u << 13);
  EXPECT_EQ(log.take(), "");  // choosing the GPIO function is modelled
  // Function 2 (HSPID_MOSI): the HSPI signal is not modelled, the pin lets go and it is logged
  // once for that pad.
  mux_wr(M::MTCK_U, M::func_bits(2));
  EXPECT_EQ(gpio_.pin(13).driving(), Drive::off);
  EXPECT_EQ(gpio_in(), 0u);
  std::string text = log.take();
  EXPECT_NE(text.find("[unimp] iomux: pad MTCK_U (GPIO13) switched to function 2 (HSPID_MOSI)"),
            std::string::npos)
      << text;
  select_gpio(13);
  mux_wr(M::MTCK_U, M::func_bits(2) | M::PULLUP);
  EXPECT_EQ(log.take(), "");
  EXPECT_EQ(gpio_.pin(13).driving(), Drive::pull_up);  // only the pull is left
  EXPECT_EQ(gpio_in(), 1u << 13);
  // On GPIO0's pad function 0 is the GPIO and 1 (SPICS2) is not; 6 is no function at all.
  gpio_wr(kGpioOut, 1u << 0);
  gpio_wr(kGpioEnable, 1u << 0);
  EXPECT_EQ(gpio_.pin(0).driving(), Drive::high);
  mux_wr(M::GPIO0_U, M::func_bits(1));
  EXPECT_EQ(gpio_.pin(0).driving(), Drive::off);
  EXPECT_NE(log.take().find("pad GPIO0_U (GPIO0) switched to function 1 (SPICS2)"), std::string::npos);
  mux_wr(M::GPIO4_U, M::func_bits(6));
  EXPECT_FALSE(gpio_.pad_is_gpio(4));
  EXPECT_NE(log.take().find("[guest_error] iomux: pad GPIO4_U (GPIO4) switched to function 6, which"),
            std::string::npos);
}

TEST_F(Esp8266IomuxPadTest, APullUpLosesToADeviceDrivingLow) {
  // A button to ground on GPIO0 with only the pad's pull-up (no pull on the net).
  Pin button("btn1.P", &sched_);
  nl_.connect(gpio_.pin(0), "button");
  nl_.connect(button, "button");
  mux_wr(M::GPIO0_U, M::PULLUP);
  EXPECT_EQ(gpio_in() & 1, 1u);  // released
  button.drive(Drive::low);      // pressed
  EXPECT_EQ(nl_.find("button")->level(), Level::low);
  EXPECT_EQ(gpio_in() & 1, 0u);
  button.drive(Drive::off);
  EXPECT_EQ(gpio_in() & 1, 1u);
  // Another chip's push-pull output wins over the pull either way.
  button.drive(Drive::high);
  EXPECT_EQ(gpio_in() & 1, 1u);
}

TEST_F(Esp8266IomuxPadTest, ResetsOwnThePadState) {
  mux_wr(M::GPIO4_U, M::PULLUP);
  select_gpio(12);
  // The pads are IO_MUX state: a GPIO reset keeps them.
  gpio_.reset();
  EXPECT_EQ(gpio_in(), 1u << 4);
  EXPECT_TRUE(gpio_.pad_is_gpio(12));
  // An IO_MUX reset puts its reset values back on the pads.
  iomux_.reset();
  EXPECT_EQ(gpio_in(), 0u);
  EXPECT_FALSE(gpio_.pad_is_gpio(12));
  EXPECT_EQ(gpio_.pad_pull(4), G::PadPull::none);
}

TEST(Esp8266GpioWithoutIomux, EveryPadIsAGpioWithNoPull) {
  G gpio("gpio");
  for (unsigned n = 0; n < 16; ++n) {
    EXPECT_TRUE(gpio.pad_is_gpio(n)) << n;
    EXPECT_EQ(gpio.pad_pull(n), G::PadPull::none) << n;
  }
  // GPIO12 drives from GPIO_OUT (with the IO_MUX's reset it would not).
  gpio.write(kGpioOut, 1u << 12, 4);
  gpio.write(kGpioEnable, 1u << 12, 4);
  EXPECT_EQ(gpio.pin(12).driving(), Drive::high);
  EXPECT_EQ(gpio.read(kGpioIn, 4), 1u << 12);
  gpio.write(kGpioPin0 + 4 * 12, kPadDriver, 4);
  EXPECT_EQ(gpio.pin(12).driving(), Drive::off);  // open drain released, no pull: floating
  EXPECT_EQ(gpio.read(kGpioIn, 4), 0u);
  // The host-side pad interface.
  gpio.set_pad(12, true, G::PadPull::up);
  EXPECT_EQ(gpio.read(kGpioIn, 4), 1u << 12);
  gpio.set_pad(12, false, G::PadPull::none);
  EXPECT_EQ(gpio.pin(12).driving(), Drive::off);
  EXPECT_THROW(gpio.set_pad(16, true, G::PadPull::none), std::out_of_range);
}

TEST(Esp8266IomuxRegistry, ParamsAndTheGpioLookup) {
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
  auto* gpio = dynamic_cast<G*>(gpio_dev.get());
  ASSERT_NE(gpio, nullptr);
  bus.add_device(0x60000300, 0x100, gpio, 0);
  UnimplementedDevice rtc("rtc");
  bus.add_device(0x60000700, 0x100, &rtc, 0);

  PeripheralDesc d;
  d.name = "iomux";
  d.model = "esp8266-iomux";
  d.line = 7;
  d.params = {{"gpio", "gpio"}};
  auto iomux = create_device(board, d, ctx);
  ASSERT_NE(dynamic_cast<M*>(iomux.get()), nullptr);
  EXPECT_FALSE(gpio->pad_is_gpio(12));  // its reset reached the GPIO block
  iomux->write(M::GPIO4_U, M::PULLUP, 4);
  EXPECT_EQ(gpio->read(kGpioIn, 4), 1u << 4);
  // Without the param it stores its registers only.
  d.params = {};
  EXPECT_NE(dynamic_cast<M*>(create_device(board, d, ctx).get()), nullptr);

  d.params = {{"gpio", "gpio1"}};
  EXPECT_EQ(what(d),
            "test.yaml:7: peripheral 'iomux': params.gpio: no device named 'gpio1' before this one "
            "in the board file");
  d.params = {{"gpio", "rtc"}};
  EXPECT_EQ(what(d), "test.yaml:7: peripheral 'iomux': params.gpio: 'rtc' is not an esp8266-gpio");
  d.params = {{"pins", "16"}};
  EXPECT_EQ(what(d), "test.yaml:7: peripheral 'iomux': esp8266-iomux: unknown param 'pins' (known: gpio)");
  DeviceContext no_bus{&sched, 80'000'000, 80'000'000};
  d.params = {{"gpio", "gpio"}};
  EXPECT_THROW(create_device(board, d, no_bus), BoardError);
}

}  // namespace
}  // namespace boardemu
