// Whole-machine snapshots (machine/snapshot.hpp, core/state.hpp) without firmware: the archive's
// encoding and its errors, scheduler events restored in firing order, and every device and part
// of every board (and of the example circuits) driven into a busy state through its registers,
// saved, restored into a new machine and carried on: both machines must stay identical.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/event.hpp"
#include "core/registers.hpp"
#include "core/state.hpp"
#include "hostio/buffer_chardev.hpp"
#include "machine/circuit.hpp"
#include "machine/machine.hpp"
#include "machine/monitor.hpp"
#include "machine/snapshot.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";
const std::string kExamples = std::string(BOARDEMU_SOURCE_DIR) + "/examples/esp8266/";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SnapshotError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- the archive ----

enum class Colour : std::uint8_t { red, green };

struct Sample {
  std::uint8_t u8 = 0;
  std::int32_t i32 = 0;
  std::uint64_t u64 = 0;
  bool flag = false;
  Colour colour = Colour::red;
  double volts = 0;
  std::array<std::uint16_t, 3> words{};
  std::vector<std::uint8_t> bytes;
  std::vector<bool> bits;
  std::string text;
  void state(StateArchive& ar) {
    ar.field("u8", u8);
    ar.field("i32", i32);
    ar.field("u64", u64);
    ar.field("flag", flag);
    ar.field("colour", colour);
    ar.field("volts", volts);
    ar.field("words", words);
    ar.field("bytes", bytes);
    ar.field("bits", bits);
    ar.field("text", text);
  }
};

TEST(StateArchive, OneFunctionSavesAndRestoresEveryKindOfField) {
  Sample a{0xAB, -5, 0x0123456789ABCDEFull, true, Colour::green, 3.3, {1, 2, 65535}, {9, 8, 7}, {true, false, true}, "uart0"};
  std::vector<std::uint8_t> bytes;
  StateArchive w = StateArchive::writer(bytes);
  a.state(w);
  Sample b;
  StateArchive r = StateArchive::reader(bytes, 0);
  b.state(r);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(b.u8, 0xAB);
  EXPECT_EQ(b.i32, -5);
  EXPECT_EQ(b.u64, 0x0123456789ABCDEFull);
  EXPECT_TRUE(b.flag);
  EXPECT_EQ(b.colour, Colour::green);
  EXPECT_EQ(b.volts, 3.3);  // exact: by its bits
  EXPECT_EQ(b.words, a.words);
  EXPECT_EQ(b.bytes, a.bytes);
  EXPECT_EQ(b.bits, a.bits);
  EXPECT_EQ(b.text, "uart0");
  // Little-endian, no padding: 1 + 4 + 8 + 1 + 1 + 8 + 6 + (4 + 3) + (4 + 3) + (4 + 5).
  EXPECT_EQ(bytes.size(), 52u);
  EXPECT_EQ(bytes[1], 0xFB);  // -5
}

TEST(StateArchive, ErrorsNameTheFieldAndTheByte) {
  Sample a;
  a.text = "x";
  std::vector<std::uint8_t> bytes;
  StateArchive w = StateArchive::writer(bytes);
  a.state(w);
  bytes.resize(10);
  std::string msg = error_of([&] {
    StateArchive r = StateArchive::reader(bytes, 1000);
    r.set_context("device.uart0");
    Sample b;
    b.state(r);
  });
  EXPECT_EQ(msg, "truncated at byte 1010 (device.uart0.u64)");
  // A bool that is neither 0 nor 1, and a vector longer than the data left.
  std::vector<std::uint8_t> bad = {2};
  msg = error_of([&] {
    StateArchive r = StateArchive::reader(bad, 0);
    bool f;
    r.field("busy", f);
  });
  EXPECT_EQ(msg, "byte 1 (busy): a bool that is neither 0 nor 1");
  std::vector<std::uint8_t> huge = {0xFF, 0xFF, 0xFF, 0x7F, 1, 2};
  msg = error_of([&] {
    StateArchive r = StateArchive::reader(huge, 0);
    std::vector<std::uint32_t> v;
    r.field("fifo", v);
  });
  EXPECT_EQ(msg, "truncated at byte 6 (fifo)");
}

TEST(StateArchive, PagedMemoryStoresUniformPagesAsOneByte) {
  std::vector<std::uint8_t> mem(3 * 4096 + 100, 0xFF);
  mem[5000] = 0x12;
  std::vector<std::uint8_t> bytes;
  StateArchive w = StateArchive::writer(bytes);
  w.paged("flash", mem.data(), mem.size());
  // size, then page 0 (kind, fill), page 1 (kind + 4096), page 2 (kind, fill), tail (kind, fill).
  EXPECT_EQ(bytes.size(), 8u + 2 + (1 + 4096) + 2 + 2);
  std::vector<std::uint8_t> back(mem.size(), 0);
  StateArchive r = StateArchive::reader(bytes, 0);
  r.paged("flash", back.data(), back.size());
  EXPECT_EQ(back, mem);
  std::vector<std::uint8_t> smaller(100);
  EXPECT_EQ(error_of([&] {
              StateArchive r2 = StateArchive::reader(bytes, 0);
              r2.paged("flash", smaller.data(), smaller.size());
            }),
            "byte 8 (flash): the snapshot's memory has 12388 bytes, this one 100");
}

class NoStateDevice : public Device {
 public:
  NoStateDevice() : Device("mystery") {}
  std::uint32_t read(std::uint32_t, unsigned) override { return 0; }
  void write(std::uint32_t, std::uint32_t, unsigned) override {}
  void reset() override {}
};

TEST(StateArchive, AModelWithoutStateIsRefusedByName) {
  NoStateDevice d;
  std::vector<std::uint8_t> bytes;
  StateArchive w = StateArchive::writer(bytes);
  EXPECT_EQ(error_of([&] { d.state(w); }), "device 'mystery' cannot be saved in a snapshot (no save state yet)");
}

// ---- machines ----

std::unique_ptr<Machine> build(const std::string& board, const std::vector<std::string>& circuits = {}) {
  auto m = std::make_unique<Machine>(load_board_by_name(board, kBoardsDir));
  for (const auto& c : circuits) m->add_circuit(load_circuit_file(kExamples + c));
  return m;
}

// Drives every device the bus reaches: each register written with a value made from its
// offset (UART transmitters start, timers load and run, controllers start transactions), then
// lets virtual time pass so that events fire and parts answer on the nets.
void stir(Machine& m) {
  std::uint32_t salt = 0x9E3779B9;
  for (auto& r : m.bus().mmio()) {
    const RegisterBank* bank = r->device->registers();
    if (!bank) continue;
    for (const RegisterSpec& spec : bank->specs()) {
      salt = salt * 1664525u + 1013904223u;
      // Leave the watchdog and system-reset registers alone: a reset would undo the stirring.
      std::string name = spec.name;
      if (name.find("WDT") != std::string::npos || name.find("RST") != std::string::npos ||
          name.find("AIRCR") != std::string::npos)
        continue;
      m.bus().mmio_write(*r, spec.offset, salt & 0x0F0F0F7F, 4);
    }
  }
  // Parts: levels and controls change.
  for (Part* p : m.parts())
    for (const std::string& c : p->controls())
      p->set_control(c, c == "pressure" ? 95000 : c == "humidity" ? 61.5 : c == "temperature" ? 23.25 : 1);
  m.scheduler().advance(12345);
  m.scheduler().run_due();
}

void advance(Machine& m, Cycles by) {
  m.scheduler().advance(by);
  m.scheduler().run_due();
}

struct Config {
  std::string board;
  std::vector<std::string> circuits;
};

class EveryBoard : public ::testing::TestWithParam<Config> {};

// What an observer sees of a machine: every device register (peeks: no side effects), every
// net's level and the snapshot bytes.
void expect_same(Machine& a, Machine& b, const std::string& when) {
  for (std::size_t i = 0; i < a.bus().mmio().size(); ++i) {
    auto& ra = *a.bus().mmio()[i];
    auto& rb = *b.bus().mmio()[i];
    if (const RegisterBank* bank = ra.device->registers()) {
      for (const RegisterSpec& spec : bank->specs()) {
        ASSERT_EQ(ra.device->peek(spec.offset, 4), rb.device->peek(spec.offset, 4))
            << ra.device->name() << "." << spec.name << " " << when;
      }
    }
  }
  std::vector<Net*> na = a.nets(), nb = b.nets();
  ASSERT_EQ(na.size(), nb.size());
  for (std::size_t i = 0; i < na.size(); ++i) {
    ASSERT_EQ(na[i]->name(), nb[i]->name());
    ASSERT_EQ(na[i]->level(), nb[i]->level()) << na[i]->name() << " " << when;
  }
  ASSERT_TRUE(a.save_snapshot() == b.save_snapshot()) << when;
}

TEST_P(EveryBoard, RestoredMachineStaysIdenticalAsTimePasses) {
  // Saved at several moments after the stirring (a character half sent, a transaction half
  // clocked out, a conversion running), restored into a new machine, then both carry on.
  const bool big = GetParam().board == "lx106-sim";  // 192 MiB of memory: fewer rounds
  std::vector<Cycles> save_points = big ? std::vector<Cycles>{0} : std::vector<Cycles>{0, 1, 37, 400, 2100, 9000, 60000};
  auto a = build(GetParam().board, GetParam().circuits);
  stir(*a);
  Cycles done = 0;
  for (Cycles at : save_points) {
    advance(*a, at - done);
    done = at;
    std::vector<std::uint8_t> s = a->save_snapshot();
    auto b = build(GetParam().board, GetParam().circuits);
    if (at == 0) {
      EXPECT_NE(s, b->save_snapshot()) << "stirring changed nothing: the test could not fail";
    }
    b->load_snapshot(s);
    ASSERT_TRUE(b->save_snapshot() == s);
    // A scratch copy carries on beside a further restored copy, so `a` stays on its own path.
    auto c = build(GetParam().board, GetParam().circuits);
    c->load_snapshot(s);
    expect_same(*b, *c, "right after loading");
    for (Cycles step : {Cycles{1}, Cycles{13}, Cycles{250}, Cycles{3000}, Cycles{40000}, Cycles{2000000}}) {
      advance(*b, step);
      advance(*c, step);
      expect_same(*b, *c, "two restored copies, " + std::to_string(step) + " cycles on");
      if (::testing::Test::HasFatalFailure()) return;
    }
    // `a` itself, unbroken, against a copy restored at this point.
    auto d = build(GetParam().board, GetParam().circuits);
    d->load_snapshot(s);
    Cycles t = 0;
    for (Cycles step : {Cycles{1}, Cycles{13}, Cycles{250}, Cycles{3000}}) {
      advance(*a, step);
      advance(*d, step);
      t += step;
      expect_same(*a, *d, "saved " + std::to_string(at) + " cycles after stirring, then " + std::to_string(t) + " more");
      if (::testing::Test::HasFatalFailure()) return;
    }
    done += t;
  }
}

INSTANTIATE_TEST_SUITE_P(Snapshot, EveryBoard,
                         ::testing::Values(Config{"mps2-an385", {}}, Config{"virt-rv32", {}}, Config{"esp8266", {}},
                                           Config{"lx106-sim", {}},
                                           Config{"esp8266", {"weather-station.yaml"}},
                                           Config{"esp8266", {"spi-flash.yaml"}},
                                           Config{"esp8266", {"potentiometer.yaml"}}),
                         [](const auto& info) {
                           std::string n = info.param.board + (info.param.circuits.empty() ? "" : "_" + info.param.circuits[0]);
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(Snapshot, EventsDueAtTheSameTimeKeepTheirOrder) {
  // Events of one machine armed in one order at one time; the restored machine created them in
  // the other order, and still fires them as the saved one would.
  std::string fired;
  auto a = build("virt-rv32");
  Event e1(a->scheduler(), "test.first", [&](Cycles) { fired += "1"; });
  Event e2(a->scheduler(), "test.second", [&](Cycles) { fired += "2"; });
  e2.arm_at(500);
  e1.arm_at(500);
  std::vector<std::uint8_t> s = a->save_snapshot();
  auto b = build("virt-rv32");
  Event f2(b->scheduler(), "test.second", [&](Cycles) { fired += "2"; });
  Event f1(b->scheduler(), "test.first", [&](Cycles) { fired += "1"; });
  f1.arm_at(100);  // replaced by the snapshot's arming
  b->load_snapshot(s);
  EXPECT_EQ(f1.when(), 500u);
  advance(*b, 600);
  EXPECT_EQ(fired, "21");
  fired.clear();
  advance(*a, 600);
  EXPECT_EQ(fired, "21");
  // A machine lacking a saved event refuses the snapshot, naming it.
  auto c = build("virt-rv32");
  EXPECT_NE(error_of([&] { c->load_snapshot(s); }).find("no event 'test.second' in this machine"), std::string::npos);
}

TEST(Snapshot, AnonymousCallbacksAndHostEvents) {
  auto m = build("esp8266");
  m->scheduler().schedule_at(100, [](Cycles) {});
  EXPECT_EQ(error_of([&] { m->save_snapshot(); }),
            "1 scheduler callbacks are pending that are not named events; they cannot be saved");
  // Host-side events (the monitor's poll) are neither saved nor disturbed by loading.
  auto a = build("esp8266");
  BufferCharBackend host;
  Monitor mon(*a, host);
  const Event* poll = a->scheduler().event("monitor.poll");
  ASSERT_TRUE(poll && poll->armed());
  Cycles due = poll->when();
  std::vector<std::uint8_t> s = a->save_snapshot();
  auto b = build("esp8266");
  b->load_snapshot(s);  // no monitor here: fine
  a->load_snapshot(s);
  EXPECT_TRUE(poll->armed());
  EXPECT_EQ(poll->when(), due);
}

TEST(Snapshot, HeaderChecks) {
  auto a = build("virt-rv32");
  std::vector<std::uint8_t> s = a->save_snapshot();
  auto esp = build("esp8266");
  EXPECT_EQ(error_of([&] { esp->load_snapshot(s); }), "made for board 'virt-rv32', this is 'esp8266'");
  auto with_circuit = build("esp8266", {"spi-flash.yaml"});
  std::vector<std::uint8_t> e = build("esp8266")->save_snapshot();
  EXPECT_NE(error_of([&] { with_circuit->load_snapshot(e); }).find("made for another description of board 'esp8266'"),
            std::string::npos);
  std::vector<std::uint8_t> v = s;
  v[8] = static_cast<std::uint8_t>(kSnapshotFormatVersion + 1);
  EXPECT_EQ(error_of([&] { a->load_snapshot(v); }),
            fmt::format("format version {}, this boardemu reads {}", kSnapshotFormatVersion + 1,
                        kSnapshotFormatVersion));
  v = s;
  v[v.size() / 2] ^= 1;
  EXPECT_EQ(error_of([&] { a->load_snapshot(v); }), "checksum mismatch: the file is damaged");
  v.assign(s.begin(), s.begin() + 40);
  EXPECT_EQ(error_of([&] { a->load_snapshot(v); }), "truncated at byte 40 (boardemu version)");
  v.assign(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(s.size() / 2));
  EXPECT_EQ(error_of([&] { a->load_snapshot(v); }),
            "truncated at byte " + std::to_string(s.size() / 2) + " of " + std::to_string(s.size()) + " (section memory.dram)");
  EXPECT_EQ(error_of([&] { a->load_snapshot({}); }), "not a boardemu snapshot (no BEMUSNAP header)");
}

// ---- damaged snapshots ----

// A snapshot's sections as (payload offset, payload length), from the layout in snapshot.hpp.
std::vector<std::pair<std::size_t, std::size_t>> section_payloads(const std::vector<std::uint8_t>& s) {
  auto u32 = [&](std::size_t at) {
    return static_cast<std::size_t>(s[at] | s[at + 1] << 8 | s[at + 2] << 16 | static_cast<std::uint32_t>(s[at + 3]) << 24);
  };
  auto u64 = [&](std::size_t at) { return u32(at) | static_cast<std::size_t>(u32(at + 4)) << 32; };
  std::size_t at = 8 + 4;
  at += 4 + u32(at);  // boardemu version
  at += 4 + u32(at);  // board name
  at += 8 + 8;        // configuration hash, total length
  std::vector<std::pair<std::size_t, std::size_t>> out;
  while (at + 8 < s.size()) {
    at += 4 + u32(at);  // section name
    std::size_t len = u64(at);
    at += 8;
    out.emplace_back(at, len);
    at += len;
  }
  return out;
}

// Seals damaged bytes again (the trailer's FNV-1a 64), so that the damage reaches the sections'
// readers instead of stopping at the checksum.
void reseal(std::vector<std::uint8_t>& s) {
  std::uint64_t h = fnv1a64(s.data(), s.size() - 8);
  for (int i = 0; i < 8; ++i) s[s.size() - 8 + i] = static_cast<std::uint8_t>(h >> (8 * i));
}

// Bytes damaged inside the sections (counts, lengths, enum values, register and FIFO contents),
// the file sealed again: each load either refuses with a SnapshotError or loads, and a loaded
// machine runs on (events, a CPU slice) without crashing; under the sanitizer build without any
// out-of-bounds access either. A sealed file is what a buggy tool or a hand edit would make.
TEST(Snapshot, DamagedSectionsAreRefusedOrLoadedNeverACrash) {
  for (const Config& c : {Config{"virt-rv32", {}}, Config{"mps2-an385", {}},
                          Config{"esp8266", {"weather-station.yaml"}}}) {
    auto a = build(c.board, c.circuits);
    stir(*a);
    const std::vector<std::uint8_t> good = a->save_snapshot();
    auto sections = section_payloads(good);
    ASSERT_GT(sections.size(), 3u) << c.board;
    std::mt19937 rng(20261207);
    unsigned refused = 0, loaded = 0;
    while (refused + loaded < 200) {
      std::vector<std::uint8_t> bad = good;
      // A section chosen uniformly (memory pages would take most byte positions), then 1 to 4
      // bytes inside it set to a random value or to one of the values that break counts most.
      auto [at, len] = sections[rng() % sections.size()];
      if (len == 0) continue;  // a device without state
      for (unsigned n = 1 + rng() % 4; n; --n) {
        static const std::uint8_t kNasty[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
        bad[at + rng() % len] = rng() % 2 ? kNasty[rng() % 5] : static_cast<std::uint8_t>(rng());
      }
      reseal(bad);
      auto b = build(c.board, c.circuits);
      std::string error = error_of([&] { b->load_snapshot(bad); });
      if (error != "(no error)") {
        ++refused;
        if (std::getenv("SNAP_DEBUG")) std::fprintf(stderr, "%s\n", error.c_str());
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
        continue;
      }
      ++loaded;
      advance(*b, 5000);
      b->run(b->scheduler().now() + 20000);
    }
    // Both outcomes occur: damage the readers catch, and damage within what a state may hold.
    EXPECT_GT(refused, 0u) << c.board;
    EXPECT_GT(loaded, 0u) << c.board;
  }
}

}  // namespace
}  // namespace boardemu
