// Signal nets (emulator/core/net.hpp), no CPU: drive resolution (push-pull, open-drain wired-AND,
// pulls, floating, contention), listeners and observers with virtual time, wiring and unwiring.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>
#include <string>
#include <vector>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

TEST(Net, AnUnwiredPinHearsItsOwnDrive) {
  Scheduler s;
  Pin p("gpio.GPIO4", &s);
  EXPECT_EQ(p.level(), Level::floating);
  EXPECT_EQ(p.net().name(), "gpio.GPIO4");
  p.set(true);
  EXPECT_EQ(p.level(), Level::high);
  p.drive(Drive::pull_down);
  EXPECT_EQ(p.level(), Level::low);
}

TEST(Net, ResolutionStrongBeatsWeakAndWiredAnd) {
  Scheduler s;
  Netlist nl(&s);
  Pin a("a.P", &s), b("b.P", &s), r("r.P", &s);
  for (Pin* p : {&a, &b, &r}) nl.connect(*p, "sda");
  Net& sda = *nl.find("sda");
  EXPECT_EQ(sda.level(), Level::floating);
  r.drive(Drive::pull_up);  // the bus pull-up resistor
  EXPECT_EQ(sda.level(), Level::high);
  a.drive(Drive::low);  // open drain pulls low
  EXPECT_EQ(sda.level(), Level::low);
  b.drive(Drive::low);  // both low: wired-AND, no contention
  EXPECT_EQ(sda.level(), Level::low);
  a.drive(Drive::off);
  EXPECT_EQ(sda.level(), Level::low);  // b still holds it
  b.drive(Drive::off);
  EXPECT_EQ(sda.level(), Level::high);
  a.drive(Drive::pull_down);  // up and down together: undetermined
  EXPECT_EQ(sda.level(), Level::floating);
  a.drive(Drive::high);
  EXPECT_EQ(sda.level(), Level::high);
}

TEST(Net, TwoPushPullOutputsFightingIsContentionAndAGuestError) {
  Scheduler s;
  Netlist nl(&s);
  Pin a("gpio.GPIO4", &s), b("gpio.GPIO5", &s);
  nl.connect(a, "loop");
  nl.connect(b, "loop");
  a.set(true);
  boardemu::testing::LogCapture log;
  b.set(false);
  std::string log_text = log.take();
  EXPECT_EQ(a.level(), Level::contention);
  EXPECT_NE(log_text.find("net loop: contention"), std::string::npos) << log_text;
  EXPECT_NE(log_text.find("gpio.GPIO4 drive high while gpio.GPIO5 drive low"), std::string::npos) << log_text;
  b.drive(Drive::off);
  EXPECT_EQ(a.level(), Level::high);
}

TEST(Net, ListenersAndObserversHearEachChangeOnceWithItsTime) {
  Scheduler s;
  std::vector<Level> heard;  // outlive the pins, whose teardown the listeners still hear
  std::vector<std::pair<Level, Cycles>> seen;
  Netlist nl(&s);
  Pin out("gpio.GPIO2", &s), led("led1.A", &s);
  nl.connect(out, "n");
  nl.connect(led, "n");
  led.on_change([&](Level l) { heard.push_back(l); });
  auto id = nl.find("n")->observe([&](const Net& n, Level l, Cycles t) {
    EXPECT_EQ(n.name(), "n");
    seen.emplace_back(l, t);
  });
  s.advance(100);
  out.set(true);
  out.set(true);  // no change, no news
  s.advance(50);
  out.set(false);
  EXPECT_EQ(heard, (std::vector<Level>{Level::high, Level::low}));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(Level::high, Cycles{100}));
  EXPECT_EQ(seen[1], std::make_pair(Level::low, Cycles{150}));
  EXPECT_EQ(nl.find("n")->last_change(), 150u);
  nl.find("n")->unobserve(id);
  out.set(true);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(heard.size(), 3u);
}

TEST(Net, AListenerThatDrivesTheSameNetSettles) {
  Scheduler s;
  std::vector<Level> seen;  // outlives the pins, whose teardown the observer still hears
  Netlist nl(&s);
  Pin master("m.SCL", &s), slave("s.SCL", &s), pull("r.P", &s);
  for (Pin* p : {&master, &slave, &pull}) nl.connect(*p, "scl");
  pull.drive(Drive::pull_up);
  // Clock stretching: the target holds SCL low as soon as the controller releases it high.
  bool stretched = false;
  slave.on_change([&](Level l) {
    if (l == Level::high && !stretched) {
      stretched = true;
      slave.drive(Drive::low);
    }
  });
  nl.find("scl")->observe([&](const Net&, Level l, Cycles) { seen.push_back(l); });
  master.drive(Drive::low);
  master.drive(Drive::off);
  EXPECT_EQ(master.level(), Level::low);
  EXPECT_EQ(seen, (std::vector<Level>{Level::low, Level::high, Level::low}));
  slave.drive(Drive::off);
  EXPECT_EQ(master.level(), Level::high);
}

TEST(Net, AnOscillatingLoopIsCutAndReported) {
  Scheduler s;
  Pin p("x.P", &s);
  p.on_change([&](Level l) { p.set(l != Level::high); });  // an inverter onto itself
  boardemu::testing::LogCapture log;
  p.set(true);
  std::string log_text = log.take();
  EXPECT_NE(log_text.find("does not settle"), std::string::npos) << log_text;
}

TEST(Net, RewiringMovesTheDriveAndUnwiringRestoresTheOwnNet) {
  Scheduler s;
  auto nl = std::make_unique<Netlist>(&s);
  Pin a("a.P", &s);
  auto b = std::make_unique<Pin>("b.P", &s);
  a.set(true);
  nl->connect(a, "one");
  nl->connect(*b, "one");
  EXPECT_TRUE(b->is_high());
  nl->connect(a, "two");  // a leaves "one"
  EXPECT_EQ(nl->find("one")->pins().size(), 1u);
  EXPECT_EQ(b->level(), Level::floating);
  EXPECT_TRUE(nl->find("two")->level() == Level::high);
  b.reset();  // a pin destroyed before its net
  EXPECT_TRUE(nl->find("one")->pins().empty());
  nl.reset();  // a net destroyed before its pin: the pin is alone again
  EXPECT_EQ(&a.net(), &a.net());
  EXPECT_EQ(a.net().name(), "a.P");
  EXPECT_EQ(a.level(), Level::high);
  a.set(false);
  EXPECT_EQ(a.level(), Level::low);
}

TEST(Net, NetlistListsNetsByName) {
  Scheduler s;
  Netlist nl(&s);
  nl.net("scl");
  nl.net("sda");
  nl.net("led");
  std::vector<std::string> names;
  for (Net* n : nl.nets()) names.push_back(n->name());
  EXPECT_EQ(names, (std::vector<std::string>{"led", "scl", "sda"}));
  EXPECT_EQ(nl.find("nope"), nullptr);
}

// ---- analog levels ---------------------------------------------------------------------------

TEST(NetAnalog, ADigitalNetsVoltageFollowsItsLevel) {
  Scheduler s;
  Netlist nl(&s);
  Pin a("a.P", &s), b("b.P", &s);
  nl.connect(a, "n");
  nl.connect(b, "n");
  Net& n = *nl.find("n");
  EXPECT_EQ(n.level(), Level::floating);
  EXPECT_DOUBLE_EQ(n.voltage(), 0.0);  // floating: undefined, 0 here
  a.set(true);
  EXPECT_DOUBLE_EQ(n.voltage(), Net::kDefaultSupply);
  EXPECT_DOUBLE_EQ(b.voltage(), Net::kDefaultSupply);
  a.set(false);
  EXPECT_DOUBLE_EQ(n.voltage(), 0.0);
  a.drive(Drive::pull_up);
  EXPECT_DOUBLE_EQ(n.voltage(), Net::kDefaultSupply);
  a.set(true);
  boardemu::testing::LogCapture log;
  b.set(false);  // contention: half the supply
  EXPECT_DOUBLE_EQ(n.voltage(), Net::kDefaultSupply / 2);
  n.set_supply(5.0);
  a.drive(Drive::off);
  b.drive(Drive::high);
  EXPECT_DOUBLE_EQ(n.voltage(), 5.0);
  EXPECT_THROW(n.set_supply(0), std::invalid_argument);
}

TEST(NetAnalog, AnAnalogDriverSetsTheVoltageAndTheLevelByThreshold) {
  Scheduler s;
  Netlist nl(&s);
  Pin wiper("pot1.SIG", &s), in("adc.TOUT", &s);
  nl.connect(wiper, "a0");
  nl.connect(in, "a0");
  wiper.drive_voltage(0.5);
  EXPECT_EQ(wiper.driving(), Drive::analog);
  EXPECT_DOUBLE_EQ(in.voltage(), 0.5);
  EXPECT_EQ(in.level(), Level::low);  // 0.5 V <= 25% of 3.3 V
  wiper.drive_voltage(1.65);
  EXPECT_EQ(in.level(), Level::floating);  // between VIL and VIH
  wiper.drive_voltage(0.75 * 3.3);
  EXPECT_EQ(in.level(), Level::high);
  wiper.drive_voltage(0.25 * 3.3 + 0.01);
  EXPECT_EQ(in.level(), Level::floating);
  EXPECT_THROW(wiper.drive_voltage(std::nan("")), std::invalid_argument);
  Pin bare("x.P", &s);
  bare.drive(Drive::analog);  // through drive(): the voltage last given, 0 V at first
  EXPECT_EQ(bare.level(), Level::low);
  bare.drive(Drive::high);
  bare.drive_voltage(3.0);
  bare.drive(Drive::off);
  bare.drive(Drive::analog);
  EXPECT_DOUBLE_EQ(bare.voltage(), 3.0);
  EXPECT_EQ(bare.level(), Level::high);
}

TEST(NetAnalog, StrongBeatsAnalogBeatsPull) {
  Scheduler s;
  Netlist nl(&s);
  Pin gpio("gpio.GPIO4", &s), wiper("pot1.SIG", &s), pull("r.P", &s), wiper2("pot2.SIG", &s);
  for (Pin* p : {&gpio, &wiper, &pull}) nl.connect(*p, "n");
  Net& n = *nl.find("n");
  pull.drive(Drive::pull_up);
  wiper.drive_voltage(0.4);
  EXPECT_DOUBLE_EQ(n.voltage(), 0.4);  // the wiper overrides the pull-up
  EXPECT_EQ(n.level(), Level::low);
  gpio.set(true);  // a push-pull output overrides the wiper
  EXPECT_EQ(n.level(), Level::high);
  EXPECT_DOUBLE_EQ(n.voltage(), 3.3);
  gpio.drive(Drive::off);
  EXPECT_DOUBLE_EQ(n.voltage(), 0.4);
  nl.connect(wiper2, "n");
  wiper2.drive_voltage(0.8);  // two sources: their mean
  EXPECT_DOUBLE_EQ(n.voltage(), 0.6);
  wiper.drive(Drive::off);
  wiper2.drive(Drive::off);
  EXPECT_EQ(n.level(), Level::high);  // back to the pull
  EXPECT_DOUBLE_EQ(n.voltage(), 3.3);
}

TEST(NetAnalog, VoltageChangesAreToldToListenersAndObserversWithTime) {
  Scheduler s;
  Netlist nl(&s);
  Pin wiper("pot1.SIG", &s), in("adc.TOUT", &s);
  nl.connect(wiper, "a0");
  nl.connect(in, "a0");
  std::vector<double> heard;
  std::vector<std::pair<double, Cycles>> seen;
  int level_changes = 0;
  in.on_voltage_change([&](double v) { heard.push_back(v); });
  in.on_change([&](Level) { ++level_changes; });
  Net& n = *nl.find("a0");
  auto id = n.observe_voltage([&](const Net& net, double v, Cycles t) {
    EXPECT_EQ(&net, &n);
    seen.emplace_back(v, t);
  });
  s.advance(100);
  wiper.drive_voltage(0.1);  // floating (0 V) -> 0.1 V: low
  s.advance(50);
  wiper.drive_voltage(0.2);  // still low: a voltage change only
  wiper.drive_voltage(0.2);  // no change, nobody told
  EXPECT_EQ(heard, (std::vector<double>{0.1, 0.2}));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::pair<double, Cycles>{0.1, 100}));
  EXPECT_EQ(seen[1], (std::pair<double, Cycles>{0.2, 150}));
  EXPECT_EQ(level_changes, 1);  // floating -> low only
  n.unobserve(id);
  wiper.drive_voltage(0.3);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(heard.size(), 3u);
}

TEST(NetAnalog, APinMovedOntoAnUnchangedNetHearsIt) {
  Scheduler s;
  Netlist nl(&s);
  Pin wiper("pot1.SIG", &s), in("sw.1", &s);
  nl.connect(wiper, "a0");
  wiper.drive_voltage(0.5);
  double heard = -1;
  Level heard_level = Level::contention;
  in.on_voltage_change([&](double v) { heard = v; });
  in.on_change([&](Level l) { heard_level = l; });
  nl.connect(in, "a0");  // the net does not change, but the pin's view of it does
  EXPECT_DOUBLE_EQ(heard, 0.5);
  EXPECT_EQ(heard_level, Level::low);
}

TEST(NetAnalog, ADigitalNetsVoltageObserversHearItsLevelChanges) {
  Scheduler s;
  Netlist nl(&s);
  Pin gpio("gpio.GPIO4", &s), in("x.P", &s);
  nl.connect(gpio, "n");
  nl.connect(in, "n");
  gpio.set(true);
  std::vector<double> seen, heard;
  nl.find("n")->observe_voltage([&](const Net&, double v, Cycles) { seen.push_back(v); });
  in.on_voltage_change([&](double v) { heard.push_back(v); });
  gpio.set(false);
  gpio.set(true);
  gpio.drive(Drive::off);  // floating: 0 V
  EXPECT_EQ(seen, (std::vector<double>{0.0, 3.3, 0.0}));
  EXPECT_EQ(heard, seen);
}

TEST(NetAnalog, SourceExceptLeavesOnePinOut) {
  Scheduler s;
  Netlist nl(&s);
  Pin a("a.P", &s), b("b.P", &s), c("c.P", &s);
  for (Pin* p : {&a, &b, &c}) nl.connect(*p, "n");
  Net& n = *nl.find("n");
  a.set(true);
  EXPECT_EQ(n.source_except(a).drive, Drive::off);
  EXPECT_EQ(n.source_except(b).drive, Drive::high);
  b.drive_voltage(0.7);
  EXPECT_EQ(n.source_except(a).drive, Drive::analog);
  EXPECT_DOUBLE_EQ(n.source_except(a).volts, 0.7);
  c.drive(Drive::pull_down);
  EXPECT_EQ(n.source_except(b).drive, Drive::high);
  a.drive(Drive::off);
  EXPECT_EQ(n.source_except(b).drive, Drive::pull_down);
}

}  // namespace
}  // namespace boardemu
