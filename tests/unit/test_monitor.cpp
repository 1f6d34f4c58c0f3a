// machine/monitor.hpp: the text monitor's commands on the esp8266 board with a circuit, no CPU.
// Commands come through a buffer backend and are answered at the monitor's poll event, as they
// are over `--monitor tcp:PORT` while firmware runs.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/board.hpp"
#include "hostio/buffer_chardev.hpp"
#include "machine/circuit.hpp"
#include "machine/machine.hpp"
#include "machine/monitor.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";
constexpr std::uint32_t GPIO_IN = 0x18;

const char* kCircuit = R"(
parts:
  - {id: oled, type: ssd1306}
  - {id: env, type: bme280}
  - {id: btn1, type: button}
nets:
  - {name: i2c_scl, pull: up, pins: [gpio.GPIO5, oled.SCL, env.SCL]}
  - {name: i2c_sda, pull: up, pins: [gpio.GPIO4, oled.SDA, env.SDA]}
  - {name: button, pull: up, pins: [gpio.GPIO0, btn1.P]}
)";

struct Bench {
  Machine m{load_board_by_name("esp8266", kBoardsDir)};
  BufferCharBackend host;
  Monitor mon{(m.add_circuit(parse_circuit_text(kCircuit, "test.yaml")), m), host};
  std::string ask(const std::string& line) { return mon.execute(line); }
};

TEST(Monitor, PressesAButtonAndReadsNets) {
  Bench b;
  EXPECT_EQ(b.ask("level button"), "ok high");
  EXPECT_EQ(b.ask("set btn1 pressed 1"), "ok");
  EXPECT_EQ(b.ask("level gpio.GPIO0"), "ok low");
  EXPECT_EQ(b.m.device("gpio")->read(GPIO_IN, 4) & 1, 0u);
  EXPECT_EQ(b.ask("get btn1 pressed"), "ok 1");
  EXPECT_EQ(b.ask("set btn1 pressed 0"), "ok");
  EXPECT_EQ(b.ask("level button"), "ok high");
  EXPECT_EQ(b.ask("drive gpio.GPIO12 pull-down"), "ok");
  EXPECT_EQ(b.ask("level gpio.GPIO12"), "ok low");
  EXPECT_EQ(b.ask("drive gpio.GPIO12 high"), "ok");
  EXPECT_EQ(b.ask("level gpio.GPIO12"), "ok high");
  EXPECT_EQ(b.ask("drive gpio.GPIO12 sideways"),
            "error: drive: 'sideways' is not off, low, high, pull-up, pull-down or a voltage");
}

TEST(Monitor, ListsPartsSetsSensorsAndRejectsBadCommands) {
  Bench b;
  EXPECT_EQ(b.ask("parts"), "ok 3\noled\nenv\nbtn1");
  EXPECT_EQ(b.ask("set env temperature 18.25"), "ok");
  EXPECT_EQ(b.ask("get env temperature"), "ok 18.25");
  EXPECT_EQ(b.ask("set env temperature warm"), "error: 'warm' is not a number");
  EXPECT_EQ(b.ask("set env"), "error: usage: set PART CONTROL VALUE");
  EXPECT_EQ(b.ask("get nobody x").rfind("error: ", 0), 0u);
  EXPECT_EQ(b.ask("frobnicate"), "error: unknown command 'frobnicate' (try help)");
  EXPECT_EQ(b.ask("i2c-log"), "error: i2c-log: no i2c-watch yet");
  EXPECT_EQ(b.ask("png oled /nonexistent-dir/x.png 99"), "error: png: SCALE must be a whole number from 1 to 16");
  EXPECT_EQ(b.ask(""), "");
  std::string nets = b.ask("nets");
  EXPECT_EQ(nets.rfind("ok ", 0), 0u);
  EXPECT_NE(nets.find("\ni2c_scl"), std::string::npos);
  EXPECT_NE(b.ask("help").find("set PART CONTROL VALUE"), std::string::npos);
}

// Analog: a potentiometer turned from the monitor, TOUT's voltage read back and converted by the
// SAR ADC; the monitor's own analog source on a net.
TEST(Monitor, TurnsAPotentiometerAndReadsVoltages) {
  Machine m{load_board_by_name("esp8266", kBoardsDir)};
  m.add_circuit(parse_circuit_text(R"(
parts:
  - {id: pot1, type: potentiometer, params: {vcc: 1.0, position: 0.5}}
  - {id: sw1, type: slide-switch, params: {pin1: gnd, pin3: vcc}}
nets:
  - {name: a0, pins: [adc.TOUT, pot1.SIG]}
  - {name: switch, pins: [gpio.GPIO14, sw1.2]}
)",
                                   "test.yaml"));
  BufferCharBackend host;
  Monitor mon(m, host);
  EXPECT_EQ(mon.execute("voltage a0"), "ok 0.5");
  EXPECT_EQ(mon.execute("set pot1 position 0.25"), "ok");
  EXPECT_EQ(mon.execute("voltage adc.TOUT"), "ok 0.25");
  EXPECT_EQ(mon.execute("get pot1 voltage"), "ok 0.25");
  Device& adc = *m.device("adc");
  adc.write(0x00, 1, 4);  // SAR_CTRL.START
  m.scheduler().advance(800);
  m.scheduler().run_due();
  EXPECT_EQ(mon.execute("peek 0x60000D08"), "ok 00 01 00 00");  // SAR_DATA 256, little-endian
  EXPECT_EQ(mon.execute("level switch"), "ok low");
  EXPECT_EQ(mon.execute("voltage switch"), "ok 0");
  EXPECT_EQ(mon.execute("set sw1 position 1"), "ok");
  EXPECT_EQ(mon.execute("voltage switch"), "ok 3.3");
  EXPECT_EQ(mon.execute("drive gpio.GPIO12 2.9"), "ok");  // the monitor's analog source
  EXPECT_EQ(mon.execute("voltage gpio.GPIO12"), "ok 2.9");
  EXPECT_EQ(mon.execute("level gpio.GPIO12"), "ok high");
  EXPECT_EQ(mon.execute("drive gpio.GPIO12 -inf").rfind("error: ", 0), 0u);
  EXPECT_EQ(mon.execute("voltage"), "error: usage: voltage NET");
}

TEST(Monitor, AnswersLinesAtItsPollEventInVirtualTime) {
  Bench b;
  Cycles ms = b.m.board().cpu_hz / 1000;
  b.host.push_input("time\r\nset btn1 pressed 1\nlevel button\n");
  b.m.scheduler().advance(ms - 1);
  b.m.scheduler().run_due();
  EXPECT_EQ(b.host.output(), "");  // not yet polled
  b.m.scheduler().advance(1);
  b.m.scheduler().run_due();
  EXPECT_EQ(b.host.take_output(), "ok " + std::to_string(ms) + " 1.000\nok\nok low\n");
  // A partial line waits for its newline; an over-long line is refused, not grown without bound.
  b.host.push_input("level but");
  b.m.scheduler().advance(ms);
  b.m.scheduler().run_due();
  EXPECT_EQ(b.host.output(), "");
  b.host.push_input("ton\n" + std::string(10000, 'x') + "\n");
  b.m.scheduler().advance(ms);
  b.m.scheduler().run_due();
  EXPECT_EQ(b.host.take_output(), "ok low\nerror: line too long\n");
}

TEST(Monitor, WritesTheDisplayAsPng) {
  Bench b;
  std::string path = ::testing::TempDir() + "/monitor-oled.png";
  std::remove(path.c_str());
  EXPECT_EQ(b.ask("png oled " + path + " 2"), "ok");
  std::ifstream f(path, std::ios::binary);
  ASSERT_TRUE(f.good());
  char sig[8];
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  EXPECT_EQ(b.ask("png env " + path).rfind("error: ", 0), 0u);  // a sensor has no display
}

}  // namespace
}  // namespace boardemu
