// ESP8266 GPIO: ESP8266 Technical Reference (Espressif), GPIO chapter; SDK gpio_register.h.
// See esp8266_gpio.hpp for what is modelled.
#include "gpio/esp8266_gpio.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include "core/log.hpp"

namespace boardemu {

namespace {

using G = Esp8266Gpio;

enum IntType : unsigned {
  kDisabled = 0,
  kRising = 1,
  kFalling = 2,
  kAnyEdge = 3,
  kLow = 4,
  kHigh = 5,
};

}  // namespace

Esp8266Gpio::Esp8266Gpio(std::string name, Scheduler* scheduler)
    : Device(std::move(name)), regs_(this->name(), [this] {
        auto set_bits = [this](std::uint32_t target) {
          return [this, target](std::uint32_t, std::uint32_t written) {
            regs_[target] |= written & 0xFFFF;
            update();
          };
        };
        auto clear_bits = [this](std::uint32_t target) {
          return [this, target](std::uint32_t, std::uint32_t written) {
            regs_[target] &= ~(written & 0xFFFF);
            update();
          };
        };
        auto changed = [this](std::uint32_t, std::uint32_t) { update(); };
        std::vector<RegisterSpec> specs = {
            {.offset = G::GPIO_OUT, .name = "GPIO_OUT", .on_write = changed},
            {.offset = G::GPIO_OUT_W1TS, .name = "GPIO_OUT_W1TS", .writable = 0,
             .access = Access::WO, .on_write = set_bits(G::GPIO_OUT)},
            {.offset = G::GPIO_OUT_W1TC, .name = "GPIO_OUT_W1TC", .writable = 0,
             .access = Access::WO, .on_write = clear_bits(G::GPIO_OUT)},
            {.offset = G::GPIO_ENABLE, .name = "GPIO_ENABLE", .writable = 0x3FFFFF,
             .on_write = changed},
            {.offset = G::GPIO_ENABLE_W1TS, .name = "GPIO_ENABLE_W1TS", .writable = 0,
             .access = Access::WO, .on_write = set_bits(G::GPIO_ENABLE)},
            {.offset = G::GPIO_ENABLE_W1TC, .name = "GPIO_ENABLE_W1TC", .writable = 0,
             .access = Access::WO, .on_write = clear_bits(G::GPIO_ENABLE)},
            {.offset = G::GPIO_IN, .name = "GPIO_IN", .writable = 0, .access = Access::RO,
             .on_read = [this](std::uint32_t) { return std::uint32_t{levels_}; }},
            {.offset = G::GPIO_STATUS, .name = "GPIO_STATUS", .writable = 0xFFFF,
             .on_write = changed},
            {.offset = G::GPIO_STATUS_W1TS, .name = "GPIO_STATUS_W1TS", .writable = 0,
             .access = Access::WO, .on_write = set_bits(G::GPIO_STATUS)},
            {.offset = G::GPIO_STATUS_W1TC, .name = "GPIO_STATUS_W1TC", .writable = 0,
             .access = Access::WO, .on_write = clear_bits(G::GPIO_STATUS)},
            {.offset = G::GPIO_SIGMA_DELTA, .name = "GPIO_SIGMA_DELTA", .writable = 0x1FFFF},
            {.offset = G::GPIO_RTC_CALIB_SYNC, .name = "GPIO_RTC_CALIB_SYNC"},
            {.offset = G::GPIO_RTC_CALIB_VALUE, .name = "GPIO_RTC_CALIB_VALUE", .writable = 0,
             .access = Access::RO},
        };
        static const char* const kPinNames[kPins] = {
            "GPIO_PIN0",  "GPIO_PIN1",  "GPIO_PIN2",  "GPIO_PIN3",  "GPIO_PIN4",  "GPIO_PIN5",
            "GPIO_PIN6",  "GPIO_PIN7",  "GPIO_PIN8",  "GPIO_PIN9",  "GPIO_PIN10", "GPIO_PIN11",
            "GPIO_PIN12", "GPIO_PIN13", "GPIO_PIN14", "GPIO_PIN15"};
        for (unsigned n = 0; n < kPins; ++n)
          specs.push_back({.offset = G::GPIO_PIN0 + 4 * n,
                           .name = kPinNames[n],
                           // SOURCE 0, PAD_DRIVER 2, INT_TYPE 9:7, WAKEUP_ENABLE 10.
                           .writable = 0x785,
                           .on_write = changed});
        return specs;
      }()),
      scheduler_(scheduler) {
  // Without an IO_MUX every pad is in its GPIO function (esp8266_iomux.hpp: 3 on
  // GPIO1/3/6..15, 0 on GPIO0/2/4/5).
  for (unsigned n = 0; n < kPins; ++n)
    pad_function_[n] = (n == 0 || n == 2 || n == 4 || n == 5) ? 0 : 3;
  for (unsigned n = 0; n < kPins; ++n) {
    pins_[n] = std::make_unique<Pin>(this->name() + ".GPIO" + std::to_string(n), scheduler_);
    pins_[n]->on_change([this](Level) { update(); });
  }
  reset();
}

// The pads' functions by IO_MUX function number 0..4, as the ESP8266 NONOS SDK's eagle_soc.h
// names them (FUNC_* macros; "" where the pad has no such function). GPIO6..11 carry the flash.
namespace {
constexpr const char* kPadFunctions[16][5] = {
    {"GPIO", "SPICS2", "", "", "CLK_OUT"},                 // GPIO0
    {"U0TXD", "SPICS1", "", "GPIO", "CLK_RTC_BK"},         // GPIO1
    {"GPIO", "I2SO_WS", "U1TXD_BK", "", "U0TXD_BK"},       // GPIO2
    {"U0RXD", "I2SO_DATA", "", "GPIO", "CLK_XTAL_BK"},     // GPIO3
    {"GPIO", "CLK_XTAL", "", "", ""},                      // GPIO4
    {"GPIO", "CLK_RTC", "", "", ""},                       // GPIO5
    {"SD_CLK", "SPICLK", "", "GPIO", "U1CTS"},             // GPIO6
    {"SD_DATA0", "SPIQ_MISO", "", "GPIO", "U1TXD"},        // GPIO7
    {"SD_DATA1", "SPID_MOSI", "", "GPIO", "U1RXD"},        // GPIO8
    {"SD_DATA2", "SPIHD", "", "GPIO", "HSPIHD"},           // GPIO9
    {"SD_DATA3", "SPIWP", "", "GPIO", "HSPIWP"},           // GPIO10
    {"SD_CMD", "SPICS0", "", "GPIO", "U1RTS"},             // GPIO11
    {"MTDI", "I2SI_DATA", "HSPIQ_MISO", "GPIO", "U0DTR"},  // GPIO12
    {"MTCK", "I2SI_BCK", "HSPID_MOSI", "GPIO", "U0CTS"},   // GPIO13
    {"MTMS", "I2SI_WS", "HSPI_CLK", "GPIO", "U0DSR"},      // GPIO14
    {"MTDO", "I2SO_BCK", "HSPI_CS", "GPIO", "U0RTS"},      // GPIO15
};
}  // namespace

std::string Esp8266Gpio::pin_function(const Pin& p) const {
  for (unsigned n = 0; n < kPins; ++n) {
    if (pins_[n].get() != &p) continue;
    if (pad_is_gpio(n)) return "GPIO";
    unsigned f = pad_function_[n];
    const char* name = f < 5 ? kPadFunctions[n][f] : "";
    return *name ? name : "function " + std::to_string(f);
  }
  return {};
}

std::vector<Pin*> Esp8266Gpio::pins() {
  std::vector<Pin*> out;
  for (auto& p : pins_) out.push_back(p.get());
  return out;
}

void Esp8266Gpio::reset() {
  regs_.reset();
  levels_ = compute_levels();
  irq_.set(false);
  update();
}

IrqLine* Esp8266Gpio::irq(std::string_view output) { return output == "irq" ? &irq_ : nullptr; }

std::uint32_t Esp8266Gpio::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266Gpio::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

void Esp8266Gpio::set_input(unsigned pin, bool level) {
  if (pin >= kPins) throw std::out_of_range(name() + ": no GPIO" + std::to_string(pin));
  auto& probe = probes_[pin];
  if (!probe) {
    probe = std::make_unique<Pin>(pins_[pin]->name() + ".probe", scheduler_);
    pins_[pin]->net().attach(*probe);
  }
  // Weakly, as through a resistor: an output driving the pin wins, as it would on the board.
  probe->drive(level ? Drive::pull_up : Drive::pull_down);
}

void Esp8266Gpio::set_pad(unsigned pin, bool gpio_function, PadPull pull) {
  if (pin >= kPins) throw std::out_of_range(name() + ": no GPIO" + std::to_string(pin));
  std::uint16_t bit = static_cast<std::uint16_t>(1u << pin);
  std::uint16_t not_gpio = gpio_function ? (pad_not_gpio_ & ~bit) : (pad_not_gpio_ | bit);
  std::uint16_t pull_up = pull == PadPull::up ? (pad_pull_up_ | bit) : (pad_pull_up_ & ~bit);
  if (not_gpio == pad_not_gpio_ && pull_up == pad_pull_up_) return;
  pad_not_gpio_ = not_gpio;
  pad_pull_up_ = pull_up;
  update();
}

void Esp8266Gpio::set_pad_function(unsigned pin, unsigned function) {
  if (pin >= kPins) throw std::out_of_range(name() + ": no GPIO" + std::to_string(pin));
  if (pad_function_[pin] == function) return;
  pad_function_[pin] = static_cast<std::uint8_t>(function & 7);
  update();
}

void Esp8266Gpio::connect_function(unsigned pin, unsigned function) {
  if (pin >= kPins) throw std::out_of_range(name() + ": no GPIO" + std::to_string(pin));
  signals_[pin] = FunctionSignal{true, static_cast<std::uint8_t>(function & 7), Drive::off};
  update();
}

bool Esp8266Gpio::function_connected(unsigned pin, unsigned function) const {
  return pin < kPins && signals_[pin].connected && signals_[pin].function == function;
}

void Esp8266Gpio::drive_function(unsigned pin, Drive drive) {
  if (pin >= kPins) throw std::out_of_range(name() + ": no GPIO" + std::to_string(pin));
  FunctionSignal& s = signals_[pin];
  if (!s.connected || s.drive == drive) return;
  s.drive = drive;
  if (pad_function_[pin] == s.function && !pad_is_gpio(pin)) update();
}

void Esp8266Gpio::drive_pins() {
  std::uint16_t out = static_cast<std::uint16_t>(regs_.get(GPIO_OUT));
  std::uint16_t en = static_cast<std::uint16_t>(regs_.get(GPIO_ENABLE));
  for (unsigned n = 0; n < kPins; ++n) {
    std::uint16_t bit = static_cast<std::uint16_t>(1u << n);
    // What the pad does when this block does not drive it: its pull-up, or nothing.
    Drive released = (pad_pull_up_ & bit) ? Drive::pull_up : Drive::off;
    Drive d = released;
    if ((en & bit) && !(pad_not_gpio_ & bit)) {
      bool high = out & bit;
      if (regs_.get(GPIO_PIN0 + 4 * n) & PIN_PAD_DRIVER) d = high ? released : Drive::low;  // open drain
      else d = high ? Drive::high : Drive::low;
    } else if ((pad_not_gpio_ & bit) && signals_[n].connected &&
               signals_[n].function == pad_function_[n] && signals_[n].drive != Drive::off) {
      d = signals_[n].drive;  // a peripheral's output signal in the pad's function
    }
    pins_[n]->drive(d);
  }
}

std::uint16_t Esp8266Gpio::compute_levels() const {
  std::uint16_t levels = 0;
  for (unsigned n = 0; n < kPins; ++n)
    if (pins_[n]->level() == Level::high) levels |= static_cast<std::uint16_t>(1u << n);
  return levels;
}

void Esp8266Gpio::update() {
  if (updating_) return;  // the drives below report back here; one pass sees them all
  updating_ = true;
  drive_pins();
  updating_ = false;
  std::uint16_t old = levels_;
  levels_ = compute_levels();
  std::uint16_t rose = levels_ & ~old;
  std::uint16_t fell = old & ~levels_;
  std::uint32_t& status = regs_[GPIO_STATUS];
  std::uint16_t armed = 0;  // pins with an interrupt type
  for (unsigned n = 0; n < kPins; ++n) {
    std::uint16_t bit = static_cast<std::uint16_t>(1u << n);
    unsigned type = (regs_.get(GPIO_PIN0 + 4 * n) >> PIN_INT_TYPE_SHIFT) & 7;
    if (type != kDisabled) armed |= bit;
    bool hit = false;
    switch (type) {
      case kRising: hit = rose & bit; break;
      case kFalling: hit = fell & bit; break;
      case kAnyEdge: hit = (rose | fell) & bit; break;
      case kLow: hit = !(levels_ & bit); break;
      case kHigh: hit = levels_ & bit; break;
      default: break;
    }
    if (hit) status |= bit;
  }
  irq_.set((status & armed & 0xFFFF) != 0);
  if (levels_ != old && observer_) observer_(levels_);
}

void Esp8266Gpio::state(StateArchive& ar) {
  // The pins' drives are the machine's to restore (they sit on nets).
  regs_.state(ar);
  ar.field("levels", levels_);
  ar.field("pad_not_gpio", pad_not_gpio_);
  ar.field("pad_pull_up", pad_pull_up_);
  ar.field("pad_function", pad_function_);
  for (FunctionSignal& f : signals_) {
    ar.field("signal_connected", f.connected);
    ar.field("signal_function", f.function);
    ar.field("signal_drive", f.drive);
  }
  ar.field("updating", updating_);
  irq_.state(ar);
}

}  // namespace boardemu
