// A slide switch (SPDT: single pole, double throw) on pins `<id>.1`, `<id>.2` and `<id>.3`, as
// Wokwi's wokwi-slide-switch: pin 2 is the common pole; position 0 (Wokwi's default, value "")
// connects it to pin 1, position 1 (value "1") to pin 3. The other throw is left open.
//
// A closed contact joins two nets, both ways: each of the two pins repeats onto its own net what
// the other net's other pins drive (Net::source_except: strong, analog with its voltage, or a
// pull), so a GPIO on the common pin hears whatever pin 1 or 3 is wired to (a pull-up there, a
// potentiometer's wiper, another GPIO), and the reverse. Contacts are ideal (no resistance, no
// bounce, break-before-make). Limitation of repeating drives instead of merging nets: two closed
// contacts that join the same two nets in a loop repeat each other, so such a loop can keep a
// level after its real source lets go.
//
// The circuit model has no supply rails, so, like the button's `to:`, each pin may be tied to one
// on the part itself: `tie` gnd (drives low) or vcc (drives high) stands for a wire from that
// pin to ground or the supply; an open pin (the default) is wired by the circuit's nets only.
// The usual switch-as-input: common pin on a GPIO, pin 1 tied to gnd, pin 3 to vcc.
#pragma once

#include <array>

#include "parts/part.hpp"

namespace boardemu {

class SlideSwitch : public Part {
 public:
  enum class Tie : std::uint8_t { open, gnd, vcc };

  // `ties` for pins 1, 2 and 3.
  SlideSwitch(std::string id, Scheduler* scheduler, std::array<Tie, 3> ties = {}, int position = 0);

  std::vector<Pin*> pins() override { return {&pins_[0], &pins_[1], &pins_[2]}; }
  // Pin 1, 2 (common) or 3.
  Pin& pin(int n) { return pins_.at(static_cast<std::size_t>(n - 1)); }

  // 0: common to pin 1; 1: common to pin 3. Throws std::invalid_argument otherwise.
  void set_position(int position);
  int position() const { return position_; }

  // Control and reading "position" (0 or 1).
  std::vector<std::string> controls() const override { return {"position"}; }
  void set_control(const std::string& control, double value) override;
  double reading(const std::string& name) const override;

  void state(StateArchive& ar) override;

 private:
  // Puts each pin's drive onto its net: its tie, and across the closed contact what the other
  // net's other pins drive.
  void update();

  std::array<Pin, 3> pins_;
  std::array<Tie, 3> ties_;
  int position_ = 0;
  bool updating_ = false;
  bool again_ = false;
};

}  // namespace boardemu
