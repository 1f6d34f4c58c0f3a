#include "core/scheduler.hpp"

#include "core/event.hpp"

namespace boardemu {

Scheduler::EventId Scheduler::schedule_at(Cycles when, Callback cb) {
  EventId id = next_id_++;
  callbacks_.emplace(id, std::move(cb));
  queue_.push(Entry{when, next_seq_++, id});
  if (when < earliest_) {
    earliest_ = when;
    horizon_ = std::min(horizon_, when);
  }
  return id;
}

Event* Scheduler::event(const std::string& name) const {
  for (Event* e : events_)
    if (e->name() == name) return e;
  return nullptr;
}

void Scheduler::cancel(EventId id) { callbacks_.erase(id); }

bool Scheduler::pending(EventId id) const { return callbacks_.count(id) != 0; }

void Scheduler::drop_cancelled_head() {
  while (!queue_.empty() && callbacks_.count(queue_.top().id) == 0) queue_.pop();
}

Cycles Scheduler::next_deadline() {
  drop_cancelled_head();
  earliest_ = queue_.empty() ? kNever : queue_.top().when;
  horizon_ = std::min(earliest_, cpu_horizon_);
  return earliest_;
}

void Scheduler::run_due() {
  for (;;) {
    drop_cancelled_head();
    if (queue_.empty() || queue_.top().when > now_) break;
    Entry e = queue_.top();
    queue_.pop();
    auto it = callbacks_.find(e.id);
    Callback cb = std::move(it->second);
    callbacks_.erase(it);
    cb(now_ - e.when);
  }
  next_deadline();
}

}  // namespace boardemu
