// scenario/scenario.hpp: scenario files parsed into steps, durations, and one-line errors that
// name the file, line and field. (Running them: tests/firmware/test_scenarios.py.)
#include "scenario/scenario.hpp"

#include <gtest/gtest.h>

namespace boardemu {
namespace {

TEST(ScenarioDuration, UnitsAndErrors) {
  EXPECT_EQ(parse_duration("500ms"), 500'000'000u);
  EXPECT_EQ(parse_duration("2s"), 2'000'000'000u);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000'000u);
  EXPECT_EQ(parse_duration("250us"), 250'000u);
  EXPECT_EQ(parse_duration("10ns"), 10u);
  EXPECT_EQ(parse_duration("0ms"), 0u);
  for (const char* bad : {"5", "ms", "-1ms", "+1ms", "1 ms", "1m", "1min", "abc", "", "1e400s", "2years"})
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
  EXPECT_THROW(parse_duration("400000000s"), std::invalid_argument);  // more than a year
}

TEST(ScenarioParse, WokwiStepsAndOurs) {
  Scenario s = parse_scenario_text(R"yaml(
name: demo
version: 1
author: me
board: esp8266
timeout: 3s
steps:
  - delay: 30ms
  - wait-serial: 'ready'
  - wait-serial: {regex: 'T=(\d+)', timeout: 2s, serial: uart1}
  - write-serial: [0x41, 66, 0x0d]
  - set-control: {part-id: btn1, control: pressed, value: 1}
  - expect-pin: {part-id: led1, pin: A, value: 1}
  - wait-pin: {net: led, value: floating, timeout: 1ms}
  - expect-i2c: {nets: [scl, sda], address: 0x76, direction: read, data: [1, 2]}
  - expect-spi: {mosi: [0x9F], mode: 3}
  - exec: {code: "print(1)", expect: "1"}
  - fail-serial: Traceback
  - expect-exit: 0
)yaml",
                                   "/tmp/demo.yaml");
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.board, "esp8266");
  EXPECT_EQ(s.timeout, 3'000'000'000u);
  ASSERT_EQ(s.steps.size(), 12u);
  EXPECT_EQ(s.steps[0].kind, Step::Kind::delay);
  EXPECT_EQ(*s.steps[0].timeout, 30'000'000u);
  EXPECT_EQ(s.steps[1].pattern.text, "ready");
  EXPECT_FALSE(s.steps[1].timeout);
  EXPECT_TRUE(s.steps[2].pattern.regex);
  EXPECT_EQ(s.steps[2].serial, "uart1");
  EXPECT_EQ(s.steps[2].line, 10);
  EXPECT_EQ(s.steps[3].bytes, "AB\r");
  EXPECT_EQ(s.steps[4].value, 1);
  EXPECT_EQ(s.steps[5].pin, "led1.A");
  EXPECT_EQ(s.steps[5].level, Step::Level::high);
  EXPECT_EQ(s.steps[6].level, Step::Level::floating);
  EXPECT_EQ(*s.steps[7].address, 0x76);
  EXPECT_TRUE(*s.steps[7].read);
  EXPECT_EQ(*s.steps[7].data, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(s.steps[7].scl, "scl");
  EXPECT_EQ(s.steps[8].mode, 3);
  EXPECT_EQ(s.steps[9].bytes, "print(1)");
  EXPECT_EQ(s.steps[9].pattern.text, "1");
  EXPECT_EQ(*s.steps[11].exit_code, 0);
}

TEST(ScenarioParse, ErrorsNameFileLineAndField) {
  auto error = [](const std::string& text) {
    try {
      parse_scenario_text(text, "s.yaml");
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("steps:\n  - delay: 1ms\n  - wait-serial: {text: a, timeout: soon}\n"),
            "s.yaml:3: steps[1].wait-serial.timeout: \"soon\" is not a duration (a number and a unit: ns, us, ms, s; e.g. 500ms)");
  EXPECT_EQ(error("steps:\n  - {delay: 1ms, wait-serial: x}\n"),
            "s.yaml:2: steps[0]: a step has exactly one key (delay, wait-serial, write-serial, ...)");
  EXPECT_EQ(error("steps:\n  - expect-i2c: {address: 200}\n"),
            "s.yaml:2: steps[0].expect-i2c.address: expected a whole number from 0 to 127, got 200");
  EXPECT_EQ(error("steps:\n  - write-serial: [1, 300]\n"),
            "s.yaml:2: steps[0].write-serial.bytes[1]: \"300\" is not a byte value (0..255)");
  EXPECT_EQ(error("board: x\n"), "s.yaml:1: steps: required but missing");
  EXPECT_EQ(error("steps:\n  - wait-serial: {text: a, regex: b}\n"), "s.yaml:2: steps[0].wait-serial: give either text or regex");
  EXPECT_EQ(error("steps:\n  - exec: {code: ''}\n"), "s.yaml:2: steps[0].exec.code: no code");
  EXPECT_EQ(error("steps:\n  - expect-pin: {net: a, part-id: b, pin: c, value: 1}\n"),
            "s.yaml:2: steps[0].expect-pin: give net, or part-id and pin");
  // A key with a line break in it still gives a one-line message.
  std::string odd = error("steps:\n  - \"wait\\nserial\": x\n");
  EXPECT_EQ(odd.find('\n'), std::string::npos) << odd;
  EXPECT_EQ(odd.rfind("s.yaml:2: steps[0].wait", 0), 0u) << odd;
}

}  // namespace
}  // namespace boardemu
