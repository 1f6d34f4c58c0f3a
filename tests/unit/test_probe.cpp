// machine/probe.hpp: observing and controlling a board from outside, on the esp8266 board with a
// circuit, no CPU: the GPIO registers are written through the bus as firmware would, virtual
// time is advanced by hand; GPIO registers are written as the CPU's stores would, and I2C is bit-banged by a controller on the GPIO pins' nets.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/board.hpp"
#include "core/i2c.hpp"
#include "machine/circuit.hpp"
#include "machine/machine.hpp"
#include "machine/probe.hpp"
#include "parts/bme280.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";
// GPIO register offsets (ESP8266 Technical Reference, GPIO chapter).
constexpr std::uint32_t GPIO_OUT_W1TS = 0x04, GPIO_OUT_W1TC = 0x08, GPIO_ENABLE_W1TS = 0x10, GPIO_IN = 0x18;

const char* kCircuit = R"(
parts:
  - {id: eeprom1, type: 24lc32}
  - {id: oled, type: ssd1306}
  - {id: env, type: bme280}
  - {id: led1, type: led}
  - {id: btn1, type: button}
nets:
  - {name: i2c_scl, pull: up, pins: [eeprom1.SCL, oled.SCL, env.SCL]}
  - {name: i2c_sda, pull: up, pins: [eeprom1.SDA, oled.SDA, env.SDA]}
  - {name: led, pins: [gpio.GPIO2, led1.A]}
  - {name: button, pull: up, pins: [gpio.GPIO0, btn1.P]}
)";

struct Bench {
  Machine m{load_board_by_name("esp8266", kBoardsDir)};
  BoardProbe probe{m};
  Bench() { m.add_circuit(parse_circuit_text(kCircuit, "test.yaml")); }
  void write32(std::uint32_t offset, std::uint32_t v) { m.device("gpio")->write(offset, v, 4); }
  std::uint32_t read32(std::uint32_t offset) { return m.device("gpio")->read(offset, 4); }
  void wait(Cycles c) {
    m.scheduler().advance(c);
    m.scheduler().run_due();
  }
};

TEST(BoardProbe, PressesAButtonTheGpioReads) {
  Bench b;
  EXPECT_EQ(b.probe.level("button"), Level::high);  // the net's pull-up
  EXPECT_EQ(b.read32(GPIO_IN) & 1, 1u);
  b.probe.set_control("btn1", "pressed", 1);
  EXPECT_EQ(b.probe.level("gpio.GPIO0"), Level::low);
  EXPECT_EQ(b.read32(GPIO_IN) & 1, 0u);
  EXPECT_EQ(b.probe.reading("btn1", "pressed"), 1.0);
  b.probe.set_control("btn1", "pressed", 0);
  EXPECT_EQ(b.read32(GPIO_IN) & 1, 1u);
  EXPECT_THROW(b.probe.set_control("btn1", "pressed", 0.5), std::invalid_argument);
  try {
    b.probe.set_control("btn1", "volume", 1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "btn1: no control 'volume' (controls: pressed)");
  }
  EXPECT_THROW(b.probe.part("nobody"), std::invalid_argument);
}

TEST(BoardProbe, SetsTheEnvironmentASensorMeasures) {
  Bench b;
  EXPECT_EQ(b.probe.reading("env", "temperature"), 25.0);
  b.probe.set_control("env", "temperature", -10.5);
  b.probe.set_control("env", "humidity", 80);
  EXPECT_EQ(b.probe.reading("env", "temperature"), -10.5);
  EXPECT_EQ(dynamic_cast<Bme280Part&>(b.probe.part("env")).sensor().humidity(), 80.0);
  try {
    b.probe.set_control("env", "pressure", 5000);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("env: pressure: ", 0), 0u) << e.what();
  }
  EXPECT_EQ(b.probe.reading("env", "pressure"), 101325.0);  // unchanged
}

TEST(BoardProbe, RecordsANetsHistoryAndAnLedsBrightness) {
  Bench b;
  b.probe.record("led");
  b.write32(GPIO_ENABLE_W1TS, 1u << 2);  // output, low
  b.wait(1000);
  b.write32(GPIO_OUT_W1TS, 1u << 2);
  b.wait(3000);
  b.write32(GPIO_OUT_W1TC, 1u << 2);
  const auto& h = b.probe.history("gpio.GPIO2");  // the same net, by a pin's name
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0], (BoardProbe::Change{0, Level::floating}));
  EXPECT_EQ(h[1], (BoardProbe::Change{0, Level::low}));
  EXPECT_EQ(h[2], (BoardProbe::Change{1000, Level::high}));
  EXPECT_EQ(h[3], (BoardProbe::Change{4000, Level::low}));
  EXPECT_EQ(b.probe.reading("led1", "lit"), 0.0);
  EXPECT_NEAR(b.probe.reading("led1", "brightness"), 0.75, 1e-9);  // 3000 of 4000 cycles
  EXPECT_THROW(b.probe.history("button"), std::invalid_argument);  // not recorded
  EXPECT_THROW(b.probe.net("gpio.GPIO99"), std::invalid_argument);
}

TEST(BoardProbe, DrivesANetFromOutsideAsAWeakOrStrongSource) {
  Bench b;
  b.probe.drive("gpio.GPIO5", Drive::pull_up);  // an unwired pin
  EXPECT_EQ(b.read32(GPIO_IN) >> 5 & 1, 1u);
  b.write32(GPIO_ENABLE_W1TS, 1u << 5);  // the GPIO drives low: it wins over a pull
  EXPECT_EQ(b.probe.level("gpio.GPIO5"), Level::low);
  b.probe.drive("gpio.GPIO5", Drive::high);  // against an output: contention
  EXPECT_EQ(b.probe.level("gpio.GPIO5"), Level::contention);
  b.probe.drive("gpio.GPIO5", Drive::off);
  EXPECT_EQ(b.probe.level("gpio.GPIO5"), Level::low);
}

TEST(BoardProbe, DecodesI2cOnTheNetsAndShowsTheDisplay) {
  Bench b;
  // A controller on the bus nets, as SoftI2C on two GPIOs would be.
  I2cBitBangController c("ctl", &b.m.scheduler(), 100);
  b.m.netlist().connect(c.scl_pin(), "i2c_scl");
  b.m.netlist().connect(c.sda_pin(), "i2c_sda");
  I2cMonitor& mon = b.probe.watch_i2c("i2c_scl", "i2c_sda");
  EXPECT_EQ(&mon, &b.probe.watch_i2c("i2c_scl", "i2c_sda"));
  // Charge pump on, display on, horizontal addressing, segment remap and COM scan as the
  // common module needs them for framebuf orientation (parts/ssd1306.hpp).
  std::uint8_t init[] = {0x00, 0x8D, 0x14, 0xAF, 0x20, 0x00, 0xA1, 0xC8};
  EXPECT_EQ(c.write(0x3C, init), I2cAck::ack);
  std::uint8_t pixels[] = {0x40, 0xFF, 0x01};  // data: column 0 all lit, column 1 top pixel
  EXPECT_EQ(c.write(0x3C, pixels), I2cAck::ack);
  std::uint8_t addr[] = {0x00, 0x10};
  EXPECT_EQ(c.write(0x50, addr, /*send_stop=*/false), I2cAck::ack);
  std::uint8_t out[2];
  EXPECT_EQ(c.read(0x50, out), I2cAck::ack);  // an erased EEPROM
  EXPECT_EQ(c.write(0x21, {}), I2cAck::nack);  // nobody there
  ASSERT_EQ(mon.lines(), (std::vector<std::string>{
                             "S 0x3C W A 00 A 8D A 14 A AF A 20 A 00 A A1 A C8 A P",
                             "S 0x3C W A 40 A FF A 01 A P",
                             "S 0x50 W A 00 A 10 A",
                             "Sr 0x50 R A FF A FF N P",
                             "S 0x21 W N P",
                         }));
  Part::Picture pic = b.probe.picture("oled");
  ASSERT_EQ(pic.width, 128u);
  ASSERT_EQ(pic.height, 64u);
  EXPECT_EQ(pic.luminance[0], 255);        // (0, 0)
  EXPECT_EQ(pic.luminance[7 * 128], 255);  // (0, 7)
  EXPECT_EQ(pic.luminance[8 * 128], 0);    // (0, 8): page 1
  EXPECT_EQ(pic.luminance[1], 255);        // (1, 0)
  EXPECT_EQ(pic.luminance[128 + 1], 0);    // (1, 1)
  EXPECT_THROW(b.probe.picture("led1"), std::invalid_argument);
  std::string png = ::testing::TempDir() + "probe-oled.png";
  b.probe.write_picture_png("oled", png, 2);
  std::ifstream f(png, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  std::remove(png.c_str());
  EXPECT_THROW(b.probe.watch_i2c("i2c_scl", "i2c_scl"), std::invalid_argument);
}

}  // namespace
}  // namespace boardemu

namespace boardemu {
namespace {

// Interrupt lines are nets too ("<device>.<output>"): the GPIO block's interrupt, raised by an
// edge on a pin and cleared through GPIO_STATUS_W1TC, is seen on net "gpio.irq" with its times.
TEST(BoardProbe, SeesInterruptLinesAsNets) {
  Bench b;
  constexpr std::uint32_t GPIO_STATUS_W1TC = 0x24, GPIO_PIN0 = 0x28;
  b.probe.record("gpio.irq");
  EXPECT_EQ(b.probe.level("gpio.irq"), Level::low);
  b.write32(GPIO_PIN0, 2u << 7);  // INT_TYPE 2: falling edge
  b.wait(100);
  b.probe.set_control("btn1", "pressed", 1);  // GPIO0 falls
  EXPECT_EQ(b.probe.level("gpio.irq"), Level::high);
  b.wait(50);
  b.write32(GPIO_STATUS_W1TC, 1u);  // the handler acknowledges
  EXPECT_EQ(b.probe.level("gpio.irq"), Level::low);
  const auto& h = b.probe.history("gpio.irq");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1], (BoardProbe::Change{100, Level::high}));
  EXPECT_EQ(h[2], (BoardProbe::Change{150, Level::low}));
  bool listed = false;
  for (Net* n : b.m.nets()) listed |= n->name() == "uart0.irq";
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace boardemu

namespace boardemu {
namespace {

// SpiMonitor: a passive decoder on four nets sees the frames a controller exchanges with a
// W25Q32 part, in modes 0 and 3 (the chip takes both), MOSI and MISO byte for byte.
TEST(BoardProbe, DecodesSpiFramesOnTheNets) {
  Machine m(load_board_by_name("esp8266", kBoardsDir));
  m.add_circuit(parse_circuit_text(R"(
parts:
  - {id: flash1, type: w25q32}
nets:
  - {name: sck, pins: [flash1.SCK]}
  - {name: mosi, pins: [flash1.MOSI]}
  - {name: miso, pins: [flash1.MISO]}
  - {name: cs, pull: up, pins: [flash1.CS]}
)", "spi.yaml"));
  BoardProbe probe(m);
  BitBangSpiController c("ctl", &m.scheduler(), {}, 1, 10);
  for (auto [pin, net] : {std::pair{&c.sck(), "sck"}, {&c.mosi(), "mosi"}, {&c.miso(), "miso"}, {&c.cs(), "cs"}})
    m.netlist().connect(*pin, net);
  SpiMonitor& mon = probe.watch_spi("sck", "mosi", "miso", "cs");
  EXPECT_EQ(&mon, &probe.watch_spi("sck", "mosi", "miso", "cs"));
  const std::uint8_t rdid[] = {0x9F, 0, 0, 0};
  EXPECT_EQ(c.transfer(0, rdid), (std::vector<std::uint8_t>{0xFF, 0xEF, 0x40, 0x16}));
  const std::uint8_t status[] = {0x05, 0};
  c.transfer(0, status);
  ASSERT_EQ(mon.lines(), (std::vector<std::string>{"MOSI 9F 00 00 00 MISO FF EF 40 16", "MOSI 05 00 MISO FF 00"}));
  EXPECT_LT(mon.frames()[0].start, mon.frames()[0].end);
  // Mode 3 (clock idles high), which the chip also takes: a decoder in mode 3 reads it.
  c.set_format({.mode = SpiMode::mode3});
  BoardProbe probe3(m);
  SpiMonitor& mode3 = probe3.watch_spi("sck", "mosi", "miso", "cs", {.mode = SpiMode::mode3});
  EXPECT_EQ(c.transfer(0, rdid), (std::vector<std::uint8_t>{0xFF, 0xEF, 0x40, 0x16}));
  EXPECT_EQ(mode3.lines(), (std::vector<std::string>{"MOSI 9F 00 00 00 MISO FF EF 40 16"}));
  EXPECT_THROW(probe.watch_spi("sck", "sck", "miso", "cs"), std::invalid_argument);
}

}  // namespace
}  // namespace boardemu

namespace boardemu {
namespace {

// Board files hold on-board parts the same way circuits do (`parts:` and `nets:`): a
// NodeMCU-like board is the esp8266 with its active-low LED on GPIO2.
TEST(BoardParts, ABoardFileCarriesItsOwnPartsAndNets) {
  std::ifstream f(kBoardsDir + "/esp8266.yaml");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  std::string board = text + "\nparts:\n  - {id: onboard_led, type: led, params: {active: low}}\n"
                             "nets:\n  - {name: led_gpio2, pins: [gpio.GPIO2, onboard_led.A]}\n";
  BoardDesc d = parse_board_text(board, "nodemcu.yaml");
  EXPECT_TRUE(d.has_circuit);
  Machine m(d);
  BoardProbe probe(m);
  ASSERT_NE(m.part("onboard_led"), nullptr);
  m.device("gpio")->write(0x10, 1u << 2, 4);  // GPIO_ENABLE_W1TS: GPIO2 an output, low
  EXPECT_EQ(probe.reading("onboard_led", "lit"), 1.0);  // active low: lit
  m.device("gpio")->write(0x04, 1u << 2, 4);  // GPIO_OUT_W1TS: high
  EXPECT_EQ(probe.reading("onboard_led", "lit"), 0.0);
  // A circuit on top of it adds its own parts.
  m.add_circuit(parse_circuit_text("parts:\n  - {id: btn1, type: button}\nnets:\n  - {name: b, pins: [gpio.GPIO0, btn1.P]}\n", "c.yaml"));
  EXPECT_NE(m.part("btn1"), nullptr);
  try {
    m.add_circuit(parse_circuit_text("nets:\n  - {name: mine, pins: [gpio.GPIO2]}\n", "c2.yaml"));
    FAIL() << "re-wired a pin the board wires";
  } catch (const CircuitError& e) {
    EXPECT_STREQ(e.what(), "c2.yaml:2: nets[0].pins[0]: pin 'gpio.GPIO2' is already on net 'led_gpio2'");
  }
  // Mistakes in a board's parts are the board file's, with its line.
  std::string bad = text + "\nparts:\n  - {id: x, type: flux-capacitor}\n";
  try {
    Machine broken(parse_board_text(bad, "bad.yaml"));
    FAIL() << "built a board with an unknown part type";
  } catch (const BoardError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown part type 'flux-capacitor'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(parse_board_text(text, "esp8266.yaml").has_circuit);
}

}  // namespace
}  // namespace boardemu
