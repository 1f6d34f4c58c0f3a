#include "machine/monitor.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace boardemu {

namespace {

constexpr std::size_t kMaxLine = 4096;

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

double number(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw std::invalid_argument("'" + text + "' is not a number");
  return v;
}

const char* kHelp =
    "ok 16\n"
    "time\n"
    "parts | nets\n"
    "level NET\n"
    "voltage NET\n"
    "drive NET off|low|high|pull-up|pull-down|VOLTS\n"
    "set PART CONTROL VALUE\n"
    "get PART READING\n"
    "png PART FILE [SCALE]\n"
    "i2c-watch SCL SDA\n"
    "i2c-log\n"
    "spi-watch SCK MOSI MISO CS [MODE]\n"
    "spi-log\n"
    "peek ADDR [LEN]\n"
    "help\n"
    "quit\n"
    "(replies: ok ... or error: ...)";

}  // namespace

Monitor::Monitor(Machine& machine, CharBackend& backend)
    : machine_(machine),
      backend_(backend),
      probe_(machine),
      period_(std::max<Cycles>(machine.board().cpu_hz / 1000, 1)),
      poll_event_(machine.scheduler(), "monitor.poll", [this](Cycles lateness) { poll(lateness); }, Event::Side::host) {
  poll_event_.arm_in(period_);
}

Monitor::~Monitor() = default;

void Monitor::poll(Cycles lateness) {
  const Cycles now = machine_.scheduler().now();
  backend_.poll();
  while (backend_.readable()) {
    char c = static_cast<char>(backend_.read_byte());
    if (c == '\r') continue;
    if (c != '\n') {
      if (line_.size() < kMaxLine) line_ += c;
      continue;
    }
    std::string reply = line_.size() >= kMaxLine ? "error: line too long" : execute(line_);
    line_.clear();
    if (reply.empty()) continue;
    reply += '\n';
    backend_.write(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size());
  }
  // Re-armed on its grid: a late poll does not shift the later ones.
  Cycles next = now - lateness + period_;
  if (next <= now) next = now + period_;
  poll_event_.arm_at(next);
}

std::string Monitor::execute(const std::string& line) {
  auto w = words(line);
  if (w.empty()) return "";
  const std::string& cmd = w[0];
  auto need = [&](std::size_t n, const char* usage) {
    if (w.size() != n) throw std::invalid_argument(std::string("usage: ") + usage);
  };
  try {
    if (cmd == "help") return kHelp;
    if (cmd == "time") {
      need(1, "time");
      Cycles now = machine_.scheduler().now();
      return fmt::format("ok {} {:.3f}", now, static_cast<double>(now) * 1000.0 / static_cast<double>(machine_.board().cpu_hz));
    }
    if (cmd == "parts" || cmd == "nets") {
      need(1, cmd == "parts" ? "parts" : "nets");
      std::vector<std::string> names;
      if (cmd == "parts")
        for (Part* p : machine_.parts()) names.push_back(p->id());
      else
        for (Net* n : machine_.nets()) names.push_back(n->name());
      std::string out = fmt::format("ok {}", names.size());
      for (const auto& n : names) out += "\n" + n;
      return out;
    }
    if (cmd == "level") {
      need(2, "level NET");
      return fmt::format("ok {}", to_string(probe_.level(w[1])));
    }
    if (cmd == "voltage") {
      need(2, "voltage NET");
      return fmt::format("ok {}", probe_.voltage(w[1]));
    }
    if (cmd == "drive") {
      need(3, "drive NET off|low|high|pull-up|pull-down|VOLTS");
      static const std::pair<const char*, Drive> drives[] = {{"off", Drive::off},         {"low", Drive::low},
                                                             {"high", Drive::high},       {"pull-up", Drive::pull_up},
                                                             {"pull-down", Drive::pull_down}};
      for (const auto& [name, d] : drives)
        if (w[2] == name) {
          probe_.drive(w[1], d);
          return "ok";
        }
      if (!w[2].empty() && (std::isdigit(static_cast<unsigned char>(w[2][0])) || w[2][0] == '-' || w[2][0] == '.')) {
        probe_.drive_voltage(w[1], number(w[2]));  // an analog source
        return "ok";
      }
      throw std::invalid_argument("drive: '" + w[2] + "' is not off, low, high, pull-up, pull-down or a voltage");
    }
    if (cmd == "set") {
      need(4, "set PART CONTROL VALUE");
      probe_.set_control(w[1], w[2], number(w[3]));
      return "ok";
    }
    if (cmd == "get") {
      need(3, "get PART READING");
      return fmt::format("ok {}", probe_.reading(w[1], w[2]));
    }
    if (cmd == "png") {
      if (w.size() != 3 && w.size() != 4) throw std::invalid_argument("usage: png PART FILE [SCALE]");
      double scale = w.size() == 4 ? number(w[3]) : 1;
      if (scale < 1 || scale > 16 || scale != static_cast<unsigned>(scale))
        throw std::invalid_argument("png: SCALE must be a whole number from 1 to 16");
      probe_.write_picture_png(w[1], w[2], static_cast<unsigned>(scale));
      return "ok";
    }
    if (cmd == "i2c-watch") {
      need(3, "i2c-watch SCL SDA");
      i2c_ = &probe_.watch_i2c(w[1], w[2]);
      i2c_seen_ = i2c_->transactions().size();
      return "ok";
    }
    if (cmd == "i2c-log") {
      need(1, "i2c-log");
      if (!i2c_) throw std::invalid_argument("i2c-log: no i2c-watch yet");
      auto lines = i2c_->lines();
      std::string out = fmt::format("ok {}", lines.size() - i2c_seen_);
      for (std::size_t i = i2c_seen_; i < lines.size(); ++i) out += "\n" + lines[i];
      i2c_seen_ = lines.size();
      return out;
    }
    if (cmd == "spi-watch") {
      if (w.size() != 5 && w.size() != 6) throw std::invalid_argument("usage: spi-watch SCK MOSI MISO CS [MODE 0..3]");
      SpiFormat format;
      if (w.size() == 6) {
        if (w[5].size() != 1 || w[5][0] < '0' || w[5][0] > '3')
          throw std::invalid_argument("spi-watch: MODE must be 0, 1, 2 or 3, not '" + w[5] + "'");
        format.mode = static_cast<SpiMode>(w[5][0] - '0');
      }
      spi_ = &probe_.watch_spi(w[1], w[2], w[3], w[4], format);
      spi_seen_ = spi_->frames().size();
      return "ok";
    }
    if (cmd == "spi-log") {
      need(1, "spi-log");
      if (!spi_) throw std::invalid_argument("spi-log: no spi-watch yet");
      auto lines = spi_->lines();
      std::string out = fmt::format("ok {}", lines.size() - spi_seen_);
      for (std::size_t i = spi_seen_; i < lines.size(); ++i) out += "\n" + lines[i];
      spi_seen_ = lines.size();
      return out;
    }
    if (cmd == "peek") {
      if (w.size() != 2 && w.size() != 3) throw std::invalid_argument("usage: peek ADDR [LEN]");
      auto address = [](const std::string& t, std::uint64_t max) {
        char* end = nullptr;
        errno = 0;
        unsigned long long v = std::strtoull(t.c_str(), &end, 0);
        if (t.empty() || t[0] == '-' || *end != '\0' || errno == ERANGE || v > max)
          throw std::invalid_argument(fmt::format("peek: '{}' is not a number from 0 to {}", t, max));
        return static_cast<std::uint64_t>(v);
      };
      auto addr = static_cast<std::uint32_t>(address(w[1], 0xFFFFFFFFu));
      std::size_t len = w.size() == 3 ? address(w[2], 256) : 4;
      std::vector<std::uint8_t> bytes(len);
      bytes.resize(machine_.bus().peek_block(addr, bytes.data(), len));
      if (bytes.empty() && len) return fmt::format("error: peek: 0x{:08x} is not mapped", addr);
      std::string out = "ok";
      for (std::uint8_t b : bytes) out += fmt::format(" {:02x}", b);
      return out;
    }
    if (cmd == "quit") {
      need(1, "quit");
      request_host_quit();
      return "ok";
    }
    return "error: unknown command '" + cmd + "' (try help)";
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace boardemu
