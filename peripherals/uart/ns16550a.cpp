// NS16550A UART: PC16550D "Universal Asynchronous Receiver/Transmitter with FIFOs" (National
// Semiconductor 1995; TI SNLS378C). See ns16550a.hpp for what is modelled.
#include "uart/ns16550a.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/log.hpp"

namespace boardemu {

namespace {

// RegisterBank keys registers by word offset, while this UART packs one 8-bit register per
// byte. The bank therefore holds each stored register in a slot of its own: 4 x its byte
// offset for the plain ones, and slots past the map for the DLAB-banked divisor latches and
// the write-only FCR, which share offsets with RBR/THR, IER and IIR. RBR/THR (the FIFOs) and
// IIR (computed from the interrupt sources) are not stored registers.
constexpr std::uint32_t kSlotIer = 4 * Ns16550a::IER;
constexpr std::uint32_t kSlotLcr = 4 * Ns16550a::LCR;
constexpr std::uint32_t kSlotMcr = 4 * Ns16550a::MCR;
constexpr std::uint32_t kSlotLsr = 4 * Ns16550a::LSR;
constexpr std::uint32_t kSlotMsr = 4 * Ns16550a::MSR;
constexpr std::uint32_t kSlotScr = 4 * Ns16550a::SCR;
constexpr std::uint32_t kSlotDll = 0x20;
constexpr std::uint32_t kSlotDlm = 0x24;
constexpr std::uint32_t kSlotFcr = 0x28;

// Modem inputs outside loopback: a connected, ready peer (CTS, DSR, DCD asserted; no ring).
constexpr std::uint8_t kExternalModemInputs = Ns16550a::MSR_CTS | Ns16550a::MSR_DSR |
                                              Ns16550a::MSR_DCD;
constexpr std::uint8_t kLsrSticky = Ns16550a::LSR_OE | Ns16550a::LSR_PE | Ns16550a::LSR_FE |
                                    Ns16550a::LSR_BI;
constexpr std::uint8_t kCharErrors = Ns16550a::LSR_PE | Ns16550a::LSR_FE | Ns16550a::LSR_BI;

// The register map as data: datasheet names, master-reset values, writable bits. Reads and
// writes are dispatched by Ns16550a::read/write (DLAB banking, FIFOs, side effects).
std::vector<RegisterSpec> register_specs() {
  using U = Ns16550a;
  return {
      {.offset = kSlotIer, .name = "IER", .reset = 0x00, .writable = 0x0F},
      {.offset = kSlotLcr, .name = "LCR", .reset = 0x00, .writable = 0xFF},
      {.offset = kSlotMcr, .name = "MCR", .reset = 0x00, .writable = 0x1F},
      // THRE and TEMT set: the transmitter is empty.
      {.offset = kSlotLsr,
       .name = "LSR",
       .reset = U::LSR_THRE | U::LSR_TEMT,
       .writable = 0,
       .access = Access::RO},
      // Bits 7..4 follow the modem inputs, deltas clear at reset.
      {.offset = kSlotMsr,
       .name = "MSR",
       .reset = kExternalModemInputs,
       .writable = 0,
       .access = Access::RO},
      {.offset = kSlotScr, .name = "SCR", .reset = 0x00, .writable = 0xFF},
      {.offset = kSlotDll, .name = "DLL", .reset = 0x00, .writable = 0xFF},
      {.offset = kSlotDlm, .name = "DLM", .reset = 0x00, .writable = 0xFF},
      // FIFO enable, DMA mode and trigger level are stored; the reset bits self-clear.
      {.offset = kSlotFcr,
       .name = "FCR",
       .reset = 0x00,
       .writable = U::FCR_FIFOEN | U::FCR_DMAMODE | U::FCR_TRIGGER,
       .access = Access::WO},
  };
}

constexpr std::string_view kModel = "ns16550a";

}  // namespace

Ns16550a::Params Ns16550a::parse_params(const std::map<std::string, std::string>& params) {
  return SerialHostLink::parse_params(kModel, params);
}

Ns16550a::Ns16550a(std::string name, const DeviceContext& ctx)
    : Ns16550a(std::move(name), ctx, Params{}) {}

Ns16550a::Ns16550a(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      host_(kModel, this->name(), ctx, params,
            {.can_accept = [this] { return rx_can_accept(); },
             .deliver =
                 [this](std::uint8_t byte, std::uint64_t edge) {
                   receive_char(byte, 0, edge);
                   update_status();
                 },
             .char_clocks = [this] { return char_clocks(); }}),
      sched_(host_.scheduler()),
      regs_(this->name(), register_specs()),
      tx_event_(sched_, this->name() + ".tx_done", [this](Cycles) { tx_char_done(); }),
      timeout_event_(sched_, this->name() + ".rx_timeout", [this](Cycles) { rx_timeout_expired(); }) {
  reset();
}

Ns16550a::~Ns16550a() = default;

void Ns16550a::reset() {
  tx_event_.cancel();
  timeout_event_.cancel();
  host_.reset_receiver();
  regs_.reset();
  rx_fifo_.clear();
  tx_fifo_.clear();
  rbr_ = 0;
  tsr_busy_ = false;
  tsr_ = 0;
  tx_end_edge_ = rx_activity_edge_ = 0;
  thre_pending_ = false;
  rx_timeout_ = false;
  divisor0_logged_ = false;
  update_modem_inputs();
  update_status();
  // The host-poll event belongs to the host connection, not to the device state: it survives,
  // and input already waiting in the backend starts flowing again.
  host_.receiver_ready();
}

IrqLine* Ns16550a::irq(std::string_view output) {
  if (output == "irq") return &intr_;
  return nullptr;
}

// ---- register state -------------------------------------------------------------------------

std::uint8_t Ns16550a::reg(std::uint32_t slot) const {
  return static_cast<std::uint8_t>(regs_.get(slot));
}

bool Ns16550a::fifo_mode() const { return reg(kSlotFcr) & FCR_FIFOEN; }

unsigned Ns16550a::rx_trigger_level() const {
  static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
  return kLevels[(reg(kSlotFcr) & FCR_TRIGGER) >> 6];
}

std::uint32_t Ns16550a::effective_divisor() const {
  std::uint32_t div = reg(kSlotDll) | (std::uint32_t{reg(kSlotDlm)} << 8);
  if (div != 0) return div;
  if (!divisor0_logged_) {
    divisor0_logged_ = true;
    BE_LOG(guest_error,
           "{}: divisor latch DLM:DLL is 0 (the baud generator divides by 1..65535 and must be "
           "loaded during initialisation); timed as 1",
           name());
  }
  return 1;
}

std::uint64_t Ns16550a::char_clocks() const {
  std::uint8_t lcr = reg(kSlotLcr);
  unsigned data_bits = 5 + (lcr & LCR_WLS);
  unsigned parity_bits = (lcr & LCR_PEN) ? 1 : 0;
  // Stop bits in 16x clocks: 1, or with LCR.STB 1.5 for 5-bit words and 2 otherwise.
  unsigned stop16 = !(lcr & LCR_STB) ? 16 : (data_bits == 5 ? 24 : 32);
  std::uint64_t clocks16 = (1 + data_bits + parity_bits) * 16 + stop16;
  return clocks16 * effective_divisor();
}

Cycles Ns16550a::char_cycles() const { return host_.cycles_from_now(char_clocks()); }

// ---- guest accesses -------------------------------------------------------------------------

std::uint32_t Ns16550a::read(std::uint32_t offset, unsigned size) {
  if (offset >= kNumRegisters) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  bool dlab = reg(kSlotLcr) & LCR_DLAB;
  std::uint32_t v = 0;
  switch (offset) {
    case RBR:
      if (dlab) return reg(kSlotDll);
      return read_rbr();
    case IER:
      return reg(dlab ? kSlotDlm : kSlotIer);
    case IIR:
      return read_iir();
    case LSR:
      return read_lsr();
    case MSR:
      return read_msr();
    default:
      regs_.read(4 * offset, 1, &v);  // LCR, MCR, SCR
      return v;
  }
}

std::uint32_t Ns16550a::peek(std::uint32_t offset, unsigned size) {
  if (offset >= kNumRegisters) return 0;
  bool dlab = reg(kSlotLcr) & LCR_DLAB;
  std::uint32_t v = 0;
  switch (offset) {
    case RBR:  // the character a read would return, left in the FIFO
      if (dlab) return reg(kSlotDll);
      return rx_fifo_.count ? rx_fifo_.front().data : rbr_;
    case IER:
      return reg(dlab ? kSlotDlm : kSlotIer);
    case IIR:  // without clearing a THRE interrupt
      return interrupt_identification();
    case LSR:  // without clearing the error bits
      return reg(kSlotLsr);
    case MSR:  // without clearing the delta bits
      return reg(kSlotMsr);
    default:
      regs_.peek(4 * offset, 1, &v);
      (void)size;
      return v;
  }
}

void Ns16550a::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (offset >= kNumRegisters) {
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
    return;
  }
  auto byte = static_cast<std::uint8_t>(value);
  bool dlab = reg(kSlotLcr) & LCR_DLAB;
  switch (offset) {
    case THR:
      if (dlab) {
        regs_.write(kSlotDll, byte, 1);
        divisor_written();
      } else {
        write_thr(byte);
      }
      break;
    case IER:
      if (dlab) {
        regs_.write(kSlotDlm, byte, 1);
        divisor_written();
      } else {
        write_ier(byte);
      }
      break;
    case FCR:
      write_fcr(byte);
      break;
    case LCR:
      write_lcr(byte);
      break;
    case MCR:
      write_mcr(byte);
      break;
    default:
      // LSR and MSR are read-only (the bank logs the guest error); SCR is plain storage.
      regs_.write(4 * offset, byte, 1);
      break;
  }
  update_status();
}

std::uint8_t Ns16550a::read_rbr() {
  if (rx_fifo_.count == 0) return rbr_;  // nothing new: the last character again
  rbr_ = rx_fifo_.pop().data;
  // The next character's error flags become visible when it reaches the top.
  if (rx_fifo_.count > 0) regs_[kSlotLsr] |= rx_fifo_.front().errors;
  if (fifo_mode()) {
    // A read clears the timeout indication and restarts the timer.
    rx_timeout_ = false;
    rx_activity_edge_ = host_.edge_at_or_after(sched_.now());
    arm_rx_timeout();
  }
  update_status();
  // There is room again: the next waiting host byte may land.
  host_.receiver_ready();
  return rbr_;
}

std::uint8_t Ns16550a::read_iir() {
  std::uint8_t iir = interrupt_identification();
  // Reading IIR clears the THRE interrupt only when it is the source reported.
  if ((iir & 0x0F) == IIR_THRE) {
    thre_pending_ = false;
    update_status();
  }
  return iir;
}

std::uint8_t Ns16550a::read_lsr() {
  std::uint8_t lsr = reg(kSlotLsr);
  regs_[kSlotLsr] &= ~std::uint32_t{kLsrSticky};
  update_status();
  return lsr;
}

std::uint8_t Ns16550a::read_msr() {
  std::uint8_t msr = reg(kSlotMsr);
  regs_[kSlotMsr] &= 0xF0;  // the delta bits clear on read
  update_status();
  return msr;
}

void Ns16550a::write_ier(std::uint8_t value) {
  bool was = reg(kSlotIer) & IER_ETBEI;
  regs_.write(kSlotIer, value, 1);
  // Enabling the THRE interrupt while the holding register is empty raises it at once.
  if (!was && (reg(kSlotIer) & IER_ETBEI) && tx_fifo_.count == 0) thre_pending_ = true;
}

void Ns16550a::write_fcr(std::uint8_t value) {
  std::uint8_t old = reg(kSlotFcr);
  std::uint32_t& fcr = regs_[kSlotFcr];
  bool enable = value & FCR_FIFOEN;
  if (enable != static_cast<bool>(old & FCR_FIFOEN)) {
    // Switching between FIFO and 16450 mode empties both FIFOs; the transmitter interrupt
    // after changing FCR0 is immediate.
    clear_rx_fifo();
    tx_fifo_.clear();
    thre_pending_ = true;
  }
  if (!enable) {
    // The other bits are programmed only by a write with FCR0 set.
    fcr = old & ~FCR_FIFOEN;
  } else {
    fcr = value & (FCR_FIFOEN | FCR_DMAMODE | FCR_TRIGGER);
    if (value & FCR_RXRST) clear_rx_fifo();
    if ((value & FCR_TXRST) && tx_fifo_.count > 0) {
      tx_fifo_.clear();
      thre_pending_ = true;
    }
    if ((value & FCR_DMAMODE) && !(old & FCR_DMAMODE))
      BE_LOG(unimp, "{}: FCR DMA mode 1 only changes the RXRDY/TXRDY pins, not modelled",
             name());
  }
  host_.receiver_ready();
}

void Ns16550a::write_lcr(std::uint8_t value) {
  std::uint8_t old = reg(kSlotLcr);
  regs_.write(kSlotLcr, value, 1);
  if ((value & LCR_SB) && !(old & LCR_SB))
    BE_LOG(unimp, "{}: LCR.SB (send break) is not modelled; the line stays idle", name());
  // The character time may have changed: the pending timeout follows it.
  arm_rx_timeout();
}

void Ns16550a::write_mcr(std::uint8_t value) {
  bool was_loop = reg(kSlotMcr) & MCR_LOOP;
  regs_.write(kSlotMcr, value, 1);
  bool loop = reg(kSlotMcr) & MCR_LOOP;
  if (loop && !was_loop) {
    // SIN is disconnected: host input stays in the backend.
    host_.receiver_stopped();
  } else if (!loop && was_loop) {
    host_.receiver_ready();
  }
  update_modem_inputs();
}

void Ns16550a::divisor_written() {
  // Loading either latch restarts the baud generator; a zero divisor is reported again.
  divisor0_logged_ = false;
  arm_rx_timeout();
}

// ---- transmit -------------------------------------------------------------------------------

void Ns16550a::write_thr(std::uint8_t byte) {
  thre_pending_ = false;
  if (tx_fifo_.count == fifo_capacity()) {
    if (fifo_mode()) {
      BE_LOG(guest_error, "{}: THR write 0x{:02x} with the transmit FIFO full: dropped", name(),
             byte);
      return;
    }
    // 16450 mode: the holding register is overwritten before it reached the shift register.
    BE_LOG(guest_error, "{}: THR write 0x{:02x} while THR still holds 0x{:02x} (LSR.THRE=0)",
           name(), byte, tx_fifo_.back());
    tx_fifo_.back() = byte;
  } else {
    tx_fifo_.push(byte);
  }
  if (!(reg(kSlotMcr) & MCR_LOOP)) host_.send(byte);
  if (!tsr_busy_) start_next_char(host_.edge_at_or_after(sched_.now()));
}

void Ns16550a::start_next_char(std::uint64_t start_edge) {
  tsr_ = tx_fifo_.pop();
  tsr_busy_ = true;
  // The holding register/FIFO just became empty.
  if (tx_fifo_.count == 0) thre_pending_ = true;
  tx_end_edge_ = start_edge + char_clocks();
  tx_event_.arm_at(host_.cycle_of_edge(tx_end_edge_));
}

void Ns16550a::tx_char_done() {
  tsr_busy_ = false;
  if (reg(kSlotMcr) & MCR_LOOP) {
    unsigned data_bits = 5 + (reg(kSlotLcr) & LCR_WLS);
    receive_char(static_cast<std::uint8_t>(tsr_ & ((1u << data_bits) - 1)), 0, tx_end_edge_);
  }
  // The next character starts on the edge this one ended: no drift from CPU cycle rounding.
  if (tx_fifo_.count > 0) start_next_char(tx_end_edge_);
  update_status();
}

// ---- receive --------------------------------------------------------------------------------

void Ns16550a::clear_rx_fifo() {
  rx_fifo_.clear();
  rx_timeout_ = false;
  timeout_event_.cancel();
}

void Ns16550a::receive_char(std::uint8_t data, std::uint8_t errors, std::uint64_t edge) {
  std::uint32_t& lsr = regs_[kSlotLsr];
  if (rx_fifo_.count == fifo_capacity()) {
    lsr |= LSR_OE;
    if (fifo_mode()) {
      // The character completed in the shift register but the FIFO is full: it is lost.
      BE_LOG(trace, "{}: RX overrun, 0x{:02x} lost (FIFO full)", name(), data);
      return;
    }
    // 16450 mode: the new character replaces the unread one in RBR.
    BE_LOG(trace, "{}: RX overrun, 0x{:02x} replaces unread 0x{:02x}", name(), data,
           rx_fifo_.back().data);
    rx_fifo_.back() = {data, errors};
    lsr |= errors;
    return;
  }
  rx_fifo_.push({data, errors});
  if (rx_fifo_.count == 1) lsr |= errors;  // at the top of the FIFO at once
  // Without a latched timeout, a new character restarts the timeout timer.
  if (fifo_mode() && !rx_timeout_) {
    rx_activity_edge_ = edge;
    arm_rx_timeout();
  }
}

void Ns16550a::inject_rx(std::uint8_t byte, std::uint8_t line_errors) {
  if (reg(kSlotMcr) & MCR_LOOP) {
    BE_LOG(trace, "{}: inject_rx 0x{:02x} ignored in loopback (SIN disconnected)", name(), byte);
    return;
  }
  receive_char(byte, line_errors & kCharErrors, host_.edge_at_or_after(sched_.now()));
  update_status();
}

// A host byte may land when there is room and SIN is connected (not in loopback).
bool Ns16550a::rx_can_accept() const {
  return !(reg(kSlotMcr) & MCR_LOOP) && rx_fifo_.count < fifo_capacity();
}

void Ns16550a::arm_rx_timeout() {
  timeout_event_.cancel();
  if (!fifo_mode() || rx_fifo_.count == 0 || rx_timeout_) return;
  std::uint64_t edge = rx_activity_edge_ + kTimeoutCharacters * char_clocks();
  Cycles when = std::max(host_.cycle_of_edge(edge), sched_.now());
  timeout_event_.arm_at(when);
}

void Ns16550a::rx_timeout_expired() {
  if (!fifo_mode() || rx_fifo_.count == 0) return;
  rx_timeout_ = true;
  update_status();
}

// ---- modem signals --------------------------------------------------------------------------

void Ns16550a::update_modem_inputs() {
  std::uint8_t mcr = reg(kSlotMcr);
  std::uint8_t in = kExternalModemInputs;
  if (mcr & MCR_LOOP) {
    // Loopback wires the modem control outputs to the modem status inputs.
    in = ((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
         ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0);
  }
  std::uint32_t& msr = regs_[kSlotMsr];
  std::uint8_t old = msr & 0xF0;
  std::uint8_t changed = old ^ in;
  std::uint8_t deltas = ((changed & MSR_CTS) ? MSR_DCTS : 0) |
                        ((changed & MSR_DSR) ? MSR_DDSR : 0) |
                        ((changed & MSR_DCD) ? MSR_DDCD : 0) |
                        // TERI: the ring indicator went from on to off.
                        (((old & MSR_RI) && !(in & MSR_RI)) ? MSR_TERI : 0);
  msr = (msr & 0x0F) | deltas | in;
}

// ---- interrupts -----------------------------------------------------------------------------

std::uint8_t Ns16550a::interrupt_identification() const {
  std::uint8_t ier = reg(kSlotIer);
  std::uint8_t fifos = fifo_mode() ? IIR_FIFOS : 0;
  if ((ier & IER_ELSI) && (reg(kSlotLsr) & kLsrSticky)) return fifos | IIR_RLS;
  if (ier & IER_ERBFI) {
    if (rx_timeout_) return fifos | IIR_CTI;
    unsigned level = fifo_mode() ? rx_trigger_level() : 1;
    if (rx_fifo_.count >= level) return fifos | IIR_RDA;
  }
  if ((ier & IER_ETBEI) && thre_pending_) return fifos | IIR_THRE;
  if ((ier & IER_EDSSI) && (reg(kSlotMsr) & 0x0F)) return fifos | IIR_MS;
  return fifos | IIR_NO_INT;
}

void Ns16550a::update_status() {
  std::uint32_t& lsr = regs_[kSlotLsr];
  std::uint8_t v = lsr & kLsrSticky;
  if (rx_fifo_.count > 0) v |= LSR_DR;
  if (tx_fifo_.count == 0) {
    v |= LSR_THRE;
    if (!tsr_busy_) v |= LSR_TEMT;
  }
  if (fifo_mode()) {
    for (unsigned i = 0; i < rx_fifo_.count; ++i) {
      if (rx_fifo_.slot[(rx_fifo_.head + i) % kFifoDepth].errors) {
        v |= LSR_RXFE;
        break;
      }
    }
  }
  lsr = v;
  intr_.set(!(interrupt_identification() & IIR_NO_INT));
}

void Ns16550a::state(StateArchive& ar) {
  regs_.state(ar);
  host_.state(ar);
  for (RxChar& c : rx_fifo_.slot) {
    ar.field("rx_fifo_data", c.data);
    ar.field("rx_fifo_errors", c.errors);
  }
  ar.field("rx_fifo_head", rx_fifo_.head);
  ar.field("rx_fifo_count", rx_fifo_.count);
  ar.field("tx_fifo", tx_fifo_.slot);
  ar.field("tx_fifo_head", tx_fifo_.head);
  ar.field("tx_fifo_count", tx_fifo_.count);
  if (ar.loading() && (rx_fifo_.head >= kFifoDepth || rx_fifo_.count > kFifoDepth || tx_fifo_.head >= kFifoDepth ||
                       tx_fifo_.count > kFifoDepth))
    ar.bad("tx_fifo_count", "a FIFO index past the FIFO");
  ar.field("rbr", rbr_);
  ar.field("tsr_busy", tsr_busy_);
  ar.field("tsr", tsr_);
  ar.field("tx_end_edge", tx_end_edge_);
  ar.field("rx_activity_edge", rx_activity_edge_);
  ar.field("thre_pending", thre_pending_);
  ar.field("rx_timeout", rx_timeout_);
  ar.field("divisor0_logged", divisor0_logged_);
  intr_.state(ar);
}

}  // namespace boardemu
