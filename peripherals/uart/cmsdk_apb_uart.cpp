// ARM CMSDK APB UART: ARM DDI 0479C (Cortex-M System Design Kit TRM), chapter 4 "APB
// Components", section "APB UART". See cmsdk_apb_uart.hpp for what is modelled.
#include "uart/cmsdk_apb_uart.hpp"

#include <algorithm>
#include <utility>

#include "core/log.hpp"

namespace boardemu {

namespace {

// Peripheral and component identification values from the TRM's register summary.
constexpr std::uint32_t kPidCid[12] = {
    0x04, 0x00, 0x00, 0x00,  // PID4..PID7
    0x21, 0xB8, 0x1B, 0x00,  // PID0..PID3: part 0x821, JEP106 ARM, revision 1
    0x0D, 0xF0, 0x05, 0xB1,  // CID0..CID3: PrimeCell component identification
};
constexpr const char* kPidCidNames[12] = {"PID4", "PID5", "PID6", "PID7", "PID0", "PID1",
                                          "PID2", "PID3", "CID0", "CID1", "CID2", "CID3"};

constexpr std::string_view kModel = "cmsdk-apb-uart";

}  // namespace

CmsdkApbUart::Params CmsdkApbUart::parse_params(const std::map<std::string, std::string>& params) {
  return SerialHostLink::parse_params(kModel, params);
}

static std::vector<RegisterSpec> uart_register_specs();

CmsdkApbUart::CmsdkApbUart(std::string name, const DeviceContext& ctx)
    : CmsdkApbUart(std::move(name), ctx, Params{}) {}

CmsdkApbUart::CmsdkApbUart(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      host_(kModel, this->name(), ctx, params,
            {.can_accept = [this] { return rx_can_accept(); },
             .deliver = [this](std::uint8_t byte, std::uint64_t) { land_rx(byte); },
             .char_clocks = [this] { return char_clocks(); }}),
      sched_(host_.scheduler()),
      regs_(this->name(), uart_register_specs()),
      tx_event_(sched_, this->name() + ".tx_done", [this](Cycles) { tx_complete(); }) {
  reset();
}

CmsdkApbUart::~CmsdkApbUart() = default;

// The register map as data. Side effects (TX, RX, INTCLEAR, CTRL) live in CmsdkApbUart::write.
static std::vector<RegisterSpec> uart_register_specs() {
  using U = CmsdkApbUart;
  std::vector<RegisterSpec> specs = {
      // Read: the received character (and RXFULL clears). Write: the character to send.
      // Both directions are handled by CmsdkApbUart::read/write, which bypass the stored value.
      {.offset = U::DATA, .name = "DATA", .reset = 0, .writable = 0xFF},
      // TXFULL/RXFULL are read-only, TXOVR/RXOVR are write-1-to-clear.
      {.offset = U::STATE,
       .name = "STATE",
       .reset = 0,
       .writable = 0,
       .w1c = U::STATE_TXOVR | U::STATE_RXOVR},
      {.offset = U::CTRL, .name = "CTRL", .reset = 0, .writable = 0x7F},
      // INTSTATUS on read, INTCLEAR (write 1 to clear) on write.
      {.offset = U::INTSTATUS,
       .name = "INTSTATUS",
       .reset = 0,
       .writable = 0,
       .w1c = U::INT_TX | U::INT_RX | U::INT_TXOVR | U::INT_RXOVR},
      {.offset = U::BAUDDIV, .name = "BAUDDIV", .reset = 0, .writable = 0xFFFFF},
  };
  for (unsigned i = 0; i < 12; ++i)
    specs.push_back({.offset = U::PID4 + 4 * i,
                     .name = kPidCidNames[i],
                     .reset = kPidCid[i],
                     .writable = 0,
                     .access = Access::RO});
  return specs;
}

void CmsdkApbUart::reset() {
  tx_event_.cancel();
  host_.reset_receiver();
  regs_.reset();
  rxbuf_ = 0;
  update_irqs();
  // The host-poll event belongs to the host connection, not to the device state: it survives.
}

IrqLine* CmsdkApbUart::irq(std::string_view output) {
  if (output == "tx") return &txint_;
  if (output == "rx") return &rxint_;
  if (output == "txovr") return &txovrint_;
  if (output == "rxovr") return &rxovrint_;
  if (output == "combined") return &uartint_;
  return nullptr;
}

// ---- guest accesses -------------------------------------------------------------------------

std::uint32_t CmsdkApbUart::read(std::uint32_t offset, unsigned size) {
  if ((offset & ~3u) == DATA) {
    std::uint32_t v = read_data();
    return (offset & 3u) ? 0 : v;
  }
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:03x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

std::uint32_t CmsdkApbUart::peek(std::uint32_t offset, unsigned size) {
  // DATA: the received byte, left in the buffer (RXFULL stays set).
  if ((offset & ~3u) == DATA) return (offset & 3u) ? 0 : rxbuf_;
  std::uint32_t v = 0;
  return regs_.peek(offset, size, &v) ? v : 0;
}

void CmsdkApbUart::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  std::uint32_t word = offset & ~3u;
  if (word == DATA) {
    if (offset & 3u) {
      BE_LOG(guest_error, "{}: write 0x{:x} to DATA+{} ignored (DATA holds one byte at +0)",
             name(), value, offset & 3u);
      return;
    }
    transmit(static_cast<std::uint8_t>(value));
    return;
  }
  std::uint32_t old_ctrl = regs_.get(CTRL);
  if (!regs_.write(offset, value, size)) {
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:03x} (size {})", name(), value,
           offset, size);
    return;
  }
  switch (word) {
    case STATE:
      break;  // the bank applied write-1-to-clear to TXOVR/RXOVR
    case CTRL:
      ctrl_written(old_ctrl);
      break;
    case INTSTATUS: {
      // INTCLEAR: clearing an overrun interrupt clears the overrun flag it reflects.
      unsigned shift = (offset & 3u) * 8;
      std::uint32_t lane = size >= 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1) << shift;
      std::uint32_t cleared = (value << shift) & lane;
      static_assert(INT_TXOVR == STATE_TXOVR && INT_RXOVR == STATE_RXOVR);
      regs_[STATE] &= ~(cleared & (INT_TXOVR | INT_RXOVR));
      break;
    }
    case BAUDDIV: {
      std::uint32_t div = regs_.get(BAUDDIV);
      if (div < kMinBauddiv)
        BE_LOG(guest_error, "{}: BAUDDIV={} is below the minimum of {}; timed as {}", name(), div,
               kMinBauddiv, kMinBauddiv);
      break;
    }
    default:
      break;
  }
  update_irqs();
}

std::uint8_t CmsdkApbUart::read_data() {
  std::uint32_t& state = regs_[STATE];
  if (state & STATE_RXFULL) {
    state &= ~STATE_RXFULL;
    update_irqs();
    // The buffer has room again: the next waiting host byte may land.
    host_.receiver_ready();
  }
  return rxbuf_;
}

void CmsdkApbUart::ctrl_written(std::uint32_t old_ctrl) {
  std::uint32_t ctrl = regs_.get(CTRL);
  std::uint32_t rising = ctrl & ~old_ctrl;
  if (rising & CTRL_HSTM)
    BE_LOG(unimp, "{}: CTRL.HSTM (high-speed test mode for TX) is not modelled; normal timing",
           name());
  if ((rising & (CTRL_TXEN | CTRL_RXEN)) && regs_.get(BAUDDIV) < kMinBauddiv)
    BE_LOG(guest_error, "{}: UART enabled with BAUDDIV={} (minimum {}); timed as {}", name(),
           regs_.get(BAUDDIV), kMinBauddiv, kMinBauddiv);
  if (!(ctrl & CTRL_RXEN)) {
    // Bytes not yet taken from the host stay in the backend until RX is enabled again.
    host_.receiver_stopped();
  } else if (rising & CTRL_RXEN) {
    host_.receiver_ready();
  }
}

// ---- timing -------------------------------------------------------------------------------

std::uint32_t CmsdkApbUart::effective_bauddiv() const {
  return std::max(regs_.get(BAUDDIV), kMinBauddiv);
}

std::uint64_t CmsdkApbUart::char_clocks() const {
  return std::uint64_t{kBitsPerChar} * effective_bauddiv();
}

Cycles CmsdkApbUart::char_cycles() const { return host_.cycles_from_now(char_clocks()); }

// ---- transmit -----------------------------------------------------------------------------

void CmsdkApbUart::transmit(std::uint8_t byte) {
  std::uint32_t& state = regs_[STATE];
  if (!(regs_.get(CTRL) & CTRL_TXEN)) {
    BE_LOG(guest_error, "{}: DATA write 0x{:02x} while TX is disabled (CTRL.TXEN=0): dropped",
           name(), byte);
    return;
  }
  if (state & STATE_TXFULL) {
    // Overrun: the buffer still holds the character being sent; the new one is lost.
    BE_LOG(trace, "{}: TX overrun, 0x{:02x} dropped", name(), byte);
    state |= STATE_TXOVR;
    update_irqs();
    return;
  }
  state |= STATE_TXFULL;
  host_.send(byte);
  Cycles done = host_.cycle_after_clocks(sched_.now(), char_clocks());
  tx_event_.arm_at(done);
  update_irqs();
}

void CmsdkApbUart::tx_complete() {
  regs_[STATE] &= ~STATE_TXFULL;
  // The buffer going from full to empty raises the TX interrupt when it is enabled.
  if (regs_.get(CTRL) & CTRL_TXIE) regs_[INTSTATUS] |= INT_TX;
  update_irqs();
}

// ---- receive ------------------------------------------------------------------------------

// A host byte may land while RX is enabled and the one-character buffer is empty.
bool CmsdkApbUart::rx_can_accept() const {
  return (regs_.get(CTRL) & CTRL_RXEN) && !(regs_.get(STATE) & STATE_RXFULL);
}

void CmsdkApbUart::land_rx(std::uint8_t byte) {
  std::uint32_t& state = regs_[STATE];
  if (state & STATE_RXFULL) {
    BE_LOG(trace, "{}: RX overrun, 0x{:02x} replaces unread 0x{:02x}", name(), byte, rxbuf_);
    state |= STATE_RXOVR;
  }
  rxbuf_ = byte;
  state |= STATE_RXFULL;
  if (regs_.get(CTRL) & CTRL_RXIE) regs_[INTSTATUS] |= INT_RX;
  update_irqs();
}

void CmsdkApbUart::inject_rx(std::uint8_t byte) {
  if (!(regs_.get(CTRL) & CTRL_RXEN)) return;
  land_rx(byte);
}

// ---- interrupts ---------------------------------------------------------------------------

void CmsdkApbUart::update_irqs() {
  std::uint32_t state = regs_.get(STATE);
  std::uint32_t ctrl = regs_.get(CTRL);
  std::uint32_t& ints = regs_[INTSTATUS];
  // The overrun interrupt bits are the STATE overrun flags gated by their enables.
  std::uint32_t ovr = state & (STATE_TXOVR | STATE_RXOVR) & (ctrl >> 2);
  ints = (ints & (INT_TX | INT_RX)) | ovr;
  txint_.set(ints & INT_TX);
  rxint_.set(ints & INT_RX);
  txovrint_.set(ints & INT_TXOVR);
  rxovrint_.set(ints & INT_RXOVR);
  uartint_.set(ints != 0);
}

void CmsdkApbUart::state(StateArchive& ar) {
  regs_.state(ar);
  host_.state(ar);
  ar.field("rxbuf", rxbuf_);
  for (IrqLine* l : {&txint_, &rxint_, &txovrint_, &rxovrint_, &uartint_}) l->state(ar);
}

}  // namespace boardemu
