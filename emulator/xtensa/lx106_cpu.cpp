#include "xtensa/lx106_cpu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/log.hpp"

namespace boardemu::xtensa {

namespace {

const char* cause_name(std::uint32_t cause) {
  switch (cause) {
    case 0: return "IllegalInstruction";
    case 1: return "Syscall";
    case 2: return "InstructionFetchError";
    case 3: return "LoadStoreError";
    case 4: return "Level1Interrupt";
    case 9: return "LoadStoreAlignment";
    case 14: return "InstrPIFAddrError";
    case 15: return "LoadStorePIFAddrError";
    default: return "?";
  }
}

inline std::uint32_t rd_le(const std::uint8_t* p, unsigned size) {
  switch (size) {
    case 1: return p[0];
    case 2: return static_cast<std::uint32_t>(p[0] | p[1] << 8);
    default: {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
  }
}

inline void wr_le(std::uint8_t* p, unsigned size, std::uint32_t v) {
  switch (size) {
    case 1: p[0] = static_cast<std::uint8_t>(v); break;
    case 2:
      p[0] = static_cast<std::uint8_t>(v);
      p[1] = static_cast<std::uint8_t>(v >> 8);
      break;
    default: std::memcpy(p, &v, 4); break;
  }
}

}  // namespace

Lx106Cpu::Lx106Cpu(const BoardDesc& board, Bus& bus)
    : board_(board),
      bus_(bus),
      sched_(bus.scheduler()),
      simcall_(bus),
      ccompare_event_(sched_, "cpu.ccompare0", [this](Cycles) {
        latched_ |= 1u << kTimerInterrupt;
        interrupts_changed();
      }) {
  // calloc: the kernel hands out zero pages lazily, so only the entries used cost memory.
  pages_ = static_cast<PageInfo*>(std::calloc(kPages, sizeof(PageInfo)));
  code_ = static_cast<Insn**>(std::calloc(kPages, sizeof(Insn*)));
  if (!pages_ || !code_) throw std::bad_alloc();
  build_page_table();
  // Memory written behind the core (flash programmed through a controller, host writes) may
  // hold instructions decoded earlier.
  bus_.add_write_observer([this](std::uint32_t addr, std::uint32_t len) { host_wrote(addr, len); });
  // The translator where it is built (x86-64 with Xbyak), the interpreter elsewhere.
  // BOARDEMU_LX106_ENGINE=interp makes the interpreter the default (how the test suites run
  // every LX106 test on both engines); `run --engine` decides for the command line.
  const char* e = std::getenv("BOARDEMU_LX106_ENGINE");
  set_engine(e && std::string(e) == "interp" ? Engine::interp : Engine::jit);
}

Lx106Cpu::~Lx106Cpu() {
  flush_code_cache();
  std::free(code_);
  std::free(pages_);
}

// Pages entirely inside one memory region get a host pointer; the rest (device windows,
// unmapped space, pages only partly covered by a region) take the slow path.
void Lx106Cpu::build_page_table() {
  for (auto& r : bus_.ram()) {
    const MemoryRegion& d = r->desc;
    std::uint64_t begin = (static_cast<std::uint64_t>(d.base) + kPageSize - 1) & ~std::uint64_t{kPageSize - 1};
    std::uint64_t end = (static_cast<std::uint64_t>(d.base) + d.size) & ~std::uint64_t{kPageSize - 1};
    for (std::uint64_t p = begin; p < end; p += kPageSize) {
      PageInfo& pi = pages_[p >> kPageBits];
      pi.host = r->bytes.data() + (p - d.base);
      pi.flags = static_cast<std::uint8_t>((d.kind == MemoryKind::ram ? kWritable : kReadOnlyRegion) |
                                           (d.word_only ? kWordOnly : 0));
      pi.wait = static_cast<std::uint8_t>(std::min(d.wait_states, 255u));
    }
  }
}

bool Lx106Cpu::set_engine(Engine engine) {
  if (engine == Engine::interp) {
    jit_.reset();
    return true;
  }
  if (!Lx106Jit::available()) return false;
  if (!jit_) jit_ = std::make_unique<Lx106Jit>(*this);
  return true;
}

void Lx106Cpu::flush_code_cache() {
  if (jit_) jit_->flush();
  for (std::uint32_t p : code_pages_) {
    delete[] code_[p];
    code_[p] = nullptr;
    pages_[p].flags &= static_cast<std::uint8_t>(~kHasCode);
  }
  code_pages_.clear();
}

void Lx106Cpu::set_static_code(std::vector<std::pair<std::uint32_t, std::uint32_t>>) {
  // Every page keeps its decoded instructions coherent with guest stores, so nothing needs
  // to be known about which code is fixed. Host-side writes (the ELF loader) happen before
  // reset(), which drops the caches.
}

void Lx106Cpu::reset() {
  // Reset state (ISA manual §4.4.1 and the lx106 configuration): PS.INTLEVEL 15, PS.EXCM 1,
  // VECBASE 0x40000000, LITBASE off, interrupts disabled and cleared, CCOUNT 0.
  flush_code_cache();
  std::fill(std::begin(a_), std::end(a_), 0u);
  sar_ = litbase_ = 0;
  ps_ = kPsReset;
  vecbase_ = kVecbaseReset;
  std::fill(std::begin(epc_), std::end(epc_), 0u);
  std::fill(std::begin(eps_), std::end(eps_), 0u);
  std::fill(std::begin(excsave_), std::end(excsave_), 0u);
  depc_ = exccause_ = excvaddr_ = debugcause_ = 0;
  intenable_ = ccompare0_ = 0;
  ibreakenable_ = ibreaka0_ = dbreaka0_ = dbreakc0_ = ddr_ = icount_ = icountlevel_ = 0;
  latched_ = 0;
  loaded_ = 0;
  level_lines_ = inputs_ & ~(kEdgeMask | kNmiMask);
  waiting_ = false;
  fatal_.clear();
  exit_code_.reset();
  last_exc_valid_ = false;
  ccount_base_ = sched_.now();
  arm_ccompare();
  pc_ = board_.reset_vector.value_or(entry_);
  // Breakpoints and watchpoints stay (the debugger still has them inserted); a breakpoint at
  // the reset vector does not stop the first instruction after a reset by the debugger.
  debug_hit_.reset();
  halted_for_debugger();
}

void Lx106Cpu::state(StateArchive& ar) {
  if (ar.saving() && simcall_.open_files())
    throw SnapshotError(fmt::format("the guest holds {} host files open through SIMCALL; they cannot be saved",
                                    simcall_.open_files()));
  ar.field("a", a_);
  ar.field("pc", pc_);
  ar.field("sar", sar_);
  ar.field("litbase", litbase_);
  ar.field("ps", ps_);
  ar.field("vecbase", vecbase_);
  ar.field("epc", epc_);
  ar.field("eps", eps_);
  ar.field("excsave", excsave_);
  ar.field("depc", depc_);
  ar.field("exccause", exccause_);
  ar.field("excvaddr", excvaddr_);
  ar.field("debugcause", debugcause_);
  ar.field("intenable", intenable_);
  ar.field("ccompare0", ccompare0_);
  ar.field("ibreakenable", ibreakenable_);
  ar.field("ibreaka0", ibreaka0_);
  ar.field("dbreaka0", dbreaka0_);
  ar.field("dbreakc0", dbreakc0_);
  ar.field("ddr", ddr_);
  ar.field("icount", icount_);
  ar.field("icountlevel", icountlevel_);
  ar.field("prid", prid_);
  ar.field("level_lines", level_lines_);
  ar.field("latched", latched_);
  ar.field("inputs", inputs_);
  ar.field("waiting", waiting_);
  ar.field("loaded", loaded_);
  ar.field("ccount_base", ccount_base_);
  ar.field("entry", entry_);
  ar.field("instructions", instructions_);
  ar.field("last_exc_pc", last_exc_pc_);
  ar.field("last_exc_cause", last_exc_cause_);
  ar.field("last_exc_vector", last_exc_vector_);
  ar.field("last_exc_valid", last_exc_valid_);
  if (ar.loading()) {
    flush_code_cache();
    fatal_.clear();
    exit_code_.reset();
    host_quit_ = false;
    stop_ = 0;
    debug_hit_.reset();
    halted_for_debugger();
  }
}

// ---- Interrupts -------------------------------------------------------------------------------

void Lx106Cpu::set_irq_level(unsigned input, bool level) {
  if (input >= kNumInterrupts) return;
  std::uint32_t bit = 1u << input;
  bool was = inputs_ & bit;
  inputs_ = level ? (inputs_ | bit) : (inputs_ & ~bit);
  if (bit & (kEdgeMask | kNmiMask)) {
    if (level && !was) latched_ |= bit;  // edge-triggered: latched until INTCLEAR (or taken: NMI)
  } else {
    level_lines_ = level ? (level_lines_ | bit) : (level_lines_ & ~bit);
  }
  interrupts_changed();
}

unsigned Lx106Cpu::takeable_level() const {
  unsigned cur = current_level();
  // The NMI cannot be masked by INTENABLE; at level 3 it is above every PS.INTLEVEL software
  // uses, and is held off only while its own handler runs (ISA manual §4.4.4).
  if ((latched_ & kNmiMask) && cur < kNmiLevel) return kNmiLevel;
  if ((interrupt_reg() & intenable_ & kLevel1Mask) && cur < 1) return 1;
  return 0;
}

void Lx106Cpu::take_interrupt(unsigned level) {
  waiting_ = false;
  loaded_ = 0;  // the pipeline refills: no load-use interlock into the vector
  resume_valid_ = false;  // the instruction resumed from has not run: its breakpoint counts again
  sched_.advance(kExceptionEntryCycles);
  std::uint32_t from = pc_;
  if (level == kNmiLevel) {
    // High-priority interrupt (§4.4.5): EPC3/EPS3, PS.INTLEVEL = 3, PS.EXCM = 1.
    latched_ &= ~kNmiMask;
    epc_[3] = pc_;
    eps_[3] = ps_;
    ps_ = (ps_ & ~kPsIntlevel) | kNmiLevel | kPsExcm;
    pc_ = vecbase_ + kNmiVecOfs;
  } else {
    // Level-1 interrupt: a general exception with EXCCAUSE 4 (§4.4.1.5).
    epc_[1] = pc_;
    exccause_ = kLevel1InterruptCause;
    pc_ = vecbase_ + ((ps_ & kPsUm) ? kUserVecOfs : kKernelVecOfs);
    ps_ |= kPsExcm;
  }
  BE_LOG(trace, "lx106: level-{} interrupt (INTERRUPT 0x{:04x}, INTENABLE 0x{:04x}) at 0x{:08x} -> 0x{:08x}, cycle {}",
         level, interrupt_reg(), intenable_, from, pc_, sched_.now());
}

// ---- Exceptions -------------------------------------------------------------------------------

std::string Lx106Cpu::fatal_message(const std::string& what) const {
  std::string s = fmt::format("{}: PC 0x{:08x}, EXCCAUSE {} ({}), EXCVADDR 0x{:08x}", what, pc_,
                              exccause_, cause_name(exccause_), excvaddr_);
  return s;
}

bool Lx106Cpu::exception(std::uint32_t cause, std::uint32_t at, std::optional<std::uint32_t> vaddr) {
  // General exceptions (§4.4.1.5): with PS.EXCM clear, EPC1 <- PC, PS.EXCM <- 1, to the
  // kernel or user vector by PS.UM; with PS.EXCM set, a double exception: DEPC <- PC, to the
  // double-exception vector. EXCCAUSE (and EXCVADDR for address errors) in both cases.
  sched_.advance(kExceptionEntryCycles);
  waiting_ = false;
  bool dbl = ps_ & kPsExcm;
  std::uint32_t vector;
  if (dbl) {
    depc_ = at;
    vector = vecbase_ + kDoubleVecOfs;
  } else {
    epc_[1] = at;
    vector = vecbase_ + ((ps_ & kPsUm) ? kUserVecOfs : kKernelVecOfs);
    ps_ |= kPsExcm;
  }
  exccause_ = cause;
  if (vaddr) excvaddr_ = *vaddr;
  pc_ = at;
  // An exception raised by the first instruction of the vector it would go to can only repeat
  // forever (e.g. a double exception with no handler in memory, the usual end of a program
  // that faults right after reset, when PS.EXCM is still 1).
  const PageInfo& vp = pages_[vector >> kPageBits];
  bool vector_fetchable = vp.host || bus_.host_pointer(vector, 2);
  if (at == vector || !vector_fetchable) {
    std::string what = fmt::format("unrecoverable {}exception", dbl ? "double " : "");
    std::string msg = fatal_message(what);
    if (!vector_fetchable) msg += fmt::format("; its vector 0x{:08x} is not in memory", vector);
    if (last_exc_valid_ && last_exc_vector_ == at)
      msg += fmt::format(" (entered after EXCCAUSE {} ({}) at PC 0x{:08x})", last_exc_cause_,
                         cause_name(last_exc_cause_), last_exc_pc_);
    fatal_ = msg;
    return false;
  }
  last_exc_valid_ = true;
  last_exc_pc_ = at;
  last_exc_cause_ = cause;
  last_exc_vector_ = vector;
  pc_ = vector;
  BE_LOG(trace, "lx106: {}exception EXCCAUSE {} ({}) at 0x{:08x}, EXCVADDR 0x{:08x} -> 0x{:08x}, cycle {}",
         dbl ? "double " : "", cause, cause_name(cause), at, excvaddr_, vector, sched_.now());
  return true;
}

void Lx106Cpu::debug_exception(std::uint32_t cause, std::uint32_t at) {
  // Debug exception at DEBUGLEVEL 2 (§4.7): EPC2 <- PC, EPS2 <- PS, DEBUGCAUSE, PS.INTLEVEL 2.
  sched_.advance(kExceptionEntryCycles);
  epc_[kDebugLevel] = at;
  eps_[kDebugLevel] = ps_;
  debugcause_ = cause;
  ps_ = (ps_ & ~kPsIntlevel) | kDebugLevel | kPsExcm;
  pc_ = vecbase_ + kDebugVecOfs;
  BE_LOG(trace, "lx106: debug exception DEBUGCAUSE 0x{:x} at 0x{:08x} -> 0x{:08x}", cause, at, pc_);
}

// ---- Timer ------------------------------------------------------------------------------------

std::uint32_t Lx106Cpu::ccount() const { return static_cast<std::uint32_t>(sched_.now() - ccount_base_); }

void Lx106Cpu::arm_ccompare() {
  // Interrupt 6 is raised when CCOUNT becomes equal to CCOMPARE0 (§4.4.6): the next match is
  // 1..2^32 cycles away (a value equal to the current count matches after a full wrap).
  std::uint64_t delta = static_cast<std::uint64_t>(static_cast<std::uint32_t>(ccompare0_ - ccount() - 1)) + 1;
  ccompare_event_.arm_in(delta);
}

// ---- Special registers ------------------------------------------------------------------------

bool Lx106Cpu::read_sr(unsigned sr, std::uint32_t* out) {
  std::uint32_t v = 0;
  switch (sr) {
    case SR_SAR: v = sar_; break;
    case SR_LITBASE: v = litbase_; break;
    case SR_IBREAKENABLE: v = ibreakenable_; break;
    case SR_DDR: v = ddr_; break;
    case SR_IBREAKA0: v = ibreaka0_; break;
    case SR_DBREAKA0: v = dbreaka0_; break;
    case SR_DBREAKC0: v = dbreakc0_; break;
    case SR_CONFIGID0: v = kConfigId0; break;
    case SR_CONFIGID1: v = kConfigId1; break;
    case SR_EPC1: case SR_EPC2: case SR_EPC3: v = epc_[sr - SR_EPC1 + 1]; break;
    case SR_DEPC: v = depc_; break;
    case SR_EPS2: case SR_EPS3: v = eps_[sr - SR_EPS2 + 2]; break;
    case SR_EXCSAVE1: case SR_EXCSAVE2: case SR_EXCSAVE3: v = excsave_[sr - SR_EXCSAVE1 + 1]; break;
    case SR_INTERRUPT: v = interrupt_reg(); break;
    case SR_INTENABLE: v = intenable_; break;
    case SR_PS: v = ps_; break;
    case SR_VECBASE: v = vecbase_; break;
    case SR_EXCCAUSE: v = exccause_; break;
    case SR_DEBUGCAUSE: v = debugcause_; break;
    case SR_CCOUNT: v = ccount(); break;
    case SR_PRID: v = prid_; break;
    case SR_ICOUNT: v = icount_; break;
    case SR_ICOUNTLEVEL: v = icountlevel_; break;
    case SR_EXCVADDR: v = excvaddr_; break;
    case SR_CCOMPARE0: v = ccompare0_; break;
    default: return false;  // includes the write-only INTCLEAR and MMID
  }
  *out = v;
  return true;
}

// Write masks follow QEMU's lx106 model (checked by writing all ones and reading back under
// `qemu-system-xtensa -M sim -cpu lx106`): SAR keeps 6 bits, LITBASE its base and enable bit,
// PS its defined fields, ICOUNTLEVEL 4 bits; the other registers keep all 32 bits.
bool Lx106Cpu::write_sr(unsigned sr, std::uint32_t v) {
  switch (sr) {
    case SR_SAR: sar_ = v & 0x3F; break;
    case SR_LITBASE: litbase_ = v & 0xFFFFF001; break;  // base[31:12], enable bit 0
    case SR_MMID: break;  // trace-port marker: no trace port here
    case SR_IBREAKENABLE:
      ibreakenable_ = v & 1;
      if (ibreakenable_) BE_LOG(unimp, "lx106: instruction breakpoints are not modelled (IBREAKENABLE set)");
      break;
    case SR_DDR: ddr_ = v; break;
    case SR_IBREAKA0: ibreaka0_ = v; break;
    case SR_DBREAKA0: dbreaka0_ = v; break;
    case SR_DBREAKC0: dbreakc0_ = v; break;
    case SR_EPC1: case SR_EPC2: case SR_EPC3: epc_[sr - SR_EPC1 + 1] = v; break;
    case SR_DEPC: depc_ = v; break;
    case SR_EPS2: case SR_EPS3: eps_[sr - SR_EPS2 + 2] = v; break;
    case SR_EXCSAVE1: case SR_EXCSAVE2: case SR_EXCSAVE3: excsave_[sr - SR_EXCSAVE1 + 1] = v; break;
    case SR_INTSET:  // only software interrupts can be set by software
      latched_ |= v & (1u << kSoftwareInterrupt);
      interrupts_changed();
      break;
    case SR_INTCLEAR:  // software and edge-triggered interrupts
      latched_ &= ~(v & ((1u << kSoftwareInterrupt) | kEdgeMask));
      interrupts_changed();
      break;
    case SR_INTENABLE:
      intenable_ = v;  // bits above interrupt 14 are kept (as QEMU does) and match nothing
      interrupts_changed();
      break;
    case SR_PS:
      ps_ = v & kPsWriteMask;
      interrupts_changed();
      break;
    case SR_VECBASE: vecbase_ = v; break;
    case SR_EXCCAUSE: exccause_ = v; break;
    case SR_CCOUNT:
      ccount_base_ = sched_.now() - v;
      arm_ccompare();
      break;
    case SR_ICOUNT: icount_ = v; break;
    case SR_ICOUNTLEVEL: icountlevel_ = v & 0xF; break;
    case SR_EXCVADDR: excvaddr_ = v; break;
    case SR_CCOMPARE0:  // a write clears the timer interrupt (§4.4.6)
      ccompare0_ = v;
      latched_ &= ~(1u << kTimerInterrupt);
      arm_ccompare();
      interrupts_changed();
      break;
    default: return false;  // includes the read-only PRID, DEBUGCAUSE and CONFIGIDn
  }
  return true;
}

// ---- Memory -----------------------------------------------------------------------------------

void Lx106Cpu::invalidate_code(std::uint32_t addr, unsigned size) {
  // A decoded instruction starting up to 2 bytes before the written bytes may cover them.
  for (std::uint32_t b = addr - 2; b != addr + size; ++b) {
    if (Insn* page = code_[b >> kPageBits]) page[b & (kPageSize - 1)].op = Op::UNDECODED;
  }
  if (jit_) jit_->invalidate(addr, size);
}

void Lx106Cpu::host_wrote(std::uint32_t addr, std::uint32_t len) {
  for (std::uint32_t p = addr >> kPageBits; len && p <= (addr + len - 1) >> kPageBits; ++p) {
    if (!code_[p]) continue;
    std::uint32_t lo = std::max(addr, p << kPageBits);
    std::uint32_t hi = std::min<std::uint64_t>(static_cast<std::uint64_t>(addr) + len, (static_cast<std::uint64_t>(p) + 1) << kPageBits);
    invalidate_code(lo, hi - lo);  // also the entries up to 2 bytes before (previous page too)
  }
}

Lx106Cpu::Access Lx106Cpu::bus_error(std::uint32_t addr, bool write, bool fetch) {
  std::string what = fmt::format("unmapped {} at 0x{:08x}", fetch ? "fetch" : write ? "write" : "read", addr);
  if (board_.unmapped == UnmappedPolicy::stop) {
    fatal_ = fmt::format("{}, PC 0x{:08x}", what, pc_);
    return Access::fatal;
  }
  BE_LOG(guest_error, "lx106: {}, PC 0x{:08x}", what, pc_);
  return Access::exception;
}

// The fault of a failed access: its cause, for exception().
namespace {
thread_local std::uint32_t g_fault_cause = 0;
}

Lx106Cpu::Access Lx106Cpu::load_slow(std::uint32_t addr, unsigned size, std::uint32_t* out) {
  BusTarget t = bus_.decode(addr, size);
  if (RamRegion* r = t.ram) {
    if (r->desc.word_only && size != 4) {
      BE_LOG(guest_error, "lx106: {}-bit load from word-only {} at 0x{:08x}, PC 0x{:08x}", size * 8,
             r->desc.name, addr, pc_);
      g_fault_cause = kLoadStoreErrorCause;
      return Access::exception;
    }
    *out = rd_le(r->bytes.data() + t.offset, size);
    sched_.advance(r->desc.wait_states);
    return Access::ok;
  }
  if (t.mmio) {
    *out = bus_.mmio_read(*t.mmio, t.offset, size);
    return Access::ok;
  }
  g_fault_cause = kLoadStorePIFAddrErrorCause;
  return bus_error(addr, false, false);
}

Lx106Cpu::Access Lx106Cpu::store_slow(std::uint32_t addr, unsigned size, std::uint32_t v) {
  BusTarget t = bus_.decode(addr, size);
  if (RamRegion* r = t.ram) {
    if ((r->desc.word_only && size != 4) || r->desc.kind != MemoryKind::ram) {
      BE_LOG(guest_error, "lx106: {}-bit store to {} {} at 0x{:08x}, PC 0x{:08x}", size * 8,
             r->desc.kind != MemoryKind::ram ? "read-only" : "word-only", r->desc.name, addr, pc_);
      if (r->desc.kind != MemoryKind::ram && board_.unmapped == UnmappedPolicy::stop) {
        fatal_ = fmt::format("store to read-only {} at 0x{:08x}, PC 0x{:08x}", r->desc.name, addr, pc_);
        return Access::fatal;
      }
      g_fault_cause = kLoadStoreErrorCause;
      return Access::exception;
    }
    wr_le(r->bytes.data() + t.offset, size, v);
    if ((pages_[addr >> kPageBits].flags | pages_[(addr + size - 1) >> kPageBits].flags) & kHasCode)
      invalidate_code(addr, size);
    sched_.advance(r->desc.wait_states);
    return Access::ok;
  }
  if (t.mmio) {
    bus_.mmio_write(*t.mmio, t.offset, v, size);
    return Access::ok;
  }
  g_fault_cause = kLoadStorePIFAddrErrorCause;
  return bus_error(addr, true, false);
}

const Insn* Lx106Cpu::fetch_slow(std::uint32_t pc) {
  auto byte_at = [this](std::uint32_t a, std::uint8_t* b) {
    const PageInfo& pi = pages_[a >> kPageBits];
    if (pi.host) {
      *b = pi.host[a & (kPageSize - 1)];
      return true;
    }
    return bus_.read_block(a, b, 1);
  };
  std::uint8_t bytes[3] = {0, 0, 0};
  scratch_ = Insn{};
  scratch_.op = Op::FETCH_ERROR;
  scratch_.len = 3;
  scratch_.cost = 1;
  if (!byte_at(pc, &bytes[0])) {
    scratch_.imm = static_cast<std::int32_t>(pc);
    return &scratch_;
  }
  unsigned len = insn_length(bytes[0]);
  for (unsigned i = 1; i < len; ++i) {
    if (!byte_at(pc + i, &bytes[i])) {
      scratch_.imm = static_cast<std::int32_t>(pc + i);
      return &scratch_;
    }
  }
  std::uint32_t word = bytes[0] | bytes[1] << 8 | static_cast<std::uint32_t>(bytes[2]) << 16;
  Insn in = decode(word, pc);
  // Fetch wait states of the memory the instruction comes from.
  unsigned wait = pages_[pc >> kPageBits].wait;
  if (!pages_[pc >> kPageBits].host)
    for (auto& r : bus_.ram())
      if (r->contains(pc, 1)) wait = r->desc.wait_states;
  in.cost = static_cast<std::uint8_t>(std::min(255u, in.cost + wait));
  std::uint32_t page = pc >> kPageBits;
  if (!code_[page]) {
    code_[page] = new Insn[kPageSize]();
    code_pages_.push_back(page);
  }
  pages_[page].flags |= kHasCode;
  // An instruction that runs into the next page is invalidated by stores to that page too.
  if (((pc + len - 1) >> kPageBits) != page) pages_[(pc + len - 1) >> kPageBits].flags |= kHasCode;
  code_[page][pc & (kPageSize - 1)] = in;
  return &code_[page][pc & (kPageSize - 1)];
}

// ---- Trace ------------------------------------------------------------------------------------

std::string Lx106Cpu::trace_line() const {
  // One line per instruction: easy to diff against QEMU's `-d cpu` dump after reformatting
  // (registers in the same names: PC, A00..A15, SAR, PS).
  std::string s = fmt::format("PC={:08x}", pc_);
  for (unsigned i = 0; i < 16; ++i) s += fmt::format(" A{:02}={:08x}", i, a_[i]);
  s += fmt::format(" SAR={:08x} PS={:08x} CCOUNT={:08x}", sar_, ps_, ccount());
  return s;
}

// ---- The interpreter --------------------------------------------------------------------------

inline bool Lx106Cpu::debug_stop_here(std::uint32_t pc, std::uint64_t count) {
  if (debug_hit_ || (stepping_ && count)) return true;
  // The page flag keeps the set lookup off pages without breakpoints. The first instruction
  // of a resume from a breakpoint address executes (core/debug.hpp).
  if ((pages_[pc >> kPageBits].flags & kHasBreak) && !(count == 0 && resume_valid_ && pc == resume_pc_) &&
      breakpoints_.count(pc)) {
    debug_hit_ = DebugStop{DebugStop::Kind::breakpoint, pc, WatchKind::write};
    return true;
  }
  return false;
}

inline void Lx106Cpu::check_watch(std::uint32_t ea, unsigned size, bool write) {
  for (const Watch& w : watchpoints_) {
    if (w.kind != WatchKind::access && (w.kind == WatchKind::write) != write) continue;
    std::uint64_t lo = std::max<std::uint64_t>(ea, w.addr);
    std::uint64_t hi = std::min<std::uint64_t>(std::uint64_t{ea} + size, std::uint64_t{w.addr} + w.len);
    if (lo < hi) {
      // GDB expects the data address of the access, inside the watched range (E.3 "Stop
      // Reply Packets": watch/rwatch/awatch).
      debug_hit_ = DebugStop{DebugStop::Kind::watchpoint, static_cast<std::uint32_t>(lo), w.kind};
      return;
    }
  }
}

template <bool kDebug, bool kSingle>
void Lx106Cpu::execute() {
  Cycles now = sched_.now();
  std::uint64_t count = 0;
  std::uint32_t pc = pc_;
  std::uint32_t* const a = a_;
  PageInfo* const pages = pages_;
  Insn** const code = code_;
  const bool tracing = trace_ != nullptr;
  // Local copy of stop_: everything that can move it (device events, interrupt lines, special
  // register writes) runs inside a slow path, after which SYNC_IN refreshes it.
  Cycles stop = stop_;
  std::uint32_t loaded = loaded_;  // register written by the previous instruction if it was a load
  const Insn* in = nullptr;
  unsigned r = 0, s = 0, t = 0;
  // The decoded page of the current PC (re-read when the PC leaves it, or after a decode that
  // may have created it).
  std::uint32_t cur_base = pc_ & ~(kPageSize - 1);
  Insn* cur_page = code[pc_ >> kPageBits];
  // Threaded dispatch: one label per operation (in Op order), and every handler ends with its
  // own copy of the fetch-and-dispatch sequence (NEXT), which branch predictors follow better
  // than one shared indirect jump.
  static void* const kLabels[] = {
      &&L_UNDECODED, &&L_ILLEGAL, &&L_FETCH_ERROR,
#define X(name, len, mask, match, format, cycles) &&L_##name,
#include "xtensa/lx106_isa.inc"
#undef X
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == static_cast<unsigned>(Op::COUNT));

// Hand the local copies of time and PC to the rest of the CPU (before anything that may look
// at them: device accesses, special registers, exceptions), and take them back afterwards.
#define SYNC_OUT()            \
  do {                        \
    sched_.advance_to(now);   \
    pc_ = pc;                 \
  } while (0)
#define SYNC_IN()                                              \
  do {                                                         \
    now = sched_.now();                                        \
    pc = pc_;                                                  \
    if (sched_.earliest() < stop_) stop_ = sched_.earliest();  \
    stop = stop_;                                              \
  } while (0)
#define NEXT()                                                                   \
  do {                                                                           \
    if constexpr (kDebug) {                                                      \
      if (debug_stop_here(pc, count)) goto out;                                  \
    }                                                                            \
    if constexpr (kSingle) {                                                     \
      if (count) goto out;                                                       \
    } else {                                                                     \
      if (now >= stop) [[unlikely]] goto out;                                    \
    }                                                                            \
    if (((pc ^ cur_base) >> kPageBits) != 0) [[unlikely]] {                     \
      cur_base = pc & ~(kPageSize - 1);                                          \
      cur_page = code[pc >> kPageBits];                                          \
    }                                                                            \
    if (cur_page && cur_page[pc - cur_base].op != Op::UNDECODED) [[likely]] {    \
      in = &cur_page[pc - cur_base];                                             \
    } else {                                                                     \
      SYNC_OUT();                                                                \
      in = fetch_slow(pc);                                                       \
      cur_page = code[pc >> kPageBits];                                          \
    }                                                                            \
    if (tracing) [[unlikely]] {                                                  \
      SYNC_OUT();                                                                \
      std::string line = trace_line();                                           \
      std::fprintf(trace_, "%s\n", line.c_str());                               \
    }                                                                            \
    now += in->cost;                                                             \
    if (in->reads & loaded) [[unlikely]] now += kLoadUseStall;                  \
    loaded = 0;                                                                  \
    ++count;                                                                     \
    r = in->r;                                                                   \
    s = in->s;                                                                   \
    t = in->t;                                                                   \
    goto* kLabels[static_cast<unsigned>(in->op)];                                \
  } while (0)
// Raise a general exception for the current instruction.
#define RAISE(cause, vaddr)                        \
  do {                                             \
    SYNC_OUT();                                    \
    if (!exception((cause), pc, (vaddr))) goto out; \
    SYNC_IN();                                     \
    goto next_insn;                                      \
  } while (0)
#define TAKEN(target)              \
  do {                             \
    pc = (target);                 \
    now += kTakenBranchPenalty;    \
  } while (0)
#define BRANCH(cond)                          \
  do {                                        \
    if (cond) TAKEN(static_cast<std::uint32_t>(in->imm)); \
    else pc += 3;                             \
  } while (0)
// Loads and stores: aligned accesses to whole-page memory stay inline; everything else (device
// windows, word-only memory, partial pages, unmapped addresses) goes through the slow path.
#define LOAD(size, addr_expr, dest, conv)                                            \
  do {                                                                               \
    std::uint32_t ea = (addr_expr);                                                  \
    if (ea & ((size) - 1)) RAISE(kLoadStoreAlignmentCause, ea);                      \
    const PageInfo& pi = pages[ea >> kPageBits];                                     \
    std::uint32_t v;                                                                 \
    if (pi.host && ((size) == 4 || !(pi.flags & kWordOnly))) {                       \
      v = rd_le(pi.host + (ea & (kPageSize - 1)), (size));                           \
      now += pi.wait;                                                                \
    } else {                                                                         \
      SYNC_OUT();                                                                    \
      Access acc = load_slow(ea, (size), &v);                                        \
      if (acc == Access::fatal) goto out;                                            \
      if (acc == Access::exception) {                                                \
        if (!exception(g_fault_cause, pc, ea)) goto out;                             \
        SYNC_IN();                                                                   \
        goto next_insn;                                                                    \
      }                                                                              \
      SYNC_IN();                                                                     \
    }                                                                                \
    dest = conv(v);                                                                  \
    loaded = 1u << t;                                                                \
    if constexpr (kDebug) check_watch(ea, (size), false);                            \
  } while (0)
#define STORE(size, addr_expr, value)                                                \
  do {                                                                               \
    std::uint32_t ea = (addr_expr);                                                  \
    std::uint32_t sv = (value);                                                      \
    if (ea & ((size) - 1)) RAISE(kLoadStoreAlignmentCause, ea);                      \
    const PageInfo& pi = pages[ea >> kPageBits];                                     \
    if (pi.host && (pi.flags & kWritable) && ((size) == 4 || !(pi.flags & kWordOnly))) { \
      wr_le(pi.host + (ea & (kPageSize - 1)), (size), sv);                           \
      now += pi.wait;                                                                \
      if (pi.flags & kHasCode) invalidate_code(ea, (size));                          \
    } else {                                                                         \
      SYNC_OUT();                                                                    \
      Access acc = store_slow(ea, (size), sv);                                       \
      if (acc == Access::fatal) goto out;                                            \
      if (acc == Access::exception) {                                                \
        if (!exception(g_fault_cause, pc, ea)) goto out;                             \
        SYNC_IN();                                                                   \
        goto next_insn;                                                                    \
      }                                                                              \
      SYNC_IN();                                                                     \
    }                                                                                \
    if constexpr (kDebug) check_watch(ea, (size), true);                             \
  } while (0)

  auto u32 = [](std::uint32_t v) { return v; };
  auto s16 = [](std::uint32_t v) { return static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int16_t>(v))); };

  NEXT();
  {
      L_UNDECODED:

      L_ILLEGAL:
      L_ILL:
      L_ILL_N:
        RAISE(kIllegalInstructionCause, std::nullopt);
      L_FETCH_ERROR: {
        std::uint32_t at = static_cast<std::uint32_t>(in->imm);
        SYNC_OUT();
        if (bus_error(at, false, true) == Access::fatal) goto out;
        if (!exception(kInstrPIFAddrErrorCause, pc, at)) goto out;
        SYNC_IN();
        goto next_insn;
      }
      // ---- control transfer ----
      L_RET: L_RET_N: pc = a[0]; NEXT();
      L_JX: pc = a[s]; NEXT();
      L_CALLX0: {
        std::uint32_t target = a[s];
        a[0] = pc + 3;
        pc = target;
        NEXT();
      }
      L_CALL0: a[0] = pc + 3; pc = static_cast<std::uint32_t>(in->imm); NEXT();
      L_J: pc = static_cast<std::uint32_t>(in->imm); NEXT();
      // ---- synchronisation, cache operations: no-ops here (no caches, in-order memory) ----
      L_ISYNC: L_RSYNC: L_ESYNC: L_DSYNC: L_EXCW:
      L_MEMW: L_EXTW: L_NOP:
      L_DPFR: L_DPFW: L_DPFRO: L_DPFWO: L_DHWB:
      L_DHWBI: L_DHI: L_DII: L_IPF: L_IHI: L_III:
        pc += 3;
        NEXT();
      L_NOP_N: pc += 2; NEXT();
      // ---- exception return ----
      L_RFE:  // PS.EXCM <- 0, PC <- EPC1
        ps_ &= ~kPsExcm;
        pc = epc_[1];
        stop = 0;
        NEXT();
      L_RFDE:  // PC <- DEPC; PS.EXCM stays set
        pc = depc_;
        NEXT();
      L_RFI:  // PC <- EPC[level], PS <- EPS[level]; only levels 2..3 exist
        if (s < 2 || s > kNmiLevel) RAISE(kIllegalInstructionCause, std::nullopt);
        pc = epc_[s];
        ps_ = eps_[s];
        stop = 0;
        NEXT();
      L_BREAK:
      L_BREAK_N:
        if (current_level() < kDebugLevel) {
          SYNC_OUT();
          debug_exception(in->op == Op::BREAK ? 1u << 3 : 1u << 4, pc);
          SYNC_IN();
        } else {
          pc += in->len;  // masked by PS.INTLEVEL: no effect
        }
        NEXT();
      L_SYSCALL: RAISE(kSyscallCause, std::nullopt);
      L_SIMCALL: {
        // Without semihosting (real silicon, QEMU without -semihosting) SIMCALL is illegal.
        if (!board_.semihosting) {
          BE_LOG(guest_error, "SIMCALL at 0x{:08x}: this board has no semihosting (cpu.semihosting); raising IllegalInstruction", pc);
          RAISE(kIllegalInstructionCause, std::nullopt);
        }
        SYNC_OUT();
        std::uint32_t args[5] = {a[2], a[3], a[4], a[5], a[6]};
        XtensaSimcall::Outcome o = simcall_.call(args);
        if (o.host_quit) {
          host_quit_ = true;  // the SIMCALL runs again if the run goes on
          goto out;
        }
        if (o.exit_code) {
          exit_code_ = o.exit_code;
          goto out;
        }
        if (args[0] == 3 && static_cast<std::int32_t>(o.a2) > 0) host_wrote(args[2], o.a2);  // read
        if (args[0] == 1004) host_wrote(args[1], args[3]);                                  // memset
        a[2] = o.a2;
        a[3] = o.a3;
        SYNC_IN();
        pc += 3;
        NEXT();
      }
      L_RSIL: {  // AR[t] <- PS; PS.INTLEVEL <- s
        std::uint32_t old = ps_;
        ps_ = (ps_ & ~kPsIntlevel) | s;
        a[t] = old;
        pc += 3;
        stop = 0;
        NEXT();
      }
      L_WAITI:
        ps_ = (ps_ & ~kPsIntlevel) | s;
        pc += 3;
        waiting_ = true;
        stop = 0;
        NEXT();
      // ---- arithmetic and logic ----
      L_AND: a[r] = a[s] & a[t]; pc += 3; NEXT();
      L_OR: a[r] = a[s] | a[t]; pc += 3; NEXT();
      L_XOR: a[r] = a[s] ^ a[t]; pc += 3; NEXT();
      L_SSR: sar_ = a[s] & 31; pc += 3; NEXT();
      L_SSL: sar_ = 32 - (a[s] & 31); pc += 3; NEXT();
      L_SSA8L: sar_ = (a[s] & 3) << 3; pc += 3; NEXT();
      L_SSA8B: sar_ = 32 - ((a[s] & 3) << 3); pc += 3; NEXT();
      L_SSAI: sar_ = static_cast<std::uint32_t>(in->imm); pc += 3; NEXT();
      L_RER:
        BE_LOG(unimp, "lx106: RER 0x{:08x}: no external registers, reads 0", a[s]);
        a[t] = 0;
        pc += 3;
        NEXT();
      L_WER:
        BE_LOG(unimp, "lx106: WER 0x{:08x} <- 0x{:08x}: no external registers, ignored", a[s], a[t]);
        pc += 3;
        NEXT();
      L_NSA: {  // number of redundant sign bits
        std::uint32_t v = a[s];
        std::uint32_t x = (v & 0x80000000u) ? ~v : v;
        a[t] = x == 0 ? 31 : static_cast<std::uint32_t>(__builtin_clz(x) - 1);
        pc += 3;
        NEXT();
      }
      L_NSAU: {
        std::uint32_t v = a[s];
        a[t] = v == 0 ? 32 : static_cast<std::uint32_t>(__builtin_clz(v));
        pc += 3;
        NEXT();
      }
      L_NEG: a[r] = 0u - a[t]; pc += 3; NEXT();
      L_ABS: a[r] = static_cast<std::int32_t>(a[t]) < 0 ? 0u - a[t] : a[t]; pc += 3; NEXT();
      L_ADD: a[r] = a[s] + a[t]; pc += 3; NEXT();
      L_ADDX2: a[r] = (a[s] << 1) + a[t]; pc += 3; NEXT();
      L_ADDX4: a[r] = (a[s] << 2) + a[t]; pc += 3; NEXT();
      L_ADDX8: a[r] = (a[s] << 3) + a[t]; pc += 3; NEXT();
      L_SUB: a[r] = a[s] - a[t]; pc += 3; NEXT();
      L_SUBX2: a[r] = (a[s] << 1) - a[t]; pc += 3; NEXT();
      L_SUBX4: a[r] = (a[s] << 2) - a[t]; pc += 3; NEXT();
      L_SUBX8: a[r] = (a[s] << 3) - a[t]; pc += 3; NEXT();
      L_SLLI:  // shift 1..32 (the field encodes 32 - sa)
        a[r] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(a[s]) << in->imm);
        pc += 3;
        NEXT();
      L_SRAI: a[r] = static_cast<std::uint32_t>(static_cast<std::int32_t>(a[t]) >> in->imm); pc += 3; NEXT();
      L_SRLI: a[r] = a[t] >> s; pc += 3; NEXT();
      L_SRC:  // AR[r] <- (AR[s] || AR[t]) >> SAR
        a[r] = static_cast<std::uint32_t>(((static_cast<std::uint64_t>(a[s]) << 32) | a[t]) >> sar_);
        pc += 3;
        NEXT();
      L_SRL: a[r] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(a[t]) >> sar_); pc += 3; NEXT();
      L_SLL:  // AR[r] <- (AR[s] || 0^32) >> SAR, low word: a left shift by 32 - SAR
        a[r] = static_cast<std::uint32_t>((static_cast<std::uint64_t>(a[s]) << 32) >> sar_);
        pc += 3;
        NEXT();
      L_SRA:
        a[r] = static_cast<std::uint32_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(a[t])) >> sar_);
        pc += 3;
        NEXT();
      L_MUL16U: a[r] = (a[s] & 0xFFFF) * (a[t] & 0xFFFF); pc += 3; NEXT();
      L_MUL16S:
        a[r] = static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int16_t>(a[s])) *
                                          static_cast<std::int32_t>(static_cast<std::int16_t>(a[t])));
        pc += 3;
        NEXT();
      L_MULL: a[r] = a[s] * a[t]; pc += 3; NEXT();
      L_MOVEQZ: if (a[t] == 0) a[r] = a[s]; pc += 3; NEXT();
      L_MOVNEZ: if (a[t] != 0) a[r] = a[s]; pc += 3; NEXT();
      L_MOVLTZ: if (static_cast<std::int32_t>(a[t]) < 0) a[r] = a[s]; pc += 3; NEXT();
      L_MOVGEZ: if (static_cast<std::int32_t>(a[t]) >= 0) a[r] = a[s]; pc += 3; NEXT();
      L_EXTUI: a[r] = (a[t] >> in->imm) & static_cast<std::uint32_t>(in->imm2); pc += 3; NEXT();
      // ---- special registers ----
      L_RSR: {
        SYNC_OUT();
        std::uint32_t v;
        if (!read_sr(static_cast<unsigned>(in->imm), &v)) {
          BE_LOG(guest_error, "lx106: RSR of special register {} (absent or write-only) at 0x{:08x}", in->imm, pc);
          RAISE(kIllegalInstructionCause, std::nullopt);
        }
        a[t] = v;
        pc += 3;
        NEXT();
      }
      L_WSR: {
        SYNC_OUT();
        if (!write_sr(static_cast<unsigned>(in->imm), a[t])) {
          BE_LOG(guest_error, "lx106: WSR to special register {} (absent or read-only) at 0x{:08x}", in->imm, pc);
          RAISE(kIllegalInstructionCause, std::nullopt);
        }
        SYNC_IN();
        pc += 3;
        stop = 0;  // PS, INTENABLE, INTSET... may make an interrupt takeable
        NEXT();
      }
      L_XSR: {
        SYNC_OUT();
        std::uint32_t old;
        unsigned sr = static_cast<unsigned>(in->imm);
        // Both directions must exist (INTERRUPT reads one register and writes another, INTSET).
        if (sr == SR_INTERRUPT || !read_sr(sr, &old) || !write_sr(sr, a[t])) {
          BE_LOG(guest_error, "lx106: XSR of special register {} at 0x{:08x}", sr, pc);
          RAISE(kIllegalInstructionCause, std::nullopt);
        }
        a[t] = old;
        SYNC_IN();
        pc += 3;
        stop = 0;
        NEXT();
      }
      // ---- loads and stores ----
      L_L32R: {
        std::uint32_t literal = (litbase_ & 1) ? (litbase_ & 0xFFFFF000u) + static_cast<std::uint32_t>(in->imm2)
                                               : static_cast<std::uint32_t>(in->imm);
        LOAD(4, literal, a[t], u32);
        pc += 3;
        NEXT();
      }
      L_L8UI: LOAD(1, a[s] + static_cast<std::uint32_t>(in->imm), a[t], u32); pc += 3; NEXT();
      L_L16UI: LOAD(2, a[s] + static_cast<std::uint32_t>(in->imm), a[t], u32); pc += 3; NEXT();
      L_L16SI: LOAD(2, a[s] + static_cast<std::uint32_t>(in->imm), a[t], s16); pc += 3; NEXT();
      L_L32I: LOAD(4, a[s] + static_cast<std::uint32_t>(in->imm), a[t], u32); pc += 3; NEXT();
      L_L32I_N: LOAD(4, a[s] + static_cast<std::uint32_t>(in->imm), a[t], u32); pc += 2; NEXT();
      L_S8I: STORE(1, a[s] + static_cast<std::uint32_t>(in->imm), a[t]); pc += 3; NEXT();
      L_S16I: STORE(2, a[s] + static_cast<std::uint32_t>(in->imm), a[t]); pc += 3; NEXT();
      L_S32I: STORE(4, a[s] + static_cast<std::uint32_t>(in->imm), a[t]); pc += 3; NEXT();
      L_S32I_N: STORE(4, a[s] + static_cast<std::uint32_t>(in->imm), a[t]); pc += 2; NEXT();
      L_MOVI: a[t] = static_cast<std::uint32_t>(in->imm); pc += 3; NEXT();
      L_ADDI: L_ADDMI: a[t] = a[s] + static_cast<std::uint32_t>(in->imm); pc += 3; NEXT();
      // ---- branches ----
      L_BEQZ: BRANCH(a[s] == 0); NEXT();
      L_BNEZ: BRANCH(a[s] != 0); NEXT();
      L_BLTZ: BRANCH(static_cast<std::int32_t>(a[s]) < 0); NEXT();
      L_BGEZ: BRANCH(static_cast<std::int32_t>(a[s]) >= 0); NEXT();
      L_BEQI: BRANCH(static_cast<std::int32_t>(a[s]) == in->imm2); NEXT();
      L_BNEI: BRANCH(static_cast<std::int32_t>(a[s]) != in->imm2); NEXT();
      L_BLTI: BRANCH(static_cast<std::int32_t>(a[s]) < in->imm2); NEXT();
      L_BGEI: BRANCH(static_cast<std::int32_t>(a[s]) >= in->imm2); NEXT();
      L_BLTUI: BRANCH(a[s] < static_cast<std::uint32_t>(in->imm2)); NEXT();
      L_BGEUI: BRANCH(a[s] >= static_cast<std::uint32_t>(in->imm2)); NEXT();
      L_BNONE: BRANCH((a[s] & a[t]) == 0); NEXT();
      L_BANY: BRANCH((a[s] & a[t]) != 0); NEXT();
      L_BALL: BRANCH((~a[s] & a[t]) == 0); NEXT();
      L_BNALL: BRANCH((~a[s] & a[t]) != 0); NEXT();
      L_BEQ: BRANCH(a[s] == a[t]); NEXT();
      L_BNE: BRANCH(a[s] != a[t]); NEXT();
      L_BLT: BRANCH(static_cast<std::int32_t>(a[s]) < static_cast<std::int32_t>(a[t])); NEXT();
      L_BGE: BRANCH(static_cast<std::int32_t>(a[s]) >= static_cast<std::int32_t>(a[t])); NEXT();
      L_BLTU: BRANCH(a[s] < a[t]); NEXT();
      L_BGEU: BRANCH(a[s] >= a[t]); NEXT();
      L_BBC: BRANCH(((a[s] >> (a[t] & 31)) & 1) == 0); NEXT();
      L_BBS: BRANCH(((a[s] >> (a[t] & 31)) & 1) != 0); NEXT();
      L_BBCI: BRANCH(((a[s] >> in->imm2) & 1) == 0); NEXT();
      L_BBSI: BRANCH(((a[s] >> in->imm2) & 1) != 0); NEXT();
      // ---- code density (16-bit) ----
      L_ADD_N: a[r] = a[s] + a[t]; pc += 2; NEXT();
      L_ADDI_N: a[r] = a[s] + static_cast<std::uint32_t>(in->imm); pc += 2; NEXT();
      L_MOVI_N: a[s] = static_cast<std::uint32_t>(in->imm); pc += 2; NEXT();
      L_MOV_N: a[t] = a[s]; pc += 2; NEXT();
      L_BEQZ_N:
        if (a[s] == 0) TAKEN(static_cast<std::uint32_t>(in->imm));
        else pc += 2;
        NEXT();
      L_BNEZ_N:
        if (a[s] != 0) TAKEN(static_cast<std::uint32_t>(in->imm));
        else pc += 2;
        NEXT();
  }
next_insn:
  NEXT();
out:
  sched_.advance_to(now);
  // After a fatal error pc_ already names the instruction that failed.
  if (fatal_.empty()) pc_ = pc;
  instructions_ += count;
  loaded_ = loaded;
  // One instruction for the translator: what it did to the local stop (an RSIL, a WSR, an RFE
  // that may make an interrupt takeable) must reach the caller.
  if constexpr (kSingle) stop_ = std::min(stop_, stop);
  if constexpr (kDebug) {
    if (count) resume_valid_ = false;
  }
#undef SYNC_OUT
#undef SYNC_IN
#undef RAISE
#undef TAKEN
#undef BRANCH
#undef NEXT
#undef LOAD
#undef STORE
}

RunResult Lx106Cpu::run(Cycles deadline) {
  RunResult r = run_slices(deadline);
  if (r.reason == StopReason::debug) halted_for_debugger();
  return r;
}

RunResult Lx106Cpu::run_slices(Cycles deadline) {
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  for (;;) {
    if (unsigned level = takeable_level()) take_interrupt(level);
    if (waiting_) {
      // WAITI: nothing can wake the core before an event, so time jumps to the deadline
      // (the machine's next event or its limit) or to an event scheduled since the machine
      // computed it (a CCOMPARE0 armed earlier in this run), whichever comes first.
      sched_.advance_to(std::min(deadline, sched_.next_deadline()));
      return {};
    }
    Cycles now = sched_.now();
    if (now >= deadline) return {};
    stop_ = std::min(deadline, sched_.earliest());
    if (stop_ <= now) return {};  // due events first
    if (debug_active()) [[unlikely]] {
      execute<true>();
      if (debug_hit_) {
        last_stop_ = *debug_hit_;
        debug_hit_.reset();
        if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
        return {StopReason::debug, 0, {}};
      }
    } else if (jit_ && !trace_) {
      jit_->execute();
    } else {
      execute<false>();
    }
    if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
    if (exit_code_) {
      int code = *exit_code_;
      exit_code_.reset();
      return {StopReason::exit, code, {}};
    }
    if (host_quit_) {
      host_quit_ = false;
      return {StopReason::host_quit, 0, {}};
    }
  }
}

// ---- Debugger interface (core/debug.hpp) ------------------------------------------------------

std::string Lx106Cpu::register_name(unsigned regno) const {
  // GDB's names for the lx106 `g` packet (kGdbSpecialRegs order).
  static constexpr const char* kSpecialNames[kGdbRegisterCount - kGdbFirstSpecial] = {
      "sar", "litbase", "configid0", "configid1", "ps", "mmid", "ibreakenable", "ddr",
      "ibreaka0", "dbreaka0", "dbreakc0", "epc1", "epc2", "epc3", "depc", "eps2", "eps3",
      "excsave1", "excsave2", "excsave3", "interrupt", "intset", "intclear", "intenable",
      "vecbase", "exccause", "debugcause", "ccount", "prid", "icount", "icountlevel",
      "excvaddr", "ccompare0"};
  if (regno < 16) return "a" + std::to_string(regno);
  if (regno == kGdbPc) return "pc";
  if (regno < kGdbRegisterCount) return kSpecialNames[regno - kGdbFirstSpecial];
  return {};
}

bool Lx106Cpu::gdb_read_register(unsigned regno, std::uint32_t* value) {
  if (regno < 16) {
    *value = a_[regno];
    return true;
  }
  if (regno == kGdbPc) {
    *value = pc_;
    return true;
  }
  if (regno >= kGdbRegisterCount) return false;
  unsigned sr = kGdbSpecialRegs[regno - kGdbFirstSpecial];
  // Write-only registers read 0, as QEMU's stub sends them.
  if (sr == SR_MMID || regno == kGdbIntclear) {
    *value = 0;
    return true;
  }
  return read_sr(sr, value);
}

bool Lx106Cpu::gdb_write_register(unsigned regno, std::uint32_t value) {
  std::uint32_t cur = 0;
  if (!gdb_read_register(regno, &cur)) return false;
  if (value == cur) return true;  // see the header: writing back what was read is a no-op
  if (regno < 16) {
    a_[regno] = value;
    return true;
  }
  if (regno == kGdbPc) {
    set_pc(value);  // also ends a WAITI
    halted_for_debugger();
    return true;
  }
  unsigned sr = kGdbSpecialRegs[regno - kGdbFirstSpecial];
  // INTERRUPT (226) written is INTSET (ISA manual: WSR.INTSET is the write form of 226).
  return write_sr(sr, value);  // false for CONFIGID0/1, PRID, DEBUGCAUSE (read-only)
}

bool Lx106Cpu::insert_breakpoint(std::uint32_t addr) {
  breakpoints_.insert(addr);
  pages_[addr >> kPageBits].flags |= kHasBreak;
  return true;
}

bool Lx106Cpu::remove_breakpoint(std::uint32_t addr) {
  if (!breakpoints_.erase(addr)) return false;
  std::uint32_t page = addr >> kPageBits;
  auto it = breakpoints_.lower_bound(page << kPageBits);
  if (it == breakpoints_.end() || (*it >> kPageBits) != page) pages_[page].flags &= static_cast<std::uint8_t>(~kHasBreak);
  return true;
}

bool Lx106Cpu::insert_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) {
  if (len == 0 || std::uint64_t{addr} + len > (std::uint64_t{1} << 32)) return false;
  watchpoints_.insert(Watch{addr, len, kind});
  return true;
}

bool Lx106Cpu::remove_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) {
  return watchpoints_.erase(Watch{addr, len, kind}) != 0;
}

RunResult Lx106Cpu::step() {
  if (!fatal_.empty()) return {StopReason::fatal, 0, fatal_};
  last_stop_ = DebugStop{};  // kind step
  RunResult result{StopReason::debug, 0, {}};
  if (unsigned level = takeable_level()) {
    // run() enters a takeable interrupt before the next instruction: so does a step.
    take_interrupt(level);
  } else if (waiting_) {
    // WAITI: run() lets time jump to the next event; so does a step, which then runs the due
    // events and enters the interrupt they raise, if any (otherwise the core still waits).
    Cycles next = sched_.next_deadline();
    if (next != kNever) {
      sched_.advance_to(next);
      sched_.run_due();
      if (unsigned level = takeable_level()) take_interrupt(level);
    }
  } else {
    halted_for_debugger();  // a breakpoint at this instruction does not stop the step
    stepping_ = true;
    stop_ = kNever;
    execute<true>();
    stepping_ = false;
    if (debug_hit_ && debug_hit_->kind == DebugStop::Kind::watchpoint) last_stop_ = *debug_hit_;
    debug_hit_.reset();
    if (!fatal_.empty()) {
      result = {StopReason::fatal, 0, fatal_};
    } else if (exit_code_) {
      result = {StopReason::exit, *exit_code_, {}};
      exit_code_.reset();
    }
  }
  halted_for_debugger();
  return result;
}

// The translator's fallback (lx106_jit.cpp): the interpreter for one instruction.
template void Lx106Cpu::execute<false, true>();

}  // namespace boardemu::xtensa
