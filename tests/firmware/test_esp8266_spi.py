"""machine.SPI(1) on the ESP8266's HSPI controller, end to end (issue 10): the example circuit
examples/esp8266/spi-flash.yaml puts a W25Q32 SPI NOR flash on GPIO12..15; the firmware reads
its JEDEC ID, erases a sector, programs a page and reads it back over HSPI; a VCD of the SPI nets
decoded by sigrok-cli's SPI decoder shows exactly the bytes the firmware sent and received;
machine.SoftSPI on the same pins reads the same ID.

The W25Q32JV datasheet (Winbond, revision F), "Read JEDEC ID (9Fh)": manufacturer EFh, memory
type 40h, capacity 16h (32 Mbit).
"""

import os
import re
import shutil
import subprocess
import unittest

from monitor_session import MonitorSession
from test_cli_hardening import Case
from test_firmware import BOARDEMU, ROOT

ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
EXAMPLE = os.path.join(ROOT, "examples", "esp8266", "spi-flash.yaml")
EXIT_TIME_LIMIT = 124

SETUP = [
    "from machine import Pin, SPI, SoftSPI",
    "cs = Pin(15, Pin.OUT, value=1)",
    "log = []",
    # One chip-select frame, full duplex; every frame is logged as the firmware saw it. (One-line
    # bodies: the REPL's auto-indent would add to indented continuation lines; an empty line
    # ends each compound statement.)
    "def xfer(out): inb = bytearray(len(out)); cs(0); spi.write_readinto(out, inb); cs(1); "
    "log.append((bytes(out), bytes(inb))); return inb\r",
    "def busy(): return xfer(b'\\x05\\x00')[1] & 1\r",
    "exec('def err(*a, **k):\\n try:\\n  SPI(*a, **k)\\n except Exception as e:\\n  print(type(e).__name__, e)')",
]


def run(*args, stdin=b"", timeout=120):
    return subprocess.run([BOARDEMU, "run", "--board", "esp8266", *args], input=stdin, capture_output=True,
                          timeout=timeout)


def repl(lines, *args, virtual_ms=4000):
    text = "".join(l + "\r" for l in SETUP + lines)
    return run("--timeout-virtual-ms", str(virtual_ms), "--circuit", EXAMPLE, *args, stdin=text.encode())


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class Esp8266SpiTest(Case):
    def output(self, r):
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode() + out)
        self.assertNotIn("Traceback", out)
        return out

    def test_jedec_id_erase_program_read_back(self):
        data = "bytes((i * 37 + 11) & 255 for i in range(256))"
        r = repl(["spi = SPI(1, baudrate=4000000)",
                  "print('spi', spi)",
                  "print('id', xfer(b'\\x9f\\0\\0\\0')[1:].hex())",
                  "xfer(b'\\x06'); xfer(b'\\x20\\x00\\x30\\x00')",  # Write Enable, Sector Erase 0x3000
                  "print('busy', busy())",
                  "while busy(): pass\r",
                  "print('erased', xfer(b'\\x03\\x00\\x30\\x00' + bytes(300))[4:] == b'\\xff' * 300)",
                  "page = " + data,
                  "xfer(b'\\x06'); xfer(b'\\x02\\x00\\x30\\x00' + page)",  # Page Program, 256 bytes
                  "while busy(): pass\r",
                  "back = xfer(b'\\x03\\x00\\x30\\x00' + bytes(260))[4:]",
                  "print('page', back[:256] == page, back[256:].hex())",
                  # readinto/read send the write byte; read(n) is what a driver uses after a command
                  "cs(0); spi.write(b'\\x03\\x00\\x30\\x10'); print('read', spi.read(4).hex()); cs(1)",
                  "buf = bytearray(2); cs(0); spi.write(b'\\x9f'); spi.readinto(buf); cs(1); print('into', buf.hex())"],
                 virtual_ms=3000)
        out = self.output(r)
        self.assertIn("spi HSPI(id=1, baudrate=4000000, polarity=0, phase=0)", out)
        self.assertIn("id ef4016", out)
        self.assertIn("busy 1", out)  # the erase takes its datasheet time (tSE 45 ms typical)
        self.assertIn("erased True", out)
        self.assertIn("page True ffffffff", out)
        page = bytes((i * 37 + 11) & 255 for i in range(256))
        self.assertIn("read " + page[16:20].hex(), out)
        self.assertIn("into ef40", out)

    def test_vcd_of_the_transfer_decodes_to_what_the_firmware_saw(self):
        # SPI mode 0, and mode 3 (the flash samples on the rising edge in both).
        for cpol in (0, 1):
            with self.subTest(mode=3 * cpol):
                self.vcd_decodes(cpol)

    def vcd_decodes(self, cpol):
        vcd = os.path.join(self.dir, "spi%d.vcd" % cpol)
        r = repl(["spi = SPI(1, baudrate=1000000, polarity=%d, phase=%d)" % (cpol, cpol),
                  "xfer(b'\\x9f\\0\\0\\0')",
                  "xfer(b'\\x06'); xfer(b'\\x02\\x00\\x01\\x00hspi')",
                  "while busy(): pass\r",
                  "xfer(b'\\x03\\x00\\x01\\x00' + bytes(4))",
                  "print('MOSI', b''.join(o for o, i in log).hex())",
                  "print('MISO', b''.join(i for o, i in log).hex())"],
                 "--vcd", vcd, "--vcd-signals", "spi_*")
        out = self.output(r)
        mosi = bytes.fromhex(re.search(r"MOSI ([0-9a-f]+)", out).group(1))
        miso = bytes.fromhex(re.search(r"MISO ([0-9a-f]+)", out).group(1))
        self.assertEqual(mosi[:4], b"\x9f\0\0\0")
        self.assertEqual(miso[:4], b"\xff\xef\x40\x16")
        self.assertEqual(miso[-4:], b"hspi")
        if not shutil.which("sigrok-cli"):
            self.skipTest("sigrok-cli is not installed (scripts/setup.sh installs it)")

        def decode(ann):
            d = subprocess.run(["sigrok-cli", "-I", "vcd:compress=1000", "-i", vcd, "-P",
                                "spi:clk=spi_sck:mosi=spi_mosi:miso=spi_miso:cs=spi_cs:cpol=%d:cpha=%d" % (cpol, cpol),
                                "-A", "spi=" + ann],
                               capture_output=True, timeout=120)
            self.assertEqual(d.returncode, 0, d.stderr.decode())
            return bytes(int(l.split(": ")[1], 16) for l in d.stdout.decode().splitlines() if l.startswith("spi-1: "))

        self.assertEqual(decode("mosi-data"), mosi)
        self.assertEqual(decode("miso-data"), miso)

    def test_soft_spi_on_the_same_pins_and_back_to_hspi(self):
        r = repl(["spi = SoftSPI(baudrate=100000, sck=Pin(14), mosi=Pin(13), miso=Pin(12))",
                  "print('soft', xfer(b'\\x9f\\0\\0\\0')[1:].hex())",
                  "spi = SPI(1, baudrate=8000000, polarity=1, phase=1)",  # mode 3: the flash takes it
                  "print('hard', xfer(b'\\x9f\\0\\0\\0')[1:].hex())",
                  "spi.init(baudrate=80000000, polarity=0, phase=0)",
                  "print(spi)",
                  "print('fast', xfer(b'\\x9f\\0\\0\\0')[1:].hex())",
                  "err(0)", "err(1, 'x')", "err(1, bits=16)", "err(1, baudrate=50000000)"])
        out = self.output(r)
        self.assertIn("soft ef4016", out)
        self.assertIn("hard ef4016", out)
        self.assertIn("HSPI(id=1, baudrate=80000000, polarity=0, phase=0)", out)
        self.assertIn("fast ef4016", out)
        self.assertIn("ValueError SPI(0) doesn't exist", out)
        self.assertIn("TypeError", out)
        self.assertIn("ValueError bits must be 8", out)
        self.assertIn("ValueError impossible baudrate", out)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class Esp8266SpiMonitorTest(unittest.TestCase):
    """The monitor's passive SPI decoder (spi-watch / spi-log) lists the frames the firmware
    exchanges over HSPI, as the firmware saw them."""

    def test_spi_log_lists_the_frames(self):
        with MonitorSession("--board", "esp8266", "--circuit", EXAMPLE) as s:
            self.assertEqual(s.ask("spi-watch spi_sck spi_mosi spi_miso spi_cs"), "ok")
            s.send("".join(l + "\r" for l in SETUP + ["spi = SPI(1, baudrate=4000000)",
                                                     "print('id', xfer(b'\\x9f\\x00\\x00\\x00').hex())",
                                                     "print('sr', xfer(b'\\x05\\x00').hex())"]).encode())
            self.assertEqual(s.wait_for(rb"^id ([0-9a-f]+)\r\n").group(1), b"ffef4016")
            s.wait_for(rb"^sr [0-9a-f]+\r\n")
            self.assertEqual(s.ask("spi-log", extra_lines=2),
                             ["ok 2", "MOSI 9F 00 00 00 MISO FF EF 40 16", "MOSI 05 00 MISO FF 00"])
            self.assertEqual(s.ask("spi-log"), "ok 0")
            self.assertEqual(s.ask("spi-watch spi_sck spi_mosi spi_miso spi_cs 7"),
                             "error: spi-watch: MODE must be 0, 1, 2 or 3, not '7'")
            self.assertEqual(s.quit(), 0)
