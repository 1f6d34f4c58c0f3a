// Typed reading of a model's settings: a board file's `params:` map (peripheral models) and a
// circuit file's part `params:` are text as written; each model states once what it takes,
// with types and ranges, and gets typed values or one-line errors. Written once here instead of
// in every model.
//
//   ParamReader r("esp8266-spi-flash", desc.params);
//   p.size = r.uint("size", 0x400000, 0x10000, 0x1000000);
//   p.persist = r.boolean("persist", false);
//   p.timing = r.choice("timing", {"typical", "instant"});   // the first is the default
//   r.finish();   // any key not asked for: "unknown param 'x' (known: size, persist, timing)"
//
// Errors are std::invalid_argument "<owner>: params.<key>: expected ..., got '<text>'"; the
// board and circuit readers prefix the file, line and field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace boardemu {

class ParamReader {
 public:
  static constexpr double kAny = -1.0e308;  // no lower (kAny) or upper (-kAny) bound
  ParamReader(std::string owner, const std::map<std::string, std::string>& params);

  bool has(const std::string& key) const { return params_.count(key) != 0; }
  // An integer, decimal or 0x hex, within [min, max]; `def` when absent.
  std::uint64_t uint(const std::string& key, std::uint64_t def, std::uint64_t min = 0,
                     std::uint64_t max = UINT64_MAX);
  std::optional<std::uint64_t> optional_uint(const std::string& key, std::uint64_t min = 0,
                                             std::uint64_t max = UINT64_MAX);
  // A decimal number (e.g. 21.5), within [min, max]; `def` when absent.
  double number(const std::string& key, double def, double min = kAny, double max = -kAny);
  std::optional<double> optional_number(const std::string& key, double min = kAny, double max = -kAny);
  // true or false.
  bool boolean(const std::string& key, bool def);
  // Any text (a file name, a device name); `def` when absent.
  std::string text(const std::string& key, const std::string& def = "");
  // One of `values`; the first when absent.
  std::string choice(const std::string& key, std::initializer_list<const char*> values);
  // Throws for a key none of the above asked for.
  void finish() const;

 private:
  [[noreturn]] void bad(const std::string& key, const std::string& expected) const;
  const std::string* find(const std::string& key);

  std::string owner_;
  const std::map<std::string, std::string>& params_;
  std::vector<std::string> known_;
};

}  // namespace boardemu
