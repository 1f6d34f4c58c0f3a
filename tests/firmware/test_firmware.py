"""Firmware and command-line tests: the real upstream MicroPython firmware on boardemu.

Run by ctest (see CMakeLists.txt beside this file) as
    python3 -m unittest tests/firmware/test_firmware.py
with BOARDEMU pointing at the binary. The firmware is the unmodified upstream ports/qemu build
made by firmware/Makefile.
"""

import os
import re
import struct
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOARDEMU = os.environ.get("BOARDEMU", os.path.join(ROOT, "build", "boardemu"))
ARM_FW = os.path.join(ROOT, "build", "firmware", "MPS2_AN385", "firmware.elf")
RV_FW = os.path.join(ROOT, "build", "firmware", "VIRT_RV32", "firmware.elf")

EXIT_BAD_INPUT = 3
EXIT_TIME_LIMIT = 124


def boardemu(*args, stdin=b"", timeout=60):
    return subprocess.run([BOARDEMU, *args], input=stdin, capture_output=True, timeout=timeout)


def repl(lines, *extra, board="mps2-an385"):
    """Types `lines` at the REPL (all input is there from the first poll, so runs repeat),
    then machine.reset(), which ends the run through semihosting with status 0."""
    text = "".join(line + "\r" for line in lines) + "import machine\rmachine.reset()\r"
    return boardemu("run", "--board", board, "--uart0", "stdio",
                    "--timeout-virtual-ms", "20000", "--stats", *extra, stdin=text.encode())


def minimal_arm_elf(path, vaddr, payload=b"\x00" * 16, machine=40, flags=0x05000200):
    """A tiny ELF32 little-endian executable with one PT_LOAD segment at vaddr."""
    ehsize, phentsize = 52, 32
    data_off = ehsize + phentsize
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    eh = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, vaddr | 1, ehsize, 0, flags,
                             ehsize, phentsize, 1, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, data_off, vaddr, vaddr, len(payload), len(payload), 5, 4)
    with open(path, "wb") as f:
        f.write(eh + ph + payload)


@unittest.skipUnless(os.path.exists(ARM_FW), "MPS2_AN385 firmware not built (make build)")
class ReplTest(unittest.TestCase):
    def test_boots_and_evaluates(self):
        r = repl(["print(6*7)", "print('%s-%d' % ('ab', 2**40))"])
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertRegex(out, r"MicroPython v1\.25\.0\S* on \S+; mps2-an385 with Cortex-M3")
        self.assertIn("\r\n42\r\n", out)
        self.assertIn("ab-1099511627776", out)

    def test_runs_repeat_exactly(self):
        lines = ["def f(n):\r return n if n < 2 else f(n-1)+f(n-2)\r", "print(f(15))"]
        a, b = repl(lines), repl(lines)
        self.assertEqual(a.returncode, 0, a.stderr.decode())
        self.assertIn(b"610", a.stdout)
        self.assertEqual(a.stdout, b.stdout)
        stats = [re.search(rb"(\d+) cycles .* (\d+) instructions", r.stderr) for r in (a, b)]
        self.assertIsNotNone(stats[0], a.stderr)
        self.assertEqual(stats[0].groups(), stats[1].groups())
        self.assertGreater(int(stats[0].group(1)), 1_000_000)

    def test_virtual_time_limit(self):
        r = boardemu("run", "--board", "mps2-an385", "--uart0", "null", "--max-cycles", "2000000")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr)
        self.assertIn(b"virtual-time limit", r.stderr)
        r = boardemu("run", "--board", "mps2-an385", "--uart0", "null", "--timeout-virtual-ms", "10")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT)
        # 10 ms at 25 MHz, stopped at the first block boundary past it.
        self.assertIn(b"cycle 2500", r.stderr)


@unittest.skipUnless(os.path.exists(RV_FW), "VIRT_RV32 firmware not built (make build)")
class Rv32ReplTest(unittest.TestCase):
    def test_boots_and_evaluates(self):
        r = repl(["print(6*7)", "print(sum(i*i for i in range(100)))"], board="virt-rv32")
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertRegex(out, r"MicroPython v1\.25\.0\S* on \S+; virt with rv32imac")
        self.assertIn("\r\n42\r\n", out)
        self.assertIn("\r\n328350\r\n", out)

    def test_runs_repeat_exactly(self):
        lines = ["x = [str(i) * 3 for i in range(200)]", "print(len(''.join(x)))"]
        a, b = repl(lines, board="virt-rv32"), repl(lines, board="virt-rv32")
        self.assertEqual(a.returncode, 0, a.stderr.decode())
        self.assertIn(b"\r\n1470\r\n", a.stdout)  # 490 digits, each 3 times
        self.assertEqual(a.stdout, b.stdout)
        stats = [re.search(rb"(\d+) cycles .* (\d+) instructions", r.stderr) for r in (a, b)]
        self.assertIsNotNone(stats[0], a.stderr)
        self.assertEqual(stats[0].groups(), stats[1].groups())


class BadInputTest(unittest.TestCase):
    def assertCleanError(self, r, *fragments):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_BAD_INPUT, err)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, err)
        for frag in fragments:
            self.assertIn(frag, lines[0])

    def test_missing_file(self):
        r = boardemu("run", "--firmware", "/nonexistent/fw.elf")
        self.assertCleanError(r, "/nonexistent/fw.elf")

    def test_not_an_elf(self):
        with tempfile.NamedTemporaryFile(suffix=".elf") as f:
            f.write(b"this is not an ELF file at all" * 10)
            f.flush()
            self.assertCleanError(boardemu("run", "--firmware", f.name), f.name, "ELF")

    def test_truncated_elf(self):
        with open(ARM_FW, "rb") as src, tempfile.NamedTemporaryFile(suffix=".elf") as f:
            f.write(src.read()[:200])
            f.flush()
            self.assertCleanError(boardemu("run", "--firmware", f.name), f.name)

    @unittest.skipUnless(os.path.exists(RV_FW), "VIRT_RV32 firmware not built")
    def test_wrong_architecture(self):
        self.assertCleanError(boardemu("run", "--board", "mps2-an385", "--firmware", RV_FW),
                              RV_FW, "RISC-V")

    def test_rv64_elf_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rv64.elf")
            ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
            eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 243, 1, 0x80000000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
            ph = struct.pack("<IIQQQQQQ", 1, 5, 120, 0x80000000, 0x80000000, 4, 4, 4)
            with open(path, "wb") as f:
                f.write(eh + ph + b"\x13\x00\x00\x00")
            self.assertCleanError(boardemu("run", "--board", "virt-rv32", "--firmware", path), path, "64-bit")

    def test_hard_float_rv32_elf_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rvd.elf")
            minimal_arm_elf(path, 0x80000000, machine=243, flags=0x4)  # EF_RISCV_FLOAT_ABI_DOUBLE
            self.assertCleanError(boardemu("run", "--board", "virt-rv32", "--firmware", path), path, "double")

    def test_segment_outside_memory(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "far.elf")
            minimal_arm_elf(path, 0x60000000)
            self.assertCleanError(boardemu("run", "--firmware", path), path, "0x60000000")

    def test_unknown_board(self):
        self.assertCleanError(boardemu("run", "--board", "no-such-board"), "no-such-board")

    def test_malformed_board_file(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(ROOT, "boards", "mps2-an385.yaml")) as f:
                text = f.read()
            bad = text.replace("clock_hz: 25000000", "clock_hz: fast", 1)
            self.assertNotEqual(bad, text)
            with open(os.path.join(d, "bad.yaml"), "w") as f:
                f.write(bad)
            line = bad[:bad.index("clock_hz: fast")].count("\n") + 1
            r = boardemu("run", "--boards-dir", d, "--board", "bad", "--firmware", ARM_FW)
            self.assertCleanError(r, "bad.yaml:%d" % line, "clock_hz")

    def test_bad_serial_spec(self):
        self.assertCleanError(boardemu("run", "--uart0", "tcp:notaport"), "tcp:notaport")

    def test_bad_command_line(self):
        r = boardemu("run", "--no-such-option")
        self.assertEqual(r.returncode, 2)
        self.assertLess(r.returncode, 128)

    def test_help_lists_every_option(self):
        r = boardemu("run", "--help")
        self.assertEqual(r.returncode, 0)
        for opt in ["--board", "--firmware", "--uart0", "pty", "tcp:PORT", "serial:DEVICE",
                    "--max-cycles", "--timeout-virtual-ms", "--log"]:
            self.assertIn(opt.encode(), r.stdout)


if __name__ == "__main__":
    unittest.main()
