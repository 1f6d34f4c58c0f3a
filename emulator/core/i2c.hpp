// The I2C layer: targets, the bus that routes to them, and the bit-level engine that turns SDA/SCL
// edges on nets into bus calls.
//
//   controller side                           target side
//   ---------------                           -----------
//   a hardware I2C controller model  ---+
//                                       +-->  I2cBus  --(7-bit address)-->  I2cTarget (a part)
//   GPIO pins --nets--> BitBangI2c  ----+       |
//                                               +--> observers: one I2cTransaction per message
//
// Facts from the NXP I2C-bus specification (UM10204, Rev. 6/7), cited by section below:
//  - 3.1.3 Data validity: SDA may change only while SCL is LOW; each data bit is the SDA level
//    during the HIGH period of its clock pulse.
//  - 3.1.4 START (S): SDA falls while SCL is HIGH; STOP (P): SDA rises while SCL is HIGH. A
//    repeated START (Sr) is a START without a STOP before it; S and Sr are functionally the same.
//  - 3.1.5 Byte format: 8 bits, MSB first, then a 9th clock for the acknowledge bit.
//  - 3.1.6 ACK/NACK: the receiver pulls SDA LOW during the 9th clock (ACK) or leaves it HIGH
//    (NACK). A target NACKs its address when it cannot take part (e.g. busy); a target-receiver
//    NACKs a data byte it cannot take; a controller-receiver NACKs the last byte it reads, which
//    tells the target-transmitter to release SDA so the controller can make a STOP or Sr.
//  - 3.1.10 The first byte after S/Sr is the 7-bit target address and the R/W bit (1 = read).
//    A target stays addressed until a STOP, or a Sr followed by another address (3.1.11).
//  - 3.1.12 Reserved addresses (0000 XXX, 1111 XXX) may be used as target addresses when their
//    reserved purpose is never used on that bus; 0000 000 is the general call / START byte.
//
// Model and decisions (each is a choice where the hardware or the spec leaves room):
//  - Transactions are delivered to one target: the one attached at the address. An address
//    nobody answers is NACKed; the bytes that follow are NACKed (writes) or read as 0xFF (the
//    pull-up: nobody drives SDA), exactly as a controller ignoring the NACK would see them.
//  - A target that NACKs its address is not addressed: it hears nothing until START+its address.
//  - Every START/Sr ends the current target's message. A STOP calls stop(); a Sr calls
//    repeated_start() on the target that was addressed, and then (once the next address byte is
//    known) start() on whichever target is addressed next, possibly the same one again. Targets
//    that commit work on STOP (an EEPROM's write cycle) thereby never commit on a Sr.
//  - General call (address 0 with W) is not modelled: nobody may attach at address 0, so it is
//    NACKed, as on a bus whose devices ignore it. 10-bit addressing is not modelled.
//  - The controller's answer to a read byte comes after the byte (the target must put the byte
//    on SDA before the controller answers): read() returns the byte, read_ack() delivers the
//    answer. After a NACK the target releases SDA; further reads return 0xFF without asking it.
//  - No clock stretching by targets; no arbitration (a single controller); no timing checks.
//
// Lifetimes: a target must stay alive while attached and the bus is used (detach it first, or
// stop using the bus). Target callbacks must not call back into the bus.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.hpp"
#include "core/state.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

// The R/W bit of the address byte (UM10204 3.1.10): 0 write, 1 read.
enum class I2cDirection : std::uint8_t { write = 0, read = 1 };
// The 9th bit of every byte (UM10204 3.1.6): ACK is SDA low.
enum class I2cAck : std::uint8_t { ack, nack };

std::string_view to_string(I2cDirection d);  // "W" / "R"
std::string_view to_string(I2cAck a);        // "A" / "N"

// What a part on an I2C bus implements. Calls arrive in this order for one message:
//   start(dir) -> ACK?        the address byte named this target (after S or Sr)
//   write(byte) -> ACK?       (write message) each byte the controller sends
//   read() -> byte,           (read message) each byte the target sends, then
//   read_ack(ACK/NACK)        the controller's answer to it (NACK: that was the last one)
//   stop() | repeated_start() the message ended with a STOP, or with a repeated START (the next
//                             start() may be this target's again, e.g. a "random read")
// If start() NACKs, nothing else follows for that message. read_ack() may not come if the
// controller ends the message without answering (a protocol error on its part).
class I2cTarget {
 public:
  virtual ~I2cTarget() = default;
  virtual I2cAck start(I2cDirection direction) = 0;
  virtual I2cAck write(std::uint8_t byte) = 0;
  virtual std::uint8_t read() = 0;
  virtual void read_ack(I2cAck ack) { (void)ack; }
  virtual void stop() = 0;
  virtual void repeated_start() {}
};

// One message on the bus, from its START (or Sr) to the STOP or Sr that ends it.
struct I2cTransaction {
  enum class End : std::uint8_t { stop, repeated_start };

  std::uint8_t address = 0;  // 7-bit
  I2cDirection direction = I2cDirection::write;
  I2cAck address_ack = I2cAck::nack;
  bool repeated = false;   // began with a repeated START
  std::string target;      // the name the target was attached with; empty if none is there
  std::vector<std::uint8_t> data;  // the data bytes after the address byte
  // The answer to each data byte: the target's for a write, the controller's for a read. One
  // shorter than `data` if the message ended before the controller answered the last read byte.
  std::vector<I2cAck> acks;
  Cycles start = 0;  // when the address byte was heard
  Cycles end = 0;    // when the STOP or Sr was heard
  End ended_by = End::stop;

  bool acked() const { return address_ack == I2cAck::ack; }
};

// One line in the notation of UM10204's figures: "S 0x50 W A 00 A 10 A 42 A P",
// "Sr 0x50 R A 42 N P"; a message ended by Sr has no P.
std::string to_string(const I2cTransaction& t);
// Save state of a message being collected (core/state.hpp).
void transaction_state(StateArchive& ar, I2cTransaction& t);

class I2cBus {
 public:
  using Observer = std::function<void(const I2cTransaction&)>;
  using ObserverId = std::uint64_t;

  // `clock` stamps transactions with virtual time; null in tests that need no time.
  I2cBus(std::string name, const Scheduler* clock);
  I2cBus(const I2cBus&) = delete;
  I2cBus& operator=(const I2cBus&) = delete;

  const std::string& name() const { return name_; }

  // Attaches `target` at the 7-bit `address` (1..0x7F). One target may answer several
  // addresses. Throws std::invalid_argument for address 0 or above 0x7F, and when the address
  // is taken (naming both targets).
  void attach(std::uint8_t address, I2cTarget& target, std::string target_name);
  // Removes every attachment of `target` (ending its message first if it is addressed).
  void detach(I2cTarget& target);
  I2cTarget* target_at(std::uint8_t address) const;
  // Attached addresses, ascending (what a controller's bus scan should find).
  std::vector<std::uint8_t> addresses() const;

  // ---- controller side: the bus conditions and bytes, one call each ----
  // START (or, during a message, repeated START) and the address byte; the addressed target's
  // answer, NACK if nobody is there.
  I2cAck start(std::uint8_t address, I2cDirection direction);
  // A data byte from the controller; the target's answer.
  I2cAck write(std::uint8_t byte);
  // A data byte from the target (0xFF when nobody drives SDA), then the controller's answer.
  // A read() while the previous byte is unanswered answers it with ACK first.
  std::uint8_t read();
  void read_ack(I2cAck ack);
  // read() and read_ack(reply) in one, for controllers that know the answer in advance.
  std::uint8_t read(I2cAck reply);
  // STOP. Without an open message, nothing happens.
  void stop();
  // A repeated START condition whose address byte has not arrived yet (BitBangI2c sees the two
  // apart; start() during a message implies it). Ends the message; start() opens the next.
  void repeated_start();
  // Between start() and the STOP or Sr that ends the message.
  bool active() const { return active_; }

  // Observers get each message once it has ended. Removing an unknown id is a no-op.
  ObserverId observe(Observer observer);
  void unobserve(ObserverId id);

  // Save state (core/state.hpp): the message in progress and which target it addresses.
  void state(StateArchive& ar);

 private:
  struct Attachment {
    I2cTarget* target;
    std::string name;
  };
  void end_message(I2cTransaction::End how);
  Cycles now() const { return clock_ ? clock_->now() : 0; }

  std::string name_;
  const Scheduler* clock_;
  std::map<std::uint8_t, Attachment> targets_;
  // The open message.
  bool active_ = false;
  bool after_repeated_start_ = false;  // the next start() is an Sr
  I2cTarget* current_ = nullptr;       // addressed (it ACKed its address); null otherwise
  bool awaiting_read_ack_ = false;
  bool read_nacked_ = false;
  I2cTransaction message_;
  std::vector<std::pair<ObserverId, Observer>> observers_;
  ObserverId next_observer_ = 1;
};

// Records every message of a bus (tests, the GUI's bus view). The bus must outlive it.
class I2cTransactionLog {
 public:
  explicit I2cTransactionLog(I2cBus& bus);
  ~I2cTransactionLog();
  I2cTransactionLog(const I2cTransactionLog&) = delete;
  I2cTransactionLog& operator=(const I2cTransactionLog&) = delete;

  const std::vector<I2cTransaction>& transactions() const { return transactions_; }
  // to_string() of each, in order.
  std::vector<std::string> lines() const;
  void clear() { transactions_.clear(); }

 private:
  I2cBus& bus_;
  I2cBus::ObserverId id_;
  std::vector<I2cTransaction> transactions_;
};

// A passive I2C decoder on two nets, as a logic analyser's I2C decoder is: it only listens (it
// has no pins and drives nothing), and turns the SCL/SDA waveform into I2cTransaction records,
// whoever drives the lines: the bytes the controller writes, the bytes targets send back, and
// every ACK/NACK as it was on the wire. Conditions and bits follow UM10204 3.1.3-3.1.6 as
// BitBangI2c reads them: SDA edges while SCL is high are START/Sr/STOP; bits are sampled on SCL
// rising; the 9th bit of each byte is its acknowledge (low = ACK). A level other than high
// (floating without a pull-up, contention) counts as low. Transactions carry no target name.
// The nets must outlive the monitor.
class I2cMonitor {
 public:
  using Observer = std::function<void(const I2cTransaction&)>;

  I2cMonitor(Net& scl, Net& sda, const Scheduler* clock);
  ~I2cMonitor();
  I2cMonitor(const I2cMonitor&) = delete;
  I2cMonitor& operator=(const I2cMonitor&) = delete;

  // Every message once it has ended (by STOP or Sr), oldest first.
  const std::vector<I2cTransaction>& transactions() const { return done_; }
  std::vector<std::string> lines() const;
  void clear() { done_.clear(); }
  // Also called with each message as it ends.
  void on_transaction(Observer observer) { observer_ = std::move(observer); }

 private:
  void scl_changed(Level level);
  void sda_changed(Level level);
  void end(I2cTransaction::End how);

  Net& scl_;
  Net& sda_;
  const Scheduler* clock_;
  Net::ObserverId scl_id_ = 0, sda_id_ = 0;
  bool scl_high_;
  bool sda_high_;
  bool open_ = false;     // a START has been seen and no STOP yet
  bool repeated_ = false;  // the open message began with Sr
  unsigned bits_ = 0;      // bits of the current byte sampled, 0..9 (the 9th is the ACK)
  std::uint8_t shift_ = 0;
  bool have_address_ = false;
  I2cTransaction current_;
  std::vector<I2cTransaction> done_;
  Observer observer_;
};

// The target side of I2C at the bit level: it listens to SDA and SCL on their nets, recognises
// START, STOP, bits, bytes and acknowledges (UM10204 3.1.3-3.1.6), drives SDA for ACKs and for
// the bits of bytes read, and turns all of it into I2cBus calls. This is how firmware that
// bit-bangs GPIOs (MicroPython's SoftI2C, the ESP8266 port) reaches the parts on a bus.
//
// It owns two open-drain pins, `<name>.SDA` and `<name>.SCL` (driven only `low` or `off`; it never
// drives SCL, since no target stretches the clock), which the caller wires to the bus's nets.
// Its pins stand for the SDA/SCL pins of every target on `bus`: one engine per bus. (Giving each
// part its own engine and bus, on the same nets, is as valid: the wired-AND does the rest.)
//
// Bit-level behaviour:
//  - SDA falling while SCL is high is a START (a Sr if a message is open); SDA rising while SCL
//    is high is a STOP. That holds for every SDA edge while SCL is high, as in hardware: a
//    controller that changes SDA after raising SCL (a set-up violation) makes a START or STOP,
//    and whatever byte was in progress is lost.
//  - Bits are sampled on SCL rising. A received byte is complete, and handed to the bus, on the
//    SCL fall after its 8th bit (a START/STOP during the 8th clock's high time means that "bit"
//    was a condition, not data); the ACK/NACK is then driven on SDA until the 9th clock ends.
//  - Read data: the bus is asked for the byte as the previous ACK clock ends; each bit is put on
//    SDA right after SCL falls and held through the high time; SDA is released for the 9th
//    clock, whose level is the controller's ACK (low) or NACK (high), delivered when it ends.
//    After a NACK the engine waits for a STOP or START, ignoring further clocks.
//  - SDA is only ever changed by the engine while SCL is low, so it never makes a condition.
//  - A STOP or START in the middle of a byte drops the partial byte (logged under guest_error
//    when it is not the one clock a STOP or Sr begins with); a STOP is a STOP whatever came
//    before: the target gets stop(). A START/STOP while the engine sends a read byte means the
//    controller did not NACK the last byte it read (logged under guest_error).
//  - Timing is not checked: any order of edges valid in the protocol works at any speed,
//    including edges at one and the same cycle. There is no spike filter (UM10204 tSP, 50 ns
//    in Fast-mode): a zero-width pulse on SCL is a clock pulse like any other.
//  - Levels other than low/high (a floating line without pull-up, contention) are not edges: the
//    engine keeps the last valid level (logged under guest_error during a message).
//  - Lines start as assumed idle (high). A controller's reset leaves the lines to their
//    pull-ups, and the edges that makes are seen as they are: the engine is on the targets'
//    side and is never reset with the controller.
class BitBangI2c {
 public:
  // `scheduler` stamps the pins' nets; may be null in tests.
  BitBangI2c(std::string name, I2cBus& bus, Scheduler* scheduler);
  ~BitBangI2c();
  BitBangI2c(const BitBangI2c&) = delete;
  BitBangI2c& operator=(const BitBangI2c&) = delete;

  const std::string& name() const { return name_; }
  Pin& sda() { return sda_; }
  Pin& scl() { return scl_; }
  I2cBus& bus() { return bus_; }
  // Between a START and the next STOP, as seen on the wires.
  bool in_message() const { return phase_ != Phase::idle; }

  // Save state (core/state.hpp): where the engine is in the bit-level protocol.
  void state(StateArchive& ar);

 private:
  enum class Phase : std::uint8_t {
    idle,      // no START since the last STOP
    receive,   // shifting in a byte from the controller (the address byte or data)
    ack_out,   // the 9th clock of a received byte: SDA held low for ACK, released for NACK
    transmit,  // shifting out a byte read from the target
    ack_in,    // the 9th clock of a sent byte: the controller answers
    ignore,    // not addressed, or the controller NACKed a read: wait for START or STOP
  };
  void on_sda(Level level);
  void on_scl(Level level);
  void invalid_level(const char* line, Level level);
  void start_condition();
  void stop_condition();
  void scl_rose();
  void scl_fell();
  void byte_received();
  void ack_clock_done();
  void begin_transmit();
  void put_bit();
  void begin_receive(bool address_byte);
  void log_interrupted_byte(const char* condition);

  std::string name_;
  I2cBus& bus_;
  Pin sda_;
  Pin scl_;
  bool sda_high_ = true;  // last valid levels
  bool scl_high_ = true;
  Phase phase_ = Phase::idle;
  bool address_byte_ = false;  // the byte being received (or acknowledged) is the address byte
  bool read_ = false;          // the addressed message reads
  unsigned bits_ = 0;          // receive: bits sampled; transmit: clock pulses completed
  std::uint8_t shift_ = 0;     // the byte being received or sent
  I2cAck answer_ = I2cAck::nack;  // ack_out: ours; ack_in: the controller's
};

// The controller side at the bit level, step by step, for tests that do what firmware does
// (MicroPython's SoftI2C: open-drain GPIOs, a pull-up per line) and for models that want the
// waveform. It owns `<name>.SDA` and `<name>.SCL`, driven `low` or `off` (open drain), and
// changes SDA only while SCL is low except to make START and STOP.
//
// With a scheduler and a non-zero `half_period`, each step advances virtual time by that many
// cycles and runs due events, as a CPU executing the delay loops would (so a part's timed
// events, like an EEPROM's write cycle, progress between steps). After releasing SCL it waits
// for SCL to go high (a target stretching the clock), advancing time in half-periods up to
// `max_stretch` cycles; a line that stays low, or floats for want of a pull-up, throws
// std::runtime_error, as does SDA held low when a START or STOP needs it high.
class I2cBitBangController {
 public:
  I2cBitBangController(std::string name, Scheduler* scheduler, Cycles half_period = 0,
                       Cycles max_stretch = 0);
  I2cBitBangController(const I2cBitBangController&) = delete;
  I2cBitBangController& operator=(const I2cBitBangController&) = delete;

  Pin& sda_pin() { return sda_; }
  Pin& scl_pin() { return scl_; }

  // ---- one bus condition or byte ----
  void start();  // START, or repeated START within a message
  void stop();
  I2cAck write_byte(std::uint8_t byte);       // 8 bits, then reads the target's answer
  std::uint8_t read_byte(I2cAck reply);       // 8 bits from the target, then answers

  // ---- messages ----
  // START, address+W, `data`; stops sending at the first NACK. ACK when everything was ACKed.
  // `send_stop` false leaves the message open for a repeated START.
  I2cAck write(std::uint8_t address, std::span<const std::uint8_t> data, bool send_stop = true);
  // START (Sr if a message is open), address+R, then out.size() bytes, ACKing all but the last
  // (UM10204 3.1.6). NACK, with `out` untouched, if the address is not acknowledged.
  I2cAck read(std::uint8_t address, std::span<std::uint8_t> out, bool send_stop = true);

  // ---- single wires, for odd waveforms (high = released: open drain) ----
  void set_sda(bool high);
  void set_scl(bool high);  // releasing waits for the line as described above
  bool sda_is_high() const { return sda_.level() == Level::high; }
  bool scl_is_high() const { return scl_.level() == Level::high; }

 private:
  void delay();
  void release_scl();

  std::string name_;
  Scheduler* scheduler_;
  Cycles half_period_;
  Cycles max_stretch_;
  Pin sda_;
  Pin scl_;
};

}  // namespace boardemu
