// A potentiometer: a resistive track between the supply and ground with a wiper, on one pin
// `<id>.SIG` (the wiper, named as Wokwi's wokwi-potentiometer names it).
//
// The circuit model has no supply rails (core/net.hpp: a net's voltage comes from its drivers),
// so the part holds its track's ends itself, as the button holds its contact to ground: the
// track spans 0 V .. `vcc` (default 3.3 V; an input with a smaller range, such as the ESP8266's
// 0..1 V TOUT, is fed from a divider on a real board: give the voltage the divider leaves, e.g.
// `vcc: 1.0`). The wiper at position p (0 at the ground end .. 1 at the supply end, linear taper)
// drives SIG as an analog source of p * vcc (Drive::analog): a GPIO output on the same net
// overrides it, a pull-up does not (a wiper's source impedance is at most a quarter of the
// track's, far below a 30..50 kOhm pull). Its load (an ADC input's) is not modelled.
#pragma once

#include "parts/part.hpp"

namespace boardemu {

class Potentiometer : public Part {
 public:
  // Throws std::invalid_argument for a `vcc` that is not a positive voltage or a position
  // outside 0..1.
  Potentiometer(std::string id, Scheduler* scheduler, double vcc = Net::kDefaultSupply, double position = 0);

  std::vector<Pin*> pins() override { return {&sig_}; }
  Pin& sig() { return sig_; }

  // 0..1; throws std::invalid_argument "<id>: position: ..." outside it.
  void set_position(double position);
  double position() const { return position_; }
  double vcc() const { return vcc_; }
  // The voltage the wiper drives (position * vcc), whatever else is on its net.
  double wiper_voltage() const { return position_ * vcc_; }

  // Control "position" (0..1). Readings: "position", and "voltage": the SIG net's voltage.
  std::vector<std::string> controls() const override { return {"position"}; }
  void set_control(const std::string& control, double value) override;
  std::vector<std::string> readings() const override { return {"position", "voltage"}; }
  double reading(const std::string& name) const override;

  void state(StateArchive& ar) override;

 private:
  Pin sig_;
  double vcc_;
  double position_ = 0;
};

}  // namespace boardemu
