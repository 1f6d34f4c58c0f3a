#include "riscv/rv32_cpu.hpp"

#include <fmt/format.h>

#include "core/log.hpp"

namespace boardemu::riscv {

namespace {

// QEMU's RISC-V exception numbers, which Unicorn passes to UC_HOOK_INTR; they equal the
// mcause exception codes of the privileged spec (Table 3.6), except that every ECALL arrives
// as the U-mode code 8.
enum : std::uint32_t {
  kInstAddrMisaligned = 0,
  kInstAccessFault = 1,
  kIllegalInstruction = 2,
  kBreakpoint = 3,
  kLoadAddrMisaligned = 4,
  kLoadAccessFault = 5,
  kStoreAddrMisaligned = 6,
  kStoreAccessFault = 7,
  kEcallFromU = 8,
  kEcallFromM = 11,
};

constexpr std::uint32_t kInterruptBit = 0x80000000;
constexpr std::uint32_t kUntilNever = 0xFFFFFFFF;  // odd: never an instruction address
// RISC-V semihosting: the EBREAK is marked by these two neighbours (RISC-V semihosting
// specification, "Semihosting trap sequence").
constexpr std::uint32_t kSemihostEntry = 0x01f01013;  // slli x0, x0, 0x1f
constexpr std::uint32_t kSemihostExit = 0x40705013;   // srai x0, x0, 7
constexpr std::uint32_t kWfi = 0x10500073;

// CSRRW/CSRRS/CSRRC and their immediate forms (SYSTEM opcode, funct3 != 0, != 4).
bool is_csr_access(std::uint32_t insn) {
  std::uint32_t funct3 = (insn >> 12) & 7;
  return (insn & 0x7F) == 0x73 && funct3 != 0 && funct3 != 4;
}

bool is_counter_csr(std::uint32_t csr) {
  switch (csr) {
    case 0xC00: case 0xC01: case 0xC02: case 0xC80: case 0xC81: case 0xC82:
    case 0xB00: case 0xB02: case 0xB80: case 0xB82:
      return true;
    default:
      return false;
  }
}

std::int32_t sext(std::uint32_t v, unsigned bits) {
  return static_cast<std::int32_t>(v << (32 - bits)) >> (32 - bits);
}

}  // namespace

Rv32Cpu::Rv32Cpu(const BoardDesc& board, Bus& bus, Semihosting& semihosting)
    : UnicornCpu(UC_ARCH_RISCV, UC_MODE_RISCV32, UC_CPU_RISCV32_SIFIVE_E31, board, bus, semihosting) {}

void Rv32Cpu::map_bus() {
  // No invalid-instruction hook: EBREAK and illegal encodings end the run with
  // UC_ERR_INSN_INVALID, which run() turns into the right exception.
  map_bus_with_hooks(reinterpret_cast<void*>(&block_hook<Rv32Cpu>), reinterpret_cast<void*>(on_intr),
                     reinterpret_cast<void*>(on_unmapped), nullptr);
}

std::function<void(bool)> Rv32Cpu::cpu_line(const std::string& name) {
  std::uint32_t bit = name == "msip" ? kMsip : name == "mtip" ? kMtip : name == "meip" ? kMeip : 0;
  if (!bit) return {};
  return [this, bit](bool level) {
    std::uint32_t before = lines_;
    lines_ = level ? (lines_ | bit) : (lines_ & ~bit);
    refresh_horizon();
    if (lines_ != before && level) request_stop();
  };
}

void Rv32Cpu::reset() {
  forget_partial_block();
  flush_translations();
  sleeping_ = false;
  prev_taken_extra_ = 0;
  resume_uncharged_ = 1;
  mcycle_offset_ = minstret_offset_ = 0;
  fatal_.clear();
  // Privileged spec §3.3 "Reset": M-mode, MIE = 0, PC = the implementation's reset vector.
  // QEMU's virt machine starts firmware loaded with -kernel at the start of RAM; boards say so
  // with their first RAM region, and the ELF entry is what the firmware links there.
  for (int r = UC_RISCV_REG_X1; r <= UC_RISCV_REG_X31; ++r) set_reg(r, 0);
  set_reg(UC_RISCV_REG_MSTATUS, 0);
  set_reg(UC_RISCV_REG_MIE, 0);
  set_reg(UC_RISCV_REG_MTVEC, 0);
  set_reg(UC_RISCV_REG_PC, entry_);
}

void Rv32Cpu::state(StateArchive& ar) {
  // The privilege level is not reachable through Unicorn 2.1.1's register API: the firmware
  // runs in M-mode only, as after reset.
  std::vector<int> regs;
  for (int r = UC_RISCV_REG_X1; r <= UC_RISCV_REG_X31; ++r) regs.push_back(r);
  for (int r : {UC_RISCV_REG_PC, UC_RISCV_REG_MSTATUS, UC_RISCV_REG_MIE, UC_RISCV_REG_MTVEC, UC_RISCV_REG_MSCRATCH,
                UC_RISCV_REG_MEPC, UC_RISCV_REG_MCAUSE, UC_RISCV_REG_MTVAL, UC_RISCV_REG_MIP})
    regs.push_back(r);
  unicorn_state(ar, regs);
  ar.field("sleeping", sleeping_);
  ar.field("lines", lines_);
  ar.field("resume_uncharged", resume_uncharged_);
  ar.field("mcycle_offset", mcycle_offset_);
  ar.field("minstret_offset", minstret_offset_);
  ar.field("entry", entry_);
  if (ar.loading()) trap_ = Trap::none;
}

BlockCost Rv32Cpu::time_block(std::uint32_t address, const std::uint8_t* code, std::uint32_t size) {
  BlockTiming t = cycle_model_.block_timing(code, size, address);
  BlockCost c;
  c.cycles = static_cast<std::uint16_t>(
      std::min<std::uint32_t>(t.cycles + costs_.fetch_wait_states(address) * t.fetch_words, 0xFFFF));
  c.taken_extra = static_cast<std::uint16_t>(t.taken_extra);
  c.instructions = t.instructions;
  c.reads_counters = !t.counter_reads.empty();
  return c;
}

// Unicorn's counters read host time, so reads of cycle/time/instret are emulated: a code hook
// is put on each such instruction, and the block is translated again so the hook takes effect
// (hooks added after translation do not fire on already-translated code).
void Rv32Cpu::hook_counter_reads(std::uint32_t address, std::uint32_t size) {
  hooked_counter_reads_.insert(address);
  std::uint8_t code[4096];
  std::uint32_t n = std::min<std::uint32_t>(size, sizeof code);
  if (!bus_.read_block(address, code, n)) return;
  BlockTiming t = cycle_model_.block_timing(code, n, address);
  for (const auto& r : t.counter_reads) {
    uc_hook h;
    std::uint64_t at = address + r.offset;
    check_uc(uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(on_counter_read), this, at, at),
             "counter-read hook");
    hooks_.push_back(h);
  }
  uc_ctl_remove_cache(uc_, static_cast<std::uint64_t>(address), static_cast<std::uint64_t>(address) + size);
  set_reg(UC_RISCV_REG_PC, address);
}

void Rv32Cpu::block_slow(std::uint32_t addr, std::uint32_t size) {
  auto& s = *this;
  bool step_first;
  if (!block_may_run(addr, size, step_first)) return;
  if (!step_first && s.lines_ && s.interrupt_takeable()) {  // an interrupt was pending behind MIE/mie
    s.stop_before_block(addr);
    return;
  }
  // The rest of a block whose counter read was emulated: charged with that block already, but
  // any counter read in it still needs its hook.
  bool charged = addr == s.resume_uncharged_;
  s.resume_uncharged_ = 1;
  s.refresh_horizon();
  const BlockCost& c = s.costs_.lookup(addr, size);
  if (!charged && s.retranslated(c, addr, size)) return;
  if (c.reads_counters && !s.hooked_counter_reads_.count(addr)) {
    s.hook_counter_reads(addr, size);
    s.block_abandoned(addr);
    if (charged) {
      s.resume_uncharged_ = addr;  // it runs again from its start, still charged
      s.refresh_horizon();
    }
    return;
  }
  if (!charged) s.charge(c, addr, size);
}

void Rv32Cpu::on_counter_read(uc_engine*, std::uint64_t address, std::uint32_t, void* p) {
  auto& s = *static_cast<Rv32Cpu*>(p);
  auto at = static_cast<std::uint32_t>(address);
  if (s.debug_stops_before(at)) return;  // a breakpoint or step stop before this instruction
  std::uint32_t insn = 0;
  if (!s.read32(at, &insn) || (insn & 0x7F) != 0x73) return;
  std::uint32_t funct3 = (insn >> 12) & 7, csr = insn >> 20;
  if (!is_csr_access(insn) || !is_counter_csr(csr)) return;  // code changed: run it as is
  std::uint32_t rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
  // The whole block was charged when it started: `cycle` reads the time at its end, and the
  // instructions from this one to the end of the block are counted already, although a read
  // of `instret` must not count them (privileged spec §3.1.10 / ISA manual "Zicsr": a CSR
  // instruction reads the value prior to its own execution). Unicorn ends a translated block
  // after every CSR instruction, so that is usually this instruction alone.
  std::uint32_t not_retired = 0;
  for (std::uint32_t p = at; p < s.prev_fallthrough_; ++not_retired) {
    std::uint8_t low = 0;
    if (!s.bus_.read_block(p, &low, 1)) break;
    p += (low & 3) == 3 ? 4 : 2;
  }
  std::uint64_t cycles = s.sched_.now() + static_cast<std::uint64_t>(s.mcycle_offset_);
  std::uint64_t instret =
      s.instructions_ - not_retired + static_cast<std::uint64_t>(s.minstret_offset_);
  std::uint64_t time = s.mtime_ ? s.mtime_() : 0;
  std::uint64_t full = 0;
  switch (csr & 0x7F) {
    case 0x00: full = cycles; break;
    case 0x01: full = time; break;
    case 0x02: full = instret; break;
    default: break;
  }
  bool high = (csr & 0x80) != 0;
  std::uint32_t old = static_cast<std::uint32_t>(high ? full >> 32 : full);
  bool writes = funct3 == 1 || funct3 == 5 || rs1 != 0;
  if (writes) {
    if ((csr & 0xF00) == 0xC00) {  // user counters are read-only (privileged spec §2.1)
      s.trap(kIllegalInstruction, at, insn);
      return;
    }
    std::uint32_t src = funct3 >= 5 ? rs1 : s.reg(UC_RISCV_REG_X0 + static_cast<int>(rs1));
    std::uint32_t v = (funct3 & 3) == 1 ? src : (funct3 & 3) == 2 ? (old | src) : (old & ~src);
    std::uint64_t wanted = high ? ((full & 0xFFFFFFFFull) | static_cast<std::uint64_t>(v) << 32)
                                : ((full & ~0xFFFFFFFFull) | v);
    std::int64_t& offset = (csr & 0x7F) == 0 ? s.mcycle_offset_ : s.minstret_offset_;
    offset += static_cast<std::int64_t>(wanted - full);
    // A write to minstret is done instead of the increment for this instruction (ISA manual,
    // "Zicsr"): the instructions after it count from `wanted`.
    if ((csr & 0x7F) == 2) offset -= 1;
  }
  if (rd) s.set_reg(UC_RISCV_REG_X0 + static_cast<int>(rd), old);
  // Execution resumes after this instruction; if that is still inside the block, the rest was
  // charged with it. (Unicorn ends a translated block after every CSR instruction, so usually
  // it is not: the next block is new and is charged normally.)
  s.resume_uncharged_ = at + 4 < s.prev_fallthrough_ ? at + 4 : 1;
  s.refresh_horizon();
  s.set_reg(UC_RISCV_REG_PC, at + 4);  // skips the instruction (abandons this translation)
}

void Rv32Cpu::on_intr(uc_engine*, std::uint32_t intno, void* p) {
  auto& s = *static_cast<Rv32Cpu*>(p);
  s.trap_ = Trap::intr;
  s.trap_intno_ = intno;
  s.request_stop();
}

bool Rv32Cpu::on_unmapped(uc_engine*, uc_mem_type type, std::uint64_t address, int, std::int64_t,
                          void* p) {
  auto& s = *static_cast<Rv32Cpu*>(p);
  s.trap_ = Trap::unmapped;
  s.trap_type_ = type;
  s.trap_address_ = static_cast<std::uint32_t>(address);
  return false;
}

void Rv32Cpu::trap(std::uint32_t cause, std::uint32_t epc, std::uint32_t tval) {
  // Privileged spec §3.1.6.1 and §3.1.7: MPIE <- MIE, MIE <- 0, MPP <- M (the firmware runs
  // in M-mode), mepc/mcause/mtval, PC <- mtvec (BASE + 4 x cause for vectored interrupts).
  std::uint32_t mstatus = reg(UC_RISCV_REG_MSTATUS);
  bool mie = mstatus & kMstatusMie;
  mstatus = (mstatus & ~(kMstatusMie | kMstatusMpie | kMstatusMppMask)) | (mie ? kMstatusMpie : 0) |
            kMstatusMppMask;
  set_reg(UC_RISCV_REG_MSTATUS, mstatus);
  set_reg(UC_RISCV_REG_MEPC, epc);
  set_reg(UC_RISCV_REG_MCAUSE, cause);
  set_reg(UC_RISCV_REG_MTVAL, tval);
  std::uint32_t mtvec = reg(UC_RISCV_REG_MTVEC);
  std::uint32_t target = mtvec & ~3u;
  if ((mtvec & 3) == 1 && (cause & kInterruptBit)) target += 4 * (cause & ~kInterruptBit);
  set_reg(UC_RISCV_REG_PC, target);
  sleeping_ = false;
  prev_taken_extra_ = 0;
  sched_.advance(kTrapEntryCycles);
  BE_LOG(trace, "trap mcause 0x{:08x} at 0x{:08x} (mtval 0x{:08x}) -> 0x{:08x}, {} cycles", cause,
         epc, tval, target, sched_.now());
}

void Rv32Cpu::take_interrupt() {
  // Priority among machine interrupts: MEI, MSI, MTI (privileged spec §3.1.9).
  std::uint32_t pending = pending_enabled();
  std::uint32_t code = (pending & kMeip) ? 11 : (pending & kMsip) ? 3 : 7;
  trap(kInterruptBit | code, pc(), 0);
}

// The E31 has no S-mode, so its S-mode CSRs (0x100..0x1FF) do not exist; firmware written for
// QEMU's virt machine (whose CPU has S-mode) still touches them, e.g. MicroPython's start-up
// `csrw satp, zero`. They read as zero and ignore writes, logged under `unimp`.
bool Rv32Cpu::emulate_absent_csr(std::uint32_t insn, std::uint32_t at) {
  if (!is_csr_access(insn)) return false;
  std::uint32_t csr = insn >> 20;
  if (csr < 0x100 || csr > 0x1FF) return false;
  BE_LOG(unimp, "S-mode CSR 0x{:03x} accessed at 0x{:08x}: reads as zero, writes ignored", csr, at);
  std::uint32_t rd = (insn >> 7) & 31;
  if (rd) set_reg(UC_RISCV_REG_X0 + static_cast<int>(rd), 0);
  set_reg(UC_RISCV_REG_PC, at + 4);
  return true;
}

RunResult Rv32Cpu::handle_intr(std::uint32_t intno, std::uint32_t at) {
  set_reg(UC_RISCV_REG_PC, at);  // so that messages name the instruction
  switch (intno) {
    case kEcallFromU:
      trap(kEcallFromM, at, 0);
      return {};
    case kBreakpoint: {
      std::uint32_t before = 0, after = 0;
      if (semihosting_enabled_ && read32(at - 4, &before) && read32(at + 4, &after) && before == kSemihostEntry &&
          after == kSemihostExit) {
        auto out = semihosting_.call(reg(UC_RISCV_REG_A0), reg(UC_RISCV_REG_A1));
        if (out.exit_code) return {StopReason::exit, *out.exit_code, {}};
        set_reg(UC_RISCV_REG_A0, out.result);
        set_reg(UC_RISCV_REG_PC, at + 4);
        return {};
      }
      trap(kBreakpoint, at, at);
      return {};
    }
    case kIllegalInstruction: {
      std::uint32_t insn = 0;
      read32(at, &insn);
      if ((insn & 3) != 3) insn &= 0xFFFF;
      if (emulate_absent_csr(insn, at)) return {};
      BE_LOG(guest_error, "illegal instruction 0x{:08x} at {}", insn, describe_pc());
      trap(kIllegalInstruction, at, insn);
      return {};
    }
    case kInstAddrMisaligned:
    case kLoadAddrMisaligned:
    case kStoreAddrMisaligned:
    case kInstAccessFault:
    case kLoadAccessFault:
    case kStoreAccessFault:
      BE_LOG(guest_error, "exception {} at {}", intno, describe_pc());
      trap(intno, at, 0);
      return {};
    default:
      return {StopReason::fatal, 0,
              fmt::format("unhandled CPU exception {} from the engine, {}", intno, describe_pc())};
  }
}

// When an access faults, Unicorn leaves the PC at the start of the translated block, with the
// registers as they were before the faulting instruction (the ones before it in the block have
// run). The block is decoded from its start to its end: the first load or store (AMO, LR/SC) of the right
// direction whose address, rs1 + offset from the current registers, covers the faulting address
// is the one. A block ends at its first control transfer or SYSTEM instruction (CSR accesses
// included), so decoding stops there.
std::optional<std::uint32_t> Rv32Cpu::locate_faulting_access(std::uint32_t block_start,
                                                             std::uint32_t address, bool write) {
  auto x = [this](std::uint32_t r) { return r ? reg(UC_RISCV_REG_X0 + static_cast<int>(r)) : 0u; };
  auto covers = [address](std::uint32_t lo, std::uint32_t size) { return address - lo < size; };
  // The block that faulted is the one charged last, whichever path charged it: it ends at
  // prev_fallthrough_.
  std::uint32_t end = prev_fallthrough_ > block_start ? prev_fallthrough_ : block_start + 4096;
  for (std::uint32_t at = block_start; at < end;) {
    std::uint8_t b[4] = {0, 0, 0, 0};
    if (!bus_.read_block(at, b, 2)) break;
    std::uint32_t insn = b[0] | b[1] << 8;
    bool match = false, ends_block = false;
    std::uint32_t length = 2;
    if ((insn & 3) == 3) {  // 32-bit
      if (!bus_.read_block(at + 2, b + 2, 2)) break;
      insn |= static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
      length = 4;
      std::uint32_t opcode = insn & 0x7F, funct3 = (insn >> 12) & 7, rs1 = (insn >> 15) & 31;
      std::uint32_t size = 1u << (funct3 & 3);
      switch (opcode) {
        case 0x03:  // LB, LH, LW, LBU, LHU
          match = !write && covers(x(rs1) + static_cast<std::uint32_t>(sext(insn >> 20, 12)), size);
          break;
        case 0x23:  // SB, SH, SW
          match = write && covers(x(rs1) + static_cast<std::uint32_t>(sext(
                                                ((insn >> 25) << 5) | ((insn >> 7) & 31), 12)),
                                  size);
          break;
        case 0x2F:  // LR.W (reads), SC.W (writes), AMO*.W (either): at rs1
          match = covers(x(rs1), 4) && (insn >> 27) != (write ? 0x02u : 0x03u);
          break;
        case 0x63: case 0x67: case 0x6F: case 0x73:  // branches, JALR, JAL, SYSTEM
          ends_block = true;
          break;
        default:
          break;
      }
    } else {  // 16-bit (RVC)
      std::uint32_t op = insn & 3, funct3 = insn >> 13;
      std::uint32_t rs1c = 8 + ((insn >> 7) & 7);
      // C.LW/C.SW offset: [5:3] in bits 12:10, [2] in bit 6, [6] in bit 5.
      std::uint32_t off_w = ((insn >> 10) & 7) << 3 | ((insn >> 6) & 1) << 2 | ((insn >> 5) & 1) << 6;
      if (op == 0 && funct3 == 2) match = !write && covers(x(rs1c) + off_w, 4);        // C.LW
      else if (op == 0 && funct3 == 6) match = write && covers(x(rs1c) + off_w, 4);    // C.SW
      else if (op == 2 && funct3 == 2)  // C.LWSP: [5] in bit 12, [4:2] in 6:4, [7:6] in 3:2
        match = !write && covers(x(2) + (((insn >> 12) & 1) << 5 | ((insn >> 4) & 7) << 2 |
                                         ((insn >> 2) & 3) << 6), 4);
      else if (op == 2 && funct3 == 6)  // C.SWSP: [5:2] in bits 12:9, [7:6] in 8:7
        match = write && covers(x(2) + (((insn >> 9) & 15) << 2 | ((insn >> 7) & 3) << 6), 4);
      else if (op == 1 && (funct3 == 1 || funct3 >= 5))  // C.JAL, C.J, C.BEQZ, C.BNEZ
        ends_block = true;
      else if (op == 2 && funct3 == 4 && ((insn >> 2) & 31) == 0)  // C.JR, C.JALR, C.EBREAK
        ends_block = true;
    }
    if (match) return at;
    if (ends_block) break;
    at += length;
  }
  return std::nullopt;
}

RunResult Rv32Cpu::run(Cycles deadline) {
  deadline_ = deadline;
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  if (sleeping_) {
    // WFI resumes when an enabled interrupt is pending, whatever mstatus.MIE says (§3.2.3).
    if (!pending_enabled()) {
      sched_.advance_to(deadline);
      return {};
    }
    sleeping_ = false;
  }
  // Not inside a block a debug stop interrupted: interrupts are taken at block starts only.
  if (!mid_block() && lines_ && interrupt_takeable()) take_interrupt();
  if (sched_.now() >= deadline_) return {};

  trap_ = Trap::none;
  stop_requested_ = false;
  begin_debug_run(pc());
  running_ = true;
  uc_err err = uc_emu_start(uc_, pc(), kUntilNever, 0, 0);
  running_ = false;
  end_debug_run();

  if (trap_ == Trap::unmapped) {
    bool fetch = trap_type_ == UC_MEM_FETCH_UNMAPPED || trap_type_ == UC_MEM_FETCH_PROT;
    bool write = trap_type_ == UC_MEM_WRITE_UNMAPPED || trap_type_ == UC_MEM_WRITE_PROT;
    std::string what = fmt::format("{} {} at 0x{:08x}",
                                   (trap_type_ == UC_MEM_WRITE_PROT || trap_type_ == UC_MEM_FETCH_PROT)
                                       ? "forbidden" : "unmapped",
                                   fetch ? "fetch" : write ? "write" : "read", trap_address_);
    // The engine leaves the PC at the start of the block that faulted: point it at the access.
    bool amo = false;
    if (!fetch) {
      if (auto at = locate_faulting_access(pc(), trap_address_, write)) {
        set_reg(UC_RISCV_REG_PC, *at);
        // AMOs and SC.W raise store/AMO access faults (privileged spec, Table 3.6), even when
        // the engine reports the read an AMO starts with.
        std::uint32_t insn = 0;
        amo = read32(*at, &insn) && (insn & 0x7F) == 0x2F && (insn >> 27) != 0x02;
      }
    }
    if (unmapped_policy_ == UnmappedPolicy::stop)
      return {StopReason::fatal, 0, fmt::format("{}, {}", what, describe_pc())};
    BE_LOG(guest_error, "{}, {}", what, describe_pc());
    trap(fetch ? kInstAccessFault : (write || amo) ? kStoreAccessFault : kLoadAccessFault,
         fetch ? trap_address_ : pc(), trap_address_);
    return {};
  }
  // Unicorn's cpu_handle_exception advances the RISC-V PC by 4 before it calls the UC_HOOK_INTR
  // callbacks, whatever the length of the instruction that trapped (a 2-byte one included):
  // that instruction is at PC - 4.
  if (trap_ == Trap::intr) return handle_intr(trap_intno_, pc() - 4);
  if (err == UC_ERR_INSN_INVALID) {
    // Unicorn reports EBREAK this way rather than as a breakpoint exception.
    std::uint32_t insn = 0;
    read32(pc(), &insn);
    bool ebreak = insn == 0x00100073 || (insn & 0xFFFF) == 0x9002;
    return handle_intr(ebreak ? kBreakpoint : kIllegalInstruction, pc());
  }
  if (err != UC_ERR_OK)
    return {StopReason::fatal, 0, fmt::format("CPU engine error: {}, {}", uc_strerror(err), describe_pc())};
  if (debug_stop_pending()) return debug_result();
  if (!stop_requested_) {
    std::uint32_t insn = 0;
    if (read32(pc() - 4, &insn) && insn == kWfi) {
      sleeping_ = true;
      return {};
    }
    return {StopReason::fatal, 0, fmt::format("execution stopped unexpectedly, {}", describe_pc())};
  }
  return {};
}

// ---- debugging -------------------------------------------------------------------------------

namespace {
// GDB's RISC-V register names in x order (GDB manual, "RISC-V Features": org.gnu.gdb.riscv.cpu
// holds x0..x31 under their ABI names, then pc).
constexpr const char* kXNames[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
                                     "fp",   "s1", "a0", "a1", "a2", "a3", "a4", "a5",
                                     "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7",
                                     "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
// The machine CSRs the backend has (privileged spec §3.1), in GDB register order from 33.
struct CsrReg {
  const char* name;
  int uc;
};
constexpr CsrReg kCsrs[] = {{"mstatus", UC_RISCV_REG_MSTATUS}, {"misa", UC_RISCV_REG_MISA},
                            {"mie", UC_RISCV_REG_MIE},         {"mtvec", UC_RISCV_REG_MTVEC},
                            {"mscratch", UC_RISCV_REG_MSCRATCH}, {"mepc", UC_RISCV_REG_MEPC},
                            {"mcause", UC_RISCV_REG_MCAUSE},   {"mtval", UC_RISCV_REG_MTVAL},
                            {"mip", UC_RISCV_REG_MIP}};
constexpr unsigned kGdbPc = 32, kFirstCsr = 33;
}  // namespace

std::string Rv32Cpu::gdb_target_xml() const {
  std::string x =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
      "  <architecture>riscv:rv32</architecture>\n  <feature name=\"org.gnu.gdb.riscv.cpu\">\n";
  for (unsigned i = 0; i < 32; ++i) {
    const char* type = i == 1 ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int";
    x += fmt::format("    <reg name=\"{}\" bitsize=\"32\" regnum=\"{}\" type=\"{}\"/>\n", kXNames[i], i, type);
  }
  x += "    <reg name=\"pc\" bitsize=\"32\" regnum=\"32\" type=\"code_ptr\"/>\n  </feature>\n"
       "  <feature name=\"org.gnu.gdb.riscv.csr\">\n";
  for (unsigned i = 0; i < std::size(kCsrs); ++i)
    x += fmt::format("    <reg name=\"{}\" bitsize=\"32\" regnum=\"{}\" type=\"int\" group=\"system\"/>\n",
                     kCsrs[i].name, kFirstCsr + i);
  x += "  </feature>\n</target>\n";
  return x;
}

bool Rv32Cpu::gdb_read_register(unsigned regno, std::uint32_t* value) {
  if (regno < 32) {
    *value = regno == 0 ? 0 : reg(UC_RISCV_REG_X0 + static_cast<int>(regno));
  } else if (regno == kGdbPc) {
    *value = pc();
  } else if (regno - kFirstCsr < std::size(kCsrs)) {
    const CsrReg& c = kCsrs[regno - kFirstCsr];
    *value = reg(c.uc);
    // The interrupt inputs live in the backend, not in the engine's mip (REFERENCE.md §4).
    if (c.uc == UC_RISCV_REG_MIP) *value |= lines_;
  } else {
    return false;
  }
  return true;
}

bool Rv32Cpu::gdb_write_register(unsigned regno, std::uint32_t value) {
  if (regno == 0) return true;  // x0 is hardwired to zero
  if (regno < 32) {
    set_reg(UC_RISCV_REG_X0 + static_cast<int>(regno), value);
  } else if (regno == kGdbPc) {
    if (value != pc()) forget_partial_block();  // execution moves elsewhere
    set_reg(UC_RISCV_REG_PC, value);
  } else if (regno - kFirstCsr < std::size(kCsrs)) {
    const CsrReg& c = kCsrs[regno - kFirstCsr];
    // mip's external, timer and software bits follow the interrupt lines (§3.1.9): read-only.
    set_reg(c.uc, c.uc == UC_RISCV_REG_MIP ? value & ~(kMsip | kMtip | kMeip) : value);
  } else {
    return false;
  }
  return true;
}

RunResult Rv32Cpu::step() {
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  if (!mid_block()) {
    // At a block start, as between two run() slices: due events fire, then a pending
    // interrupt is taken before the instruction; its trap entry is this step (§3.1.9).
    sched_.run_due();
    if (sleeping_) {
      // WFI: time goes on to the next event (the next step may then take its interrupt).
      if (!pending_enabled()) {
        Cycles next = sched_.next_deadline();
        if (next != kNever) sched_.advance_to(next);
        return step_stop();
      }
      sleeping_ = false;
    }
    if (lines_ && interrupt_takeable()) {
      take_interrupt();
      if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
      return step_stop();
    }
  }
  return step_with([this] { return run(kNever - 1); });
}

}  // namespace boardemu::riscv
