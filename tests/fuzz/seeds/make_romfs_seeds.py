#!/usr/bin/env python3
"""Writes the seed corpus of the romfs_image fuzz target (tests/fuzz/corpus/romfs_image/).

Seeds: ROMFS images made by MicroPython's own writer (tools/mpremote/mpremote/romfs.py, the
VfsRomWriter that `mpremote romfs build` uses, from the source tree scripts/setup.sh unpacks into
build/deps/micropython): an empty image, files, nested directories, a data record shared by
pointer, a .mpy-looking file; and broken variants, one problem each (truncated, bad header,
a length past the end, a record of unknown kind, deep nesting). Run from anywhere; it rewrites
the directory except the fuzzer's finds kept as regression inputs (found-*: names with line
breaks and control bytes, which made an error message span lines).
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = ROOT / "tests/fuzz/corpus/romfs_image"
sys.path.insert(0, str(ROOT / "build/deps/micropython/tools/mpremote"))
from mpremote.romfs import VfsRomWriter  # noqa: E402


def image(build):
    w = VfsRomWriter()
    build(w)
    return bytes(w.finalise())


def app(w):
    w.mkfile("main.py", b"import lib.util\nprint(lib.util.f())\n")
    w.opendir("lib")
    w.mkfile("__init__.py", b"")
    w.mkfile("util.mpy", b"M\x06\x00\x1f" + bytes(range(40)))
    w.opendir("data")
    w.mkfile("font.bin", bytes(range(256)) * 2)
    w.closedir()
    w.closedir()


def shared(w):
    at = w.mkdata(b"shared bytes, stored once")
    w.mkfile("a.txt", (at, 25))
    w.mkfile("b.txt", (at, 6))


def deep(w):
    for i in range(20):
        w.opendir("d%d" % i)
    w.mkfile("leaf", b"x")
    for _ in range(20):
        w.closedir()


def main():
    good = {
        "empty": image(lambda w: None),
        "one-file": image(lambda w: w.mkfile("boot.py", b"print('hi')\n")),
        "app": image(app),
        "shared-data": image(shared),
        "deep": image(deep),
    }
    full = good["app"]
    bad = {
        "truncated": full[: len(full) // 2],
        "bad-header": b"\xd2\xcd\x32" + full[3:],
        "length-past-end": full[:3] + b"\x7f" + full[4:],
        "unknown-kind": image(lambda w: None)[:3] + b"\x04\x09\x03\x00\x00\x00",
        "erased": b"\xff" * 64,
        "header-only": full[:3],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        if not old.name.startswith("found-"):
            old.unlink()
    for name, data in {**good, **bad}.items():
        (OUT / (name + ".img")).write_bytes(data)
    print("wrote %d seeds to %s" % (len(good) + len(bad), OUT))


if __name__ == "__main__":
    main()
