#include "gdb/machine_target.hpp"

#include <fmt/format.h>

namespace boardemu::gdb {

std::string MachineTarget::describe_device(const std::string& name) {
  const BoardDesc& b = m_.board();
  for (const auto& p : b.peripherals) {
    if (p.name != name) continue;
    // The models keep their RegisterBank private and Device offers no way to enumerate it, so
    // the stub can name the window but not list the registers; `x/Nwx ADDR` reads them (device
    // windows are read through the model, as the CPU would).
    return fmt::format("{}: model {}, window 0x{:08x}..0x{:08x}: no register list (read registers with "
                       "`x/{}wx 0x{:x}`)\n",
                       p.name, p.model, p.base, p.base + p.size - 1, std::min<std::uint32_t>(p.size / 4, 16), p.base);
  }
  std::string names;
  for (const auto& p : b.peripherals) names += " " + p.name;
  return fmt::format("no device '{}' on board {} (devices:{})\n", name, b.name, names);
}

}  // namespace boardemu::gdb
