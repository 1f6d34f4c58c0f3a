#include "gdb/machine_target.hpp"

#include <fmt/format.h>

#include "core/registers.hpp"

namespace boardemu::gdb {

std::string MachineTarget::describe_device(const std::string& name) {
  const BoardDesc& b = m_.board();
  for (const auto& p : b.peripherals) {
    if (p.name != name) continue;
    const Device* dev = m_.device(name);
    const RegisterBank* bank = dev ? dev->registers() : nullptr;
    if (!bank)
      return fmt::format("{}: model {}, window 0x{:08x}..0x{:08x}: the model declares no register list (read "
                         "registers with `x/{}wx 0x{:x}`)\n",
                         p.name, p.model, p.base, p.base + p.size - 1, std::min<std::uint32_t>(p.size / 4, 16), p.base);
    // Stored values, read without the side effects a guest read may have (FIFO pops,
    // read-to-clear): registers whose guest-visible value is computed on read are marked.
    std::string out = fmt::format("{}: model {} at 0x{:08x}\n", p.name, p.model, p.base);
    bool computed = false;
    for (const RegisterSpec& r : bank->specs()) {
      out += fmt::format("  {:<20} 0x{:08x} (+0x{:03x}) = 0x{:08x}{}\n", r.name, p.base + r.offset, r.offset,
                         bank->get(r.offset), r.on_read ? " *" : "");
      computed = computed || static_cast<bool>(r.on_read);
    }
    if (computed) out += "  * computed when read: the stored value is shown; `x/wx ADDR` reads it as the CPU would\n";
    return out;
  }
  std::string names;
  for (const auto& p : b.peripherals) names += " " + p.name;
  return fmt::format("no device '{}' on board {} (devices:{})\n", name, b.name, names);
}

}  // namespace boardemu::gdb
