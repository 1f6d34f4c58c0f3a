#include "core/i2c.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/log.hpp"

namespace boardemu {

std::string_view to_string(I2cDirection d) { return d == I2cDirection::read ? "R" : "W"; }
std::string_view to_string(I2cAck a) { return a == I2cAck::ack ? "A" : "N"; }

std::string to_string(const I2cTransaction& t) {
  std::string s = fmt::format("{} 0x{:02X} {} {}", t.repeated ? "Sr" : "S", t.address, to_string(t.direction),
                              to_string(t.address_ack));
  for (std::size_t i = 0; i < t.data.size(); ++i) {
    s += fmt::format(" {:02X}", t.data[i]);
    if (i < t.acks.size()) s += fmt::format(" {}", to_string(t.acks[i]));
  }
  if (t.ended_by == I2cTransaction::End::stop) s += " P";
  return s;
}

// ---- I2cBus -------------------------------------------------------------------------------------

I2cBus::I2cBus(std::string name, const Scheduler* clock) : name_(std::move(name)), clock_(clock) {}

void I2cBus::attach(std::uint8_t address, I2cTarget& target, std::string target_name) {
  if (address == 0 || address > 0x7F)
    throw std::invalid_argument(fmt::format(
        "i2c bus {}: {} cannot attach at address 0x{:02X}: a 7-bit target address is 0x01..0x7F (0x00 is the "
        "general call address, UM10204 3.1.12)",
        name_, target_name, address));
  auto it = targets_.find(address);
  if (it != targets_.end())
    throw std::invalid_argument(fmt::format("i2c bus {}: address 0x{:02X} is taken by {}; {} cannot attach there",
                                            name_, address, it->second.name, target_name));
  targets_.emplace(address, Attachment{&target, std::move(target_name)});
}

void I2cBus::detach(I2cTarget& target) {
  if (current_ == &target) {
    // Its message ends as if by STOP: the part is being taken off the board.
    target.stop();
    current_ = nullptr;
  }
  std::erase_if(targets_, [&](const auto& kv) { return kv.second.target == &target; });
}

I2cTarget* I2cBus::target_at(std::uint8_t address) const {
  auto it = targets_.find(address);
  return it == targets_.end() ? nullptr : it->second.target;
}

std::vector<std::uint8_t> I2cBus::addresses() const {
  std::vector<std::uint8_t> out;
  for (const auto& [address, a] : targets_) out.push_back(address);
  return out;
}

void I2cBus::end_message(I2cTransaction::End how) {
  message_.end = now();
  message_.ended_by = how;
  active_ = false;
  awaiting_read_ack_ = false;
  read_nacked_ = false;
  auto observers = observers_;  // an observer may unobserve while being told
  for (auto& [id, observer] : observers) observer(message_);
}

void I2cBus::repeated_start() {
  if (!active_) return;
  if (current_) current_->repeated_start();
  current_ = nullptr;
  end_message(I2cTransaction::End::repeated_start);
  after_repeated_start_ = true;
}

I2cAck I2cBus::start(std::uint8_t address, I2cDirection direction) {
  if (active_) repeated_start();
  address &= 0x7F;
  message_ = I2cTransaction{};
  message_.address = address;
  message_.direction = direction;
  message_.repeated = after_repeated_start_;
  message_.start = now();
  after_repeated_start_ = false;
  active_ = true;
  auto it = targets_.find(address);
  I2cAck ack = I2cAck::nack;
  if (it != targets_.end()) {
    message_.target = it->second.name;
    ack = it->second.target->start(direction);
    if (ack == I2cAck::ack) current_ = it->second.target;
  }
  message_.address_ack = ack;
  return ack;
}

I2cAck I2cBus::write(std::uint8_t byte) {
  if (!active_ || message_.direction != I2cDirection::write) {
    BE_LOG(guest_error, "i2c bus {}: a byte written {}: NACKed", name_,
           active_ ? "during a read message" : "outside a message");
    return I2cAck::nack;
  }
  I2cAck ack = current_ ? current_->write(byte) : I2cAck::nack;
  message_.data.push_back(byte);
  message_.acks.push_back(ack);
  return ack;
}

std::uint8_t I2cBus::read() {
  if (!active_ || message_.direction != I2cDirection::read) {
    BE_LOG(guest_error, "i2c bus {}: a byte read {}: 0xFF", name_,
           active_ ? "during a write message" : "outside a message");
    return 0xFF;
  }
  if (awaiting_read_ack_) read_ack(I2cAck::ack);  // asking for another byte is an ACK
  std::uint8_t byte = (current_ && !read_nacked_) ? current_->read() : 0xFF;
  message_.data.push_back(byte);
  awaiting_read_ack_ = true;
  return byte;
}

void I2cBus::read_ack(I2cAck ack) {
  if (!awaiting_read_ack_) return;  // no byte to answer (a controller model's slip): nothing to tell
  awaiting_read_ack_ = false;
  message_.acks.push_back(ack);
  if (current_ && !read_nacked_) current_->read_ack(ack);
  if (ack == I2cAck::nack) read_nacked_ = true;
}

std::uint8_t I2cBus::read(I2cAck reply) {
  std::uint8_t byte = read();
  read_ack(reply);
  return byte;
}

void I2cBus::stop() {
  after_repeated_start_ = false;
  if (!active_) return;
  if (current_) current_->stop();
  current_ = nullptr;
  end_message(I2cTransaction::End::stop);
}

I2cBus::ObserverId I2cBus::observe(Observer observer) {
  ObserverId id = next_observer_++;
  observers_.emplace_back(id, std::move(observer));
  return id;
}

void I2cBus::unobserve(ObserverId id) {
  std::erase_if(observers_, [id](const auto& o) { return o.first == id; });
}

// ---- I2cTransactionLog --------------------------------------------------------------------------

I2cTransactionLog::I2cTransactionLog(I2cBus& bus) : bus_(bus) {
  id_ = bus_.observe([this](const I2cTransaction& t) { transactions_.push_back(t); });
}

I2cTransactionLog::~I2cTransactionLog() { bus_.unobserve(id_); }

std::vector<std::string> I2cTransactionLog::lines() const {
  std::vector<std::string> out;
  for (const auto& t : transactions_) out.push_back(to_string(t));
  return out;
}

// ---- BitBangI2c ---------------------------------------------------------------------------------

BitBangI2c::BitBangI2c(std::string name, I2cBus& bus, Scheduler* scheduler)
    : name_(std::move(name)), bus_(bus), sda_(name_ + ".SDA", scheduler), scl_(name_ + ".SCL", scheduler) {
  sda_.on_change([this](Level l) { on_sda(l); });
  scl_.on_change([this](Level l) { on_scl(l); });
}

BitBangI2c::~BitBangI2c() {
  // The pins leave their nets after this: nothing may call back into a half-destroyed engine.
  sda_.on_change(nullptr);
  scl_.on_change(nullptr);
}

void BitBangI2c::invalid_level(const char* line, Level level) {
  if (phase_ != Phase::idle)
    BE_LOG(guest_error, "i2c {}: {} is {} during a message (no pull-up?); its last level is kept", name_, line,
           to_string(level));
}

void BitBangI2c::on_sda(Level level) {
  if (level != Level::low && level != Level::high) return invalid_level("SDA", level);
  bool high = level == Level::high;
  if (high == sda_high_) return;
  sda_high_ = high;
  if (!scl_high_) return;  // SDA set up for the next bit while SCL is low
  if (high)
    stop_condition();
  else
    start_condition();
}

void BitBangI2c::on_scl(Level level) {
  if (level != Level::low && level != Level::high) return invalid_level("SCL", level);
  bool high = level == Level::high;
  if (high == scl_high_) return;
  scl_high_ = high;
  if (high)
    scl_rose();
  else
    scl_fell();
}

void BitBangI2c::log_interrupted_byte(const char* condition) {
  // A condition comes while SCL is high, after the rising edge that sampled one more "bit": a STOP
  // or Sr always begins with that one clock pulse. Only bits before it are a byte cut short.
  if (phase_ == Phase::receive && bits_ >= 2)
    BE_LOG(guest_error, "i2c {}: {} after {} bits of a byte: the partial byte is dropped", name_, condition,
           bits_ - 1);
  else if (phase_ == Phase::transmit)
    BE_LOG(guest_error,
           "i2c {}: {} while the target sends a byte: the controller did not NACK the last byte it read "
           "(UM10204 3.1.6)",
           name_, condition);
}

void BitBangI2c::start_condition() {
  log_interrupted_byte(phase_ == Phase::idle ? "START" : "repeated START");
  sda_.drive(Drive::off);
  if (bus_.active()) bus_.repeated_start();
  begin_receive(/*address_byte=*/true);
}

void BitBangI2c::stop_condition() {
  if (phase_ == Phase::idle) return;  // a STOP on an idle bus (e.g. a bus-clear sequence)
  log_interrupted_byte("STOP");
  sda_.drive(Drive::off);
  phase_ = Phase::idle;
  if (bus_.active()) bus_.stop();
}

void BitBangI2c::begin_receive(bool address_byte) {
  phase_ = Phase::receive;
  address_byte_ = address_byte;
  bits_ = 0;
  shift_ = 0;
}

void BitBangI2c::scl_rose() {
  switch (phase_) {
    case Phase::receive:
      if (bits_ < 8) shift_ = static_cast<std::uint8_t>(shift_ << 1 | (sda_high_ ? 1 : 0));
      ++bits_;
      break;
    case Phase::ack_in:
      answer_ = sda_high_ ? I2cAck::nack : I2cAck::ack;
      break;
    default:  // ack_out / transmit: the controller samples what the engine holds on SDA
      break;
  }
}

void BitBangI2c::scl_fell() {
  switch (phase_) {
    case Phase::receive:
      if (bits_ == 8) byte_received();
      break;
    case Phase::ack_out:
      ack_clock_done();
      break;
    case Phase::transmit:
      if (++bits_ < 8) {
        put_bit();
      } else {
        sda_.drive(Drive::off);  // the 9th clock is the controller's
        phase_ = Phase::ack_in;
      }
      break;
    case Phase::ack_in:
      bus_.read_ack(answer_);
      if (answer_ == I2cAck::ack) {
        begin_transmit();
      } else {
        phase_ = Phase::ignore;
      }
      break;
    case Phase::idle:
    case Phase::ignore:
      break;
  }
}

void BitBangI2c::byte_received() {
  if (address_byte_) {
    read_ = (shift_ & 1) != 0;
    answer_ = bus_.start(static_cast<std::uint8_t>(shift_ >> 1), read_ ? I2cDirection::read : I2cDirection::write);
  } else {
    answer_ = bus_.write(shift_);
  }
  phase_ = Phase::ack_out;
  sda_.drive(answer_ == I2cAck::ack ? Drive::low : Drive::off);
}

void BitBangI2c::ack_clock_done() {
  sda_.drive(Drive::off);
  if (!address_byte_) {
    begin_receive(false);  // a NACKed data byte too: the target decides again for the next one
  } else if (answer_ == I2cAck::nack) {
    phase_ = Phase::ignore;
  } else if (read_) {
    begin_transmit();
  } else {
    begin_receive(false);
  }
}

void BitBangI2c::begin_transmit() {
  phase_ = Phase::transmit;
  bits_ = 0;
  shift_ = bus_.read();
  put_bit();
}

void BitBangI2c::put_bit() {
  bool one = (shift_ >> (7 - bits_)) & 1;
  sda_.drive(one ? Drive::off : Drive::low);
}

// ---- I2cBitBangController -----------------------------------------------------------------------

I2cBitBangController::I2cBitBangController(std::string name, Scheduler* scheduler, Cycles half_period,
                                           Cycles max_stretch)
    : name_(std::move(name)),
      scheduler_(scheduler),
      half_period_(half_period),
      max_stretch_(max_stretch),
      sda_(name_ + ".SDA", scheduler),
      scl_(name_ + ".SCL", scheduler) {}

void I2cBitBangController::delay() {
  if (!scheduler_ || half_period_ == 0) return;
  scheduler_->advance(half_period_);
  scheduler_->run_due();
}

void I2cBitBangController::release_scl() {
  scl_.drive(Drive::off);
  Cycles waited = 0;
  while (!scl_is_high()) {
    if (!scheduler_ || half_period_ == 0 || waited >= max_stretch_)
      throw std::runtime_error(fmt::format("i2c controller {}: SCL stays {} after release{}", name_,
                                           to_string(scl_.level()),
                                           scl_.level() == Level::floating ? " (no pull-up?)" : ""));
    delay();
    waited += half_period_;
  }
}

void I2cBitBangController::set_sda(bool high) { sda_.drive(high ? Drive::off : Drive::low); }

void I2cBitBangController::set_scl(bool high) {
  if (high)
    release_scl();
  else
    scl_.drive(Drive::low);
}

void I2cBitBangController::start() {
  set_sda(true);  // SCL is low within a message, high on an idle bus: no condition either way
  release_scl();
  delay();
  if (!sda_is_high())
    throw std::runtime_error(fmt::format("i2c controller {}: SDA is held {}: no START possible", name_,
                                         to_string(sda_.level())));
  set_sda(false);
  delay();
  scl_.drive(Drive::low);
}

void I2cBitBangController::stop() {
  scl_.drive(Drive::low);
  set_sda(false);
  delay();
  release_scl();
  delay();
  set_sda(true);
  if (!sda_is_high())
    throw std::runtime_error(fmt::format("i2c controller {}: SDA is held {}: no STOP possible", name_,
                                         to_string(sda_.level())));
  delay();
}

I2cAck I2cBitBangController::write_byte(std::uint8_t byte) {
  for (int bit = 7; bit >= 0; --bit) {
    set_sda((byte >> bit) & 1);
    delay();
    release_scl();
    delay();
    scl_.drive(Drive::low);
  }
  set_sda(true);
  delay();
  release_scl();
  I2cAck ack = sda_.level() == Level::low ? I2cAck::ack : I2cAck::nack;
  delay();
  scl_.drive(Drive::low);
  return ack;
}

std::uint8_t I2cBitBangController::read_byte(I2cAck reply) {
  set_sda(true);
  std::uint8_t byte = 0;
  for (int bit = 7; bit >= 0; --bit) {
    delay();
    release_scl();
    byte = static_cast<std::uint8_t>(byte << 1 | (sda_is_high() ? 1 : 0));
    delay();
    scl_.drive(Drive::low);
  }
  set_sda(reply == I2cAck::nack);
  delay();
  release_scl();
  delay();
  scl_.drive(Drive::low);
  set_sda(true);
  return byte;
}

I2cAck I2cBitBangController::write(std::uint8_t address, std::span<const std::uint8_t> data, bool send_stop) {
  start();
  I2cAck ack = write_byte(static_cast<std::uint8_t>(address << 1));
  for (std::size_t i = 0; ack == I2cAck::ack && i < data.size(); ++i) ack = write_byte(data[i]);
  if (send_stop) stop();
  return ack;
}

I2cAck I2cBitBangController::read(std::uint8_t address, std::span<std::uint8_t> out, bool send_stop) {
  start();
  I2cAck ack = write_byte(static_cast<std::uint8_t>(address << 1 | 1));
  if (ack == I2cAck::ack)
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = read_byte(i + 1 < out.size() ? I2cAck::ack : I2cAck::nack);
  if (send_stop) stop();
  return ack;
}

// ---- I2cMonitor ------------------------------------------------------------------------------

I2cMonitor::I2cMonitor(Net& scl, Net& sda, const Scheduler* clock)
    : scl_(scl), sda_(sda), clock_(clock), scl_high_(scl.level() == Level::high), sda_high_(sda.level() == Level::high) {
  scl_id_ = scl_.observe([this](const Net&, Level level, Cycles) { scl_changed(level); });
  sda_id_ = sda_.observe([this](const Net&, Level level, Cycles) { sda_changed(level); });
}

I2cMonitor::~I2cMonitor() {
  scl_.unobserve(scl_id_);
  sda_.unobserve(sda_id_);
}

std::vector<std::string> I2cMonitor::lines() const {
  std::vector<std::string> out;
  for (const auto& t : done_) out.push_back(to_string(t));
  return out;
}

void I2cMonitor::end(I2cTransaction::End how) {
  if (!open_) return;
  if (have_address_) {
    current_.end = clock_ ? clock_->now() : 0;
    current_.ended_by = how;
    done_.push_back(current_);
    if (observer_) observer_(done_.back());
  }
  open_ = false;
}

void I2cMonitor::sda_changed(Level level) {
  bool high = level == Level::high;
  if (high == sda_high_) return;
  sda_high_ = high;
  // SCL's level now, not the last one this monitor heard: a target that answers an SCL edge
  // (releasing SDA after SCL fell) changes SDA before the SCL net's observers are told.
  if (scl_.level() != Level::high) return;  // data changing while SCL is low: not a condition
  if (!high) {
    // START, or a repeated START if a message is open.
    bool repeated = open_;
    end(I2cTransaction::End::repeated_start);
    open_ = true;
    repeated_ = repeated;
    bits_ = 0;
    shift_ = 0;
    have_address_ = false;
    current_ = I2cTransaction{};
    current_.repeated = repeated_;
  } else {
    end(I2cTransaction::End::stop);
  }
}

void I2cMonitor::scl_changed(Level level) {
  bool high = level == Level::high;
  if (high == scl_high_) return;
  scl_high_ = high;
  if (!high || !open_) return;
  // SCL rose: sample SDA.
  sda_high_ = sda_.level() == Level::high;
  if (bits_ < 8) {
    shift_ = static_cast<std::uint8_t>((shift_ << 1) | (sda_high_ ? 1 : 0));
    ++bits_;
    return;
  }
  I2cAck ack = sda_high_ ? I2cAck::nack : I2cAck::ack;
  if (!have_address_) {
    have_address_ = true;
    current_.address = shift_ >> 1;
    current_.direction = (shift_ & 1) ? I2cDirection::read : I2cDirection::write;
    current_.address_ack = ack;
    current_.start = clock_ ? clock_->now() : 0;
  } else {
    current_.data.push_back(shift_);
    current_.acks.push_back(ack);
  }
  bits_ = 0;
  shift_ = 0;
}

void I2cBus::state(StateArchive& ar) {
  ar.field("active", active_);
  ar.field("after_repeated_start", after_repeated_start_);
  // The addressed target by its address (-1: none).
  std::int16_t current = -1;
  for (auto& [address, a] : targets_)
    if (a.target == current_) current = address;
  ar.field("current", current);
  if (ar.loading()) {
    current_ = nullptr;
    if (current >= 0) {
      auto it = targets_.find(static_cast<std::uint8_t>(current));
      if (it == targets_.end()) ar.bad("current", "no target at that address on this bus");
      current_ = it->second.target;
    }
  }
  ar.field("awaiting_read_ack", awaiting_read_ack_);
  ar.field("read_nacked", read_nacked_);
  transaction_state(ar, message_);
}

void BitBangI2c::state(StateArchive& ar) {
  // Its pins are the machine's to restore (they sit on nets).
  ar.field("sda_high", sda_high_);
  ar.field("scl_high", scl_high_);
  ar.field("phase", phase_);
  ar.field("address_byte", address_byte_);
  ar.field("read", read_);
  ar.field("bits", bits_);
  ar.field("shift", shift_);
  ar.field("answer", answer_);
}

void transaction_state(StateArchive& ar, I2cTransaction& t) {
  ar.field("address", t.address);
  ar.field("direction", t.direction);
  ar.field("address_ack", t.address_ack);
  ar.field("repeated", t.repeated);
  ar.field("target", t.target);
  ar.field("data", t.data);
  ar.field("acks", t.acks);
  ar.field("start", t.start);
  ar.field("end", t.end);
  ar.field("ended_by", t.ended_by);
}

}  // namespace boardemu
