"""machine.Pin pulls and pad functions of boardemu's ESP8266 port against the IO_MUX model
(peripherals/gpio/esp8266_iomux.hpp) on the esp8266 board: the firmware selects each pad's GPIO
function and its pull-up in IO_MUX (0x60000800; SDK eagle_soc.h: FUNC [5:4] + bit 8, PULLUP
bit 7), and the GPIO model drives the pin's net from that.

Run by ctest (see CMakeLists.txt beside this file) as
    python3 -m unittest -v test_esp8266_pins
with BOARDEMU pointing at the binary. The firmware is built by `make -C firmware esp8266`.
Every run ends at a virtual-time limit (exit status 124); the checks are on the UART output.
"""

import os
import subprocess
import tempfile
import unittest

from test_esp8266 import BOARDEMU, ESP_FW, EXIT_TIME_LIMIT

IO_MUX_GPIO4_U = 0x6000083C   # GPIO4's pad: the GPIO function is 0
IO_MUX_MTCK_U = 0x60000808    # GPIO13's pad (MTCK): the GPIO function is 3, 0 is MTCK (JTAG)

# A push button to ground on GPIO0 with no pull on its net (only the pad's pull-up can hold it
# high), and GPIO4 wired to GPIO5.
CIRCUIT = """\
parts:
  - {id: btn1, type: button}
nets:
  - {name: button, pins: [gpio.GPIO0, btn1.P]}
  - {name: wire, pins: [gpio.GPIO4, gpio.GPIO5]}
"""


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266PadTest(unittest.TestCase):
    def run_lines(self, lines, *args, virtual_ms=3000):
        """Types `lines` at the REPL and returns (UART output, stderr)."""
        text = "".join(line + "\r" for line in lines)
        r = subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--firmware", ESP_FW, "--uart0", "stdio",
                            "--timeout-virtual-ms", str(virtual_ms), *args],
                           input=text.encode(), capture_output=True, timeout=120)
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, err)
        self.assertNotIn("Fatal exception", out)
        self.assertNotIn("Traceback", out)
        return out, err

    def test_pull_up_holds_an_unconnected_pin_high(self):
        out, _ = self.run_lines([
            "from machine import Pin, mem32",
            "p = Pin(4, Pin.IN, Pin.PULL_UP); print('PU', p.value(), (mem32[%#x] >> 7) & 1)" % IO_MUX_GPIO4_U,
            # pull=None clears the pull-up; a later Pin(4, Pin.IN) keeps it cleared.
            "Pin(4, Pin.IN, None); print('NONE', Pin(4, Pin.IN).value(), (mem32[%#x] >> 7) & 1)" % IO_MUX_GPIO4_U,
            # Open drain releases to the pull-up for 1 and pulls low for 0.
            "d = Pin(12, Pin.OPEN_DRAIN, Pin.PULL_UP, value=1); print('OD1', d.value()); d(0); print('OD0', d.value())",
        ])
        self.assertIn("\r\nPU 1 1\r\n", out)
        self.assertIn("\r\nNONE 0 0\r\n", out)
        self.assertIn("\r\nOD1 1\r\nOD0 0\r\n", out)

    def test_a_pad_outside_the_gpio_function_does_not_drive_the_pin(self):
        out, err = self.run_lines([
            "from machine import Pin, mem32",
            "o = Pin(13, Pin.OUT, value=1); print('GPIO', o.value(), mem32[%#x] & 0x1b0)" % IO_MUX_MTCK_U,
            # Function 0 (MTCK, JTAG): GPIO_OUT no longer reaches the pin, nothing drives it.
            "mem32[%#x] = 0; print('MTCK', o.value())" % IO_MUX_MTCK_U,
            "mem32[%#x] = 0x80; print('PULL', o.value())" % IO_MUX_MTCK_U,  # only the pull-up left
            # Pin.init selects the GPIO function again and keeps the pull-up.
            "o.init(Pin.OUT); print('BACK', o.value(), mem32[%#x] & 0x1b0); o(0); print('LOW', o.value())"
            % IO_MUX_MTCK_U,
        ], "--log", "unimp")
        self.assertIn("\r\nGPIO 1 48\r\n", out)   # function 3 (0x30)
        self.assertIn("\r\nMTCK 0\r\n", out)
        self.assertIn("\r\nPULL 1\r\n", out)
        self.assertIn("\r\nBACK 1 176\r\nLOW 0\r\n", out)   # 0x30 | PULLUP 0x80
        self.assertIn("iomux: pad MTCK_U (GPIO13) switched to function 0 (MTCK)", err)
        self.assertEqual(err.count("pad MTCK_U"), 1, err)   # once per pad

    def test_button_and_wire_with_the_pad_pull_up(self):
        with tempfile.TemporaryDirectory() as d:
            circuit = os.path.join(d, "pins.yaml")
            with open(circuit, "w") as f:
                f.write(CIRCUIT)
            out, _ = self.run_lines([
                "from machine import Pin",
                "b = Pin(0, Pin.IN, None); print('FLOAT', b.value())",   # nothing holds the net
                "b.init(pull=Pin.PULL_UP); print('RELEASED', b.value())",
                "i = Pin(4, Pin.IN, Pin.PULL_UP); print('IDLE', i.value())",
                # GPIO5 drives the wire: its output wins over GPIO4's pull-up.
                "o = Pin(5, Pin.OUT, value=0); print('DRIVEN', i.value()); o(1); print('HIGH', i.value()); "
                "o(0); print('LOW', i.value())",
                "o.init(Pin.IN); print('LETGO', i.value())",
            ], "--circuit", circuit)
        self.assertIn("\r\nFLOAT 0\r\n", out)
        self.assertIn("\r\nRELEASED 1\r\n", out)
        self.assertIn("\r\nIDLE 1\r\n", out)
        self.assertIn("\r\nDRIVEN 0\r\nHIGH 1\r\nLOW 0\r\n", out)
        self.assertIn("\r\nLETGO 1\r\n", out)


if __name__ == "__main__":
    unittest.main()
