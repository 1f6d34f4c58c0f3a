// The shipped boards/esp8266.yaml: it loads with the ESP8266EX memory map and interrupt wiring
// (ESP8266 Technical Reference memory map; SDK eagle_soc.h bases and ets_sys.h interrupt
// numbers), and the machine built from it wires the models together: the flash cache window's
// bytes are the SPI flash chip's, the FRC timers find the DPORT, the IO_MUX sets the GPIO
// block's pads, the UARTs accept a host backend.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/net.hpp"
#include "system/esp8266_dport.hpp"
#include "timer/esp8266_frc_timer.hpp"
#include "gpio/esp8266_gpio.hpp"
#include "gpio/esp8266_iomux.hpp"
#include "flash/esp8266_spi_flash.hpp"
#include "uart/esp8266_uart.hpp"
#include "hostio/buffer_chardev.hpp"
#include "machine/machine.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";

const PeripheralDesc* find(const BoardDesc& b, const std::string& name) {
  for (const auto& p : b.peripherals)
    if (p.name == name) return &p;
  return nullptr;
}

const MemoryRegion* region(const BoardDesc& b, const std::string& name) {
  for (const auto& m : b.memory)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(Esp8266Board, FlashPartitions) {
  // As the port's linker script (firmware below 0xB0000), romfs.c (320 KiB at 0xB0000) and
  // flashbdev.py (littlefs from 1 MiB to the end of the 4 MiB chip) divide the flash.
  BoardDesc b = load_board_by_name("esp8266", kBoardsDir);
  ASSERT_EQ(b.partitions.size(), 3u);
  EXPECT_EQ(b.partitions[0].kind, PartitionKind::firmware);
  EXPECT_EQ(b.partitions[1].kind, PartitionKind::romfs);
  EXPECT_EQ(b.partitions[1].offset, 0xB0000u);
  EXPECT_EQ(b.partitions[1].size, 320u * 1024);
  EXPECT_EQ(b.partitions[2].kind, PartitionKind::filesystem);
  EXPECT_EQ(b.partitions[2].offset, 0x100000u);
  EXPECT_EQ(b.partitions[2].offset + b.partitions[2].size, 4u * 1024 * 1024);
  Machine m(b);  // they fit the chip
  // A partition past the end of the 4 MiB chip is refused, naming the partition and the line.
  b.partitions[2].size = 0x400000;
  try {
    Machine bad(b);
    FAIL() << "a partition beyond the chip was accepted";
  } catch (const BoardError& e) {
    EXPECT_NE(std::string(e.what()).find("'vfs' (0x100000..0x4FFFFF) ends beyond the 4096 KiB flash chip"),
              std::string::npos)
        << e.what();
  }
}

TEST(Esp8266Board, MemoryMapAndCpu) {
  BoardDesc b = load_board_by_name("esp8266", kBoardsDir);
  EXPECT_EQ(b.cpu_arch, "lx106");
  EXPECT_EQ(b.cpu_hz, 80'000'000u);
  EXPECT_EQ(b.num_irqs, 15u);
  EXPECT_EQ(b.interrupt_controller, "cpu");
  EXPECT_EQ(b.unmapped, UnmappedPolicy::bus_fault);
  EXPECT_EQ(b.default_firmware, "build/firmware/ESP8266/firmware.elf");

  const MemoryRegion* dram = region(b, "dram");
  ASSERT_NE(dram, nullptr);
  EXPECT_EQ(dram->base, 0x3FFE8000u);
  EXPECT_EQ(dram->size, 96u * 1024);  // the user 80 KiB and the ROM's 16 KiB (unused: no ROM)
  EXPECT_EQ(dram->kind, MemoryKind::ram);
  EXPECT_FALSE(dram->word_only);

  const MemoryRegion* iram = region(b, "iram");
  ASSERT_NE(iram, nullptr);
  EXPECT_EQ(iram->base, 0x40100000u);
  EXPECT_EQ(iram->size, 32u * 1024);
  EXPECT_TRUE(iram->word_only);

  const MemoryRegion* flash = region(b, "flash");
  ASSERT_NE(flash, nullptr);
  EXPECT_EQ(flash->base, 0x40200000u);
  EXPECT_EQ(flash->size, 1u << 20);
  EXPECT_EQ(flash->kind, MemoryKind::flash);
  EXPECT_TRUE(flash->word_only);
  EXPECT_GT(flash->wait_states, 0u);
}

TEST(Esp8266Board, PeripheralAddressesAndInterruptNumbers) {
  BoardDesc b = load_board_by_name("esp8266", kBoardsDir);
  struct Want {
    const char* model;
    std::uint32_t base;
    int irq;  // -1: not wired
  };
  const std::map<std::string, Want> want = {
      {"uart0", {"esp8266-uart", 0x60000000, 5}},  {"uart1", {"esp8266-uart", 0x60000F00, 5}},
      {"spi0", {"esp8266-spi-flash", 0x60000200, -1}},
      {"gpio", {"esp8266-gpio", 0x60000300, 4}},  {"frc1", {"esp8266-frc-timer", 0x60000600, 9}},
      {"frc2", {"esp8266-frc-timer", 0x60000620, 10}},
      {"dport", {"esp8266-dport", 0x3FF00000, -1}},
      {"rtc", {"esp8266-rtc", 0x60000700, -1}},  {"iomux", {"esp8266-iomux", 0x60000800, -1}},
      {"wdt", {"esp8266-wdt", 0x60000900, 8}},
  };
  for (const auto& [name, w] : want) {
    const PeripheralDesc* p = find(b, name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->model, w.model) << name;
    EXPECT_EQ(p->base, w.base) << name;
    if (w.irq >= 0) {
      ASSERT_EQ(p->irqs.count("irq"), 1u) << name;
      EXPECT_EQ(p->irqs.at("irq"), static_cast<unsigned>(w.irq)) << name;
    } else {
      EXPECT_TRUE(p->irqs.empty()) << name;
    }
  }
  // The timers look the DPORT up, so it must come first.
  auto index = [&](const std::string& name) { return find(b, name) - b.peripherals.data(); };
  EXPECT_LT(index("dport"), index("frc1"));
  EXPECT_LT(index("dport"), index("frc2"));
  // The IO_MUX sets the GPIO block's pads, so the GPIO block must come first.
  EXPECT_LT(index("gpio"), index("iomux"));
  EXPECT_EQ(find(b, "iomux")->params.at("gpio"), "gpio");
  // The watchdog looks up the DPORT (interrupt gate) and the RTC (reset cause).
  EXPECT_LT(index("dport"), index("wdt"));
  EXPECT_LT(index("rtc"), index("wdt"));
  EXPECT_EQ(find(b, "rtc")->clock_hz, 150000u);  // the ~150 kHz RTC clock
  EXPECT_EQ(find(b, "wdt")->clock_hz, 1250u);    // 0.8 ms watchdog ticks
}

TEST(Esp8266Board, MachineWiresTheModels) {
  Machine m(load_board_by_name("esp8266", kBoardsDir));
  auto* spi0 = dynamic_cast<Esp8266SpiFlash*>(m.device("spi0"));
  ASSERT_NE(spi0, nullptr);
  EXPECT_EQ(spi0->chip().size(), 0x400000u);
  EXPECT_EQ(spi0->chip().jedec_id(), 0xEF4016u);
  // The cache window starts erased and its bytes are the chip's.
  std::uint32_t word = 0;
  ASSERT_TRUE(m.bus().read_block(0x40200000, reinterpret_cast<std::uint8_t*>(&word), 4));
  EXPECT_EQ(word, 0xFFFFFFFFu);
  std::uint32_t code = 0x0020C0A1;
  ASSERT_TRUE(m.bus().write_block(0x40234560, reinterpret_cast<std::uint8_t*>(&code), 4));
  EXPECT_EQ(spi0->chip().byte_at(0x34560), 0xA1);
  EXPECT_EQ(spi0->chip().byte_at(0x34562), 0x20);

  EXPECT_NE(dynamic_cast<Esp8266Uart*>(m.device("uart0")), nullptr);
  EXPECT_NE(dynamic_cast<Esp8266Uart*>(m.device("uart1")), nullptr);
  EXPECT_NE(dynamic_cast<Esp8266Gpio*>(m.device("gpio")), nullptr);
  EXPECT_NE(dynamic_cast<Esp8266Dport*>(m.device("dport")), nullptr);
  // The IO_MUX reaches the GPIO block's pads: its reset leaves GPIO4 in the GPIO function and
  // GPIO12 (pad MTDI) in function 0 (JTAG); a pull-up written through the bus holds GPIO4 high.
  auto* gpio = dynamic_cast<Esp8266Gpio*>(m.device("gpio"));
  ASSERT_NE(gpio, nullptr);
  ASSERT_NE(dynamic_cast<Esp8266Iomux*>(m.device("iomux")), nullptr);
  EXPECT_TRUE(gpio->pad_is_gpio(4));
  EXPECT_FALSE(gpio->pad_is_gpio(12));
  EXPECT_EQ(gpio->pin(4).level(), Level::floating);
  std::uint32_t pullup = Esp8266Iomux::PULLUP;
  m.device("iomux")->write(Esp8266Iomux::GPIO4_U, pullup, 4);
  EXPECT_EQ(gpio->pin(4).level(), Level::high);
  EXPECT_EQ(gpio->read(Esp8266Gpio::GPIO_IN, 4) & (1u << 4), 1u << 4);
  EXPECT_NE(dynamic_cast<Esp8266FrcTimer*>(m.device("frc1")), nullptr);
  BufferCharBackend host;
  EXPECT_NO_THROW(m.attach_serial("uart0", &host));
  EXPECT_NO_THROW(m.attach_serial("uart1", &host));
  EXPECT_THROW(m.attach_serial("gpio", &host), std::invalid_argument);
  m.attach_serial("uart0", nullptr);
  m.attach_serial("uart1", nullptr);
}

}  // namespace
}  // namespace boardemu
