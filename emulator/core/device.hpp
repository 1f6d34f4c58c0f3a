// What a memory-mapped peripheral looks like to the rest of the emulator.
//
// Devices know nothing about the CPU engine: they answer reads and writes at an offset inside
// their window, raise interrupt lines, and schedule their own events on the shared Scheduler.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "core/scheduler.hpp"
#include "core/state.hpp"

namespace boardemu {

class Bus;
class NonVolatileMemory;
class Pin;
class RegisterBank;

// One interrupt output of a device. The board wires it to an interrupt controller input; an
// unwired line is a no-op. Level semantics: set(true) asserts, set(false) deasserts.
//
// An interrupt line is a thin special case of a net (core/net.hpp): the machine shows every
// wired output as a pin on a net named "<device>.<output>" (e.g. "uart0.irq"), driven
// push-pull, so observers (the VCD recorder, the GUI, the probe) see interrupts as they see any
// other signal. The controller input is fed directly (its sink), not through the net: several
// outputs may share one input (their OR), which push-pull drivers on one net could not express.
class IrqLine {
 public:
  using Sink = std::function<void(bool level)>;
  void connect(Sink sink) { sink_ = std::move(sink); }
  // Mirrors the line on `pin` from now on (not owned; nullptr stops).
  void show_on(Pin* pin);
  void set(bool level) {
    if (level == level_) return;
    level_ = level;
    if (pin_) drive_pin();
    if (sink_) sink_(level);
  }
  bool level() const { return level_; }
  bool connected() const { return static_cast<bool>(sink_); }
  // Save state: the level, restored without telling the sink or the pin (the controller and
  // the net restore their own state).
  void state(StateArchive& ar) { ar.field("irq_level", level_); }

 private:
  void drive_pin();  // core/net.cpp

  Sink sink_;
  Pin* pin_ = nullptr;
  bool level_ = false;
};

// What every device receives when the board builds it.
struct DeviceContext {
  Scheduler* scheduler = nullptr;
  std::uint64_t cpu_hz = 0;  // the CPU clock, cycles per second (the scheduler's time base)
  std::uint64_t clock_hz = 0;  // the device's input clock (e.g. PCLK); 0 means cpu_hz
  // The board's bus, for devices that own memory the CPU also sees directly (e.g. a flash
  // controller whose chip is mapped for execute-in-place). Null in register-level tests.
  Bus* bus = nullptr;
  // Asks for a reset of the whole system (every device and the CPU; memory keeps its
  // contents), as a chip's watchdog does. The machine performs it once the current event has
  // returned, before the CPU runs again. Empty in register-level tests.
  std::function<void()> request_system_reset = nullptr;
};

class Device {
 public:
  explicit Device(std::string name) : name_(std::move(name)) {}
  virtual ~Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const std::string& name() const { return name_; }

  // `size` is the access width in bytes (1, 2 or 4); `offset` is relative to the window base.
  virtual std::uint32_t read(std::uint32_t offset, unsigned size) = 0;
  virtual void write(std::uint32_t offset, std::uint32_t value, unsigned size) = 0;
  virtual void reset() = 0;
  // What a read would return, without its side effects (a FIFO pop, a read-to-clear status,
  // an interrupt claim): for debuggers, the GUI and tests, which must observe without
  // disturbing. The default is read(), right for every model whose reads change nothing;
  // models whose reads do change state override it.
  virtual std::uint32_t peek(std::uint32_t offset, unsigned size) { return read(offset, size); }

  // The device's interrupt outputs by name (as the board file's `irqs:` map names them, e.g.
  // "tx", "rx", "overflow"); nullptr if the model has no such output.
  // The model's registers, if it declares them as data (core/registers.hpp): a debugger lists
  // them by datasheet name. nullptr for models without a RegisterBank.
  virtual const RegisterBank* registers() const { return nullptr; }
  // The device's pins (core/net.hpp), each named "<device>.<PIN>" (e.g. "gpio.GPIO4"): what
  // the board and circuits wire to nets, and what observers (VCD, GUI, tests) watch. Empty
  // for a device without pins.
  virtual std::vector<Pin*> pins() { return {}; }
  // What one of its pins does now, as the datasheet names the function ("GPIO", "U0TXD",
  // "HSPI_CLK"): for observers that show a chip's pins. Empty if the model does not say.
  virtual std::string pin_function(const Pin& pin) const {
    (void)pin;
    return {};
  }
  // The memory that keeps its contents without power (a flash chip behind a controller), for
  // host-side stores such as `--flash FILE`; nullptr if the device has none.
  virtual NonVolatileMemory* nonvolatile() { return nullptr; }
  virtual IrqLine* irq(std::string_view output) {
    (void)output;
    return nullptr;
  }
  // Save state (core/state.hpp): every field the model carries, in one function that serves
  // saving and restoring. Pins, interrupt line levels and scheduler events are restored by the
  // machine; a model without it makes a snapshot fail with a message naming it.
  virtual void state(StateArchive& ar) { ar.unsupported("device '" + name() + "'"); }

 private:
  std::string name_;
};

// A device whose inputs are interrupt lines (NVIC, PLIC): the board wires device outputs to
// its numbered inputs.
class InterruptController {
 public:
  virtual ~InterruptController() = default;
  virtual void set_irq_level(unsigned input, bool level) = 0;
  virtual unsigned num_inputs() const = 0;
};

}  // namespace boardemu
