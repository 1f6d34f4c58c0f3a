// SiFive E31 instruction timing (E31 Core Complex Manual 3.2 "Instruction Fetch Unit", 3.3
// "Execution Pipeline"). See rv32_cycle_model.hpp for the modelling decisions.
//
// Decoding is table-driven: one line per instruction (or instruction class) with its bit
// pattern as written in the RISC-V ISA manual's opcode map ('0'/'1' fixed, '.' any; spaces
// separate fields and mean nothing), what it costs, and which registers it reads and writes.
// The first matching line wins, so reserved encodings are listed before the instruction they
// would otherwise match.
#include "riscv/rv32_cycle_model.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace boardemu::riscv {

namespace {

// ---------------------------------------------------------------------------------------------
// Instruction classes: everything with the same timing rule.

enum class Op : std::uint8_t {
  illegal,       // reserved or unsupported encoding: ends decoding
  alu,           // RV32I computational, LUI, AUIPC (and the RVC forms of them)
  load_word,     // LW, C.LW, C.LWSP
  load_subword,  // LB, LH, LBU, LHU
  store,         // SB, SH, SW, C.SW, C.SWSP
  multiply,      // MUL, MULH, MULHSU, MULHU
  divide,        // DIV, DIVU, REM, REMU
  branch,        // BEQ..BGEU, C.BEQZ, C.BNEZ
  jal,           // JAL, C.J, C.JAL
  jalr,          // JALR, C.JR, C.JALR
  csr,           // CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI
  fence,         // FENCE
  fence_i,       // FENCE.I
  trap,          // ECALL, EBREAK, C.EBREAK
  mret,          // MRET
  wfi,           // WFI
  load_reserved,       // LR.W
  store_conditional,   // SC.W
  amo,                 // AMOSWAP.W, AMOADD.W, ... AMOMAXU.W
};

// ---------------------------------------------------------------------------------------------
// Bit patterns, parsed at compile time.

struct Pattern {
  std::uint32_t mask = 0;
  std::uint32_t match = 0;
};

// A malformed pattern (a stray character, the wrong number of bits) is not a constant
// expression and stops the build.
consteval Pattern bits(std::string_view text, unsigned width) {
  Pattern p;
  unsigned n = 0;
  for (char c : text) {
    if (c == ' ') continue;
    if (c != '0' && c != '1' && c != '.') throw "pattern: use 0, 1, . and spaces";
    p.mask = (p.mask << 1) | (c == '.' ? 0u : 1u);
    p.match = (p.match << 1) | (c == '1' ? 1u : 0u);
    ++n;
  }
  if (n != width) throw "pattern: wrong number of bits";
  return p;
}

// ---------------------------------------------------------------------------------------------
// 32-bit instructions (ISA manual, RV32I/M/A, Zicsr, Zifencei; privileged: MRET, WFI).

// Which of the standard register fields an encoding uses: rd [11:7], rs1 [19:15], rs2 [24:20].
enum class Form : std::uint8_t {
  r,        // rd, rs1, rs2
  i,        // rd, rs1
  s,        // rs1, rs2 (stores; branches are b)
  b,        // rs1, rs2, and a B-type offset
  u,        // rd
  j,        // rd
  csr_reg,  // rd, rs1, csr [31:20]
  csr_imm,  // rd, csr; the rs1 field is an immediate
  none,
};

struct Line32 {
  Pattern pattern;
  Op op;
  Form form;
  const char* name;
};

consteval Line32 line(std::string_view pattern, Op op, Form form, const char* name) {
  return {bits(pattern, 32), op, form, name};
}

//            funct7  rs2   rs1  f3   rd   opcode
constexpr Line32 kTable32[] = {
    line("....... ..... ..... ... ..... 0110111", Op::alu, Form::u, "lui"),
    line("....... ..... ..... ... ..... 0010111", Op::alu, Form::u, "auipc"),
    line("....... ..... ..... ... ..... 1101111", Op::jal, Form::j, "jal"),
    line("....... ..... ..... 000 ..... 1100111", Op::jalr, Form::i, "jalr"),
    line("....... ..... ..... 000 ..... 1100011", Op::branch, Form::b, "beq"),
    line("....... ..... ..... 001 ..... 1100011", Op::branch, Form::b, "bne"),
    line("....... ..... ..... 100 ..... 1100011", Op::branch, Form::b, "blt"),
    line("....... ..... ..... 101 ..... 1100011", Op::branch, Form::b, "bge"),
    line("....... ..... ..... 110 ..... 1100011", Op::branch, Form::b, "bltu"),
    line("....... ..... ..... 111 ..... 1100011", Op::branch, Form::b, "bgeu"),
    line("....... ..... ..... 000 ..... 0000011", Op::load_subword, Form::i, "lb"),
    line("....... ..... ..... 001 ..... 0000011", Op::load_subword, Form::i, "lh"),
    line("....... ..... ..... 010 ..... 0000011", Op::load_word, Form::i, "lw"),
    line("....... ..... ..... 100 ..... 0000011", Op::load_subword, Form::i, "lbu"),
    line("....... ..... ..... 101 ..... 0000011", Op::load_subword, Form::i, "lhu"),
    line("....... ..... ..... 000 ..... 0100011", Op::store, Form::s, "sb"),
    line("....... ..... ..... 001 ..... 0100011", Op::store, Form::s, "sh"),
    line("....... ..... ..... 010 ..... 0100011", Op::store, Form::s, "sw"),
    line("....... ..... ..... 000 ..... 0010011", Op::alu, Form::i, "addi"),
    line("....... ..... ..... 010 ..... 0010011", Op::alu, Form::i, "slti"),
    line("....... ..... ..... 011 ..... 0010011", Op::alu, Form::i, "sltiu"),
    line("....... ..... ..... 100 ..... 0010011", Op::alu, Form::i, "xori"),
    line("....... ..... ..... 110 ..... 0010011", Op::alu, Form::i, "ori"),
    line("....... ..... ..... 111 ..... 0010011", Op::alu, Form::i, "andi"),
    line("0000000 ..... ..... 001 ..... 0010011", Op::alu, Form::i, "slli"),
    line("0000000 ..... ..... 101 ..... 0010011", Op::alu, Form::i, "srli"),
    line("0100000 ..... ..... 101 ..... 0010011", Op::alu, Form::i, "srai"),
    line("0000000 ..... ..... 000 ..... 0110011", Op::alu, Form::r, "add"),
    line("0100000 ..... ..... 000 ..... 0110011", Op::alu, Form::r, "sub"),
    line("0000000 ..... ..... 001 ..... 0110011", Op::alu, Form::r, "sll"),
    line("0000000 ..... ..... 010 ..... 0110011", Op::alu, Form::r, "slt"),
    line("0000000 ..... ..... 011 ..... 0110011", Op::alu, Form::r, "sltu"),
    line("0000000 ..... ..... 100 ..... 0110011", Op::alu, Form::r, "xor"),
    line("0000000 ..... ..... 101 ..... 0110011", Op::alu, Form::r, "srl"),
    line("0100000 ..... ..... 101 ..... 0110011", Op::alu, Form::r, "sra"),
    line("0000000 ..... ..... 110 ..... 0110011", Op::alu, Form::r, "or"),
    line("0000000 ..... ..... 111 ..... 0110011", Op::alu, Form::r, "and"),
    line("0000001 ..... ..... 000 ..... 0110011", Op::multiply, Form::r, "mul"),
    line("0000001 ..... ..... 001 ..... 0110011", Op::multiply, Form::r, "mulh"),
    line("0000001 ..... ..... 010 ..... 0110011", Op::multiply, Form::r, "mulhsu"),
    line("0000001 ..... ..... 011 ..... 0110011", Op::multiply, Form::r, "mulhu"),
    line("0000001 ..... ..... 100 ..... 0110011", Op::divide, Form::r, "div"),
    line("0000001 ..... ..... 101 ..... 0110011", Op::divide, Form::r, "divu"),
    line("0000001 ..... ..... 110 ..... 0110011", Op::divide, Form::r, "rem"),
    line("0000001 ..... ..... 111 ..... 0110011", Op::divide, Form::r, "remu"),
    line("....... ..... ..... 000 ..... 0001111", Op::fence, Form::none, "fence"),
    line("....... ..... ..... 001 ..... 0001111", Op::fence_i, Form::none, "fence.i"),
    line("0000000 00000 00000 000 00000 1110011", Op::trap, Form::none, "ecall"),
    line("0000000 00001 00000 000 00000 1110011", Op::trap, Form::none, "ebreak"),
    line("0011000 00010 00000 000 00000 1110011", Op::mret, Form::none, "mret"),
    line("0001000 00101 00000 000 00000 1110011", Op::wfi, Form::none, "wfi"),
    line("....... ..... ..... 001 ..... 1110011", Op::csr, Form::csr_reg, "csrrw"),
    line("....... ..... ..... 010 ..... 1110011", Op::csr, Form::csr_reg, "csrrs"),
    line("....... ..... ..... 011 ..... 1110011", Op::csr, Form::csr_reg, "csrrc"),
    line("....... ..... ..... 101 ..... 1110011", Op::csr, Form::csr_imm, "csrrwi"),
    line("....... ..... ..... 110 ..... 1110011", Op::csr, Form::csr_imm, "csrrsi"),
    line("....... ..... ..... 111 ..... 1110011", Op::csr, Form::csr_imm, "csrrci"),
    line("00010.. 00000 ..... 010 ..... 0101111", Op::load_reserved, Form::r, "lr.w"),
    line("00011.. ..... ..... 010 ..... 0101111", Op::store_conditional, Form::r, "sc.w"),
    line("00001.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amoswap.w"),
    line("00000.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amoadd.w"),
    line("00100.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amoxor.w"),
    line("01100.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amoand.w"),
    line("01000.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amoor.w"),
    line("10000.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amomin.w"),
    line("10100.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amomax.w"),
    line("11000.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amominu.w"),
    line("11100.. ..... ..... 010 ..... 0101111", Op::amo, Form::r, "amomaxu.w"),
};

// ---------------------------------------------------------------------------------------------
// 16-bit instructions (ISA manual, "C" Standard Extension, RV32C without the F/D forms, which
// the E31 lacks). Each line names the registers of its 32-bit expansion.

// Where a register of the expansion comes from.
enum class Reg : std::uint8_t {
  none,  // not used (or x0)
  x1,    // ra, implied (C.JAL, C.JALR)
  x2,    // sp, implied (C.ADDI4SPN, C.ADDI16SP, C.LWSP, C.SWSP)
  f11,   // rd/rs1 [11:7]
  f6,    // rs2 [6:2]
  p9,    // rd'/rs1' [9:7], x8..x15
  p4,    // rd'/rs2' [4:2], x8..x15
};

struct Line16 {
  Pattern pattern;
  Op op;
  Reg rd, rs1, rs2;
  const char* name;
};

consteval Line16 cline(std::string_view pattern, Op op, Reg rd, Reg rs1, Reg rs2,
                       const char* name) {
  return {bits(pattern, 16), op, rd, rs1, rs2, name};
}

using R = Reg;
//            f3  fields             op  (expansion)              rd      rs1     rs2
constexpr Line16 kTable16[] = {
    // Quadrant 0. An all-zero parcel is the defined illegal instruction; C.ADDI4SPN with a zero
    // immediate is reserved.
    cline("000 00000000 ... 00", Op::illegal, R::none, R::none, R::none, "c.addi4spn (0)"),
    cline("000 ........ ... 00", Op::alu, R::p4, R::x2, R::none, "c.addi4spn"),
    cline("010 ... ... .. ... 00", Op::load_word, R::p4, R::p9, R::none, "c.lw"),
    cline("110 ... ... .. ... 00", Op::store, R::none, R::p9, R::p4, "c.sw"),
    // Quadrant 1.
    cline("000 . ..... ..... 01", Op::alu, R::f11, R::f11, R::none, "c.addi / c.nop"),
    cline("001 ........... 01", Op::jal, R::x1, R::none, R::none, "c.jal"),
    cline("010 . ..... ..... 01", Op::alu, R::f11, R::none, R::none, "c.li"),
    cline("011 0 00010 00000 01", Op::illegal, R::none, R::none, R::none, "c.addi16sp (0)"),
    cline("011 . 00010 ..... 01", Op::alu, R::x2, R::x2, R::none, "c.addi16sp"),
    cline("011 0 ..... 00000 01", Op::illegal, R::none, R::none, R::none, "c.lui (0)"),
    cline("011 . ..... ..... 01", Op::alu, R::f11, R::none, R::none, "c.lui"),
    // RV32C: shift amounts with bit 12 set are reserved, and so are C.SUBW/C.ADDW (bit 12 set).
    cline("100 0 00 ... ..... 01", Op::alu, R::p9, R::p9, R::none, "c.srli"),
    cline("100 0 01 ... ..... 01", Op::alu, R::p9, R::p9, R::none, "c.srai"),
    cline("100 . 10 ... ..... 01", Op::alu, R::p9, R::p9, R::none, "c.andi"),
    cline("100 0 11 ... 00 ... 01", Op::alu, R::p9, R::p9, R::p4, "c.sub"),
    cline("100 0 11 ... 01 ... 01", Op::alu, R::p9, R::p9, R::p4, "c.xor"),
    cline("100 0 11 ... 10 ... 01", Op::alu, R::p9, R::p9, R::p4, "c.or"),
    cline("100 0 11 ... 11 ... 01", Op::alu, R::p9, R::p9, R::p4, "c.and"),
    cline("101 ........... 01", Op::jal, R::none, R::none, R::none, "c.j"),
    cline("110 ... ... ..... 01", Op::branch, R::none, R::p9, R::none, "c.beqz"),
    cline("111 ... ... ..... 01", Op::branch, R::none, R::p9, R::none, "c.bnez"),
    // Quadrant 2.
    cline("000 0 ..... ..... 10", Op::alu, R::f11, R::f11, R::none, "c.slli"),
    cline("010 . 00000 ..... 10", Op::illegal, R::none, R::none, R::none, "c.lwsp (x0)"),
    cline("010 . ..... ..... 10", Op::load_word, R::f11, R::x2, R::none, "c.lwsp"),
    cline("100 0 00000 00000 10", Op::illegal, R::none, R::none, R::none, "c.jr (x0)"),
    cline("100 0 ..... 00000 10", Op::jalr, R::none, R::f11, R::none, "c.jr"),
    cline("100 0 ..... ..... 10", Op::alu, R::f11, R::none, R::f6, "c.mv"),
    cline("100 1 00000 00000 10", Op::trap, R::none, R::none, R::none, "c.ebreak"),
    cline("100 1 ..... 00000 10", Op::jalr, R::x1, R::f11, R::none, "c.jalr"),
    cline("100 1 ..... ..... 10", Op::alu, R::f11, R::f11, R::f6, "c.add"),
    cline("110 . ..... ..... 10", Op::store, R::none, R::x2, R::f6, "c.swsp"),
};

// ---------------------------------------------------------------------------------------------
// Decoding.

struct Instruction {
  Op op = Op::illegal;
  std::uint8_t length = 0;  // bytes
  // Registers read and written (0 where none: x0 never makes anyone wait).
  std::uint8_t rd = 0, rs1 = 0, rs2 = 0;
  std::int32_t branch_offset = 0;  // conditional branches
  // CSR instructions.
  std::uint16_t csr = 0;
  std::uint8_t funct3 = 0;
  std::uint8_t rs1_field = 0;
};

std::int32_t sign_extend(std::uint32_t value, unsigned width) {
  const std::uint32_t sign = 1u << (width - 1);
  return static_cast<std::int32_t>((value ^ sign) - sign);
}

std::uint32_t field(std::uint32_t word, unsigned lo, unsigned width) {
  return (word >> lo) & ((1u << width) - 1);
}

Instruction decode32(std::uint32_t w) {
  Instruction insn;
  insn.length = 4;
  const Line32* hit = nullptr;
  for (const Line32& l : kTable32) {
    if ((w & l.pattern.mask) == l.pattern.match) {
      hit = &l;
      break;
    }
  }
  if (hit == nullptr) return insn;
  insn.op = hit->op;
  const auto rd = static_cast<std::uint8_t>(field(w, 7, 5));
  const auto rs1 = static_cast<std::uint8_t>(field(w, 15, 5));
  const auto rs2 = static_cast<std::uint8_t>(field(w, 20, 5));
  switch (hit->form) {
    case Form::r: insn.rd = rd; insn.rs1 = rs1; insn.rs2 = rs2; break;
    case Form::i: insn.rd = rd; insn.rs1 = rs1; break;
    case Form::s: insn.rs1 = rs1; insn.rs2 = rs2; break;
    case Form::b:
      insn.rs1 = rs1;
      insn.rs2 = rs2;
      // B-type immediate: imm[12|10:5] in [31:25], imm[4:1|11] in [11:7].
      insn.branch_offset = sign_extend((field(w, 31, 1) << 12) | (field(w, 7, 1) << 11) |
                                           (field(w, 25, 6) << 5) | (field(w, 8, 4) << 1),
                                       13);
      break;
    case Form::u:
    case Form::j: insn.rd = rd; break;
    case Form::csr_reg:
    case Form::csr_imm:
      insn.rd = rd;
      insn.rs1 = hit->form == Form::csr_reg ? rs1 : 0;
      insn.csr = static_cast<std::uint16_t>(field(w, 20, 12));
      insn.funct3 = static_cast<std::uint8_t>(field(w, 12, 3));
      insn.rs1_field = rs1;
      break;
    case Form::none: break;
  }
  return insn;
}

std::uint8_t reg16(Reg r, std::uint16_t h) {
  switch (r) {
    case Reg::none: return 0;
    case Reg::x1: return 1;
    case Reg::x2: return 2;
    case Reg::f11: return static_cast<std::uint8_t>(field(h, 7, 5));
    case Reg::f6: return static_cast<std::uint8_t>(field(h, 2, 5));
    case Reg::p9: return static_cast<std::uint8_t>(8 + field(h, 7, 3));
    case Reg::p4: return static_cast<std::uint8_t>(8 + field(h, 2, 3));
  }
  return 0;
}

Instruction decode16(std::uint16_t h) {
  Instruction insn;
  insn.length = 2;
  for (const Line16& l : kTable16) {
    if ((h & l.pattern.mask) != l.pattern.match) continue;
    insn.op = l.op;
    insn.rd = reg16(l.rd, h);
    insn.rs1 = reg16(l.rs1, h);
    insn.rs2 = reg16(l.rs2, h);
    if (l.op == Op::branch) {
      // CB-format offset: offset[8|4:3] in [12:10], offset[7:6|2:1|5] in [6:2].
      insn.branch_offset = sign_extend((field(h, 12, 1) << 8) | (field(h, 5, 2) << 6) |
                                           (field(h, 2, 1) << 5) | (field(h, 10, 2) << 3) |
                                           (field(h, 3, 2) << 1),
                                       9);
    }
    return insn;
  }
  return insn;  // no line: an encoding the E31 does not implement (C.FLW, C.FSD, ...)
}

// Decodes the instruction at code[0, size). Instructions whose length the buffer does not hold
// come back illegal, with `length` 0.
Instruction decode(const std::uint8_t* code, std::size_t size) {
  if (size < 2) return {};
  const std::uint16_t low = static_cast<std::uint16_t>(code[0] | (code[1] << 8));
  if ((low & 0x3) != 0x3) return decode16(low);
  // ISA manual, "Base Instruction-Length Encoding": bits [4:2] all set mean 48 bits or more,
  // which no RV32IMAC instruction uses.
  if ((low & 0x1c) == 0x1c || size < 4) return {};
  const std::uint32_t word = low | (static_cast<std::uint32_t>(code[2]) << 16) |
                             (static_cast<std::uint32_t>(code[3]) << 24);
  return decode32(word);
}

// ---------------------------------------------------------------------------------------------
// Timing rules.

bool is_link(std::uint8_t reg) { return reg == 1 || reg == 5; }

bool is_counter_csr(std::uint16_t csr) {
  switch (csr) {
    case 0xC00: case 0xC01: case 0xC02:  // cycle, time, instret
    case 0xC80: case 0xC81: case 0xC82:  // cycleh, timeh, instreth
    case 0xB00: case 0xB02:              // mcycle, minstret
    case 0xB80: case 0xB82:              // mcycleh, minstreth
      return true;
    default:
      return false;
  }
}

struct Cost {
  std::uint32_t issue = 1;    // cycles before the next instruction can issue
  std::uint32_t latency = 1;  // cycles from issue until rd can be read
  std::uint32_t redirect = 0;       // misprediction penalty always paid
  std::uint32_t taken_penalty = 0;  // misprediction penalty paid only if the branch is taken
  bool muldiv = false;              // occupies the multiply/divide unit for `latency` cycles
  std::uint16_t data_accesses = 0;
};

Cost cost_of(const Instruction& insn) {
  Cost c;
  switch (insn.op) {
    case Op::illegal:
    case Op::alu:
      // 3.3: "fully bypassed so that most instructions have a one-cycle result latency".
      break;
    case Op::load_word:
      c.latency = e31::kLoadWordLatency;  // 3.3: LW "two-cycle result latency"
      c.data_accesses = 1;
      break;
    case Op::load_subword:
      c.latency = e31::kLoadSubwordLatency;  // 3.3: LH, LHU, LB, LBU "three-cycle"
      c.data_accesses = 1;
      break;
    case Op::store:
      c.data_accesses = 1;  // no result: one issue cycle
      break;
    case Op::multiply:
      c.latency = e31::kMultiplyLatency;  // 3.3: "5-cycle result latency"
      c.muldiv = true;
      break;
    case Op::divide:
      c.latency = e31::kDivideLatency;  // 3.3: "between a 2-cycle and 33-cycle"
      c.muldiv = true;
      break;
    case Op::branch:
      // 3.2: a misprediction costs three cycles. Backward branches (loops) are taken to be
      // predicted taken and cost nothing extra; forward branches predicted not taken, so only
      // taking them costs the penalty.
      if (insn.branch_offset > 0) c.taken_penalty = e31::kMispredictPenalty;
      break;
    case Op::jal:
      // Fixed target, predicted by the BTB (3.2): one cycle, the link written like an ALU result.
      break;
    case Op::jalr:
      // ISA 2.5, Table 2.1: a JALR with rd or rs1 a link register (x1/x5) pushes or pops the
      // return-address stack; the E31's RAS predicts returns and its BTB the (usually fixed)
      // target of calls. An indirect jump through any other register is taken to be
      // mispredicted (3.2: "three-cycle penalty").
      if (!is_link(insn.rd) && !is_link(insn.rs1)) c.redirect = e31::kMispredictPenalty;
      break;
    case Op::csr:
      c.latency = e31::kCsrReadLatency;  // 3.3: "CSR reads have a three-cycle result latency"
      break;
    case Op::fence:
    case Op::wfi:
    case Op::trap:
      // Not in the manual; one issue cycle each. FENCE: an in-order single-issue core with
      // nothing for this model to drain. WFI: the sleep is the interrupt model's business.
      // ECALL/EBREAK: the redirect to mtvec is trap entry, which the CPU backend charges
      // (Rv32Cpu::kTrapEntryCycles).
      break;
    case Op::fence_i:
    case Op::mret:
      // Fetch restarts where no predictor looks (FENCE.I: at the next instruction, refetched;
      // MRET: at mepc): the 3.2 misprediction penalty.
      c.redirect = e31::kMispredictPenalty;
      break;
    case Op::load_reserved:
    case Op::store_conditional:
      c.latency = e31::kLoadWordLatency;  // see e31::kAmoIssueCycles
      c.data_accesses = 1;
      break;
    case Op::amo:
      c.issue = e31::kAmoIssueCycles;
      c.latency = e31::kLoadWordLatency;
      c.data_accesses = 2;
      break;
  }
  return c;
}

// The in-order pipeline of 3.3 as a scoreboard: when the next instruction may issue, and from
// which cycle each register's pending result can be read.
class Pipeline {
 public:
  // Issues `insn` and returns the cycle it issued in.
  std::uint32_t issue(const Instruction& insn, const Cost& c) {
    // 3.3: "The pipeline only interlocks on read-after-write and write-after-write hazards":
    // wait for what rs1/rs2 read and for an older write to rd still in flight.
    std::uint32_t at = std::max({now_, ready_[insn.rs1], ready_[insn.rs2], ready_[insn.rd]});
    // 3.3: "The multiplier can only execute one operation at a time and will block until the
    // previous operation completes."
    if (c.muldiv) at = std::max(at, muldiv_free_);
    now_ = at + c.issue + c.redirect;
    if (insn.rd != 0) ready_[insn.rd] = at + c.latency;
    if (c.muldiv) muldiv_free_ = at + c.latency;
    return at;
  }

  // The next instruction's issue cycle.
  std::uint32_t now() const { return now_; }
  // The first cycle by which every pending result is available.
  std::uint32_t settled() const {
    return std::max(now_, *std::max_element(ready_.begin(), ready_.end()));
  }
  // The same after a further `penalty` cycles of refetching, which overlap the wait.
  std::uint32_t settled_after(std::uint32_t penalty) const {
    return std::max(now_ + penalty, settled());
  }

 private:
  std::uint32_t now_ = 0;
  std::array<std::uint32_t, 32> ready_{};
  std::uint32_t muldiv_free_ = 0;
};

std::uint16_t saturating_add(std::uint16_t a, std::uint32_t b) {
  const std::uint32_t sum = a + b;
  return sum > 0xFFFFu ? std::uint16_t{0xFFFF} : static_cast<std::uint16_t>(sum);
}

}  // namespace

BlockTiming Rv32CycleModel::block_timing(const std::uint8_t* code, std::size_t size,
                                         std::uint32_t address) const {
  BlockTiming t;
  t.fallthrough = address;
  if (code == nullptr || size == 0) return t;

  Pipeline pipe;
  std::size_t pos = 0;
  std::uint32_t final_taken_penalty = 0;  // of the last instruction, if a conditional branch
  // Each decoded instruction consumes 2 or 4 bytes, so this ends after at most size/2 rounds.
  while (pos < size) {
    const Instruction insn = decode(code + pos, size - pos);
    if (insn.op == Op::illegal) break;
    const Cost c = cost_of(insn);
    const std::uint32_t issued = pipe.issue(insn, c);
    if (insn.op == Op::csr && is_counter_csr(insn.csr)) {
      t.counter_reads.push_back({static_cast<std::uint32_t>(pos), insn.csr, insn.rd,
                                 insn.rs1_field, insn.funct3, issued});
    }
    final_taken_penalty = c.taken_penalty;
    t.instructions = saturating_add(t.instructions, 1);
    t.data_accesses = saturating_add(t.data_accesses, c.data_accesses);
    pos += insn.length;
  }

  if (pos < size) {
    // Undecodable bytes (or a truncated 32-bit instruction): one cycle per 16-bit parcel, after
    // everything before them has settled; then stop.
    t.cycles = pipe.settled() + static_cast<std::uint32_t>((size - pos + 1) / 2);
  } else {
    // A conditional branch before the end was not taken (execution went on inside the block)
    // and costs its one issue cycle. The final one, if taken, also pays its penalty, during
    // which outstanding results keep arriving.
    t.cycles = pipe.settled();
    t.taken_extra = pipe.settled_after(final_taken_penalty) - t.cycles;
  }

  const std::uint64_t begin = address;
  const std::uint64_t end = begin + size;
  t.fallthrough = static_cast<std::uint32_t>(end);
  const std::uint64_t words = ((end - 1) >> 2) - (begin >> 2) + 1;
  t.fetch_words = static_cast<std::uint16_t>(std::min<std::uint64_t>(words, 0xFFFF));
  return t;
}

std::uint32_t Rv32CycleModel::instruction_cycles(const std::uint8_t* code, std::size_t size,
                                                 std::uint32_t* taken_extra,
                                                 std::uint32_t* length) const {
  if (taken_extra != nullptr) *taken_extra = 0;
  if (length != nullptr) *length = 0;
  if (code == nullptr || size == 0) return 0;
  const Instruction insn = decode(code, size);
  if (insn.op == Op::illegal) {
    if (length != nullptr) *length = size < 2 ? 1 : 2;
    return 1;
  }
  const Cost c = cost_of(insn);
  Pipeline pipe;
  pipe.issue(insn, c);
  const std::uint32_t cycles = pipe.settled();
  if (taken_extra != nullptr) *taken_extra = pipe.settled_after(c.taken_penalty) - cycles;
  if (length != nullptr) *length = insn.length;
  return cycles;
}

}  // namespace boardemu::riscv
