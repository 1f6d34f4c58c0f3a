#include "gui/console.hpp"

#include <algorithm>
#include <cstdlib>

namespace boardemu::gui {

namespace {
constexpr std::size_t kMaxPendingBytes = 1 << 20;  // logic-analyzer bytes kept for the GUI
}

void Terminal::put(char c) {
  std::string& line = lines_.back();
  if (col_ < line.size())
    line[col_] = c;
  else {
    line.resize(col_, ' ');
    line.push_back(c);
  }
  ++col_;
}

void Terminal::feed(std::uint8_t b) {
  switch (state_) {
    case State::escape:
      if (b == '[') {
        state_ = State::csi;
        params_.clear();
      } else {
        state_ = State::text;
      }
      return;
    case State::csi:
      if ((b >= '0' && b <= '9') || b == ';' || b == '?') {
        if (params_.size() < 16) params_.push_back(static_cast<char>(b));
        return;
      }
      state_ = State::text;
      {
        long n = params_.empty() ? 1 : std::strtol(params_.c_str(), nullptr, 10);
        if (n < 1) n = 1;
        if (b == 'D')
          col_ -= std::min<std::size_t>(col_, static_cast<std::size_t>(n));
        else if (b == 'C')
          col_ += static_cast<std::size_t>(std::min<long>(n, 1000));
        else if (b == 'K') {
          std::string& line = lines_.back();
          if (params_.empty() || params_ == "0") {
            if (col_ < line.size()) line.resize(col_);
          } else if (params_ == "2") {
            line.clear();
          }
        }
      }
      return;
    case State::text:
      break;
  }
  switch (b) {
    case 0x1b:
      state_ = State::escape;
      return;
    case '\r':
      col_ = 0;
      return;
    case '\n':
      lines_.emplace_back();
      col_ = 0;
      while (lines_.size() > max_lines_) lines_.pop_front();
      return;
    case '\b':
      if (col_ > 0) --col_;
      return;
    case '\t':
      do put(' '); while (col_ % 8 != 0);
      return;
    default:
      if (b >= 0x20 && b != 0x7f) put(static_cast<char>(b));
      return;
  }
}

std::string Terminal::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (i) out.push_back('\n');
    out += lines_[i];
  }
  return out;
}

void Terminal::clear() {
  lines_.clear();
  lines_.emplace_back();
  col_ = 0;
  state_ = State::text;
}

void ConsoleBackend::type(const std::string& bytes) {
  std::lock_guard lock(mu_);
  input_.insert(input_.end(), bytes.begin(), bytes.end());
}

void ConsoleBackend::with_screen(const std::function<void(const Terminal&)>& f) {
  std::lock_guard lock(mu_);
  f(terminal_);
}

void ConsoleBackend::clear_screen() {
  std::lock_guard lock(mu_);
  terminal_.clear();
}

std::vector<UartByte> ConsoleBackend::take_bytes() {
  std::lock_guard lock(mu_);
  std::vector<UartByte> out;
  out.swap(bytes_);
  return out;
}

std::uint64_t ConsoleBackend::bytes_from_guest() const {
  std::lock_guard lock(mu_);
  return from_guest_;
}

bool ConsoleBackend::readable() const {
  std::lock_guard lock(mu_);
  return !input_.empty();
}

std::uint8_t ConsoleBackend::read_byte() {
  std::lock_guard lock(mu_);
  if (input_.empty()) return 0;
  std::uint8_t b = input_.front();
  input_.pop_front();
  if (bytes_.size() < kMaxPendingBytes) bytes_.push_back({clock_ ? clock_->now() : 0, b, false});
  return b;
}

void ConsoleBackend::write(const std::uint8_t* data, std::size_t len) {
  std::lock_guard lock(mu_);
  Cycles now = clock_ ? clock_->now() : 0;
  for (std::size_t i = 0; i < len; ++i) {
    terminal_.feed(data[i]);
    if (bytes_.size() < kMaxPendingBytes) bytes_.push_back({now, data[i], true});
  }
  from_guest_ += len;
}

}  // namespace boardemu::gui
