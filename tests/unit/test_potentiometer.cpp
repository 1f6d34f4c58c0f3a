// Potentiometer part (peripherals/parts/potentiometer.*), no CPU: the wiper's analog drive, the
// "position" control and "voltage" reading, the registry's params, real wires.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "parts/part.hpp"
#include "parts/potentiometer.hpp"

namespace boardemu {
namespace {

TEST(Potentiometer, TheWiperDrivesPositionTimesVcc) {
  Scheduler s;
  Netlist nl(&s);
  Potentiometer pot("pot1", &s, /*vcc=*/1.0, /*position=*/0.25);
  Pin tout("adc.TOUT", &s);
  nl.connect(pot.sig(), "a0");
  nl.connect(tout, "a0");
  EXPECT_EQ(pot.sig().name(), "pot1.SIG");
  EXPECT_EQ(pot.sig().driving(), Drive::analog);
  EXPECT_DOUBLE_EQ(tout.voltage(), 0.25);
  pot.set_position(1);
  EXPECT_DOUBLE_EQ(tout.voltage(), 1.0);
  pot.set_position(0);
  EXPECT_DOUBLE_EQ(tout.voltage(), 0.0);
  EXPECT_EQ(tout.level(), Level::low);
}

TEST(Potentiometer, OnA3v3SupplyTheLevelFollowsTheCmosThresholds) {
  Scheduler s;
  Potentiometer pot("pot1", &s);  // 3.3 V, position 0
  EXPECT_DOUBLE_EQ(pot.vcc(), 3.3);
  EXPECT_EQ(pot.sig().level(), Level::low);
  pot.set_position(0.5);
  EXPECT_EQ(pot.sig().level(), Level::floating);
  pot.set_position(0.9);
  EXPECT_EQ(pot.sig().level(), Level::high);
}

TEST(Potentiometer, ControlAndReadings) {
  Scheduler s;
  Potentiometer pot("pot1", &s, 1.0);
  Part& part = pot;
  EXPECT_EQ(part.controls(), (std::vector<std::string>{"position"}));
  EXPECT_EQ(part.readings(), (std::vector<std::string>{"position", "voltage"}));
  part.set_control("position", 0.6);
  EXPECT_DOUBLE_EQ(part.reading("position"), 0.6);
  EXPECT_DOUBLE_EQ(part.reading("voltage"), 0.6);
  EXPECT_THROW(part.set_control("position", 1.5), std::invalid_argument);
  EXPECT_THROW(part.set_control("position", -0.1), std::invalid_argument);
  EXPECT_THROW(part.set_control("turn", 0.5), std::invalid_argument);
  EXPECT_THROW(part.reading("current"), std::invalid_argument);
  EXPECT_DOUBLE_EQ(part.reading("position"), 0.6);  // a refused value changes nothing
}

TEST(Potentiometer, AGpioOutputOnTheWiperNetOverridesIt) {
  Scheduler s;
  Netlist nl(&s);
  Potentiometer pot("pot1", &s, 1.0, 0.5);
  Pin gpio("gpio.GPIO4", &s);
  nl.connect(pot.sig(), "n");
  nl.connect(gpio, "n");
  gpio.set(false);
  EXPECT_DOUBLE_EQ(pot.reading("voltage"), 0.0);
  gpio.drive(Drive::off);
  EXPECT_DOUBLE_EQ(pot.reading("voltage"), 0.5);
}

TEST(PartRegistry, PotentiometerParams) {
  Scheduler s;
  PartContext ctx{&s, 80'000'000};
  auto p = create_part("potentiometer", "pot1", {{"vcc", "1.0"}, {"position", "0.75"}}, ctx);
  ASSERT_EQ(p->pins().size(), 1u);
  EXPECT_DOUBLE_EQ(p->pins()[0]->voltage(), 0.75);
  auto d = create_part("potentiometer", "pot2", {}, ctx);
  EXPECT_DOUBLE_EQ(d->reading("position"), 0.0);
  EXPECT_DOUBLE_EQ(dynamic_cast<Potentiometer&>(*d).vcc(), 3.3);
  for (const PartParams& bad : std::vector<PartParams>{{{"position", "2"}},
                                                       {{"position", "nan"}},
                                                       {{"position", "half"}},
                                                       {{"vcc", "0"}},
                                                       {{"vcc", "-1"}},
                                                       {{"vcc", "inf"}},
                                                       {{"ohms", "10000"}}}) {
    try {
      create_part("potentiometer", "pot3", bad, ctx);
      ADD_FAILURE() << bad.begin()->first << "=" << bad.begin()->second << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("potentiometer: "), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace boardemu
