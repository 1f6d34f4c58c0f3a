"""Hostile command lines and input files (issue 9): every case ends with one line on stderr that
names what and where, and an exit status below 128 -- never an abort (134), a hang or a silent
default.

Run by ctest (tests/firmware/CMakeLists.txt) with BOARDEMU pointing at the binary. Most cases
need no firmware: they fail before a run starts, or run a tiny hand-made ELF.
"""

import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

from test_firmware import BOARDEMU, ROOT, minimal_arm_elf

EXIT_USAGE, EXIT_BAD_INPUT, EXIT_TIME_LIMIT = 2, 3, 124
LX_SIM_FW = os.path.join(ROOT, "build", "firmware", "LX106_SIM", "firmware.elf")
ARM_FW = os.path.join(ROOT, "build", "firmware", "MPS2_AN385", "firmware.elf")


# Vector table (MSP 0x8000, reset at 0x8) and `b .` there: a Cortex-M program that runs for ever.
SPIN = bytes.fromhex("00800000" "09000000" "fee7") + bytes(6)


def spin_elf(path):
    minimal_arm_elf(path, 0x0, payload=SPIN)


def boardemu(*args, timeout=30):
    return subprocess.run([BOARDEMU, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)


# A Cortex-M3 board with one RAM region; the tests change one thing in it.
BOARD = """\
name: {name}
cpu:
  arch: {arch}
  clock_hz: {clock}
  semihosting: true
memory:
  - {{name: ram, base: 0x0, size: 0x10000, kind: ram}}
peripherals:
  - {{name: uart0, model: {uart}, base: 0x40004000}}
"""


class Case(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.dir = self._dir.name

    def tearDown(self):
        self._dir.cleanup()

    def board(self, name="t", arch="cortex-m3", clock=25000000, uart="cmsdk-apb-uart", extra="", text=None):
        path = os.path.join(self.dir, name + ".yaml")
        with open(path, "w") as f:
            f.write(text if text is not None else BOARD.format(name=name, arch=arch, clock=clock, uart=uart) + extra)
        return path

    def one_line(self, r, code, *fragments):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, code, err)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, err)
        for frag in fragments:
            self.assertIn(frag, lines[0])
        return lines[0]


class BoardFileLimits(Case):
    """Windows the CPU engine cannot map used to abort inside Unicorn (exit 134)."""

    def run_board(self, *extra_args, **kw):
        self.board(**kw)
        fw = os.path.join(self.dir, "fw.elf")
        spin_elf(fw)
        return boardemu("run", "--boards-dir", self.dir, "--board", kw.get("name", "t"), "--firmware", fw,
                        "--max-cycles", "1000", *extra_args)

    def test_unaligned_window(self):
        text = BOARD.format(name="t", arch="cortex-m3", clock=1000, uart="cmsdk-apb-uart").replace(
            "base: 0x40004000", "base: 0x40004100")
        r = self.run_board(text=text)
        self.one_line(r, EXIT_BAD_INPUT, "t.yaml:9: peripherals[0].base", "not a multiple of 1024")

    def test_rv32_unaligned_memory(self):
        text = BOARD.format(name="t", arch="rv32imac", clock=1000, uart="ns16550a").replace(
            "size: 0x10000", "size: 0x10400")
        r = self.run_board(text=text)
        self.one_line(r, EXIT_BAD_INPUT, "t.yaml:7: memory[0].size", "4096")

    def test_four_gib_region(self):
        text = BOARD.format(name="t", arch="cortex-m3", clock=1000, uart="cmsdk-apb-uart").replace(
            "size: 0x10000", "size: 0x100000000")
        self.one_line(self.run_board(text=text), EXIT_BAD_INPUT, "t.yaml:7: memory[0].size", "too large")

    def test_region_over_the_private_peripheral_bus(self):
        text = BOARD.format(name="t", arch="cortex-m3", clock=1000, uart="cmsdk-apb-uart").replace(
            "base: 0x40004000", "base: 0xE000E000")
        self.one_line(self.run_board(text=text), EXIT_BAD_INPUT, "t.yaml:9: peripherals[0].base",
                      "Private Peripheral Bus")

    def test_thousands_of_device_windows(self):
        extra = "".join("  - {name: d%d, model: unimplemented, base: 0x%x}\n" % (i, 0x50000000 + i * 0x1000)
                        for i in range(3000))
        self.board(extra=extra)
        r = boardemu("run", "--boards-dir", self.dir, "--board", "t")
        self.one_line(r, EXIT_BAD_INPUT, "t.yaml:8: peripherals", "3001 peripherals (at most 256)")

    def test_largest_accepted_board_builds(self):
        # What the reader accepts, the engine maps: 256 windows on Cortex-M run.
        extra = "".join("  - {name: d%d, model: unimplemented, base: 0x%x}\n" % (i, 0x50000000 + i * 0x400)
                        for i in range(255)).replace("}", ", size: 0x400}")
        r = self.run_board(extra=extra)
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())


class BoardsDirectory(Case):
    def test_missing_directory(self):
        missing = os.path.join(self.dir, "nope")
        self.one_line(boardemu("boards", "--boards-dir", missing), EXIT_BAD_INPUT, missing, "does not exist")
        self.one_line(boardemu("run", "--boards-dir", missing), EXIT_BAD_INPUT, missing, "does not exist")

    def test_a_file_instead_of_a_directory(self):
        f = self.board()
        self.one_line(boardemu("boards", "--boards-dir", f), EXIT_BAD_INPUT, f, "not a directory")

    def test_lists_boards_and_reports_broken_ones(self):
        self.board(name="good")
        self.board(name="bad", text="name: bad\ncpu: [\n")
        r = boardemu("boards", "--boards-dir", self.dir)
        self.assertEqual(r.returncode, EXIT_BAD_INPUT)
        self.assertIn(b"good", r.stdout)
        self.assertIn(b"bad.yaml:", r.stderr)


class NonRegularFiles(Case):
    """A FIFO given as input used to block in open() for ever."""

    def fifo(self):
        path = os.path.join(self.dir, "fifo")
        os.mkfifo(path)
        return path

    def test_fifo_as_firmware(self):
        path = self.fifo()
        start = time.monotonic()
        r = boardemu("run", "--firmware", path, timeout=10)
        self.assertLess(time.monotonic() - start, 5)
        self.one_line(r, EXIT_BAD_INPUT, path, "FIFO")

    def test_fifo_as_board_file(self):
        path = self.fifo()
        os.rename(path, os.path.join(self.dir, "t.yaml"))
        r = boardemu("run", "--boards-dir", self.dir, "--board", "t", timeout=10)
        self.one_line(r, EXIT_BAD_INPUT, "t.yaml", "FIFO")

    def test_device_node_as_firmware(self):
        self.one_line(boardemu("run", "--firmware", "/dev/zero"), EXIT_BAD_INPUT, "/dev/zero", "not a regular file")


class Options(Case):
    def test_max_cycles_out_of_range(self):
        for bad, why in [("-1", "expected a whole number"), ("18446744073709551616", "too large"),
                         ("18446744073709551615", "too large"), ("0", "at least 1"), ("1e6", "expected"),
                         ("0x10", "expected"), (" 5", "expected")]:
            r = boardemu("run", "--max-cycles", bad)
            self.one_line(r, EXIT_USAGE, "--max-cycles")
            self.assertIn(why, r.stderr.decode(), bad)

    def test_timeout_that_would_overflow(self):
        r = boardemu("run", "--timeout-virtual-ms", "18446744073709551")
        self.one_line(r, EXIT_USAGE, "--timeout-virtual-ms", "too long")
        r = boardemu("run", "--timeout-virtual-ms", "-5")
        self.one_line(r, EXIT_USAGE, "--timeout-virtual-ms")

    def test_timeout_on_a_slow_clock_is_not_zero(self):
        # 500 Hz: 1 ms is half a cycle, rounded up to one (it used to be a limit of 0 cycles).
        self.board(clock=500)
        fw = os.path.join(self.dir, "fw.elf")
        spin_elf(fw)
        r = boardemu("run", "--boards-dir", self.dir, "--board", "t", "--firmware", fw,
                     "--timeout-virtual-ms", "1", "--stats")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        cycles = int(re.search(rb"boardemu: (\d+) cycles", r.stderr).group(1))
        self.assertGreaterEqual(cycles, 1)

    def test_empty_values_are_errors(self):
        for opt in ["--firmware", "--uart0", "--board", "--boards-dir", "--log", "--gdb", "--semihosting-files",
                    "--max-cycles"]:
            r = boardemu("run", opt, "")
            self.one_line(r, EXIT_USAGE, opt, "empty value")
        self.one_line(boardemu("boards", "--boards-dir", ""), EXIT_USAGE, "--boards-dir", "empty value")

    def test_semihosting_files_needs_a_board_with_semihosting(self):
        r = boardemu("run", "--board", "esp8266", "--semihosting-files", self.dir)
        if r.returncode == EXIT_BAD_INPUT and b"default firmware" in r.stderr:
            self.skipTest("ESP8266 firmware not built (make build)")
        self.one_line(r, EXIT_USAGE, "--semihosting-files", "no semihosting")

    def test_semihosting_files_arm_serves_no_files(self):
        self.board()
        fw = os.path.join(self.dir, "fw.elf")
        spin_elf(fw)
        r = boardemu("run", "--boards-dir", self.dir, "--board", "t", "--firmware", fw,
                     "--semihosting-files", self.dir)
        self.one_line(r, EXIT_USAGE, "--semihosting-files", "console and exit only")

    def test_semihosting_files_must_be_a_directory(self):
        fw = os.path.join(self.dir, "lx.elf")
        minimal_arm_elf(fw, 0x40000000, machine=94, flags=0)  # EM_XTENSA
        missing = os.path.join(self.dir, "missing")
        r = boardemu("run", "--board", "lx106-sim", "--firmware", fw, "--semihosting-files", missing)
        self.one_line(r, EXIT_USAGE, "--semihosting-files", missing)


class SignalsEndTheRun(unittest.TestCase):
    """SIGTERM ends the run promptly even while the guest waits for console input that never
    comes (the host's stdin is a pipe nobody writes to)."""

    def check(self, args, banner):
        p = subprocess.Popen([BOARDEMU, "run", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            seen = b""
            deadline = time.monotonic() + 30
            while banner not in seen and time.monotonic() < deadline:
                chunk = os.read(p.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
            self.assertIn(banner, seen)
            time.sleep(0.3)  # the guest is now blocked waiting for input
            start = time.monotonic()
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=10)
            self.assertLess(time.monotonic() - start, 2.0)
            self.assertEqual(rc, 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdin.close()
            p.stdout.close()
            p.stderr.close()

    @unittest.skipUnless(os.path.exists(LX_SIM_FW), "LX106_SIM firmware not built (make build)")
    def test_simcall_console_read(self):
        self.check(["--board", "lx106-sim", "--firmware", LX_SIM_FW], b">>> ")

    @unittest.skipUnless(os.path.exists(ARM_FW), "MPS2_AN385 firmware not built (make build)")
    def test_uart_console(self):
        self.check(["--board", "mps2-an385", "--uart0", "stdio"], b">>> ")


if __name__ == "__main__":
    unittest.main()
