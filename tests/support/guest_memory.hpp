// Test helper: reads and writes guest memory through the board's bus, checking that every
// access lands in memory, and reads the event log the CPU test programs append to.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/bus.hpp"

namespace boardemu::testing {

class GuestMemory {
 public:
  explicit GuestMemory(Bus& bus) : bus_(bus) {}

  std::uint32_t read32(std::uint32_t addr) const {
    std::uint8_t b[4] = {0, 0, 0, 0};
    EXPECT_TRUE(bus_.read_block(addr, b, 4)) << std::hex << addr;
    return b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  }
  void write32(std::uint32_t addr, std::uint32_t v) {
    std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                         static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
    EXPECT_TRUE(bus_.write_block(addr, b, 4)) << std::hex << addr;
  }
  std::vector<std::uint32_t> words(std::uint32_t addr, unsigned n) const {
    std::vector<std::uint32_t> v;
    for (unsigned i = 0; i < n; ++i) v.push_back(read32(addr + 4 * i));
    return v;
  }
  // The event log of the test programs: words from `buf` up to the write pointer stored at
  // `ptr` (empty if the pointer is out of range, i.e. nothing was logged yet).
  std::vector<std::uint32_t> event_log(std::uint32_t ptr, std::uint32_t buf) const {
    std::uint32_t end = read32(ptr);
    if (end < buf || end > buf + 0x4000) return {};
    return words(buf, (end - buf) / 4);
  }

 private:
  Bus& bus_;
};

}  // namespace boardemu::testing
