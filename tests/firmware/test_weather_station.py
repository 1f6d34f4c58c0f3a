"""The weather-station circuit on the esp8266 board (issue 10), driven as a user drives it:
the drivers in examples/esp8266/lib and the app in examples/esp8266/weather-station are put on
the board's littlefs filesystem through the REPL, then imported.

- SoftI2C.scan() finds the SSD1306, the EEPROM and the BME280;
- the BME280 driver (written from the datasheet) reads the environment the circuit file sets,
  and what the monitor sets while the firmware runs;
- text drawn with framebuf reaches the SSD1306: the panel written by --display-png holds
  exactly the pixels of the firmware's frame buffer;
- the EEPROM log survives into a new run with the same --flash;
- Pin.irq on the button fires when the test presses it through --monitor tcp:PORT.
"""

import os
import re
import struct
import subprocess
import unittest
import zlib

from test_cli_hardening import Case
from monitor_session import MonitorSession
from test_firmware import BOARDEMU, ROOT

ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
EXAMPLES = os.path.join(ROOT, "examples", "esp8266")
CIRCUIT = os.path.join(EXAMPLES, "weather-station.yaml")
APP_FILES = [os.path.join(EXAMPLES, "lib", "bme280.py"), os.path.join(EXAMPLES, "lib", "ssd1306.py"),
             os.path.join(EXAMPLES, "weather-station", "main.py")]
EXIT_TIME_LIMIT = 124


def paste(code):
    """The REPL's paste mode (Ctrl-E ... Ctrl-D): a block of code as one unit."""
    return b"\x05" + code.encode().replace(b"\n", b"\r") + b"\x04"


def upload():
    """REPL input that writes the app and its drivers to the board's filesystem."""
    out = b""
    for path in APP_FILES:
        with open(path) as f:
            text = f.read()
        name = os.path.basename(path)
        out += paste("with open(%r, 'w') as f:\n f.write(%r)\n" % (name, text))
    return out


def run(*args, stdin=b"", virtual_ms=20000, timeout=300):
    return subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--circuit", CIRCUIT,
                           "--timeout-virtual-ms", str(virtual_ms), *args],
                          input=stdin, capture_output=True, timeout=timeout)


def read_png_gray8(path):
    """(width, height, rows) of an 8-bit greyscale, non-interlaced PNG (what boardemu writes)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, colour, _, _, interlace = ihdr
    assert (depth, colour, interlace) == (8, 0, 0), ihdr
    raw = zlib.decompress(idat)
    rows, prev = [], bytes(width)
    for y in range(height):
        f, line = raw[y * (width + 1)], bytearray(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):  # PNG filters (ISO/IEC 15948 9.2), bytes per pixel 1
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class WeatherStationTest(Case):
    def test_scan_sensor_display_and_eeprom_log(self):
        flash = os.path.join(self.dir, "weather.bin")
        png = os.path.join(self.dir, "oled.png")
        code = ("import main\n"
                "print('scan', sorted(main.i2c.scan()))\n"
                "print('env %r %r %r' % main.sensor.read_compensated())\n"
                "main.run(2, 100)\n"
                "print('buf', bytes(main.oled.buffer).hex())\n")
        r = run("--flash", flash, "--display-png", "oled=" + png, stdin=upload() + paste(code))
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode() + out[-2000:])
        self.assertIn("scan [60, 80, 118]", out)  # SSD1306 0x3C, 24LC32 0x50, BME280 0x76
        m = re.search(r"env ([-\d.e]+) ([-\d.e]+) ([-\d.e]+)", out)
        self.assertTrue(m, out[-2000:])
        celsius, pascal, rh = map(float, m.groups())
        # The circuit file's 21.5 degC, 101325 Pa, 45 %RH within the sensor's resolution at the
        # driver's oversampling x1 (BME280 datasheet 3.4.1/3.5: 16-bit pressure and temperature
        # samples, 2.62 Pa and 0.005 degC; the compensated temperature is in 0.01 degC).
        self.assertAlmostEqual(celsius, 21.5, delta=0.011)
        self.assertAlmostEqual(pascal, 101325, delta=2.62)
        self.assertAlmostEqual(rh, 45, delta=0.02)
        self.assertIn("log: 0 readings so far, last None C", out)
        self.assertIn("reading 2: 21.50 C %.1f hPa 45.0 %%RH" % (pascal / 100), out)
        # The frame buffer the firmware drew into (framebuf MONO_VLSB: byte page*128+x, bit y%8)
        # is what the panel shows, pixel for pixel.
        buf = bytes.fromhex(re.search(r"buf ([0-9a-f]+)", out).group(1))
        self.assertEqual(len(buf), 1024)
        width, height, rows = read_png_gray8(png)
        self.assertEqual((width, height), (128, 64))
        lit = 0
        for y in range(64):
            for x in range(128):
                want = buf[(y // 8) * 128 + x] >> (y % 8) & 1
                self.assertEqual(rows[y][x] > 127, bool(want), "pixel (%d, %d)" % (x, y))
                lit += want
        self.assertGreater(lit, 300)  # four lines of text and a rule
        self.assertEqual(sum(rows[10][x] > 127 for x in range(128)), 128)  # the hline
        # A new run with the same flash: main.py runs at boot, as on the board, and carries on
        # from the EEPROM's log.
        r = run("--flash", flash, virtual_ms=3000)
        out = r.stdout.decode(errors="replace")
        self.assertIn("log: 2 readings so far, last 21.5 C", out)
        self.assertIn("reading 3: 21.50 C", out)

    def test_button_pressed_through_the_monitor_fires_the_pin_irq(self):
        with MonitorSession("--board", "esp8266", "--circuit", CIRCUIT) as s:
            code = ("from machine import Pin\n"
                    "n = 0\n"
                    "def pressed(pin):\n global n\n n += 1\n"
                    "Pin(0, Pin.IN).irq(trigger=Pin.IRQ_FALLING, handler=pressed)\n"
                    "print('armed', n)\n")
            s.send(paste(code))
            s.wait_for(rb"^armed 0")
            replies = [s.ask(cmd) for cmd in ["level button", "set btn1 pressed 1", "level button", "set btn1 pressed 0",
                                              "set btn1 pressed 1", "set btn1 pressed 0", "get btn1 pressed",
                                              "set btn1 volume 3"]]
            self.assertEqual(replies, ["ok high", "ok", "ok low", "ok", "ok", "ok", "ok 0",
                                       "error: btn1: no control 'volume' (controls: pressed)"])
            presses = s.repl("print('presses', n)", rb"^presses (\d+)\r\n").group(1)
            self.assertEqual(presses, b"2")  # two falling edges
            self.assertEqual(s.quit(), 0)


if __name__ == "__main__":
    unittest.main()
