// A light-emitting diode on one pin: `<id>.A`, lit while the net is at its active level (its
// anode driven high with the cathode to ground, `active: high`, the default; or its cathode
// driven low with the anode to the supply, `active: low`). Brightness is the fraction of
// virtual time it was lit over the last `window` cycles (20 ms of the CPU clock in circuits,
// about what the eye integrates: a PWM-driven LED at 50 Hz or more shows its duty cycle, and a
// change of duty shows within the window), or since the measure began if that is shorter.
#pragma once

#include <deque>
#include <utility>

#include "parts/part.hpp"

namespace boardemu {

class Led : public Part {
 public:
  // `window` 0: over the whole time since the measure began.
  Led(std::string id, Scheduler* scheduler, bool active_high = true, Cycles window = 0);

  std::vector<Pin*> pins() override { return {&a_}; }
  Pin& a() { return a_; }

  bool lit() const { return lit_; }
  // Cycles lit since construction (or since the last restart_measure()).
  Cycles lit_cycles() const;
  // Lit time over the last `window` cycles (or since the measure began, if that is shorter).
  double brightness() const;
  void restart_measure();

  // "lit" (0/1) and "brightness" (0..1, the lit fraction over the window).
  std::vector<std::string> readings() const override { return {"lit", "brightness"}; }
  double reading(const std::string& name) const override;

  void state(StateArchive& ar) override;

 private:
  void heard(Level level);

  Pin a_;
  Scheduler* scheduler_;
  bool active_high_;
  bool lit_ = false;
  Cycles since_ = 0;      // measure start
  Cycles lit_from_ = 0;   // when it last lit
  Cycles lit_total_ = 0;  // before lit_from_
  Cycles window_;
  // Changes of `lit_` inside the window (and the last one before it), oldest first.
  std::deque<std::pair<Cycles, bool>> changes_;
};

}  // namespace boardemu
