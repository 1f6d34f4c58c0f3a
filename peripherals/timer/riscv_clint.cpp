// SiFive CLINT: SiFive E31 Core Complex Manual, chapter "Core-Local Interruptor (CLINT)", and
// the RISC-V privileged specification §3.2.1 "Machine Timer Registers (mtime and mtimecmp)".
// See riscv_clint.hpp for what is modelled.
#include "timer/riscv_clint.hpp"

#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/log.hpp"

namespace boardemu {

namespace {
using u128 = unsigned __int128;
constexpr u128 kMtimeModulus = u128(1) << 64;
}  // namespace

void RiscvClint::check_params(const std::map<std::string, std::string>& params) {
  ParamReader("riscv-clint", params).finish();  // none: the timebase is clock_hz
}

std::uint64_t RiscvClint::ticks_at(Cycles cycle, std::uint64_t timebase_hz, std::uint64_t cpu_hz) {
  if (timebase_hz == cpu_hz) return cycle;
  return static_cast<std::uint64_t>(u128(cycle) * timebase_hz / cpu_hz);
}

Cycles RiscvClint::cycle_of_tick(u128 tick, std::uint64_t timebase_hz, std::uint64_t cpu_hz) {
  // The smallest c with floor(c * tb / cpu) >= tick is ceil(tick * cpu / tb).
  if (tick != 0 && tick > (~u128(0) - timebase_hz) / cpu_hz) return kNever;
  u128 c = (tick * cpu_hz + timebase_hz - 1) / timebase_hz;
  return c >= kNever ? kNever : static_cast<Cycles>(c);
}

RiscvClint::RiscvClint(std::string name, const DeviceContext& ctx)
    : Device(std::move(name)),
      sched_(ctx.scheduler ? *ctx.scheduler
                           : throw std::invalid_argument("riscv-clint: no scheduler")),
      cpu_hz_(ctx.cpu_hz),
      timebase_hz_(ctx.clock_hz ? ctx.clock_hz : ctx.cpu_hz),
      regs_(this->name(),
            {
                // WARL: only bit 0 exists; it drives mip.MSIP.
                {.offset = MSIP,
                 .name = "msip",
                 .reset = 0,
                 .writable = 0x1,
                 .on_write = [this](std::uint32_t, std::uint32_t) {
                   msip_.set(regs_.get(MSIP) & 1);
                 }},
                {.offset = MTIMECMP,
                 .name = "mtimecmp",
                 .reset = static_cast<std::uint32_t>(kMtimecmpReset),
                 .on_write = [this](std::uint32_t, std::uint32_t) { update_mtip(); }},
                {.offset = MTIMECMPH,
                 .name = "mtimecmph",
                 .reset = static_cast<std::uint32_t>(kMtimecmpReset >> 32),
                 .on_write = [this](std::uint32_t, std::uint32_t) { update_mtip(); }},
                // mtime is computed from virtual time on read; the stored words are refreshed
                // just before a write so that a narrow write merges with the current count.
                {.offset = MTIME,
                 .name = "mtime",
                 .on_read = [this](std::uint32_t) { return static_cast<std::uint32_t>(mtime()); },
                 .on_write = [this](std::uint32_t, std::uint32_t) { mtime_written(); }},
                {.offset = MTIMEH,
                 .name = "mtimeh",
                 .on_read =
                     [this](std::uint32_t) { return static_cast<std::uint32_t>(mtime() >> 32); },
                 .on_write = [this](std::uint32_t, std::uint32_t) { mtime_written(); }},
            }),
      mtip_event_(sched_, this->name() + ".mtip", [this](Cycles) { update_mtip(); }) {
  if (cpu_hz_ == 0) throw std::invalid_argument(this->name() + ": CPU clock (cpu_hz) is 0");
  reset();
}

RiscvClint::~RiscvClint() = default;

void RiscvClint::reset() {
  regs_.reset();
  // mtime is cleared on reset: it reads 0 at the current cycle and counts up from there.
  mtime_offset_ = std::uint64_t{0} - ticks_at(sched_.now(), timebase_hz_, cpu_hz_);
  msip_.set(false);
  update_mtip();
}

IrqLine* RiscvClint::irq(std::string_view output) {
  if (output == "msip") return &msip_;
  if (output == "mtip") return &mtip_;
  return nullptr;
}

std::uint64_t RiscvClint::mtime_at(Cycles cycle) const {
  return ticks_at(cycle, timebase_hz_, cpu_hz_) + mtime_offset_;
}

std::uint64_t RiscvClint::mtimecmp() const {
  return (std::uint64_t{regs_.get(MTIMECMPH)} << 32) | regs_.get(MTIMECMP);
}

std::uint32_t RiscvClint::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v))
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:04x} (size {})", name(), offset, size);
  return v;
}

void RiscvClint::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  std::uint32_t word = offset & ~3u;
  if (word == MTIME || word == MTIMEH) {
    std::uint64_t now_mtime = mtime();
    regs_[MTIME] = static_cast<std::uint32_t>(now_mtime);
    regs_[MTIMEH] = static_cast<std::uint32_t>(now_mtime >> 32);
  }
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:04x} (size {})", name(), value,
           offset, size);
}

void RiscvClint::mtime_written() {
  // Both stored halves held the count at this cycle before the write; one of them now holds
  // what software wrote. The counter continues from the combined value.
  std::uint64_t value = (std::uint64_t{regs_.get(MTIMEH)} << 32) | regs_.get(MTIME);
  mtime_offset_ = value - ticks_at(sched_.now(), timebase_hz_, cpu_hz_);
  update_mtip();
}

void RiscvClint::update_mtip() {
  mtip_event_.cancel();
  Cycles now = sched_.now();
  u128 tick_now = timebase_hz_ == cpu_hz_ ? u128(now) : u128(now) * timebase_hz_ / cpu_hz_;
  std::uint64_t mtime_now = static_cast<std::uint64_t>(tick_now) + mtime_offset_;
  std::uint64_t cmp = mtimecmp();
  bool pending = mtime_now >= cmp;
  mtip_.set(pending);

  // The next tick at which the level changes: mtime reaching mtimecmp (rising), or mtime
  // wrapping to 0 (falling, unless mtimecmp is 0 and mtip can never fall).
  u128 next_tick;
  if (!pending)
    next_tick = tick_now + (cmp - mtime_now);
  else if (cmp != 0)
    next_tick = tick_now + (kMtimeModulus - mtime_now);
  else
    return;
  Cycles when = cycle_of_tick(next_tick, timebase_hz_, cpu_hz_);
  if (when == kNever) return;
  mtip_event_.arm_at(when);
}

void RiscvClint::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("mtime_offset", mtime_offset_);
  msip_.state(ar);
  mtip_.state(ar);
}

}  // namespace boardemu
