// libFuzzer target over the board-file parser: the bytes are the text of a board file
// (boards/*.yaml), parsed and validated by parse_board_text exactly as load_board_file does
// after reading the file. A malformed file must end in one BoardError whose message is one line
// that starts with the file's name; anything else (another exception, a crash, a sanitizer
// report) is a finding.
//
// Built two ways (tests/fuzz/CMakeLists.txt): with clang's -fsanitize=fuzzer for fuzzing, and as
// a plain program (replay_main.cpp) that replays the committed corpus in
// tests/fuzz/corpus/board_file/ as a regression test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/board.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boardemu;
  const std::string name = "fuzz.yaml";
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    parse_board_text(text, name);
  } catch (const BoardError& e) {
    std::string msg = e.what();
    if (msg.rfind(name, 0) != 0 || msg.find('\n') != std::string::npos) {
      std::fprintf(stderr, "board error message is not one line naming the file: \"%s\"\n", msg.c_str());
      __builtin_trap();
    }
  }
  return 0;
}
