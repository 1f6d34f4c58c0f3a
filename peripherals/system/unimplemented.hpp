// A window the board declares but no model implements yet (QEMU's "unimplemented-device"):
// reads return zero, writes are ignored, and both are logged under `unimp` so that touching
// it is visible with --log unimp.
#pragma once

#include "core/device.hpp"

namespace boardemu {

class UnimplementedDevice : public Device {
 public:
  explicit UnimplementedDevice(std::string name) : Device(std::move(name)) {}
  std::uint32_t read(std::uint32_t offset, unsigned size) override {
    BE_LOG(unimp, "{}: read of {} bytes at offset 0x{:x} (no model; reads as zero)", name(), size,
           offset);
    return 0;
  }
  std::uint32_t peek(std::uint32_t, unsigned) override { return 0; }  // quietly
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override {
    BE_LOG(unimp, "{}: write of {} bytes 0x{:x} at offset 0x{:x} (no model; ignored)", name(),
           size, value, offset);
  }
  void reset() override {}
  void state(StateArchive&) override {}  // holds nothing
};

}  // namespace boardemu
