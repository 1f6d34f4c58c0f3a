// Scenario files: a hardware-free regression test of firmware on a board, as data (YAML).
// `boardemu test` runs them (scenario/runner.hpp); the pytest plugin sends the same steps one by
// one. The format is a superset of Wokwi's automation scenarios (name, version, author, steps:
// delay, wait-serial, write-serial, set-control, expect-pin, take-screenshot), so Wokwi
// scenario files run unchanged where they use parts boardemu models (the board, firmware and
// circuit then come from the command line, as wokwi.toml and diagram.json give them to Wokwi).
//
//   name: blink                      # optional (default: the file name)
//   version: 1  author: ...          # optional, as in Wokwi; ignored
//   board: esp8266                   # optional (default: `boardemu test --board`, else mps2-an385)
//   firmware: app.elf                # optional (default: the board's default firmware)
//   circuit: ../blink.yaml           # optional: parts wired to the board (circuit file)
//   files: [app/, ../lib]            # optional: host directories whose files (merged) make the
//                                    #   board's littlefs filesystem before boot (a main.py there
//                                    #   runs at boot); one directory may be given without [ ]
//   romfs: app.img                   # optional: a ROMFS image in the board's ROMFS partition
//   flash: flash.bin                 # optional: the flash's starting contents (a copy is used:
//                                    #   the file is never changed)
//   snapshot: boot.snap              # optional: start from this snapshot instead of reset
//   timeout: 10s                     # virtual-time limit of the whole scenario (default 60 s)
//   serial: uart0                    # the UART serial steps use unless they name one
//   steps:
//     - delay: 500ms                                  # virtual time passes
//     - wait-serial: 'ready'                          # text in the output (from where the
//     - wait-serial: {regex: 'T=(\d+)', timeout: 2s}  #   last match ended), within a time
//     - write-serial: "print(1)\r"                    # text, or a list of byte values
//     - fail-serial: 'Traceback'                      # from here on, this text fails the test
//     - exec: {code: 'print(2+2)', expect: '4'}       # through the raw REPL; output matched
//     - set-control: {part-id: btn1, control: pressed, value: 1}
//     - expect-pin: {part-id: led1, pin: A, value: 1}   # or {net: led, value: high}
//     - wait-pin: {net: led, value: 0, timeout: 1s}
//     - expect-i2c: {address: 0x76, direction: write, data: [0xD0], timeout: 1s}
//     - expect-spi: {mosi: [0x9F], miso: [0, 0xEF, 0x40, 0x16], timeout: 1s}
//     - take-screenshot: {part-id: oled, compare-with: oled.png, save-to: out.png}
//     - expect-exit: {code: 0, timeout: 5s}
//
// Durations carry a unit: ns, us, ms, s (e.g. "500ms", "1.5s"). Paths are relative to the
// scenario file. Every problem is one line: "<file>:<line>: steps[3].wait-serial: <problem>".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace boardemu {

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Virtual time as the scenario gives it, in nanoseconds (the board's clock turns it into cycles).
using Nanos = std::uint64_t;

// Text to look for: literal, or an ECMAScript regular expression.
struct Pattern {
  std::string text;
  bool regex = false;
  std::shared_ptr<std::regex> re;  // compiled when `regex`
  std::string describe() const;     // 'text' or /regex/
};

struct Step {
  enum class Kind {
    delay,
    wait_serial,
    write_serial,
    fail_serial,
    exec,
    set_control,
    expect_pin,
    wait_pin,
    expect_i2c,
    expect_spi,
    take_screenshot,
    expect_exit,
  };
  Kind kind = Kind::delay;
  std::string keyword;  // as written: "wait-serial"
  std::string field;    // "steps[3]" (for messages)
  int line = 0;
  std::optional<Nanos> timeout;  // per-step time limit (delay: its length)

  std::string serial;  // UART name; empty: the scenario's
  Pattern pattern;     // wait-serial, fail-serial; exec's expected output
  std::string bytes;   // write-serial's bytes, exec's code

  // set-control, expect-pin, wait-pin, take-screenshot
  std::string part, control;
  double value = 0;
  std::string pin;  // full pin or net name ("led1.A", "led")
  enum class Level { low, high, floating };
  Level level = Level::low;

  // expect-i2c
  std::string scl, sda;
  std::optional<std::uint8_t> address;
  std::optional<bool> read;  // direction; unset: either
  std::optional<std::vector<std::uint8_t>> data;
  std::optional<bool> ack;   // the address byte was (not) acknowledged
  // expect-spi
  std::string sck, mosi_net, miso_net, cs;
  int mode = 0;
  std::optional<std::vector<std::uint8_t>> mosi, miso;

  // take-screenshot
  std::string save_to, compare_with;

  // expect-exit
  std::optional<int> exit_code;

  // A short description for reports: "wait-serial 'ready'".
  std::string describe() const;
};

struct Scenario {
  std::string path;  // the file
  std::string name;
  std::string board, firmware, circuit, romfs, flash, snapshot;  // paths resolved
  std::vector<std::string> files;  // directories whose files make the board's filesystem
  int board_line = 0;
  Nanos timeout = 60'000'000'000ull;
  std::string serial = "uart0";
  std::vector<Step> steps;
};

// Defaults from the command line for what a scenario does not say (Wokwi files say none).
struct ScenarioDefaults {
  std::string board = "mps2-an385";
  std::string firmware, circuit;
};

// Reads and checks a scenario file (syntax, keys, values, that files it names exist, regular
// expressions). Throws ScenarioError with one line "<file>:<line>: <field>: <problem>".
Scenario load_scenario(const std::string& path, const ScenarioDefaults& defaults = {});
Scenario parse_scenario_text(const std::string& text, const std::string& path, const ScenarioDefaults& defaults = {});

// One step from a YAML/JSON node (a one-key mapping, as in a scenario's steps list): what the
// pytest protocol sends. `where` prefixes messages. Paths resolve against `base_dir`.
Step parse_step(const YAML::Node& node, const std::string& where, const std::string& base_dir);

// "500ms", "2s", "1.5s", "250us", "10ns" -> nanoseconds. Throws std::invalid_argument.
Nanos parse_duration(const std::string& text);

}  // namespace boardemu
