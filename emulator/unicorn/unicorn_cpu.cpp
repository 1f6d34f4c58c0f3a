#include "unicorn/unicorn_cpu.hpp"

#include <fmt/format.h>

namespace boardemu {

UnicornCpu::UnicornCpu(uc_arch arch, uc_mode mode, int cpu_model, const BoardDesc& board, Bus& bus,
                       Semihosting& semihosting)
    : bus_(bus),
      sched_(bus.scheduler()),
      semihosting_(semihosting),
      unmapped_policy_(board.unmapped),
      costs_(bus, [this](std::uint32_t a, const std::uint8_t* code, std::uint32_t n) {
        return time_block(a, code, n);
      }) {
  check_uc(uc_open(arch, mode, &uc_), "uc_open");
  // The model must be set before the engine is first used.
  check_uc(uc_ctl_set_cpu_model(uc_, cpu_model), "uc_ctl_set_cpu_model");
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
