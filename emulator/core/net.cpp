#include "core/net.hpp"

#include "core/device.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/log.hpp"

namespace boardemu {

std::string_view to_string(Drive d) {
  switch (d) {
    case Drive::off: return "off";
    case Drive::pull_down: return "pull-down";
    case Drive::pull_up: return "pull-up";
    case Drive::low: return "low";
    case Drive::high: return "high";
    case Drive::analog: return "analog";
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
  if (d == Drive::analog) net_->make_voltage_aware();  // at the voltage last given (0 V at first)
  net_->resolve();
}

void Pin::drive_voltage(double volts) {
  if (!std::isfinite(volts)) throw std::invalid_argument(name_ + ": analog drive of a non-finite voltage");
  if (drive_ == Drive::analog && volts == volts_) return;
  drive_ = Drive::analog;
  volts_ = volts;
  net_->make_voltage_aware();
  net_->resolve();
}

void Pin::on_voltage_change(VoltageListener listener) {
  voltage_listener_ = std::move(listener);
  if (voltage_listener_) net_->make_voltage_aware();
}

Level Pin::level() const { return net_->level(); }

double Pin::voltage() const { return net_->voltage(); }

// ---- Net ----------------------------------------------------------------------------------------

Net::Net(std::string name, Scheduler* scheduler) : name_(std::move(name)), scheduler_(scheduler) {}

Net::~Net() {
  // Pins outliving a shared net go back to nets of their own, quietly: the board is being
  // taken apart, nothing is listening any more.
  for (Pin* p : pins_) {
    if (p->own_.get() == this) continue;
    p->net_ = p->own_.get();
    p->own_->pins_.assign(1, p);
    if (p->drive_ == Drive::analog || p->voltage_listener_) p->own_->make_voltage_aware();
    p->own_->settle_quietly();
  }
}

void Net::settle_quietly() {
  if (!voltage_aware_) {
    level_ = compute_digital();
    return;
  }
  Resolved r = compute();
  level_ = r.level;
  volts_ = r.volts;
}

void Net::make_voltage_aware() {
  if (voltage_aware_) return;
  voltage_aware_ = true;
  volts_ = digital_volts(level_);
}

double Net::voltage() const { return voltage_aware_ ? volts_ : digital_volts(level_); }

void Net::attach(Pin& pin) {
  if (pin.net_ == this) return;
  Net* old = pin.net_;
  const Level heard = old->level_;
  const double heard_volts = old->voltage();
  old->detach(pin, /*notify=*/true);
  pin.net_ = this;
  pins_.push_back(&pin);
  if (pin.drive_ == Drive::analog || pin.voltage_listener_) make_voltage_aware();
  const Level before = level_;
  const double before_volts = voltage();
  resolve();
  // The net's pins were told if it changed. If it did not, the moved pin alone still hears the
  // net when it differs from its old one (a pass element such as a switch must learn what its
  // new net carries).
  if (pin.net_ != this) return;  // a listener rewired it meanwhile
  if (level_ == before && level_ != heard && pin.listener_) pin.listener_(level_);
  const double volts = voltage();
  if (volts == before_volts && volts != heard_volts && pin.voltage_listener_) pin.voltage_listener_(volts);
}

void Net::detach(Pin& pin, bool notify) {
  pins_.erase(std::remove(pins_.begin(), pins_.end(), &pin), pins_.end());
  if (notify) resolve();
  else settle_quietly();
}

void Net::set_supply(double volts) {
  if (!std::isfinite(volts) || volts <= 0)
    throw std::invalid_argument("net " + name_ + ": supply must be a positive voltage");
  supply_ = volts;
  resolve();
}

double Net::digital_volts(Level level) const {
  switch (level) {
    case Level::high: return supply_;
    case Level::contention: return supply_ / 2;
    case Level::low:
    case Level::floating: break;
  }
  return 0;
}

// The resolution of a net no analog source has touched: levels only, as it always was.
Level Net::compute_digital() const {
  bool strong_low = false, strong_high = false, weak_low = false, weak_high = false;
  for (const Pin* p : pins_) {
    switch (p->drive_) {
      case Drive::low: strong_low = true; break;
      case Drive::high: strong_high = true; break;
      case Drive::pull_down: weak_low = true; break;
      case Drive::pull_up: weak_high = true; break;
      case Drive::analog:  // never on such a net: drive_voltage() makes it voltage-aware
      case Drive::off: break;
    }
  }
  if (strong_low && strong_high) return Level::contention;
  if (strong_low) return Level::low;
  if (strong_high) return Level::high;
  if (weak_low != weak_high) return weak_high ? Level::high : Level::low;
  return Level::floating;
}

Net::Resolved Net::compute() const {
  bool strong_low = false, strong_high = false, weak_low = false, weak_high = false, analog = false;
  for (const Pin* p : pins_) {
    switch (p->drive_) {
      case Drive::low: strong_low = true; break;
      case Drive::high: strong_high = true; break;
      case Drive::pull_down: weak_low = true; break;
      case Drive::pull_up: weak_high = true; break;
      case Drive::analog: analog = true; break;
      case Drive::off: break;
    }
  }
  if (analog) return compute_analog(strong_low, strong_high, weak_low, weak_high);
  Level l = Level::floating;
  if (strong_low && strong_high) l = Level::contention;
  else if (strong_low) l = Level::low;
  else if (strong_high) l = Level::high;
  else if (weak_low != weak_high) l = weak_high ? Level::high : Level::low;
  return {l, digital_volts(l)};
}

// Only nets with an analog driver come here, so purely digital nets never pay for it.
Net::Resolved Net::compute_analog(bool strong_low, bool strong_high, bool weak_low, bool weak_high) const {
  (void)weak_low;
  (void)weak_high;  // an analog source overrides pulls
  if (strong_low || strong_high) {
    Level l = strong_low && strong_high ? Level::contention : strong_low ? Level::low : Level::high;
    return {l, digital_volts(l)};
  }
  double sum = 0;
  unsigned n = 0;
  for (const Pin* p : pins_)
    if (p->drive_ == Drive::analog) sum += p->volts_, ++n;
  const double v = sum / n;
  // CMOS input thresholds (ESP8266EX datasheet: VIL <= 0.25 VIO, VIH >= 0.75 VIO).
  Level l = v >= 0.75 * supply_ ? Level::high : v <= 0.25 * supply_ ? Level::low : Level::floating;
  return {l, v};
}

Net::Source Net::source_except(const Pin& except) const {
  bool strong_low = false, strong_high = false, weak_low = false, weak_high = false;
  double sum = 0;
  unsigned analog = 0;
  for (const Pin* p : pins_) {
    if (p == &except) continue;
    switch (p->drive_) {
      case Drive::low: strong_low = true; break;
      case Drive::high: strong_high = true; break;
      case Drive::pull_down: weak_low = true; break;
      case Drive::pull_up: weak_high = true; break;
      case Drive::analog: sum += p->volts_, ++analog; break;
      case Drive::off: break;
    }
  }
  if (strong_low) return {Drive::low, 0};
  if (strong_high) return {Drive::high, 0};
  if (analog) return {Drive::analog, sum / analog};
  if (weak_low != weak_high) return {weak_high ? Drive::pull_up : Drive::pull_down, 0};
  return {};
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
    if (!voltage_aware_) {
      // Purely digital nets (nearly all of them): levels only, nothing more than before nets
      // had voltages.
      const Level next = compute_digital();
      if (next != level_) tell_level(next, scheduler_ ? scheduler_->now() : 0);
    } else {
      const Resolved next = compute();
      const bool level_changed = next.level != level_;
      const bool volts_changed = next.volts != volts_;
      if (level_changed || volts_changed) {
        const Cycles now = scheduler_ ? scheduler_->now() : 0;
        volts_ = next.volts;  // listeners of either kind see both up to date
        if (level_changed) tell_level(next.level, now);
        if (volts_changed) tell_voltage(next.volts, now);
      }
    }
    if (!again_) break;
    if (round == 63) BE_LOG(guest_error, "net {}: its level does not settle (pins keep re-driving it)", name_);
  }
  resolving_ = false;
}

void Net::tell_level(Level next, Cycles now) {
  level_ = next;
  last_change_ = now;
  if (next == Level::contention && log::enabled(log::Category::guest_error)) {
    std::string high, low;
    for (const Pin* p : pins_) {
      if (p->drive_ == Drive::high) high += (high.empty() ? "" : ", ") + p->name();
      if (p->drive_ == Drive::low) low += (low.empty() ? "" : ", ") + p->name();
    }
    BE_LOG(guest_error, "net {}: contention at cycle {}: {} drive high while {} drive low", name_, last_change_, high,
           low);
  }
  // Copies: a listener or observer may rewire or unobserve while being told.
  std::vector<Pin*> pins = pins_;
  for (Pin* p : pins)
    if (p->listener_) p->listener_(next);
  if (!observers_.empty()) {
    auto observers = observers_;
    for (auto& [id, observer] : observers) observer(*this, next, now);
  }
}

void Net::tell_voltage(double volts, Cycles now) {
  std::vector<Pin*> pins = pins_;
  for (Pin* p : pins)
    if (p->voltage_listener_) p->voltage_listener_(volts);
  if (!voltage_observers_.empty()) {
    auto observers = voltage_observers_;
    for (auto& [id, observer] : observers) observer(*this, volts, now);
  }
}

Net::ObserverId Net::observe(Observer observer) {
  ObserverId id = next_observer_++;
  observers_.emplace_back(id, std::move(observer));
  return id;
}

Net::ObserverId Net::observe_voltage(VoltageObserver observer) {
  make_voltage_aware();
  ObserverId id = next_observer_++;
  voltage_observers_.emplace_back(id, std::move(observer));
  return id;
}

void Net::unobserve(ObserverId id) {
  auto same = [id](const auto& o) { return o.first == id; };
  observers_.erase(std::remove_if(observers_.begin(), observers_.end(), same), observers_.end());
  voltage_observers_.erase(std::remove_if(voltage_observers_.begin(), voltage_observers_.end(), same),
                           voltage_observers_.end());
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

// ---- interrupt lines shown on nets (core/device.hpp) ----------------------------------------

void IrqLine::show_on(Pin* pin) {
  pin_ = pin;
  if (pin_) drive_pin();
}

void IrqLine::drive_pin() { pin_->drive(level_ ? Drive::high : Drive::low); }

void Net::state(StateArchive& ar) {
  const bool aware_now = voltage_aware_;
  ar.field("level", level_);
  ar.field("volts", volts_);
  ar.field("supply", supply_);
  ar.field("voltage_aware", voltage_aware_);
  ar.field("last_change", last_change_);
  if (ar.loading()) {
    if (static_cast<unsigned>(level_) > static_cast<unsigned>(Level::contention)) ar.bad("level", "not a net level");
    if (!voltage_aware_ && aware_now) {
      voltage_aware_ = true;
      volts_ = digital_volts(level_);
    }
  }
}

}  // namespace boardemu
