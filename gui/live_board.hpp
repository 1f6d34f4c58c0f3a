// The running board as the GUI sees it: the emulation on its own thread, run in slices of
// virtual time, with what the window shows published between slices.
//
// - The emulator thread owns the Machine. Between slices it runs the commands the GUI queued
//   (press a button, type into a UART, pause, step, reset, change speed), paces virtual time
//   against real time (speed 1: a LED blinking at 1 Hz blinks at 1 Hz; 0: as fast as
//   possible), and, at most every `publish period` of host time, copies what the window
//   shows into a BoardState the GUI thread takes with state().
// - Slicing and pacing never change what the guest sees: a slice end is not an event
//   (Machine::run's pause_at), so cycle counts are those of `boardemu run`. Host time decides
//   only when a slice runs and when the user's input lands, as it does for a terminal.
// - Net changes, decoded bus messages and UART bytes are kept for the logic analyzer and the
//   bus monitor (bounded; the oldest go first) and handed over with the state.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/session.hpp"
#include "core/cpu.hpp"
#include "core/i2c.hpp"
#include "core/net.hpp"
#include "core/spi.hpp"
#include "fs/fs_entry.hpp"
#include "gui/console.hpp"
#include "machine/machine.hpp"
#include "machine/probe.hpp"

namespace boardemu::gui {

struct PinView {
  std::string name;      // "gpio.GPIO4"
  std::string label;     // "GPIO4"
  std::string function;  // "GPIO", "HSPI_CLK", "" if the model does not say
  Level level = Level::floating;
  Drive drive = Drive::off;
  double volts = 0;
  std::string net;                 // its net's name
  std::vector<std::string> wired;  // the other pins on that net
};

struct PartView {
  std::string id, type;
  std::vector<std::pair<std::string, double>> controls;  // name, value now
  std::vector<std::pair<std::string, double>> readings;
  std::optional<Part::Picture> picture;
  std::map<std::string, std::string> params;  // as the circuit file gives them (colour, ...)
  std::vector<std::string> pins;              // "led1.A -> net led"
};

struct RegisterView {
  std::string name;
  std::uint32_t offset = 0;
  std::uint32_t value = 0;
};

struct DeviceView {
  std::string name, model;
  std::uint64_t base = 0, size = 0;
  std::vector<RegisterView> registers;  // empty: the model declares none
};

struct FlashView {
  std::string name;       // "flash chip of spi0", "memory of part eeprom1"
  std::uint32_t size = 0;
  std::uint32_t sector = 4096;
  std::vector<std::uint32_t> writes;      // per sector: erase/program operations seen
  std::vector<Cycles> last_write;         // per sector: when (0: never)
  std::vector<std::uint8_t> blank;        // per sector: 1 if all 0xFF now (sampled)
  std::uint64_t total_writes = 0;
  std::vector<FlashPartition> partitions;  // the board's flash chip only (board file)
  // The files of each romfs and filesystem partition (read when the flash changed, at most
  // once a second), by partition name; `status` says "no ROMFS image", an error, or "".
  struct Files {
    std::string status;
    std::vector<FsEntry> entries;
  };
  std::map<std::string, Files> files;
};

enum class RunState { running, paused, ended };

struct BoardState {
  std::uint64_t serial = 0;  // increases with each publication
  Cycles now = 0;
  std::uint64_t hz = 1;
  std::uint64_t instructions = 0;
  RunState run = RunState::running;
  std::string status;      // "running", "paused", "ended: exit code 0", ...
  double speed = 1;        // requested: 0 as fast as possible, else virtual s per real s
  double achieved = 0;     // measured virtual s per real s over the last second (host time)
  double effective_mhz = 0;  // cycles per real second / 1e6, same window
  std::string board, arch, firmware;
  // CPU
  std::uint32_t pc = 0;
  std::string symbol;  // "mp_execute_bytecode+0x1a4", "" if none
  std::vector<std::pair<std::string, std::uint32_t>> registers;
  // Board
  std::vector<PinView> chip_pins;  // the board's devices' pins (GPIO), in device order
  std::vector<PartView> parts;
  std::vector<DeviceView> devices;
  std::vector<FlashView> flash;
  std::vector<std::string> uarts;  // UARTs with a GUI console
};

// A net's history for the logic analyzer.
struct Trace {
  std::string net;
  std::vector<BoardProbe::Change> changes;  // the first is its level when recording began
};

// A decoded message for the bus monitor and the logic analyzer's protocol rows.
struct BusMessage {
  Cycles start = 0, end = 0;
  std::string bus;     // "i2c scl/sda", "spi sck/mosi/miso/cs", "uart0 tx"
  std::string device;  // the part that answered, if known
  std::string text;    // "S 0x76 W A D0 A P", "MOSI 9F .. MISO ..", "'>' 3E"
  std::vector<std::uint8_t> bytes;
  bool ok = true;  // an I2C message whose address was ACKed
};

class LiveBoard {
 public:
  // The session must be open. `speed`: 1 real time, 0 as fast as possible.
  LiveBoard(cli::Session& session, std::vector<ConsoleBackend*> consoles, double speed, bool paused);
  ~LiveBoard();
  LiveBoard(const LiveBoard&) = delete;
  LiveBoard& operator=(const LiveBoard&) = delete;

  // Starts the emulator thread.
  void start();
  // Stops it (if running) and returns how the run ended (host_quit if it was still running).
  RunResult stop();
  // Runs on the calling thread until virtual time `t` (or the run ends), as fast as possible,
  // then publishes: for screenshots. The thread must not be running.
  RunResult run_to(Cycles t);

  // ---- commands from the GUI thread; they take effect between two slices ----
  void set_speed(double speed);
  void pause();
  void resume();
  void step();   // one instruction (while paused)
  void reset();  // system reset and the firmware loaded again, as a board's reset button
  void set_control(const std::string& part, const std::string& control, double value);
  // Runs `f` on the emulator thread between slices (for anything else).
  void post(std::function<void(Machine&)> f);

  // The latest published state (never null after construction).
  std::shared_ptr<const BoardState> state() const;
  // Moves the net changes and bus messages recorded since the last call into `traces` (by net
  // name) and `messages`. Bounded: each trace keeps its newest kMaxChanges changes.
  void take_history(std::map<std::string, Trace>& traces, std::vector<BusMessage>& messages);
  static constexpr std::size_t kMaxChanges = 1 << 20;
  static constexpr std::size_t kMaxMessages = 100000;

  bool ended() const { return ended_; }
  RunResult result() const;
  // The last error a command raised (an out-of-range control value), once.
  std::string take_error();
  cli::Session& session() { return session_; }
  const std::vector<ConsoleBackend*>& consoles() const { return consoles_; }

 private:
  void thread_main();
  // Runs slices until `pause_at` (then deadline), a stop, or the end of the run.
  RunResult run_slices(Cycles pause_at);
  void run_commands();
  void publish(bool force);
  void record_history();
  std::string symbol_at(std::uint32_t pc) const;
  struct FlashWatch;
  // Reads the files of the romfs and filesystem partitions of `f` into its view.
  void list_files(FlashWatch& f);
  void anchor_pacing();

  friend class GuiTarget;
  cli::Session& session_;
  Machine& m_;
  std::vector<ConsoleBackend*> consoles_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  mutable std::mutex mu_;  // guards state_, commands_, shared history, result_, error_
  std::condition_variable wake_;
  std::deque<std::function<void()>> commands_;
  std::shared_ptr<const BoardState> state_;
  RunResult result_;
  std::string error_;
  std::uint64_t serial_ = 0;

  // Emulator-thread side.
  bool paused_ = false;
  double speed_ = 1;
  std::chrono::steady_clock::time_point anchor_host_;
  Cycles anchor_virtual_ = 0;
  std::chrono::steady_clock::time_point last_publish_{};
  std::chrono::steady_clock::time_point last_scan_{};
  std::deque<std::pair<std::chrono::steady_clock::time_point, Cycles>> rate_window_;
  std::vector<std::pair<std::string, std::uint32_t>> symbols_;  // sorted by address
  std::vector<std::string> register_names_;
  BoardProbe probe_;
  struct Recorded {
    Net* net;
    Net::ObserverId id;
    std::vector<BoardProbe::Change> pending;
  };
  std::vector<Recorded> recorded_;
  std::vector<std::pair<std::string, I2cMonitor*>> i2c_;
  std::vector<std::pair<std::string, SpiMonitor*>> spi_;
  std::vector<BusMessage> pending_messages_;
  struct FlashWatch {
    NonVolatileMemory* memory;
    NonVolatileMemory::ObserverId id;
    FlashView view;
    std::uint64_t listed_at_writes = ~std::uint64_t{0};  // total_writes when the files were read
  };
  std::vector<FlashWatch> flash_;

  // Shared with the GUI thread under mu_.
  std::map<std::string, std::vector<BoardProbe::Change>> shared_changes_;
  std::vector<BusMessage> shared_messages_;
};

}  // namespace boardemu::gui
