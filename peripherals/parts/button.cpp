#include "parts/button.hpp"

namespace boardemu {

Button::Button(std::string id, Scheduler* scheduler, bool to_ground)
    : Part(std::move(id)), p_(this->id() + ".P", scheduler), to_ground_(to_ground) {}

void Button::set_pressed(bool pressed) {
  pressed_ = pressed;
  p_.drive(!pressed ? Drive::off : to_ground_ ? Drive::low : Drive::high);
}

}  // namespace boardemu
