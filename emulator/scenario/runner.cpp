#include "scenario/runner.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>

#include "cli/flash_tool.hpp"
#include "cli/session.hpp"
#include "core/host_file.hpp"
#include "core/png.hpp"
#include "core/vcd.hpp"
#include "machine/probe.hpp"

namespace boardemu {

namespace fs = std::filesystem;

// The host side of one of the board's serial lines during a scenario: what the guest sent (all
// of it, with a read cursor for wait-serial) and what the scenario writes to it.
class ScenarioSerial : public CharBackend {
 public:
  ScenarioSerial(std::string name, Machine* machine) : name_(std::move(name)), machine_(machine) {}
  void set_machine(Machine* machine) { machine_ = machine; }
  void poll() override {}
  bool readable() const override { return !in_.empty(); }
  std::uint8_t read_byte() override {
    std::uint8_t b = in_.front();
    in_.pop_front();
    return b;
  }
  void write(const std::uint8_t* data, std::size_t len) override {
    out_.append(reinterpret_cast<const char*>(data), len);
    // Whatever waits for output looks at it soon: the run pauses after this event.
    if (machine_) machine_->request_pause();
  }
  void append(const std::string& text) { write(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()); }
  void send(const std::string& bytes) { in_.insert(in_.end(), bytes.begin(), bytes.end()); }
  bool input_pending() const { return !in_.empty(); }

  const std::string& name() const { return name_; }
  const std::string& out() const { return out_; }
  std::size_t cursor = 0;  // where the next wait-serial starts looking

 private:
  std::string name_;
  Machine* machine_;
  std::deque<std::uint8_t> in_;
  std::string out_;
};

struct BoardDriver::Recorder {
  std::string dir, vcd_path;
  std::unique_ptr<VcdRecorder> vcd;
};

namespace {

Level to_level(Step::Level l) {
  switch (l) {
    case Step::Level::high:
      return Level::high;
    case Step::Level::low:
      return Level::low;
    default:
      return Level::floating;
  }
}

std::string hex_bytes(const std::vector<std::uint8_t>& bytes) {
  std::string s;
  for (std::uint8_t b : bytes) s += fmt::format("{}{:02X}", s.empty() ? "" : " ", b);
  return s.empty() ? "(none)" : s;
}

std::string duration_text(Nanos ns) {
  if (ns % 1'000'000'000 == 0) return fmt::format("{} s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{} ms", ns / 1'000'000);
  return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6);
}

// Finds `p` in `text` from `from`; returns [begin, end) and the groups.
bool find(const Pattern& p, const std::string& text, std::size_t from, std::size_t* begin, std::size_t* end,
          std::vector<std::string>* groups) {
  if (from > text.size()) return false;
  if (!p.regex) {
    std::size_t at = text.find(p.text, from);
    if (at == std::string::npos) return false;
    *begin = at;
    *end = at + p.text.size();
    return true;
  }
  std::smatch m;
  auto first = text.cbegin() + static_cast<std::ptrdiff_t>(from);
  if (!std::regex_search(first, text.cend(), m, *p.re)) return false;
  *begin = from + static_cast<std::size_t>(m.position(0));
  *end = *begin + static_cast<std::size_t>(m.length(0));
  if (groups) {
    groups->clear();
    for (std::size_t i = 1; i < m.size(); ++i) groups->push_back(m[i].str());
  }
  return true;
}

std::string printable(const std::string& s) { return printable_lines(s, true); }

}  // namespace

BoardDriver::BoardDriver(const Scenario& scenario, DriverOptions options)
    : scenario_(scenario), options_(std::move(options)) {}

BoardDriver::~BoardDriver() {
  probe_.reset();
  recorder_.reset();
  session_.reset();
  if (!temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
  }
}

void BoardDriver::open() {
  const Scenario& sc = scenario_;
  auto bad = [&](const std::string& what) { throw ScenarioError(one_line(sc.path + ": " + what)); };
  cli::SessionOptions o;
  o.board = sc.board;
  o.boards_dir = options_.boards_dir;
  o.firmware = sc.firmware;
  o.circuit = sc.circuit;
  o.romfs = sc.romfs;
  o.load_snapshot = sc.snapshot;  // the machine starts where the snapshot was taken
  if (!sc.flash.empty() || !sc.files.empty()) {
    // The scenario's flash is a copy: a test never changes its inputs.
    char tmpl[] = "/tmp/boardemu-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (!made) bad("cannot make a temporary directory for the flash file");
    temp_dir_ = made;
    o.flash = temp_dir_ + "/flash.bin";
    std::error_code ec;
    if (!sc.flash.empty() && !fs::copy_file(sc.flash, o.flash, ec)) bad("flash: cannot copy " + sc.flash + ": " + ec.message());
    if (!sc.files.empty()) {
      // The directories' files together (a later directory's file wins), as one tree.
      std::string tree = temp_dir_ + "/files";
      for (const std::string& dir : sc.files) {
        fs::copy(dir, tree, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
        if (ec) bad("files: cannot copy " + dir + ": " + ec.message());
      }
      if (cli::flash_mkfs(sc.board, options_.boards_dir, tree, o.flash, /*report=*/false) != 0)
        bad("files: cannot make the board's filesystem of them (see above)");
    }
  }
  session_ = std::make_unique<cli::Session>(o);
  session_->set_quiet(true);
  session_->set_default_uart([this](const std::string& uart) -> CharBackend* {
    serials_.push_back(std::make_unique<ScenarioSerial>(uart, nullptr));
    return serials_.back().get();
  });
  if (session_->open() != 0) bad(session_->error());
  Machine& m = session_->machine();
  opened_ = true;
  // The serial lines pause the run when output arrives (they were made before the machine).
  for (auto& s : serials_) s->set_machine(&m);
  serials_.push_back(std::make_unique<ScenarioSerial>("semihosting", &m));
  m.set_semihosting_console([s = serials_.back().get()](const std::string& text) { s->append(text); });
  probe_ = std::make_unique<BoardProbe>(m);

  start_ = m.scheduler().now();
  start_instructions_ = m.cpu().instructions();
  limit_ = start_ + cycles_of(sc.timeout);

  if (!options_.artifacts_dir.empty()) {
    recorder_ = std::make_unique<Recorder>();
    recorder_->dir = options_.artifacts_dir + "/" + options_.artifact_id;
    std::error_code ec;
    fs::create_directories(recorder_->dir, ec);
    if (ec) bad("--artifacts: cannot make " + recorder_->dir + ": " + ec.message());
    recorder_->vcd_path = recorder_->dir + "/nets.vcd";
    try {
      recorder_->vcd = std::make_unique<VcdRecorder>(recorder_->vcd_path, m.scheduler(), m.board().cpu_hz);
      for (Net* n : m.nets()) recorder_->vcd->add(*n);
      recorder_->vcd->start();
    } catch (const VcdError& e) {
      bad(std::string("--artifacts: ") + e.what());
    }
  }
  for (const Step& step : sc.steps) check(step);
}

Cycles BoardDriver::cycles_of(Nanos ns) const {
  std::uint64_t hz = session_->machine().board().cpu_hz;
  unsigned __int128 c = (static_cast<unsigned __int128>(ns) * hz + 999'999'999) / 1'000'000'000;
  return static_cast<Cycles>(std::min<unsigned __int128>(c, Cycles{1} << 62));
}

double BoardDriver::virtual_ms() const {
  if (!opened_) return 0;
  Machine& m = session_->machine();
  return static_cast<double>(m.scheduler().now()) * 1000.0 / static_cast<double>(m.board().cpu_hz);
}

double BoardDriver::start_virtual_ms() const {
  if (!opened_) return 0;
  return static_cast<double>(start_) * 1000.0 / static_cast<double>(session_->machine().board().cpu_hz);
}

std::uint64_t BoardDriver::cycles() const { return opened_ ? session_->machine().scheduler().now() : 0; }
std::uint64_t BoardDriver::instructions() { return opened_ ? session_->machine().cpu().instructions() : 0; }

std::string BoardDriver::at() const { return fmt::format("at {:.3f} ms", virtual_ms()); }

void BoardDriver::check(const Step& step) {
  auto bad = [&](const std::string& what) {
    std::string where = step.line > 0 ? fmt::format("{}:{}: ", scenario_.path, step.line) : "";
    throw ScenarioError(one_line(fmt::format("{}{}{}: {}", where, step.field.empty() ? "" : step.field + ".", step.keyword, what)));
  };
  try {
    switch (step.kind) {
      case Step::Kind::wait_serial:
      case Step::Kind::write_serial:
      case Step::Kind::fail_serial:
      case Step::Kind::exec:
        serial(step);
        break;
      case Step::Kind::set_control: {
        Part& p = probe_->part(step.part);
        auto controls = p.controls();
        if (std::find(controls.begin(), controls.end(), step.control) == controls.end()) {
          std::string list;
          for (const auto& c : controls) list += (list.empty() ? "" : ", ") + c;
          bad(fmt::format("part '{}' has no control '{}' ({})", step.part, step.control,
                          list.empty() ? "it has none" : "it has: " + list));
        }
        break;
      }
      case Step::Kind::expect_pin:
      case Step::Kind::wait_pin:
        net(step.pin);
        break;
      case Step::Kind::expect_i2c:
        i2c_monitor(step);
        break;
      case Step::Kind::expect_spi:
        spi_monitor(step);
        break;
      case Step::Kind::take_screenshot:
        probe_->picture(step.part);
        break;
      default:
        break;
    }
  } catch (const std::invalid_argument& e) {
    bad(e.what());
  }
}

// The decoder of a step's I2C nets (default i2c_scl, i2c_sda), made on first use: from then on
// each message pauses the run, so a waiting expect-i2c sees it at once.
I2cMonitor& BoardDriver::i2c_monitor(const Step& step, std::string* key) {
  std::string scl = step.scl.empty() ? "i2c_scl" : step.scl, sda = step.sda.empty() ? "i2c_sda" : step.sda;
  I2cMonitor& mon = probe_->watch_i2c(scl, sda);
  Machine* m = &session_->machine();
  mon.on_transaction([m](const I2cTransaction&) { m->request_pause(); });
  if (key) *key = scl + "/" + sda;
  return mon;
}

// The decoder of a step's SPI nets (default spi_sck, spi_mosi, spi_miso, spi_cs); a frame ends
// when CS rises, which pauses the run.
SpiMonitor& BoardDriver::spi_monitor(const Step& step, std::string* key) {
  SpiFormat format;
  format.mode = static_cast<SpiMode>(step.mode);
  std::string sck = step.sck.empty() ? "spi_sck" : step.sck, cs = step.cs.empty() ? "spi_cs" : step.cs;
  SpiMonitor& mon = probe_->watch_spi(sck, step.mosi_net.empty() ? "spi_mosi" : step.mosi_net,
                                      step.miso_net.empty() ? "spi_miso" : step.miso_net, cs, format);
  Net& net = probe_->net(cs);
  if (cs_observed_.insert(&net).second) {
    Machine* m = &session_->machine();
    net.observe([m](const Net&, Level, Cycles) { m->request_pause(); });
  }
  if (key) *key = sck + "/" + cs;
  return mon;
}

ScenarioSerial& BoardDriver::serial(const Step& step) { return serial(step.serial); }

ScenarioSerial& BoardDriver::serial(const std::string& uart) {
  const std::string& name = uart.empty() ? scenario_.serial : uart;
  std::string names;
  for (auto& s : serials_) {
    if (s->name() == name) return *s;
    names += (names.empty() ? "" : ", ") + s->name();
  }
  throw std::invalid_argument(fmt::format("no serial line '{}' on board '{}' (it has: {})", name, scenario_.board, names));
}

Cycles BoardDriver::step_deadline(const Step& step) const {
  if (!step.timeout) return limit_;
  return std::min(limit_, session_->machine().scheduler().now() + cycles_of(*step.timeout));
}

std::string BoardDriver::why_ended() const {
  double ms = static_cast<double>(end_time_) * 1000.0 / static_cast<double>(session_->machine().board().cpu_hz);
  switch (end_reason_) {
    case StopReason::exit:
      return fmt::format("the firmware exited with code {} at {:.3f} ms", exit_code_, ms);
    case StopReason::time_limit:
      return fmt::format("the scenario's virtual-time limit ({}) was reached", duration_text(scenario_.timeout));
    case StopReason::fatal:
      return fmt::format("fatal error at {:.3f} ms: {}", ms, end_message_);
    case StopReason::host_quit:
      return "the run was interrupted (signal)";
    default:
      return "the run stopped: " + end_message_;
  }
}

BoardDriver::Wait BoardDriver::run_until(Cycles deadline, const std::function<bool()>& done) {
  Machine& m = session_->machine();
  for (;;) {
    if (done()) return Wait::done;
    if (ended_) return Wait::ended;
    if (m.scheduler().now() >= deadline) return Wait::timeout;
    RunResult r;
    try {
      r = m.run(limit_, deadline);
    } catch (const std::exception& e) {
      r = {StopReason::fatal, 0, fmt::format("emulation stopped: {}", e.what())};
    }
    if (r.reason == StopReason::deadline) continue;
    // The run cannot go on: what was seen before the end still counts.
    ended_ = true;
    end_reason_ = r.reason;
    exit_code_ = r.exit_code;
    end_message_ = r.message;
    end_time_ = m.scheduler().now();
    if (done()) return Wait::done;
    return Wait::ended;
  }
}

const char* BoardDriver::end_reason() const {
  switch (end_reason_) {
    case StopReason::exit:
      return "exited";
    case StopReason::time_limit:
      return "time-limit";
    case StopReason::host_quit:
      return "interrupted";
    default:
      return "fatal";
  }
}

StepResult BoardDriver::not_done(const Step& step, Wait w, const std::string& timeout_what) {
  if (w == Wait::ended) return fail(step, why_ended(), end_reason());
  return fail(step, timeout_what, "timeout");
}

Net& BoardDriver::net(const std::string& name) {
  if (name.find('.') == std::string::npos && !session_->machine().netlist().find(name)) {
    Machine& m = session_->machine();
    for (const auto& p : m.board().peripherals)
      if (Pin* x = m.pin(p.name + "." + name)) return x->net();
  }
  return probe_->net(name);
}

StepResult BoardDriver::fail(const Step& step, const std::string& what, const char* reason) {
  StepResult r;
  r.ok = false;
  r.reason = reason;
  // A scenario's step is named by file and line; a step sent by the pytest plugin by itself.
  std::string where = step.line > 0 ? fmt::format("{}:{}: ", scenario_.path, step.line) : "";
  r.message = one_line(fmt::format("{}{}{}: {}", where, step.field.empty() ? "" : step.field + " ", step.describe(), what));
  return r;
}

StepResult BoardDriver::check_fail_serial() {
  for (const FailText& f : fail_texts_) {
    const std::string& out = serial(f.uart).out();
    std::size_t b = 0, e = 0;
    if (find(f.pattern, out, f.from, &b, &e, nullptr))
      return fail(f.copy, fmt::format("{} appeared in the output ({}): \"{}\"", f.pattern.describe(), at(),
                                      printable(out.substr(b, e - b))));
  }
  return {};
}

StepResult BoardDriver::execute(const Step& step) {
  Machine& m = session_->machine();
  StepResult r;
  switch (step.kind) {
    case Step::Kind::delay: {
      Cycles until = m.scheduler().now() + cycles_of(*step.timeout);
      if (run_until(until, [] { return false; }) == Wait::ended) r = fail(step, why_ended(), end_reason());
      break;
    }
    case Step::Kind::wait_serial:
      r = wait_serial(step);
      break;
    case Step::Kind::write_serial:
      serial(step).send(step.bytes);
      break;
    case Step::Kind::fail_serial: {
      ScenarioSerial& s = serial(step);
      fail_texts_.push_back({step.pattern, s.name(), s.out().size(), step});
      break;
    }
    case Step::Kind::exec:
      r = exec(step);
      break;
    case Step::Kind::set_control:
      try {
        probe_->set_control(step.part, step.control, step.value);
      } catch (const std::exception& e) {
        r = fail(step, e.what());
      }
      break;
    case Step::Kind::expect_pin: {
      Level now = net(step.pin).level();
      if (now != to_level(step.level))
        r = fail(step, fmt::format("{} is {} ({})", step.pin, to_string(now), at()));
      break;
    }
    case Step::Kind::wait_pin:
      r = wait_pin(step);
      break;
    case Step::Kind::expect_i2c:
      r = expect_i2c(step);
      break;
    case Step::Kind::expect_spi:
      r = expect_spi(step);
      break;
    case Step::Kind::take_screenshot:
      r = screenshot(step);
      break;
    case Step::Kind::expect_exit:
      r = expect_exit(step);
      break;
  }
  if (!r.ok) return r;
  StepResult f = check_fail_serial();
  return f.ok ? r : f;
}

StepResult BoardDriver::finish() { return check_fail_serial(); }

StepResult BoardDriver::wait_serial(const Step& step) {
  ScenarioSerial& s = serial(step);
  std::size_t b = 0, e = 0;
  StepResult r;
  Wait w = run_until(step_deadline(step), [&] { return find(step.pattern, s.out(), s.cursor, &b, &e, &r.groups); });
  if (w == Wait::done) {
    r.output = s.out().substr(b, e - b);
    s.cursor = e;
    return r;
  }
  return not_done(step, w, fmt::format("not seen within {} ({})", step.timeout ? duration_text(*step.timeout) : "the scenario's time", at()));
}

StepResult BoardDriver::exec(const Step& step) {
  ScenarioSerial& s = serial(step);
  Cycles deadline = step_deadline(step);
  auto wait_for = [&](const std::string& text, std::size_t from, std::size_t* end) -> Wait {
    Wait w = run_until(deadline, [&] { return s.out().find(text, from) != std::string::npos; });
    if (w == Wait::done) *end = s.out().find(text, from) + text.size();
    return w;
  };
  auto stuck = [&](Wait w, const std::string& what) {
    return not_done(step, w, fmt::format("{} ({}; last output: \"{}\")", what, at(), printable(tail(3))));
  };
  // Interrupt whatever runs, enter the raw REPL (MicroPython docs, "raw REPL": Ctrl-A enters,
  // Ctrl-D executes what was sent, the reply is "OK", the output, \x04, the error output, \x04
  // and ">"; Ctrl-B leaves).
  // A firmware still booting may not hear the first request: it is sent again every 50 ms of
  // virtual time for as long as the guest has taken the previous one and not answered.
  std::size_t from = s.out().size(), end = 0;
  const std::string banner = "raw REPL; CTRL-B to exit\r\n>";
  const Cycles retry = cycles_of(50'000'000);
  for (;;) {
    if (!s.input_pending()) s.send("\r\x03\x03\x01");
    Cycles now = session_->machine().scheduler().now();
    Cycles until = std::min(deadline, now + retry);
    Wait w = run_until(until, [&] { return s.out().find(banner, from) != std::string::npos; });
    if (w == Wait::done) break;
    if (w == Wait::ended || until >= deadline) return stuck(w, "the raw REPL did not answer");
  }
  end = s.out().find(banner, from) + banner.size();
  from = end;
  s.send(step.bytes + "\x04");
  if (Wait w = wait_for("OK", from, &end); w != Wait::done) return stuck(w, "the code was not accepted");
  std::size_t out_begin = end;
  if (Wait w = wait_for("\x04", out_begin, &end); w != Wait::done) return stuck(w, "the code did not finish");
  std::size_t out_end = end - 1;
  std::size_t err_begin = end;
  if (Wait w = wait_for("\x04>", err_begin, &end); w != Wait::done) return stuck(w, "the code did not finish");
  std::string out = s.out().substr(out_begin, out_end - out_begin);
  std::string err = s.out().substr(err_begin, end - 2 - err_begin);
  // Back to the friendly REPL, so what follows sees the board as a user leaves it.
  from = end;
  s.send("\x02");
  if (Wait w = wait_for(">>> ", from, &end); w != Wait::done) return stuck(w, "the REPL did not come back");
  s.cursor = end;
  StepResult r;
  std::string text;
  for (char c : out)
    if (c != '\r') text += c;
  r.output = text;
  if (!err.empty()) {
    std::string last = printable(err);
    while (!last.empty() && last.back() == '\n') last.pop_back();
    if (auto nl = last.rfind('\n'); nl != std::string::npos) last = last.substr(nl + 1);
    StepResult f = fail(step, fmt::format("the code raised {} ({})", last, at()), "raised");
    f.output = text;
    return f;
  }
  if (!step.pattern.text.empty()) {
    bool ok;
    if (step.pattern.regex) {
      std::size_t b = 0, e = 0;
      ok = find(step.pattern, text, 0, &b, &e, &r.groups);
    } else {
      std::string want = step.pattern.text, got = text;
      while (!want.empty() && want.back() == '\n') want.pop_back();
      while (!got.empty() && got.back() == '\n') got.pop_back();
      ok = want == got;
    }
    if (!ok) {
      StepResult f = fail(step, fmt::format("printed \"{}\", expected {}", printable(text), step.pattern.describe()));
      f.output = text;
      return f;
    }
  }
  return r;
}

StepResult BoardDriver::wait_pin(const Step& step) {
  Net& net = this->net(step.pin);
  Machine* m = &session_->machine();
  auto id = net.observe([m](const Net&, Level, Cycles) { m->request_pause(); });
  Level want = to_level(step.level);
  Wait w = run_until(step_deadline(step), [&] { return net.level() == want; });
  net.unobserve(id);
  if (w == Wait::done) return {};
  return not_done(step, w, fmt::format("{} stayed {} for {} ({})", step.pin, to_string(net.level()),
                                       step.timeout ? duration_text(*step.timeout) : "the scenario's time", at()));
}

StepResult BoardDriver::expect_i2c(const Step& step) {
  std::string key;
  I2cMonitor& mon = i2c_monitor(step, &key);
  std::size_t& cursor = i2c_cursor_[key];
  auto matches = [&](const I2cTransaction& t) {
    return (!step.address || t.address == *step.address) &&
           (!step.read || (t.direction == I2cDirection::read) == *step.read) &&
           (!step.data || t.data == *step.data) && (!step.ack || t.acked() == *step.ack);
  };
  std::size_t found = 0;
  auto seen = [&] {
    const auto& ts = mon.transactions();
    for (std::size_t i = cursor; i < ts.size(); ++i)
      if (matches(ts[i])) {
        found = i;
        return true;
      }
    return false;
  };
  Cycles deadline = step.timeout ? step_deadline(step) : session_->machine().scheduler().now();
  Wait w = run_until(deadline, seen);
  if (w == Wait::done) {
    cursor = found + 1;
    return {};
  }
  std::string want = fmt::format("{}{}{}", step.address ? fmt::format("address 0x{:02X}", *step.address) : "any address",
                                 step.read ? (*step.read ? " read" : " write") : "",
                                 step.data ? " data " + hex_bytes(*step.data) : "");
  const auto& ts = mon.transactions();
  std::string last = ts.size() > cursor ? "; the last one: " + to_string(ts.back()) : "; none since the last match";
  return not_done(step, w, fmt::format("no I2C message on {} with {}{} ({}{})", key, want,
                                       step.timeout ? " within " + duration_text(*step.timeout) : "", at(), last));
}

StepResult BoardDriver::expect_spi(const Step& step) {
  std::string key;
  SpiMonitor& mon = spi_monitor(step, &key);
  std::size_t& cursor = spi_cursor_[key];
  auto prefix = [](const std::vector<std::uint8_t>& want, const std::vector<std::uint8_t>& got) {
    return got.size() >= want.size() && std::equal(want.begin(), want.end(), got.begin());
  };
  std::size_t found = 0;
  auto seen = [&] {
    const auto& fr = mon.frames();
    for (std::size_t i = cursor; i < fr.size(); ++i)
      if ((!step.mosi || prefix(*step.mosi, fr[i].mosi)) && (!step.miso || prefix(*step.miso, fr[i].miso))) {
        found = i;
        return true;
      }
    return false;
  };
  Cycles deadline = step.timeout ? step_deadline(step) : session_->machine().scheduler().now();
  Wait w = run_until(deadline, seen);
  if (w == Wait::done) {
    cursor = found + 1;
    return {};
  }
  return not_done(step, w, fmt::format("no SPI frame starting MOSI {} MISO {}{} ({}; {} frames seen)",
                                                   step.mosi ? hex_bytes(*step.mosi) : "any",
                                                   step.miso ? hex_bytes(*step.miso) : "any",
                                                   step.timeout ? " within " + duration_text(*step.timeout) : "", at(),
                                                   mon.frames().size()));
}

StepResult BoardDriver::screenshot(const Step& step) {
  Part::Picture pic = probe_->picture(step.part);
  try {
    if (!step.save_to.empty()) probe_->write_picture_png(step.part, step.save_to, 1);
    if (step.compare_with.empty()) return {};
    GrayImage want = read_png_gray8(step.compare_with);
    if (want.width != pic.width || want.height != pic.height)
      return fail(step, fmt::format("{} is {} x {}, the panel {} x {}", step.compare_with, want.width, want.height,
                                    pic.width, pic.height));
    std::size_t differ = 0, first = 0;
    for (std::size_t i = 0; i < want.pixels.size(); ++i)
      if (want.pixels[i] != pic.luminance[i] && differ++ == 0) first = i;
    if (differ == 0) return {};
    std::string saved;
    if (recorder_) {
      saved = recorder_->dir + "/" + step.part + "-actual.png";
      probe_->write_picture_png(step.part, saved, 1);
      saved = "; the panel is in " + saved;
    }
    return fail(step, fmt::format("{} of {} pixels differ from {} (first at x={} y={}: {} expected, {} shown; {}{})",
                                  differ, want.pixels.size(), step.compare_with, first % pic.width, first / pic.width,
                                  want.pixels[first], pic.luminance[first], at(), saved));
  } catch (const std::runtime_error& e) {
    return fail(step, e.what());
  }
}

StepResult BoardDriver::expect_exit(const Step& step) {
  Wait w = run_until(step_deadline(step), [&] { return ended_ && end_reason_ == StopReason::exit; });
  if (w == Wait::done) {
    if (step.exit_code && exit_code_ != *step.exit_code)
      return fail(step, fmt::format("the firmware exited with code {} ({})", exit_code_, at()));
    return {};
  }
  return not_done(step, w, fmt::format("the firmware was still running after {} ({})",
                                       step.timeout ? duration_text(*step.timeout) : "the scenario's time", at()));
}

const std::string& BoardDriver::serial_log(const std::string& uart) { return serial(uart).out(); }

std::string BoardDriver::tail(unsigned lines) {
  if (!opened_) return {};
  const std::string& out = serial_log();
  std::size_t end = out.size();
  while (end > 0 && (out[end - 1] == '\n' || out[end - 1] == '\r')) --end;  // a final newline is no line
  std::size_t pos = end;
  for (unsigned n = 0; n < lines && pos > 0; ++n) {
    std::size_t nl = out.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
  }
  if (pos < end && out[pos] == '\n') ++pos;
  return printable(out.substr(pos, end - pos));
}

std::string BoardDriver::level(const std::string& pin) { return std::string(to_string(net(pin).level())); }

std::vector<std::string> BoardDriver::keep_artifacts() {
  std::vector<std::string> files;
  if (!recorder_) return files;
  try {
    recorder_->vcd->finish();
    files.push_back(recorder_->vcd_path);
  } catch (const VcdError&) {
  }
  for (auto& s : serials_) {
    if (s->out().empty()) continue;
    std::string path = recorder_->dir + "/" + s->name() + ".log";
    std::ofstream f(path, std::ios::binary);
    f << s->out();
    if (f) files.push_back(path);
  }
  for (const auto& entry : fs::directory_iterator(recorder_->dir))
    if (entry.path().extension() == ".png") files.push_back(entry.path().string());
  recorder_.reset();
  return files;
}

void BoardDriver::drop_artifacts() {
  if (!recorder_) return;
  std::string dir = recorder_->dir;
  recorder_.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

ScenarioResult run_scenario(const Scenario& scenario, const DriverOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  ScenarioResult res;
  res.path = scenario.path;
  res.name = scenario.name;
  BoardDriver d(scenario, options);
  try {
    d.open();
    StepResult r;
    for (const Step& step : scenario.steps) {
      r = d.execute(step);
      if (!r.ok) break;
    }
    if (r.ok) r = d.finish();
    if (!r.ok) {
      res.verdict = ScenarioResult::Verdict::failed;
      res.message = r.message;
    }
    res.serial_log = d.serial_log();
    res.uart_tail = d.tail(10);
  } catch (const ScenarioError& e) {
    res.verdict = ScenarioResult::Verdict::error;
    res.message = e.what();
  } catch (const std::exception& e) {
    res.verdict = ScenarioResult::Verdict::error;
    res.message = one_line(scenario.path + ": " + e.what());
  }
  res.virtual_ms = d.virtual_ms();
  res.cycles = d.cycles();
  res.instructions = d.instructions();
  res.start_virtual_ms = d.start_virtual_ms();
  res.start_instructions = d.start_instructions();
  if (res.verdict == ScenarioResult::Verdict::failed) res.artifacts = d.keep_artifacts();
  else d.drop_artifacts();
  res.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace boardemu
