// Slide switch part (peripherals/parts/slide_switch.*), no CPU: the common pin joined to pin 1
// or 3 both ways, pins tied to a rail, analog levels through the contact, the registry's params.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "parts/part.hpp"
#include "parts/potentiometer.hpp"
#include "parts/slide_switch.hpp"

namespace boardemu {
namespace {

using Tie = SlideSwitch::Tie;

TEST(SlideSwitch, CommonToRailsReadByAGpioInput) {
  // The usual input: common on a GPIO, pin 1 to ground, pin 3 to the supply.
  Scheduler s;
  Netlist nl(&s);
  SlideSwitch sw("sw1", &s, {Tie::gnd, Tie::open, Tie::vcc});
  Pin gpio("gpio.GPIO14", &s);
  nl.connect(gpio, "sw");
  nl.connect(sw.pin(2), "sw");
  EXPECT_EQ(sw.pin(2).name(), "sw1.2");
  EXPECT_EQ(gpio.level(), Level::low);
  sw.set_position(1);
  EXPECT_EQ(gpio.level(), Level::high);
  sw.set_control("position", 0);
  EXPECT_EQ(gpio.level(), Level::low);
  EXPECT_DOUBLE_EQ(sw.reading("position"), 0);
}

TEST(SlideSwitch, TheContactCarriesLevelsBothWays) {
  Scheduler s;
  Netlist nl(&s);
  SlideSwitch sw("sw1", &s);  // all pins open, position 0: 2-1
  Pin out("gpio.GPIO4", &s), in("gpio.GPIO5", &s), other("gpio.GPIO12", &s), pull("r.P", &s);
  nl.connect(out, "left");
  nl.connect(sw.pin(1), "left");
  nl.connect(sw.pin(2), "common");
  nl.connect(in, "common");
  nl.connect(sw.pin(3), "right");
  nl.connect(other, "right");
  out.set(true);
  EXPECT_EQ(in.level(), Level::high);
  out.set(false);
  EXPECT_EQ(in.level(), Level::low);
  EXPECT_EQ(other.level(), Level::floating);  // pin 3 is open
  // The other way: the output now on the common side, heard on pin 1's net.
  out.drive(Drive::off);
  in.set(true);
  EXPECT_EQ(out.level(), Level::high);
  in.drive(Drive::off);
  EXPECT_EQ(out.level(), Level::floating);  // nothing drives either side: no latch-up
  // A pull passes as a pull: an output on the far side still wins.
  nl.connect(pull, "left");
  pull.drive(Drive::pull_up);
  EXPECT_EQ(in.level(), Level::high);
  in.set(false);
  EXPECT_EQ(in.level(), Level::low);
  EXPECT_EQ(out.level(), Level::low);
  in.drive(Drive::off);
  // Thrown to 3: pin 1's net is cut off, pin 3's joined.
  sw.set_position(1);
  other.set(false);
  EXPECT_EQ(in.level(), Level::low);
  EXPECT_EQ(out.level(), Level::high);  // only its pull-up now
  other.set(true);
  EXPECT_EQ(in.level(), Level::high);
}

TEST(SlideSwitch, AnAnalogLevelPassesThroughTheContact) {
  Scheduler s;
  Netlist nl(&s);
  Potentiometer a("potA", &s, 1.0, 0.2), b("potB", &s, 1.0, 0.9);
  SlideSwitch sw("sw1", &s);
  Pin tout("adc.TOUT", &s);
  nl.connect(a.sig(), "a");
  nl.connect(sw.pin(1), "a");
  nl.connect(b.sig(), "b");
  nl.connect(sw.pin(3), "b");
  nl.connect(sw.pin(2), "tout");
  nl.connect(tout, "tout");
  EXPECT_DOUBLE_EQ(tout.voltage(), 0.2);
  a.set_position(0.4);
  EXPECT_DOUBLE_EQ(tout.voltage(), 0.4);
  sw.set_position(1);
  EXPECT_DOUBLE_EQ(tout.voltage(), 0.9);
  EXPECT_DOUBLE_EQ(a.sig().voltage(), 0.4);  // the open throw leaves pot A's net alone
}

TEST(SlideSwitch, WiringAfterTheFactIsHeard) {
  // Circuits wire parts after building them: the contact must learn what its new nets carry
  // even when wiring does not change those nets' levels.
  Scheduler s;
  Netlist nl(&s);
  Potentiometer pot("pot1", &s, 1.0, 0.3);
  SlideSwitch sw("sw1", &s);
  Pin tout("adc.TOUT", &s);
  nl.connect(pot.sig(), "a");
  nl.connect(sw.pin(2), "tout");
  nl.connect(tout, "tout");
  nl.connect(sw.pin(1), "a");
  EXPECT_DOUBLE_EQ(tout.voltage(), 0.3);
}

TEST(SlideSwitch, ControlAndRegistry) {
  Scheduler s;
  PartContext ctx{&s, 80'000'000};
  auto p = create_part("slide-switch", "sw1", {{"pin1", "gnd"}, {"pin3", "vcc"}, {"position", "1"}}, ctx);
  ASSERT_EQ(p->pins().size(), 3u);
  EXPECT_EQ(p->pins()[1]->name(), "sw1.2");
  EXPECT_EQ(p->pins()[1]->level(), Level::high);
  EXPECT_EQ(p->controls(), (std::vector<std::string>{"position"}));
  p->set_control("position", 0);
  EXPECT_EQ(p->pins()[1]->level(), Level::low);
  EXPECT_THROW(p->set_control("position", 0.5), std::invalid_argument);
  EXPECT_THROW(p->set_control("on", 1), std::invalid_argument);
  for (const PartParams& bad : std::vector<PartParams>{
           {{"position", "2"}}, {{"pin1", "3v3"}}, {{"pin4", "gnd"}}, {{"value", "1"}}}) {
    try {
      create_part("slide-switch", "sw2", bad, ctx);
      ADD_FAILURE() << bad.begin()->first << "=" << bad.begin()->second << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("slide-switch: "), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace boardemu
