// Microchip 24LC32A I2C EEPROM (peripherals/parts/eeprom_24lc32.hpp), no CPU, against DS21713:
// device addressing (5.0), byte and page writes with the page wrap (6.1, 6.2), write protect,
// acknowledge polling during TWC (7.0), current-address, random and sequential reads with the
// roll-over at the end of memory (8.1-8.3); through the bus and through real wires.
#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/i2c.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "parts/eeprom_24lc32.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint64_t kCpuHz = 80'000'000;  // the ESP8266's CPU clock
constexpr Cycles kTwc = 400'000;              // 5 ms at 80 MHz

// Controller-side shorthands over the bus (a hardware controller's view).
struct Bench {
  Scheduler s;
  I2cBus bus{"i2c0", &s};
  Eeprom24lc32 rom{"eeprom1", s, Eeprom24lc32::Timing::datasheet_max(kCpuHz)};
  Bench() { rom.attach_to(bus); }

  I2cAck write(std::uint16_t addr, std::vector<std::uint8_t> data, bool stop = true) {
    I2cAck ack = bus.start(rom.address(), I2cDirection::write);
    if (ack == I2cAck::ack) {
      bus.write(static_cast<std::uint8_t>(addr >> 8));
      bus.write(static_cast<std::uint8_t>(addr));
      for (auto b : data) bus.write(b);
    }
    if (stop) bus.stop();
    return ack;
  }
  // Current-address read of n bytes (after a word address: a random / sequential read).
  std::vector<std::uint8_t> read(std::size_t n) {
    std::vector<std::uint8_t> out;
    if (bus.start(rom.address(), I2cDirection::read) == I2cAck::ack)
      for (std::size_t i = 0; i < n; ++i) out.push_back(bus.read(i + 1 < n ? I2cAck::ack : I2cAck::nack));
    bus.stop();
    return out;
  }
  std::vector<std::uint8_t> random_read(std::uint16_t addr, std::size_t n) {
    write(addr, {}, /*stop=*/false);
    return read(n);
  }
  void wait_write_cycle() {
    s.advance(kTwc);
    s.run_due();
  }
};

TEST(Eeprom24lc32, AFreshPartIsErasedAndAnswersAt0x50) {
  Bench b;
  EXPECT_EQ(Eeprom24lc32::Timing::datasheet_max(kCpuHz).write_cycle, kTwc);
  EXPECT_EQ(b.rom.address(), 0x50);
  for (std::uint8_t byte : b.rom.contents()) ASSERT_EQ(byte, 0xFF);
  EXPECT_EQ(b.bus.start(0x50, I2cDirection::write), I2cAck::ack);
  b.bus.stop();
  EXPECT_EQ(b.bus.start(0x51, I2cDirection::write), I2cAck::nack);
  b.bus.stop();
}

TEST(Eeprom24lc32, AddressPinsSelect0x50To0x57) {
  Scheduler s;
  I2cBus bus("i2c0", &s);
  auto t = Eeprom24lc32::Timing::instant();
  Eeprom24lc32 a("eeprom_a", s, t, 0b000), b("eeprom_b", s, t, 0b101), c("eeprom_c", s, t, 0b111);
  EXPECT_EQ(b.address(), 0x55);
  EXPECT_EQ(c.address(), 0x57);
  a.attach_to(bus);
  b.attach_to(bus);
  c.attach_to(bus);
  EXPECT_EQ(bus.addresses(), (std::vector<std::uint8_t>{0x50, 0x55, 0x57}));
  // Each answers its own address only, and keeps its own contents.
  bus.start(0x55, I2cDirection::write);
  for (std::uint8_t byte : {0x00, 0x07, 0x99}) bus.write(byte);
  bus.stop();
  EXPECT_EQ(b.peek(0x007), 0x99);
  EXPECT_EQ(a.peek(0x007), 0xFF);
  EXPECT_EQ(c.peek(0x007), 0xFF);
  // Two parts strapped alike cannot share a bus.
  Eeprom24lc32 twin("eeprom_twin", s, t, 0b101);
  EXPECT_THROW(twin.attach_to(bus), std::invalid_argument);
  EXPECT_THROW(Eeprom24lc32("eeprom_bad", s, t, 8), std::invalid_argument);
}

TEST(Eeprom24lc32, AByteWriteLandsWhenTheWriteCycleEnds) {
  Bench b;
  EXPECT_EQ(b.write(0x123, {0xAB}), I2cAck::ack);
  EXPECT_TRUE(b.rom.write_cycle_in_progress());
  EXPECT_EQ(b.rom.write_cycle_end(), kTwc);
  EXPECT_EQ(b.rom.peek(0x123), 0xFF);  // still being programmed
  EXPECT_EQ(b.rom.address_pointer(), 0x124);
  b.wait_write_cycle();
  EXPECT_FALSE(b.rom.write_cycle_in_progress());
  EXPECT_EQ(b.rom.peek(0x123), 0xAB);
  EXPECT_EQ(b.rom.peek(0x124), 0xFF);
  EXPECT_EQ(b.random_read(0x123, 1), (std::vector<std::uint8_t>{0xAB}));
}

TEST(Eeprom24lc32, ItNacksDuringTheWriteCycleAndAcksAfter) {
  Bench b;
  b.s.advance(1000);
  b.write(0x010, {0x01, 0x02});
  const Cycles end = 1000 + kTwc;
  EXPECT_EQ(b.rom.write_cycle_end(), end);
  // 7.0: acknowledge polling, with a write control byte and with a read one.
  EXPECT_EQ(b.bus.start(0x50, I2cDirection::write), I2cAck::nack);
  b.bus.stop();
  b.s.advance_to(end - 1);
  b.s.run_due();
  EXPECT_EQ(b.bus.start(0x50, I2cDirection::read), I2cAck::nack);
  b.bus.stop();
  EXPECT_EQ(b.rom.peek(0x010), 0xFF);
  b.s.advance(1);
  b.s.run_due();
  EXPECT_EQ(b.bus.start(0x50, I2cDirection::write), I2cAck::ack);
  b.bus.stop();
  EXPECT_EQ(b.rom.peek(0x010), 0x01);
  EXPECT_EQ(b.rom.peek(0x011), 0x02);
}

TEST(Eeprom24lc32, ACycleWhoseEndHasPassedIsOverEvenBeforeItsEventRuns) {
  Bench b;
  b.write(0x000, {0x5A});
  b.s.advance(kTwc + 3);  // a CPU slice overshot the event; run_due() has not been called
  EXPECT_EQ(b.bus.start(0x50, I2cDirection::read), I2cAck::ack);
  EXPECT_EQ(b.bus.read(I2cAck::nack), 0xFF);  // the pointer is at 0x001
  b.bus.stop();
  EXPECT_EQ(b.rom.peek(0x000), 0x5A);
  b.s.run_due();  // the cancelled event does not write again
  EXPECT_EQ(b.s.pending_count(), 0u);
}

TEST(Eeprom24lc32, APageWriteWrapsWithinItsPage) {
  Bench b;
  // 0x01E and 0x01F are the last bytes of page 0x000..0x01F: the next two wrap to 0x000.
  b.write(0x01E, {0xA0, 0xA1, 0xA2, 0xA3});
  EXPECT_EQ(b.rom.address_pointer(), 0x002);
  b.wait_write_cycle();
  EXPECT_EQ(b.rom.peek(0x01E), 0xA0);
  EXPECT_EQ(b.rom.peek(0x01F), 0xA1);
  EXPECT_EQ(b.rom.peek(0x000), 0xA2);
  EXPECT_EQ(b.rom.peek(0x001), 0xA3);
  EXPECT_EQ(b.rom.peek(0x020), 0xFF);  // the next page is untouched
  EXPECT_EQ(b.rom.peek(0x002), 0xFF);  // bytes of the page not sent keep their value

  // 34 bytes into page 0x040: the last two overwrite the first two (logged).
  std::vector<std::uint8_t> data;
  for (int i = 0; i < 34; ++i) data.push_back(static_cast<std::uint8_t>(0x10 + i));
  boardemu::testing::LogCapture log;
  b.write(0x040, data);
  std::string text = log.take();
  EXPECT_NE(text.find("more than 32 data bytes"), std::string::npos) << text;
  b.wait_write_cycle();
  EXPECT_EQ(b.rom.peek(0x040), 0x10 + 32);
  EXPECT_EQ(b.rom.peek(0x041), 0x10 + 33);
  EXPECT_EQ(b.rom.peek(0x042), 0x10 + 2);
  EXPECT_EQ(b.rom.peek(0x05F), 0x10 + 31);
  EXPECT_EQ(b.rom.peek(0x060), 0xFF);
}

TEST(Eeprom24lc32, ASequentialReadRollsOverAtTheEndOfMemory) {
  Bench b;
  const std::array<std::uint8_t, 2> tail{0xE1, 0xE2}, head{0x01, 0x02};
  b.rom.load(0xFFE, tail);
  b.rom.load(0x000, head);
  EXPECT_EQ(b.random_read(0xFFE, 4), (std::vector<std::uint8_t>{0xE1, 0xE2, 0x01, 0x02}));
  EXPECT_EQ(b.rom.address_pointer(), 0x002);
}

TEST(Eeprom24lc32, ACurrentAddressReadContinuesFromTheLastAccess) {
  Bench b;
  for (std::uint32_t a = 0; a < Eeprom24lc32::kSize; ++a) {
    std::array<std::uint8_t, 1> v{static_cast<std::uint8_t>(a * 7)};
    b.rom.load(a, v);
  }
  EXPECT_EQ(b.random_read(0x100, 1), (std::vector<std::uint8_t>{static_cast<std::uint8_t>(0x100 * 7)}));
  EXPECT_EQ(b.read(2), (std::vector<std::uint8_t>{static_cast<std::uint8_t>(0x101 * 7),
                                                  static_cast<std::uint8_t>(0x102 * 7)}));
  // After a write, the location after the last one written (6.1).
  b.write(0x200, {0x42});
  b.wait_write_cycle();
  EXPECT_EQ(b.read(1), (std::vector<std::uint8_t>{static_cast<std::uint8_t>(0x201 * 7)}));
}

TEST(Eeprom24lc32, TheUpperFourWordAddressBitsAreDontCare) {
  Bench b;
  b.write(0xF123, {0x77});
  b.wait_write_cycle();
  EXPECT_EQ(b.rom.peek(0x123), 0x77);
  EXPECT_EQ(b.random_read(0xA123, 1), (std::vector<std::uint8_t>{0x77}));
}

TEST(Eeprom24lc32, AWordAddressWithoutDataStartsNoWriteCycle) {
  Bench b;
  b.write(0x310, {});
  EXPECT_FALSE(b.rom.write_cycle_in_progress());
  EXPECT_EQ(b.rom.address_pointer(), 0x310);
  EXPECT_EQ(b.bus.start(0x50, I2cDirection::read), I2cAck::ack);  // no busy time
  b.bus.stop();
}

TEST(Eeprom24lc32, ARepeatedStartAfterDataDropsThePageBuffer) {
  Bench b;
  boardemu::testing::LogCapture log;
  b.write(0x020, {0x11, 0x22}, /*stop=*/false);
  EXPECT_EQ(b.read(1), (std::vector<std::uint8_t>{0xFF}));  // Sr, then a read at 0x022
  EXPECT_FALSE(b.rom.write_cycle_in_progress());
  EXPECT_EQ(b.rom.peek(0x020), 0xFF);
  EXPECT_EQ(b.rom.peek(0x021), 0xFF);
  std::string text = log.take();
  EXPECT_NE(text.find("repeated START after 2 data bytes"), std::string::npos) << text;
}

TEST(Eeprom24lc32, TheWriteProtectPinInhibitsWritesButNotReads) {
  Bench b;
  Netlist nl(&b.s);
  Pin gpio("gpio.GPIO12", &b.s);
  nl.connect(b.rom.wp(), "wp");
  nl.connect(gpio, "wp");
  EXPECT_EQ(b.rom.wp().name(), "eeprom1.WP");
  const std::array<std::uint8_t, 1> old{0x33};
  b.rom.load(0x400, old);

  gpio.set(true);
  EXPECT_EQ(b.write(0x400, {0x44}), I2cAck::ack);  // everything acknowledged (6.1)...
  EXPECT_FALSE(b.rom.write_cycle_in_progress());    // ...no write cycle, ready at once
  EXPECT_EQ(b.rom.peek(0x400), 0x33);
  EXPECT_EQ(b.random_read(0x400, 1), (std::vector<std::uint8_t>{0x33}));

  gpio.set(false);
  b.write(0x400, {0x44});
  b.wait_write_cycle();
  EXPECT_EQ(b.rom.peek(0x400), 0x44);

  gpio.drive(Drive::off);  // WP floating (left unwired on a board): writes are enabled
  b.write(0x400, {0x55});
  b.wait_write_cycle();
  EXPECT_EQ(b.rom.peek(0x400), 0x55);
}

TEST(Eeprom24lc32, HostAccessLoadsAndFinishesAPendingCycle) {
  Bench b;
  const std::array<std::uint8_t, 3> bytes{1, 2, 3};
  b.rom.load(Eeprom24lc32::kSize - 3, bytes);
  EXPECT_EQ(b.rom.contents()[Eeprom24lc32::kSize - 1], 3);
  EXPECT_THROW(b.rom.load(Eeprom24lc32::kSize - 2, bytes), std::out_of_range);
  EXPECT_THROW(b.rom.load(Eeprom24lc32::kSize + 1, {}), std::out_of_range);

  b.write(0x080, {0x9C});
  b.rom.finish_write_cycle();  // e.g. before saving the contents at exit
  EXPECT_FALSE(b.rom.write_cycle_in_progress());
  EXPECT_EQ(b.rom.peek(0x080), 0x9C);
  EXPECT_EQ(b.s.pending_count(), 0u);
}

TEST(Eeprom24lc32, DestroyingThePartCancelsItsEvent) {
  Scheduler s;
  I2cBus bus("i2c0", &s);
  {
    Eeprom24lc32 rom("eeprom1", s, Eeprom24lc32::Timing::datasheet_max(kCpuHz));
    rom.attach_to(bus);
    bus.start(0x50, I2cDirection::write);
    for (std::uint8_t byte : {0x00, 0x00, 0x01}) bus.write(byte);
    bus.stop();
    EXPECT_EQ(s.pending_count(), 1u);
    bus.detach(rom);
  }
  EXPECT_EQ(s.pending_count(), 0u);
  s.advance(kTwc);
  s.run_due();
}

// The whole path as firmware drives it: open-drain GPIOs, pull-ups, the bit-bang engine, the
// part; a page write, acknowledge polling until the cycle is over, a random read back.
TEST(Eeprom24lc32, ThroughTheWiresWithAcknowledgePolling) {
  Scheduler s;
  Netlist nl(&s);
  I2cBus bus("i2c0", &s);
  BitBangI2c engine("i2c0", bus, &s);
  // 100 kHz SCL at 80 MHz: 400 cycles per half period.
  I2cBitBangController cpu("gpio", &s, /*half_period=*/400, /*max_stretch=*/4000);
  Pin r_sda("r1.P", &s), r_scl("r2.P", &s);
  for (Pin* p : {&cpu.sda_pin(), &engine.sda(), &r_sda}) nl.connect(*p, "sda");
  for (Pin* p : {&cpu.scl_pin(), &engine.scl(), &r_scl}) nl.connect(*p, "scl");
  r_sda.drive(Drive::pull_up);
  r_scl.drive(Drive::pull_up);
  Eeprom24lc32 rom("eeprom1", s, Eeprom24lc32::Timing::datasheet_max(kCpuHz), 0b011);
  rom.attach_to(bus);
  I2cTransactionLog log(bus);

  const std::array<std::uint8_t, 5> page_write{0x07, 0xC0, 'h', 'e', 'y'};
  ASSERT_EQ(cpu.write(0x53, page_write), I2cAck::ack);
  const Cycles end = rom.write_cycle_end();
  ASSERT_TRUE(rom.write_cycle_in_progress());

  int polls = 0;
  while (cpu.write(0x53, {}) == I2cAck::nack) ASSERT_LT(++polls, 1000);
  EXPECT_GT(polls, 10);
  EXPECT_GE(s.now(), end);
  // The last NACKed poll was heard before the cycle ended, the ACKed one after.
  const auto& ts = log.transactions();
  ASSERT_GE(ts.size(), 3u);
  EXPECT_EQ(to_string(ts[ts.size() - 2]), "S 0x53 W N P");
  EXPECT_LT(ts[ts.size() - 2].start, end);
  EXPECT_EQ(to_string(ts.back()), "S 0x53 W A P");
  EXPECT_GE(ts.back().start, end);

  log.clear();
  std::array<std::uint8_t, 3> got{};
  cpu.write(0x53, std::array<std::uint8_t, 2>{0x07, 0xC0}, /*send_stop=*/false);
  ASSERT_EQ(cpu.read(0x53, got), I2cAck::ack);
  EXPECT_EQ(std::string(got.begin(), got.end()), "hey");
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x53 W A 07 A C0 A", "Sr 0x53 R A 68 A 65 A 79 N P"}));
  EXPECT_EQ(rom.peek(0x7C0), 'h');
}

}  // namespace
}  // namespace boardemu
