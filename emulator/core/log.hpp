// Categorised diagnostics, all off by default (enabled with --log CATEGORY[,CATEGORY...]).
//
//   guest_error  the guest did something the hardware documents as wrong or undefined
//                (unmapped access, write to a read-only register, bad width)
//   unimp        the guest used a feature the model does not implement
//   trace        peripheral and exception activity, for debugging the emulator itself
//
// Guest errors and unimplemented features are kept apart so that a user can tell "my firmware
// is wrong" from "the emulator is incomplete".
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace boardemu::log {

enum class Category : unsigned { guest_error = 1u << 0, unimp = 1u << 1, trace = 1u << 2 };

extern unsigned g_enabled;

inline bool enabled(Category c) { return (g_enabled & static_cast<unsigned>(c)) != 0; }

// Parses "guest_error,unimp,trace" (or "all"); returns false and leaves settings alone on an
// unknown name.
bool enable_from_string(std::string_view spec, std::string* bad_name);

// Diagnostics go to stderr, never stdout (stdout may carry the pty name or the guest console).
spdlog::logger& logger();

}  // namespace boardemu::log

#define BE_LOG(cat, ...)                                                         \
  do {                                                                           \
    if (::boardemu::log::enabled(::boardemu::log::Category::cat))                \
      ::boardemu::log::logger().info("[" #cat "] " __VA_ARGS__);                 \
  } while (0)
