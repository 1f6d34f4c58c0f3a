// Unit tests of the event scheduler: one integer time base (CPU cycles), events keyed by
// absolute time, ties broken by insertion order, lateness handed to callbacks so periodic
// events re-arm without drift.
//
// The scheduler is the emulator's own infrastructure rather than a model of a documented
// device, so the reference here is its contract in emulator/core/scheduler.hpp. The randomized
// test at the end replays a fixed-seed operation stream against a reference model (a vector kept
// sorted by (time, insertion order)) and compares every observable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <tuple>
#include <vector>

#include "core/scheduler.hpp"

namespace boardemu {
namespace {

struct Fired {
  int tag;
  Cycles now;
  Cycles lateness;
  bool operator==(const Fired& o) const {
    return std::tie(tag, now, lateness) == std::tie(o.tag, o.now, o.lateness);
  }
};

void PrintTo(const Fired& f, std::ostream* os) {
  *os << "{tag " << f.tag << " now " << f.now << " late " << f.lateness << "}";
}

class SchedulerTest : public ::testing::Test {
 protected:
  // Schedules an event that records (tag, now, lateness) when it fires.
  Scheduler::EventId at(Cycles when, int tag) {
    return sched_.schedule_at(when, [this, tag](Cycles late) {
      log_.push_back({tag, sched_.now(), late});
    });
  }
  void run_at(Cycles t) {
    sched_.advance_to(t);
    sched_.run_due();
  }

  Scheduler sched_;
  std::vector<Fired> log_;
};

TEST_F(SchedulerTest, StartsEmptyAtTimeZero) {
  EXPECT_EQ(sched_.now(), 0u);
  EXPECT_EQ(sched_.earliest(), kNever);
  EXPECT_EQ(sched_.next_deadline(), kNever);
  EXPECT_EQ(sched_.pending_count(), 0u);
  sched_.run_due();  // nothing to do, must not crash
  EXPECT_TRUE(log_.empty());
}

TEST_F(SchedulerTest, AdvanceMovesTimeForwardOnly) {
  sched_.advance(10);
  EXPECT_EQ(sched_.now(), 10u);
  sched_.advance_to(25);
  EXPECT_EQ(sched_.now(), 25u);
  sched_.advance_to(5);  // never backwards
  EXPECT_EQ(sched_.now(), 25u);
  sched_.schedule_in(7, [](Cycles) {});
  EXPECT_EQ(sched_.next_deadline(), 32u);  // schedule_in is relative to now()
}

TEST_F(SchedulerTest, FiresInTimeOrderWithLateness) {
  at(30, 3);
  at(10, 1);
  at(20, 2);
  run_at(9);
  EXPECT_TRUE(log_.empty()) << "nothing is due before t=10";
  run_at(100);
  EXPECT_EQ(log_, (std::vector<Fired>{{1, 100, 90}, {2, 100, 80}, {3, 100, 70}}));
  EXPECT_EQ(sched_.pending_count(), 0u);
}

TEST_F(SchedulerTest, DueExactlyAtNowFiresWithZeroLateness) {
  at(50, 1);
  run_at(49);
  EXPECT_TRUE(log_.empty());
  run_at(50);
  EXPECT_EQ(log_, (std::vector<Fired>{{1, 50, 0}}));
}

TEST_F(SchedulerTest, TiesFireInInsertionOrder) {
  // Interleave two times so that heap order alone would not preserve insertion order.
  at(40, 0);
  at(20, 1);
  at(40, 2);
  at(20, 3);
  at(40, 4);
  at(20, 5);
  at(20, 6);
  run_at(40);
  std::vector<int> tags;
  for (auto& f : log_) tags.push_back(f.tag);
  EXPECT_EQ(tags, (std::vector<int>{1, 3, 5, 6, 0, 2, 4}));
}

TEST_F(SchedulerTest, EventsScheduledFromCallbacksForNowOrEarlierFireInSameRun) {
  at(100, 1);  // scheduled before the callback's children: fires before a child due at 100
  sched_.schedule_at(100, [this](Cycles late) {
    log_.push_back({10, sched_.now(), late});
    at(sched_.now(), 11);       // now
    at(sched_.now() - 60, 12);  // earlier than now: lateness 60, fires before 11 (time order)
    at(sched_.now() + 1, 13);   // future: must wait
  });
  at(100, 2);
  run_at(100);
  EXPECT_EQ(log_, (std::vector<Fired>{
                      {1, 100, 0}, {10, 100, 0}, {12, 100, 60}, {2, 100, 0}, {11, 100, 0}}));
  EXPECT_EQ(sched_.next_deadline(), 101u);
  log_.clear();
  run_at(101);
  EXPECT_EQ(log_, (std::vector<Fired>{{13, 101, 0}}));
}

TEST_F(SchedulerTest, ScheduleInThePastFiresOnNextRun) {
  run_at(1000);
  at(10, 1);
  EXPECT_EQ(sched_.earliest(), 10u);
  EXPECT_EQ(sched_.next_deadline(), 10u);
  sched_.run_due();
  EXPECT_EQ(log_, (std::vector<Fired>{{1, 1000, 990}}));
}

TEST_F(SchedulerTest, CancelPreventsFiring) {
  auto a = at(10, 1);
  auto b = at(20, 2);
  auto c = at(30, 3);
  EXPECT_TRUE(sched_.pending(b));
  EXPECT_EQ(sched_.pending_count(), 3u);
  sched_.cancel(b);
  EXPECT_FALSE(sched_.pending(b));
  EXPECT_TRUE(sched_.pending(a));
  EXPECT_TRUE(sched_.pending(c));
  EXPECT_EQ(sched_.pending_count(), 2u);
  run_at(100);
  EXPECT_EQ(log_, (std::vector<Fired>{{1, 100, 90}, {3, 100, 70}}));
}

TEST_F(SchedulerTest, CancellingFiredOrStaleIdsNeverCancelsAnotherEvent) {
  auto first = at(10, 1);
  run_at(10);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_FALSE(sched_.pending(first));
  // New events after the first fired: none of them may be hit by cancelling `first`.
  auto second = at(20, 2);
  auto third = at(20, 3);
  sched_.cancel(first);   // already fired
  sched_.cancel(first);   // twice
  sched_.cancel(0);       // never a valid id
  sched_.cancel(third);   // cancelled ...
  sched_.cancel(third);   // ... and again (stale)
  EXPECT_TRUE(sched_.pending(second));
  EXPECT_EQ(sched_.pending_count(), 1u);
  auto fourth = at(20, 4);
  sched_.cancel(third);  // stale id after a new event was created: must not hit `fourth`
  EXPECT_TRUE(sched_.pending(fourth));
  EXPECT_NE(fourth, third);
  EXPECT_NE(fourth, first);
  run_at(20);
  EXPECT_EQ(log_, (std::vector<Fired>{{1, 10, 0}, {2, 20, 0}, {4, 20, 0}}));
}

TEST_F(SchedulerTest, CallbackMayCancelAnotherDueEventOrItself) {
  Scheduler::EventId victim = 0, self = 0;
  self = sched_.schedule_at(10, [&](Cycles late) {
    log_.push_back({1, sched_.now(), late});
    sched_.cancel(victim);  // due in the same run_due: must not fire
    sched_.cancel(self);    // already fired: harmless
  });
  victim = at(10, 2);
  at(10, 3);
  run_at(10);
  EXPECT_EQ(log_, (std::vector<Fired>{{1, 10, 0}, {3, 10, 0}}));
  EXPECT_EQ(sched_.pending_count(), 0u);
}

TEST_F(SchedulerTest, PeriodicEventReArmsWithoutDrift) {
  // A periodic event re-arms at (due time + period) = (now - lateness + period). With the CPU
  // overshooting each deadline by a varying amount, the due times must stay on the grid.
  constexpr Cycles kPeriod = 7;
  std::vector<Cycles> due_times;
  std::function<void(Cycles)> tick = [&](Cycles late) {
    Cycles due = sched_.now() - late;
    due_times.push_back(due);
    sched_.schedule_at(due + kPeriod, tick);
  };
  sched_.schedule_at(kPeriod, tick);
  const Cycles steps[] = {1, 3, 8, 13, 2, 21, 5};  // irregular slices, some skip periods
  std::size_t i = 0;
  while (sched_.now() < 7000) {
    sched_.advance(steps[i++ % std::size(steps)]);
    sched_.run_due();
  }
  // Every period up to now fired exactly once, on the grid.
  Cycles expected_count = sched_.now() / kPeriod;
  ASSERT_EQ(due_times.size(), expected_count);
  for (std::size_t k = 0; k < due_times.size(); ++k) ASSERT_EQ(due_times[k], (k + 1) * kPeriod);
  EXPECT_EQ(sched_.next_deadline(), (expected_count + 1) * kPeriod);
}

TEST_F(SchedulerTest, EarliestIsLowerBoundAndNextDeadlineIsExact) {
  EXPECT_EQ(sched_.earliest(), kNever);
  auto e30 = at(30, 1);
  at(50, 2);
  EXPECT_EQ(sched_.earliest(), 30u);
  EXPECT_EQ(sched_.next_deadline(), 30u);
  auto e10 = at(10, 3);
  EXPECT_EQ(sched_.earliest(), 10u) << "scheduling earlier must lower the bound immediately";
  sched_.cancel(e10);
  EXPECT_LE(sched_.earliest(), 30u) << "earliest() may stay early after a cancel";
  EXPECT_EQ(sched_.next_deadline(), 30u) << "next_deadline() skips cancelled events";
  EXPECT_EQ(sched_.earliest(), 30u) << "next_deadline() refreshes the bound";
  sched_.cancel(e30);
  EXPECT_EQ(sched_.next_deadline(), 50u);
  run_at(50);
  EXPECT_EQ(sched_.earliest(), kNever) << "run_due() leaves the bound exact";
  EXPECT_EQ(sched_.next_deadline(), kNever);
  at(70, 4);
  at(60, 5);
  run_at(60);
  EXPECT_EQ(sched_.earliest(), 70u);
}

// ---- randomized comparison against a reference model ------------------------------------------

// Reference: all pending events in a vector sorted by (time, insertion sequence).
class ReferenceScheduler {
 public:
  struct Event {
    Cycles when;
    std::uint64_t seq;
    int tag;
  };
  void schedule(Cycles when, int tag) {
    Event e{when, seq_++, tag};
    auto pos = std::upper_bound(events_.begin(), events_.end(), e, [](const Event& a, const Event& b) {
      return a.when != b.when ? a.when < b.when : a.seq < b.seq;
    });
    events_.insert(pos, e);
  }
  void cancel(int tag) {
    events_.erase(std::remove_if(events_.begin(), events_.end(),
                                 [tag](const Event& e) { return e.tag == tag; }),
                  events_.end());
  }
  bool pending(int tag) const {
    return std::any_of(events_.begin(), events_.end(), [tag](const Event& e) { return e.tag == tag; });
  }
  Cycles next_deadline() const { return events_.empty() ? kNever : events_.front().when; }
  std::size_t size() const { return events_.size(); }
  // Removes and returns the first event due at or before `now`, if any.
  bool pop_due(Cycles now, Event* out) {
    if (events_.empty() || events_.front().when > now) return false;
    *out = events_.front();
    events_.erase(events_.begin());
    return true;
  }

 private:
  std::vector<Event> events_;
  std::uint64_t seq_ = 0;
};

// Events with these tags schedule a child when they fire; the child's time and tag depend only
// on the parent's tag and the current time, so the real run and the reference agree.
constexpr int kChildTagOffset = 1'000'000;
bool spawns_child(int tag) { return tag % 5 == 0 && tag < 3 * kChildTagOffset; }
Cycles child_time(int tag, Cycles now) {
  switch (tag % 3) {
    case 0: return now;                                 // same time: same run_due
    case 1: return now >= 4 ? now - (tag % 4 + 1) : 0;  // in the past: same run_due
    default: return now + static_cast<Cycles>(tag % 11) + 1;  // future
  }
}

TEST(SchedulerRandomizedTest, MatchesReferenceModel) {
  std::mt19937_64 rng(0x5EED'B0A2'D0E5ull);  // fixed seed: the run is reproducible
  auto draw = [&](std::uint64_t n) { return rng() % n; };  // portable (no distribution objects)

  Scheduler sched;
  ReferenceScheduler ref;
  std::map<int, Scheduler::EventId> ids;  // every tag ever created -> its event id
  std::vector<int> all_tags;
  std::vector<Fired> real_log, ref_log;
  int next_tag = 0;

  std::function<void(Cycles, int)> schedule_real = [&](Cycles when, int tag) {
    ids[tag] = sched.schedule_at(when, [&, tag](Cycles late) {
      real_log.push_back({tag, sched.now(), late});
      if (spawns_child(tag)) schedule_real(child_time(tag, sched.now()), tag + kChildTagOffset);
    });
    all_tags.push_back(tag);
  };
  auto run_reference = [&](Cycles now) {
    ReferenceScheduler::Event e;
    while (ref.pop_due(now, &e)) {
      ref_log.push_back({e.tag, now, now - e.when});
      if (spawns_child(e.tag)) ref.schedule(child_time(e.tag, now), e.tag + kChildTagOffset);
    }
  };

  for (int step = 0; step < 20000; ++step) {
    std::uint64_t op = draw(100);
    if (op < 45) {
      // Schedule: mostly near future, sometimes now, sometimes in the past, sometimes far.
      Cycles now = sched.now(), when;
      std::uint64_t kind = draw(10);
      if (kind == 0) when = now;
      else if (kind == 1) when = now - std::min<Cycles>(now, draw(50));
      else if (kind == 2) when = now + draw(100000);
      else when = now + draw(64);
      int tag = next_tag++;
      schedule_real(when, tag);
      ref.schedule(when, tag);
    } else if (op < 60 && !all_tags.empty()) {
      // Cancel any tag ever created: pending, fired, or already cancelled.
      int tag = all_tags[draw(all_tags.size())];
      sched.cancel(ids.at(tag));
      ref.cancel(tag);
    } else if (op < 95) {
      Cycles t = sched.now() + draw(40);
      sched.advance_to(t);
      sched.run_due();
      run_reference(t);
    } else {
      sched.run_due();  // without advancing: only events scheduled in the past fire
      run_reference(sched.now());
    }

    ASSERT_EQ(real_log.size(), ref_log.size()) << "step " << step;
    ASSERT_EQ(sched.pending_count(), ref.size()) << "step " << step;
    Cycles lower_bound = sched.earliest();
    Cycles exact = sched.next_deadline();
    ASSERT_EQ(exact, ref.next_deadline()) << "step " << step;
    ASSERT_LE(lower_bound, exact) << "step " << step;
    if (!all_tags.empty()) {
      int probe = all_tags[draw(all_tags.size())];
      ASSERT_EQ(sched.pending(ids.at(probe)), ref.pending(probe)) << "step " << step;
    }
  }
  EXPECT_EQ(real_log, ref_log);
  // The stream must have exercised what it claims to: many firings, children and cancels.
  EXPECT_GT(real_log.size(), 5000u);
  EXPECT_GT(std::count_if(real_log.begin(), real_log.end(),
                          [](const Fired& f) { return f.tag >= kChildTagOffset; }),
            500);
  EXPECT_GT(std::count_if(real_log.begin(), real_log.end(),
                          [](const Fired& f) { return f.lateness > 0; }),
            500);
}

}  // namespace
}  // namespace boardemu
