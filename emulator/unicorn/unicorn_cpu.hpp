// What every Unicorn-based CPU backend shares: the engine and its model, the bus mapped into
// it, the block/interrupt/unmapped-access hooks, register access, stop requests that are safe
// from inside device callbacks, and per-block cycle charging through BlockCosts.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/semihosting.hpp"
#include "unicorn/block_costs.hpp"
#include "unicorn/unicorn_bus.hpp"

namespace boardemu {

class UnicornCpu : public Cpu {
 public:
  ~UnicornCpu() override;

  std::uint32_t reg(int uc_reg);
  void set_reg(int uc_reg, std::uint32_t value);
  std::uint64_t instructions() const override { return instructions_; }
  void set_static_code(std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) override {
    costs_.set_static_code(std::move(ranges));
  }
  std::uint64_t blocks_timed() const { return costs_.blocks_timed(); }

 protected:
  UnicornCpu(uc_arch arch, uc_mode mode, int cpu_model, const BoardDesc& board, Bus& bus,
             Semihosting& semihosting);

  // Times one block with the backend's cycle model (called once per distinct block).
  virtual BlockCost time_block(std::uint32_t address, const std::uint8_t* code, std::uint32_t size) = 0;
  // Moves execution to `address` (from a hook: abandons the current translation there).
  virtual void jump_to(std::uint32_t address) = 0;

  // Maps the bus into the engine and installs the hooks (static functions taking `this`).
  void map_bus_with_hooks(void* on_block, void* on_intr, void* on_unmapped, void* on_invalid);
  // Drops every translation of the board's memory (reset, or code loaded by the host).
  void flush_translations();

  // Asks the engine to stop at the next block boundary. From inside a device callback
  // uc_emu_stop() would re-run the block (see UnicornBusMapping), so the request is then
  // honoured by the next block hook.
  void request_stop() {
    stop_requested_ = true;
    if (running_ && !UnicornBusMapping::in_device_callback()) uc_emu_stop(uc_);
  }
  // In a block hook: the run must stop before this block (deadline, due event, request).
  bool stop_due() const {
    Cycles now = sched_.now();
    return stop_requested_ || now >= deadline_ || now >= sched_.earliest();
  }
  // In a block hook: translates the block again if the guest rewrote it (see BlockCosts).
  bool retranslated(const BlockCost& c, std::uint32_t address, std::uint32_t size) {
    if (!c.dynamic || !costs_.rewritten(address, size)) return false;
    uc_ctl_remove_cache(uc_, static_cast<std::uint64_t>(address),
                        static_cast<std::uint64_t>(address) + size);
    jump_to(address);
    return true;
  }
  // In a block hook, once the block will run: charges its cycles, plus the pipeline refill of
  // the previous block's final conditional branch if that was taken (we are not at its
  // fall-through address).
  void charge(const BlockCost& c, std::uint32_t address, std::uint32_t size) {
    Cycles cost = (prev_taken_extra_ && address != prev_fallthrough_) ? prev_taken_extra_ : 0;
    prev_fallthrough_ = address + size;
    prev_taken_extra_ = c.taken_extra;
    instructions_ += c.instructions;
    sched_.advance(cost + c.cycles);
  }
  bool read32(std::uint32_t addr, std::uint32_t* out) const;
  std::string describe_pc();

  Bus& bus_;
  Scheduler& sched_;
  Semihosting& semihosting_;
  UnmappedPolicy unmapped_policy_;
  uc_engine* uc_ = nullptr;
  std::unique_ptr<UnicornBusMapping> mapping_;
  BlockCosts costs_;
  std::vector<uc_hook> hooks_;

  Cycles deadline_ = 0;
  bool running_ = false;
  bool stop_requested_ = false;
  std::uint32_t prev_fallthrough_ = 0;
  std::uint32_t prev_taken_extra_ = 0;
  std::uint64_t instructions_ = 0;
  std::string fatal_;  // set when the run cannot continue
};

}  // namespace boardemu
