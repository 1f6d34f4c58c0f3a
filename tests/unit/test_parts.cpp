// Simple parts (peripherals/parts/led.*, button.*), the part registry and the circuit-file
// reader (emulator/machine/circuit.*), no CPU.
#include <gtest/gtest.h>

#include <string>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "machine/circuit.hpp"
#include "parts/bme280.hpp"
#include "parts/button.hpp"
#include "parts/led.hpp"
#include "parts/part.hpp"
#include "parts/ssd1306.hpp"

namespace boardemu {
namespace {

TEST(Led, LitAtItsActiveLevelAndBrightnessIsTheDutyCycle) {
  Scheduler s;
  Netlist nl(&s);
  Pin gpio("gpio.GPIO2", &s);
  Led led("led1", &s);
  nl.connect(gpio, "led");
  nl.connect(led.a(), "led");
  EXPECT_FALSE(led.lit());
  // 1 kHz PWM at 80 MHz with a 30% duty cycle, 50 periods.
  for (int i = 0; i < 50; ++i) {
    gpio.set(true);
    s.advance(24'000);
    gpio.set(false);
    s.advance(56'000);
  }
  EXPECT_NEAR(led.brightness(), 0.30, 0.01);
  EXPECT_EQ(led.lit_cycles(), 50u * 24'000u);
  led.restart_measure();
  gpio.set(true);
  s.advance(100);
  EXPECT_TRUE(led.lit());
  EXPECT_DOUBLE_EQ(led.brightness(), 1.0);

  Led low("led2", &s, /*active_high=*/false);
  nl.connect(low.a(), "led");
  EXPECT_FALSE(low.lit());
  gpio.set(false);
  EXPECT_TRUE(low.lit());
}

TEST(Led, BrightnessFollowsTheDutyOverItsWindow) {
  Scheduler s;
  Netlist nl(&s);
  Pin gpio("gpio.GPIO2", &s);
  Led led("led1", &s, true, /*window=*/1'600'000);  // 20 ms at 80 MHz
  nl.connect(gpio, "led");
  nl.connect(led.a(), "led");
  auto pwm = [&](Cycles high, Cycles low, int periods) {
    for (int i = 0; i < periods; ++i) {
      gpio.set(true);
      s.advance(high);
      gpio.set(false);
      s.advance(low);
    }
  };
  pwm(8'000, 72'000, 100);  // 10% at 1 kHz for 100 ms
  EXPECT_NEAR(led.brightness(), 0.10, 0.001);
  pwm(72'000, 8'000, 10);  // 90% for 10 ms: half the window
  EXPECT_NEAR(led.brightness(), 0.50, 0.001);
  pwm(72'000, 8'000, 30);  // the window now holds only the new duty
  EXPECT_NEAR(led.brightness(), 0.90, 0.001);
  gpio.set(true);  // then steadily on: the window fills up
  s.advance(800'000);
  EXPECT_NEAR(led.brightness(), 0.95, 0.001);
  s.advance(800'000);
  EXPECT_DOUBLE_EQ(led.brightness(), 1.0);
  gpio.set(false);
  s.advance(3'200'000);
  EXPECT_DOUBLE_EQ(led.brightness(), 0.0);
}

TEST(Button, PressedPullsToItsRailReleasedLetsGo) {
  Scheduler s;
  Netlist nl(&s);
  Pin pull("r.P", &s), in("gpio.GPIO0", &s);
  Button b("btn1", &s);
  for (Pin* p : {&pull, &in, &b.p()}) nl.connect(*p, "button");
  pull.drive(Drive::pull_up);
  EXPECT_TRUE(in.is_high());
  b.press();
  EXPECT_EQ(in.level(), Level::low);
  b.release();
  EXPECT_TRUE(in.is_high());
  Button up("btn2", &s, /*to_ground=*/false);
  up.press();
  EXPECT_EQ(up.p().level(), Level::high);
}

TEST(PartRegistry, TypesAndParametersAreChecked) {
  Scheduler s;
  PartContext ctx{&s, 80'000'000};
  auto e = create_part("24lc32", "eeprom1", {{"address", "0x53"}}, ctx);
  EXPECT_EQ(e->i2c_address(), 0x53);
  ASSERT_EQ(e->pins().size(), 3u);
  EXPECT_EQ(e->pins()[0]->name(), "eeprom1.SCL");
  EXPECT_EQ(create_part("w25q32", "flash1", {}, ctx)->pins()[3]->name(), "flash1.CS");
  auto what = [&](const std::string& type, PartParams p) {
    try {
      create_part(type, "x", p, ctx);
    } catch (const std::invalid_argument& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(what("tardis", {}), "unknown part type 'tardis' (known: 24lc32, bme280, button, led, potentiometer, slide-switch, ssd1306, w25q32)");
  EXPECT_EQ(what("led", {{"colour", "red"}}), "led: unknown param 'colour' (known: active)");
  EXPECT_EQ(what("led", {{"active", "sometimes"}}), "led: params.active: expected high or low, got 'sometimes'");
  EXPECT_EQ(what("24lc32", {{"address", "fifty"}}), "24lc32: params.address: expected an integer (decimal or 0x hex), got 'fifty'");
}

TEST(PartRegistry, Ssd1306IsAnI2cPartAtSa0sAddress) {
  Scheduler s;
  PartContext ctx{&s, 80'000'000};
  auto oled = create_part("ssd1306", "oled1", {}, ctx);
  EXPECT_EQ(oled->i2c_address(), 0x3C);
  ASSERT_EQ(oled->pins().size(), 2u);
  EXPECT_EQ(oled->pins()[0]->name(), "oled1.SCL");
  EXPECT_EQ(oled->pins()[1]->name(), "oled1.SDA");
  EXPECT_EQ(oled->i2c_sda(), oled->pins()[1]);
  // The host reaches the display through the part's own class.
  auto* module = dynamic_cast<Ssd1306Part*>(oled.get());
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->display().name(), "oled1");
  EXPECT_FALSE(module->display().display_on());

  auto high = create_part("ssd1306", "oled2", {{"address", "0x3D"}, {"vcc", "external"}}, ctx);
  EXPECT_EQ(high->i2c_address(), 0x3D);
  auto& d = dynamic_cast<Ssd1306Part&>(*high).display();
  I2cBus bus("test", nullptr);
  d.attach_to(bus);
  bus.start(0x3D, I2cDirection::write);
  for (std::uint8_t byte : {0x00, 0xAF}) bus.write(byte);  // display on, no charge pump
  bus.stop();
  EXPECT_TRUE(d.panel_lit());

  auto what = [&](PartParams p) {
    try {
      create_part("ssd1306", "x", p, ctx);
    } catch (const std::invalid_argument& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(what({{"address", "0x3E"}}), "ssd1306: params.address: the SA0 pin selects 0x3C or 0x3D, not 0x3E");
  EXPECT_EQ(what({{"vcc", "5V"}}), "ssd1306: params.vcc: expected charge_pump or external, got '5V'");
  EXPECT_EQ(what({{"width", "64"}}), "ssd1306: unknown param 'width' (known: address, vcc)");
}

TEST(PartRegistry, Bme280TakesItsAddressAndInitialEnvironment) {
  Scheduler s;
  PartContext ctx{&s, 80'000'000};
  auto p = create_part("bme280", "env1", {}, ctx);
  EXPECT_EQ(p->i2c_address(), 0x76);
  ASSERT_EQ(p->pins().size(), 2u);
  EXPECT_EQ(p->i2c_scl()->name(), "env1.SCL");
  EXPECT_EQ(p->i2c_sda()->name(), "env1.SDA");
  auto* env = dynamic_cast<Bme280Part*>(p.get());
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->sensor().temperature(), 25.0);
  EXPECT_EQ(env->sensor().pressure(), 101325.0);
  EXPECT_EQ(env->sensor().humidity(), 50.0);

  auto q = create_part("bme280", "env2",
                       {{"address", "0x77"}, {"temperature", "-5.5"}, {"pressure", "95000"}, {"humidity", "12.5"}}, ctx);
  EXPECT_EQ(q->i2c_address(), 0x77);
  Bme280& sensor = dynamic_cast<Bme280Part&>(*q).sensor();
  EXPECT_EQ(sensor.temperature(), -5.5);
  EXPECT_EQ(sensor.pressure(), 95000.0);
  EXPECT_EQ(sensor.humidity(), 12.5);
  sensor.set_temperature(30.0);  // the host API reaches the part's sensor
  EXPECT_EQ(sensor.temperature(), 30.0);

  auto what = [&](PartParams params) {
    try {
      create_part("bme280", "x", params, ctx);
    } catch (const std::invalid_argument& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(what({{"address", "0x78"}}), "bme280: params.address: the SDO pin selects 0x76 (low) or 0x77 (high), not 120");
  EXPECT_EQ(what({{"temperature", "hot"}}), "bme280: params.temperature: expected a number, got 'hot'");
  EXPECT_EQ(what({{"temperature", "20C"}}), "bme280: params.temperature: expected a number, got '20C'");
  EXPECT_EQ(what({{"pressure", "120000"}}),
            "bme280: params.pressure: 120000 Pa is outside the BME280's operating pressure range, 30000..110000 Pa "
            "(300..1100 hPa)");
  EXPECT_EQ(what({{"humidity", "101"}}),
            "bme280: params.humidity: 101 %RH is outside the BME280's operating humidity range, 0..100 %RH");
  EXPECT_EQ(what({{"sdo", "high"}}), "bme280: unknown param 'sdo' (known: address, temperature, pressure, humidity)");
}

TEST(CircuitFile, ReadsPartsAndNetsWithLines) {
  CircuitDesc c = parse_circuit_text(
      "parts:\n"
      "  - {id: e1, type: 24lc32, params: {address: 0x51}}\n"
      "nets:\n"
      "  - name: scl\n"
      "    pull: up\n"
      "    pins: [gpio.GPIO5, e1.SCL]\n",
      "c.yaml");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].params.at("address"), "0x51");
  EXPECT_EQ(c.parts[0].line, 2);
  ASSERT_EQ(c.nets.size(), 1u);
  EXPECT_EQ(c.nets[0].pull, "up");
  EXPECT_EQ(c.nets[0].pins, (std::vector<std::string>{"gpio.GPIO5", "e1.SCL"}));
  EXPECT_EQ(c.nets[0].line, 4);
  EXPECT_TRUE(parse_circuit_text("", "empty.yaml").parts.empty());
}

TEST(CircuitFile, ProblemsAreOneLineWithFileAndLine) {
  auto what = [](const std::string& text) {
    try {
      parse_circuit_text(text, "c.yaml");
    } catch (const CircuitError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(what("parts:\n  - {type: led}\n"), "c.yaml:2: parts[0].id: required but missing");
  EXPECT_EQ(what("parts:\n  - {id: a, type: led}\n  - {id: a, type: led}\n"),
            "c.yaml:3: parts[1].id: duplicate part id 'a' (first at line 2)");
  EXPECT_EQ(what("parts:\n  - {id: 'a b', type: led}\n").rfind("c.yaml:2: parts[0].id: \"a b\" is not a valid name", 0), 0u);
  EXPECT_EQ(what("nets:\n  - {name: n, pins: []}\n"), "c.yaml:2: nets[0].pins: expected a list of pins");
  EXPECT_EQ(what("nets:\n  - {name: n, pins: [GPIO4]}\n"),
            "c.yaml:2: nets[0].pins[0]: \"GPIO4\" is not a pin name (expected PART.PIN, e.g. gpio.GPIO4)");
  EXPECT_EQ(what("nets: 5\n"), "c.yaml:1: nets: expected a list");
  EXPECT_EQ(what("- 1\n"), "c.yaml:1: (top level): expected a mapping");
}

}  // namespace
}  // namespace boardemu
