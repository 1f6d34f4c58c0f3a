#include "parts/slide_switch.hpp"

#include <stdexcept>

namespace boardemu {

namespace {

// How strong a drive is: a strong output beats an analog source beats a pull beats nothing.
int rank(Drive d) {
  switch (d) {
    case Drive::off: return 0;
    case Drive::pull_down:
    case Drive::pull_up: return 1;
    case Drive::analog: return 2;
    case Drive::low:
    case Drive::high: return 3;
  }
  return 0;
}

// The stronger of two sources as a net would resolve them together: for equals, strong low wins a
// fight (the fight itself shows, and is logged, on the net where it happens), opposite pulls
// cancel, analog sources average.
Net::Source stronger(Net::Source a, Net::Source b) {
  if (rank(a.drive) != rank(b.drive)) return rank(a.drive) > rank(b.drive) ? a : b;
  if (a.drive == b.drive && a.drive != Drive::analog) return a;
  switch (rank(a.drive)) {
    case 3: return {Drive::low, 0};
    case 2: return {Drive::analog, (a.volts + b.volts) / 2};
    case 1: return {};
    default: return a;
  }
}

Net::Source tied(SlideSwitch::Tie t) {
  switch (t) {
    case SlideSwitch::Tie::gnd: return {Drive::low, 0};
    case SlideSwitch::Tie::vcc: return {Drive::high, 0};
    case SlideSwitch::Tie::open: break;
  }
  return {};
}

void apply(Pin& pin, Net::Source s) {
  if (s.drive == Drive::analog) pin.drive_voltage(s.volts);
  else pin.drive(s.drive);
}

}  // namespace

SlideSwitch::SlideSwitch(std::string id, Scheduler* scheduler, std::array<Tie, 3> ties, int position)
    : Part(std::move(id)),
      pins_{Pin(this->id() + ".1", scheduler), Pin(this->id() + ".2", scheduler), Pin(this->id() + ".3", scheduler)},
      ties_(ties) {
  for (Pin& p : pins_) {
    p.on_change([this](Level) { update(); });
    p.on_voltage_change([this](double) { update(); });
  }
  set_position(position);
}

void SlideSwitch::set_position(int position) {
  if (position != 0 && position != 1) throw std::invalid_argument(id() + ": position: expected 0 or 1");
  position_ = position;
  update();
}

void SlideSwitch::update() {
  // Our own drives echo back through the nets, and devices there may answer them: repeat until
  // both sides settle (bounded, as a net's own rounds are).
  if (updating_) {
    again_ = true;
    return;
  }
  updating_ = true;
  Pin& common = pins_[1];
  const std::size_t thrown = position_ == 0 ? 0 : 2, open = position_ == 0 ? 2 : 0;
  Pin& side = pins_[thrown];
  // A tied pin carries its rail on its own net as well, as the wire to the rail would.
  const Net::Source rails = stronger(tied(ties_[1]), tied(ties_[thrown]));
  apply(pins_[open], tied(ties_[open]));
  for (int round = 0; round < 16; ++round) {
    again_ = false;
    apply(common, stronger(rails, side.net().source_except(side)));
    apply(side, stronger(rails, common.net().source_except(common)));
    if (!again_) break;
  }
  updating_ = false;
}

void SlideSwitch::set_control(const std::string& control, double value) {
  if (control != "position") unknown("control", control, controls());
  if (value != 0 && value != 1) throw std::invalid_argument(id() + ": position: expected 0 or 1");
  set_position(static_cast<int>(value));
}

double SlideSwitch::reading(const std::string& name) const {
  if (name != "position") unknown("reading", name, readings());
  return position_;
}

void SlideSwitch::state(StateArchive& ar) {
  ar.field("position", position_);
  ar.field("updating", updating_);
  ar.field("again", again_);
}

}  // namespace boardemu
