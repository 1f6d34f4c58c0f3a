// Xtensa LX106 CPU backend: boardemu's own interpreter (no engine underneath).
//
// Implements the lx106 core configuration (QEMU target/xtensa/core-lx106/core-isa.h; the
// ESP8266's CPU) per the Xtensa Instruction Set Architecture (ISA) Reference Manual:
//  - every instruction of the configured options (lx106_isa.inc), predecoded once per address
//    into per-page caches (4 KiB pages, one entry per byte offset) that guest stores keep
//    coherent, executed by a threaded loop (computed goto, one dispatch per handler);
//  - memory: regions of the board mapped page by page for direct access; device windows go
//    through the Bus (wait states, due events first). Unmapped fetches and data accesses raise
//    InstrPIFAddrError (14) / LoadStorePIFAddrError (15) with EXCVADDR, as QEMU does (or stop
//    the run with `unmapped: stop`); unaligned 16/32-bit accesses LoadStoreAlignment (9);
//    narrow accesses to `word_only` memory and stores to rom/flash LoadStoreError (3);
//  - the Exception Option, XEA2 (ISA manual §4.4.1): EPC1/DEPC/EXCCAUSE/EXCVADDR/EXCSAVEn, the
//    kernel (VECBASE+0x30), user (+0x50) and double (+0x70) exception vectors;
//  - the Interrupt Option and High-Priority Interrupt Option (§4.4.2..§4.4.5): 15 interrupts,
//    0..5 level-triggered external, 6 CCOMPARE0 timer, 7 software, 8..13 edge-triggered
//    external, all at level 1, 14 the NMI (level 3, vector VECBASE+0x20, EPC3/EPS3);
//    EXCM_LEVEL 1; INTERRUPT/INTSET/INTCLEAR/INTENABLE; RSIL, WAITI, RFE, RFDE, RFI;
//  - the Timer Interrupt Option (§4.4.6): CCOUNT counts the scheduler's cycles since reset,
//    CCOMPARE0 matches are scheduled events;
//  - the Debug Option's BREAK/BREAK.N (debug level 2, vector VECBASE+0x10, EPC2/EPS2,
//    DEBUGCAUSE); no instruction/data breakpoints (their registers only hold values);
//  - the debugger interface (core/debug.hpp): registers in the 50-register GDB layout of the
//    lx106 (REFERENCE.md section 5), breakpoints, watchpoints and exact single steps. While any
//    breakpoint or watchpoint exists (and for a step) a checking instance of the interpreter
//    loop runs; the normal loop is compiled without any of those checks;
//  - QEMU-compatible semihosting through SIMCALL (xtensa_simcall.hpp).
// Behaviour checked instruction by instruction against `qemu-system-xtensa -M sim -cpu lx106
// -singlestep -d cpu` (gcc-built programs, special-register write masks, illegal special
// register accesses, alignment and unmapped-access causes with EXCVADDR). Two known QEMU 7.2
// deviations are not copied: SRL/SRA right after SSL/SSA8B in one translation block with
// SAR = 32 (QEMU shifts by 0, the ISA and QEMU -singlestep give 0 / the sign), and RFI with a
// level the core lacks (QEMU crashes for RFI 1, returns through zero EPC4/EPS4 for RFI 4; here
// it is an IllegalInstruction exception).
//
// Cycle model (5-stage pipeline, one instruction issued per cycle):
//  - 1 cycle per instruction, plus the board's wait states of the memory it is fetched from
//    and of the memory (or device window) each load/store accesses;
//  - taken branches, jumps, calls and returns: 2 extra cycles (kTakenBranchPenalty: the
//    target is fetched after the branch resolves in the E stage, 2 bubbles; an assumption
//    from the Xtensa LX pipeline description, not a measurement on an ESP8266);
//  - MULL: 2 cycles (assumption; MUL16U/MUL16S: 1);
//  - exception and interrupt entry: kExceptionEntryCycles (a pipeline refill, assumption);
//  - load-use interlock: an instruction that reads the register loaded by the instruction just
//    before it waits 1 cycle (kLoadUseStall: the load's data arrives at the end of the M stage,
//    one cycle after an ALU result would; assumption from the 5-stage pipeline).
// CCOUNT is derived from the same scheduler time, so firmware sees exactly these counts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/debug.hpp"
#include "core/device.hpp"
#include "core/event.hpp"
#include "core/scheduler.hpp"
#include "xtensa/lx106_decode.hpp"
#include "xtensa/lx106_jit.hpp"
#include "xtensa/xtensa_simcall.hpp"

namespace boardemu::xtensa {

// Special register numbers (ISA manual, Table 5-127 "Special Registers"; REFERENCE.md §5).
enum SpecialReg : unsigned {
  SR_SAR = 3, SR_LITBASE = 5, SR_MMID = 89, SR_IBREAKENABLE = 96, SR_DDR = 104,
  SR_IBREAKA0 = 128, SR_DBREAKA0 = 144, SR_DBREAKC0 = 160, SR_CONFIGID0 = 176, SR_EPC1 = 177, SR_EPC2 = 178,
  SR_EPC3 = 179, SR_DEPC = 192, SR_EPS2 = 194, SR_EPS3 = 195, SR_CONFIGID1 = 208, SR_EXCSAVE1 = 209,
  SR_EXCSAVE2 = 210, SR_EXCSAVE3 = 211, SR_INTERRUPT = 226, SR_INTSET = 226, SR_INTCLEAR = 227,
  SR_INTENABLE = 228, SR_PS = 230, SR_VECBASE = 231, SR_EXCCAUSE = 232, SR_DEBUGCAUSE = 233,
  SR_CCOUNT = 234, SR_PRID = 235, SR_ICOUNT = 236, SR_ICOUNTLEVEL = 237, SR_EXCVADDR = 238,
  SR_CCOMPARE0 = 240,
};

// EXCCAUSE values (ISA manual, Table 4-64 "Exception Causes").
enum ExcCause : std::uint32_t {
  kIllegalInstructionCause = 0,
  kSyscallCause = 1,
  kInstructionFetchErrorCause = 2,
  kLoadStoreErrorCause = 3,
  kLevel1InterruptCause = 4,
  kLoadStoreAlignmentCause = 9,
  kInstrPIFAddrErrorCause = 14,
  kLoadStorePIFAddrErrorCause = 15,
};

class Lx106Cpu : public Cpu, public InterruptController, public CpuDebug {
  friend class Lx106Jit;
  friend struct Lx106Jit::Impl;

 public:
  Lx106Cpu(const BoardDesc& board, Bus& bus);
  ~Lx106Cpu() override;

  // Where execution starts after reset: the board's reset_vector if it has one, else this
  // (the ELF entry point of the loaded firmware).
  void set_entry(std::uint32_t entry) { entry_ = entry; }
  XtensaSimcall& simcall() { return simcall_; }
  // Instruction trace: PC and registers before every instruction, one line each, to `out`
  // (nullptr: off). See trace_line() for the format.
  void set_trace(std::FILE* out) { trace_ = out; }
  // The execution engine: the interpreter, or the translator (lx106_jit.hpp), which gives the
  // same instructions, cycles and state. The interpreter still runs single steps, tracing and
  // any run while breakpoints or watchpoints exist. False (and no change) when this build has
  // no translator (hosts other than x86-64, or built without Xbyak).
  enum class Engine { interp, jit };
  bool set_engine(Engine engine);
  Engine engine() const { return jit_ ? Engine::jit : Engine::interp; }
  const Lx106Jit* jit() const { return jit_.get(); }

  // Cpu
  void reset() override;
  RunResult run(Cycles deadline) override;
  std::uint32_t pc() override { return pc_; }
  std::string arch() const override { return "lx106"; }
  void set_static_code(std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) override;
  std::uint64_t instructions() const override { return instructions_; }
  CpuDebug* debug() override { return this; }
  // Every architectural and special register, the interrupt inputs and latches, WAITI, CCOUNT's
  // base and the load-use interlock carried between instructions. Loading drops the decoded
  // instruction caches (memory is restored beside it). Refused while the guest holds host
  // files open through SIMCALL (host descriptors cannot be saved).
  void state(StateArchive& ar) override;

  // InterruptController: inputs 0..14 are the core's interrupt inputs (BInterrupt pins).
  // Level-type inputs (0..5) follow the line; edge-type (8..13) and the NMI (14) latch on a
  // rising edge; 6 and 7 are internal (timer, software) and also act as level inputs.
  void set_irq_level(unsigned input, bool level) override;
  unsigned num_inputs() const override { return kNumInterrupts; }

  // CpuDebug (core/debug.hpp). No target description: GDB's lx106 build has the layout built in.
  // Register numbers (kGdb*): a0..a15 0..15, pc 16, then the special registers in the order of
  // kGdbSpecialRegs. Reads return what RSR would (MMID and INTCLEAR, write-only, read 0, as
  // QEMU's stub sends them). Writing the value a read returns changes nothing (so a `G` packet
  // that writes back what `g` read is harmless: it neither clears a pending timer interrupt
  // through CCOMPARE0 nor moves CCOUNT); other values act as WSR would: INTERRUPT as INTSET
  // (software interrupt only), INTCLEAR clears, CCOUNT moves the count (and the CCOMPARE0
  // match), CCOMPARE0 re-arms the timer and clears its interrupt, PS/SAR/LITBASE are masked.
  // Refused (false): other values for the read-only CONFIGID0/1 (sr176, sr208), PRID and
  // DEBUGCAUSE.
  std::string gdb_target_xml() const override { return {}; }
  unsigned gdb_register_count() const override { return kGdbRegisterCount; }
  std::string register_name(unsigned regno) const override;
  bool gdb_read_register(unsigned regno, std::uint32_t* value) override;
  bool gdb_write_register(unsigned regno, std::uint32_t value) override;
  bool insert_breakpoint(std::uint32_t addr) override;
  bool remove_breakpoint(std::uint32_t addr) override;
  // Any length >= 1 (no alignment rule: this is not the single DBREAK register); a watchpoint
  // hit reports the lowest watched byte the access touched.
  bool insert_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) override;
  bool remove_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) override;
  // One instruction; or, first, the entry of an interrupt that run() would take before it; or,
  // in WAITI, the wait up to the next scheduled event (whose due events then run, and an
  // interrupt they raise is entered), as run() would wait.
  RunResult step() override;
  DebugStop last_stop() const override { return last_stop_; }

  static constexpr unsigned kGdbPc = 16, kGdbFirstSpecial = 17, kGdbRegisterCount = 50;
  // Special registers of GDB numbers 17..49 (sr176/sr208 are CONFIGID0/1; INTERRUPT and INTSET
  // share number 226, told apart by position).
  static constexpr unsigned kGdbSpecialRegs[kGdbRegisterCount - kGdbFirstSpecial] = {
      SR_SAR, SR_LITBASE, SR_CONFIGID0, SR_CONFIGID1, SR_PS, SR_MMID, SR_IBREAKENABLE, SR_DDR,
      SR_IBREAKA0, SR_DBREAKA0, SR_DBREAKC0, SR_EPC1, SR_EPC2, SR_EPC3, SR_DEPC, SR_EPS2, SR_EPS3,
      SR_EXCSAVE1, SR_EXCSAVE2, SR_EXCSAVE3, SR_INTERRUPT, SR_INTSET, SR_INTCLEAR, SR_INTENABLE,
      SR_VECBASE, SR_EXCCAUSE, SR_DEBUGCAUSE, SR_CCOUNT, SR_PRID, SR_ICOUNT, SR_ICOUNTLEVEL,
      SR_EXCVADDR, SR_CCOMPARE0};
  static constexpr unsigned kGdbInterrupt = 37, kGdbIntset = 38, kGdbIntclear = 39;

  // Architectural state, for tests and debuggers.
  std::uint32_t ar(unsigned n) const { return a_[n & 15]; }
  void set_ar(unsigned n, std::uint32_t v) { a_[n & 15] = v; }
  void set_pc(std::uint32_t v) { pc_ = v; waiting_ = false; }
  // Reads/writes a special register as RSR/WSR would; false for a register the core lacks.
  bool read_sr(unsigned sr, std::uint32_t* out);
  bool write_sr(unsigned sr, std::uint32_t v);
  bool waiting() const { return waiting_; }
  // Memory written behind the CPU's back (a device, a debugger, a host-side loader after
  // reset): drops the decoded instructions that cover it. Guest stores need no call.
  void host_wrote(std::uint32_t addr, std::uint32_t len);
  std::string trace_line() const;

  static constexpr unsigned kNumInterrupts = 15;
  static constexpr unsigned kTimerInterrupt = 6, kSoftwareInterrupt = 7, kNmiInterrupt = 14;
  static constexpr std::uint32_t kLevelMask = 0x003F, kEdgeMask = 0x3F00,
                                 kLevel1Mask = 0x3FFF, kNmiMask = 1u << 14;
  static constexpr unsigned kExcmLevel = 1, kDebugLevel = 2, kNmiLevel = 3;
  // Vector offsets from VECBASE (core-isa.h XCHAL_*_VECOFS) and reset values.
  static constexpr std::uint32_t kDebugVecOfs = 0x10, kNmiVecOfs = 0x20, kKernelVecOfs = 0x30,
                                 kUserVecOfs = 0x50, kDoubleVecOfs = 0x70;
  static constexpr std::uint32_t kVecbaseReset = 0x40000000, kResetVector = 0x50000000;
  // CONFIGID0/1 (read-only): the lx106 configuration's XCHAL_HW_CONFIGID0/1, as QEMU reports.
  static constexpr std::uint32_t kConfigId0 = 0xC28CDAFA, kConfigId1 = 0x1082B6F6;
  // PS fields (ISA manual, Table 4-75 "Processor Status Special Register").
  static constexpr std::uint32_t kPsIntlevel = 0xF, kPsExcm = 1u << 4, kPsUm = 1u << 5,
                                 kPsWriteMask = 0x70F3F;  // INTLEVEL EXCM UM OWB CALLINC WOE
  static constexpr std::uint32_t kPsReset = 0x1F;  // INTLEVEL 15, EXCM 1
  static constexpr unsigned kTakenBranchPenalty = 2, kExceptionEntryCycles = 3, kLoadUseStall = 1;

 private:
  struct PageInfo {
    std::uint8_t* host;  // host memory of the page, or null (device window, unmapped, partial)
    std::uint8_t flags;
    std::uint8_t wait;   // wait states of the region
  };
  enum : std::uint8_t { kWritable = 1, kWordOnly = 2, kHasCode = 4, kReadOnlyRegion = 8, kHasBreak = 16 };
  static constexpr unsigned kPageBits = 12, kPageSize = 1u << kPageBits, kPages = 1u << 20;

  enum class Access { ok, exception, fatal };

  void build_page_table();
  // The predecoded entry for `pc`, decoding it if needed; on a fetch failure returns an entry
  // with Op::FETCH_ERROR (and imm = the failing address).
  const Insn* fetch_slow(std::uint32_t pc);
  void invalidate_code(std::uint32_t addr, unsigned size);
  void flush_code_cache();

  Access load(std::uint32_t addr, unsigned size, std::uint32_t* out);
  Access store(std::uint32_t addr, unsigned size, std::uint32_t v);
  Access load_slow(std::uint32_t addr, unsigned size, std::uint32_t* out);
  Access store_slow(std::uint32_t addr, unsigned size, std::uint32_t v);
  Access bus_error(std::uint32_t addr, bool write, bool fetch);

  // Exceptions and interrupts (ISA manual §4.4.1.5 "The Exception and Interrupt Entry").
  // Returns false (and sets fatal_) when the exception cannot be delivered.
  bool exception(std::uint32_t cause, std::uint32_t at, std::optional<std::uint32_t> vaddr);
  void debug_exception(std::uint32_t debugcause, std::uint32_t at);
  unsigned current_level() const {
    unsigned l = ps_ & kPsIntlevel;
    return (ps_ & kPsExcm) && l < kExcmLevel ? kExcmLevel : l;
  }
  std::uint32_t interrupt_reg() const { return level_lines_ | latched_; }
  // The level of the highest-priority interrupt that can be taken now, 0 if none.
  unsigned takeable_level() const;
  void take_interrupt(unsigned level);
  void interrupts_changed() { stop_ = 0; }

  std::uint32_t ccount() const;
  void arm_ccompare();

  // The interpreter loop: runs until the scheduler time reaches stop_ (which anything that
  // needs attention resets to 0). kDebug: the checking instance (breakpoints before an
  // instruction, watchpoints after its access, one instruction when stepping_).
  // kSingle: exactly one instruction (or the exception it raises), without the time check
  // before it: the translator's fallback for instructions it does not translate (lx106_jit.hpp).
  template <bool kDebug, bool kSingle = false>
  void execute();
  RunResult run_slices(Cycles deadline);
  bool debug_active() const { return !breakpoints_.empty() || !watchpoints_.empty(); }
  // A watched byte in [ea, ea + size) for this kind of access: records the hit in debug_hit_.
  void check_watch(std::uint32_t ea, unsigned size, bool write);
  // Before each instruction in execute<true>(): a step that is done, a watchpoint hit by the
  // previous instruction, a breakpoint here (not the one being resumed from).
  bool debug_stop_here(std::uint32_t pc, std::uint64_t count);
  // The target halted here for the debugger: resuming executes the instruction at pc_ even if
  // it holds a breakpoint (core/debug.hpp).
  void halted_for_debugger() {
    resume_pc_ = pc_;
    resume_valid_ = true;
  }

  std::string fatal_message(const std::string& what) const;

  const BoardDesc& board_;
  Bus& bus_;
  Scheduler& sched_;
  XtensaSimcall simcall_;

  PageInfo* pages_ = nullptr;  // kPages entries (calloc: untouched entries cost no memory)
  Insn** code_ = nullptr;      // kPages entries: per-page decoded instructions or null
  std::vector<std::uint32_t> code_pages_;  // pages that have a decoded cache
  Insn scratch_;               // fetch errors

  // Architectural state.
  std::uint32_t a_[16] = {};
  std::uint32_t pc_ = 0;
  std::uint32_t sar_ = 0, litbase_ = 0, ps_ = kPsReset, vecbase_ = kVecbaseReset;
  std::uint32_t epc_[4] = {}, eps_[4] = {}, excsave_[4] = {};  // index = level (1..3)
  std::uint32_t depc_ = 0, exccause_ = 0, excvaddr_ = 0, debugcause_ = 0;
  std::uint32_t intenable_ = 0, ccompare0_ = 0;
  std::uint32_t ibreakenable_ = 0, ibreaka0_ = 0, dbreaka0_ = 0, dbreakc0_ = 0, ddr_ = 0;
  std::uint32_t icount_ = 0, icountlevel_ = 0, prid_ = 0;
  std::uint32_t level_lines_ = 0;  // INTERRUPT bits that follow level-type inputs
  std::uint32_t latched_ = 0;      // INTERRUPT bits latched (edge, NMI, timer, software)
  std::uint32_t inputs_ = 0;       // current levels of the interrupt inputs
  bool waiting_ = false;           // in WAITI
  // The register (bit n = an) the last executed instruction loaded, carried from one
  // execute() call to the next so that the load-use interlock does not depend on where a run
  // slice or a single step ends.
  std::uint32_t loaded_ = 0;
  Cycles ccount_base_ = 0;         // scheduler time at which CCOUNT was 0
  Event ccompare_event_;  // "cpu.ccompare0": CCOUNT reaches CCOMPARE0 (timer interrupt 6)

  std::uint32_t entry_ = 0;
  std::uint64_t instructions_ = 0;
  Cycles stop_ = 0;
  std::string fatal_;
  std::optional<int> exit_code_;
  bool host_quit_ = false;  // a SIMCALL found the host quitting: end the slice
  // The last exception delivered, named when a later one turns out to be unrecoverable.
  std::uint32_t last_exc_pc_ = 0, last_exc_cause_ = 0, last_exc_vector_ = 1;
  bool last_exc_valid_ = false;
  std::FILE* trace_ = nullptr;
  std::unique_ptr<Lx106Jit> jit_;  // set: the translator runs execute<false>()'s part

  // Debugger state.
  struct Watch {
    std::uint32_t addr, len;
    WatchKind kind;
    bool operator<(const Watch& o) const {
      return addr != o.addr ? addr < o.addr : len != o.len ? len < o.len : kind < o.kind;
    }
  };
  std::set<std::uint32_t> breakpoints_;
  std::set<Watch> watchpoints_;
  bool stepping_ = false;
  std::optional<DebugStop> debug_hit_;  // set inside execute<true>(), reported by run()/step()
  DebugStop last_stop_;
  std::uint32_t resume_pc_ = 0;  // see halted_for_debugger()
  bool resume_valid_ = false;
};

}  // namespace boardemu::xtensa
