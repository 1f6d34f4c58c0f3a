// libFuzzer target over the firmware ELF loader: the bytes are a firmware file, parsed by
// parse_elf (read_elf without the file) and loaded with load_elf_segments into the memory map of
// a real board (boards/*.yaml, read once), as Machine::load_firmware does. The board follows the
// header's e_machine: ARM -> mps2-an385, RISC-V -> virt-rv32, Xtensa -> esp8266 or, when the
// last identification byte (EI_NIDENT - 1, padding) is odd, lx106-sim; any other machine is
// offered to the ARM board and must be refused. A bad file must end in one ElfError whose
// message is one line that starts with the file's name; a loaded segment must read back from
// the board's memory as the file gave it. Anything else is a finding.
//
// Built two ways (tests/fuzz/CMakeLists.txt): with clang's -fsanitize=fuzzer for fuzzing, and as
// a plain program (replay_main.cpp) that replays the committed corpus in
// tests/fuzz/corpus/elf_loader/ as a regression test.
#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/elf_loader.hpp"
#include "core/scheduler.hpp"

namespace {

using namespace boardemu;

// A board's RAM, ROM and flash regions on a bus, as Machine builds them (no devices: the loader
// only writes memory). Kept across inputs; loading only writes, so earlier contents don't matter.
struct BoardMemory {
  explicit BoardMemory(const std::string& board) : bus(scheduler) {
    BoardDesc d = load_board_by_name(board, std::string(BOARDEMU_SOURCE_DIR) + "/boards");
    for (const MemoryRegion& m : d.memory) bus.add_ram(m);
  }
  Scheduler scheduler;
  Bus bus;
};

BoardMemory& board_for(ElfMachine m, bool alternate) {
  static BoardMemory arm("mps2-an385"), rv("virt-rv32"), esp("esp8266"), sim("lx106-sim");
  switch (m) {
    case ElfMachine::riscv32: return rv;
    case ElfMachine::xtensa: return alternate ? sim : esp;
    case ElfMachine::arm: break;
  }
  return arm;
}

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.elf";
  ElfMachine machine = ElfMachine::arm;
  bool alternate = size >= EI_NIDENT && (data[EI_NIDENT - 1] & 1);
  if (size >= 20) {
    unsigned em = data[18] | data[19] << 8;  // e_machine, little-endian
    if (em == EM_RISCV) machine = ElfMachine::riscv32;
    if (em == EM_XTENSA) machine = ElfMachine::xtensa;
  }
  Bus& bus = board_for(machine, alternate).bus;
  try {
    ElfImage img = parse_elf(std::vector<char>(data, data + size), name, machine);
    std::vector<std::pair<std::uint32_t, std::size_t>> stored;  // what went where
    load_elf_segments(name, img, [&](std::uint32_t addr, const std::vector<std::uint8_t>& bytes) {
      if (!bus.write_block(addr, bytes.data(), bytes.size())) return false;
      stored.emplace_back(addr, bytes.size());
      return true;
    });
    // Segments are written in order and may overlap, so compare each with what the last
    // write covering it left: only the final segment is checked byte for byte.
    if (!stored.empty()) {
      const ElfSegment& last = img.segments.back();
      auto [addr, len] = stored.back();
      std::vector<std::uint8_t> back(len);
      if (!bus.read_block(addr, back.data(), len)) finding("loaded segment not readable", std::to_string(addr));
      const std::uint8_t* want = last.data.data() + (last.data.size() - len);
      if (std::memcmp(back.data(), want, len) != 0) finding("loaded segment differs", std::to_string(addr));
    }
  } catch (const ElfError& e) {
    std::string msg = e.what();
    if (msg.rfind(name, 0) != 0 || msg.find('\n') != std::string::npos)
      finding("ELF error message is not one line naming the file", msg);
  }
  return 0;
}
