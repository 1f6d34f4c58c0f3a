// SPI: chip-select-framed, full-duplex byte exchange between a controller and its targets.
//
// The protocol as the hardware defines it (Motorola SPI; e.g. the "SPI Operations" section of
// the Winbond W25Q32JV datasheet, the NXP/Freescale SPI block guides):
//  - A frame is the time a target's chip select (CS, active low) is asserted. Targets act on
//    frames: a NOR flash latches a program or erase when CS rises, a sensor restarts its
//    register pointer when CS falls.
//  - Within a frame, every SCK clock moves one bit each way: MOSI from the controller, MISO from
//    the selected target. Eight clocks make a byte.
//  - CPOL is SCK's idle level. CPHA = 0: data is sampled on the leading (first) edge of each
//    clock and changes on the trailing edge, so the first bit is on the line before the first
//    edge; CPHA = 1: data changes on the leading edge and is sampled on the trailing edge.
//    Mode = CPOL * 2 + CPHA. Modes 0 and 3 both sample on the rising edge, modes 1 and 2 on the
//    falling edge. Bits go most significant first unless the device says otherwise.
//  - A deselected target leaves MISO high-impedance, so several targets share it.
//
// The layers here:
//  - SpiTarget: what a part implements (select, exchange bytes, deselect). Hardware SPI
//    controller models call it directly, one byte at a time.
//  - SpiBus: a controller's side of a bus with several targets on separate chip selects, and
//    the transaction log (one SpiFrame per CS frame) that the GUI and test runner list.
//  - BitBangSpi: a target's pins (<name>.SCK/.MOSI/.MISO/.CS); it follows the edges that reach
//    them through their nets and turns them into SpiTarget calls, so firmware that toggles
//    GPIOs (MicroPython's SoftSPI) talks to the same part model.
//  - BitBangSpiController: the controller side of the same thing, driving pins step by step
//    (tests, and anything else that wants to push real edges through nets).
//
// References for the model, facts only: QEMU hw/ssi/ssi.c (targets framed by chip select),
// simavr parts (see ../shared/STYLE.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/net.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

// ---- the target interface -----------------------------------------------------------------------

class SpiTarget {
 public:
  virtual ~SpiTarget() = default;

  // CS asserted: a frame begins.
  virtual void select() = 0;
  // CS released: the frame ends (a NOR flash starts the program/erase it was given here).
  virtual void deselect() = 0;

  // One byte while selected, full duplex: `mosi` goes in, the returned byte is what the target
  // shifted out during the same eight clocks.
  std::uint8_t exchange(std::uint8_t mosi) {
    std::uint8_t miso = shift_out();
    shift_in(mosi);
    return miso;
  }

  // The two halves of exchange(), each called once per byte, shift_out() first. A bit-level
  // engine needs the outgoing byte before the incoming one is complete: as in hardware, where
  // a target loads its shift register at the byte boundary, what it sends in a byte depends on
  // the bytes before it, never on the byte arriving at the same time.
  //
  // The byte to send next. Called before the byte's first clock (it may be called once more
  // than shift_in() when CS rises after a byte boundary: the target had loaded its next byte).
  virtual std::uint8_t shift_out() = 0;
  // The byte received, after its eighth clock.
  virtual void shift_in(std::uint8_t mosi) = 0;
};

// ---- transaction log ----------------------------------------------------------------------------

// One chip-select frame, as the controller saw it.
struct SpiFrame {
  std::string target;  // the target's name ("" for a chip select nothing is wired to)
  unsigned cs = 0;     // its chip select on the bus (0 for a bit-banged target)
  std::vector<std::uint8_t> mosi;  // bytes out, in order
  std::vector<std::uint8_t> miso;  // bytes in, one per byte out
  Cycles start = 0;    // CS asserted
  Cycles end = 0;      // CS released
};

// Collects frames and hands each complete one to the observers. Records nothing while nobody
// observes.
class SpiFrameLog {
 public:
  using Observer = std::function<void(const SpiFrame& frame)>;
  using ObserverId = std::uint64_t;

  ObserverId observe(Observer observer);
  // Removing an unknown id is a no-op.
  void unobserve(ObserverId id);
  bool observed() const { return !observers_.empty(); }

  void begin(const std::string& target, unsigned cs, Cycles now);
  void byte(std::uint8_t mosi, std::uint8_t miso);
  void end(Cycles now);

  // Save state (core/state.hpp): the frame being collected (observers are the host's).
  void state(StateArchive& ar);

 private:
  std::vector<std::pair<ObserverId, Observer>> observers_;
  ObserverId next_id_ = 1;
  bool open_ = false;
  SpiFrame frame_;
};

// ---- a controller's bus with several targets --------------------------------------------------

class SpiBus {
 public:
  // `scheduler` stamps frames with virtual time; null in tests that need no time.
  SpiBus(std::string name, Scheduler* scheduler);

  const std::string& name() const { return name_; }

  // Wires `target` to chip select `cs`; `target_name` names it in the log (e.g. "flash1").
  // Throws std::invalid_argument if `cs` already has a target.
  void attach(unsigned cs, SpiTarget& target, std::string target_name);
  // Ends a frame in progress on `cs` first. Unknown `cs`: no-op.
  void detach(unsigned cs);

  // Asserts chip select `cs`. Controllers assert one at a time: one still asserted is released
  // first (logged as a guest error). A chip select with no target is allowed: its frames
  // reach nobody and read 0xFF.
  void select(unsigned cs);
  // One byte with the selected target. MISO reads 0xFF when nothing drives it (no target, or
  // no chip select asserted: a guest error).
  std::uint8_t exchange(std::uint8_t mosi);
  // Releases the asserted chip select (none asserted: no-op).
  void deselect();
  std::optional<unsigned> selected() const { return selected_; }

  // A whole frame: select `cs`, exchange every byte of `mosi`, deselect. Returns MISO.
  std::vector<std::uint8_t> transfer(unsigned cs, std::span<const std::uint8_t> mosi);

  // Transaction log: each frame once its chip select is released.
  SpiFrameLog::ObserverId observe(SpiFrameLog::Observer observer) {
    return log_.observe(std::move(observer));
  }
  void unobserve(SpiFrameLog::ObserverId id) { log_.unobserve(id); }

 private:
  struct Slot {
    SpiTarget* target;
    std::string name;
  };
  Cycles now() const { return scheduler_ ? scheduler_->now() : 0; }

  std::string name_;
  Scheduler* scheduler_;
  std::map<unsigned, Slot> targets_;
  std::optional<unsigned> selected_;
  SpiFrameLog log_;
};

// ---- bit-level SPI over pins and nets -----------------------------------------------------------

enum class SpiMode : std::uint8_t { mode0 = 0, mode1 = 1, mode2 = 2, mode3 = 3 };
enum class BitOrder : std::uint8_t { msb_first, lsb_first };

struct SpiFormat {
  SpiMode mode = SpiMode::mode0;
  BitOrder order = BitOrder::msb_first;
  // A target that runs with either idle clock level for the same sampling edge (SPI NOR flash
  // takes modes 0 and 3: it samples on the rising edge whatever SCK's level when CS falls).
  // Without it, SCK away from its CPOL level when CS falls is logged as a guest error.
  bool either_clock_polarity = false;

  bool cpol() const { return (static_cast<unsigned>(mode) & 2) != 0; }
  bool cpha() const { return (static_cast<unsigned>(mode) & 1) != 0; }
  // Modes 0 and 3 sample on the rising edge, 1 and 2 on the falling edge.
  bool samples_on_rising_edge() const { return cpol() == cpha(); }
};

// A target's four SPI pins and the engine that turns their edges into SpiTarget calls.
//
// Pins: <name>.SCK, <name>.MOSI and <name>.CS are inputs (never driven); <name>.MISO is driven
// push-pull while CS is low and released (high-impedance) otherwise. The caller wires them to
// nets. CS is asserted while its net is low; any other level (high, floating) releases it.
//
// On the sampling edge the MOSI bit is shifted in (after eight, SpiTarget::shift_in); on the
// other edge the next MISO bit is driven. The first bit of a frame is on MISO as soon as CS
// falls, the first bit of each later byte after the edge that ends the byte before (CPHA = 0)
// or on its own first edge (CPHA = 1). A frame that ends inside a byte drops that byte's bits
// (logged as a guest error). Edges on SCK while CS is high are ignored.
class BitBangSpi {
 public:
  // `target` must outlive this engine; `scheduler` stamps logged frames (may be null).
  BitBangSpi(std::string name, Scheduler* scheduler, SpiTarget& target, SpiFormat format = {});
  ~BitBangSpi();
  BitBangSpi(const BitBangSpi&) = delete;
  BitBangSpi& operator=(const BitBangSpi&) = delete;

  const std::string& name() const { return name_; }
  Pin& sck() { return sck_; }
  Pin& mosi() { return mosi_; }
  Pin& miso() { return miso_; }
  Pin& cs() { return cs_; }

  const SpiFormat& format() const { return format_; }
  // Takes effect with the next frame.
  void set_format(SpiFormat format) { format_ = format; }
  bool selected() const { return selected_; }

  // Each frame once CS rises (target: this engine's name, cs: 0).
  SpiFrameLog::ObserverId observe(SpiFrameLog::Observer observer) {
    return log_.observe(std::move(observer));
  }
  void unobserve(SpiFrameLog::ObserverId id) { log_.unobserve(id); }

  // Save state (core/state.hpp): where the engine is in the current frame.
  void state(StateArchive& ar);

 private:
  void on_cs(Level level);
  void on_sck(Level level);
  void begin_frame();
  void end_frame();
  void sample();
  void drive_bit();
  unsigned bit_position(unsigned index) const {
    return format_.order == BitOrder::msb_first ? 7 - index : index;
  }
  Cycles now() const { return scheduler_ ? scheduler_->now() : 0; }

  std::string name_;
  Scheduler* scheduler_;
  SpiTarget& target_;
  SpiFormat format_;
  Pin sck_, mosi_, miso_, cs_;
  SpiFrameLog log_;
  bool selected_ = false;
  bool sck_high_ = false;   // SCK's last defined level
  unsigned bit_ = 0;        // bits of the current byte sampled so far
  std::uint8_t rx_ = 0;     // MOSI bits of the current byte
  std::uint8_t tx_ = 0;     // the byte being shifted out on MISO
  bool tx_loaded_ = false;  // tx_ holds the current byte (shift_out() was called for it)
  bool mosi_warned_ = false;  // an undefined MOSI level was reported in this frame
};

// The controller side: drives <name>.SCK, <name>.MOSI and chip selects <name>.CS0, .CS1, ...
// (push-pull, CS idle high) and samples <name>.MISO, one edge at a time, as firmware toggling
// GPIOs does. With a scheduler and a non-zero half period, virtual time advances by the half
// period before each edge (and before and after each CS change) and due events run, as they
// would between the CPU's pin writes.
class BitBangSpiController {
 public:
  BitBangSpiController(std::string name, Scheduler* scheduler, SpiFormat format = {},
                       unsigned chip_selects = 1, Cycles half_period = 0);
  BitBangSpiController(const BitBangSpiController&) = delete;
  BitBangSpiController& operator=(const BitBangSpiController&) = delete;

  Pin& sck() { return sck_; }
  Pin& mosi() { return mosi_; }
  Pin& miso() { return miso_; }
  Pin& cs(unsigned index = 0) { return *cs_.at(index); }

  const SpiFormat& format() const { return format_; }
  // Moves SCK to the new idle level at once (do it between frames).
  void set_format(SpiFormat format);

  void select(unsigned index = 0);    // CS low
  void deselect(unsigned index = 0);  // CS high
  // Eight clocks: MOSI from `out` in the format's bit order, MISO sampled on each sampling
  // edge. A MISO sample that is neither high nor low reads as 1 and is counted.
  std::uint8_t exchange(std::uint8_t out);
  // select(cs), exchange every byte, deselect(cs).
  std::vector<std::uint8_t> transfer(unsigned cs, std::span<const std::uint8_t> out);

  // MISO samples taken while MISO was floating or in contention.
  unsigned undefined_samples() const { return undefined_samples_; }

 private:
  void wait();
  bool sample_miso();

  Scheduler* scheduler_;
  SpiFormat format_;
  Cycles half_period_;
  Pin sck_, mosi_, miso_;
  std::vector<std::unique_ptr<Pin>> cs_;
  unsigned undefined_samples_ = 0;
};

// ---- a passive decoder on the nets --------------------------------------------------------------

// Decodes the SPI frames on four nets (SCK, MOSI, MISO and an active-low CS) from their levels,
// for observers outside the board (the probe, the monitor, tests): what a logic analyser's SPI
// decoder shows, in virtual time. It drives nothing. A frame runs from CS falling to CS rising;
// on each sampling edge of `format`'s mode the MOSI and MISO levels are taken (high = 1, anything
// else 0), eight bits a byte in the format's bit order; bits of an unfinished byte are dropped.
class SpiMonitor {
 public:
  SpiMonitor(Net& sck, Net& mosi, Net& miso, Net& cs, const Scheduler* clock, SpiFormat format = {});
  ~SpiMonitor();
  SpiMonitor(const SpiMonitor&) = delete;
  SpiMonitor& operator=(const SpiMonitor&) = delete;

  // Every complete frame, oldest first.
  const std::vector<SpiFrame>& frames() const { return done_; }
  // One line per frame: "MOSI 9F 00 00 00 MISO FF EF 40 16".
  std::vector<std::string> lines() const;
  void clear() { done_.clear(); }

 private:
  void cs_changed(Level level);
  void sck_changed(Level level);

  Net& sck_;
  Net& mosi_;
  Net& miso_;
  Net& cs_;
  const Scheduler* clock_;
  SpiFormat format_;
  Net::ObserverId sck_id_ = 0, cs_id_ = 0;
  bool selected_ = false;
  bool sck_high_;
  unsigned bits_ = 0;
  std::uint8_t out_ = 0, in_ = 0;
  SpiFrame current_;
  std::vector<SpiFrame> done_;
};

}  // namespace boardemu
