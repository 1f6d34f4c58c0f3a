// core/event.hpp: devices' named events, listed by the scheduler (what a snapshot saves).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/event.hpp"
#include "core/scheduler.hpp"
#include "machine/circuit.hpp"
#include "machine/machine.hpp"

namespace boardemu {
namespace {

TEST(Event, ArmsFiresRearmsAndCancels) {
  Scheduler s;
  std::vector<Cycles> fired;
  Event e(s, "dev.tick", [&](Cycles lateness) { fired.push_back(s.now() - lateness); });
  EXPECT_FALSE(e.armed());
  EXPECT_EQ(e.when(), kNever);
  e.arm_at(100);
  e.arm_at(50);  // replaces the first arming
  EXPECT_TRUE(e.armed());
  EXPECT_EQ(e.when(), 50u);
  s.advance(120);
  s.run_due();
  EXPECT_EQ(fired, std::vector<Cycles>{50});
  EXPECT_FALSE(e.armed());  // fired: disarmed
  e.arm_in(10);
  e.cancel();
  s.advance(100);
  s.run_due();
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_EQ(s.pending_count(), 0u);
}

TEST(Event, ACallbackMayRearmItsOwnEvent) {
  Scheduler s;
  int n = 0;
  Event* self = nullptr;
  Event e(s, "dev.periodic", [&](Cycles lateness) {
    if (++n < 3) self->arm_at(s.now() - lateness + 10);  // on its grid
  });
  self = &e;
  e.arm_at(10);
  s.advance(100);
  s.run_due();  // 10, 20, 30: events re-armed for a time already passed fire in the same call
  EXPECT_EQ(n, 3);
  EXPECT_FALSE(e.armed());
}

TEST(Event, TheSchedulerListsLiveEventsByNameAndRefusesDuplicates) {
  Scheduler s;
  {
    Event a(s, "uart0.tx_done", [](Cycles) {});
    Event b(s, "uart0.rx_timeout", [](Cycles) {});
    ASSERT_EQ(s.events().size(), 2u);
    EXPECT_EQ(s.events()[0], &a);
    EXPECT_EQ(s.event("uart0.rx_timeout"), &b);
    EXPECT_EQ(s.event("nothing"), nullptr);
    EXPECT_THROW(Event(s, "uart0.tx_done", [](Cycles) {}), std::invalid_argument);
    b.arm_at(7);
  }
  EXPECT_TRUE(s.events().empty());  // gone with their owners, and disarmed
  EXPECT_EQ(s.pending_count(), 0u);
}

TEST(Event, EveryDeviceAndPartOfABoardOwnsNamedEvents) {
  Machine m(load_board_by_name("esp8266", std::string(BOARDEMU_SOURCE_DIR) + "/boards"));
  m.add_circuit(parse_circuit_text("parts:\n  - {id: env, type: bme280}\n  - {id: eeprom1, type: 24lc32}\n", "c.yaml"));
  std::vector<std::string> names;
  for (const Event* e : m.scheduler().events()) names.push_back(e->name());
  for (const char* want : {"uart0.tx_done", "uart0.rx_timeout", "uart0.rx_deliver", "uart0.host_poll", "frc1.expiry",
                           "frc2.expiry", "cpu.ccompare0", "env.conversion", "eeprom1.write_cycle"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

}  // namespace
}  // namespace boardemu
