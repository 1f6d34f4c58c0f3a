// Differential test of the LX106 translator (emulator/xtensa/lx106_jit.hpp) against the
// interpreter: random programs generated from the ISA table (emulator/xtensa/lx106_isa.inc: an
// encoding's match bits with random bits everywhere its mask leaves free) run on two machines,
// one per engine, in run slices of random length; after every slice both must agree on every
// register of the GDB layout (a0..a15, PC and every special register, CCOUNT and INTERRUPT
// included), the instruction count, the scheduler time, WAITI, the run result, and (every few
// slices and at the end) all of memory. Slices of random length check that a run ends at the
// same instruction on both engines (interrupts, CCOMPARE0 and WAITI are taken at slice
// boundaries); random interrupt inputs between slices and a timer handler that re-arms
// CCOMPARE0 make interrupts happen; registers holding addresses in RAM make loads and stores
// hit memory (and code: self-modifying code invalidates translations).
//
// Memory map (as in test_lx106_cpu.cpp): iram 0x40000000 128 KiB (vectors at VECBASE's reset
// value, handlers, random code from 0x40000200), dram 0x3FFE0000 128 KiB, rom 0x40200000,
// word-only iram1 0x40100000 (narrow accesses there take the interpreter's slow path); dram and
// rom have wait states for even seeds, none for odd ones.
// LX106_DIFF_SEEDS=N runs N programs instead of the default.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "machine/machine.hpp"
#include "xtensa/lx106_cpu.hpp"

namespace {

using boardemu::BoardDesc;
using boardemu::Cycles;
using boardemu::Machine;
using boardemu::MemoryKind;
using boardemu::MemoryRegion;
using boardemu::RunResult;
using boardemu::UnmappedPolicy;
using namespace boardemu::xtensa;

constexpr std::uint32_t kIram = 0x40000000, kIramSize = 0x20000;
constexpr std::uint32_t kDram = 0x3FFE0000, kDramSize = 0x20000;
constexpr std::uint32_t kRom = 0x40200000, kWordOnly = 0x40100000;
constexpr std::uint32_t kCodeStart = 0x40000200, kCodeEnd = 0x4001F000;

// `waits`: wait states on dram and rom (odd seeds run without any, as lx106-sim: the translator
// then leaves out the wait-state addition).
BoardDesc diff_board(bool waits) {
  BoardDesc b;
  b.semihosting = false;  // SIMCALL is IllegalInstruction: random code cannot reach the host
  b.name = "lx106-jit-diff";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = "lx106";
  b.cpu_hz = 80'000'000;
  b.num_irqs = 15;
  b.unmapped = UnmappedPolicy::bus_fault;
  b.interrupt_controller = "cpu";
  b.reset_vector = kCodeStart;
  b.memory = {MemoryRegion{"iram", kIram, kIramSize, MemoryKind::ram, 0, false},
              MemoryRegion{"dram", kDram, kDramSize, MemoryKind::ram, waits ? 1u : 0u, false},
              MemoryRegion{"rom", kRom, 0x10000, MemoryKind::rom, waits ? 2u : 0u, false},
              MemoryRegion{"iram1", kWordOnly, 0x8000, MemoryKind::ram, 0, true}};
  return b;
}

struct Encoding {
  unsigned len;
  std::uint32_t mask, match;
  const char* name;
};
constexpr Encoding kTable[] = {
#define X(name, len, mask, match, format, cycles) {len, mask, match, #name},
#include "xtensa/lx106_isa.inc"
#undef X
};

// Encodings used by the handlers (ISA manual formats; fields as in lx106_isa.inc).
std::uint32_t rsr(unsigned t, unsigned sr) { return 0x030000 | sr << 8 | t << 4; }
std::uint32_t wsr(unsigned t, unsigned sr) { return 0x130000 | sr << 8 | t << 4; }
std::uint32_t addi(unsigned t, unsigned s, int imm) { return 0x00C002 | t << 4 | s << 8 | (imm & 0xFF) << 16; }
std::uint32_t addmi(unsigned t, unsigned s, int imm256) { return 0x00D002 | t << 4 | s << 8 | (imm256 & 0xFF) << 16; }
std::uint32_t jump(std::uint32_t from, std::uint32_t to) { return 0x6 | ((to - from - 4) & 0x3FFFF) << 6; }
std::uint32_t movi(unsigned t, int imm12) {
  return 0x00A002 | t << 4 | ((imm12 >> 8) & 0xF) << 8 | (imm12 & 0xFF) << 16;
}
// L32R at `pc`: literal = ((pc + 3) & ~3) + (0xFFFC0000 | imm16 << 2).
std::uint32_t l32r(unsigned t, std::uint32_t pc, std::uint32_t literal) {
  std::uint32_t imm16 = ((literal - ((pc + 3) & ~3u) + 0x40000) >> 2) & 0xFFFF;
  return 0x1 | t << 4 | imm16 << 8;
}
constexpr std::uint32_t kLiteralCodeStart = 0x400000F0, kLiteralCodeSize = 0x400000F4;
constexpr std::uint32_t kRfe = 0x003000, kRfde = 0x003200;
std::uint32_t rfi(unsigned level) { return 0x003010 | level << 8; }

class Image {
 public:
  std::vector<std::uint8_t> iram = std::vector<std::uint8_t>(kIramSize, 0);
  void put(std::uint32_t& at, std::uint32_t w, unsigned len = 3) {
    for (unsigned i = 0; i < len; ++i) iram[at - kIram + i] = static_cast<std::uint8_t>(w >> (8 * i));
    at += len;
  }
};

// A handler that resumes 3 bytes after the saved PC (skipping the faulting instruction or one
// after an interrupt) and re-arms CCOMPARE0 (which clears the timer interrupt).
void handler(Image& im, std::uint32_t vector, std::uint32_t body, unsigned epc_sr, std::uint32_t ret) {
  std::uint32_t at = vector;
  im.put(at, jump(vector, body));
  at = body;
  im.put(at, rsr(2, epc_sr));
  im.put(at, addi(2, 2, 3));
  // Outside the random code (a jump into unmapped or zeroed memory): resume at its start.
  im.put(at, l32r(4, at, kLiteralCodeStart));
  im.put(at, l32r(6, at, kLiteralCodeSize));
  im.put(at, 0xC00000 | 5 << 12 | 2 << 8 | 4 << 4);  // sub a5, a2, a4
  im.put(at, 0x003007 | 6 << 4 | 5 << 8 | 1 << 16);  // bltu a5, a6, +1 (over the mov.n)
  im.put(at, 0x000D | 2 << 4 | 4 << 8, 2);            // mov.n a2, a4
  im.put(at, wsr(2, epc_sr));
  im.put(at, rsr(3, SR_CCOUNT));
  im.put(at, addmi(3, 3, 1));  // + 256 cycles
  im.put(at, wsr(3, SR_CCOMPARE0));
  im.put(at, movi(4, -1));
  im.put(at, wsr(4, SR_INTCLEAR));  // edge-triggered and software interrupts
  im.put(at, ret);
}

Image make_program(std::mt19937& rng) {
  Image im;
  std::uint32_t lit = kLiteralCodeStart;
  im.put(lit, kCodeStart, 4);
  im.put(lit, kCodeEnd - kCodeStart, 4);
  handler(im, kIram + Lx106Cpu::kDebugVecOfs, 0x40000100, SR_EPC2, rfi(2));
  handler(im, kIram + Lx106Cpu::kNmiVecOfs, 0x40000130, SR_EPC3, rfi(3));
  handler(im, kIram + Lx106Cpu::kKernelVecOfs, 0x40000160, SR_EPC1, kRfe);
  handler(im, kIram + Lx106Cpu::kUserVecOfs, 0x40000190, SR_EPC1, kRfe);
  handler(im, kIram + Lx106Cpu::kDoubleVecOfs, 0x400001C0, SR_DEPC, kRfde);
  // Random instructions. Special-register and exception-return encodings are rare: random
  // WSRs to PS or VECBASE would mostly end a program in an endless exception loop.
  // Mostly the instructions compiled code is made of (so that runs get somewhere), the rest
  // uniformly from the whole table.
  static const std::vector<std::string> kCommon = {
      "ADD", "ADD_N", "ADDI", "ADDI_N", "ADDMI", "SUB", "AND", "OR", "XOR", "ADDX2", "ADDX4", "SUBX8",
      "MOVI", "MOVI_N", "MOV_N", "SLLI", "SRLI", "SRAI", "EXTUI", "MULL", "NEG", "L32I", "L32I_N",
      "S32I", "S32I_N", "L8UI", "L16UI", "L16SI", "S8I", "S16I", "L32R", "BEQZ", "BNEZ", "BEQZ_N",
      "BNEZ_N", "BLTU", "BGE", "BNE", "BEQ", "BBCI", "BBSI", "BEQI", "BNEI", "BLTUI", "J", "CALL0",
      "RET_N", "MOVEQZ", "SRC", "SSL", "SRL", "NSAU", "NSA"};
  std::vector<const Encoding*> common;
  for (const auto& e : kTable)
    for (const auto& n : kCommon)
      if (n == e.name) common.push_back(&e);
  std::uniform_int_distribution<unsigned> pick(0, sizeof(kTable) / sizeof(kTable[0]) - 1);
  std::uniform_int_distribution<unsigned> pick_common(0, static_cast<unsigned>(common.size()) - 1);
  std::uniform_int_distribution<std::uint32_t> bits(0, 0xFFFFFF);
  std::uint32_t at = kCodeStart;
  while (at + 3 <= kCodeEnd) {
    const Encoding* e = rng() % 4 ? common[pick_common(rng)] : &kTable[pick(rng)];
    std::string name = e->name;
    bool rare = name == "WSR" || name == "XSR" || name == "RFE" || name == "RFDE" || name == "RFI" ||
                name == "WAITI" || name == "RSIL" || name == "ILL" || name == "ILL_N";
    if (rare && bits(rng) % 8 != 0) continue;
    std::uint32_t w = e->match | (bits(rng) & ~e->mask);
    im.put(at, w, e->len);
  }
  return im;
}

struct Pair {
  explicit Pair(bool waits) : interp(diff_board(waits)), jit(diff_board(waits)) {}
  Machine interp, jit;
  Lx106Cpu& cpu(Machine& m) { return dynamic_cast<Lx106Cpu&>(m.cpu()); }
};

std::string state_diff(Lx106Cpu& a, Lx106Cpu& b) {
  std::string out;
  for (unsigned r = 0; r < Lx106Cpu::kGdbRegisterCount; ++r) {
    std::uint32_t va = 0, vb = 0;
    bool oka = a.gdb_read_register(r, &va), okb = b.gdb_read_register(r, &vb);
    if (oka != okb || va != vb)
      out += a.register_name(r) + ": interp " + std::to_string(va) + " jit " + std::to_string(vb) + "; ";
  }
  if (a.instructions() != b.instructions())
    out += "instructions: interp " + std::to_string(a.instructions()) + " jit " + std::to_string(b.instructions()) + "; ";
  if (a.waiting() != b.waiting()) out += "waiti differs; ";
  return out;
}

bool same_memory(Machine& a, Machine& b, std::uint32_t base, std::uint32_t size) {
  std::vector<std::uint8_t> x(size), y(size);
  a.bus().read_block(base, x.data(), size);
  b.bus().read_block(base, y.data(), size);
  return x == y;
}

TEST(Lx106JitDiff, RandomProgramsAgreeWithTheInterpreter) {
  if (!Lx106Jit::available()) GTEST_SKIP() << "no translator in this build";
  unsigned seeds = 60;
  if (const char* s = std::getenv("LX106_DIFF_SEEDS")) seeds = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  std::uint64_t total_insns = 0;
  Lx106Jit::Stats jit_stats;
  for (unsigned seed = 1; seed <= seeds; ++seed) {
    std::mt19937 rng(seed);
    Image im = make_program(rng);
    Pair p(seed % 2 == 0);
    Machine* ms[2] = {&p.interp, &p.jit};
    // Initial registers: code and data addresses (aligned or not), small and random values.
    std::uint32_t regs[16];
    for (auto& v : regs) {
      if (&v == &regs[0]) {  // a return address
        v = kCodeStart + (rng() % (kCodeEnd - kCodeStart));
        continue;
      }
      switch (rng() % 6) {
        case 5: v = (kCodeStart + (rng() % 512)) & ~3u; break;  // stores over the code that runs
        case 0: v = kDram + (rng() % kDramSize); break;
        case 1: v = kDram + ((rng() % kDramSize) & ~3u); break;
        case 2: v = kCodeStart + (rng() % (kCodeEnd - kCodeStart)); break;
        case 3: v = rng() % 64; break;
        default: v = static_cast<std::uint32_t>(rng()); break;
      }
    }
    std::uint32_t intenable = static_cast<std::uint32_t>(rng()) & 0x7FFF;
    for (Machine* m : ms) {
      ASSERT_TRUE(m->bus().write_block(kIram, im.iram.data(), im.iram.size()));
      m->reset();
      Lx106Cpu& c = p.cpu(*m);
      for (unsigned r = 0; r < 16; ++r) c.set_ar(r, regs[r]);
      ASSERT_TRUE(c.write_sr(SR_PS, 0));  // interrupts on, EXCM clear
      ASSERT_TRUE(c.write_sr(SR_INTENABLE, intenable));
      ASSERT_TRUE(c.write_sr(SR_CCOMPARE0, 300));
    }
    ASSERT_TRUE(p.cpu(p.jit).set_engine(Lx106Cpu::Engine::jit));
    ASSERT_TRUE(p.cpu(p.interp).set_engine(Lx106Cpu::Engine::interp));  // whatever the default engine
    for (unsigned slice = 0; slice < 1500; ++slice) {
      Cycles len = 1 + rng() % (slice % 31 == 0 ? 5000 : slice % 7 == 0 ? 400 : 40);
      // An interrupt input pulses for one slice now and then (a level held high would keep
      // the handler busy for good).
      bool irq = rng() % 16 == 0;
      unsigned input = static_cast<unsigned>(rng() % Lx106Cpu::kNumInterrupts);
      RunResult res[2];
      for (int k = 0; k < 2; ++k) {
        for (unsigned i = 0; i < Lx106Cpu::kNumInterrupts; ++i) p.cpu(*ms[k]).set_irq_level(i, false);
        if (irq) p.cpu(*ms[k]).set_irq_level(input, true);
        res[k] = ms[k]->run(ms[k]->scheduler().now() + len);
      }
      std::string diff = state_diff(p.cpu(p.interp), p.cpu(p.jit));
      if (p.interp.scheduler().now() != p.jit.scheduler().now())
        diff += "cycles: interp " + std::to_string(p.interp.scheduler().now()) + " jit " +
                std::to_string(p.jit.scheduler().now()) + "; ";
      if (res[0].reason != res[1].reason || res[0].message != res[1].message)
        diff += "run result: interp '" + res[0].message + "' jit '" + res[1].message + "'; ";
      bool check_memory = slice % 64 == 63 || res[0].reason == boardemu::StopReason::fatal;
      if (check_memory && (!same_memory(p.interp, p.jit, kDram, kDramSize) ||
                           !same_memory(p.interp, p.jit, kIram, kIramSize)))
        diff += "memory differs; ";
      ASSERT_EQ(diff, "") << "seed " << seed << ", slice " << slice << " (length " << len << ")";
      if (res[0].reason == boardemu::StopReason::fatal) break;
    }
    EXPECT_TRUE(same_memory(p.interp, p.jit, kDram, kDramSize)) << "seed " << seed;
    EXPECT_TRUE(same_memory(p.interp, p.jit, kIram, kIramSize)) << "seed " << seed;
    total_insns += p.cpu(p.jit).instructions();
    if (std::getenv("LX106_DIFF_VERBOSE")) {
      std::uint32_t cause = 0;
      p.cpu(p.jit).read_sr(SR_EXCCAUSE, &cause);
      std::printf("seed %u: %llu instructions, %llu native, pc 0x%08x, exccause %u\n", seed,
                  static_cast<unsigned long long>(p.cpu(p.jit).instructions()),
                  static_cast<unsigned long long>(p.cpu(p.jit).jit()->stats().executed_native), p.cpu(p.jit).pc(), cause);
    }
    const Lx106Jit::Stats& st = p.cpu(p.jit).jit()->stats();
    jit_stats.blocks_translated += st.blocks_translated;
    jit_stats.insns_translated += st.insns_translated;
    jit_stats.insns_native += st.insns_native;
    jit_stats.invalidations += st.invalidations;
    jit_stats.executed_native += st.executed_native;
  }
  RecordProperty("instructions", std::to_string(total_insns));
  std::printf("lx106 jit diff: %u programs, %llu instructions compared; %llu blocks translated, %llu of "
              "%llu instructions native, %llu invalidations; %llu executed natively\n",
              seeds, static_cast<unsigned long long>(total_insns),
              static_cast<unsigned long long>(jit_stats.blocks_translated),
              static_cast<unsigned long long>(jit_stats.insns_native),
              static_cast<unsigned long long>(jit_stats.insns_translated),
              static_cast<unsigned long long>(jit_stats.invalidations),
              static_cast<unsigned long long>(jit_stats.executed_native));
  EXPECT_GT(jit_stats.insns_native, 0u);
  EXPECT_GT(jit_stats.invalidations, 0u) << "no program wrote over translated code";
}

}  // namespace
