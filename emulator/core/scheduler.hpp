// One scheduler on one integer time base: CPU cycles since reset.
//
// Events are keyed by absolute time; events due at the same time fire in the order they were
// scheduled. Virtual time never reads the host clock: two runs with the same inputs at the same
// virtual times fire the same events at the same cycles.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace boardemu {

class Event;

using Cycles = std::uint64_t;
constexpr Cycles kNever = ~Cycles{0};

class Scheduler {
 public:
  // `lateness` is how far past its due time the event fired (the CPU runs in slices and may
  // overshoot by part of a block); periodic events use it to re-arm without drift.
  using Callback = std::function<void(Cycles lateness)>;
  using EventId = std::uint64_t;

  Cycles now() const { return now_; }

  // The CPU backend moves time forward as it executes.
  void advance(Cycles delta) { now_ += delta; }
  // Takes back cycles a backend charged ahead of execution (a whole block's cost up front) for
  // instructions that then did not run, because a debugger stopped inside the block. Only the
  // backend that charged them calls it, before anything else looks at the clock.
  void rewind(Cycles delta) { now_ -= std::min(delta, now_); }
  void advance_to(Cycles t) {
    if (t > now_) now_ = t;
  }

  EventId schedule_at(Cycles when, Callback cb);
  EventId schedule_in(Cycles delta, Callback cb) { return schedule_at(now_ + delta, std::move(cb)); }
  // Cancelling an event that already fired or was cancelled is a no-op.
  void cancel(EventId id);
  bool pending(EventId id) const;

  // Time of the earliest pending event, or kNever.
  Cycles next_deadline();
  // A cheap lower bound of next_deadline() (a cancelled event may keep it early), for the CPU's
  // per-block check: stopping early is harmless, stopping late is not.
  Cycles earliest() const { return earliest_; }
  // The CPU backend's per-block test in one compare (now() >= horizon(): stop, or look closer):
  // earliest(), or earlier if the CPU set a lower limit of its own (its slice deadline, or 0 to
  // look closer at every block). Without one it is earliest().
  Cycles horizon() const { return horizon_; }
  void set_cpu_horizon(Cycles limit) {
    cpu_horizon_ = limit;
    horizon_ = std::min(earliest_, cpu_horizon_);
  }

  // Fires every event due at or before now(), in (time, insertion) order. Events scheduled by a
  // callback for a time <= now() fire in the same call.
  void run_due();

  std::size_t pending_count() const { return callbacks_.size(); }

  // The devices' named events (core/event.hpp), live ones in the order they were created:
  // what a snapshot saves (name, armed, when). Events register themselves.
  const std::vector<Event*>& events() const { return events_; }
  Event* event(const std::string& name) const;
  void register_event(Event* e) { events_.push_back(e); }
  void unregister_event(Event* e) { events_.erase(std::remove(events_.begin(), events_.end(), e), events_.end()); }

 private:
  struct Entry {
    Cycles when;
    std::uint64_t seq;
    EventId id;
    bool operator>(const Entry& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  void drop_cancelled_head();

  Cycles now_ = 0;
  Cycles earliest_ = kNever;
  Cycles cpu_horizon_ = kNever;
  Cycles horizon_ = kNever;  // min(earliest_, cpu_horizon_)
  std::uint64_t next_seq_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
  // Pending events only; ids are never reused, so cancelling a stale id is harmless.
  std::unordered_map<EventId, Callback> callbacks_;
  EventId next_id_ = 1;
  std::vector<Event*> events_;
};

}  // namespace boardemu
