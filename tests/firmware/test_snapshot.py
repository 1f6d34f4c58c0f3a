"""Whole-machine snapshots (`run --save-snapshot FILE --at-virtual-ms N`, `--load-snapshot FILE`),
end to end on every board.

The determinism check (SnapshotCase.check_restore): the unbroken run A saves S1 at T; the same
run saves S2 at T2 instead; run B loads S1 and saves S2' at T2. Then S2 and S2' are equal byte for
byte, B's UART output is exactly what A printed after T, both end with the same cycle and
instruction counts, and their flash files hold the same bytes. Saving at T does not change A
either (its output and counts equal those of a run without it). Each workload does real work
after T: MicroPython executing a script typed over the UART before T (computation, sleeps on the
board's timers, littlefs writes to the SPI flash), the weather station's main.py at boot (I2C to
the BME280, SSD1306 and 24LC32 EEPROM, LED, sleeps), SPI to a W25Q32 through HSPI.

Bad snapshot files (garbage, empty, truncated, damaged, another board, another circuit, another
format version, missing, a directory) are refused with one line on stderr and exit status 3.
"""

import math
import os
import re
import shutil
import struct
import subprocess
import unittest

from test_cli_hardening import Case
from test_firmware import ARM_FW, BOARDEMU, ROOT, RV_FW

ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
SIM_FW = os.path.join(ROOT, "build", "firmware", "LX106_SIM", "firmware.elf")
EXAMPLES = os.path.join(ROOT, "examples", "esp8266")
WEATHER = os.path.join(EXAMPLES, "weather-station.yaml")
SPI_FLASH = os.path.join(EXAMPLES, "spi-flash.yaml")
EXIT_BAD_INPUT = 3
EXIT_TIME_LIMIT = 124
STATS = re.compile(rb"boardemu: (\d+) cycles \([\d.]+ s virtual\), (\d+) instructions")


def paste(code):
    """The REPL's paste mode (Ctrl-E ... Ctrl-D): a block of code as one unit, and no byte left
    over for the host to hand the guest later (all input is taken before the snapshot)."""
    return b"\x05" + code.encode().replace(b"\n", b"\r") + b"\x04"


# Work done after the snapshot: arithmetic, allocation (the garbage collector runs), output. (The
# upstream ports/qemu firmware has no time module.)
COMPUTE = """for i in range(40):
    l = [str(j) for j in range(i * 8)]
    print('step', i, sum(range(i * 200)), len(''.join(l)))
print('done')
"""

# Output as fast as the UART sends it: the snapshot falls with the transmit FIFO full and a
# character half sent, the guest polling for room (a field of the UART model left out of its
# save state changes the restored run's timing here).
PRINT = """for i in range(3000):
    print(i, i * i)
"""

# The same on the esp8266 board, plus littlefs writes (SPI0 flash erase and program).
ESP_COMPUTE = """import time, os
for i in range(30):
    time.sleep_ms(11)
    with open('log.txt', 'a') as f:
        f.write('line %d %d\\n' % (i, sum(range(i * 200))))
    print('step', i, os.stat('log.txt')[6], time.ticks_ms() // 10)
print('done')
"""

# SPI through HSPI to the W25Q32 of examples/esp8266/spi-flash.yaml: erase, program and read
# back a page in each round, polling the status register while the chip is busy.
ESP_SPI = """from machine import Pin, SPI
cs = Pin(15, Pin.OUT, value=1)
spi = SPI(1, baudrate=4000000)
def xfer(out):
    inb = bytearray(len(out)); cs(0); spi.write_readinto(out, inb); cs(1); return inb
def busy():
    return xfer(b'\\x05\\x00')[1] & 1
for r in range(12):
    xfer(b'\\x06'); xfer(b'\\x20\\x00\\x30\\x00')
    while busy(): pass
    page = bytes((i * 37 + r) & 255 for i in range(64))
    xfer(b'\\x06'); xfer(b'\\x02\\x00\\x30\\x00' + page)
    while busy(): pass
    back = xfer(b'\\x03\\x00\\x30\\x00' + bytes(64))[4:]
    print('round', r, back == page, back[:4].hex())
print('done')
"""


def upload_weather_station():
    out = b""
    for path in [os.path.join(EXAMPLES, "lib", "bme280.py"), os.path.join(EXAMPLES, "lib", "ssd1306.py"),
                 os.path.join(EXAMPLES, "weather-station", "main.py")]:
        with open(path) as f:
            text = f.read()
        out += paste("with open(%r, 'w') as f:\n f.write(%r)\n" % (os.path.basename(path), text))
    return out


class SnapshotCase(Case):
    def boardemu(self, *args, stdin=b"", timeout=300):
        return subprocess.run([BOARDEMU, "run", *args], input=stdin, capture_output=True, timeout=timeout)

    def stats(self, r):
        m = STATS.search(r.stderr)
        self.assertTrue(m, r.stderr.decode(errors="replace"))
        return int(m.group(1)), int(m.group(2))

    def ended(self, r):
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode(errors="replace") + r.stdout.decode(errors="replace")[-2000:])

    def check_restore(self, args, stdin, t, t2, end, flash=None, parts=()):
        """The determinism check of the module docstring. `flash`: a prepared flash file each run
        gets a copy of (with `parts`' memories beside it). Returns (A's output, B's output)."""
        def copy(tag):
            if not flash:
                return []
            dst = os.path.join(self.dir, tag + ".flash")
            shutil.copyfile(flash, dst)
            for p in parts:
                if os.path.exists(flash + "." + p):
                    shutil.copyfile(flash + "." + p, dst + "." + p)
            return ["--flash", dst]

        s1, s2, s2b = (os.path.join(self.dir, n) for n in ("s1.snap", "s2.snap", "s2b.snap"))
        common = [*args, "--stats"]
        plain = self.boardemu(*common, *copy("plain"), "--timeout-virtual-ms", str(end), stdin=stdin)
        a = self.boardemu(*common, *copy("a"), "--timeout-virtual-ms", str(end), "--save-snapshot", s1,
                          "--at-virtual-ms", str(t), stdin=stdin)
        a2 = self.boardemu(*common, *copy("a2"), "--timeout-virtual-ms", str(end), "--save-snapshot", s2,
                           "--at-virtual-ms", str(t2), stdin=stdin)
        upto = self.boardemu(*common, *copy("upto"), "--timeout-virtual-ms", str(t), stdin=stdin)
        b = self.boardemu(*common, *copy("b"), "--timeout-virtual-ms", str(end), "--load-snapshot", s1,
                          "--save-snapshot", s2b, "--at-virtual-ms", str(t2))
        for r in (plain, a, a2, upto, b):
            self.ended(r)
        # Saving changes nothing in the run that saves.
        self.assertEqual(a.stdout, plain.stdout)
        self.assertEqual(a2.stdout, plain.stdout)
        self.assertEqual(self.stats(a), self.stats(plain))
        self.assertEqual(self.stats(a2), self.stats(plain))
        # The restored run: the same machine at T2, byte for byte, the same output after T, the
        # same counts at the end.
        with open(s2, "rb") as f1, open(s2b, "rb") as f2:
            self.assertTrue(f1.read() == f2.read(), "the snapshot at T2 of the restored run differs")
        self.assertEqual(upto.stdout + b.stdout, a.stdout)
        self.assertEqual(self.stats(b), self.stats(a))
        if flash:
            for suffix in ["", *("." + p for p in parts)]:
                with open(os.path.join(self.dir, "a.flash" + suffix), "rb") as fa, \
                        open(os.path.join(self.dir, "b.flash" + suffix), "rb") as fb:
                    self.assertTrue(fa.read() == fb.read(), "flash file%s differs" % suffix)
        return a.stdout.decode(errors="replace"), b.stdout.decode(errors="replace")


class SnapshotDeterminismTest(SnapshotCase):
    @unittest.skipUnless(os.path.exists(ARM_FW), "MPS2_AN385 firmware not built (make build)")
    def test_mps2_an385_script_typed_before_the_snapshot(self):
        a, b = self.check_restore(["--board", "mps2-an385"], paste(COMPUTE), 300, 1200, 3000)
        self.assertIn("step 0 ", a)
        self.assertNotIn("step 0 ", b)  # B starts at T, after the script began
        self.assertIn("step 39 ", b)
        self.assertIn("done", b)

    @unittest.skipUnless(os.path.exists(RV_FW), "VIRT_RV32 firmware not built (make build)")
    def test_virt_rv32_script_typed_before_the_snapshot(self):
        a, b = self.check_restore(["--board", "virt-rv32"], paste(COMPUTE), 200, 500, 900)
        self.assertIn("step 39 ", b)
        self.assertIn("done", b)

    @unittest.skipUnless(os.path.exists(ARM_FW), "MPS2_AN385 firmware not built (make build)")
    def test_mps2_an385_uart_bound_output(self):
        a, b = self.check_restore(["--board", "mps2-an385"], paste(PRINT), 333, 700, 1100)
        self.assertGreater(b.count("\n"), 100, "too little output after T")

    @unittest.skipUnless(os.path.exists(RV_FW), "VIRT_RV32 firmware not built (make build)")
    def test_virt_rv32_uart_bound_output(self):
        a, b = self.check_restore(["--board", "virt-rv32"], paste(PRINT), 333, 700, 1100)
        self.assertGreater(b.count("\n"), 100, "too little output after T")

    @unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
    def test_esp8266_uart_bound_output(self):
        a, b = self.check_restore(["--board", "esp8266"], paste(PRINT), 1203, 1700, 2500)
        self.assertGreater(b.count("\n"), 100, "too little output after T")

    @unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
    def test_esp8266_script_with_littlefs_writes(self):
        flash = os.path.join(self.dir, "prep.flash")
        # Boot once with the flash file, so that littlefs is made before (not during) the runs.
        r = self.boardemu("--board", "esp8266", "--flash", flash, "--timeout-virtual-ms", "1500")
        self.ended(r)
        a, b = self.check_restore(["--board", "esp8266"], paste(ESP_COMPUTE), 700, 1300, 3500, flash=flash)
        self.assertIn("step 29 ", b)
        self.assertIn("done", b)

    def mid_byte_times(self, args, until_ms, clock="i2c_scl", gap_ms=0.02, stdin=b""):
        """Whole milliseconds of virtual time that fall between two edges of net `clock` less
        than `gap_ms` apart (inside a byte), from the VCD of a run of `until_ms`."""
        vcd = os.path.join(self.dir, "clock.vcd")
        r = self.boardemu(*args, "--timeout-virtual-ms", str(until_ms), "--vcd", vcd, "--vcd-signals", clock,
                          stdin=stdin)
        self.ended(r)
        with open(vcd) as f:
            text = f.read()
        scale = re.search(r"\$timescale (\d+) ps \$end", text)
        self.assertTrue(scale, text[:300])
        edges = [int(t) * int(scale.group(1)) / 1e9 for t in re.findall(r"^#(\d+)$", text, re.M)][1:]
        return [math.ceil(a) for a, b in zip(edges, edges[1:]) if b - a < gap_ms and math.ceil(a) < b]

    @unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
    def test_esp8266_weather_station_i2c_eeprom_led(self):
        flash = os.path.join(self.dir, "prep.flash")
        r = self.boardemu("--board", "esp8266", "--circuit", WEATHER, "--flash", flash,
                          "--timeout-virtual-ms", "8000", stdin=upload_weather_station())
        self.ended(r)
        # main.py runs at boot: a reading every second (I2C to the sensor, the display and the
        # EEPROM, whose write cycle the driver waits out), the LED blinking. Both snapshots fall
        # inside an I2C byte: the bit-level engines, the bus and the targets are caught mid-message.
        args = ["--board", "esp8266", "--circuit", WEATHER]
        shutil.copyfile(flash, os.path.join(self.dir, "vcd.flash"))
        times = self.mid_byte_times([*args, "--flash", os.path.join(self.dir, "vcd.flash")], 4000)
        t = next((m for m in times if m > 1200), None)
        t2 = next((m for m in times if t and m > t + 500), None)
        self.assertTrue(t and t2, times)
        a, b = self.check_restore(args, b"", t, t2, t2 + 1500, flash=flash, parts=("eeprom1",))
        self.assertIn("reading 1:", a)
        self.assertRegex(b, r"reading [2-9]: 21.50 C")

    @unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
    def test_esp8266_hspi_to_w25q32(self):
        # Both snapshots fall inside an SPI frame the HSPI controller is clocking out edge by
        # edge (at 4 MHz, edges 125 ns apart): the controller's edge list, the W25Q's bit engine
        # and its instruction state are caught mid-frame.
        args = ["--board", "esp8266", "--circuit", SPI_FLASH]
        times = self.mid_byte_times(args, 2600, clock="spi_sck", gap_ms=0.001, stdin=paste(ESP_SPI))
        t = next((m for m in times if m > 500), None)  # the script was typed by about 280 ms
        t2 = next((m for m in times if t and m > t + 250), None)
        self.assertTrue(t and t2, times)
        a, b = self.check_restore(args, paste(ESP_SPI), t, t2, 2600)
        self.assertIn("round 11 True", b)
        self.assertNotIn("False", a)

    @unittest.skipUnless(os.path.exists(SIM_FW), "LX106_SIM firmware not built (make build)")
    def test_lx106_sim(self):
        # SIMCALL console input: the whole line is read before T (no byte left in the pipe).
        script = 'exec("for i in range(40):\\n print(i, sum(range(i * 400)))")\r'
        a, b = self.check_restore(["--board", "lx106-sim", "--firmware", SIM_FW], script.encode(), 300, 700, 1200)
        self.assertIn("39 ", b)


@unittest.skipUnless(os.path.exists(RV_FW) and os.path.exists(ESP_FW), "firmware not built (make build)")
class SnapshotBadInputTest(SnapshotCase):
    def save(self, board, at_ms, *extra):
        path = os.path.join(self.dir, "%s-%d.snap" % (board, at_ms))
        r = self.boardemu("--board", board, *extra, "--timeout-virtual-ms", str(at_ms + 10), "--save-snapshot", path,
                          "--at-virtual-ms", str(at_ms))
        self.ended(r)
        with open(path, "rb") as f:
            return path, f.read()

    def load(self, path, board="virt-rv32", *extra):
        return self.boardemu("--board", board, *extra, "--timeout-virtual-ms", "200", "--load-snapshot", path)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_bad_files_are_refused_with_one_line(self):
        path, good = self.save("virt-rv32", 50)
        self.ended(self.load(path))  # the good one loads
        # Header fields: magic, version (u32 at 8), then the boardemu version text.
        wrong_version = bytearray(good)
        current = struct.unpack("<I", good[8:12])[0]
        wrong_version[8:12] = struct.pack("<I", current + 1)
        damaged = bytearray(good)
        damaged[len(good) // 2] ^= 0x55
        cases = [
            ("garbage.snap", b"hello world, not a snapshot at all", "not a boardemu snapshot"),
            ("empty.snap", b"", "not a boardemu snapshot"),
            ("header-only.snap", good[:14], "truncated at byte 14"),
            ("half.snap", good[:len(good) // 2], "truncated at byte %d of %d (section " % (len(good) // 2, len(good))),
            ("tail-cut.snap", good[:-3], "truncated at byte %d" % (len(good) - 3)),
            ("longer.snap", good + b"\0\0", "2 bytes after the end of the snapshot"),
            ("version.snap", bytes(wrong_version),
             "format version %d, this boardemu reads %d" % (current + 1, current)),
            ("damaged.snap", bytes(damaged), "checksum mismatch"),
        ]
        for name, data, message in cases:
            with self.subTest(name):
                p = self.write(name, data)
                line = self.one_line(self.load(p), EXIT_BAD_INPUT, p + ": ", message)
                self.assertTrue(line.startswith("boardemu: "), line)

    def test_another_board_or_circuit_is_refused(self):
        path, _ = self.save("esp8266", 50)
        self.one_line(self.load(path, "virt-rv32"), EXIT_BAD_INPUT,
                      path + ": made for board 'esp8266', this is 'virt-rv32'")
        self.one_line(self.load(path, "esp8266", "--circuit", WEATHER), EXIT_BAD_INPUT,
                      path + ": made for another description of board 'esp8266' or another circuit")
        self.ended(self.load(path, "esp8266"))

    def test_missing_file_directory_and_option_misuse(self):
        missing = os.path.join(self.dir, "nope.snap")
        self.one_line(self.load(missing), EXIT_BAD_INPUT, missing + ": cannot read: No such file or directory")
        self.one_line(self.load(self.dir), EXIT_BAD_INPUT, self.dir + ": is a directory")
        out = os.path.join(self.dir, "x.snap")
        self.one_line(self.boardemu("--board", "virt-rv32", "--save-snapshot", out), 2, "--save-snapshot needs --at-virtual-ms N")
        self.one_line(self.boardemu("--board", "virt-rv32", "--at-virtual-ms", "5"), 2, "--at-virtual-ms needs --save-snapshot FILE")
        self.one_line(self.boardemu("--board", "virt-rv32", "--save-snapshot", out, "--at-virtual-ms", "x5"), 2,
                      "--at-virtual-ms: expected a whole number")
        nodir = os.path.join(self.dir, "no", "such", "dir.snap")
        r = self.boardemu("--board", "virt-rv32", "--timeout-virtual-ms", "100", "--save-snapshot", nodir,
                          "--at-virtual-ms", "10")
        self.one_line(r, 4, "--save-snapshot: " + nodir + ": cannot write")
        # A run that ends before the snapshot time says so and fails.
        r = self.boardemu("--board", "virt-rv32", "--timeout-virtual-ms", "20", "--save-snapshot", out,
                          "--at-virtual-ms", "50")
        self.assertIn(b"no snapshot written", r.stderr)
        self.assertFalse(os.path.exists(out))
        # Saving before the loaded snapshot's time.
        path, _ = self.save("virt-rv32", 50)
        r = self.boardemu("--board", "virt-rv32", "--load-snapshot", path, "--save-snapshot", out, "--at-virtual-ms", "20")
        self.one_line(r, 2, "--at-virtual-ms: 20 ms is before the loaded snapshot's time")


if __name__ == "__main__":
    unittest.main()
