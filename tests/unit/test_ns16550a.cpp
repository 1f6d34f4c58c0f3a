// Register-level tests of the NS16550A UART model, no CPU: registers are poked directly and
// virtual time is stepped by hand.
//
// Reference: PC16550D "Universal Asynchronous Receiver/Transmitter with FIFOs" (National
// Semiconductor 1995, TI SNLS378C): register summary, Line Status / FIFO Control / Interrupt
// Identification / Modem Control / Modem Status register descriptions, the interrupt control
// table, "FIFO Interrupt Mode Operation" and the reset table. The offsets and bit positions
// below are written out from the datasheet rather than taken from the model's header, so a
// wrong constant in the model fails here.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hostio/buffer_chardev.hpp"
#include "machine/device_registry.hpp"
#include "uart/ns16550a.hpp"

namespace boardemu {
namespace {

// Register offsets (reg-shift 0, as on QEMU virt).
constexpr std::uint32_t kRbr = 0, kThr = 0, kDll = 0;
constexpr std::uint32_t kIer = 1, kDlm = 1;
constexpr std::uint32_t kIir = 2, kFcr = 2;
constexpr std::uint32_t kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;
// IER
constexpr std::uint8_t kErbfi = 0x01, kEtbei = 0x02, kElsi = 0x04, kEdssi = 0x08;
// IIR
constexpr std::uint8_t kIirNone = 0x01, kIirRls = 0x06, kIirRda = 0x04, kIirCti = 0x0C,
                       kIirThre = 0x02, kIirMs = 0x00, kIirFifos = 0xC0;
// FCR
constexpr std::uint8_t kFifoEn = 0x01, kRxRst = 0x02, kTxRst = 0x04;
constexpr std::uint8_t kTrig1 = 0x00, kTrig4 = 0x40, kTrig8 = 0x80, kTrig14 = 0xC0;
// LCR
constexpr std::uint8_t k8N1 = 0x03, kDlab = 0x80;
// MCR
constexpr std::uint8_t kDtr = 0x01, kRts = 0x02, kOut1 = 0x04, kOut2 = 0x08, kLoop = 0x10;
// LSR
constexpr std::uint8_t kDr = 0x01, kOe = 0x02, kPe = 0x04, kFe = 0x08, kBi = 0x10, kThre = 0x20,
                       kTemt = 0x40, kRxFifoErr = 0x80;
// MSR
constexpr std::uint8_t kDcts = 0x01, kDdsr = 0x02, kTeri = 0x04, kDdcd = 0x08, kCts = 0x10,
                       kDsr = 0x20, kRi = 0x40, kDcd = 0x80;

class Ns16550aTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kCpuHz = 1'000'000;  // default host poll: every 1000 cycles

  explicit Ns16550aTest(std::uint64_t cpu_hz = kCpuHz, std::uint64_t clock_hz = 0)
      : ctx_{&sched_, cpu_hz, clock_hz}, uart_("uart0", ctx_) {}

  std::uint8_t rd(std::uint32_t off) { return static_cast<std::uint8_t>(uart_.read(off, 1)); }
  void wr(std::uint32_t off, std::uint8_t v) { uart_.write(off, v, 1); }
  bool irq() { return uart_.irq("irq")->level(); }

  void set_divisor(std::uint16_t div, std::uint8_t lcr = k8N1) {
    wr(kLcr, lcr | kDlab);
    wr(kDll, div & 0xFF);
    wr(kDlm, div >> 8);
    wr(kLcr, lcr);
  }

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
  Ns16550a uart_;
  BufferCharBackend host_;
};

// ---- registers --------------------------------------------------------------------------------

TEST_F(Ns16550aTest, ResetValues) {
  // Datasheet reset table: IER, FCR, LCR, MCR all 0; IIR bit 0 set; LSR bits 5 and 6 set;
  // MSR bits 3..0 clear, bits 7..4 the modem inputs (a ready peer: CTS, DSR, DCD).
  EXPECT_EQ(rd(kIer), 0x00);
  EXPECT_EQ(rd(kIir), kIirNone);
  EXPECT_EQ(rd(kLcr), 0x00);
  EXPECT_EQ(rd(kMcr), 0x00);
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
  EXPECT_EQ(rd(kMsr), kCts | kDsr | kDcd);
  EXPECT_EQ(rd(kScr), 0x00);
  EXPECT_EQ(rd(kRbr), 0x00);
  wr(kLcr, kDlab);
  EXPECT_EQ(rd(kDll), 0x00);
  EXPECT_EQ(rd(kDlm), 0x00);
  ASSERT_NE(uart_.irq("irq"), nullptr);
  EXPECT_FALSE(irq());
  EXPECT_EQ(uart_.irq("tx"), nullptr);
  EXPECT_EQ(uart_.irq("combined"), nullptr);
}

TEST_F(Ns16550aTest, DlabSelectsDivisorLatchesAtOffsetsZeroAndOne) {
  uart_.attach(&host_);
  wr(kIer, kErbfi | kElsi);
  wr(kScr, 0x5A);
  wr(kLcr, kDlab | k8N1);
  EXPECT_EQ(rd(kDll), 0x00);  // not IER's value
  EXPECT_EQ(rd(kDlm), 0x00);
  wr(kDll, 0x34);
  wr(kDlm, 0x12);
  EXPECT_EQ(rd(kDll), 0x34);
  EXPECT_EQ(rd(kDlm), 0x12);
  // DLAB does not bank offsets 2..7.
  EXPECT_EQ(rd(kLcr), kDlab | k8N1);
  EXPECT_EQ(rd(kScr), 0x5A);
  EXPECT_EQ(rd(kLsr), kThre | kTemt);  // the DLL write sent nothing
  EXPECT_EQ(host_.output(), "");
  wr(kLcr, k8N1);
  EXPECT_EQ(rd(kIer), kErbfi | kElsi);
  EXPECT_EQ(rd(kRbr), 0x00);  // RBR again, not DLL
  // The divisor took effect: 10 bits x 16 x 0x1234 clocks per character.
  EXPECT_EQ(uart_.char_clocks(), 160u * 0x1234);
}

TEST_F(Ns16550aTest, WritableBitsAndReadOnlyRegisters) {
  wr(kIer, 0xFF);
  EXPECT_EQ(rd(kIer), 0x0F);  // bits 7..4 are always 0
  wr(kIer, 0);
  wr(kMcr, 0xEF);
  EXPECT_EQ(rd(kMcr), 0x0F);  // bits 7..5 are always 0
  wr(kMcr, 0);
  wr(kLcr, 0x7F);
  EXPECT_EQ(rd(kLcr), 0x7F);
  wr(kLcr, 0);
  wr(kScr, 0xA5);
  EXPECT_EQ(rd(kScr), 0xA5);
  wr(kLsr, 0x00);  // read-only
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
  wr(kMsr, 0x0F);  // read-only
  EXPECT_EQ(rd(kMsr), kCts | kDsr | kDcd);
}

TEST_F(Ns16550aTest, OffsetsBeyondTheMapReadZeroAndIgnoreWrites) {
  wr(kScr, 0x11);
  EXPECT_EQ(uart_.read(8, 1), 0u);
  EXPECT_EQ(uart_.read(0xFF, 4), 0u);
  uart_.write(8, 0xFF, 1);
  uart_.write(0x10, 0xFFFFFFFF, 4);
  EXPECT_EQ(rd(kScr), 0x11);
  EXPECT_EQ(rd(kLcr), 0x00);
  EXPECT_EQ(rd(kIer), 0x00);
}

TEST_F(Ns16550aTest, WideAccessesUseTheLowByteOfOneRegister) {
  uart_.attach(&host_);
  uart_.write(kScr, 0x12345678, 4);
  EXPECT_EQ(uart_.read(kScr, 1), 0x78u);
  EXPECT_EQ(uart_.read(kScr, 4), 0x78u);
  EXPECT_EQ(uart_.read(kScr, 2), 0x78u);
  // A 32-bit write at offset 0 touches THR only, not IER/FCR/LCR in the upper bytes.
  uart_.write(kThr, 0xFFFFFF41, 4);
  EXPECT_EQ(host_.output(), "A");
  EXPECT_EQ(rd(kIer), 0x00);
  EXPECT_EQ(rd(kLcr), 0x00);
  EXPECT_EQ(rd(kIir), kIirNone);  // FIFOs still disabled
  // A 32-bit read of RBR takes exactly one character and returns it zero-extended.
  wr(kFcr, kFifoEn);
  uart_.inject_rx('x');
  uart_.inject_rx('y');
  EXPECT_EQ(uart_.read(kRbr, 4), std::uint32_t{'x'});
  EXPECT_EQ(uart_.read(kLsr, 4) & kDr, kDr);
  EXPECT_EQ(uart_.read(kRbr, 2), std::uint32_t{'y'});
  EXPECT_EQ(uart_.read(kLsr, 4) & kDr, 0u);
}

// ---- character timing -----------------------------------------------------------------------

TEST_F(Ns16550aTest, DivisorZeroIsTimedAsOne) {
  // Nothing programmed, as MicroPython's ports/qemu leaves it: LCR=0 is 5N1, 7 bits x 16 x 1.
  EXPECT_EQ(uart_.char_clocks(), 112u);
  wr(kThr, 'a');
  run_to(111);
  EXPECT_EQ(rd(kLsr) & kTemt, 0);
  run_to(112);
  EXPECT_EQ(rd(kLsr) & kTemt, kTemt);
}

TEST_F(Ns16550aTest, CharacterTimeFollowsLcr) {
  struct Case {
    std::uint8_t lcr;
    unsigned clocks16;  // character length in 16x clocks
  };
  const Case cases[] = {
      {0x00, (1 + 5 + 1) * 16},       // 5N1
      {0x04, (1 + 5) * 16 + 24},      // 5N1.5
      {0x03, (1 + 8 + 1) * 16},       // 8N1
      {0x1B, (1 + 8 + 1 + 1) * 16},   // 8E1
      {0x0F, (1 + 8 + 1 + 2) * 16},   // 8O2
      {0x06, (1 + 7 + 2) * 16},       // 7N2
      {0x39, (1 + 6 + 1 + 1) * 16},   // 6, stick parity, 1 stop
  };
  for (const Case& c : cases) {
    uart_.reset();
    Cycles t0 = sched_.now();
    set_divisor(3, c.lcr);
    EXPECT_EQ(uart_.char_clocks(), 3u * c.clocks16) << "LCR " << int(c.lcr);
    wr(kThr, 'x');
    run_to(t0 + 3 * c.clocks16 - 1);
    EXPECT_EQ(rd(kLsr) & kTemt, 0) << "LCR " << int(c.lcr);
    run_to(t0 + 3 * c.clocks16);
    EXPECT_EQ(rd(kLsr) & kTemt, kTemt) << "LCR " << int(c.lcr);
  }
}

TEST_F(Ns16550aTest, ThreAndTemtFollowTheShiftRegister) {
  uart_.attach(&host_);
  set_divisor(1);  // 8N1: 160 cycles per character
  wr(kThr, 'A');
  // 'A' moved straight into the idle shift register: THR empty, transmitter not.
  EXPECT_EQ(rd(kLsr), kThre);
  wr(kThr, 'B');
  EXPECT_EQ(rd(kLsr), 0x00);
  EXPECT_EQ(host_.output(), "AB");  // handed to the host at write time
  run_to(159);
  EXPECT_EQ(rd(kLsr), 0x00);
  run_to(160);
  EXPECT_EQ(rd(kLsr), kThre);  // 'B' is being shifted out
  run_to(319);
  EXPECT_EQ(rd(kLsr), kThre);
  run_to(320);
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
}

TEST_F(Ns16550aTest, TransmitFifoHoldsSixteenAndDrainsOnePerCharacterTime) {
  uart_.attach(&host_);
  set_divisor(1);
  wr(kFcr, kFifoEn);
  const std::string text = "0123456789abcdefg";  // 17: one in the TSR, 16 in the FIFO
  for (char c : text) wr(kThr, static_cast<std::uint8_t>(c));
  EXPECT_EQ(uart_.tx_fifo_level(), 16u);
  wr(kThr, '!');  // FIFO full: dropped
  EXPECT_EQ(host_.output(), text);
  EXPECT_EQ(rd(kLsr) & (kThre | kTemt), 0);
  run_to(160);
  EXPECT_EQ(uart_.tx_fifo_level(), 15u);
  run_to(16 * 160 - 1);
  EXPECT_EQ(uart_.tx_fifo_level(), 1u);
  EXPECT_EQ(rd(kLsr) & kThre, 0);
  run_to(16 * 160);
  EXPECT_EQ(rd(kLsr) & (kThre | kTemt), kThre);
  run_to(17 * 160 - 1);
  EXPECT_EQ(rd(kLsr) & kTemt, 0);
  run_to(17 * 160);
  EXPECT_EQ(rd(kLsr) & kTemt, kTemt);
}

// QEMU virt's UART clock (3.6864 MHz) under a 10 MHz CPU: the ratio is not an integer.
class Ns16550aVirtClockTest : public Ns16550aTest {
 protected:
  Ns16550aVirtClockTest() : Ns16550aTest(10'000'000, 3'686'400) {}
};

TEST_F(Ns16550aVirtClockTest, CharacterTimeConvertedToCpuCyclesExactly) {
  set_divisor(2);  // 115200 baud: 8N1 is 320 UART clocks
  // Written at CPU 0, on UART edge 0: ends at edge 320 = CPU 868.06, seen from cycle 869.
  EXPECT_EQ(uart_.char_cycles(), 869u);
  wr(kThr, 'a');
  run_to(868);
  EXPECT_EQ(rd(kLsr) & kTemt, 0);
  run_to(869);
  EXPECT_EQ(rd(kLsr) & kTemt, kTemt);
  // Written at CPU 1000 (UART edge 368.64): starts on edge 369, ends on edge 689 = CPU
  // 1869.03, seen from cycle 1870.
  run_to(1000);
  wr(kThr, 'b');
  run_to(1869);
  EXPECT_EQ(rd(kLsr) & kTemt, 0);
  run_to(1870);
  EXPECT_EQ(rd(kLsr) & kTemt, kTemt);
}

TEST_F(Ns16550aVirtClockTest, BackToBackCharactersDoNotDrift) {
  set_divisor(2);
  // A polling writer (like MicroPython's uart_tx_strn) keeps THR full: 100 characters end on
  // UART edge 100 * 320 = 32000 = CPU 86805.6, so the transmitter empties at cycle 86806.
  int sent = 0;
  while (sent < 100) {
    if (rd(kLsr) & kThre) {
      wr(kThr, 'x');
      ++sent;
      continue;
    }
    run_to(sched_.next_deadline());
  }
  run_to(86805);
  EXPECT_EQ(rd(kLsr) & kTemt, 0);
  run_to(86806);
  EXPECT_EQ(rd(kLsr) & kTemt, kTemt);
}

// ---- FIFO control ---------------------------------------------------------------------------

TEST_F(Ns16550aTest, FifoEnableShowsInIirAndSwitchingModesEmptiesFifos) {
  EXPECT_EQ(rd(kIir), kIirNone);
  wr(kFcr, kFifoEn);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirNone);
  uart_.inject_rx('a');
  uart_.inject_rx('b');
  EXPECT_EQ(uart_.rx_fifo_level(), 2u);
  wr(kFcr, 0);  // back to 16450 mode
  EXPECT_EQ(rd(kIir), kIirNone);
  EXPECT_EQ(uart_.rx_fifo_level(), 0u);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  uart_.inject_rx('c');  // 16450 mode: the RBR holds one character
  wr(kFcr, kFifoEn);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
}

TEST_F(Ns16550aTest, FcrResetBitsEmptyOneFifoEach) {
  set_divisor(1);
  wr(kFcr, kFifoEn);
  for (char c : std::string("abcde")) wr(kThr, static_cast<std::uint8_t>(c));
  uart_.inject_rx('1');
  uart_.inject_rx('2');
  wr(kFcr, kFifoEn | kRxRst);
  EXPECT_EQ(uart_.rx_fifo_level(), 0u);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  EXPECT_EQ(uart_.tx_fifo_level(), 4u);  // untouched
  wr(kFcr, kFifoEn | kTxRst);
  EXPECT_EQ(uart_.tx_fifo_level(), 0u);
  // The shift register is not cleared: the character in it completes.
  EXPECT_EQ(rd(kLsr) & (kThre | kTemt), kThre);
  run_to(159);
  EXPECT_EQ(rd(kLsr) & kTemt, 0);
  run_to(160);
  EXPECT_EQ(rd(kLsr) & kTemt, kTemt);
  // Reset bits without FCR0 program nothing (and FCR0=0 leaves FIFO mode).
  uart_.inject_rx('3');
  wr(kFcr, kRxRst);
  EXPECT_EQ(rd(kIir) & kIirFifos, 0);
}

TEST_F(Ns16550aTest, ReceiveTriggerLevels) {
  const std::pair<std::uint8_t, unsigned> levels[] = {
      {kTrig1, 1}, {kTrig4, 4}, {kTrig8, 8}, {kTrig14, 14}};
  for (auto [bits, level] : levels) {
    uart_.reset();
    wr(kFcr, kFifoEn | bits);
    wr(kIer, kErbfi);
    for (unsigned i = 0; i + 1 < level; ++i) uart_.inject_rx(static_cast<std::uint8_t>('a' + i));
    EXPECT_EQ(rd(kIir), kIirFifos | kIirNone) << "level " << level;
    EXPECT_FALSE(irq()) << "level " << level;
    uart_.inject_rx('z');
    EXPECT_EQ(rd(kIir), kIirFifos | kIirRda) << "level " << level;
    EXPECT_TRUE(irq()) << "level " << level;
    rd(kRbr);  // below the trigger level again
    EXPECT_EQ(rd(kIir), kIirFifos | kIirNone) << "level " << level;
    EXPECT_FALSE(irq()) << "level " << level;
    EXPECT_EQ(rd(kLsr) & kDr, level > 1 ? kDr : 0) << "level " << level;
  }
}

// ---- receive ----------------------------------------------------------------------------------

TEST_F(Ns16550aTest, DataAvailableIn16450ModeUntilRbrIsRead) {
  wr(kIer, kErbfi);
  uart_.inject_rx('q');
  EXPECT_EQ(rd(kLsr), kDr | kThre | kTemt);
  EXPECT_EQ(rd(kIir), kIirRda);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kRbr), 'q');
  EXPECT_EQ(rd(kIir), kIirNone);
  EXPECT_FALSE(irq());
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
  EXPECT_EQ(rd(kRbr), 'q');  // reading an empty RBR returns the last character again
  // No character timeout outside FIFO mode.
  uart_.inject_rx('r');
  run_to(100'000);
  EXPECT_EQ(rd(kIir), kIirRda);
}

TEST_F(Ns16550aTest, HostBytesLandAtPollThenOneCharacterTimeApart) {
  uart_.attach(&host_);
  set_divisor(1);
  host_.push_input("ABC");
  run_to(999);  // host poll every 1000 cycles (1 ms at 1 MHz)
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  run_to(1000);
  ASSERT_EQ(rd(kLsr) & kDr, kDr);
  EXPECT_EQ(rd(kRbr), 'A');  // read at once: RBR is free again
  run_to(1159);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  run_to(1160);
  ASSERT_EQ(rd(kLsr) & kDr, kDr);
  // A slow reader: 'C' waits in the host until RBR is read, then lands at once.
  run_to(3000);
  EXPECT_EQ(host_.input_pending(), 1u);
  EXPECT_EQ(rd(kRbr), 'B');
  run_to(3000);
  ASSERT_EQ(rd(kLsr) & kDr, kDr);
  EXPECT_EQ(rd(kRbr), 'C');
  EXPECT_EQ(rd(kLsr) & kOe, 0);
}

TEST_F(Ns16550aTest, DataAvailableInterruptAtTheTriggerLevelCycle) {
  uart_.attach(&host_);
  set_divisor(1);
  wr(kFcr, kFifoEn | kTrig4);
  wr(kIer, kErbfi);
  std::vector<std::pair<Cycles, bool>> edges;
  uart_.irq("irq")->connect([&](bool level) { edges.emplace_back(sched_.now(), level); });
  host_.push_input("ABCD");
  // Landing at 1000, 1160, 1320, 1480: the fourth reaches the trigger level.
  run_to(1479);
  EXPECT_EQ(uart_.rx_fifo_level(), 3u);
  EXPECT_FALSE(irq());
  run_to(1480);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirRda);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0], (std::pair<Cycles, bool>{1480, true}));
}

TEST_F(Ns16550aTest, CharacterTimeoutAfterFourCharacterTimes) {
  uart_.attach(&host_);
  set_divisor(1);  // 160 cycles per character, timeout 640
  wr(kFcr, kFifoEn | kTrig4);
  wr(kIer, kErbfi);
  host_.push_input("AB");
  run_to(1700);  // 'A' at 1000 would time out at 1640, but 'B' at 1160 restarted the timer
  EXPECT_EQ(uart_.rx_fifo_level(), 2u);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirNone);
  run_to(1799);
  EXPECT_FALSE(irq());
  run_to(1800);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kIir), kIirFifos | kIirCti);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirCti);  // reading IIR does not clear it
  // Reading one character clears it and restarts the timer.
  EXPECT_EQ(rd(kRbr), 'A');
  EXPECT_EQ(rd(kIir), kIirFifos | kIirNone);
  EXPECT_FALSE(irq());
  run_to(2439);
  EXPECT_FALSE(irq());
  run_to(2440);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirCti);
  EXPECT_EQ(rd(kRbr), 'B');
  run_to(100'000);  // empty FIFO: no more timeouts
  EXPECT_EQ(rd(kIir), kIirFifos | kIirNone);
  EXPECT_FALSE(irq());
}

TEST_F(Ns16550aTest, TimeoutFollowsTheCharacterFormat) {
  set_divisor(2, 0x00);  // 5N1: 112 clocks x 2 = 224 cycles, timeout 896
  wr(kFcr, kFifoEn | kTrig14);
  wr(kIer, kErbfi);
  run_to(50);
  uart_.inject_rx('a');
  run_to(50 + 896 - 1);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirNone);
  run_to(50 + 896);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirCti);
}

TEST_F(Ns16550aTest, TimeoutIsReportedEvenAtTheTriggerLevel) {
  set_divisor(1);
  wr(kFcr, kFifoEn | kTrig1);
  wr(kIer, kErbfi);
  uart_.inject_rx('a');
  EXPECT_EQ(rd(kIir), kIirFifos | kIirRda);
  run_to(640);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirCti);
  rd(kRbr);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirNone);
}

TEST_F(Ns16550aTest, LineErrorsShowWhenTheCharacterReachesTheTop) {
  wr(kFcr, kFifoEn);
  uart_.inject_rx('a');
  uart_.inject_rx('b', kFe);
  uart_.inject_rx('c', kPe);
  // 'a' is on top (no error of its own); bit 7 says an error waits in the FIFO.
  EXPECT_EQ(rd(kLsr), kRxFifoErr | kThre | kTemt | kDr);
  EXPECT_EQ(rd(kRbr), 'a');
  EXPECT_EQ(rd(kLsr), kRxFifoErr | kThre | kTemt | kFe | kDr);
  EXPECT_EQ(rd(kLsr), kRxFifoErr | kThre | kTemt | kDr);  // FE cleared by the read
  EXPECT_EQ(rd(kRbr), 'b');
  EXPECT_EQ(rd(kLsr), kRxFifoErr | kThre | kTemt | kPe | kDr);
  EXPECT_EQ(rd(kRbr), 'c');
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
  // A break arrives as a zero character with BI (and FE).
  uart_.inject_rx(0, kBi | kFe);
  EXPECT_EQ(rd(kLsr), kRxFifoErr | kThre | kTemt | kBi | kFe | kDr);
  EXPECT_EQ(rd(kRbr), 0);
}

TEST_F(Ns16550aTest, OverrunOnlyFromInjectedCharacters) {
  wr(kIer, kElsi);
  // 16450 mode: the new character replaces the unread one.
  uart_.inject_rx('a');
  EXPECT_FALSE(irq());
  uart_.inject_rx('b');
  EXPECT_EQ(rd(kIir), kIirRls);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kLsr), kOe | kDr | kThre | kTemt);
  EXPECT_FALSE(irq());  // reading LSR cleared it
  EXPECT_EQ(rd(kRbr), 'b');
  // FIFO mode: the 17th character is lost, the FIFO keeps the first 16.
  wr(kFcr, kFifoEn);
  for (int i = 0; i < 17; ++i) uart_.inject_rx(static_cast<std::uint8_t>('A' + i));
  EXPECT_EQ(uart_.rx_fifo_level(), 16u);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirRls);
  EXPECT_EQ(rd(kLsr) & kOe, kOe);
  EXPECT_EQ(rd(kLsr) & kOe, 0);
  std::string got;
  while (rd(kLsr) & kDr) got += static_cast<char>(rd(kRbr));
  EXPECT_EQ(got, "ABCDEFGHIJKLMNOP");
}

TEST_F(Ns16550aTest, SixtyFourKiBPasteArrivesInFullThroughTheFifo) {
  uart_.attach(&host_);
  set_divisor(1);
  wr(kFcr, kFifoEn | kTrig14);
  wr(kIer, kErbfi | kElsi);
  std::string paste(64 * 1024, '\0');
  std::uint32_t lcg = 12345;
  for (char& c : paste) {
    lcg = lcg * 1664525u + 1013904223u;
    c = static_cast<char>(lcg >> 24);
  }
  host_.push_input(paste);
  std::string got;
  got.reserve(paste.size());
  std::uint8_t lsr_seen = 0;
  // An interrupt-driven guest: on each interrupt it drains the FIFO.
  while (got.size() < paste.size() && sched_.now() < 100'000'000) {
    run_to(sched_.next_deadline());
    if (!irq()) continue;
    for (;;) {
      std::uint8_t lsr = rd(kLsr);
      lsr_seen |= lsr;
      if (!(lsr & kDr)) break;
      got += static_cast<char>(rd(kRbr));
    }
  }
  ASSERT_EQ(got.size(), paste.size());
  EXPECT_TRUE(got == paste);
  EXPECT_EQ(lsr_seen & (kOe | kPe | kFe | kBi), 0);
  EXPECT_EQ(host_.input_pending(), 0u);
  // Paced at the baud rate: the first byte at the first poll, then one per 160 cycles; the
  // last 65536 % 14 = 2 bytes stay below the trigger and are read at the timeout.
  EXPECT_EQ(sched_.now(), 1000u + (paste.size() - 1) * 160 + 640);
}

TEST_F(Ns16550aTest, SlowPollingReaderLosesNothing) {
  uart_.attach(&host_);
  set_divisor(1);
  wr(kFcr, kFifoEn);
  std::string text;
  for (int i = 0; i < 4096; ++i) text += static_cast<char>('a' + i % 26);
  host_.push_input(text);
  std::string got;
  // The guest looks every 50000 cycles (over 300 character times): the FIFO fills, the rest
  // waits in the host.
  for (Cycles t = 50'000; got.size() < text.size() && t < 100'000'000; t += 50'000) {
    run_to(t);
    EXPECT_LE(uart_.rx_fifo_level(), 16u);
    while (rd(kLsr) & kDr) got += static_cast<char>(rd(kRbr));
  }
  EXPECT_EQ(got, text);
  EXPECT_EQ(rd(kLsr) & kOe, 0);
}

// ---- interrupts -----------------------------------------------------------------------------

TEST_F(Ns16550aTest, InterruptPrioritiesAndWhatClearsEach) {
  wr(kIer, kErbfi | kEtbei | kElsi | kEdssi);  // THRE: enabled with THR empty
  uart_.inject_rx('p', kPe);
  wr(kMcr, kLoop);  // the modem inputs change: CTS, DSR, DCD drop
  EXPECT_EQ(rd(kIir), kIirRls);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kLsr), kPe | kDr | kThre | kTemt);
  EXPECT_EQ(rd(kIir), kIirRda);
  EXPECT_EQ(rd(kRbr), 'p');
  EXPECT_EQ(rd(kIir), kIirThre);  // this read clears it: THRE was the source reported
  EXPECT_EQ(rd(kIir), kIirMs);
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kMsr), kDcts | kDdsr | kDdcd);
  EXPECT_EQ(rd(kIir), kIirNone);
  EXPECT_FALSE(irq());
}

TEST_F(Ns16550aTest, IirReadClearsThreOnlyWhenItIsTheSourceReported) {
  wr(kIer, kErbfi | kEtbei | kElsi);
  uart_.inject_rx('f', kFe);
  EXPECT_EQ(rd(kIir), kIirRls);
  EXPECT_EQ(rd(kIir), kIirRls);
  rd(kLsr);
  EXPECT_EQ(rd(kIir), kIirRda);
  rd(kRbr);
  EXPECT_EQ(rd(kIir), kIirThre);  // still pending under the higher-priority sources
  EXPECT_EQ(rd(kIir), kIirNone);
}

TEST_F(Ns16550aTest, ThreInterrupt) {
  set_divisor(1);
  std::vector<std::pair<Cycles, bool>> edges;
  uart_.irq("irq")->connect([&](bool level) { edges.emplace_back(sched_.now(), level); });
  wr(kIer, kEtbei);  // enabling it with THR empty raises it at once
  EXPECT_EQ(rd(kIir), kIirThre);
  EXPECT_EQ(rd(kIir), kIirNone);
  EXPECT_FALSE(irq());
  wr(kThr, 'A');  // straight into the shift register: THR empty again
  EXPECT_EQ(rd(kIir), kIirThre);
  wr(kThr, 'B');  // writing THR clears it; 'B' waits in THR
  EXPECT_EQ(rd(kIir), kIirNone);
  run_to(100);
  // Toggling ETBEI with THR full raises nothing.
  wr(kIer, 0);
  wr(kIer, kEtbei);
  EXPECT_FALSE(irq());
  run_to(159);
  EXPECT_FALSE(irq());
  run_to(160);  // 'B' moves to the shift register
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kIir), kIirThre);
  run_to(1000);
  EXPECT_FALSE(irq());  // the IIR read at 160 cleared it; TEMT at 320 does not raise it again
  const std::vector<std::pair<Cycles, bool>> expected = {
      {0, true}, {0, false}, {0, true}, {0, false}, {160, true}, {160, false}};
  EXPECT_EQ(edges, expected);
}

TEST_F(Ns16550aTest, ThreInterruptWhenTheTransmitFifoEmpties) {
  set_divisor(1);
  wr(kFcr, kFifoEn);
  wr(kIer, kEtbei);
  rd(kIir);  // clear the one from enabling
  for (int i = 0; i < 4; ++i) wr(kThr, 'x');  // one to the TSR, three in the FIFO
  EXPECT_FALSE(irq());
  run_to(3 * 160 - 1);
  EXPECT_FALSE(irq());
  run_to(3 * 160);
  EXPECT_EQ(rd(kIir), kIirFifos | kIirThre);
  // Changing FCR0 is followed by an immediate transmitter interrupt.
  wr(kFcr, 0);
  EXPECT_EQ(rd(kIir), kIirThre);
}

TEST_F(Ns16550aTest, ModemStatusInLoopback) {
  wr(kIer, kEdssi);
  EXPECT_FALSE(irq());
  wr(kMcr, kLoop);
  EXPECT_EQ(rd(kIir), kIirMs);
  EXPECT_EQ(rd(kMsr), kDcts | kDdsr | kDdcd);
  EXPECT_FALSE(irq());
  wr(kMcr, kLoop | kDtr);  // DTR -> DSR
  EXPECT_EQ(rd(kMsr), kDsr | kDdsr);
  wr(kMcr, kLoop | kRts);  // RTS -> CTS
  EXPECT_EQ(rd(kMsr), kCts | kDcts | kDdsr);
  wr(kMcr, kLoop | kOut2);  // OUT2 -> DCD
  EXPECT_EQ(rd(kMsr), kDcd | kDcts | kDdcd);
  wr(kMcr, kLoop | kOut2 | kOut1);  // OUT1 -> RI: the leading edge sets no delta
  EXPECT_EQ(rd(kMsr), kDcd | kRi);
  EXPECT_FALSE(irq());
  wr(kMcr, kLoop | kOut2);  // trailing edge of RI
  EXPECT_TRUE(irq());
  EXPECT_EQ(rd(kMsr), kDcd | kTeri);
  EXPECT_EQ(rd(kMsr), kDcd);
  wr(kMcr, 0);  // out of loopback: the peer's CTS, DSR, DCD again
  EXPECT_EQ(rd(kMsr), kCts | kDsr | kDcd | kDcts | kDdsr);
  EXPECT_EQ(rd(kIir), kIirNone);
}

// ---- loopback -------------------------------------------------------------------------------

TEST_F(Ns16550aTest, LoopbackFeedsTheTransmitterToTheReceiver) {
  uart_.attach(&host_);
  set_divisor(1);
  wr(kFcr, kFifoEn);
  wr(kMcr, kLoop);
  host_.push_input("zz");
  wr(kThr, 'X');
  wr(kThr, 'Y');
  EXPECT_EQ(host_.output(), "");  // nothing leaves on SOUT
  run_to(159);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  run_to(160);  // received when it has been shifted out
  ASSERT_EQ(rd(kLsr) & kDr, kDr);
  EXPECT_EQ(rd(kRbr), 'X');
  run_to(320);
  EXPECT_EQ(rd(kRbr), 'Y');
  run_to(10'000);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  EXPECT_EQ(host_.input_pending(), 2u);  // SIN is disconnected: host input waits
  uart_.inject_rx('!');  // and so is the wire
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  wr(kMcr, 0);
  run_to(10'000);
  ASSERT_EQ(rd(kLsr) & kDr, kDr);
  EXPECT_EQ(rd(kRbr), 'z');
}

TEST_F(Ns16550aTest, LoopbackReceivesOnlyTheProgrammedDataBits) {
  set_divisor(1, 0x00);  // 5 data bits
  wr(kMcr, kLoop);
  wr(kThr, 0xFF);
  run_to(uart_.char_cycles());
  EXPECT_EQ(rd(kRbr), 0x1F);
}

TEST_F(Ns16550aTest, LoopbackOverrunsWhenNobodyReads) {
  set_divisor(1);
  wr(kMcr, kLoop);
  wr(kThr, '1');
  wr(kThr, '2');
  run_to(320);
  EXPECT_EQ(rd(kLsr), kOe | kDr | kThre | kTemt);
  EXPECT_EQ(rd(kRbr), '2');
}

// ---- MicroPython's ports/qemu VIRT_RV32 driver ----------------------------------------------

TEST_F(Ns16550aVirtClockTest, PollingDriverWithoutInitialisationWorks) {
  // uart.c (QEMU_SOC_VIRT): uart_init() does nothing; TX waits for LSR.THRE and writes byte 0;
  // RX reads byte 0 when LSR.DR is set. All accesses are 8-bit.
  uart_.attach(&host_);
  const std::string out = "MicroPython v1.24\r\n>>> ";
  for (char c : out) {
    while (!(uart_.read(5, 1) & 0x20)) run_to(sched_.now() + 10);
    uart_.write(0, static_cast<std::uint8_t>(c), 1);
  }
  EXPECT_EQ(host_.output(), out);
  // 5N1 at clock/16 (divisor 0 timed as 1): 112 UART clocks per character, back to back. The
  // last character went into THR when the 21st ended: UART edge 21 * 112 = 2352, CPU cycle
  // 6380.2, seen by the 10-cycle polling loop within 10 cycles.
  EXPECT_EQ(uart_.char_clocks(), 112u);
  ASSERT_EQ(out.size(), 23u);
  EXPECT_GE(sched_.now(), 6381u);
  EXPECT_LT(sched_.now(), 6381u + 10);
  host_.push_input("1+1\r");
  std::string in;
  for (int i = 0; i < 100'000 && in.size() < 4; ++i) {
    if (uart_.read(5, 1) & 0x01) in += static_cast<char>(uart_.read(0, 1));
    run_to(sched_.now() + 100);
  }
  EXPECT_EQ(in, "1+1\r");
}

// ---- host side, reset, params ---------------------------------------------------------------

TEST_F(Ns16550aTest, NoBackendDiscardsOutputAndNeverReceives) {
  set_divisor(1);
  wr(kThr, 'x');
  run_to(160);
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
  run_to(100'000);
  EXPECT_EQ(rd(kLsr) & kDr, 0);
  EXPECT_EQ(sched_.pending_count(), 0u);  // no host-poll event without a host
}

TEST_F(Ns16550aTest, ResetCancelsTransferAndRestoresResetValues) {
  uart_.attach(&host_);
  set_divisor(1);
  wr(kFcr, kFifoEn | kTrig1);
  wr(kIer, kErbfi | kEtbei);
  wr(kMcr, kDtr | kRts);
  wr(kScr, 0x42);
  host_.push_input("qr");
  run_to(1000);
  wr(kThr, 'x');
  wr(kThr, 'y');
  ASSERT_TRUE(irq());
  uart_.reset();
  EXPECT_EQ(rd(kIer), 0x00);
  EXPECT_EQ(rd(kIir), kIirNone);
  EXPECT_EQ(rd(kLcr), 0x00);
  EXPECT_EQ(rd(kMcr), 0x00);
  EXPECT_EQ(rd(kLsr), kThre | kTemt);
  EXPECT_EQ(rd(kMsr), kCts | kDsr | kDcd);
  EXPECT_EQ(rd(kScr), 0x00);
  EXPECT_EQ(uart_.rx_fifo_level(), 0u);
  EXPECT_EQ(uart_.tx_fifo_level(), 0u);
  EXPECT_FALSE(irq());
  // The host connection survives: the byte still waiting lands at once in the emptied RBR.
  EXPECT_EQ(host_.input_pending(), 1u);
  run_to(1000);
  EXPECT_EQ(host_.input_pending(), 0u);
  EXPECT_EQ(rd(kLsr), kDr | kThre | kTemt);
  EXPECT_EQ(rd(kRbr), 'r');
  std::uint64_t polls = host_.poll_count();
  run_to(10'000);
  EXPECT_GT(host_.poll_count(), polls);
  EXPECT_EQ(rd(kLsr), kThre | kTemt);  // the cancelled transmission completes nothing
}

TEST_F(Ns16550aTest, HostPollRunsEveryMillisecondOfVirtualTime) {
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

TEST_F(Ns16550aTest, LateHostPollDoesNotDrift) {
  uart_.attach(&host_);
  sched_.advance_to(3500);  // one CPU slice overshooting: missed polls are skipped
  sched_.run_due();
  EXPECT_EQ(host_.poll_count(), 1u);
  EXPECT_EQ(sched_.next_deadline(), 4000u);
}

TEST(Ns16550aParams, ParsesHostPollCycles) {
  auto p = Ns16550a::parse_params({{"host_poll_cycles", "0x100"}});
  EXPECT_EQ(p.host_poll_cycles, 256u);
  EXPECT_THROW(Ns16550a::parse_params({{"host_poll_cycles", "soon"}}), std::invalid_argument);
  EXPECT_THROW(Ns16550a::parse_params({{"host_poll_cycles", "-1"}}), std::invalid_argument);
  EXPECT_THROW(Ns16550a::parse_params({{"baud", "9600"}}), std::invalid_argument);

  Scheduler sched;
  DeviceContext ctx{&sched, 1'000'000, 0};
  Ns16550a uart("uart1", ctx, p);
  BufferCharBackend host;
  uart.attach(&host);
  sched.advance_to(255);
  sched.run_due();
  EXPECT_EQ(host.poll_count(), 0u);
  sched.advance_to(256);
  sched.run_due();
  EXPECT_EQ(host.poll_count(), 1u);
}

TEST(Ns16550aParams, RejectsMissingClockOrScheduler) {
  Scheduler sched;
  EXPECT_THROW(Ns16550a("u", DeviceContext{&sched, 0, 0}), std::invalid_argument);
  EXPECT_THROW(Ns16550a("u", DeviceContext{nullptr, 1000, 0}), std::invalid_argument);
}

TEST(Ns16550aRegistry, BoardFilesCanNameTheModel) {
  Scheduler sched;
  DeviceContext ctx{&sched, 1'000'000, 3'686'400};
  BoardDesc board;
  board.source_path = "test.yaml";
  PeripheralDesc desc;
  desc.name = "uart0";
  desc.model = "ns16550a";
  desc.params = {{"host_poll_cycles", "500"}};
  auto dev = create_device(board, desc, ctx);
  auto* uart = dynamic_cast<Ns16550a*>(dev.get());
  ASSERT_NE(uart, nullptr);
  EXPECT_EQ(uart->host_poll_cycles(), 500u);
  BufferCharBackend host;
  EXPECT_TRUE(attach_serial(*dev, &host));
  EXPECT_EQ(uart->backend(), &host);
  desc.params = {{"baud", "115200"}};
  EXPECT_THROW(create_device(board, desc, ctx), BoardError);
}

TEST(Ns16550aDeterminism, SameInputsSameCycles) {
  auto run = [] {
    Scheduler sched;
    DeviceContext ctx{&sched, 10'000'000, 3'686'400};
    Ns16550a uart("u", ctx);
    BufferCharBackend host;
    uart.attach(&host);
    uart.write(kFcr, kFifoEn | kTrig4, 1);
    uart.write(kIer, kErbfi, 1);
    host.push_input("determinism");
    std::vector<Cycles> seen;
    std::string echoed;
    while (echoed.size() < 11) {
      sched.advance_to(sched.next_deadline() + 7);  // an uneven CPU slice
      sched.run_due();
      if (!uart.irq("irq")->level()) continue;
      seen.push_back(sched.now());
      while (uart.read(kLsr, 1) & kDr) {
        auto c = static_cast<std::uint8_t>(uart.read(kRbr, 1));
        echoed += static_cast<char>(c);
        uart.write(kThr, c, 1);
      }
    }
    return std::make_pair(seen, host.output());
  };
  auto a = run();
  auto b = run();
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);
  EXPECT_EQ(a.second, "determinism");
}

}  // namespace
}  // namespace boardemu
