// What every Unicorn-based CPU backend shares: the engine and its model, the bus mapped into
// it, the block/interrupt/unmapped-access hooks, register access, stop requests that are safe
// from inside device callbacks, and per-block cycle charging through BlockCosts.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <set>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/debug.hpp"
#include "core/semihosting.hpp"
#include "unicorn/block_costs.hpp"
#include "unicorn/unicorn_bus.hpp"

namespace boardemu {

// Debugging (core/debug.hpp) is shared here: breakpoints are UC_HOOK_CODE hooks on their own
// addresses; watchpoints are UC_HOOK_MEM_READ/WRITE hooks on the watched range plus, while any
// exists, one UC_HOOK_CODE hook on all code (a session with watchpoints runs slower), because
// a watchpoint must stop right after the accessing instruction and Unicorn 2.1.1 cannot stop
// there from a memory hook (uc_emu_stop in a memory hook leaves the PC at the block start with
// part of the block executed). Stopping from a code hook stops before that instruction with the
// PC at it (probed on 2.1.1). A single step is a code hook on the next sequential instruction
// plus a stop at the next block start. No hook exists while nothing is being debugged, so
// normal runs are untouched; while debugging, the hooks are installed for each uc_emu_start and
// removed after it.
//
// Cycles: a block is charged whole when it starts. A debug stop inside a block (breakpoint,
// watchpoint, single step) takes back the cost of the part that did not run: instruction i of
// a block costs cost(prefix through i) - cost(prefix before i), both from the cycle model, and
// the rest of the block, when it runs, is charged as cost(block) - cost(prefix). Stepping
// through a block therefore sums to the block's cost, and instructions inside it see the same
// time as in an unbroken run. Interrupts and due events are taken only at block starts, as in
// an unbroken run; step() runs the due events itself there (Scheduler::run_due).
class UnicornCpu : public Cpu, public CpuDebug {
 public:
  ~UnicornCpu() override;

  CpuDebug* debug() override { return this; }
  bool insert_breakpoint(std::uint32_t addr) override;
  bool remove_breakpoint(std::uint32_t addr) override;
  bool insert_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) override;
  bool remove_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) override;
  DebugStop last_stop() const override { return last_stop_; }

  std::uint32_t reg(int uc_reg);
  void set_reg(int uc_reg, std::uint32_t value);
  std::uint64_t instructions() const override { return instructions_; }
  void set_static_code(std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) override {
    costs_.set_static_code(std::move(ranges));
  }
  std::uint64_t blocks_timed() const { return costs_.blocks_timed(); }
  // The engine's page: translated blocks jump to each other directly within a page, and through
  // a hash lookup of the next block across pages (a third of the run time of MicroPython's VM
  // with Cortex-M's 1 KiB default). Arm engines get 4 KiB when the board's memory map is made
  // of whole 4 KiB pages (every RAM region and device window), since the engine maps whole
  // pages and an access to a hole must still fault; other engines keep their own (RISC-V: 4 KiB).
  std::uint32_t page_size() const;
  static std::uint32_t engine_page_size(Bus& bus);
  static constexpr std::uint32_t kDefaultArmPage = 1024;

 protected:
  UnicornCpu(uc_arch arch, uc_mode mode, int cpu_model, const BoardDesc& board, Bus& bus,
             Semihosting& semihosting);

  // Opens the engine into uc_ with `page_size` (0: the engine's default). False (and uc_ null)
  // if the engine refuses that page size.
  bool open_engine(uc_arch arch, uc_mode mode, int cpu_model, std::uint32_t page_size);
  // Times one block with the backend's cycle model (called once per distinct block).
  virtual BlockCost time_block(std::uint32_t address, const std::uint8_t* code, std::uint32_t size) = 0;
  // Moves execution to `address` (from a hook: abandons the current translation there).
  virtual void jump_to(std::uint32_t address) = 0;

  // Maps the bus into the engine and installs the hooks (static functions taking `this`).
  void map_bus_with_hooks(void* on_block, void* on_intr, void* on_unmapped, void* on_invalid);
  // Drops every translation of the board's memory (reset, or code loaded by the host).
  void flush_translations();
  // Save state shared by the backends: the wrapper's own fields (cycle charging carried from
  // block to block, instruction count, a block a debugger stopped inside, the code loaded from
  // the firmware file) and the 32-bit engine registers `regs`, in that order (restored in that
  // order too: list them so that each write finds the mode it needs). Loading drops every
  // translation and block timing.
  void unicorn_state(StateArchive& ar, const std::vector<int>& regs);

  // Asks the engine to stop at the next block boundary. From inside a device callback
  // uc_emu_stop() would re-run the block (see UnicornBusMapping), so the request is then
  // honoured by the next block hook.
  void request_stop() {
    stop_requested_ = true;
    refresh_horizon();
    if (running_ && !UnicornBusMapping::in_device_callback()) uc_emu_stop(uc_);
  }
  // In a block hook: stops the run before this block. While debug hooks are attached the
  // engine does not restore the PC to the block's start on that stop (Unicorn 2.1.1 leaves
  // it at an earlier, stale value when any UC_HOOK_CODE hook exists), so the PC is set after
  // the run (end_debug_run).
  void stop_before_block(std::uint32_t address) {
    block_stop_at_ = address;
    request_stop();
  }
  // In a block hook: the run must stop before this block (deadline, due event, request).
  bool stop_due() const {
    Cycles now = sched_.now();
    return stop_requested_ || now >= deadline_ || now >= sched_.earliest();
  }
  // The block hook both backends install (map_bus_with_hooks): the common case, charge_fast,
  // inline; everything else in the backend's block_slow(address, size), which starts with
  // block_may_run().
  template <class Backend>
  static void block_hook(uc_engine*, std::uint64_t address, std::uint32_t size, void* self) {
    auto& s = *static_cast<Backend*>(self);
    auto addr = static_cast<std::uint32_t>(address);
    if (s.charge_fast(addr, size)) [[likely]] return;
    s.block_slow(addr, size);
  }
  // The start of a block_slow: the debugger's say, then the stop check. False: the hook is done
  // (stopped before the block, or the debugger charged it). `step_first`: the first block of a
  // single step, which runs whatever is due (see DebugBlock).
  bool block_may_run(std::uint32_t address, std::uint32_t size, bool& step_first) {
    step_first = false;
    if (debug_active_) [[unlikely]] {
      DebugBlock d = debug_block(address, size);
      if (d == DebugBlock::stop || d == DebugBlock::charged) return false;
      step_first = d == DebugBlock::step_first;
    }
    // Stopping here keeps this block from executing (the engine checks for a stop request after
    // the block hook), so nothing is charged for it until it really runs.
    if (!step_first && stop_due()) {
      stop_before_block(address);
      return false;
    }
    return true;
  }
  // In a block hook: translates the block again if the guest rewrote it (see BlockCosts).
  bool retranslated(const BlockCost& c, std::uint32_t address, std::uint32_t size) {
    if (!c.dynamic || !costs_.rewritten(address, size)) return false;
    uc_ctl_remove_cache(uc_, static_cast<std::uint64_t>(address),
                        static_cast<std::uint64_t>(address) + size);
    jump_to(address);
    block_abandoned(address);
    return true;
  }
  // In a block hook that moved execution to the block's own start (jump_to) before any of it
  // ran: if that was the run's first block, the block that comes next is still the first.
  void block_abandoned(std::uint32_t address) {
    if (address == first_pc_ && block_serial_ == first_serial_) first_seen_ = false;
  }
  // In a block hook, once the block will run: charges its cycles, plus the pipeline refill of
  // the previous block's final conditional branch if that was taken (we are not at its
  // fall-through address).
  // Branch-free: whether the previous block's branch was taken is as unpredictable for the
  // host as it is for the guest's pipeline. This runs for every block (about 140 M times a
  // second): each store and mispredicted branch here shows in the MicroPython benchmark.
  void charge(const BlockCost& c, std::uint32_t address, std::uint32_t size) {
    cur_block_ = address;
    charge_time(c.cycles, c.instructions, c.taken_extra, address, size);
  }
  // The block hooks' common case, first thing in the hook: no debugger, nothing due, no stop
  // requested, a known block loaded from the firmware file. Charges it and returns true; false
  // leaves everything to the backend's full path. It makes no call, so that the compiled hook
  // needs no stack frame on this path (the full path is a separate, tail-called function).
  bool charge_fast(std::uint32_t address, std::uint32_t size) {
    if (sched_.now() >= sched_.horizon()) return false;  // see refresh_horizon()
    std::uint64_t w = costs_.plain(address, size);
    if (!w) return false;
    // cur_block_ matters to the debugger only: not kept here.
    using P = BlockCosts::PlainBlock;
    charge_time(P::cycles(w), P::instructions(w), P::taken_extra(w), address, size);
    return true;
  }
  bool read32(std::uint32_t addr, std::uint32_t* out) const;
  // The time and instruction count of a block that starts now (both charge paths).
  void charge_time(std::uint32_t cycles, std::uint32_t instructions, std::uint32_t taken_extra,
                   std::uint32_t address, std::uint32_t size) {
    Cycles refill = prev_taken_extra_ & (Cycles{0} - static_cast<Cycles>(address != prev_fallthrough_));
    prev_fallthrough_ = address + size;
    prev_taken_extra_ = taken_extra;
    instructions_ += instructions;
    sched_.advance(refill + cycles);
  }
  std::string describe_pc();

  // ---- debugging ----
  // Block hook, when debug_active_: decides before anything else whether the run stops before
  // this block. Returns `stop` (stopped: return), `charged` (the rest of a block a debug stop
  // interrupted: charged here, return), `step_first` (the first block of a single step: it
  // runs whatever is due, as step() has just run the due events and taken any interrupt) or
  // `go_on` (the usual path, which charges).
  enum class DebugBlock { go_on, stop, charged, step_first };
  DebugBlock debug_block(std::uint32_t address, std::uint32_t size);
  // Before uc_emu_start / after it: a stop for the debugger is reported by debug_result().
  void begin_debug_run(std::uint32_t pc) {
    first_pc_ = pc;
    first_serial_ = ~std::uint64_t{0};
    first_seen_ = false;
    debug_stopped_ = false;
    watch_hit_ = false;
    block_stop_at_ = 1;
    if (debug_active_) attach_debug_hooks();
    refresh_horizon();  // deadline_ and stop_requested_ are set for this run
  }
  void end_debug_run() {
    if (run_hooks_.empty()) return;
    detach_debug_hooks();
    if (block_stop_at_ != 1) jump_to(block_stop_at_);
  }
  bool debug_stop_pending() const { return debug_stopped_ || watch_hit_; }
  RunResult debug_result();
  // Stopped inside a block by the debugger: the next run resumes there, at no block start, so
  // no interrupt may be taken before it (the unbroken run would not take one there either).
  bool mid_block() const { return partial_.valid; }
  // The PC was changed by the debugger or a reset: no partly executed block any more.
  void forget_partial_block() {
    partial_.valid = false;
    update_debug_active();
  }
  // One instruction: installs the hook that stops before the next one, runs, removes it.
  // `run` is the backend's run(); returns its result with debug/step for an ordinary step.
  template <class Run>
  RunResult step_with(Run&& run) {
    begin_step(pc());
    RunResult r = run();
    end_step();
    if (r.reason == StopReason::deadline || r.reason == StopReason::debug) return step_stop();
    return r;
  }
  // For a backend's own code hook that emulates the instruction at `at` and may run before the
  // debugger's hooks: true if the debugger stops before that instruction (then it must not be
  // emulated). Otherwise the instruction counts as executed for the debugger's hooks.
  bool debug_stops_before(std::uint32_t at) {
    if (!debug_active_) return false;
    on_debug_code(uc_, at, 0, this);
    if (debug_stopped_) return true;
    emulated_at_ = at;
    emulated_serial_ = block_serial_;
    return false;
  }
  RunResult step_stop() {
    last_stop_ = DebugStop{DebugStop::Kind::step, 0, WatchKind::write};
    return {StopReason::debug, 0, {}};
  }
  void update_debug_active() {
    debug_active_ = !breakpoints_.empty() || !watches_.empty() || stepping_ || partial_.valid;
    refresh_horizon();
  }
  // charge_fast's single test: the scheduler's horizon is the run's deadline, or 0 (never fast)
  // while a debugger is attached, a stop was requested or the backend wants every block on its
  // full path (wants_full_block_path; it calls this when that changes); events scheduled
  // earlier lower it.
  void refresh_horizon() {
    sched_.set_cpu_horizon(debug_active_ || stop_requested_ || wants_full_block_path() ? 0 : deadline_);
  }
  virtual bool wants_full_block_path() const { return false; }

  Bus& bus_;
  Scheduler& sched_;
  Semihosting& semihosting_;
  const bool semihosting_enabled_;  // the board's cpu.semihosting
  UnmappedPolicy unmapped_policy_;
  uc_engine* uc_ = nullptr;
  std::unique_ptr<UnicornBusMapping> mapping_;
  BlockCosts costs_;
  std::vector<uc_hook> hooks_;

  Cycles deadline_ = 0;
  bool running_ = false;
  bool stop_requested_ = false;
  // The block that is running, as charged by charge(): it starts at cur_block_ and ends at
  // prev_fallthrough_ (a resumed rest of a block keeps the whole block's start and end). Kept
  // while the debugger is attached (debug_active_, when blocks take the full path) only.
  std::uint32_t cur_block_ = 0;
  bool debug_active_ = false;
  std::uint32_t block_stop_at_ = 1;  // odd: none
  std::uint32_t prev_fallthrough_ = 0;
  std::uint32_t prev_taken_extra_ = 0;
  std::uint64_t instructions_ = 0;
  std::string fatal_;  // set when the run cannot continue

 private:
  static void on_debug_code(uc_engine* uc, std::uint64_t address, std::uint32_t size, void* self);
  static bool on_watch(uc_engine* uc, uc_mem_type type, std::uint64_t address, int size,
                       std::int64_t value, void* self);
  void stop_for_debugger(DebugStop::Kind kind, std::uint32_t at);
  void stop_inside_block(std::uint32_t at);
  BlockCost prefix_cost(std::uint32_t start, std::uint32_t length);
  void drop_all_translations();
  void attach_debug_hooks();
  void detach_debug_hooks();
  void begin_step(std::uint32_t at);
  void end_step();

  struct Watch {
    std::uint32_t addr, len;
    WatchKind kind;
  };
  std::set<std::uint32_t> breakpoints_;
  std::vector<Watch> watches_;
  std::vector<uc_hook> run_hooks_;  // installed for the current uc_emu_start only
  bool stepping_ = false;
  std::uint32_t step_from_ = 0;

  // The current uc_emu_start: where it started, and the serial number of its first block (the
  // instruction there runs even if it holds a breakpoint: resuming from a breakpoint).
  std::uint64_t block_serial_ = 0, first_serial_ = 0;
  std::uint32_t first_pc_ = 0;
  bool first_seen_ = false;
  std::uint32_t emulated_at_ = 1;  // odd: none
  std::uint64_t emulated_serial_ = 0;
  bool debug_stopped_ = false;
  bool watch_hit_ = false;
  DebugStop watch_stop_;
  DebugStop last_stop_;
  struct Partial {
    bool valid = false;
    std::uint32_t start = 0, end = 0, resume = 0, prefix_cycles = 0, prefix_insns = 0;
  } partial_;
};

}  // namespace boardemu
