// A UART's console in the GUI: the host side of the serial line (a CharBackend the emulator
// thread polls and writes) and a small terminal that turns what the guest sends into lines of
// text (enough of VT100 for MicroPython's REPL line editing).
//
// Threads: the emulator thread calls the CharBackend methods; the GUI thread calls type() and
// reads the screen through with_screen(). One mutex guards what they share. Input is never
// dropped: typed bytes wait until the UART takes them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/chardev.hpp"
#include "core/scheduler.hpp"

namespace boardemu::gui {

// Lines of text with a cursor, fed with bytes: printable characters overwrite at the cursor,
// CR and LF move it, BS moves left, and the CSI sequences the REPL uses are understood
// (ESC [ n D / C: cursor left / right; ESC [ K: erase to the end of the line). Other control
// bytes and escape sequences are dropped. At most `max_lines` lines are kept (scrollback).
class Terminal {
 public:
  explicit Terminal(std::size_t max_lines = 5000) : max_lines_(max_lines) { lines_.emplace_back(); }
  void feed(std::uint8_t byte);
  const std::deque<std::string>& lines() const { return lines_; }
  std::size_t cursor_line() const { return lines_.size() - 1; }
  std::size_t cursor_column() const { return col_; }
  // All lines joined with '\n' (copy to the clipboard).
  std::string text() const;
  void clear();

 private:
  void put(char c);
  std::deque<std::string> lines_;
  std::size_t col_ = 0;
  std::size_t max_lines_;
  enum class State { text, escape, csi } state_ = State::text;
  std::string params_;
};

// One byte on the line, with the virtual time it passed (for the logic analyzer's UART row).
struct UartByte {
  Cycles time;
  std::uint8_t byte;
  bool from_guest;  // TX (guest to host) or RX
};

class ConsoleBackend : public CharBackend {
 public:
  ConsoleBackend(std::string uart, const Scheduler* clock) : uart_(std::move(uart)), clock_(clock) {}

  const std::string& uart() const { return uart_; }

  // ---- GUI thread ----
  // Bytes typed by the user, in order; they wait until the UART takes them.
  void type(const std::string& bytes);
  // Calls `f` with the terminal under the lock.
  void with_screen(const std::function<void(const Terminal&)>& f);
  void clear_screen();
  // Bytes that passed since the last call (moved out).
  std::vector<UartByte> take_bytes();
  std::uint64_t bytes_from_guest() const;

  // ---- emulator thread (CharBackend) ----
  void poll() override {}
  bool readable() const override;
  std::uint8_t read_byte() override;
  void write(const std::uint8_t* data, std::size_t len) override;

 private:
  std::string uart_;
  const Scheduler* clock_;
  mutable std::mutex mu_;
  std::deque<std::uint8_t> input_;
  Terminal terminal_;
  std::vector<UartByte> bytes_;  // since the last take_bytes()
  std::uint64_t from_guest_ = 0;
};

}  // namespace boardemu::gui
