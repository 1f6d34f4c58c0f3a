// Decoding LX106 instructions from the encoding table (lx106_isa.inc) into a predecoded form
// the interpreter executes without looking at instruction bits again.
//
// Operands are extracted per format once, at decode time, and PC-relative targets are made
// absolute (a decoded entry belongs to one address): branch, jump and call targets, and the
// literal address of L32R when LITBASE is off (Xtensa ISA Reference Manual, chapter 8 entries
// for each instruction; REFERENCE.md §5 lists the easy-to-get-wrong ones).
#pragma once

#include <cstdint>
#include <string_view>

namespace boardemu::xtensa {

enum class Op : std::uint8_t {
  UNDECODED = 0,  // cache entry not filled yet
  ILLEGAL,        // no table entry matches: IllegalInstructionCause
  FETCH_ERROR,    // the bytes could not be fetched (set by the CPU, never by decode())
#define X(name, len, mask, match, format, cycles) name,
#include "xtensa/lx106_isa.inc"
#undef X
  COUNT
};

// One predecoded instruction (16 bytes; the per-page caches hold one per byte offset).
struct Insn {
  Op op = Op::UNDECODED;
  std::uint8_t len = 0;   // 2 or 3 bytes
  std::uint8_t cost = 0;  // base cycles including the fetch wait states of its memory
  std::uint8_t r = 0, s = 0, t = 0;
  std::uint16_t reads = 0;  // address registers the instruction reads (bit n = an), for interlocks
  std::int32_t imm = 0;   // immediate, shift amount, special register or absolute target
  std::int32_t imm2 = 0;  // second immediate (branch constant, bit number, EXTUI mask, L32R offset)
};
static_assert(sizeof(Insn) == 16);

// Decodes the instruction at `pc` whose first three bytes (little-endian; the third is ignored
// for 16-bit instructions) are `word`. Unknown encodings give Op::ILLEGAL with the length
// implied by op0. `cost` is the table's cycle count; the caller adds wait states.
Insn decode(std::uint32_t word, std::uint32_t pc);

// Length in bytes implied by the first byte (op0 = low nibble: 8..13 are 16-bit formats;
// 14 and 15 are reserved and decode as illegal 3-byte... see decode()).
inline unsigned insn_length(std::uint8_t first_byte) {
  unsigned op0 = first_byte & 0xF;
  return (op0 >= 8 && op0 <= 13) ? 2 : 3;
}

std::string_view mnemonic(Op op);

// The branch-immediate constant tables of BEQI/BNEI/BLTI/BGEI (B4CONST) and BLTUI/BGEUI
// (B4CONSTU), indexed by the r field (ISA Reference Manual, "B4CONST" and "B4CONSTU" tables).
extern const std::int32_t kB4Const[16];
extern const std::uint32_t kB4ConstU[16];

}  // namespace boardemu::xtensa
