// Maps a board's Bus into a Unicorn engine: memory regions as host memory shared with the
// engine (uc_mem_map_ptr), device windows through callbacks into Bus::mmio_read/mmio_write.
// Shared by every Unicorn-based CPU backend.
#pragma once

#include <unicorn/unicorn.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bus.hpp"

namespace boardemu {

class UnicornError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws UnicornError naming `what` if `err` is not UC_ERR_OK.
void check_uc(uc_err err, const char* what);

class UnicornBusMapping {
 public:
  // Maps every RAM region and device window of `bus` into `uc`. Read-only kinds (rom, flash)
  // are mapped without write permission, so guest stores to them fault.
  UnicornBusMapping(uc_engine* uc, Bus& bus);

  // True while a device callback runs on this thread. uc_emu_stop() must not be called then:
  // Unicorn abandons the rest of the block with the PC left at the block's start, so the block's
  // earlier instructions and the device access itself would run again. Backends record the stop
  // request instead and honour it in their next block hook, before that block runs.
  static bool in_device_callback() { return depth_ > 0; }

 private:
  struct Binding {
    Bus* bus;
    MmioRegion* region;
  };
  static std::uint64_t read(uc_engine*, std::uint64_t offset, unsigned size, void* binding);
  static void write(uc_engine*, std::uint64_t offset, unsigned size, std::uint64_t value, void* binding);
  std::vector<std::unique_ptr<Binding>> bindings_;
  static thread_local int depth_;
};

}  // namespace boardemu
