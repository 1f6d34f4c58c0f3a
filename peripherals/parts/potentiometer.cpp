#include "parts/potentiometer.hpp"

#include <cmath>
#include <stdexcept>

namespace boardemu {

Potentiometer::Potentiometer(std::string id, Scheduler* scheduler, double vcc, double position)
    : Part(std::move(id)), sig_(this->id() + ".SIG", scheduler), vcc_(vcc) {
  if (!std::isfinite(vcc) || vcc <= 0) throw std::invalid_argument(this->id() + ": vcc must be a positive voltage");
  set_position(position);
}

void Potentiometer::set_position(double position) {
  if (!(position >= 0 && position <= 1))  // also refuses NaN
    throw std::invalid_argument(id() + ": position: expected 0..1");
  position_ = position;
  sig_.drive_voltage(wiper_voltage());
}

void Potentiometer::set_control(const std::string& control, double value) {
  if (control != "position") unknown("control", control, controls());
  set_position(value);
}

double Potentiometer::reading(const std::string& name) const {
  if (name == "position") return position_;
  if (name == "voltage") return sig_.voltage();
  unknown("reading", name, readings());
}

void Potentiometer::state(StateArchive& ar) {
  ar.field("position", position_);
}

}  // namespace boardemu
