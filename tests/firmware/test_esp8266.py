"""Firmware tests for boardemu's own ESP8266 MicroPython port (firmware/esp8266) on the esp8266
board: boot banner over UART0, evaluation, the LoadStoreError emulation (narrow loads from
flash/IRAM), CCOUNT-based time, determinism; machine.Pin, SoftI2C, SoftSPI and pin interrupts
against the GPIO model.

Run by ctest (see CMakeLists.txt beside this file) as
    python3 -m unittest tests/firmware/test_esp8266.py
with BOARDEMU pointing at the binary. The firmware is built by `make -C firmware esp8266`.

The esp8266 board has no semihosting exit: machine.reset() restarts the firmware. So every run
here ends at a virtual-time limit (exit status 124), and the checks are on the UART output.
"""

import os
import re
import subprocess
import time
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOARDEMU = os.environ.get("BOARDEMU", os.path.join(ROOT, "build", "boardemu"))
ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
MPREMOTE_DIR = os.path.join(ROOT, "build", "deps", "micropython", "tools", "mpremote")
EXIT_TIME_LIMIT = 124


def esp_repl(lines, virtual_ms=3000):
    """Types `lines` at the REPL (all input is there from the first poll, so runs repeat) and
    runs for `virtual_ms` of virtual time."""
    text = "".join(line + "\r" for line in lines)
    return subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--firmware", ESP_FW,
                           "--uart0", "stdio", "--timeout-virtual-ms", str(virtual_ms), "--stats"],
                          input=text.encode(), capture_output=True, timeout=120)


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266ReplTest(unittest.TestCase):
    def test_boots_and_evaluates(self):
        r = esp_repl(["print(6*7)", "print(2**100, 1/3)", "import sys; print(sys.platform)"])
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        self.assertRegex(out, r"MicroPython v1\.25\.0\S* on \S+; ESP8266 \(boardemu\) with ESP8266")
        self.assertIn("\r\n42\r\n", out)
        self.assertIn("1267650600228229401496703205376 0.3333333", out)
        self.assertIn("\r\nesp8266\r\n", out)
        self.assertNotIn("Fatal exception", out)

    def test_narrow_loads_from_flash_and_iram(self):
        # machine.mem8/mem16 do L8UI/L16UI; on the ESP8266 these fault (LoadStoreError) in the
        # flash window and IRAM, and the firmware's handler emulates them from a 32-bit load.
        r = esp_repl([
            "import machine",
            "w = machine.mem32[0x40200004]",
            "print('F8', machine.mem8[0x40200005] == (w >> 8) & 0xff)",
            "print('F16', machine.mem16[0x40200006] == (w >> 16) & 0xffff)",
            "v = machine.mem32[0x40100010]",
            "print('I8', machine.mem8[0x40100013] == v >> 24)",
            "print('S', b'flash'.decode(), 'abc'.upper(), len(dir(machine)) > 10)",
        ])
        out = r.stdout.decode(errors="replace")
        for tag in ("F8", "F16", "I8"):
            self.assertIn("\r\n%s True\r\n" % tag, out)
        self.assertIn("\r\nS flash ABC True\r\n", out)
        self.assertNotIn("Fatal exception", out)

    def test_time_follows_virtual_clock(self):
        r = esp_repl([
            "import time",
            # One line: the next REPL line takes milliseconds to arrive at 115200 baud.
            "t0 = time.ticks_ms(); u0 = time.ticks_us(); time.sleep_ms(250); "
            "dt = time.ticks_diff(time.ticks_ms(), t0); du = time.ticks_diff(time.ticks_us(), u0); "
            "print('DT', 250 <= dt <= 252, 250000 <= du <= 251000)",
            "import machine; print('FREQ', machine.freq())",
        ])
        out = r.stdout.decode(errors="replace")
        self.assertIn("\r\nDT True True\r\n", out)
        self.assertIn("\r\nFREQ 80000000\r\n", out)

    def test_ctrl_c_interrupts_running_code(self):
        # The UART RX interrupt sees Ctrl-C while the loop runs and raises KeyboardInterrupt.
        # Ctrl-C is typed once the loop has been echoed and run for a while: typed with the
        # rest, it would reach the UART during boot (the first boot makes the filesystem,
        # ~0.1 s of flash erase time) and wait in the receive buffer as an ordinary character.
        p = subprocess.Popen([BOARDEMU, "run", "--board", "esp8266", "--firmware", ESP_FW, "--uart0", "stdio",
                              "--timeout-virtual-ms", "60000"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.stdin.write(b"while True: pass\r\r")
            p.stdin.flush()
            seen = b""
            while b"... \r\n" not in seen:  # the loop's block has ended: it runs
                chunk = p.stdout.read1(4096)
                self.assertTrue(chunk, seen)
                seen += chunk
            time.sleep(0.2)
            rest, _ = p.communicate(b"\x03print('after', 6*7)\r", timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        out = (seen + rest).decode(errors="replace")
        self.assertIn("KeyboardInterrupt", out)
        self.assertIn("\r\nafter 42\r\n", out)

    def test_soft_reset_and_machine_reset(self):
        # Ctrl-D: soft reset (state cleared); machine.reset(): restart from the ELF entry (the
        # board has no reset register), which prints the banner again.
        r = esp_repl(["x = 5", "\x04print('x' in globals())", "import machine; machine.reset()"])
        out = r.stdout.decode(errors="replace")
        self.assertIn("MPY: soft reboot", out)
        self.assertIn("\r\nFalse\r\n", out)
        self.assertEqual(len(re.findall(r"MicroPython v1\.25\.0", out)), 3, out)

    def test_fatal_exception_reports_and_restarts(self):
        # A byte store to flash is not a load the handler emulates: the firmware reports the
        # LoadStoreError (cause 3, address) and restarts; an unmapped read is a bus error
        # (LoadStorePIFAddrError, cause 15).
        r = esp_repl(["import machine", "machine.mem8[0x40200000] = 1", "print('lost')"])
        out = r.stdout.decode(errors="replace")
        self.assertIn("Fatal exception 3: pc=0x", out)
        self.assertIn("excvaddr=0x40200000", out)
        self.assertEqual(len(re.findall(r"MicroPython v1\.25\.0", out)), 2, out)
        r = esp_repl(["import machine", "machine.mem32[0x10]"])
        self.assertIn("Fatal exception 15: pc=0x", r.stdout.decode(errors="replace"))

    @unittest.skipUnless(os.path.isdir(MPREMOTE_DIR), "MicroPython source not set up")
    def test_romfs_write_mount_import(self):
        # vfs.rom_ioctl erases and programs the ROMFS segment through the SPI0 flash
        # controller; after a soft reset the image is mounted at /rom and importable.
        sys.path.insert(0, MPREMOTE_DIR)
        try:
            from mpremote.romfs import VfsRomWriter
        finally:
            sys.path.pop(0)
        w = VfsRomWriter()
        w.mkfile("hello.py", b"print('hello from romfs', 6*7)\n")
        img = w.finalise()
        r = esp_repl([
            "import vfs",
            "print('SEG', vfs.rom_ioctl(1), len(vfs.rom_ioctl(2, 0)))",
            "print('PREP', vfs.rom_ioctl(3, 0, %d))" % len(img),
            "print('WR', vfs.rom_ioctl(4, 0, 0, %r))" % img,
            "print('DONE', vfs.rom_ioctl(5, 0))",
            "\x04import os; print(os.listdir('/rom'))",
            "import hello",
        ])
        out = r.stdout.decode(errors="replace")
        self.assertIn("\r\nSEG 1 327680\r\n", out)
        self.assertIn("\r\nPREP 4\r\n", out)
        self.assertIn("\r\nWR 0\r\n", out)
        self.assertIn("\r\n['hello.py']\r\n", out)
        self.assertIn("\r\nhello from romfs 42\r\n", out)

    def test_time_across_ccount_wrap(self):
        # CCOUNT wraps every 2^32 cycles (53.7 s at 80 MHz); the 64-bit extension must keep
        # ticks_ms and time() exact across two wraps. WAITI lets this run in little host time.
        r = esp_repl(["import time",
                      "t = time.ticks_ms(); time.sleep(120); "
                      "print('WRAP', time.ticks_diff(time.ticks_ms(), t), time.time())"], 125000)
        # The interval also holds the statement's own work between the two ticks_ms() calls
        # (a few thousand cycles, well under 5 ms), so it may read 120000..120004.
        m = re.search(r"\r\nWRAP (\d+) (\d+)\r\n", r.stdout.decode(errors="replace"))
        self.assertIsNotNone(m, r.stdout)
        self.assertGreaterEqual(int(m.group(1)), 120000)
        self.assertLess(int(m.group(1)), 120005)
        self.assertEqual(m.group(2), "120")

    def test_recursion_limit_and_heap(self):
        # 8 KiB C stack: ~22 nested Python calls end in RuntimeError (not a crash into the heap
        # below the stack); the GC heap is what DRAM leaves (> 64 KiB).
        r = esp_repl(["def r(n): return 0 if n == 0 else 1 + r(n-1)\r",
                      "n = 1\rtry:\r while True: r(n); n += 1\rexcept RuntimeError: print('DEPTH', n - 1)\r\r",
                      "import gc; gc.collect(); print('HEAP', gc.mem_free() + gc.mem_alloc() > 64 * 1024)"])
        out = r.stdout.decode(errors="replace")
        m = re.search(r"\r\nDEPTH (\d+)\r\n", out)
        self.assertIsNotNone(m, out)
        self.assertGreaterEqual(int(m.group(1)), 20)
        self.assertIn("\r\nHEAP True\r\n", out)
        self.assertNotIn("Fatal exception", out)

    def test_runs_repeat_exactly(self):
        lines = ["def f(n):\r return n if n < 2 else f(n-1)+f(n-2)\r", "print(f(12))"]
        a, b = esp_repl(lines, 2000), esp_repl(lines, 2000)
        self.assertIn(b"\r\n144\r\n", a.stdout)
        self.assertEqual(a.stdout, b.stdout)
        stats = [re.search(rb"(\d+) cycles .* (\d+) instructions", r.stderr) for r in (a, b)]
        self.assertIsNotNone(stats[0], a.stderr)
        self.assertEqual(stats[0].groups(), stats[1].groups())


# GPIO register addresses (ESP8266 Technical Reference, "GPIO"; peripherals/gpio/esp8266_gpio.hpp).
GPIO_OUT = 0x60000300
GPIO_ENABLE = 0x6000030C
GPIO_PIN0 = 0x60000328   # + 4*n; PAD_DRIVER (open drain) is bit 2


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266MachinePinTest(unittest.TestCase):
    """machine.Pin, SoftI2C/I2C and SoftSPI of the port against the GPIO model: what the
    firmware writes is read back from the GPIO registers through machine.mem32. Nothing is
    wired to the pins here (an undriven net reads 0)."""

    def run_lines(self, lines, virtual_ms=3000):
        r = esp_repl(lines, virtual_ms)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode())
        self.assertNotIn("Fatal exception", out)
        self.assertNotIn("Traceback", out)
        return out

    def test_output_input_open_drain(self):
        out = self.run_lines([
            "from machine import Pin, mem32",
            "p = Pin(4, Pin.OUT); p.on(); print('ON', (mem32[%#x] >> 4) & 1, (mem32[%#x] >> 4) & 1, p.value(), p())"
            % (GPIO_OUT, GPIO_ENABLE),
            "p.off(); print('OFF', (mem32[%#x] >> 4) & 1, p.value())" % GPIO_OUT,
            "p.toggle(); print('TOGGLE', (mem32[%#x] >> 4) & 1); p(0); print('CALL', p.value(), repr(p))" % GPIO_OUT,
            "q = Pin(5, Pin.IN); print('IN', q.value(), (mem32[%#x] >> 5) & 1)" % GPIO_ENABLE,
            # Open drain: PAD_DRIVER set; driving 1 lets the line go, and nobody pulls it up.
            "d = Pin(12, Pin.OPEN_DRAIN, value=1); print('OD', mem32[%#x] & 4, (mem32[%#x] >> 12) & 1, d.value())"
            % (GPIO_PIN0 + 4 * 12, GPIO_ENABLE),
            "d.init(Pin.OUT); print('PP', mem32[%#x] & 4, d.value())" % (GPIO_PIN0 + 4 * 12),
            "u = Pin(0, Pin.IN, Pin.PULL_UP); print('PULL', u.value())",
            "Pin(13, Pin.OUT, value=1); print('VALUE', (mem32[%#x] >> 13) & 1)" % GPIO_OUT,
        ])
        self.assertIn("\r\nON 1 1 1 1\r\n", out)
        self.assertIn("\r\nOFF 0 0\r\n", out)
        self.assertIn("\r\nTOGGLE 1\r\nCALL 0 Pin(4)\r\n", out)
        self.assertIn("\r\nIN 0 0\r\n", out)
        self.assertIn("\r\nOD 4 1 0\r\n", out)
        self.assertIn("\r\nPP 0 1\r\n", out)
        self.assertIn("\r\nPULL 1\r\n", out)   # the IO_MUX pull-up holds the unconnected pin high
        self.assertIn("\r\nVALUE 1\r\n", out)

    def test_invalid_pins(self):
        # GPIO6..8 and 11 are the SPI flash pins (refused, as upstream); GPIO16 is not offered.
        out = self.run_lines([
            "from machine import Pin",
            "exec(\"for n in (6, 7, 8, 11, 16, -1):\\n try: Pin(n); print('OK', n)\\n"
            " except ValueError as e: print('VE', n)\")",
            "exec(\"try: Pin(4, 7)\\nexcept ValueError as e: print('MODE', e)\")",
        ])
        for n in (6, 7, 8, 11, 16, -1):
            self.assertIn("\r\nVE %d\r\n" % n, out)
        self.assertIn("\r\nMODE invalid pin mode\r\n", out)

    def test_soft_i2c_scan_with_nothing_attached(self):
        # Nothing pulls SCL up, so the released clock reads 0: every address's START times out
        # as clock stretching (timeout=50 ms by default, ETIMEDOUT), and scan() returns [] after
        # 112 addresses (~7 s of virtual time, about a second of host time). machine.I2C is the
        # same class (upstream esp8266: software I2C under the I2C name).
        out = self.run_lines([
            "from machine import Pin, SoftI2C, I2C; import time",
            "t = time.ticks_ms(); i2c = SoftI2C(scl=Pin(5), sda=Pin(4)); "
            "print('SCAN', i2c.scan(), time.ticks_diff(time.ticks_ms(), t) // 1000)",
            "exec(\"try: i2c.writeto(0x3c, b'x')\\nexcept OSError as e: print('WRITE', e.errno)\")",
            "print('ALIAS', I2C is SoftI2C, I2C(scl=Pin(5), sda=Pin(4), freq=100000, timeout=100))",
        ], 12000)
        m = re.search(r"\r\nSCAN \[\] (\d+)\r\n", out)
        self.assertIsNotNone(m, out)
        self.assertIn(int(m.group(1)), (5, 6, 7))
        self.assertIn("\r\nWRITE 110\r\n", out)   # ETIMEDOUT
        self.assertIn("\r\nALIAS True SoftI2C(scl=5, sda=4, freq=100000)\r\n", out)

    def test_soft_spi_write_read(self):
        # Polarity 1: SCK idles high; MISO is undriven, so reads are zeros.
        out = self.run_lines([
            "from machine import Pin, SoftSPI, mem32",
            "s = SoftSPI(baudrate=100000, polarity=1, phase=0, sck=Pin(0), mosi=Pin(2), miso=Pin(14))",
            "print('SPI', s.write(b'\\xa5\\x5a'), s.read(2), mem32[%#x] & 1, (mem32[%#x] >> 14) & 1)"
            % (GPIO_OUT, GPIO_ENABLE),
        ])
        self.assertIn("\r\nSPI None b'\\x00\\x00' 1 0\r\n", out)

    def test_irq_on_own_output_edges(self):
        # The GPIO model latches edges of output pins too, so a pin's own writes trigger its
        # interrupt (CPU interrupt 4). Soft handlers are scheduled (run by the VM at its next
        # check, here the loop's backward jumps and the sleep); hard ones run in the interrupt.
        out = self.run_lines([
            "from machine import Pin; import time",
            "h = []; c = [0]",
            "p = Pin(13, Pin.OUT, value=0); r = p.irq(lambda x: h.append(x), Pin.IRQ_RISING); print('TRIG', r.trigger())",
            "exec(\"for i in range(3):\\n p.on(); p.off()\"); time.sleep_ms(1); print('SOFT', len(h), h[0])",
            "exec(\"def hard(x):\\n c[0] += 1\")",
            "q = Pin(15, Pin.OUT, value=1); _ = q.irq(hard, Pin.IRQ_RISING | Pin.IRQ_FALLING, hard=True); "
            "q.off(); q.on(); q.off(); print('HARD', c[0])",
            "_ = p.irq(None); p.on(); p.off(); time.sleep_ms(1); print('NONE', len(h), p.irq().trigger())",
            "_ = q.irq(lambda x: 1/0, hard=True); q.toggle(); q.toggle(); print('AFTER', q.irq().trigger())",
        ])
        self.assertIn("\r\nTRIG 1\r\n", out)
        self.assertIn("\r\nSOFT 3 Pin(13)\r\n", out)
        self.assertIn("\r\nHARD 3\r\n", out)
        self.assertIn("\r\nNONE 3 0\r\n", out)
        # An exception in a hard handler is reported and disables that pin's interrupt.
        self.assertIn("Uncaught exception in IRQ callback handler\r\nZeroDivisionError", out)
        self.assertIn("\r\nAFTER 0\r\n", out)
        self.assertEqual(out.count("Uncaught exception"), 1)

    def test_soft_reset_forgets_handlers(self):
        # After a soft reset the old handler (now freed heap) must never run: interrupts off.
        out = self.run_lines([
            "c = [0]",
            "def f(p): c[0] += 1\r",
            "from machine import Pin; p = Pin(4, Pin.OUT, value=0); _ = p.irq(f, Pin.IRQ_RISING, hard=True)",
            "p.on(); p.off(); print('BEFORE', c[0])",
            "\x04from machine import Pin, mem32; p = Pin(4); p.on(); p.off(); "
            "print('AFTER', p.irq().trigger(), (mem32[%#x] >> 7) & 7)" % (GPIO_PIN0 + 4 * 4),
        ])
        self.assertIn("\r\nBEFORE 1\r\n", out)
        self.assertIn("MPY: soft reboot", out)
        self.assertIn("\r\nAFTER 0 0\r\n", out)
        self.assertNotIn("Uncaught", out)

if __name__ == "__main__":
    unittest.main()
