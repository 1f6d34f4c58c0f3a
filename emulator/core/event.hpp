// A device's own named event on the scheduler: what a model uses for everything it does later
// (a UART's character time, a timer's expiry, an EEPROM's write cycle), instead of holding raw
// scheduler ids and lambdas.
//
// The device owns it (a member, so its lifetime is the device's) and names it
// "<device or part id>.<what>" (e.g. "uart0.tx_done", "eeprom1.write_cycle"). The scheduler
// lists every live event by name with its due time (Scheduler::events()), which is what a
// snapshot saves and restores: the device's registers and fields plus, for each of its events,
// whether and when it is armed. The callback is fixed at construction, so restoring is
// `event.arm_at(saved_time)` and nothing else.
//
// Events of host-side things (a monitor's or a host link's polling of its backend) are marked
// Side::host: they belong to the host connection, not to the machine, so a snapshot neither
// saves them nor touches them when it is loaded (machine/snapshot.hpp). They must not change
// guest-visible state by themselves, only hand the machine host input.
#pragma once

#include <cstdint>
#include <string>

#include "core/scheduler.hpp"

namespace boardemu {

class Event {
 public:
  using Fire = Scheduler::Callback;  // void(Cycles lateness)
  enum class Side : std::uint8_t { machine, host };

  // Registers the event with `scheduler` under `name`; throws std::invalid_argument if another
  // live event there has that name.
  Event(Scheduler& scheduler, std::string name, Fire fire, Side side = Side::machine);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Arms the event for absolute time `when` (a pending arming is replaced). At equal times,
  // events fire in the order they were armed.
  void arm_at(Cycles when);
  void arm_in(Cycles delta) { arm_at(scheduler_.now() + delta); }
  // Disarms it (a no-op when not armed).
  void cancel();
  bool armed() const { return id_ != 0; }
  // When it will fire, or kNever when not armed.
  Cycles when() const { return armed() ? when_ : kNever; }
  const std::string& name() const { return name_; }
  Side side() const { return side_; }
  // The scheduler's id of the pending arming (0 when not armed): ids grow with each arming, so
  // among events due at the same time the smaller id fires first.
  Scheduler::EventId arming() const { return id_; }

 private:
  Scheduler& scheduler_;
  std::string name_;
  Fire fire_;
  Side side_;
  Scheduler::EventId id_ = 0;
  Cycles when_ = kNever;
};

}  // namespace boardemu
