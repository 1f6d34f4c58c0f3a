// ESP8266 IO_MUX: ESP8266 Technical Reference (Espressif), IO_MUX appendix / pin list; NONOS
// SDK eagle_soc.h; ESP8266_RTOS_SDK pin_mux_register.h. See esp8266_iomux.hpp for the model.
#include "gpio/esp8266_iomux.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include "core/params.hpp"
#include "core/bus.hpp"
#include "core/log.hpp"
#include "gpio/esp8266_gpio.hpp"

namespace boardemu {

namespace {

using M = Esp8266Iomux;

struct PadDesc {
  std::uint32_t offset;
  const char* name;  // register name, [SOC] PERIPHS_IO_MUX_<name>
  unsigned gpio;
  unsigned gpio_func;   // [SOC] FUNC_GPIOn
  unsigned reset_func;  // this model's choice (header)
  // Functions 0..4 as [MUX] names them (nullptr: none listed); 5..7 are listed for no pad.
  const char* functions[5];
};

// In register order.
constexpr PadDesc kPadTable[M::kPads] = {
    {M::MTDI_U, "MTDI_U", 12, 3, 0, {"MTDI", "I2SI_DATA", "HSPIQ_MISO", "GPIO12", "UART0_DTR"}},
    {M::MTCK_U, "MTCK_U", 13, 3, 0, {"MTCK", "I2SI_BCK", "HSPID_MOSI", "GPIO13", "UART0_CTS"}},
    {M::MTMS_U, "MTMS_U", 14, 3, 0, {"MTMS", "I2SI_WS", "HSPI_CLK", "GPIO14", "UART0_DSR"}},
    {M::MTDO_U, "MTDO_U", 15, 3, 0, {"MTDO", "I2SO_BCK", "HSPI_CS0", "GPIO15", "UART0_RTS"}},
    {M::U0RXD_U, "U0RXD_U", 3, 3, 0, {"U0RXD", "I2SO_DATA", nullptr, "GPIO3", "CLK_XTAL_BK"}},
    {M::U0TXD_U, "U0TXD_U", 1, 3, 0, {"U0TXD", "SPICS1", nullptr, "GPIO1", "CLK_RTC_BK"}},
    {M::SD_CLK_U, "SD_CLK_U", 6, 3, 1, {"SDCLK", "SPICLK", nullptr, "GPIO6", "UART1_CTS"}},
    {M::SD_DATA0_U, "SD_DATA0_U", 7, 3, 1, {"SDDATA0", "SPIQ_MISO", nullptr, "GPIO7", "UART1_TXD"}},
    {M::SD_DATA1_U, "SD_DATA1_U", 8, 3, 1, {"SDDATA1", "SPID_MOSI", nullptr, "GPIO8", "UART1_RXD"}},
    {M::SD_DATA2_U, "SD_DATA2_U", 9, 3, 1, {"SDDATA2", "SPIHD", nullptr, "GPIO9", "HSPIHD"}},
    {M::SD_DATA3_U, "SD_DATA3_U", 10, 3, 1, {"SDDATA3", "SPIWP", nullptr, "GPIO10", "HSPIWP"}},
    {M::SD_CMD_U, "SD_CMD_U", 11, 3, 1, {"SDCMD", "SPICS0", nullptr, "GPIO11", "UART1_RTS"}},
    {M::GPIO0_U, "GPIO0_U", 0, 0, 0, {"GPIO0", "SPICS2", nullptr, nullptr, "CLK_OUT"}},
    {M::GPIO2_U, "GPIO2_U", 2, 0, 0, {"GPIO2", "I2SO_WS", "UART1_TXD_BK", nullptr, "UART0_TXD_BK"}},
    {M::GPIO4_U, "GPIO4_U", 4, 0, 0, {"GPIO4", "CLK_XTAL", nullptr, nullptr, nullptr}},
    {M::GPIO5_U, "GPIO5_U", 5, 0, 0, {"GPIO5", "CLK_RTC", nullptr, nullptr, nullptr}},
};

const PadDesc& pad_of_gpio(unsigned gpio) {
  for (const PadDesc& p : kPadTable)
    if (p.gpio == gpio) return p;
  throw std::out_of_range("esp8266-iomux: no pad for GPIO" + std::to_string(gpio));
}

Esp8266Gpio* find_gpio(const DeviceContext& ctx, const std::string& name) {
  if (name.empty()) return nullptr;
  if (!ctx.bus) throw std::invalid_argument("params.gpio: '" + name + "' cannot be found (no bus)");
  for (auto& m : ctx.bus->mmio()) {
    if (!m->device || m->device->name() != name) continue;
    auto* gpio = dynamic_cast<Esp8266Gpio*>(m->device);
    if (!gpio) throw std::invalid_argument("params.gpio: '" + name + "' is not an esp8266-gpio");
    return gpio;
  }
  throw std::invalid_argument("params.gpio: no device named '" + name +
                              "' before this one in the board file");
}

}  // namespace

std::uint32_t Esp8266Iomux::pad_offset(unsigned gpio) { return pad_of_gpio(gpio).offset; }

unsigned Esp8266Iomux::gpio_function(unsigned gpio) { return pad_of_gpio(gpio).gpio_func; }

Esp8266Iomux::Params Esp8266Iomux::parse_params(const std::map<std::string, std::string>& params) {
  ParamReader r("esp8266-iomux", params);
  Params p;
  p.gpio = r.text("gpio");
  r.finish();
  return p;
}

Esp8266Iomux::Esp8266Iomux(std::string name, const DeviceContext& ctx, const Params& params)
    : Esp8266Iomux(std::move(name), find_gpio(ctx, params.gpio)) {}

Esp8266Iomux::Esp8266Iomux(std::string name, Esp8266Gpio* gpio)
    : Device(std::move(name)), gpio_(gpio), regs_(this->name(), [this] {
        std::vector<RegisterSpec> specs = {{.offset = IO_MUX_CONF, .name = "IO_MUX_CONF"}};
        for (unsigned i = 0; i < kPads; ++i) {
          const PadDesc& p = kPadTable[i];
          specs.push_back({.offset = p.offset,
                           .name = p.name,
                           .reset = func_bits(p.reset_func),
                           .writable = PAD_BITS,
                           .on_write =
                               [this, i](std::uint32_t old, std::uint32_t) {
                                 note_function(i, function_of(old));
                                 apply(i);
                               }});
        }
        return specs;
      }()) {
  reset();
}

void Esp8266Iomux::reset() {
  regs_.reset();
  for (unsigned i = 0; i < kPads; ++i) apply(i);
}

std::uint32_t Esp8266Iomux::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266Iomux::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

void Esp8266Iomux::apply(unsigned index) {
  if (!gpio_) return;
  const PadDesc& p = kPadTable[index];
  std::uint32_t reg = regs_.get(p.offset);
  bool pull_up = reg & (PULLUP | PULLUP2);
  gpio_->set_pad_function(p.gpio, function_of(reg));
  gpio_->set_pad(p.gpio, function_of(reg) == p.gpio_func,
                 pull_up ? Esp8266Gpio::PadPull::up : Esp8266Gpio::PadPull::none);
}

void Esp8266Iomux::note_function(unsigned index, unsigned old_func) {
  const PadDesc& p = kPadTable[index];
  unsigned func = function_of(regs_.get(p.offset));
  if (func == old_func || func == p.gpio_func || (logged_ & (1u << index))) return;
  if (gpio_ && gpio_->function_connected(p.gpio, func)) return;  // a model drives that signal
  logged_ |= 1u << index;
  const char* signal = func < 5 ? p.functions[func] : nullptr;
  if (signal)
    BE_LOG(unimp,
           "{}: pad {} (GPIO{}) switched to function {} ({}): that signal is not modelled; the pin "
           "is undriven except for its pull-up",
           name(), p.name, p.gpio, func, signal);
  else
    BE_LOG(guest_error,
           "{}: pad {} (GPIO{}) switched to function {}, which the ESP8266 documents for no signal "
           "on that pad; the pin is undriven except for its pull-up",
           name(), p.name, p.gpio, func);
}

void Esp8266Iomux::state(StateArchive& ar) {
  regs_.state(ar);
  ar.field("logged", logged_);
}

}  // namespace boardemu
