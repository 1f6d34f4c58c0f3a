// Board files (emulator/core/board.cpp): the shipped MPS2-AN385 description loads with the
// values of ARM AN385 / QEMU's mps2-an385, and every malformed file is reported as one line
// naming the file, the line and the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "core/board.hpp"

namespace boardemu {
namespace {

namespace fs = std::filesystem;

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";

class BoardFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("boardemu-board-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Loads `text` as x.yaml and returns the error message (failing the test if none).
  std::string error_of(const std::string& text) {
    path_ = write("x.yaml", text);
    try {
      load_board_file(path_);
    } catch (const BoardError& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
      EXPECT_EQ(msg.rfind(path_, 0), 0u) << "does not start with the path: " << msg;
      return msg;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return "";
  }

  // "<path>:<line>: <field>: " as the message must begin.
  std::string at(int line, const std::string& field) const {
    return path_ + ":" + std::to_string(line) + ": " + field + ": ";
  }

  fs::path dir_;
  std::string path_;
};

// A valid board; the error tests change one thing in it. Line numbers matter below.
const std::string kGood =
    "name: test\n"                                        // 1
    "cpu:\n"                                              // 2
    "  arch: cortex-m3\n"                                 // 3
    "  clock_hz: 1000\n"                                  // 4
    "memory:\n"                                           // 5
    "  - {name: ram, base: 0x0, size: 0x1000, kind: ram}\n"  // 6
    "peripherals:\n"                                      // 7
    "  - name: uart0\n"                                   // 8
    "    model: cmsdk-apb-uart\n"                         // 9
    "    base: 0x40000000\n"                              // 10
    "    irqs: {rx: 0}\n";                                // 11

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)
#define EXPECT_STARTS(msg, prefix) EXPECT_EQ((msg).rfind(prefix, 0), 0u) << "message: " << (msg)

const PeripheralDesc* find_peripheral(const BoardDesc& b, const std::string& name) {
  for (const auto& p : b.peripherals)
    if (p.name == name) return &p;
  return nullptr;
}

const MemoryRegion* find_memory(const BoardDesc& b, const std::string& name) {
  for (const auto& m : b.memory)
    if (m.name == name) return &m;
  return nullptr;
}

// ARM AN385 memory and interrupt maps, as QEMU's mps2-an385 machine implements them.
TEST(BoardShipped, Mps2An385MatchesAn385) {
  BoardDesc b = load_board_by_name("mps2-an385", kBoardsDir);
  EXPECT_EQ(b.name, "mps2-an385");
  EXPECT_EQ(b.cpu_arch, "cortex-m3");
  EXPECT_EQ(b.cpu_hz, 25'000'000u);
  EXPECT_EQ(b.nvic_priority_bits, 3u);
  EXPECT_EQ(b.num_irqs, 32u);
  EXPECT_EQ(b.unmapped, UnmappedPolicy::bus_fault);
  EXPECT_EQ(b.default_firmware, "build/firmware/MPS2_AN385/firmware.elf");
  EXPECT_EQ(b.source_path, kBoardsDir + "/mps2-an385.yaml");

  struct Mem { const char* name; std::uint32_t base, size; };
  for (Mem m : {Mem{"ssram1", 0x00000000, 0x400000}, Mem{"blockram", 0x01000000, 0x4000},
                Mem{"ssram23", 0x20000000, 0x400000}, Mem{"psram", 0x21000000, 0x1000000}}) {
    const MemoryRegion* r = find_memory(b, m.name);
    ASSERT_NE(r, nullptr) << m.name;
    EXPECT_EQ(r->base, m.base) << m.name;
    EXPECT_EQ(r->size, m.size) << m.name;
    EXPECT_EQ(r->kind, MemoryKind::ram) << m.name;
    EXPECT_EQ(r->wait_states, 0u) << m.name;
  }

  struct Uart { const char* name; std::uint32_t base; unsigned rx, tx; bool overflow; };
  for (Uart u : {Uart{"uart0", 0x40004000, 0, 1, true}, Uart{"uart1", 0x40005000, 2, 3, true},
                 Uart{"uart2", 0x40006000, 4, 5, true}, Uart{"uart3", 0x40007000, 18, 19, false},
                 Uart{"uart4", 0x40009000, 20, 21, false}}) {
    const PeripheralDesc* p = find_peripheral(b, u.name);
    ASSERT_NE(p, nullptr) << u.name;
    EXPECT_EQ(p->model, "cmsdk-apb-uart");
    EXPECT_EQ(p->base, u.base) << u.name;
    EXPECT_EQ(p->size, 0x1000u) << u.name;
    EXPECT_EQ(p->irqs.at("rx"), u.rx) << u.name;
    EXPECT_EQ(p->irqs.at("tx"), u.tx) << u.name;
    if (u.overflow) {
      EXPECT_EQ(p->irqs.at("txovr"), 12u) << u.name;
      EXPECT_EQ(p->irqs.at("rxovr"), 12u) << u.name;
    } else {
      EXPECT_EQ(p->irqs.size(), 2u) << u.name;
    }
    EXPECT_GT(p->line, 0);
  }

  struct Dev { const char* name; std::uint32_t base; };
  for (Dev d : {Dev{"timer0", 0x40000000}, Dev{"timer1", 0x40001000}, Dev{"dualtimer", 0x40002000},
                Dev{"watchdog", 0x40008000}, Dev{"gpio0", 0x40010000}, Dev{"fpgaio", 0x40028000},
                Dev{"scc", 0x4002f000}, Dev{"ethernet", 0x40200000}}) {
    const PeripheralDesc* p = find_peripheral(b, d.name);
    ASSERT_NE(p, nullptr) << d.name;
    EXPECT_EQ(p->base, d.base) << d.name;
  }
  for (const auto& p : b.peripherals) {
    if (p.model == "unimplemented") {
      EXPECT_TRUE(p.irqs.empty()) << p.name;
    }
  }
}

TEST_F(BoardFileTest, DefaultsAndIntegerForms) {
  std::string text = kGood + "    params: {baud: 115200, mode: fast}\n"
                             "  - {name: t, model: unimplemented, base: 1073745920, size: 0x800, "
                             "clock_hz: 12000000, wait_states: 2}\n";
  BoardDesc b = load_board_file(write("ok.yaml", text));
  EXPECT_EQ(b.name, "test");
  EXPECT_EQ(b.description, "");
  EXPECT_EQ(b.cpu_hz, 1000u);
  EXPECT_EQ(b.nvic_priority_bits, 3u);
  EXPECT_EQ(b.num_irqs, 32u);
  EXPECT_EQ(b.unmapped, UnmappedPolicy::bus_fault);
  EXPECT_EQ(b.default_firmware, "");
  ASSERT_EQ(b.memory.size(), 1u);
  EXPECT_EQ(b.memory[0].size, 0x1000u);
  ASSERT_EQ(b.peripherals.size(), 2u);
  const PeripheralDesc& u = b.peripherals[0];
  EXPECT_EQ(u.size, 0x1000u);  // default window
  EXPECT_FALSE(u.clock_hz.has_value());
  EXPECT_EQ(u.line, 8);
  EXPECT_EQ(u.params.at("baud"), "115200");
  EXPECT_EQ(u.params.at("mode"), "fast");
  const PeripheralDesc& t = b.peripherals[1];
  EXPECT_EQ(t.base, 0x40001000u);  // decimal
  EXPECT_EQ(t.size, 0x800u);
  EXPECT_EQ(t.clock_hz.value(), 12'000'000u);
  EXPECT_EQ(t.wait_states, 2u);
}

TEST_F(BoardFileTest, AllOptionalCpuFields) {
  std::string text = replace(kGood, "  clock_hz: 1000\n",
                             "  clock_hz: 1000\n  nvic_priority_bits: 4\n  num_irqs: 64\n"
                             "  unmapped: stop\n");
  text += "firmware:\n  default: fw.elf\n";
  BoardDesc b = load_board_file(write("ok.yaml", text));
  EXPECT_EQ(b.nvic_priority_bits, 4u);
  EXPECT_EQ(b.num_irqs, 64u);
  EXPECT_EQ(b.unmapped, UnmappedPolicy::stop);
  EXPECT_EQ(b.default_firmware, "fw.elf");
}

TEST_F(BoardFileTest, NotAnInteger) {
  std::string msg = error_of(replace(kGood, "size: 0x1000", "size: big"));
  EXPECT_STARTS(msg, at(6, "memory[0].size"));
  EXPECT_HAS(msg, "expected an integer");
  EXPECT_HAS(msg, "\"big\"");
}

TEST_F(BoardFileTest, IntegerFormsRejected) {
  for (const char* bad : {"-1", "010", "0x", "1.5", "0x1g", "1_000", "99999999999999999999999"}) {
    std::string msg = error_of(replace(kGood, "clock_hz: 1000", std::string("clock_hz: ") + bad));
    EXPECT_STARTS(msg, at(4, "cpu.clock_hz")) << bad;
  }
}

TEST_F(BoardFileTest, UnknownKeyTypoIsNamed) {
  std::string msg = error_of(replace(kGood, "    base: 0x40000000", "    bsae: 0x40000000"));
  EXPECT_STARTS(msg, at(10, "peripherals[0].bsae"));
  EXPECT_HAS(msg, "unknown key");
  EXPECT_HAS(msg, "did you mean 'base'");
}

TEST_F(BoardFileTest, UnknownKeysEverywhere) {
  EXPECT_STARTS(error_of(kGood + "extra: 1\n"), at(12, "extra"));
  EXPECT_STARTS(error_of(replace(kGood, "  arch:", "  speed: 1\n  arch:")), at(3, "cpu.speed"));
  EXPECT_STARTS(error_of(replace(kGood, "kind: ram}", "kind: ram, flags: rw}")), at(6, "memory[0].flags"));
  EXPECT_STARTS(error_of(kGood + "firmware: {default: a, other: b}\n"), at(12, "firmware.other"));
}

TEST_F(BoardFileTest, MissingRequiredFields) {
  {
    std::string msg = error_of(replace(kGood, "name: test\n", "description: x\n"));
    EXPECT_STARTS(msg, at(1, "name"));
    EXPECT_HAS(msg, "required but missing");
  }
  {
    std::string msg = error_of(replace(kGood, "  clock_hz: 1000\n", ""));
    EXPECT_STARTS(msg, at(2, "cpu.clock_hz"));
    EXPECT_HAS(msg, "required but missing");
  }
  EXPECT_STARTS(error_of(replace(kGood, "  arch: cortex-m3\n", "")), at(2, "cpu.arch"));
  EXPECT_STARTS(error_of(replace(kGood, "size: 0x1000, ", "")), at(6, "memory[0].size"));
  EXPECT_STARTS(error_of(replace(kGood, ", kind: ram", "")), at(6, "memory[0].kind"));
  EXPECT_STARTS(error_of(replace(kGood, "    model: cmsdk-apb-uart\n", "")), at(8, "peripherals[0].model"));
  EXPECT_STARTS(error_of(replace(kGood, "    base: 0x40000000\n", "")), at(8, "peripherals[0].base"));
  {
    std::string text = replace(kGood, "memory:\n  - {name: ram, base: 0x0, size: 0x1000, kind: ram}\n", "");
    EXPECT_HAS(error_of(text), "memory: required but missing");
  }
  EXPECT_STARTS(error_of(replace(kGood, "  - {name: ram, base: 0x0, size: 0x1000, kind: ram}\n", "")),
                at(5, "memory"));
}

TEST_F(BoardFileTest, WrongTypes) {
  EXPECT_HAS(error_of(replace(kGood, "name: test", "name: [a, b]")), "expected a string, got a list");
  EXPECT_HAS(error_of(replace(kGood, "cpu:\n  arch: cortex-m3\n  clock_hz: 1000\n", "cpu: 3\n")),
             "cpu: expected a mapping");
  EXPECT_STARTS(error_of(replace(kGood, "irqs: {rx: 0}", "irqs: {rx: {a: 1}}")), at(11, "peripherals[0].irqs.rx"));
  EXPECT_STARTS(error_of(replace(kGood, "irqs: {rx: 0}", "irqs: [0, 1]")), at(11, "peripherals[0].irqs"));
  EXPECT_STARTS(error_of(replace(kGood, "name: uart0", "name: \"uart 0\"")), at(8, "peripherals[0].name"));
}

TEST_F(BoardFileTest, ZeroSize) {
  std::string msg = error_of(replace(kGood, "size: 0x1000", "size: 0"));
  EXPECT_STARTS(msg, at(6, "memory[0].size"));
  EXPECT_HAS(msg, "must not be zero");
  EXPECT_STARTS(error_of(replace(kGood, "  clock_hz: 1000", "  clock_hz: 0")), at(4, "cpu.clock_hz"));
}

TEST_F(BoardFileTest, Beyond32Bits) {
  {
    std::string msg = error_of(replace(kGood, "base: 0x0, size: 0x1000", "base: 0xfffff000, size: 0x2000"));
    EXPECT_STARTS(msg, at(6, "memory[0].size"));
    EXPECT_HAS(msg, "32-bit address space");
  }
  EXPECT_STARTS(error_of(replace(kGood, "base: 0x0,", "base: 0x100000000,")), at(6, "memory[0].base"));
  {
    // The default 4 KiB window does not fit either.
    std::string msg = error_of(replace(kGood, "    base: 0x40000000", "    base: 0xfffff800"));
    EXPECT_STARTS(msg, at(10, "peripherals[0].base"));
    EXPECT_HAS(msg, "32-bit address space");
  }
}

TEST_F(BoardFileTest, OverlapNamesBoth) {
  {
    std::string text = kGood + "  - {name: uart1, model: cmsdk-apb-uart, base: 0x40000800}\n";
    std::string msg = error_of(text);
    EXPECT_STARTS(msg, at(12, "peripherals[1]"));
    EXPECT_HAS(msg, "'uart1'");
    EXPECT_HAS(msg, "'uart0'");
    EXPECT_HAS(msg, "overlaps");
    EXPECT_HAS(msg, "line 8");
  }
  {
    std::string text = kGood + "  - {name: shadow, model: unimplemented, base: 0x800}\n";
    std::string msg = error_of(text);
    EXPECT_STARTS(msg, at(12, "peripherals[1]"));
    EXPECT_HAS(msg, "'shadow' (0x00000800..0x00001800) overlaps 'ram' (0x00000000..0x00001000, memory[0]");
  }
  {
    std::string text = replace(kGood, "kind: ram}\n", "kind: ram}\n  - {name: rom, base: 0xc00, size: 0x800, kind: rom}\n");
    EXPECT_STARTS(error_of(text), at(7, "memory[1]"));
  }
  // Touching is not overlapping.
  std::string ok = kGood + "  - {name: next, model: unimplemented, base: 0x40001000}\n";
  EXPECT_NO_THROW(load_board_file(write("ok.yaml", ok)));
}

TEST_F(BoardFileTest, IrqOutOfRange) {
  std::string msg = error_of(replace(kGood, "irqs: {rx: 0}", "irqs: {rx: 0, tx: 32}"));
  EXPECT_STARTS(msg, at(11, "peripherals[0].irqs.tx"));
  EXPECT_HAS(msg, "out of range");
  EXPECT_HAS(msg, "0..31");
  // num_irqs raises the limit.
  std::string ok = replace(replace(kGood, "irqs: {rx: 0}", "irqs: {rx: 0, tx: 32}"), "  clock_hz: 1000\n",
                           "  clock_hz: 1000\n  num_irqs: 33\n");
  EXPECT_NO_THROW(load_board_file(write("ok.yaml", ok)));
  EXPECT_STARTS(error_of(replace(kGood, "  clock_hz: 1000\n", "  clock_hz: 1000\n  num_irqs: 241\n")),
                at(5, "cpu.num_irqs"));
}

TEST_F(BoardFileTest, DuplicateNamesAndKeys) {
  {
    std::string msg = error_of(kGood + "  - {name: ram, model: unimplemented, base: 0x50000000}\n");
    EXPECT_STARTS(msg, at(12, "peripherals[1].name"));
    EXPECT_HAS(msg, "duplicate name 'ram'");
    EXPECT_HAS(msg, "memory[0] at line 6");
  }
  {
    std::string msg = error_of(replace(kGood, "    base: 0x40000000\n", "    base: 0x40000000\n    base: 0x50000000\n"));
    EXPECT_STARTS(msg, at(11, "peripherals[0].base"));
    EXPECT_HAS(msg, "duplicate key");
  }
  EXPECT_STARTS(error_of(replace(kGood, "irqs: {rx: 0}", "irqs: {rx: 0, rx: 1}")), at(11, "peripherals[0].irqs.rx"));
}

TEST_F(BoardFileTest, EnumeratedValues) {
  {
    std::string msg = error_of(replace(kGood, "arch: cortex-m3", "arch: cortex-m0"));
    EXPECT_STARTS(msg, at(3, "cpu.arch"));
    EXPECT_HAS(msg, "cortex-m3, cortex-m4, rv32imac, lx106");
  }
  EXPECT_STARTS(error_of(replace(kGood, "kind: ram", "kind: sram")), at(6, "memory[0].kind"));
  EXPECT_STARTS(error_of(replace(kGood, "  clock_hz: 1000\n", "  clock_hz: 1000\n  unmapped: ignore\n")),
                at(5, "cpu.unmapped"));
  EXPECT_STARTS(error_of(replace(kGood, "  clock_hz: 1000\n", "  clock_hz: 1000\n  nvic_priority_bits: 9\n")),
                at(5, "cpu.nvic_priority_bits"));
  EXPECT_STARTS(error_of(replace(replace(kGood, "arch: cortex-m3", "arch: rv32imac"), "  clock_hz: 1000\n",
                                 "  clock_hz: 1000\n  nvic_priority_bits: 3\n")),
                at(5, "cpu.nvic_priority_bits"));
}

TEST_F(BoardFileTest, YamlSyntaxErrorHasOneBasedLine) {
  std::string msg = error_of(replace(kGood, "irqs: {rx: 0}", "irqs: {rx: 0"));
  EXPECT_STARTS(msg, path_ + ":12: ");  // yaml-cpp notices at end of input, line 12 (1-based)
  EXPECT_HAS(msg, "YAML syntax error");
  std::string msg2 = error_of("name: a\ncpu: [1, 2\nmemory: x\n");
  EXPECT_STARTS(msg2, path_ + ":3: ");
}

TEST_F(BoardFileTest, EmptyAndNonMappingFiles) {
  EXPECT_HAS(error_of(""), "empty");
  EXPECT_HAS(error_of("# just a comment\n"), "empty");
  EXPECT_HAS(error_of("- a\n- b\n"), "expected a mapping");
}

TEST_F(BoardFileTest, MissingOrUnreadableFile) {
  std::string missing = (dir_ / "nope.yaml").string();
  try {
    load_board_file(missing);
    FAIL();
  } catch (const BoardError& e) {
    std::string msg = e.what();
    EXPECT_STARTS(msg, missing + ": ");
    EXPECT_HAS(msg, "No such file");
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  try {
    load_board_file(dir_.string());
    FAIL();
  } catch (const BoardError& e) {
    EXPECT_STARTS(std::string(e.what()), dir_.string() + ": ");
    EXPECT_HAS(std::string(e.what()), "directory");
  }
}

TEST_F(BoardFileTest, ByNameListsAvailableBoards) {
  write("beta.yaml", replace(kGood, "name: test", "name: beta"));
  write("alpha.yaml", replace(kGood, "name: test", "name: alpha"));
  write("notes.txt", "not a board");
  EXPECT_EQ(load_board_by_name("alpha", dir_.string()).name, "alpha");
  try {
    load_board_by_name("foo", dir_.string());
    FAIL();
  } catch (const BoardError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown board 'foo' (boards available in " + dir_.string() + ": alpha, beta)");
  }
}

TEST_F(BoardFileTest, ByNameRejectsPathsAndMismatches) {
  write("alpha.yaml", kGood);  // says name: test
  for (const char* bad : {"../alpha", "sub/alpha", "/etc/passwd", "", ".."}) {
    try {
      load_board_by_name(bad, dir_.string());
      FAIL() << bad;
    } catch (const BoardError& e) {
      EXPECT_HAS(std::string(e.what()), "plain name") << bad;
    }
  }
  try {
    load_board_by_name("alpha", dir_.string());
    FAIL();
  } catch (const BoardError& e) {
    std::string msg = e.what();
    EXPECT_STARTS(msg, (dir_ / "alpha.yaml").string() + ":1: name: ");
    EXPECT_HAS(msg, "does not match the file name");
  }
}

// What the CPU engine cannot map is refused by the reader, with the file and line, instead of
// aborting inside the engine later.
TEST_F(BoardFileTest, WindowsMustBeEnginePageMultiples) {
  std::string msg = error_of(replace(kGood, "base: 0x0, size: 0x1000", "base: 0x200, size: 0x1000"));
  EXPECT_STARTS(msg, at(6, "memory[0].base"));
  EXPECT_HAS(msg, "not a multiple of 1024 bytes");
  msg = error_of(replace(kGood, "base: 0x0, size: 0x1000", "base: 0x0, size: 0x1100"));
  EXPECT_STARTS(msg, at(6, "memory[0].size"));
  msg = error_of(kGood + "    size: 0x100\n");
  EXPECT_STARTS(msg, at(12, "peripherals[0].size"));
  // RISC-V maps in 4 KiB pages.
  std::string rv = replace(replace(kGood, "arch: cortex-m3", "arch: rv32imac"), "irqs: {rx: 0}", "irqs: {}");
  EXPECT_NO_THROW(load_board_file(write("rv.yaml", rv)));
  msg = error_of(replace(rv, "size: 0x1000", "size: 0x400"));
  EXPECT_STARTS(msg, at(6, "memory[0].size"));
  EXPECT_HAS(msg, "4096");
  // The LX106 interpreter maps any byte range (the ESP8266's UART1 is a 0x100 window).
  std::string lx = replace(replace(kGood, "arch: cortex-m3", "arch: lx106"), "irqs: {rx: 0}", "irqs: {}");
  EXPECT_NO_THROW(load_board_file(write("lx.yaml", replace(lx, "size: 0x1000", "size: 0x123"))));
}

TEST_F(BoardFileTest, NothingMayMapOverTheCortexMPrivatePeripheralBus) {
  for (const char* where : {"base: 0xE0000000, size: 0x1000", "base: 0xDFFFF000, size: 0x2000",
                            "base: 0xE00FF000, size: 0x2000", "base: 0xC0000000, size: 0x3FFFFC00"}) {
    std::string msg = error_of(replace(kGood, "base: 0x0, size: 0x1000", where));
    EXPECT_STARTS(msg, at(6, "memory[0].base")) << where;
    EXPECT_HAS(msg, "Private Peripheral Bus");
  }
  std::string msg = error_of(replace(kGood, "base: 0x40000000", "base: 0xE000E000"));
  EXPECT_STARTS(msg, at(10, "peripherals[0].base"));
  // Just past the PPB is fine (the AN385's own devices sit at 0xE0100000 and up on some boards).
  EXPECT_NO_THROW(load_board_file(write("ok.yaml", replace(kGood, "base: 0x40000000", "base: 0xE0100000"))));
  // Other architectures have no PPB.
  std::string rv = replace(replace(kGood, "arch: cortex-m3", "arch: rv32imac"), "irqs: {rx: 0}", "irqs: {}");
  EXPECT_NO_THROW(load_board_file(write("rv.yaml", replace(rv, "base: 0x40000000", "base: 0xE000E000"))));
}

TEST_F(BoardFileTest, WholeAddressSpaceRegion) {
  // 4 GiB cannot be written as a size (at most 0xFFFFFFFF), and nearly 4 GiB hits the PPB on
  // Cortex-M or a page boundary; what the reader accepts must be buildable.
  std::string msg = error_of(replace(kGood, "size: 0x1000", "size: 0x100000000"));
  EXPECT_STARTS(msg, at(6, "memory[0].size"));
  EXPECT_HAS(msg, "too large");
  msg = error_of(replace(kGood, "size: 0x1000", "size: 0xFFFFFFFF"));
  EXPECT_STARTS(msg, at(6, "memory[0].size"));
}

TEST_F(BoardFileTest, TooManyWindows) {
  std::string text = kGood;
  for (unsigned i = 0; i < kMaxPeripherals; ++i)
    text += "  - {name: d" + std::to_string(i) + ", model: unimplemented, base: " +
            std::to_string(0x50000000u + i * 0x1000u) + "}\n";
  std::string msg = error_of(text);
  EXPECT_STARTS(msg, at(7, "peripherals"));
  EXPECT_HAS(msg, std::to_string(kMaxPeripherals + 1) + " peripherals (at most " + std::to_string(kMaxPeripherals));

  std::string mems = "name: test\ncpu: {arch: lx106, clock_hz: 1000}\nmemory:\n";
  for (unsigned i = 0; i <= kMaxMemoryRegions; ++i)
    mems += "  - {name: m" + std::to_string(i) + ", base: " + std::to_string(i * 0x1000u) + ", size: 0x1000, kind: ram}\n";
  msg = error_of(mems);
  EXPECT_STARTS(msg, at(3, "memory"));
  EXPECT_HAS(msg, "at most " + std::to_string(kMaxMemoryRegions));
}

TEST_F(BoardFileTest, SemihostingIsOffUnlessTheBoardSaysSo) {
  EXPECT_FALSE(load_board_file(write("ok.yaml", kGood)).semihosting);
  std::string on = replace(kGood, "  clock_hz: 1000\n", "  clock_hz: 1000\n  semihosting: true\n");
  EXPECT_TRUE(load_board_file(write("on.yaml", on)).semihosting);
  std::string msg = error_of(replace(kGood, "  clock_hz: 1000\n", "  clock_hz: 1000\n  semihosting: yes please\n"));
  EXPECT_STARTS(msg, at(5, "cpu.semihosting"));
  EXPECT_HAS(msg, "expected true or false");
  // The shipped boards: QEMU's machines run with -semihosting; the ESP8266 has none.
  EXPECT_TRUE(load_board_by_name("mps2-an385", kBoardsDir).semihosting);
  EXPECT_TRUE(load_board_by_name("virt-rv32", kBoardsDir).semihosting);
  EXPECT_TRUE(load_board_by_name("lx106-sim", kBoardsDir).semihosting);
  EXPECT_FALSE(load_board_by_name("esp8266", kBoardsDir).semihosting);
}

// A FIFO (or device node) given as a board file is refused at once instead of blocking in
// open() until some writer appears.
TEST_F(BoardFileTest, NonRegularFilesAreRefusedWithoutBlocking) {
  std::string fifo = (dir_ / "fifo.yaml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    load_board_file(fifo);
    FAIL();
  } catch (const BoardError& e) {
    EXPECT_EQ(std::string(e.what()), fifo + ": is a FIFO, not a board file");
  }
  try {
    load_board_file("/dev/zero");
    FAIL();
  } catch (const BoardError& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/zero: is a character device, not a board file");
  }
  std::string big = write("big.yaml", "# " + std::string(kMaxBoardFileBytes, 'x') + "\n");
  try {
    load_board_file(big);
    FAIL();
  } catch (const BoardError& e) {
    EXPECT_HAS(std::string(e.what()), "too large for a board file");
  }
}

TEST_F(BoardFileTest, BoardsDirectoryMustExist) {
  std::string missing = (dir_ / "nope").string();
  for (auto call : {+[](const std::string& d) { board_files(d); },
                    +[](const std::string& d) { load_board_by_name("x", d); }}) {
    try {
      call(missing);
      FAIL();
    } catch (const BoardError& e) {
      EXPECT_EQ(std::string(e.what()), missing + ": boards directory does not exist");
    }
    std::string file = write("plain.yaml", kGood);
    try {
      call(file);
      FAIL();
    } catch (const BoardError& e) {
      EXPECT_EQ(std::string(e.what()), file + ": is not a directory (expected a boards directory)");
    }
  }
  write("b.yaml", kGood);
  write("a.yaml", kGood);
  write("notes.txt", "x");
  auto files = board_files(dir_.string());
  ASSERT_EQ(files.size(), 3u);  // a, b, plain
  EXPECT_EQ(files[0], (dir_ / "a.yaml").string());
}

TEST(BoardShipped, EveryShippedBoardLoads) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(kBoardsDir)) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_board_by_name(entry.path().stem().string(), kBoardsDir)) << entry.path();
    ++n;
  }
  EXPECT_GE(n, 1);
}

TEST_F(BoardFileTest, Partitions) {
  std::string text = kGood + "partitions:\n"
                             "  - {name: vfs, offset: 0x100000, size: 0x300000, kind: filesystem}\n"
                             "  - {name: fw, offset: 0, size: 0xB0000, kind: firmware}\n"
                             "  - {name: rom, offset: 0xB0000, size: 0x50000, kind: romfs}\n";
  BoardDesc b = load_board_file(write("ok.yaml", text));
  ASSERT_EQ(b.partitions.size(), 3u);
  // In offset order, whatever the file's order.
  EXPECT_EQ(b.partitions[0].name, "fw");
  EXPECT_EQ(b.partitions[0].kind, PartitionKind::firmware);
  EXPECT_EQ(b.partitions[1].name, "rom");
  EXPECT_EQ(b.partitions[1].offset, 0xB0000u);
  EXPECT_EQ(b.partitions[1].size, 0x50000u);
  EXPECT_EQ(b.partitions[2].kind, PartitionKind::filesystem);
  EXPECT_STREQ(to_string(b.partitions[2].kind), "filesystem");
}

TEST_F(BoardFileTest, PartitionErrors) {
  const std::string head = kGood + "partitions:\n  - {name: a, offset: 0, size: 0x1000, kind: data}\n";
  EXPECT_HAS(error_of(head + "  - {name: b, offset: 0x800, size: 0x1000, kind: data}\n"),
             "overlaps partition \"a\"");
  EXPECT_HAS(error_of(head + "  - {name: a, offset: 0x1000, size: 0x1000, kind: data}\n"), "duplicate partition name");
  EXPECT_HAS(error_of(head + "  - {name: b, offset: 0x1000, size: 0x1000, kind: nvs}\n"),
             "expected firmware, romfs, filesystem or data");
  EXPECT_HAS(error_of(head + "  - {name: b, offset: 0x1000, size: 0, kind: data}\n"), "must not be zero");
  EXPECT_HAS(error_of(head + "  - {name: b, offset: 0xFFFFF000, size: 0x2000, kind: data}\n"), "too large");
  EXPECT_HAS(error_of(head + "  - {name: b, offset: 0x1000, kind: data}\n"), "partitions[1].size: required");
}

}  // namespace
}  // namespace boardemu
