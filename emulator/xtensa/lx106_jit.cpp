#include "xtensa/lx106_jit.hpp"

#include "xtensa/lx106_cpu.hpp"

#if defined(__x86_64__) && defined(BOARDEMU_HAVE_XBYAK)
#define BOARDEMU_LX106_JIT 1
#include <xbyak/xbyak.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace boardemu::xtensa {

#if BOARDEMU_LX106_JIT

namespace {

constexpr unsigned kMaxBlockInsns = 32;
constexpr std::size_t kCodeSize = 32u << 20;     // one buffer; flushed whole when nearly full
constexpr std::size_t kCodeHeadroom = 64u << 10;  // more than the largest block needs
constexpr unsigned kTableBits = 14;                // direct-mapped block lookup in front of the map
constexpr std::uint32_t kDynamicLoaded = ~0u;      // `loaded` is in the context, not known statically

// Instructions after which a block ends: they transfer control, may raise an exception as
// their purpose, or may change what run_slices() decides next (interrupt level, stop time).
bool ends_block(Op op) {
  switch (op) {
    case Op::UNDECODED: case Op::ILLEGAL: case Op::FETCH_ERROR: case Op::ILL: case Op::ILL_N:
    case Op::RET: case Op::RET_N: case Op::JX: case Op::CALLX0: case Op::CALL0: case Op::J:
    case Op::RFE: case Op::RFDE: case Op::RFI: case Op::BREAK: case Op::BREAK_N:
    case Op::SYSCALL: case Op::SIMCALL: case Op::RSIL: case Op::WAITI: case Op::WSR: case Op::XSR:
    case Op::BEQZ: case Op::BNEZ: case Op::BLTZ: case Op::BGEZ: case Op::BEQI: case Op::BNEI:
    case Op::BLTI: case Op::BGEI: case Op::BLTUI: case Op::BGEUI: case Op::BNONE: case Op::BEQ:
    case Op::BLT: case Op::BLTU: case Op::BALL: case Op::BBC: case Op::BBCI: case Op::BANY:
    case Op::BNE: case Op::BGE: case Op::BGEU: case Op::BNALL: case Op::BBS: case Op::BBSI:
    case Op::BEQZ_N: case Op::BNEZ_N:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct Lx106Jit::Impl {
  using BlockFn = void (*)();
  struct Block {
    BlockFn fn;
    std::uint32_t start, end;  // guest bytes [start, end)
  };
  struct TableEntry {
    std::uint32_t pc;
    BlockFn fn;
  };

  Lx106Jit& jit;
  Lx106Cpu& cpu;
  JitContext ctx;
  Xbyak::CodeGenerator gen{kCodeSize};
  std::unordered_map<std::uint32_t, Block> blocks;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> page_blocks;  // page -> block starts
  std::vector<TableEntry> table = std::vector<TableEntry>(1u << kTableBits, TableEntry{0, nullptr});
  bool invalidated = false;  // a translation was dropped during the current fallback
  std::size_t prologue_len = 0;
  unsigned max_wait = 0;  // the largest wait states of any memory region of the board

  Impl(Lx106Jit& j, Lx106Cpu& c) : jit(j), cpu(c) {
    gen.setDefaultJmpNEAR(true);
    for (auto& r : c.bus_.ram()) max_wait = std::max(max_wait, std::min(r->desc.wait_states, 255u));
  }

  static unsigned slot(std::uint32_t pc) { return (pc ^ (pc >> kTableBits)) & ((1u << kTableBits) - 1); }

  BlockFn lookup(std::uint32_t pc) {
    TableEntry& e = table[slot(pc)];
    if (e.fn && e.pc == pc) return e.fn;
    auto it = blocks.find(pc);
    BlockFn fn = it != blocks.end() ? it->second.fn : translate(pc);
    table[slot(pc)] = TableEntry{pc, fn};
    return fn;
  }

  void flush() {
    invalidated = true;  // a block running a fallback that flushed must leave right after it
    blocks.clear();
    page_blocks.clear();
    std::fill(table.begin(), table.end(), TableEntry{0, nullptr});
    gen.reset();
    gen.setDefaultJmpNEAR(true);
    ++jit.stats_.flushes;
  }

  void invalidate(std::uint32_t addr, std::uint32_t size) {
    if (blocks.empty() || size == 0) return;
    std::uint64_t lo = addr, hi = std::uint64_t{addr} + size;
    for (std::uint64_t p = lo >> Lx106Cpu::kPageBits; p <= (hi - 1) >> Lx106Cpu::kPageBits; ++p) {
      auto pit = page_blocks.find(static_cast<std::uint32_t>(p));
      if (pit == page_blocks.end()) continue;
      std::vector<std::uint32_t>& starts = pit->second;
      for (std::size_t i = 0; i < starts.size();) {
        auto it = blocks.find(starts[i]);
        bool gone = it == blocks.end();
        if (!gone && it->second.start < hi && lo < it->second.end) {
          TableEntry& e = table[slot(it->second.start)];
          if (e.pc == it->second.start) e = TableEntry{0, nullptr};
          blocks.erase(it);
          gone = true;
          invalidated = true;
          ++jit.stats_.invalidations;
        }
        if (gone) {
          starts[i] = starts.back();
          starts.pop_back();
        } else {
          ++i;
        }
      }
      if (starts.empty()) page_blocks.erase(pit);
    }
  }

  // The interpreter's own implementation of the instruction at `pc`, for one instruction.
  // Returns true when the block must leave (the instruction did not continue at `next`).
  static bool fallback(Impl* self, std::uint32_t pc, std::uint32_t next) {
    Lx106Cpu& c = self->cpu;
    JitContext& x = self->ctx;
    c.sched_.advance_to(x.now);
    c.pc_ = pc;
    c.loaded_ = x.loaded;
    c.stop_ = x.stop;
    self->invalidated = false;
    if (Insn* page = c.code_[pc >> Lx106Cpu::kPageBits]) ++self->jit.stats_.fallbacks[static_cast<unsigned>(page[pc & (Lx106Cpu::kPageSize - 1)].op)];
    c.execute<false, true>();
    x.now = c.sched_.now();
    x.pc = c.pc_;
    x.loaded = c.loaded_;
    x.stop = c.stop_;
    return c.pc_ != next || self->invalidated || !c.fatal_.empty() || c.exit_code_ || c.host_quit_;
  }

  BlockFn translate(std::uint32_t pc0);

  // The field behind a special register whose RSR (or WSR, `write`) is a plain load (store,
  // with the write masks of Lx106Cpu::write_sr for SAR and PS); null for the others.
  std::uint32_t* plain_sr(unsigned sr, bool write) {
    Lx106Cpu& c = cpu;
    switch (sr) {
      case SR_SAR: return &c.sar_;
      case SR_EPC1: case SR_EPC2: case SR_EPC3: return &c.epc_[sr - SR_EPC1 + 1];
      case SR_DEPC: return &c.depc_;
      case SR_EPS2: case SR_EPS3: return &c.eps_[sr - SR_EPS2 + 2];
      case SR_EXCSAVE1: case SR_EXCSAVE2: case SR_EXCSAVE3: return &c.excsave_[sr - SR_EXCSAVE1 + 1];
      case SR_EXCCAUSE: return &c.exccause_;
      case SR_EXCVADDR: return &c.excvaddr_;
      case SR_PS: return &c.ps_;
      case SR_INTENABLE: return &c.intenable_;
      case SR_VECBASE: return &c.vecbase_;
      case SR_CCOMPARE0: return write ? nullptr : &c.ccompare0_;
      default: return nullptr;
    }
  }
};

// ---- Code generation --------------------------------------------------------------------------
//
// Host registers in a block: rbx = &a_[0] (guest registers in memory), r8-r11 and r13 = up to
// five guest registers the block uses most (see `host_reg` in translate()), rbp = &ctx,
// r12 = ctx.now (written back before fallbacks and at exits), r15 = the page table, r14 = &sar_.
// Scratch:
// rax, rcx, rdx, rsi, rdi. A block is `void f()`; every exit stores pc, loaded and the count.

Lx106Jit::Impl::BlockFn Lx106Jit::Impl::translate(std::uint32_t pc0) {
  using namespace Xbyak;
  using namespace Xbyak::util;
  using Reg = Lx106Cpu;
  if (gen.getSize() + kCodeHeadroom > kCodeSize) flush();

  struct Item {
    std::uint32_t pc;
    Insn in;
  };
  std::vector<Item> items;
  std::uint32_t pc = pc0;
  // Code outside whole host pages (a device window, a partly mapped page) is fetched through
  // the bus, which may have side effects: only the instruction about to run is fetched, as the
  // interpreter would.
  const unsigned max_insns = cpu.pages_[pc0 >> Reg::kPageBits].host ? kMaxBlockInsns : 1;
  for (unsigned n = 0; n < max_insns; ++n) {
    if (n && (pc >> Reg::kPageBits) != (pc0 >> Reg::kPageBits)) break;
    Insn in = *cpu.fetch_slow(pc);
    items.push_back({pc, in});
    if (ends_block(in.op)) break;
    pc += in.len;
  }
  const std::uint32_t end = items.back().pc + items.back().in.len;
  // rest[i]: the most cycles instructions i..n-2 can take on their translated paths (issue
  // cost, a load-use stall, the slowest memory's wait states). A block runs without time checks
  // when now + rest[0] < stop, since then the interpreter would run all its instructions too
  // (the last one runs when the time before it is below stop); otherwise the dispatcher hands
  // the rest of the slice to the interpreter. Fallbacks and slow paths can take any time, so
  // after one the same test is made with rest[i + 1].
  std::vector<std::uint64_t> rest(items.size() + 1, 0);
  for (std::size_t i = items.size() - 1; i-- > 0;)
    rest[i] = rest[i + 1] + items[i].in.cost + Reg::kLoadUseStall + max_wait;

  CodeGenerator& g = gen;
  const auto* entry = g.getCurr();
  const int kNow = offsetof(JitContext, now), kStop = offsetof(JitContext, stop),
            kPc = offsetof(JitContext, pc), kLoaded = offsetof(JitContext, loaded),
            kCount = offsetof(JitContext, count);
  // Guest registers the block uses most live in host registers for the whole block (a static
  // allocation: every point of the block has the same mapping). They are loaded after the entry
  // test, written back before every fallback and at every exit, and reloaded after a fallback
  // (the interpreter may have changed any of them). Exits taken right after a fallback (`leave`)
  // skip the write-back: memory is the up-to-date copy then.
  static const Xbyak::Reg32* const kPool[] = {&r8d, &r9d, &r10d, &r11d, &r13d};
  const Xbyak::Reg32* host_reg[16] = {};
  std::vector<Xbyak::Address> mem_reg;
  for (unsigned n = 0; n < 16; ++n) mem_reg.push_back(dword[rbx + static_cast<int>(4 * n)]);
  {
    unsigned uses[16] = {};
    for (const Item& it : items) {
      for (unsigned n = 0; n < 16; ++n)
        if (it.in.reads & (1u << n)) uses[n] += 2;
      ++uses[it.in.r];
      ++uses[it.in.t];
    }
    std::vector<unsigned> order;
    for (unsigned n = 0; n < 16; ++n)
      if (uses[n] >= 3) order.push_back(n);
    std::stable_sort(order.begin(), order.end(), [&](unsigned x, unsigned y) { return uses[x] > uses[y]; });
    for (std::size_t k = 0; k < order.size() && k < std::size(kPool); ++k) host_reg[order[k]] = kPool[k];
  }
  auto A = [&](unsigned n) -> const Xbyak::Operand& {
    n &= 15;
    if (host_reg[n]) return *host_reg[n];
    return mem_reg[n];
  };
  // Guest registers whose host copy was written since the last load (known statically at each
  // point of the block; cold stubs set it to the value at the point they branch from).
  std::uint32_t dirty = 0;
  auto W = [&](unsigned n) -> const Xbyak::Operand& {  // a guest register about to be written
    n &= 15;
    if (host_reg[n]) dirty |= 1u << n;
    return A(n);
  };
  auto write_back = [&] {
    for (unsigned n = 0; n < 16; ++n)
      if (host_reg[n] && (dirty & (1u << n))) g.mov(mem_reg[n], *host_reg[n]);
  };
  auto reload = [&] {
    for (unsigned n = 0; n < 16; ++n)
      if (host_reg[n]) g.mov(*host_reg[n], mem_reg[n]);
  };

  Label epilogue;
  std::vector<std::function<void()>> cold;  // out-of-line stubs, emitted after the block

  // Prologue.
  g.push(rbx);
  g.push(rbp);
  g.push(r12);
  g.push(r13);
  g.push(r14);
  g.push(r15);
  g.sub(rsp, 8);  // 16-byte alignment for calls
  g.mov(rbx, reinterpret_cast<std::uintptr_t>(&cpu.a_[0]));
  g.mov(rbp, reinterpret_cast<std::uintptr_t>(&ctx));
  g.mov(r15, reinterpret_cast<std::uintptr_t>(cpu.pages_));
  g.mov(r14, reinterpret_cast<std::uintptr_t>(&cpu.sar_));
  g.mov(r12, qword[rbp + kNow]);
  // Every prologue has the same length (constants are 64-bit immediates): chained jumps enter
  // a block right after it, with these registers already set.
  std::size_t len = static_cast<std::size_t>(g.getCurr() - entry);
  if (prologue_len == 0) prologue_len = len;
  if (len != prologue_len) throw std::logic_error("lx106 jit: prologue length changed");
  const int kNear = offsetof(JitContext, near_stop);
  Label near_stop;
  g.mov(rax, r12);
  g.add(rax, static_cast<std::uint32_t>(rest[0]));
  g.cmp(rax, qword[rbp + kStop]);
  g.jae(near_stop);
  reload();

  std::uint32_t loaded = kDynamicLoaded;  // what `loaded` is before the current instruction
  unsigned native = 0;                    // instructions executed natively so far

  // Block chaining: when the next block is in the lookup table and the slice goes on (the
  // dispatcher's own check), jump past its prologue instead of returning to the dispatcher.
  // rsi = the table entry; the state (pc, loaded) is already in the context, edx = count.
  const int kEntryPc = offsetof(TableEntry, pc), kEntryFn = offsetof(TableEntry, fn);
  static_assert(sizeof(TableEntry) == 16);
  // No time test here: the target's entry test (now + rest[0] >= stop) covers now >= stop.
  auto chain = [&](const Xbyak::Reg32& pc_reg) {
    g.cmp(dword[rsi + kEntryPc], pc_reg);
    g.jne(epilogue);
    g.mov(rcx, qword[rsi + kEntryFn]);
    g.test(rcx, rcx);
    g.jz(epilogue);
    g.add(qword[rbp + kCount], rdx);
    g.add(rcx, static_cast<std::uint32_t>(prologue_len));
    g.jmp(rcx);
  };
  // An exit to `target` (a constant) after `n` native instructions with `ld` loaded.
  auto exit_to = [&](std::uint32_t target, std::uint32_t ld, unsigned n, bool chained = true,
                     bool registers_in_host = true) {
    if (registers_in_host) write_back();
    g.mov(dword[rbp + kPc], target);
    if (ld != kDynamicLoaded) g.mov(dword[rbp + kLoaded], ld);
    g.mov(edx, n);
    if (!chained) {
      g.jmp(epilogue);
      return;
    }
    g.mov(rsi, reinterpret_cast<std::uintptr_t>(&table[slot(target)]));
    g.mov(eax, target);
    chain(eax);
  };
  // An exit whose pc is in eax.
  auto exit_dynamic = [&](std::uint32_t ld, unsigned n) {
    write_back();
    g.mov(dword[rbp + kPc], eax);
    if (ld != kDynamicLoaded) g.mov(dword[rbp + kLoaded], ld);
    g.mov(edx, n);
    g.mov(ecx, eax);  // slot(pc), as Impl::slot computes it
    g.shr(ecx, kTableBits);
    g.xor_(ecx, eax);
    g.and_(ecx, (1u << kTableBits) - 1);
    g.shl(rcx, 4);
    g.mov(rsi, reinterpret_cast<std::uintptr_t>(table.data()));
    g.add(rsi, rcx);
    chain(eax);
  };
  // Calls the interpreter for the instruction at `ipc`; on return, jumps to `leave` if the block
  // must end (pc, loaded and now are then in the context already).
  auto call_fallback = [&](std::uint32_t ipc, std::uint32_t next, std::uint32_t ld, Label& leave) {
    write_back();
    g.mov(qword[rbp + kNow], r12);
    if (ld != kDynamicLoaded) g.mov(dword[rbp + kLoaded], ld);
    g.mov(rdi, reinterpret_cast<std::uintptr_t>(this));
    g.mov(esi, ipc);
    g.mov(edx, next);
    g.mov(rax, reinterpret_cast<std::uintptr_t>(&Impl::fallback));
    g.call(rax);
    g.mov(r12, qword[rbp + kNow]);
    g.test(al, al);
    g.jnz(leave);
    reload();
    dirty = 0;
  };
  // The load-use interlock and the issue cost of a native instruction.
  auto charge = [&](const Insn& in, unsigned extra) {
    unsigned cycles = in.cost + extra;
    if (loaded == kDynamicLoaded) {
      if (in.reads) {
        g.xor_(edi, edi);  // not eax: a load or store holds its address there
        g.test(dword[rbp + kLoaded], in.reads);
        g.setnz(dil);
        g.add(r12, rdi);
      }
    } else if (in.reads & loaded) {
      cycles += Reg::kLoadUseStall;
    }
    if (cycles) g.add(r12, cycles);
  };

  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::uint32_t ipc = items[i].pc;
    const Insn& in = items[i].in;
    const unsigned r = in.r, s = in.s, t = in.t;
    const std::uint32_t next = ipc + in.len;
    const std::uint32_t imm = static_cast<std::uint32_t>(in.imm);
    const std::uint32_t dirty_before = dirty;  // for slow-path stubs, which branch before any write
    const std::uint64_t rest_after = rest[i + 1];
    const bool last = i + 1 == items.size();
    // After a fallback or a slow path (now in r12, loaded in the context, the instruction
    // counted by the interpreter): when the rest of the block might reach the stop time, leave
    // at the next instruction (`exit_label` exits after `n` native instructions).
    auto recheck = [&g, &rbp_stop = kStop, rest_after, last](Label& exit_label) {
      if (last) return;
      g.mov(rax, r12);
      g.add(rax, static_cast<std::uint32_t>(rest_after));
      g.cmp(rax, qword[rbp + rbp_stop]);
      g.jae(exit_label);
    };

    // A fallback for the whole instruction; after it `loaded` is dynamic.
    auto whole_fallback = [&] {
      auto* leave = new Label;
      auto* near = new Label;
      call_fallback(ipc, next, loaded, *leave);
      recheck(*near);
      cold.push_back([&g, &epilogue, &exit_to, &dirty, leave, near, next, n = native] {
        g.L(*leave);
        g.mov(edx, n);
        g.jmp(epilogue);
        g.L(*near);
        dirty = 0;  // reloaded after the fallback
        exit_to(next, kDynamicLoaded, n, false);
        delete leave;
        delete near;
      });
      loaded = kDynamicLoaded;
    };
    // Simple ALU operations: three-register forms.
    auto alu = [&](auto&& body, unsigned dst) {
      charge(in, 0);
      body();
      g.mov(W(dst), eax);
      loaded = 0;
      ++native;
    };
    // Load/store fast path: ea in eax after the checks; rdx = host page, rsi = wait states.
    // `slow` is taken before anything changed.
    auto mem_access = [&](unsigned size, bool store, auto&& access) {
      auto* slow = new Label;
      auto* join = new Label;
      g.mov(eax, A(s));
      if (imm) g.add(eax, imm);
      if (size > 1) {
        g.test(eax, size - 1);
        g.jnz(*slow);
      }
      g.mov(ecx, eax);
      g.shr(ecx, Reg::kPageBits);
      g.shl(rcx, 4);
      static_assert(sizeof(Reg::PageInfo) == 16);
      g.mov(rdx, qword[r15 + rcx + offsetof(Reg::PageInfo, host)]);
      g.test(rdx, rdx);
      g.jz(*slow);
      std::uint8_t mask = 0, want = 0;
      if (size != 4) mask |= Reg::kWordOnly;
      if (store) {
        mask |= Reg::kWritable | Reg::kHasCode;
        want = Reg::kWritable;
      }
      if (mask) {
        g.movzx(esi, byte[r15 + rcx + offsetof(Reg::PageInfo, flags)]);
        g.and_(esi, mask);
        g.cmp(esi, want);
        g.jne(*slow);
      }
      if (max_wait) {  // no board memory has wait states: nothing to add
        g.movzx(esi, byte[r15 + rcx + offsetof(Reg::PageInfo, wait)]);
        g.add(r12, rsi);
      }
      g.and_(eax, Reg::kPageSize - 1);
      charge(in, 0);
      access();
      g.L(*join);
      std::uint32_t after = store ? 0 : (1u << t);
      cold.push_back([&, slow, join, ipc, next, recheck, ld = loaded, n = native, d = dirty_before] {
        g.L(*slow);
        auto* leave = new Label;
        auto* near = new Label;
        dirty = d;
        call_fallback(ipc, next, ld, *leave);
        recheck(*near);
        g.sub(qword[rbp + kCount], 1);  // the interpreter counted it; the join counts it again
        g.jmp(*join);
        g.L(*near);
        exit_to(next, kDynamicLoaded, n, false);
        g.L(*leave);
        g.mov(edx, n);
        g.jmp(epilogue);
        delete leave;
        delete near;
        delete slow;
        delete join;
      });
      loaded = after;
      ++native;
    };
    auto branch = [&](auto&& cond_jcc_taken) {  // cond_jcc_taken(Label&) jumps when taken
      charge(in, 0);
      Label taken;
      cond_jcc_taken(taken);
      exit_to(next, 0, native + 1);
      g.L(taken);
      g.add(r12, Reg::kTakenBranchPenalty);
      exit_to(imm, 0, native + 1);
      ++native;
    };
    auto cmp_branch_rr = [&](void (CodeGenerator::*jcc)(const Label&, CodeGenerator::LabelType)) {
      branch([&](Label& taken) {
        g.mov(eax, A(s));
        g.cmp(eax, A(t));
        (g.*jcc)(taken, CodeGenerator::T_AUTO);
      });
    };
    auto cmp_branch_ri = [&](std::uint32_t k, void (CodeGenerator::*jcc)(const Label&, CodeGenerator::LabelType)) {
      branch([&](Label& taken) {
        g.cmp(A(s), k);
        (g.*jcc)(taken, CodeGenerator::T_AUTO);
      });
    };
    auto test_branch = [&](bool negate_t, void (CodeGenerator::*jcc)(const Label&, CodeGenerator::LabelType)) {
      branch([&](Label& taken) {
        g.mov(eax, A(s));
        if (negate_t) g.not_(eax);
        g.test(A(t), eax);
        (g.*jcc)(taken, CodeGenerator::T_AUTO);
      });
    };
    using CG = CodeGenerator;

    switch (in.op) {
      case Op::ADD: case Op::ADD_N:
        alu([&] { g.mov(eax, A(s)); g.add(eax, A(t)); }, r);
        break;
      case Op::SUB:
        alu([&] { g.mov(eax, A(s)); g.sub(eax, A(t)); }, r);
        break;
      case Op::AND:
        alu([&] { g.mov(eax, A(s)); g.and_(eax, A(t)); }, r);
        break;
      case Op::OR:
        alu([&] { g.mov(eax, A(s)); g.or_(eax, A(t)); }, r);
        break;
      case Op::XOR:
        alu([&] { g.mov(eax, A(s)); g.xor_(eax, A(t)); }, r);
        break;
      case Op::ADDX2: case Op::ADDX4: case Op::ADDX8: case Op::SUBX2: case Op::SUBX4: case Op::SUBX8: {
        unsigned sh = (in.op == Op::ADDX2 || in.op == Op::SUBX2) ? 1 : (in.op == Op::ADDX4 || in.op == Op::SUBX4) ? 2 : 3;
        bool sub = in.op == Op::SUBX2 || in.op == Op::SUBX4 || in.op == Op::SUBX8;
        alu([&] {
          g.mov(eax, A(s));
          g.shl(eax, sh);
          if (sub) g.sub(eax, A(t));
          else g.add(eax, A(t));
        }, r);
        break;
      }
      case Op::ADDI: case Op::ADDMI:
        alu([&] { g.mov(eax, A(s)); g.add(eax, imm); }, t);
        break;
      case Op::ADDI_N:
        alu([&] { g.mov(eax, A(s)); g.add(eax, imm); }, r);
        break;
      case Op::MOVI:
        alu([&] { g.mov(eax, imm); }, t);
        break;
      case Op::MOVI_N:
        alu([&] { g.mov(eax, imm); }, s);
        break;
      case Op::MOV_N:
        alu([&] { g.mov(eax, A(s)); }, t);
        break;
      case Op::NEG:
        alu([&] { g.mov(eax, A(t)); g.neg(eax); }, r);
        break;
      case Op::SLLI:  // 1..32: a 64-bit shift keeps 32 meaning "all bits out"
        alu([&] { g.mov(eax, A(s)); g.shl(rax, static_cast<int>(imm)); }, r);
        break;
      case Op::SRLI:
        alu([&] { g.mov(eax, A(t)); if (s) g.shr(eax, s); }, r);
        break;
      case Op::SRAI:
        alu([&] { g.mov(eax, A(t)); if (imm) g.sar(eax, static_cast<int>(imm)); }, r);
        break;
      case Op::EXTUI:
        alu([&] {
          g.mov(eax, A(t));
          if (imm) g.shr(eax, static_cast<int>(imm));
          g.and_(eax, static_cast<std::uint32_t>(in.imm2));
        }, r);
        break;
      case Op::MULL:
        alu([&] { g.mov(eax, A(s)); g.imul(eax, A(t)); }, r);
        break;
      // ---- shift amount register and funnel shifts (SAR holds 0..63 after WSR) ----
      case Op::SSR: case Op::SSL: case Op::SSA8L: case Op::SSA8B: case Op::SSAI:
        charge(in, 0);
        if (in.op == Op::SSAI) {
          g.mov(dword[r14], imm);
        } else {
          g.mov(eax, A(s));
          if (in.op == Op::SSA8L || in.op == Op::SSA8B) {
            g.and_(eax, 3);
            g.shl(eax, 3);
          } else {
            g.and_(eax, 31);
          }
          if (in.op == Op::SSL || in.op == Op::SSA8B) {
            g.neg(eax);
            g.add(eax, 32);
          }
          g.mov(dword[r14], eax);
        }
        loaded = 0;
        ++native;
        break;
      case Op::SRL:
        alu([&] { g.mov(eax, A(t)); g.mov(ecx, dword[r14]); g.shr(rax, cl); }, r);
        break;
      case Op::SRA:
        alu([&] { g.movsxd(rax, A(t)); g.mov(ecx, dword[r14]); g.sar(rax, cl); }, r);
        break;
      case Op::SLL:  // (AR[s] || 0^32) >> SAR
        alu([&] { g.mov(eax, A(s)); g.shl(rax, 32); g.mov(ecx, dword[r14]); g.shr(rax, cl); }, r);
        break;
      case Op::SRC:
        alu([&] {
          g.mov(eax, A(s));
          g.shl(rax, 32);
          g.mov(edx, A(t));
          g.or_(rax, rdx);
          g.mov(ecx, dword[r14]);
          g.shr(rax, cl);
        }, r);
        break;
      case Op::NSAU:  // leading zeros, 32 for 0
      case Op::NSA:   // redundant sign bits: clz(v < 0 ? ~v : v) - 1, 31 for 0 and -1
        alu([&, nsa = in.op == Op::NSA] {
          Label zero;
          g.mov(ecx, A(s));
          if (nsa) {  // v < 0 ? ~v : v
            g.mov(edx, ecx);
            g.sar(edx, 31);
            g.xor_(ecx, edx);
          }
          const int width = nsa ? 31 : 32;  // the result for 0; otherwise width - 1 - bsr
          g.mov(eax, width);
          g.test(ecx, ecx);
          g.jz(zero);
          g.bsr(ecx, ecx);
          g.mov(eax, width - 1);
          g.sub(eax, ecx);
          g.L(zero);
        }, t);
        break;
      case Op::MOVEQZ: case Op::MOVNEZ: case Op::MOVLTZ: case Op::MOVGEZ:
        alu([&] {
          g.mov(eax, A(r));
          g.cmp(A(t), 0);
          if (in.op == Op::MOVEQZ) g.cmove(eax, A(s));
          else if (in.op == Op::MOVNEZ) g.cmovne(eax, A(s));
          else if (in.op == Op::MOVLTZ) g.cmovl(eax, A(s));
          else g.cmovge(eax, A(s));
        }, r);
        break;
      case Op::MUL16U:
        alu([&] { g.mov(eax, A(s)); g.movzx(eax, ax); g.mov(ecx, A(t)); g.movzx(ecx, cx); g.imul(eax, ecx); }, r);
        break;
      case Op::MUL16S:
        alu([&] { g.mov(eax, A(s)); g.movsx(eax, ax); g.mov(ecx, A(t)); g.movsx(ecx, cx); g.imul(eax, ecx); }, r);
        break;
      case Op::ABS:
        alu([&] { g.mov(eax, A(t)); g.mov(ecx, eax); g.neg(ecx); g.cmovns(eax, ecx); }, r);
        break;
      case Op::L32R: {
        // The literal address is a constant while LITBASE is off (checked at run time); its
        // memory, when a whole host page, is read directly.
        std::uint32_t lit = imm;
        const Reg::PageInfo& pi = cpu.pages_[lit >> Reg::kPageBits];
        if (!pi.host) {
          whole_fallback();
          break;
        }
        auto* slow = new Label;
        auto* join = new Label;
        g.mov(rax, reinterpret_cast<std::uintptr_t>(&cpu.litbase_));
        g.test(byte[rax], 1);
        g.jnz(*slow);
        charge(in, pi.wait);
        g.mov(rax, reinterpret_cast<std::uintptr_t>(pi.host + (lit & (Reg::kPageSize - 1))));
        g.mov(eax, dword[rax]);
        g.mov(W(t), eax);
        g.L(*join);
        cold.push_back([&, slow, join, ipc, next, recheck, ld = loaded, n = native, d = dirty_before] {
          g.L(*slow);
          auto* leave = new Label;
          auto* near = new Label;
          dirty = d;
          call_fallback(ipc, next, ld, *leave);
          recheck(*near);
          g.sub(qword[rbp + kCount], 1);
          g.jmp(*join);
          g.L(*near);
          exit_to(next, kDynamicLoaded, n, false);
          delete near;
          g.L(*leave);
          g.mov(edx, n);
          g.jmp(epilogue);
          delete leave;
          delete slow;
          delete join;
        });
        loaded = 1u << t;
        ++native;
        break;
      }
      // ---- special registers held in plain fields (read_sr/write_sr without side effects) ----
      case Op::RSR: {
        unsigned sr = static_cast<unsigned>(in.imm);
        if (sr == SR_CCOUNT) {  // CCOUNT after this instruction's issue, as SYNC_OUT + ccount()
          charge(in, 0);
          g.mov(rax, r12);
          g.mov(rcx, reinterpret_cast<std::uintptr_t>(&cpu.ccount_base_));
          g.sub(rax, qword[rcx]);
          g.mov(W(t), eax);
          loaded = 0;
          ++native;
          break;
        }
        std::uint32_t* field = plain_sr(sr, false);
        if (!field) {
          whole_fallback();
          break;
        }
        charge(in, 0);
        g.mov(rax, reinterpret_cast<std::uintptr_t>(field));
        g.mov(eax, dword[rax]);
        g.mov(W(t), eax);
        loaded = 0;
        ++native;
        break;
      }
      case Op::WSR: {  // ends the block and the slice (the interpreter's `stop = 0`)
        unsigned sr = static_cast<unsigned>(in.imm);
        std::uint32_t* field = plain_sr(sr, true);
        if (!field) {
          whole_fallback();
          g.mov(eax, next);
          exit_dynamic(kDynamicLoaded, native);
          break;
        }
        charge(in, 0);
        g.mov(eax, A(t));
        if (sr == SR_SAR) g.and_(eax, 0x3F);
        if (sr == SR_PS) g.and_(eax, Reg::kPsWriteMask);
        g.mov(rcx, reinterpret_cast<std::uintptr_t>(field));
        g.mov(dword[rcx], eax);
        if (sr == SR_PS || sr == SR_INTENABLE) {  // interrupts_changed()
          g.mov(rcx, reinterpret_cast<std::uintptr_t>(&cpu.stop_));
          g.mov(qword[rcx], 0);
        }
        g.mov(qword[rbp + kStop], 0);
        exit_to(next, 0, native + 1, false);
        ++native;
        break;
      }
      case Op::RSIL: {  // AR[t] <- PS; PS.INTLEVEL <- s; ends the slice
        charge(in, 0);
        g.mov(rcx, reinterpret_cast<std::uintptr_t>(&cpu.ps_));
        g.mov(eax, dword[rcx]);
        g.mov(edx, eax);
        g.and_(edx, ~Reg::kPsIntlevel);
        g.or_(edx, s);
        g.mov(dword[rcx], edx);
        g.mov(W(t), eax);
        g.mov(qword[rbp + kStop], 0);
        exit_to(next, 0, native + 1, false);
        ++native;
        break;
      }
      case Op::RFE: {  // PS.EXCM <- 0, PC <- EPC1; ends the slice
        charge(in, 0);
        g.mov(rcx, reinterpret_cast<std::uintptr_t>(&cpu.ps_));
        g.and_(dword[rcx], ~Reg::kPsExcm);
        g.mov(rcx, reinterpret_cast<std::uintptr_t>(&cpu.epc_[1]));
        g.mov(eax, dword[rcx]);
        g.mov(qword[rbp + kStop], 0);
        write_back();
        g.mov(dword[rbp + kPc], eax);
        g.mov(dword[rbp + kLoaded], 0);
        g.mov(edx, native + 1);
        g.jmp(epilogue);
        ++native;
        break;
      }
      case Op::NOP: case Op::NOP_N: case Op::MEMW: case Op::EXTW: case Op::ISYNC: case Op::RSYNC:
      case Op::ESYNC: case Op::DSYNC:
        charge(in, 0);
        loaded = 0;
        ++native;
        break;
      case Op::L32I: case Op::L32I_N:
        mem_access(4, false, [&] { g.mov(eax, dword[rdx + rax]); g.mov(W(t), eax); });
        break;
      case Op::L16UI:
        mem_access(2, false, [&] { g.movzx(eax, word[rdx + rax]); g.mov(W(t), eax); });
        break;
      case Op::L16SI:
        mem_access(2, false, [&] { g.movsx(eax, word[rdx + rax]); g.mov(W(t), eax); });
        break;
      case Op::L8UI:
        mem_access(1, false, [&] { g.movzx(eax, byte[rdx + rax]); g.mov(W(t), eax); });
        break;
      case Op::S32I: case Op::S32I_N:
        mem_access(4, true, [&] { g.mov(ecx, A(t)); g.mov(dword[rdx + rax], ecx); });
        break;
      case Op::S16I:
        mem_access(2, true, [&] { g.mov(ecx, A(t)); g.mov(word[rdx + rax], cx); });
        break;
      case Op::S8I:
        mem_access(1, true, [&] { g.mov(ecx, A(t)); g.mov(byte[rdx + rax], cl); });
        break;
      // ---- control transfer (always the last instruction of a block) ----
      case Op::J:
        charge(in, 0);
        exit_to(imm, 0, native + 1);
        ++native;
        break;
      case Op::CALL0:
        charge(in, 0);
        g.mov(W(0), next);
        exit_to(imm, 0, native + 1);
        ++native;
        break;
      case Op::RET: case Op::RET_N:
        charge(in, 0);
        g.mov(eax, A(0));
        exit_dynamic(0, native + 1);
        ++native;
        break;
      case Op::JX:
        charge(in, 0);
        g.mov(eax, A(s));
        exit_dynamic(0, native + 1);
        ++native;
        break;
      case Op::CALLX0:
        charge(in, 0);
        g.mov(eax, A(s));
        g.mov(W(0), next);
        exit_dynamic(0, native + 1);
        ++native;
        break;
      case Op::BEQZ: case Op::BEQZ_N: cmp_branch_ri(0, &CG::je); break;
      case Op::BNEZ: case Op::BNEZ_N: cmp_branch_ri(0, &CG::jne); break;
      case Op::BLTZ: cmp_branch_ri(0, &CG::jl); break;
      case Op::BGEZ: cmp_branch_ri(0, &CG::jge); break;
      case Op::BEQI: cmp_branch_ri(static_cast<std::uint32_t>(in.imm2), &CG::je); break;
      case Op::BNEI: cmp_branch_ri(static_cast<std::uint32_t>(in.imm2), &CG::jne); break;
      case Op::BLTI: cmp_branch_ri(static_cast<std::uint32_t>(in.imm2), &CG::jl); break;
      case Op::BGEI: cmp_branch_ri(static_cast<std::uint32_t>(in.imm2), &CG::jge); break;
      case Op::BLTUI: cmp_branch_ri(static_cast<std::uint32_t>(in.imm2), &CG::jb); break;
      case Op::BGEUI: cmp_branch_ri(static_cast<std::uint32_t>(in.imm2), &CG::jae); break;
      case Op::BEQ: cmp_branch_rr(&CG::je); break;
      case Op::BNE: cmp_branch_rr(&CG::jne); break;
      case Op::BLT: cmp_branch_rr(&CG::jl); break;
      case Op::BGE: cmp_branch_rr(&CG::jge); break;
      case Op::BLTU: cmp_branch_rr(&CG::jb); break;
      case Op::BGEU: cmp_branch_rr(&CG::jae); break;
      case Op::BNONE: test_branch(false, &CG::jz); break;
      case Op::BANY: test_branch(false, &CG::jnz); break;
      case Op::BALL: test_branch(true, &CG::jz); break;
      case Op::BNALL: test_branch(true, &CG::jnz); break;
      case Op::BBCI: case Op::BBSI:
        branch([&](Label& taken) {
          g.bt(A(s), static_cast<std::uint8_t>(in.imm2));
          if (in.op == Op::BBCI) g.jnc(taken);
          else g.jc(taken);
        });
        break;
      case Op::BBC: case Op::BBS:
        branch([&](Label& taken) {
          g.mov(ecx, A(t));
          g.mov(eax, A(s));
          g.bt(eax, ecx);  // bit number modulo 32, as (a[t] & 31)
          if (in.op == Op::BBC) g.jnc(taken);
          else g.jc(taken);
        });
        break;
      default:
        whole_fallback();
        if (ends_block(in.op)) {  // a fallback that returned "continue" went to `next`
          g.mov(eax, next);
          exit_dynamic(kDynamicLoaded, native);
        }
        break;
    }
  }
  // A block that ended for its length or at a page boundary continues at the next instruction.
  if (!ends_block(items.back().in.op)) exit_to(end, loaded, native);

  for (auto& stub : cold) stub();
  g.L(near_stop);
  g.mov(dword[rbp + kNear], 1);
  exit_to(pc0, kDynamicLoaded, 0, false, false);  // before the registers were loaded
  g.L(epilogue);
  g.mov(qword[rbp + kNow], r12);
  g.add(qword[rbp + kCount], rdx);
  g.add(rsp, 8);
  g.pop(r15);
  g.pop(r14);
  g.pop(r13);
  g.pop(r12);
  g.pop(rbp);
  g.pop(rbx);
  g.ret();

  auto fn = reinterpret_cast<BlockFn>(const_cast<std::uint8_t*>(entry));
  blocks[pc0] = Block{fn, pc0, end};
  page_blocks[pc0 >> Reg::kPageBits].push_back(pc0);
  if (((end - 1) >> Reg::kPageBits) != (pc0 >> Reg::kPageBits)) page_blocks[(end - 1) >> Reg::kPageBits].push_back(pc0);
  ++jit.stats_.blocks_translated;
  jit.stats_.insns_translated += items.size();
  jit.stats_.insns_native += native;
  return fn;
}

bool Lx106Jit::available() { return true; }

Lx106Jit::Lx106Jit(Lx106Cpu& cpu) : impl_(std::make_unique<Impl>(*this, cpu)) {}
Lx106Jit::~Lx106Jit() = default;

void Lx106Jit::execute() {
  Impl& m = *impl_;
  Lx106Cpu& c = m.cpu;
  JitContext& x = m.ctx;
  x.now = c.sched_.now();
  x.stop = c.stop_;
  x.pc = c.pc_;
  x.loaded = c.loaded_;
  x.count = 0;
  x.near_stop = 0;
  while (x.now < x.stop) {
    Impl::BlockFn fn = m.lookup(x.pc);
    fn();
    if (!c.fatal_.empty() || c.exit_code_ || c.host_quit_) [[unlikely]] break;
    if (x.near_stop) break;
  }
  c.sched_.advance_to(x.now);
  if (c.fatal_.empty()) c.pc_ = x.pc;
  c.loaded_ = x.loaded;
  c.instructions_ += x.count;
  stats_.executed_native += x.count;
  if (x.near_stop) {
    // The stop time is within a block's worst case: the interpreter runs the rest of the slice,
    // checking the time before every instruction; run_slices() goes on from where it stops.
    x.near_stop = 0;
    c.stop_ = x.stop;
    c.execute<false>();
  }
}

void Lx106Jit::invalidate(std::uint32_t addr, std::uint32_t size) { impl_->invalidate(addr, size); }
void Lx106Jit::flush() {
  if (!impl_->blocks.empty()) impl_->flush();
}

std::string Lx106Jit::summary(std::uint64_t instructions) const {
  const Stats& st = stats_;
  std::vector<std::pair<std::uint64_t, unsigned>> top;
  for (unsigned op = 0; op < 256; ++op)
    if (st.fallbacks[op]) top.emplace_back(st.fallbacks[op], op);
  std::sort(top.rbegin(), top.rend());
  std::string s = "jit: " + std::to_string(st.blocks_translated) + " blocks translated, " +
                  std::to_string(st.invalidations) + " invalidated, " + std::to_string(st.flushes) + " flushes; " +
                  std::to_string(instructions ? 100.0 * static_cast<double>(st.executed_native) / static_cast<double>(instructions) : 0.0)
                      .substr(0, 5) +
                  "% of instructions native; fallbacks:";
  for (std::size_t i = 0; i < top.size() && i < 6; ++i)
    s += " " + std::string(mnemonic(static_cast<Op>(top[i].second))) + " " + std::to_string(top[i].first);
  return s;
}

#else  // no translator in this build: the interpreter runs

struct Lx106Jit::Impl {};
bool Lx106Jit::available() { return false; }
Lx106Jit::Lx106Jit(Lx106Cpu&) {}
Lx106Jit::~Lx106Jit() = default;
void Lx106Jit::execute() {}
void Lx106Jit::invalidate(std::uint32_t, std::uint32_t) {}
void Lx106Jit::flush() {}
std::string Lx106Jit::summary(std::uint64_t) const { return {}; }

#endif

}  // namespace boardemu::xtensa
