// The esp8266 board as a whole: small LX106 programs run on the real CPU backend against the
// peripheral models, checking the wiring the register-level tests cannot see: FRC1's edge
// interrupt through DPORT EDGE_INT_ENABLE to the CPU's edge-latched interrupt 9, and SPI0
// program/erase showing through the flash cache window the CPU loads from.
//
// The programs are position-independent LX106 code assembled with Debian's
// xtensa-lx106-elf-as (--no-longcalls) and `objcopy -O binary`; the source is beside each
// byte array. They run from IRAM (0x40100000).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "hostio/buffer_chardev.hpp"
#include "machine/machine.hpp"
#include "xtensa/lx106_cpu.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";
constexpr std::uint32_t kIram = 0x40100000;

// A host backend that also records the virtual time of the first byte the guest sent.
class TimedBackend : public BufferCharBackend {
 public:
  explicit TimedBackend(const Scheduler& s) : sched_(s) {}
  void write(const std::uint8_t* data, std::size_t len) override {
    if (output().empty() && len > 0) first_ = sched_.now();
    BufferCharBackend::write(data, len);
  }
  Cycles first_byte_at() const { return first_; }

 private:
  const Scheduler& sched_;
  Cycles first_ = kNever;
};

// Builds the board (after `edit`), places `code` at the start of IRAM and starts there.
struct System {
  template <typename Edit>
  System(const std::vector<std::uint8_t>& code, Edit edit)
      : machine([&] {
          BoardDesc b = load_board_by_name("esp8266", kBoardsDir);
          edit(b);
          return b;
        }()),
        uart(machine.scheduler()) {
    EXPECT_TRUE(machine.bus().write_block(kIram, code.data(), code.size()));
    auto* cpu = dynamic_cast<xtensa::Lx106Cpu*>(&machine.cpu());
    EXPECT_NE(cpu, nullptr);
    if (cpu) cpu->set_entry(kIram);
    machine.reset();
    machine.attach_serial("uart0", &uart);
  }
  ~System() { machine.attach_serial("uart0", nullptr); }

  Machine machine;
  TimedBackend uart;
};

// FRC1 with auto-load 1000, edge interrupt; EDGE_INT_ENABLE gets efuse word 0 (a board param
// the test sets); then poll the INTERRUPT register for bit 9 and send 'K':
//     movi a4, 0x600 ; slli a4, a4, 20     # UART0 0x60000000
//     movi a3, 0x600 ; add.n a3, a3, a4    # FRC1 0x60000600
//     movi a5, 0x3ff ; slli a5, a5, 20     # DPORT 0x3FF00000
//     l32i a6, a5, 0x50 ; s32i.n a6, a5, 4 # EDGE_INT_ENABLE = efuse0
//     movi a6, 1000 ; s32i.n a6, a3, 0     # FRC1_LOAD
//     movi a6, 0xc0 ; s32i.n a6, a3, 8     # FRC1_CTRL: enable, auto-load, /1, edge
//  1: rsr.interrupt a7 ; bbci a7, 9, 1b
//     movi.n a6, 'K' ; s32i.n a6, a4, 0    # UART_FIFO
//     movi a6, 0x200 ; wsr.intclear a6
//  2: j 2b
const std::vector<std::uint8_t> kFrcProgram = {
    0x42, 0xa6, 0x00, 0xc0, 0x44, 0x01, 0x32, 0xa6, 0x00, 0x4a, 0x33, 0x52, 0xa3,
    0xff, 0xc0, 0x55, 0x01, 0x62, 0x25, 0x14, 0x69, 0x15, 0x62, 0xa3, 0xe8, 0x69,
    0x03, 0x62, 0xa0, 0xc0, 0x69, 0x23, 0x70, 0xe2, 0x03, 0x97, 0x67, 0xf9, 0x4c,
    0xb6, 0x69, 0x04, 0x62, 0xa2, 0x00, 0x60, 0xe3, 0x13, 0x06, 0xff, 0xff};

void set_efuse0(BoardDesc& b, const std::string& value) {
  for (auto& p : b.peripherals)
    if (p.name == "dport") p.params["efuse0"] = value;
}

TEST(Esp8266System, Frc1EdgeInterruptReachesCpuInterrupt9ThroughDport) {
  System s(kFrcProgram, [](BoardDesc& b) { set_efuse0(b, "2"); });  // bit 1: FRC1
  RunResult r = s.machine.run(200'000);
  EXPECT_EQ(r.reason, StopReason::time_limit);
  EXPECT_EQ(s.uart.output(), "K");
  // Not before the first expiry: 1000 timer ticks at 80 MHz after FRC1_CTRL was written.
  EXPECT_GE(s.uart.first_byte_at(), 1000u);
  EXPECT_LT(s.uart.first_byte_at(), 1100u);
}

TEST(Esp8266System, Frc1EdgeInterruptIsHeldBackWithoutEdgeIntEnable) {
  System s(kFrcProgram, [](BoardDesc& b) { set_efuse0(b, "4"); });  // bit 2: FRC2 only
  s.machine.run(200'000);
  EXPECT_EQ(s.uart.output(), "");
}

// SPI0: WREN; SE at 0x1000; RDSR until WIP clears; WREN; W0 = "OK"; PP 2 bytes at 0x1000;
// RDSR until WIP clears; load the word at 0x40201000 (the cache window) and send its two low
// bytes to UART0. Each command: s32i to SPI_CMD, then poll SPI_CMD until 0.
//     movi a4, 0x600 ; slli a4, a4, 20      # UART0
//     movi a3, 0x200 ; add.n a3, a3, a4     # SPI0 0x60000200
//     movi a11, 1 ; slli a11, a11, 12       # 0x1000
//     (1 << 30) -> SPI_CMD (WREN); a11 -> SPI_ADDR; (1 << 24) -> SPI_CMD (SE)
//  w: (1 << 27) -> SPI_CMD (RDSR); l32i.n a7, a3, 16 ; bbsi a7, 0, w
//     (1 << 30) -> SPI_CMD (WREN)
//     movi.n a6, 0x4b ; slli a6, a6, 8 ; addi a6, a6, 0x4f ; s32i a6, a3, 0x40   # W0 = "OK"
//     movi.n a6, 2 ; slli a6, a6, 24 ; or a6, a6, a11 ; s32i.n a6, a3, 4         # ADDR
//     (1 << 25) -> SPI_CMD (PP); RDSR loop as above
//     movi a9, 0x402 ; slli a9, a9, 20 ; add.n a9, a9, a11 ; l32i.n a7, a9, 0
//     s32i.n a7, a4, 0 ; srli a7, a7, 8 ; s32i.n a7, a4, 0
//  j: j j
const std::vector<std::uint8_t> kSpiProgram = {
    0x42, 0xa6, 0x00, 0xc0, 0x44, 0x01, 0x32, 0xa2, 0x00, 0x4a, 0x33, 0xb2, 0xa0, 0x01, 0x40,
    0xbb, 0x11, 0x62, 0xa0, 0x01, 0x20, 0x66, 0x01, 0x62, 0x63, 0x00, 0x78, 0x03, 0x56, 0xa7,
    0xff, 0xb9, 0x13, 0x0c, 0x16, 0x80, 0x66, 0x01, 0x62, 0x63, 0x00, 0x78, 0x03, 0x56, 0xa7,
    0xff, 0x0c, 0x16, 0x50, 0x66, 0x01, 0x69, 0x03, 0x78, 0x03, 0x56, 0xa7, 0xff, 0x78, 0x43,
    0x07, 0xe7, 0xee, 0x0c, 0x16, 0x20, 0x66, 0x01, 0x69, 0x03, 0x78, 0x03, 0x56, 0xa7, 0xff,
    0x4c, 0xb6, 0x80, 0x66, 0x11, 0x62, 0xc6, 0x4f, 0x62, 0x63, 0x10, 0x0c, 0x26, 0x80, 0x66,
    0x01, 0xb0, 0x66, 0x20, 0x69, 0x13, 0x0c, 0x16, 0x70, 0x66, 0x01, 0x62, 0x63, 0x00, 0x78,
    0x03, 0x56, 0xa7, 0xff, 0x0c, 0x16, 0x50, 0x66, 0x01, 0x69, 0x03, 0x78, 0x03, 0x56, 0xa7,
    0xff, 0x78, 0x43, 0x07, 0xe7, 0xee, 0x92, 0xa4, 0x02, 0xc0, 0x99, 0x01, 0xba, 0x99, 0x78,
    0x09, 0x79, 0x04, 0x70, 0x78, 0x41, 0x79, 0x04, 0x06, 0xff, 0xff};

TEST(Esp8266System, FlashEraseAndProgramThroughSpi0ShowInTheCacheWindow) {
  System s(kSpiProgram, [](BoardDesc&) {});
  // Old contents at flash offset 0x1000, as if an earlier image left them: only the erase
  // makes "OK" programmable (programming clears bits only).
  std::vector<std::uint8_t> zeros(16, 0);
  ASSERT_TRUE(s.machine.bus().write_block(0x40201000, zeros.data(), zeros.size()));
  s.machine.run(80'000'000 / 10);  // 100 ms
  EXPECT_EQ(s.uart.output(), "OK");
  // The W25Q32JV's typical sector erase (45 ms) and page program (0.4 ms) came first.
  EXPECT_GE(s.uart.first_byte_at(), 80'000'000u * 45 / 1000 + 80'000'000u * 4 / 10000);
}

TEST(Esp8266System, WithoutTheEraseProgrammingCannotSetBits) {
  // The same program with its SE command bit (1 << 24) turned into WRDI (1 << 29): nothing is
  // erased, and PP can only clear bits of the old contents.
  std::vector<std::uint8_t> code = kSpiProgram;
  // "movi.n a6, 1 ; slli a6, a6, 24" at offset 0x21: slli's shift field (32 - 24 = 8 -> 0x80)
  // becomes 32 - 29 = 3 (-> 0x30).
  ASSERT_EQ(code[0x23], 0x80);
  code[0x23] = 0x30;
  System s(code, [](BoardDesc&) {});
  std::vector<std::uint8_t> old = {0x11, 0x22, 0x33, 0x44};
  ASSERT_TRUE(s.machine.bus().write_block(0x40201000, old.data(), old.size()));
  s.machine.run(80'000'000 / 10);
  // The WREN before PP still runs, so PP programs "OK" over 0x11 0x22:
  // 0x4F & 0x11 = 0x01, 0x4B & 0x22 = 0x02.
  EXPECT_EQ(s.uart.output(), std::string("\x01\x02", 2));
}

// Code the CPU already decoded from the cache window is re-read after SPI0 reprograms it. The
// program in IRAM calls the function at 0x40200000 in a loop and sends its result to UART0:
//     movi a4, 0x600 ; slli a4, a4, 20      # UART0
//     movi a5, 0x402 ; slli a5, a5, 20      # 0x40200000
//  1: callx0 a5 ; s32i.n a2, a4, 0
//     movi a6, 2000
//  2: addi.n a6, a6, -1 ; bnez.n a6, 2b     # about 2000 * 3 cycles between calls
//     j 1b
// The function is `movi.n a2, 'A' ; ret.n`; the host then erases and reprograms it through the
// SPI0 registers to `movi.n a2, 'B' ; ret.n`, as firmware updating code in flash would.
const std::vector<std::uint8_t> kCallFlashProgram = {
    0x42, 0xa6, 0x00, 0xc0, 0x44, 0x01, 0x52, 0xa4, 0x02, 0xc0, 0x55, 0x01, 0xc0, 0x05,
    0x00, 0x29, 0x04, 0x62, 0xa7, 0xd0, 0x0b, 0x66, 0x56, 0xa6, 0xff, 0xc6, 0xfb, 0xff};

TEST(Esp8266System, CodeReprogrammedInFlashThroughSpi0IsNotRunStale) {
  System s(kCallFlashProgram, [](BoardDesc& b) {
    for (auto& p : b.peripherals)
      if (p.name == "spi0") p.params["timing"] = "instant";
  });
  const std::vector<std::uint8_t> returns_a = {0x4c, 0x12, 0x0d, 0xf0};
  ASSERT_TRUE(s.machine.bus().write_block(0x40200000, returns_a.data(), returns_a.size()));
  s.machine.run(50'000);
  ASSERT_FALSE(s.uart.output().empty());
  EXPECT_EQ(s.uart.output().back(), 'A');

  // SPI0 (ESP8266 TRM, SPI registers): SPI_CMD 0x00 (WREN bit 30, SE bit 24, PP bit 25),
  // SPI_ADDR 0x04 (address, PP length in [31:24]), SPI_W0 0x40.
  Device* spi = s.machine.device("spi0");
  ASSERT_NE(spi, nullptr);
  spi->write(0x00, 1u << 30, 4);
  spi->write(0x04, 0x000000, 4);
  spi->write(0x00, 1u << 24, 4);
  spi->write(0x00, 1u << 30, 4);
  spi->write(0x40, 0xf00d224c, 4);  // movi.n a2, 'B' ; ret.n
  spi->write(0x04, 4u << 24, 4);
  spi->write(0x00, 1u << 25, 4);
  std::uint32_t word = 0;
  ASSERT_TRUE(s.machine.bus().read_block(0x40200000, reinterpret_cast<std::uint8_t*>(&word), 4));
  ASSERT_EQ(word, 0xf00d224cu);

  std::size_t before = s.uart.output().size();
  s.machine.run(100'000);
  ASSERT_GT(s.uart.output().size(), before);
  EXPECT_EQ(s.uart.output().back(), 'B');
}

}  // namespace
}  // namespace boardemu
