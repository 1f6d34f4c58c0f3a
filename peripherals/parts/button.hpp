// A push button (momentary) or slide switch on one pin, `<id>.P`, whose other side goes to
// ground (`to: gnd`, the default: pressed pulls the net low) or to the supply (`to: vcc`:
// pressed drives it high). Released, it leaves the net alone: the firmware's pull-up (or a
// `pull:` on the net in the circuit) decides the level, as on a real board. Contacts are ideal
// (no bounce).
#pragma once

#include "parts/part.hpp"

namespace boardemu {

class Button : public Part {
 public:
  Button(std::string id, Scheduler* scheduler, bool to_ground = true);

  std::vector<Pin*> pins() override { return {&p_}; }
  Pin& p() { return p_; }

  void press() { set_pressed(true); }
  void release() { set_pressed(false); }
  void set_pressed(bool pressed);
  bool pressed() const { return pressed_; }

  // "pressed": 1 pressed, 0 released.
  std::vector<std::string> controls() const override { return {"pressed"}; }
  void set_control(const std::string& control, double value) override;
  double reading(const std::string& name) const override;

  void state(StateArchive& ar) override;

 private:
  Pin p_;
  bool to_ground_;
  bool pressed_ = false;
};

}  // namespace boardemu
