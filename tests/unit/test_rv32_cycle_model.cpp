// RV32IMAC timing model against the figures of the SiFive E31 Core Complex Manual, section 3.2
// "Instruction Fetch Unit" ("Mispredicted control-flow instructions incur a three-cycle
// penalty") and section 3.3 "Execution Pipeline" (result latencies: LW 2, LH/LHU/LB/LBU 3, CSR
// reads 3, MUL* 5, DIV/REM 2 to 33 with 33 used; "The pipeline only interlocks on
// read-after-write and write-after-write hazards"). See rv32_cycle_model.hpp for the modelling
// decisions (results outstanding at the end of a block are waited for; backward branches,
// JAL and RAS-hinted JALR predicted; forward branches predicted not taken).
//
// Encodings come from `riscv64-unknown-elf-as -march=rv32imac_zicsr_zifencei -mabi=ilp32`
// (objdump -M no-aliases); 16-bit parcels are written as C(0x....), 32-bit words as W(0x...).
// Branch offsets are those of the assembled listing; only their sign matters here.
#include "riscv/rv32_cycle_model.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <vector>

namespace boardemu::riscv {
namespace {

constexpr std::uint32_t P = e31::kMispredictPenalty;  // 3
constexpr std::uint32_t LW = e31::kLoadWordLatency;    // 2
constexpr std::uint32_t LB = e31::kLoadSubwordLatency; // 3
constexpr std::uint32_t CSR = e31::kCsrReadLatency;    // 3
constexpr std::uint32_t MUL = e31::kMultiplyLatency;   // 5
constexpr std::uint32_t DIV = e31::kDivideLatency;     // 33

struct Parcel {
  std::uint32_t bits;
  unsigned bytes;
};
constexpr Parcel W(std::uint32_t word) { return {word, 4}; }
constexpr Parcel C(std::uint16_t half) { return {half, 2}; }

// Little-endian bytes of a sequence of 32-bit and 16-bit instructions.
std::vector<std::uint8_t> code(std::initializer_list<Parcel> parcels) {
  std::vector<std::uint8_t> bytes;
  for (const Parcel& p : parcels)
    for (unsigned i = 0; i < p.bytes; ++i)
      bytes.push_back(static_cast<std::uint8_t>(p.bits >> (8 * i)));
  return bytes;
}

class Rv32CycleModelTest : public ::testing::Test {
 protected:
  BlockTiming block(std::initializer_list<Parcel> parcels, std::uint32_t address = 0x1000) {
    const auto bytes = code(parcels);
    return model.block_timing(bytes.data(), bytes.size(), address);
  }
  std::uint32_t one(Parcel p, std::uint32_t* taken = nullptr, std::uint32_t* length = nullptr) {
    const auto bytes = code({p});
    return model.instruction_cycles(bytes.data(), bytes.size(), taken, length);
  }
  Rv32CycleModel model;
};

TEST_F(Rv32CycleModelTest, FigureConstantsAreTheManuals) {
  EXPECT_EQ(P, 3u);    // 3.2: "a three-cycle penalty"
  EXPECT_EQ(LW, 2u);   // 3.3: LW "two-cycle result latency"
  EXPECT_EQ(LB, 3u);   // 3.3: LH, LHU, LB, LBU "three-cycle result latency"
  EXPECT_EQ(CSR, 3u);  // 3.3: "CSR reads have a three-cycle result latency"
  EXPECT_EQ(MUL, 5u);  // 3.3: MUL, MULH, MULHU, MULHSU "5-cycle result latency"
  EXPECT_EQ(DIV, 33u); // 3.3: DIV, DIVU, REM, REMU "between a 2-cycle and 33-cycle"
}

TEST_F(Rv32CycleModelTest, AluSequenceIssuesOnePerCycle) {
  // 3.3: "peak execution rate of one instruction per clock cycle, and is fully bypassed so that
  // most instructions have a one-cycle result latency": a dependent chain does not stall.
  BlockTiming t = block({W(0x00c58533),    // add   a0,a1,a2
                         W(0x00150513),    // addi  a0,a0,1
                         W(0x123456b7),    // lui   a3,0x12345
                         W(0x00000717),    // auipc a4,0x0
                         W(0x00d547b3),    // xor   a5,a0,a3
                         W(0x00379813),    // slli  a6,a5,0x3
                         W(0x40b808b3),    // sub   a7,a6,a1
                         W(0x4028d293),    // srai  t0,a7,0x2
                         W(0x00a2b333),    // sltu  t1,t0,a0
                         W(0x00737393)});  // andi  t2,t1,7
  EXPECT_EQ(t.cycles, 10u);
  EXPECT_EQ(t.taken_extra, 0u);
  EXPECT_EQ(t.instructions, 10u);
  EXPECT_EQ(t.data_accesses, 0u);
  EXPECT_EQ(t.fetch_words, 10u);
  EXPECT_EQ(t.fallthrough, 0x1028u);
  EXPECT_TRUE(t.counter_reads.empty());
  std::uint32_t length = 0;
  EXPECT_EQ(one(W(0x00c58533), nullptr, &length), 1u);  // add a0,a1,a2
  EXPECT_EQ(length, 4u);
}

TEST_F(Rv32CycleModelTest, LoadResultLatency) {
  // 3.3: a lone load costs its result latency (the block waits for it).
  EXPECT_EQ(one(W(0x0005a503)), LW);  // lw  a0,0(a1)
  EXPECT_EQ(one(W(0x00059503)), LB);  // lh  a0,0(a1)
  EXPECT_EQ(one(W(0x0005d503)), LB);  // lhu a0,0(a1)
  EXPECT_EQ(one(W(0x00058503)), LB);  // lb  a0,0(a1)
  EXPECT_EQ(one(W(0x0005c503)), LB);  // lbu a0,0(a1)
  // 3.3: "instructions may be scheduled to avoid stalls": an independent instruction fills
  // the load's second cycle.
  BlockTiming hidden = block({W(0x0005a503),    // lw  a0,0(a1)
                              W(0x00e68633)});  // add a2,a3,a4
  EXPECT_EQ(hidden.cycles, 2u);
  EXPECT_EQ(hidden.data_accesses, 1u);
  // A read-after-write on the loaded register interlocks until the result is there.
  EXPECT_EQ(block({W(0x0005a503),               // lw  a0,0(a1)
                   W(0x00e50633)}).cycles,      // add a2,a0,a4
            LW + 1u);
  EXPECT_EQ(block({W(0x00059503),               // lh  a0,0(a1)
                   W(0x00e50633)}).cycles,      // add a2,a0,a4
            LB + 1u);
  EXPECT_EQ(block({W(0x0005a503),               // lw  a0,0(a1)
                   W(0x00e68633),               // add a2,a3,a4
                   W(0x00e50633)}).cycles,      // add a2,a0,a4
            3u);
}

TEST_F(Rv32CycleModelTest, StoresAndWriteAfterWrite) {
  EXPECT_EQ(one(W(0x00a5a223)), 1u);  // sw a0,4(a1)
  EXPECT_EQ(one(W(0x00a59223)), 1u);  // sh a0,4(a1)
  EXPECT_EQ(one(W(0x00a58223)), 1u);  // sb a0,4(a1)
  BlockTiming t = block({W(0x00a5a223), W(0x00a59223), W(0x00a58223)});
  EXPECT_EQ(t.cycles, 3u);
  EXPECT_EQ(t.data_accesses, 3u);
  // The stored register is read like any source: it waits for a load.
  EXPECT_EQ(block({W(0x0005a503),               // lw a0,0(a1)
                   W(0x00a5a223)}).cycles,      // sw a0,4(a1)
            LW + 1u);
  // 3.3: the pipeline also interlocks on write-after-write: li waits for lh's write of a0.
  EXPECT_EQ(block({W(0x00059503),               // lh   a0,0(a1)
                   W(0x00100513)}).cycles,      // addi a0,zero,1
            LB + 1u);
}

TEST_F(Rv32CycleModelTest, MultiplyAndDivide) {
  EXPECT_EQ(one(W(0x02c58533)), MUL);  // mul    a0,a1,a2
  EXPECT_EQ(one(W(0x02c59533)), MUL);  // mulh   a0,a1,a2
  EXPECT_EQ(one(W(0x02c5a533)), MUL);  // mulhsu a0,a1,a2
  EXPECT_EQ(one(W(0x02c5b533)), MUL);  // mulhu  a0,a1,a2
  EXPECT_EQ(one(W(0x02c5c533)), DIV);  // div    a0,a1,a2
  EXPECT_EQ(one(W(0x02c5d533)), DIV);  // divu   a0,a1,a2
  EXPECT_EQ(one(W(0x02c5e533)), DIV);  // rem    a0,a1,a2
  EXPECT_EQ(one(W(0x02c5f533)), DIV);  // remu   a0,a1,a2
  // A use of the product waits for it; an independent instruction runs under it.
  EXPECT_EQ(block({W(0x02c58533),               // mul  a0,a1,a2
                   W(0x00e506b3)}).cycles,      // add  a3,a0,a4
            MUL + 1u);
  EXPECT_EQ(block({W(0x02c58533),               // mul  a0,a1,a2
                   W(0x00180813)}).cycles,      // addi a6,a6,1
            MUL);
  // 3.3: "The multiplier can only execute one operation at a time and will block until the
  // previous operation completes", even for independent registers.
  EXPECT_EQ(block({W(0x02c58533),               // mul a0,a1,a2
                   W(0x02f706b3)}).cycles,      // mul a3,a4,a5
            2 * MUL);
  EXPECT_EQ(block({W(0x02c5c533),               // div a0,a1,a2
                   W(0x02f706b3)}).cycles,      // mul a3,a4,a5
            DIV + MUL);
}

TEST_F(Rv32CycleModelTest, ForwardBranchesPayTheMispredictionWhenTaken) {
  // 3.2 "three-cycle penalty"; a forward branch is predicted not taken.
  const std::uint32_t forward[] = {
      0x00b50e63,  // beq  a0,a1,+28
      0x00b51c63,  // bne  a0,a1,+24
      0x00b54a63,  // blt  a0,a1,+20
      0x00b55863,  // bge  a0,a1,+16
      0x00b56663,  // bltu a0,a1,+12
      0x00b57463,  // bgeu a0,a1,+8
  };
  for (std::uint32_t insn : forward) {
    std::uint32_t taken = 99;
    EXPECT_EQ(one(W(insn), &taken), 1u) << std::hex << insn;
    EXPECT_EQ(taken, P) << std::hex << insn;
  }
  BlockTiming t = block({W(0x00150513),    // addi a0,a0,1
                         W(0x00b51c63)});  // bne  a0,a1,+24
  EXPECT_EQ(t.cycles, 2u);
  EXPECT_EQ(t.taken_extra, P);
  // A conditional branch before the end of the block was not taken.
  BlockTiming mid = block({W(0x00b50e63),     // beq  a0,a1,+28
                           W(0x00180813)});   // addi a6,a6,1
  EXPECT_EQ(mid.cycles, 2u);
  EXPECT_EQ(mid.taken_extra, 0u);
}

TEST_F(Rv32CycleModelTest, BackwardBranchesArePredictedTaken) {
  // A loop's back edge: the BHT (3.2) predicts it taken, so neither outcome adds cycles here.
  std::uint32_t taken = 99;
  EXPECT_EQ(one(W(0xfeb51ee3), &taken), 1u);  // bne  a0,a1,-4
  EXPECT_EQ(taken, 0u);
  EXPECT_EQ(one(W(0xfed67ce3), &taken), 1u);  // bgeu a2,a3,-8
  EXPECT_EQ(taken, 0u);
  EXPECT_EQ(one(W(0x00000063), &taken), 1u);  // beq  zero,zero,. (offset 0)
  EXPECT_EQ(taken, 0u);
  // A two-instruction delay loop: two cycles an iteration.
  BlockTiming loop = block({W(0xfff50513),    // addi a0,a0,-1
                            W(0xfeb51ee3)});  // bne  a0,a1,-4
  EXPECT_EQ(loop.cycles + loop.taken_extra, 2u);
}

TEST_F(Rv32CycleModelTest, BranchesInterlockAndOverlapPendingResults) {
  // The branch reads the loaded register: it issues when the load result is there.
  BlockTiming t = block({W(0x0005a783),    // lw  a5,0(a1)
                         W(0x00078263)});  // beq a5,zero,+4
  EXPECT_EQ(t.cycles, LW + 1u);
  EXPECT_EQ(t.taken_extra, P);
  // An independent branch: the refill after a taken branch overlaps the wait for lh's result.
  // lh issues in cycle 0 (a0 ready at 3), beq in 1; not taken the block runs to 3, taken to
  // 2 + 3 = 5.
  BlockTiming overlap = block({W(0x00059503),    // lh  a0,0(a1)
                               W(0x00d60663)});  // beq a2,a3,+12
  EXPECT_EQ(overlap.cycles, LB);
  EXPECT_EQ(overlap.taken_extra, 2u + P - LB);
  // Under a divide the whole refill is hidden: taken or not, the block waits for the quotient.
  BlockTiming hidden = block({W(0x02c5c533),    // div a0,a1,a2
                              W(0x00d60663)});  // beq a2,a3,+12
  EXPECT_EQ(hidden.cycles, DIV);
  EXPECT_EQ(hidden.taken_extra, 0u);
}

TEST_F(Rv32CycleModelTest, JumpsAndReturns) {
  std::uint32_t taken = 99;
  // JAL: fixed target, predicted by the BTB.
  EXPECT_EQ(one(W(0xff9ff0ef), &taken), 1u);  // jal  ra,-8
  EXPECT_EQ(taken, 0u);
  EXPECT_EQ(one(W(0xff5ff06f)), 1u);          // jal  zero,-12
  // JALR with a link register (ISA 2.5 RAS hints): returns and calls are predicted.
  EXPECT_EQ(one(W(0x00008067)), 1u);          // jalr zero,0(ra)  (ret)
  EXPECT_EQ(one(W(0x00028067)), 1u);          // jalr zero,0(t0)  (t0 = x5 is a link register)
  EXPECT_EQ(one(W(0x000780e7)), 1u);          // jalr ra,0(a5)    (call)
  // Any other JALR is an indirect jump, mispredicted: 1 + 3, always paid (not taken_extra).
  EXPECT_EQ(one(W(0x00078067), &taken), 1u + P);  // jalr zero,0(a5)
  EXPECT_EQ(taken, 0u);
  EXPECT_EQ(one(W(0x000787e7)), 1u + P);          // jalr a5,0(a5)
  BlockTiming jr = block({W(0x00150513),    // addi a0,a0,1
                          W(0x00078067)});  // jalr zero,0(a5)
  EXPECT_EQ(jr.cycles, 2u + P);
  EXPECT_EQ(jr.taken_extra, 0u);
  // The refill hides a load's latency; a predicted return does not.
  EXPECT_EQ(block({W(0x0005a503),              // lw   a0,0(a1)
                   W(0x00078067)}).cycles,     // jalr zero,0(a5)
            2u + P);
  EXPECT_EQ(block({W(0x0005a503),              // lw   a0,0(a1)
                   W(0x00008067)}).cycles,     // jalr zero,0(ra)
            LW);
}

TEST_F(Rv32CycleModelTest, SystemInstructions) {
  EXPECT_EQ(one(W(0x00000073)), 1u);      // ecall   (trap entry is the backend's)
  EXPECT_EQ(one(W(0x00100073)), 1u);      // ebreak
  EXPECT_EQ(one(W(0x30200073)), 1u + P);  // mret    (unpredicted return to mepc)
  EXPECT_EQ(one(W(0x10500073)), 1u);      // wfi
  EXPECT_EQ(one(W(0x0ff0000f)), 1u);      // fence iorw,iorw
  EXPECT_EQ(one(W(0x0000100f)), 1u + P);  // fence.i (the next instructions are refetched)
  // 3.3: "CSR reads have a three-cycle result latency".
  EXPECT_EQ(one(W(0x30002573)), CSR);     // csrrs a0,mstatus,zero
  EXPECT_EQ(one(W(0x30051073)), 1u);      // csrrw zero,mstatus,a0 (nothing read back)
  EXPECT_EQ(block({W(0x34002573),               // csrrs a0,mscratch,zero
                   W(0x00150593)}).cycles,      // addi  a1,a0,1
            CSR + 1u);
}

TEST_F(Rv32CycleModelTest, Atomics) {
  BlockTiming lr = block({W(0x1005a52f)});  // lr.w a0,(a1)
  EXPECT_EQ(lr.cycles, LW);
  EXPECT_EQ(lr.data_accesses, 1u);
  BlockTiming sc = block({W(0x18d5a62f)});  // sc.w a2,a3,(a1)
  EXPECT_EQ(sc.cycles, LW);
  EXPECT_EQ(sc.data_accesses, 1u);
  BlockTiming amo = block({W(0x00f5a72f)});  // amoadd.w a4,a5,(a1)
  EXPECT_EQ(amo.cycles, e31::kAmoIssueCycles);
  EXPECT_EQ(amo.data_accesses, 2u);
  EXPECT_EQ(one(W(0xe6f5a72f)), e31::kAmoIssueCycles);  // amomaxu.w.aqrl a4,a5,(a1)
  // Two issue cycles: the next independent instruction issues in cycle 2.
  EXPECT_EQ(block({W(0x00f5a72f),               // amoadd.w a4,a5,(a1)
                   W(0x00180813)}).cycles,      // addi     a6,a6,1
            e31::kAmoIssueCycles + 1u);
  BlockTiming two = block({W(0x00f5a72f),     // amoadd.w  a4,a5,(a1)
                           W(0x08f5a72f)});   // amoswap.w a4,a5,(a1)
  EXPECT_EQ(two.cycles, 2 * e31::kAmoIssueCycles);
  EXPECT_EQ(two.data_accesses, 4u);
}

TEST_F(Rv32CycleModelTest, CompressedCostsLikeItsExpansion) {
  struct Pair {
    std::uint16_t rvc;
    std::uint32_t expansion;
    const char* name;
  };
  const Pair pairs[] = {
      {0x0505, 0x00150513, "c.addi a0,1 / addi a0,a0,1"},
      {0x41c8, 0x0045a503, "c.lw a0,4(a1) / lw a0,4(a1)"},
      {0xc1c8, 0x00a5a223, "c.sw a0,4(a1) / sw a0,4(a1)"},
      {0x4522, 0x00812503, "c.lwsp a0,8(sp) / lw a0,8(sp)"},
      {0xc42a, 0x00a12423, "c.swsp a0,8(sp) / sw a0,8(sp)"},
      {0x852e, 0x00b00533, "c.mv a0,a1 / add a0,zero,a1"},
      {0x952e, 0x00b50533, "c.add a0,a1 / add a0,a0,a1"},
      {0x4515, 0x00500513, "c.li a0,5 / addi a0,zero,5"},
      {0x6515, 0x00005537, "c.lui a0,5 / lui a0,5"},
      {0x6121, 0x04010113, "c.addi16sp sp,64 / addi sp,sp,64"},
      {0x0028, 0x00810513, "c.addi4spn a0,sp,8 / addi a0,sp,8"},
      {0x810d, 0x00355513, "c.srli a0,3 / srli a0,a0,3"},
      {0x850d, 0x40355513, "c.srai a0,3 / srai a0,a0,3"},
      {0x890d, 0x00357513, "c.andi a0,3 / andi a0,a0,3"},
      {0x8d0d, 0x40b50533, "c.sub a0,a1 / sub a0,a0,a1"},
      {0x8d2d, 0x00b54533, "c.xor a0,a1 / xor a0,a0,a1"},
      {0x8d4d, 0x00b56533, "c.or a0,a1 / or a0,a0,a1"},
      {0x8d6d, 0x00b57533, "c.and a0,a1 / and a0,a0,a1"},
      {0x050e, 0x00351513, "c.slli a0,3 / slli a0,a0,3"},
      {0x0001, 0x00000013, "c.nop / addi zero,zero,0"},
      {0xc911, 0x00050a63, "c.beqz a0,+20 / beq a0,zero,+20"},
      {0xe909, 0x00051863, "c.bnez a0,+18 / bne a0,zero,+16"},
      {0xdff5, 0xfeb51ee3, "c.beqz a5,-4 / bne a0,a1,-4 (both backward)"},
      {0xbfed, 0xff5ff06f, "c.j -6 / jal zero,-12"},
      {0x3fe5, 0xff9ff0ef, "c.jal -8 / jal ra,-8"},
      {0x8082, 0x00008067, "c.jr ra / jalr zero,0(ra)"},
      {0x8782, 0x00078067, "c.jr a5 / jalr zero,0(a5)"},
      {0x9782, 0x000780e7, "c.jalr a5 / jalr ra,0(a5)"},
      {0x9002, 0x00100073, "c.ebreak / ebreak"},
  };
  for (const Pair& p : pairs) {
    std::uint32_t taken16 = 99, taken32 = 98, len16 = 0, len32 = 0;
    const std::uint32_t c16 = one(C(p.rvc), &taken16, &len16);
    const std::uint32_t c32 = one(W(p.expansion), &taken32, &len32);
    EXPECT_EQ(c16, c32) << p.name;
    EXPECT_EQ(taken16, taken32) << p.name;
    EXPECT_EQ(len16, 2u) << p.name;
    EXPECT_EQ(len32, 4u) << p.name;
  }
  // The registers of the expansions, including the x8..x15 of the 3-bit fields: c.lw s1 then
  // a use of s1 interlocks, a use of a0 does not.
  EXPECT_EQ(block({C(0x4184),                   // c.lw  s1,0(a1)
                   C(0x9426)}).cycles,          // c.add s0,s1
            LW + 1u);
  EXPECT_EQ(block({W(0x0005a483),               // lw    s1,0(a1)
                   W(0x00940433)}).cycles,      // add   s0,s0,s1
            LW + 1u);
  EXPECT_EQ(block({C(0x4184),                   // c.lw  s1,0(a1)
                   C(0x952e)}).cycles,          // c.add a0,a1
            LW);
  // c.lwsp writes rd [11:7]; c.beqz reads rs1' [9:7].
  EXPECT_EQ(block({C(0x4522),                   // c.lwsp a0,8(sp)
                   C(0x952e)}).cycles,          // c.add  a0,a1
            LW + 1u);
  BlockTiming br = block({C(0x41c8),     // c.lw   a0,4(a1)
                          C(0xc911)});   // c.beqz a0,+20
  EXPECT_EQ(br.cycles, LW + 1u);
  EXPECT_EQ(br.taken_extra, P);
}

TEST_F(Rv32CycleModelTest, MixedLengthsAndFetchWords) {
  // 0x1002: c.addi (2 bytes), addi (4), c.j (2): bytes 0x1002..0x1009 touch the words at
  // 0x1000, 0x1004 and 0x1008.
  const std::initializer_list<Parcel> mixed = {C(0x0505),        // c.addi a0,1
                                               W(0x00150513),    // addi   a0,a0,1
                                               C(0xbf65)};       // c.j    <start>
  BlockTiming t = block(mixed, 0x1002);
  EXPECT_EQ(t.instructions, 3u);
  EXPECT_EQ(t.cycles, 3u);
  EXPECT_EQ(t.fallthrough, 0x100Au);
  EXPECT_EQ(t.fetch_words, 3u);
  // Word-aligned start: the same 8 bytes are two words.
  EXPECT_EQ(block(mixed, 0x2000).fetch_words, 2u);
  // A 32-bit instruction at a halfword address spans two fetch words.
  EXPECT_EQ(block({W(0x00150513)}, 0x2002).fetch_words, 2u);
  EXPECT_EQ(block({W(0x00150513)}, 0x2000).fetch_words, 1u);
  std::uint32_t length = 0;
  EXPECT_EQ(one(C(0x0505), nullptr, &length), 1u);
  EXPECT_EQ(length, 2u);
}

TEST_F(Rv32CycleModelTest, CounterCsrAccessesAreReported) {
  BlockTiming t = block({W(0xc0002573),    // +0x00 csrrs  a0,cycle,zero       (rdcycle)
                         W(0x300025f3),    // +0x04 csrrs  a1,mstatus,zero     not a counter
                         W(0xc0202673),    // +0x08 csrrs  a2,instret,zero
                         W(0xc80026f3),    // +0x0c csrrs  a3,cycleh,zero
                         W(0xb02022f3),    // +0x10 csrrs  t0,minstret,zero
                         W(0xb0005073),    // +0x14 csrrwi zero,mcycle,0
                         W(0xc0102473),    // +0x18 csrrs  s0,time,zero
                         W(0xc81024f3),    // +0x1c csrrs  s1,timeh,zero
                         W(0xc8202973),    // +0x20 csrrs  s2,instreth,zero
                         W(0xb80029f3),    // +0x24 csrrs  s3,mcycleh,zero
                         W(0xb8202a73),    // +0x28 csrrs  s4,minstreth,zero
                         W(0xb0302af3),    // +0x2c csrrs  s5,mhpmcounter3,zero  not listed
                         W(0xc0302b73),    // +0x30 csrrs  s6,hpmcounter3,zero   not listed
                         W(0xb007b073),    // +0x34 csrrc  zero,mcycle,a5
                         W(0xb0059573)});  // +0x38 csrrw  a0,mcycle,a1
  struct Expected {
    std::uint32_t offset;
    std::uint16_t csr;
    std::uint8_t rd, rs1, funct3;
  };
  const Expected expected[] = {
      {0x00, 0xC00, 10, 0, 2},  {0x08, 0xC02, 12, 0, 2}, {0x0c, 0xC80, 13, 0, 2},
      {0x10, 0xB02, 5, 0, 2},   {0x14, 0xB00, 0, 0, 5},  {0x18, 0xC01, 8, 0, 2},
      {0x1c, 0xC81, 9, 0, 2},   {0x20, 0xC82, 18, 0, 2}, {0x24, 0xB80, 19, 0, 2},
      {0x28, 0xB82, 20, 0, 2},  {0x34, 0xB00, 0, 15, 3}, {0x38, 0xB00, 10, 11, 1},
  };
  ASSERT_EQ(t.counter_reads.size(), std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    const CounterRead& r = t.counter_reads[i];
    EXPECT_EQ(r.offset, expected[i].offset) << i;
    EXPECT_EQ(r.csr, expected[i].csr) << i;
    EXPECT_EQ(r.rd, expected[i].rd) << i;
    EXPECT_EQ(r.rs1, expected[i].rs1) << i;
    EXPECT_EQ(r.funct3, expected[i].funct3) << i;
    // Independent CSR reads issue one a cycle.
    EXPECT_EQ(r.cycles_before, expected[i].offset / 4) << i;
  }
  // 15 issue cycles; the last read (a0, issued in cycle 14) is ready 3 cycles later.
  EXPECT_EQ(t.cycles, 14u + CSR);
}

TEST_F(Rv32CycleModelTest, CounterReadOffsetAndIssueCycleAfterMixedCode) {
  BlockTiming t = block({C(0x0001),        // +0 c.nop
                         W(0x0005a503),    // +2 lw    a0,0(a1)
                         W(0x00e50633),    // +6 add   a2,a0,a4   (waits for a0: issues in 3)
                         W(0xc0002573)});  // +10 csrrs a0,cycle,zero
  ASSERT_EQ(t.counter_reads.size(), 1u);
  EXPECT_EQ(t.counter_reads[0].offset, 10u);
  EXPECT_EQ(t.counter_reads[0].rd, 10u);
  EXPECT_EQ(t.counter_reads[0].cycles_before, 4u);
  EXPECT_EQ(t.cycles, 4u + CSR);
}

TEST_F(Rv32CycleModelTest, GarbageCostsOnePerParcelAndStopsDecoding) {
  // All-zero parcel: the defined illegal instruction.
  BlockTiming zero = block({C(0x0000)});
  EXPECT_EQ(zero.instructions, 0u);
  EXPECT_EQ(zero.cycles, 1u);
  EXPECT_EQ(zero.fallthrough, 0x1002u);
  EXPECT_EQ(zero.fetch_words, 1u);
  // nop; 0xffffffff (a >=48-bit length prefix); nop: decoding stops at the garbage and the four
  // parcels from there on cost one cycle each.
  BlockTiming t = block({W(0x00000013), W(0xffffffff), W(0x00000013)});
  EXPECT_EQ(t.instructions, 1u);
  EXPECT_EQ(t.cycles, 1u + 4u);
  EXPECT_EQ(t.taken_extra, 0u);
  EXPECT_EQ(t.fallthrough, 0x100Cu);
  // Garbage after a load: the load's result latency first.
  EXPECT_EQ(block({W(0x0005a503), C(0x0000)}).cycles, LW + 1u);
  // Garbage after a forward branch: the branch was not the last instruction.
  BlockTiming br = block({W(0x00b50e63), C(0x0000)});
  EXPECT_EQ(br.cycles, 2u);
  EXPECT_EQ(br.taken_extra, 0u);
  // A truncated 32-bit instruction (first half of lw a0,0(a1)) and an odd trailing byte.
  EXPECT_EQ(block({C(0xa503)}).cycles, 1u);
  EXPECT_EQ(block({C(0xa503)}).instructions, 0u);
  const std::vector<std::uint8_t> odd = {0x01, 0x00, 0x05};  // c.nop; one stray byte
  BlockTiming o = model.block_timing(odd.data(), odd.size(), 0x1000);
  EXPECT_EQ(o.instructions, 1u);
  EXPECT_EQ(o.cycles, 2u);
  EXPECT_EQ(o.fallthrough, 0x1003u);
  std::uint32_t length = 0;
  EXPECT_EQ(model.instruction_cycles(odd.data() + 2, 1, nullptr, &length), 1u);
  EXPECT_EQ(length, 1u);
  // Encodings the E31 (RV32IMAC, machine and user mode) does not implement, or reserved ones.
  const Parcel unsupported[] = {
      C(0x6188),      // c.flw  fa0,0(a1)   (F extension)
      C(0xa188),      // c.fsd  fa0,0(a1)   (D extension)
      C(0x2522),      // c.fldsp fa0,8(sp)  (D extension)
      C(0x9d0d),      // c.subw a0,a1       (RV64 only)
      C(0x6501),      // c.lui  a0,0        (reserved: zero immediate)
      C(0x6101),      // c.addi16sp sp,0    (reserved: zero immediate)
      C(0x4002),      // c.lwsp zero,...    (reserved: rd = x0)
      C(0x8002),      // c.jr   zero        (reserved: rs1 = x0)
      C(0x001f),      // 48-bit length prefix
      W(0x10200073),  // sret               (no supervisor mode)
      W(0x02051513),  // slli a0,a0,32      (shamt[5] reserved on RV32)
  };
  for (const Parcel& p : unsupported) {
    std::uint32_t taken = 99;
    EXPECT_EQ(one(p, &taken, &length), 1u) << std::hex << p.bits;
    EXPECT_EQ(length, 2u) << std::hex << p.bits;
    EXPECT_EQ(taken, 0u) << std::hex << p.bits;
    EXPECT_EQ(block({p}).instructions, 0u) << std::hex << p.bits;
  }
}

TEST_F(Rv32CycleModelTest, EmptyInput) {
  BlockTiming t = model.block_timing(nullptr, 0, 0x4000);
  EXPECT_EQ(t.cycles, 0u);
  EXPECT_EQ(t.fallthrough, 0x4000u);
  EXPECT_EQ(t.instructions, 0u);
  EXPECT_EQ(t.fetch_words, 0u);
  std::uint32_t length = 7;
  EXPECT_EQ(model.instruction_cycles(nullptr, 0, nullptr, &length), 0u);
  EXPECT_EQ(length, 0u);
}

TEST_F(Rv32CycleModelTest, ArbitraryBytesStayInBoundsAndTerminate) {
  // Every 16-bit parcel on its own: decoded as one 2-byte instruction or one garbage parcel.
  for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
    const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(h), static_cast<std::uint8_t>(h >> 8)};
    std::uint32_t length = 0;
    const std::uint32_t cycles = model.instruction_cycles(bytes, 2, nullptr, &length);
    ASSERT_GE(cycles, 1u) << h;
    ASSERT_EQ(length, 2u) << h;
  }
  // Pseudo-random buffers (a fixed LCG, so the test repeats): each decoded instruction costs
  // at least one cycle and takes at least two bytes, and the block ends at the buffer's end.
  std::vector<std::uint8_t> buffer(4096);
  std::uint32_t state = 12345;
  for (auto& b : buffer) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(state >> 24);
  }
  for (std::size_t start = 0; start < 256; ++start) {
    for (std::size_t size : {1u, 2u, 3u, 7u, 64u, 1000u}) {
      const BlockTiming t = model.block_timing(buffer.data() + start, size, 0x8000);
      ASSERT_EQ(t.fallthrough, 0x8000u + size);
      ASSERT_LE(2u * t.instructions, size);
      ASSERT_GE(t.cycles, t.instructions);
      ASSERT_GE(t.cycles, 1u);
    }
  }
}

}  // namespace
}  // namespace boardemu::riscv
