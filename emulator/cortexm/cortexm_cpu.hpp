// Cortex-M3 CPU backend on the Unicorn engine.
//
// Unicorn executes Thumb-2 code but models no NVIC, SCB or SysTick and never takes an
// interrupt by itself (see shared/REFERENCE.md §4). This backend adds, host-side:
//  - reset from the vector table (ARMv7-M ARM B1.5.5),
//  - exception entry and return with the ARMv7-M frame, including 8-byte stack realignment,
//    nesting and tail-chaining (B1.5.6..B1.5.8), taken only at block starts outside IT blocks,
//  - SVC, faults (bus fault on unmapped access, usage fault on undefined instructions) with
//    escalation to HardFault, WFI sleeping until an interrupt is pending,
//  - ARM semihosting (BKPT 0xAB),
//  - cycle accounting per translated block from the Cortex-M3 TRM timing (CycleModel), plus
//    the board's wait states.
#pragma once

#include <unicorn/unicorn.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/semihosting.hpp"
#include "cortexm/cycle_model.hpp"
#include "cortexm/scs.hpp"
#include "unicorn/unicorn_cpu.hpp"

namespace boardemu::cortexm {

class CortexMCpu : public UnicornCpu {
 public:
  // Creates the engine, maps the bus's regions, and creates the SCS (NVIC/SCB/SysTick) and DWT
  // devices, which the caller adds to the bus at 0xE000E000 / 0xE0001000 via scs()/dwt()
  // before calling map_bus().
  CortexMCpu(const BoardDesc& board, Bus& bus, Semihosting& semihosting);

  Scs& scs() { return *scs_; }
  Dwt& dwt() { return *dwt_; }
  // Maps every RAM region and device window of the bus into the engine. Call once, after all
  // devices were added to the bus.
  void map_bus();

  void reset() override;
  RunResult run(Cycles deadline) override;
  void state(StateArchive& ar) override;
  std::uint32_t pc() override { return reg(UC_ARM_REG_PC); }
  std::string arch() const override { return "cortex-m3"; }

  // CpuDebug (core/debug.hpp). GDB register numbers follow the target description: r0..r12,
  // sp, lr, pc, xpsr (0..16, feature org.gnu.gdb.arm.m-profile), then msp, psp, primask,
  // basepri, faultmask, control (17..22, org.gnu.gdb.arm.m-system).
  std::string gdb_target_xml() const override;
  unsigned gdb_register_count() const override { return 23; }
  bool gdb_read_register(unsigned regno, std::uint32_t* value) override;
  bool gdb_write_register(unsigned regno, std::uint32_t value) override;
  RunResult step() override;

  // Exception entry/return latencies (Cortex-M3 TRM 5.5 "Interrupt latency": 12 cycles to
  // the first handler instruction with zero-wait-state memory, 6 when tail-chained; we charge
  // 10 for the unstacking of an exception return).
  static constexpr unsigned kEntryCycles = 12, kTailChainCycles = 6, kReturnCycles = 10;

 private:
  enum class Trap { none, intr, unmapped, invalid };

  friend class UnicornCpu;  // block_hook<CortexMCpu> calls block_slow
  // The block hook past UnicornCpu::charge_fast: debugging, stops, pending exceptions, blocks
  // not timed yet or outside the firmware's code.
  [[gnu::noinline]] void block_slow(std::uint32_t address, std::uint32_t size);
  // Set only between runs (take_pending_exception), so each run's refresh_horizon() sees it.
  bool wants_full_block_path() const override { return watch_masked_; }
  static void on_intr(uc_engine* uc, std::uint32_t intno, void* self);
  static bool on_unmapped(uc_engine* uc, uc_mem_type type, std::uint64_t address, int size,
                          std::int64_t value, void* self);
  static bool on_invalid(uc_engine* uc, void* self);

  BlockCost time_block(std::uint32_t address, const std::uint8_t* code, std::uint32_t size) override;
  void jump_to(std::uint32_t address) override { set_reg(UC_ARM_REG_PC, address | 1); }
  // Takes the highest-priority exception that can preempt now, if any (between blocks).
  bool take_pending_exception(bool tail_chain);
  int current_execution_priority();
  bool enter_exception(int exception, std::uint32_t return_address, bool tail_chain);
  RunResult exception_return(std::uint32_t exc_return);
  RunResult handle_intr(std::uint32_t intno);
  RunResult handle_fault(int exception, const std::string& what);
  bool it_block_active();
  bool write32(std::uint32_t addr, std::uint32_t value);
  void refresh_mode_flags();

  std::unique_ptr<Scs> scs_;
  std::unique_ptr<Dwt> dwt_;
  CycleModel cycle_model_;

  bool sleeping_ = false;          // in WFI
  bool watch_masked_ = false;      // an exception waits behind a mask: check every block
  bool reset_requested_ = false;   // AIRCR.SYSRESETREQ

  Trap trap_ = Trap::none;
  std::uint32_t trap_intno_ = 0;
  std::uint32_t trap_address_ = 0;
  int trap_size_ = 0;
  uc_mem_type trap_type_ = UC_MEM_READ;
};

}  // namespace boardemu::cortexm
