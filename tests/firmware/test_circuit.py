"""Circuits on the esp8266 board (issue 10): `--circuit FILE` wires parts to the board's pins,
`--vcd FILE` records the nets; bad circuit files and VCD paths are one line and exit 3.

The firmware is driven through its REPL with machine.mem32 (the GPIO registers), so these tests
need only the esp8266 firmware that `make build` makes.
"""

import os
import shutil
import subprocess
import unittest

from test_cli_hardening import Case
from test_firmware import BOARDEMU, ROOT

ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
EXAMPLE = os.path.join(ROOT, "examples", "esp8266", "eeprom-led.yaml")
EXIT_USAGE, EXIT_BAD_INPUT, EXIT_TIME_LIMIT = 2, 3, 124

# GPIO registers (ESP8266 Technical Reference, GPIO chapter).
GPIO_OUT_W1TS, GPIO_OUT_W1TC, GPIO_ENABLE_W1TS, GPIO_IN = 0x60000304, 0x60000308, 0x60000310, 0x60000318


def run(*args, stdin=b"", timeout=60):
    return subprocess.run([BOARDEMU, "run", "--board", "esp8266", *args], input=stdin, capture_output=True,
                          timeout=timeout)


def repl(lines, *args):
    text = "".join(l + "\r" for l in ["import machine"] + lines)
    return run("--timeout-virtual-ms", "3000", *args, stdin=text.encode())


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class CircuitTest(Case):
    def circuit(self, text):
        path = os.path.join(self.dir, "c.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_led_and_button_nets_and_vcd(self):
        vcd = os.path.join(self.dir, "t.vcd")
        r = repl(["m = machine.mem32",
                  "m[0x%x] = 1 << 2" % GPIO_ENABLE_W1TS,  # GPIO2 output, low: LED off
                  "m[0x%x] = 1 << 2" % GPIO_OUT_W1TS,     # LED on
                  "print('in', m[0x%x] & 5)" % GPIO_IN],   # GPIO0 (button, pulled up) and GPIO2
                 "--circuit", EXAMPLE, "--vcd", vcd, "--vcd-signals", "led,button")
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        self.assertIn("in 5", out)  # the net pull-up holds GPIO0 high; GPIO2 reads its own output
        with open(vcd) as f:
            text = f.read()
        self.assertIn("$var wire 1 ! button $end", text)
        self.assertIn("$var wire 1 \" led $end", text)
        self.assertNotIn("i2c_scl", text)  # not selected
        changes = [l for l in text.split("$enddefinitions $end")[1].splitlines() if l.endswith('"')]
        self.assertEqual(changes[1:], ['0"', '1"'])  # floating at start, then off, then on

    def test_soft_i2c_talks_to_the_eeprom_and_sigrok_decodes_the_trace(self):
        # MicroPython's SoftI2C bit-bangs GPIO5/GPIO4 (open drain, the circuit's pull-ups); the
        # EEPROM part decodes the edges on its own pins and answers.
        vcd = os.path.join(self.dir, "i2c.vcd")
        r = repl(["from machine import Pin, SoftI2C",
                  "i2c = SoftI2C(scl=Pin(5), sda=Pin(4))",
                  "print('scan', i2c.scan())",
                  "i2c.writeto_mem(0x50, 0x0010, b'hello', addrsize=16)",
                  "import time",
                  "time.sleep_ms(10)",  # the 5 ms write cycle
                  "print('read', i2c.readfrom_mem(0x50, 0x0010, 5, addrsize=16))"],
                 "--circuit", EXAMPLE, "--vcd", vcd, "--vcd-signals", "i2c_*")
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        self.assertIn("scan [80]", out)
        self.assertIn("read b'hello'", out)
        if not shutil.which("sigrok-cli"):
            self.skipTest("sigrok-cli is not installed (scripts/setup.sh installs it)")
        d = subprocess.run(["sigrok-cli", "-I", "vcd:compress=1000", "-i", vcd, "-P", "i2c:scl=i2c_scl:sda=i2c_sda",
                            "-A", "i2c=address-read:address-write:data-read:data-write"],
                           capture_output=True, timeout=120)
        lines = [l for l in d.stdout.decode().splitlines() if "Data" in l or "Address" in l]
        # The scan addressed every address from 0x08 to 0x77 once (upstream SoftI2C.scan).
        self.assertIn("i2c-1: Address write: 08", lines)
        self.assertIn("i2c-1: Address write: 77", lines)
        tail = lines[lines.index("i2c-1: Address write: 77") + 1:]
        self.assertEqual(tail, ["i2c-1: Address write: 50"] +
                         ["i2c-1: Data write: %02X" % b for b in b"\x00\x10hello"] +
                         ["i2c-1: Address write: 50", "i2c-1: Data write: 00", "i2c-1: Data write: 10",
                          "i2c-1: Address read: 50"] +
                         ["i2c-1: Data read: %02X" % b for b in b"hello"])

    def test_runs_with_a_circuit_repeat_exactly(self):
        outs = []
        for _ in range(2):
            vcd = os.path.join(self.dir, "t.vcd")
            r = repl(["machine.mem32[0x%x] = 4" % GPIO_ENABLE_W1TS], "--circuit", EXAMPLE, "--vcd", vcd, "--stats")
            with open(vcd, "rb") as f:
                outs.append((r.stdout, r.stderr, f.read()))
        self.assertEqual(outs[0], outs[1])

    def test_unknown_pin(self):
        c = self.circuit("nets:\n  - name: x\n    pins: [gpio.GPIO44]\n")
        self.one_line(run("--circuit", c), EXIT_BAD_INPUT, "c.yaml:3: nets[0].pins[0]: no pin 'gpio.GPIO44'",
                      "gpio.GPIO0 .. gpio.GPIO15")

    def test_unknown_part_type_and_bad_params(self):
        c = self.circuit("parts:\n  - {id: x1, type: flux-capacitor}\n")
        self.one_line(run("--circuit", c), EXIT_BAD_INPUT, "c.yaml:2: parts[0]: unknown part type 'flux-capacitor'")
        c = self.circuit("parts:\n  - {id: e, type: 24lc32, params: {address: 0x60}}\n")
        self.one_line(run("--circuit", c), EXIT_BAD_INPUT, "c.yaml:2: parts[0]: 24lc32: params.address")

    def test_two_parts_on_one_i2c_address(self):
        c = self.circuit("parts:\n"
                         "  - {id: e1, type: 24lc32}\n"
                         "  - {id: e2, type: 24lc32}\n"
                         "nets:\n"
                         "  - {name: scl, pull: up, pins: [gpio.GPIO5, e1.SCL, e2.SCL]}\n"
                         "  - {name: sda, pull: up, pins: [gpio.GPIO4, e1.SDA, e2.SDA]}\n")
        self.one_line(run("--circuit", c), EXIT_BAD_INPUT, "c.yaml:3: parts[1]: 'e2' and 'e1' both answer I2C address 0x50")

    def test_malformed_circuit_files(self):
        for text, where in [("parts: [\n", "YAML syntax error"),
                            ("wires: []\n", "c.yaml:1: wires: unknown key"),
                            ("nets:\n  - {name: a, pins: [gpio.GPIO4]}\n  - {name: b, pins: [gpio.GPIO4]}\n",
                             "c.yaml:3: nets[1].pins[0]: pin gpio.GPIO4 is already on another net"),
                            ("nets:\n  - {name: a, pull: sideways, pins: [gpio.GPIO4]}\n", "c.yaml:2: nets[0].pull"),
                            ("parts:\n  - {id: gpio, type: led}\n", "'gpio' is already a device")]:
            self.one_line(run("--circuit", self.circuit(text)), EXIT_BAD_INPUT, where)
        missing = os.path.join(self.dir, "none.yaml")
        self.one_line(run("--circuit", missing), EXIT_BAD_INPUT, missing)

    def test_vcd_path_that_cannot_be_written(self):
        bad = os.path.join(self.dir, "no", "such", "dir", "t.vcd")
        self.one_line(run("--vcd", bad), EXIT_BAD_INPUT, "--vcd", bad, "cannot write")
        self.one_line(run("--vcd", os.path.join(self.dir, "t.vcd"), "--vcd-signals", "nothing*"), EXIT_USAGE,
                      "matches no net")
        self.one_line(run("--vcd-signals", "gpio.*"), EXIT_USAGE, "--vcd-signals needs --vcd")


if __name__ == "__main__":
    unittest.main()
