// NS16550A UART (National Semiconductor, now Texas Instruments).
//
// Implements the programming model of the PC16550D, "PC16550D Universal Asynchronous
// Receiver/Transmitter with FIFOs" (National Semiconductor, June 1995; TI literature number
// SNLS378C, revised May 2015). The NS16550A is the earlier part of the same family with the same
// register set and FIFO behaviour. Sections used: the register summary and the descriptions of
// the Line Control, Line Status, FIFO Control, Interrupt Identification, Interrupt Enable,
// Modem Control, Modem Status and Scratchpad registers; "Programmable Baud Generator"; the
// interrupt control table (priorities and what clears each source); "FIFO Interrupt Mode
// Operation"; and the reset table (master reset values).
//
// Address map as QEMU's RISC-V `virt` machine exposes it at 0x10000000 (device tree
// "ns16550a", reg-shift 0, reg-io-width 1): register n at byte offset n, 0..7:
//   0 RBR (read) / THR (write) / DLL (LCR.DLAB=1)    4 MCR
//   1 IER / DLM (LCR.DLAB=1)                           5 LSR (read-only)
//   2 IIR (read) / FCR (write)                         6 MSR (read-only)
//   3 LCR                                              7 SCR
// An access of any width at offset n addresses register n only and carries its low byte: a
// 32-bit read returns the register zero-extended, a 32-bit write stores bits 7..0 (as on
// QEMU). Offsets 8 and up are logged as guest errors and read as 0.
//
// Model:
//  - Character time: 1 start bit + 5..8 data bits (LCR.WLS) + a parity bit (LCR.PEN) + 1, 1.5
//    (5-bit words) or 2 stop bits (LCR.STB), each 16 baud-generator clocks, and the baud
//    generator divides the UART input clock (DeviceContext clock_hz) by the divisor latch
//    DLM:DLL. The datasheet allows divisors 1..65535 and says the latches must be loaded
//    during initialisation; a divisor of 0 (the reset value here) is timed as 1, the fastest
//    rate, and logged once under guest_error until DLL/DLM is written again. Firmware that
//    never programs the UART (MicroPython's ports/qemu VIRT_RV32 only polls LSR) therefore gets
//    5N1 at clock/16: 112 clocks per character.
//  - TX: THR is a one-byte holding register (16450 mode) or a 16-byte FIFO (FCR.FIFOEN),
//    followed by the transmitter shift register (TSR). A byte moves from the holding
//    register/FIFO into an idle TSR at once and is shifted out for one character time; the
//    next waiting byte starts on the exact baud edge the previous one ended. LSR.THRE is set
//    while the holding register/FIFO is empty, LSR.TEMT while the TSR is idle as well. The byte
//    is handed to the host backend at the moment the guest writes it (so output is never lost
//    when a run stops with characters queued); everything the guest can observe follows the
//    character timing exactly. Consequently a byte later discarded by an FCR transmit-FIFO
//    reset, or a THR overwritten in 16450 mode before it moved to the TSR (a guest error), has
//    already reached the host. A write to a full transmit FIFO is dropped (guest error).
//  - RX: host input is never dropped. A byte moves from the host backend into the receive
//    FIFO (16 bytes, or the one-byte RBR in 16450 mode) only when there is room, paced at one
//    character per character time (SerialHostLink, core/serial_host_link.hpp, which also polls
//    the host every host_poll_cycles CPU cycles). RX overrun (LSR.OE) therefore only happens
//    for characters pushed with inject_rx() or looped back (wires with no flow control): in
//    FIFO mode the new character is lost, in 16450 mode it replaces the unread one, as the
//    datasheet describes.
//  - Data bits: the host link carries whole bytes. Bytes go to and come from the host as 8
//    bits whatever LCR.WLS says (firmware that never programs LCR relies on this, as it does on
//    QEMU); only the timing follows LCR. In loopback the receiver gets the low WLS bits of what
//    was sent, as the hardware does.
//  - Receive errors: each FIFO entry carries the PE/FE/BI flags it was received with
//    (inject_rx() is the only source). They show in LSR when the character reaches the top of
//    the FIFO; LSR.OE/PE/FE/BI are cleared by reading LSR. LSR bit 7 (error in RCVR FIFO) is set
//    in FIFO mode while any character in the FIFO carries an error flag.
//  - Interrupts, one output "irq" (the INTR pin; MCR.OUT2 does not gate it, as on QEMU's
//    virt board where the pin goes straight to the PLIC). IIR reports the highest-priority
//    enabled source: receiver line status (OE/PE/FE/BI; cleared by reading LSR) > received
//    data available (16450 mode: RBR full; FIFO mode: FIFO at or above the FCR trigger level
//    1/4/8/14; cleared when it drops below) and character timeout (FIFO mode: at least one
//    character in the FIFO and none received or read for 4 character times; cleared by
//    reading RBR, which also restarts the timer; reported instead of received data available
//    when both hold) > THR empty > modem status (MSR delta bits; cleared by reading MSR). The
//    THRE interrupt is a latch set when the holding register/FIFO becomes empty, when IER.ETBEI
//    is set while it is empty, and when FCR.FIFOEN changes; it is cleared by writing THR or by
//    reading IIR while THRE is the source IIR reports. IIR bits 7:6 are set in FIFO mode.
//  - FCR: bit 0 enables both FIFOs; changing it empties both. The other bits are programmed
//    only by a write with bit 0 set. Bits 1 and 2 empty the receive/transmit FIFO (the shift
//    registers are not affected) and clear themselves. Bit 3 (DMA mode) only changes the
//    RXRDY/TXRDY pins, which are not modelled (logged under `unimp`).
//  - Loopback (MCR.LOOP): the transmitter output is disconnected from the host (nothing is sent)
//    and each character is received internally when it has been shifted out; host input stays
//    queued in the backend until loopback ends. The modem inputs come from MCR: CTS = RTS,
//    DSR = DTR, RI = OUT1, DCD = OUT2. Outside loopback the modem inputs are those of a
//    connected, ready peer: CTS, DSR and DCD asserted, RI not (MSR = 0xB0).
//  - Reset: master reset values from the datasheet (IER, FCR, LCR, MCR = 0; IIR = 0x01;
//    LSR = 0x60; MSR deltas 0). DLL, DLM and SCR, which master reset leaves alone, are 0 after
//    reset() (the datasheet does not define their power-on value).
//  - Not modelled: LCR.SB (sending a break) and FCR DMA mode 1 (the RXRDY/TXRDY pins), both
//    logged under `unimp` when set; the FIFO-mode delay of the THRE indication by one
//    character time for a lone character (THRE rises as soon as the FIFO is empty).
//
// Time: the scheduler counts CPU cycles; the model times characters in absolute UART clock
// edge numbers, converted to CPU cycles by the host link, so back-to-back characters never
// drift even when the UART clock does not divide the CPU clock (QEMU virt: 3.6864 MHz).
#pragma once

#include <array>
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

class Ns16550a : public Device, public SerialDevice {
 public:
  // Register offsets (datasheet names). LCR.DLAB selects DLL/DLM at offsets 0 and 1.
  static constexpr std::uint32_t RBR = 0;  // read, DLAB=0
  static constexpr std::uint32_t THR = 0;  // write, DLAB=0
  static constexpr std::uint32_t DLL = 0;  // DLAB=1
  static constexpr std::uint32_t IER = 1;  // DLAB=0
  static constexpr std::uint32_t DLM = 1;  // DLAB=1
  static constexpr std::uint32_t IIR = 2;  // read
  static constexpr std::uint32_t FCR = 2;  // write
  static constexpr std::uint32_t LCR = 3;
  static constexpr std::uint32_t MCR = 4;
  static constexpr std::uint32_t LSR = 5;
  static constexpr std::uint32_t MSR = 6;
  static constexpr std::uint32_t SCR = 7;
  static constexpr std::uint32_t kNumRegisters = 8;

  // IER bits.
  static constexpr std::uint8_t IER_ERBFI = 1u << 0;  // received data available (and timeout)
  static constexpr std::uint8_t IER_ETBEI = 1u << 1;  // transmitter holding register empty
  static constexpr std::uint8_t IER_ELSI = 1u << 2;   // receiver line status
  static constexpr std::uint8_t IER_EDSSI = 1u << 3;  // modem status
  // IIR values (bits 3..0) and the FIFO-mode bits.
  static constexpr std::uint8_t IIR_NO_INT = 0x01;
  static constexpr std::uint8_t IIR_RLS = 0x06;   // receiver line status
  static constexpr std::uint8_t IIR_RDA = 0x04;   // received data available
  static constexpr std::uint8_t IIR_CTI = 0x0C;   // character timeout indication
  static constexpr std::uint8_t IIR_THRE = 0x02;  // transmitter holding register empty
  static constexpr std::uint8_t IIR_MS = 0x00;    // modem status
  static constexpr std::uint8_t IIR_FIFOS = 0xC0;
  // FCR bits.
  static constexpr std::uint8_t FCR_FIFOEN = 1u << 0;
  static constexpr std::uint8_t FCR_RXRST = 1u << 1;
  static constexpr std::uint8_t FCR_TXRST = 1u << 2;
  static constexpr std::uint8_t FCR_DMAMODE = 1u << 3;
  static constexpr std::uint8_t FCR_TRIGGER = 0xC0;  // RCVR trigger: 00=1 01=4 10=8 11=14
  // LCR bits.
  static constexpr std::uint8_t LCR_WLS = 0x03;  // word length: 5 + WLS bits
  static constexpr std::uint8_t LCR_STB = 1u << 2;
  static constexpr std::uint8_t LCR_PEN = 1u << 3;
  static constexpr std::uint8_t LCR_EPS = 1u << 4;
  static constexpr std::uint8_t LCR_STICK = 1u << 5;
  static constexpr std::uint8_t LCR_SB = 1u << 6;
  static constexpr std::uint8_t LCR_DLAB = 1u << 7;
  // MCR bits.
  static constexpr std::uint8_t MCR_DTR = 1u << 0;
  static constexpr std::uint8_t MCR_RTS = 1u << 1;
  static constexpr std::uint8_t MCR_OUT1 = 1u << 2;
  static constexpr std::uint8_t MCR_OUT2 = 1u << 3;
  static constexpr std::uint8_t MCR_LOOP = 1u << 4;
  // LSR bits.
  static constexpr std::uint8_t LSR_DR = 1u << 0;
  static constexpr std::uint8_t LSR_OE = 1u << 1;
  static constexpr std::uint8_t LSR_PE = 1u << 2;
  static constexpr std::uint8_t LSR_FE = 1u << 3;
  static constexpr std::uint8_t LSR_BI = 1u << 4;
  static constexpr std::uint8_t LSR_THRE = 1u << 5;
  static constexpr std::uint8_t LSR_TEMT = 1u << 6;
  static constexpr std::uint8_t LSR_RXFE = 1u << 7;  // error in RCVR FIFO
  // MSR bits.
  static constexpr std::uint8_t MSR_DCTS = 1u << 0;
  static constexpr std::uint8_t MSR_DDSR = 1u << 1;
  static constexpr std::uint8_t MSR_TERI = 1u << 2;
  static constexpr std::uint8_t MSR_DDCD = 1u << 3;
  static constexpr std::uint8_t MSR_CTS = 1u << 4;
  static constexpr std::uint8_t MSR_DSR = 1u << 5;
  static constexpr std::uint8_t MSR_RI = 1u << 6;
  static constexpr std::uint8_t MSR_DCD = 1u << 7;

  static constexpr unsigned kFifoDepth = 16;
  static constexpr unsigned kTimeoutCharacters = 4;

  // The board file's `params:` for this model are those of its host link: host_poll_cycles
  // (see SerialHostLink::Params). parse_params throws std::invalid_argument naming a bad key.
  using Params = SerialHostLink::Params;
  static Params parse_params(const std::map<std::string, std::string>& params);

  // The scheduler in `ctx` must outlive the device. Throws std::invalid_argument if ctx has
  // no scheduler or no CPU clock.
  Ns16550a(std::string name, const DeviceContext& ctx);
  Ns16550a(std::string name, const DeviceContext& ctx, Params params);
  ~Ns16550a() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  std::uint32_t peek(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  // "irq": the INTR output.
  IrqLine* irq(std::string_view output) override;

  // The host side (SerialHostLink): attach() connects a backend (not owned; nullptr detaches)
  // and starts the periodic host-poll event. With no backend, transmitted bytes are discarded
  // and nothing is ever received.
  void attach(CharBackend* backend) override { host_.attach(backend); }
  CharBackend* backend() const { return host_.backend(); }

  void set_host_poll_cycles(Cycles period) { host_.set_host_poll_cycles(period); }
  Cycles host_poll_cycles() const { return host_.host_poll_cycles(); }

  // UART input clock cycles one character takes at the current LCR and divisor.
  std::uint64_t char_clocks() const;
  // CPU cycles one character takes if it starts now.
  Cycles char_cycles() const;

  // A character completed on the SIN pin without flow control (tests, a wire with no
  // handshake): lands in the receive FIFO/RBR immediately, overrunning it if full.
  // `line_errors` is any of LSR_PE, LSR_FE, LSR_BI, reported with the character. Ignored in
  // loopback mode, where the receiver is disconnected from SIN.
  void inject_rx(std::uint8_t byte, std::uint8_t line_errors = 0);

  // Characters waiting in the receive FIFO (RBR: 0 or 1) and transmit FIFO (THR: 0 or 1),
  // not counting the shift registers.
  unsigned rx_fifo_level() const { return rx_fifo_.count; }
  unsigned tx_fifo_level() const { return tx_fifo_.count; }

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  // A fixed 16-entry FIFO.
  template <typename T>
  struct Fifo {
    std::array<T, kFifoDepth> slot{};
    unsigned head = 0;
    unsigned count = 0;
    void clear() { head = count = 0; }
    void push(const T& v) { slot[(head + count++) % kFifoDepth] = v; }
    T& front() { return slot[head]; }
    T& back() { return slot[(head + count - 1) % kFifoDepth]; }
    T pop() {
      T v = slot[head];
      head = (head + 1) % kFifoDepth;
      --count;
      return v;
    }
  };
  struct RxChar {
    std::uint8_t data;
    std::uint8_t errors;  // LSR_PE | LSR_FE | LSR_BI
  };

  std::uint8_t reg(std::uint32_t slot) const;
  bool fifo_mode() const;
  unsigned fifo_capacity() const { return fifo_mode() ? kFifoDepth : 1; }
  unsigned rx_trigger_level() const;
  std::uint32_t effective_divisor() const;

  std::uint8_t read_rbr();
  std::uint8_t read_iir();
  std::uint8_t read_lsr();
  std::uint8_t read_msr();
  void write_thr(std::uint8_t byte);
  void write_ier(std::uint8_t value);
  void write_fcr(std::uint8_t value);
  void write_lcr(std::uint8_t value);
  void write_mcr(std::uint8_t value);
  void divisor_written();

  void start_next_char(std::uint64_t start_edge);
  void tx_char_done();
  void clear_rx_fifo();
  void receive_char(std::uint8_t data, std::uint8_t errors, std::uint64_t edge);
  bool rx_can_accept() const;
  void arm_rx_timeout();
  void rx_timeout_expired();
  void update_modem_inputs();

  // The IIR value for the current state (no side effects).
  std::uint8_t interrupt_identification() const;
  // Refreshes the LSR status bits derived from FIFO state and drives the interrupt output.
  void update_status();

  SerialHostLink host_;
  Scheduler& sched_;
  RegisterBank regs_;

  Fifo<RxChar> rx_fifo_;
  Fifo<std::uint8_t> tx_fifo_;
  std::uint8_t rbr_ = 0;       // the last character read from RBR (read again when empty)
  bool tsr_busy_ = false;      // a character is being shifted out
  std::uint8_t tsr_ = 0;       // that character
  std::uint64_t tx_end_edge_ = 0;       // UART clock edge at which it has been sent
  std::uint64_t rx_activity_edge_ = 0;  // last character into or out of the receive FIFO
  bool thre_pending_ = false;           // the THRE interrupt latch
  bool rx_timeout_ = false;             // character timeout indication latched
  mutable bool divisor0_logged_ = false;
  Event tx_event_;       // "<name>.tx_done": the character in the shift register has been sent
  Event timeout_event_;  // "<name>.rx_timeout": the character timeout indication (FIFO mode)

  IrqLine intr_;
};

}  // namespace boardemu
