// Cortex-M3 instruction timing, computed once per translated block.
//
// Source: ARM Cortex-M3 Technical Reference Manual, ARM DDI 0337I (r2p1), section 3.3.1
// "Cortex-M3 instructions" (Table 3-1, cycle counts for a zero-wait-state system) and section
// 3.3.2 "Load/store timings" (pairing rules). Wait states are not in these figures: the caller
// adds them from `fetch_words` and `data_accesses` and the memory regions it knows about.
//
// Table 3-1 writes P for "the number of cycles required for a pipeline refill. This ranges from
// 1 to 3 depending on the alignment and width of the target instruction, and whether the
// processor manages to speculate the address early", N for the number of registers in a list
// and B/W for barrier and wait-for-event time. The fixed values this model uses where the TRM
// gives a range are the constants in `m3` below; each says why.
//
// Modelling decisions (each also noted where it is implemented):
//  - Instructions inside an IT block are costed as executed, whether or not their condition
//    passes. A conditional instruction that writes the PC (B<cond>, CBZ/CBNZ, or any PC write
//    made conditional by IT) is costed without its pipeline refill; the refill is reported
//    separately as `taken_extra` when it is the block's last instruction. A conditional PC
//    write before the last instruction cannot have been taken (execution went on inside the
//    block), so only its not-taken cost is counted.
//  - The pairing rules of 3.3.2 (pipelined loads, address-dependency stall, IT folding) look at
//    the previous instruction of the same block only. A block normally starts at a branch
//    target, after a pipeline refill, where nothing is in flight.
//  - Undecodable bytes cost one cycle per halfword and end decoding.
//
// A CycleModel owns a Capstone handle and is not thread-safe: give each CPU thread its own.
#pragma once

#include <cstddef>
#include <cstdint>

struct cs_insn;  // Capstone's decoded instruction (capstone/capstone.h)

namespace boardemu::cortexm {

namespace m3 {

// P for a branch whose target comes from the instruction or a register (B, BL, BX, BLX, CBZ,
// CBNZ, MOV/ADD PC): the TRM gives 1 to 3; this implementation uses 2, the middle of the range,
// because it does not model target alignment/width or early speculation.
inline constexpr std::uint32_t kBranchRefill = 2;

// P when the new PC comes from memory (LDR PC, LDM/POP with PC, TBB/TBH). TRM 3.3.2: "LDR
// PC,[any] is always a blocking operation. This means at least two cycles for the load, and
// three cycles for the pipeline reload." The same reload follows LDM/POP {..., PC}, whose PC
// also arrives on the data bus and cannot be speculated early.
inline constexpr std::uint32_t kLoadToPcRefill = 3;

// UMULL/SMULL "3 to 5", UMLAL/SMLAL "4 to 7" (Table 3-1; footnote: early termination depending
// on the size of the source values). The upper bounds are used: compilers mostly emit long
// multiplies for division by a constant, whose 32-bit magic multiplier defeats early
// termination.
inline constexpr std::uint32_t kLongMultiplyCycles = 5;
inline constexpr std::uint32_t kLongMultiplyAccumulateCycles = 7;

// SDIV/UDIV "2 to 12" (Table 3-1; footnote: early termination based on the number of leading
// ones and zeroes in the operands). The upper bound is used: typical firmware divides full-width
// values (hash % table size, binary-to-decimal conversion) by small divisors, the slow case.
inline constexpr std::uint32_t kDivideCycles = 12;

// TBB/TBH. Table 3-1 says 2 + P; TRM 3.3.2 is more specific: "at least two cycles for the load,
// one cycle for the add, and three cycles for the pipeline reload. This means at least six
// cycles". The 3.3.2 figure is used; its refill part is kLoadToPcRefill.
inline constexpr std::uint32_t kTableBranchCycles = 2 + 1 + kLoadToPcRefill;

}  // namespace m3

struct BlockTiming {
  // Sum over the block's instructions, with the final instruction counted as a NOT-taken
  // conditional branch if it is one, else at its full cost (an unconditional branch or other PC
  // write includes the pipeline refill).
  std::uint32_t cycles = 0;
  // Extra cycles if the final instruction is a conditional PC write (B<cond>, CBZ/CBNZ, or a PC
  // write inside an IT block) and it is taken: its pipeline refill. 0 otherwise.
  std::uint32_t taken_extra = 0;
  // Address after the block's last byte (decoded instructions plus any undecodable tail).
  std::uint32_t fallthrough = 0;
  // Number of instructions decoded (undecodable halfwords are not counted).
  std::uint16_t instructions = 0;
  // Number of 32-bit-aligned instruction-fetch words the block's bytes span.
  std::uint16_t fetch_words = 0;
  // Data-bus transfers: one per single load/store (two for LDRD/STRD, one per listed register
  // for LDM/STM/PUSH/POP, one for the TBB/TBH table read).
  std::uint16_t data_accesses = 0;
};

class CycleModel {
 public:
  // Opens Capstone for Thumb M-class with instruction detail; throws std::runtime_error if it
  // cannot.
  CycleModel();
  ~CycleModel();
  CycleModel(const CycleModel&) = delete;
  CycleModel& operator=(const CycleModel&) = delete;

  // Times the instructions in code[0, size) at guest address `address`. The last instruction is
  // where decoding of `size` bytes ends. Never reads outside the buffer.
  BlockTiming block_timing(const std::uint8_t* code, std::size_t size,
                           std::uint32_t address) const;

  // Cost of the first instruction in code[0, size), with no neighbours (no pairing, no IT
  // folding): cycles, not-taken for a conditional branch, with the taken refill stored in
  // *taken_extra. An undecodable instruction costs 1; an empty buffer 0.
  std::uint32_t instruction_cycles(const std::uint8_t* code, std::size_t size,
                                   std::uint32_t address,
                                   std::uint32_t* taken_extra = nullptr) const;

 private:
  void forget_it_state() const;

  std::size_t handle_ = 0;    // csh
  cs_insn* insn_ = nullptr;  // scratch for cs_disasm_iter, reused by every call
};

}  // namespace boardemu::cortexm
