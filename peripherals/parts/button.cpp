#include "parts/button.hpp"

#include <stdexcept>

namespace boardemu {

Button::Button(std::string id, Scheduler* scheduler, bool to_ground)
    : Part(std::move(id)), p_(this->id() + ".P", scheduler), to_ground_(to_ground) {}

void Button::set_pressed(bool pressed) {
  pressed_ = pressed;
  p_.drive(!pressed ? Drive::off : to_ground_ ? Drive::low : Drive::high);
}

void Button::set_control(const std::string& control, double value) {
  if (control != "pressed") unknown("control", control, controls());
  if (value != 0 && value != 1) throw std::invalid_argument(id() + ": pressed: expected 0 or 1");
  set_pressed(value != 0);
}

double Button::reading(const std::string& name) const {
  if (name != "pressed") unknown("reading", name, readings());
  return pressed_ ? 1 : 0;
}

void Button::state(StateArchive& ar) {
  ar.field("pressed", pressed_);
}

}  // namespace boardemu
