// RV32IMAC CPU backend on the Unicorn engine (SiFive E31 model), machine mode.
//
// Unicorn executes RV32 code and `mret` natively but raises no interrupts by itself and hands
// every exception to the host (REFERENCE.md §4). This backend adds, host-side, per the RISC-V
// Privileged Architecture (version 1.10/1.11, §3.1.6 mstatus, §3.1.7 mtvec, §3.1.9 mip/mie,
// §3.1.15..§3.1.17 mepc/mcause/mtval, §3.3.2 trap return):
//  - trap entry for machine interrupts (MEI > MSI > MTI) and exceptions (ecall, ebreak,
//    illegal instruction, access faults), direct and vectored mtvec;
//  - WFI sleeping until an enabled interrupt is pending (virtual time jumps ahead);
//  - RISC-V semihosting (slli x0,x0,0x1f; ebreak; srai x0,x0,7);
//  - the counters cycle/mcycle, instret/minstret and time read emulated values;
//  - cycle accounting per translated block from the RV32 cycle model plus the board's wait
//    states.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/semihosting.hpp"
#include "riscv/rv32_cycle_model.hpp"
#include "unicorn/unicorn_cpu.hpp"

namespace boardemu::riscv {

class Rv32Cpu : public UnicornCpu {
 public:
  Rv32Cpu(const BoardDesc& board, Bus& bus, Semihosting& semihosting);

  // Maps the bus into the engine; call once, after every device was added.
  void map_bus();
  // Where the `time` CSR reads from (the CLINT's mtime); without one it reads zero.
  void set_time_source(std::function<std::uint64_t()> mtime) { mtime_ = std::move(mtime); }
  // Where execution starts after reset: the ELF entry point of the loaded firmware.
  void set_entry(std::uint32_t entry) { entry_ = entry; }

  void reset() override;
  RunResult run(Cycles deadline) override;
  void state(StateArchive& ar) override;
  std::uint32_t pc() override { return reg(UC_RISCV_REG_PC); }
  std::string arch() const override { return "rv32imac"; }
  std::function<void(bool)> cpu_line(const std::string& name) override;

  // CpuDebug (core/debug.hpp). GDB register numbers follow the target description: x0..x31
  // (zero, ra, ...), pc (0..32, feature org.gnu.gdb.riscv.cpu), then the machine CSRs mstatus,
  // misa, mie, mtvec, mscratch, mepc, mcause, mtval, mip (33..41, org.gnu.gdb.riscv.csr).
  std::string gdb_target_xml() const override;
  unsigned gdb_register_count() const override { return 42; }
  bool gdb_read_register(unsigned regno, std::uint32_t* value) override;
  bool gdb_write_register(unsigned regno, std::uint32_t value) override;
  RunResult step() override;

  // mip bits of the machine-level interrupts (privileged spec §3.1.9).
  static constexpr std::uint32_t kMsip = 1u << 3, kMtip = 1u << 7, kMeip = 1u << 11;
  // Cycles charged for taking a trap (pipeline flush and redirect to mtvec); the E31 manual
  // gives no figure, so the cost of a taken jump (see rv32_cycle_model) is used.
  static constexpr unsigned kTrapEntryCycles = 3;

 private:
  enum class Trap { none, intr, unmapped };

  friend class UnicornCpu;  // block_hook<Rv32Cpu> calls block_slow
  // The block hook past UnicornCpu::charge_fast: debugging, stops, pending interrupts, counter
  // reads, blocks not timed yet or outside the firmware's code.
  [[gnu::noinline]] void block_slow(std::uint32_t address, std::uint32_t size);
  // A pending interrupt line, or the rest of a block whose counter read was emulated: every
  // block takes the full path (refresh_horizon() is called where these change).
  bool wants_full_block_path() const override { return lines_ != 0 || !(resume_uncharged_ & 1); }
  static void on_counter_read(uc_engine*, std::uint64_t address, std::uint32_t size, void* self);
  static void on_intr(uc_engine*, std::uint32_t intno, void* self);
  static bool on_unmapped(uc_engine*, uc_mem_type type, std::uint64_t address, int size,
                          std::int64_t value, void* self);

  BlockCost time_block(std::uint32_t address, const std::uint8_t* code, std::uint32_t size) override;
  void jump_to(std::uint32_t address) override { set_reg(UC_RISCV_REG_PC, address); }
  void hook_counter_reads(std::uint32_t address, std::uint32_t size);
  std::uint32_t pending_enabled() { return lines_ & reg(UC_RISCV_REG_MIE); }
  bool interrupt_takeable() {
    return (reg(UC_RISCV_REG_MSTATUS) & kMstatusMie) && pending_enabled();
  }
  void take_interrupt();
  void trap(std::uint32_t cause, std::uint32_t epc, std::uint32_t tval);
  // `at`: the address of the instruction that raised exception `intno`.
  RunResult handle_intr(std::uint32_t intno, std::uint32_t at);
  bool emulate_absent_csr(std::uint32_t insn, std::uint32_t at);
  // The load or store in the block starting at `block_start` that accessed `address`.
  std::optional<std::uint32_t> locate_faulting_access(std::uint32_t block_start,
                                                      std::uint32_t address, bool write);

  static constexpr std::uint32_t kMstatusMie = 1u << 3, kMstatusMpie = 1u << 7,
                                 kMstatusMppMask = 3u << 11;

  Rv32CycleModel cycle_model_;
  std::unordered_set<std::uint32_t> hooked_counter_reads_;
  std::function<std::uint64_t()> mtime_;

  bool sleeping_ = false;
  std::uint32_t lines_ = 0;  // machine interrupt inputs, as mip bits
  // After a counter read was emulated, execution resumes mid-block at this address; that tail
  // was already charged with the block.
  std::uint32_t resume_uncharged_ = 1;
  std::int64_t mcycle_offset_ = 0, minstret_offset_ = 0;
  std::uint32_t entry_ = 0;

  Trap trap_ = Trap::none;
  std::uint32_t trap_intno_ = 0;
  std::uint32_t trap_address_ = 0;
  uc_mem_type trap_type_ = UC_MEM_READ;
};

}  // namespace boardemu::riscv
