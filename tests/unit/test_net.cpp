// Signal nets (emulator/core/net.hpp), no CPU: drive resolution (push-pull, open-drain wired-AND,
// pulls, floating, contention), listeners and observers with virtual time, wiring and unwiring.
#include <gtest/gtest.h>

#include <memory>
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

}  // namespace
}  // namespace boardemu
