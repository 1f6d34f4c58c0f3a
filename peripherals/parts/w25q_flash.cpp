// Winbond W25Q32JV-class SPI NOR flash. See w25q_flash.hpp for the datasheet sections.
#include "parts/w25q_flash.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/log.hpp"

namespace boardemu {

namespace {

Cycles us_to_cycles(std::uint64_t cpu_hz, std::uint64_t us) { return cpu_hz * us / 1'000'000; }

// W25Q32JV, 8.1 "Device ID and Instruction Set Tables", standard SPI instructions: the modelled
// subset.
constexpr W25qFlash::Instruction kInstructions[] = {
    {0x06, "Write Enable", 0, 0, false},
    {0x04, "Write Disable", 0, 0, false},
    {0x05, "Read Status Register-1", 0, 0, true},
    {0x35, "Read Status Register-2", 0, 0, true},
    {0x01, "Write Status Register", 0, 0, false},
    {0x9F, "Read JEDEC ID", 0, 0, false},
    {0x90, "Read Manufacturer / Device ID", 3, 0, false},
    {0xAB, "Release Power-down / Device ID", 0, 3, false},
    {0xB9, "Power-down", 0, 0, false},
    {0x03, "Read Data", 3, 0, false},
    {0x0B, "Fast Read", 3, 1, false},
    {0x02, "Page Program", 3, 0, false},
    {0x20, "Sector Erase", 3, 0, false},
    {0x52, "Block Erase (32 KiB)", 3, 0, false},
    {0xD8, "Block Erase (64 KiB)", 3, 0, false},
    {0xC7, "Chip Erase", 0, 0, false},
    {0x60, "Chip Erase", 0, 0, false},
};

}  // namespace

W25qFlash::Timing W25qFlash::Timing::typical(std::uint64_t cpu_hz) {
  // W25Q32JV AC Electrical Characteristics, typical column (microseconds here).
  return {.page_program = us_to_cycles(cpu_hz, 400),
          .sector_erase = us_to_cycles(cpu_hz, 45'000),
          .block_erase_32k = us_to_cycles(cpu_hz, 120'000),
          .block_erase_64k = us_to_cycles(cpu_hz, 150'000),
          .chip_erase = us_to_cycles(cpu_hz, 10'000'000),
          .write_status = us_to_cycles(cpu_hz, 10'000)};
}

const W25qFlash::Instruction* W25qFlash::instruction(std::uint8_t opcode) {
  for (const Instruction& i : kInstructions)
    if (i.opcode == opcode) return &i;
  return nullptr;
}

const char* W25qFlash::operation_name(Operation op) {
  switch (op) {
    case Operation::none: return "idle";
    case Operation::page_program: return "Page Program";
    case Operation::sector_erase: return "Sector Erase";
    case Operation::block_erase_32k: return "Block Erase (32 KiB)";
    case Operation::block_erase_64k: return "Block Erase (64 KiB)";
    case Operation::chip_erase: return "Chip Erase";
    case Operation::write_status: return "Write Status Register";
  }
  return "?";
}

W25qFlash::W25qFlash(std::string name, Scheduler& scheduler, Params params,
                     std::span<std::uint8_t> mapped)
    : name_(std::move(name)),
      scheduler_(scheduler),
      size_(params.size),
      jedec_id_(params.jedec_id),
      timing_(params.timing),
      mapped_(mapped),
      busy_end_(scheduler, name_ + ".busy_end", [this](Cycles) { finish_operation(); }) {
  if (size_ < 0x10000 || size_ > 0x1000000 || (size_ & (size_ - 1)) != 0)
    throw std::invalid_argument("flash size " + std::to_string(size_) +
                                " is not a power of two from 64 KiB to 16 MiB");
  if (mapped.size() > size_)
    throw std::invalid_argument("the mapped window (" + std::to_string(mapped.size()) +
                                " bytes) is larger than the flash chip (" + std::to_string(size_) +
                                " bytes)");
  if (jedec_id_ == 0) {
    // Winbond (EFh), W25Q SPI memory type (40h), capacity code log2(size in bytes).
    unsigned log2 = 0;
    while ((1u << log2) < size_) ++log2;
    jedec_id_ = 0xEF4000u | log2;
  }
  std::fill(mapped_.begin(), mapped_.end(), 0xFF);
  rest_.assign(size_ - mapped_.size(), 0xFF);
}

W25qFlash::~W25qFlash() = default;

// ---- contents -------------------------------------------------------------------------------------

std::uint8_t& W25qFlash::at(std::uint32_t addr) {
  addr &= size_ - 1;
  return addr < mapped_.size() ? mapped_[addr] : rest_[addr - mapped_.size()];
}

std::uint8_t W25qFlash::byte_at(std::uint32_t addr) const {
  addr &= size_ - 1;
  return addr < mapped_.size() ? mapped_[addr] : rest_[addr - mapped_.size()];
}

void W25qFlash::read(std::uint32_t addr, std::span<std::uint8_t> out) const {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = byte_at(addr + static_cast<std::uint32_t>(i));
}

void W25qFlash::load(std::uint32_t addr, std::span<const std::uint8_t> data) {
  for (std::size_t i = 0; i < data.size(); ++i) at(addr + static_cast<std::uint32_t>(i)) = data[i];
}

W25qFlash::ObserverId W25qFlash::observe_changes(ChangeObserver observer) {
  ObserverId id = next_observer_++;
  observers_.emplace_back(id, std::move(observer));
  return id;
}

void W25qFlash::unobserve_changes(ObserverId id) {
  observers_.erase(std::remove_if(observers_.begin(), observers_.end(),
                                  [id](const auto& o) { return o.first == id; }),
                   observers_.end());
}

void W25qFlash::changed(std::uint32_t addr, std::uint32_t len) {
  auto observers = observers_;  // an observer may unobserve while being told
  for (auto& [id, observer] : observers) observer(addr, len);
}

// ---- status and the operation in progress -----------------------------------------------------

std::uint8_t W25qFlash::status() const {
  std::uint8_t sr = sr1_;
  if (operation_ == Operation::none) return sr;
  if (scheduler_.now() < busy_until_) return sr | SR_BUSY;
  return sr & ~SR_WEL;  // over, its end not yet settled
}

void W25qFlash::start_operation(Operation op, Cycles duration) {
  operation_ = op;
  busy_until_ = scheduler_.now() + duration;
  if (duration == 0) {
    finish_operation();
    return;
  }
  BE_LOG(trace, "{}: {} busy until cycle {}", name_, operation_name(op), busy_until_);
  busy_end_.arm_at(busy_until_);
}

void W25qFlash::finish_operation() {
  if (operation_ == Operation::none) return;
  busy_end_.cancel();
  operation_ = Operation::none;
  sr1_ &= ~SR_WEL;  // the write enable latch resets when the operation completes
}

void W25qFlash::settle() {
  if (operation_ != Operation::none && scheduler_.now() >= busy_until_) finish_operation();
}

bool W25qFlash::check_write_enable() {
  if (sr1_ & SR_WEL) return true;
  BE_LOG(guest_error, "{}: {} without Write Enable (WEL = 0): ignored", name_, instruction_->name);
  return false;
}

// ---- the SPI side -------------------------------------------------------------------------------

void W25qFlash::select() {
  settle();
  phase_ = Phase::opcode;
  instruction_ = nullptr;
  address_count_ = 0;
  dummy_left_ = 0;
  address_ = 0;
  data_in_ = 0;
  data_out_ = 0;
}

void W25qFlash::begin_instruction(std::uint8_t opcode) {
  settle();
  instruction_ = instruction(opcode);
  phase_ = Phase::ignored;
  if (!instruction_) {
    BE_LOG(guest_error, "{}: unknown instruction 0x{:02x}: ignored", name_, opcode);
    return;
  }
  if (powered_down_ && opcode != 0xAB) {
    BE_LOG(guest_error,
           "{}: instruction 0x{:02x} ({}) in power-down: ignored (only ABh releases it)", name_,
           opcode, instruction_->name);
    return;
  }
  if (busy() && !instruction_->while_busy) {
    BE_LOG(guest_error,
           "{}: instruction 0x{:02x} ({}) while a program/erase is in progress (BUSY = 1): "
           "ignored",
           name_, opcode, instruction_->name);
    return;
  }
  if (opcode == 0x02) page_buffer_.fill(0xFF);
  dummy_left_ = instruction_->dummy_bytes;
  phase_ = instruction_->address_bytes ? Phase::address
           : dummy_left_                ? Phase::dummy
                                        : Phase::data;
}

std::uint8_t W25qFlash::shift_out() {
  if (phase_ != Phase::data) return 0xFF;  // DO is not driven with data yet
  switch (instruction_->opcode) {
    case 0x05:  // the status is output continuously, BUSY as it is now
      settle();
      return status();
    case 0x35:
      return sr2_;
    case 0x9F: {  // manufacturer, memory type, capacity
      std::uint32_t i = data_out_++;
      return i < 3 ? static_cast<std::uint8_t>(jedec_id_ >> (16 - 8 * i)) : 0xFF;
    }
    case 0x90: {  // manufacturer and device ID alternately; address bit 0 picks the first
      bool manufacturer = ((data_out_++ ^ address_) & 1) == 0;
      return manufacturer ? static_cast<std::uint8_t>(jedec_id_ >> 16) : device_id();
    }
    case 0xAB:
      return device_id();
    case 0x03:
    case 0x0B:
      return byte_at(address_ + data_out_++);
    default:
      return 0xFF;
  }
}

void W25qFlash::shift_in(std::uint8_t mosi) {
  switch (phase_) {
    case Phase::opcode:
      begin_instruction(mosi);
      break;
    case Phase::address:
      address_ = (address_ << 8) | mosi;
      if (++address_count_ == instruction_->address_bytes)
        phase_ = dummy_left_ ? Phase::dummy : Phase::data;
      break;
    case Phase::dummy:
      if (--dummy_left_ == 0) phase_ = Phase::data;
      break;
    case Phase::data:
      if (instruction_->opcode == 0x02)
        page_buffer_[(address_ + data_in_) & (kPageSize - 1)] = mosi;  // wraps within the page
      else if (instruction_->opcode == 0x01 && data_in_ < status_in_.size())
        status_in_[data_in_] = mosi;
      ++data_in_;
      break;
    case Phase::ignored:
      break;
  }
}

void W25qFlash::deselect() {
  Phase phase = phase_;
  phase_ = Phase::opcode;
  if (phase == Phase::opcode || phase == Phase::ignored) return;
  std::uint8_t opcode = instruction_->opcode;
  if (opcode == 0xAB) {  // with or without the device ID read
    powered_down_ = false;
    return;
  }
  if (phase != Phase::data) {
    switch (opcode) {
      case 0x02: case 0x20: case 0x52: case 0xD8:
        BE_LOG(guest_error, "{}: {} ended after {} of 3 address bytes: ignored", name_,
               instruction_->name, address_count_);
        break;
      default:
        break;
    }
    return;
  }
  execute();
}

void W25qFlash::execute() {
  std::uint32_t addr = address_ & (size_ - 1);
  switch (instruction_->opcode) {
    case 0x06:
      sr1_ |= SR_WEL;
      break;
    case 0x04:
      sr1_ &= ~SR_WEL;
      break;
    case 0xB9:
      powered_down_ = true;
      break;
    case 0x01: {
      if (data_in_ == 0) {
        BE_LOG(guest_error, "{}: Write Status Register with no data byte: ignored", name_);
        break;
      }
      if (!check_write_enable()) break;
      sr1_ = static_cast<std::uint8_t>((sr1_ & SR_WEL) | (status_in_[0] & 0xFC));
      if (data_in_ > 1) sr2_ = status_in_[1];
      if (sr1_ & SR_BP_MASK)
        BE_LOG(unimp, "{}: block-protect bits BP0..2 = {} are stored, not enforced", name_,
               (sr1_ & SR_BP_MASK) >> 2);
      start_operation(Operation::write_status, timing_.write_status);
      break;
    }
    case 0x02: {
      if (data_in_ == 0) {
        BE_LOG(guest_error, "{}: Page Program with no data byte: ignored", name_);
        break;
      }
      if (!check_write_enable()) break;
      std::uint32_t page = addr & ~(kPageSize - 1);
      for (std::uint32_t col = 0; col < kPageSize; ++col) at(page + col) &= page_buffer_[col];
      changed(page, kPageSize);
      start_operation(Operation::page_program, timing_.page_program);
      break;
    }
    case 0x20:
      erase(addr, kSectorSize, Operation::sector_erase, timing_.sector_erase);
      break;
    case 0x52:
      erase(addr, kBlock32Size, Operation::block_erase_32k, timing_.block_erase_32k);
      break;
    case 0xD8:
      erase(addr, kBlock64Size, Operation::block_erase_64k, timing_.block_erase_64k);
      break;
    case 0xC7:
    case 0x60:
      erase(0, size_, Operation::chip_erase, timing_.chip_erase);
      break;
    default:  // reads and IDs: nothing happens at /CS rising
      break;
  }
}

void W25qFlash::erase(std::uint32_t addr, std::uint32_t len, Operation op, Cycles duration) {
  if (!check_write_enable()) return;
  std::uint32_t start = addr & ~(len - 1);
  for (std::uint32_t i = 0; i < len; ++i) at(start + i) = 0xFF;
  changed(start, len);
  start_operation(op, duration);
}

void W25qFlash::state(StateArchive& ar) {
  // The part of the chip mapped into the CPU's address space is bus memory, saved with it.
  ar.paged("rest", rest_.data(), rest_.size());
  ar.field("sr1", sr1_);
  ar.field("sr2", sr2_);
  ar.field("powered_down", powered_down_);
  ar.field("operation", operation_);
  ar.field("busy_until", busy_until_);
  ar.field("phase", phase_);
  std::int16_t opcode = instruction_ ? instruction_->opcode : -1;
  ar.field("instruction", opcode);
  if (ar.loading()) {
    instruction_ = opcode < 0 ? nullptr : instruction(static_cast<std::uint8_t>(opcode));
    if (opcode >= 0 && !instruction_) ar.bad("instruction", "not an instruction this model knows");
  }
  ar.field("address_count", address_count_);
  ar.field("dummy_left", dummy_left_);
  ar.field("address", address_);
  ar.field("data_in", data_in_);
  ar.field("data_out", data_out_);
  ar.field("page_buffer", page_buffer_);
  ar.field("status_in", status_in_);
}

}  // namespace boardemu
