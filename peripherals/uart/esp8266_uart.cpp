// ESP8266 UART: ESP8266 Technical Reference (Espressif), UART chapter and register appendix;
// ESP8266 SDK uart_register.h. See esp8266_uart.hpp for what is modelled.
#include "uart/esp8266_uart.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/log.hpp"

namespace boardemu {

namespace {

constexpr std::string_view kModel = "esp8266-uart";

using U = Esp8266Uart;

// CONF1 fields.
unsigned rxfifo_full_thrhd(std::uint32_t conf1) { return conf1 & 0x7F; }
unsigned txfifo_empty_thrhd(std::uint32_t conf1) { return (conf1 >> 8) & 0x7F; }
unsigned rx_tout_thrhd(std::uint32_t conf1) { return (conf1 >> 24) & 0x7F; }

}  // namespace

Esp8266Uart::Params Esp8266Uart::parse_params(const std::map<std::string, std::string>& params) {
  return SerialHostLink::parse_params(kModel, params);
}

Esp8266Uart::Esp8266Uart(std::string name, const DeviceContext& ctx)
    : Esp8266Uart(std::move(name), ctx, Params{}) {}

Esp8266Uart::Esp8266Uart(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      host_(kModel, this->name(), ctx, params,
            {.can_accept = [this] { return rx_can_accept(); },
             .deliver =
                 [this](std::uint8_t byte, std::uint64_t edge) {
                   receive_char(byte, edge);
                   update_irq();
                 },
             .char_clocks = [this] { return char_clocks(); }}),
      sched_(host_.scheduler()),
      regs_(this->name(),
            {
                {.offset = UART_INT_RAW,
                 .name = "UART_INT_RAW",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return int_raw(); }},
                {.offset = UART_INT_ST,
                 .name = "UART_INT_ST",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return int_raw() & reg(UART_INT_ENA); }},
                {.offset = UART_INT_ENA,
                 .name = "UART_INT_ENA",
                 .writable = INT_ALL,
                 .on_write = [this](std::uint32_t, std::uint32_t) { update_irq(); }},
                {.offset = UART_INT_CLR,
                 .name = "UART_INT_CLR",
                 .writable = 0,
                 .access = Access::WO,
                 .on_write =
                     [this](std::uint32_t, std::uint32_t written) {
                       latched_ &= ~(written & INT_ALL);
                       update_irq();
                     }},
                {.offset = UART_CLKDIV,
                 .name = "UART_CLKDIV",
                 .reset = 0x2B6,
                 .writable = 0x000FFFFF,
                 .on_write =
                     [this](std::uint32_t, std::uint32_t) {
                       clkdiv0_logged_ = false;
                       arm_rx_timeout();
                     }},
                {.offset = UART_AUTOBAUD,
                 .name = "UART_AUTOBAUD",
                 .reset = 0x1000,
                 .writable = 0xFF01,
                 .on_write =
                     [this](std::uint32_t old, std::uint32_t) {
                       if ((reg(UART_AUTOBAUD) & 1) && !(old & 1))
                         BE_LOG(unimp, "{}: UART_AUTOBAUD.AUTOBAUD_EN: baud-rate detection is "
                                       "not modelled", this->name());
                     }},
                {.offset = UART_STATUS,
                 .name = "UART_STATUS",
                 .writable = 0,
                 .access = Access::RO,
                 .on_read = [this](std::uint32_t) { return status(); }},
                {.offset = UART_CONF0,
                 .name = "UART_CONF0",
                 .reset = 0x1C,
                 .writable = 0x01FFFFFF,
                 .on_write = [this](std::uint32_t old, std::uint32_t) { conf0_written(old); }},
                {.offset = UART_CONF1,
                 .name = "UART_CONF1",
                 .reset = 0x6060,
                 .writable = 0xFFFF7F7F,
                 .on_write = [this](std::uint32_t, std::uint32_t) { conf1_written(); }},
                {.offset = UART_LOWPULSE,
                 .name = "UART_LOWPULSE",
                 .reset = 0xFFFFF,
                 .writable = 0,
                 .access = Access::RO},
                {.offset = UART_HIGHPULSE,
                 .name = "UART_HIGHPULSE",
                 .reset = 0xFFFFF,
                 .writable = 0,
                 .access = Access::RO},
                {.offset = UART_RXD_CNT,
                 .name = "UART_RXD_CNT",
                 .writable = 0,
                 .access = Access::RO},
                {.offset = UART_DATE,
                 .name = "UART_DATE",
                 .reset = 0x062000,
                 .writable = 0,
                 .access = Access::RO},
                {.offset = UART_ID,
                 .name = "UART_ID",
                 .reset = 0x500,
                 .writable = 0,
                 .access = Access::RO},
            }),
      tx_event_(sched_, this->name() + ".tx_done", [this](Cycles) { tx_char_done(); }),
      tout_event_(sched_, this->name() + ".rx_timeout", [this](Cycles) { rx_timeout_expired(); }) {
  reset();
}

Esp8266Uart::~Esp8266Uart() = default;

void Esp8266Uart::reset() {
  tx_event_.cancel();
  tout_event_.cancel();
  host_.reset_receiver();
  regs_.reset();
  rx_.clear();
  tx_.clear();
  latched_ = 0;
  tsr_busy_ = false;
  tsr_ = 0;
  tx_end_edge_ = rx_last_edge_ = 0;
  clkdiv0_logged_ = false;
  update_irq();
  host_.receiver_ready();
}

IrqLine* Esp8266Uart::irq(std::string_view output) { return output == "irq" ? &irq_ : nullptr; }

// ---- timing ---------------------------------------------------------------------------------

std::uint32_t Esp8266Uart::effective_clkdiv() const {
  std::uint32_t div = reg(UART_CLKDIV) & 0xFFFFF;
  if (div != 0) return div;
  if (!clkdiv0_logged_) {
    clkdiv0_logged_ = true;
    BE_LOG(guest_error, "{}: UART_CLKDIV is 0 (baud = UART clock / CLKDIV); timed as 1", name());
  }
  return 1;
}

std::uint64_t Esp8266Uart::char_clocks() const {
  std::uint32_t conf0 = reg(UART_CONF0);
  unsigned data_bits = 5 + ((conf0 >> 2) & 3);
  unsigned parity = (conf0 & CONF0_PARITY_EN) ? 1 : 0;
  // STOP_BIT_NUM: 1 = 1 bit, 2 = 1.5 bits, 3 = 2 bits; counted here in half bits.
  static constexpr unsigned kStopHalves[4] = {2, 2, 3, 4};
  unsigned half_bits = 2 * (1 + data_bits + parity) + kStopHalves[(conf0 >> 4) & 3];
  // Half a bit of an odd divider is rounded up to a whole UART clock.
  return (std::uint64_t{half_bits} * effective_clkdiv() + 1) / 2;
}

// ---- guest accesses -------------------------------------------------------------------------

std::uint32_t Esp8266Uart::read(std::uint32_t offset, unsigned size) {
  if ((offset & ~3u) == UART_FIFO) return read_fifo();
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

std::uint32_t Esp8266Uart::peek(std::uint32_t offset, unsigned size) {
  // UART_FIFO: the byte at the head of the RX FIFO, left there.
  if ((offset & ~3u) == UART_FIFO) return rx_.count ? rx_.slot[rx_.head] : 0;
  std::uint32_t v = 0;
  return regs_.peek(offset, size, &v) ? v : 0;
}

void Esp8266Uart::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if ((offset & ~3u) == UART_FIFO) {
    write_fifo(static_cast<std::uint8_t>(value));
    return;
  }
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

std::uint8_t Esp8266Uart::read_fifo() {
  if (rx_.count == 0) {
    BE_LOG(guest_error, "{}: UART_FIFO read with the RX FIFO empty (RXFIFO_CNT = 0): reads 0",
           name());
    return 0;
  }
  std::uint8_t byte = rx_.pop();
  update_irq();
  // There is room again: the next waiting host byte may land.
  host_.receiver_ready();
  return byte;
}

void Esp8266Uart::write_fifo(std::uint8_t byte) {
  if (reg(UART_CONF0) & CONF0_TXFIFO_RST) {
    BE_LOG(trace, "{}: TX byte 0x{:02x} discarded (CONF0.TXFIFO_RST is set)", name(), byte);
    return;
  }
  if (tx_.count == kFifoDepth) {
    BE_LOG(guest_error, "{}: UART_FIFO write 0x{:02x} with the TX FIFO full (128): dropped",
           name(), byte);
    return;
  }
  tx_.push(byte);
  if (!loopback()) host_.send(byte);
  if (!tsr_busy_) start_next_char(host_.edge_at_or_after(sched_.now()));
  update_irq();
}

void Esp8266Uart::conf0_written(std::uint32_t old) {
  std::uint32_t conf0 = reg(UART_CONF0);
  std::uint32_t set = conf0 & ~old;
  if (conf0 & CONF0_RXFIFO_RST) {
    rx_.clear();
    tout_event_.cancel();
  }
  if (conf0 & CONF0_TXFIFO_RST) tx_.clear();  // the character in the shift register finishes
  if (set & CONF0_LOOPBACK) host_.receiver_stopped();
  static constexpr std::uint32_t kUnmodelled =
      CONF0_TXD_BRK | CONF0_TX_FLOW_EN | CONF0_IRDA_EN | (0x3Fu << 19);
  if (set & kUnmodelled)
    BE_LOG(unimp, "{}: UART_CONF0 bits 0x{:x} (break, flow control, IrDA or line inversion) are "
                  "not modelled", name(), set & kUnmodelled);
  // The receiver may take host input again (FIFO reset released, loopback ended).
  host_.receiver_ready();
  arm_rx_timeout();
  update_irq();
}

void Esp8266Uart::conf1_written() {
  if (reg(UART_CONF1) & CONF1_RX_FLOW_EN)
    BE_LOG(unimp, "{}: UART_CONF1.RX_FLOW_EN: hardware flow control is not modelled", name());
  arm_rx_timeout();
  update_irq();
}

// ---- transmit -------------------------------------------------------------------------------

void Esp8266Uart::start_next_char(std::uint64_t start_edge) {
  tsr_ = tx_.pop();
  tsr_busy_ = true;
  tx_end_edge_ = start_edge + char_clocks();
  tx_event_.arm_at(host_.cycle_of_edge(tx_end_edge_));
}

void Esp8266Uart::tx_char_done() {
  tsr_busy_ = false;
  if (loopback()) {
    unsigned data_bits = 5 + ((reg(UART_CONF0) >> 2) & 3);
    receive_char(static_cast<std::uint8_t>(tsr_ & ((1u << data_bits) - 1)), tx_end_edge_);
  }
  if (tx_.count > 0) start_next_char(tx_end_edge_);
  update_irq();
}

// ---- receive --------------------------------------------------------------------------------

bool Esp8266Uart::rx_can_accept() const {
  return !loopback() && !(reg(UART_CONF0) & CONF0_RXFIFO_RST) && rx_.count < kFifoDepth;
}

void Esp8266Uart::receive_char(std::uint8_t byte, std::uint64_t edge) {
  if (reg(UART_CONF0) & CONF0_RXFIFO_RST) return;  // the FIFO is held empty
  if (rx_.count == kFifoDepth) {
    latched_ |= INT_RXFIFO_OVF;
    BE_LOG(trace, "{}: RX FIFO overflow, 0x{:02x} lost", name(), byte);
    return;
  }
  rx_.push(byte);
  rx_last_edge_ = edge;
  arm_rx_timeout();
}

void Esp8266Uart::inject_rx(std::uint8_t byte, bool parity_error, bool frame_error) {
  if (loopback()) {
    BE_LOG(trace, "{}: inject_rx 0x{:02x} ignored in loopback", name(), byte);
    return;
  }
  if (parity_error) latched_ |= INT_PARITY_ERR;
  if (frame_error) latched_ |= INT_FRM_ERR;
  receive_char(byte, host_.edge_at_or_after(sched_.now()));
  update_irq();
}

void Esp8266Uart::arm_rx_timeout() {
  tout_event_.cancel();
  std::uint32_t conf1 = reg(UART_CONF1);
  if (!(conf1 & CONF1_RX_TOUT_EN) || rx_.count == 0 || (latched_ & INT_RXFIFO_TOUT)) return;
  std::uint64_t edge = rx_last_edge_ + rx_tout_thrhd(conf1) * char_clocks();
  Cycles when = std::max(host_.cycle_of_edge(edge), sched_.now());
  tout_event_.arm_at(when);
}

void Esp8266Uart::rx_timeout_expired() {
  if (rx_.count == 0 || !(reg(UART_CONF1) & CONF1_RX_TOUT_EN)) return;
  latched_ |= INT_RXFIFO_TOUT;
  update_irq();
}

// ---- status and interrupts ------------------------------------------------------------------

std::uint32_t Esp8266Uart::int_raw() const {
  std::uint32_t conf1 = reg(UART_CONF1);
  std::uint32_t raw = latched_;
  if (rx_.count >= rxfifo_full_thrhd(conf1)) raw |= INT_RXFIFO_FULL;
  if (tx_.count < txfifo_empty_thrhd(conf1)) raw |= INT_TXFIFO_EMPTY;
  return raw;
}

std::uint32_t Esp8266Uart::status() const {
  std::uint32_t conf0 = reg(UART_CONF0);
  std::uint32_t v = (rx_.count & 0xFF) | ((tx_.count & 0xFF) << 16);
  v |= 1u << 15;  // RXD: the line idles high
  v |= 1u << 31;  // TXD
  if (!(conf0 & CONF0_SW_RTS)) v |= 1u << 30;  // RTSN (active low)
  if (!(conf0 & CONF0_SW_DTR)) v |= 1u << 29;  // DTRN
  // CTSN (14) and DSRN (13) read 0: the peer asserts CTS and DSR.
  return v;
}

void Esp8266Uart::update_irq() { irq_.set((int_raw() & reg(UART_INT_ENA)) != 0); }

void Esp8266Uart::state(StateArchive& ar) {
  regs_.state(ar);
  host_.state(ar);
  for (Fifo* f : {&rx_, &tx_}) {
    ar.field("fifo", f->slot);
    ar.field("fifo_head", f->head);
    ar.field("fifo_count", f->count);
    if (ar.loading() && (f->head >= kFifoDepth || f->count > kFifoDepth)) ar.bad("fifo_count", "a FIFO index past the FIFO");
  }
  ar.field("latched", latched_);
  ar.field("tsr_busy", tsr_busy_);
  ar.field("tsr", tsr_);
  ar.field("tx_end_edge", tx_end_edge_);
  ar.field("rx_last_edge", rx_last_edge_);
  ar.field("clkdiv0_logged", clkdiv0_logged_);
  irq_.state(ar);
}

}  // namespace boardemu
