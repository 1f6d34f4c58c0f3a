"""ROMFS images on the command line (issue 12): `boardemu romfs ls|check IMAGE`, and
`run --romfs IMAGE`, which writes the image into the esp8266 board's ROMFS partition before boot
so the firmware mounts it at /rom; kept in the flash file with --flash; bad images refused
before the run with one line naming file, offset and problem.

Images are made by MicroPython's own writer (tools/mpremote/mpremote/romfs.py, what `mpremote
romfs build` uses) from the source tree scripts/setup.sh unpacks.
"""

import contextlib
import io
import os
import re
import subprocess
import sys
import unittest

from test_cli_hardening import Case
from test_firmware import BOARDEMU, ROOT
from test_flash import EXIT_BAD_INPUT, ESP_FW, run

MPREMOTE = os.path.join(ROOT, "build", "deps", "micropython", "tools", "mpremote")
MPY_CROSS_MODULE = os.path.join(ROOT, "scripts", "python")  # the project's `mpy_cross` module
sys.path.insert(0, MPREMOTE)
sys.path.insert(0, MPY_CROSS_MODULE)
from mpremote.romfs import VfsRomWriter, make_romfs  # noqa: E402
import mpremote.romfs  # noqa: E402


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


class RomfsCase(Case):
    """A test with a scratch directory to write images into."""

    def image(self, data, name="app.img"):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path


class RomfsToolTest(RomfsCase):
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


def write_tree(root, files):
    for path, data in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)


TREE = {"main.py": b"import lib.pkg.mod\nprint('main', lib.pkg.mod.f(3))\n",
        "lib/pkg/__init__.py": b"", "lib/pkg/mod.py": b"def f(x):\n    return x * 7\n",
        "lib/data.bin": bytes(range(256)) * 9, "lib/pre.py": b"print(1)\n"}


class RomfsBuildTest(Case):
    """`boardemu romfs build` against mpremote's own `romfs build` (make_romfs), which compiles
    through the project's mpy_cross module: the same bytes, with and without .mpy."""

    def setUp(self):
        super().setUp()
        self.assertIsNotNone(mpremote.romfs.mpy_cross_run, "scripts/python's mpy_cross module is importable")
        self.cwd = os.getcwd()
        os.chdir(self.dir)  # the tree is named relatively, as a user types it
        write_tree("app", TREE)
        # A .mpy already beside a .py: both are taken as they are.
        subprocess.run([os.path.join(ROOT, "build/deps/micropython/mpy-cross/build/mpy-cross"), "-o",
                        "app/lib/pre.mpy", "app/lib/pre.py"], check=True)

    def tearDown(self):
        os.chdir(self.cwd)
        super().tearDown()

    def build(self, *args):
        return subprocess.run([BOARDEMU, "romfs", "build", *args], capture_output=True, timeout=60)

    def test_byte_identical_to_mpremote_with_and_without_mpy(self):
        for mpy, extra in ((True, []), (False, ["--no-mpy"])):
            r = self.build("app", "-o", "ours.img", *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open("ours.img", "rb") as f:
                ours = f.read()
            with contextlib.redirect_stdout(io.StringIO()):  # its tree drawing
                theirs = make_romfs("app", mpy_cross=mpy)
            self.assertEqual(ours, theirs, "mpy=%s" % mpy)
        names = subprocess.run([BOARDEMU, "romfs", "ls", "ours.img"], capture_output=True, check=True).stdout.decode()
        self.assertIn("/lib/pkg/mod.py", names)  # --no-mpy: the .py as it is
        r = self.build("app", "-o", "ours.img")
        names = subprocess.run([BOARDEMU, "romfs", "ls", "ours.img"], capture_output=True, check=True).stdout.decode()
        self.assertRegex(names, r"/lib/pkg/mod\.mpy +\d+  bytecode")
        self.assertRegex(names, r"/lib/pre\.py +9\n")  # kept: a .mpy was beside it
        self.assertNotIn("mod.mpy", os.listdir("app/lib/pkg"), "nothing left behind in the tree")

    @unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
    def test_the_mpy_image_runs_in_place(self):
        self.assertEqual(self.build("app", "-o", "app.img").returncode, 0)
        r = run("--romfs", os.path.join(self.dir, "app.img"), stdin=b"import lib.pkg.mod\rprint(lib.pkg.mod.f(6))\r")
        self.assertIn("42", r.stdout.decode(errors="replace"))

    def test_bad_sources_are_one_line(self):
        write_tree("bad", {"ok.py": b"x = 1\n", "sub/broken.py": b"def f(:\n"})
        self.one_line(self.build("bad", "-o", "bad.img"), EXIT_BAD_INPUT, "bad/sub/broken.py: mpy-cross:", "SyntaxError")
        self.assertFalse(os.path.exists("bad.img"))
        self.one_line(self.build("nothing-here", "-o", "x.img"), EXIT_BAD_INPUT, "nothing-here: not a directory")
        write_tree("uni", {"caf\u00e9.py".encode().decode(): b""})
        self.one_line(self.build("uni", "-o", "x.img", "--no-mpy"), EXIT_BAD_INPUT, "ROMFS names are ASCII")


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class MpremoteRomfsTest(Case):
    """mpremote's own `romfs deploy` and `query` against the board over a pty, .py compiled
    through the project's mpy_cross module; the image stays in the --flash file."""

    def mpremote(self, pty, *args):
        env = dict(os.environ, PYTHONPATH=MPY_CROSS_MODULE + os.pathsep + MPREMOTE)
        return subprocess.run(["/usr/bin/python3", "-m", "mpremote", "connect", pty, *args], capture_output=True,
                              timeout=120, env=env, cwd=self.dir)

    def test_deploy_query_and_a_new_run(self):
        write_tree(os.path.join(self.dir, "app"), TREE)
        flash = os.path.join(self.dir, "flash.bin")
        p = subprocess.Popen([BOARDEMU, "run", "--board", "esp8266", "--flash", flash, "--uart0", "pty"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            pty = re.search(rb"/dev/pts/\d+", p.stdout.readline()).group(0).decode()
            r = self.mpremote(pty, "romfs", "deploy", "app")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(b"ROMFS image deployed", r.stdout)
            self.assertIn(b"main.py -> .mpy", r.stdout)  # compiled through scripts/python/mpy_cross
            r = self.mpremote(pty, "romfs", "query")
            self.assertIn(b"Raw contents: d2:cd:31", r.stdout)
        finally:
            p.terminate()
            p.wait(20)
            p.stdout.close()
        # A new run with the same flash file: the image is there, at /rom.
        r = run("--flash", flash, stdin=b"import os; print(os.listdir('/rom'))\rimport lib.pkg.mod\r")
        out = r.stdout.decode(errors="replace")
        self.assertIn("['lib', 'main.mpy']", out)


WEATHER_IMG = os.path.join(ROOT, "build", "romfs_images", "weather.img")


@unittest.skipUnless(os.path.exists(WEATHER_IMG), "build/romfs_images/weather.img not built (make build)")
class WeatherImageTest(Case):
    """romfs_images/weather: the station package runs from /rom and draws its big digits from
    the font file read in place (romfs_images/tools/make_digits.py made it)."""

    def test_station_draws_the_temperature_with_the_rom_font(self):
        sys.path.insert(0, os.path.join(ROOT, "romfs_images", "tools"))
        import make_digits
        ls = subprocess.run([BOARDEMU, "romfs", "ls", WEATHER_IMG], capture_output=True, check=True).stdout.decode()
        self.assertRegex(ls, r"/lib/station/__init__\.mpy +\d+  bytecode")
        self.assertRegex(ls, r"/lib/station/digits\.bin +480\n")
        png = os.path.join(self.dir, "oled.png")
        r = run("--romfs", WEATHER_IMG, "--circuit", os.path.join(ROOT, "examples/esp8266/weather-station.yaml"),
                "--display-png", "oled=" + png, stdin=b"import station\rstation.run(1, 10)\r")
        self.assertIn("station 1: 21.50 C 1013.3 hPa 45.0 %RH", r.stdout.decode(errors="replace"))
        from PIL import Image
        panel = Image.open(png).convert("L")
        # "21.5": the glyph of 2 at (0, 4), of 1 at (18, 4), bit for bit.
        for digit, x0 in ((2, 0), (1, 18)):
            g = make_digits.glyph(make_digits.DIGITS[digit])
            for y in range(make_digits.H):
                for x in range(make_digits.W):
                    want = (g[y * 2 + x // 8] >> (7 - x % 8)) & 1
                    self.assertEqual(panel.getpixel((x0 + x, 4 + y)) > 127, bool(want), (digit, x, y))


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class RunRomfsTest(RomfsCase):
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


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class FlashMkfsTest(RomfsCase):
    """`boardemu flash mkfs --littlefs DIR FILE`: the board boots with the directory's files in
    its littlefs (main.py runs at boot), a ROMFS image already in FILE stays, bad input is one
    line."""

    def mkfs(self, *args):
        return subprocess.run([BOARDEMU, "flash", "mkfs", *args], capture_output=True, timeout=60)

    def test_files_are_there_at_boot_and_romfs_stays(self):
        src = os.path.join(self.dir, "files")
        write_tree(src, {"main.py": b"print('main.py from the host')\n",
                         "lib/hey.py": b"def hi():\n    return 'hi from /lib'\n", "data/blob.bin": bytes(range(256)) * 40})
        flash = os.path.join(self.dir, "flash.bin")
        # A ROMFS image first, kept in the flash file.
        run("--flash", flash, "--romfs", self.image(make_image(APP)), stdin=b"print('first')\r")
        r = self.mkfs("--board", "esp8266", "--littlefs", src, flash)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"3 files, 2 directories", r.stdout)
        r = run("--flash", flash, stdin=b"import os, sys\rprint(sorted(os.listdir('/')), sorted(os.listdir('/rom')))\r"
                                      b"sys.path.append('/lib'); import hey; print(hey.hi())\r"
                                      b"print(len(open('/data/blob.bin','rb').read()))\r")
        out = r.stdout.decode(errors="replace")
        self.assertTrue(out.startswith("main.py from the host"), out[:200])  # ran at boot
        self.assertNotIn("Making a littlefs filesystem", out)
        self.assertIn("['data', 'lib', 'main.py', 'rom'] ['lib', 'main.py']", out)  # littlefs and the ROMFS mount
        self.assertIn("hi from /lib", out)
        self.assertIn("10240", out)

    def test_bad_input_is_one_line(self):
        src = os.path.join(self.dir, "big")
        write_tree(src, {"huge.bin": os.urandom(3200 * 1024)})
        out = os.path.join(self.dir, "x.bin")
        self.one_line(self.mkfs("--littlefs", src, out), EXIT_BAD_INPUT, "huge.bin: no space left")
        self.assertFalse(os.path.exists(out), "nothing written on failure")
        self.one_line(self.mkfs("--board", "mps2-an385", "--littlefs", src, out), EXIT_BAD_INPUT,
                      "has no filesystem partition")
        wrong = os.path.join(self.dir, "wrong.bin")
        with open(wrong, "wb") as f:
            f.write(bytes(100))
        self.one_line(self.mkfs("--littlefs", src, wrong), EXIT_BAD_INPUT, "not a flash file of this board")
        self.one_line(self.mkfs("--littlefs", os.path.join(self.dir, "none"), out), EXIT_BAD_INPUT, "not a directory")
