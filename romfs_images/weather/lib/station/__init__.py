# A weather station for examples/esp8266/weather-station.yaml, shipped as a ROMFS image: its
# modules are .mpy bytecode executed in place from flash, and its large digits are a bitmap
# (digits.bin, made at image build time by romfs_images/tools/make_digits.py) read straight from
# flash: `memoryview(open(...))` of a ROMFS file points into the flash, so the glyphs never take
# heap. (MicroPython 1.25's FrameBuffer.blit() wants a FrameBuffer source, which needs a writable
# buffer; the glyphs' rows are drawn as runs of pixels instead.)
import time

from machine import Pin, SoftI2C

import bme280
import ssd1306

DIGIT_W, DIGIT_H = 16, 24  # each glyph: 24 rows of 2 bytes, MONO_HLSB
_GLYPH = DIGIT_W // 8 * DIGIT_H

_font = open(__file__.rpartition("/")[0] + "/digits.bin", "rb")
try:
    digits = memoryview(_font)  # on ROMFS: the file's bytes in flash, no copy
except TypeError:
    digits = _font.read()  # elsewhere (littlefs): read into RAM


def draw_glyph(fb, index, x, y):
    """Glyph `index` (0-9) at (x, y): each row's runs of set bits as horizontal lines."""
    base = index * _GLYPH
    for row in range(DIGIT_H):
        bits = digits[base + 2 * row] << 8 | digits[base + 2 * row + 1]
        col = 0
        while bits:
            if bits & 0x8000:
                start = col
                while bits & 0x8000:
                    bits = (bits << 1) & 0xFFFF
                    col += 1
                fb.hline(x + start, y + row, col - start, 1)
            else:
                bits = (bits << 1) & 0xFFFF
                col += 1


def draw_number(fb, text, x, y):
    """Draws digits, '-' and '.' of `text` at (x, y) with the big font; returns the end x."""
    for ch in text:
        if "0" <= ch <= "9":
            draw_glyph(fb, ord(ch) - 48, x, y)
            x += DIGIT_W + 2
        elif ch == "-":
            fb.fill_rect(x + 2, y + DIGIT_H // 2 - 1, DIGIT_W - 4, 3, 1)
            x += DIGIT_W + 2
        elif ch == ".":
            fb.fill_rect(x, y + DIGIT_H - 3, 3, 3, 1)
            x += 5
    return x


def run(count=None, period_ms=1000):
    i2c = SoftI2C(scl=Pin(5), sda=Pin(4), freq=400000)
    sensor = bme280.BME280(i2c, address=0x76)
    oled = ssd1306.SSD1306_I2C(128, 64, i2c, addr=0x3C)
    n = 0
    while count is None or n < count:
        celsius, pascal, rh = sensor.read_compensated()
        n += 1
        oled.fill(0)
        end = draw_number(oled, "%.1f" % celsius, 0, 4)
        oled.text("C", end + 2, 4)
        oled.text("%.1f hPa" % (pascal / 100), 0, 36)
        oled.text("%.1f %%RH  #%d" % (rh, n), 0, 50)
        oled.show()
        print("station %d: %.2f C %.1f hPa %.1f %%RH" % (n, celsius, pascal / 100, rh))
        time.sleep_ms(period_ms)
