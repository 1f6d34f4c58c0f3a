// LX106 dynamic binary translator: guest basic blocks to x86-64 host code (Xbyak), with the
// interpreter's cycle model charged exactly. Design, measurements and the state of coverage:
// docs/lx106-translator.md.
//
// The contract with the interpreter (Lx106Cpu::execute<false>()) is equality: the same
// instructions executed, the same cycle count after each, the same architectural state, the
// same points where a run slice ends (so interrupts, CCOMPARE0 and WAITI are taken exactly
// where the interpreter takes them). It holds by construction:
//  - a block is a straight run of instructions in one 4 KiB page, ending after the first one
//    that transfers control or may change what run_slices() decides (branches, jumps, calls,
//    returns, RFE/RFI, RSIL, WAITI, WSR/XSR, exceptions...), at most kMaxBlockInsns long;
//  - the interpreter compares the cycle count with the stop time before every instruction; a
//    block runs only when its worst-case cycles cannot reach the stop time (else the
//    interpreter runs the end of the slice), and tests again after any fallback or slow path;
//  - an instruction the translator does not translate, and the slow path of one it does (an
//    unaligned or device access, memory without a host page, a store to a page holding code),
//    calls the interpreter itself for that one instruction (execute<false, true>()); the block
//    leaves when that instruction went anywhere but the next address (an exception, a taken
//    branch), invalidated translations, or ended the run (fatal error, exit);
//  - translations are dropped exactly where the interpreter drops decoded instructions
//    (Lx106Cpu::invalidate_code: guest stores to pages with code, host writes such as flash
//    programmed through SPI0; flush_code_cache: reset, snapshot load).
// x86-64 hosts with Xbyak only; available() says whether this build has it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace boardemu::xtensa {

class Lx106Cpu;

// What a block shares with the dispatcher: the interpreter's local variables.
struct JitContext {
  std::uint64_t now = 0;     // scheduler time (cycles)
  std::uint64_t stop = 0;    // the run slice ends before the first instruction at now >= stop
  std::uint32_t pc = 0;
  std::uint32_t loaded = 0;  // bit n: the previous instruction loaded an (load-use interlock)
  std::uint64_t count = 0;   // instructions executed by translated code (fallbacks count their own)
  std::uint32_t near_stop = 0;  // a block found the stop time within its worst case: interpret the rest
};

class Lx106Jit {
 public:
  static bool available();
  explicit Lx106Jit(Lx106Cpu& cpu);
  ~Lx106Jit();
  Lx106Jit(const Lx106Jit&) = delete;
  Lx106Jit& operator=(const Lx106Jit&) = delete;

  // Runs like Lx106Cpu::execute<false>(): from pc_ until the scheduler time reaches stop_ (or a
  // fatal error, an exit, a host quit).
  void execute();
  // Drops the translations that cover any of [addr, addr + size).
  void invalidate(std::uint32_t addr, std::uint32_t size);
  void flush();

  struct Stats {
    std::uint64_t blocks_translated = 0, insns_translated = 0, insns_native = 0;
    std::uint64_t invalidations = 0, flushes = 0;
    std::uint64_t executed_native = 0;  // instructions run by translated code (not fallbacks)
    std::uint64_t fallbacks[256] = {};   // fallback calls by Op (whole instructions and slow paths)
  };
  // One line for `run --stats`: blocks, the native share, the most frequent fallbacks.
  std::string summary(std::uint64_t instructions) const;
  const Stats& stats() const { return stats_; }

  struct Impl;  // the code generator and block cache (lx106_jit.cpp)

 private:
  std::unique_ptr<Impl> impl_;
  Stats stats_;
};

}  // namespace boardemu::xtensa
