"""The esp8266 board's flash kept in a host file (`--flash FILE`, issue 10): the littlefs
filesystem at "/" with boot.py and main.py, files that survive soft resets and new runs, a
`kill -9` at random moments that loses nothing the firmware saw written, the EEPROM part's
memory beside it, and bad --flash files refused before the run.
"""

import os
import random
import signal
import subprocess
import time
import unittest

from test_cli_hardening import Case
from test_firmware import BOARDEMU, ROOT

ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
EXAMPLE = os.path.join(ROOT, "examples", "esp8266", "eeprom-led.yaml")
EXIT_BAD_INPUT, EXIT_TIME_LIMIT = 3, 124
FLASH_SIZE = 4 * 1024 * 1024
RAW_SECTOR = 0x3F0000  # a raw-write sector for the kill test (its flash file is thrown away)


def run(*args, stdin=b"", virtual_ms=4000, timeout=120):
    return subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--timeout-virtual-ms", str(virtual_ms), *args],
                          input=stdin, capture_output=True, timeout=timeout)


def paste(code):
    """The REPL's paste mode (Ctrl-E ... Ctrl-D): a block of code as one unit."""
    return b"\x05" + code.encode().replace(b"\n", b"\r") + b"\x04"


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class FlashFileTest(Case):
    def flash(self):
        return os.path.join(self.dir, "flash.bin")

    def test_first_run_creates_the_file_with_the_firmware_in_it(self):
        r = run("--flash", self.flash(), stdin=b"print('up')\r")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        out = r.stdout.decode(errors="replace")
        self.assertIn("Making a littlefs filesystem", out)
        self.assertIn("up", out)
        self.assertEqual(os.path.getsize(self.flash()), FLASH_SIZE)
        with open(self.flash(), "rb") as f:
            data = f.read()
        # The firmware's flash segments are at the chip's start (the cache window); the
        # filesystem area begins at 1 MiB with littlefs's superblock ("littlefs" magic).
        self.assertNotEqual(data[:64], b"\xff" * 64)
        self.assertTrue(b"littlefs" in data[0x100000:0x102000], "no littlefs superblock at 1 MiB")
        # A second run finds the filesystem: no new one is made.
        r = run("--flash", self.flash(), stdin=b"print('again')\r")
        self.assertNotIn("Making a littlefs filesystem", r.stdout.decode(errors="replace"))

    def test_files_survive_soft_reset_and_a_new_run_and_boot_main_run(self):
        code = ("with open('/data.txt', 'w') as f:\n f.write('kept %d' % 42)\n"
                "with open('/boot.py', 'w') as f:\n f.write('print(\"boot.py ran\")\\n')\n"
                "with open('/main.py', 'w') as f:\n f.write('print(\"main.py ran\")\\n')\n")
        r = run("--flash", self.flash(), stdin=paste(code) + b"\x04" + b"print(open('/data.txt').read())\r")
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        after_reset = out.split("soft reboot", 1)
        self.assertEqual(len(after_reset), 2, out)
        # After the soft reset boot.py and then main.py ran, and the file is still there.
        self.assertRegex(after_reset[1], r"boot.py ran\s+main.py ran")
        self.assertIn("kept 42", after_reset[1])
        r = run("--flash", self.flash(), stdin=b"import os\rprint(sorted(os.listdir('/')), open('/data.txt').read())\r")
        out = r.stdout.decode(errors="replace")
        self.assertRegex(out, r"boot.py ran\s+main.py ran")
        self.assertIn("['boot.py', 'data.txt', 'main.py'] kept 42", out)
        # Without --flash every run starts from an erased chip.
        r = run(stdin=b"import os\rprint(sorted(os.listdir('/')))\r")
        self.assertIn("['boot.py']", r.stdout.decode(errors="replace"))

    def kill_at_random_line(self, code, flash, lines_before_kill):
        """Runs `code` under --flash and SIGKILLs the emulator right after reading that many
        lines starting with '#'. Returns the numbers printed on those lines."""
        p = subprocess.Popen([BOARDEMU, "run", "--board", "esp8266", "--flash", flash], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.stdin.write(paste(code))
            p.stdin.flush()
            seen = []
            deadline = time.monotonic() + 120
            while len(seen) < lines_before_kill and time.monotonic() < deadline:
                line = p.stdout.readline()
                if not line:
                    break
                if line.startswith(b"#"):
                    seen.append(int(line[1:]))
            p.send_signal(signal.SIGKILL)
        finally:
            p.wait(timeout=30)
            for f in (p.stdin, p.stdout, p.stderr):
                f.close()
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.assertEqual(len(seen), lines_before_kill, "the firmware stopped printing early")
        return seen

    def test_kill_9_at_random_points_loses_no_completed_program(self):
        seed = int(os.environ.get("BOARDEMU_TEST_SEED", str(random.randrange(1 << 30))))
        rng = random.Random(seed)
        code = ("import esp\n"
                f"esp.flash_erase({RAW_SECTOR // 4096})\n"
                "b = bytearray(4)\n"
                "for i in range(1024):\n"
                " b[0] = i & 255; b[1] = i >> 8; b[2] = 0x5A; b[3] = 0xA5\n"
                f" esp.flash_write({RAW_SECTOR} + 4 * i, b)\n"
                " print('#%d' % i)\n")
        for attempt in range(3):
            flash = os.path.join(self.dir, f"kill{attempt}.bin")
            k = rng.randrange(20, 1000)
            seen = self.kill_at_random_line(code, flash, k)
            with open(flash, "rb") as f:
                f.seek(RAW_SECTOR)
                sector = f.read(4096)
            for i in seen:  # every record the firmware reported written is in the file
                self.assertEqual(sector[4 * i:4 * i + 4], bytes([i & 255, i >> 8, 0x5A, 0xA5]),
                                 f"record {i} lost (seed {seed}, killed after {k} lines)")
            for i in range(seen[-1] + 1, 1024):  # the rest: written after the print, or erased
                rec = sector[4 * i:4 * i + 4]
                self.assertIn(rec, (b"\xff" * 4, bytes([i & 255, i >> 8, 0x5A, 0xA5])),
                              f"record {i} corrupt (seed {seed})")

    def test_kill_9_during_file_writes_keeps_the_closed_files(self):
        flash = self.flash()
        run("--flash", flash, stdin=b"print('formatted')\r")  # makes the filesystem
        code = ("for i in range(200):\n"
                " with open('/f%d.txt' % i, 'w') as f:\n"
                "  f.write('file %d ' % i * 8)\n"
                " print('#%d' % i)\n")
        k = random.randrange(5, 150)
        seen = self.kill_at_random_line(code, flash, k)
        check = ("n = 0\nfor i in range(COUNT):\n"
                 " if open('/f%d.txt' % i).read() == 'file %d ' % i * 8: n += 1\n"
                 "print('intact', n)\n").replace("COUNT", str(seen[-1] + 1))
        # Opening n files in one littlefs directory costs O(n) each: allow the emulated time.
        r = run("--flash", flash, stdin=paste(check), virtual_ms=60000)
        self.assertIn("intact %d" % (seen[-1] + 1), r.stdout.decode(errors="replace"), r.stderr.decode())

    def test_eeprom_part_keeps_its_memory_beside_the_flash(self):
        code = ("from machine import Pin, SoftI2C\nimport time\n"
                "i2c = SoftI2C(scl=Pin(5), sda=Pin(4))\n"
                "i2c.writeto_mem(0x50, 0x0100, b'saved!', addrsize=16)\n"
                "time.sleep_ms(10)\nprint('written')\n")
        r = run("--flash", self.flash(), "--circuit", EXAMPLE, stdin=paste(code))
        self.assertIn("written", r.stdout.decode(errors="replace"), r.stderr.decode())
        with open(self.flash() + ".eeprom1", "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 4096)
        self.assertEqual(data[0x100:0x106], b"saved!")
        code = ("from machine import Pin, SoftI2C\n"
                "i2c = SoftI2C(scl=Pin(5), sda=Pin(4))\n"
                "print('read', i2c.readfrom_mem(0x50, 0x0100, 6, addrsize=16))\n")
        r = run("--flash", self.flash(), "--circuit", EXAMPLE, stdin=paste(code))
        self.assertIn("read b'saved!'", r.stdout.decode(errors="replace"))

    def test_bad_flash_files_are_refused_before_the_run(self):
        small = os.path.join(self.dir, "small.bin")
        with open(small, "wb") as f:
            f.write(b"\xff" * 1000)
        self.one_line(run("--flash", small), EXIT_BAD_INPUT, small, "is 1000 bytes", "4194304 bytes")
        with open(small, "rb") as f:
            self.assertEqual(f.read(), b"\xff" * 1000)  # left as it was
        self.one_line(run("--flash", self.dir), EXIT_BAD_INPUT, self.dir)
        self.one_line(run("--flash", os.path.join(self.dir, "no", "such", "dir.bin")), EXIT_BAD_INPUT, "cannot create")
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        self.one_line(run("--flash", fifo, timeout=20), EXIT_BAD_INPUT, "is a FIFO")
        if os.getuid() != 0:  # root reads anything
            ro = os.path.join(self.dir, "ro.bin")
            with open(ro, "wb") as f:
                f.write(b"\xff" * FLASH_SIZE)
            os.chmod(ro, 0o400)
            self.one_line(run("--flash", ro), EXIT_BAD_INPUT, ro, "Permission denied")


if __name__ == "__main__":
    unittest.main()
