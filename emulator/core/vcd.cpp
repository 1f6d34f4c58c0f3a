#include "core/vcd.hpp"

#include <fnmatch.h>

#include <cerrno>
#include <cstring>

namespace boardemu {

namespace {

// Identifier codes: printable ASCII '!'..'~' (94 symbols), shortest first.
std::string identifier(std::size_t index) {
  std::string s;
  do {
    s.push_back(static_cast<char>('!' + index % 94));
    index /= 94;
  } while (index-- > 0);
  return s;
}

char value_char(Level l) {
  switch (l) {
    case Level::low: return '0';
    case Level::high: return '1';
    case Level::floating: return 'z';
    case Level::contention: return 'x';
  }
  return 'x';
}

}  // namespace

VcdRecorder::VcdRecorder(const std::string& path, const Scheduler& scheduler, std::uint64_t cpu_hz)
    : path_(path), scheduler_(scheduler), cpu_hz_(cpu_hz) {
  if (cpu_hz == 0) throw VcdError(path + ": VCD needs a clock above 0 Hz");
  // The coarsest timescale (a power of ten femtoseconds) that still holds every cycle
  // boundary exactly: one cycle of 80 MHz is 12.5 ns, so 100 ps; of 25 MHz, 40 ns, so 10 ns.
  // Viewers and sigrok turn the timescale into a sample rate, so coarser is cheaper for them.
  if (kFsPerSecond % cpu_hz == 0) {
    std::uint64_t period = static_cast<std::uint64_t>(kFsPerSecond / cpu_hz);
    while (unit_fs_ < 1'000'000'000'000'000u && period % (unit_fs_ * 10) == 0) unit_fs_ *= 10;
  }
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw VcdError(path + ": cannot write the VCD file: " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
}

VcdRecorder::~VcdRecorder() {
  try {
    finish();
  } catch (const VcdError&) {
    // Reported by an explicit finish(); a destructor cannot.
  }
  std::fclose(file_);
}

void VcdRecorder::add(Net& net) {
  if (started_) throw std::logic_error("VcdRecorder::add after start");
  for (const auto& s : signals_)
    if (s.net == &net) return;
  signals_.push_back(Signal{&net, 0, identifier(signals_.size()), {}});
}

std::uint64_t VcdRecorder::time_units(Cycles t) const {
  // In units of the timescale (unit_fs_ femtoseconds).
  return static_cast<std::uint64_t>(static_cast<unsigned __int128>(t) * kFsPerSecond / cpu_hz_ / unit_fs_);
}

void VcdRecorder::check(int rc) {
  if (rc < 0) throw VcdError(path_ + ": cannot write the VCD file: " + std::strerror(errno));
}

void VcdRecorder::write_time(Cycles t) {
  std::uint64_t ps = time_units(t);
  if (ps == last_time_) return;
  last_time_ = ps;
  check(std::fprintf(file_, "#%llu\n", static_cast<unsigned long long>(ps)));
}

void VcdRecorder::start() {
  if (started_) return;
  started_ = true;
  const Cycles now = scheduler_.now();
  check(std::fprintf(file_,
                     "$version boardemu $end\n"
                     "$comment CPU clock %llu Hz; times are virtual $end\n"
                     "$timescale %s $end\n"
                     "$scope module board $end\n",
                     static_cast<unsigned long long>(cpu_hz_), timescale().c_str()));
  for (const auto& s : signals_)
    check(std::fprintf(file_, "$var wire 1 %s %s $end\n", s.code.c_str(), s.net->name().c_str()));
  std::size_t codes = signals_.size();
  for (auto& s : signals_) {
    if (!s.net->voltage_aware()) continue;
    s.volts_code = identifier(codes++);
    check(std::fprintf(file_, "$var real 64 %s %s.voltage $end\n", s.volts_code.c_str(), s.net->name().c_str()));
  }
  check(std::fprintf(file_, "$upscope $end\n$enddefinitions $end\n"));
  write_time(now);
  check(std::fprintf(file_, "$dumpvars\n"));
  for (const auto& s : signals_) check(std::fprintf(file_, "%c%s\n", value_char(s.net->level()), s.code.c_str()));
  for (const auto& s : signals_)
    if (!s.volts_code.empty()) check(std::fprintf(file_, "r%.9g %s\n", s.net->voltage(), s.volts_code.c_str()));
  check(std::fprintf(file_, "$end\n"));
  for (auto& s : signals_) {
    const std::string* code = &s.code;
    s.id = s.net->observe([this, code](const Net&, Level level, Cycles time) {
      // A write error during the run (a full disk) must not unwind through the models that
      // drove the net: it is kept, writing stops, and flush() reports it.
      if (!error_.empty()) return;
      try {
        write_time(time);
        check(std::fprintf(file_, "%c%s\n", value_char(level), code->c_str()));
        ++changes_;
      } catch (const VcdError& e) {
        error_ = e.what();
      }
    });
    if (s.volts_code.empty()) continue;
    const std::string* volts_code = &s.volts_code;
    s.volts_id = s.net->observe_voltage([this, volts_code](const Net&, double volts, Cycles time) {
      if (!error_.empty()) return;
      try {
        write_time(time);
        check(std::fprintf(file_, "r%.9g %s\n", volts, volts_code->c_str()));
        ++changes_;
      } catch (const VcdError& e) {
        error_ = e.what();
      }
    });
  }
}

std::string VcdRecorder::timescale() const {
  static const char* const kUnits[] = {"fs", "ps", "ns", "us", "ms", "s"};
  unsigned exp = 0;
  for (std::uint64_t u = unit_fs_; u >= 10; u /= 10) ++exp;
  return std::to_string(exp % 3 == 0 ? 1 : exp % 3 == 1 ? 10 : 100) + " " + kUnits[exp / 3];
}

void VcdRecorder::finish() {
  if (started_ && !finished_) {
    finished_ = true;
    for (auto& s : signals_) {
      s.net->unobserve(s.id);
      if (!s.volts_code.empty()) s.net->unobserve(s.volts_id);
    }
    if (error_.empty()) {
      try {
        write_time(scheduler_.now());
      } catch (const VcdError& e) {
        error_ = e.what();
      }
    }
  }
  if (!error_.empty()) throw VcdError(error_);
  if (std::fflush(file_) != 0) throw VcdError(path_ + ": cannot write the VCD file: " + std::strerror(errno));
}

bool vcd_signal_selected(const std::string& name, const std::string& patterns) {
  if (patterns.empty()) return true;
  std::size_t at = 0;
  while (at <= patterns.size()) {
    std::size_t comma = patterns.find(',', at);
    if (comma == std::string::npos) comma = patterns.size();
    std::string p = patterns.substr(at, comma - at);
    if (!p.empty() && ::fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
    at = comma + 1;
  }
  return false;
}

}  // namespace boardemu
