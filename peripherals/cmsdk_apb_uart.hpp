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
//    buffer only when the buffer is empty and CTRL.RXEN is set, and no sooner than one
//    character time after the previous byte landed, so a long paste arrives in full at the
//    baud rate or at the speed the guest reads, whichever is slower. RX overrun therefore only
//    happens for bytes pushed with inject_rx() (a wire with no flow control).
//  - The host backend is polled from a periodic scheduler event (every host_poll_cycles CPU
//    cycles, default 1 ms of virtual time). While bytes wait in the backend they are delivered
//    at character rate without waiting for the next poll.
//  - Interrupts: INTSTATUS.TX and INTSTATUS.RX are sticky and cleared by writing 1 to
//    INTCLEAR; INTSTATUS.TXOVR/RXOVR are STATE.TXOVR/RXOVR gated by CTRL.TXOIE/RXOIE, and
//    clearing them in INTCLEAR clears the STATE bits. Outputs: "tx", "rx", "txovr", "rxovr"
//    and "combined" (the OR of the four, UARTINT in the TRM).
//  - Not modelled (logged under `unimp`): CTRL.HSTM, the high-speed test mode for TX.
//
// Time: the scheduler counts CPU cycles. UART clock cycles are converted to CPU cycles with
// exact integer arithmetic on absolute edge numbers, so back-to-back characters never drift
// even when the UART clock does not divide the CPU clock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/chardev.hpp"
#include "core/device.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

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

  struct Params {
    // Period of the host-poll event in CPU cycles; 0 means 1 ms of virtual time
    // (ctx.cpu_hz / 1000).
    Cycles host_poll_cycles = 0;
  };
  // Reads the board file's `params:` for this model. Known keys: "host_poll_cycles" (a
  // decimal or 0x-prefixed integer). Throws std::invalid_argument naming the key.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // The scheduler in `ctx` must outlive the device. Throws std::invalid_argument if ctx has
  // no scheduler or no CPU clock.
  CmsdkApbUart(std::string name, const DeviceContext& ctx);
  CmsdkApbUart(std::string name, const DeviceContext& ctx, Params params);
  ~CmsdkApbUart() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  // "tx", "rx", "txovr", "rxovr", "combined".
  IrqLine* irq(std::string_view output) override;

  // Connects the host side (not owned; nullptr detaches). With no backend, transmitted bytes
  // are discarded and nothing is ever received. Starts the periodic host-poll event.
  void attach(CharBackend* backend) override;
  CharBackend* backend() const { return backend_; }

  void set_host_poll_cycles(Cycles period);
  Cycles host_poll_cycles() const { return poll_period_; }

  // CPU cycles one character takes if it starts now at the current BAUDDIV.
  Cycles char_cycles() const;

  // A character completed on the RX pin without flow control (loopback wiring, tests): lands
  // in the receive buffer immediately, overrunning it if full. Ignored while RX is disabled.
  void inject_rx(std::uint8_t byte);

 private:
  std::uint32_t effective_bauddiv() const;
  // The CPU cycle at which `uart_ticks` UART clock cycles have elapsed, counted from the first
  // UART clock edge at or after CPU cycle `start`.
  Cycles after_uart_ticks(Cycles start, std::uint64_t uart_ticks) const;

  void transmit(std::uint8_t byte);
  void tx_complete();
  void try_schedule_rx();
  void rx_deliver(Cycles due);
  void land_rx(std::uint8_t byte);
  std::uint8_t read_data();
  void ctrl_written(std::uint32_t old_ctrl);
  void arm_host_poll(Cycles when);
  void host_poll(Cycles due);
  void update_irqs();

  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t uart_hz_;
  Cycles poll_period_;
  RegisterBank regs_;

  CharBackend* backend_ = nullptr;
  std::uint8_t rxbuf_ = 0;
  Cycles rx_ready_at_ = 0;  // earliest cycle the next host byte may land
  Scheduler::EventId tx_event_ = 0;
  Scheduler::EventId rx_event_ = 0;
  Scheduler::EventId poll_event_ = 0;

  IrqLine txint_, rxint_, txovrint_, rxovrint_, uartint_;
};

}  // namespace boardemu
