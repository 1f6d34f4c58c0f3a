#include "machine/circuit.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/host_file.hpp"

namespace boardemu {

namespace {

bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return false;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(int line, const std::string& field, const std::string& problem) const {
    throw CircuitError(one_line(path_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " +
                                (field.empty() ? "" : field + ": ") + problem));
  }
  static int line_of(const YAML::Node& n, int fallback) {
    return n.Mark().is_null() ? fallback : n.Mark().line + 1;
  }

  // The keys of a mapping, each allowed and given once; returns key -> (line, value).
  std::map<std::string, std::pair<int, YAML::Node>> mapping(const YAML::Node& n, const std::string& field, int line,
                                                            std::initializer_list<const char*> allowed) const {
    if (!n.IsMap()) fail(line, field.empty() ? "(top level)" : field, "expected a mapping");
    std::map<std::string, std::pair<int, YAML::Node>> out;
    for (const auto& kv : n) {
      int kline = line_of(kv.first, line);
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      std::string kfield = field.empty() ? key : field + "." + key;
      bool ok = std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; });
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(kline, kfield, "unknown key; expected one of: " + list);
      }
      if (out.count(key)) fail(kline, kfield, "duplicate key");
      out[key] = {kline, kv.second};
    }
    return out;
  }

  std::string scalar(const std::pair<int, YAML::Node>& f, const std::string& field) const {
    if (!f.second.IsScalar()) fail(f.first, field, "expected a value");
    return f.second.Scalar();
  }

  std::string name(const std::pair<int, YAML::Node>& f, const std::string& field) const {
    std::string s = scalar(f, field);
    if (!plain_name(s))
      fail(f.first, field, "\"" + s + "\" is not a valid name (letters, digits, '_', '-'; at most 64)");
    return s;
  }

  using Fields = std::map<std::string, std::pair<int, YAML::Node>>;

  // Calls each(field, line, keys) for every mapping in the list under top-level `key` (absent
  // or empty: none).
  template <class Each>
  void each_entry(Fields& top, const std::string& key, std::initializer_list<const char*> allowed, Each each) const {
    auto it = top.find(key);
    if (it == top.end() || it->second.second.IsNull()) return;
    const YAML::Node& list = it->second.second;
    if (!list.IsSequence()) fail(it->second.first, key, "expected a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string field = key + "[" + std::to_string(i) + "]";
      int line = line_of(list[i], it->second.first);
      Fields m = mapping(list[i], field, line, allowed);
      each(field, line, m);
    }
  }

  // The value of a required key.
  const std::pair<int, YAML::Node>& require(Fields& m, const std::string& key, const std::string& field,
                                            int line) const {
    if (!m.count(key)) fail(line, field + "." + key, "required but missing");
    return m[key];
  }

  CircuitPart parse_part(const std::string& field, int line, Fields& m, const CircuitDesc& c) const {
    CircuitPart p;
    p.line = line;
    const auto& id = require(m, "id", field, line);
    const auto& type = require(m, "type", field, line);
    p.id = name(id, field + ".id");
    p.type = scalar(type, field + ".type");
    for (const auto& q : c.parts)
      if (q.id == p.id)
        fail(id.first, field + ".id", "duplicate part id '" + p.id + "' (first at line " + std::to_string(q.line) + ")");
    if (!m.count("params") || m["params"].second.IsNull()) return p;
    const YAML::Node& params = m["params"].second;
    if (!params.IsMap()) fail(m["params"].first, field + ".params", "expected a mapping");
    for (const auto& kv : params) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!kv.second.IsScalar() || !plain_name(key))
        fail(line_of(kv.first, line), field + ".params." + key, "expected a name and a value");
      p.params[key] = kv.second.Scalar();
    }
    return p;
  }

  CircuitNet parse_net(const std::string& field, int line, Fields& m, const CircuitDesc& c,
                       std::map<std::string, std::string>& pin_owner) const {
    CircuitNet n;
    n.line = line;
    const auto& net_name = require(m, "name", field, line);
    const auto& pins_field = require(m, "pins", field, line);
    n.name = name(net_name, field + ".name");
    for (const auto& o : c.nets)
      if (o.name == n.name) fail(net_name.first, field + ".name", "duplicate net '" + n.name + "'");
    if (m.count("pull")) {
      n.pull = scalar(m["pull"], field + ".pull");
      if (n.pull != "up" && n.pull != "down")
        fail(m["pull"].first, field + ".pull", "expected up or down, got \"" + n.pull + "\"");
    }
    const YAML::Node& pins = pins_field.second;
    if (!pins.IsSequence() || pins.size() == 0) fail(pins_field.first, field + ".pins", "expected a list of pins");
    for (std::size_t j = 0; j < pins.size(); ++j) {
      std::string pfield = field + ".pins[" + std::to_string(j) + "]";
      int pline = line_of(pins[j], pins_field.first);
      if (!pins[j].IsScalar()) fail(pline, pfield, "expected a pin name such as gpio.GPIO4");
      std::string pin = pins[j].Scalar();
      auto dot = pin.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == pin.size())
        fail(pline, pfield, "\"" + pin + "\" is not a pin name (expected PART.PIN, e.g. gpio.GPIO4)");
      if (auto o = pin_owner.find(pin); o != pin_owner.end())
        fail(pline, pfield, "pin " + pin + " is already on another net (" + o->second + ")");
      pin_owner[pin] = field;
      n.pins.push_back(pin);
      n.pin_lines.push_back(pline);
    }
    return n;
  }

  // `board`: the root is a board file, whose other keys the board reader checks.
  CircuitDesc parse(const YAML::Node& root, bool board = false) const {
    CircuitDesc c;
    c.source_path = path_;
    if (root.IsNull()) return c;  // an empty circuit: nothing attached
    Fields top = board ? mapping(root, "", 1, {"parts", "nets", "name", "description", "cpu", "memory", "peripherals", "partitions", "firmware"})
                       : mapping(root, "", 1, {"parts", "nets"});
    each_entry(top, "parts", {"id", "type", "params"}, [&](const std::string& field, int line, Fields& m) {
      c.parts.push_back(parse_part(field, line, m, c));
    });
    std::map<std::string, std::string> pin_owner;  // pin -> the net field that wired it
    each_entry(top, "nets", {"name", "pull", "pins"}, [&](const std::string& field, int line, Fields& m) {
      c.nets.push_back(parse_net(field, line, m, c, pin_owner));
    });
    return c;
  }

 private:
  std::string path_;
};

}  // namespace

CircuitDesc parse_circuit_text(const std::string& text, const std::string& path) {
  Reader r(path);
  try {
    return r.parse(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    throw CircuitError(one_line(path + where + ": YAML syntax error: " + e.msg));
  }
}

CircuitDesc parse_board_circuit(const std::string& board_text, const std::string& path) {
  Reader r(path);
  try {
    return r.parse(YAML::Load(board_text), /*board=*/true);
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    throw CircuitError(one_line(path + where + ": YAML syntax error: " + e.msg));
  }
}

CircuitDesc load_circuit_file(const std::string& path) {
  std::string text;
  try {
    text = read_regular_file(path, "circuit file", kMaxCircuitFileBytes);
  } catch (const HostFileError& e) {
    throw CircuitError(e.what());
  }
  return parse_circuit_text(text, path);
}

}  // namespace boardemu
