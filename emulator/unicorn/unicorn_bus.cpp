#include "unicorn/unicorn_bus.hpp"

#include <fmt/format.h>

namespace boardemu {

void check_uc(uc_err err, const char* what) {
  if (err != UC_ERR_OK) throw UnicornError(fmt::format("unicorn: {}: {}", what, uc_strerror(err)));
}

UnicornBusMapping::UnicornBusMapping(uc_engine* uc, Bus& bus) {
  for (auto& r : bus.ram()) {
    std::uint32_t perms = r->desc.kind == MemoryKind::ram ? UC_PROT_ALL : (UC_PROT_READ | UC_PROT_EXEC);
    check_uc(uc_mem_map_ptr(uc, r->desc.base, r->desc.size, perms, r->bytes.data()),
             "mapping memory region");
  }
  for (auto& m : bus.mmio()) {
    bindings_.push_back(std::make_unique<Binding>(Binding{&bus, m.get()}));
    check_uc(uc_mmio_map(uc, m->base, m->size, read, bindings_.back().get(), write,
                         bindings_.back().get()),
             "mapping device window");
  }
}

thread_local int UnicornBusMapping::depth_ = 0;

namespace {
struct DepthScope {
  explicit DepthScope(int& d) : d_(d) { ++d_; }
  ~DepthScope() { --d_; }
  int& d_;
};
}  // namespace

std::uint64_t UnicornBusMapping::read(uc_engine*, std::uint64_t offset, unsigned size, void* p) {
  DepthScope scope(depth_);
  auto* b = static_cast<Binding*>(p);
  return b->bus->mmio_read(*b->region, static_cast<std::uint32_t>(offset), size);
}

void UnicornBusMapping::write(uc_engine*, std::uint64_t offset, unsigned size, std::uint64_t value,
                              void* p) {
  DepthScope scope(depth_);
  auto* b = static_cast<Binding*>(p);
  b->bus->mmio_write(*b->region, static_cast<std::uint32_t>(offset),
                     static_cast<std::uint32_t>(value), size);
}

}  // namespace boardemu
