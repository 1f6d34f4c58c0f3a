// The part types a circuit file may name, and their parameters.
#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "core/i2c.hpp"
#include "core/params.hpp"
#include "core/spi.hpp"
#include "parts/bme280.hpp"
#include "parts/button.hpp"
#include "parts/eeprom_24lc32.hpp"
#include "parts/led.hpp"
#include "parts/part.hpp"
#include "parts/potentiometer.hpp"
#include "parts/slide_switch.hpp"
#include "parts/ssd1306.hpp"
#include "parts/w25q_flash.hpp"

namespace boardemu {

namespace {

// A 24LC32A on its own pins: the bit-level I2C engine decodes the SCL/SDA nets for it alone, so
// several parts on one pair of nets each hear the whole bus and answer their own address,
// pulling SDA low together as open-drain outputs do (a wired-AND on the net).
class I2cEepromPart : public Part {
 public:
  I2cEepromPart(const std::string& id, const PartContext& ctx, unsigned chip_select)
      : Part(id),
        bus_(id, ctx.scheduler),
        eeprom_(id, *ctx.scheduler, Eeprom24lc32::Timing::datasheet_max(ctx.cpu_hz), chip_select),
        engine_(id, bus_, ctx.scheduler) {
    eeprom_.attach_to(bus_);
  }
  std::vector<Pin*> pins() override { return {&engine_.scl(), &engine_.sda(), &eeprom_.wp()}; }
  std::optional<std::uint8_t> i2c_address() const override { return eeprom_.address(); }
  Pin* i2c_scl() override { return &engine_.scl(); }
  Pin* i2c_sda() override { return &engine_.sda(); }
  Eeprom24lc32& eeprom() { return eeprom_; }
  NonVolatileMemory* nonvolatile() override { return &eeprom_; }
  void state(StateArchive& ar) override {
    bus_.state(ar);
    eeprom_.state(ar);
    engine_.state(ar);
  }

 private:
  I2cBus bus_;
  Eeprom24lc32 eeprom_;
  BitBangI2c engine_;
};

// A W25Q-class SPI NOR flash on its own SCK/MOSI/MISO/CS pins (modes 0 and 3, MSB first).
class SpiFlashPart : public Part {
 public:
  SpiFlashPart(const std::string& id, const PartContext& ctx, std::uint32_t size)
      : Part(id),
        flash_(id, *ctx.scheduler, W25qFlash::Params{size, 0, W25qFlash::Timing::typical(ctx.cpu_hz)}),
        engine_(id, ctx.scheduler, flash_, SpiFormat{SpiMode::mode0, BitOrder::msb_first, true}) {}
  std::vector<Pin*> pins() override { return {&engine_.sck(), &engine_.mosi(), &engine_.miso(), &engine_.cs()}; }
  W25qFlash& flash() { return flash_; }
  NonVolatileMemory* nonvolatile() override { return &flash_; }
  void state(StateArchive& ar) override {
    flash_.state(ar);
    engine_.state(ar);
  }

 private:
  W25qFlash flash_;
  BitBangSpi engine_;
};

}  // namespace

std::vector<std::string> known_part_types() {
  return {"24lc32", "bme280", "button", "led", "potentiometer", "slide-switch", "ssd1306", "w25q32"};
}

std::unique_ptr<Part> create_part(const std::string& type, const std::string& id, const PartParams& params,
                                  const PartContext& ctx) {
  ParamReader r(type, params);
  std::unique_ptr<Part> part;
  if (type == "led") {
    bool active_high = r.choice("active", {"high", "low"}) == "high";
    part = std::make_unique<Led>(id, ctx.scheduler, active_high, ctx.cpu_hz / 50);  // brightness over 20 ms
  } else if (type == "button") {
    part = std::make_unique<Button>(id, ctx.scheduler, r.choice("to", {"gnd", "vcc"}) == "gnd");
  } else if (type == "potentiometer") {
    double vcc = r.number("vcc", Net::kDefaultSupply, 0.001, 1000);
    double position = r.number("position", 0, 0, 1);
    part = std::make_unique<Potentiometer>(id, ctx.scheduler, vcc, position);
  } else if (type == "slide-switch") {
    int position = r.choice("position", {"0", "1"}) == "1";
    std::array<SlideSwitch::Tie, 3> ties{};
    const char* keys[3] = {"pin1", "pin2", "pin3"};
    for (int i = 0; i < 3; ++i) {
      std::string t = r.choice(keys[i], {"open", "gnd", "vcc"});
      ties[i] = t == "gnd" ? SlideSwitch::Tie::gnd : t == "vcc" ? SlideSwitch::Tie::vcc : SlideSwitch::Tie::open;
    }
    part = std::make_unique<SlideSwitch>(id, ctx.scheduler, ties, position);
  } else if (type == "24lc32") {
    std::uint64_t addr = r.uint("address", Eeprom24lc32::kBaseAddress);
    if (addr < 0x50 || addr > 0x57)
      throw std::invalid_argument(type + ": params.address: the A2..A0 pins select 0x50..0x57, not " + std::to_string(addr));
    part = std::make_unique<I2cEepromPart>(id, ctx, static_cast<unsigned>(addr - 0x50));
  } else if (type == "ssd1306") {
    std::uint64_t addr = r.uint("address", Ssd1306::kAddressSa0Low);
    if (addr != Ssd1306::kAddressSa0Low && addr != Ssd1306::kAddressSa0High)
      throw std::invalid_argument(fmt::format("{}: params.address: the SA0 pin selects 0x3C or 0x3D, not 0x{:X}", type, addr));
    auto supply = r.choice("vcc", {"charge_pump", "external"}) == "external" ? Ssd1306::Supply::external
                                                                             : Ssd1306::Supply::charge_pump;
    part = std::make_unique<Ssd1306Part>(id, ctx.scheduler, static_cast<std::uint8_t>(addr), supply);
  } else if (type == "bme280") {
    std::uint64_t addr = r.uint("address", Bme280::kAddressSdoLow);
    if (addr != Bme280::kAddressSdoLow && addr != Bme280::kAddressSdoHigh)
      throw std::invalid_argument(type + ": params.address: the SDO pin selects 0x76 (low) or 0x77 (high), not " +
                                  std::to_string(addr));
    auto bme = std::make_unique<Bme280Part>(id, ctx, static_cast<std::uint8_t>(addr));
    // The initial environment (the host may change it later through the part's controls); the
    // sensor checks each against its operating range.
    const std::pair<const char*, void (Bme280::*)(double)> env[] = {{"temperature", &Bme280::set_temperature},
                                                                     {"pressure", &Bme280::set_pressure},
                                                                     {"humidity", &Bme280::set_humidity}};
    for (const auto& [key, set] : env) {
      auto v = r.optional_number(key);
      if (!v) continue;
      try {
        (bme->sensor().*set)(*v);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(type + ": params." + key + ": " + e.what());
      }
    }
    part = std::move(bme);
  } else if (type == "w25q32") {
    part = std::make_unique<SpiFlashPart>(id, ctx, 0x400000);
  }
  if (part) {
    r.finish();
    return part;
  }
  std::string list;
  for (const auto& t : known_part_types()) list += (list.empty() ? "" : ", ") + t;
  throw std::invalid_argument("unknown part type '" + type + "' (known: " + list + ")");
}

}  // namespace boardemu
