#include "unicorn/unicorn_cpu.hpp"

#include <fmt/format.h>

namespace boardemu {

UnicornCpu::UnicornCpu(uc_arch arch, uc_mode mode, int cpu_model, const BoardDesc& board, Bus& bus,
                       Semihosting& semihosting)
    : bus_(bus),
      sched_(bus.scheduler()),
      semihosting_(semihosting),
      semihosting_enabled_(board.semihosting),
      unmapped_policy_(board.unmapped),
      costs_(bus, [this](std::uint32_t a, const std::uint8_t* code, std::uint32_t n) {
        return time_block(a, code, n);
      }) {
  // Unicorn 2.1 sets the page size of Arm engines only, and 2.1.1 maps twice the size it is
  // asked for (measured): ask, read back, and keep the default (1 KiB) unless the wanted size
  // came out.
  const std::uint32_t want = arch == UC_ARCH_ARM ? engine_page_size(bus) : 0;
  if (want > kDefaultArmPage) {
    for (std::uint32_t ask : {want / 2, want}) {
      if (!open_engine(arch, mode, cpu_model, ask)) continue;
      std::uint32_t got = 0;
      if (uc_ctl_get_page_size(uc_, &got) == UC_ERR_OK && got == want) return;
      uc_close(uc_);
    }
  }
  open_engine(arch, mode, cpu_model, 0);
}

bool UnicornCpu::open_engine(uc_arch arch, uc_mode mode, int cpu_model, std::uint32_t page_size) {
  uc_ = nullptr;
  check_uc(uc_open(arch, mode, &uc_), "uc_open");
  // The page size and the model must be set before the engine is first used.
  if (page_size && uc_ctl_set_page_size(uc_, page_size) != UC_ERR_OK) {
    uc_close(uc_);
    uc_ = nullptr;
    return false;
  }
  check_uc(uc_ctl_set_cpu_model(uc_, cpu_model), "uc_ctl_set_cpu_model");
  return true;
}

std::uint32_t UnicornCpu::engine_page_size(Bus& bus) {
  for (std::uint32_t page : {4096u, 2048u}) {
    bool whole_pages = true;
    for (const auto& r : bus.ram())
      whole_pages = whole_pages && r->desc.base % page == 0 && r->desc.size % page == 0;
    for (const auto& m : bus.mmio()) whole_pages = whole_pages && m->base % page == 0 && m->size % page == 0;
    if (whole_pages) return page;
  }
  return kDefaultArmPage;
}

std::uint32_t UnicornCpu::page_size() const {
  std::uint32_t got = 0;
  uc_ctl_get_page_size(uc_, &got);
  return got;
}

UnicornCpu::~UnicornCpu() {
  mapping_.reset();
  if (uc_) uc_close(uc_);
}

void UnicornCpu::map_bus_with_hooks(void* on_block, void* on_intr, void* on_unmapped, void* on_invalid) {
  mapping_ = std::make_unique<UnicornBusMapping>(uc_, bus_);
  uc_hook h;
  check_uc(uc_hook_add(uc_, &h, UC_HOOK_BLOCK, on_block, this, 1, 0), "block hook");
  hooks_.push_back(h);
  check_uc(uc_hook_add(uc_, &h, UC_HOOK_INTR, on_intr, this, 1, 0), "interrupt hook");
  hooks_.push_back(h);
  check_uc(uc_hook_add(uc_, &h,
                       UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED |
                           UC_HOOK_MEM_FETCH_UNMAPPED | UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT,
                       on_unmapped, this, 1, 0),
           "unmapped-access hook");
  hooks_.push_back(h);
  if (on_invalid) {
    check_uc(uc_hook_add(uc_, &h, UC_HOOK_INSN_INVALID, on_invalid, this, 1, 0), "invalid-instruction hook");
    hooks_.push_back(h);
  }
}

void UnicornCpu::flush_translations() {
  costs_.clear();
  for (auto& r : bus_.ram())
    uc_ctl_remove_cache(uc_, static_cast<std::uint64_t>(r->desc.base),
                        static_cast<std::uint64_t>(r->desc.base) + r->desc.size);
}

void UnicornCpu::unicorn_state(StateArchive& ar, const std::vector<int>& regs) {
  ar.field("prev_fallthrough", prev_fallthrough_);
  ar.field("prev_taken_extra", prev_taken_extra_);
  ar.field("instructions", instructions_);
  ar.field("cur_block", cur_block_);
  ar.field("partial_valid", partial_.valid);
  ar.field("partial_start", partial_.start);
  ar.field("partial_end", partial_.end);
  ar.field("partial_resume", partial_.resume);
  ar.field("partial_prefix_cycles", partial_.prefix_cycles);
  ar.field("partial_prefix_insns", partial_.prefix_insns);
  auto code = costs_.static_code();
  std::size_t n = ar.count("static_code", code.size(), 8);
  if (ar.loading()) code.resize(n);
  for (auto& [begin, end] : code) {
    ar.field("static_code_begin", begin);
    ar.field("static_code_end", end);
  }
  for (int r : regs) {
    std::uint32_t v = ar.saving() ? reg(r) : 0;
    ar.field("register", v);
    if (ar.loading()) set_reg(r, v);
  }
  if (ar.loading()) {
    costs_.set_static_code(std::move(code));
    flush_translations();
    stop_requested_ = false;
    fatal_.clear();
    block_stop_at_ = 1;
    update_debug_active();
  }
}

std::uint32_t UnicornCpu::reg(int r) {
  std::uint32_t v = 0;
  uc_reg_read(uc_, r, &v);
  return v;
}

void UnicornCpu::set_reg(int r, std::uint32_t v) { uc_reg_write(uc_, r, &v); }

bool UnicornCpu::read32(std::uint32_t addr, std::uint32_t* out) const {
  std::uint8_t b[4];
  if (!bus_.read_block(addr, b, 4)) return false;
  *out = b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  return true;
}

std::string UnicornCpu::describe_pc() {
  std::uint32_t p = pc();
  return fmt::format("PC 0x{:08x} ({})", p, bus_.describe(p));
}

}  // namespace boardemu

// ---- debugging (see the class comment) ----------------------------------------------------------

namespace boardemu {

bool UnicornCpu::insert_breakpoint(std::uint32_t addr) {
  breakpoints_.insert(addr);
  update_debug_active();
  return true;
}

bool UnicornCpu::remove_breakpoint(std::uint32_t addr) {
  bool had = breakpoints_.erase(addr) != 0;
  update_debug_active();
  return had;
}

bool UnicornCpu::insert_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) {
  if (len == 0 || addr + (len - 1) < addr) return false;
  for (const Watch& w : watches_)
    if (w.addr == addr && w.len == len && w.kind == kind) return true;
  watches_.push_back({addr, len, kind});
  update_debug_active();
  return true;
}

bool UnicornCpu::remove_watchpoint(std::uint32_t addr, std::uint32_t len, WatchKind kind) {
  for (auto it = watches_.begin(); it != watches_.end(); ++it) {
    if (it->addr != addr || it->len != len || it->kind != kind) continue;
    watches_.erase(it);
    update_debug_active();
    return true;
  }
  return false;
}

// The hooks exist only for the duration of one uc_emu_start, and no translation outlives them.
// Measured on Unicorn 2.1.1: code translated while a UC_HOOK_CODE hook exists (even one on an
// address never executed) and run again in a later uc_emu_start mishandles the host-side
// Cortex-M exception return (the handler re-ran without its EXC_RETURN reaching the interrupt
// hook). Dropping every translation before and after each debugging run avoids that, at the
// cost of retranslating while a debugger is attached.
void UnicornCpu::drop_all_translations() {
  for (auto& r : bus_.ram())
    uc_ctl_remove_cache(uc_, static_cast<std::uint64_t>(r->desc.base),
                        static_cast<std::uint64_t>(r->desc.base) + r->desc.size);
}

void UnicornCpu::attach_debug_hooks() {
  drop_all_translations();
  auto add = [this](int type, void* cb, std::uint64_t begin, std::uint64_t end) {
    uc_hook h;
    check_uc(uc_hook_add(uc_, &h, type, cb, this, begin, end), "debug hook");
    run_hooks_.push_back(h);
  };
  void* code = reinterpret_cast<void*>(on_debug_code);
  for (std::uint32_t a : breakpoints_) add(UC_HOOK_CODE, code, a, a);
  if (stepping_) {
    // The next instruction in sequence is at step_from_+2 or +4 (Thumb-2 and RVC lengths); a
    // branch goes to a block start, where the block hook stops.
    add(UC_HOOK_CODE, code, step_from_ + 2, step_from_ + 4);
  }
  if (!watches_.empty()) {
    add(UC_HOOK_CODE, code, 1, 0);  // every instruction: stops right after an access
    for (const Watch& w : watches_) {
      int types = w.kind == WatchKind::write  ? UC_HOOK_MEM_WRITE
                  : w.kind == WatchKind::read ? UC_HOOK_MEM_READ
                                              : UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE;
      // Unicorn matches a memory hook's range against the first byte an access touches: the
      // range starts up to 7 bytes early so that accesses overlapping the watched bytes from
      // below (up to 8 bytes wide) reach on_watch, which checks the overlap.
      std::uint32_t first = w.addr >= 7 ? w.addr - 7 : 0;
      add(types, reinterpret_cast<void*>(on_watch), first, w.addr + (w.len - 1));
    }
  }
}

void UnicornCpu::detach_debug_hooks() {
  for (uc_hook h : run_hooks_) uc_hook_del(uc_, h);
  run_hooks_.clear();
  drop_all_translations();
}

bool UnicornCpu::on_watch(uc_engine*, uc_mem_type type, std::uint64_t address, int size, std::int64_t,
                          void* p) {
  auto& s = *static_cast<UnicornCpu*>(p);
  if (s.watch_hit_) return true;  // the first access of the instruction is reported
  auto a = static_cast<std::uint32_t>(address);
  bool write = type == UC_MEM_WRITE;
  for (const Watch& w : s.watches_) {
    bool kind_matches = w.kind == WatchKind::access || (w.kind == WatchKind::write) == write;
    // Overlap of [a, a + size) with [w.addr, w.addr + len).
    if (!kind_matches || (a - w.addr >= w.len && w.addr - a >= static_cast<std::uint32_t>(size))) continue;
    s.watch_hit_ = true;
    s.watch_stop_ = DebugStop{DebugStop::Kind::watchpoint, a - w.addr < w.len ? a : w.addr, w.kind};
    break;
  }
  // No uc_emu_stop here (see the class comment): the code hook before the next instruction,
  // or the next block hook, stops the run.
  return true;
}

void UnicornCpu::on_debug_code(uc_engine*, std::uint64_t address, std::uint32_t, void* p) {
  auto& s = *static_cast<UnicornCpu*>(p);
  auto at = static_cast<std::uint32_t>(address);
  if (s.debug_stopped_) return;  // a second hook on the same instruction
  if (at == s.emulated_at_ && s.block_serial_ == s.emulated_serial_) return;
  // The instruction the run started at executes, breakpoint or not.
  if (s.block_serial_ == s.first_serial_ && at == s.first_pc_) return;
  if (s.watch_hit_) {
    s.stop_inside_block(at);
    s.stop_for_debugger(DebugStop::Kind::watchpoint, at);
  } else if (s.stepping_) {
    s.stop_inside_block(at);
    s.stop_for_debugger(DebugStop::Kind::step, at);
  } else if (s.breakpoints_.count(at)) {
    s.stop_inside_block(at);
    s.stop_for_debugger(DebugStop::Kind::breakpoint, at);
  }
}

void UnicornCpu::stop_for_debugger(DebugStop::Kind kind, std::uint32_t at) {
  debug_stopped_ = true;
  if (kind == DebugStop::Kind::watchpoint) {
    last_stop_ = watch_stop_;
    watch_hit_ = false;
  } else {
    last_stop_ = DebugStop{kind, kind == DebugStop::Kind::breakpoint ? at : 0, WatchKind::write};
  }
  request_stop();
}

UnicornCpu::DebugBlock UnicornCpu::debug_block(std::uint32_t address, std::uint32_t size) {
  ++block_serial_;
  if (!first_seen_ && address == first_pc_) {
    // The run's first block.
    first_serial_ = block_serial_;
    first_seen_ = true;
    const DebugBlock usual = stepping_ ? DebugBlock::step_first : DebugBlock::go_on;
    if (!partial_.valid) return usual;
    partial_.valid = false;
    update_debug_active();
    if (address != partial_.resume || address + size != partial_.end) return usual;
    // The rest of a block a debug stop interrupted: charged as the block's cost minus the prefix
    // already charged, so that the pieces add up to the unbroken block. No stop for due events
    // here: the unbroken run would not have stopped inside the block.
    BlockCost c = costs_.lookup(partial_.start, partial_.end - partial_.start);
    sched_.advance(c.cycles > partial_.prefix_cycles ? c.cycles - partial_.prefix_cycles : 0);
    instructions_ += c.instructions > partial_.prefix_insns ? c.instructions - partial_.prefix_insns : 0;
    prev_fallthrough_ = partial_.end;
    prev_taken_extra_ = c.taken_extra;
    cur_block_ = partial_.start;
    return DebugBlock::charged;
  }
  first_seen_ = true;
  if (block_serial_ == first_serial_) return DebugBlock::go_on;
  if (watch_hit_) {
    stop_for_debugger(DebugStop::Kind::watchpoint, address);
    block_stop_at_ = address;
    return DebugBlock::stop;
  }
  if (stepping_) {
    stop_for_debugger(DebugStop::Kind::step, address);
    block_stop_at_ = address;
    return DebugBlock::stop;
  }
  if (breakpoints_.count(address)) {
    stop_for_debugger(DebugStop::Kind::breakpoint, address);
    block_stop_at_ = address;
    return DebugBlock::stop;
  }
  return DebugBlock::go_on;
}

BlockCost UnicornCpu::prefix_cost(std::uint32_t start, std::uint32_t length) {
  if (length == 0) return BlockCost{};
  std::vector<std::uint8_t> code(length);
  if (!bus_.read_block(start, code.data(), length)) return BlockCost{};
  return time_block(start, code.data(), length);
}

void UnicornCpu::stop_inside_block(std::uint32_t at) {
  const std::uint32_t cur_size = prev_fallthrough_ - cur_block_;
  if (at - cur_block_ >= cur_size) return;  // not inside the block that was charged
  BlockCost whole = costs_.lookup(cur_block_, cur_size);
  BlockCost prefix = prefix_cost(cur_block_, at - cur_block_);
  // Take back what the instructions from `at` to the end of the block were charged.
  if (whole.cycles > prefix.cycles) sched_.rewind(whole.cycles - prefix.cycles);
  if (whole.instructions > prefix.instructions) instructions_ -= whole.instructions - prefix.instructions;
  // The previous block's taken-branch refill was charged when this block started.
  prev_taken_extra_ = 0;
  partial_ = Partial{true, cur_block_, prev_fallthrough_, at, prefix.cycles, prefix.instructions};
  update_debug_active();
}

RunResult UnicornCpu::debug_result() {
  if (watch_hit_ && !debug_stopped_) {  // the run stopped at a block start for another reason
    last_stop_ = watch_stop_;
    watch_hit_ = false;
  }
  debug_stopped_ = false;
  return {StopReason::debug, 0, {}};
}

void UnicornCpu::begin_step(std::uint32_t at) {
  stepping_ = true;
  step_from_ = at;
  update_debug_active();
}

void UnicornCpu::end_step() {
  stepping_ = false;
  update_debug_active();
}

}  // namespace boardemu
