// ESP8266 HSPI (SPI1) controller: ESP8266 Technical Reference (Espressif), SPI chapter; SDK
// spi_register.h. See esp8266_hspi.hpp for what is modelled.
#include "spi/esp8266_hspi.hpp"

#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/bus.hpp"
#include "core/log.hpp"
#include "core/net.hpp"
#include "gpio/esp8266_gpio.hpp"

namespace boardemu {

namespace {

using H = Esp8266Hspi;

Esp8266Gpio& find_gpio(const DeviceContext& ctx, const std::string& name) {
  if (name.empty())
    throw std::invalid_argument("params.gpio: required (the esp8266-gpio device whose pads carry "
                                "the HSPI signals)");
  if (!ctx.bus) throw std::invalid_argument("params.gpio: '" + name + "' cannot be found (no bus)");
  for (auto& m : ctx.bus->mmio()) {
    if (!m->device || m->device->name() != name) continue;
    auto* gpio = dynamic_cast<Esp8266Gpio*>(m->device);
    if (!gpio) throw std::invalid_argument("params.gpio: '" + name + "' is not an esp8266-gpio");
    return *gpio;
  }
  throw std::invalid_argument("params.gpio: no device named '" + name +
                              "' before this one in the board file");
}

Scheduler& scheduler_of(const DeviceContext& ctx, const std::string& name) {
  if (!ctx.scheduler) throw std::invalid_argument(name + ": no scheduler");
  return *ctx.scheduler;
}

}  // namespace

Esp8266Hspi::Params Esp8266Hspi::parse_params(const std::map<std::string, std::string>& params) {
  ParamReader r("esp8266-hspi", params);
  Params p;
  p.gpio = r.text("gpio");
  r.finish();
  return p;
}

Esp8266Hspi::Esp8266Hspi(std::string name, const DeviceContext& ctx, const Params& params)
    : Esp8266Hspi(name, scheduler_of(ctx, name), ctx.cpu_hz,
                  ctx.clock_hz ? ctx.clock_hz : ctx.cpu_hz, find_gpio(ctx, params.gpio)) {}

Esp8266Hspi::Esp8266Hspi(std::string name, Scheduler& scheduler, std::uint64_t cpu_hz,
                         std::uint64_t apb_hz, Esp8266Gpio& gpio)
    : Device(std::move(name)),
      sched_(scheduler),
      cpu_hz_(cpu_hz),
      apb_hz_(apb_hz),
      gpio_(gpio),
      regs_(this->name(), [this] {
        std::vector<RegisterSpec> specs = {
            {.offset = H::SPI_CMD, .name = "SPI_CMD", .writable = 0xFFFC0000,
             .on_write = [this](std::uint32_t old, std::uint32_t written) {
               std::uint32_t& cmd = regs_[SPI_CMD];
               if (busy_) {
                 cmd = old;
                 if (written & CMD_USR)
                   BE_LOG(guest_error, "{}: SPI_USR written while a transaction runs: ignored",
                          this->name());
                 return;
               }
               if (written & 0xFFF80000u)
                 BE_LOG(unimp, "{}: SPI_CMD 0x{:08x}: the flash commands are not modelled on "
                        "HSPI; cleared", this->name(), written);
               cmd = 0;
               if (written & CMD_USR) start();
             }},
            {.offset = H::SPI_ADDR, .name = "SPI_ADDR"},
            {.offset = H::SPI_CTRL, .name = "SPI_CTRL"},
            {.offset = H::SPI_CTRL1, .name = "SPI_CTRL1"},
            {.offset = H::SPI_RD_STATUS, .name = "SPI_RD_STATUS"},
            {.offset = H::SPI_CTRL2, .name = "SPI_CTRL2"},
            {.offset = H::SPI_CLOCK, .name = "SPI_CLOCK"},
            {.offset = H::SPI_USER, .name = "SPI_USER"},
            {.offset = H::SPI_USER1, .name = "SPI_USER1"},
            {.offset = H::SPI_USER2, .name = "SPI_USER2", .writable = 0xF000FFFF},
            {.offset = H::SPI_WR_STATUS, .name = "SPI_WR_STATUS"},
            {.offset = H::SPI_PIN, .name = "SPI_PIN",
             .on_write = [this](std::uint32_t, std::uint32_t) {
               if (!busy_) drive_idle();
             }},
            {.offset = H::SPI_SLAVE, .name = "SPI_SLAVE",
             .on_write = [this](std::uint32_t, std::uint32_t) { update_irq(); }},
            {.offset = H::SPI_SLAVE1, .name = "SPI_SLAVE1"},
            {.offset = H::SPI_SLAVE2, .name = "SPI_SLAVE2"},
            {.offset = H::SPI_SLAVE3, .name = "SPI_SLAVE3"},
        };
        static const char* const kW[16] = {"SPI_W0",  "SPI_W1",  "SPI_W2",  "SPI_W3",
                                           "SPI_W4",  "SPI_W5",  "SPI_W6",  "SPI_W7",
                                           "SPI_W8",  "SPI_W9",  "SPI_W10", "SPI_W11",
                                           "SPI_W12", "SPI_W13", "SPI_W14", "SPI_W15"};
        for (unsigned i = 0; i < 16; ++i)
          specs.push_back({.offset = H::SPI_W0 + 4 * i, .name = kW[i]});
        static const char* const kExt[4] = {"SPI_EXT0", "SPI_EXT1", "SPI_EXT2", "SPI_EXT3"};
        for (unsigned i = 0; i < 4; ++i)
          specs.push_back({.offset = H::SPI_EXT0 + 4 * i, .name = kExt[i]});
        return specs;
      }()),
      step_event_(sched_, this->name() + ".step", [this](Cycles) { run_due(); }) {
  if (cpu_hz_ == 0 || apb_hz_ == 0) throw std::invalid_argument(this->name() + ": no clock");
  gpio_.connect_function(kMisoPad, kPadFunction);
  gpio_.connect_function(kMosiPad, kPadFunction);
  gpio_.connect_function(kClkPad, kPadFunction);
  gpio_.connect_function(kCs0Pad, kPadFunction);
  reset();
}

Esp8266Hspi::~Esp8266Hspi() = default;

void Esp8266Hspi::reset() {
  step_event_.cancel();
  busy_ = false;
  actions_.clear();
  regs_.reset();
  gpio_.drive_function(kMosiPad, Drive::low);
  drive_idle();
  update_irq();
}

IrqLine* Esp8266Hspi::irq(std::string_view output) { return output == "irq" ? &irq_ : nullptr; }

std::uint32_t Esp8266Hspi::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266Hspi::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

void Esp8266Hspi::update_irq() {
  std::uint32_t slave = regs_.get(SPI_SLAVE);
  irq_.set((slave & (slave >> 5) & 0x1F) != 0);
}

void Esp8266Hspi::drive_idle() {
  bool idle_high = regs_.get(SPI_PIN) & PIN_IDLE_EDGE;
  gpio_.drive_function(kClkPad, idle_high ? Drive::high : Drive::low);
  gpio_.drive_function(kCs0Pad, Drive::high);
}

void Esp8266Hspi::clock_phases(std::uint64_t& first, std::uint64_t& second) const {
  std::uint32_t clk = regs_.get(SPI_CLOCK);
  if (clk & CLOCK_EQU_SYSCLK) {
    first = second = 1;
    return;
  }
  std::uint64_t pre = ((clk >> 18) & 0x1FFF) + 1;
  std::uint64_t n = (clk >> 12) & 0x3F;
  std::uint64_t h = (clk >> 6) & 0x3F;
  if (n == 0 || h >= n) {
    first = second = pre * (n + 1);  // half the period each, in half APB cycles
    return;
  }
  first = 2 * (h + 1) * pre;
  second = 2 * (n - h) * pre;
}

double Esp8266Hspi::sck_period_cycles() const {
  std::uint64_t first = 0, second = 0;
  clock_phases(first, second);
  return static_cast<double>(first + second) * static_cast<double>(cpu_hz_) /
         (2.0 * static_cast<double>(apb_hz_));
}

std::uint8_t Esp8266Hspi::buffer_byte(unsigned index) const {
  index %= kBufferBytes;
  bool big_endian = regs_.get(SPI_USER) & USER_WR_BYTE_ORDER;
  unsigned shift = big_endian ? 8 * (3 - index % 4) : 8 * (index % 4);
  return static_cast<std::uint8_t>(regs_.get(SPI_W0 + 4 * (index / 4)) >> shift);
}

void Esp8266Hspi::set_buffer_bit(unsigned index, unsigned bit, bool value, bool big_endian) {
  index %= kBufferBytes;
  unsigned shift = (big_endian ? 8 * (3 - index % 4) : 8 * (index % 4)) + bit;
  std::uint32_t& w = regs_[SPI_W0 + 4 * (index / 4)];
  w = (w & ~(1u << shift)) | (std::uint32_t{value} << shift);
}

// ---- a transaction ------------------------------------------------------------------------------

void Esp8266Hspi::start() {
  const std::uint32_t user = regs_.get(SPI_USER);
  const std::uint32_t user1 = regs_.get(SPI_USER1);
  const std::uint32_t user2 = regs_.get(SPI_USER2);
  const std::uint32_t ctrl = regs_.get(SPI_CTRL);
  out_bits_.clear();
  capture_.clear();
  auto clock = [this](bool out, std::int32_t capture) {
    out_bits_.push_back(out ? 1 : 0);
    capture_.push_back(capture);
  };
  if (user & USER_COMMAND) {
    unsigned bits = ((user2 >> 28) & 0xF) + 1;
    unsigned value = user2 & 0xFFFF;
    for (unsigned i = 0; i < bits; ++i) clock((value >> (i < 8 ? 7 - i : 23 - i)) & 1, -1);
  }
  if (user & USER_ADDR) {
    unsigned bits = ((user1 >> 26) & 0x3F) + 1;
    std::uint32_t addr = regs_.get(SPI_ADDR);
    for (unsigned i = 0; i < bits; ++i) clock((addr >> (31 - i)) & 1, -1);
  }
  if (user & USER_DUMMY) {
    unsigned n = (user1 & 0xFF) + 1;
    for (unsigned i = 0; i < n; ++i) clock(false, -1);
  }
  const bool duplex = user & USER_DOUTDIN;
  std::int32_t received = 0;
  if (user & USER_MOSI) {
    unsigned bits = ((user1 >> 17) & 0x1FF) + 1;
    unsigned base = (user & USER_MOSI_HIGHPART) ? 32 : 0;
    bool lsb_first = ctrl & CTRL_WR_BIT_ORDER;
    for (unsigned k = 0; k < bits; ++k) {
      std::uint8_t byte = buffer_byte(base + k / 8);
      unsigned b = lsb_first ? k % 8 : 7 - k % 8;
      clock((byte >> b) & 1, duplex ? received++ : -1);
    }
  }
  if ((user & USER_MISO) && !duplex) {
    unsigned bits = ((user1 >> 8) & 0x1FF) + 1;
    for (unsigned k = 0; k < bits; ++k) clock(false, received++);
  }
  in_bits_.assign(static_cast<std::size_t>(received), 0);
  rx_base_ = (user & USER_MISO_HIGHPART) ? 32 : 0;
  rx_lsb_first_ = ctrl & CTRL_RD_BIT_ORDER;
  rx_big_endian_ = user & USER_RD_BYTE_ORDER;

  // The edges, in time order ([ARD]: CPHA = CK_OUT_EDGE ^ IDLE_EDGE).
  cpol_ = regs_.get(SPI_PIN) & PIN_IDLE_EDGE;
  const bool cpha = static_cast<bool>(user & USER_CK_OUT_EDGE) != cpol_;
  cs_used_ = !(regs_.get(SPI_PIN) & PIN_CS0_DIS);
  std::uint64_t first = 0, second = 0;
  clock_phases(first, second);
  const std::uint64_t period = first + second;
  const std::uint64_t lead = (user & USER_CS_SETUP) ? period : 0;
  actions_.clear();
  actions_.reserve(4 * out_bits_.size() + 2);
  actions_.push_back({0, Step::cs_low, 0});
  for (std::size_t i = 0; i < out_bits_.size(); ++i) {
    std::uint64_t base = lead + i * period;
    auto bit = static_cast<std::uint16_t>(i);
    if (!cpha) {
      actions_.push_back({base, Step::mosi, bit});
      actions_.push_back({base + first, Step::sample, bit});
      actions_.push_back({base + first, Step::sck_active, bit});
      actions_.push_back({base + period, Step::sck_idle, bit});
    } else {
      actions_.push_back({base + first, Step::sck_active, bit});
      actions_.push_back({base + first, Step::mosi, bit});
      actions_.push_back({base + period, Step::sample, bit});
      actions_.push_back({base + period, Step::sck_idle, bit});
    }
  }
  std::uint64_t end = lead + out_bits_.size() * period + ((user & USER_CS_HOLD) ? period : 0);
  actions_.push_back({end, Step::done, 0});
  next_ = 0;
  start_ = sched_.now();
  busy_ = true;
  regs_[SPI_CMD] = CMD_USR;
  gpio_.drive_function(kClkPad, cpol_ ? Drive::high : Drive::low);
  BE_LOG(trace, "{}: transaction of {} clocks, SCK period {} cycles, mode {}", name(),
         out_bits_.size(), sck_period_cycles(), (cpol_ ? 2 : 0) + (cpha ? 1 : 0));
  run_due();
}

void Esp8266Hspi::run_due() {
  const Cycles now = sched_.now();
  while (next_ < actions_.size() && cycle_of(actions_[next_].t) <= now) {
    const Action a = actions_[next_++];
    switch (a.step) {
      case Step::cs_low:
        if (cs_used_) gpio_.drive_function(kCs0Pad, Drive::low);
        break;
      case Step::mosi:
        gpio_.drive_function(kMosiPad, out_bits_[a.bit] ? Drive::high : Drive::low);
        break;
      case Step::sample:
        if (capture_[a.bit] >= 0)
          in_bits_[static_cast<std::size_t>(capture_[a.bit])] =
              gpio_.pin(kMisoPad).level() != Level::low;
        break;
      case Step::sck_active:
        gpio_.drive_function(kClkPad, cpol_ ? Drive::low : Drive::high);
        break;
      case Step::sck_idle:
        gpio_.drive_function(kClkPad, cpol_ ? Drive::high : Drive::low);
        break;
      case Step::done:
        finish();
        return;
    }
  }
  if (next_ < actions_.size())
    step_event_.arm_at(cycle_of(actions_[next_].t));
}

void Esp8266Hspi::finish() {
  if (cs_used_) gpio_.drive_function(kCs0Pad, Drive::high);
  for (std::size_t k = 0; k < in_bits_.size(); ++k) {
    unsigned byte = rx_base_ + static_cast<unsigned>(k / 8);
    unsigned bit = rx_lsb_first_ ? k % 8 : 7 - k % 8;
    set_buffer_bit(byte, bit, in_bits_[k] != 0, rx_big_endian_);
  }
  busy_ = false;
  actions_.clear();
  regs_[SPI_CMD] &= ~CMD_USR;
  regs_[SPI_SLAVE] |= SLAVE_TRANS_DONE;
  update_irq();
}

void Esp8266Hspi::state(StateArchive& ar) {
  regs_.state(ar);
  irq_.state(ar);
  ar.field("busy", busy_);
  ar.field("cpol", cpol_);
  ar.field("cs_used", cs_used_);
  ar.field("start", start_);
  std::size_t n = ar.count("actions", actions_.size(), 11);
  if (ar.loading()) actions_.resize(n);
  for (Action& a : actions_) {
    ar.field("action_t", a.t);
    ar.field("action_step", a.step);
    ar.field("action_bit", a.bit);
  }
  std::uint64_t next = next_;
  ar.field("next", next);
  next_ = static_cast<std::size_t>(next);
  if (ar.loading() && busy_ && next_ > actions_.size()) ar.bad("next", "past the transaction's edges");
  ar.field("out_bits", out_bits_);
  ar.field("capture", capture_);
  ar.field("in_bits", in_bits_);
  ar.field("rx_base", rx_base_);
  ar.field("rx_lsb_first", rx_lsb_first_);
  ar.field("rx_big_endian", rx_big_endian_);
}

}  // namespace boardemu
