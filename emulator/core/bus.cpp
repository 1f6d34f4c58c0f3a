#include "core/bus.hpp"

#include <cstring>

#include <fmt/format.h>

namespace boardemu {

RamRegion& Bus::add_ram(const MemoryRegion& desc) {
  auto r = std::make_unique<RamRegion>();
  r->desc = desc;
  if (desc.kind == MemoryKind::flash) r->bytes.assign(desc.size, 0xFF);  // erased flash
  else r->bytes.resize(desc.size);  // zero, without touching the pages (ZeroedAllocator)
  ram_.push_back(std::move(r));
  return *ram_.back();
}

MmioRegion& Bus::add_device(std::uint32_t base, std::uint32_t size, Device* device,
                            unsigned wait_states) {
  mmio_.push_back(std::make_unique<MmioRegion>(MmioRegion{base, size, device, wait_states}));
  return *mmio_.back();
}

std::uint8_t* Bus::host_pointer(std::uint32_t addr, std::uint32_t len) {
  for (auto& r : ram_)
    if (r->contains(addr, len)) return r->bytes.data() + (addr - r->desc.base);
  return nullptr;
}

bool Bus::write_block(std::uint32_t addr, const std::uint8_t* data, std::size_t len) {
  std::uint8_t* p = host_pointer(addr, static_cast<std::uint32_t>(len));
  if (!p) return false;
  std::memcpy(p, data, len);
  notify_written(addr, static_cast<std::uint32_t>(len));
  return true;
}

bool Bus::read_block(std::uint32_t addr, std::uint8_t* data, std::size_t len) const {
  for (auto& r : ram_)
    if (r->contains(addr, static_cast<std::uint32_t>(len))) {
      std::memcpy(data, r->bytes.data() + (addr - r->desc.base), len);
      return true;
    }
  return false;
}

std::string Bus::describe(std::uint32_t addr) const {
  for (auto& r : ram_)
    if (r->contains(addr, 1)) return fmt::format("{}+0x{:x}", r->desc.name, addr - r->desc.base);
  for (auto& m : mmio_)
    if (addr >= m->base && addr - m->base < m->size)
      return fmt::format("{}+0x{:x}", m->device->name(), addr - m->base);
  return "unmapped";
}

}  // namespace boardemu
