#include "core/event.hpp"

#include <stdexcept>
#include <utility>

namespace boardemu {

Event::Event(Scheduler& scheduler, std::string name, Fire fire, Side side)
    : scheduler_(scheduler), name_(std::move(name)), fire_(std::move(fire)), side_(side) {
  if (scheduler_.event(name_)) throw std::invalid_argument("two scheduler events are named '" + name_ + "'");
  scheduler_.register_event(this);
}

Event::~Event() {
  cancel();
  scheduler_.unregister_event(this);
}

void Event::arm_at(Cycles when) {
  cancel();
  when_ = when;
  id_ = scheduler_.schedule_at(when, [this](Cycles lateness) {
    id_ = 0;  // fired: no longer armed (the callback may arm it again)
    fire_(lateness);
  });
}

void Event::cancel() {
  if (id_ == 0) return;
  scheduler_.cancel(id_);
  id_ = 0;
}

}  // namespace boardemu
