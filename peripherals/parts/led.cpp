#include "parts/led.hpp"

namespace boardemu {

Led::Led(std::string id, Scheduler* scheduler, bool active_high)
    : Part(std::move(id)), a_(this->id() + ".A", scheduler), scheduler_(scheduler), active_high_(active_high) {
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
}

Cycles Led::lit_cycles() const {
  Cycles now = scheduler_ ? scheduler_->now() : 0;
  return lit_total_ + (lit_ ? now - lit_from_ : 0);
}

double Led::brightness() const {
  Cycles now = scheduler_ ? scheduler_->now() : 0;
  if (now <= since_) return lit_ ? 1.0 : 0.0;
  return static_cast<double>(lit_cycles()) / static_cast<double>(now - since_);
}

void Led::restart_measure() {
  since_ = scheduler_ ? scheduler_->now() : 0;
  lit_total_ = 0;
  lit_from_ = since_;
}

double Led::reading(const std::string& name) const {
  if (name == "lit") return lit_ ? 1 : 0;
  if (name == "brightness") return brightness();
  unknown("reading", name, readings());
}

}  // namespace boardemu
