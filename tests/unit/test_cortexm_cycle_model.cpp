// Cortex-M3 timing model against the figures of the Cortex-M3 TRM (ARM DDI 0337I), section
// 3.3.1 Table 3-1 "Cortex-M3 instruction set summary" and section 3.3.2 "Load/store timings".
// P (pipeline refill) is m3::kBranchRefill = 2 after a branch and m3::kLoadToPcRefill = 3 when
// the PC is loaded from memory (see cycle_model.hpp).
//
// Encodings come from `arm-none-eabi-as -mthumb -mcpu=cortex-m3` and are written as the Thumb
// halfwords objdump prints (a 32-bit instruction is two halfwords, first halfword first).
#include "cortexm/cycle_model.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace boardemu::cortexm {
namespace {

constexpr std::uint32_t P = m3::kBranchRefill;        // 2
constexpr std::uint32_t PL = m3::kLoadToPcRefill;     // 3

// Little-endian bytes of a sequence of Thumb halfwords.
std::vector<std::uint8_t> thumb(std::initializer_list<std::uint16_t> halfwords) {
  std::vector<std::uint8_t> bytes;
  for (std::uint16_t h : halfwords) {
    bytes.push_back(static_cast<std::uint8_t>(h & 0xFF));
    bytes.push_back(static_cast<std::uint8_t>(h >> 8));
  }
  return bytes;
}

class CortexM3CycleModel : public ::testing::Test {
 protected:
  BlockTiming block(const std::vector<std::uint8_t>& code, std::uint32_t address = 0x1000) {
    return model.block_timing(code.data(), code.size(), address);
  }
  std::uint32_t one(const std::vector<std::uint8_t>& code, std::uint32_t* taken = nullptr) {
    return model.instruction_cycles(code.data(), code.size(), 0x1000, taken);
  }
  CycleModel model;
};

TEST_F(CortexM3CycleModel, SingleCycleDataProcessing) {
  // Table 3-1: MOV/MOVW, ADD, logical ops, shifts: "1".
  auto code = thumb({0x1888,           // adds  r0, r1, r2
                     0xeb01, 0x00c2,   // add.w r0, r1, r2, lsl #3
                     0xf241, 0x2334,   // movw  r3, #0x1234
                     0x406c,           // eors  r4, r5
                     0x00be});         // lsls  r6, r7, #2
  BlockTiming t = block(code);
  EXPECT_EQ(t.cycles, 5u);
  EXPECT_EQ(t.taken_extra, 0u);
  EXPECT_EQ(t.instructions, 5u);
  EXPECT_EQ(t.data_accesses, 0u);
  EXPECT_EQ(one(thumb({0xeb01, 0x00c2})), 1u);
}

TEST_F(CortexM3CycleModel, MultiplyAndDivide) {
  EXPECT_EQ(one(thumb({0x4348})), 1u);          // muls r0, r1, r0      Table 3-1 MUL "1"
  EXPECT_EQ(one(thumb({0xfb01, 0x3002})), 2u);  // mla r0, r1, r2, r3   Table 3-1 MLA "2"
  EXPECT_EQ(one(thumb({0xfba2, 0x0103})), m3::kLongMultiplyCycles);  // umull: "3 to 5"
  EXPECT_EQ(m3::kLongMultiplyCycles, 5u);
  EXPECT_EQ(one(thumb({0xfbc2, 0x0103})), m3::kLongMultiplyAccumulateCycles);  // smlal: "4 to 7"
  EXPECT_EQ(m3::kLongMultiplyAccumulateCycles, 7u);
  EXPECT_EQ(one(thumb({0xfbb1, 0xf0f2})), m3::kDivideCycles);  // udiv r0, r1, r2: "2 to 12"
  EXPECT_EQ(one(thumb({0xfb91, 0xf0f2})), m3::kDivideCycles);  // sdiv r0, r1, r2
  EXPECT_EQ(m3::kDivideCycles, 12u);
}

TEST_F(CortexM3CycleModel, LoadsPipelineBehindLoads) {
  // Table 3-1: LDR "2".
  EXPECT_EQ(one(thumb({0x6808})), 2u);  // ldr r0, [r1]
  // 3.3.2: "LDR R0,[R1]; LDR R1,[R2] - normally three cycles total".
  BlockTiming t = block(thumb({0x6808,     // ldr r0, [r1]
                               0x6811}));  // ldr r1, [r2]
  EXPECT_EQ(t.cycles, 3u);
  EXPECT_EQ(t.data_accesses, 2u);
  // 3.3.2: "LDR R0,[R1,R5]; LDR R1,[R2]; LDR R2,[R3,#4] - normally four cycles total".
  EXPECT_EQ(block(thumb({0x5948,             // ldr r0, [r1, r5]
                         0x6811,             // ldr r1, [r2]
                         0x685a})).cycles,   // ldr r2, [r3, #4]
            4u);
  // 3.3.2: "... and the destination of the first LDR is not used to compute the address for
  // the next instruction": here it is, so no cycle is removed.
  EXPECT_EQ(block(thumb({0x6808,             // ldr r0, [r1]
                         0x6802})).cycles,   // ldr r2, [r0]
            4u);
}

TEST_F(CortexM3CycleModel, StoresAfterLoads) {
  // 3.3.2: "LDR R0,[R1,R2]; STR R1,[R3,R2] - normally three cycles total".
  EXPECT_EQ(block(thumb({0x5888,             // ldr r0, [r1, r2]
                         0x5099})).cycles,   // str r1, [r3, r2]
            3u);
  // 3.3.2: "LDR R0,[R1,R2]; STR R0,[R3,#20] - normally three cycles total".
  EXPECT_EQ(block(thumb({0x5888,             // ldr r0, [r1, r2]
                         0x6158})).cycles,   // str r0, [r3, #20]
            3u);
}

TEST_F(CortexM3CycleModel, Stores) {
  // 3.3.2: "STR Rx,[Ry,#imm] is always one cycle".
  EXPECT_EQ(one(thumb({0x6048})), 1u);  // str r0, [r1, #4]
  // Table 3-1: STR "2" (register offset; 3.3.2: "Other instructions cannot be pipelined after
  // STR with register offset").
  EXPECT_EQ(one(thumb({0x5088})), 2u);  // str r0, [r1, r2]
  // 3.3.2: "STR can only be pipelined when it follows an LDR, but nothing can be pipelined after
  // the store": the LDR keeps its 2 cycles.
  BlockTiming t = block(thumb({0x6008,     // str r0, [r1]
                               0x681a}));  // ldr r2, [r3]
  EXPECT_EQ(t.cycles, 1u + 2u);
  EXPECT_EQ(t.data_accesses, 2u);
}

TEST_F(CortexM3CycleModel, AddressDependsOnPrecedingDataProcessing) {
  // 3.3.2: "Any load or store that generates an address dependent on the result of a preceding
  // data processing operation stalls the pipeline for an additional cycle".
  EXPECT_EQ(block(thumb({0x3104,             // adds r1, #4
                         0x6808})).cycles,   // ldr r0, [r1]
            1u + 2u + 1u);
  EXPECT_EQ(block(thumb({0x3204,             // adds r2, #4
                         0x6808})).cycles,   // ldr r0, [r1]
            1u + 2u);
}

TEST_F(CortexM3CycleModel, DoublewordLoadDoesNotPipeline) {
  // Table 3-1: LDRD/STRD "1 + N"; 3.3.2: "LDRD and STRD cannot be pipelined with preceding or
  // following instructions ... So, three cycles when not stalled."
  EXPECT_EQ(one(thumb({0xe9c2, 0x0102})), 3u);  // strd r0, r1, [r2, #8]
  BlockTiming t = block(thumb({0x6808,           // ldr  r0, [r1]
                               0xe9d4, 0x2300}));  // ldrd r2, r3, [r4]
  EXPECT_EQ(t.cycles, 2u + 3u);
  EXPECT_EQ(t.data_accesses, 1u + 2u);
}

TEST_F(CortexM3CycleModel, PushAndPop) {
  // Table 3-1: "Push with link register PUSH {<reglist>, LR} 1 + N": N = 5.
  BlockTiming push = block(thumb({0xb5f0}));  // push {r4, r5, r6, r7, lr}
  EXPECT_EQ(push.cycles, 6u);
  EXPECT_EQ(push.data_accesses, 5u);
  // Table 3-1: "Pop and return POP {<reglist>, PC} 1 + N + P": N = 5, P = 3 because the PC
  // comes from memory (3.3.2, LDR PC: "three cycles for the pipeline reload").
  BlockTiming pop = block(thumb({0xbdf0}));  // pop {r4, r5, r6, r7, pc}
  EXPECT_EQ(pop.cycles, 1u + 5u + PL);
  EXPECT_EQ(pop.taken_extra, 0u);
  EXPECT_EQ(pop.data_accesses, 5u);
}

TEST_F(CortexM3CycleModel, LoadAndStoreMultiple) {
  // Table 3-1: LDM/STM "1 + N".
  BlockTiming ldm = block(thumb({0xc80e}));  // ldmia r0!, {r1, r2, r3}
  EXPECT_EQ(ldm.cycles, 1u + 3u);
  EXPECT_EQ(ldm.data_accesses, 3u);
  EXPECT_EQ(one(thumb({0xc006})), 1u + 2u);  // stmia r0!, {r1, r2}
  // Table 3-1: "Multiple including PC LDM Rn, {<reglist>, PC} 1 + N + P".
  EXPECT_EQ(one(thumb({0xe8bd, 0x8010})), 1u + 2u + PL);  // ldmia.w sp!, {r4, pc}
}

TEST_F(CortexM3CycleModel, PcWrites) {
  // 3.3.2: "LDR PC,[any] ... at least two cycles for the load, and three cycles for the pipeline
  // reload. So this operation takes at least five cycles".
  EXPECT_EQ(one(thumb({0xf85d, 0xfb04})), 5u);  // ldr.w pc, [sp], #4
  // Table 3-1: "MOV PC, Rm 1 + P", "ADD PC, PC, Rm 1 + P".
  EXPECT_EQ(one(thumb({0x46f7})), 1u + P);  // mov pc, lr
  EXPECT_EQ(one(thumb({0x4487})), 1u + P);  // add pc, r0
}

TEST_F(CortexM3CycleModel, UnconditionalBranches) {
  // Table 3-1: B, BL, BX, BLX "1 + P".
  std::uint32_t taken = 99;
  EXPECT_EQ(one(thumb({0xe7fe}), &taken), 1u + P);  // b.n .
  EXPECT_EQ(taken, 0u);
  EXPECT_EQ(one(thumb({0xf7ff, 0xfffc})), 1u + P);  // bl
  EXPECT_EQ(one(thumb({0x4770})), 1u + P);          // bx lr
  EXPECT_EQ(one(thumb({0x4798})), 1u + P);          // blx r3
  BlockTiming t = block(thumb({0x4770}));           // bx lr
  EXPECT_EQ(t.cycles, 1u + P);
  EXPECT_EQ(t.taken_extra, 0u);
}

TEST_F(CortexM3CycleModel, ConditionalBranches) {
  // Table 3-1: "Conditional B<cc> 1 or 1 + P"; footnote: "Conditional branch completes in a
  // single cycle if the branch is not taken".
  std::uint32_t taken = 0;
  EXPECT_EQ(one(thumb({0xd0fe}), &taken), 1u);  // beq.n .
  EXPECT_EQ(taken, P);
  BlockTiming t = block(thumb({0x2800,     // cmp r0, #0
                               0xd0fe}));  // beq.n .
  EXPECT_EQ(t.cycles, 1u + 1u);
  EXPECT_EQ(t.taken_extra, P);
  EXPECT_EQ(t.cycles + t.taken_extra, 1u + 1u + P);
  // Table 3-1: CBZ/CBNZ "1 or 1 + P".
  EXPECT_EQ(one(thumb({0xb100}), &taken), 1u);  // cbz r0, .+4
  EXPECT_EQ(taken, P);
  // A conditional branch before the end of the block was not taken: 1 cycle, no taken_extra.
  BlockTiming mid = block(thumb({0xd0fe,     // beq.n .
                                 0x3001}));  // adds r0, #1
  EXPECT_EQ(mid.cycles, 2u);
  EXPECT_EQ(mid.taken_extra, 0u);
}

TEST_F(CortexM3CycleModel, TableBranch) {
  // 3.3.2: "TBB and TBH ... at least two cycles for the load, one cycle for the add, and three
  // cycles for the pipeline reload. This means at least six cycles".
  BlockTiming t = block(thumb({0xe8df, 0xf000}));  // tbb [pc, r0]
  EXPECT_EQ(t.cycles, 6u);
  EXPECT_EQ(t.taken_extra, 0u);
  EXPECT_EQ(t.data_accesses, 1u);
  EXPECT_EQ(one(thumb({0xe8df, 0xf010})), 6u);  // tbh [pc, r0, lsl #1]
}

TEST_F(CortexM3CycleModel, ExclusivesPipelineLikeLoads) {
  // Table 3-1: LDREX/STREX "2"; 3.3.2: "LDREX and STREX can be pipelined exactly as LDR".
  EXPECT_EQ(one(thumb({0xe851, 0x0f00})), 2u);  // ldrex r0, [r1]
  EXPECT_EQ(block(thumb({0xe851, 0x0f00,              // ldrex r0, [r1]
                         0xe841, 0x0200})).cycles,    // strex r2, r0, [r1]
            2u + 1u);
}

TEST_F(CortexM3CycleModel, ItFoldsOntoA16BitPredecessor) {
  // Table 3-1 IT "1"; footnote: "An IT instruction can be folded onto a preceding 16-bit Thumb
  // instruction, enabling execution in zero cycles". Conditional instructions are costed as
  // executed.
  EXPECT_EQ(block(thumb({0x2800,             // cmp   r0, #0
                         0xbf0c,             // ite   eq
                         0x2001,             // moveq r0, #1
                         0x2002})).cycles,   // movne r0, #2
            1u + 0u + 1u + 1u);
  EXPECT_EQ(block(thumb({0xf1b0, 0x0f00,     // cmp.w r0, #0
                         0xbf08,             // it    eq
                         0x2001})).cycles,   // moveq r0, #1
            1u + 1u + 1u);
}

TEST_F(CortexM3CycleModel, ConditionalReturnInsideIt) {
  // A PC write made conditional by IT is timed like B<cc>: not-taken cost in `cycles`, the
  // refill in `taken_extra`.
  BlockTiming bx = block(thumb({0x2800,     // cmp   r0, #0
                                0xbf08,     // it    eq
                                0x4770}));  // bxeq  lr
  EXPECT_EQ(bx.cycles, 1u + 0u + 1u);
  EXPECT_EQ(bx.taken_extra, P);
  // Table 3-1 "POP {<reglist>, PC} 1 + N + P": the 1 + N part is paid either way.
  BlockTiming pop = block(thumb({0xbf08,     // it    eq   (first in block: not folded)
                                 0xbd10}));  // popeq {r4, pc}
  EXPECT_EQ(pop.cycles, 1u + (1u + 2u));
  EXPECT_EQ(pop.taken_extra, PL);
}

TEST_F(CortexM3CycleModel, ItStateDoesNotLeakIntoTheNextBlock) {
  // A block cut right after an IT must not make the next block's instructions conditional.
  block(thumb({0x2800,     // cmp r0, #0
               0xbf04}));  // itt eq
  BlockTiming t = block(thumb({0x4770}));  // bx lr
  EXPECT_EQ(t.cycles, 1u + P);
  EXPECT_EQ(t.taken_extra, 0u);
  // Same after a lone IT through instruction_cycles.
  EXPECT_EQ(one(thumb({0xbf08})), 1u);  // it eq
  EXPECT_EQ(one(thumb({0x4770})), 1u + P);
}

TEST_F(CortexM3CycleModel, SystemAndHintInstructions) {
  // Table 3-1: barriers "1 + B"; "For ISB, the minimum number of cycles is equivalent to the
  // number required for a pipeline refill"; "For DSB and DMB, the minimum number of cycles is
  // zero".
  EXPECT_EQ(one(thumb({0xf3bf, 0x8f6f})), 1u + P);  // isb sy
  EXPECT_EQ(one(thumb({0xf3bf, 0x8f5f})), 1u);      // dmb sy
  // Table 3-1: NOP, SEV "1"; WFI "1 + W" (W belongs to the sleep model).
  EXPECT_EQ(one(thumb({0xbf00})), 1u);  // nop
  EXPECT_EQ(one(thumb({0xbf30})), 1u);  // wfi
  EXPECT_EQ(one(thumb({0xbf40})), 1u);  // sev
  // Table 3-1: MRS, MSR, CPSID "1 or 2": the lower figure.
  EXPECT_EQ(one(thumb({0xf3ef, 0x8010})), 1u);  // mrs r0, primask
  EXPECT_EQ(one(thumb({0xf380, 0x8811})), 1u);  // msr basepri, r0
  EXPECT_EQ(one(thumb({0xb672})), 1u);          // cpsid i
  // Table 3-1: SVC, BKPT "-": the exception entry is charged elsewhere; the issue costs 1.
  EXPECT_EQ(one(thumb({0xdf00})), 1u);  // svc #0
  EXPECT_EQ(one(thumb({0xbeab})), 1u);  // bkpt 0xab
}

TEST_F(CortexM3CycleModel, FallthroughInstructionsAndFetchWords) {
  // 0x1002: adds (2 bytes), add.w (4), b.n (2): bytes 0x1002..0x1009 touch the words at 0x1000,
  // 0x1004 and 0x1008.
  auto code = thumb({0x1888,           // adds  r0, r1, r2
                     0xeb01, 0x00c2,   // add.w r0, r1, r2, lsl #3
                     0xe7fb});         // b.n   <start>
  BlockTiming t = block(code, 0x1002);
  EXPECT_EQ(t.fallthrough, 0x100Au);
  EXPECT_EQ(t.instructions, 3u);
  EXPECT_EQ(t.fetch_words, 3u);
  EXPECT_EQ(t.cycles, 1u + 1u + (1u + P));
  // Word-aligned start: 8 bytes are exactly two words.
  EXPECT_EQ(block(code, 0x2000).fetch_words, 2u);
}

TEST_F(CortexM3CycleModel, EmptyInput) {
  BlockTiming t = model.block_timing(nullptr, 0, 0x4000);
  EXPECT_EQ(t.cycles, 0u);
  EXPECT_EQ(t.fallthrough, 0x4000u);
  EXPECT_EQ(t.instructions, 0u);
  EXPECT_EQ(t.fetch_words, 0u);
  EXPECT_EQ(model.instruction_cycles(nullptr, 0, 0x4000), 0u);
}

TEST_F(CortexM3CycleModel, GarbageCostsOnePerHalfwordAndStopsDecoding) {
  // 0xffff 0xffff is not a Thumb-2 instruction; decoding stops there and the remaining three
  // halfwords cost one cycle each (including the NOP behind the garbage).
  auto code = thumb({0xbf00, 0xffff, 0xffff, 0xbf00});
  BlockTiming t = block(code);
  EXPECT_EQ(t.instructions, 1u);
  EXPECT_EQ(t.cycles, 1u + 3u);
  EXPECT_EQ(t.fallthrough, 0x1008u);
  EXPECT_EQ(t.taken_extra, 0u);
  EXPECT_EQ(one(thumb({0xffff, 0xffff})), 1u);
  // A truncated 32-bit instruction (first half of a BL) and an odd trailing byte.
  EXPECT_EQ(block(thumb({0xf7ff})).cycles, 1u);
  std::vector<std::uint8_t> odd = {0x00, 0xbf, 0x01};  // nop; one stray byte
  BlockTiming o = block(odd);
  EXPECT_EQ(o.cycles, 2u);
  EXPECT_EQ(o.fallthrough, 0x1003u);
  // The model still decodes normally afterwards.
  EXPECT_EQ(one(thumb({0x6808})), 2u);
}

}  // namespace
}  // namespace boardemu::cortexm
