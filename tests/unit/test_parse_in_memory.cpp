// The in-memory entry points of the board-file and ELF parsers (parse_board_text, parse_elf),
// which the fuzz targets in tests/fuzz call: they give what the file-reading functions give,
// and their errors stay one line naming the input, whatever bytes it holds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/elf_loader.hpp"

namespace boardemu {
namespace {

namespace fs = std::filesystem;
const fs::path kRoot = BOARDEMU_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ParseBoardText, GivesWhatLoadBoardFileGives) {
  int boards = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "boards")) {
    if (e.path().extension() != ".yaml") continue;
    ++boards;
    BoardDesc from_file = load_board_file(e.path().string());
    BoardDesc from_text = parse_board_text(slurp(e.path()), e.path().string());
    EXPECT_EQ(from_text.name, from_file.name);
    EXPECT_EQ(from_text.source_path, from_file.source_path);
    EXPECT_EQ(from_text.cpu_arch, from_file.cpu_arch);
    EXPECT_EQ(from_text.cpu_hz, from_file.cpu_hz);
    ASSERT_EQ(from_text.memory.size(), from_file.memory.size());
    for (std::size_t i = 0; i < from_file.memory.size(); ++i) {
      EXPECT_EQ(from_text.memory[i].base, from_file.memory[i].base);
      EXPECT_EQ(from_text.memory[i].size, from_file.memory[i].size);
    }
    ASSERT_EQ(from_text.peripherals.size(), from_file.peripherals.size());
    for (std::size_t i = 0; i < from_file.peripherals.size(); ++i)
      EXPECT_EQ(from_text.peripherals[i].name, from_file.peripherals[i].name);
  }
  EXPECT_GE(boards, 4);
}

std::string board_error(const std::string& text) {
  try {
    parse_board_text(text, "in-memory.yaml");
  } catch (const BoardError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return "";
}

// Found by the board_file fuzz target: yaml-cpp quotes the offending character in some syntax
// errors ("unknown escape character: <it>"), and a value echoed in a message may hold a quoted
// line break; either used to split the message over two lines.
TEST(ParseBoardText, ControlCharactersInMessagesAreEscaped) {
  using namespace std::string_literals;
  for (const std::string& text :
       {"name: x\ncpu: {arch: cortex-m3, clock_hz:6\0\nmemory: []\n"s,
        std::string("name: \"a\\\nb\"\n"), std::string("name: \"a\\nb\"\ncpu: {arch: \"x\\ty\"}\n"),
        std::string("name: \"\\e\"\n")}) {
    std::string msg = board_error(text);
    EXPECT_EQ(msg.rfind("in-memory.yaml", 0), 0u) << msg;
    for (unsigned char c : msg) EXPECT_GE(c, 0x20) << "control character in: " << msg;
  }
  EXPECT_NE(board_error("name: \"a\\nb\"\n").find("a\\nb"), std::string::npos);
}

TEST(ParseElf, GivesWhatReadElfGives) {
  fs::path corpus = kRoot / "tests/fuzz/corpus/elf_loader";
  struct Case { const char* file; ElfMachine machine; };
  for (Case c : {Case{"arm-mps2.elf", ElfMachine::arm}, Case{"rv32-virt.elf", ElfMachine::riscv32},
                 Case{"xtensa-esp8266-headers-in-segment.elf", ElfMachine::xtensa}}) {
    std::string path = (corpus / c.file).string();
    std::string bytes = slurp(path);
    ElfImage a = read_elf(path, c.machine);
    ElfImage b = parse_elf(std::vector<char>(bytes.begin(), bytes.end()), path, c.machine);
    EXPECT_EQ(a.entry, b.entry) << c.file;
    ASSERT_EQ(a.segments.size(), b.segments.size()) << c.file;
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      EXPECT_EQ(a.segments[i].paddr, b.segments[i].paddr);
      EXPECT_EQ(a.segments[i].data, b.segments[i].data);
      EXPECT_EQ(a.segments[i].header_bytes, b.segments[i].header_bytes);
    }
    EXPECT_EQ(a.symbols, b.symbols) << c.file;
    EXPECT_FALSE(b.symbols.empty()) << c.file;
  }
  try {
    parse_elf({'\x7f', 'E', 'L', 'F'}, "mem.elf", ElfMachine::arm);
    ADD_FAILURE() << "a 4-byte image parsed";
  } catch (const ElfError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mem.elf: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace boardemu
