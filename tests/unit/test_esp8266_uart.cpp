// Register-level tests of the ESP8266 UART model, no CPU: registers are poked directly and
// virtual time is stepped by hand.
//
// Reference: ESP8266 Technical Reference (Espressif), UART chapter and register list; ESP8266
// SDK uart_register.h. Offsets and bit positions are written out here from those documents
// rather than taken from the model's header, so a wrong constant in the model fails here.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "uart/esp8266_uart.hpp"
#include "hostio/buffer_chardev.hpp"
#include "machine/device_registry.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t kFifo = 0x00, kIntRaw = 0x04, kIntSt = 0x08, kIntEna = 0x0C,
                        kIntClr = 0x10, kClkdiv = 0x14, kAutobaud = 0x18, kStatus = 0x1C,
                        kConf0 = 0x20, kConf1 = 0x24, kLowpulse = 0x28, kHighpulse = 0x2C,
                        kRxdCnt = 0x30, kDate = 0x78, kId = 0x7C;
constexpr std::uint32_t kRxfifoFull = 1u << 0, kTxfifoEmpty = 1u << 1, kParityErr = 1u << 2,
                        kFrmErr = 1u << 3, kRxfifoOvf = 1u << 4, kRxfifoTout = 1u << 8;
constexpr std::uint32_t kLoopback = 1u << 14, kRxfifoRst = 1u << 17, kTxfifoRst = 1u << 18;
constexpr std::uint32_t kRxToutEn = 1u << 31;

std::uint32_t conf1(unsigned rx_full, unsigned tx_empty, unsigned tout = 0, bool tout_en = false) {
  return rx_full | (tx_empty << 8) | (tout << 24) | (tout_en ? kRxToutEn : 0);
}

class Esp8266UartTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kCpuHz = 80'000'000;  // the APB clock is the CPU clock here

  Esp8266UartTest() : ctx_{&sched_, kCpuHz, kCpuHz}, uart_("uart0", ctx_) {}

  std::uint32_t rd(std::uint32_t off) { return uart_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { uart_.write(off, v, 4); }
  bool irq() { return uart_.irq("irq")->level(); }
  unsigned rx_cnt() { return rd(kStatus) & 0xFF; }
  unsigned tx_cnt() { return (rd(kStatus) >> 16) & 0xFF; }

  // Moves time to `t`, stopping at every event deadline on the way, as the CPU does.
  void run_to(Cycles t) {
    for (;;) {
      Cycles next = sched_.next_deadline();
      if (next > t) break;
      sched_.advance_to(next);
      sched_.run_due();
    }
    sched_.advance_to(t);
    sched_.run_due();
  }

  Scheduler sched_;
  DeviceContext ctx_;
  Esp8266Uart uart_;
  BufferCharBackend host_;
};

// ---- registers --------------------------------------------------------------------------------

TEST_F(Esp8266UartTest, ResetValuesFromTheRegisterList) {
  EXPECT_EQ(rd(kClkdiv), 0x2B6u);
  EXPECT_EQ(rd(kAutobaud), 0x1000u);
  EXPECT_EQ(rd(kConf0), 0x1Cu);    // 8 data bits, 1 stop bit, no parity
  EXPECT_EQ(rd(kConf1), 0x6060u);  // both FIFO thresholds 0x60
  EXPECT_EQ(rd(kLowpulse), 0xFFFFFu);
  EXPECT_EQ(rd(kHighpulse), 0xFFFFFu);
  EXPECT_EQ(rd(kRxdCnt), 0u);
  EXPECT_EQ(rd(kDate), 0x062000u);
  EXPECT_EQ(rd(kId), 0x500u);
  EXPECT_EQ(rd(kIntEna), 0u);
  // Both FIFOs empty: TXFIFO_EMPTY holds (0 < 0x60); nothing enabled, so INT_ST is 0.
  EXPECT_EQ(rd(kIntRaw), kTxfifoEmpty);
  EXPECT_EQ(rd(kIntSt), 0u);
  // STATUS: counts 0, an idle line (TXD, RXD high), RTSN/DTRN deasserted.
  EXPECT_EQ(rd(kStatus), (1u << 31) | (1u << 30) | (1u << 29) | (1u << 15));
  ASSERT_NE(uart_.irq("irq"), nullptr);
  EXPECT_FALSE(irq());
  EXPECT_EQ(uart_.irq("tx"), nullptr);
}

TEST_F(Esp8266UartTest, ReadOnlyRegistersAndUnknownOffsetsAreGuestErrors) {
  testing::LogCapture log;
  wr(kStatus, 0xFFFFFFFF);
  EXPECT_EQ(rd(kStatus) & 0x00FF00FF, 0u);
  EXPECT_NE(log.take().find("read-only register UART_STATUS"), std::string::npos);
  EXPECT_EQ(rd(0x40), 0u);
  EXPECT_NE(log.take().find("unknown offset 0x40"), std::string::npos);
  wr(kClkdiv, 0xFFFFFFFF);
  EXPECT_EQ(rd(kClkdiv), 0xFFFFFu);  // CLKDIV_CNT is 20 bits
}

TEST_F(Esp8266UartTest, CharacterTimeFollowsClkdivAndFraming) {
  wr(kClkdiv, 694);  // 80 MHz / 694 = 115274 baud, the SDK's 115200 setting
  EXPECT_EQ(uart_.char_clocks(), 10u * 694);  // 8N1
  // 8 data bits, parity, 2 stop bits: 12 bits.
  wr(kConf0, (3u << 2) | (1u << 1) | (3u << 4));
  EXPECT_EQ(uart_.char_clocks(), 12u * 694);
  // 5 data bits, 1.5 stop bits: 1 + 5 + 1.5 = 7.5 bits.
  wr(kConf0, (0u << 2) | (2u << 4));
  EXPECT_EQ(uart_.char_clocks(), 7u * 694 + 347);
  testing::LogCapture log;
  wr(kConf0, 0x1C);
  wr(kClkdiv, 0);
  EXPECT_EQ(uart_.char_clocks(), 10u);  // timed as 1
  EXPECT_NE(log.take().find("UART_CLKDIV is 0"), std::string::npos);
}

// ---- transmit -------------------------------------------------------------------------------

TEST_F(Esp8266UartTest, TxDrainsAtTheProgrammedBaudRate) {
  uart_.attach(&host_);
  wr(kClkdiv, 100);  // 1000 cycles per 8N1 character
  for (char c : std::string("abc")) wr(kFifo, static_cast<std::uint8_t>(c));
  EXPECT_EQ(host_.output(), "abc");  // handed to the host at once
  // 'a' went straight to the shift register.
  EXPECT_EQ(tx_cnt(), 2u);
  run_to(999);
  EXPECT_EQ(tx_cnt(), 2u);
  run_to(1000);
  EXPECT_EQ(tx_cnt(), 1u);
  run_to(1999);
  EXPECT_EQ(tx_cnt(), 1u);
  run_to(2000);
  EXPECT_EQ(tx_cnt(), 0u);
  run_to(3000);
  EXPECT_EQ(uart_.tx_fifo_count(), 0u);
  EXPECT_EQ(sched_.pending_count(), 1u);  // only the host poll remains
}

TEST_F(Esp8266UartTest, FullTxFifoDropsTheWriteAsAGuestError) {
  uart_.attach(&host_);
  testing::LogCapture log;
  for (unsigned i = 0; i < 129; ++i) wr(kFifo, 'x');  // one in the shift register + 128
  EXPECT_EQ(tx_cnt(), 128u);
  EXPECT_EQ(log.take(), "");
  wr(kFifo, 'y');
  EXPECT_EQ(tx_cnt(), 128u);
  EXPECT_NE(log.take().find("TX FIFO full"), std::string::npos);
  EXPECT_EQ(host_.output(), std::string(129, 'x'));
}

TEST_F(Esp8266UartTest, TxfifoEmptyIsALevelBelowTheThreshold) {
  uart_.attach(&host_);
  wr(kClkdiv, 100);
  wr(kConf1, conf1(0x60, 2));
  wr(kIntEna, kTxfifoEmpty);
  EXPECT_TRUE(irq());  // empty: 0 < 2
  for (int i = 0; i < 4; ++i) wr(kFifo, 'a' + i);  // 3 in the FIFO
  EXPECT_FALSE(irq());
  EXPECT_EQ(rd(kIntRaw) & kTxfifoEmpty, 0u);
  run_to(1999);
  EXPECT_FALSE(irq());  // 2 left
  run_to(2000);
  EXPECT_TRUE(irq());  // 1 < 2
  EXPECT_EQ(rd(kIntSt), kTxfifoEmpty);
  // INT_CLR cannot clear a level whose condition still holds.
  wr(kIntClr, kTxfifoEmpty);
  EXPECT_TRUE(irq());
  wr(kIntEna, 0);
  EXPECT_FALSE(irq());
  EXPECT_EQ(rd(kIntSt), 0u);
  EXPECT_EQ(rd(kIntRaw) & kTxfifoEmpty, kTxfifoEmpty);
}

TEST_F(Esp8266UartTest, TxfifoResetEmptiesTheFifoWhileSet) {
  uart_.attach(&host_);
  wr(kClkdiv, 100);
  for (int i = 0; i < 5; ++i) wr(kFifo, 'a');
  EXPECT_EQ(tx_cnt(), 4u);
  wr(kConf0, 0x1C | kTxfifoRst);
  EXPECT_EQ(tx_cnt(), 0u);
  wr(kFifo, 'b');  // discarded while the reset is held
  EXPECT_EQ(tx_cnt(), 0u);
  wr(kConf0, 0x1C);
  run_to(1000);  // the character in the shift register finishes
  wr(kFifo, 'c');
  EXPECT_EQ(host_.output(), "aaaaac");
}

// ---- receive --------------------------------------------------------------------------------

TEST_F(Esp8266UartTest, HostBytesLandOneCharacterTimeApart) {
  uart_.attach(&host_);
  uart_.set_host_poll_cycles(500);
  wr(kClkdiv, 100);
  host_.push_input("ABC");
  run_to(499);
  EXPECT_EQ(rx_cnt(), 0u);
  run_to(500);  // the first poll
  EXPECT_EQ(rx_cnt(), 1u);
  run_to(1499);
  EXPECT_EQ(rx_cnt(), 1u);
  run_to(1500);
  EXPECT_EQ(rx_cnt(), 2u);
  run_to(2500);
  EXPECT_EQ(rx_cnt(), 3u);
  EXPECT_EQ(rd(kFifo), 'A');
  EXPECT_EQ(rd(kFifo), 'B');
  EXPECT_EQ(rd(kFifo), 'C');
  EXPECT_EQ(rx_cnt(), 0u);
  testing::LogCapture log;
  EXPECT_EQ(rd(kFifo), 0u);
  EXPECT_NE(log.take().find("RX FIFO empty"), std::string::npos);
}

TEST_F(Esp8266UartTest, RxfifoFullInterruptAtTheThresholdCycle) {
  uart_.attach(&host_);
  uart_.set_host_poll_cycles(500);
  wr(kClkdiv, 100);
  wr(kConf1, conf1(3, 0));
  wr(kIntEna, kRxfifoFull);
  std::vector<std::pair<Cycles, bool>> edges;
  uart_.irq("irq")->connect([&](bool level) { edges.emplace_back(sched_.now(), level); });
  host_.push_input("ABCD");
  // Landing at 500, 1500, 2500: the third reaches the threshold.
  run_to(2499);
  EXPECT_FALSE(irq());
  run_to(2500);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kIntSt), kRxfifoFull);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0], (std::pair<Cycles, bool>{2500, true}));
  // Reading below the threshold drops the level.
  EXPECT_EQ(rd(kFifo), 'A');
  EXPECT_FALSE(irq());
  wr(kIntClr, kRxfifoFull);
  EXPECT_EQ(rd(kIntRaw) & kRxfifoFull, 0u);
}

TEST_F(Esp8266UartTest, HostInputIsHeldBackWhileTheFifoIsFull) {
  uart_.attach(&host_);
  uart_.set_host_poll_cycles(500);
  wr(kClkdiv, 10);  // 100 cycles per character
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('!' + i % 90);
  host_.push_input(text);
  run_to(1'000'000);
  EXPECT_EQ(rx_cnt(), 128u);
  EXPECT_EQ(host_.input_pending(), 300u - 128u);
  EXPECT_EQ(rd(kIntRaw) & kRxfifoOvf, 0u);
  // A slow reader gets every byte, in order.
  std::string got;
  while (got.size() < text.size() && sched_.now() < 10'000'000) {
    while (rx_cnt() > 0) got += static_cast<char>(rd(kFifo));
    run_to(sched_.now() + 5000);
  }
  EXPECT_EQ(got, text);
  EXPECT_EQ(rd(kIntRaw) & kRxfifoOvf, 0u);
}

TEST_F(Esp8266UartTest, RxTimeoutAfterTheConfiguredIdleTime) {
  uart_.attach(&host_);
  uart_.set_host_poll_cycles(500);
  wr(kClkdiv, 100);
  wr(kConf1, conf1(0x60, 0, 2, true));  // timeout after 2 character times
  wr(kIntEna, kRxfifoTout);
  host_.push_input("Z");
  run_to(500);  // lands
  ASSERT_EQ(rx_cnt(), 1u);
  run_to(2499);
  EXPECT_FALSE(irq());
  run_to(2500);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kIntSt), kRxfifoTout);
  // Latched until INT_CLR, even after the FIFO is read.
  EXPECT_EQ(rd(kFifo), 'Z');
  EXPECT_TRUE(irq());
  wr(kIntClr, kRxfifoTout);
  EXPECT_FALSE(irq());
  // Disabled: no timeout.
  wr(kConf1, conf1(0x60, 0, 2, false));
  host_.push_input("Y");
  run_to(100'000);
  EXPECT_EQ(rx_cnt(), 1u);
  EXPECT_FALSE(irq());
}

TEST_F(Esp8266UartTest, OverflowAndLineErrorsAreLatchedUntilCleared) {
  wr(kIntEna, kRxfifoOvf | kParityErr | kFrmErr);
  for (int i = 0; i < 128; ++i) uart_.inject_rx('a');
  EXPECT_EQ(rx_cnt(), 128u);
  EXPECT_FALSE(irq());
  uart_.inject_rx('b');  // lost
  EXPECT_EQ(rx_cnt(), 128u);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kIntSt), kRxfifoOvf);
  wr(kIntClr, kRxfifoOvf);
  EXPECT_FALSE(irq());
  while (rx_cnt()) rd(kFifo);
  uart_.inject_rx('p', true, false);
  EXPECT_EQ(rd(kIntSt), kParityErr);
  uart_.inject_rx('f', false, true);
  EXPECT_EQ(rd(kIntSt), kParityErr | kFrmErr);
  wr(kIntClr, kParityErr | kFrmErr);
  EXPECT_EQ(rd(kIntSt), 0u);
  EXPECT_FALSE(irq());
}

TEST_F(Esp8266UartTest, RxfifoResetHoldsHostInputBack) {
  uart_.attach(&host_);
  uart_.set_host_poll_cycles(500);
  wr(kClkdiv, 100);
  uart_.inject_rx('x');
  wr(kConf0, 0x1C | kRxfifoRst);
  EXPECT_EQ(rx_cnt(), 0u);
  host_.push_input("Q");
  run_to(5000);
  EXPECT_EQ(rx_cnt(), 0u);
  EXPECT_EQ(host_.input_pending(), 1u);
  wr(kConf0, 0x1C);
  run_to(5000);
  EXPECT_EQ(rx_cnt(), 1u);
  EXPECT_EQ(rd(kFifo), 'Q');
}

TEST_F(Esp8266UartTest, LoopbackReceivesWhatWasSentAndNotTheHost) {
  uart_.attach(&host_);
  uart_.set_host_poll_cycles(500);
  wr(kClkdiv, 100);
  wr(kConf0, 0x1C | kLoopback);
  host_.push_input("H");
  wr(kFifo, 'L');
  EXPECT_EQ(host_.output(), "");  // disconnected from the host
  run_to(999);
  EXPECT_EQ(rx_cnt(), 0u);
  run_to(1000);
  ASSERT_EQ(rx_cnt(), 1u);
  EXPECT_EQ(rd(kFifo), 'L');
  run_to(10'000);
  EXPECT_EQ(rx_cnt(), 0u);  // the host byte waits
  wr(kConf0, 0x1C);
  run_to(10'000);
  ASSERT_EQ(rx_cnt(), 1u);
  EXPECT_EQ(rd(kFifo), 'H');
}

TEST_F(Esp8266UartTest, ResetRestoresRegistersAndEmptiesFifos) {
  wr(kClkdiv, 5);
  wr(kIntEna, 0x1FF);
  uart_.inject_rx('a');
  wr(kFifo, 'b');
  wr(kFifo, 'c');
  uart_.reset();
  EXPECT_EQ(rd(kClkdiv), 0x2B6u);
  EXPECT_EQ(rd(kIntEna), 0u);
  EXPECT_EQ(rx_cnt(), 0u);
  EXPECT_EQ(tx_cnt(), 0u);
  EXPECT_FALSE(irq());
}

TEST(Esp8266UartRegistry, BuiltFromABoardDescription) {
  Scheduler sched;
  BoardDesc board;
  board.source_path = "test.yaml";
  PeripheralDesc d;
  d.name = "uart0";
  d.model = "esp8266-uart";
  d.params = {{"host_poll_cycles", "1000"}};
  DeviceContext ctx{&sched, 80'000'000, 80'000'000};
  auto dev = create_device(board, d, ctx);
  ASSERT_NE(dynamic_cast<Esp8266Uart*>(dev.get()), nullptr);
  d.params = {{"baud", "115200"}};
  EXPECT_THROW(create_device(board, d, ctx), BoardError);
}

}  // namespace
}  // namespace boardemu
