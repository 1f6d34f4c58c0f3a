// Whole-machine snapshots: format and rules in snapshot.hpp.
#include "machine/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>

#include <fcntl.h>
#include <unistd.h>

#include "core/event.hpp"
#include "core/host_file.hpp"
#include "core/log.hpp"
#include "machine/machine.hpp"

namespace boardemu {

namespace {

constexpr char kMagic[8] = {'B', 'E', 'M', 'U', 'S', 'N', 'A', 'P'};
constexpr const char* kVersionText = "boardemu (snapshot format 1)";
// Larger than any board's memory and devices together: a length past it is damage.
constexpr std::uint64_t kMaxSnapshotBytes = std::uint64_t{1} << 34;

// ---- writing ----

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_text(std::vector<std::uint8_t>& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
void patch_u64(std::vector<std::uint8_t>& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Appends one section: its name, its length, then what `body` archives.
template <class Body>
void write_section(std::vector<std::uint8_t>& out, const std::string& name, Body&& body) {
  put_text(out, name);
  const std::size_t length_at = out.size();
  put_u64(out, 0);
  const std::size_t start = out.size();
  StateArchive ar = StateArchive::writer(out);
  ar.set_context(name);
  body(ar);
  patch_u64(out, length_at, out.size() - start);
}

// ---- reading ----

// Reads the framing (header fields, section names and lengths) with bounds checks.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> in) : in_(in) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return in_.size() - pos_; }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{in_[pos_ + i]} << (8 * i);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{in_[pos_ + i]} << (8 * i);
    pos_ += 8;
    return v;
  }
  std::string text(const char* what) {
    std::uint32_t n = u32(what);
    if (n > 4096) throw SnapshotError(fmt::format("byte {}: {} is {} bytes long (damaged file?)", pos_ - 4, what, n));
    need(n, what);
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return one_line(s);
  }
  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    need(n, what);
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void need(std::size_t n, const char* what) const {
    if (n > left()) throw SnapshotError(fmt::format("truncated at byte {} ({})", in_.size(), what));
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

struct Header {
  std::uint32_t version = 0;
  std::string boardemu, board;
  std::uint64_t config = 0, total = 0;
};

Header read_header(Cursor& c) {
  if (c.left() < sizeof kMagic || std::memcmp(c.take(sizeof kMagic, "magic").data(), kMagic, sizeof kMagic) != 0)
    throw SnapshotError("not a boardemu snapshot (no BEMUSNAP header)");
  Header h;
  h.version = c.u32("format version");
  if (h.version != kSnapshotFormatVersion)
    throw SnapshotError(fmt::format("format version {}, this boardemu reads {}", h.version, kSnapshotFormatVersion));
  h.boardemu = c.text("boardemu version");
  h.board = c.text("board name");
  h.config = c.u64("configuration hash");
  h.total = c.u64("file length");
  return h;
}

void region_state(StateArchive& ar, RamRegion& r) { ar.paged("bytes", r.bytes.data(), r.bytes.size()); }

}  // namespace

std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t len, std::uint64_t h) {
  for (std::size_t i = 0; i < len; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t Machine::configuration_hash() const {
  std::uint64_t h = fnv1a64(reinterpret_cast<const std::uint8_t*>(board_.source_text.data()), board_.source_text.size());
  return fnv1a64(reinterpret_cast<const std::uint8_t*>(circuits_text_.data()), circuits_text_.size(), h);
}

std::vector<Pin*> Machine::machine_pins() {
  std::vector<Pin*> out;
  for (auto& d : devices_)
    for (Pin* p : d->pins()) out.push_back(p);
  for (auto& p : parts_)
    for (Pin* pin : p->pins()) out.push_back(pin);
  for (auto& p : resistors_) out.push_back(p.get());
  for (auto& p : irq_pins_) out.push_back(p.get());
  return out;
}

void Machine::machine_state(StateArchive& ar) {
  ar.field("system_reset_requested", system_reset_requested_);
  std::size_t n = ar.count("irq_inputs", irq_sources_high_.size(), 4);
  if (ar.loading() && n != irq_sources_high_.size())
    ar.bad("irq_inputs", fmt::format("{} interrupt inputs saved, this board has {}", n, irq_sources_high_.size()));
  for (int& v : irq_sources_high_) ar.field("irq_sources_high", v);
}

std::vector<std::uint8_t> Machine::save_snapshot() {
  // Every pending scheduler callback must be a named Event: an anonymous one could not be
  // restored.
  std::vector<Event*> armed;
  std::size_t armed_total = 0;
  for (Event* e : scheduler_.events()) {
    if (!e->armed()) continue;
    ++armed_total;
    if (e->side() == Event::Side::machine) armed.push_back(e);
  }
  if (scheduler_.pending_count() != armed_total)
    throw SnapshotError(fmt::format("{} scheduler callbacks are pending that are not named events; they cannot be saved",
                                    scheduler_.pending_count() - armed_total));
  // Firing order: due time, then the order they were armed in.
  std::sort(armed.begin(), armed.end(), [](const Event* a, const Event* b) {
    return a->when() != b->when() ? a->when() < b->when() : a->arming() < b->arming();
  });

  std::vector<std::uint8_t> out(kMagic, kMagic + sizeof kMagic);
  out.reserve(std::size_t{1} << 16);
  put_u32(out, kSnapshotFormatVersion);
  put_text(out, kVersionText);
  put_text(out, board_.name);
  put_u64(out, configuration_hash());
  const std::size_t total_at = out.size();
  put_u64(out, 0);

  write_section(out, "time", [&](StateArchive& ar) {
    Cycles now = scheduler_.now();
    ar.field("now", now);
  });
  for (auto& r : bus_.ram()) write_section(out, "memory." + r->desc.name, [&](StateArchive& ar) { region_state(ar, *r); });
  write_section(out, "cpu", [&](StateArchive& ar) { cpu_->state(ar); });
  for (auto& d : devices_) write_section(out, "device." + d->name(), [&](StateArchive& ar) { d->state(ar); });
  for (auto& p : parts_) write_section(out, "part." + p->id(), [&](StateArchive& ar) { p->state(ar); });
  write_section(out, "nets", [&](StateArchive& ar) {
    std::vector<Pin*> pins = machine_pins();
    ar.count("pins", pins.size());
    for (Pin* p : pins) p->state(ar);
    std::vector<Net*> nets = this->nets();
    ar.count("nets", nets.size());
    for (Net* n : nets) n->state(ar);
  });
  write_section(out, "machine", [&](StateArchive& ar) { machine_state(ar); });
  write_section(out, "events", [&](StateArchive& ar) {
    ar.count("events", armed.size());
    for (Event* e : armed) {
      std::string name = e->name();
      Cycles when = e->when();
      ar.field("name", name);
      ar.field("when", when);
    }
  });
  patch_u64(out, total_at, out.size() + 8);
  put_u64(out, fnv1a64(out.data(), out.size()));
  return out;
}

void Machine::load_snapshot(const std::vector<std::uint8_t>& bytes) {
  std::span<const std::uint8_t> all(bytes);
  Cursor c(all);
  Header h = read_header(c);
  if (h.board != board_.name)
    throw SnapshotError(fmt::format("made for board '{}', this is '{}'", h.board, board_.name));
  if (h.config != configuration_hash())
    throw SnapshotError(fmt::format("made for another description of board '{}' or another circuit "
                                    "(the board file or the circuits differ from when it was saved)",
                                    board_.name));
  if (h.total > kMaxSnapshotBytes || h.total < c.pos() + 8) throw SnapshotError(fmt::format("byte {}: file length {} is impossible (damaged file?)", c.pos() - 8, h.total));
  if (bytes.size() < h.total) {
    // Name the section the file ends in.
    std::string where = "header";
    try {
      while (c.pos() < h.total - 8) {
        where = "checksum";
        if (c.left() == 0) break;
        std::string name = c.text("section name");
        where = "section " + name;
        std::uint64_t len = c.u64("section length");
        if (len > c.left()) break;
        c.take(static_cast<std::size_t>(len), "section");
        where = "checksum";
      }
    } catch (const SnapshotError&) {
    }
    throw SnapshotError(fmt::format("truncated at byte {} of {} ({})", bytes.size(), h.total, where));
  }
  if (bytes.size() > h.total)
    throw SnapshotError(fmt::format("{} bytes after the end of the snapshot (byte {})", bytes.size() - h.total, h.total));
  std::uint64_t sum = 0;
  for (int i = 0; i < 8; ++i) sum |= std::uint64_t{bytes[h.total - 8 + i]} << (8 * i);
  if (sum != fnv1a64(bytes.data(), h.total - 8))
    throw SnapshotError("checksum mismatch: the file is damaged");
  Cursor sections(all.first(h.total - 8));
  read_header(sections);

  auto section = [&](const std::string& expected, auto&& fn) {
    const std::size_t at = sections.pos();
    std::string name = sections.text("section name");
    if (name != expected)
      throw SnapshotError(fmt::format("byte {}: section '{}' where this board has '{}'", at, name, expected));
    std::uint64_t len = sections.u64("section length");
    const std::size_t base = sections.pos();
    auto payload = sections.take(static_cast<std::size_t>(std::min<std::uint64_t>(len, sections.left() + 1)), name.c_str());
    StateArchive ar = StateArchive::reader(payload, base);
    ar.set_context(name);
    fn(ar);
    if (ar.remaining())
      throw SnapshotError(fmt::format("byte {}: section '{}' has {} bytes this boardemu does not read",
                                      ar.position(), name, ar.remaining()));
  };

  section("time", [&](StateArchive& ar) {
    Cycles now = 0;
    ar.field("now", now);
    scheduler_.rewind(scheduler_.now());
    scheduler_.advance(now);
  });
  for (auto& r : bus_.ram()) section("memory." + r->desc.name, [&](StateArchive& ar) { region_state(ar, *r); });
  section("cpu", [&](StateArchive& ar) { cpu_->state(ar); });
  for (auto& d : devices_) section("device." + d->name(), [&](StateArchive& ar) { d->state(ar); });
  for (auto& p : parts_) section("part." + p->id(), [&](StateArchive& ar) { p->state(ar); });
  section("nets", [&](StateArchive& ar) {
    std::vector<Pin*> pins = machine_pins();
    std::size_t n = ar.count("pins", pins.size());
    if (n != pins.size()) ar.bad("pins", fmt::format("{} pins saved, this machine has {}", n, pins.size()));
    for (Pin* p : pins) p->state(ar);
    std::vector<Net*> nets = this->nets();
    n = ar.count("nets", nets.size());
    if (n != nets.size()) ar.bad("nets", fmt::format("{} nets saved, this machine has {}", n, nets.size()));
    for (Net* net : nets) net->state(ar);
  });
  section("machine", [&](StateArchive& ar) { machine_state(ar); });
  section("events", [&](StateArchive& ar) {
    for (Event* e : scheduler_.events())
      if (e->side() == Event::Side::machine) e->cancel();
    std::size_t n = ar.count("events", 0, 12);
    for (std::size_t i = 0; i < n; ++i) {
      std::string name;
      Cycles when = 0;
      ar.field("name", name);
      ar.field("when", when);
      Event* e = scheduler_.event(name);
      if (!e || e->side() != Event::Side::machine) ar.bad("name", fmt::format("no event '{}' in this machine", one_line(name)));
      if (e->armed()) ar.bad("name", fmt::format("event '{}' saved twice", one_line(name)));
      e->arm_at(when);  // in the saved order: ties fire as they would have
    }
  });
  if (sections.left())
    throw SnapshotError(fmt::format("byte {}: {} bytes after the last section", sections.pos(), sections.left()));
  scheduler_.next_deadline();
}

// ---- files ----

void write_snapshot_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw SnapshotError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw SnapshotError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw SnapshotError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
  }
}

std::vector<std::uint8_t> read_snapshot_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw SnapshotError(fmt::format("{}: is a directory", path));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SnapshotError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw SnapshotError(fmt::format("{}: cannot read: {}", path, std::strerror(err)));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > kMaxSnapshotBytes) {
      ::close(fd);
      throw SnapshotError(fmt::format("{}: too large for a snapshot", path));
    }
  }
  ::close(fd);
  return out;
}

void load_snapshot_file(Machine& machine, const std::string& path) {
  std::vector<std::uint8_t> bytes = read_snapshot_file(path);
  try {
    machine.load_snapshot(bytes);
  } catch (const SnapshotError& e) {
    throw SnapshotError(one_line(fmt::format("{}: {}", path, e.what())));
  }
}

}  // namespace boardemu
