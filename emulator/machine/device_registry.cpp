#include "machine/device_registry.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <stdexcept>

#include "uart/cmsdk_apb_uart.hpp"
#include "core/params.hpp"
#include "system/esp8266_dport.hpp"
#include "timer/esp8266_frc_timer.hpp"
#include "gpio/esp8266_gpio.hpp"
#include "spi/esp8266_hspi.hpp"
#include "gpio/esp8266_iomux.hpp"
#include "timer/esp8266_rtc.hpp"
#include "adc/esp8266_sar_adc.hpp"
#include "flash/esp8266_spi_flash.hpp"
#include "uart/esp8266_uart.hpp"
#include "timer/esp8266_wdt.hpp"
#include "uart/ns16550a.hpp"
#include "timer/riscv_clint.hpp"
#include "intc/riscv_plic.hpp"
#include "system/unimplemented.hpp"

namespace boardemu {

namespace {

using Factory = std::function<std::unique_ptr<Device>(const PeripheralDesc&, const DeviceContext&)>;

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"cmsdk-apb-uart",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<CmsdkApbUart>(d.name, ctx, CmsdkApbUart::parse_params(d.params));
       }},
      {"riscv-clint",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         RiscvClint::check_params(d.params);
         return std::make_unique<RiscvClint>(d.name, ctx);
       }},
      {"riscv-plic",
       [](const PeripheralDesc& d, const DeviceContext&) -> std::unique_ptr<Device> {
         return std::make_unique<RiscvPlic>(d.name, RiscvPlic::parse_params(d.params));
       }},
      {"ns16550a",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Ns16550a>(d.name, ctx, Ns16550a::parse_params(d.params));
       }},
      {"esp8266-uart",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266Uart>(d.name, ctx, Esp8266Uart::parse_params(d.params));
       }},
      {"esp8266-frc-timer",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266FrcTimer>(d.name, ctx,
                                                  Esp8266FrcTimer::parse_params(d.params));
       }},
      {"esp8266-gpio",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         ParamReader("esp8266-gpio", d.params).finish();  // none
         return std::make_unique<Esp8266Gpio>(d.name, ctx.scheduler);
       }},
      {"esp8266-iomux",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266Iomux>(d.name, ctx, Esp8266Iomux::parse_params(d.params));
       }},
      {"esp8266-sar-adc",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266SarAdc>(d.name, ctx, Esp8266SarAdc::parse_params(d.params));
       }},
      {"esp8266-hspi",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266Hspi>(d.name, ctx, Esp8266Hspi::parse_params(d.params));
       }},
      {"esp8266-dport",
       [](const PeripheralDesc& d, const DeviceContext&) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266Dport>(d.name, Esp8266Dport::parse_params(d.params));
       }},
      {"esp8266-spi-flash",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266SpiFlash>(d.name, ctx,
                                                  Esp8266SpiFlash::parse_params(d.params));
       }},
      {"esp8266-rtc",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         Esp8266Rtc::check_params(d.params);
         return std::make_unique<Esp8266Rtc>(d.name, ctx);
       }},
      {"esp8266-wdt",
       [](const PeripheralDesc& d, const DeviceContext& ctx) -> std::unique_ptr<Device> {
         return std::make_unique<Esp8266Wdt>(d.name, ctx, Esp8266Wdt::parse_params(d.params));
       }},
      {"unimplemented",
       [](const PeripheralDesc& d, const DeviceContext&) -> std::unique_ptr<Device> {
         ParamReader("unimplemented", d.params).finish();  // none
         return std::make_unique<UnimplementedDevice>(d.name);
       }},
  };
  return table;
}

}  // namespace

std::vector<std::string> known_models() {
  std::vector<std::string> names;
  for (auto& [name, f] : factories()) names.push_back(name);
  return names;
}

std::unique_ptr<Device> create_device(const BoardDesc& board, const PeripheralDesc& desc,
                                      const DeviceContext& ctx) {
  auto it = factories().find(desc.model);
  if (it == factories().end())
    throw BoardError(fmt::format("{}:{}: peripheral '{}': unknown model '{}' (known: {})",
                                 board.source_path, desc.line, desc.name, desc.model,
                                 fmt::join(known_models(), ", ")));
  try {
    return it->second(desc, ctx);
  } catch (const BoardError&) {
    throw;
  } catch (const std::exception& e) {
    throw BoardError(fmt::format("{}:{}: peripheral '{}': {}", board.source_path, desc.line,
                                 desc.name, e.what()));
  }
}

bool attach_serial(Device& device, CharBackend* backend) {
  if (auto* uart = dynamic_cast<SerialDevice*>(&device)) {
    uart->attach(backend);
    return true;
  }
  return false;
}

}  // namespace boardemu
