#include "scenario/scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/host_file.hpp"

namespace boardemu {

namespace {

constexpr std::size_t kMaxScenarioBytes = 4 << 20;
constexpr Nanos kMaxDuration = 1'000'000'000ull * 3600 * 24 * 365;  // a year of virtual time

int line_of(const YAML::Node& n, int fallback) { return n.Mark().is_null() ? fallback : n.Mark().line + 1; }

// Reads one mapping's keys, each allowed and given once, and reports problems as
// "<where>:<line>: <field>: <problem>".
class Fields {
 public:
  Fields(const std::string& where, const YAML::Node& node, std::string field, int line,
         std::initializer_list<const char*> allowed)
      : where_(where), field_(std::move(field)), line_(line_of(node, line)) {
    if (!node.IsMap()) fail(field_.empty() ? "(top level)" : field_, "expected a mapping");
    for (const auto& kv : node) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      int kline = line_of(kv.first, line_);
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail_at(kline, sub(key), "unknown key; expected one of: " + list);
      }
      if (values_.count(key)) fail_at(kline, sub(key), "duplicate key");
      values_[key] = {kline, kv.second};
    }
  }

  [[noreturn]] void fail_at(int line, const std::string& field, const std::string& problem) const {
    throw ScenarioError(one_line(where_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " +
                                 (field.empty() ? "" : field + ": ") + problem));
  }
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const { fail_at(line_, field, problem); }
  [[noreturn]] void fail_key(const std::string& key, const std::string& problem) const {
    fail_at(line(key), sub(key), problem);
  }

  std::string sub(const std::string& key) const { return field_.empty() ? key : field_ + "." + key; }
  bool has(const std::string& key) const { return values_.count(key) && !values_.at(key).second.IsNull(); }
  int line(const std::string& key) const { return values_.count(key) ? values_.at(key).first : line_; }
  const YAML::Node& node(const std::string& key) const { return values_.at(key).second; }

  std::string text(const std::string& key) const {
    if (!has(key)) fail(sub(key), "required but missing");
    if (!node(key).IsScalar()) fail_key(key, "expected a value");
    return node(key).Scalar();
  }
  std::string text_or(const std::string& key, const std::string& fallback) const { return has(key) ? text(key) : fallback; }

  double number(const std::string& key) const {
    std::string t = text(key);
    if (t == "true") return 1;
    if (t == "false") return 0;
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end || errno == ERANGE || !std::isfinite(v))
      // Hexadecimal integers too (I2C addresses): strtod reads 0x.. as a hex float already.
      fail_key(key, "\"" + t + "\" is not a number");
    return v;
  }

  long integer(const std::string& key, long lo, long hi) const {
    double v = number(key);
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
      fail_key(key, fmt::format("expected a whole number from {} to {}, got {}", lo, hi, text(key)));
    return static_cast<long>(v);
  }

  Nanos duration(const std::string& key) const {
    try {
      return parse_duration(text(key));
    } catch (const std::invalid_argument& e) {
      fail_key(key, e.what());
    }
  }

  std::vector<std::uint8_t> byte_list(const std::string& key) const {
    const YAML::Node& n = node(key);
    if (!n.IsSequence()) fail_key(key, "expected a list of byte values, e.g. [0x3C, 0]");
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      std::string t = n[i].IsScalar() ? n[i].Scalar() : "";
      char* end = nullptr;
      errno = 0;
      long v = std::strtol(t.c_str(), &end, 0);
      if (t.empty() || *end || errno || v < 0 || v > 255)
        fail_at(line_of(n[i], line(key)), fmt::format("{}[{}]", sub(key), i),
                "\"" + t + "\" is not a byte value (0..255)");
      out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
  }

  // A path relative to `base`; must exist if `must_exist`.
  std::string path(const std::string& key, const std::string& base, bool must_exist = true) const {
    std::string t = text(key);
    if (t.empty()) fail_key(key, "empty path");
    std::filesystem::path p(t);
    if (p.is_relative()) p = std::filesystem::path(base) / p;
    std::error_code ec;
    if (must_exist && !std::filesystem::exists(p, ec)) fail_key(key, p.string() + ": no such file");
    return p.lexically_normal().string();
  }

  Pattern pattern(const std::string& text_key, const std::string& regex_key) const {
    Pattern p;
    if (has(text_key) == has(regex_key)) fail(field_, "give either " + text_key + " or " + regex_key);
    const std::string& key = has(regex_key) ? regex_key : text_key;
    p.text = text(key);
    if (p.text.empty()) fail_key(key, "empty text");
    p.regex = has(regex_key);
    if (p.regex) {
      try {
        p.re = std::make_shared<std::regex>(p.text, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        fail_key(key, "bad regular expression /" + p.text + "/: " + e.what());
      }
    }
    return p;
  }

  int where_line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string where_, field_;
  int line_;
  std::map<std::string, std::pair<int, YAML::Node>> values_;
};

// Serial text as YAML gives it; "\r\n" etc. are YAML's own escapes in double quotes.
Step::Level parse_level(const Fields& f, const std::string& key) {
  std::string t = f.text(key);
  if (t == "1" || t == "high" || t == "true") return Step::Level::high;
  if (t == "0" || t == "low" || t == "false") return Step::Level::low;
  if (t == "floating" || t == "z") return Step::Level::floating;
  f.fail_key(key, "\"" + t + "\" is not a level (0, 1, low, high, floating)");
}

// expect-pin / wait-pin name the pin as Wokwi does (part-id + pin) or a net.
std::string pin_name(const Fields& f) {
  if (f.has("net") == (f.has("part-id") || f.has("pin")))
    f.fail(f.field(), "give net, or part-id and pin");
  if (f.has("net")) return f.text("net");
  return f.text("part-id") + "." + f.text("pin");
}

}  // namespace

std::string Pattern::describe() const { return regex ? "/" + text + "/" : "'" + text + "'"; }

std::string Step::describe() const {
  switch (kind) {
    case Kind::wait_serial:
    case Kind::fail_serial:
      return keyword + " " + pattern.describe();
    case Kind::write_serial:
      return keyword + " " + fmt::format("{} bytes", bytes.size());
    case Kind::exec:
      return keyword + " '" + one_line(bytes.size() > 40 ? bytes.substr(0, 40) + "..." : bytes) + "'";
    case Kind::set_control:
      return fmt::format("{} {}.{} = {}", keyword, part, control, value);
    case Kind::expect_pin:
    case Kind::wait_pin:
      return fmt::format("{} {} {}", keyword, pin,
                         level == Level::high ? "high" : level == Level::low ? "low" : "floating");
    case Kind::expect_i2c:
      return keyword + (address ? fmt::format(" 0x{:02X}", *address) : std::string());
    case Kind::take_screenshot:
      return keyword + " " + part;
    case Kind::expect_exit:
      return keyword + (exit_code ? fmt::format(" {}", *exit_code) : std::string());
    default:
      return keyword;
  }
}

Nanos parse_duration(const std::string& text) {
  static const std::pair<const char*, double> units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  for (const auto& [unit, scale] : units) {
    std::size_t n = std::char_traits<char>::length(unit);
    if (text.size() <= n || text.compare(text.size() - n, n, unit) != 0) continue;
    std::string num = text.substr(0, text.size() - n);
    if (num.back() == 'm' || num.back() == 'u' || num.back() == 'n') continue;  // "5ms" is not "5m" + "s"
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(num.c_str(), &end);
    if (num.empty() || *end || errno || !std::isfinite(v) || v < 0 || num[0] == '-' || num[0] == '+')
      break;
    double ns = v * scale;
    if (ns > static_cast<double>(kMaxDuration)) throw std::invalid_argument("\"" + text + "\" is longer than a year");
    return static_cast<Nanos>(std::llround(ns));
  }
  throw std::invalid_argument("\"" + text + "\" is not a duration (a number and a unit: ns, us, ms, s; e.g. 500ms)");
}

namespace {

// The step's value as a mapping: a scalar (or list) is shorthand for {<key>: value}.
YAML::Node as_map(const YAML::Node& v, const char* key) {
  if (v.IsMap()) return v;
  YAML::Node m(YAML::NodeType::Map);
  m[key] = v;
  return m;
}

Step read_step(const YAML::Node& node, const std::string& where, const std::string& field, int fallback_line,
               const std::string& base_dir) {
  Step s;
  s.field = field;
  static const std::pair<const char*, Step::Kind> kinds[] = {
      {"delay", Step::Kind::delay},           {"wait-serial", Step::Kind::wait_serial},
      {"write-serial", Step::Kind::write_serial}, {"fail-serial", Step::Kind::fail_serial},
      {"exec", Step::Kind::exec},             {"set-control", Step::Kind::set_control},
      {"expect-pin", Step::Kind::expect_pin}, {"wait-pin", Step::Kind::wait_pin},
      {"expect-i2c", Step::Kind::expect_i2c}, {"expect-spi", Step::Kind::expect_spi},
      {"take-screenshot", Step::Kind::take_screenshot}, {"expect-exit", Step::Kind::expect_exit}};
  Fields outer(where, node, field, fallback_line,
               {"delay", "wait-serial", "write-serial", "fail-serial", "exec", "set-control", "expect-pin", "wait-pin",
                "expect-i2c", "expect-spi", "take-screenshot", "expect-exit"});
  if (node.size() != 1)
    outer.fail(field, "a step has exactly one key (delay, wait-serial, write-serial, ...)");
  const auto& kv = *node.begin();
  s.keyword = kv.first.Scalar();
  s.line = line_of(kv.first, outer.where_line());
  for (const auto& [name, kind] : kinds)
    if (s.keyword == name) s.kind = kind;
  const YAML::Node& v = kv.second;
  const std::string sub = field.empty() ? s.keyword : field + "." + s.keyword;
  if (v.IsNull()) outer.fail_key(s.keyword, "needs a value");

  auto timeout = [&](const Fields& f) {
    if (f.has("timeout")) s.timeout = f.duration("timeout");
  };
  auto serial = [&](const Fields& f) { s.serial = f.text_or("serial", ""); };

  switch (s.kind) {
    case Step::Kind::delay: {
      Fields f(where, as_map(v, "value"), sub, s.line, {"value"});
      s.timeout = f.duration("value");
      break;
    }
    case Step::Kind::wait_serial:
    case Step::Kind::fail_serial: {
      bool wait = s.kind == Step::Kind::wait_serial;
      Fields f(where, as_map(v, "text"), sub, s.line,
               wait ? std::initializer_list<const char*>{"text", "regex", "timeout", "serial"}
                    : std::initializer_list<const char*>{"text", "regex", "serial"});
      s.pattern = f.pattern("text", "regex");
      if (wait) timeout(f);
      serial(f);
      break;
    }
    case Step::Kind::write_serial: {
      Fields f(where, as_map(v, v.IsSequence() ? "bytes" : "text"), sub, s.line, {"text", "bytes", "serial"});
      if (f.has("text") == f.has("bytes")) f.fail(sub, "give either text or bytes");
      if (f.has("text")) {
        s.bytes = f.text("text");
      } else {
        auto b = f.byte_list("bytes");
        s.bytes.assign(b.begin(), b.end());
      }
      if (s.bytes.empty()) f.fail(sub, "nothing to write");
      serial(f);
      break;
    }
    case Step::Kind::exec: {
      Fields f(where, as_map(v, "code"), sub, s.line, {"code", "expect", "expect-regex", "timeout", "serial"});
      s.bytes = f.text("code");
      if (s.bytes.empty()) f.fail_key("code", "no code");
      if (f.has("expect") || f.has("expect-regex")) s.pattern = f.pattern("expect", "expect-regex");
      timeout(f);
      serial(f);
      break;
    }
    case Step::Kind::set_control: {
      Fields f(where, v, sub, s.line, {"part-id", "control", "value"});
      s.part = f.text("part-id");
      s.control = f.text("control");
      s.value = f.number("value");
      break;
    }
    case Step::Kind::expect_pin:
    case Step::Kind::wait_pin: {
      bool wait = s.kind == Step::Kind::wait_pin;
      Fields f(where, v, sub, s.line,
               wait ? std::initializer_list<const char*>{"part-id", "pin", "net", "value", "timeout"}
                    : std::initializer_list<const char*>{"part-id", "pin", "net", "value"});
      s.pin = pin_name(f);
      s.level = parse_level(f, "value");
      if (wait) timeout(f);
      break;
    }
    case Step::Kind::expect_i2c: {
      Fields f(where, v, sub, s.line, {"nets", "address", "direction", "data", "ack", "timeout"});
      if (f.has("nets")) {
        const YAML::Node& n = f.node("nets");
        if (!n.IsSequence() || n.size() != 2 || !n[0].IsScalar() || !n[1].IsScalar())
          f.fail_key("nets", "expected [SCL, SDA]: two net or pin names");
        s.scl = n[0].Scalar();
        s.sda = n[1].Scalar();
      }
      if (f.has("address")) s.address = static_cast<std::uint8_t>(f.integer("address", 0, 127));
      if (f.has("direction")) {
        std::string d = f.text("direction");
        if (d != "read" && d != "write") f.fail_key("direction", "expected read or write, got \"" + d + "\"");
        s.read = d == "read";
      }
      if (f.has("data")) s.data = f.byte_list("data");
      if (f.has("ack")) s.ack = f.integer("ack", 0, 1) == 1;
      timeout(f);
      break;
    }
    case Step::Kind::expect_spi: {
      Fields f(where, v, sub, s.line, {"nets", "mode", "mosi", "miso", "timeout"});
      if (f.has("nets")) {
        const YAML::Node& n = f.node("nets");
        if (!n.IsSequence() || n.size() != 4)
          f.fail_key("nets", "expected [SCK, MOSI, MISO, CS]: four net or pin names");
        for (std::size_t i = 0; i < 4; ++i)
          if (!n[i].IsScalar()) f.fail_key("nets", "expected [SCK, MOSI, MISO, CS]: four net or pin names");
        s.sck = n[0].Scalar();
        s.mosi_net = n[1].Scalar();
        s.miso_net = n[2].Scalar();
        s.cs = n[3].Scalar();
      }
      if (f.has("mode")) s.mode = static_cast<int>(f.integer("mode", 0, 3));
      if (f.has("mosi")) s.mosi = f.byte_list("mosi");
      if (f.has("miso")) s.miso = f.byte_list("miso");
      timeout(f);
      break;
    }
    case Step::Kind::take_screenshot: {
      Fields f(where, v, sub, s.line, {"part-id", "save-to", "compare-with"});
      s.part = f.text("part-id");
      if (f.has("save-to")) s.save_to = f.path("save-to", base_dir, /*must_exist=*/false);
      if (f.has("compare-with")) s.compare_with = f.path("compare-with", base_dir);
      if (s.save_to.empty() && s.compare_with.empty()) f.fail(sub, "give save-to, compare-with or both");
      break;
    }
    case Step::Kind::expect_exit: {
      Fields f(where, as_map(v, "code"), sub, s.line, {"code", "timeout"});
      if (f.has("code")) s.exit_code = static_cast<int>(f.integer("code", -2147483647L, 2147483647L));
      timeout(f);
      break;
    }
  }
  return s;
}

}  // namespace

Step parse_step(const YAML::Node& node, const std::string& where, const std::string& base_dir) {
  return read_step(node, where, "", 0, base_dir);
}

Scenario parse_scenario_text(const std::string& text, const std::string& path, const ScenarioDefaults& defaults) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    throw ScenarioError(one_line(path + where + ": YAML syntax error: " + e.msg));
  }
  std::string base = std::filesystem::path(path).parent_path().string();
  if (base.empty()) base = ".";
  Scenario sc;
  sc.path = path;
  try {
    Fields top(path, root, "", 1,
               {"name", "version", "author", "description", "board", "firmware", "circuit", "files", "romfs", "flash",
                "snapshot", "timeout", "serial", "steps"});
    sc.name = top.text_or("name", std::filesystem::path(path).stem().string());
    sc.board = top.text_or("board", defaults.board);
    sc.board_line = top.line("board");
    if (top.has("firmware")) sc.firmware = top.path("firmware", base);
    else sc.firmware = defaults.firmware;
    if (top.has("circuit")) sc.circuit = top.path("circuit", base);
    else sc.circuit = defaults.circuit;
    if (top.has("files")) {
      const YAML::Node& n = top.node("files");
      std::vector<YAML::Node> dirs;
      if (n.IsSequence())
        for (std::size_t i = 0; i < n.size(); ++i) dirs.push_back(n[i]);
      else
        dirs.push_back(n);
      if (dirs.empty()) top.fail_key("files", "expected a directory or a list of directories");
      for (std::size_t i = 0; i < dirs.size(); ++i) {
        YAML::Node one(YAML::NodeType::Map);
        one["files"] = dirs[i];
        Fields f(path, one, "", line_of(dirs[i], top.line("files")), {"files"});
        std::string dir = f.path("files", base);
        if (!std::filesystem::is_directory(dir)) top.fail_key("files", dir + ": not a directory");
        sc.files.push_back(dir);
      }
    }
    if (top.has("romfs")) sc.romfs = top.path("romfs", base);
    if (top.has("flash")) sc.flash = top.path("flash", base);
    if (top.has("snapshot")) {
      sc.snapshot = top.path("snapshot", base);
      for (const char* key : {"files", "romfs", "flash"})
        if (top.has(key))
          top.fail_key(key, "cannot be combined with snapshot (the snapshot holds the flash's contents)");
    }
    if (top.has("timeout")) {
      sc.timeout = top.duration("timeout");
      if (sc.timeout == 0) top.fail_key("timeout", "must be more than 0");
    }
    sc.serial = top.text_or("serial", sc.serial);
    if (!top.has("steps")) top.fail("steps", "required but missing");
    const YAML::Node& steps = top.node("steps");
    if (!steps.IsSequence()) top.fail_key("steps", "expected a list of steps");
    for (std::size_t i = 0; i < steps.size(); ++i)
      sc.steps.push_back(read_step(steps[i], path, fmt::format("steps[{}]", i), line_of(steps[i], top.line("steps")), base));
  } catch (const YAML::Exception& e) {
    throw ScenarioError(one_line(path + ": " + e.msg));
  }
  return sc;
}

Scenario load_scenario(const std::string& path, const ScenarioDefaults& defaults) {
  std::string text;
  try {
    text = read_regular_file(path, "scenario file", kMaxScenarioBytes);
  } catch (const HostFileError& e) {
    throw ScenarioError(e.what());
  }
  return parse_scenario_text(text, path, defaults);
}

}  // namespace boardemu
