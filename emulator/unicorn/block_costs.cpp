#include "unicorn/block_costs.hpp"

#include <algorithm>

namespace boardemu {

const BlockCost& BlockCosts::miss(BlockCost& slot, std::uint32_t address, std::uint32_t size) {
  auto it = table_.find(key(address, size));
  if (it == table_.end()) {
    std::uint8_t code[4096];
    std::uint32_t n = std::min<std::uint32_t>(size, sizeof code);
    if (!bus_.read_block(address, code, n)) n = 0;
    BlockCost c = compute_(address, code, n);
    c.address = address;
    c.size = static_cast<std::uint16_t>(size);
    c.dynamic = !is_static(address);
    it = table_.emplace(key(address, size), c).first;
  }
  slot = it->second;
  const BlockCost& c = slot;
  std::uint64_t& word = plain_[(address >> 1) & (kEntries - 1)];
  word = 0;
  if (!c.dynamic && !c.reads_counters && size < (1u << PlainBlock::kTagBit) && c.instructions < 0x400 &&
      c.taken_extra < 0x100)
    word = size | static_cast<std::uint64_t>(address >> kTagShift) << PlainBlock::kTagBit |
           static_cast<std::uint64_t>(c.cycles) << PlainBlock::kCyclesBit |
           static_cast<std::uint64_t>(c.instructions) << PlainBlock::kInsnsBit |
           static_cast<std::uint64_t>(c.taken_extra) << PlainBlock::kTakenBit;
  return slot;
}

bool BlockCosts::rewritten(std::uint32_t address, std::uint32_t size) {
  const std::uint8_t* code = bus_.host_pointer(address, size);
  if (!code) return false;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::uint32_t i = 0; i < size; ++i) h = (h ^ code[i]) * 1099511628211ull;
  h ^= size;
  auto [it, inserted] = dynamic_hashes_.try_emplace(address, h);
  if (inserted || it->second == h) return false;
  it->second = h;
  table_.erase(key(address, size));
  cache_[(address >> 1) & (kEntries - 1)] = BlockCost{};
  plain_[(address >> 1) & (kEntries - 1)] = 0;
  return true;
}

unsigned BlockCosts::fetch_wait_states(std::uint32_t address) const {
  for (const auto& r : bus_.ram())
    if (r->contains(address, 1)) return r->desc.wait_states;
  return 0;
}

void BlockCosts::clear() {
  std::fill(cache_.begin(), cache_.end(), BlockCost{});
  std::fill(plain_.begin(), plain_.end(), 0);
  table_.clear();
  dynamic_hashes_.clear();
}

}  // namespace boardemu
