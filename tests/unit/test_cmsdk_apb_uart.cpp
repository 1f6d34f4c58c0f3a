// Register-level tests of the CMSDK APB UART model, no CPU: registers are poked directly and
// virtual time is stepped by hand.
//
// Reference: ARM DDI 0479C, Cortex-M System Design Kit TRM, chapter 4, "APB UART". The
// register offsets and bit positions below are written out from the TRM rather than taken
// from the model's header, so a wrong constant in the model fails here.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "uart/cmsdk_apb_uart.hpp"
#include "hostio/buffer_chardev.hpp"

namespace boardemu {
namespace {

// TRM register map.
constexpr std::uint32_t kData = 0x000;
constexpr std::uint32_t kState = 0x004;
constexpr std::uint32_t kCtrl = 0x008;
constexpr std::uint32_t kIntStatus = 0x00C;  // INTCLEAR on write
constexpr std::uint32_t kBaudDiv = 0x010;
// STATE
constexpr std::uint32_t kTxFull = 1u << 0, kRxFull = 1u << 1, kTxOvr = 1u << 2,
                        kRxOvr = 1u << 3;
// CTRL
constexpr std::uint32_t kTxEn = 1u << 0, kRxEn = 1u << 1, kTxIe = 1u << 2, kRxIe = 1u << 3,
                        kTxOie = 1u << 4, kRxOie = 1u << 5;
// INTSTATUS
constexpr std::uint32_t kIntTx = 1u << 0, kIntRx = 1u << 1, kIntTxOvr = 1u << 2,
                        kIntRxOvr = 1u << 3;

class UartTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kCpuHz = 1'000'000;  // default host poll: every 1000 cycles

  explicit UartTest(std::uint64_t cpu_hz = kCpuHz, std::uint64_t clock_hz = 0)
      : ctx_{&sched_, cpu_hz, clock_hz}, uart_("uart0", ctx_) {}

  std::uint32_t rd(std::uint32_t off) { return uart_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { uart_.write(off, v, 4); }

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
  CmsdkApbUart uart_;
  BufferCharBackend host_;
};

TEST_F(UartTest, ResetValues) {
  EXPECT_EQ(rd(kState), 0u);
  EXPECT_EQ(rd(kCtrl), 0u);
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_EQ(rd(kBaudDiv), 0u);
  EXPECT_EQ(rd(kData), 0u);
  for (const char* out : {"tx", "rx", "txovr", "rxovr", "combined"}) {
    ASSERT_NE(uart_.irq(out), nullptr) << out;
    EXPECT_FALSE(uart_.irq(out)->level()) << out;
  }
  EXPECT_EQ(uart_.irq("overflow"), nullptr);
}

TEST_F(UartTest, IdRegistersHoldDocumentedValues) {
  const std::uint32_t expected[12] = {0x04, 0x00, 0x00, 0x00, 0x21, 0xB8,
                                      0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
  for (unsigned i = 0; i < 12; ++i) EXPECT_EQ(rd(0xFD0 + 4 * i), expected[i]) << "index " << i;
  wr(0xFE0, 0x55);  // read-only: ignored
  EXPECT_EQ(rd(0xFE0), 0x21u);
}

TEST_F(UartTest, UnknownOffsetsReadZeroAndIgnoreWrites) {
  EXPECT_EQ(rd(0x014), 0u);
  EXPECT_EQ(rd(0x800), 0u);
  EXPECT_EQ(rd(0xFCC), 0u);
  wr(0x014, 0xFFFFFFFF);
  wr(0x800, 0xFFFFFFFF);
  EXPECT_EQ(rd(0x014), 0u);
  EXPECT_EQ(rd(kCtrl), 0u);
  EXPECT_EQ(rd(kBaudDiv), 0u);
}

TEST_F(UartTest, WritableMasks) {
  wr(kCtrl, 0xFFFFFF80);  // above the 7 CTRL bits: nothing sticks
  EXPECT_EQ(rd(kCtrl), 0u);
  wr(kCtrl, 0x3F);
  EXPECT_EQ(rd(kCtrl), 0x3Fu);
  wr(kBaudDiv, 0xFFFFFFFF);  // BAUDDIV is 20 bits
  EXPECT_EQ(rd(kBaudDiv), 0xFFFFFu);
  wr(kState, 0xFFFFFFFF);  // TXFULL/RXFULL read-only, overrun bits W1C
  EXPECT_EQ(rd(kState), 0u);
  wr(kIntStatus, 0xFFFFFFFF);  // write-1-to-clear only
  EXPECT_EQ(rd(kIntStatus), 0u);
  // Narrow access: a byte read of BAUDDIV's second byte.
  wr(kBaudDiv, 0x12345);
  EXPECT_EQ(uart_.read(kBaudDiv + 1, 1), 0x23u);
}

TEST_F(UartTest, TxBufferFullForExactlyTenBitTimes) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn);
  run_to(100);
  wr(kData, 'A');
  EXPECT_EQ(rd(kState) & kTxFull, kTxFull);
  EXPECT_EQ(host_.output(), "A");  // handed to the host at write time
  run_to(100 + 10 * 16 - 1);
  EXPECT_EQ(rd(kState) & kTxFull, kTxFull);
  run_to(100 + 10 * 16);
  EXPECT_EQ(rd(kState) & kTxFull, 0u);
  EXPECT_EQ(rd(kState), 0u);
  EXPECT_EQ(rd(kIntStatus), 0u);  // TXIE off: no interrupt
  EXPECT_FALSE(uart_.irq("combined")->level());
}

TEST_F(UartTest, TxTimeFollowsBauddiv) {
  wr(kBaudDiv, 217);
  wr(kCtrl, kTxEn);
  wr(kData, 'x');
  EXPECT_EQ(uart_.char_cycles(), 2170u);
  run_to(2169);
  EXPECT_NE(rd(kState) & kTxFull, 0u);
  run_to(2170);
  EXPECT_EQ(rd(kState) & kTxFull, 0u);
}

TEST_F(UartTest, BauddivBelowMinimumIsTimedAsSixteen) {
  wr(kCtrl, kTxEn);  // BAUDDIV still 0 from reset
  wr(kData, 'x');
  run_to(159);
  EXPECT_NE(rd(kState) & kTxFull, 0u);
  run_to(160);
  EXPECT_EQ(rd(kState) & kTxFull, 0u);
}

TEST_F(UartTest, TxInterruptWhenBufferEmpties) {
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn | kTxIe);
  wr(kData, 'x');
  run_to(159);
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_FALSE(uart_.irq("tx")->level());
  run_to(160);
  EXPECT_EQ(rd(kIntStatus), kIntTx);
  EXPECT_TRUE(uart_.irq("tx")->level());
  EXPECT_TRUE(uart_.irq("combined")->level());
  EXPECT_FALSE(uart_.irq("rx")->level());
  // Sticky until cleared; writing 0 bits clears nothing.
  wr(kIntStatus, 0);
  EXPECT_EQ(rd(kIntStatus), kIntTx);
  wr(kIntStatus, kIntTx);  // INTCLEAR, write 1 to clear
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_FALSE(uart_.irq("tx")->level());
  EXPECT_FALSE(uart_.irq("combined")->level());
}

TEST_F(UartTest, IrqLineDrivesConnectedSink) {
  std::vector<std::pair<Cycles, bool>> edges;
  uart_.irq("combined")->connect([&](bool level) { edges.emplace_back(sched_.now(), level); });
  wr(kBaudDiv, 20);
  wr(kCtrl, kTxEn | kTxIe);
  wr(kData, 'x');
  run_to(1000);
  wr(kIntStatus, kIntTx);
  ASSERT_EQ(edges.size(), 2u);
  EXPECT_EQ(edges[0], (std::pair<Cycles, bool>{200, true}));
  EXPECT_EQ(edges[1], (std::pair<Cycles, bool>{1000, false}));
}

TEST_F(UartTest, TxOverrunDropsCharacterAndFlags) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn);
  wr(kData, 'a');
  wr(kData, 'b');  // buffer still full
  EXPECT_EQ(rd(kState), kTxFull | kTxOvr);
  EXPECT_EQ(rd(kIntStatus), 0u);  // TXOIE off
  EXPECT_FALSE(uart_.irq("txovr")->level());
  // Enabling the overrun interrupt reflects the flag that is already set.
  wr(kCtrl, kTxEn | kTxOie);
  EXPECT_EQ(rd(kIntStatus), kIntTxOvr);
  EXPECT_TRUE(uart_.irq("txovr")->level());
  EXPECT_TRUE(uart_.irq("combined")->level());
  // Clearing it in INTCLEAR clears STATE.TXOVR as well.
  wr(kIntStatus, kIntTxOvr);
  EXPECT_EQ(rd(kState) & kTxOvr, 0u);
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_FALSE(uart_.irq("txovr")->level());
  run_to(160);
  EXPECT_EQ(host_.output(), "a");
  EXPECT_EQ(rd(kState), 0u);
}

TEST_F(UartTest, StateOverrunBitsAreWriteOneToClear) {
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn | kRxEn | kTxOie | kRxOie);
  wr(kData, 'a');
  wr(kData, 'b');
  uart_.inject_rx('1');
  uart_.inject_rx('2');
  EXPECT_EQ(rd(kState), kTxFull | kRxFull | kTxOvr | kRxOvr);
  EXPECT_EQ(rd(kIntStatus), kIntTxOvr | kIntRxOvr);
  wr(kState, kTxOvr);
  EXPECT_EQ(rd(kState), kTxFull | kRxFull | kRxOvr);
  EXPECT_EQ(rd(kIntStatus), kIntRxOvr);
  EXPECT_FALSE(uart_.irq("txovr")->level());
  EXPECT_TRUE(uart_.irq("rxovr")->level());
  wr(kState, kRxOvr);
  EXPECT_EQ(rd(kState), kTxFull | kRxFull);
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_FALSE(uart_.irq("combined")->level());
  EXPECT_EQ(rd(kData), '2');  // the overrunning character is the one in the buffer
}

TEST_F(UartTest, WritesWhileTxDisabledAreDropped) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kData, 'x');
  EXPECT_EQ(rd(kState), 0u);
  EXPECT_EQ(host_.output(), "");
  wr(kCtrl, kTxEn);
  wr(kData, 'y');
  EXPECT_EQ(host_.output(), "y");
}

TEST_F(UartTest, NoBackendDiscardsOutputAndTimesIt) {
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn | kRxEn);
  for (int i = 0; i < 3; ++i) {
    wr(kData, 'x');
    EXPECT_NE(rd(kState) & kTxFull, 0u);
    run_to(sched_.now() + 160);
    EXPECT_EQ(rd(kState) & kTxFull, 0u);
  }
  run_to(100000);
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  EXPECT_EQ(sched_.pending_count(), 0u);  // no host-poll event without a host
}

TEST_F(UartTest, RxByteLandsAtHostPollAndRaisesInterrupt) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kRxEn | kRxIe);
  host_.push_input("A");
  run_to(999);  // host poll every 1000 cycles (1 ms at 1 MHz)
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  EXPECT_FALSE(uart_.irq("rx")->level());
  run_to(1000);
  EXPECT_EQ(rd(kState), kRxFull);
  EXPECT_EQ(rd(kIntStatus), kIntRx);
  EXPECT_TRUE(uart_.irq("rx")->level());
  EXPECT_TRUE(uart_.irq("combined")->level());
  EXPECT_EQ(rd(kData), 'A');
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  EXPECT_TRUE(uart_.irq("rx")->level());  // INTSTATUS.RX is sticky
  wr(kIntStatus, kIntRx);
  EXPECT_FALSE(uart_.irq("rx")->level());
  EXPECT_GE(host_.poll_count(), 1u);
}

TEST_F(UartTest, RxQueuedBytesArriveOneCharacterTimeApart) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kRxEn);
  host_.push_input("ABC");
  run_to(1000);
  ASSERT_EQ(rd(kState) & kRxFull, kRxFull);
  EXPECT_EQ(rd(kData), 'A');  // read at once, at cycle 1000
  run_to(1159);
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  run_to(1160);  // no host poll needed: the byte was already waiting
  ASSERT_EQ(rd(kState) & kRxFull, kRxFull);
  EXPECT_EQ(rd(kData), 'B');
  run_to(1319);
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  run_to(1320);
  ASSERT_EQ(rd(kState) & kRxFull, kRxFull);
  EXPECT_EQ(rd(kData), 'C');
  run_to(5000);
  EXPECT_EQ(rd(kState), 0u);
}

TEST_F(UartTest, SlowReaderLosesNothing) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kRxEn);
  const std::string text = "the quick brown fox";
  host_.push_input(text);
  std::string got;
  // The guest looks every 5000 cycles, far slower than one character time.
  for (Cycles t = 5000; got.size() < text.size() && t < 1'000'000; t += 5000) {
    run_to(t);
    if (rd(kState) & kRxFull) got += static_cast<char>(rd(kData));
  }
  EXPECT_EQ(got, text);
  EXPECT_EQ(rd(kState) & kRxOvr, 0u);
  EXPECT_EQ(host_.input_pending(), 0u);
}

TEST_F(UartTest, NextByteLandsAsSoonAsSlowReaderEmptiesBuffer) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kRxEn);
  host_.push_input("xy");
  run_to(1000);
  run_to(4000);  // long past one character time
  EXPECT_EQ(rd(kData), 'x');
  run_to(4000);  // same cycle: the waiting byte lands as soon as due events run
  EXPECT_EQ(rd(kState) & kRxFull, kRxFull);
  EXPECT_EQ(rd(kData), 'y');
}

TEST_F(UartTest, SixtyFourKiBPasteArrivesInFullAndInOrder) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kRxEn | kRxIe);
  std::string paste(64 * 1024, '\0');
  std::uint32_t lcg = 12345;
  for (char& c : paste) {
    lcg = lcg * 1664525u + 1013904223u;
    c = static_cast<char>(lcg >> 24);
  }
  host_.push_input(paste);
  std::string got;
  got.reserve(paste.size());
  Cycles first = 0, last = 0;
  // A guest that reads each byte as soon as it lands.
  while (got.size() < paste.size() && sched_.now() < 100'000'000) {
    run_to(sched_.next_deadline());
    if (rd(kState) & kRxFull) {
      if (got.empty()) first = sched_.now();
      last = sched_.now();
      got += static_cast<char>(rd(kData));
      wr(kIntStatus, kIntRx);
    }
  }
  ASSERT_EQ(got.size(), paste.size());
  EXPECT_TRUE(got == paste);
  EXPECT_EQ(rd(kState) & kRxOvr, 0u);
  // Paced by the baud rate: exactly one character time (160 cycles) apart.
  EXPECT_EQ(first, 1000u);
  EXPECT_EQ(last, first + (paste.size() - 1) * 160);
}

TEST_F(UartTest, RxDisabledLeavesInputWithHost) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  host_.push_input("hi");
  run_to(10'000);
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  EXPECT_EQ(host_.input_pending(), 2u);
  wr(kCtrl, kRxEn);  // enabling RX takes the waiting byte without waiting for a poll
  run_to(10'000);
  EXPECT_EQ(rd(kState) & kRxFull, kRxFull);
  EXPECT_EQ(rd(kData), 'h');
  wr(kCtrl, 0);
  run_to(20'000);
  EXPECT_EQ(rd(kState) & kRxFull, 0u);
  EXPECT_EQ(host_.input_pending(), 1u);
}

TEST_F(UartTest, RxOverrunFromInjectedCharacter) {
  wr(kCtrl, kRxEn | kRxOie);
  uart_.inject_rx('a');
  EXPECT_EQ(rd(kState), kRxFull);
  EXPECT_FALSE(uart_.irq("rxovr")->level());
  uart_.inject_rx('b');
  EXPECT_EQ(rd(kState), kRxFull | kRxOvr);
  EXPECT_EQ(rd(kIntStatus), kIntRxOvr);
  EXPECT_TRUE(uart_.irq("rxovr")->level());
  EXPECT_TRUE(uart_.irq("combined")->level());
  wr(kIntStatus, kIntRxOvr);
  EXPECT_EQ(rd(kState), kRxFull);
  EXPECT_FALSE(uart_.irq("rxovr")->level());
}

TEST_F(UartTest, ResetCancelsTransferAndRestoresResetValues) {
  uart_.attach(&host_);
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn | kTxIe | kRxEn | kRxIe);
  host_.push_input("q");
  run_to(1000);
  wr(kData, 'x');
  ASSERT_EQ(rd(kState), kTxFull | kRxFull);
  ASSERT_TRUE(uart_.irq("rx")->level());
  uart_.reset();
  EXPECT_EQ(rd(kState), 0u);
  EXPECT_EQ(rd(kCtrl), 0u);
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_EQ(rd(kBaudDiv), 0u);
  EXPECT_FALSE(uart_.irq("combined")->level());
  run_to(5000);  // the cancelled transmission raises nothing
  EXPECT_EQ(rd(kIntStatus), 0u);
  EXPECT_EQ(rd(kState), 0u);
  // The host connection survives reset and keeps polling.
  std::uint64_t polls = host_.poll_count();
  run_to(10'000);
  EXPECT_GT(host_.poll_count(), polls);
}

TEST_F(UartTest, HostPollRunsEveryMillisecondOfVirtualTime) {
  uart_.attach(&host_);
  run_to(10'000);
  EXPECT_EQ(host_.poll_count(), 10u);
  uart_.set_host_poll_cycles(250);
  run_to(11'000);
  EXPECT_EQ(host_.poll_count(), 14u);
  uart_.attach(nullptr);
  run_to(20'000);
  EXPECT_EQ(host_.poll_count(), 14u);
  EXPECT_EQ(sched_.pending_count(), 0u);
}

TEST_F(UartTest, LateHostPollDoesNotDrift) {
  uart_.attach(&host_);
  // One big jump, as a CPU slice overshooting: missed polls are skipped, not bunched.
  sched_.advance_to(3500);
  sched_.run_due();
  EXPECT_EQ(host_.poll_count(), 1u);
  EXPECT_EQ(sched_.next_deadline(), 4000u);
}

TEST(UartParams, ParsesHostPollCycles) {
  auto p = CmsdkApbUart::parse_params({{"host_poll_cycles", "0x100"}});
  EXPECT_EQ(p.host_poll_cycles, 256u);
  EXPECT_THROW(CmsdkApbUart::parse_params({{"host_poll_cycles", "soon"}}),
               std::invalid_argument);
  EXPECT_THROW(CmsdkApbUart::parse_params({{"baud", "9600"}}), std::invalid_argument);

  Scheduler sched;
  DeviceContext ctx{&sched, 1'000'000, 0};
  CmsdkApbUart uart("uart1", ctx, p);
  BufferCharBackend host;
  uart.attach(&host);
  sched.advance_to(255);
  sched.run_due();
  EXPECT_EQ(host.poll_count(), 0u);
  sched.advance_to(256);
  sched.run_due();
  EXPECT_EQ(host.poll_count(), 1u);
}

TEST(UartParams, RejectsMissingClock) {
  Scheduler sched;
  EXPECT_THROW(CmsdkApbUart("u", DeviceContext{&sched, 0, 0}), std::invalid_argument);
  EXPECT_THROW(CmsdkApbUart("u", DeviceContext{nullptr, 1000, 0}), std::invalid_argument);
}

// UART clock 2 MHz, CPU clock 3 MHz: UART edge k is at CPU time 1.5 k.
class UartSlowClockTest : public UartTest {
 protected:
  UartSlowClockTest() : UartTest(3'000'000, 2'000'000) {}
};

TEST_F(UartSlowClockTest, CharacterTimeConvertedToCpuCyclesExactly) {
  wr(kBaudDiv, 16);
  wr(kCtrl, kTxEn);
  // Written at CPU 0, on a UART edge: 160 UART cycles = 240 CPU cycles.
  wr(kData, 'a');
  run_to(239);
  EXPECT_NE(rd(kState) & kTxFull, 0u);
  run_to(240);
  EXPECT_EQ(rd(kState) & kTxFull, 0u);
  // Written at CPU 241: the next UART edge is k=161 (CPU 241.5); the character ends at edge
  // 321 (CPU 481.5), seen from CPU cycle 482.
  run_to(241);
  wr(kData, 'b');
  run_to(481);
  EXPECT_NE(rd(kState) & kTxFull, 0u);
  run_to(482);
  EXPECT_EQ(rd(kState) & kTxFull, 0u);
}

// A non-integer clock ratio over many characters: each character costs 10 * BAUDDIV UART
// cycles plus at most the wait for the next UART edge; rounding never accumulates.
class UartOddClockTest : public UartTest {
 protected:
  UartOddClockTest() : UartTest(48'000'000, 25'000'000) {}
};

TEST_F(UartOddClockTest, BackToBackCharactersDoNotDrift) {
  wr(kBaudDiv, 217);
  wr(kCtrl, kTxEn);
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    wr(kData, 'x');
    ASSERT_NE(rd(kState) & kTxFull, 0u);
    run_to(sched_.next_deadline());
    ASSERT_EQ(rd(kState) & kTxFull, 0u);
  }
  // Elapsed UART cycles (the clock ratio is 25/48).
  double uart_cycles = static_cast<double>(sched_.now()) * 25.0 / 48.0;
  EXPECT_GE(uart_cycles, n * 2170.0);
  EXPECT_LE(uart_cycles, n * 2171.0);
}

TEST(UartDeterminism, SameInputsSameCycles) {
  auto run = [] {
    Scheduler sched;
    DeviceContext ctx{&sched, 1'000'000, 0};
    CmsdkApbUart uart("u", ctx);
    BufferCharBackend host;
    uart.attach(&host);
    uart.write(kBaudDiv, 16, 4);
    uart.write(kCtrl, kRxEn | kTxEn, 4);
    host.push_input("determinism");
    std::vector<Cycles> landed;
    while (landed.size() < 11) {
      sched.advance_to(sched.next_deadline() + 7);  // an uneven CPU slice
      sched.run_due();
      if (uart.read(kState, 4) & kRxFull) {
        landed.push_back(sched.now());
        uart.write(kData, uart.read(kData, 4), 4);  // echo
      }
    }
    return std::make_pair(landed, host.output());
  };
  auto a = run();
  auto b = run();
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);
  EXPECT_EQ(a.second, "determinism");
}

}  // namespace
}  // namespace boardemu
