"""machine.PWM and machine.time_pulse_us of boardemu's ESP8266 port (firmware/esp8266/esp8266_pwm.c,
esp8266_machine.c), measured on the nets: the firmware drives PWM from FRC1's interrupt, boardemu
records the nets with --vcd, and this test computes frequency and duty from the VCD's edges.

Run by ctest (see CMakeLists.txt beside this file) as
    python3 -m unittest -v test_esp8266_pwm
with BOARDEMU pointing at the binary. The firmware is built by `make -C firmware esp8266`.
Every run ends at a virtual-time limit (exit status 124).
"""

import os
import re
import subprocess
import tempfile
import unittest

from monitor_session import MonitorSession
from test_esp8266 import BOARDEMU, ESP_FW, EXIT_TIME_LIMIT
from test_firmware import ROOT

LOOPBACK = os.path.join(ROOT, "examples", "esp8266", "loopback.yaml")
CPU_HZ = 80_000_000

# An LED on GPIO2 (the PWM under test), a second PWM channel on GPIO12, a marker on GPIO13 that
# the script raises while a setting is being measured, and the loopback GPIO4 -> GPIO5.
CIRCUIT = """\
parts:
  - {id: led1, type: led}
nets:
  - {name: led, pins: [gpio.GPIO2, led1.A]}
  - {name: ch2, pins: [gpio.GPIO12]}
  - {name: mark, pins: [gpio.GPIO13]}
  - {name: loop, pins: [gpio.GPIO4, gpio.GPIO5]}
"""


def parse_vcd(path):
    """{signal name: [(time in CPU cycles, '0'|'1'|'z'|'x'), ...]} of a boardemu VCD file."""
    with open(path) as f:
        text = f.read()
    head, body = text.split("$enddefinitions $end", 1)
    m = re.search(r"\$timescale\s+(\d+)\s*(s|ms|us|ns|ps|fs)\s+\$end", head)
    unit = int(m.group(1)) * {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15}[m.group(2)]
    names = {ident: name for ident, name in re.findall(r"\$var wire 1 (\S+) (\S+) \$end", head)}
    changes = {name: [] for name in names.values()}
    t = 0
    for tok in body.split():
        if tok.startswith("#"):
            t = round(int(tok[1:]) * unit * CPU_HZ)
        elif tok[0] in "01zx" and tok[1:] in names:
            changes[names[tok[1:]]].append((t, tok[0]))
    return changes


def windows(changes):
    """(start, end) cycle pairs of the marker's high phases."""
    out, start = [], None
    for t, v in changes:
        if v == "1":
            start = t
        elif v == "0" and start is not None:
            out.append((start, t))
            start = None
    return out


def waveform(changes, start, end):
    """Periods and high times (cycles) of the complete periods between start and end: each from
    one rising edge to the next."""
    edges = [(t, v) for t, v in changes if start <= t <= end]
    rises = [t for t, v in edges if v == "1"]
    falls = [t for t, v in edges if v == "0"]
    periods, highs = [], []
    for a, b in zip(rises, rises[1:]):
        fall = [t for t in falls if a < t < b]
        if len(fall) != 1:
            raise AssertionError("not one falling edge between rises at %d and %d: %r" % (a, b, fall))
        periods.append(b - a)
        highs.append(fall[0] - a)
    return periods, highs


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266PwmTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.dir = self._dir.name
        self.circuit = os.path.join(self.dir, "c.yaml")
        with open(self.circuit, "w") as f:
            f.write(CIRCUIT)

    def tearDown(self):
        self._dir.cleanup()

    def run_lines(self, lines, *args, virtual_ms=3000):
        """Types `lines` at the REPL and returns the UART output."""
        text = "".join(line + "\r" for line in lines)
        r = subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--firmware", ESP_FW, "--uart0", "stdio",
                            "--timeout-virtual-ms", str(virtual_ms), *args],
                           input=text.encode(), capture_output=True, timeout=120)
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, err)
        self.assertNotIn("Fatal exception", out)
        self.assertNotIn("Traceback", out)
        return out

    def run_measured(self, script, virtual_ms=4000):
        """Runs `script` (one exec()'d block, so the REPL input is all in before it starts) on
        CIRCUIT with the nets recorded; returns (output, parsed VCD)."""
        vcd = os.path.join(self.dir, "t.vcd")
        out = self.run_lines(["exec(%r)" % script, "print('DONE')"], "--circuit", self.circuit, "--vcd", vcd,
                             "--vcd-signals", "led,ch2,mark,loop", virtual_ms=virtual_ms)
        self.assertIn("\r\nDONE\r\n", out)
        return out, parse_vcd(vcd)

    def test_duty_and_frequency_on_the_net(self):
        # Two frequencies, three duties each (10 %, 50 %, 90 %), a second channel at another duty
        # sharing the frequency; each setting measured while the marker is high, after two
        # periods to take effect (a change applies at the next period start).
        settings = [(f, d) for f in (100, 1000) for d in (102, 512, 922)]
        script = "\n".join([
            "from machine import Pin, PWM",
            "import time",
            "mark = Pin(13, Pin.OUT, value=0)",
            "p = PWM(Pin(2), freq=100, duty=0)",
            "q = PWM(12, duty=256)",
            "for f, d in %r:" % settings,
            "    p.freq(f); p.duty(d)",
            "    time.sleep_ms(2 * 1000 // f + 1)",
            "    mark(1); time.sleep_ms(10 * 1000 // f + 1); mark(0)",
            "p.deinit(); q.deinit()",
        ])
        out, vcd = self.run_measured(script)
        wins = windows(vcd["mark"])
        self.assertEqual(len(wins), len(settings), vcd["mark"])
        for (freq, duty), (start, end) in zip(settings, wins):
            with self.subTest(freq=freq, duty=duty):
                periods, highs = waveform(vcd["led"], start, end)
                self.assertGreaterEqual(len(periods), 8)
                period = CPU_HZ / freq
                mean_period = sum(periods) / len(periods)
                mean_duty = sum(highs) / sum(periods)
                # The spec: within 1 %.
                self.assertLess(abs(mean_period - period) / period, 0.01, periods)
                self.assertLess(abs(mean_duty - duty / 1024) / (duty / 1024), 0.01, highs)
                # What the port does: every edge within a few cycles of its time (the ISR waits on
                # CCOUNT), so no period and no high time is more than 8 cycles off.
                for p in periods:
                    self.assertLessEqual(abs(p - period), 8, periods)
                for h in highs:
                    self.assertLessEqual(abs(h - period * duty // 1024), 8, highs)
                # The second channel, same frequency, its own duty 256/1024.
                periods2, highs2 = waveform(vcd["ch2"], start, end)
                self.assertGreaterEqual(len(periods2), 8)
                self.assertLess(abs(sum(periods2) / len(periods2) - period) / period, 0.01)
                self.assertLess(abs(sum(highs2) / sum(periods2) - 0.25) / 0.25, 0.01)
        # deinit(): both pins end low and stay there.
        self.assertEqual(vcd["led"][-1][1], "0")
        self.assertEqual(vcd["ch2"][-1][1], "0")

    def test_zero_and_full_duty_are_constant_levels(self):
        script = "\n".join([
            "from machine import Pin, PWM",
            "import time",
            "mark = Pin(13, Pin.OUT, value=0)",
            "p = PWM(Pin(2), freq=1000, duty=512)",
            "time.sleep_ms(5)",
            "p.duty_u16(65535); time.sleep_ms(3)",
            "mark(1); time.sleep_ms(10); mark(0)",
            "p.duty_u16(0); time.sleep_ms(3)",
            "mark(1); time.sleep_ms(10); mark(0)",
        ])
        _, vcd = self.run_measured(script)
        wins = windows(vcd["mark"])
        self.assertEqual(len(wins), 2)
        for (start, end), level in zip(wins, "10"):
            inside = [v for t, v in vcd["led"] if start <= t <= end]
            self.assertEqual(inside, [], "edges on a %s%% duty" % ("100" if level == "1" else "0"))
            before = [v for t, v in vcd["led"] if t < start]
            self.assertEqual(before[-1], level)

    def test_changes_take_effect_at_the_next_period_start(self):
        # 1 Hz, 50 %: high 0.5 s, then low until the next period start. Changes made in the low
        # phase (at 0.7 s) must replace the old setting at that period start: deinit() leaves the
        # pin low for good (the old setting must not raise it once more), and the second channel,
        # added during the first period, starts at the second period with the duty it was given
        # at 0.7 s.
        script = "\n".join([
            "from machine import Pin, PWM",
            "import time",
            "p = PWM(Pin(2), freq=1, duty=512); q = PWM(Pin(12), duty=512)",
            "time.sleep_ms(700)",
            "p.deinit(); q.duty(256)",
            "time.sleep_ms(2500)",
        ])
        _, vcd = self.run_measured(script, virtual_ms=5000)

        def pulses(name):
            ch = [(t, v) for t, v in vcd[name] if v in "01"]
            return [(a, b - a) for (a, v), (b, w) in zip(ch, ch[1:]) if v == "1" and w == "0"], ch

        led, raw = pulses("led")
        self.assertEqual(len(led), 1, raw)
        self.assertEqual(raw[-1][1], "0")
        self.assertLessEqual(abs(led[0][1] - CPU_HZ // 2), 8)
        ch2, raw = pulses("ch2")
        self.assertGreaterEqual(len(ch2), 3, raw)
        for i, (start, high) in enumerate(ch2):
            self.assertLessEqual(abs(start - led[0][0] - (i + 1) * CPU_HZ), 8, raw)
            self.assertLessEqual(abs(high - CPU_HZ // 4), 8, raw)

    def test_api(self):
        out = self.run_lines([
            "from machine import Pin, PWM",
            "p = PWM(Pin(2), freq=500, duty=512); print('R', p)",
            "print('F', p.freq(), p.duty(), p.duty_u16(), p.duty_ns())",
            "p.duty_u16(16384); print('U', p.duty())",
            "p.duty_ns(500000); print('N', p.duty())",
            "q = PWM(4, 100); print('S', p.freq(), q)",   # one frequency for every channel
            "p.duty(1024); print('M', p.duty_u16())",
            "p.init(freq=1, duty=1); print('I', p)",
            "exec(%r)" % "for bad in ('p.freq(0)', 'p.freq(1001)', 'p.duty(1025)', 'p.duty_u16(70000)', "
            "'p.duty_ns(-1)', 'PWM(6)', 'PWM(16)'):\n try:\n  exec(bad)\n except ValueError as e:\n  print('E', bad, e)",
            "ps = [PWM(n) for n in (0, 2, 4, 5, 12, 13, 14, 15)]",   # 8 channels, p's and q's among them
            "exec(%r)" % "try:\n PWM(9)\nexcept ValueError as e:\n print('E9', e)",
            "p.deinit(); print('D', p, Pin(2).value())",
        ])
        self.assertIn("\r\nR PWM(2, freq=500, duty=512)\r\n", out)
        self.assertIn("\r\nF 500 512 32768 1000000\r\n", out)
        self.assertIn("\r\nU 256\r\n", out)
        self.assertIn("\r\nN 256\r\n", out)
        self.assertIn("\r\nS 100 PWM(4, freq=100, duty=0)\r\n", out)
        self.assertIn("\r\nM 65535\r\n", out)
        self.assertIn("\r\nI PWM(2, freq=1, duty=1)\r\n", out)
        self.assertIn("E p.freq(0) freq must be from 1 to 1000 Hz", out)
        self.assertIn("E p.freq(1001) freq must be from 1 to 1000 Hz", out)
        self.assertIn("E p.duty(1025) duty must be from 0 to 1024", out)
        self.assertIn("E p.duty_u16(70000) duty_u16 must be from 0 to 65535", out)
        self.assertIn("E p.duty_ns(-1) duty_ns must not be negative", out)
        self.assertIn("E PWM(6) invalid pin", out)
        self.assertIn("E PWM(16) invalid pin", out)
        self.assertIn("\r\nE9 too many PWM channels (8)\r\n", out)
        self.assertIn("\r\nD PWM(2) 0\r\n", out)

    def test_time_pulse_us_on_the_loopback(self):
        # The firmware's own PWM on GPIO4 (1 kHz, 256/1024: 250 us high, 750 us low), timed on
        # GPIO5 through examples/esp8266/loopback.yaml; then a pulse of Pin.on()/off() around a
        # sleep; then timeouts on a constant level; then soft reset stops the PWM.
        out = self.run_lines([
            "from machine import Pin, PWM, time_pulse_us",
            "import time",
            "p = PWM(Pin(4), freq=1000, duty=256); i = Pin(5, Pin.IN); time_pulse_us(i, 1)",
            "print('H', time_pulse_us(i, 1)); time_pulse_us(i, 0); print('L', time_pulse_us(i, 0))",
            "p.deinit(); o = Pin(4, Pin.OUT, value=0)",
            "print('C', time_pulse_us(i, 1, 2000), time_pulse_us(i, 0, 2000))",
            "exec(%r)" % "try:\n time_pulse_us(3, 1)\nexcept TypeError as e:\n print('T', e)",
            "p = PWM(Pin(4), freq=200, duty=512)",
            "\x04",
            "from machine import Pin, time_pulse_us",
            "print('R', time_pulse_us(Pin(5, Pin.IN), 1, 20000), time_pulse_us(Pin(5), 0, 20000))",
        ], "--circuit", LOOPBACK)
        high = int(re.search(r"\r\nH (-?\d+)\r\n", out).group(1))
        low = int(re.search(r"\r\nL (-?\d+)\r\n", out).group(1))
        self.assertLessEqual(abs(high - 250), 1, out)
        self.assertLessEqual(abs(low - 750), 1, out)
        self.assertIn("\r\nC -2 -1\r\n", out)   # level 1 never comes; level 0 lasts past the timeout
        self.assertIn("\r\nT expecting a pin\r\n", out)
        self.assertIn("MPY: soft reboot", out)
        self.assertIn("\r\nR -2 -1\r\n", out)   # no PWM after the soft reset: the pin stays low


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266PwmLedTest(unittest.TestCase):
    """The LED part's brightness (the lit fraction over its last 20 ms) read through the text
    monitor while the firmware changes the PWM duty: what a user watching the LED sees."""

    def test_led_brightness_follows_the_duty(self):
        with MonitorSession("--board", "esp8266", "--circuit", LOOPBACK) as s:
            def settle():  # 40 ms of virtual time: two windows
                t0 = s.ask_number("time")
                while s.ask_number("time") < t0 + 40:
                    pass

            s.repl("from machine import PWM, Pin; p = PWM(Pin(2), freq=500, duty=256); print('duty', 256)", rb"^duty 256")
            settle()
            self.assertAlmostEqual(s.ask_number("get led1 brightness"), 0.25, delta=0.01)
            s.repl("p.duty(768); print('duty', 768)", rb"^duty 768")
            settle()
            self.assertAlmostEqual(s.ask_number("get led1 brightness"), 0.75, delta=0.01)
            s.repl("p.deinit(); print('duty', 0)", rb"^duty 0\r")
            settle()
            self.assertEqual(s.ask_number("get led1 brightness"), 0.0)
            self.assertEqual(s.quit(), 0)
