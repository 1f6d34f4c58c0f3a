// SPI targets, buses, bit-level engines. See spi.hpp.
#include "core/spi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/log.hpp"

namespace boardemu {

// ---- SpiFrameLog ----------------------------------------------------------------------------------

SpiFrameLog::ObserverId SpiFrameLog::observe(Observer observer) {
  ObserverId id = next_id_++;
  observers_.emplace_back(id, std::move(observer));
  return id;
}

void SpiFrameLog::unobserve(ObserverId id) {
  observers_.erase(std::remove_if(observers_.begin(), observers_.end(),
                                  [id](const auto& o) { return o.first == id; }),
                   observers_.end());
}

void SpiFrameLog::begin(const std::string& target, unsigned cs, Cycles now) {
  open_ = observed();
  if (!open_) return;
  frame_.target = target;
  frame_.cs = cs;
  frame_.mosi.clear();
  frame_.miso.clear();
  frame_.start = now;
  frame_.end = now;
}

void SpiFrameLog::byte(std::uint8_t mosi, std::uint8_t miso) {
  if (!open_) return;
  frame_.mosi.push_back(mosi);
  frame_.miso.push_back(miso);
}

void SpiFrameLog::end(Cycles now) {
  if (!open_) return;
  open_ = false;
  frame_.end = now;
  auto observers = observers_;  // an observer may unobserve while being told
  for (auto& [id, observer] : observers) observer(frame_);
}

// ---- SpiBus ---------------------------------------------------------------------------------------

SpiBus::SpiBus(std::string name, Scheduler* scheduler)
    : name_(std::move(name)), scheduler_(scheduler) {}

void SpiBus::attach(unsigned cs, SpiTarget& target, std::string target_name) {
  if (targets_.count(cs))
    throw std::invalid_argument("spi bus " + name_ + ": chip select " + std::to_string(cs) +
                                " already has a target (" + targets_.at(cs).name + ")");
  targets_.emplace(cs, Slot{&target, std::move(target_name)});
}

void SpiBus::detach(unsigned cs) {
  if (!targets_.count(cs)) return;
  if (selected_ == cs) deselect();
  targets_.erase(cs);
}

void SpiBus::select(unsigned cs) {
  if (selected_ == cs) return;  // already asserted: no edge
  if (selected_) {
    BE_LOG(guest_error,
           "spi bus {}: chip select {} asserted while {} still is: releasing {} first", name_, cs,
           *selected_, *selected_);
    deselect();
  }
  selected_ = cs;
  auto it = targets_.find(cs);
  log_.begin(it == targets_.end() ? std::string() : it->second.name, cs, now());
  if (it != targets_.end()) it->second.target->select();
}

std::uint8_t SpiBus::exchange(std::uint8_t mosi) {
  if (!selected_) {
    BE_LOG(guest_error, "spi bus {}: byte 0x{:02x} clocked with no chip select asserted", name_,
           mosi);
    return 0xFF;
  }
  auto it = targets_.find(*selected_);
  std::uint8_t miso = it == targets_.end() ? 0xFF : it->second.target->exchange(mosi);
  log_.byte(mosi, miso);
  return miso;
}

void SpiBus::deselect() {
  if (!selected_) return;
  auto it = targets_.find(*selected_);
  selected_.reset();
  if (it != targets_.end()) it->second.target->deselect();
  log_.end(now());
}

std::vector<std::uint8_t> SpiBus::transfer(unsigned cs, std::span<const std::uint8_t> mosi) {
  std::vector<std::uint8_t> miso;
  miso.reserve(mosi.size());
  select(cs);
  for (std::uint8_t b : mosi) miso.push_back(exchange(b));
  deselect();
  return miso;
}

// ---- BitBangSpi -----------------------------------------------------------------------------------

BitBangSpi::BitBangSpi(std::string name, Scheduler* scheduler, SpiTarget& target,
                       SpiFormat format)
    : name_(std::move(name)),
      scheduler_(scheduler),
      target_(target),
      format_(format),
      sck_(name_ + ".SCK", scheduler),
      mosi_(name_ + ".MOSI", scheduler),
      miso_(name_ + ".MISO", scheduler),
      cs_(name_ + ".CS", scheduler) {
  sck_high_ = sck_.is_high();
  cs_.on_change([this](Level level) { on_cs(level); });
  sck_.on_change([this](Level level) { on_sck(level); });
}

BitBangSpi::~BitBangSpi() {
  // The pins leave their nets as they are destroyed; nothing here may react to that.
  cs_.on_change(nullptr);
  sck_.on_change(nullptr);
}

void BitBangSpi::on_cs(Level level) {
  bool asserted = level == Level::low;
  if (asserted && !selected_) {
    begin_frame();
  } else if (!asserted && selected_) {
    if (level != Level::high)
      BE_LOG(guest_error, "{}: CS {} during a frame: taken as released", name_, to_string(level));
    end_frame();
  }
}

void BitBangSpi::on_sck(Level level) {
  if (level != Level::high && level != Level::low) {
    if (selected_)
      BE_LOG(guest_error, "{}: SCK {} while selected: no clock edge", name_, to_string(level));
    return;
  }
  bool high = level == Level::high;
  if (high == sck_high_) return;
  sck_high_ = high;
  if (!selected_) return;
  if (high == format_.samples_on_rising_edge())
    sample();
  else
    drive_bit();
}

void BitBangSpi::begin_frame() {
  selected_ = true;
  bit_ = 0;
  rx_ = 0;
  tx_loaded_ = false;
  mosi_warned_ = false;
  Level clock = sck_.level();
  if (clock == Level::high || clock == Level::low) sck_high_ = clock == Level::high;
  if (!format_.either_clock_polarity && clock != (format_.cpol() ? Level::high : Level::low))
    BE_LOG(guest_error, "{}: SCK is {} when CS falls, but SPI mode {} idles it {}", name_,
           to_string(clock), static_cast<unsigned>(format_.mode), format_.cpol() ? "high" : "low");
  log_.begin(name_, 0, now());
  target_.select();
  drive_bit();  // the first bit is on MISO before the first clock edge
}

void BitBangSpi::end_frame() {
  if (bit_ != 0)
    BE_LOG(guest_error, "{}: CS released {} bits into a byte: those bits are dropped", name_,
           bit_);
  selected_ = false;
  target_.deselect();
  miso_.drive(Drive::off);
  log_.end(now());
}

void BitBangSpi::sample() {
  Level level = mosi_.level();
  if (level != Level::high && level != Level::low && !mosi_warned_) {
    BE_LOG(guest_error, "{}: MOSI {} when sampled: read as 1", name_, to_string(level));
    mosi_warned_ = true;
  }
  if (!tx_loaded_) {
    tx_ = target_.shift_out();
    tx_loaded_ = true;
  }
  if (level != Level::low) rx_ |= static_cast<std::uint8_t>(1u << bit_position(bit_));
  if (++bit_ < 8) return;
  std::uint8_t rx = rx_, tx = tx_;
  bit_ = 0;
  rx_ = 0;
  tx_loaded_ = false;
  target_.shift_in(rx);
  log_.byte(rx, tx);
}

void BitBangSpi::drive_bit() {
  if (!tx_loaded_) {
    tx_ = target_.shift_out();
    tx_loaded_ = true;
  }
  miso_.set(((tx_ >> bit_position(bit_)) & 1) != 0);
}

// ---- BitBangSpiController ---------------------------------------------------------------------------

BitBangSpiController::BitBangSpiController(std::string name, Scheduler* scheduler,
                                           SpiFormat format, unsigned chip_selects,
                                           Cycles half_period)
    : scheduler_(scheduler),
      format_(format),
      half_period_(half_period),
      sck_(name + ".SCK", scheduler),
      mosi_(name + ".MOSI", scheduler),
      miso_(name + ".MISO", scheduler) {
  for (unsigned i = 0; i < chip_selects; ++i) {
    cs_.push_back(std::make_unique<Pin>(name + ".CS" + std::to_string(i), scheduler));
    cs_.back()->set(true);
  }
  sck_.set(format_.cpol());
  mosi_.set(false);
}

void BitBangSpiController::set_format(SpiFormat format) {
  format_ = format;
  sck_.set(format_.cpol());
}

void BitBangSpiController::wait() {
  if (!scheduler_ || half_period_ == 0) return;
  scheduler_->advance(half_period_);
  scheduler_->run_due();
}

void BitBangSpiController::select(unsigned index) {
  wait();
  cs(index).set(false);
  wait();
}

void BitBangSpiController::deselect(unsigned index) {
  wait();
  cs(index).set(true);
  wait();
}

bool BitBangSpiController::sample_miso() {
  Level level = miso_.level();
  if (level == Level::low) return false;
  if (level != Level::high) ++undefined_samples_;
  return true;
}

std::uint8_t BitBangSpiController::exchange(std::uint8_t out) {
  const bool idle = format_.cpol();
  std::uint8_t in = 0;
  for (unsigned i = 0; i < 8; ++i) {
    unsigned pos = format_.order == BitOrder::msb_first ? 7 - i : i;
    bool bit = ((out >> pos) & 1) != 0;
    bool miso_bit;
    if (!format_.cpha()) {
      mosi_.set(bit);  // on the line before the leading edge
      wait();
      sck_.set(!idle);  // leading edge: both sides sample
      miso_bit = sample_miso();
      wait();
      sck_.set(idle);  // trailing edge: both sides shift
    } else {
      wait();
      sck_.set(!idle);  // leading edge: both sides shift
      mosi_.set(bit);
      wait();
      sck_.set(idle);  // trailing edge: both sides sample
      miso_bit = sample_miso();
    }
    if (miso_bit) in |= static_cast<std::uint8_t>(1u << pos);
  }
  return in;
}

std::vector<std::uint8_t> BitBangSpiController::transfer(unsigned cs,
                                                         std::span<const std::uint8_t> out) {
  std::vector<std::uint8_t> in;
  in.reserve(out.size());
  select(cs);
  for (std::uint8_t b : out) in.push_back(exchange(b));
  deselect(cs);
  return in;
}

// ---- SpiMonitor ------------------------------------------------------------------------------------

SpiMonitor::SpiMonitor(Net& sck, Net& mosi, Net& miso, Net& cs, const Scheduler* clock, SpiFormat format)
    : sck_(sck), mosi_(mosi), miso_(miso), cs_(cs), clock_(clock), format_(format), sck_high_(sck.level() == Level::high) {
  sck_id_ = sck_.observe([this](const Net&, Level level, Cycles) { sck_changed(level); });
  cs_id_ = cs_.observe([this](const Net&, Level level, Cycles) { cs_changed(level); });
  if (cs_.level() == Level::low) cs_changed(Level::low);
}

SpiMonitor::~SpiMonitor() {
  sck_.unobserve(sck_id_);
  cs_.unobserve(cs_id_);
}

void SpiMonitor::cs_changed(Level level) {
  const Cycles now = clock_ ? clock_->now() : 0;
  if (level == Level::low && !selected_) {
    selected_ = true;
    bits_ = 0;
    current_ = SpiFrame{};
    current_.start = now;
  } else if (level != Level::low && selected_) {
    selected_ = false;
    current_.end = now;
    done_.push_back(std::move(current_));
    current_ = SpiFrame{};
  }
}

void SpiMonitor::sck_changed(Level level) {
  const bool high = level == Level::high;
  if (high == sck_high_) return;
  sck_high_ = high;
  if (!selected_ || high != format_.samples_on_rising_edge()) return;
  const bool o = mosi_.level() == Level::high, i = miso_.level() == Level::high;
  if (format_.order == BitOrder::msb_first) {
    out_ = static_cast<std::uint8_t>(out_ << 1 | o);
    in_ = static_cast<std::uint8_t>(in_ << 1 | i);
  } else {
    out_ = static_cast<std::uint8_t>(out_ >> 1 | (o ? 0x80 : 0));
    in_ = static_cast<std::uint8_t>(in_ >> 1 | (i ? 0x80 : 0));
  }
  if (++bits_ == 8) {
    current_.mosi.push_back(out_);
    current_.miso.push_back(in_);
    bits_ = 0;
  }
}

std::vector<std::string> SpiMonitor::lines() const {
  std::vector<std::string> out;
  for (const SpiFrame& f : done_) {
    std::string line = "MOSI";
    for (std::uint8_t b : f.mosi) line += fmt::format(" {:02X}", b);
    line += " MISO";
    for (std::uint8_t b : f.miso) line += fmt::format(" {:02X}", b);
    out.push_back(line);
  }
  return out;
}

void SpiFrameLog::state(StateArchive& ar) {
  ar.field("open", open_);
  ar.field("target", frame_.target);
  ar.field("cs", frame_.cs);
  ar.field("mosi", frame_.mosi);
  ar.field("miso", frame_.miso);
  ar.field("start", frame_.start);
  ar.field("end", frame_.end);
}

void BitBangSpi::state(StateArchive& ar) {
  // Its pins are the machine's to restore (they sit on nets).
  log_.state(ar);
  ar.field("selected", selected_);
  ar.field("sck_high", sck_high_);
  ar.field("bit", bit_);
  ar.field("rx", rx_);
  ar.field("tx", tx_);
  ar.field("tx_loaded", tx_loaded_);
  ar.field("mosi_warned", mosi_warned_);
}

}  // namespace boardemu
