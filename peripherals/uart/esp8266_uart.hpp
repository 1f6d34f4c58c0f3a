// ESP8266 UART (UART0 at 0x60000000, UART1 at 0x60000F00).
//
// Implements the register interface described in the ESP8266 Technical Reference (Espressif,
// chapter "UART" and its register appendix) and the ESP8266 SDK header uart_register.h
// ("version value: 32'h062000"): offsets, field positions and interrupt bits below are those of
// that header.
//
//   0x00 UART_FIFO       read pops the RX FIFO (RXFIFO_RD_BYTE [7:0]); write pushes the TX FIFO
//   0x04 UART_INT_RAW    raw interrupt status (read-only)
//   0x08 UART_INT_ST     INT_RAW & INT_ENA (read-only)
//   0x0C UART_INT_ENA    interrupt enables
//   0x10 UART_INT_CLR    write 1 to clear the matching INT_RAW bit (write-only)
//   0x14 UART_CLKDIV     CLKDIV_CNT [19:0]: baud = UART clock (80 MHz APB) / CLKDIV
//   0x18 UART_AUTOBAUD   AUTOBAUD_EN [0], GLITCH_FILT [15:8]
//   0x1C UART_STATUS     RXFIFO_CNT [7:0], DSRN 13, CTSN 14, RXD 15, TXFIFO_CNT [23:16],
//                        DTRN 29, RTSN 30, TXD 31 (read-only)
//   0x20 UART_CONF0      PARITY 0, PARITY_EN 1, BIT_NUM [3:2] (5..8 bits), STOP_BIT_NUM [5:4]
//                        (1: 1 bit, 2: 1.5 bits, 3: 2 bits), SW_RTS 6, SW_DTR 7, TXD_BRK 8,
//                        IrDA bits 9..13, LOOPBACK 14, TX_FLOW_EN 15, IRDA_EN 16,
//                        RXFIFO_RST 17, TXFIFO_RST 18, line inversion bits 19..24
//   0x24 UART_CONF1      RXFIFO_FULL_THRHD [6:0], TXFIFO_EMPTY_THRHD [14:8],
//                        RX_FLOW_THRHD [22:16], RX_FLOW_EN 23, RX_TOUT_THRHD [30:24],
//                        RX_TOUT_EN 31
//   0x28 UART_LOWPULSE, 0x2C UART_HIGHPULSE, 0x30 UART_RXD_CNT   autobaud measurements (RO)
//   0x78 UART_DATE, 0x7C UART_ID                                   version registers (RO)
// Interrupt bits (INT_RAW/ST/ENA/CLR): RXFIFO_FULL 0, TXFIFO_EMPTY 1, PARITY_ERR 2, FRM_ERR 3,
// RXFIFO_OVF 4, DSR_CHG 5, CTS_CHG 6, BRK_DET 7, RXFIFO_TOUT 8.
//
// Reset values: CLKDIV 0x2B6, AUTOBAUD 0x1000, CONF0 0x1C (8 data bits, 1 stop bit, no
// parity), CONF1 0x6060 (both FIFO thresholds 0x60), LOWPULSE/HIGHPULSE 0xFFFFF, DATE 0x062000,
// ID 0x500, as the TRM's UART register summary lists them. Only DATE is confirmed by a second
// source (the header's "version value: 32'h062000"); firmware normally programs CLKDIV, CONF0
// and CONF1 before use, so the others matter little.
//
// Model:
//  - Character time: 1 start bit + 5..8 data bits + a parity bit (PARITY_EN) + 1, 1.5 or 2 stop
//    bits, each CLKDIV UART clock cycles (the TRM: "baud rate = UART_CLK_FREQ / CLKDIV"; the UART
//    clock is the 80 MHz APB clock, the board's clock_hz for this device). CLKDIV 0 is timed as
//    1 and logged once under guest_error; STOP_BIT_NUM 0 (reserved) is timed as 1 stop bit.
//  - TX: a 128-byte FIFO followed by the shift register. A byte leaves the FIFO for an idle
//    shift register at once and takes one character time; the next starts on the exact UART
//    clock edge the previous one ended (no drift). TXFIFO_CNT counts the FIFO only, so firmware
//    polling it (as the ROM's uart_tx_one_char and MicroPython's do) sees it drain at the baud
//    rate. The byte goes to the host backend at the moment the guest writes it (output is never
//    lost when a run stops with bytes queued). A write to a full FIFO is dropped (guest error).
//  - RX: a 128-byte FIFO. Host input is never dropped: a byte moves from the host backend into
//    the FIFO only when there is room, at most one per character time (SerialHostLink). RX
//    overflow (RXFIFO_OVF) therefore only happens for bytes pushed with inject_rx() or looped
//    back. Reading UART_FIFO when it is empty returns 0 (guest error).
//  - Interrupt sources: RXFIFO_FULL is raised while RXFIFO_CNT >= RXFIFO_FULL_THRHD and
//    TXFIFO_EMPTY while TXFIFO_CNT < TXFIFO_EMPTY_THRHD: both are levels recomputed from the
//    FIFO counts, so INT_CLR only clears them once the condition has gone (the SDK drains or
//    fills the FIFO, then clears). RXFIFO_TOUT is raised (when RX_TOUT_EN) once the RX FIFO is
//    not empty and no character has been received for RX_TOUT_THRHD character times; it is
//    latched until INT_CLR. PARITY_ERR, FRM_ERR (inject_rx() flags), RXFIFO_OVF and BRK_DET are
//    latched until INT_CLR. DSR_CHG/CTS_CHG never happen (the modem inputs do not change).
//    One output "irq" = (INT_ST != 0), a level, as the chip's UART interrupt to CPU interrupt 5
//    (UART0 and UART1 share it; the SDK's ETS_UART_INUM).
//  - CONF0.RXFIFO_RST / TXFIFO_RST: while set, the FIFO is held empty (the SDK sets then clears
//    the bit); host input waits in the backend meanwhile. A TX byte written while TXFIFO_RST is
//    set is discarded.
//  - CONF0.LOOPBACK: the transmitter output is disconnected from the host and each character is
//    received internally when it has been shifted out; host input stays queued until loopback
//    ends.
//  - Pins in UART_STATUS: an idle, connected line: TXD = RXD = 1, CTSN = DSRN = 0 (the peer
//    asserts them), RTSN = !SW_RTS, DTRN = !SW_DTR.
//  - Not modelled (logged under `unimp` when enabled): autobaud detection, IrDA, hardware flow
//    control, sending a break, line inversion. Data bits: the host link carries whole bytes;
//    only the timing follows BIT_NUM (in loopback the receiver gets the low BIT_NUM bits).
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

class Esp8266Uart : public Device, public SerialDevice {
 public:
  // Register offsets (uart_register.h names without the UART_ prefix where it clashes).
  static constexpr std::uint32_t UART_FIFO = 0x00;
  static constexpr std::uint32_t UART_INT_RAW = 0x04;
  static constexpr std::uint32_t UART_INT_ST = 0x08;
  static constexpr std::uint32_t UART_INT_ENA = 0x0C;
  static constexpr std::uint32_t UART_INT_CLR = 0x10;
  static constexpr std::uint32_t UART_CLKDIV = 0x14;
  static constexpr std::uint32_t UART_AUTOBAUD = 0x18;
  static constexpr std::uint32_t UART_STATUS = 0x1C;
  static constexpr std::uint32_t UART_CONF0 = 0x20;
  static constexpr std::uint32_t UART_CONF1 = 0x24;
  static constexpr std::uint32_t UART_LOWPULSE = 0x28;
  static constexpr std::uint32_t UART_HIGHPULSE = 0x2C;
  static constexpr std::uint32_t UART_RXD_CNT = 0x30;
  static constexpr std::uint32_t UART_DATE = 0x78;
  static constexpr std::uint32_t UART_ID = 0x7C;

  // Interrupt bits.
  static constexpr std::uint32_t INT_RXFIFO_FULL = 1u << 0;
  static constexpr std::uint32_t INT_TXFIFO_EMPTY = 1u << 1;
  static constexpr std::uint32_t INT_PARITY_ERR = 1u << 2;
  static constexpr std::uint32_t INT_FRM_ERR = 1u << 3;
  static constexpr std::uint32_t INT_RXFIFO_OVF = 1u << 4;
  static constexpr std::uint32_t INT_DSR_CHG = 1u << 5;
  static constexpr std::uint32_t INT_CTS_CHG = 1u << 6;
  static constexpr std::uint32_t INT_BRK_DET = 1u << 7;
  static constexpr std::uint32_t INT_RXFIFO_TOUT = 1u << 8;
  static constexpr std::uint32_t INT_ALL = 0x1FF;

  // CONF0 bits.
  static constexpr std::uint32_t CONF0_PARITY_EN = 1u << 1;
  static constexpr std::uint32_t CONF0_SW_RTS = 1u << 6;
  static constexpr std::uint32_t CONF0_SW_DTR = 1u << 7;
  static constexpr std::uint32_t CONF0_TXD_BRK = 1u << 8;
  static constexpr std::uint32_t CONF0_LOOPBACK = 1u << 14;
  static constexpr std::uint32_t CONF0_TX_FLOW_EN = 1u << 15;
  static constexpr std::uint32_t CONF0_IRDA_EN = 1u << 16;
  static constexpr std::uint32_t CONF0_RXFIFO_RST = 1u << 17;
  static constexpr std::uint32_t CONF0_TXFIFO_RST = 1u << 18;
  // CONF1 bits.
  static constexpr std::uint32_t CONF1_RX_FLOW_EN = 1u << 23;
  static constexpr std::uint32_t CONF1_RX_TOUT_EN = 1u << 31;

  static constexpr unsigned kFifoDepth = 128;

  using Params = SerialHostLink::Params;
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Throws std::invalid_argument if ctx has no scheduler or no CPU clock.
  Esp8266Uart(std::string name, const DeviceContext& ctx);
  Esp8266Uart(std::string name, const DeviceContext& ctx, Params params);
  ~Esp8266Uart() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  std::uint32_t peek(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  // "irq": the UART interrupt (level).
  IrqLine* irq(std::string_view output) override;

  void attach(CharBackend* backend) override { host_.attach(backend); }
  CharBackend* backend() const { return host_.backend(); }
  void set_host_poll_cycles(Cycles period) { host_.set_host_poll_cycles(period); }

  // UART clock cycles one character takes at the current CONF0 and CLKDIV.
  std::uint64_t char_clocks() const;
  // CPU cycles one character takes if it starts now.
  Cycles char_cycles() const { return host_.cycles_from_now(char_clocks()); }

  // A character completed on the RXD pin with no flow control (tests): lands in the RX FIFO at
  // once, overflowing it (RXFIFO_OVF, character lost) if full. `parity_error` / `frame_error`
  // raise PARITY_ERR / FRM_ERR. Ignored in loopback.
  void inject_rx(std::uint8_t byte, bool parity_error = false, bool frame_error = false);

  unsigned rx_fifo_count() const { return rx_.count; }
  unsigned tx_fifo_count() const { return tx_.count; }

  const RegisterBank* registers() const override { return &regs_; }

  void state(StateArchive& ar) override;

 private:
  struct Fifo {
    std::array<std::uint8_t, kFifoDepth> slot{};
    unsigned head = 0;
    unsigned count = 0;
    void clear() { head = count = 0; }
    void push(std::uint8_t v) { slot[(head + count++) % kFifoDepth] = v; }
    std::uint8_t pop() {
      std::uint8_t v = slot[head];
      head = (head + 1) % kFifoDepth;
      --count;
      return v;
    }
  };

  std::uint32_t reg(std::uint32_t off) const { return regs_.get(off); }
  std::uint32_t effective_clkdiv() const;
  bool loopback() const { return reg(UART_CONF0) & CONF0_LOOPBACK; }

  std::uint8_t read_fifo();
  void write_fifo(std::uint8_t byte);
  void conf0_written(std::uint32_t old_value);
  void conf1_written();
  void start_next_char(std::uint64_t start_edge);
  void tx_char_done();
  void receive_char(std::uint8_t byte, std::uint64_t edge);
  bool rx_can_accept() const;
  void arm_rx_timeout();
  void rx_timeout_expired();

  // INT_RAW as the guest sees it: latched bits plus the level conditions.
  std::uint32_t int_raw() const;
  std::uint32_t status() const;
  void update_irq();

  SerialHostLink host_;
  Scheduler& sched_;
  RegisterBank regs_;

  Fifo rx_;
  Fifo tx_;
  std::uint32_t latched_ = 0;          // latched INT_RAW bits (errors, overflow, timeout)
  bool tsr_busy_ = false;              // a character is being shifted out
  std::uint8_t tsr_ = 0;
  std::uint64_t tx_end_edge_ = 0;      // UART clock edge at which it has been sent
  std::uint64_t rx_last_edge_ = 0;     // edge at which the last character was received
  mutable bool clkdiv0_logged_ = false;
  Event tx_event_;    // "<name>.tx_done": the character in the shift register has been sent
  Event tout_event_;  // "<name>.rx_timeout": RXFIFO_TOUT, the line idle for RX_TOUT_THRHD chars
  IrqLine irq_;
};

}  // namespace boardemu
