// Off-chip parts: what a circuit file (emulator/machine/circuit.hpp) wires to a board's pins.
//
// A part has pins named "<id>.<PIN>" (core/net.hpp) and knows nothing of the CPU or the board:
// it hears and drives its nets, and the host observes and controls it (press a button, read an
// LED, read an EEPROM's memory) through its own methods.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/net.hpp"
#include "core/nonvolatile.hpp"
#include "core/scheduler.hpp"
#include "core/state.hpp"

namespace boardemu {

class Part {
 public:
  explicit Part(std::string id) : id_(std::move(id)) {}
  virtual ~Part() = default;
  Part(const Part&) = delete;
  Part& operator=(const Part&) = delete;

  const std::string& id() const { return id_; }
  // Every pin, named "<id>.<PIN>".
  virtual std::vector<Pin*> pins() = 0;
  // The 7-bit I2C address the part answers on, if it is an I2C target (the circuit refuses
  // two parts on one address of the same bus).
  virtual std::optional<std::uint8_t> i2c_address() const { return std::nullopt; }
  // The pins that carry its I2C clock and data, if it is an I2C target.
  virtual Pin* i2c_scl() { return nullptr; }
  virtual Pin* i2c_sda() { return nullptr; }
  // The part's non-volatile memory (an EEPROM's array, a flash chip), for host-side stores;
  // nullptr if it has none.
  virtual NonVolatileMemory* nonvolatile() { return nullptr; }

  // ---- Observe and control from outside (tests, the GUI, scenario files) ----
  // Controls are what a person or the environment changes: a button's "pressed" (0/1), a
  // sensor's "temperature" (in the unit its header names). Readings are what the part shows:
  // an LED's "lit" and "brightness", a control's current value. Values are numbers, as in
  // Wokwi's set-control steps.
  virtual std::vector<std::string> controls() const { return {}; }
  // Throws std::invalid_argument "<id>: ..." for an unknown control or a value out of range.
  virtual void set_control(const std::string& control, double value);
  virtual std::vector<std::string> readings() const { return controls(); }
  // Throws std::invalid_argument "<id>: ..." for an unknown reading.
  virtual double reading(const std::string& name) const;
  // A display's picture as a viewer sees it: width x height luminance bytes, row by row
  // (0 dark, 255 fully lit). Empty for parts without a display.
  struct Picture {
    unsigned width = 0, height = 0;
    std::vector<std::uint8_t> luminance;
  };
  virtual std::optional<Picture> picture() const { return std::nullopt; }

  // Save state (core/state.hpp), as Device::state: every field, one function for both
  // directions; pins and events are restored by the machine. Without it a snapshot of a
  // circuit holding the part fails with a message naming it.
  virtual void state(StateArchive& ar) { ar.unsupported("part '" + id() + "'"); }

 protected:
  // For set_control/reading: "<id>: no control 'x' (controls: a, b)".
  [[noreturn]] void unknown(const char* what, const std::string& name, const std::vector<std::string>& known) const;

 private:
  std::string id_;
};

// What a part is built from: its id, its type's parameters (as written in the circuit file)
// and the board's clock.
struct PartContext {
  Scheduler* scheduler = nullptr;
  std::uint64_t cpu_hz = 0;
};

using PartParams = std::map<std::string, std::string>;

// Builds a part of `type`; throws std::invalid_argument naming the problem (unknown type,
// unknown or bad parameter). `known_types` lists the types for messages.
std::unique_ptr<Part> create_part(const std::string& type, const std::string& id, const PartParams& params,
                                  const PartContext& ctx);
std::vector<std::string> known_part_types();

}  // namespace boardemu
