// Loads a firmware ELF's PT_LOAD segments into the board's memory.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace boardemu {

// what() is one line naming the file and the problem, e.g.
//   "firmware.elf: not an ELF file" or
//   "fw.elf: segment 2 (0x60000000..0x60001000) lies outside the board's memory".
class ElfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ElfMachine { arm, riscv32, xtensa };

struct ElfSegment {
  std::uint32_t paddr;  // load (physical) address
  std::vector<std::uint8_t> data;  // file bytes followed by zeros up to p_memsz
  unsigned index = 0;  // position in the program header table (as readelf -l numbers them)
  std::uint32_t file_size = 0;  // bytes that came from the file (the rest is zero fill, .bss)
  bool executable = false;      // PF_X
  // Leading bytes that are the ELF header and program headers rather than program content: a
  // segment at file offset 0 (linkers do this when the headers fit below the first section)
  // starts with them, up to the first allocated section. A board need not have memory there;
  // QEMU loads such files, and so does load_elf_segments.
  std::uint32_t header_bytes = 0;
};

struct ElfImage {
  std::uint32_t entry = 0;
  std::uint32_t flags = 0;  // e_flags (RISC-V: float ABI, RVE)
  std::vector<ElfSegment> segments;
  // Symbol table, if present (name -> value); used by tests and, later, the GDB stub.
  std::vector<std::pair<std::string, std::uint32_t>> symbols;
};

// Parses `path` with libelf. Checks: the file exists and is readable, is a 32-bit
// little-endian ELF executable for `machine`, and has at least one loadable segment.
ElfImage read_elf(const std::string& path, ElfMachine machine);

// The same checks and parsing for a file's contents already in memory (read_elf reads the file
// and calls this); `path` only names the image in messages.
ElfImage parse_elf(std::vector<char> bytes, const std::string& path, ElfMachine machine);

// Writes each segment through `store(paddr, bytes)`, which returns false if the range is not
// backed by memory; then throws ElfError naming the segment and range.
void load_elf_segments(const std::string& path, const ElfImage& image,
                       const std::function<bool(std::uint32_t, const std::vector<std::uint8_t>&)>& store);

}  // namespace boardemu
