// Value Change Dump (IEEE 1364-2005, section 18) of nets in virtual time: one more observer of
// the nets (core/net.hpp), like the GUI or a test. Waveform viewers (GTKWave, PulseView) and
// sigrok's protocol decoders read it: `sigrok-cli -I vcd -i trace.vcd -P i2c:scl=NET:sda=NET`
// takes the channel names as written here (net names, dots included).
//
// Time is virtual: cycles converted at the CPU clock to the coarsest power-of-ten timescale
// that holds every cycle boundary exactly (80 MHz: 100 ps; 25 MHz: 10 ns; a clock whose period
// is no whole number of femtoseconds: 1 fs, rounded down), so a trace of the same run is the
// same file, byte for byte. Levels: low 0, high 1, floating z, contention x.
//
// A net that carries an analog voltage (Net::voltage_aware() when recording starts: a
// potentiometer's wiper, a slide switch's contact) also gets a real variable "<net>.voltage" in
// volts (GTKWave draws it as an analog trace; sigrok's VCD input skips real variables).
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/net.hpp"

namespace boardemu {

class VcdError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file side of a VCD, shared by the live recorder below and the GUI's export of recorded
// history: the header (CPU clock, the coarsest exact timescale), identifier codes, time stamps
// written once per instant, values. Every write error throws VcdError naming the file.
class VcdFile {
 public:
  VcdFile(const std::string& path, std::uint64_t cpu_hz);  // throws VcdError
  ~VcdFile();
  VcdFile(const VcdFile&) = delete;
  VcdFile& operator=(const VcdFile&) = delete;

  // The identifier code of the index-th variable: printable ASCII '!'..'~', shortest first.
  static std::string code(std::size_t index);
  // $version, $comment (the clock, and `comment` if not empty), $timescale, $scope module board.
  void begin_header(const std::string& comment = {});
  void wire(const std::string& code, const std::string& name);
  void real(const std::string& code, const std::string& name);
  void end_header();  // $upscope, $enddefinitions
  void time(Cycles t);  // "#N", only when the instant changes
  void value(const std::string& code, Level level);
  void real_value(const std::string& code, double value);
  void text(const char* s);  // verbatim ($dumpvars, $end)
  void flush();
  const std::string& path() const { return path_; }

 private:
  void check(int rc);
  std::string timescale() const;  // e.g. "100 ps"
  static constexpr unsigned __int128 kFsPerSecond = 1'000'000'000'000'000u;
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t cpu_hz_;
  std::uint64_t unit_fs_ = 1;
  std::uint64_t last_time_ = ~std::uint64_t{0};
};

class VcdRecorder {
 public:
  // Opens (creates or truncates) `path`; throws VcdError naming it if it cannot be written.
  // `scheduler` is the board's clock, `cpu_hz` its rate.
  VcdRecorder(const std::string& path, const Scheduler& scheduler, std::uint64_t cpu_hz);
  ~VcdRecorder();
  VcdRecorder(const VcdRecorder&) = delete;
  VcdRecorder& operator=(const VcdRecorder&) = delete;

  // Records `net` from start() on. Nets are added before start(), each once.
  void add(Net& net);
  // Writes the header and every net's level now; from then on each change is written.
  void start();
  // Ends the trace with the time now (so the last edges have a sample after them), stops
  // recording and writes out what is buffered. Throws VcdError on a write error during the
  // whole recording. The destructor finishes a trace that was not finished (quietly).
  void finish();

  std::size_t changes() const { return changes_; }
  std::size_t signals() const { return signals_.size(); }

 private:
  VcdFile file_;
  const Scheduler& scheduler_;
  struct Signal {
    Net* net;
    Net::ObserverId id;
    std::string code;  // the VCD identifier
    std::string volts_code;  // of its "<net>.voltage" real variable, if it carries a voltage
    Net::ObserverId volts_id = 0;
  };
  std::vector<Signal> signals_;
  bool started_ = false;
  bool finished_ = false;
  std::size_t changes_ = 0;
  std::string error_;  // the first write error after start()
};

// Whether `name` matches one of the comma-separated shell patterns (`gpio.*,i2c0.SDA`); an
// empty pattern list matches everything.
bool vcd_signal_selected(const std::string& name, const std::string& patterns);

}  // namespace boardemu
