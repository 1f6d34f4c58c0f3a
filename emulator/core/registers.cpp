#include "core/registers.hpp"

#include <stdexcept>

#include "core/log.hpp"

namespace boardemu {

RegisterBank::RegisterBank(std::string owner, std::vector<RegisterSpec> specs)
    : owner_(std::move(owner)), specs_(std::move(specs)), values_(specs_.size()) {
  for (const auto& s : specs_) {
    if (s.offset % 4 != 0) throw std::logic_error(owner_ + ": unaligned register " + s.name);
  }
  reset();
}

void RegisterBank::reset() {
  for (std::size_t i = 0; i < specs_.size(); ++i) values_[i] = specs_[i].reset;
}

int RegisterBank::index_of(std::uint32_t word_offset) const {
  // Banks are small (tens of registers); a linear scan beats a map here.
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].offset == word_offset) return static_cast<int>(i);
  return -1;
}

const RegisterSpec* RegisterBank::spec_at(std::uint32_t offset) const {
  int i = index_of(offset & ~3u);
  return i < 0 ? nullptr : &specs_[i];
}

std::uint32_t& RegisterBank::operator[](std::uint32_t offset) {
  int i = index_of(offset);
  if (i < 0) throw std::logic_error(owner_ + ": no register at offset " + std::to_string(offset));
  return values_[i];
}

std::uint32_t RegisterBank::get(std::uint32_t offset) const {
  int i = index_of(offset);
  if (i < 0) throw std::logic_error(owner_ + ": no register at offset " + std::to_string(offset));
  return values_[i];
}

bool RegisterBank::read(std::uint32_t offset, unsigned size, std::uint32_t* out) {
  int i = index_of(offset & ~3u);
  if (i < 0) return false;
  const RegisterSpec& s = specs_[i];
  std::uint32_t v = values_[i];
  if (s.access == Access::WO) {
    BE_LOG(guest_error, "{}: read of write-only register {} (offset 0x{:03x})", owner_, s.name,
           offset);
    v = 0;
  } else if (s.on_read) {
    v = s.on_read(v);
  }
  unsigned shift = (offset & 3u) * 8;
  std::uint32_t mask = size >= 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1);
  *out = (v >> shift) & mask;
  return true;
}

bool RegisterBank::peek(std::uint32_t offset, unsigned size, std::uint32_t* out) const {
  int i = index_of(offset & ~3u);
  if (i < 0) return false;
  const RegisterSpec& s = specs_[i];
  std::uint32_t v = s.access == Access::WO ? 0 : s.on_read ? s.on_read(values_[i]) : values_[i];
  unsigned shift = (offset & 3u) * 8;
  std::uint32_t mask = size >= 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1);
  *out = (v >> shift) & mask;
  return true;
}

bool RegisterBank::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  int i = index_of(offset & ~3u);
  if (i < 0) return false;
  const RegisterSpec& s = specs_[i];
  if (s.access == Access::RO) {
    BE_LOG(guest_error, "{}: write 0x{:x} to read-only register {} (offset 0x{:03x})", owner_,
           value, s.name, offset);
    return true;
  }
  std::uint32_t old = values_[i];
  // A narrow write only touches its own bytes: merge it into the current value.
  unsigned shift = (offset & 3u) * 8;
  std::uint32_t lane = size >= 4 ? 0xFFFFFFFFu : (((1u << (size * 8)) - 1) << shift);
  std::uint32_t written = (old & ~lane) | ((value << shift) & lane);
  std::uint32_t plain = s.writable & ~s.w1c;
  std::uint32_t stored = (old & ~plain) | (written & plain);
  stored &= ~(written & s.w1c & lane);
  values_[i] = stored;
  if (s.on_write) s.on_write(old, written);
  return true;
}

}  // namespace boardemu
