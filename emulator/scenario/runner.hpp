// Running scenarios (scenario/scenario.hpp): a board built as `boardemu run` builds it, driven
// step by step in virtual time. Observers only: serial lines are host backends the driver owns,
// pins, nets, parts and buses are reached through BoardProbe (machine/probe.hpp).
//
// Waiting is exact and deterministic: whatever a wait looks for (serial text, a pin level, a bus
// transaction) asks the machine to pause (Machine::request_pause) when it happens; the driver
// then checks the condition. Pauses change no cycle count, so a scenario gives the same verdict,
// virtual times and cycle counts on every run and machine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "core/cpu.hpp"
#include "core/scheduler.hpp"
#include "scenario/scenario.hpp"

namespace boardemu {

namespace cli {
class Session;
}
class BoardProbe;
class I2cMonitor;
class Net;
class ScenarioSerial;
class SpiMonitor;

// How one step ended.
struct StepResult {
  bool ok = true;
  // Why it failed, for programs (the pytest plugin): "timeout" (not seen within the step's
  // time), "mismatch" (seen, but not as expected), "raised" (exec: the code raised), "exited"
  // (the firmware ended), "fatal" (a fatal emulation error), "time-limit" (the scenario's
  // virtual-time limit), "interrupted".
  std::string reason;
  std::string message;          // why it failed (one line)
  std::string output;           // exec: what the code printed; wait-serial: the matched text
  std::vector<std::string> groups;  // wait-serial with a regex: the capture groups
  std::string level;            // pin queries (pytest plugin)
};

struct ScenarioResult {
  enum class Verdict { passed, failed, error };
  Verdict verdict = Verdict::passed;
  std::string path, name;
  std::string message;     // failed/error: "<file>:<line>: steps[3] wait-serial 'x': not seen within 2 s"
  double virtual_ms = 0;  // at the end (a snapshot's time included)
  std::uint64_t cycles = 0, instructions = 0;
  // Where the scenario began: 0 from reset, the snapshot's time and count from a snapshot.
  double start_virtual_ms = 0;
  std::uint64_t start_instructions = 0;
  double host_seconds = 0;
  std::string serial_log;  // everything the scenario's UART sent
  std::string uart_tail;   // the last lines of it, for the failure message
  std::vector<std::string> artifacts;  // files written for a failure
};

struct DriverOptions {
  std::string boards_dir;
  std::string artifacts_dir;  // empty: none. Else a VCD of the nets and the UART log, kept on failure
  std::string artifact_id;    // the scenario's subdirectory there
};

// A board under a scenario's control.
class BoardDriver {
 public:
  BoardDriver(const Scenario& scenario, DriverOptions options);
  ~BoardDriver();
  BoardDriver(const BoardDriver&) = delete;
  BoardDriver& operator=(const BoardDriver&) = delete;

  // Builds the board and checks every step's names (parts, controls, pins, nets, UARTs, display
  // parts) against it without running anything. Throws ScenarioError naming the scenario file,
  // line and step.
  void open();
  // Checks one more step against the board (the pytest protocol's steps). Throws ScenarioError.
  void check(const Step& step);
  // Runs one step. A failure is a result, not an exception.
  StepResult execute(const Step& step);
  // After the last step: checks the fail-serial texts over everything since they were set.
  StepResult finish();

  double virtual_ms() const;
  double start_virtual_ms() const;
  std::uint64_t start_instructions() const { return start_instructions_; }
  std::uint64_t cycles() const;
  std::uint64_t instructions();
  // Everything the UART sent so far.
  const std::string& serial_log(const std::string& uart = "");
  // The last `lines` lines of the scenario's UART output.
  std::string tail(unsigned lines = 10);
  // Level of a pin or net: "low", "high", "floating", "contention". Throws std::invalid_argument.
  std::string level(const std::string& pin);
  // Stops recording and writes the failure artifacts (VCD, UART logs); returns their paths.
  std::vector<std::string> keep_artifacts();
  void drop_artifacts();

 private:
  struct Waiter;
  enum class Wait { done, timeout, ended };
  // Runs until `done()` holds, the step's deadline passes, or the run ends (exit, fatal, limit).
  Wait run_until(Cycles deadline, const std::function<bool()>& done);
  Cycles step_deadline(const Step& step) const;
  std::string why_ended() const;
  ScenarioSerial& serial(const Step& step);
  // A serial line by name (empty: the scenario's); throws std::invalid_argument listing them.
  ScenarioSerial& serial(const std::string& uart);
  I2cMonitor& i2c_monitor(const Step& step, std::string* key = nullptr);
  SpiMonitor& spi_monitor(const Step& step, std::string* key = nullptr);
  StepResult fail(const Step& step, const std::string& what, const char* reason = "mismatch");
  // A wait that did not end in `done`: the run's end, or the step's time running out.
  StepResult not_done(const Step& step, Wait w, const std::string& timeout_what);
  const char* end_reason() const;
  // A pin or net by name; a chip pin may leave out its device ("GPIO2" for "gpio.GPIO2").
  Net& net(const std::string& name);
  StepResult check_fail_serial();
  StepResult wait_serial(const Step& step);
  StepResult exec(const Step& step);
  StepResult wait_pin(const Step& step);
  StepResult expect_i2c(const Step& step);
  StepResult expect_spi(const Step& step);
  StepResult screenshot(const Step& step);
  StepResult expect_exit(const Step& step);
  Cycles cycles_of(Nanos ns) const;
  std::string at() const;  // "at 123.456 ms"

  Scenario scenario_;
  DriverOptions options_;
  std::string temp_dir_;
  std::unique_ptr<cli::Session> session_;
  std::unique_ptr<BoardProbe> probe_;
  std::vector<std::unique_ptr<ScenarioSerial>> serials_;
  bool opened_ = false;  // the machine exists
  Cycles start_ = 0, limit_ = kNever;
  std::uint64_t start_instructions_ = 0;
  // The run ended for good (guest exit, fatal error, virtual-time limit).
  bool ended_ = false;
  StopReason end_reason_ = StopReason::deadline;
  int exit_code_ = 0;
  std::string end_message_;
  Cycles end_time_ = 0;
  struct FailText {
    Pattern pattern;
    std::string uart;
    std::size_t from;
    Step copy;
  };
  std::vector<FailText> fail_texts_;
  std::map<std::string, std::size_t> i2c_cursor_, spi_cursor_;  // per bus: messages already matched
  std::set<Net*> cs_observed_;
  struct Recorder;
  std::unique_ptr<Recorder> recorder_;
};

// Runs a whole scenario (open, every step, finish); never throws for what the firmware does.
// Bad input (the scenario's board, files, names) ends as Verdict::error with its message.
ScenarioResult run_scenario(const Scenario& scenario, const DriverOptions& options);

}  // namespace boardemu
