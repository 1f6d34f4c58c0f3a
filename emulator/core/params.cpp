#include "core/params.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace boardemu {

ParamReader::ParamReader(std::string owner, const std::map<std::string, std::string>& params)
    : owner_(std::move(owner)), params_(params) {}

const std::string* ParamReader::find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  auto it = params_.find(key);
  return it == params_.end() ? nullptr : &it->second;
}

void ParamReader::bad(const std::string& key, const std::string& expected) const {
  throw std::invalid_argument(fmt::format("{}: params.{}: expected {}, got '{}'", owner_, key, expected, params_.at(key)));
}

std::optional<std::uint64_t> ParamReader::optional_uint(const std::string& key, std::uint64_t min, std::uint64_t max) {
  const std::string* t = find(key);
  if (!t) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(t->c_str(), &end, 0);
  bool ok = !t->empty() && (*t)[0] != '-' && (*t)[0] != '+' && !std::isspace(static_cast<unsigned char>((*t)[0])) &&
            *end == '\0' && errno != ERANGE && v >= min && v <= max;
  if (!ok)
    bad(key, max == UINT64_MAX && min == 0 ? std::string("an integer (decimal or 0x hex)")
                                           : fmt::format("an integer (decimal or 0x hex) from {} to {}", min, max));
  return v;
}

std::uint64_t ParamReader::uint(const std::string& key, std::uint64_t def, std::uint64_t min, std::uint64_t max) {
  return optional_uint(key, min, max).value_or(def);
}

std::optional<double> ParamReader::optional_number(const std::string& key, double min, double max) {
  const std::string* t = find(key);
  if (!t) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(t->c_str(), &end);
  bool ok = !t->empty() && !std::isspace(static_cast<unsigned char>((*t)[0])) && *end == '\0' && errno != ERANGE &&
            std::isfinite(v) && v >= min && v <= max;
  if (!ok)
    bad(key, min == kAny && max == -kAny ? std::string("a number")
             : max == -kAny              ? fmt::format("a number from {}", min)
             : min == kAny               ? fmt::format("a number up to {}", max)
                                         : fmt::format("a number from {} to {}", min, max));
  return v;
}

double ParamReader::number(const std::string& key, double def, double min, double max) {
  return optional_number(key, min, max).value_or(def);
}

bool ParamReader::boolean(const std::string& key, bool def) {
  const std::string* t = find(key);
  if (!t) return def;
  if (*t == "true") return true;
  if (*t == "false") return false;
  bad(key, "true or false");
}

std::string ParamReader::text(const std::string& key, const std::string& def) {
  const std::string* t = find(key);
  return t ? *t : def;
}

std::string ParamReader::choice(const std::string& key, std::initializer_list<const char*> values) {
  const std::string* t = find(key);
  if (!t) return *values.begin();
  for (const char* v : values)
    if (*t == v) return v;
  std::string list;
  std::size_t i = 0;
  for (const char* v : values) list += (i++ == 0 ? "" : i == values.size() ? " or " : ", ") + std::string(v);
  bad(key, list);
}

void ParamReader::finish() const {
  for (const auto& [key, value] : params_)
    if (std::find(known_.begin(), known_.end(), key) == known_.end())
      throw std::invalid_argument(
          known_.empty() ? fmt::format("{}: unknown param '{}' (the model takes none)", owner_, key)
                         : fmt::format("{}: unknown param '{}' (known: {})", owner_, key, fmt::join(known_, ", ")));
}

}  // namespace boardemu
