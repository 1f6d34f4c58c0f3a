// Circuit files: the parts wired to a board, as data (YAML), like board files.
//
//   parts:                               # optional
//     - id: eeprom1                      # required; plain name, unique among parts and the
//                                        #   board's devices
//       type: 24lc32                     # required: 24lc32 | w25q32 | bme280 | ssd1306 | led |
//                                        #   button | potentiometer | slide-switch
//       params: {address: 0x50}          # optional; the type's settings (see below)
//   nets:                                # optional
//     - name: i2c_scl                    # required; plain name, unique
//       pull: up                         # optional: up | down, a resistor to the supply or
//                                        #   ground (e.g. the I2C bus pull-ups)
//       pins: [gpio.GPIO5, eeprom1.SCL]  # required: at least one pin, each on one net only
//
// Part pins: 24lc32 SCL, SDA, WP (params: address 0x50..0x57, the A2..A0 strapping);
// w25q32 SCK, MOSI, MISO, CS; led A (params: active high|low; its "brightness" reading is the
// lit fraction over the last 20 ms); button P (params: to gnd|vcc); bme280 SCL, SDA (params:
// address 0x76|0x77, temperature in degC, pressure in Pa, humidity in %RH: the environment it
// measures, also controls); ssd1306 SCL, SDA (params: address 0x3C|0x3D, vcc charge_pump|
// external; its panel is the part's picture, --display-png);
// potentiometer SIG, its wiper (params: vcc, the voltage across its track, default 3.3; position
// 0..1, default 0), an analog source on its net (core/net.hpp); slide-switch 1, 2, 3, pin 2
// common, joined to pin 1 at position 0 and to pin 3 at position 1 (params: position 0|1,
// default 0; pin1, pin2, pin3: open (default) | gnd | vcc, a pin tied to a rail).
// Board pins are the devices' pins (e.g. gpio.GPIO0..GPIO15 and adc.TOUT on the esp8266).
//
// Every problem is one line: "<file>:<line>: <field>: <problem>", e.g.
//   "c.yaml:7: nets[1].pins[0]: no pin 'gpio.GPIO44' (gpio has gpio.GPIO0 .. gpio.GPIO15)".
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace boardemu {

class CircuitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CircuitPart {
  std::string id, type;
  std::map<std::string, std::string> params;
  int line = 0;
};

struct CircuitNet {
  std::string name;
  std::string pull;  // "", "up" or "down"
  std::vector<std::string> pins;
  std::vector<int> pin_lines;
  int line = 0;
};

struct CircuitDesc {
  std::string source_path;
  std::vector<CircuitPart> parts;
  std::vector<CircuitNet> nets;
};

constexpr std::uint64_t kMaxCircuitFileBytes = 1u << 20;

// Reads and checks the file's form (names, keys, types). Whether the pins exist is checked
// when a Machine builds it (Machine::add_circuit). Throws CircuitError.
// The `parts:` and `nets:` of a board file (BoardDesc::has_circuit): on-board parts, in the same
// format and with the same checks as a circuit file.
CircuitDesc parse_board_circuit(const std::string& board_text, const std::string& path);
CircuitDesc load_circuit_file(const std::string& path);
CircuitDesc parse_circuit_text(const std::string& text, const std::string& path);

}  // namespace boardemu
