// The host side of an emulated UART. See serial_host_link.hpp.
#include "core/params.hpp"
#include "core/serial_host_link.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace boardemu {

namespace {

using u128 = unsigned __int128;

Scheduler& scheduler_of(std::string_view model, const DeviceContext& ctx) {
  if (!ctx.scheduler) throw std::invalid_argument(std::string(model) + ": no scheduler");
  return *ctx.scheduler;
}

}  // namespace

SerialHostLink::Params SerialHostLink::parse_params(
    std::string_view model, const std::map<std::string, std::string>& params) {
  ParamReader r(std::string(model), params);
  Params p;
  p.host_poll_cycles = r.uint("host_poll_cycles", p.host_poll_cycles);
  r.finish();
  return p;
}

SerialHostLink::SerialHostLink(std::string_view model, const std::string& device,
                               const DeviceContext& ctx, Params params, Receiver receiver)
    : sched_(scheduler_of(model, ctx)),
      cpu_hz_(ctx.cpu_hz),
      uart_hz_(ctx.clock_hz ? ctx.clock_hz : ctx.cpu_hz),
      rx_(std::move(receiver)),
      rx_event_(sched_, device + ".rx_deliver", [this](Cycles) { deliver(); }),
      poll_event_(sched_, device + ".host_poll", [this](Cycles lateness) { host_poll(sched_.now() - lateness); },
                  Event::Side::host) {
  if (cpu_hz_ == 0) throw std::invalid_argument(device + ": CPU clock (cpu_hz) is 0");
  set_host_poll_cycles(params.host_poll_cycles);
}

SerialHostLink::~SerialHostLink() = default;

// ---- host connection ------------------------------------------------------------------------

void SerialHostLink::attach(CharBackend* backend) {
  rx_event_.cancel();
  poll_event_.cancel();
  backend_ = backend;
  if (backend_) arm_host_poll(sched_.now() + poll_period_);
}

void SerialHostLink::set_host_poll_cycles(Cycles period) {
  if (period == 0) period = std::max<Cycles>(1, cpu_hz_ / 1000);
  poll_period_ = period;
  if (backend_) {
    poll_event_.cancel();
    arm_host_poll(sched_.now() + poll_period_);
  }
}

void SerialHostLink::arm_host_poll(Cycles when) {
  poll_event_.arm_at(when);
}

void SerialHostLink::host_poll(Cycles due) {
  // Re-arm on the original grid: a late poll does not shift later ones, and polls missed
  // while the CPU overshot are skipped rather than fired in a burst.
  Cycles now = sched_.now();
  Cycles next = due + poll_period_;
  if (next <= now) next += ((now - next) / poll_period_ + 1) * poll_period_;
  arm_host_poll(next);
  backend_->poll();
  receiver_ready();
}

// ---- receive pacing -------------------------------------------------------------------------

void SerialHostLink::receiver_ready() {
  if (!backend_ || rx_event_.armed()) return;
  if (!rx_.can_accept() || !backend_->readable()) return;
  rx_edge_ = std::max(edge_at_or_after(sched_.now()), rx_ready_edge_);
  rx_event_.arm_at(cycle_of_edge(rx_edge_));
}

void SerialHostLink::receiver_stopped() {
  rx_event_.cancel();
}

void SerialHostLink::reset_receiver() {
  receiver_stopped();
  rx_ready_edge_ = 0;
}

void SerialHostLink::deliver() {
  const std::uint64_t edge = rx_edge_;
  if (!backend_ || !rx_.can_accept() || !backend_->readable()) return;
  rx_.deliver(backend_->read_byte(), edge);
  // The next character needs a whole character time on the wire after this one.
  rx_ready_edge_ = edge + rx_.char_clocks();
  // Keep a paste flowing at character rate rather than at the host-poll rate.
  if (!backend_->readable()) backend_->poll();
  receiver_ready();
}

// ---- UART clock <-> CPU cycles --------------------------------------------------------------

std::uint64_t SerialHostLink::edge_at_or_after(Cycles t) const {
  if (uart_hz_ == cpu_hz_) return t;
  // UART clock edge k happens at CPU time k * cpu_hz / uart_hz.
  return static_cast<std::uint64_t>((u128(t) * uart_hz_ + cpu_hz_ - 1) / cpu_hz_);
}

Cycles SerialHostLink::cycle_of_edge(std::uint64_t edge) const {
  if (uart_hz_ == cpu_hz_) return edge;
  return static_cast<Cycles>((u128(edge) * cpu_hz_ + uart_hz_ - 1) / uart_hz_);
}

}  // namespace boardemu
