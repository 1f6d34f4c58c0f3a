// core/bus.hpp: one address decoder (Bus::decode) for loads, stores, peeks and debugger writes;
// peeks observe device registers without their side effects (issue 10: the GDB stub reading a
// UART's data register must not consume a byte).
#include <gtest/gtest.h>

#include <string>

#include "core/board.hpp"
#include "core/bus.hpp"
#include "core/chardev.hpp"
#include "hostio/buffer_chardev.hpp"
#include "machine/machine.hpp"
#include "machine/monitor.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";
// esp8266 UART0 (ESP8266 Technical Reference, UART registers): FIFO +0x00, STATUS +0x1C with
// RXFIFO_CNT in bits 7:0.
constexpr std::uint32_t kUart0 = 0x60000000, UART_FIFO = 0x00, UART_STATUS = 0x1C;

struct Esp8266 {
  Machine m{load_board_by_name("esp8266", kBoardsDir)};
  BufferCharBackend host;
  Esp8266() {
    dynamic_cast<SerialDevice*>(m.device("uart0"))->attach(&host);
    host.push_input("AB");
    for (int i = 0; i < 100; ++i) {  // 10 ms of virtual time: both bytes arrive at 115200 baud
      m.scheduler().advance(m.board().cpu_hz / 10000);
      m.scheduler().run_due();
    }
  }
  std::uint32_t peek32(std::uint32_t addr) {
    std::uint8_t b[4];
    EXPECT_EQ(m.bus().peek_block(addr, b, 4), 4u);
    return b[0] | b[1] << 8 | b[2] << 16 | std::uint32_t{b[3]} << 24;
  }
};

TEST(BusPeek, ReadsAUartFifoWithoutConsumingIt) {
  Esp8266 e;
  ASSERT_EQ(e.peek32(kUart0 + UART_STATUS) & 0xFF, 2u);
  EXPECT_EQ(e.peek32(kUart0 + UART_FIFO), std::uint32_t{'A'});
  EXPECT_EQ(e.peek32(kUart0 + UART_FIFO), std::uint32_t{'A'});
  EXPECT_EQ(e.peek32(kUart0 + UART_STATUS) & 0xFF, 2u);  // still both bytes
  // A guest load through the same decoder does consume.
  BusTarget t = e.m.bus().decode(kUart0 + UART_FIFO, 4);
  ASSERT_TRUE(t.mmio);
  EXPECT_EQ(t.offset, UART_FIFO);
  EXPECT_EQ(e.m.bus().mmio_read(*t.mmio, t.offset, 4), std::uint32_t{'A'});
  EXPECT_EQ(e.peek32(kUart0 + UART_STATUS) & 0xFF, 1u);
  EXPECT_EQ(e.peek32(kUart0 + UART_FIFO), std::uint32_t{'B'});
}

TEST(BusPeek, DecodesMemoryWindowsAndUnmappedSpace) {
  Esp8266 e;
  Bus& bus = e.m.bus();
  BusTarget dram = bus.decode(0x3FFE8010, 4);
  ASSERT_TRUE(dram.ram);
  EXPECT_EQ(dram.ram->desc.name, "dram");
  EXPECT_EQ(dram.offset, 0x10u);
  EXPECT_FALSE(bus.decode(0x3FFFFFFE, 4));  // straddles the end of DRAM
  EXPECT_FALSE(bus.decode(0x20000000, 1));  // nothing there
  // A peek that runs from DRAM's last bytes into unmapped space stops there.
  std::uint8_t out[8];
  EXPECT_EQ(bus.peek_block(0x3FFFFFFC, out, 8), 4u);
  EXPECT_EQ(bus.peek_block(0xFFFFFFFE, out, 8), 0u);  // never wraps to address 0
  // Debugger writes: memory through write_block, registers through the device.
  const std::uint8_t word[4] = {1, 2, 3, 4};
  EXPECT_EQ(bus.debug_write_block(0x3FFE8000, word, 4), 4u);
  EXPECT_EQ(bus.peek_block(0x3FFE8000, out, 4), 4u);
  EXPECT_EQ(std::string(out, out + 4), std::string(word, word + 4));
  EXPECT_EQ(bus.debug_write_block(0x20000000, word, 4), 0u);
}

TEST(BusPeek, TheMonitorPeeksThroughTheBus) {
  Esp8266 e;
  BufferCharBackend monitor_host;
  Monitor mon(e.m, monitor_host);
  EXPECT_EQ(mon.execute("peek 0x60000000"), "ok 41 00 00 00");
  EXPECT_EQ(mon.execute("peek 0x60000000 2"), "ok 41 00");
  EXPECT_EQ(mon.execute("peek 0x6000001c 1"), "ok 02");  // not consumed by the peeks
  EXPECT_EQ(mon.execute("peek 0x20000000"), "error: peek: 0x20000000 is not mapped");
  EXPECT_EQ(mon.execute("peek 0x3FFE8000 257"), "error: peek: '257' is not a number from 0 to 256");
  EXPECT_EQ(mon.execute("peek -1"), "error: peek: '-1' is not a number from 0 to 4294967295");
}

TEST(BusPeek, ClaimAndStatusRegistersAreNotDisturbed) {
  // virt-rv32's NS16550A: LSR's sticky error bits and IIR's THRE indication survive a peek;
  // the PLIC's claim register shows the ID a claim would return without claiming it.
  Machine m(load_board_by_name("virt-rv32", kBoardsDir));
  Device* uart = m.device("uart0");
  ASSERT_NE(uart, nullptr);
  uart->write(1, 0x02, 1);  // IER.ETBEI: the empty holding register raises THRE at once
  std::uint32_t iir = uart->peek(2, 1);
  EXPECT_EQ(iir & 0x0F, 0x02u);  // THRE
  EXPECT_EQ(uart->peek(2, 1), iir);
  EXPECT_EQ(uart->read(2, 1) & 0x0F, 0x02u);  // a read reports it, then clears it
  EXPECT_EQ(uart->peek(2, 1) & 0x0F, 0x01u);  // no interrupt pending

  // PLIC (RISC-V PLIC spec 1.0.0): priority +4*id, enable bits of context 0 at +0x2000,
  // claim/complete of context 0 at +0x200004.
  Device* plic = m.device("plic");
  auto* intc = dynamic_cast<InterruptController*>(plic);
  ASSERT_NE(intc, nullptr);
  plic->write(4 * 10, 1, 4);
  plic->write(0x2000, 1u << 10, 4);
  intc->set_irq_level(10, true);
  EXPECT_EQ(plic->peek(0x200004, 4), 10u);
  EXPECT_EQ(plic->peek(0x200004, 4), 10u);  // still pending, not claimed
  EXPECT_EQ(plic->peek(0x1000, 4) >> 10 & 1, 1u);
  EXPECT_EQ(plic->read(0x200004, 4), 10u);  // the claim
  EXPECT_EQ(plic->peek(0x1000, 4) >> 10 & 1, 0u);
  EXPECT_EQ(plic->peek(0x200004, 4), 0u);
}

}  // namespace
}  // namespace boardemu

namespace boardemu {
namespace {

// The CPU backend comes from a registry by `cpu.arch`, like the peripheral models by `model:`.
TEST(CpuRegistry, ListsTheBackendsAndNamesThemForAnArchWithout) {
  EXPECT_EQ(Machine::cpu_architectures(), (std::vector<std::string>{"cortex-m3", "rv32imac", "lx106"}));
  BoardDesc b = parse_board_text(
      "name: m4\ndescription: x\ncpu: {arch: cortex-m4, clock_hz: 1000000}\n"
      "memory:\n  - {name: ram, base: 0x20000000, size: 0x10000, kind: ram}\n",
      "m4.yaml");
  try {
    Machine m(b);
    FAIL() << "built a machine with no backend";
  } catch (const BoardError& e) {
    EXPECT_STREQ(e.what(), "m4.yaml: cpu.arch: 'cortex-m4' has no backend yet (available: cortex-m3, rv32imac, lx106)");
  }
}

}  // namespace
}  // namespace boardemu
