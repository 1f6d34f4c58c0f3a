// Per-block timing for a Unicorn-based backend, and the guard against stale translations.
//
// Each translated block's cost is computed once by the backend's cycle model and cached by
// (start address, size): a compact direct-mapped cache for the hot path, backed by an exact
// table so that a block is never decoded twice.
//
// Unicorn 2.1 can keep running an old translation after the guest rewrote the code (seen with
// MicroPython's native and inline-assembler emitters, which reuse heap addresses after a soft
// reset). Blocks outside the code loaded from the firmware file are therefore hashed each time
// they run and compared with their bytes when first run; the backend re-translates a block
// whose bytes changed (redirecting the PC to the block's own start from its block hook
// abandons the stale translation before any of it executes).
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bus.hpp"

namespace boardemu {

struct BlockCost {
  std::uint32_t address = 1;  // odd: never a block address (Thumb and RISC-V code is 2-aligned)
  std::uint16_t size = 0;
  std::uint16_t cycles = 0;
  std::uint16_t taken_extra = 0;  // extra cycles if the final conditional branch is taken
  std::uint16_t instructions = 0;
  bool dynamic = false;         // outside the firmware's code: checked for rewrites
  bool reads_counters = false;  // RISC-V: holds counter-CSR reads the backend emulates
};

class BlockCosts {
 public:
  // Times a block from its bytes; `cycles` should already include fetch wait states.
  using Compute = std::function<BlockCost(std::uint32_t address, const std::uint8_t* code,
                                          std::uint32_t size)>;

  BlockCosts(Bus& bus, Compute compute)
      : bus_(bus), compute_(std::move(compute)), cache_(kEntries), plain_(kEntries) {}

  // Code loaded from the firmware file, [begin, end) ranges, which the guest does not rewrite.
  void set_static_code(std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) {
    static_code_ = std::move(ranges);
    clear();
  }

  // The block hooks' common case: the timing of a block loaded from the firmware file (not
  // dynamic, no counter reads) that lookup() has seen, packed in one word (PlainBlock), or 0
  // (then lookup() decides, and may time it). One load and one compare.
  std::uint64_t plain(std::uint32_t address, std::uint32_t size) const {
    std::uint64_t w = plain_[(address >> 1) & (kEntries - 1)];
    std::uint64_t key = size | static_cast<std::uint64_t>(address >> kTagShift) << PlainBlock::kTagBit;
    return (w & PlainBlock::kKeyMask) == key ? w : 0;
  }
  // A word of the table above: which block (size, address bits above the table index), its cycles,
  // instructions and taken-branch refill. A block whose figures do not fit is not in the table.
  struct PlainBlock {
    static constexpr unsigned kTagBit = 12, kCyclesBit = 30, kInsnsBit = 46, kTakenBit = 56;
    static constexpr std::uint64_t kKeyMask = (std::uint64_t{1} << kCyclesBit) - 1;
    static std::uint32_t cycles(std::uint64_t w) { return static_cast<std::uint32_t>(w >> kCyclesBit) & 0xFFFF; }
    static std::uint32_t instructions(std::uint64_t w) { return static_cast<std::uint32_t>(w >> kInsnsBit) & 0x3FF; }
    static std::uint32_t taken_extra(std::uint64_t w) { return static_cast<std::uint32_t>(w >> kTakenBit); }
  };

  const BlockCost& lookup(std::uint32_t address, std::uint32_t size) {
    BlockCost& c = cache_[(address >> 1) & (kEntries - 1)];
    if (c.address == address && c.size == size) [[likely]] return c;
    return miss(c, address, size);
  }

  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& static_code() const { return static_code_; }
  // For a dynamic block: true if its bytes differ from when it first ran. Its timing is then
  // forgotten; the caller re-translates it.
  bool rewritten(std::uint32_t address, std::uint32_t size);

  // Wait states for instruction fetches from `address` (from the board's memory regions).
  unsigned fetch_wait_states(std::uint32_t address) const;

  void clear();
  std::size_t blocks_timed() const { return table_.size(); }

 private:
  static constexpr std::size_t kEntries = 8192;
  static constexpr unsigned kTagShift = 14;  // address bits 1..13 index the tables (2-aligned code)
  const BlockCost& miss(BlockCost& slot, std::uint32_t address, std::uint32_t size);
  bool is_static(std::uint32_t address) const {
    for (const auto& [begin, end] : static_code_)
      if (address - begin < end - begin) return true;
    return false;
  }
  static std::uint64_t key(std::uint32_t address, std::uint32_t size) {
    return static_cast<std::uint64_t>(address) << 16 | (size & 0xFFFF);
  }

  Bus& bus_;
  Compute compute_;
  std::vector<BlockCost> cache_;
  std::vector<std::uint64_t> plain_;  // PlainBlock words; 0: none (no block has size 0)
  std::unordered_map<std::uint64_t, BlockCost> table_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> static_code_;
  std::unordered_map<std::uint32_t, std::uint64_t> dynamic_hashes_;  // address -> bytes hash
};

}  // namespace boardemu
