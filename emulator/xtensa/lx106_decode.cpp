#include "xtensa/lx106_decode.hpp"

#include <array>

namespace boardemu::xtensa {

const std::int32_t kB4Const[16] = {-1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256};
const std::uint32_t kB4ConstU[16] = {32768, 65536, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256};

namespace {

// How operands are extracted (the "format" column of lx106_isa.inc).
enum class Format : std::uint8_t {
  NONE, RRR, SSAI, SLLI, SRAI, SR, EXTUI, RI16, LS0, LS1, LS2, MOVI, RRI8, ADDMI,
  CALL, JUMP, BRI12, BI, BIU, BRR, BBI, LSN, ADDIN, MOVIN, BZN
};

struct Encoding {
  Op op;
  std::uint8_t len;
  std::uint32_t mask, match;
  Format format;
  std::uint8_t cycles;
  std::string_view name;
};

constexpr Encoding kTable[] = {
#define X(name, len, mask, match, format, cycles) \
  {Op::name, len, mask, match, Format::format, cycles, #name},
#include "xtensa/lx106_isa.inc"
#undef X
};

std::int32_t sext(std::uint32_t v, unsigned bits) {
  return static_cast<std::int32_t>(v << (32 - bits)) >> (32 - bits);
}

}  // namespace

std::string_view mnemonic(Op op) {
  switch (op) {
    case Op::UNDECODED: return "(undecoded)";
    case Op::ILLEGAL: return "(illegal)";
    case Op::FETCH_ERROR: return "(fetch error)";
    default: break;
  }
  for (const auto& e : kTable)
    if (e.op == op) return e.name;
  return "?";
}

Insn decode(std::uint32_t word, std::uint32_t pc) {
  Insn in;
  unsigned len = insn_length(static_cast<std::uint8_t>(word));
  std::uint32_t w = len == 2 ? (word & 0xFFFF) : (word & 0xFFFFFF);
  in.len = static_cast<std::uint8_t>(len);
  in.op = Op::ILLEGAL;
  in.cost = 1;
  const Encoding* enc = nullptr;
  for (const auto& e : kTable) {
    if (e.len == len && (w & e.mask) == e.match) {
      enc = &e;
      break;
    }
  }
  // Fields of the RRR/RRI8 formats (ISA manual, "Instruction Formats"); the 16-bit RRRN/RI7/
  // RI6 formats use the same positions for op0, t, s and r.
  std::uint32_t t = (w >> 4) & 0xF, s = (w >> 8) & 0xF, r = (w >> 12) & 0xF;
  std::uint32_t op1 = (w >> 16) & 0xF, op2 = (w >> 20) & 0xF, imm8 = (w >> 16) & 0xFF;
  in.r = static_cast<std::uint8_t>(r);
  in.s = static_cast<std::uint8_t>(s);
  in.t = static_cast<std::uint8_t>(t);
  if (!enc) return in;
  in.op = enc->op;
  in.cost = enc->cycles;
  // Source registers by format (the operand roles of the ISA manual's instruction entries);
  // used only to charge load-use interlocks, so the few formats whose fields are not all
  // sources are handled where it matters.
  const std::uint16_t rs = static_cast<std::uint16_t>(1u << s), rt = static_cast<std::uint16_t>(1u << t);
  switch (enc->format) {
    case Format::RRR: in.reads = rs | rt; break;
    case Format::SLLI: case Format::RRI8: case Format::ADDMI: case Format::BRI12:
    case Format::BI: case Format::BIU: case Format::BBI: case Format::ADDIN: case Format::BZN:
      in.reads = rs;
      break;
    case Format::SRAI: case Format::EXTUI: in.reads = rt; break;
    case Format::SR: in.reads = enc->op == Op::RSR ? 0 : rt; break;
    case Format::BRR: in.reads = rs | rt; break;
    case Format::LS0: case Format::LS1: case Format::LS2: case Format::LSN:  // base; stores: data
      in.reads = (enc->op == Op::S8I || enc->op == Op::S16I || enc->op == Op::S32I || enc->op == Op::S32I_N) ? (rs | rt) : rs;
      break;
    default: in.reads = 0; break;
  }
  switch (enc->op) {  // RRR-format instructions whose t (or s) field is not a source
    case Op::RET: case Op::RET_N: in.reads = 1; break;  // a0
    case Op::JX: case Op::CALLX0: case Op::SSR: case Op::SSL: case Op::SSA8L: case Op::SSA8B:
    case Op::NSA: case Op::NSAU: case Op::RER: case Op::SLL: case Op::MOV_N:
      in.reads = rs;
      break;
    case Op::NEG: case Op::ABS: case Op::SRLI: case Op::SRL: case Op::SRA: in.reads = rt; break;
    case Op::RSIL: case Op::WAITI: case Op::RFI: case Op::BREAK: case Op::BREAK_N: in.reads = 0; break;
    default: break;
  }
  auto i32 = [](std::uint32_t v) { return static_cast<std::int32_t>(v); };
  switch (enc->format) {
    case Format::NONE:
    case Format::RRR:
      break;
    case Format::SSAI:  // SSAI: sa = {t[0], s}
      in.imm = static_cast<std::int32_t>(s | (t & 1) << 4);
      break;
    case Format::SLLI:  // the encoded field is 32 - sa: {op2[0], t}
      in.imm = 32 - static_cast<std::int32_t>((op2 & 1) << 4 | t);
      break;
    case Format::SRAI:  // sa = {op2[0], s}
      in.imm = static_cast<std::int32_t>((op2 & 1) << 4 | s);
      break;
    case Format::SR:  // special register number = {r, s}
      in.imm = static_cast<std::int32_t>(r << 4 | s);
      break;
    case Format::EXTUI:  // shift = {op1[0], s}, mask width = op2 + 1
      in.imm = static_cast<std::int32_t>((op1 & 1) << 4 | s);
      in.imm2 = i32((op2 == 15) ? 0xFFFFu : ((1u << (op2 + 1)) - 1));
      break;
    case Format::RI16: {  // L32R: ((PC + 3) & ~3) + (1^14 || imm16 || 00)
      std::uint32_t offset = 0xFFFC0000u | ((w >> 8) & 0xFFFF) << 2;
      in.imm = i32(((pc + 3) & ~3u) + offset);
      in.imm2 = i32(offset);
      break;
    }
    case Format::LS0: in.imm = i32(imm8); break;
    case Format::LS1: in.imm = i32(imm8 << 1); break;
    case Format::LS2: in.imm = i32(imm8 << 2); break;
    case Format::MOVI: in.imm = sext(s << 8 | imm8, 12); break;
    case Format::RRI8: in.imm = sext(imm8, 8); break;
    case Format::ADDMI: in.imm = sext(imm8, 8) * 256; break;
    case Format::CALL:  // CALL0: (PC & ~3) + (offset << 2) + 4
      in.imm = i32((pc & ~3u) + (static_cast<std::uint32_t>(sext(w >> 6, 18)) << 2) + 4);
      break;
    case Format::JUMP:  // J: PC + 4 + offset
      in.imm = i32(pc + 4 + static_cast<std::uint32_t>(sext(w >> 6, 18)));
      break;
    case Format::BRI12:  // B*Z: PC + 4 + imm12
      in.imm = i32(pc + 4 + static_cast<std::uint32_t>(sext(w >> 12, 12)));
      break;
    case Format::BI:
      in.imm = i32(pc + 4 + static_cast<std::uint32_t>(sext(imm8, 8)));
      in.imm2 = kB4Const[r];
      break;
    case Format::BIU:
      in.imm = i32(pc + 4 + static_cast<std::uint32_t>(sext(imm8, 8)));
      in.imm2 = i32(kB4ConstU[r]);
      break;
    case Format::BRR:
      in.imm = i32(pc + 4 + static_cast<std::uint32_t>(sext(imm8, 8)));
      break;
    case Format::BBI:  // BBCI/BBSI: bit = {r[0], t}
      in.imm = i32(pc + 4 + static_cast<std::uint32_t>(sext(imm8, 8)));
      in.imm2 = static_cast<std::int32_t>((r & 1) << 4 | t);
      break;
    case Format::LSN:  // L32I.N/S32I.N: offset = r << 2
      in.imm = static_cast<std::int32_t>(r << 2);
      break;
    case Format::ADDIN:  // ADDI.N: an encoded 0 means -1
      in.imm = t == 0 ? -1 : static_cast<std::int32_t>(t);
      break;
    case Format::MOVIN: {  // MOVI.N: imm7 = {t[2:0], r}, range -32..95
      std::int32_t v = static_cast<std::int32_t>((t & 7) << 4 | r);
      in.imm = (v & 0x60) == 0x60 ? v - 128 : v;
      break;
    }
    case Format::BZN:  // BEQZ.N/BNEZ.N: PC + 4 + imm6 (forward only), imm6 = {t[1:0], r}
      in.imm = i32(pc + 4 + ((t & 3) << 4 | r));
      break;
  }
  return in;
}

}  // namespace boardemu::xtensa
