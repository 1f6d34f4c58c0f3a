"""machine.RTC, machine.Timer, machine.WDT and machine.reset_cause() of boardemu's ESP8266 port
against the RTC (peripherals/timer/esp8266_rtc.hpp), FRC2 and watchdog (esp8266_wdt.hpp) models on the
esp8266 board.

What is checked:
  - RTC.datetime() set, then read after a sleep: it has advanced by the virtual time slept
    (across a day and a leap-day boundary); time.localtime()/time.time() follow it;
  - RTC.memory() and the RTC time are kept across machine.reset(), and reset_cause() tells
    PWRON_RESET from SOFT_RESET; deepsleep() wakes at the RTC alarm with DEEPSLEEP_RESET;
  - Timer(-1) periodic callbacks: the expected number of ticks in a virtual interval, the same
    in every run; a one-shot timer fires once;
  - a WDT that is not fed resets the chip within its timeout (reset_cause() WDT_RESET), one
    that is fed does not.

After a restart (machine.reset(), a watchdog reset) the REPL's pending input would be lost with
the firmware's RAM, so what runs after the restart is a boot.py written to the flash filesystem
beforehand: it prints what the new start sees.

Run by ctest (tests/firmware/CMakeLists.txt) as `python3 -m unittest -v test_esp8266_rtc`, with
BOARDEMU pointing at the binary; the firmware is built by `make -C firmware esp8266`. Each run
ends at a virtual-time limit (exit status 124); the checks are on the UART output.
"""

import os
import re
import subprocess
import unittest

from test_esp8266 import BOARDEMU, ESP_FW, EXIT_TIME_LIMIT

# Printed by boot.py at every start: reset cause, RTC memory, RTC time (ms since 2000).
BOOT_PY = ("import machine, time\\n"
           "r = machine.RTC()\\n"
           "print(\"BOOT\", machine.reset_cause(), r.memory(), time.time_ns() // 1000000)\\n")


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266RtcTest(unittest.TestCase):
    def run_lines(self, lines, virtual_ms=4000):
        text = "".join(line + "\r" for line in lines)
        r = subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--firmware", ESP_FW, "--uart0", "stdio",
                            "--timeout-virtual-ms", str(virtual_ms)],
                           input=text.encode(), capture_output=True, timeout=180)
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, err)
        self.assertNotIn("Fatal exception", out)
        self.assertNotIn("Traceback", out, out)
        return out

    def test_datetime_advances_by_the_virtual_time_slept(self):
        out = self.run_lines([
            "import machine, time",
            "rtc = machine.RTC()",
            # 2024-02-28 is a Wednesday (weekday 2); the weekday given is ignored.
            "rtc.datetime((2024, 2, 28, 0, 23, 59, 58, 500)); print('SET', rtc.datetime())",
            "time.sleep_ms(2700); d = rtc.datetime(); print('LATER', d[:7], d[7] // 100)",
            "print('LOCAL', time.localtime()[:6], time.gmtime()[:6] == time.localtime()[:6])",
            "print('TIME', time.time() == time.mktime(time.localtime()))",
        ])
        self.assertRegex(out, r"\r\nSET \(2024, 2, 28, 2, 23, 59, 58, 5\d\d\)\r\n")
        # 58.5 s + 2.7 s = 61.2 s: one day and one leap day later, 00:00:01.2 on Thursday
        # 2024-02-29 (weekday 3); the extra tenths are the few ms the lines take.
        self.assertIn("\r\nLATER (2024, 2, 29, 3, 0, 0, 1) 2\r\n", out)
        self.assertIn("\r\nLOCAL (2024, 2, 29, 0, 0, 1) True\r\n", out)
        self.assertIn("\r\nTIME True\r\n", out)

    def test_time_across_the_rtc_timer_wrap(self):
        # The 32-bit RTC timer wraps after 2^32 / 150 kHz = 28633 s (7.95 h); the firmware's
        # 64-bit extension (refreshed by the 13 s housekeeping interrupt, since nothing reads the
        # time during the sleep) must keep the time exact across two wraps. Sleeping with
        # WAITI, the 16.7 h take a few seconds of host time.
        out = self.run_lines([
            "import machine, time",
            "machine.RTC().datetime((2025, 12, 31, 0, 23, 0, 0, 0)); time.sleep(60000); "
            "print('WRAP', machine.RTC().datetime()[:7], machine.mem32[0x6000071c])",
        ], virtual_ms=60_002_000)
        # 23:00 + 60000 s = 15:40:00 on 2026-01-01 (a Thursday: weekday 3); the RTC timer has
        # wrapped twice (it reads (60000 s + boot) * 150 kHz - 2 * 2^32, about 410 M).
        m = re.search(r"\r\nWRAP \(2026, 1, 1, 3, 15, 40, 0\) (\d+)\r\n", out)
        self.assertIsNotNone(m, out)
        self.assertLess(int(m.group(1)), 60001 * 150000 - 2 * 2**32)
        self.assertGreater(int(m.group(1)), 60000 * 150000 - 2 * 2**32)

    def test_memory_and_time_kept_across_machine_reset(self):
        out = self.run_lines([
            "import machine, time",
            "with open('boot.py', 'w') as f: f.write('%s')" % BOOT_PY,
            "",
            "rtc = machine.RTC(); print('CAUSE', machine.reset_cause(), machine.reset_cause() == machine.PWRON_RESET)",
            "print('EMPTY', rtc.memory())",
            "rtc.memory(b'kept across reset'); rtc.datetime((2030, 6, 1, 0, 12, 0, 0, 0))",
            "print('BEFORE', time.time_ns() // 1000000); machine.reset()",
        ])
        self.assertIn("\r\nCAUSE 0 True\r\n", out)
        self.assertIn("\r\nEMPTY b''\r\n", out)
        before = int(re.search(r"\r\nBEFORE (\d+)\r\n", out).group(1))
        m = re.search(r"\r\nBOOT (\d+) b'kept across reset' (\d+)\r\n", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(int(m.group(1)), 4)   # machine.SOFT_RESET
        # The clock kept running through the restart (a few ms of boot), not restarted at 2000.
        self.assertGreaterEqual(int(m.group(2)) - before, 0)
        self.assertLess(int(m.group(2)) - before, 1000)
        self.assertGreater(before, 30 * 365 * 86400 * 1000)
        # Too much for RTC memory: refused (upstream's limit, 492 bytes).
        out = self.run_lines(["import machine; r = machine.RTC(); r.memory(bytes(492)); print('LEN', len(r.memory()))",
                              "try:\r r.memory(bytes(493))\rexcept ValueError as e:\r print('ERR', e)\r"])
        self.assertIn("\r\nLEN 492\r\n", out)
        self.assertIn("\r\nERR buffer too long\r\n", out)

    def test_deepsleep_until_the_rtc_alarm(self):
        out = self.run_lines([
            "import machine, time",
            "with open('boot.py', 'w') as f: f.write('%s')" % BOOT_PY,
            "",
            "rtc = machine.RTC(); rtc.irq(trigger=rtc.ALARM0, wake=machine.DEEPSLEEP)",
            "rtc.alarm(rtc.ALARM0, 2000); print('LEFT', rtc.alarm_left() // 100, time.time_ns() // 1000000); "
            "machine.deepsleep()",
        ], virtual_ms=5000)
        m0 = re.search(r"\r\nLEFT 19 (\d+)\r\n", out)
        m1 = re.search(r"\r\nBOOT (\d+) b'' (\d+)\r\n", out)
        self.assertIsNotNone(m0, out)
        self.assertIsNotNone(m1, out)
        self.assertEqual(int(m1.group(1)), 5)   # machine.DEEPSLEEP_RESET
        # Woken by the alarm 2 s later (boot.py runs after the firmware's start).
        self.assertGreaterEqual(int(m1.group(2)) - int(m0.group(1)), 2000)
        self.assertLess(int(m1.group(2)) - int(m0.group(1)), 2300)

    TIMER_LINES = [
        "import machine, time",
        "c = [0, 0]",
        "def tick(t): c[0] += 1",
        "",
        "def once(t): c[1] += 1",
        "",
        "p = machine.Timer(-1); o = machine.Timer(-1)",
        # Started and stopped on one line, so that typing speed does not count.
        "p.init(period=10, mode=machine.Timer.PERIODIC, callback=tick); "
        "o.init(period=50, mode=machine.Timer.ONE_SHOT, callback=once); "
        "time.sleep_ms(1005); p.deinit(); n = c[0]; time.sleep_ms(100); print('TICKS', n, c[0], c[1])",
        "print(p, o)",
    ]

    def test_timer_periodic_and_one_shot(self):
        out = self.run_lines(self.TIMER_LINES)
        # 1005 ms with a 10 ms period: 100 ticks; none after deinit(); the one-shot fired once.
        self.assertIn("\r\nTICKS 100 100 1\r\n", out)
        self.assertIn("Timer(mode=PERIODIC, period=10) Timer(mode=ONE_SHOT, period=50)", out)
        # Deterministic: the same output on another run.
        self.assertEqual(out, self.run_lines(self.TIMER_LINES))

    def test_watchdog_not_fed_resets_within_its_timeout(self):
        out = self.run_lines([
            "import machine, time",
            "with open('boot.py', 'w') as f: f.write('%s')" % BOOT_PY,
            "",
            "print('START', time.time_ns() // 1000000); w = machine.WDT(timeout=1000); time.sleep_ms(3000); print('SURVIVED')",
        ], virtual_ms=6000)
        self.assertNotIn("\r\nSURVIVED", out)
        start = int(re.search(r"\r\nSTART (\d+)\r\n", out).group(1))
        m = re.search(r"\r\nBOOT (\d+) b'' (\d+)\r\n", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(int(m.group(1)), 1)   # machine.WDT_RESET
        # The chip reset within the 1000 ms timeout (2^10 + 2^7 ticks of 0.8 ms = 921.6 ms);
        # boot.py then ran after the firmware's start (mounting the filesystem).
        elapsed = int(m.group(2)) - start
        self.assertGreater(elapsed, 900)
        self.assertLess(elapsed, 921 + 300)

    def test_watchdog_fed_does_not_reset(self):
        out = self.run_lines([
            "import machine, time",
            "with open('boot.py', 'w') as f: f.write('%s')" % BOOT_PY,
            "",
            "w = machine.WDT(timeout=1000)",
            "for i in range(20):\r time.sleep_ms(800); w.feed()\r\r",
            "print('FED', machine.reset_cause())",
        ], virtual_ms=25000)
        # 16 s of feeding every 0.8 s: no reset; left unfed afterwards, it resets the chip.
        self.assertIn("\r\nFED 0\r\n", out)
        # (boot.py prints right after the idle REPL's prompt.)
        self.assertEqual(out.count(">>> BOOT 1 b'' "), 1, out)
        self.assertLess(out.index("\r\nFED 0\r\n"), out.index(">>> BOOT 1 "))

    def test_bad_arguments(self):
        out = self.run_lines([
            "import machine",
            "for a in ((1, 1000), (0, 1), (0, 60000)):\r try:\r  machine.WDT(a[0], a[1])\r except ValueError as e:\r  print('WDT', e)\r\r",
            "try:\r machine.Timer(3)\rexcept ValueError as e:\r print('TIMER', e)\r",
            "try:\r machine.RTC().alarm(1, 10)\rexcept ValueError as e:\r print('ALARM', e)\r",
        ])
        self.assertIn("\r\nWDT WDT doesn't exist\r\n", out)
        self.assertEqual(out.count("WDT timeout must be 2..52428 ms\r\n"), 2, out)
        self.assertIn("\r\nTIMER Timer doesn't exist\r\n", out)
        self.assertIn("\r\nALARM invalid alarm\r\n", out)


if __name__ == "__main__":
    unittest.main()
