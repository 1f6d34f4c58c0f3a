#include "core/net.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace boardemu {

std::string_view to_string(Drive d) {
  switch (d) {
    case Drive::off: return "off";
    case Drive::pull_down: return "pull-down";
    case Drive::pull_up: return "pull-up";
    case Drive::low: return "low";
    case Drive::high: return "high";
  }
  return "?";
}

std::string_view to_string(Level l) {
  switch (l) {
    case Level::low: return "low";
    case Level::high: return "high";
    case Level::floating: return "floating";
    case Level::contention: return "contention";
  }
  return "?";
}

// ---- Pin ----------------------------------------------------------------------------------------

Pin::Pin(std::string name, Scheduler* scheduler)
    : name_(std::move(name)), own_(std::make_unique<Net>(name_, scheduler)) {
  net_ = own_.get();
  own_->pins_.push_back(this);
}

Pin::~Pin() {
  // Taking a board apart: the net settles without telling anyone, since the devices that
  // would hear it may be half destroyed already.
  if (net_ != own_.get()) net_->detach(*this, /*notify=*/false);
  own_->pins_.clear();
}

void Pin::drive(Drive d) {
  if (d == drive_) return;
  drive_ = d;
  net_->resolve();
}

Level Pin::level() const { return net_->level(); }

// ---- Net ----------------------------------------------------------------------------------------

Net::Net(std::string name, Scheduler* scheduler) : name_(std::move(name)), scheduler_(scheduler) {}

Net::~Net() {
  // Pins outliving a shared net go back to nets of their own, quietly: the board is being
  // taken apart, nothing is listening any more.
  for (Pin* p : pins_) {
    if (p->own_.get() == this) continue;
    p->net_ = p->own_.get();
    p->own_->pins_.assign(1, p);
    p->own_->level_ = p->own_->compute();
  }
}

void Net::attach(Pin& pin) {
  if (pin.net_ == this) return;
  Net* old = pin.net_;
  old->detach(pin, /*notify=*/true);
  pin.net_ = this;
  pins_.push_back(&pin);
  resolve();
}

void Net::detach(Pin& pin, bool notify) {
  pins_.erase(std::remove(pins_.begin(), pins_.end(), &pin), pins_.end());
  if (notify) resolve();
  else level_ = compute();
}

Level Net::compute() const {
  bool strong_low = false, strong_high = false, weak_low = false, weak_high = false;
  for (const Pin* p : pins_) {
    switch (p->drive_) {
      case Drive::low: strong_low = true; break;
      case Drive::high: strong_high = true; break;
      case Drive::pull_down: weak_low = true; break;
      case Drive::pull_up: weak_high = true; break;
      case Drive::off: break;
    }
  }
  if (strong_low && strong_high) return Level::contention;
  if (strong_low) return Level::low;
  if (strong_high) return Level::high;
  if (weak_low != weak_high) return weak_high ? Level::high : Level::low;
  return Level::floating;
}

void Net::resolve() {
  if (resolving_) {  // a listener changed a drive: settle again once it returns
    again_ = true;
    return;
  }
  resolving_ = true;
  // A bounded number of rounds: pins whose listeners keep toggling each other would otherwise
  // never settle (a ring oscillator of zero delay); that is a wiring error, not a hang.
  for (int round = 0; round < 64; ++round) {
    again_ = false;
    Level next = compute();
    if (next != level_) {
      level_ = next;
      last_change_ = scheduler_ ? scheduler_->now() : 0;
      if (next == Level::contention && log::enabled(log::Category::guest_error)) {
        std::string high, low;
        for (const Pin* p : pins_) {
          if (p->drive_ == Drive::high) high += (high.empty() ? "" : ", ") + p->name();
          if (p->drive_ == Drive::low) low += (low.empty() ? "" : ", ") + p->name();
        }
        BE_LOG(guest_error, "net {}: contention at cycle {}: {} drive high while {} drive low", name_,
               last_change_, high, low);
      }
      // Copies: a listener or observer may rewire or unobserve while being told.
      std::vector<Pin*> pins = pins_;
      for (Pin* p : pins)
        if (p->listener_) p->listener_(next);
      auto observers = observers_;
      for (auto& [id, observer] : observers) observer(*this, next, last_change_);
    }
    if (!again_) break;
    if (round == 63) BE_LOG(guest_error, "net {}: its level does not settle (pins keep re-driving it)", name_);
  }
  resolving_ = false;
}

Net::ObserverId Net::observe(Observer observer) {
  ObserverId id = next_observer_++;
  observers_.emplace_back(id, std::move(observer));
  return id;
}

void Net::unobserve(ObserverId id) {
  observers_.erase(std::remove_if(observers_.begin(), observers_.end(), [id](const auto& o) { return o.first == id; }),
                   observers_.end());
}

// ---- Netlist ------------------------------------------------------------------------------------

Net& Netlist::net(const std::string& name) {
  auto& slot = nets_[name];
  if (!slot) slot = std::make_unique<Net>(name, scheduler_);
  return *slot;
}

Net* Netlist::find(const std::string& name) {
  auto it = nets_.find(name);
  return it == nets_.end() ? nullptr : it->second.get();
}

std::vector<Net*> Netlist::nets() {
  std::vector<Net*> out;
  for (auto& [name, n] : nets_) out.push_back(n.get());
  return out;
}

}  // namespace boardemu
