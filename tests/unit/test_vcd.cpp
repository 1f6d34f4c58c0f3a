// VCD recording of nets (emulator/core/vcd.hpp), no CPU: the exact file for a small trace, write
// errors, signal selection, and sigrok's own I2C and SPI decoders reading what we write (as the
// issue asks: `sigrok-cli -I vcd -P i2c` / `-P spi`).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "core/vcd.hpp"

namespace boardemu {
namespace {

namespace fs = std::filesystem;

class VcdTest : public ::testing::Test {
 protected:
  VcdTest() {
    dir_ = fs::temp_directory_path() /
           ("boardemu-vcd-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "trace.vcd").string();
  }
  ~VcdTest() override { if (!std::getenv("KEEP_VCD")) fs::remove_all(dir_); }

  std::string contents() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // sigrok-cli's annotation output for `decoder` over the trace; "" (and a skip) without it.
  std::string sigrok(const std::string& decoder) {
    std::string cmd = "sigrok-cli -I vcd -i '" + path_ + "' -P " + decoder + " 2>&1";
    std::FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (p && std::fgets(buf, sizeof buf, p)) out += buf;
    int rc = p ? ::pclose(p) : -1;
    EXPECT_EQ(rc, 0) << out;
    return out;
  }

  static bool have_sigrok() { return std::system("command -v sigrok-cli >/dev/null 2>&1") == 0; }

  fs::path dir_;
  std::string path_;
};

TEST_F(VcdTest, ExactFileForASmallTrace) {
  Scheduler s;
  Netlist nl(&s);
  Pin a("gpio.GPIO4", &s), b("gpio.GPIO5", &s);
  nl.connect(a, "gpio.GPIO4");
  nl.connect(b, "led");
  {
    VcdRecorder vcd(path_, s, 80'000'000);  // 12.5 ns per cycle: 100 ps units
    vcd.add(*nl.find("gpio.GPIO4"));
    vcd.add(*nl.find("led"));
    vcd.add(*nl.find("led"));  // once only
    a.set(false);
    s.advance(10);
    vcd.start();
    s.advance(2);
    a.set(true);
    b.set(true);  // same time: one timestamp
    s.advance(1);
    b.drive(Drive::off);
    EXPECT_EQ(vcd.changes(), 3u);
    s.advance(7);
    vcd.finish();
    a.set(false);  // after finish: not recorded
  }
  EXPECT_EQ(contents(),
            "$version boardemu $end\n"
            "$comment CPU clock 80000000 Hz; times are virtual $end\n"
            "$timescale 100 ps $end\n"
            "$scope module board $end\n"
            "$var wire 1 ! gpio.GPIO4 $end\n"
            "$var wire 1 \" led $end\n"
            "$upscope $end\n"
            "$enddefinitions $end\n"
            "#1250\n"
            "$dumpvars\n"
            "0!\n"
            "z\"\n"
            "$end\n"
            "#1500\n"
            "1!\n"
            "1\"\n"
            "#1625\n"
            "z\"\n"
            "#2500\n");
}

// A net with an analog source gets a real variable of its voltage beside its level.
TEST_F(VcdTest, AnalogNetsAlsoRecordTheirVoltage) {
  Scheduler s;
  Netlist nl(&s);
  Pin wiper("pot1.SIG", &s), tout("adc.TOUT", &s), led("gpio.GPIO2", &s);
  nl.connect(wiper, "a0");
  nl.connect(tout, "a0");
  nl.connect(led, "led");
  wiper.drive_voltage(0.25);
  {
    VcdRecorder vcd(path_, s, 80'000'000);
    vcd.add(*nl.find("a0"));
    vcd.add(*nl.find("led"));
    vcd.start();
    s.advance(4);
    wiper.drive_voltage(0.5);  // a voltage change only
    s.advance(4);
    wiper.drive_voltage(3.0);  // and a level change
    led.set(true);
    s.advance(8);
    vcd.finish();
  }
  EXPECT_EQ(contents(),
            "$version boardemu $end\n"
            "$comment CPU clock 80000000 Hz; times are virtual $end\n"
            "$timescale 100 ps $end\n"
            "$scope module board $end\n"
            "$var wire 1 ! a0 $end\n"
            "$var wire 1 \" led $end\n"
            "$var real 64 # a0.voltage $end\n"
            "$upscope $end\n"
            "$enddefinitions $end\n"
            "#0\n"
            "$dumpvars\n"
            "0!\n"
            "z\"\n"
            "r0.25 #\n"
            "$end\n"
            "#500\n"
            "r0.5 #\n"
            "#1000\n"
            "1!\n"
            "r3 #\n"
            "1\"\n"
            "#2000\n");
  if (!have_sigrok()) GTEST_SKIP() << "sigrok-cli is not installed";
  std::string cmd = "sigrok-cli -I vcd -i '" + path_ + "' -O bits 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  EXPECT_EQ(p ? ::pclose(p) : -1, 0) << out;
  EXPECT_NE(out.find("a0:"), std::string::npos) << out;  // the wires still read; the real is skipped
}

// Timescales for common clocks; a clock whose period is no whole number of femtoseconds gets 1 fs.
TEST_F(VcdTest, TimescaleHoldsEveryCycleExactly) {
  for (auto [hz, scale] : std::vector<std::pair<std::uint64_t, std::string>>{
           {25'000'000, "10 ns"}, {100'000'000, "10 ns"}, {160'000'000, "10 ps"}, {1000, "1 ms"},
           {1, "1 s"}, {3'000'000, "1 fs"}}) {
    Scheduler s;
    { VcdRecorder vcd(path_, s, hz); vcd.start(); }
    EXPECT_NE(contents().find("$timescale " + scale + " $end"), std::string::npos) << hz << "\n" << contents();
  }
}

TEST_F(VcdTest, UnwritablePathIsNamed) {
  std::string bad = (dir_ / "missing" / "x.vcd").string();
  try {
    Scheduler s;
    VcdRecorder vcd(bad, s, 1000);
    FAIL();
  } catch (const VcdError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(bad + ": cannot write the VCD file", 0), 0u) << e.what();
  }
}

TEST(VcdSignals, PatternsSelectNets) {
  EXPECT_TRUE(vcd_signal_selected("gpio.GPIO4", ""));
  EXPECT_TRUE(vcd_signal_selected("gpio.GPIO4", "gpio.*"));
  EXPECT_TRUE(vcd_signal_selected("i2c0.SDA", "gpio.*,i2c0.SDA"));
  EXPECT_FALSE(vcd_signal_selected("i2c0.SCL", "gpio.*,i2c0.SDA"));
  EXPECT_FALSE(vcd_signal_selected("led", "gpio.*"));
}

// A controller bit-banging I2C as firmware does: open-drain pins and bus pull-ups, 10 us bits.
struct I2cWaveform {
  Scheduler& s;
  Pin scl, sda;
  I2cWaveform(Scheduler& sched, Netlist& nl) : s(sched), scl("cpu.SCL", &sched), sda("cpu.SDA", &sched) {
    nl.connect(scl, "i2c.SCL");
    nl.connect(sda, "i2c.SDA");
  }
  void step() { s.advance(250); }  // a quarter bit at 100 MHz
  void line(Pin& p, bool high) { p.drive(high ? Drive::off : Drive::low); }
  void start() { line(sda, false), step(), line(scl, false), step(); }
  void stop() { line(sda, false), step(), line(scl, true), step(), line(sda, true), step(); }
  void bit(bool v) { line(sda, v), step(), line(scl, true), step(), step(), line(scl, false), step(); }
  void byte(std::uint8_t b) {
    for (int i = 7; i >= 0; --i) bit((b >> i) & 1);
    bit(true);  // release SDA for the ACK slot (nobody acknowledges: NACK)
  }
};

TEST_F(VcdTest, SigrokDecodesAnI2cWrite) {
  if (!have_sigrok()) GTEST_SKIP() << "sigrok-cli is not installed (scripts/setup.sh installs it)";
  Scheduler s;
  Netlist nl(&s);
  Pin pull_scl("r1.P", &s), pull_sda("r2.P", &s);
  nl.connect(pull_scl, "i2c.SCL");
  nl.connect(pull_sda, "i2c.SDA");
  pull_scl.drive(Drive::pull_up);
  pull_sda.drive(Drive::pull_up);
  I2cWaveform c(s, nl);
  {
    VcdRecorder vcd(path_, s, 100'000'000);
    vcd.add(*nl.find("i2c.SCL"));
    vcd.add(*nl.find("i2c.SDA"));
    vcd.start();
    s.advance(1000);
    c.start();
    c.byte(0x50 << 1);  // address 0x50, write
    c.byte(0x12);
    c.byte(0xAB);
    c.stop();
    s.advance(1000);
  }
  std::string out = sigrok("i2c:scl=i2c.SCL:sda=i2c.SDA");
  EXPECT_NE(out.find("Start"), std::string::npos) << out;
  EXPECT_NE(out.find("Address write: 50"), std::string::npos) << out;
  EXPECT_NE(out.find("Data write: 12"), std::string::npos) << out;
  EXPECT_NE(out.find("Data write: AB"), std::string::npos) << out;
  EXPECT_NE(out.find("Stop"), std::string::npos) << out;
}

TEST_F(VcdTest, SigrokDecodesAnSpiExchange) {
  if (!have_sigrok()) GTEST_SKIP() << "sigrok-cli is not installed (scripts/setup.sh installs it)";
  Scheduler s;
  Netlist nl(&s);
  Pin sck("cpu.SCK", &s), mosi("cpu.MOSI", &s), cs("cpu.CS", &s), miso("flash.MISO", &s);
  nl.connect(sck, "spi.SCK");
  nl.connect(mosi, "spi.MOSI");
  nl.connect(cs, "spi.CS");
  nl.connect(miso, "spi.MISO");
  sck.set(false);
  mosi.set(false);
  cs.set(true);
  miso.set(false);
  const std::vector<std::uint8_t> out_bytes = {0x9F, 0x00, 0x00}, in_bytes = {0xFF, 0xEF, 0x40};
  {
    VcdRecorder vcd(path_, s, 100'000'000);
    for (const char* n : {"spi.SCK", "spi.MOSI", "spi.MISO", "spi.CS"}) vcd.add(*nl.find(n));
    vcd.start();
    s.advance(1000);
    cs.set(false);
    s.advance(500);
    for (std::size_t i = 0; i < out_bytes.size(); ++i)
      for (int bit = 7; bit >= 0; --bit) {  // mode 0: data set while SCK low, sampled on the rise
        mosi.set((out_bytes[i] >> bit) & 1);
        miso.set((in_bytes[i] >> bit) & 1);
        s.advance(500);
        sck.set(true);
        s.advance(500);
        sck.set(false);
      }
    s.advance(500);
    cs.set(true);
    s.advance(1000);
  }
  const std::string spi = "spi:clk=spi.SCK:mosi=spi.MOSI:miso=spi.MISO:cs=spi.CS";
  EXPECT_EQ(sigrok(spi + " -A spi=mosi-data"), "spi-1: 9F\nspi-1: 00\nspi-1: 00\n");
  EXPECT_EQ(sigrok(spi + " -A spi=miso-data"), "spi-1: FF\nspi-1: EF\nspi-1: 40\n");
}

}  // namespace
}  // namespace boardemu
