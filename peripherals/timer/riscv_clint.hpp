// SiFive Core-Local Interruptor (CLINT), one hart.
//
// Implements: SiFive E31 Core Complex Manual, chapter "Core-Local Interruptor (CLINT)" (register
// map: msip at 0x0000, mtimecmp at 0x4000, mtime at 0xBFF8; msip is a 32-bit WARL register
// whose upper 31 bits are tied to 0 and which resets to 0; mtime resets to 0), and The RISC-V
// Instruction Set Manual, Volume II: Privileged Architecture, §3.2.1 "Machine Timer Registers
// (mtime and mtimecmp)" (mtime counts at a constant frequency; a machine timer interrupt is
// pending whenever mtime >= mtimecmp, both compared as unsigned 64-bit values, and stays
// pending until mtimecmp becomes greater than mtime). QEMU's `virt` machine places this block
// at 0x02000000 with a 0x10000-byte window and a 10 MHz timebase.
//
// Model:
//  - mtime counts at the device clock (DeviceContext::clock_hz, the board's timebase; 0 means
//    the CPU clock). It is never stored as a running count: a read computes
//    mtime = floor(cycles * timebase_hz / cpu_hz) + offset (mod 2^64) from the scheduler's
//    virtual time with exact integer arithmetic, so it never drifts whatever the ratio.
//    Writing mtime (either 32-bit half, or a narrower lane) changes `offset` only; the phase
//    of the timebase against the CPU clock is kept.
//  - Output "mtip" is the level mtime >= mtimecmp. Only its edges are scheduled: after every
//    write to mtimecmp or mtime the next change is computed and armed as one event at the
//    exact CPU cycle where it happens (the first cycle at which mtime reaches mtimecmp; or,
//    while mtip is high, the cycle where mtime wraps from 2^64-1 to 0). On RV32 software
//    writes the 64-bit mtimecmp as two 32-bit halves; each half-write takes effect on its own,
//    exactly as on hardware, so the spec's "low word to all ones, high word, low word"
//    sequence (or "high to all ones, low, high") never raises a spurious mtip.
//  - Output "msip" is msip bit 0.
//  - mtimecmp reset value: the manuals say mtimecmp is not reset; the model resets it to all
//    ones (2^64-1), which keeps mtip low until software programs a deadline (and matches what
//    firmware that writes all ones to "disable" the timer expects).
//  - Accesses: 32-bit, or narrower lanes of a 32-bit register (merged into the current value).
//    Unknown offsets read 0 and are logged under guest_error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/device.hpp"
#include "core/event.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class RiscvClint : public Device {
 public:
  // Register offsets (hart 0), SiFive E31 manual, CLINT register map.
  static constexpr std::uint32_t MSIP = 0x0000;
  static constexpr std::uint32_t MTIMECMP = 0x4000;   // mtimecmp[31:0]
  static constexpr std::uint32_t MTIMECMPH = 0x4004;  // mtimecmp[63:32]
  static constexpr std::uint32_t MTIME = 0xBFF8;      // mtime[31:0]
  static constexpr std::uint32_t MTIMEH = 0xBFFC;     // mtime[63:32]
  static constexpr std::uint32_t kWindowSize = 0x10000;

  static constexpr std::uint64_t kMtimecmpReset = ~std::uint64_t{0};

  // The model has no parameters; any key in the board file's `params:` is an error
  // (std::invalid_argument naming it).
  static void check_params(const std::map<std::string, std::string>& params);

  // The scheduler in `ctx` must outlive the device. `ctx.clock_hz` is the timebase (mtime
  // frequency), 0 meaning ctx.cpu_hz. Throws std::invalid_argument without a scheduler or a
  // CPU clock.
  RiscvClint(std::string name, const DeviceContext& ctx);
  ~RiscvClint() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  // msip = 0, mtimecmp = all ones, mtime = 0 from the current cycle on.
  void reset() override;
  // "msip" (machine software interrupt, to mip.MSIP) and "mtip" (machine timer interrupt, to
  // mip.MTIP).
  IrqLine* irq(std::string_view output) override;

  // ---- for the CPU backend (the `time`/`timeh` CSRs shadow mtime) and for tests -------------
  std::uint64_t mtime() const { return mtime_at(sched_.now()); }
  std::uint64_t mtime_at(Cycles cycle) const;
  std::uint64_t mtimecmp() const;
  std::uint64_t timebase_hz() const { return timebase_hz_; }
  std::uint64_t cpu_hz() const { return cpu_hz_; }

  // Exact conversions between CPU cycles and timebase ticks, both counted from cycle 0.
  // Timebase tick k happens at the first CPU cycle c with floor(c * timebase_hz / cpu_hz) >= k.
  // ticks_at() wraps modulo 2^64 as mtime does; cycle_of_tick() saturates at kNever.
  static std::uint64_t ticks_at(Cycles cycle, std::uint64_t timebase_hz, std::uint64_t cpu_hz);
  static Cycles cycle_of_tick(unsigned __int128 tick, std::uint64_t timebase_hz,
                              std::uint64_t cpu_hz);

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  void mtime_written();
  void update_mtip();

  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t timebase_hz_;
  RegisterBank regs_;
  // mtime = ticks_at(now) + mtime_offset_ (mod 2^64).
  std::uint64_t mtime_offset_ = 0;
  Event mtip_event_;  // "<name>.mtip": the next change of the mtip level
  IrqLine msip_, mtip_;
};

}  // namespace boardemu
