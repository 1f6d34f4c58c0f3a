// Memory that keeps its contents without power (SPI NOR flash, EEPROM), as the host sees it:
// its bytes, and a report of every change the chip has made to them. A host-side store
// (hostio/nvm_file.hpp, `--flash FILE`) keeps such a memory in a file by writing each change
// through as it happens, so a run killed at any moment loses nothing the firmware saw complete.
//
// "Complete" is the chip's own notion: a flash page program or sector erase is reported when
// the chip applies it; an EEPROM page when its write cycle ends (not at the STOP that starts
// it), which is also when the firmware's acknowledge polling first sees the part answer.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace boardemu {

class NonVolatileMemory {
 public:
  using ChangeObserver = std::function<void(std::uint32_t addr, std::uint32_t len)>;
  using ObserverId = std::uint64_t;

  virtual ~NonVolatileMemory() = default;
  virtual std::uint32_t nvm_size() const = 0;
  // Copies [addr, addr + out.size()) out; the range must lie inside nvm_size().
  virtual void nvm_read(std::uint32_t addr, std::span<std::uint8_t> out) const = 0;
  // Overwrites bytes directly, with no chip semantics or timing (loading a saved image);
  // observers are not told. The range must lie inside nvm_size().
  virtual void nvm_load(std::uint32_t addr, std::span<const std::uint8_t> data) = 0;
  // Observers hear [addr, addr + len) after the chip changed those bytes.
  virtual ObserverId observe_nvm_changes(ChangeObserver observer) = 0;
  // Removing an unknown id is a no-op.
  virtual void unobserve_nvm_changes(ObserverId id) = 0;
};

}  // namespace boardemu
