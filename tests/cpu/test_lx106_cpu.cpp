// CPU-level tests of the Xtensa LX106 interpreter (emulator/xtensa): instructions encoded by the
// small assembler below, straight from the Xtensa Instruction Set Architecture (ISA) Reference
// Manual's formats (RRR, RRI8, RI16, CALL, BRI8, BRI12, RRRN, RI7, RI6), run on a Machine built
// from a BoardDesc made in code:
//   iram     0x40000000, 128 KiB: VECBASE's reset value, so the vectors live here; test code
//            starts at the reset vector 0x40001000, handlers at 0x40000800..
//   dram     0x3FFE0000, 128 KiB
//   rom      0x40200000, 64 KiB, kind rom (guest stores are LoadStoreErrorCause)
//   iram1    0x40100000, 32 KiB, access word_only (narrow loads/stores: LoadStoreErrorCause)
// Programs end in a `j .` loop; the tests run them for a bounded virtual time and then look at
// registers and special registers. Expected values come from the ISA manual's definitions
// (chapter 8 instruction descriptions, §4.4 exception and interrupt options) and the lx106
// configuration (QEMU target/xtensa/core-lx106/core-isa.h).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/log.hpp"
#include "machine/machine.hpp"
#include "xtensa/lx106_cpu.hpp"
#include "xtensa/lx106_decode.hpp"

#include "support/guest_memory.hpp"
#include "support/log_capture.hpp"

namespace {

using boardemu::BoardDesc;
using boardemu::Cycles;
using boardemu::Machine;
using boardemu::MemoryKind;
using boardemu::MemoryRegion;
using boardemu::RunResult;
using boardemu::StopReason;
using boardemu::UnmappedPolicy;
using namespace boardemu::xtensa;

constexpr std::uint32_t kCode = 0x40001000;
constexpr std::uint32_t kDram = 0x3FFE0000;
constexpr std::uint32_t kRom = 0x40200000;
constexpr std::uint32_t kWordOnly = 0x40100000;
constexpr std::uint32_t kHandler = 0x40000800;  // common "record and stop" exception handler
constexpr std::uint64_t kCpuHz = 80'000'000;

// ------------------------------------------------------------------------------------------------
// A tiny assembler: each method appends one instruction at the current address.
// ------------------------------------------------------------------------------------------------
class Asm {
 public:
  explicit Asm(std::uint32_t origin) { org(origin); }
  void org(std::uint32_t addr) { segs_.push_back({addr, {}}); }
  std::uint32_t here() const { return segs_.back().addr + static_cast<std::uint32_t>(segs_.back().bytes.size()); }
  const auto& segments() const { return segs_; }

  void word24(std::uint32_t w) { emit(w, 3); }
  void word16(std::uint32_t w) { emit(w, 2); }
  void data32(std::uint32_t w) { emit(w, 4); }

  // Formats (ISA manual chapter 7): RRR = op2 op1 r s t op0, RRI8 = imm8 r s t op0.
  static std::uint32_t rrr(unsigned op0, unsigned t, unsigned s, unsigned r, unsigned op1, unsigned op2) {
    return op0 | t << 4 | s << 8 | r << 12 | op1 << 16 | op2 << 20;
  }
  static std::uint32_t rri8(unsigned op0, unsigned t, unsigned s, unsigned r, unsigned imm8) {
    return op0 | t << 4 | s << 8 | r << 12 | (imm8 & 0xFF) << 16;
  }
  static std::uint32_t rrrn(unsigned op0, unsigned t, unsigned s, unsigned r) {
    return op0 | t << 4 | s << 8 | r << 12;
  }

  // ---- arithmetic ----
  void add(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 0, 8)); }
  void addx(unsigned scale_op2, unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 0, scale_op2)); }
  void sub(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 0, 12)); }
  void neg(unsigned ar, unsigned at) { word24(rrr(0, at, 0, ar, 0, 6)); }
  void abs(unsigned ar, unsigned at) { word24(rrr(0, at, 1, ar, 0, 6)); }
  void and_(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 0, 1)); }
  void or_(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 0, 2)); }
  void xor_(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 0, 3)); }
  void movi(unsigned at, std::int32_t imm) {  // -2048..2047
    auto v = static_cast<std::uint32_t>(imm) & 0xFFF;
    word24(rri8(2, at, v >> 8, 10, v & 0xFF));
  }
  void addi(unsigned at, unsigned as, std::int32_t imm) { word24(rri8(2, at, as, 12, static_cast<unsigned>(imm))); }
  void addmi(unsigned at, unsigned as, std::int32_t imm) { word24(rri8(2, at, as, 13, static_cast<unsigned>(imm / 256))); }
  void mul16u(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 1, 12)); }
  void mul16s(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 1, 13)); }
  void mull(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 2, 8)); }
  void nsa(unsigned at, unsigned as) { word24(rrr(0, at, as, 14, 0, 4)); }
  void nsau(unsigned at, unsigned as) { word24(rrr(0, at, as, 15, 0, 4)); }
  void moveqz(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 3, 8)); }
  void movnez(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 3, 9)); }
  void movltz(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 3, 10)); }
  void movgez(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 3, 11)); }
  // ---- shifts ----
  void slli(unsigned ar, unsigned as, unsigned sa) {  // encodes 32 - sa
    unsigned f = 32 - sa;
    word24(rrr(0, f & 15, as, ar, 1, (f >> 4) & 1));
  }
  void srai(unsigned ar, unsigned at, unsigned sa) { word24(rrr(0, at, sa & 15, ar, 1, 2 | (sa >> 4))); }
  void srli(unsigned ar, unsigned at, unsigned sa) { word24(rrr(0, at, sa, ar, 1, 4)); }
  void ssr(unsigned as) { word24(rrr(0, 0, as, 0, 0, 4)); }
  void ssl(unsigned as) { word24(rrr(0, 0, as, 1, 0, 4)); }
  void ssa8l(unsigned as) { word24(rrr(0, 0, as, 2, 0, 4)); }
  void ssa8b(unsigned as) { word24(rrr(0, 0, as, 3, 0, 4)); }
  void ssai(unsigned sa) { word24(rrr(0, sa >> 4, sa & 15, 4, 0, 4)); }
  void src(unsigned ar, unsigned as, unsigned at) { word24(rrr(0, at, as, ar, 1, 8)); }
  void srl(unsigned ar, unsigned at) { word24(rrr(0, at, 0, ar, 1, 9)); }
  void sll(unsigned ar, unsigned as) { word24(rrr(0, 0, as, ar, 1, 10)); }
  void sra(unsigned ar, unsigned at) { word24(rrr(0, at, 0, ar, 1, 11)); }
  void extui(unsigned ar, unsigned at, unsigned shift, unsigned bits) {
    word24(rrr(0, at, shift & 15, ar, 4 | (shift >> 4), bits - 1));
  }
  // ---- loads and stores (offset in bytes) ----
  void l8ui(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 0, off)); }
  void l16ui(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 1, off >> 1)); }
  void l16si(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 9, off >> 1)); }
  void l32i(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 2, off >> 2)); }
  void s8i(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 4, off)); }
  void s16i(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 5, off >> 1)); }
  void s32i(unsigned at, unsigned as, unsigned off) { word24(rri8(2, at, as, 6, off >> 2)); }
  void memw() { word24(0x0020C0); }
  void l32r(unsigned at, std::uint32_t literal) {  // literal below ((PC + 3) & ~3)
    std::uint32_t base = (here() + 3) & ~3u;
    std::uint32_t imm16 = ((literal - base) >> 2) & 0xFFFF;
    EXPECT_EQ(0xFFFC0000u | imm16 << 2, literal - base) << "literal out of L32R range";
    word24(1 | at << 4 | imm16 << 8);
  }
  void l32r_raw(unsigned at, std::uint32_t imm16) { word24(1 | at << 4 | imm16 << 8); }
  // ---- control transfer (absolute targets) ----
  void j(std::uint32_t target) { word24(6 | ((target - here() - 4) & 0x3FFFF) << 6); }
  void j_self() { j(here()); }
  void call0(std::uint32_t target) {
    std::uint32_t off = (target - ((here() & ~3u) + 4)) >> 2;
    word24(5 | (off & 0x3FFFF) << 6);
  }
  void callx0(unsigned as) { word24(rrr(0, 0xC, as, 0, 0, 0)); }
  void jx(unsigned as) { word24(rrr(0, 0xA, as, 0, 0, 0)); }
  void ret() { word24(0x000080); }
  std::uint32_t off8(std::uint32_t target) { return (target - here() - 4) & 0xFF; }
  void bz(unsigned m, unsigned as, std::uint32_t target) {  // m: 0 BEQZ 1 BNEZ 2 BLTZ 3 BGEZ
    word24(6 | (m << 2 | 1) << 4 | as << 8 | ((target - here() - 4) & 0xFFF) << 12);
  }
  void bi(unsigned m, unsigned as, unsigned const_index, std::uint32_t target) {  // BEQI BNEI BLTI BGEI
    word24(rri8(6, m << 2 | 2, as, const_index, off8(target)));
  }
  void biu(bool geu, unsigned as, unsigned const_index, std::uint32_t target) {  // BLTUI / BGEUI
    word24(rri8(6, geu ? 0xF : 0xB, as, const_index, off8(target)));
  }
  void b(unsigned r_op, unsigned as, unsigned at, std::uint32_t target) {  // op0 = 7 group
    word24(rri8(7, at, as, r_op, off8(target)));
  }
  void bbci(unsigned as, unsigned bit, std::uint32_t target) { word24(rri8(7, bit & 15, as, 6 | bit >> 4, off8(target))); }
  void bbsi(unsigned as, unsigned bit, std::uint32_t target) { word24(rri8(7, bit & 15, as, 14 | bit >> 4, off8(target))); }
  // ---- special registers and system ----
  void rsr(unsigned at, unsigned sr) { word24(rrr(0, at, sr & 15, sr >> 4, 3, 0)); }
  void wsr(unsigned at, unsigned sr) { word24(rrr(0, at, sr & 15, sr >> 4, 3, 1)); }
  void xsr(unsigned at, unsigned sr) { word24(rrr(0, at, sr & 15, sr >> 4, 1, 6)); }
  void rsil(unsigned at, unsigned level) { word24(rrr(0, at, level, 6, 0, 0)); }
  void waiti(unsigned level) { word24(rrr(0, 0, level, 7, 0, 0)); }
  void rfe() { word24(0x003000); }
  void rfde() { word24(0x003200); }
  void rfi(unsigned level) { word24(rrr(0, 1, level, 3, 0, 0)); }
  void syscall() { word24(0x005000); }
  void simcall() { word24(0x005100); }
  void ill() { word24(0x000000); }
  void brk(unsigned s, unsigned t) { word24(rrr(0, t, s, 4, 0, 0)); }
  void isync() { word24(0x002000); }
  void rsync() { word24(0x002010); }
  // ---- code density ----
  void add_n(unsigned ar, unsigned as, unsigned at) { word16(rrrn(10, at, as, ar)); }
  void addi_n(unsigned ar, unsigned as, int imm) { word16(rrrn(11, imm == -1 ? 0 : static_cast<unsigned>(imm), as, ar)); }
  void movi_n(unsigned as, int imm) {
    auto v = static_cast<unsigned>(imm) & 0x7F;
    word16(rrrn(12, (v >> 4) & 7, as, v & 15));
  }
  void beqz_n(unsigned as, std::uint32_t target) {
    unsigned off = target - here() - 4;
    word16(rrrn(12, 8 | off >> 4, as, off & 15));
  }
  void bnez_n(unsigned as, std::uint32_t target) {
    unsigned off = target - here() - 4;
    word16(rrrn(12, 12 | off >> 4, as, off & 15));
  }
  void mov_n(unsigned at, unsigned as) { word16(rrrn(13, at, as, 0)); }
  void l32i_n(unsigned at, unsigned as, unsigned off) { word16(rrrn(8, at, as, off >> 2)); }
  void s32i_n(unsigned at, unsigned as, unsigned off) { word16(rrrn(9, at, as, off >> 2)); }
  void ret_n() { word16(0xF00D); }
  void nop_n() { word16(0xF03D); }
  void ill_n() { word16(0xF06D); }
  void break_n(unsigned imm) { word16(rrrn(13, 2, imm, 15)); }

  // Loads a 32-bit constant without literals: movi + slli + addmi/addi.
  void li(unsigned at, std::uint32_t v) {
    auto sv = static_cast<std::int32_t>(v);
    if (sv >= -2048 && sv <= 2047) {
      movi(at, sv);
      return;
    }
    // Build it 8 bits at a time: at = ((b3 << 8 | b2) << 8 | b1) << 8 | b0 using unsigned
    // 8-bit chunks (MOVI of 0..255 is always in range).
    movi(at, static_cast<std::int32_t>(v >> 24));
    for (int shift = 16; shift >= 0; shift -= 8) {
      slli(at, at, 8);
      movi(15, static_cast<std::int32_t>((v >> shift) & 0xFF));
      or_(at, at, 15);
    }
  }

 private:
  struct Segment {
    std::uint32_t addr;
    std::vector<std::uint8_t> bytes;
  };
  void emit(std::uint32_t w, unsigned n) {
    for (unsigned i = 0; i < n; ++i) segs_.back().bytes.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
  }
  std::vector<Segment> segs_;
};

BoardDesc test_board(UnmappedPolicy unmapped = UnmappedPolicy::bus_fault, bool semihosting = true) {
  BoardDesc b;
  b.semihosting = semihosting;  // the test programs end their runs through semihosting
  b.name = "lx106-cpu-test";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = "lx106";
  b.cpu_hz = kCpuHz;
  b.num_irqs = 15;
  b.unmapped = unmapped;
  b.interrupt_controller = "cpu";
  b.reset_vector = kCode;
  MemoryRegion iram{"iram", 0x40000000, 0x20000, MemoryKind::ram, 0, false};
  MemoryRegion dram{"dram", kDram, 0x20000, MemoryKind::ram, 0, false};
  MemoryRegion rom{"rom", kRom, 0x10000, MemoryKind::rom, 0, false};
  MemoryRegion iram1{"iram1", kWordOnly, 0x8000, MemoryKind::ram, 0, true};
  b.memory = {iram, dram, rom, iram1};
  return b;
}

// The common exception handler at kHandler records EXCCAUSE, EPC1, EXCVADDR, PS and DEPC in
// a10..a14 and stops in a loop. `vectors` points the kernel, user and double vectors at it.
void add_record_handler(Asm& a, bool kernel = true, bool user = true, bool dbl = true) {
  auto stub = [&](std::uint32_t vec) {
    a.org(vec);
    a.j(kHandler);
  };
  if (kernel) stub(0x40000030);
  if (user) stub(0x40000050);
  if (dbl) stub(0x40000070);
  a.org(kHandler);
  a.rsr(10, SR_EXCCAUSE);
  a.rsr(11, SR_EPC1);
  a.rsr(12, SR_EXCVADDR);
  a.rsr(13, SR_PS);
  a.rsr(14, SR_DEPC);
  a.j_self();
}

class Lx106Test {
 public:
  explicit Lx106Test(const Asm& program, UnmappedPolicy unmapped = UnmappedPolicy::bus_fault,
                     bool semihosting = true)
      : machine_(test_board(unmapped, semihosting)) {
    if (const char* spec = std::getenv("CPU_TEST_LOG")) boardemu::log::enable_from_string(spec, nullptr);
    for (const auto& s : program.segments())
      EXPECT_TRUE(machine_.bus().write_block(s.addr, s.bytes.data(), s.bytes.size())) << std::hex << s.addr;
    cpu().simcall().set_console([this](int fd, const std::string& b) { console_ += std::to_string(fd) + ":" + b; });
    machine_.reset();
  }
  // Starts like most firmware after its reset code: PS.EXCM and PS.INTLEVEL cleared.
  void from_normal_state(std::uint32_t ps = 0) { EXPECT_TRUE(cpu().write_sr(SR_PS, ps)); }
  RunResult run_for(Cycles cycles) { return machine_.run(machine_.scheduler().now() + cycles); }
  Lx106Cpu& cpu() { return dynamic_cast<Lx106Cpu&>(machine_.cpu()); }
  Machine& machine() { return machine_; }
  std::uint32_t a(unsigned n) { return cpu().ar(n); }
  std::uint32_t sr(unsigned n) {
    std::uint32_t v = 0xDEADBEEF;
    EXPECT_TRUE(cpu().read_sr(n, &v)) << n;
    return v;
  }
  std::uint32_t read32(std::uint32_t addr) { return memory_.read32(addr); }
  Cycles now() { return machine_.scheduler().now(); }
  const std::string& console() const { return console_; }

 private:
  Machine machine_;
  boardemu::testing::GuestMemory memory_{machine_.bus()};
  std::string console_;
};

// ================================================================================================
// Decoder
// ================================================================================================

TEST(Lx106Decode, TableEntriesAndOperands) {
  // Encodings as xtensa-lx106-elf-as produces them (checked with objdump).
  Insn i = decode(0x0000A0, 0x5000000B);  // jx a0
  EXPECT_EQ(i.op, Op::JX);
  EXPECT_EQ(i.len, 3);
  i = decode(0xFFFF01, 0x50000008);  // l32r a0, 0x50000004
  EXPECT_EQ(i.op, Op::L32R);
  EXPECT_EQ(static_cast<std::uint32_t>(i.imm), 0x50000004u);
  i = decode(0x000106, 0x50000000);  // j 0x50000008
  EXPECT_EQ(i.op, Op::J);
  EXPECT_EQ(static_cast<std::uint32_t>(i.imm), 0x50000008u);
  i = decode(0xF00D, 0x100);  // ret.n
  EXPECT_EQ(i.op, Op::RET_N);
  EXPECT_EQ(i.len, 2);
  i = decode(0x0000F0 | 0x00E000, 0);  // reserved encoding in the SNM0/SYNC space
  EXPECT_EQ(i.op, Op::ILLEGAL);
  EXPECT_EQ(decode(0x00000E, 0).op, Op::ILLEGAL);  // op0 = 14: reserved
  EXPECT_EQ(decode(0x000003, 0).op, Op::ILLEGAL);  // op0 = 3: LSCI (no FP option)
  EXPECT_EQ(decode(0x000036, 0).op, Op::ILLEGAL);  // ENTRY: no windowed registers
  EXPECT_EQ(decode(0x000015, 0).op, Op::ILLEGAL);  // CALL4: no windowed registers
  EXPECT_EQ(mnemonic(Op::MULL), "MULL");
  // ADDI.N with an encoded 0 adds -1; MOVI.N spans -32..95.
  EXPECT_EQ(decode(Asm::rrrn(11, 0, 3, 4), 0).imm, -1);
  EXPECT_EQ(decode(Asm::rrrn(12, 7, 3, 15), 0).imm, 0x7F - 128);
  EXPECT_EQ(decode(Asm::rrrn(12, 5, 3, 15), 0).imm, 95);
  EXPECT_EQ(decode(Asm::rrrn(12, 6, 3, 0), 0).imm, -32);
}

// ================================================================================================
// Arithmetic, logic, shifts, multiply
// ================================================================================================

TEST(Lx106Alu, ArithmeticLogicAndNarrowForms) {
  Asm p(kCode);
  p.li(2, 0x12345678);
  p.li(3, 0x00000010);
  p.add(4, 2, 3);          // 0x12345688
  p.addx(11, 5, 3, 2);     // ADDX8: (a3 << 3) + a2 = 0x123456F8
  p.addx(13, 6, 2, 3);     // SUBX2: (a2 << 1) - a3 = 0x2468ACE0
  p.neg(7, 3);             // -16
  p.abs(8, 7);             // 16
  p.movi(9, -2048);
  p.addmi(10, 9, -32768);  // -2048 - 32768
  p.addi_n(11, 3, -1);     // 15
  p.movi_n(12, -32);
  p.movi_n(13, 95);
  p.add_n(14, 13, 12);     // 63
  p.xor_(1, 2, 2);         // 0
  p.j_self();
  Lx106Test t(p);
  t.run_for(500);
  EXPECT_EQ(t.a(4), 0x12345688u);
  EXPECT_EQ(t.a(5), 0x123456F8u);
  EXPECT_EQ(t.a(6), 0x2468ACE0u);
  EXPECT_EQ(t.a(7), static_cast<std::uint32_t>(-16));
  EXPECT_EQ(t.a(8), 16u);
  EXPECT_EQ(t.a(10), static_cast<std::uint32_t>(-2048 - 32768));
  EXPECT_EQ(t.a(11), 15u);
  EXPECT_EQ(t.a(12), static_cast<std::uint32_t>(-32));
  EXPECT_EQ(t.a(13), 95u);
  EXPECT_EQ(t.a(14), 63u);
  EXPECT_EQ(t.a(1), 0u);
}

TEST(Lx106Alu, ShiftsThroughSarAndImmediates) {
  Asm p(kCode);
  p.li(2, 0x80000001);
  p.slli(3, 2, 1);     // 0x00000002
  p.slli(4, 2, 31);    // 0x80000000
  p.srai(5, 2, 4);     // 0xF8000000
  p.srli(6, 2, 15);    // 0x00010000
  p.movi(7, 8);
  p.ssl(7);            // SAR = 24
  p.sll(8, 2);         // a2 << 8 = 0x00000100
  p.rsr(9, SR_SAR);    // 24
  p.ssr(7);            // SAR = 8
  p.sra(10, 2);        // 0xFF800000
  p.srl(11, 2);        // 0x00800000
  p.li(12, 0xAABBCCDD);
  p.movi(13, 1);
  p.ssa8l(13);         // SAR = 8: little-endian byte funnel
  p.src(14, 12, 2);    // (a12:a2) >> 8 = 0xDD800000
  p.ssa8b(13);         // SAR = 24
  p.src(15, 12, 2);    // (a12:a2) >> 24 = 0xBBCCDD80
  p.ssai(31);
  p.rsr(1, SR_SAR);    // 31
  p.j_self();
  Lx106Test t(p);
  t.run_for(500);
  EXPECT_EQ(t.a(3), 0x00000002u);
  EXPECT_EQ(t.a(4), 0x80000000u);
  EXPECT_EQ(t.a(5), 0xF8000000u);
  EXPECT_EQ(t.a(6), 0x00010000u);
  EXPECT_EQ(t.a(8), 0x00000100u);
  EXPECT_EQ(t.a(9), 24u);
  EXPECT_EQ(t.a(10), 0xFF800000u);
  EXPECT_EQ(t.a(11), 0x00800000u);
  EXPECT_EQ(t.a(14), 0xDD800000u);
  EXPECT_EQ(t.a(15), 0xBBCCDD80u);
  EXPECT_EQ(t.a(1), 31u);
}

TEST(Lx106Alu, ExtuiNsaMultiplyAndConditionalMoves) {
  Asm p(kCode);
  p.li(2, 0xF00DCAFE);
  p.extui(3, 2, 4, 8);    // 0xAF
  p.extui(4, 2, 16, 16);  // 0xF00D
  p.nsau(5, 2);           // 0
  p.srli(6, 2, 12);       // 0x000F00DC
  p.nsau(7, 6);           // 12
  p.nsa(8, 2);            // 0xF00DCAFE: 3 redundant sign bits
  p.movi(9, -1);
  p.nsa(10, 9);           // 31
  p.li(11, 0xFFFF8001);
  p.mul16s(12, 11, 11);   // (-32767)^2 = 0x3FFF0001
  p.mul16u(13, 11, 11);   // 0x8001^2 = 0x40010001
  p.mull(14, 2, 11);      // low 32 bits of the product
  p.movi(15, 0);
  p.movi(1, 7);
  p.moveqz(15, 1, 15);    // a15 == 0 -> a15 = 7
  p.movltz(1, 9, 9);      // a9 < 0 -> a1 = -1
  p.j_self();
  Lx106Test t(p);
  t.run_for(500);
  EXPECT_EQ(t.a(3), 0xAFu);
  EXPECT_EQ(t.a(4), 0xF00Du);
  EXPECT_EQ(t.a(5), 0u);
  EXPECT_EQ(t.a(7), 12u);
  EXPECT_EQ(t.a(8), 3u);
  EXPECT_EQ(t.a(10), 31u);
  EXPECT_EQ(t.a(12), 0x3FFF0001u);
  EXPECT_EQ(t.a(13), 0x40010001u);
  EXPECT_EQ(t.a(14), 0xF00DCAFEu * 0xFFFF8001u);
  EXPECT_EQ(t.a(15), 7u);
  EXPECT_EQ(t.a(1), 0xFFFFFFFFu);
}

// ================================================================================================
// Branches, jumps, calls
// ================================================================================================

TEST(Lx106Branch, ImmediateTablesBitTestsAndNarrowBranches) {
  // Each taken branch skips an `addi a15, a15, 1` (the "wrong way" counter); each branch that
  // must not be taken is followed by `addi a14, a14, 1`, which must run.
  Asm p(kCode);
  p.movi(14, 0);
  p.movi(15, 0);
  p.movi(2, -1);
  p.li(3, 65536);
  p.li(4, 0x00020000);  // bit 17
  auto taken = [&](auto emit_branch) {
    std::uint32_t target = p.here() + 6;  // branch (3) + addi (3)
    emit_branch(target);
    p.addi(15, 15, 1);
  };
  auto not_taken = [&](auto emit_branch) {
    emit_branch(p.here() + 6);
    p.addi(14, 14, 1);
  };
  taken([&](std::uint32_t to) { p.bi(0, 2, 0, to); });         // BEQI a2, -1 (B4CONST[0])
  not_taken([&](std::uint32_t to) { p.bi(1, 2, 0, to); });     // BNEI a2, -1
  taken([&](std::uint32_t to) { p.bi(2, 2, 1, to); });         // BLTI a2, 1
  taken([&](std::uint32_t to) { p.biu(true, 3, 1, to); });     // BGEUI a3, 65536 (B4CONSTU[1])
  not_taken([&](std::uint32_t to) { p.biu(false, 3, 0, to); }); // BLTUI a3, 32768
  taken([&](std::uint32_t to) { p.bbsi(4, 17, to); });         // BBSI a4, 17
  not_taken([&](std::uint32_t to) { p.bbci(4, 17, to); });     // BBCI a4, 17
  taken([&](std::uint32_t to) { p.bbci(4, 16, to); });
  taken([&](std::uint32_t to) { p.b(4, 2, 4, to); });          // BALL a2, a4: all of a4's bits in a2
  not_taken([&](std::uint32_t to) { p.b(12, 2, 4, to); });     // BNALL
  taken([&](std::uint32_t to) { p.b(0, 3, 4, to); });          // BNONE a3, a4
  taken([&](std::uint32_t to) { p.b(2, 2, 3, to); });          // BLT -1 < 65536
  not_taken([&](std::uint32_t to) { p.b(3, 2, 3, to); });      // BLTU 0xFFFFFFFF < 65536
  taken([&](std::uint32_t to) { p.bz(2, 2, to); });            // BLTZ
  not_taken([&](std::uint32_t to) { p.bz(0, 2, to); });        // BEQZ
  {
    std::uint32_t to = p.here() + 4;  // beqz.n (2) + addi.n (2)
    p.movi(5, 0);
    to = p.here() + 4;
    p.beqz_n(5, to);
    p.addi_n(15, 15, 1);
    to = p.here() + 4;
    p.bnez_n(5, to);  // not taken
    p.addi_n(14, 14, 1);
  }
  p.j_self();
  Lx106Test t(p);
  t.run_for(1000);
  EXPECT_EQ(t.a(15), 0u) << "a taken branch fell through";
  EXPECT_EQ(t.a(14), 7u) << "a branch that must fall through was taken";
}

TEST(Lx106Branch, CallsJumpsAndReturns) {
  Asm p(kCode);
  p.movi(2, 0);
  p.call0(0x40002000);    // a0 = return address
  p.addi(2, 2, 1);        // runs after RET
  p.li(3, 0x40002100);
  p.callx0(3);
  p.addi(2, 2, 1);
  p.j(0x40002200);
  p.org(0x40002000);
  p.mov_n(5, 0);          // return address seen by the callee
  p.addi(2, 2, 16);
  p.ret();
  p.org(0x40002100);
  p.mov_n(6, 0);
  p.addi(2, 2, 32);
  p.ret_n();
  p.org(0x40002200);
  p.movi(7, 77);
  p.j_self();
  Lx106Test t(p);
  t.run_for(1000);
  EXPECT_EQ(t.a(2), 16u + 1 + 32 + 1);
  EXPECT_EQ(t.a(5), kCode + 6);  // after movi (3) + call0 (3)
  EXPECT_EQ(t.a(7), 77u);
  EXPECT_EQ(t.a(6) & 0xFFFFF000u, kCode);
}

// ================================================================================================
// Loads, stores, L32R
// ================================================================================================

TEST(Lx106Memory, LoadsStoresSignExtensionAndL32R) {
  Asm p(kCode);
  p.j(kCode + 16);
  p.org(kCode + 4);
  p.data32(0xCAFEF00D);   // literal at kCode + 4
  p.org(kCode + 16);
  p.l32r(2, kCode + 4);
  p.li(3, kDram);
  p.s32i(2, 3, 0);
  p.l16si(4, 3, 2);       // 0xCAFE sign-extended
  p.l16ui(5, 3, 2);
  p.l8ui(6, 3, 1);        // 0xF0
  p.movi(7, 0x5A);
  p.s8i(7, 3, 3);         // word = 0x5AFEF00D
  p.li(8, 0x1234);
  p.s16i(8, 3, 4);
  p.l32i(9, 3, 0);
  p.l32i_n(10, 3, 4);
  p.s32i_n(2, 3, 8);
  p.l32i(11, 3, 8);
  // LITBASE: literals relative to LITBASE[31:12] instead of the PC.
  p.li(12, kDram + 0x2000 + 1);
  p.wsr(12, SR_LITBASE);
  p.li(13, 0x600DF00D);
  p.li(12, kDram + 0x2000 - 4);
  p.s32i(13, 12, 0);
  p.l32r_raw(14, 0xFFFF);  // offset -4 from LITBASE's base
  p.j_self();
  Lx106Test t(p);
  t.run_for(2000);
  EXPECT_EQ(t.a(2), 0xCAFEF00Du);
  EXPECT_EQ(t.a(4), 0xFFFFCAFEu);
  EXPECT_EQ(t.a(5), 0x0000CAFEu);
  EXPECT_EQ(t.a(6), 0xF0u);
  EXPECT_EQ(t.a(9), 0x5AFEF00Du);
  EXPECT_EQ(t.a(10), 0x1234u);
  EXPECT_EQ(t.a(11), 0xCAFEF00Du);
  EXPECT_EQ(t.a(14), 0x600DF00Du);
}

TEST(Lx106Memory, SelfModifyingCode) {
  Asm p(kCode);
  const std::uint32_t target = 0x40003000;
  p.li(2, target);
  // The stored word is the 3-byte instruction plus the first byte (0x0D) of the RET.N after it.
  p.li(3, Asm::rri8(2, 5, 0, 10, 1) | 0x0D000000);  // movi a5, 1
  p.s32i(3, 2, 0);
  p.callx0(2);                          // runs movi a5, 1 ; ret.n
  p.mov_n(6, 5);
  p.li(3, Asm::rri8(2, 5, 0, 10, 2) | 0x0D000000);  // movi a5, 2 over the decoded instruction
  p.s32i(3, 2, 0);
  p.callx0(2);
  p.j_self();
  p.org(target);
  p.ill();
  p.ret_n();
  Lx106Test t(p);
  t.run_for(2000);
  EXPECT_EQ(t.a(6), 1u);
  EXPECT_EQ(t.a(5), 2u);
}

// ================================================================================================
// Exceptions
// ================================================================================================

TEST(Lx106Exception, UnalignedAccessRaisesLoadStoreAlignment) {
  Asm p(kCode);
  p.li(2, kDram + 2);
  std::uint32_t at = p.here();
  p.l32i(3, 2, 0);
  p.j_self();
  add_record_handler(p);
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(1000);
  EXPECT_EQ(t.a(10), kLoadStoreAlignmentCause);
  EXPECT_EQ(t.a(11), at);
  EXPECT_EQ(t.a(12), kDram + 2);
  EXPECT_TRUE(t.a(13) & Lx106Cpu::kPsExcm);
}

TEST(Lx106Exception, IllegalInstructionToKernelAndUserVectors) {
  for (bool user : {false, true}) {
    Asm p(kCode);
    std::uint32_t at = p.here();
    p.ill_n();
    p.j_self();
    // Separate handlers for the kernel and user vectors: a9 tells which one ran.
    p.org(0x40000030);
    p.movi(9, 1);
    p.j(kHandler);
    p.org(0x40000050);
    p.movi(9, 2);
    p.j(kHandler);
    add_record_handler(p, false, false, true);
    Lx106Test t(p);
    t.from_normal_state(user ? Lx106Cpu::kPsUm : 0);
    t.run_for(1000);
    EXPECT_EQ(t.a(9), user ? 2u : 1u);
    EXPECT_EQ(t.a(10), kIllegalInstructionCause);
    EXPECT_EQ(t.a(11), at);
  }
}

TEST(Lx106Exception, SyscallAndReturnWithRfe) {
  Asm p(kCode);
  p.movi(2, 0);
  p.syscall();
  p.addi(2, 2, 100);
  p.rsr(3, SR_PS);
  p.j_self();
  p.org(0x40000030);  // kernel vector: count, skip the SYSCALL, return
  p.rsr(4, SR_EXCCAUSE);
  p.rsr(5, SR_EPC1);
  p.addi(5, 5, 3);
  p.wsr(5, SR_EPC1);
  p.addi(2, 2, 1);
  p.rfe();
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(1000);
  EXPECT_EQ(t.a(4), kSyscallCause);
  EXPECT_EQ(t.a(2), 101u);
  EXPECT_EQ(t.a(3) & Lx106Cpu::kPsExcm, 0u) << "RFE clears PS.EXCM";
}

TEST(Lx106Exception, DoubleExceptionUsesDepc) {
  Asm p(kCode);
  p.ill();
  p.j_self();
  p.org(0x40000030);  // the kernel handler faults again (PS.EXCM is set)
  std::uint32_t second = p.here();
  p.li(2, kDram + 1);
  std::uint32_t fault = p.here();
  p.l16ui(3, 2, 0);
  p.org(0x40000070);
  p.rsr(14, SR_DEPC);
  p.rsr(10, SR_EXCCAUSE);
  p.rsr(11, SR_EPC1);
  p.j_self();
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(1000);
  (void)second;
  EXPECT_EQ(t.a(14), fault);
  EXPECT_EQ(t.a(10), kLoadStoreAlignmentCause);
  EXPECT_EQ(t.a(11), kCode) << "EPC1 keeps the first exception's PC";
}

TEST(Lx106Exception, WordOnlyMemoryAndRomStores) {
  Asm p(kCode);
  p.li(2, kWordOnly);
  p.li(3, 0x11223344);
  p.s32i(3, 2, 0);   // aligned word store: allowed
  p.l32i(4, 2, 0);
  std::uint32_t narrow = p.here();
  p.l8ui(5, 2, 1);   // LoadStoreErrorCause
  p.j_self();
  add_record_handler(p);
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(1000);
  EXPECT_EQ(t.a(4), 0x11223344u);
  EXPECT_EQ(t.a(10), kLoadStoreErrorCause);
  EXPECT_EQ(t.a(11), narrow);
  EXPECT_EQ(t.a(12), kWordOnly + 1);

  Asm q(kCode);
  q.li(2, kRom);
  q.movi(3, 5);
  std::uint32_t store = q.here();
  q.s32i(3, 2, 0);
  q.j_self();
  add_record_handler(q);
  Lx106Test u(q);
  u.from_normal_state();
  u.run_for(1000);
  EXPECT_EQ(u.a(10), kLoadStoreErrorCause);
  EXPECT_EQ(u.a(11), store);
  EXPECT_EQ(u.read32(kRom), 0u) << "ROM unchanged";
}

TEST(Lx106Exception, UnmappedAccessBusFaultOrStop) {
  Asm p(kCode);
  p.li(2, 0x20000000);
  std::uint32_t at = p.here();
  p.l32i(3, 2, 8);
  p.j_self();
  add_record_handler(p);
  {
    boardemu::testing::LogCapture logs;
    Lx106Test t(p);
    t.from_normal_state();
    t.run_for(1000);
    EXPECT_EQ(t.a(10), kLoadStorePIFAddrErrorCause);
    EXPECT_EQ(t.a(11), at);
    EXPECT_EQ(t.a(12), 0x20000008u);
    EXPECT_NE(logs.take().find("unmapped read at 0x20000008"), std::string::npos);
  }
  Lx106Test s(p, UnmappedPolicy::stop);
  s.from_normal_state();
  RunResult r = s.run_for(1000);
  EXPECT_EQ(r.reason, StopReason::fatal);
  EXPECT_NE(r.message.find("0x20000008"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(fmt::format("PC 0x{:08x}", at)), std::string::npos) << r.message;
}

TEST(Lx106Exception, UnrecoverableExceptionsStopWithAFatalMessage) {
  // After reset PS.EXCM = 1: an illegal instruction goes to the double-exception vector, which
  // holds zeros (ILL) here, so it can only repeat: the run stops naming PC and EXCCAUSE.
  Asm p(kCode);
  p.movi(2, 1);
  p.ill();
  Lx106Test t(p);
  RunResult r = t.run_for(1000);
  EXPECT_EQ(r.reason, StopReason::fatal);
  EXPECT_NE(r.message.find("PC 0x40000070"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("EXCCAUSE 0"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("EXCVADDR"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(fmt::format("at PC 0x{:08x}", kCode + 3)), std::string::npos) << r.message;
  // A stopped CPU stays stopped.
  EXPECT_EQ(t.run_for(1000).reason, StopReason::fatal);

  // Fetching from unmapped space with the vectors moved to unmapped space as well.
  Asm q(kCode);
  q.li(2, 0x10000000);
  q.wsr(2, SR_VECBASE);
  q.jx(2);
  Lx106Test u(q);
  u.from_normal_state();
  RunResult r2 = u.run_for(1000);
  EXPECT_EQ(r2.reason, StopReason::fatal);
  EXPECT_NE(r2.message.find("EXCCAUSE 14"), std::string::npos) << r2.message;
  EXPECT_NE(r2.message.find("not in memory"), std::string::npos) << r2.message;
}

TEST(Lx106Exception, BreakTakesTheDebugVectorBelowDebugLevel) {
  Asm p(kCode);
  std::uint32_t at = p.here();
  p.brk(1, 2);
  p.movi(3, 3);
  p.j_self();
  p.org(0x40000010);  // debug vector (level 2)
  p.rsr(10, SR_EPC2);
  p.rsr(11, SR_DEBUGCAUSE);
  p.rsr(12, SR_EPS2);
  p.rsr(13, SR_PS);
  p.j_self();
  Lx106Test t(p);
  t.from_normal_state(0x20);  // UM
  t.run_for(1000);
  EXPECT_EQ(t.a(10), at);
  EXPECT_EQ(t.a(11), 1u << 3);
  EXPECT_EQ(t.a(12), 0x20u);
  EXPECT_EQ(t.a(13), 0x20u | Lx106Cpu::kPsExcm | 2);
  EXPECT_EQ(t.a(3), 0u);

  // At PS.INTLEVEL >= 2 BREAK does nothing.
  Lx106Test u(p);
  u.from_normal_state(2);
  u.run_for(1000);
  EXPECT_EQ(u.a(3), 3u);
}

// ================================================================================================
// Interrupts
// ================================================================================================

// Level-1 interrupts go through the kernel vector with EXCCAUSE 4. The handler at 0x40000030
// records INTERRUPT and EPC1 in a10/a11, counts in a9, clears what it can and returns.
void add_interrupt_handler(Asm& p) {
  p.org(0x40000030);
  p.j(0x40000900);
  p.org(0x40000900);
  p.rsr(10, SR_INTERRUPT);
  p.rsr(11, SR_EPC1);
  p.rsr(12, SR_EXCCAUSE);
  p.addi(9, 9, 1);
  p.movi(13, -1);
  p.wsr(13, SR_INTCLEAR);
  p.rsr(13, SR_CCOUNT);
  p.wsr(13, SR_CCOMPARE0);  // clears the timer interrupt
  p.movi(13, 0x4F);          // leave levels 0..3 and 6 enabled, not the others
  p.wsr(13, SR_INTENABLE);
  p.rsr(14, SR_CCOUNT);
  p.rfe();
}

TEST(Lx106Interrupt, SoftwareInterruptMaskedByIntlevelUntilRsil) {
  Asm p(kCode);
  p.movi(9, 0);
  p.movi(2, 0x80);
  p.wsr(2, SR_INTENABLE);
  p.rsil(3, 1);             // mask level 1
  p.wsr(2, SR_INTSET);      // software interrupt 7 pending, masked
  p.movi(4, 44);
  p.rsr(5, SR_INTERRUPT);
  std::uint32_t after = p.here() + 3;
  p.rsil(6, 0);             // taken right after this instruction
  p.movi(7, 77);
  p.j_self();
  add_interrupt_handler(p);
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(2000);
  EXPECT_EQ(t.a(5) & 0x80u, 0x80u);
  EXPECT_EQ(t.a(4), 44u) << "masked interrupt taken early";
  EXPECT_EQ(t.a(9), 1u);
  EXPECT_EQ(t.a(10) & 0x80u, 0x80u);
  EXPECT_EQ(t.a(11), after);
  EXPECT_EQ(t.a(12), kLevel1InterruptCause);
  EXPECT_EQ(t.a(7), 77u);
  EXPECT_EQ(t.sr(SR_INTERRUPT) & 0x80u, 0u) << "INTCLEAR cleared it";
}

TEST(Lx106Interrupt, LevelAndEdgeInputsFromDevices) {
  Asm p(kCode);
  p.movi(9, 0);
  p.li(2, 0x0208);  // inputs 3 (level) and 9 (edge)
  p.wsr(2, SR_INTENABLE);
  p.rsil(3, 0);
  std::uint32_t loop = p.here();
  p.addi(4, 4, 1);
  p.j(loop);
  p.org(0x40000030);
  p.rsr(10, SR_INTERRUPT);
  p.addi(9, 9, 1);
  p.movi(13, 0);
  p.wsr(13, SR_INTENABLE);  // the level input stays high: mask it to return
  p.movi(13, -1);
  p.wsr(13, SR_INTCLEAR);
  p.rsr(11, SR_INTERRUPT);
  p.j_self();
  {
    Lx106Test t(p);
    t.from_normal_state();
    t.run_for(200);
    EXPECT_EQ(t.a(9), 0u);
    t.cpu().set_irq_level(3, true);  // level-triggered: INTERRUPT follows the line
    t.run_for(200);
    EXPECT_EQ(t.a(9), 1u);
    EXPECT_EQ(t.a(10) & 0x8u, 0x8u);
    EXPECT_EQ(t.a(11) & 0x8u, 0x8u) << "INTCLEAR cannot clear a level-triggered interrupt";
    t.cpu().set_irq_level(3, false);
    EXPECT_EQ(t.sr(SR_INTERRUPT) & 0x8u, 0u);
  }
  {
    Lx106Test t(p);
    t.from_normal_state();
    t.run_for(200);
    t.cpu().set_irq_level(9, true);  // edge-triggered: latched on the rising edge
    t.cpu().set_irq_level(9, false);
    t.run_for(200);
    EXPECT_EQ(t.a(9), 1u);
    EXPECT_EQ(t.a(10) & 0x200u, 0x200u);
    EXPECT_EQ(t.a(11) & 0x200u, 0u) << "INTCLEAR clears an edge-triggered interrupt";
  }
}

TEST(Lx106Interrupt, NmiTakesLevel3VectorAndRfi3Returns) {
  Asm p(kCode);
  p.rsil(3, 2);  // even at INTLEVEL 2 with nothing enabled
  std::uint32_t loop = p.here();
  p.addi(4, 4, 1);
  p.j(loop);
  p.org(0x40000020);  // NMI vector
  p.rsr(10, SR_EPC3);
  p.rsr(11, SR_EPS3);
  p.rsr(12, SR_PS);
  p.addi(9, 9, 1);
  p.rfi(3);
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(300);
  t.cpu().set_irq_level(14, true);
  t.run_for(300);
  EXPECT_EQ(t.a(9), 1u);
  EXPECT_GE(t.a(10), loop);
  EXPECT_LE(t.a(10), loop + 3);
  EXPECT_EQ(t.a(11), 2u);  // PS at the time: INTLEVEL 2
  EXPECT_EQ(t.a(12), 3u | Lx106Cpu::kPsExcm);
  EXPECT_EQ(t.sr(SR_PS), 2u) << "RFI 3 restored PS from EPS3";
  std::uint32_t before = t.a(4);
  t.run_for(300);
  EXPECT_GT(t.a(4), before) << "back in the loop";
  EXPECT_EQ(t.a(9), 1u) << "the NMI is edge-triggered: taken once";
}

TEST(Lx106Timer, CcompareInterruptAtTheMatchingCycle) {
  // CCOUNT counts the scheduler's cycles since reset; the timer interrupt is raised when it
  // reaches CCOMPARE0 and taken at the next instruction boundary.
  Asm p(kCode);
  p.movi(9, 0);
  p.movi(2, 0x40);
  p.wsr(2, SR_INTENABLE);
  p.rsr(3, SR_CCOUNT);
  p.addi(3, 3, 100);
  p.wsr(3, SR_CCOMPARE0);
  p.rsil(4, 0);
  std::uint32_t loop = p.here();
  p.add_n(5, 5, 5);
  p.j(loop);
  p.org(0x40000030);
  p.rsr(10, SR_CCOUNT);
  p.rsr(11, SR_INTERRUPT);
  p.addi(9, 9, 1);
  p.j_self();
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(1000);
  EXPECT_EQ(t.a(9), 1u);
  EXPECT_EQ(t.a(11) & 0x40u, 0x40u);
  std::uint32_t compare = t.a(3);
  // Entry is charged 3 cycles; the instruction boundary after the match is at most one loop
  // instruction (a 3-cycle taken jump) later.
  EXPECT_GE(t.a(10), compare + Lx106Cpu::kExceptionEntryCycles);
  EXPECT_LE(t.a(10), compare + Lx106Cpu::kExceptionEntryCycles + 3);
  EXPECT_EQ(t.sr(SR_CCOUNT), static_cast<std::uint32_t>(t.now())) << "CCOUNT is the cycle count";
}

TEST(Lx106Timer, WaitiSleepsUntilTheTimerMatch) {
  Asm p(kCode);
  p.movi(9, 0);
  p.movi(2, 0x40);
  p.wsr(2, SR_INTENABLE);
  p.rsr(3, SR_CCOUNT);
  p.li(6, 1000000);
  p.add(3, 3, 6);
  p.wsr(3, SR_CCOMPARE0);
  p.mov_n(8, 3);
  p.waiti(0);
  p.movi(7, 7);
  p.movi(2, 1);  // exit(0)
  p.movi(3, 0);
  p.simcall();
  add_interrupt_handler(p);
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(500);
  EXPECT_TRUE(t.cpu().waiting());
  std::uint64_t insns = t.cpu().instructions();
  EXPECT_EQ(t.run_for(2'000'000).reason, StopReason::exit);
  EXPECT_EQ(t.a(9), 1u);
  EXPECT_EQ(t.a(7), 7u);
  EXPECT_LT(t.cpu().instructions() - insns, 200u) << "WAITI must not spin";
  // a14 = CCOUNT read in the handler, 13 instructions after the vector; a8 = CCOMPARE0.
  EXPECT_GE(t.a(14), t.a(8) + Lx106Cpu::kExceptionEntryCycles + 13);
  EXPECT_LE(t.a(14), t.a(8) + 30);
}

// ================================================================================================
// Cycles, determinism, semihosting
// ================================================================================================

TEST(Lx106Cycles, OneCyclePerInstructionPlusTakenBranchPenalty) {
  Asm p(kCode);
  p.rsr(2, SR_CCOUNT);
  for (int i = 0; i < 10; ++i) p.add(4, 4, 4);
  p.rsr(3, SR_CCOUNT);
  p.movi(5, 3);
  std::uint32_t loop = p.here();
  p.addi(5, 5, -1);
  p.bz(1, 5, loop);  // BNEZ: taken twice, not taken once
  p.rsr(6, SR_CCOUNT);
  p.j_self();
  Lx106Test t(p);
  t.run_for(500);
  EXPECT_EQ(t.a(3) - t.a(2), 11u);  // 10 ADDs + the RSR itself
  // movi + 3 x (addi + bnez) + 2 taken-branch penalties + the RSR
  EXPECT_EQ(t.a(6) - t.a(3), 1u + 6u + 2u * Lx106Cpu::kTakenBranchPenalty + 1u);
}

TEST(Lx106Cycles, LoadUseInterlock) {
  Asm p(kCode);
  p.li(2, kDram);
  p.rsr(5, SR_CCOUNT);
  p.l32i(3, 2, 0);
  p.add(4, 2, 2);   // independent of the load: no stall
  p.rsr(6, SR_CCOUNT);
  p.l32i(3, 2, 0);
  p.add(4, 3, 3);   // uses the loaded register right away: 1 stall cycle
  p.rsr(7, SR_CCOUNT);
  p.j_self();
  Lx106Test t(p);
  t.run_for(500);
  EXPECT_EQ(t.a(6) - t.a(5), 3u);
  EXPECT_EQ(t.a(7) - t.a(6), 3u + Lx106Cpu::kLoadUseStall);
}

TEST(Lx106Cycles, SameProgramSameCyclesWhateverTheSliceLengths) {
  Asm p(kCode);
  p.movi(9, 0);
  p.movi(2, 0x40);
  p.wsr(2, SR_INTENABLE);
  p.rsr(3, SR_CCOUNT);
  p.movi(6, 700);
  p.add(3, 3, 6);
  p.wsr(3, SR_CCOMPARE0);
  p.rsil(4, 0);
  p.li(5, 3000);
  std::uint32_t loop = p.here();
  p.addi(5, 5, -1);
  p.bz(1, 5, loop);
  p.rsr(6, SR_CCOUNT);
  p.movi(2, 1);
  p.movi(3, 0);
  p.simcall();
  add_interrupt_handler(p);
  auto run = [&](Cycles slice) {
    Lx106Test t(p);
    t.from_normal_state();
    RunResult r;
    do r = t.run_for(slice);
    while (r.reason == StopReason::time_limit);
    EXPECT_EQ(r.reason, StopReason::exit);
    return std::vector<std::uint64_t>{t.now(), t.cpu().instructions(), t.a(6), t.a(14), t.a(9)};
  };
  auto reference = run(1'000'000);
  EXPECT_EQ(reference[4], 1u);
  EXPECT_EQ(run(7), reference);
  EXPECT_EQ(run(1), reference);
  EXPECT_EQ(run(333), reference);
}

TEST(Lx106Simcall, WriteAndExitAsQemu) {
  Asm p(kCode);
  p.j(kCode + 16);
  p.org(kCode + 4);
  p.data32(0x6C6C6568);  // "hell"
  p.data32(0x00000A6F);  // "o\n"
  p.org(kCode + 16);
  p.movi(2, 4);          // write
  p.movi(3, 1);          // fd 1
  p.li(4, kCode + 4);
  p.movi(5, 6);
  p.simcall();
  p.mov_n(8, 2);         // bytes written
  p.mov_n(9, 3);         // errno
  p.movi(2, 99);         // unknown call: -1, ENOSYS
  p.simcall();
  p.mov_n(10, 2);
  p.mov_n(11, 3);
  p.movi(2, 1);          // exit(3)
  p.movi(3, 3);
  p.simcall();
  p.movi(12, 12);        // never runs
  Lx106Test t(p);
  RunResult r = t.run_for(10000);
  EXPECT_EQ(r.reason, StopReason::exit);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(t.console(), "1:hello\n");
  EXPECT_EQ(t.a(8), 6u);
  EXPECT_EQ(t.a(9), 0u);
  EXPECT_EQ(t.a(10), 0xFFFFFFFFu);
  EXPECT_EQ(t.a(11), XtensaSimcall::kENOSYS);
  EXPECT_EQ(t.a(12), 0u);
}

// A board without semihosting (the ESP8266: no simulator) treats SIMCALL as QEMU does without
// -semihosting: IllegalInstruction, and the host is never asked, not even for the console.
TEST(Lx106Simcall, IllegalWhenTheBoardHasNoSemihosting) {
  Asm p(kCode);
  p.movi(2, 4);  // write(1, kCode, 4)
  p.movi(3, 1);
  p.li(4, kCode);
  p.movi(5, 4);
  std::uint32_t at = p.here();
  p.simcall();
  p.movi(2, 1);  // exit(0), equally refused
  p.simcall();
  add_record_handler(p);
  Lx106Test t(p, UnmappedPolicy::bus_fault, /*semihosting=*/false);
  t.from_normal_state();
  RunResult r = t.run_for(1000);
  EXPECT_EQ(r.reason, StopReason::time_limit);
  EXPECT_EQ(t.a(10), kIllegalInstructionCause);
  EXPECT_EQ(t.a(11), at);
  EXPECT_EQ(t.a(2), 4u);  // untouched: no call was made
  EXPECT_EQ(t.console(), "");
}

TEST(Lx106SpecialRegisters, UnknownOrWrongDirectionIsIllegal) {
  Asm p(kCode);
  std::uint32_t at = p.here();
  p.rsr(2, 100);  // no such special register
  p.j_self();
  add_record_handler(p);
  Lx106Test t(p);
  t.from_normal_state();
  t.run_for(500);
  EXPECT_EQ(t.a(10), kIllegalInstructionCause);
  EXPECT_EQ(t.a(11), at);

  std::uint32_t v = 0;
  EXPECT_FALSE(t.cpu().read_sr(SR_INTCLEAR, &v));  // write-only
  EXPECT_FALSE(t.cpu().write_sr(SR_PRID, 1));      // read-only
  EXPECT_TRUE(t.cpu().write_sr(SR_SAR, 0xFF));
  EXPECT_EQ(t.sr(SR_SAR), 0x3Fu);
  EXPECT_TRUE(t.cpu().write_sr(SR_PS, 0xFFFFFFFF));
  EXPECT_EQ(t.sr(SR_PS), Lx106Cpu::kPsWriteMask);
  EXPECT_TRUE(t.cpu().write_sr(SR_LITBASE, 0xFFFFFFFF));
  EXPECT_EQ(t.sr(SR_LITBASE), 0xFFFFF001u);
}

}  // namespace

namespace {

TEST(Lx106Board, LxSimBoardFileStartsAtTheResetVector) {
  // boards/lx106-sim.yaml reproduces QEMU's `-M sim -cpu lx106`: the run starts at 0x50000000
  // whatever the ELF entry point is, and the core is its own interrupt controller.
  BoardDesc b = boardemu::load_board_file(std::string(BOARDEMU_SOURCE_DIR) + "/boards/lx106-sim.yaml");
  EXPECT_EQ(b.cpu_arch, "lx106");
  ASSERT_TRUE(b.reset_vector.has_value());
  EXPECT_EQ(*b.reset_vector, 0x50000000u);
  EXPECT_EQ(b.interrupt_controller, "cpu");
  Machine m(b);
  Asm p(0x50000000);
  p.movi(2, 1);  // exit(42)
  p.movi(3, 42);
  p.simcall();
  for (const auto& s : p.segments()) ASSERT_TRUE(m.bus().write_block(s.addr, s.bytes.data(), s.bytes.size()));
  auto& cpu = dynamic_cast<Lx106Cpu&>(m.cpu());
  cpu.set_entry(0x40100000);  // ignored: the board has a reset vector
  m.reset();
  EXPECT_EQ(cpu.pc(), 0x50000000u);
  RunResult r = m.run(1000);
  EXPECT_EQ(r.reason, StopReason::exit);
  EXPECT_EQ(r.exit_code, 42);
  std::uint32_t v = 0;
  EXPECT_TRUE(cpu.read_sr(SR_CONFIGID0, &v));
  EXPECT_EQ(v, Lx106Cpu::kConfigId0);
  EXPECT_EQ(cpu.read_sr(SR_VECBASE, &v) ? v : 0, 0x40000000u);
  EXPECT_EQ(cpu.read_sr(SR_PS, &v) ? v : 0, 0x1Fu);
}

TEST(Lx106Board, ResetVectorFieldIsValidated) {
  namespace fs = std::filesystem;
  fs::path path = fs::temp_directory_path() / ("boardemu-lx106-board-" + std::to_string(::getpid()) + ".yaml");
  auto error_of = [&](const std::string& cpu_lines) -> std::string {
    std::ofstream(path) << "name: x\ncpu:\n" << cpu_lines
                        << "memory:\n  - {name: ram, base: 0x40000000, size: 0x1000, kind: ram}\n";
    try {
      boardemu::load_board_file(path.string());
    } catch (const boardemu::BoardError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of("  arch: lx106\n  clock_hz: 80000000\n  reset_vector: 0x50000000\n  interrupt_controller: cpu\n"), "");
  std::string e = error_of("  arch: cortex-m3\n  clock_hz: 25000000\n  reset_vector: 0x100\n");
  EXPECT_NE(e.find(":5: cpu.reset_vector: "), std::string::npos) << e;
  e = error_of("  arch: lx106\n  clock_hz: 80000000\n  reset_vector: 0x100000000\n");
  EXPECT_NE(e.find("cpu.reset_vector"), std::string::npos) << e;
  e = error_of("  arch: lx106\n  clock_hz: 80000000\n  interrupt_controller: pic\n");
  EXPECT_NE(e.find("no peripheral named \"pic\""), std::string::npos) << e;
  fs::remove(path);
}

TEST(Lx106Board, WithoutResetVectorTheElfEntryIsUsed) {
  BoardDesc b = test_board();
  b.reset_vector.reset();
  Machine m(b);
  auto& cpu = dynamic_cast<Lx106Cpu&>(m.cpu());
  cpu.set_entry(0x40001234);
  m.reset();
  EXPECT_EQ(cpu.pc(), 0x40001234u);
}

TEST(Lx106Memory, HostWritesDropDecodedInstructions) {
  Asm p(kCode);
  p.movi(5, 1);
  p.j_self();
  Lx106Test t(p);
  t.run_for(100);
  EXPECT_EQ(t.a(5), 1u);
  // Rewrite `movi a5, 1` behind the CPU's back, as a device or debugger would, and rerun it.
  std::uint32_t w = Asm::rri8(2, 5, 0, 10, 9);
  std::uint8_t bytes[3] = {static_cast<std::uint8_t>(w), static_cast<std::uint8_t>(w >> 8),
                           static_cast<std::uint8_t>(w >> 16)};
  ASSERT_TRUE(t.machine().bus().write_block(kCode, bytes, 3));
  t.cpu().host_wrote(kCode, 3);
  t.cpu().set_pc(kCode);
  t.run_for(100);
  EXPECT_EQ(t.a(5), 9u);
}

}  // namespace
