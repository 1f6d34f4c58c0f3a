// The SPI layer (emulator/core/spi.hpp), no CPU: targets framed by chip select, a bus with
// several targets and its transaction log, and the bit-level engine driven through nets in
// every mode and bit order.
//
// Reference for the wire protocol: CPOL is SCK's idle level; CPHA = 0 samples on the leading
// edge with the first bit on the line before it, CPHA = 1 samples on the trailing edge; a
// deselected target leaves MISO high-impedance (e.g. W25Q32JV datasheet, 4.1 "Chip Select" and
// "Standard SPI Instructions"; Motorola SPI block guide).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "core/spi.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Replies with a script, one byte per byte clocked, restarting at each frame; records what it
// receives, frame by frame.
class ScriptedTarget : public SpiTarget {
 public:
  explicit ScriptedTarget(Bytes replies) : replies_(std::move(replies)) {}
  void select() override {
    ++selects;
    frames.emplace_back();
    next_ = 0;
  }
  void deselect() override { ++deselects; }
  std::uint8_t shift_out() override { return next_ < replies_.size() ? replies_[next_++] : 0xEE; }
  void shift_in(std::uint8_t mosi) override { frames.back().push_back(mosi); }

  std::vector<Bytes> frames;
  int selects = 0;
  int deselects = 0;

 private:
  Bytes replies_;
  std::size_t next_ = 0;
};

// ---- SpiTarget and SpiBus ---------------------------------------------------------------------

TEST(SpiTarget, ExchangeIsShiftOutThenShiftIn) {
  ScriptedTarget t({0x11, 0x22});
  t.select();
  EXPECT_EQ(t.exchange(0xA0), 0x11);
  EXPECT_EQ(t.exchange(0xA1), 0x22);
  t.deselect();
  EXPECT_EQ(t.frames, (std::vector<Bytes>{{0xA0, 0xA1}}));
}

TEST(SpiBus, TwoTargetsOnSeparateChipSelects) {
  Scheduler s;
  SpiBus bus("spi1", &s);
  ScriptedTarget a({0xA1, 0xA2}), b({0xB1, 0xB2, 0xB3});
  bus.attach(0, a, "flash1");
  bus.attach(1, b, "sensor1");
  EXPECT_EQ(bus.transfer(0, Bytes{0x01, 0x02}), (Bytes{0xA1, 0xA2}));
  EXPECT_EQ(bus.transfer(1, Bytes{0x03, 0x04, 0x05}), (Bytes{0xB1, 0xB2, 0xB3}));
  EXPECT_EQ(bus.transfer(0, Bytes{0x06}), (Bytes{0xA1}));
  // Each target saw only its own frames, each framed by select/deselect.
  EXPECT_EQ(a.frames, (std::vector<Bytes>{{0x01, 0x02}, {0x06}}));
  EXPECT_EQ(b.frames, (std::vector<Bytes>{{0x03, 0x04, 0x05}}));
  EXPECT_EQ(a.selects, 2);
  EXPECT_EQ(a.deselects, 2);
  EXPECT_EQ(b.selects, 1);
  EXPECT_EQ(b.deselects, 1);
  EXPECT_FALSE(bus.selected().has_value());
  // Nothing wired on chip select 2: MISO reads FFh.
  EXPECT_EQ(bus.transfer(2, Bytes{0x07}), (Bytes{0xFF}));
  EXPECT_THROW(bus.attach(1, a, "again"), std::invalid_argument);
}

TEST(SpiBus, TransactionLogHasOneEntryPerFrameWithItsTimes) {
  Scheduler s;
  SpiBus bus("spi1", &s);
  ScriptedTarget a({0x5A, 0x5B}), b({0x77});
  bus.attach(0, a, "flash1");
  bus.attach(3, b, "adc1");
  std::vector<SpiFrame> log;
  auto id = bus.observe([&](const SpiFrame& f) { log.push_back(f); });
  s.advance(100);
  bus.select(0);
  bus.exchange(0x9F);
  s.advance(40);
  bus.exchange(0x00);
  s.advance(10);
  bus.deselect();
  s.advance(5);
  bus.transfer(3, Bytes{0x42});
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].target, "flash1");
  EXPECT_EQ(log[0].cs, 0u);
  EXPECT_EQ(log[0].mosi, (Bytes{0x9F, 0x00}));
  EXPECT_EQ(log[0].miso, (Bytes{0x5A, 0x5B}));
  EXPECT_EQ(log[0].start, 100u);
  EXPECT_EQ(log[0].end, 150u);
  EXPECT_EQ(log[1].target, "adc1");
  EXPECT_EQ(log[1].cs, 3u);
  EXPECT_EQ(log[1].mosi, (Bytes{0x42}));
  EXPECT_EQ(log[1].miso, (Bytes{0x77}));
  EXPECT_EQ(log[1].start, 155u);
  bus.unobserve(id);
  bus.transfer(0, Bytes{0x01});
  EXPECT_EQ(log.size(), 2u);
}

TEST(SpiBus, ControllerMisuseIsAGuestError) {
  Scheduler s;
  SpiBus bus("spi1", &s);
  ScriptedTarget a({0x11}), b({0x22});
  bus.attach(0, a, "a");
  bus.attach(1, b, "b");
  testing::LogCapture log;
  EXPECT_EQ(bus.exchange(0x12), 0xFF);  // no chip select asserted
  EXPECT_NE(log.take().find("no chip select asserted"), std::string::npos);
  EXPECT_TRUE(a.frames.empty());
  bus.select(0);
  bus.select(1);  // a's frame ends first
  EXPECT_NE(log.take().find("releasing 0 first"), std::string::npos);
  EXPECT_EQ(a.deselects, 1);
  EXPECT_EQ(bus.exchange(0x34), 0x22);
  bus.deselect();
  EXPECT_EQ(b.frames, (std::vector<Bytes>{{0x34}}));
  bus.detach(1);
  EXPECT_EQ(bus.transfer(1, Bytes{0x56}), (Bytes{0xFF}));
  EXPECT_EQ(b.selects, 1);
}

// ---- bit-banged SPI through nets --------------------------------------------------------------

// A controller and one target, wired sck/mosi/miso/cs.
struct Wiring {
  Wiring(SpiFormat host_format, SpiFormat target_format, Bytes replies, Cycles half_period = 0)
      : target(std::move(replies)),
        spi("dev1", &sched, target, target_format),
        host("mcu", &sched, host_format, 1, half_period) {
    for (auto [host_pin, target_pin, net] :
         {std::tuple{&host.sck(), &spi.sck(), "sck"}, std::tuple{&host.mosi(), &spi.mosi(), "mosi"},
          std::tuple{&host.miso(), &spi.miso(), "miso"}, std::tuple{&host.cs(0), &spi.cs(), "cs"}}) {
      nets.connect(*host_pin, net);
      nets.connect(*target_pin, net);
    }
  }
  Scheduler sched;
  Netlist nets{&sched};
  ScriptedTarget target;
  BitBangSpi spi;
  BitBangSpiController host;
};

// The bits on the wire, most significant first or not.
std::vector<bool> wire_bits(const Bytes& bytes, BitOrder order) {
  std::vector<bool> bits;
  for (std::uint8_t b : bytes)
    for (unsigned i = 0; i < 8; ++i) bits.push_back(((b >> (order == BitOrder::msb_first ? 7 - i : i)) & 1) != 0);
  return bits;
}

class BitBangModes : public ::testing::TestWithParam<std::tuple<SpiMode, BitOrder>> {};

TEST_P(BitBangModes, BytesCrossTheNetsBothWaysOnTheRightEdges) {
  auto [mode, order] = GetParam();
  SpiFormat format{.mode = mode, .order = order};
  const Bytes out = {0x01, 0xA5, 0x3C, 0x80, 0x00, 0xFF, 0x96, 0x4E};
  const Bytes replies = {0x80, 0x5A, 0xC3, 0x01, 0xFF, 0x00, 0x69, 0x72};
  Wiring w(format, format, replies);
  // An independent look at the wire: MOSI and MISO as they are on each sampling edge (rising
  // in modes 0 and 3, falling in 1 and 2) while CS is low.
  std::vector<bool> mosi_seen, miso_seen;
  Net& sck = *w.nets.find("sck");
  auto id = sck.observe([&](const Net&, Level level, Cycles) {
    if (w.nets.find("cs")->level() != Level::low) return;
    bool rising = level == Level::high;
    if (rising != (mode == SpiMode::mode0 || mode == SpiMode::mode3)) return;
    mosi_seen.push_back(w.nets.find("mosi")->level() == Level::high);
    miso_seen.push_back(w.nets.find("miso")->level() == Level::high);
  });
  // MISO changes only on the shifting edge: as a listener of that edge, the target sees SCK
  // already at its new level. (Its first bit goes out when CS falls, before the CS observer
  // below marks the frame as started; CS rising releases MISO to floating: both left out.)
  bool in_frame = false;
  std::vector<Level> sck_at_miso_change;
  auto cs_id = w.nets.find("cs")->observe([&](const Net&, Level l, Cycles) { in_frame = l == Level::low; });
  auto miso_id = w.nets.find("miso")->observe([&](const Net&, Level l, Cycles) {
    if (in_frame && (l == Level::high || l == Level::low)) sck_at_miso_change.push_back(sck.level());
  });
  EXPECT_EQ(w.host.transfer(0, out), replies);
  sck.unobserve(id);
  w.nets.find("cs")->unobserve(cs_id);
  w.nets.find("miso")->unobserve(miso_id);
  EXPECT_EQ(w.target.frames, (std::vector<Bytes>{out}));
  EXPECT_EQ(mosi_seen, wire_bits(out, order));
  EXPECT_EQ(miso_seen, wire_bits(replies, order));
  EXPECT_EQ(w.host.undefined_samples(), 0u);
  ASSERT_FALSE(sck_at_miso_change.empty());
  Level shift_level = format.samples_on_rising_edge() ? Level::low : Level::high;
  EXPECT_EQ(sck_at_miso_change, std::vector<Level>(sck_at_miso_change.size(), shift_level));
}

TEST_P(BitBangModes, TheTargetSamplesMosiOnItsSamplingEdgeOnly) {
  auto [mode, order] = GetParam();
  SpiFormat format{.mode = mode, .order = order};
  Wiring w(format, format, {0x00});
  // MOSI is 1 across each sampling edge and 0 across the other: only a target sampling on the
  // right edge reads FFh.
  bool sample_on_leading = !format.cpha();
  w.host.select();
  for (int bit = 0; bit < 8; ++bit) {
    w.host.mosi().set(sample_on_leading);
    w.host.sck().set(!format.cpol());  // leading edge
    w.host.mosi().set(!sample_on_leading);
    w.host.sck().set(format.cpol());  // trailing edge
  }
  w.host.deselect();
  EXPECT_EQ(w.target.frames, (std::vector<Bytes>{{0xFF}}));
}

INSTANTIATE_TEST_SUITE_P(AllModes, BitBangModes,
                         ::testing::Combine(::testing::Values(SpiMode::mode0, SpiMode::mode1,
                                                              SpiMode::mode2, SpiMode::mode3),
                                            ::testing::Values(BitOrder::msb_first,
                                                              BitOrder::lsb_first)),
                         [](const auto& info) {
                           return "Mode" + std::to_string(static_cast<int>(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) == BitOrder::msb_first ? "MsbFirst"
                                                                                  : "LsbFirst");
                         });

TEST(BitBangSpi, MismatchedModeOrBitOrderGarblesTheData) {
  const Bytes out = {0x01, 0x35};
  {
    Wiring w({.mode = SpiMode::mode1}, {.mode = SpiMode::mode0}, {0x12, 0x34});
    EXPECT_NE(w.host.transfer(0, out), (Bytes{0x12, 0x34}));
    EXPECT_NE(w.target.frames.at(0), out);
  }
  {
    // Opposite bit orders: every byte arrives bit-reversed.
    Wiring w({.order = BitOrder::lsb_first}, {.order = BitOrder::msb_first}, {0x12, 0x34});
    EXPECT_EQ(w.host.transfer(0, out), (Bytes{0x48, 0x2C}));
    EXPECT_EQ(w.target.frames.at(0), (Bytes{0x80, 0xAC}));
  }
}

TEST(BitBangSpi, MisoIsDrivenOnlyWhileSelected) {
  Wiring w({}, {}, {0xC0});
  Net& miso = *w.nets.find("miso");
  EXPECT_EQ(w.spi.miso().driving(), Drive::off);
  EXPECT_EQ(miso.level(), Level::floating);
  w.host.select();
  EXPECT_TRUE(w.spi.selected());
  EXPECT_EQ(w.spi.miso().driving(), Drive::high);  // CPHA 0: bit 7 of C0h before any clock
  EXPECT_EQ(w.host.exchange(0x00), 0xC0);
  EXPECT_NE(w.spi.miso().driving(), Drive::off);
  w.host.deselect();
  EXPECT_FALSE(w.spi.selected());
  EXPECT_EQ(w.spi.miso().driving(), Drive::off);
  EXPECT_EQ(miso.level(), Level::floating);
  // Nobody drives MISO: the controller reads ones and counts the undefined samples.
  EXPECT_EQ(w.host.exchange(0x00), 0xFF);
  EXPECT_EQ(w.host.undefined_samples(), 8u);
  // SCK edges while deselected reach no target.
  EXPECT_EQ(w.target.frames, (std::vector<Bytes>{{0x00}}));
}

TEST(BitBangSpi, TwoTargetsShareSckMosiMisoWithTheirOwnChipSelects) {
  Scheduler sched;
  Netlist nets(&sched);
  ScriptedTarget a({0xA1, 0xA2}), b({0xB1, 0xB2});
  BitBangSpi spi_a("flash1", &sched, a), spi_b("flash2", &sched, b);
  BitBangSpiController host("mcu", &sched, {}, 2);
  for (BitBangSpi* t : {&spi_a, &spi_b}) {
    nets.connect(t->sck(), "sck");
    nets.connect(t->mosi(), "mosi");
    nets.connect(t->miso(), "miso");
  }
  nets.connect(host.sck(), "sck");
  nets.connect(host.mosi(), "mosi");
  nets.connect(host.miso(), "miso");
  nets.connect(host.cs(0), "cs_flash1");
  nets.connect(spi_a.cs(), "cs_flash1");
  nets.connect(host.cs(1), "cs_flash2");
  nets.connect(spi_b.cs(), "cs_flash2");
  testing::LogCapture log;
  EXPECT_EQ(host.transfer(0, Bytes{0x10, 0x11}), (Bytes{0xA1, 0xA2}));
  EXPECT_EQ(host.transfer(1, Bytes{0x20, 0x21}), (Bytes{0xB1, 0xB2}));
  EXPECT_EQ(a.frames, (std::vector<Bytes>{{0x10, 0x11}}));
  EXPECT_EQ(b.frames, (std::vector<Bytes>{{0x20, 0x21}}));
  EXPECT_EQ(nets.find("miso")->level(), Level::floating);
  EXPECT_EQ(log.take().find("contention"), std::string::npos);  // never both on MISO
}

TEST(BitBangSpi, FrameLogWithVirtualTime) {
  // A 1 MHz clock at 80 cycles per microsecond: 40 cycles each half period.
  Wiring w({}, {}, {0x5A, 0xA5}, 40);
  std::vector<SpiFrame> frames;
  w.spi.observe([&](const SpiFrame& f) { frames.push_back(f); });
  w.host.transfer(0, Bytes{0x9F, 0x00});
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].target, "dev1");
  EXPECT_EQ(frames[0].mosi, (Bytes{0x9F, 0x00}));
  EXPECT_EQ(frames[0].miso, (Bytes{0x5A, 0xA5}));
  // CS falls after one half period; 16 clocks of two half periods; CS rises one later.
  EXPECT_EQ(frames[0].start, 40u);
  EXPECT_EQ(frames[0].end, 40u + 16 * 80 + 40 + 40);
  EXPECT_EQ(w.sched.now(), frames[0].end + 40);
}

TEST(BitBangSpi, AFrameCutInsideAByteDropsItsBits) {
  Wiring w({}, {}, {0x11, 0x22});
  testing::LogCapture log;
  w.host.select();
  EXPECT_EQ(w.host.exchange(0x9F), 0x11);
  // Three more clocks, then CS rises.
  for (int i = 0; i < 3; ++i) {
    w.host.sck().set(true);
    w.host.sck().set(false);
  }
  w.host.deselect();
  EXPECT_EQ(w.target.frames, (std::vector<Bytes>{{0x9F}}));
  EXPECT_EQ(w.target.deselects, 1);
  EXPECT_NE(log.take().find("CS released 3 bits into a byte"), std::string::npos);
}

TEST(BitBangSpi, ClockPolarityAtSelectIsCheckedUnlessTheTargetTakesEither) {
  const Bytes out = {0x9F, 0x00, 0x00};
  {
    // A mode-0 target, a mode-3 controller: SCK idles high when CS falls.
    Wiring w({.mode = SpiMode::mode3}, {.mode = SpiMode::mode0}, {0xFF, 0xEF, 0x40});
    testing::LogCapture log;
    w.host.transfer(0, out);
    EXPECT_NE(log.take().find("SCK is high when CS falls, but SPI mode 0 idles it low"),
              std::string::npos);
  }
  {
    // An SPI NOR flash takes modes 0 and 3 alike: same sampling edge, either idle level.
    SpiFormat flash{.mode = SpiMode::mode0, .either_clock_polarity = true};
    for (SpiMode m : {SpiMode::mode0, SpiMode::mode3}) {
      Wiring w({.mode = m}, flash, {0xFF, 0xEF, 0x40});
      testing::LogCapture log;
      EXPECT_EQ(w.host.transfer(0, out), (Bytes{0xFF, 0xEF, 0x40})) << static_cast<int>(m);
      EXPECT_EQ(w.target.frames.at(0), out);
      EXPECT_EQ(log.take(), "");
    }
  }
}

TEST(BitBangSpi, UndefinedInputsAreGuestErrors) {
  Wiring w({}, {}, {0x00});
  testing::LogCapture log;
  w.host.mosi().drive(Drive::off);  // MOSI left floating
  w.host.cs(0).set(false);
  w.host.sck().set(true);
  w.host.sck().set(false);
  EXPECT_NE(log.take().find("MOSI floating when sampled"), std::string::npos);
  w.host.cs(0).drive(Drive::off);  // CS floating: the frame ends
  EXPECT_FALSE(w.spi.selected());
  EXPECT_NE(log.take().find("CS floating during a frame"), std::string::npos);
}

}  // namespace
}  // namespace boardemu
