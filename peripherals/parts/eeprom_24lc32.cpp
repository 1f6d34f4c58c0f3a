#include "parts/eeprom_24lc32.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/log.hpp"

namespace boardemu {

Eeprom24lc32::Eeprom24lc32(std::string name, Scheduler& scheduler, Timing timing, unsigned chip_select)
    : name_(std::move(name)), scheduler_(scheduler), timing_(timing),
      wp_(name_ + ".WP", &scheduler),
      write_cycle_event_(scheduler, name_ + ".write_cycle", [this](Cycles) { commit_page_buffer(); }) {
  if (chip_select > 7)
    throw std::invalid_argument(
        fmt::format("24LC32A {}: chip select {} is not a level combination of A2..A0 (0..7)", name_, chip_select));
  address_ = static_cast<std::uint8_t>(kBaseAddress | chip_select);
  array_.fill(0xFF);
}

Eeprom24lc32::~Eeprom24lc32() = default;

void Eeprom24lc32::load(std::uint32_t offset, std::span<const std::uint8_t> data) {
  if (offset > kSize || data.size() > kSize - offset)
    throw std::out_of_range(fmt::format("24LC32A {}: {} bytes at 0x{:03X} do not fit in its {} bytes", name_,
                                        data.size(), offset, kSize));
  std::copy(data.begin(), data.end(), array_.begin() + offset);
}

// 7.0: the part does not acknowledge while its write cycle runs. A CPU slice may overshoot the
// event's time by part of a block: a cycle whose end has passed is over, fired or not.
bool Eeprom24lc32::busy() {
  if (!write_cycle_event_.armed()) return false;
  if (scheduler_.now() < write_cycle_end_) return true;
  finish_write_cycle();
  return false;
}

void Eeprom24lc32::finish_write_cycle() {
  if (!write_cycle_event_.armed()) return;
  write_cycle_event_.cancel();
  commit_page_buffer();
}

void Eeprom24lc32::commit_page_buffer() {
  if (page_loaded_ == 0) return;
  for (unsigned i = 0; i < kPageSize; ++i)
    if (page_loaded_ & (1u << i)) array_[page_base_ + i] = page_[i];
  page_loaded_ = 0;
  auto observers = observers_;  // an observer may unobserve while being told
  for (auto& [id, observer] : observers) observer(page_base_, kPageSize);
}

void Eeprom24lc32::nvm_read(std::uint32_t addr, std::span<std::uint8_t> out) const {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = peek(addr + static_cast<std::uint32_t>(i));
}

NonVolatileMemory::ObserverId Eeprom24lc32::observe_nvm_changes(ChangeObserver observer) {
  ObserverId id = next_observer_++;
  observers_.emplace_back(id, std::move(observer));
  return id;
}

void Eeprom24lc32::unobserve_nvm_changes(ObserverId id) {
  std::erase_if(observers_, [id](const auto& o) { return o.first == id; });
}

void Eeprom24lc32::drop_page_buffer() {
  page_loaded_ = 0;
  data_bytes_ = 0;
}

I2cAck Eeprom24lc32::start(I2cDirection direction) {
  if (busy()) return I2cAck::nack;
  drop_page_buffer();
  expect_ = direction == I2cDirection::write ? Expect::address_high : Expect::nothing;
  return I2cAck::ack;
}

I2cAck Eeprom24lc32::write(std::uint8_t byte) {
  switch (expect_) {
    case Expect::address_high:  // 5.0: A11..A8; the upper four bits are don't-care
      pointer_ = static_cast<std::uint16_t>(((byte & 0x0F) << 8) | (pointer_ & 0xFF));
      expect_ = Expect::address_low;
      return I2cAck::ack;
    case Expect::address_low:
      pointer_ = static_cast<std::uint16_t>((pointer_ & 0xF00) | byte);
      expect_ = Expect::data;
      return I2cAck::ack;
    case Expect::data: {
      // 6.2: the buffer belongs to the pointer's page; only the five low bits advance.
      if (data_bytes_ == 0) page_base_ = static_cast<std::uint16_t>(pointer_ & ~(kPageSize - 1));
      unsigned column = pointer_ & (kPageSize - 1);
      page_[column] = byte;
      page_loaded_ |= 1u << column;
      pointer_ = static_cast<std::uint16_t>(page_base_ | ((column + 1) & (kPageSize - 1)));
      if (++data_bytes_ == kPageSize + 1)
        BE_LOG(guest_error,
               "24LC32A {}: more than {} data bytes in one write: they wrap within the page at 0x{:03X} and "
               "overwrite the first ones (DS21713 6.2)",
               name_, kPageSize, page_base_);
      return I2cAck::ack;
    }
    case Expect::nothing:
      break;
  }
  return I2cAck::nack;  // not reached through I2cBus: it sends no writes in a read message
}

std::uint8_t Eeprom24lc32::read() {
  // 8.3: the pointer advances over the whole array and rolls over from 0xFFF to 0x000.
  std::uint8_t byte = array_[pointer_];
  pointer_ = static_cast<std::uint16_t>((pointer_ + 1) % kSize);
  return byte;
}

void Eeprom24lc32::stop() {
  expect_ = Expect::nothing;
  if (data_bytes_ == 0) return;  // no data: the pointer was set, nothing to program
  data_bytes_ = 0;
  // 6.1: with WP high the bytes were acknowledged, but no write cycle occurs.
  if (wp_.level() == Level::high) {
    BE_LOG(trace, "24LC32A {}: write to page 0x{:03X} ignored: WP is high", name_, page_base_);
    page_loaded_ = 0;
    return;
  }
  if (timing_.write_cycle == 0) {
    commit_page_buffer();
    return;
  }
  write_cycle_end_ = scheduler_.now() + timing_.write_cycle;
  write_cycle_event_.arm_at(write_cycle_end_);
}

void Eeprom24lc32::repeated_start() {
  // 8.2: a repeated START terminates a write message; only a STOP starts the write cycle.
  if (data_bytes_ != 0)
    BE_LOG(guest_error, "24LC32A {}: repeated START after {} data bytes: they are not written (only a STOP starts "
           "the write cycle, DS21713 6.1)", name_, data_bytes_);
  drop_page_buffer();
  expect_ = Expect::nothing;
}

void Eeprom24lc32::state(StateArchive& ar) {
  ar.field("array", array_);
  ar.field("pointer", pointer_);
  ar.field("expect", expect_);
  ar.field("data_bytes", data_bytes_);
  ar.field("page_base", page_base_);
  ar.field("page", page_);
  ar.field("page_loaded", page_loaded_);
  ar.field("write_cycle_end", write_cycle_end_);
}

}  // namespace boardemu
