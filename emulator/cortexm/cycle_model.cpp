// Cortex-M3 instruction timing (ARM DDI 0337I, 3.3.1 Table 3-1 and 3.3.2 "Load/store timings").
// See cycle_model.hpp for the modelling decisions; the figures below cite the TRM row or rule
// they come from.
#include "cortexm/cycle_model.hpp"

#include <capstone/capstone.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace boardemu::cortexm {

namespace {

// Core registers r0..r15 as bits, for the register-dependency rules of 3.3.2.
using RegMask = std::uint32_t;
constexpr RegMask kPc = 1u << 15;

RegMask reg_bit(unsigned reg) {
  if (reg >= ARM_REG_R0 && reg <= ARM_REG_R12) return 1u << (reg - ARM_REG_R0);
  switch (reg) {
    case ARM_REG_SP: return 1u << 13;
    case ARM_REG_LR: return 1u << 14;
    case ARM_REG_PC: return kPc;
    default: return 0;
  }
}

// What one instruction costs on its own, plus what the pairing rules of 3.3.2 need to know
// about it and its neighbour.
struct InsnCost {
  std::uint32_t cycles = 1;  // executed cost, pipeline refill included, before pairing
  std::uint32_t refill = 0;  // the part of `cycles` that refills the pipeline after a PC write
  bool conditional_pc_write = false;  // the refill is only paid if the write happens
  std::uint16_t data_accesses = 0;
  bool narrow = false;  // 16-bit encoding (IT folds only onto these)
  bool is_it = false;

  // "Any load or store that generates an address dependent on the result of a preceding data
  // processing operation stalls the pipeline for an additional cycle while the register bank is
  // updated. There is no forwarding path for this scenario."
  bool memory = false;
  RegMask address_regs = 0;
  bool data_processing = false;
  RegMask dp_writes = 0;

  // "LDR [any] are pipelined when possible. This means that if the next instruction is an LDR
  // or STR, and the destination of the first LDR is not used to compute the address for the
  // next instruction, then one cycle is removed from the cost of the next instruction."
  // "LDREX and STREX can be pipelined exactly as LDR."
  bool pipelines_after_load = false;  // may lose a cycle after such a load
  bool lets_next_pipeline = false;    // is such a load
  RegMask load_dest = 0;
};

bool is_single_load(unsigned id) {
  switch (id) {
    case ARM_INS_LDR: case ARM_INS_LDRB: case ARM_INS_LDRH: case ARM_INS_LDRSB:
    case ARM_INS_LDRSH: case ARM_INS_LDRT: case ARM_INS_LDRBT: case ARM_INS_LDRHT:
    case ARM_INS_LDRSBT: case ARM_INS_LDRSHT:
      return true;
    default:
      return false;
  }
}

bool is_single_store(unsigned id) {
  switch (id) {
    case ARM_INS_STR: case ARM_INS_STRB: case ARM_INS_STRH: case ARM_INS_STRT:
    case ARM_INS_STRBT: case ARM_INS_STRHT:
      return true;
    default:
      return false;
  }
}

const cs_arm_op* memory_operand(const cs_arm& arm) {
  for (unsigned i = 0; i < arm.op_count; ++i)
    if (arm.operands[i].type == ARM_OP_MEM) return &arm.operands[i];
  return nullptr;
}

RegMask address_regs_of(const cs_arm_op* mem) {
  if (mem == nullptr) return 0;
  return reg_bit(mem->mem.base) | reg_bit(mem->mem.index);
}

RegMask first_reg_operand(const cs_arm& arm) {
  return arm.op_count > 0 && arm.operands[0].type == ARM_OP_REG ? reg_bit(arm.operands[0].reg)
                                                                : 0;
}

// General registers written by an instruction, from Capstone's access tables (PC excluded: a PC
// write is a branch, not a register-bank update).
RegMask written_registers(csh handle, const cs_insn* insn) {
  cs_regs read, write;
  std::uint8_t n_read = 0, n_write = 0;
  if (cs_regs_access(handle, insn, read, &n_read, write, &n_write) != CS_ERR_OK) return 0;
  RegMask mask = 0;
  for (unsigned i = 0; i < n_write; ++i) mask |= reg_bit(write[i]);
  return mask;
}

void set_pc_write(InsnCost& c, std::uint32_t refill, bool conditional) {
  c.cycles += refill;
  c.refill = refill;
  c.conditional_pc_write = conditional;
}

InsnCost analyse(csh handle, const cs_insn* insn) {
  const cs_arm& arm = insn->detail->arm;
  // A condition comes from B<cond>'s encoding or from an enclosing IT block; Capstone reports
  // both in `cc`.
  const bool conditional = arm.cc != ARM_CC_AL && arm.cc != ARM_CC_INVALID;
  InsnCost c;
  c.narrow = insn->size == 2;
  const unsigned id = insn->id;

  if (is_single_load(id)) {
    // Table 3-1: LDR/LDRH/LDRB/LDRSH/LDRSB/LDRT... "2"; "To PC: LDR PC, [Rn, <op2>] 2 + P".
    const cs_arm_op* mem = memory_operand(arm);
    c.memory = true;
    c.address_regs = address_regs_of(mem);
    c.data_accesses = 1;
    c.cycles = 2;
    const RegMask dest = first_reg_operand(arm);
    if (dest == kPc) {
      // 3.3.2: "LDR PC,[any] is always a blocking operation ... at least five cycles": it
      // neither pipelines nor is pipelined.
      set_pc_write(c, m3::kLoadToPcRefill, conditional);
    } else {
      c.pipelines_after_load = true;
      c.lets_next_pipeline = true;
      c.load_dest = dest;
    }
    return c;
  }
  if (is_single_store(id)) {
    // 3.3.2: "STR Rx,[Ry,#imm] is always one cycle. This is because the address generation is
    // performed in the initial cycle, and the data store is performed at the same time as the
    // next instruction is executing." Table 3-1 gives 2 for a store in general, which is the
    // register-offset form: "Other instructions cannot be pipelined after STR with register
    // offset. STR can only be pipelined when it follows an LDR, but nothing can be pipelined
    // after the store." The immediate rule is applied to STRB/STRH as well.
    const cs_arm_op* mem = memory_operand(arm);
    c.memory = true;
    c.address_regs = address_regs_of(mem);
    c.data_accesses = 1;
    c.cycles = (mem != nullptr && mem->mem.index == ARM_REG_INVALID) ? 1 : 2;
    c.pipelines_after_load = true;
    return c;
  }

  switch (id) {
    case ARM_INS_LDREX: case ARM_INS_LDREXB: case ARM_INS_LDREXH:
    case ARM_INS_STREX: case ARM_INS_STREXB: case ARM_INS_STREXH:
      // Table 3-1: "Semaphore" LDREX/STREX "2". 3.3.2: "LDREX and STREX can be pipelined
      // exactly as LDR. Because STREX is treated more like an LDR, it can be pipelined as
      // explained for LDR." The register STREX writes is its status result (operand 0).
      c.memory = true;
      c.address_regs = address_regs_of(memory_operand(arm));
      c.data_accesses = 1;
      c.cycles = 2;
      c.pipelines_after_load = true;
      c.lets_next_pipeline = true;
      c.load_dest = first_reg_operand(arm);
      return c;

    case ARM_INS_LDRD: case ARM_INS_STRD:
      // Table 3-1: LDRD/STRD "1 + N" with N = 2. 3.3.2: "LDRD and STRD cannot be pipelined
      // with preceding or following instructions. However, the two words are pipelined
      // together. So, three cycles when not stalled."
      c.memory = true;
      c.address_regs = address_regs_of(memory_operand(arm));
      c.data_accesses = 2;
      c.cycles = 3;
      return c;

    case ARM_INS_LDM: case ARM_INS_LDMDA: case ARM_INS_LDMDB: case ARM_INS_LDMIB:
    case ARM_INS_STM: case ARM_INS_STMDA: case ARM_INS_STMDB: case ARM_INS_STMIB:
    case ARM_INS_PUSH: case ARM_INS_POP: {
      // Table 3-1: LDM/STM/PUSH/POP "1 + N"; "Multiple including PC" / "Pop and return"
      // "1 + N + P", N counting PC and LR. 3.3.2: "LDM and STM cannot be pipelined with
      // preceding or following instructions. However, all elements after the first are
      // pipelined together." PUSH/POP address through SP; LDM/STM through operand 0.
      const bool stack = id == ARM_INS_PUSH || id == ARM_INS_POP;
      const bool load = id == ARM_INS_POP || id == ARM_INS_LDM || id == ARM_INS_LDMDA ||
                        id == ARM_INS_LDMDB || id == ARM_INS_LDMIB;
      unsigned n = 0;
      RegMask list = 0;
      for (unsigned i = stack ? 0 : 1; i < arm.op_count; ++i) {
        if (arm.operands[i].type != ARM_OP_REG) continue;
        ++n;
        list |= reg_bit(arm.operands[i].reg);
      }
      c.memory = true;
      c.address_regs = stack ? reg_bit(ARM_REG_SP) : first_reg_operand(arm);
      c.data_accesses = static_cast<std::uint16_t>(n);
      c.cycles = 1 + n;
      if (load && (list & kPc) != 0) set_pc_write(c, m3::kLoadToPcRefill, conditional);
      return c;
    }

    case ARM_INS_TBB: case ARM_INS_TBH:
      // See m3::kTableBranchCycles (3.3.2: "at least six cycles"). It reads one table entry.
      c.memory = true;
      c.address_regs = address_regs_of(memory_operand(arm));
      c.data_accesses = 1;
      c.cycles = m3::kTableBranchCycles - m3::kLoadToPcRefill;
      set_pc_write(c, m3::kLoadToPcRefill, conditional);
      return c;

    case ARM_INS_B: case ARM_INS_BL: case ARM_INS_BX: case ARM_INS_BLX:
      // Table 3-1: "Conditional B<cc> 1 or 1 + P" (footnote: "Conditional branch completes in
      // a single cycle if the branch is not taken"); B, BL, BX, BLX "1 + P". BL/BLX also write
      // LR, which no load can be waiting on because the branch ends the block.
      c.cycles = 1;
      set_pc_write(c, m3::kBranchRefill, conditional);
      return c;

    case ARM_INS_CBZ: case ARM_INS_CBNZ:
      // Table 3-1: CBZ/CBNZ "1 or 1 + P", always conditional.
      c.cycles = 1;
      set_pc_write(c, m3::kBranchRefill, true);
      return c;

    case ARM_INS_IT:
      // Table 3-1: IT "1" (footnote: "An IT instruction can be folded onto a preceding 16-bit
      // Thumb instruction, enabling execution in zero cycles"). Folding depends on the
      // neighbour and is decided by the caller.
      c.is_it = true;
      c.cycles = 1;
      return c;

    case ARM_INS_MUL:
      c.cycles = 1;  // Table 3-1: MUL "1"
      break;
    case ARM_INS_MLA: case ARM_INS_MLS:
      c.cycles = 2;  // Table 3-1: MLA, MLS "2"
      break;
    case ARM_INS_UMULL: case ARM_INS_SMULL:
      c.cycles = m3::kLongMultiplyCycles;  // Table 3-1: "3 to 5"
      break;
    case ARM_INS_UMLAL: case ARM_INS_SMLAL:
      c.cycles = m3::kLongMultiplyAccumulateCycles;  // Table 3-1: "4 to 7"
      break;
    case ARM_INS_SDIV: case ARM_INS_UDIV:
      c.cycles = m3::kDivideCycles;  // Table 3-1: "2 to 12"
      break;

    case ARM_INS_ISB:
      // Table 3-1: barriers "1 + B"; "For ISB, the minimum number of cycles is equivalent to
      // the number required for a pipeline refill." The minimum is used.
      c.cycles = 1 + m3::kBranchRefill;
      return c;
    case ARM_INS_DMB: case ARM_INS_DSB:
      // "For DSB and DMB, the minimum number of cycles is zero." The minimum is used (this model
      // has no outstanding writes to wait for).
      c.cycles = 1;
      return c;

    case ARM_INS_SVC: case ARM_INS_BKPT: case ARM_INS_UDF:
      // Table 3-1 gives SVC and BKPT no figure ("-"): their cost is the exception entry, which
      // the exception model charges. The instruction itself is counted as one issue cycle.
      c.cycles = 1;
      return c;

    case ARM_INS_PLD: case ARM_INS_PLI:
      // Not in Table 3-1; the Cortex-M3 has no cache to preload, so the hint is costed as a NOP
      // with no bus transfer.
      c.cycles = 1;
      return c;

    default:
      // Everything else in Table 3-1 is 1 cycle: MOV/MOVW/MOVT, ADD/ADC/ADR/SUB/SBC/RSB,
      // SSAT/USAT, CMP/CMN, AND/EOR/ORR/ORN/BIC/MVN/TST/TEQ, shifts and rotates, CLZ, extends,
      // bit-field ops, REV/REV16/REVSH/RBIT, CLREX, NOP/SEV, WFI/WFE ("1 + W": the wait is the
      // sleep model's), and CPS, MRS, MSR ("1 or 2": the TRM does not say when 2 applies; the
      // lower figure is used).
      c.cycles = 1;
      break;
  }

  // Data processing (including the multiplies and divides above, and MRS): the registers it
  // writes feed the address-dependency stall. Writing the PC is a branch: Table 3-1 "MOV PC,
  // Rm 1 + P", "ADD PC, PC, Rm 1 + P".
  const RegMask writes = written_registers(handle, insn);
  c.dp_writes = writes & ~kPc;
  c.data_processing = c.dp_writes != 0;
  if ((writes & kPc) != 0) set_pc_write(c, m3::kBranchRefill, conditional);
  return c;
}

// Number of instructions an IT instruction covers: 4 minus the trailing zeros of its mask
// (ARMv7-M ARM, A7.7.38: mask bits [3:0] of the encoding 0xBFxy; the encoding is
// little-endian, so the mask is the low nibble of the first byte).
unsigned it_block_length(const cs_insn* insn) {
  const unsigned mask = insn->bytes[0] & 0xFu;
  if (mask == 0) return 0;
  return 4u - static_cast<unsigned>(std::countr_zero(mask));
}

std::uint16_t saturating_add(std::uint16_t a, std::uint32_t b) {
  const std::uint32_t sum = a + b;
  return sum > 0xFFFFu ? std::uint16_t{0xFFFF} : static_cast<std::uint16_t>(sum);
}

}  // namespace

CycleModel::CycleModel() {
  csh handle = 0;
  if (cs_open(CS_ARCH_ARM, static_cast<cs_mode>(CS_MODE_THUMB | CS_MODE_MCLASS), &handle) !=
      CS_ERR_OK)
    throw std::runtime_error("capstone: cannot open ARM Thumb M-class");
  if (cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
    cs_close(&handle);
    throw std::runtime_error("capstone: cannot enable instruction detail");
  }
  insn_ = cs_malloc(handle);
  if (insn_ == nullptr) {
    cs_close(&handle);
    throw std::runtime_error("capstone: cannot allocate an instruction");
  }
  handle_ = handle;
}

CycleModel::~CycleModel() {
  csh handle = handle_;
  if (insn_ != nullptr) cs_free(insn_, 1);
  if (handle != 0) cs_close(&handle);
}

// Capstone 4 keeps the state of an open IT block in the handle across cs_disasm_iter calls, so
// a block that ends inside an IT block would make the next block's first instructions look
// conditional. cs_disasm() clears that state on entry; calling it on an empty buffer does
// nothing else.
void CycleModel::forget_it_state() const {
  static const std::uint8_t kNothing[1] = {0};
  cs_insn* none = nullptr;
  const std::size_t n = cs_disasm(handle_, kNothing, 0, 0, 0, &none);
  if (none != nullptr) cs_free(none, n);
}

BlockTiming CycleModel::block_timing(const std::uint8_t* code, std::size_t size,
                                     std::uint32_t address) const {
  BlockTiming t;
  t.fallthrough = address;
  if (code == nullptr || size == 0) return t;

  const std::uint8_t* p = code;
  std::size_t left = size;
  std::uint64_t pc = address;
  InsnCost prev;
  bool have_prev = false;
  unsigned it_left = 0;  // instructions still covered by the last IT, to know if Capstone's
                         // IT state needs clearing afterwards

  // Each successful cs_disasm_iter consumes at least 2 bytes, so this ends after size/2 rounds.
  while (left > 0 && cs_disasm_iter(handle_, &p, &left, &pc, insn_)) {
    InsnCost cur = analyse(handle_, insn_);
    std::uint32_t cycles = cur.cycles;

    if (cur.is_it) {
      it_left = it_block_length(insn_);
      cycles = (have_prev && prev.narrow) ? 0 : 1;  // folded onto a 16-bit predecessor
    } else {
      if (it_left > 0) --it_left;
      if (cur.memory && have_prev) {
        if (cur.pipelines_after_load && prev.lets_next_pipeline &&
            (prev.load_dest & cur.address_regs) == 0) {
          cycles = std::max<std::uint32_t>(1, cycles - 1);  // pipelined behind a load
        } else if (prev.data_processing && (prev.dp_writes & cur.address_regs) != 0) {
          cycles += 1;  // address waits for the register bank
        }
      }
    }

    if (cur.conditional_pc_write) {
      // Not taken unless it is the last instruction, and then only maybe: the caller adds the
      // refill when the block exits anywhere other than the fallthrough.
      cycles -= cur.refill;
      if (left == 0) t.taken_extra = cur.refill;
    }
    t.cycles += cycles;
    t.instructions = saturating_add(t.instructions, 1);
    t.data_accesses = saturating_add(t.data_accesses, cur.data_accesses);

    // A folded IT takes no slot in the pipeline: the instruction after it pairs with the one
    // before it.
    if (!(cur.is_it && cycles == 0)) {
      prev = cur;
      have_prev = true;
    }
  }

  if (left > 0) {
    // Undecodable bytes (or a truncated 32-bit instruction): one cycle per halfword, then stop.
    t.cycles += static_cast<std::uint32_t>((left + 1) / 2);
    t.taken_extra = 0;
  }
  if (it_left > 0 || left > 0) forget_it_state();

  const std::uint64_t begin = address;
  const std::uint64_t end = begin + size;
  t.fallthrough = static_cast<std::uint32_t>(end);
  const std::uint64_t words = ((end - 1) >> 2) - (begin >> 2) + 1;
  t.fetch_words = static_cast<std::uint16_t>(std::min<std::uint64_t>(words, 0xFFFF));
  return t;
}

std::uint32_t CycleModel::instruction_cycles(const std::uint8_t* code, std::size_t size,
                                             std::uint32_t address,
                                             std::uint32_t* taken_extra) const {
  if (taken_extra != nullptr) *taken_extra = 0;
  if (code == nullptr || size == 0) return 0;
  const std::uint8_t* p = code;
  std::size_t left = size;
  std::uint64_t pc = address;
  if (!cs_disasm_iter(handle_, &p, &left, &pc, insn_)) return 1;
  const InsnCost c = analyse(handle_, insn_);
  if (c.is_it) forget_it_state();
  if (c.conditional_pc_write) {
    if (taken_extra != nullptr) *taken_extra = c.refill;
    return c.cycles - c.refill;
  }
  return c.cycles;
}

}  // namespace boardemu::cortexm
