// The host side of an emulated UART: what every UART model needs between its receiver and
// transmitter and the CharBackend on the host, independent of the UART's registers.
//
//  - Host connection: attach()/detach of a CharBackend (not owned) and send() of transmitted
//    bytes to it.
//  - Host polling: a periodic scheduler event, every host_poll_cycles CPU cycles (default 1 ms
//    of virtual time), calls CharBackend::poll(). It re-arms on its original grid: a poll that
//    fires late does not shift the later ones, and polls missed while the CPU overshot are
//    skipped rather than fired in a burst. The event belongs to the connection, not to the
//    device state: it runs from attach() until detach and survives a device reset.
//  - Receive pacing: a byte moves from the backend into the model's receiver only when the
//    model says it can take one (`can_accept`), and no sooner than one character time after
//    the previous byte landed. Host input is never dropped: bytes wait in the backend for as
//    long as the guest takes, so a long paste arrives in full at the baud rate or at the speed
//    the guest reads, whichever is slower. While bytes wait in the backend they land at
//    character rate without waiting for the next poll.
//  - Time: the scheduler counts CPU cycles; the UART runs on its own input clock (DeviceContext
//    clock_hz, 0 meaning the CPU clock). Conversions work on absolute clock edge numbers
//    counted from time 0 (edge k happens at CPU time k * cpu_hz / clock_hz) in 128-bit integer
//    arithmetic, so characters timed back to back never drift, even when the UART clock does
//    not divide the CPU clock. Received bytes land on a UART clock edge.
//
// The model owns one SerialHostLink, hands it three callbacks (Receiver) and tells it when its
// receiver may have become able to take a byte (receiver_ready) or stopped listening
// (receiver_stopped). The link never touches the model's registers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/chardev.hpp"
#include "core/device.hpp"
#include "core/event.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class SerialHostLink {
 public:
  // Board-file parameters every UART model with a host link accepts.
  struct Params {
    // Period of the host-poll event in CPU cycles; 0 means 1 ms of virtual time
    // (ctx.cpu_hz / 1000).
    Cycles host_poll_cycles = 0;
  };
  // Reads a board file's `params:` for the UART model `model` (used in messages). Known keys:
  // "host_poll_cycles" (a decimal or 0x-prefixed integer). Throws std::invalid_argument naming
  // the model and the key.
  static Params parse_params(std::string_view model,
                             const std::map<std::string, std::string>& params);

  // How the link reaches into the model's receiver. All three must be set.
  struct Receiver {
    // Can the receiver take a byte from the host now (room in the buffer, receiver enabled,
    // not in loopback)?
    std::function<bool()> can_accept;
    // A host byte completed on the RX pin at UART clock edge `edge` (and scheduler time
    // cycle_of_edge(edge)); only called when can_accept() holds.
    std::function<void(std::uint8_t byte, std::uint64_t edge)> deliver;
    // UART clock cycles one character takes at the current framing and baud rate.
    std::function<std::uint64_t()> char_clocks;
  };

  // `model` and `device` name the UART in messages ("ns16550a", "uart0"). The scheduler in
  // `ctx` must outlive the link. Throws std::invalid_argument if ctx has no scheduler or no
  // CPU clock.
  SerialHostLink(std::string_view model, const std::string& device, const DeviceContext& ctx,
                 Params params, Receiver receiver);
  // Cancels the link's pending events.
  ~SerialHostLink();
  SerialHostLink(const SerialHostLink&) = delete;
  SerialHostLink& operator=(const SerialHostLink&) = delete;

  Scheduler& scheduler() const { return sched_; }

  // ---- host connection ----
  // Connects the backend (not owned; nullptr detaches) and starts the host-poll event, one
  // period from now. A delivery pending for the previous backend is dropped.
  void attach(CharBackend* backend);
  CharBackend* backend() const { return backend_; }
  // Hands a transmitted byte to the host; discarded when no backend is attached.
  void send(std::uint8_t byte) {
    if (backend_) backend_->write(&byte, 1);
  }

  // 0 means the default (1 ms of virtual time). Restarts the poll grid from now.
  void set_host_poll_cycles(Cycles period);
  Cycles host_poll_cycles() const { return poll_period_; }

  // ---- receive pacing ----
  // The receiver may have become able to take a byte (buffer read, receiver enabled, loopback
  // ended): a waiting host byte is scheduled to land at the first UART edge at or after now,
  // and no sooner than one character time after the previous one.
  void receiver_ready();
  // The receiver stopped listening (disabled, loopback): a pending delivery is cancelled and
  // its byte stays in the backend.
  void receiver_stopped();
  // Device reset: cancels a pending delivery and forgets the previous character, so the next
  // host byte may land at once.
  void reset_receiver();
  // Save state: where the next host byte may land and where an armed delivery lands (the
  // backend and its bytes are the host's: not saved).
  void state(StateArchive& ar) {
    ar.field("rx_ready_edge", rx_ready_edge_);
    ar.field("rx_edge", rx_edge_);
  }

  // ---- UART clock <-> CPU cycles ----
  // The first UART clock edge at or after CPU cycle `t`.
  std::uint64_t edge_at_or_after(Cycles t) const;
  // The CPU cycle at which UART clock edge `edge` has happened.
  Cycles cycle_of_edge(std::uint64_t edge) const;
  // The CPU cycle at which `clocks` UART clock cycles have elapsed, counted from the first
  // UART clock edge at or after CPU cycle `start`.
  Cycles cycle_after_clocks(Cycles start, std::uint64_t clocks) const {
    return cycle_of_edge(edge_at_or_after(start) + clocks);
  }
  // CPU cycles that `clocks` UART clock cycles take if they start now.
  Cycles cycles_from_now(std::uint64_t clocks) const {
    return cycle_after_clocks(sched_.now(), clocks) - sched_.now();
  }

 private:
  void arm_host_poll(Cycles when);
  void host_poll(Cycles due);
  void deliver();

  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t uart_hz_;
  Cycles poll_period_ = 0;
  Receiver rx_;

  CharBackend* backend_ = nullptr;
  std::uint64_t rx_ready_edge_ = 0;  // earliest edge the next host byte may land
  std::uint64_t rx_edge_ = 0;  // the UART clock edge the armed delivery lands on
  Event rx_event_;             // "<device>.rx_deliver": the next host byte reaches the receiver
  Event poll_event_;           // "<device>.host_poll": the backend is asked for input
};

}  // namespace boardemu
