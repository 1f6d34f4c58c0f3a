#include "parts/part.hpp"

#include <stdexcept>

namespace boardemu {

void Part::unknown(const char* what, const std::string& name, const std::vector<std::string>& known) const {
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw std::invalid_argument(id_ + ": no " + what + " '" + name + "' (" + what + "s: " +
                              (list.empty() ? "none" : list) + ")");
}

void Part::set_control(const std::string& control, double value) {
  (void)value;
  unknown("control", control, controls());
}

double Part::reading(const std::string& name) const { unknown("reading", name, readings()); }

}  // namespace boardemu
