#include "core/bus.hpp"

#include <algorithm>
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

BusTarget Bus::decode(std::uint32_t addr, std::uint32_t len) {
  auto in_window = [&](const MmioRegion& m) {
    return addr >= m.base && addr - m.base < m.size && len <= m.size - (addr - m.base);
  };
  if (last_ram_ && last_ram_->contains(addr, len)) return {last_ram_, nullptr, addr - last_ram_->desc.base};
  if (last_mmio_ && in_window(*last_mmio_)) return {nullptr, last_mmio_, addr - last_mmio_->base};
  for (auto& r : ram_)
    if (r->contains(addr, len)) {
      last_ram_ = r.get();
      return {r.get(), nullptr, addr - r->desc.base};
    }
  for (auto& m : mmio_)
    if (in_window(*m)) {
      last_mmio_ = m.get();
      return {nullptr, m.get(), addr - m->base};
    }
  return {};
}

namespace {
// The widest naturally aligned unit (4, 2 or 1 bytes) at `offset` with `left` bytes to go.
unsigned unit_at(std::uint32_t offset, std::size_t left) {
  return (offset % 4 == 0 && left >= 4) ? 4 : (offset % 2 == 0 && left >= 2) ? 2 : 1;
}
}  // namespace

std::size_t Bus::peek_block(std::uint32_t addr, std::uint8_t* out, std::size_t len) {
  std::size_t done = 0;
  while (done < len && std::uint64_t{addr} + done <= 0xFFFFFFFFu) {  // not past 4 GiB
    std::uint32_t a = addr + static_cast<std::uint32_t>(done);
    BusTarget t = decode(a, 1);
    if (t.ram) {
      std::size_t n = std::min<std::size_t>(len - done, t.ram->desc.size - t.offset);
      std::memcpy(out + done, t.ram->bytes.data() + t.offset, n);
      done += n;
    } else if (t.mmio) {
      std::size_t n = std::min<std::size_t>(len - done, t.mmio->size - t.offset);
      for (std::uint32_t off = t.offset; n;) {
        unsigned size = unit_at(off, n);
        std::uint32_t v = t.mmio->device->peek(off, size);
        for (unsigned i = 0; i < size; ++i) out[done++] = static_cast<std::uint8_t>(v >> (8 * i));
        off += size;
        n -= size;
      }
    } else {
      break;
    }
  }
  return done;
}

std::size_t Bus::debug_write_block(std::uint32_t addr, const std::uint8_t* data, std::size_t len) {
  std::size_t done = 0;
  while (done < len && std::uint64_t{addr} + done <= 0xFFFFFFFFu) {  // not past 4 GiB
    std::uint32_t a = addr + static_cast<std::uint32_t>(done);
    BusTarget t = decode(a, 1);
    if (t.ram) {
      std::size_t n = std::min<std::size_t>(len - done, t.ram->desc.size - t.offset);
      write_block(a, data + done, n);
      done += n;
    } else if (t.mmio) {
      std::size_t n = std::min<std::size_t>(len - done, t.mmio->size - t.offset);
      for (std::uint32_t off = t.offset; n;) {
        unsigned size = unit_at(off, n);
        std::uint32_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= std::uint32_t{data[done + i]} << (8 * i);
        t.mmio->device->write(off, v, size);
        off += size;
        n -= size;
        done += size;
      }
    } else {
      break;
    }
  }
  return done;
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
