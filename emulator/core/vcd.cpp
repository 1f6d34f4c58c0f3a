#include "core/vcd.hpp"

#include <fnmatch.h>

#include <cerrno>
#include <cstring>

namespace boardemu {

namespace {

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

// ---- VcdFile ---------------------------------------------------------------------------------

VcdFile::VcdFile(const std::string& path, std::uint64_t cpu_hz) : path_(path), cpu_hz_(cpu_hz) {
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

VcdFile::~VcdFile() { std::fclose(file_); }

std::string VcdFile::code(std::size_t index) {
  std::string s;
  do {
    s.push_back(static_cast<char>('!' + index % 94));
    index /= 94;
  } while (index-- > 0);
  return s;
}

void VcdFile::check(int rc) {
  if (rc < 0) throw VcdError(path_ + ": cannot write the VCD file: " + std::strerror(errno));
}

std::string VcdFile::timescale() const {
  static const char* const kUnits[] = {"fs", "ps", "ns", "us", "ms", "s"};
  unsigned exp = 0;
  for (std::uint64_t u = unit_fs_; u >= 10; u /= 10) ++exp;
  return std::to_string(exp % 3 == 0 ? 1 : exp % 3 == 1 ? 10 : 100) + " " + kUnits[exp / 3];
}

void VcdFile::begin_header(const std::string& comment) {
  check(std::fprintf(file_,
                     "$version boardemu $end\n"
                     "$comment CPU clock %llu Hz; times are virtual%s%s $end\n"
                     "$timescale %s $end\n"
                     "$scope module board $end\n",
                     static_cast<unsigned long long>(cpu_hz_), comment.empty() ? "" : "; ", comment.c_str(),
                     timescale().c_str()));
}

void VcdFile::wire(const std::string& code, const std::string& name) {
  check(std::fprintf(file_, "$var wire 1 %s %s $end\n", code.c_str(), name.c_str()));
}

void VcdFile::real(const std::string& code, const std::string& name) {
  check(std::fprintf(file_, "$var real 64 %s %s $end\n", code.c_str(), name.c_str()));
}

void VcdFile::end_header() { check(std::fprintf(file_, "$upscope $end\n$enddefinitions $end\n")); }

void VcdFile::time(Cycles t) {
  // In units of the timescale (unit_fs_ femtoseconds).
  auto units = static_cast<std::uint64_t>(static_cast<unsigned __int128>(t) * kFsPerSecond / cpu_hz_ / unit_fs_);
  if (units == last_time_) return;
  last_time_ = units;
  check(std::fprintf(file_, "#%llu\n", static_cast<unsigned long long>(units)));
}

void VcdFile::value(const std::string& code, Level level) {
  check(std::fprintf(file_, "%c%s\n", value_char(level), code.c_str()));
}

void VcdFile::real_value(const std::string& code, double value) {
  check(std::fprintf(file_, "r%.9g %s\n", value, code.c_str()));
}

void VcdFile::text(const char* s) { check(std::fputs(s, file_)); }

void VcdFile::flush() {
  if (std::fflush(file_) != 0) throw VcdError(path_ + ": cannot write the VCD file: " + std::strerror(errno));
}

// ---- VcdRecorder -----------------------------------------------------------------------------

VcdRecorder::VcdRecorder(const std::string& path, const Scheduler& scheduler, std::uint64_t cpu_hz)
    : file_(path, cpu_hz), scheduler_(scheduler) {}

VcdRecorder::~VcdRecorder() {
  try {
    finish();
  } catch (const VcdError&) {
    // Reported by an explicit finish(); a destructor cannot.
  }
}

void VcdRecorder::add(Net& net) {
  if (started_) throw std::logic_error("VcdRecorder::add after start");
  for (const auto& s : signals_)
    if (s.net == &net) return;
  signals_.push_back(Signal{&net, 0, VcdFile::code(signals_.size()), {}});
}

void VcdRecorder::start() {
  if (started_) return;
  started_ = true;
  const Cycles now = scheduler_.now();
  file_.begin_header();
  for (const auto& s : signals_) file_.wire(s.code, s.net->name());
  std::size_t codes = signals_.size();
  for (auto& s : signals_) {
    if (!s.net->voltage_aware()) continue;
    s.volts_code = VcdFile::code(codes++);
    file_.real(s.volts_code, s.net->name() + ".voltage");
  }
  file_.end_header();
  file_.time(now);
  file_.text("$dumpvars\n");
  for (const auto& s : signals_) file_.value(s.code, s.net->level());
  for (const auto& s : signals_)
    if (!s.volts_code.empty()) file_.real_value(s.volts_code, s.net->voltage());
  file_.text("$end\n");
  for (auto& s : signals_) {
    const std::string* code = &s.code;
    s.id = s.net->observe([this, code](const Net&, Level level, Cycles time) {
      // A write error during the run (a full disk) must not unwind through the models that
      // drove the net: it is kept, writing stops, and finish() reports it.
      if (!error_.empty()) return;
      try {
        file_.time(time);
        file_.value(*code, level);
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
        file_.time(time);
        file_.real_value(*volts_code, volts);
        ++changes_;
      } catch (const VcdError& e) {
        error_ = e.what();
      }
    });
  }
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
        file_.time(scheduler_.now());
      } catch (const VcdError& e) {
        error_ = e.what();
      }
    }
  }
  if (!error_.empty()) throw VcdError(error_);
  file_.flush();
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
