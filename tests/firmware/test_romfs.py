"""ROMFS images on the command line (issue 12): `boardemu romfs ls|check IMAGE`, and
`run --romfs IMAGE`, which writes the image into the esp8266 board's ROMFS partition before boot
so the firmware mounts it at /rom; kept in the flash file with --flash; bad images refused
before the run with one line naming file, offset and problem.

Images are made by MicroPython's own writer (tools/mpremote/mpremote/romfs.py, what `mpremote
romfs build` uses) from the source tree scripts/setup.sh unpacks.
"""

import os
import subprocess
import sys
import unittest

from test_cli_hardening import Case
from test_firmware import BOARDEMU, ROOT
from test_flash import EXIT_BAD_INPUT, ESP_FW, run

sys.path.insert(0, os.path.join(ROOT, "build", "deps", "micropython", "tools", "mpremote"))
from mpremote.romfs import VfsRomWriter  # noqa: E402


def make_image(files):
    """An image of {path: bytes}, directories made as needed (one level is enough here)."""
    w = VfsRomWriter()
    dirs = {}
    for path, data in files.items():
        d, _, name = path.rpartition("/")
        dirs.setdefault(d, {})[name] = data
    for name, data in dirs.pop("", {}).items():
        w.mkfile(name, data)
    for d, entries in dirs.items():
        w.opendir(d)
        for name, data in entries.items():
            w.mkfile(name, data)
        w.closedir()
    return bytes(w.finalise())


APP = {"main.py": b"print('main from rom')\n", "lib/greet.py": b"def hi():\n    return 'hello from /rom'\n",
       "lib/blob.mpy": b"M\x06\x00\x1f" + bytes(60)}
SHOW = b"import os, sys\rsys.path.insert(0, '/rom/lib')\rprint(sorted(os.listdir('/rom')))\rimport greet; print(greet.hi())\r"


class RomfsToolTest(Case):
    def image(self, data, name="app.img"):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def tool(self, *args):
        return subprocess.run([BOARDEMU, "romfs", *args], capture_output=True, timeout=30)

    def test_ls_prints_the_tree_with_sizes_and_bytecode(self):
        r = self.tool("ls", self.image(make_image(APP)))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l.split() for l in r.stdout.decode().splitlines()]
        self.assertIn(["/main.py", str(len(APP["main.py"]))], lines)
        self.assertIn(["/lib/"], lines)
        self.assertIn(["/lib/greet.py", str(len(APP["lib/greet.py"]))], lines)
        self.assertIn(["/lib/blob.mpy", str(len(APP["lib/blob.mpy"])), "bytecode"], lines)

    def test_check_counts_and_names_the_first_defect(self):
        good = make_image(APP)
        r = self.tool("check", self.image(good))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"3 files (1 bytecode) in 1 directories, %d bytes" % len(good), r.stdout)
        bad = self.image(good[: len(good) - 10], "cut.img")
        self.one_line(self.tool("check", bad), EXIT_BAD_INPUT, "cut.img: offset 0x", "past the end")
        self.one_line(self.tool("ls", self.image(b"\xff" * 32, "erased.img")), EXIT_BAD_INPUT, "not a ROMFS image")
        self.one_line(self.tool("check", os.path.join(self.dir, "missing.img")), EXIT_BAD_INPUT, "missing.img")


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class RunRomfsTest(Case):
    def image(self, data, name="app.img"):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_the_firmware_mounts_the_image_at_rom(self):
        r = run("--romfs", self.image(make_image(APP)), stdin=SHOW)
        out = r.stdout.decode(errors="replace")
        self.assertIn("['lib', 'main.py']", out)
        self.assertIn("hello from /rom", out)

    def test_with_flash_the_image_stays_for_the_next_run(self):
        flash = os.path.join(self.dir, "flash.bin")
        run("--flash", flash, "--romfs", self.image(make_image(APP)), stdin=b"print('first')\r")
        r = run("--flash", flash, stdin=SHOW)
        self.assertIn("hello from /rom", r.stdout.decode(errors="replace"))

    def test_bad_images_are_refused_before_the_run(self):
        good = make_image(APP)
        self.one_line(run("--romfs", self.image(good[:-7], "cut.img")), EXIT_BAD_INPUT, "--romfs:", "cut.img: offset 0x")
        self.one_line(run("--romfs", self.image(b"MicroPython", "text.img")), EXIT_BAD_INPUT, "not a ROMFS image")
        big = make_image({"big.bin": bytes(400 * 1024)})
        self.one_line(run("--romfs", self.image(big, "big.img")), EXIT_BAD_INPUT,
                      "does not fit the 327680-byte ROMFS partition 'romfs' of board 'esp8266'")
        r = subprocess.run([BOARDEMU, "run", "--board", "mps2-an385", "--romfs", self.image(good)],
                           capture_output=True, timeout=30)
        self.one_line(r, EXIT_BAD_INPUT, "board 'mps2-an385' has no ROMFS partition")


if __name__ == "__main__":
    unittest.main()
