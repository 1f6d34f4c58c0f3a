// Observing and controlling a running board from outside: what tests, the GUI and the scenario
// runner use, so none of them reaches into device or part internals. Everything is named as in
// circuit files and VCD traces: pins "gpio.GPIO4" / "button1.P", nets "led", parts "button1".
//
//   BoardProbe probe(machine);
//   probe.record("led");                      // keep the net's history from now on
//   probe.set_control("button1", "pressed", 1);
//   machine.run(until);
//   probe.history("led");                     // [(time, level), ...]
//   probe.reading("led1", "brightness");
//   probe.picture("oled")->luminance;         // an SSD1306's panel
//   auto& i2c = probe.watch_i2c("i2c_scl", "i2c_sda");  // decoded messages on two nets
//
// The probe drives a net only when asked (drive()): through its own pin "probe.<name>" on that
// net, which takes part in the net's resolution like any other driver (a weak pull loses to an
// output; a strong level against an output is contention, logged as a guest error).
// Unknown names throw std::invalid_argument naming them. The machine must outlive the probe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/i2c.hpp"
#include "core/spi.hpp"
#include "core/net.hpp"
#include "machine/machine.hpp"
#include "parts/part.hpp"

namespace boardemu {

class BoardProbe {
 public:
  struct Change {
    Cycles time;
    Level level;
    bool operator==(const Change&) const = default;
  };

  explicit BoardProbe(Machine& machine);
  ~BoardProbe();
  BoardProbe(const BoardProbe&) = delete;
  BoardProbe& operator=(const BoardProbe&) = delete;

  // ---- pins and nets ----
  // The net of a pin, or a named net.
  Net& net(const std::string& name);
  Level level(const std::string& name) { return net(name).level(); }
  // The net's voltage (core/net.hpp: an analog source's, or its level's).
  double voltage(const std::string& name) { return net(name).voltage(); }
  // Drives the net from outside (Drive::off lets go).
  void drive(const std::string& name, Drive drive);
  // Drives an analog voltage onto the net from outside (a source that an output on the net
  // still overrides, as Drive::analog does). drive(name, Drive::off) lets go.
  void drive_voltage(const std::string& name, double volts);
  // Keeps every change of the net from now on; the first entry is its level now. Recording a
  // net twice keeps the one history.
  void record(const std::string& name);
  // Throws std::invalid_argument if the net is not recorded.
  const std::vector<Change>& history(const std::string& name);

  // ---- parts ----
  Part& part(const std::string& id);
  void set_control(const std::string& id, const std::string& control, double value) {
    part(id).set_control(control, value);
  }
  double reading(const std::string& id, const std::string& name) { return part(id).reading(name); }
  // Throws std::invalid_argument if the part has no display.
  Part::Picture picture(const std::string& id);
  // The picture as an 8-bit greyscale PNG, each pixel `scale` x `scale`. Throws
  // std::runtime_error naming the path if it cannot be written.
  void write_picture_png(const std::string& id, const std::string& path, unsigned scale = 1);

  // ---- buses ----
  // A passive decoder of the I2C messages on two nets (pins or net names); one per pair.
  I2cMonitor& watch_i2c(const std::string& scl, const std::string& sda);
  // A passive decoder of the SPI frames on four nets (CS active low), in `format`'s mode and bit
  // order; one per set of nets.
  SpiMonitor& watch_spi(const std::string& sck, const std::string& mosi, const std::string& miso,
                        const std::string& cs, SpiFormat format = {});

 private:
  // The probe's own pin on the net of `name`, made on first use.
  Pin& driver(const std::string& name);
  struct Recording {
    Net* net;
    Net::ObserverId id;
    std::vector<Change> changes;
  };
  Machine& machine_;
  std::map<Net*, Recording> recordings_;
  std::map<Net*, std::unique_ptr<Pin>> drivers_;
  std::map<std::pair<Net*, Net*>, std::unique_ptr<I2cMonitor>> monitors_;
  std::map<std::vector<Net*>, std::unique_ptr<SpiMonitor>> spi_monitors_;
};

}  // namespace boardemu
