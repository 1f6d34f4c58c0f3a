// The I2C layer (emulator/core/i2c.hpp), no CPU: bus routing by address, NACK for an absent
// address, duplicate addresses, repeated START, the transaction log; the bit-bang target engine
// driven through nets with pull-ups by the bit-bang controller, as firmware drives GPIOs
// (UM10204 3.1.3-3.1.6: START/STOP, data bits, ACK/NACK, reads, conditions cut into bytes).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/i2c.hpp"
#include "core/net.hpp"
#include "core/scheduler.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

using Events = std::vector<std::string>;

// A target that records what it is told and answers as configured.
struct FakeTarget : I2cTarget {
  Events events;
  I2cAck address_answer = I2cAck::ack;
  std::vector<I2cAck> write_answers;  // per data byte written; ACK past the end
  std::vector<std::uint8_t> to_send;  // bytes read() returns in order, then 0x00
  std::size_t writes = 0;
  std::size_t sent = 0;

  I2cAck start(I2cDirection d) override {
    events.push_back(fmt::format("start {}", to_string(d)));
    return address_answer;
  }
  I2cAck write(std::uint8_t b) override {
    events.push_back(fmt::format("write {:02X}", b));
    std::size_t i = writes++;
    return i < write_answers.size() ? write_answers[i] : I2cAck::ack;
  }
  std::uint8_t read() override {
    std::uint8_t b = sent < to_send.size() ? to_send[sent] : 0x00;
    ++sent;
    events.push_back(fmt::format("read {:02X}", b));
    return b;
  }
  void read_ack(I2cAck a) override { events.push_back(fmt::format("read_ack {}", to_string(a))); }
  void stop() override { events.push_back("stop"); }
  void repeated_start() override { events.push_back("repeated_start"); }
};

// ---- I2cBus -------------------------------------------------------------------------------------

TEST(I2cBus, RoutesByAddressAndNacksAnAddressNobodyAnswers) {
  I2cBus bus("i2c0", nullptr);
  FakeTarget a, b;
  b.to_send = {0x5A};
  bus.attach(0x20, a, "a");
  bus.attach(0x21, b, "b");
  EXPECT_EQ(bus.addresses(), (std::vector<std::uint8_t>{0x20, 0x21}));
  EXPECT_EQ(bus.target_at(0x21), &b);
  EXPECT_EQ(bus.target_at(0x22), nullptr);

  EXPECT_EQ(bus.start(0x20, I2cDirection::write), I2cAck::ack);
  EXPECT_EQ(bus.write(0x11), I2cAck::ack);
  bus.stop();
  EXPECT_EQ(bus.start(0x21, I2cDirection::read), I2cAck::ack);
  EXPECT_EQ(bus.read(I2cAck::nack), 0x5A);
  bus.stop();
  EXPECT_EQ(a.events, (Events{"start W", "write 11", "stop"}));
  EXPECT_EQ(b.events, (Events{"start R", "read 5A", "read_ack N", "stop"}));

  // Nobody at 0x22: the address and the bytes after it are NACKed, reads see the pull-up.
  EXPECT_EQ(bus.start(0x22, I2cDirection::write), I2cAck::nack);
  EXPECT_TRUE(bus.active());
  EXPECT_EQ(bus.write(0x33), I2cAck::nack);
  bus.stop();
  EXPECT_FALSE(bus.active());
  EXPECT_EQ(bus.start(0x22, I2cDirection::read), I2cAck::nack);
  EXPECT_EQ(bus.read(I2cAck::nack), 0xFF);
  bus.stop();
  EXPECT_EQ(a.events.size(), 3u);
  EXPECT_EQ(b.events.size(), 4u);
}

TEST(I2cBus, TwoTargetsOnOneAddressIsAnErrorNamingBoth) {
  I2cBus bus("i2c0", nullptr);
  FakeTarget a, b;
  bus.attach(0x50, a, "eeprom1");
  try {
    bus.attach(0x50, b, "eeprom2");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("eeprom1"), std::string::npos) << what;
    EXPECT_NE(what.find("eeprom2"), std::string::npos) << what;
    EXPECT_NE(what.find("0x50"), std::string::npos) << what;
  }
  EXPECT_EQ(bus.target_at(0x50), &a);
  EXPECT_THROW(bus.attach(0x00, b, "general"), std::invalid_argument);
  EXPECT_THROW(bus.attach(0x80, b, "eight-bit"), std::invalid_argument);
  // One target may answer several addresses; detaching removes them all.
  bus.attach(0x51, b, "eeprom2");
  bus.attach(0x52, b, "eeprom2");
  bus.detach(b);
  EXPECT_EQ(bus.addresses(), (std::vector<std::uint8_t>{0x50}));
}

TEST(I2cBus, ATargetThatNacksItsAddressHearsNothingMore) {
  I2cBus bus("i2c0", nullptr);
  FakeTarget busy;
  busy.address_answer = I2cAck::nack;
  bus.attach(0x50, busy, "eeprom1");
  EXPECT_EQ(bus.start(0x50, I2cDirection::write), I2cAck::nack);
  EXPECT_EQ(bus.write(0x00), I2cAck::nack);
  bus.stop();
  EXPECT_EQ(busy.events, (Events{"start W"}));
}

TEST(I2cBus, RepeatedStartEndsTheMessageWithoutAStop) {
  I2cBus bus("i2c0", nullptr);
  FakeTarget reg, other;
  reg.to_send = {0xC4, 0x01};
  bus.attach(0x0E, reg, "mag");
  bus.attach(0x1D, other, "accel");
  // Register read: write the register number, Sr, read two bytes (UM10204 3.1.10, combined format).
  bus.start(0x0E, I2cDirection::write);
  bus.write(0x07);
  EXPECT_EQ(bus.start(0x0E, I2cDirection::read), I2cAck::ack);
  EXPECT_EQ(bus.read(), 0xC4);
  EXPECT_EQ(bus.read(), 0x01);  // asking for another byte ACKs the previous one
  bus.read_ack(I2cAck::nack);
  // Sr to another target: the first is told its message ended, without a STOP.
  EXPECT_EQ(bus.start(0x1D, I2cDirection::write), I2cAck::ack);
  bus.stop();
  EXPECT_EQ(reg.events, (Events{"start W", "write 07", "repeated_start", "start R", "read C4", "read_ack A",
                                "read 01", "read_ack N", "repeated_start"}));
  EXPECT_EQ(other.events, (Events{"start W", "stop"}));
}

TEST(I2cBus, AfterTheControllerNacksAReadTheTargetIsNotAskedAgain) {
  I2cBus bus("i2c0", nullptr);
  FakeTarget t;
  t.to_send = {0x10, 0x20};
  bus.attach(0x40, t, "t");
  bus.start(0x40, I2cDirection::read);
  EXPECT_EQ(bus.read(I2cAck::nack), 0x10);
  EXPECT_EQ(bus.read(I2cAck::nack), 0xFF);  // the target released SDA: the pull-up
  bus.stop();
  EXPECT_EQ(t.events, (Events{"start R", "read 10", "read_ack N", "stop"}));
}

TEST(I2cBus, MisdirectedBytesAreRefusedAndLogged) {
  I2cBus bus("i2c0", nullptr);
  FakeTarget t;
  bus.attach(0x40, t, "t");
  boardemu::testing::LogCapture log;
  EXPECT_EQ(bus.write(0x01), I2cAck::nack);  // outside a message
  bus.start(0x40, I2cDirection::read);
  EXPECT_EQ(bus.write(0x01), I2cAck::nack);  // during a read
  bus.stop();
  std::string text = log.take();
  EXPECT_NE(text.find("outside a message"), std::string::npos) << text;
  EXPECT_NE(text.find("during a read message"), std::string::npos) << text;
  EXPECT_EQ(t.events, (Events{"start R", "stop"}));
}

TEST(I2cBus, TheTransactionLogListsEachMessageWithItsTimes) {
  Scheduler s;
  I2cBus bus("i2c0", &s);
  FakeTarget t;
  t.to_send = {0x42};
  t.write_answers = {I2cAck::ack, I2cAck::nack};
  bus.attach(0x50, t, "eeprom1");
  I2cTransactionLog log(bus);

  s.advance(100);
  bus.start(0x50, I2cDirection::write);
  bus.write(0x00);
  bus.write(0x10);
  s.advance(50);
  bus.start(0x50, I2cDirection::read);  // Sr
  bus.read(I2cAck::nack);
  s.advance(25);
  bus.stop();
  bus.start(0x3C, I2cDirection::write);
  bus.stop();

  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x50 W A 00 A 10 N", "Sr 0x50 R A 42 N P", "S 0x3C W N P"}));
  const auto& ts = log.transactions();
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].start, 100u);
  EXPECT_EQ(ts[0].end, 150u);
  EXPECT_EQ(ts[0].ended_by, I2cTransaction::End::repeated_start);
  EXPECT_EQ(ts[0].target, "eeprom1");
  EXPECT_EQ(ts[1].start, 150u);
  EXPECT_EQ(ts[1].end, 175u);
  EXPECT_TRUE(ts[1].repeated);
  EXPECT_TRUE(ts[1].acked());
  EXPECT_FALSE(ts[2].acked());
  EXPECT_EQ(ts[2].target, "");
  EXPECT_EQ(ts[2].direction, I2cDirection::write);

  // A read that ends before the controller answers has one ACK fewer than bytes.
  bus.start(0x50, I2cDirection::read);
  bus.read();
  bus.stop();
  EXPECT_EQ(log.lines().back(), "S 0x50 R A 00 P");
  log.clear();
  EXPECT_TRUE(log.transactions().empty());
}

// ---- BitBangI2c through nets ---------------------------------------------------------------------

// A board in miniature: the controller's open-drain GPIOs, the targets' engine, a pull-up
// resistor on each line.
struct Wires {
  explicit Wires(Cycles half_period = 10, bool pull_ups = true) : cpu("cpu", &s, half_period, 10 * half_period) {
    for (Pin* p : {&cpu.sda_pin(), &engine.sda(), &r_sda}) nl.connect(*p, "sda");
    for (Pin* p : {&cpu.scl_pin(), &engine.scl(), &r_scl}) nl.connect(*p, "scl");
    if (pull_ups) {
      r_sda.drive(Drive::pull_up);
      r_scl.drive(Drive::pull_up);
    }
  }
  Scheduler s;
  Netlist nl{&s};
  I2cBus bus{"i2c0", &s};
  BitBangI2c engine{"i2c0", bus, &s};
  I2cBitBangController cpu;
  Pin r_sda{"r1.P", &s};
  Pin r_scl{"r2.P", &s};
};

TEST(BitBangI2c, StartAndStopAreRecognisedOnTheWires) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  EXPECT_FALSE(w.engine.in_message());
  w.cpu.start();
  EXPECT_TRUE(w.engine.in_message());
  EXPECT_TRUE(t.events.empty());  // the address byte has not come yet
  EXPECT_EQ(w.cpu.write_byte(0x20 << 1), I2cAck::ack);
  EXPECT_EQ(t.events, (Events{"start W"}));
  w.cpu.stop();
  EXPECT_FALSE(w.engine.in_message());
  EXPECT_EQ(t.events, (Events{"start W", "stop"}));
  EXPECT_FALSE(w.bus.active());
  // The engine holds nothing afterwards: both lines are back to the pull-ups.
  EXPECT_EQ(w.engine.sda().driving(), Drive::off);
  EXPECT_TRUE(w.cpu.sda_is_high());
  EXPECT_TRUE(w.cpu.scl_is_high());
}

TEST(BitBangI2c, DataBytesAndTheTargetsAcksReachTheController) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  I2cTransactionLog log(w.bus);
  const std::array<std::uint8_t, 3> data{0x12, 0x80, 0x01};
  EXPECT_EQ(w.cpu.write(0x20, data), I2cAck::ack);
  EXPECT_EQ(t.events, (Events{"start W", "write 12", "write 80", "write 01", "stop"}));

  // The target NACKs the second byte: the controller sees SDA high in the 9th clock and stops.
  t.events.clear();
  t.writes = 0;
  t.write_answers = {I2cAck::ack, I2cAck::nack};
  EXPECT_EQ(w.cpu.write(0x20, data), I2cAck::nack);
  EXPECT_EQ(t.events, (Events{"start W", "write 12", "write 80", "stop"}));
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x20 W A 12 A 80 A 01 A P", "S 0x20 W A 12 A 80 N P"}));
}

TEST(BitBangI2c, AnAddressNobodyAnswersIsNackedOnSda) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  I2cTransactionLog log(w.bus);
  EXPECT_EQ(w.cpu.write(0x21, {}), I2cAck::nack);  // what a bus scan does at each address
  EXPECT_EQ(w.cpu.write(0x20, {}), I2cAck::ack);
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x21 W N P", "S 0x20 W A P"}));
  // The controller may go on clocking after a NACK: nobody answers, reads see the pull-up.
  w.cpu.start();
  EXPECT_EQ(w.cpu.write_byte(0x21 << 1 | 1), I2cAck::nack);
  EXPECT_EQ(w.cpu.read_byte(I2cAck::nack), 0xFF);
  w.cpu.stop();
  EXPECT_EQ(t.events, (Events{"start W", "stop"}));
}

TEST(BitBangI2c, AReadOfSeveralBytesIsShiftedOutAndAcknowledgedByTheController) {
  FakeTarget t;
  t.to_send = {0xA5, 0x3C, 0xFF, 0x00, 0x81};
  Wires w;
  w.bus.attach(0x20, t, "t");
  I2cTransactionLog log(w.bus);
  std::array<std::uint8_t, 5> got{};
  EXPECT_EQ(w.cpu.read(0x20, got), I2cAck::ack);
  EXPECT_EQ(got, (std::array<std::uint8_t, 5>{0xA5, 0x3C, 0xFF, 0x00, 0x81}));
  EXPECT_EQ(t.events, (Events{"start R", "read A5", "read_ack A", "read 3C", "read_ack A", "read FF", "read_ack A",
                              "read 00", "read_ack A", "read 81", "read_ack N", "stop"}));
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x20 R A A5 A 3C A FF A 00 A 81 N P"}));
  EXPECT_EQ(w.engine.sda().driving(), Drive::off);
}

TEST(BitBangI2c, TheEngineChangesSdaOnlyWhileSclIsLow) {
  FakeTarget t;
  t.to_send = {0x55, 0xAA, 0x0F};
  Wires w;
  w.bus.attach(0x20, t, "t");
  // SDA edges while SCL is high are START or STOP conditions; the engine must never make one.
  std::vector<Level> sda_edges_while_scl_high;
  w.nl.find("sda")->observe([&](const Net&, Level l, Cycles) {
    if (w.nl.find("scl")->level() == Level::high) sda_edges_while_scl_high.push_back(l);
  });
  std::array<std::uint8_t, 3> got{};
  w.cpu.write(0x20, std::array<std::uint8_t, 2>{0x55, 0xAA});
  w.cpu.read(0x20, got);
  EXPECT_EQ(got, (std::array<std::uint8_t, 3>{0x55, 0xAA, 0x0F}));
  // START (falls) and STOP (rises), twice: nothing else.
  EXPECT_EQ(sda_edges_while_scl_high, (std::vector<Level>{Level::low, Level::high, Level::low, Level::high}));
}

TEST(BitBangI2c, ARepeatedStartOnTheWiresIsAnSr) {
  FakeTarget t, u;
  t.to_send = {0xC4};
  Wires w;
  w.bus.attach(0x0E, t, "mag");
  w.bus.attach(0x1D, u, "accel");
  I2cTransactionLog log(w.bus);
  std::array<std::uint8_t, 1> got{};
  w.cpu.write(0x0E, std::array<std::uint8_t, 1>{0x07}, /*send_stop=*/false);
  EXPECT_EQ(w.cpu.read(0x0E, got, /*send_stop=*/false), I2cAck::ack);
  EXPECT_EQ(w.cpu.write(0x1D, {}), I2cAck::ack);
  EXPECT_EQ(got[0], 0xC4);
  EXPECT_EQ(t.events, (Events{"start W", "write 07", "repeated_start", "start R", "read C4", "read_ack N",
                              "repeated_start"}));
  EXPECT_EQ(u.events, (Events{"start W", "stop"}));
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x0E W A 07 A", "Sr 0x0E R A C4 N", "Sr 0x1D W A P"}));
}

TEST(BitBangI2c, ARepeatedStartEndsTheMessageEvenIfAStopFollowsAtOnce) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  I2cTransactionLog log(w.bus);
  w.cpu.write(0x20, std::array<std::uint8_t, 1>{0x01}, /*send_stop=*/false);
  w.cpu.start();  // Sr, and no address byte after it
  EXPECT_EQ(t.events, (Events{"start W", "write 01", "repeated_start"}));
  w.cpu.stop();
  // The target's message ended at the Sr: the STOP that follows is not its STOP (an EEPROM
  // would otherwise start a write cycle with the data before the Sr).
  EXPECT_EQ(t.events, (Events{"start W", "write 01", "repeated_start"}));
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"S 0x20 W A 01 A"}));
  EXPECT_FALSE(w.bus.active());
  EXPECT_FALSE(w.engine.in_message());
}

TEST(BitBangI2c, TransactionTimesAreVirtualTimesOnTheWires) {
  FakeTarget t;
  Wires w(/*half_period=*/10);
  w.bus.attach(0x20, t, "t");
  I2cTransactionLog log(w.bus);
  w.cpu.write(0x20, {});
  ASSERT_EQ(log.transactions().size(), 1u);
  // START at 10, SCL low at 20, eight bits of 20 cycles: the address byte ends at 180. The ACK
  // clock ends at 200, the STOP's SDA rise comes at 220.
  EXPECT_EQ(log.transactions()[0].start, 180u);
  EXPECT_EQ(log.transactions()[0].end, 220u);
  EXPECT_EQ(w.nl.find("sda")->last_change(), 220u);
}

TEST(BitBangI2c, WorksWithoutAScheduler) {
  FakeTarget t;
  t.to_send = {0x99};
  Netlist nl(nullptr);
  I2cBus bus("i2c0", nullptr);
  BitBangI2c engine("i2c0", bus, nullptr);
  I2cBitBangController cpu("cpu", nullptr);
  Pin r_sda("r1.P", nullptr), r_scl("r2.P", nullptr);
  for (Pin* p : {&cpu.sda_pin(), &engine.sda(), &r_sda}) nl.connect(*p, "sda");
  for (Pin* p : {&cpu.scl_pin(), &engine.scl(), &r_scl}) nl.connect(*p, "scl");
  r_sda.drive(Drive::pull_up);
  r_scl.drive(Drive::pull_up);
  bus.attach(0x20, t, "t");
  std::array<std::uint8_t, 1> got{};
  EXPECT_EQ(cpu.read(0x20, got), I2cAck::ack);
  EXPECT_EQ(got[0], 0x99);
}

TEST(BitBangI2c, AStopInTheMiddleOfAByteDropsItAndIsStillAStop) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  boardemu::testing::LogCapture log;
  w.cpu.start();
  w.cpu.write_byte(0x20 << 1);
  w.cpu.write_byte(0x11);
  // Three bits of the next byte, then STOP.
  for (bool bit : {true, false, true}) {
    w.cpu.set_sda(bit);
    w.cpu.set_scl(true);
    w.cpu.set_scl(false);
  }
  w.cpu.stop();
  EXPECT_EQ(t.events, (Events{"start W", "write 11", "stop"}));
  std::string text = log.take();
  EXPECT_NE(text.find("STOP after 3 bits of a byte"), std::string::npos) << text;
  // An ordinary STOP right after a byte is not an interrupted byte.
  w.cpu.write(0x20, std::array<std::uint8_t, 1>{0x22});
  EXPECT_EQ(log.take(), "");
}

TEST(BitBangI2c, SdaMovedWhileSclIsHighIsAConditionNotData) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  w.cpu.start();
  w.cpu.write_byte(0x20 << 1);
  // A data bit set up too late: SDA low, SCL up, then SDA released while SCL is high. On the
  // wire that is a STOP (UM10204 3.1.4), whatever the controller meant.
  w.cpu.set_sda(false);
  w.cpu.set_scl(true);
  w.cpu.set_sda(true);
  EXPECT_EQ(t.events, (Events{"start W", "stop"}));
  EXPECT_FALSE(w.engine.in_message());
  // And SDA pulled low while SCL is high is a START: the next byte is an address again.
  w.cpu.set_sda(false);
  w.cpu.set_scl(false);
  EXPECT_TRUE(w.engine.in_message());
  EXPECT_EQ(w.cpu.write_byte(0x20 << 1), I2cAck::ack);
  w.cpu.stop();
  EXPECT_EQ(t.events, (Events{"start W", "stop", "start W", "stop"}));
}

TEST(BitBangI2c, AControllerThatAcksTheLastByteFindsSdaHeldAndClearsTheBus) {
  FakeTarget t;
  t.to_send = {0x12, 0x34};  // 0x34 starts with a 0 bit: the engine holds SDA low
  Wires w;
  w.bus.attach(0x20, t, "t");
  boardemu::testing::LogCapture log;
  w.cpu.start();
  w.cpu.write_byte(0x20 << 1 | 1);
  EXPECT_EQ(w.cpu.read_byte(I2cAck::ack), 0x12);  // ACK: "send me another"
  EXPECT_FALSE(w.cpu.sda_is_high());
  EXPECT_THROW(w.cpu.stop(), std::runtime_error);
  // Bus clear (UM10204 3.1.16): clock SCL until the target lets SDA go, then STOP.
  int pulses = 0;
  while (!w.cpu.sda_is_high() && pulses < 9) {
    w.cpu.set_scl(true);
    w.cpu.set_scl(false);
    ++pulses;
  }
  EXPECT_EQ(pulses, 2);  // 0x34 = 0011 0100: its third bit is the first 1
  w.cpu.stop();
  EXPECT_FALSE(w.engine.in_message());
  EXPECT_EQ(t.events.back(), "stop");
  std::string text = log.take();
  EXPECT_NE(text.find("did not NACK the last byte"), std::string::npos) << text;
}

TEST(BitBangI2c, WithoutPullUpsTheLinesFloatAndTheControllerSaysSo) {
  Wires w(/*half_period=*/10, /*pull_ups=*/false);
  try {
    w.cpu.start();
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("SCL stays floating"), std::string::npos) << what;
    EXPECT_NE(what.find("no pull-up"), std::string::npos) << what;
  }
  EXPECT_FALSE(w.engine.in_message());
}

TEST(BitBangI2c, AFloatingLineIsNotAnEdgeAndIsReported) {
  FakeTarget t;
  Wires w;
  w.bus.attach(0x20, t, "t");
  w.cpu.start();
  w.cpu.write_byte(0x20 << 1);
  boardemu::testing::LogCapture log;
  w.r_sda.drive(Drive::off);  // the SDA pull-up goes away mid-message: SDA floats
  w.cpu.set_scl(true);
  w.r_sda.drive(Drive::pull_up);  // back high while SCL is high: not a STOP, it never was low
  EXPECT_TRUE(w.engine.in_message());
  EXPECT_EQ(t.events, (Events{"start W"}));
  std::string text = log.take();
  EXPECT_NE(text.find("i2c i2c0: SDA is floating during a message"), std::string::npos) << text;
  w.cpu.set_scl(false);
  w.cpu.stop();
  EXPECT_EQ(t.events, (Events{"start W", "stop"}));
}

TEST(BitBangI2c, TheControllerWaitsForAStretchedClock) {
  Wires w(/*half_period=*/10);
  // Something holds SCL low for 35 cycles after the controller lets it go.
  Pin stretcher("t.SCL", &w.s);
  w.nl.connect(stretcher, "scl");
  stretcher.drive(Drive::low);
  w.s.schedule_in(35, [&](Cycles) { stretcher.drive(Drive::off); });
  w.cpu.set_scl(true);
  EXPECT_TRUE(w.cpu.scl_is_high());
  EXPECT_EQ(w.s.now(), 40u);  // four half periods
  // Held for good: the wait ends after max_stretch (100 cycles here).
  stretcher.drive(Drive::low);
  EXPECT_THROW(w.cpu.set_scl(true), std::runtime_error);
}

}  // namespace
}  // namespace boardemu
