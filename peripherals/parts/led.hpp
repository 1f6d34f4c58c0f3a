// A light-emitting diode on one pin: `<id>.A`, lit while the net is at its active level (its
// anode driven high with the cathode to ground, `active: high`, the default; or its cathode
// driven low with the anode to the supply, `active: low`). Brightness is the fraction of
// virtual time it was lit: the duty cycle of a PWM-driven LED, which is what the eye sees.
#pragma once

#include "parts/part.hpp"

namespace boardemu {

class Led : public Part {
 public:
  Led(std::string id, Scheduler* scheduler, bool active_high = true);

  std::vector<Pin*> pins() override { return {&a_}; }
  Pin& a() { return a_; }

  bool lit() const { return lit_; }
  // Cycles lit since construction (or since the last restart_measure()).
  Cycles lit_cycles() const;
  // Lit time over elapsed time since the measure began (0 if no time passed).
  double brightness() const;
  void restart_measure();

  // "lit" (0/1) and "brightness" (0..1, the lit fraction since the measure began).
  std::vector<std::string> readings() const override { return {"lit", "brightness"}; }
  double reading(const std::string& name) const override;

 private:
  void heard(Level level);

  Pin a_;
  Scheduler* scheduler_;
  bool active_high_;
  bool lit_ = false;
  Cycles since_ = 0;      // measure start
  Cycles lit_from_ = 0;   // when it last lit
  Cycles lit_total_ = 0;  // before lit_from_
};

}  // namespace boardemu
