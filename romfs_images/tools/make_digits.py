#!/usr/bin/env python3
"""Writes digits.bin: the glyphs 0-9 of a seven-segment style font, 16 x 24 pixels each,
MONO_HLSB (framebuf's format: rows top to bottom, each row 2 bytes, the leftmost pixel in bit 7),
480 bytes in all. The weather image's station package draws them from ROMFS in place.

Usage: make_digits.py OUTPUT
"""
import sys

W, H, T = 16, 24, 3  # glyph size and segment thickness

# Segments a..g as rectangles (x, y, w, h) inside the glyph.
SEG = {
    "a": (2, 0, W - 4, T), "b": (W - T, 2, T, H // 2 - 3), "c": (W - T, H // 2 + 1, T, H // 2 - 3),
    "d": (2, H - T, W - 4, T), "e": (0, H // 2 + 1, T, H // 2 - 3), "f": (0, 2, T, H // 2 - 3),
    "g": (2, H // 2 - 1, W - 4, T),
}
DIGITS = ["abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg", "abcdfg"]


def glyph(segments):
    rows = [[0] * W for _ in range(H)]
    for s in segments:
        x, y, w, h = SEG[s]
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                rows[yy][xx] = 1
    out = bytearray()
    for row in rows:
        for byte in range(W // 8):
            v = 0
            for bit in range(8):
                v = (v << 1) | row[byte * 8 + bit]
            out.append(v)
    return bytes(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "wb") as f:
        for d in DIGITS:
            f.write(glyph(d))


if __name__ == "__main__":
    main()
