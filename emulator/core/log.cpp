#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace boardemu::log {

unsigned g_enabled = 0;

bool enable_from_string(std::string_view spec, std::string* bad_name) {
  unsigned mask = 0;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    std::string_view name = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (name == "guest_error") mask |= static_cast<unsigned>(Category::guest_error);
    else if (name == "unimp") mask |= static_cast<unsigned>(Category::unimp);
    else if (name == "trace") mask |= static_cast<unsigned>(Category::trace);
    else if (name == "all") mask |= 0x7;
    else if (!name.empty()) {
      if (bad_name) *bad_name = std::string(name);
      return false;
    }
  }
  g_enabled |= mask;
  return true;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto lg = std::make_shared<spdlog::logger>("boardemu",
                                                std::make_shared<spdlog::sinks::stderr_sink_st>());
    lg->set_pattern("%v");
    return lg;
  }();
  return *l;
}

}  // namespace boardemu::log
