#include "parts/led.hpp"

#include <algorithm>

namespace boardemu {

Led::Led(std::string id, Scheduler* scheduler, bool active_high, Cycles window)
    : Part(std::move(id)),
      a_(this->id() + ".A", scheduler),
      scheduler_(scheduler),
      active_high_(active_high),
      window_(window) {
  since_ = scheduler_ ? scheduler_->now() : 0;
  a_.on_change([this](Level l) { heard(l); });
  heard(a_.level());
}

void Led::heard(Level level) {
  bool on = active_high_ ? level == Level::high : level == Level::low;
  if (on == lit_) return;
  Cycles now = scheduler_ ? scheduler_->now() : 0;
  if (lit_) lit_total_ += now - lit_from_;
  else lit_from_ = now;
  lit_ = on;
  if (window_) {
    changes_.emplace_back(now, on);
    // Keep one change at or before the window's start: the level the window begins with.
    while (changes_.size() > 1 && changes_[1].first + window_ <= now) changes_.pop_front();
  }
}

Cycles Led::lit_cycles() const {
  Cycles now = scheduler_ ? scheduler_->now() : 0;
  return lit_total_ + (lit_ ? now - lit_from_ : 0);
}

double Led::brightness() const {
  Cycles now = scheduler_ ? scheduler_->now() : 0;
  if (now <= since_) return lit_ ? 1.0 : 0.0;
  if (!window_ || now - since_ <= window_)
    return static_cast<double>(lit_cycles()) / static_cast<double>(now - since_);
  // Walk the changes back from now to the window's start.
  const Cycles start = now - window_;
  Cycles lit = 0, end = now;
  bool level = lit_;
  for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
    Cycles from = std::max(it->first, start);
    if (level) lit += end - from;
    end = from;
    if (it->first <= start) break;
    level = !level;  // before this change, the other level
  }
  if (end > start && level) lit += end - start;  // no change recorded before the window
  return static_cast<double>(lit) / static_cast<double>(window_);
}

void Led::restart_measure() {
  since_ = scheduler_ ? scheduler_->now() : 0;
  lit_total_ = 0;
  lit_from_ = since_;
  changes_.clear();
}

double Led::reading(const std::string& name) const {
  if (name == "lit") return lit_ ? 1 : 0;
  if (name == "brightness") return brightness();
  unknown("reading", name, readings());
}

void Led::state(StateArchive& ar) {
  ar.field("lit", lit_);
  ar.field("since", since_);
  ar.field("lit_from", lit_from_);
  ar.field("lit_total", lit_total_);
  std::size_t n = ar.count("changes", changes_.size(), 9);
  if (ar.loading()) changes_.resize(n);
  for (auto& [when, lit] : changes_) {
    ar.field("change_time", when);
    ar.field("change_lit", lit);
  }
}

}  // namespace boardemu
