"""machine.ADC and the analog parts on the esp8266 board (issue 10): a potentiometer on TOUT read
by ADC(0) at positions given in the circuit file, ADC(1) (the supply), and a slide switch read by
machine.Pin. Each run is a fresh board fed through its REPL.
"""

import math
import os
import re
import unittest

from monitor_session import MonitorSession
from test_circuit import ESP_FW, EXIT_TIME_LIMIT, run
from test_cli_hardening import Case
from test_firmware import ROOT

EXAMPLE = os.path.join(ROOT, "examples", "esp8266", "potentiometer.yaml")


def expected_code(volts):
    """The ESP8266's TOUT transfer: 10 bits over 0..1.0 V (ESP8266EX datasheet), saturating."""
    return max(0, min(1023, math.floor(volts * 1024)))


def repl(lines, *args):
    text = "".join(l + "\r" for l in lines)
    return run("--timeout-virtual-ms", "3000", *args, stdin=text.encode())


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class Esp8266AdcTest(Case):
    def circuit(self, pot="vcc: 1.0, position: 0.5", switch="pin1: gnd, pin3: vcc, position: 0"):
        path = os.path.join(self.dir, "c.yaml")
        with open(path, "w") as f:
            f.write("parts:\n"
                    "  - {id: pot1, type: potentiometer, params: {%s}}\n"
                    "  - {id: sw1, type: slide-switch, params: {%s}}\n"
                    "nets:\n"
                    "  - {name: a0, pins: [adc.TOUT, pot1.SIG]}\n"
                    "  - {name: switch, pins: [gpio.GPIO14, sw1.2]}\n" % (pot, switch))
        return path

    def values(self, out, tag):
        return [int(v) for v in re.findall(r"^%s (-?\d+)\r?$" % tag, out, re.M)]

    def test_adc0_follows_the_potentiometer_within_one_lsb(self):
        for vcc, position in [(1.0, 0.0), (1.0, 0.1), (1.0, 0.3), (1.0, 0.5), (1.0, 0.77), (1.0, 1.0),
                              (3.3, 0.1), (3.3, 0.5)]:
            with self.subTest(vcc=vcc, position=position):
                r = repl(["from machine import ADC",
                          "a = ADC(0)",
                          "print('adc', a.read())",
                          "print('adc', a.read())",
                          "print('u16', a.read_u16())"],
                         "--circuit", self.circuit(pot="vcc: %s, position: %s" % (vcc, position)))
                out = r.stdout.decode(errors="replace")
                self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
                want = expected_code(vcc * position)
                got = self.values(out, "adc")
                self.assertEqual(len(got), 2, out)
                for v in got:
                    self.assertLessEqual(abs(v - want), 1, "position %s: read %d, expected %d" % (position, v, want))
                (u16,) = self.values(out, "u16")
                self.assertLessEqual(abs(u16 - want * 65535 // 1024), 64, out)

    def test_adc_channels_and_errors(self):
        r = repl(["from machine import ADC",
                  "print('repr', ADC(0), ADC(1))",
                  "print('vdd', ADC(1).read())",
                  "print('same', ADC(0) is ADC(0))",
                  "try:\r ADC(2)\rexcept ValueError as e:\r print('err', e)\r"],
                 "--circuit", self.circuit())
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        self.assertIn("repr ADC(0) ADC(1)", out)
        self.assertEqual(self.values(out, "vdd"), [round(3.3 * 1024)])  # VDD3P3 in 1/1024 V
        self.assertIn("same True", out)
        self.assertIn("err ADC(2) doesn't exist", out)

    def test_unwired_tout_reads_zero(self):
        r = repl(["from machine import ADC", "print('adc', ADC(0).read())"])
        self.assertEqual(self.values(r.stdout.decode(errors="replace"), "adc"), [0], r.stdout.decode())

    def test_slide_switch_read_by_pin(self):
        for position in (0, 1):
            with self.subTest(position=position):
                r = repl(["from machine import Pin",
                          "p = Pin(14, Pin.IN)",
                          "print('pin', p.value())"],
                         "--circuit", self.circuit(switch="pin1: gnd, pin3: vcc, position: %d" % position))
                out = r.stdout.decode(errors="replace")
                self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
                self.assertEqual(self.values(out, "pin"), [position], out)

    def test_example_circuit(self):
        r = repl(["from machine import ADC, Pin",
                  "print('adc', ADC(0).read())",
                  "print('pin', Pin(14, Pin.IN).value())"],
                 "--circuit", EXAMPLE)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        self.assertEqual(self.values(out, "adc"), [512], out)
        self.assertEqual(self.values(out, "pin"), [0], out)

    def test_bad_part_params_are_one_line(self):
        r = run("--circuit", self.circuit(pot="vcc: 1.0, position: 1.5"))
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 3, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertRegex(err, r"c\.yaml:2: parts\[0\]: potentiometer: params\.position: expected a number from 0 to 1, got .1\.5.")

    def test_knob_and_switch_moved_through_the_monitor_while_the_firmware_reads(self):
        with MonitorSession("--board", "esp8266", "--circuit", EXAMPLE) as s:
            def repl_line(line, tag):  # a whole output line "<tag> <number>"
                return int(s.repl(line, rb"^%s (-?\d+)\r?\n" % tag.encode()).group(1))

            self.assertEqual(repl_line("from machine import ADC, Pin; a = ADC(0); print('adc', a.read())", "adc"), 512)
            for position in (0.0, 0.2, 0.65, 1.0):
                self.assertEqual(s.ask("set pot1 position %s" % position), "ok")
                self.assertEqual(s.ask("voltage a0"), "ok %g" % position)
                got = repl_line("print('adc', a.read())", "adc")
                self.assertLessEqual(abs(got - expected_code(position)), 1, "position %s: %d" % (position, got))
            self.assertEqual(repl_line("print('pin', Pin(14, Pin.IN).value())", "pin"), 0)
            self.assertEqual(s.ask("set sw1 position 1"), "ok")
            self.assertEqual(repl_line("print('pin', Pin(14).value())", "pin"), 1)
            self.assertEqual(s.quit(), 0)


if __name__ == "__main__":
    unittest.main()
