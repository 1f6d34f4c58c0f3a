// Test helper: captures the emulator's diagnostics (guest_error and unimp enabled) while alive,
// so tests can check what a model logs.
#pragma once

#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace boardemu::testing {

class LogCapture {
 public:
  LogCapture() : saved_enabled_(log::g_enabled), saved_sinks_(log::logger().sinks()) {
    log::g_enabled = static_cast<unsigned>(log::Category::guest_error) |
                     static_cast<unsigned>(log::Category::unimp);
    log::logger().sinks() = {std::make_shared<spdlog::sinks::ostream_sink_st>(out_)};
  }
  ~LogCapture() {
    log::logger().sinks() = saved_sinks_;
    log::g_enabled = saved_enabled_;
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // What was logged since construction or the last take().
  std::string take() {
    std::string s = out_.str();
    out_.str("");
    return s;
  }

 private:
  unsigned saved_enabled_;
  std::vector<spdlog::sink_ptr> saved_sinks_;
  std::ostringstream out_;
};

}  // namespace boardemu::testing
