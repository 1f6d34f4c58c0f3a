// The system bus of a board: memory regions backed by host memory, and device windows.
//
// CPU backends map these regions into their engine (Unicorn maps RAM directly and routes device
// windows through callbacks into mmio_read/mmio_write); an interpreter backend can call
// load/store. Either way the same dispatch runs: due events fire before a device sees the
// access, so its state is current to the cycle, and the region's wait states are charged.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/device.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

// Allocates zero-filled memory lazily: calloc takes large blocks straight from fresh pages that
// the kernel zero-fills on first touch, and value-initialisation writes nothing more, so a large
// region (QEMU's lx106 `sim` machine has 192 MiB) costs nothing until the guest uses it.
template <class T>
struct ZeroedAllocator {
  using value_type = T;
  ZeroedAllocator() = default;
  template <class U>
  ZeroedAllocator(const ZeroedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    void* p = std::calloc(n, sizeof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  void construct(U*) noexcept {}  // calloc already zeroed it
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  bool operator==(const ZeroedAllocator&) const { return true; }
};

struct RamRegion {
  MemoryRegion desc;
  std::vector<std::uint8_t, ZeroedAllocator<std::uint8_t>> bytes;
  bool contains(std::uint32_t addr, std::uint32_t len) const {
    return addr >= desc.base && len <= desc.size && addr - desc.base <= desc.size - len;
  }
};

struct MmioRegion {
  std::uint32_t base;
  std::uint32_t size;
  Device* device;
  unsigned wait_states;
};

// Where an address goes: the one place addresses are decoded (Bus::decode), shared by the
// interpreter's loads and stores, the debugger's and the GUI's peeks and pokes.
struct BusTarget {
  RamRegion* ram = nullptr;    // a memory region, or
  MmioRegion* mmio = nullptr;  // a device window, or neither (unmapped)
  std::uint32_t offset = 0;    // of the address inside the region or window
  explicit operator bool() const { return ram || mmio; }
};

class Bus {
 public:
  explicit Bus(Scheduler& scheduler) : scheduler_(scheduler) {}

  RamRegion& add_ram(const MemoryRegion& desc);
  MmioRegion& add_device(std::uint32_t base, std::uint32_t size, Device* device,
                         unsigned wait_states);

  std::vector<std::unique_ptr<RamRegion>>& ram() { return ram_; }
  std::vector<std::unique_ptr<MmioRegion>>& mmio() { return mmio_; }

  // The region or device window holding all of [addr, addr + len); neither if the range is
  // unmapped or straddles two regions. The last hit is tried first.
  BusTarget decode(std::uint32_t addr, std::uint32_t len);

  // Observation from outside (debuggers, the GUI, tests): up to `len` bytes from `addr`, memory
  // as stored and device registers through Device::peek (no side effects, no virtual time, no
  // events run). Device windows are read in naturally aligned units of up to 4 bytes. Returns
  // how many bytes were read: fewer than `len` where the range runs into unmapped space.
  std::size_t peek_block(std::uint32_t addr, std::uint8_t* out, std::size_t len);
  // A debugger's write: memory through write_block (observers hear of it), device registers
  // through Device::write (with the write's effects, as QEMU's gdbstub does). Returns how many
  // bytes were written.
  std::size_t debug_write_block(std::uint32_t addr, const std::uint8_t* data, std::size_t len);

  // Host-side access to memory (loaders, semihosting, debuggers). A range must lie within one
  // RAM/ROM/flash region; returns false otherwise.
  bool write_block(std::uint32_t addr, const std::uint8_t* data, std::size_t len);
  bool read_block(std::uint32_t addr, std::uint8_t* data, std::size_t len) const;
  std::uint8_t* host_pointer(std::uint32_t addr, std::uint32_t len);

  // Memory changed other than by a guest store (a flash controller programming the window it
  // maps, a host-side write_block): observers that cache what memory holds, such as a CPU
  // backend's decoded instructions, hear about it. Devices that write into RAM regions through
  // host pointers call notify_written themselves.
  using WriteObserver = std::function<void(std::uint32_t addr, std::uint32_t len)>;
  void add_write_observer(WriteObserver observer) { write_observers_.push_back(std::move(observer)); }
  void notify_written(std::uint32_t addr, std::uint32_t len) {
    for (auto& o : write_observers_) o(addr, len);
  }

  // A guest access to a device window (offset relative to the window).
  std::uint32_t mmio_read(MmioRegion& r, std::uint32_t offset, unsigned size) {
    sync(r);
    return r.device->read(offset, size);
  }
  void mmio_write(MmioRegion& r, std::uint32_t offset, std::uint32_t value, unsigned size) {
    sync(r);
    r.device->write(offset, value, size);
  }

  // Which region (if any) holds this address, for error messages.
  std::string describe(std::uint32_t addr) const;

  Scheduler& scheduler() { return scheduler_; }

 private:
  void sync(const MmioRegion& r) {
    scheduler_.advance(r.wait_states);
    if (scheduler_.earliest() <= scheduler_.now()) scheduler_.run_due();
  }

  Scheduler& scheduler_;
  RamRegion* last_ram_ = nullptr;
  MmioRegion* last_mmio_ = nullptr;
  std::vector<std::unique_ptr<RamRegion>> ram_;
  std::vector<std::unique_ptr<MmioRegion>> mmio_;
  std::vector<WriteObserver> write_observers_;
};

}  // namespace boardemu
