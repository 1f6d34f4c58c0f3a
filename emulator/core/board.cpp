// Board files: reading and validating boards/*.yaml.
//
// Format (boards/README.md has the same description with an example):
//
//   name: mps2-an385                 # required; plain name [A-Za-z0-9][A-Za-z0-9._-]*
//   description: free text           # optional
//   cpu:                             # required
//     arch: cortex-m3                # required; cortex-m3 | cortex-m4 | rv32imac | lx106
//     clock_hz: 25000000             # required, > 0; the scheduler's time base
//     nvic_priority_bits: 3          # optional, Cortex-M only, 3..8 (default 3)
//     num_irqs: 32                   # optional, interrupt-controller inputs (default 32)
//     unmapped: bus_fault            # optional; bus_fault (default) | stop
//     interrupt_controller: plic     # optional, not Cortex-M: the peripheral whose inputs
//                                    #   device interrupts go to, or `cpu` (the CPU's own)
//     reset_vector: 0x50000000       # optional, not Cortex-M: where execution starts after
//                                    #   reset (default: the ELF entry point)
//     semihosting: false             # optional; true: the CPU serves semihosting requests
//   memory:                          # required, at least one region
//     - name: ssram1                 # required, unique among memory and peripherals
//       base: 0x00000000             # required
//       size: 0x400000               # required, > 0; base + size <= 4 GiB; base and size
//                                    #   multiples of the engine's page (engine_page_size)
//       kind: ram                    # required; ram | rom | flash
//       wait_states: 0               # optional (default 0)
//       access: any                  # optional: any (default) | word_only (only aligned 32-bit
//                                    #   data accesses, as the ESP8266's IRAM and flash cache)
//   peripherals:                     # optional
//     - name: uart0                  # required, unique
//       model: cmsdk-apb-uart        # required; "unimplemented" reads as zero, logs under unimp
//       base: 0x40004000             # required
//       size: 0x1000                 # optional (default 0x1000)
//       irqs: {rx: 0, tx: 1}         # optional; model output name -> interrupt input (< num_irqs)
//       clock_hz: 25000000           # optional; defaults to the CPU clock
//       wait_states: 0               # optional (default 0)
//       params: {key: value}         # optional; model-specific, kept as strings
//   partitions:                      # optional: how the firmware divides the flash chip
//     - name: vfs                    # required, unique among partitions
//       offset: 0x100000             # required; in the chip, from 0
//       size: 0x300000               # required, > 0; partitions may not overlap
//       kind: filesystem             # required; firmware | romfs | filesystem | data
//   firmware:                        # optional
//     default: build/firmware/MPS2_AN385/firmware.elf   # relative to the repository root
//
// Integers are decimal (no leading zeros) or 0x hexadecimal. Unknown keys are errors, so a typo
// such as `bsae:` is reported instead of being ignored. Memory regions and peripheral windows
// may not overlap one another, nor (Cortex-M) the Private Peripheral Bus. At most
// kMaxMemoryRegions regions and kMaxPeripherals peripherals.
//
// Every problem is reported as a BoardError whose what() is one line:
//   <path>:<line>: <field path>: <problem>
// e.g. "boards/x.yaml:12: memory[1].size: expected an integer, got \"big\"".
#include "core/board.hpp"

#include <yaml-cpp/yaml.h>

#include "core/host_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <utility>

namespace boardemu {
namespace {

constexpr const char* kKnownArchs[] = {"cortex-m3", "cortex-m4", "rv32imac", "lx106"};
constexpr std::uint64_t k4GiB = 0x1'0000'0000ull;

bool is_cortex_m(const std::string& arch) { return arch == "cortex-m3" || arch == "cortex-m4"; }

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string range(std::uint64_t base, std::uint64_t size) {
  return hex(base) + ".." + hex(base + size);
}

// Short description of a node for "expected X, got Y" messages.
std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "\"" + n.Scalar() + "\"";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1u : 0u)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool is_plain_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  auto ok = [](char c, bool first) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return !first && (c == '_' || c == '-' || c == '.');
  };
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!ok(s[i], i == 0)) return false;
  return true;
}

// Parses one board document; all errors name `path`.
class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(int line, const std::string& field, const std::string& problem) const {
    std::string msg = path_;
    if (line > 0) msg += ":" + std::to_string(line);
    msg += ": ";
    if (!field.empty()) msg += field + ": ";
    msg += problem;
    throw BoardError(msg);
  }

  static int line_of(const YAML::Node& n, int fallback) {
    YAML::Mark m = n.Mark();
    return m.is_null() ? fallback : m.line + 1;
  }

  // One key of a mapping: where it was written and what it holds.
  struct Field {
    std::string path;  // e.g. "memory[1].size"
    int line = 0;      // line of the key
    YAML::Node value;
  };

  // The keys of one mapping, checked against the keys it may have.
  class Fields {
   public:
    Fields(const Parser& p, const YAML::Node& map, std::string path, int line,
           std::vector<std::string> allowed)
        : p_(p), path_(std::move(path)), line_(line), allowed_(std::move(allowed)) {
      if (!map.IsMap())
        p_.fail(line_, path_.empty() ? "(top level)" : path_, "expected a mapping, got " + describe(map));
      for (const auto& kv : map) {
        const YAML::Node& key = kv.first;
        int kline = line_of(key, line_);
        if (!key.IsScalar()) p_.fail(kline, path_, "keys must be plain names, got " + describe(key));
        const std::string& k = key.Scalar();
        std::string kpath = path_.empty() ? k : path_ + "." + k;
        if (std::find(allowed_.begin(), allowed_.end(), k) == allowed_.end())
          p_.fail(kline, kpath, unknown_key_problem(k));
        for (const auto& f : fields_)
          if (f.first == k)
            p_.fail(kline, kpath, "duplicate key (first given at line " + std::to_string(f.second.line) + ")");
        fields_.emplace_back(k, Field{kpath, kline, kv.second});
      }
    }

    const Field* get(const std::string& key) const {
      for (const auto& f : fields_)
        if (f.first == key) return &f.second;
      return nullptr;
    }

    const Field& require(const std::string& key) const {
      const Field* f = get(key);
      if (!f) p_.fail(line_, path_.empty() ? key : path_ + "." + key, "required but missing");
      return *f;
    }

    const std::string& path() const { return path_; }
    int line() const { return line_; }

   private:
    std::string unknown_key_problem(const std::string& k) const {
      std::string best;
      std::size_t best_d = 3;
      std::string list;
      for (const auto& a : allowed_) {
        std::size_t d = edit_distance(k, a);
        if (d < best_d) best_d = d, best = a;
        list += (list.empty() ? "" : ", ") + a;
      }
      std::string msg = "unknown key";
      if (!best.empty()) msg += " (did you mean '" + best + "'?)";
      return msg + "; expected one of: " + list;
    }

    const Parser& p_;
    std::string path_;
    int line_;
    std::vector<std::string> allowed_;
    std::vector<std::pair<std::string, Field>> fields_;
  };

  std::string string_of(const Field& f) const {
    if (!f.value.IsScalar()) fail(f.line, f.path, "expected a string, got " + describe(f.value));
    return f.value.Scalar();
  }

  bool bool_of(const Field& f) const {
    std::string s = f.value.IsScalar() ? f.value.Scalar() : std::string();
    if (s == "true") return true;
    if (s == "false") return false;
    fail(f.line, f.path, "expected true or false, got " + describe(f.value));
  }

  std::string name_of(const Field& f) const {
    std::string s = string_of(f);
    if (!is_plain_name(s))
      fail(f.line, f.path,
           "\"" + s + "\" is not a valid name (letters, digits, '_', '-', '.'; starting with a "
                      "letter or digit; at most 64 characters)");
    return s;
  }

  // Decimal without leading zeros, or 0x hexadecimal; at most `max`.
  std::uint64_t uint_of(const Field& f, std::uint64_t max) const {
    if (!f.value.IsScalar()) fail(f.line, f.path, "expected an integer, got " + describe(f.value));
    const std::string& s = f.value.Scalar();
    std::uint64_t v = 0;
    bool ok = !s.empty();
    std::size_t i = 0;
    unsigned radix = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) radix = 16, i = 2;
    else if (s.size() > 1 && s[0] == '0') ok = false;  // 010: octal in YAML 1.1, decimal elsewhere
    for (; ok && i < s.size(); ++i) {
      char c = s[i];
      unsigned d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (radix == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (radix == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else { ok = false; break; }
      if (v > (std::numeric_limits<std::uint64_t>::max() - d) / radix) {
        fail(f.line, f.path, "\"" + s + "\" is too large");
      }
      v = v * radix + d;
    }
    if (!ok)
      fail(f.line, f.path, "expected an integer (decimal or 0x hex), got \"" + s + "\"");
    if (v > max) fail(f.line, f.path, s + " is too large (at most " + std::to_string(max) + ")");
    return v;
  }

  std::uint64_t nonzero_uint_of(const Field& f, std::uint64_t max) const {
    std::uint64_t v = uint_of(f, max);
    if (v == 0) fail(f.line, f.path, "must not be zero");
    return v;
  }

  // A list-valued field (a missing value counts as an empty list).
  YAML::Node list_of(const Field& f) const {
    if (f.value.IsNull()) return YAML::Node(YAML::NodeType::Sequence);
    if (!f.value.IsSequence()) fail(f.line, f.path, "expected a list, got " + describe(f.value));
    return f.value;
  }

  // One address window, memory or peripheral, for the overlap check.
  struct Region {
    std::string name;
    std::string path;
    int line;
    std::uint64_t base;
    std::uint64_t size;
  };

  void add_name(const std::string& name, const Field& f) {
    for (const auto& r : names_)
      if (r.name == name)
        fail(f.line, f.path,
             "duplicate name '" + name + "' (already used by " + r.path + " at line " +
                 std::to_string(r.line) + ")");
    names_.push_back(Region{name, f.path.substr(0, f.path.rfind('.')), f.line, 0, 0});
  }

  // Reads base and size (size may have a default), checks that the window fits the 32-bit
  // address space and records it for the overlap check.
  std::pair<std::uint32_t, std::uint32_t> window(const Fields& m, const std::string& name,
                                                 std::optional<std::uint64_t> default_size) {
    const Field& b = m.require("base");
    std::uint64_t base = uint_of(b, k4GiB - 1);
    const Field* s = default_size ? m.get("size") : &m.require("size");
    std::uint64_t size = s ? nonzero_uint_of(*s, k4GiB - 1) : *default_size;
    if (base + size > k4GiB) {
      const Field& at = s ? *s : b;
      fail(at.line, at.path,
           "region " + range(base, size) + " extends past the 32-bit address space");
    }
    const std::uint32_t page = engine_page_size(arch_);
    if (base % page)
      fail(b.line, b.path,
           hex(base) + " is not a multiple of " + std::to_string(page) + " bytes, the page size in which the " +
               arch_ + " CPU engine maps memory");
    if (size % page) {
      const Field& at = s ? *s : b;
      fail(at.line, at.path,
           hex(size) + " is not a multiple of " + std::to_string(page) + " bytes, the page size in which the " +
               arch_ + " CPU engine maps memory");
    }
    if (is_cortex_m(arch_) && base < std::uint64_t{kArmPpbBase} + kArmPpbSize && kArmPpbBase < base + size)
      fail(b.line, b.path,
           "'" + name + "' (" + range(base, size) + ") overlaps the Private Peripheral Bus (" +
               range(kArmPpbBase, kArmPpbSize) + "), where the Cortex-M core maps its own System Control Space");
    regions_.push_back(Region{name, m.path(), m.line(), base, size});
    return {static_cast<std::uint32_t>(base), static_cast<std::uint32_t>(size)};
  }

  void check_overlaps() const {
    for (std::size_t j = 1; j < regions_.size(); ++j) {
      const Region& b = regions_[j];
      for (std::size_t i = 0; i < j; ++i) {
        const Region& a = regions_[i];
        if (a.base < b.base + b.size && b.base < a.base + a.size)
          fail(b.line, b.path,
               "'" + b.name + "' (" + range(b.base, b.size) + ") overlaps '" + a.name + "' (" +
                   range(a.base, a.size) + ", " + a.path + " at line " + std::to_string(a.line) +
                   ")");
      }
    }
  }

  BoardDesc parse(const YAML::Node& root) {
    if (root.IsNull()) fail(0, "", "the file is empty (expected a board description)");
    Fields top(*this, root, "", line_of(root, 1),
               {"name", "description", "cpu", "memory", "peripherals", "partitions", "parts", "nets", "firmware"});
    BoardDesc d;
    d.source_path = path_;
    // On-board parts and their nets: the circuit-file format, read by the machine's circuit
    // reader (machine/circuit.hpp, parse_board_circuit) from the same text.
    d.has_circuit = top.get("parts") || top.get("nets");
    d.name = name_of(top.require("name"));
    if (const Field* f = top.get("description")) d.description = string_of(*f);

    parse_cpu(top.require("cpu"), d);

    const Field& mem = top.require("memory");
    YAML::Node mems = list_of(mem);
    if (mems.size() == 0) fail(mem.line, mem.path, "at least one memory region is required");
    if (mems.size() > kMaxMemoryRegions)
      fail(mem.line, mem.path,
           std::to_string(mems.size()) + " memory regions (at most " + std::to_string(kMaxMemoryRegions) + ")");
    for (std::size_t i = 0; i < mems.size(); ++i) {
      std::string path = "memory[" + std::to_string(i) + "]";
      d.memory.push_back(parse_memory(mems[i], path, line_of(mems[i], mem.line)));
    }

    if (const Field* per = top.get("peripherals")) {
      YAML::Node pers = list_of(*per);
      if (pers.size() > kMaxPeripherals)
        fail(per->line, per->path,
             std::to_string(pers.size()) + " peripherals (at most " + std::to_string(kMaxPeripherals) + ")");
      for (std::size_t i = 0; i < pers.size(); ++i) {
        std::string path = "peripherals[" + std::to_string(i) + "]";
        d.peripherals.push_back(parse_peripheral(pers[i], path, line_of(pers[i], per->line), d));
      }
    }

    if (const Field* part = top.get("partitions")) parse_partitions(*part, d);

    if (const Field* fw = top.get("firmware")) {
      Fields f(*this, fw->value, fw->path, fw->line, {"default"});
      if (const Field* def = f.get("default")) {
        d.default_firmware = string_of(*def);
        if (d.default_firmware.empty()) fail(def->line, def->path, "must not be empty");
      }
    }

    check_overlaps();
    if (!d.interrupt_controller.empty() && d.interrupt_controller != "cpu") {
      bool found = false;
      for (const auto& p : d.peripherals) found |= p.name == d.interrupt_controller;
      if (!found)
        fail(d.interrupt_controller_line, "cpu.interrupt_controller",
             "no peripheral named \"" + d.interrupt_controller + "\"");
    }
    return d;
  }

  // The line of the top-level `name:` key, for messages about the name (0 if unknown).
  int name_line(const YAML::Node& root) const {
    if (!root.IsMap()) return 0;
    for (const auto& kv : root)
      if (kv.first.IsScalar() && kv.first.Scalar() == "name") return line_of(kv.first, 0);
    return 0;
  }

 private:
  void parse_partitions(const Field& pf, BoardDesc& d) {
    YAML::Node list = list_of(pf);
    if (list.size() > kMaxPartitions)
      fail(pf.line, pf.path,
           std::to_string(list.size()) + " partitions (at most " + std::to_string(kMaxPartitions) + ")");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string path = "partitions[" + std::to_string(i) + "]";
      int line = line_of(list[i], pf.line);
      Fields f(*this, list[i], path, line, {"name", "offset", "size", "kind"});
      FlashPartition p;
      p.line = line;
      p.name = name_of(f.require("name"));
      for (const FlashPartition& q : d.partitions)
        if (q.name == p.name)
          fail(f.require("name").line, path + ".name",
               "duplicate partition name \"" + p.name + "\" (first at line " + std::to_string(q.line) + ")");
      p.offset = static_cast<std::uint32_t>(uint_of(f.require("offset"), 0xFFFFFFFFull));
      const Field& size = f.require("size");
      std::uint64_t sz = nonzero_uint_of(size, 0x100000000ull - p.offset);
      p.size = static_cast<std::uint32_t>(sz);
      const Field& kind = f.require("kind");
      std::string k = string_of(kind);
      if (k == "firmware") p.kind = PartitionKind::firmware;
      else if (k == "romfs") p.kind = PartitionKind::romfs;
      else if (k == "filesystem") p.kind = PartitionKind::filesystem;
      else if (k == "data") p.kind = PartitionKind::data;
      else fail(kind.line, kind.path, "expected firmware, romfs, filesystem or data, got \"" + k + "\"");
      for (const FlashPartition& q : d.partitions)
        if (p.offset < std::uint64_t{q.offset} + q.size && q.offset < std::uint64_t{p.offset} + p.size)
          fail(line, path, "overlaps partition \"" + q.name + "\" (line " + std::to_string(q.line) + ")");
      d.partitions.push_back(p);
    }
    std::sort(d.partitions.begin(), d.partitions.end(),
              [](const FlashPartition& a, const FlashPartition& b) { return a.offset < b.offset; });
  }

  void parse_cpu(const Field& cf, BoardDesc& d) {
    Fields c(*this, cf.value, cf.path, cf.line,
             {"arch", "clock_hz", "nvic_priority_bits", "num_irqs", "unmapped", "systick_ref_hz",
              "interrupt_controller", "reset_vector", "semihosting"});
    const Field& arch = c.require("arch");
    d.cpu_arch = string_of(arch);
    if (std::find(std::begin(kKnownArchs), std::end(kKnownArchs), d.cpu_arch) == std::end(kKnownArchs)) {
      std::string list;
      for (const char* a : kKnownArchs) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(arch.line, arch.path, "unknown CPU \"" + d.cpu_arch + "\" (known: " + list + ")");
    }
    arch_ = d.cpu_arch;
    d.cpu_hz = nonzero_uint_of(c.require("clock_hz"), std::numeric_limits<std::uint64_t>::max());
    if (const Field* f = c.get("semihosting")) d.semihosting = bool_of(*f);

    if (const Field* f = c.get("nvic_priority_bits")) {
      if (!is_cortex_m(d.cpu_arch))
        fail(f->line, f->path, "only applies to Cortex-M CPUs, not " + d.cpu_arch);
      std::uint64_t v = uint_of(*f, 8);
      // ARMv7-M requires at least 3 implemented priority bits (ARMv7-M ARM, B3.4.1).
      if (v < 3) fail(f->line, f->path, "must be between 3 and 8 for ARMv7-M");
      d.nvic_priority_bits = static_cast<unsigned>(v);
    }
    if (const Field* f = c.get("num_irqs")) {
      // Cortex-M3/M4 implement 1..240 external interrupts (Cortex-M3 TRM, NVIC chapter).
      std::uint64_t max = is_cortex_m(d.cpu_arch) ? 240 : 1024;
      d.num_irqs = static_cast<unsigned>(nonzero_uint_of(*f, max));
    }
    if (const Field* f = c.get("systick_ref_hz")) {
      if (!is_cortex_m(d.cpu_arch))
        fail(f->line, f->path, "only applies to Cortex-M CPUs, not " + d.cpu_arch);
      d.systick_ref_hz = nonzero_uint_of(*f, d.cpu_hz);
    }
    if (const Field* f = c.get("interrupt_controller")) {
      if (is_cortex_m(d.cpu_arch))
        fail(f->line, f->path, "Cortex-M CPUs bring their own NVIC; remove this key");
      d.interrupt_controller = name_of(*f);
      d.interrupt_controller_line = f->line;
    }
    if (const Field* f = c.get("reset_vector")) {
      if (is_cortex_m(d.cpu_arch))
        fail(f->line, f->path, "Cortex-M CPUs take the reset vector from the vector table; remove this key");
      d.reset_vector = static_cast<std::uint32_t>(uint_of(*f, 0xFFFFFFFFull));
    }
    if (const Field* f = c.get("unmapped")) {
      std::string v = string_of(*f);
      if (v == "bus_fault") d.unmapped = UnmappedPolicy::bus_fault;
      else if (v == "stop") d.unmapped = UnmappedPolicy::stop;
      else fail(f->line, f->path, "expected bus_fault or stop, got \"" + v + "\"");
    }
  }

  MemoryRegion parse_memory(const YAML::Node& n, const std::string& path, int line) {
    Fields m(*this, n, path, line, {"name", "base", "size", "kind", "wait_states", "access"});
    MemoryRegion r;
    const Field& name = m.require("name");
    r.name = name_of(name);
    add_name(r.name, name);
    auto [base, size] = window(m, r.name, std::nullopt);
    r.base = base;
    r.size = size;
    const Field& kind = m.require("kind");
    std::string k = string_of(kind);
    if (k == "ram") r.kind = MemoryKind::ram;
    else if (k == "rom") r.kind = MemoryKind::rom;
    else if (k == "flash") r.kind = MemoryKind::flash;
    else fail(kind.line, kind.path, "expected ram, rom or flash, got \"" + k + "\"");
    if (const Field* w = m.get("wait_states")) r.wait_states = static_cast<unsigned>(uint_of(*w, 255));
    if (const Field* a = m.get("access")) {
      std::string v = string_of(*a);
      if (v == "word_only") r.word_only = true;
      else if (v != "any") fail(a->line, a->path, "expected any or word_only, got \"" + v + "\"");
    }
    return r;
  }

  PeripheralDesc parse_peripheral(const YAML::Node& n, const std::string& path, int line,
                                  const BoardDesc& d) {
    Fields m(*this, n, path, line,
             {"name", "model", "base", "size", "irqs", "clock_hz", "wait_states", "params"});
    PeripheralDesc p;
    p.line = line;
    const Field& name = m.require("name");
    p.name = name_of(name);
    add_name(p.name, name);
    p.model = name_of(m.require("model"));
    auto [base, size] = window(m, p.name, std::uint64_t{0x1000});
    p.base = base;
    p.size = size;

    if (const Field* f = m.get("clock_hz"))
      p.clock_hz = nonzero_uint_of(*f, std::numeric_limits<std::uint64_t>::max());
    if (const Field* f = m.get("wait_states")) p.wait_states = static_cast<unsigned>(uint_of(*f, 255));
    if (const Field* f = m.get("params")) p.params = string_map(*f);
    if (const Field* f = m.get("irqs")) irq_map(*f, d.num_irqs, p);
    return p;
  }

  // A mapping of names to scalars; any key is allowed, each at most once.
  std::vector<Field> open_map(const Field& f) const {
    std::vector<Field> out;
    if (f.value.IsNull()) return out;
    if (!f.value.IsMap()) fail(f.line, f.path, "expected a mapping, got " + describe(f.value));
    for (const auto& kv : f.value) {
      int kline = line_of(kv.first, f.line);
      if (!kv.first.IsScalar()) fail(kline, f.path, "keys must be plain names, got " + describe(kv.first));
      std::string key = kv.first.Scalar();
      std::string kpath = f.path + "." + key;
      if (!is_plain_name(key)) fail(kline, kpath, "\"" + key + "\" is not a valid name");
      for (const auto& o : out)
        if (o.path == kpath)
          fail(kline, kpath, "duplicate key (first given at line " + std::to_string(o.line) + ")");
      out.push_back(Field{kpath, kline, kv.second});
    }
    return out;
  }

  // Each output goes to an interrupt-controller input (an integer) or to one of the CPU's own
  // interrupt lines ("cpu.NAME", e.g. cpu.mtip on RISC-V).
  void irq_map(const Field& f, unsigned num_irqs, PeripheralDesc& p) const {
    auto& out = p.irqs;
    for (const Field& e : open_map(f)) {
      if (e.value.IsScalar() && e.value.Scalar().rfind("cpu.", 0) == 0) {
        std::string line = e.value.Scalar().substr(4);
        if (!is_plain_name(line)) fail(e.line, e.path, "\"" + e.value.Scalar() + "\" is not a CPU line name");
        p.cpu_irqs[e.path.substr(f.path.size() + 1)] = line;
        continue;
      }
      std::uint64_t v = uint_of(e, std::numeric_limits<std::uint32_t>::max());
      if (v >= num_irqs)
        fail(e.line, e.path,
             "interrupt " + std::to_string(v) + " is out of range (cpu.num_irqs is " +
                 std::to_string(num_irqs) + ": inputs 0.." + std::to_string(num_irqs - 1) + ")");
      out[e.path.substr(f.path.size() + 1)] = static_cast<unsigned>(v);
    }
  }

  std::map<std::string, std::string> string_map(const Field& f) const {
    std::map<std::string, std::string> out;
    for (const Field& e : open_map(f)) {
      if (!e.value.IsScalar()) fail(e.line, e.path, "expected a value, got " + describe(e.value));
      out[e.path.substr(f.path.size() + 1)] = e.value.Scalar();
    }
    return out;
  }

  std::string path_;
  std::string arch_;
  std::vector<Region> names_;
  std::vector<Region> regions_;
};

std::string read_file(const std::string& path) {
  try {
    return read_regular_file(path, "board file", kMaxBoardFileBytes);
  } catch (const HostFileError& e) {
    throw BoardError(e.what());
  }
}

BoardDesc parse_yaml(const std::string& text, const std::string& path, const std::string* expected_name) {
  Parser p(path);
  try {
    YAML::Node root = YAML::Load(text);
    BoardDesc d = p.parse(root);
    if (d.has_circuit) d.source_text = text;
    if (expected_name && d.name != *expected_name)
      p.fail(p.name_line(root), "name",
             "\"" + d.name + "\" does not match the file name (expected \"" + *expected_name + "\")");
    return d;
  } catch (const YAML::ParserException& e) {
    // yaml-cpp marks are 0-based.
    std::string where = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    std::string col = e.mark.is_null() ? "" : " (column " + std::to_string(e.mark.column + 1) + ")";
    throw BoardError(path + where + ": YAML syntax error: " + e.msg + col);
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    throw BoardError(path + where + ": " + e.msg);
  }
}


BoardDesc parse(const std::string& text, const std::string& path, const std::string* expected_name) {
  try {
    return parse_yaml(text, path, expected_name);
  } catch (const BoardError& e) {
    std::string msg = one_line(e.what());
    if (msg == e.what()) throw;
    throw BoardError(msg);
  }
}

BoardDesc load(const std::string& path, const std::string* expected_name) {
  return parse(read_file(path), path, expected_name);
}

}  // namespace

void check_boards_dir(const std::string& dir) {
  std::error_code ec;
  auto st = std::filesystem::status(dir, ec);
  if (ec || !std::filesystem::exists(st))
    throw BoardError(dir + ": boards directory does not exist");
  if (!std::filesystem::is_directory(st)) throw BoardError(dir + ": is not a directory (expected a boards directory)");
}

std::vector<std::string> board_files(const std::string& dir) {
  check_boards_dir(dir);
  std::vector<std::string> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".yaml") files.push_back(it->path().string());
  if (ec) throw BoardError(dir + ": cannot list the boards directory: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::uint32_t engine_page_size(const std::string& arch) {
  if (is_cortex_m(arch)) return 1024;   // Unicorn 2.1 Arm: TARGET_PAGE_BITS 10
  if (arch == "rv32imac") return 4096;  // Unicorn 2.1 RISC-V: TARGET_PAGE_BITS 12
  return 1;                             // lx106: our interpreter decodes any window
}

BoardDesc parse_board_text(const std::string& text, const std::string& path) {
  return parse(text, path, nullptr);
}

BoardDesc load_board_file(const std::string& path) { return load(path, nullptr); }

BoardDesc load_board_by_name(const std::string& name, const std::string& boards_dir) {
  if (!is_plain_name(name))
    throw BoardError("invalid board name '" + name +
                     "': expected a plain name such as mps2-an385 (no '/')");
  namespace fs = std::filesystem;
  check_boards_dir(boards_dir);
  fs::path file = fs::path(boards_dir) / (name + ".yaml");
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    std::vector<std::string> names;
    for (fs::directory_iterator it(boards_dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".yaml") names.push_back(it->path().stem().string());
    std::sort(names.begin(), names.end());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    if (list.empty()) list = "none";
    throw BoardError("unknown board '" + name + "' (boards available in " + boards_dir + ": " + list + ")");
  }
  return load(file.string(), &name);
}

const char* to_string(PartitionKind kind) {
  switch (kind) {
    case PartitionKind::firmware: return "firmware";
    case PartitionKind::romfs: return "romfs";
    case PartitionKind::filesystem: return "filesystem";
    default: return "data";
  }
}

}  // namespace boardemu
