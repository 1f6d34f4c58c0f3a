#include "cortexm/cortexm_cpu.hpp"

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <optional>
#include <stdexcept>

#include "core/log.hpp"

namespace boardemu::cortexm {

namespace {

// QEMU's Arm exception numbers, which Unicorn passes to UC_HOOK_INTR (REFERENCE.md §4).
enum : std::uint32_t {
  EXCP_UDEF = 1,
  EXCP_SWI = 2,
  EXCP_PREFETCH_ABORT = 3,
  EXCP_DATA_ABORT = 4,
  EXCP_BKPT = 7,
  EXCP_EXCEPTION_EXIT = 8,
  EXCP_NOCP = 17,
  EXCP_INVSTATE = 18,
  EXCP_UNALIGNED = 22,
  EXCP_DIVBYZERO = 23,
};

// UsageFault status bits, UFSR = CFSR[31:16] (ARMv7-M ARM B3.2.15).
constexpr std::uint32_t kUndefInstr = 1u << 0, kInvState = 1u << 1, kInvPc = 1u << 2,
                        kNoCp = 1u << 3, kUnaligned = 1u << 8, kDivByZero = 1u << 9;

constexpr std::uint32_t kXpsrThumb = 1u << 24;
constexpr std::uint32_t kStackedAlignBit = 1u << 9;
constexpr std::uint32_t kUntilNever = 0xFFFFFFFE;  // never a Thumb instruction address

// Nesting depth of device-window callbacks on this thread (see request_stop()).

// When an access to unmapped (or write-protected) memory aborts a block, Unicorn leaves the PC
// at the start of the block: the instructions before the access have run, the access and the
// rest have not. A precise bus fault needs the faulting instruction's address, so the block is
// decoded from its start and the first load/store whose address, computed from the current
// registers (the ones it used), covers the faulting address is taken. Returns nothing if no
// instruction matches.
std::optional<std::uint32_t> locate_faulting_access(CortexMCpu& cpu, const Bus& bus,
                                                    std::uint32_t block_start,
                                                    std::uint32_t fault_address) {
  struct Disassembler {
    csh handle = 0;
    cs_insn* insn = nullptr;
    Disassembler() {
      if (cs_open(CS_ARCH_ARM, static_cast<cs_mode>(CS_MODE_THUMB | CS_MODE_MCLASS), &handle) !=
          CS_ERR_OK)
        return;
      cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
      insn = cs_malloc(handle);
    }
    ~Disassembler() {
      if (insn) cs_free(insn, 1);
      if (handle) cs_close(&handle);
    }
  };
  static thread_local Disassembler d;
  if (!d.insn) return std::nullopt;

  std::uint8_t code[512];
  std::size_t n = 0;
  while (n < sizeof code && bus.read_block(block_start + static_cast<std::uint32_t>(n), code + n, 2)) n += 2;
  const std::uint8_t* p = code;
  std::uint64_t addr = block_start;
  std::optional<std::uint32_t> found;
  while (n > 0 && cs_disasm_iter(d.handle, &p, &n, &addr, d.insn)) {
    const cs_insn& in = *d.insn;
    const cs_arm& arm = in.detail->arm;
    const auto at = static_cast<std::uint32_t>(in.address);
    auto value = [&](int r) -> std::uint32_t {
      if (r >= ARM_REG_R0 && r <= ARM_REG_R12) return cpu.reg(UC_ARM_REG_R0 + (r - ARM_REG_R0));
      if (r == ARM_REG_SP) return cpu.reg(UC_ARM_REG_SP);
      if (r == ARM_REG_LR) return cpu.reg(UC_ARM_REG_LR);
      if (r == ARM_REG_PC) return (at + 4) & ~3u;
      return 0;
    };
    auto covers = [&](std::uint32_t lo, std::uint32_t len) { return fault_address - lo < len; };
    bool match = false;
    switch (in.id) {
      case ARM_INS_PUSH: case ARM_INS_POP: case ARM_INS_LDM: case ARM_INS_LDMDB:
      case ARM_INS_STM: case ARM_INS_STMDB: {
        bool stack = in.id == ARM_INS_PUSH || in.id == ARM_INS_POP;
        std::uint32_t regs = 0;
        for (unsigned i = stack ? 0 : 1; i < arm.op_count; ++i) regs += arm.operands[i].type == ARM_OP_REG;
        std::uint32_t base = stack ? cpu.reg(UC_ARM_REG_SP)
                                   : (arm.op_count ? value(arm.operands[0].reg) : 0);
        match = covers(base - 4 * regs, 8 * regs);  // either direction
        break;
      }
      case ARM_INS_PLD: case ARM_INS_PLI:
        break;  // hints: never fault
      default:
        for (unsigned i = 0; i < arm.op_count; ++i) {
          const cs_arm_op& op = arm.operands[i];
          if (op.type != ARM_OP_MEM) continue;
          std::uint32_t base = value(op.mem.base);
          std::int64_t offset = op.mem.disp;
          if (op.mem.index != ARM_REG_INVALID) {
            offset = static_cast<std::int64_t>(value(op.mem.index)) << op.mem.lshift;
            if (op.mem.scale < 0) offset = -offset;
          }
          if (op.subtracted) offset = -offset;
          // Offset and pre-indexed forms access base + offset, post-indexed ones base.
          match = covers(base + static_cast<std::uint32_t>(offset), 8) || covers(base, 8);
          break;
        }
        break;
    }
    if (match) {
      found = at;
      break;
    }
    // A block ends at its first branch: nothing after it ran.
    if (in.id == ARM_INS_B || in.id == ARM_INS_BL || in.id == ARM_INS_BX || in.id == ARM_INS_BLX ||
        in.id == ARM_INS_CBZ || in.id == ARM_INS_CBNZ || in.id == ARM_INS_TBB || in.id == ARM_INS_TBH)
      break;
  }
  // Capstone keeps IT-block state across calls; a call on no bytes clears it.
  cs_insn* none = nullptr;
  std::size_t cleared = cs_disasm(d.handle, code, 0, 0, 0, &none);
  if (none) cs_free(none, cleared);
  return found;
}

}  // namespace

CortexMCpu::CortexMCpu(const BoardDesc& board, Bus& bus, Semihosting& semihosting)
    // UC_MODE_MCLASS would give a Cortex-M33: M3 is Thumb mode plus the CPU model.
    : UnicornCpu(UC_ARCH_ARM, UC_MODE_THUMB, UC_CPU_ARM_CORTEX_M3, board, bus, semihosting) {
  Scs::Hooks hooks;
  hooks.exception_may_preempt = [this] { request_stop(); };
  hooks.mask_registers = [this](std::uint32_t* basepri, std::uint32_t* faultmask) {
    *basepri = reg(UC_ARM_REG_BASEPRI);
    *faultmask = reg(UC_ARM_REG_FAULTMASK);
  };
  hooks.system_reset_request = [this] {
    reset_requested_ = true;
    request_stop();
  };
  // The MPS2 reference clock for SysTick is 1 MHz (QEMU mps2 and ARM AN385 agree); boards
  // without one read NOREF.
  scs_ = std::make_unique<Scs>(sched_, board.num_irqs, board.nvic_priority_bits,
                               board.systick_ref_hz, board.cpu_hz, hooks);
  dwt_ = std::make_unique<Dwt>(sched_, *scs_);
}

void CortexMCpu::map_bus() {
  map_bus_with_hooks(reinterpret_cast<void*>(&block_hook<CortexMCpu>), reinterpret_cast<void*>(on_intr),
                     reinterpret_cast<void*>(on_unmapped), reinterpret_cast<void*>(on_invalid));
}






bool CortexMCpu::write32(std::uint32_t addr, std::uint32_t v) {
  std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                       static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  return bus_.write_block(addr, b, 4);
}

// Unicorn caches "handler mode" in its translation flags and does not refresh them when
// IPSR/xPSR is written from outside; writing APSR_NZCV back with its own value does
// (REFERENCE.md §4). Without it an injected handler's return is not recognised.
void CortexMCpu::refresh_mode_flags() { set_reg(UC_ARM_REG_APSR_NZCV, reg(UC_ARM_REG_APSR_NZCV)); }

bool CortexMCpu::it_block_active() {
  std::uint32_t x = reg(UC_ARM_REG_XPSR);
  return (((x >> 25) & 3u) | ((x >> 8) & 0xFCu)) != 0;
}


void CortexMCpu::reset() {
  forget_partial_block();
  scs_->reset();
  dwt_->reset();
  flush_translations();
  sleeping_ = false;
  reset_requested_ = false;
  prev_taken_extra_ = 0;
  fatal_.clear();
  // ARMv7-M ARM B1.5.5 TakeReset: VTOR = 0, SP_main from word 0, PC from word 1, Thread mode,
  // privileged, on the main stack, all exceptions inactive, PRIMASK/FAULTMASK/BASEPRI clear.
  std::uint32_t sp = 0, entry = 0;
  if (!read32(0, &sp) || !read32(4, &entry)) {
    fatal_ = "reset: the vector table at 0x00000000 is not in memory";
    return;
  }
  set_reg(UC_ARM_REG_CONTROL, 0);
  set_reg(UC_ARM_REG_XPSR, kXpsrThumb);
  refresh_mode_flags();
  set_reg(UC_ARM_REG_PRIMASK, 0);
  set_reg(UC_ARM_REG_BASEPRI, 0);
  set_reg(UC_ARM_REG_FAULTMASK, 0);
  set_reg(UC_ARM_REG_PSP, 0);
  set_reg(UC_ARM_REG_MSP, sp & ~3u);
  set_reg(UC_ARM_REG_SP, sp & ~3u);
  set_reg(UC_ARM_REG_LR, 0xFFFFFFFF);
  for (int r = UC_ARM_REG_R0; r <= UC_ARM_REG_R12; ++r) set_reg(r, 0);
  if (!(entry & 1)) BE_LOG(guest_error, "reset vector 0x{:08x} lacks the Thumb bit", entry);
  set_reg(UC_ARM_REG_PC, entry | 1);
}

void CortexMCpu::state(StateArchive& ar) {
  unicorn_state(ar, {});
  // The banked stack pointers and the mode: CONTROL and xPSR decide which bank SP is, so they
  // are restored in the order reset() and exception entry write them.
  std::uint32_t control = reg(UC_ARM_REG_CONTROL), xpsr = reg(UC_ARM_REG_XPSR);
  std::uint32_t msp = reg(UC_ARM_REG_MSP), psp = reg(UC_ARM_REG_PSP), sp = reg(UC_ARM_REG_SP);
  ar.field("control", control);
  ar.field("xpsr", xpsr);
  ar.field("msp", msp);
  ar.field("psp", psp);
  ar.field("sp", sp);
  if (ar.loading()) {
    set_reg(UC_ARM_REG_CONTROL, 0);
    set_reg(UC_ARM_REG_XPSR, xpsr);
    refresh_mode_flags();
    set_reg(UC_ARM_REG_MSP, msp);
    set_reg(UC_ARM_REG_SP, msp);
    set_reg(UC_ARM_REG_PSP, psp);
    set_reg(UC_ARM_REG_CONTROL, control);
    if (reg(UC_ARM_REG_SP) != sp || reg(UC_ARM_REG_MSP) != msp || reg(UC_ARM_REG_PSP) != psp)
      ar.bad("sp", fmt::format("the engine did not take the stack pointers back (SP 0x{:08x} MSP 0x{:08x} PSP 0x{:08x})",
                               sp, msp, psp));
  }
  static const int kRegs[] = {UC_ARM_REG_R0,  UC_ARM_REG_R1,  UC_ARM_REG_R2,      UC_ARM_REG_R3,      UC_ARM_REG_R4,
                              UC_ARM_REG_R5,  UC_ARM_REG_R6,  UC_ARM_REG_R7,      UC_ARM_REG_R8,      UC_ARM_REG_R9,
                              UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12,     UC_ARM_REG_LR,      UC_ARM_REG_PC,
                              UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK};
  for (int r : kRegs) {
    std::uint32_t v = reg(r);
    ar.field("register", v);
    // The engine takes the execution state (xPSR.T) from bit 0 of a PC write; the PC reads
    // back without it.
    if (ar.loading()) set_reg(r, r == UC_ARM_REG_PC ? v | ((xpsr >> 24) & 1) : v);
  }
  ar.field("sleeping", sleeping_);
  ar.field("watch_masked", watch_masked_);
  ar.field("reset_requested", reset_requested_);
  // SCS (NVIC, SCB, SysTick) and DWT come with the core, not from the board file.
  ar.set_context("cpu.scs");
  scs_->state(ar);
  ar.set_context("cpu.dwt");
  dwt_->state(ar);
  ar.set_context("cpu");
  if (ar.loading()) trap_ = Trap::none;
}

BlockCost CortexMCpu::time_block(std::uint32_t address, const std::uint8_t* code, std::uint32_t size) {
  BlockTiming t = cycle_model_.block_timing(code, size, address);
  BlockCost c;
  c.cycles = static_cast<std::uint16_t>(
      std::min<std::uint32_t>(t.cycles + costs_.fetch_wait_states(address) * t.fetch_words, 0xFFFF));
  c.taken_extra = static_cast<std::uint16_t>(t.taken_extra);
  c.instructions = t.instructions;
  return c;
}

void CortexMCpu::block_slow(std::uint32_t addr, std::uint32_t size) {
  auto& s = *this;
  bool step_first;
  if (!block_may_run(addr, size, step_first)) return;
  if (!step_first && s.watch_masked_ && s.scs_->exception_to_take(s.current_execution_priority()) &&
      !s.it_block_active()) {
    // An exception was pending behind a mask (PRIMASK/BASEPRI/priority) that has just dropped
    // (CPSIE, MSR, exception return): take it before this block.
    s.stop_before_block(addr);
    return;
  }
  const BlockCost& c = s.costs_.lookup(addr, size);
  if (s.retranslated(c, addr, size)) return;
  s.charge(c, addr, size);
}

void CortexMCpu::on_intr(uc_engine* uc, std::uint32_t intno, void* p) {
  auto& s = *static_cast<CortexMCpu*>(p);
  s.trap_ = Trap::intr;
  s.trap_intno_ = intno;
  s.request_stop();
  (void)uc;
}

bool CortexMCpu::on_unmapped(uc_engine*, uc_mem_type type, std::uint64_t address, int size,
                             std::int64_t, void* p) {
  auto& s = *static_cast<CortexMCpu*>(p);
  s.trap_ = Trap::unmapped;
  s.trap_type_ = type;
  s.trap_address_ = static_cast<std::uint32_t>(address);
  s.trap_size_ = size;
  return false;  // Unicorn stops; run() turns this into a bus fault or a stop
}

bool CortexMCpu::on_invalid(uc_engine* uc, void* p) {
  auto& s = *static_cast<CortexMCpu*>(p);
  std::uint32_t pc = s.pc();
  std::uint8_t b[2] = {0, 0};
  s.bus_.read_block(pc, b, 2);
  std::uint16_t hw = static_cast<std::uint16_t>(b[0] | b[1] << 8);
  // Unicorn reports WFE, YIELD and SEV as invalid; they are hints. WFE may architecturally
  // complete at once (ARMv7-M ARM B1.5.18: a WFE may wake spuriously), so it continues.
  if (hw == 0xBF20 || hw == 0xBF10 || hw == 0xBF40) return true;
  s.trap_ = Trap::invalid;
  (void)uc;
  return false;
}

int CortexMCpu::current_execution_priority() {
  return scs_->execution_priority(reg(UC_ARM_REG_PRIMASK), reg(UC_ARM_REG_BASEPRI),
                                  reg(UC_ARM_REG_FAULTMASK));
}

bool CortexMCpu::take_pending_exception(bool tail_chain) {
  int exec = current_execution_priority();
  int e = scs_->exception_to_take(exec);
  watch_masked_ = false;
  if (!e) {
    watch_masked_ = scs_->highest_pending() != 0;
    return false;
  }
  if (it_block_active()) {
    // Never between the instructions of an IT block: block_slow looks again at every block
    // start and stops at the first one past the IT block. (Stopping at the very next block
    // start would not move on: the stop keeps that block from running.)
    watch_masked_ = true;
    return false;
  }
  return enter_exception(e, pc(), tail_chain);
}

bool CortexMCpu::enter_exception(int exception, std::uint32_t return_address, bool tail_chain) {
  // ARMv7-M ARM B1.5.6 PushStack and B1.5.7 ExceptionTaken.
  std::uint32_t xpsr = reg(UC_ARM_REG_XPSR);
  std::uint32_t control = reg(UC_ARM_REG_CONTROL);
  std::uint32_t sp = reg(UC_ARM_REG_SP);
  bool handler = (xpsr & 0x1FF) != 0;
  bool on_psp = !handler && (control & 2);
  bool realign = scs_->stack_align_8() && (sp & 4);
  std::uint32_t frame = (sp - 32) & ~(realign ? 4u : 0u);
  std::uint32_t words[8] = {reg(UC_ARM_REG_R0), reg(UC_ARM_REG_R1), reg(UC_ARM_REG_R2),
                            reg(UC_ARM_REG_R3), reg(UC_ARM_REG_R12), reg(UC_ARM_REG_LR),
                            return_address & ~1u,
                            (xpsr & ~kStackedAlignBit) | (realign ? kStackedAlignBit : 0)};
  for (int i = 0; i < 8; ++i) {
    if (!write32(frame + 4 * i, words[i])) {
      fatal_ = fmt::format(
          "exception {} entry: stack frame at 0x{:08x} is not in writable memory (stack overflow?), {}",
          exception, frame, describe_pc());
      return false;
    }
  }
  std::uint32_t vector = 0;
  if (!read32(scs_->vtor() + 4u * static_cast<std::uint32_t>(exception), &vector)) {
    fatal_ = fmt::format("exception {} entry: vector table entry at 0x{:08x} is not in memory",
                         exception, scs_->vtor() + 4u * exception);
    return false;
  }
  set_reg(UC_ARM_REG_SP, frame);
  if (on_psp) set_reg(UC_ARM_REG_CONTROL, control & ~2u);  // Thread mode still: switches to MSP
  set_reg(UC_ARM_REG_XPSR, kXpsrThumb | static_cast<std::uint32_t>(exception));
  refresh_mode_flags();
  set_reg(UC_ARM_REG_LR, handler ? 0xFFFFFFF1 : on_psp ? 0xFFFFFFFD : 0xFFFFFFF9);
  if (!(vector & 1))
    BE_LOG(guest_error, "vector for exception {} (0x{:08x}) lacks the Thumb bit", exception, vector);
  set_reg(UC_ARM_REG_PC, vector | 1);
  scs_->acknowledge(exception);
  sleeping_ = false;
  prev_taken_extra_ = 0;
  sched_.advance(tail_chain ? kTailChainCycles : kEntryCycles);
  BE_LOG(trace, "exception {} taken at {} cycles, return to 0x{:08x}", exception, sched_.now(),
         return_address);
  return true;
}

RunResult CortexMCpu::exception_return(std::uint32_t exc_return) {
  // ARMv7-M ARM B1.5.8 ExceptionReturn and PopStack.
  std::uint32_t xpsr = reg(UC_ARM_REG_XPSR);
  int exception = static_cast<int>(xpsr & 0x1FF);
  if (exc_return != 0xFFFFFFF1 && exc_return != 0xFFFFFFF9 && exc_return != 0xFFFFFFFD) {
    scs_->record_usage_fault(kInvPc);
    return handle_fault(kUsageFault, fmt::format("invalid EXC_RETURN 0x{:08x}", exc_return));
  }
  scs_->complete(exception);
  bool to_thread = exc_return & 8, to_psp = exc_return & 4;
  std::uint32_t frame = to_psp ? reg(UC_ARM_REG_PSP) : reg(UC_ARM_REG_SP);
  std::uint32_t w[8];
  for (int i = 0; i < 8; ++i)
    if (!read32(frame + 4 * i, &w[i]))
      return {StopReason::fatal, 0,
              fmt::format("exception return: stack frame at 0x{:08x} is not in memory", frame)};
  std::uint32_t new_sp = frame + 32 + ((w[7] & kStackedAlignBit) ? 4 : 0);
  std::uint32_t new_xpsr = w[7] & ~kStackedAlignBit;
  if (to_thread && to_psp) {
    set_reg(UC_ARM_REG_XPSR, new_xpsr);  // now in Thread mode, still on the main stack
    refresh_mode_flags();
    set_reg(UC_ARM_REG_CONTROL, reg(UC_ARM_REG_CONTROL) | 2u);  // switch to the process stack
    set_reg(UC_ARM_REG_SP, new_sp);
  } else {
    set_reg(UC_ARM_REG_SP, new_sp);
    set_reg(UC_ARM_REG_XPSR, new_xpsr);
    refresh_mode_flags();
  }
  (void)to_thread;
  set_reg(UC_ARM_REG_R0, w[0]);
  set_reg(UC_ARM_REG_R1, w[1]);
  set_reg(UC_ARM_REG_R2, w[2]);
  set_reg(UC_ARM_REG_R3, w[3]);
  set_reg(UC_ARM_REG_R12, w[4]);
  set_reg(UC_ARM_REG_LR, w[5]);
  set_reg(UC_ARM_REG_PC, w[6] | 1);
  prev_taken_extra_ = 0;
  BE_LOG(trace, "exception {} returned at {} cycles to 0x{:08x}", exception, sched_.now(), w[6]);
  // Tail-chaining: a pending exception that can preempt the context we return to is taken
  // straight away, without the unstack/stack pair (TRM 5.5.1).
  if (!take_pending_exception(true)) {
    if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
    sched_.advance(kReturnCycles);
  }
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  return {};
}

RunResult CortexMCpu::handle_fault(int exception, const std::string& what) {
  BE_LOG(guest_error, "{} at {}", what, describe_pc());
  int exec = current_execution_priority();
  int target = exception;
  if (!scs_->fault_enabled(exception) || scs_->priority(exception) >= exec) {
    // Escalation to HardFault (B1.5.14).
    target = kHardFault;
    if (exception != kHardFault) scs_->record_forced_hardfault();
  }
  if (scs_->priority(target) >= exec) {
    return {StopReason::fatal, 0,
            fmt::format("lockup: {} while the fault handler could not run, {}", what, describe_pc())};
  }
  scs_->set_pending(target);
  if (!enter_exception(target, pc(), false)) return {StopReason::fatal, 0, fatal_};
  return {};
}

RunResult CortexMCpu::handle_intr(std::uint32_t intno) {
  switch (intno) {
    case EXCP_SWI: {  // SVC: PC already points past the instruction
      int exec = current_execution_priority();
      if (scs_->priority(kSvCall) >= exec) {
        scs_->record_forced_hardfault();
        return handle_fault(kHardFault, "SVC while its priority could not preempt");
      }
      scs_->set_pending(kSvCall);
      if (!enter_exception(kSvCall, pc(), false)) return {StopReason::fatal, 0, fatal_};
      return {};
    }
    case EXCP_BKPT: {  // PC at the BKPT instruction
      std::uint32_t p = pc();
      std::uint8_t b[2] = {0, 0};
      bus_.read_block(p, b, 2);
      if (semihosting_enabled_ && b[1] == 0xBE && b[0] == 0xAB) {
        auto out = semihosting_.call(reg(UC_ARM_REG_R0), reg(UC_ARM_REG_R1));
        if (out.exit_code) return {StopReason::exit, *out.exit_code, {}};
        set_reg(UC_ARM_REG_R0, out.result);
        set_reg(UC_ARM_REG_PC, (p + 2) | 1);
        return {};
      }
      return {StopReason::fatal, 0,
              fmt::format("BKPT #{} with no debugger attached, {}", b[0], describe_pc())};
    }
    case EXCP_EXCEPTION_EXIT:
      return exception_return(pc() | 1);
    case EXCP_UDEF:
      scs_->record_usage_fault(kUndefInstr);
      return handle_fault(kUsageFault, "undefined instruction");
    case EXCP_NOCP:
      scs_->record_usage_fault(kNoCp);
      return handle_fault(kUsageFault, "coprocessor instruction (no coprocessor on Cortex-M3)");
    case EXCP_INVSTATE:
      scs_->record_usage_fault(kInvState);
      return handle_fault(kUsageFault, "invalid state (Thumb bit clear)");
    case EXCP_UNALIGNED:
      scs_->record_usage_fault(kUnaligned);
      return handle_fault(kUsageFault, "unaligned access");
    case EXCP_DIVBYZERO:
      scs_->record_usage_fault(kDivByZero);
      return handle_fault(kUsageFault, "division by zero");
    case EXCP_PREFETCH_ABORT:
    case EXCP_DATA_ABORT:
      scs_->record_bus_fault(0, intno == EXCP_DATA_ABORT, false);
      return handle_fault(kBusFault, "bus error");
    default:
      return {StopReason::fatal, 0,
              fmt::format("unhandled CPU exception {} from the engine, {}", intno, describe_pc())};
  }
}

RunResult CortexMCpu::run(Cycles deadline) {
  deadline_ = deadline;
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  if (reset_requested_) {
    reset_requested_ = false;
    return {StopReason::reset_request, 0, {}};
  }
  if (sleeping_) {
    // WFI wakes on an exception that would preempt were PRIMASK clear (B1.5.19).
    int exec = scs_->execution_priority(0, reg(UC_ARM_REG_BASEPRI), reg(UC_ARM_REG_FAULTMASK));
    if (!scs_->exception_to_take(exec)) {
      sched_.advance_to(deadline);
      return {};
    }
    sleeping_ = false;
  }
  // Not inside a block a debug stop interrupted: exceptions are taken at block starts only.
  // Inside one, a pending exception is taken at the next block start (block_slow looks).
  if (!mid_block())
    take_pending_exception(false);
  else
    watch_masked_ = true;
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  if (sched_.now() >= deadline_ && deadline_ == deadline) return {};

  trap_ = Trap::none;
  stop_requested_ = false;
  begin_debug_run(pc() & ~1u);
  running_ = true;
  uc_err err = uc_emu_start(uc_, pc() | 1, kUntilNever, 0, 0);
  running_ = false;
  end_debug_run();

  if (trap_ == Trap::unmapped) {
    const char* kind = (trap_type_ == UC_MEM_FETCH_UNMAPPED || trap_type_ == UC_MEM_FETCH_PROT) ? "fetch"
                       : (trap_type_ == UC_MEM_WRITE_UNMAPPED || trap_type_ == UC_MEM_WRITE_PROT) ? "write"
                                                                                                 : "read";
    bool prot = trap_type_ == UC_MEM_WRITE_PROT || trap_type_ == UC_MEM_FETCH_PROT;
    std::string what = fmt::format("{} {} of {} bytes at 0x{:08x}", prot ? "forbidden" : "unmapped",
                                   kind, trap_size_, trap_address_);
    bool fetch = kind[0] == 'f';
    // The PC is at the start of the block (see locate_faulting_access): point it at the access.
    if (!fetch)
      if (auto at = locate_faulting_access(*this, bus_, pc(), trap_address_)) set_reg(UC_ARM_REG_PC, *at | 1);
    if (unmapped_policy_ == UnmappedPolicy::stop)
      return {StopReason::fatal, 0, fmt::format("{}, {}", what, describe_pc())};
    scs_->record_bus_fault(trap_address_, !fetch, true);
    return handle_fault(kBusFault, what);
  }
  if (trap_ == Trap::invalid || err == UC_ERR_INSN_INVALID) {
    scs_->record_usage_fault(kUndefInstr);
    return handle_fault(kUsageFault, "undefined instruction");
  }
  if (trap_ == Trap::intr) return handle_intr(trap_intno_);
  if (err != UC_ERR_OK)
    return {StopReason::fatal, 0, fmt::format("CPU engine error: {}, {}", uc_strerror(err), describe_pc())};
  if (debug_stop_pending()) return debug_result();
  if (!stop_requested_) {
    // The engine stopped by itself: that is WFI (the PC is past it).
    std::uint32_t p = pc();
    std::uint8_t b[4] = {0, 0, 0, 0};
    bus_.read_block(p - 2, b + 2, 2);
    bus_.read_block(p - 4, b, 2);
    bool wfi16 = b[2] == 0x30 && b[3] == 0xBF;
    bool wfi32 = b[0] == 0xAF && b[1] == 0xF3 && b[2] == 0x03 && b[3] == 0x80;
    if (wfi16 || wfi32) {
      sleeping_ = true;
      return {};
    }
    return {StopReason::fatal, 0, fmt::format("execution stopped unexpectedly, {}", describe_pc())};
  }
  return {};
}

// ---- debugging -------------------------------------------------------------------------------

namespace {
// GDB register number -> Unicorn register (GDB manual, "ARM Features": org.gnu.gdb.arm.m-profile
// holds r0..r12, sp, lr, pc, xpsr; org.gnu.gdb.arm.m-system msp and psp; the special registers
// of ARMv7-M ARM B1.4.3 follow in the same feature).
constexpr int kGdbRegs[23] = {
    UC_ARM_REG_R0,  UC_ARM_REG_R1,  UC_ARM_REG_R2,   UC_ARM_REG_R3,      UC_ARM_REG_R4,
    UC_ARM_REG_R5,  UC_ARM_REG_R6,  UC_ARM_REG_R7,   UC_ARM_REG_R8,      UC_ARM_REG_R9,
    UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12,  UC_ARM_REG_SP,      UC_ARM_REG_LR,
    UC_ARM_REG_PC,  UC_ARM_REG_XPSR, UC_ARM_REG_MSP, UC_ARM_REG_PSP,     UC_ARM_REG_PRIMASK,
    UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK, UC_ARM_REG_CONTROL};
constexpr unsigned kGdbPc = 15, kGdbXpsr = 16;
}  // namespace

std::string CortexMCpu::gdb_target_xml() const {
  return R"(<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>arm</architecture>
  <feature name="org.gnu.gdb.arm.m-profile">
    <reg name="r0" bitsize="32" regnum="0" type="uint32" group="general"/>
    <reg name="r1" bitsize="32" type="uint32" group="general"/>
    <reg name="r2" bitsize="32" type="uint32" group="general"/>
    <reg name="r3" bitsize="32" type="uint32" group="general"/>
    <reg name="r4" bitsize="32" type="uint32" group="general"/>
    <reg name="r5" bitsize="32" type="uint32" group="general"/>
    <reg name="r6" bitsize="32" type="uint32" group="general"/>
    <reg name="r7" bitsize="32" type="uint32" group="general"/>
    <reg name="r8" bitsize="32" type="uint32" group="general"/>
    <reg name="r9" bitsize="32" type="uint32" group="general"/>
    <reg name="r10" bitsize="32" type="uint32" group="general"/>
    <reg name="r11" bitsize="32" type="uint32" group="general"/>
    <reg name="r12" bitsize="32" type="uint32" group="general"/>
    <reg name="sp" bitsize="32" type="data_ptr" group="general"/>
    <reg name="lr" bitsize="32" type="uint32" group="general"/>
    <reg name="pc" bitsize="32" type="code_ptr" group="general"/>
    <reg name="xpsr" bitsize="32" regnum="16" type="uint32" group="general"/>
  </feature>
  <feature name="org.gnu.gdb.arm.m-system">
    <reg name="msp" bitsize="32" regnum="17" type="data_ptr" group="system"/>
    <reg name="psp" bitsize="32" type="data_ptr" group="system"/>
    <reg name="primask" bitsize="32" type="uint32" group="system"/>
    <reg name="basepri" bitsize="32" type="uint32" group="system"/>
    <reg name="faultmask" bitsize="32" type="uint32" group="system"/>
    <reg name="control" bitsize="32" type="uint32" group="system"/>
  </feature>
</target>
)";
}

bool CortexMCpu::gdb_read_register(unsigned regno, std::uint32_t* value) {
  if (regno >= std::size(kGdbRegs)) return false;
  std::uint32_t v = reg(kGdbRegs[regno]);
  if (regno == kGdbPc) v &= ~1u;  // the Thumb bit lives in xPSR.T, not in the PC
  *value = v;
  return true;
}

bool CortexMCpu::gdb_write_register(unsigned regno, std::uint32_t value) {
  if (regno >= std::size(kGdbRegs)) return false;
  if (regno == kGdbPc) {
    if ((value & ~1u) != pc()) forget_partial_block();  // execution moves elsewhere
    set_reg(UC_ARM_REG_PC, value | 1);
    return true;
  }
  set_reg(kGdbRegs[regno], value);
  if (regno == kGdbXpsr) refresh_mode_flags();
  return true;
}

RunResult CortexMCpu::step() {
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  if (reset_requested_) {
    reset_requested_ = false;
    return {StopReason::reset_request, 0, {}};
  }
  if (!mid_block()) {
    // At a block start, as between two run() slices: due events fire, then a pending
    // exception is taken before the instruction; its entry is this step (ARMv7-M ARM B1.5.6).
    sched_.run_due();
    if (sleeping_) {
      // WFI: time goes on to the next event (the next step may then take its interrupt).
      int exec = scs_->execution_priority(0, reg(UC_ARM_REG_BASEPRI), reg(UC_ARM_REG_FAULTMASK));
      if (!scs_->exception_to_take(exec)) {
        Cycles next = sched_.next_deadline();
        if (next != kNever) sched_.advance_to(next);
        return step_stop();
      }
      sleeping_ = false;
    }
    bool taken = take_pending_exception(false);
    if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
    if (taken) return step_stop();
  }
  return step_with([this] { return run(kNever - 1); });
}

}  // namespace boardemu::cortexm
