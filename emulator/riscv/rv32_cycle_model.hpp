// SiFive E31 instruction timing for RV32IMAC code, computed once per translated block.
//
// Sources:
//  - SiFive E31 Core Complex Manual, chapter 3 "E31 RISC-V Core": section 3.2 "Instruction
//    Fetch Unit" (branch prediction) and section 3.3 "Execution Pipeline" (result latencies).
//    The same two sections form chapter 3 of the SiFive FE310-G000 Manual. Manual revisions
//    differ in the predictor's table sizes (40-entry BTB, 128-entry BHT, 2-entry RAS in the
//    FE310-G000 text; 28/512/6 in later E31 Core Complex Manuals), not in any figure used here.
//  - The RISC-V Instruction Set Manual, Volume I (unprivileged ISA): instruction encodings, the
//    RVC expansions of chapter "C" Standard Extension, and the JALR return-address-stack hints
//    (section 2.5, "Unconditional Jumps").
//
// The pipeline this models, in the manual's words (3.3): "a single-issue, in-order pipeline"
// with "a peak execution rate of one instruction per clock cycle", "fully bypassed so that most
// instructions have a one-cycle result latency", and "The pipeline only interlocks on
// read-after-write and write-after-write hazards, so instructions may be scheduled to avoid
// stalls." So each instruction issues one cycle after the previous one unless a register it
// reads or writes still waits for a longer-latency result (load, CSR read, multiply, divide);
// then it issues when that result is available. The exceptions to the one-cycle latency are the
// constants in `e31` below.
//
// Modelling decisions (each also noted where it is implemented):
//  - Results still outstanding at the end of a block are waited for: the block's cost runs to
//    the cycle its last result is available, as if the next block's first instruction used it.
//    A lone `lw` therefore costs its documented 2-cycle result latency, a lone `mul` 5. A
//    control-flow penalty at the end of the block overlaps that wait.
//  - Branch prediction (3.2) is dynamic; a block is timed once, without predictor state, with
//    the predictor assumed trained on the code it runs (a steady-state loop):
//      conditional branch, backward or to itself (a loop): predicted taken, no penalty either way
//        (the one misprediction at loop exit is not charged);
//      conditional branch, forward: predicted not taken; taken costs the misprediction penalty,
//        reported in `taken_extra`;
//      JAL, C.J, C.JAL: fixed target, predicted by the BTB: no penalty;
//      JALR that pops or pushes the return-address stack (ISA 2.5: rd or rs1 is x1 or x5):
//        returns predicted by the RAS, calls by the BTB: no penalty;
//      JALR with neither rd nor rs1 a link register (switch tables, indirect tail calls): a
//        misprediction, as are MRET (a trap return is not predicted) and FENCE.I (the
//        instructions after it are fetched again). ECALL/EBREAK cost one issue cycle: their
//        redirect is trap entry, which the CPU backend charges.
//  - The multiply and divide unit is one unit: 3.3 says "The multiplier can only execute one
//    operation at a time and will block until the previous operation completes"; the divider
//    is taken to be the same M-extension unit.
//  - Compressed instructions cost what their 32-bit expansions cost: the E31 expands them in
//    decode (3.2: "The E31 implements the standard Compressed (C) extension"), and the manual
//    gives no separate figures.
//  - Undecodable bytes (an illegal or reserved encoding, an extension the E31 lacks, a
//    truncated 32-bit instruction) cost one cycle per 16-bit parcel and end decoding.
//
// Wait states are not in these figures: the caller adds them from `fetch_words` and
// `data_accesses` and the memory regions it knows about. The model keeps no state between
// calls and may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace boardemu::riscv {

namespace e31 {

// 3.2: "The branch predictor has a one-cycle latency, so that correctly predicted control-flow
// instructions result in no penalty. Mispredicted control-flow instructions incur a three-cycle
// penalty."
inline constexpr std::uint32_t kMispredictPenalty = 3;

// 3.3: "LW has a two-cycle result latency, assuming a cache hit."
inline constexpr std::uint32_t kLoadWordLatency = 2;
// 3.3: "LH, LHU, LB, and LBU have a three-cycle result latency, assuming a cache hit."
inline constexpr std::uint32_t kLoadSubwordLatency = 3;
// 3.3: "CSR reads have a three-cycle result latency."
inline constexpr std::uint32_t kCsrReadLatency = 3;
// 3.3: "MUL, MULH, MULHU, and MULHSU have a 5-cycle result latency" (an "8-bit per cycle
// hardware multiply": four steps for 32 bits, plus one).
inline constexpr std::uint32_t kMultiplyLatency = 5;
// 3.3: "DIV, DIVU, REM, and REMU have between a 2-cycle and 33-cycle result latency, depending
// on the operand values", from "a 1-bit per cycle hardware divide". The manual does not say
// which operands finish early, so the model cannot tell; it uses 33, the figure for a full
// 32-bit quotient (32 steps plus one), as the Cortex-M model uses the top of its divide range.
inline constexpr std::uint32_t kDivideLatency = 33;

// Not in the manual (section 3.5 "Atomic Memory Operations" gives no timing): an AMO is costed
// as the word load it starts with followed by the store of the new value, two issue cycles on
// the one data-memory port, with the old value available kLoadWordLatency cycles after issue.
// LR.W and SC.W are one access each; SC.W's success code is costed like a loaded word.
inline constexpr std::uint32_t kAmoIssueCycles = 2;

}  // namespace e31

// A CSR instruction on a counter the backend emulates itself (cycle 0xC00, time 0xC01,
// instret 0xC02, cycleh 0xC80, timeh 0xC81, instreth 0xC82, mcycle 0xB00, minstret 0xB02,
// mcycleh 0xB80, minstreth 0xB82), whichever of CSRRW/CSRRS/CSRRC/CSRRWI/CSRRSI/CSRRCI it is.
struct CounterRead {
  std::uint32_t offset = 0;  // from the block's first byte
  std::uint16_t csr = 0;
  std::uint8_t rd = 0;
  std::uint8_t rs1 = 0;     // the rs1 field: a register, or the 5-bit immediate for CSRR*I
  std::uint8_t funct3 = 0;  // 1 CSRRW, 2 CSRRS, 3 CSRRC, 5 CSRRWI, 6 CSRRSI, 7 CSRRCI
  // Cycles from the start of the block to the cycle this instruction issues in: what `cycle`
  // has advanced by within the block when it is read.
  std::uint32_t cycles_before = 0;
};

struct BlockTiming {
  // Cost of the block: from the first instruction's issue to the cycle the next block can issue
  // in, outstanding results included (see above), a final conditional branch counted as not
  // taken; the penalties of other control transfers are included.
  std::uint32_t cycles = 0;
  // Extra cycles if the final instruction is a conditional branch (BEQ..BGEU, C.BEQZ/C.BNEZ)
  // and it is taken: the misprediction penalty of a forward branch, less any wait for
  // outstanding results it overlaps. 0 for backward branches (predicted taken) and for any
  // other final instruction.
  std::uint32_t taken_extra = 0;
  // Address after the block's last byte (decoded instructions plus any undecodable tail).
  std::uint32_t fallthrough = 0;
  // Number of instructions decoded (undecodable parcels are not counted).
  std::uint16_t instructions = 0;
  // Number of 32-bit-aligned instruction-fetch words the block's bytes span.
  std::uint16_t fetch_words = 0;
  // Data-memory transfers: one per load, store, LR.W and SC.W; two per AMO (read, then write).
  std::uint16_t data_accesses = 0;
  // Counter CSR accesses in the block, in address order.
  std::vector<CounterRead> counter_reads;
};

class Rv32CycleModel {
 public:
  // Times the instructions in code[0, size) at guest address `address`. The last instruction is
  // where decoding of `size` bytes ends. Never reads outside the buffer.
  BlockTiming block_timing(const std::uint8_t* code, std::size_t size,
                           std::uint32_t address) const;

  // Cost of the first instruction in code[0, size) on its own, its result latency included;
  // for a conditional branch the not-taken cost, with the taken extra in *taken_extra. Its
  // length in bytes (2 or 4) goes to *length. An undecodable parcel costs 1 with length 2 (1
  // if only one byte is left); an empty buffer costs 0 with length 0.
  std::uint32_t instruction_cycles(const std::uint8_t* code, std::size_t size,
                                   std::uint32_t* taken_extra = nullptr,
                                   std::uint32_t* length = nullptr) const;
};

}  // namespace boardemu::riscv
