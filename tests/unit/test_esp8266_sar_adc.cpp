// Register-level tests of the ESP8266 SAR ADC model (peripherals/adc/esp8266_sar_adc.*), no CPU.
//
// Reference: ESP8266EX Datasheet (TOUT: 10-bit, 0..1.0 V), Non-OS SDK API Reference
// (system_adc_read, system_get_vdd33 in 1/1024 V); the register layout is boardemu's own (the
// model's header says why).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/event.hpp"
#include "core/net.hpp"
#include "core/registers.hpp"
#include "adc/esp8266_sar_adc.hpp"
#include "machine/circuit.hpp"
#include "machine/device_registry.hpp"
#include "machine/machine.hpp"
#include "machine/probe.hpp"
#include "parts/potentiometer.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

using Adc = Esp8266SarAdc;

class SarAdcTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kHz = 80'000'000;
  SarAdcTest() : ctx_{&sched_, kHz, kHz}, adc_("adc", ctx_), nl_(&sched_) {}

  std::uint32_t rd(std::uint32_t off) { return adc_.read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { adc_.write(off, v, 4); }
  void run_for(Cycles c) {
    sched_.advance(c);
    sched_.run_due();
  }
  // Starts a conversion of `channel_bits` and waits until it is done.
  std::uint32_t convert(std::uint32_t channel_bits = 0) {
    wr(Adc::SAR_CTRL, channel_bits | Adc::CTRL_START);
    run_for(adc_.conversion_cycles());
    EXPECT_EQ(rd(Adc::SAR_STATUS) & Adc::STATUS_BUSY, 0u);
    return rd(Adc::SAR_DATA);
  }

  Scheduler sched_;
  DeviceContext ctx_;
  Adc adc_;
  Netlist nl_;
};

TEST_F(SarAdcTest, RegistersAndResetValues) {
  const RegisterBank* regs = adc_.registers();
  ASSERT_NE(regs, nullptr);
  ASSERT_EQ(regs->specs().size(), 3u);
  EXPECT_STREQ(regs->spec_at(Adc::SAR_CTRL)->name, "SAR_CTRL");
  EXPECT_STREQ(regs->spec_at(Adc::SAR_STATUS)->name, "SAR_STATUS");
  EXPECT_STREQ(regs->spec_at(Adc::SAR_DATA)->name, "SAR_DATA");
  EXPECT_EQ(rd(Adc::SAR_CTRL), 0u);
  EXPECT_EQ(rd(Adc::SAR_STATUS), 0u);
  EXPECT_EQ(rd(Adc::SAR_DATA), 0u);
  // START reads back 0; SEL_VDD33 is stored.
  wr(Adc::SAR_CTRL, Adc::CTRL_SEL_VDD33 | 0xFFFFFFF0u);
  EXPECT_EQ(rd(Adc::SAR_CTRL), Adc::CTRL_SEL_VDD33);
  EXPECT_EQ(adc_.tout().name(), "adc.TOUT");
  EXPECT_EQ(adc_.conversion_cycles(), 800u);  // 10 us at 80 MHz
}

TEST_F(SarAdcTest, TransferFunctionIs10BitsOver0To1Volt) {
  EXPECT_EQ(Adc::tout_code(0.0), 0u);
  EXPECT_EQ(Adc::tout_code(-0.2), 0u);
  EXPECT_EQ(Adc::tout_code(0.5), 512u);
  EXPECT_EQ(Adc::tout_code(0.25), 256u);
  EXPECT_EQ(Adc::tout_code(1.0 / 1024 * 0.999), 0u);
  EXPECT_EQ(Adc::tout_code(1.0 / 1024), 1u);
  EXPECT_EQ(Adc::tout_code(0.999), 1022u);
  EXPECT_EQ(Adc::tout_code(1.0), 1023u);  // saturates at full scale
  EXPECT_EQ(Adc::tout_code(3.3), 1023u);
}

TEST_F(SarAdcTest, AConversionSamplesToutAtStartAndLatchesAfterItsTime) {
  Potentiometer pot("pot1", &sched_, 1.0, 0.3);
  nl_.connect(pot.sig(), "a0");
  nl_.connect(adc_.tout(), "a0");
  wr(Adc::SAR_CTRL, Adc::CTRL_START);
  EXPECT_EQ(rd(Adc::SAR_STATUS), Adc::STATUS_BUSY);
  // The conversion is the model's named event (what a snapshot saves).
  ASSERT_EQ(sched_.events().size(), 1u);
  EXPECT_EQ(sched_.events()[0]->name(), "adc.conversion");
  EXPECT_EQ(sched_.events()[0]->when(), adc_.conversion_cycles());
  pot.set_position(0.9);  // after the sample: not in this result
  run_for(adc_.conversion_cycles() - 1);
  EXPECT_EQ(rd(Adc::SAR_STATUS), Adc::STATUS_BUSY);
  EXPECT_EQ(rd(Adc::SAR_DATA), 0u);
  run_for(1);
  EXPECT_EQ(rd(Adc::SAR_STATUS), 0u);
  EXPECT_EQ(rd(Adc::SAR_DATA), 307u);  // floor(0.3 * 1024)
  EXPECT_EQ(convert(), 921u);          // floor(0.9 * 1024)
  for (double pos : {0.0, 0.1, 0.5, 0.75, 1.0}) {
    pot.set_position(pos);
    EXPECT_EQ(convert(), Adc::tout_code(pos)) << pos;
  }
}

TEST_F(SarAdcTest, UnwiredToutReadsZeroAndOverRangeSaturatesWithOneGuestError) {
  EXPECT_EQ(convert(), 0u);
  Potentiometer pot("pot1", &sched_, 3.3, 0.5);  // 1.65 V: above the range
  nl_.connect(pot.sig(), "a0");
  nl_.connect(adc_.tout(), "a0");
  boardemu::testing::LogCapture log;
  EXPECT_EQ(convert(), 1023u);
  EXPECT_EQ(convert(), 1023u);
  std::string text = log.take();
  EXPECT_NE(text.find("above the 0..1.0 V input range"), std::string::npos) << text;
  EXPECT_EQ(text.find("above", text.find("above") + 1), std::string::npos) << "logged once: " << text;
}

TEST_F(SarAdcTest, Vdd33ChannelReadsTheSupplyIn1024thsOfAVolt) {
  EXPECT_EQ(convert(Adc::CTRL_SEL_VDD33), 3379u);  // round(3.3 * 1024)
  Scheduler s;
  DeviceContext ctx{&s, kHz, kHz};
  Adc low("adc", ctx, Adc::parse_params({{"vdd33", "3.0"}}));
  low.write(Adc::SAR_CTRL, Adc::CTRL_SEL_VDD33 | Adc::CTRL_START, 4);
  s.advance(low.conversion_cycles());
  s.run_due();
  EXPECT_EQ(low.read(Adc::SAR_DATA, 4), 3072u);
}

TEST_F(SarAdcTest, StartWhileBusyIsIgnoredAndLogged) {
  wr(Adc::SAR_CTRL, Adc::CTRL_START);
  run_for(100);
  boardemu::testing::LogCapture log;
  wr(Adc::SAR_CTRL, Adc::CTRL_START);
  EXPECT_NE(log.take().find("while a conversion is running"), std::string::npos);
  run_for(adc_.conversion_cycles() - 100);
  EXPECT_EQ(rd(Adc::SAR_STATUS), 0u);  // the first conversion's time, not restarted
}

TEST_F(SarAdcTest, ResetCancelsAConversion) {
  Potentiometer pot("pot1", &sched_, 1.0, 0.5);
  nl_.connect(pot.sig(), "a0");
  nl_.connect(adc_.tout(), "a0");
  wr(Adc::SAR_CTRL, Adc::CTRL_START);
  adc_.reset();
  EXPECT_EQ(sched_.pending_count(), 0u);
  run_for(adc_.conversion_cycles());
  EXPECT_EQ(rd(Adc::SAR_STATUS), 0u);
  EXPECT_EQ(rd(Adc::SAR_DATA), 0u);
}

TEST_F(SarAdcTest, RestOfTheBlockIsUnimplemented) {
  boardemu::testing::LogCapture log;
  EXPECT_EQ(adc_.peek(0x50, 4), 0u);  // a debugger's read: quiet
  EXPECT_EQ(log.take(), "");
  EXPECT_EQ(rd(0x50), 0u);
  wr(0x50, 2);
  EXPECT_NE(log.take().find("not modelled"), std::string::npos);
}

TEST(SarAdcParams, BadParamsAreOneClearError) {
  EXPECT_THROW(Adc::parse_params({{"vdd33", "5"}}), std::invalid_argument);
  EXPECT_THROW(Adc::parse_params({{"vdd33", "x"}}), std::invalid_argument);
  EXPECT_THROW(Adc::parse_params({{"conversion_us", "-1"}}), std::invalid_argument);
  try {
    Adc::parse_params({{"bits", "12"}});
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown param 'bits'"), std::string::npos);
  }
  const std::vector<std::string> models = known_models();
  EXPECT_NE(std::find(models.begin(), models.end(), "esp8266-sar-adc"), models.end());
}


// On the esp8266 board: the block at 0x60000D00 with its TOUT pin, a circuit's potentiometer and a
// slide switch choosing between it and a voltage the probe drives; the probe turns the knob.
TEST(SarAdcOnTheBoard, ToutReadsThePotentiometerOrTheProbeThroughASlideSwitch) {
  Machine m{load_board_by_name("esp8266", std::string(BOARDEMU_SOURCE_DIR) + "/boards")};
  m.add_circuit(parse_circuit_text(R"(
parts:
  - {id: pot1, type: potentiometer, params: {vcc: 1.0, position: 0.25}}
  - {id: sw1, type: slide-switch}
nets:
  - {name: knob, pins: [pot1.SIG, sw1.1]}
  - {name: lab, pins: [sw1.3]}
  - {name: a0, pins: [sw1.2, adc.TOUT]}
)",
                                   "t.yaml"));
  BoardProbe probe(m);
  Device& adc = *m.device("adc");
  auto convert = [&] {
    adc.write(Adc::SAR_CTRL, Adc::CTRL_START, 4);
    m.scheduler().advance(800);
    m.scheduler().run_due();
    return adc.read(Adc::SAR_DATA, 4);
  };
  EXPECT_DOUBLE_EQ(probe.voltage("a0"), 0.25);
  EXPECT_EQ(convert(), 256u);
  probe.set_control("pot1", "position", 0.5);
  EXPECT_EQ(convert(), 512u);
  probe.drive_voltage("lab", 0.125);
  EXPECT_EQ(convert(), 512u);  // pin 3 is open
  probe.set_control("sw1", "position", 1);
  EXPECT_EQ(convert(), 128u);
  EXPECT_DOUBLE_EQ(probe.reading("pot1", "voltage"), 0.5);
}

}  // namespace
}  // namespace boardemu
