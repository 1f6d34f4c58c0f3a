// Signal nets: the wires of a board.
//
// A Pin is one device's connection to the outside (`gpio.GPIO4`, `eeprom1.SDA`): what the
// device drives onto it, and what it hears back. A Net joins any number of pins; it resolves
// their drives to one level, tells every pin's device when that level changes, and tells any
// number of observers (a VCD recorder, the GUI, a test) each change with its virtual time.
//
// Drives, strongest first:
//   low / high          push-pull output (an open-drain output drives `low` or `off`)
//   analog              a voltage from a source of moderate impedance (a potentiometer's
//                       wiper, a sensor's output): Pin::drive_voltage(volts)
//   pull_up / pull_down a weak resistor (on-chip pull, an external pull-up on SDA/SCL)
//   off                 high impedance: an input, a released open-drain output
// Resolution: a strong low and a strong high together are contention (two outputs fighting:
// logged under guest_error, the level is Level::contention); otherwise any strong drive wins
// (several pins driving low is how open-drain lines do wired-AND); otherwise an analog drive
// decides; otherwise a pull decides (up and down together, or none, leave the net floating).
//
// Analog: besides its level a net has a voltage (Net::voltage()). With an analog driver (and no
// strong drive) it is that driver's voltage (several analog drivers: their mean, as equal source
// impedances would give), and the level is derived from it with CMOS input thresholds: high at
// or above 75% of the net's supply, low at or below 25% (the ESP8266EX datasheet's VIH/VIL,
// typical of 3.3 V CMOS), floating in between (an input there reads noise). Without one the
// voltage follows the level: high = the supply (Net::supply(), 3.3 V unless set), low = 0 V,
// floating = 0 V (undefined on a real board), contention = half the supply. A strong output
// wins over an analog source, which wins over a pull: a GPIO (tens of ohms) overrides a
// potentiometer (at most a quarter of its track resistance), which overrides a pull-up of tens
// of kOhm; the small shift a pull would cause in a real divider is not modelled.
// Voltage changes are told to pins' voltage listeners and to voltage observers. A net becomes
// voltage-aware when an analog source, a voltage listener or a voltage observer joins it; until
// then (nearly every net of a board) it resolves levels exactly as a purely digital net, and
// its voltage is derived from its level when asked.
//
// Every pin is always on a net: a pin nobody wired sits on a net of its own, so a device never
// checks whether it is connected. Wiring (Netlist::connect) moves the pin to a shared net; the
// moved pin hears the net's level (and voltage) when it differs from its old net's, even if the
// shared net itself does not change (a switch part must learn what its new net carries).
// Destroying a pin or a net (taking the board apart) notifies nobody.
//
// References for the model, facts only: QEMU qdev GPIO lines, simavr sim_irq.h, rp2040js
// gpio-pin.ts (see ../shared/STYLE.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/scheduler.hpp"
#include "core/state.hpp"

namespace boardemu {

enum class Drive : std::uint8_t { off, pull_down, pull_up, low, high, analog };
enum class Level : std::uint8_t { low, high, floating, contention };

std::string_view to_string(Drive d);
std::string_view to_string(Level l);

class Net;

class Pin {
 public:
  // Called with the net's new level whenever it changes (the device's input).
  using Listener = std::function<void(Level)>;
  // Called with the net's new voltage whenever it changes (an analog input).
  using VoltageListener = std::function<void(double volts)>;

  // `scheduler` stamps changes with virtual time; null in tests that need no time.
  Pin(std::string name, Scheduler* scheduler);
  ~Pin();
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;

  const std::string& name() const { return name_; }

  // What this pin drives onto its net. Resolution and notifications happen at once.
  void drive(Drive d);
  Drive driving() const { return drive_; }
  // Push-pull output shorthand.
  void set(bool high) { drive(high ? Drive::high : Drive::low); }
  // Drives `volts` as an analog source (Drive::analog). Non-finite values are refused
  // (std::invalid_argument): a part computes them, a bad one is a bug, not a level.
  void drive_voltage(double volts);
  // The voltage of this pin's analog drive (meaningful while driving() == Drive::analog).
  double driven_voltage() const { return volts_; }

  // The net's resolved level.
  Level level() const;
  bool is_high() const { return level() == Level::high; }
  // The net's voltage (see the header comment).
  double voltage() const;

  void on_change(Listener listener) { listener_ = std::move(listener); }
  void on_voltage_change(VoltageListener listener);

  Net& net() const { return *net_; }

  // Save state: the pin's drive (and analog voltage). Restoring sets it without resolving the
  // net or telling anyone (the net's own state is restored beside it).
  void state(StateArchive& ar) {
    ar.field("drive", drive_);
    ar.field("volts", volts_);
    if (ar.loading() && static_cast<unsigned>(drive_) > static_cast<unsigned>(Drive::analog))
      ar.bad("drive", "not a pin drive");
  }

 private:
  friend class Net;
  std::string name_;
  Drive drive_ = Drive::off;
  double volts_ = 0;  // the analog drive's voltage
  Listener listener_;
  VoltageListener voltage_listener_;
  Net* net_;                  // never null
  std::unique_ptr<Net> own_;  // the net of an unwired pin
};

class Net {
 public:
  // `time` and `level` describe the change; the net's name is net.name().
  using Observer = std::function<void(const Net& net, Level level, Cycles time)>;
  using ObserverId = std::uint64_t;
  using VoltageObserver = std::function<void(const Net& net, double volts, Cycles time)>;
  static constexpr double kDefaultSupply = 3.3;

  Net(std::string name, Scheduler* scheduler);
  ~Net();
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  const std::string& name() const { return name_; }
  Level level() const { return level_; }
  // The net's voltage in volts (see the header comment).
  double voltage() const;
  // Whether the net tracks a voltage of its own (an analog source, a voltage listener or
  // observer joined it); otherwise its voltage is only its level's.
  bool voltage_aware() const { return voltage_aware_; }
  // The supply voltage a high level stands for; analog thresholds are fractions of it.
  double supply() const { return supply_; }
  // Sets the supply (> 0, finite; else std::invalid_argument) and settles the net again.
  void set_supply(double volts);
  Cycles last_change() const { return last_change_; }
  const std::vector<Pin*>& pins() const { return pins_; }

  // Moves `pin` (and its drive) onto this net; it leaves the net it was on.
  void attach(Pin& pin);

  // Observers see every change after the pins' devices have. Removing an unknown id is a no-op.
  ObserverId observe(Observer observer);
  void unobserve(ObserverId id);
  bool observed() const { return !observers_.empty(); }
  // Voltage observers see every voltage change (after the pins' voltage listeners), with the
  // same ids as observe(): unobserve() removes either kind.
  ObserverId observe_voltage(VoltageObserver observer);

  // What the net's other pins drive, leaving `except` out: the strongest drive among them
  // (Drive::low/high also when they fight; low then) and, for Drive::analog, its voltage. A
  // pass element (a closed switch) repeats this onto the net on its other side.
  struct Source {
    Drive drive = Drive::off;
    double volts = 0;
  };
  Source source_except(const Pin& except) const;

  // Save state: the resolved level and voltage, as they are; restoring tells no one (the
  // devices and parts on the net restore what they had heard themselves). A net that tracks
  // its voltage for a host-side observer keeps doing so.
  void state(StateArchive& ar);

 private:
  friend class Pin;
  struct Resolved {
    Level level;
    double volts;
  };
  void detach(Pin& pin, bool notify);
  void resolve();
  // Settles level (and voltage) without telling anyone (the board is being taken apart).
  void settle_quietly();
  void tell_level(Level next, Cycles now);
  void tell_voltage(double volts, Cycles now);
  // From now on the net computes and reports its voltage (it has or had an analog driver, a
  // voltage listener or observer); until then its voltage is derived from its level on demand.
  void make_voltage_aware();
  Level compute_digital() const;
  Resolved compute() const;
  Resolved compute_analog(bool strong_low, bool strong_high, bool weak_low, bool weak_high) const;
  double digital_volts(Level level) const;

  std::string name_;
  Scheduler* scheduler_;
  std::vector<Pin*> pins_;
  Level level_ = Level::floating;
  double volts_ = 0;  // while voltage_aware_
  double supply_ = kDefaultSupply;
  bool voltage_aware_ = false;
  Cycles last_change_ = 0;
  std::vector<std::pair<ObserverId, Observer>> observers_;
  std::vector<std::pair<ObserverId, VoltageObserver>> voltage_observers_;
  ObserverId next_observer_ = 1;
  bool resolving_ = false;  // a listener drove a pin of this net while it was being told
  bool again_ = false;
};

// The named nets of a board and the pins wired to them.
class Netlist {
 public:
  explicit Netlist(Scheduler* scheduler) : scheduler_(scheduler) {}

  // The net called `name`, created on first use.
  Net& net(const std::string& name);
  Net* find(const std::string& name);
  // Wires `pin` to the net called `net_name`.
  void connect(Pin& pin, const std::string& net_name) { net(net_name).attach(pin); }
  // In name order.
  std::vector<Net*> nets();

 private:
  Scheduler* scheduler_;
  std::map<std::string, std::unique_ptr<Net>> nets_;
};

}  // namespace boardemu
