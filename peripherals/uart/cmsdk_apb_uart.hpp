// ARM CMSDK APB UART.
//
// Implements the "APB UART" of the Cortex-M System Design Kit: ARM DDI 0479C, "Cortex-M System
// Design Kit Technical Reference Manual", chapter 4 "APB Components", section "APB UART"
// (programmers model: DATA, STATE, CTRL, INTSTATUS/INTCLEAR, BAUDDIV, PID0..7, CID0..3).
//
// The hardware is a plain 8N1 UART with a one-character buffer in each direction and no FIFO.
// One bit lasts BAUDDIV cycles of the UART clock (PCLK), so one character (start bit, 8 data
// bits, stop bit) lasts 10 * BAUDDIV PCLK cycles. The TRM gives 16 as the smallest legal
// BAUDDIV; smaller values are logged as a guest error and timed as 16.
//
// Model:
//  - TX: a write to DATA sets STATE.TXFULL for one character time; the character leaves the
//    buffer when that time has elapsed, TXFULL clears and (if CTRL.TXIE) INTSTATUS.TX sets.
//    The transmit buffer and the shift register are modelled as one stage: TXFULL stays set
//    while the character is shifted out. A write while TXFULL is set is an overrun: the new
//    character is dropped and STATE.TXOVR sets. The byte is handed to the host backend at the
//    moment the guest writes it (so output is never lost when a run stops mid-character);
//    everything the guest can observe (TXFULL, INTSTATUS, interrupt lines) follows the baud
//    rate exactly.
//  - RX: host input is never dropped. A byte moves from the host backend into the receive
//    buffer only when the buffer is empty and CTRL.RXEN is set, paced at one character per
//    character time (SerialHostLink, core/serial_host_link.hpp, which also polls the host
//    every host_poll_cycles CPU cycles). RX overrun therefore only happens for bytes pushed
//    with inject_rx() (a wire with no flow control).
//  - Interrupts: INTSTATUS.TX and INTSTATUS.RX are sticky and cleared by writing 1 to
//    INTCLEAR; INTSTATUS.TXOVR/RXOVR are STATE.TXOVR/RXOVR gated by CTRL.TXOIE/RXOIE, and
//    clearing them in INTCLEAR clears the STATE bits. Outputs: "tx", "rx", "txovr", "rxovr"
//    and "combined" (the OR of the four, UARTINT in the TRM).
//  - Not modelled (logged under `unimp`): CTRL.HSTM, the high-speed test mode for TX.
//
// Time: the scheduler counts CPU cycles; PCLK cycles are converted to CPU cycles by the host
// link on absolute clock edge numbers, so characters never drift even when PCLK does not
// divide the CPU clock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/chardev.hpp"
#include "core/device.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"
#include "core/serial_host_link.hpp"

namespace boardemu {

class CmsdkApbUart : public Device, public SerialDevice {
 public:
  // Register offsets (TRM names).
  static constexpr std::uint32_t DATA = 0x000;
  static constexpr std::uint32_t STATE = 0x004;
  static constexpr std::uint32_t CTRL = 0x008;
  static constexpr std::uint32_t INTSTATUS = 0x00C;  // INTCLEAR on write
  static constexpr std::uint32_t BAUDDIV = 0x010;
  static constexpr std::uint32_t PID4 = 0xFD0;
  static constexpr std::uint32_t PID0 = 0xFE0;
  static constexpr std::uint32_t CID0 = 0xFF0;

  // STATE bits.
  static constexpr std::uint32_t STATE_TXFULL = 1u << 0;
  static constexpr std::uint32_t STATE_RXFULL = 1u << 1;
  static constexpr std::uint32_t STATE_TXOVR = 1u << 2;  // write 1 to clear
  static constexpr std::uint32_t STATE_RXOVR = 1u << 3;  // write 1 to clear
  // CTRL bits.
  static constexpr std::uint32_t CTRL_TXEN = 1u << 0;
  static constexpr std::uint32_t CTRL_RXEN = 1u << 1;
  static constexpr std::uint32_t CTRL_TXIE = 1u << 2;
  static constexpr std::uint32_t CTRL_RXIE = 1u << 3;
  static constexpr std::uint32_t CTRL_TXOIE = 1u << 4;
  static constexpr std::uint32_t CTRL_RXOIE = 1u << 5;
  static constexpr std::uint32_t CTRL_HSTM = 1u << 6;
  // INTSTATUS / INTCLEAR bits.
  static constexpr std::uint32_t INT_TX = 1u << 0;
  static constexpr std::uint32_t INT_RX = 1u << 1;
  static constexpr std::uint32_t INT_TXOVR = 1u << 2;
  static constexpr std::uint32_t INT_RXOVR = 1u << 3;

  static constexpr std::uint32_t kMinBauddiv = 16;
  static constexpr unsigned kBitsPerChar = 10;  // start + 8 data + stop

  // The board file's `params:` for this model are those of its host link: host_poll_cycles
  // (see SerialHostLink::Params). parse_params throws std::invalid_argument naming a bad key.
  using Params = SerialHostLink::Params;
  static Params parse_params(const std::map<std::string, std::string>& params);

  // The scheduler in `ctx` must outlive the device. Throws std::invalid_argument if ctx has
  // no scheduler or no CPU clock.
  CmsdkApbUart(std::string name, const DeviceContext& ctx);
  CmsdkApbUart(std::string name, const DeviceContext& ctx, Params params);
  ~CmsdkApbUart() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  std::uint32_t peek(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  // "tx", "rx", "txovr", "rxovr", "combined".
  IrqLine* irq(std::string_view output) override;

  // The host side (SerialHostLink): attach() connects a backend (not owned; nullptr detaches)
  // and starts the periodic host-poll event. With no backend, transmitted bytes are discarded
  // and nothing is ever received.
  void attach(CharBackend* backend) override { host_.attach(backend); }
  CharBackend* backend() const { return host_.backend(); }

  void set_host_poll_cycles(Cycles period) { host_.set_host_poll_cycles(period); }
  Cycles host_poll_cycles() const { return host_.host_poll_cycles(); }

  // CPU cycles one character takes if it starts now at the current BAUDDIV.
  Cycles char_cycles() const;

  // A character completed on the RX pin without flow control (loopback wiring, tests): lands
  // in the receive buffer immediately, overrunning it if full. Ignored while RX is disabled.
  void inject_rx(std::uint8_t byte);

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  std::uint32_t effective_bauddiv() const;
  // PCLK cycles one character takes at the current BAUDDIV.
  std::uint64_t char_clocks() const;

  void transmit(std::uint8_t byte);
  void tx_complete();
  bool rx_can_accept() const;
  void land_rx(std::uint8_t byte);
  std::uint8_t read_data();
  void ctrl_written(std::uint32_t old_ctrl);
  void update_irqs();

  SerialHostLink host_;
  Scheduler& sched_;
  RegisterBank regs_;

  std::uint8_t rxbuf_ = 0;
  Event tx_event_;  // "<name>.tx_done": the character being sent has left the shift register

  IrqLine txint_, rxint_, txovrint_, rxovrint_, uartint_;
};

}  // namespace boardemu
