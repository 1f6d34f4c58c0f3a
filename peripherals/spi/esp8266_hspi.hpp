// ESP8266 HSPI: the SPI1 controller at 0x60000100, as an SPI master on the GPIO12..15 pads.
//
// Sources:
//   [TRM]  ESP8266 Technical Reference (Espressif), SPI chapter: the SPI controllers SPI0
//          (flash) and SPI1 (HSPI) share one register layout; a user-defined transaction has
//          command, address, dummy, MOSI (write) and MISO (read) phases, each enabled in
//          SPI_USER, with its length in SPI_USER1/SPI_USER2; data moves through the 64-byte
//          buffer SPI_W0..W15; SPI_USR starts a transaction and clears when it is done.
//   [REG]  ESP8266 SDK spi_register.h (REG_SPI_BASE(1) = 0x60000100): the offsets and bits below.
//   [MUX]  ESP8266_RTOS_SDK pin_mux_register.h / the TRM pin list: function 2 of the MTDI,
//          MTCK, MTMS and MTDO pads is HSPIQ_MISO (GPIO12), HSPID_MOSI (GPIO13), HSPI_CLK
//          (GPIO14), HSPI_CS0 (GPIO15).
//   [ETS]  SDK ets_sys.h: ETS_SPI_INUM 2, the CPU interrupt of the SPI controllers.
//   [ARD]  esp8266/Arduino issue 2416 and pull request 2418 (scope captures): the clock phase
//          the hardware produces is SPI_CK_OUT_EDGE XOR SPI_IDLE_EDGE, so CPOL = IDLE_EDGE and
//          CPHA = CK_OUT_EDGE ^ IDLE_EDGE (modes 0..3: OUT_EDGE 0, 1, 1, 0 with IDLE_EDGE
//          0, 0, 1, 1).
//
// Registers (offsets from 0x60000100):
//   0x00 SPI_CMD      USR [18]: write 1 to start a user transaction; reads 1 until it is done.
//                     The flash command bits [31:19] are not modelled on HSPI (logged `unimp`,
//                     cleared at once).
//   0x04 SPI_ADDR     the address phase's bits, left-aligned (bit 31 goes out first)
//   0x08 SPI_CTRL     WR_BIT_ORDER [26], RD_BIT_ORDER [25]: 1 = each byte least significant bit
//                     first (MOSI / MISO); the dual/quad read modes [24:13] are stored only
//   0x0C SPI_CTRL1, 0x10 SPI_RD_STATUS, 0x14 SPI_CTRL2 (delays), 0x28 SPI_WR_STATUS,
//   0x34..0x3C SPI_SLAVE1..3, 0xF0..0xFC SPI_EXT0..3   stored only
//   0x18 SPI_CLOCK    CLK_EQU_SYSCLK [31], CLKDIV_PRE [30:18], CLKCNT_N [17:12],
//                     CLKCNT_H [11:6], CLKCNT_L [5:0]
//   0x1C SPI_USER     USR_COMMAND [31], USR_ADDR [30], USR_DUMMY [29], USR_MISO [28],
//                     USR_MOSI [27], USR_MOSI_HIGHPART [25], USR_MISO_HIGHPART [24],
//                     WR_BYTE_ORDER [11], RD_BYTE_ORDER [10], CK_OUT_EDGE [7], CK_I_EDGE [6],
//                     CS_SETUP [5], CS_HOLD [4], DOUTDIN [0] (full duplex); the rest stored
//   0x20 SPI_USER1    ADDR_BITLEN [31:26], MOSI_BITLEN [25:17], MISO_BITLEN [16:8],
//                     DUMMY_CYCLELEN [7:0], each "length - 1"
//   0x24 SPI_USER2    COMMAND_BITLEN [31:28] ("length - 1"), COMMAND_VALUE [15:0]
//   0x2C SPI_PIN      IDLE_EDGE [29] (SCK idle level: CPOL), CS2_DIS [2], CS1_DIS [1],
//                     CS0_DIS [0]
//   0x30 SPI_SLAVE    interrupt enables [9:5] (TRANS_DONE_EN 9), status [4:0] (TRANS_DONE 4,
//                     set when a transaction ends; software clears it by writing 0); the slave
//                     mode bits are stored only (slave mode is not modelled)
//   0x40..0x7C SPI_W0..W15   the 64-byte buffer
//
// Model:
//  - A transaction is clocked out bit by bit in virtual time on the controller's signals, so
//    an SPI part on the nets (e.g. a W25Q flash: its core/spi.hpp BitBangSpi engine) answers,
//    and a VCD of the nets shows the waveform. Phases in order, each when enabled in SPI_USER:
//      command  COMMAND_BITLEN + 1 bits of COMMAND_VALUE in the order the hardware sends it:
//               bits 7..0, then 15..8 (an 8-bit command is COMMAND_VALUE [7:0], MSB first)
//      address  ADDR_BITLEN + 1 bits of SPI_ADDR from bit 31 down
//      dummy    DUMMY_CYCLELEN + 1 clocks, MOSI held low
//      MOSI     MOSI_BITLEN + 1 bits from the buffer (byte 0 at W0, or byte 32 at W8 with
//               USR_MOSI_HIGHPART); with DOUTDIN, MISO is sampled during the same clocks
//      MISO     (without DOUTDIN) MISO_BITLEN + 1 clocks, MOSI low, bits into the buffer (byte
//               0, or 32 with USR_MISO_HIGHPART); with DOUTDIN the bits sampled in the MOSI
//               phase go there instead
//    Buffer byte j is byte j % 4 of W(j / 4) counting from bit 0 (byte order 0), or from bit 31
//    down with WR_BYTE_ORDER / RD_BYTE_ORDER set (big-endian words); the buffer wraps at 64
//    bytes. Bits within a byte go most significant first unless WR_BIT_ORDER / RD_BIT_ORDER.
//    Bits received are written to the buffer when the transaction ends.
//  - Clock: the 80 MHz APB clock (`clock_hz`) divided by (CLKDIV_PRE + 1) * (CLKCNT_N + 1), or
//    undivided with CLK_EQU_SYSCLK. Within a bit, SCK sits at its idle level for
//    (CLKCNT_H + 1) * (CLKDIV_PRE + 1) APB cycles and at the other level for the rest
//    ((CLKCNT_N - CLKCNT_H) * (CLKDIV_PRE + 1)); CLKCNT_L is stored only. CLKCNT_N = 0, or
//    CLKCNT_H >= CLKCNT_N, or CLK_EQU_SYSCLK: half a period each. Edges that fall within one
//    CPU cycle (SCK above half the CPU clock: 80 MHz with CLK_EQU_SYSCLK) are applied in order
//    in that cycle: parts on the nets see every edge, but a VCD, whose resolution is the CPU
//    cycle, shows only each cycle's last level.
//  - Phase: CPHA = 0 puts each bit on MOSI at the start of its clock, samples MISO at the
//    leading edge; CPHA = 1 changes MOSI at the leading edge and samples at the trailing one.
//  - CS0 (unless CS0_DIS) falls when the transaction starts and rises when it ends. CS_SETUP
//    adds one SPI clock period before the first bit, CS_HOLD one after the last (the SPI_CTRL2
//    setup/hold delay counts are not modelled). CS1/CS2 reach no pad of the HSPI function and
//    are not modelled.
//  - At the end: SPI_CMD.USR clears, SPI_SLAVE.TRANS_DONE is set; the "irq" output (CPU
//    interrupt 2, shared with SPI0 and I2S on the chip) is high while any status bit [4:0] is
//    set with its enable [9:5]. DPORT's SPI_INT_STATUS (which source interrupted) is not
//    updated here.
//  - Pads: the model drives HSPI_CLK (GPIO14, at its idle level between transactions),
//    HSPID_MOSI (GPIO13) and HSPI_CS0 (GPIO15, high when idle) as function-2 signals of the
//    GPIO model (`params: {gpio: <esp8266-gpio device>}`); they reach the pins while IO_MUX has
//    those pads in function 2. MISO is read from GPIO12's net (high-impedance or contention
//    reads as 1, a level on the floating net) whatever that pad's function.
//  - SPI_USR written while a transaction runs: ignored (guest_error). Registers written during
//    a transaction are stored and apply to the next one. Slave mode is not modelled.
//  - Reset values: neither the TRM nor the SDK lists them; every register resets to 0 here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.hpp"
#include "spi/esp8266_spi_registers.hpp"
#include "core/event.hpp"
#include "core/registers.hpp"
#include "core/scheduler.hpp"

namespace boardemu {

class Esp8266Gpio;

class Esp8266Hspi : public Device, public Esp8266SpiRegisters {
 public:

  static constexpr std::uint32_t CMD_USR = 1u << 18;
  static constexpr std::uint32_t CTRL_WR_BIT_ORDER = 1u << 26;
  static constexpr std::uint32_t CTRL_RD_BIT_ORDER = 1u << 25;
  static constexpr std::uint32_t CLOCK_EQU_SYSCLK = 1u << 31;
  static constexpr std::uint32_t USER_COMMAND = 1u << 31;
  static constexpr std::uint32_t USER_ADDR = 1u << 30;
  static constexpr std::uint32_t USER_DUMMY = 1u << 29;
  static constexpr std::uint32_t USER_MISO = 1u << 28;
  static constexpr std::uint32_t USER_MOSI = 1u << 27;
  static constexpr std::uint32_t USER_MOSI_HIGHPART = 1u << 25;
  static constexpr std::uint32_t USER_MISO_HIGHPART = 1u << 24;
  static constexpr std::uint32_t USER_WR_BYTE_ORDER = 1u << 11;
  static constexpr std::uint32_t USER_RD_BYTE_ORDER = 1u << 10;
  static constexpr std::uint32_t USER_CK_OUT_EDGE = 1u << 7;
  static constexpr std::uint32_t USER_CK_I_EDGE = 1u << 6;
  static constexpr std::uint32_t USER_CS_SETUP = 1u << 5;
  static constexpr std::uint32_t USER_CS_HOLD = 1u << 4;
  static constexpr std::uint32_t USER_DOUTDIN = 1u << 0;
  static constexpr std::uint32_t PIN_IDLE_EDGE = 1u << 29;
  static constexpr std::uint32_t PIN_CS0_DIS = 1u << 0;
  static constexpr std::uint32_t SLAVE_TRANS_DONE_EN = 1u << 9;
  static constexpr std::uint32_t SLAVE_TRANS_DONE = 1u << 4;

  // The pads ([MUX]) and their HSPI function number.
  static constexpr unsigned kMisoPad = 12, kMosiPad = 13, kClkPad = 14, kCs0Pad = 15;
  static constexpr unsigned kPadFunction = 2;
  static constexpr unsigned kBufferBytes = 64;

  struct Params {
    std::string gpio;  // the esp8266-gpio device whose pads carry the signals (required)
  };
  // Known key: gpio. Throws std::invalid_argument.
  static Params parse_params(const std::map<std::string, std::string>& params);

  // Finds Params::gpio among ctx.bus's devices. Throws std::invalid_argument.
  Esp8266Hspi(std::string name, const DeviceContext& ctx, const Params& params);
  // `apb_hz`: the clock the divider divides (80 MHz on the chip); `cpu_hz`: the scheduler's.
  Esp8266Hspi(std::string name, Scheduler& scheduler, std::uint64_t cpu_hz, std::uint64_t apb_hz,
              Esp8266Gpio& gpio);
  ~Esp8266Hspi() override;

  std::uint32_t read(std::uint32_t offset, unsigned size) override;
  void write(std::uint32_t offset, std::uint32_t value, unsigned size) override;
  void reset() override;
  IrqLine* irq(std::string_view output) override;

  const RegisterBank* registers() const override { return &regs_; }

  bool busy() const { return busy_; }
  // SCK's period in CPU cycles for the current SPI_CLOCK (fractional with CLK_EQU_SYSCLK at
  // 80 MHz: then 1.0).
  double sck_period_cycles() const;

  void state(StateArchive& ar) override;

 private:
  enum class Step : std::uint8_t { cs_low, mosi, sample, sck_active, sck_idle, done };
  struct Action {
    std::uint64_t t;  // in half APB cycles from the start
    Step step;
    std::uint16_t bit;  // the clock (bit) index
  };

  void start();
  void run_due();
  void finish();
  void update_irq();
  void drive_idle();
  // Half APB cycles of SCK's first (idle-level) and second part of each bit.
  void clock_phases(std::uint64_t& first, std::uint64_t& second) const;
  Cycles cycle_of(std::uint64_t t) const { return start_ + t * cpu_hz_ / (2 * apb_hz_); }
  std::uint8_t buffer_byte(unsigned index) const;
  void set_buffer_bit(unsigned byte_index, unsigned bit, bool value, bool big_endian);

  Scheduler& sched_;
  std::uint64_t cpu_hz_;
  std::uint64_t apb_hz_;
  Esp8266Gpio& gpio_;
  RegisterBank regs_;
  IrqLine irq_;

  // The transaction in progress.
  bool busy_ = false;
  bool cpol_ = false;
  bool cs_used_ = false;
  Cycles start_ = 0;
  std::vector<Action> actions_;
  std::size_t next_ = 0;
  std::vector<std::uint8_t> out_bits_;   // MOSI level per clock
  std::vector<std::int32_t> capture_;    // per clock: the received data bit index, or -1
  std::vector<std::uint8_t> in_bits_;    // received data bits
  unsigned rx_base_ = 0;                 // buffer byte the received bits start at
  bool rx_lsb_first_ = false;
  bool rx_big_endian_ = false;
  Event step_event_;  // "<name>.step": the next edge of the transaction
};

}  // namespace boardemu
