// A board brought to life: memory, devices, interrupt wiring and a CPU, built from a board
// description, and the run loop that interleaves the CPU with scheduled events.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/chardev.hpp"
#include "core/cpu.hpp"
#include "core/device.hpp"
#include "core/net.hpp"
#include "core/nonvolatile.hpp"
#include "core/scheduler.hpp"
#include "core/semihosting.hpp"
#include "machine/circuit.hpp"
#include "parts/part.hpp"

namespace boardemu {

class Machine {
 public:
  // Builds the board. Throws BoardError for descriptions that cannot be built.
  explicit Machine(BoardDesc board);
  ~Machine();

  // Loads an ELF into memory and resets the CPU. Throws ElfError.
  void load_firmware(const std::string& path);

  // Connects a host serial backend to the named device (e.g. "uart0"). Throws
  // std::invalid_argument naming the device if there is no such UART.
  void attach_serial(const std::string& device, CharBackend* backend);

  // Runs until the guest exits, a fatal error, a host quit request, or virtual time `limit`.
  // With `pause_at`, also returns StopReason::deadline once virtual time reaches it (the
  // debugger's bounded slices): pausing is not an event, so it changes no cycle count; the
  // next call carries on exactly where this one stopped. A CPU debug stop (breakpoint,
  // watchpoint) returns StopReason::debug.
  RunResult run(Cycles limit = kNever, Cycles pause_at = kNever);
  // The debugger's single step: due events fire, then exactly one instruction executes
  // (CpuDebug::step). A reset request taken on the way resets the system as run() would.
  RunResult step();
  // A quit was requested (signal, Ctrl-A x): run() would return host_quit.
  static bool quit_requested();
  // Asks run() to return StopReason::deadline once the current event (or CPU slice) is done:
  // for observers that wait for something (a scenario's wait-serial, wait-pin) and want to
  // look at the board soon after it happened. As pause_at, it is not an event and changes no
  // cycle count; where the run pauses follows from virtual time only, so it is deterministic.
  void request_pause() { pause_requested_ = true; }

  // Resets every device and the CPU (memory keeps its contents), as a system reset does.
  void reset();

  // Whole-machine snapshots (machine/snapshot.hpp has the format and the rules): the state
  // between two run() calls as bytes, and back. Both throw SnapshotError with one line.
  std::vector<std::uint8_t> save_snapshot();
  void load_snapshot(const std::vector<std::uint8_t>& bytes);
  // Hash of what the machine was built from (board file text, circuits added): a snapshot is
  // only loaded into a machine with the same.
  std::uint64_t configuration_hash() const;

  // The `cpu.arch` values that have a backend.
  static std::vector<std::string> cpu_architectures();

  const BoardDesc& board() const { return board_; }
  Scheduler& scheduler() { return scheduler_; }
  Bus& bus() { return bus_; }
  Cpu& cpu() { return *cpu_; }
  Device* device(const std::string& name);
  // Builds the circuit's parts and wires its nets to the board's pins and the parts' pins.
  // Throws CircuitError "<file>:<line>: <field>: <problem>" (unknown part type or pin, bad
  // parameter, two I2C parts on one address of the same bus).
  void add_circuit(const CircuitDesc& circuit);

  // Observing and controlling the board from outside (tests, GUI, scenario runner).
  Netlist& netlist() { return netlist_; }
  // A pin of a device or part by its full name ("gpio.GPIO4", "eeprom1.SDA"); nullptr if none.
  Pin* pin(const std::string& name);
  Part* part(const std::string& id);
  // How the circuit described part `id` (its type and parameters); nullptr if there is none.
  const CircuitPart* part_description(const std::string& id) const;
  // The circuit's parts, in file order.
  std::vector<Part*> parts();
  // The pins of the device or part called `owner` (empty if there is none).
  std::vector<Pin*> pins_of(const std::string& owner);
  // Every net with a pin on it: the circuit's named nets and the nets of unwired pins.
  std::vector<Net*> nets();
  // The memories that keep their contents without power, with the name of their device
  // (board order) or, with `parts`, of their part (circuit order).
  std::vector<std::pair<std::string, NonVolatileMemory*>> nonvolatile_memories(bool parts);

  // Lets the guest's semihosting open, read and write files inside `dir` (and nowhere else).
  // Throws std::invalid_argument if the board has no semihosting or its semihosting serves no
  // files (Arm and RISC-V semihosting here offer the console and exit only), or `dir` is not
  // a usable directory.
  void set_semihosting_files(const std::string& dir);

  // Where semihosting console output goes (default: stderr, so stdout stays clean for pty).
  void set_semihosting_console(std::function<void(const std::string&)> sink) {
    semihost_console_ = std::move(sink);
  }

 private:
  struct CpuBackend {
    const char* arch;
    void (Machine::*build)();
  };
  static const CpuBackend kCpuBackends[3];
  void build_cortex_m();
  void build_rv32();
  void build_lx106();
  // Wires device interrupt outputs to `controller`'s numbered inputs and to the CPU's own lines.
  void wire_irqs(InterruptController* controller);
  // Performs a system reset a device asked for (DeviceContext::request_system_reset).
  void take_system_reset();

  BoardDesc board_;
  Scheduler scheduler_;
  Bus bus_;
  std::function<void(const std::string&)> semihost_console_;
  std::unique_ptr<Semihosting> semihosting_;
  std::vector<std::unique_ptr<Device>> devices_;  // board peripherals, in board-file order
  std::map<std::string, Device*> by_name_;
  std::unique_ptr<Cpu> cpu_;
  Netlist netlist_{&scheduler_};
  std::vector<std::unique_ptr<Part>> parts_;      // the circuit's, in file order
  std::vector<CircuitPart> part_descs_;           // as the circuit gave them, same order
  std::vector<std::unique_ptr<Pin>> resistors_;   // nets' pull-ups and pull-downs
  std::vector<std::unique_ptr<Pin>> irq_pins_;    // interrupt outputs shown on nets (IrqLine)
  std::vector<int> irq_sources_high_;  // per interrupt-controller input: sources asserting it
  bool system_reset_requested_ = false;  // a device asked for a system reset
  bool pause_requested_ = false;         // request_pause()
  std::string circuits_text_;  // every circuit added, canonically: part of configuration_hash()
  // The machine-owned pins (devices, CPU, parts, pulls, interrupt lines) in a fixed order.
  std::vector<Pin*> machine_pins();
  // Archives what is not inside a device, part or the CPU (time, nets, interrupt wiring).
  void machine_state(StateArchive& ar);
};

// Process-wide request to stop the run loop (signal handlers set it).
void request_host_quit();

}  // namespace boardemu
