#!/usr/bin/python3
"""What ROMFS buys (issue 12): the same package imported three ways on the esp8266 board with our
MicroPython port, measured inside the guest in virtual time (so the figures are the same on
every run and machine).

Usage: scripts/bench-romfs.py

The package is romfs_images/weather's `station` with its two drivers (bme280, ssd1306) and its
font (build/romfs_images/src/weather, staged by `make build`):
  1. .mpy from ROMFS: build/romfs_images/weather.img given with --romfs, imported from /rom/lib;
  2. .mpy on littlefs: the same .mpy files copied to the littlefs root with mpremote;
  3. .py on littlefs: the sources copied the same way.
For each, in a fresh run (the firmware soft-resets before each measurement, as mpremote's raw
REPL does): the import time (time.ticks_us, virtual; and in CPU cycles at 80 MHz), the heap the
import keeps (gc.mem_alloc() after gc.collect(), after minus before), the heap left free, and
the largest single block that can still be allocated afterwards (found by bisection), which
bounds the biggest buffer the application could still make.

Then the largest application that still fits each way: a synthetic application of N modules
(each six functions of 30 statements, about 5.3 KiB of source, 2.3 KiB of .mpy) whose main
module imports them all; N is bisected for the largest that imports without MemoryError
(ROMFS: and whose image fits the 320 KiB partition).

Environment: BOARDEMU = boardemu binary (default build/boardemu).
Exit status: 0 ok, 1 a run failed, 2 something missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDEMU = os.environ.get("BOARDEMU", os.path.join(ROOT, "build", "boardemu"))
IMAGE = os.path.join(ROOT, "build", "romfs_images", "weather.img")
STAGED = os.path.join(ROOT, "build", "romfs_images", "src", "weather", "lib")
MPY_CROSS = os.path.join(ROOT, "build", "deps", "micropython", "mpy-cross", "build", "mpy-cross")
MPREMOTE_ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([
    os.path.join(ROOT, "scripts", "python"), os.path.join(ROOT, "build", "deps", "micropython", "tools", "mpremote")]))
HZ = 80_000_000

MEASURE = """
import gc, time
gc.collect()
a0 = gc.mem_alloc()
t0 = time.ticks_us()
import station
t1 = time.ticks_us()
gc.collect()
a1 = gc.mem_alloc()
lo, hi = 0, gc.mem_free()
while lo < hi:
    mid = (lo + hi + 1) // 2
    try:
        b = bytearray(mid)
        del b
        lo = mid
    except MemoryError:
        hi = mid - 1
    gc.collect()
print('result', time.ticks_diff(t1, t0), a1 - a0, gc.mem_free(), lo, station.__file__)
"""


def mpremote(pty, *args):
    r = subprocess.run(["/usr/bin/python3", "-m", "mpremote", "connect", pty, *args], capture_output=True,
                       timeout=300, env=MPREMOTE_ENV)
    if r.returncode != 0:
        raise RuntimeError("mpremote %s: %s" % (" ".join(args), (r.stdout + r.stderr).decode()[-400:]))
    return r.stdout.decode()


def measure(extra, files):
    """Boots a fresh board (with `extra` options), copies `files` (a directory) to the littlefs
    root if given, and returns (import us, kept bytes, free bytes, largest block, module file)."""
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.Popen([BOARDEMU, "run", "--board", "esp8266", "--flash", os.path.join(d, "flash.bin"),
                              "--uart0", "pty", *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            pty = re.search(rb"/dev/pts/\d+", p.stdout.readline()).group(0).decode()
            if files:
                names = sorted(os.listdir(files))
                mpremote(pty, "fs", "cp", "-r", *[os.path.join(files, n) for n in names], ":")
            out = mpremote(pty, "exec", MEASURE)
        finally:
            p.terminate()
            p.wait(30)
            p.stdout.close()
    m = re.search(r"result (\d+) (\d+) (\d+) (\d+) (\S+)", out)
    if not m:
        raise RuntimeError("no result: %r" % out[-400:])
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5)


def tree(kind, dest):
    """The package as .py (the staged sources) or .mpy (compiled as the image's are)."""
    shutil.copytree(STAGED, dest)
    if kind == "mpy":
        for base, _, names in os.walk(dest):
            for n in names:
                if n.endswith(".py"):
                    src = os.path.join(base, n)
                    subprocess.run([MPY_CROSS, "-o", src[:-3] + ".mpy", src], check=True)
                    os.remove(src)
    return dest


def synthetic_app(dest, n, kind):
    """N modules app_m<i> and app_main importing them all, as .py or compiled .mpy."""
    os.makedirs(dest)
    # Six functions of 30 statements each: bytecode-heavy, as application code is.
    stmts = "".join("    x = (x * %d + %d) %% 65521\n" % (j + 3, j) for j in range(30))
    body = "".join("def f%d(x):\n%s    return x\n\n" % (k, stmts) for k in range(6))
    for i in range(n):
        with open(os.path.join(dest, "app_m%d.py" % i), "w") as f:
            f.write("# module %d\nNAME = 'app_m%d'\n\n%s" % (i, i, body))
    with open(os.path.join(dest, "app_main.py"), "w") as f:
        f.write("".join("import app_m%d\n" % i for i in range(n)) + "print('app ok', %d)\n" % n)
    if kind == "mpy":
        for name in os.listdir(dest):
            src = os.path.join(dest, name)
            subprocess.run([MPY_CROSS, "-o", src[:-3] + ".mpy", src], check=True)
            os.remove(src)
    return dest


def app_fits(way, n):
    """Whether the N-module application imports (way: romfs, mpy or py)."""
    with tempfile.TemporaryDirectory() as d:
        src = synthetic_app(os.path.join(d, "app"), n, "py" if way == "py" else "mpy")
        extra, files = [], src
        if way == "romfs":
            img = os.path.join(d, "app.img")
            subprocess.run([BOARDEMU, "romfs", "build", os.path.join(d, "app"), "-o", img, "--no-mpy"], check=True,
                           capture_output=True)
            if os.path.getsize(img) > 320 * 1024:
                return False
            extra, files = ["--romfs", img], None
        p = subprocess.Popen([BOARDEMU, "run", "--board", "esp8266", "--flash", os.path.join(d, "flash.bin"),
                              "--uart0", "pty", *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            pty = re.search(rb"/dev/pts/\d+", p.stdout.readline()).group(0).decode()
            if files:
                mpremote(pty, "fs", "cp", *[os.path.join(files, n) for n in sorted(os.listdir(files))], ":")
            r = subprocess.run(["/usr/bin/python3", "-m", "mpremote", "connect", pty, "exec",
                                "import sys; sys.path.append('/rom')\ntry:\n import app_main\nexcept MemoryError:\n"
                                " print('app MemoryError')"], capture_output=True, timeout=300, env=MPREMOTE_ENV)
            out = r.stdout.decode()
        finally:
            p.terminate()
            p.wait(30)
            p.stdout.close()
    if "app ok" in out:
        return True
    if "MemoryError" in out:
        return False
    raise RuntimeError("app of %d modules (%s): %r" % (n, way, out[-300:]))


def largest_app(way, hi):
    """The largest N in [1, hi] for which the application fits (bisection; fitting is monotonic)."""
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if app_fits(way, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def main():
    for path in (BOARDEMU, IMAGE, STAGED, MPY_CROSS):
        if not os.path.exists(path):
            print("bench-romfs: %s is missing: run `make build` first" % path, file=sys.stderr)
            return 2
    rows = []
    with tempfile.TemporaryDirectory() as d:
        ways = [(".mpy from ROMFS (in place)", ["--romfs", IMAGE], None),
                (".mpy on littlefs", [], tree("mpy", os.path.join(d, "mpy"))),
                (".py on littlefs", [], tree("py", os.path.join(d, "py")))]
        for label, extra, files in ways:
            try:
                rows.append((label,) + measure(extra, files))
            except RuntimeError as e:
                print("bench-romfs: %s: %s" % (label, e), file=sys.stderr)
                return 1
    print("Importing romfs_images/weather's `station` package (station, bme280, ssd1306; virtual time, esp8266 at 80 MHz):")
    print("  %-28s %12s %14s %12s %12s %14s" % ("way", "import ms", "cycles", "heap kept", "heap free",
                                                "largest block"))
    for label, us, kept, free, block, where in rows:
        print("  %-28s %12.2f %14d %12d %12d %14d   (%s)" % (label, us / 1000, us * HZ // 1_000_000, kept, free, block,
                                                            where))
    base = rows[0]
    for label, us, kept, *_ in rows[1:]:
        print("  ROMFS vs %s: import %.1fx faster, %.1fx less heap kept" % (label, us / base[1], kept / max(base[2], 1)))
    print("Largest application that still imports (N modules of six 30-statement functions each):")
    for way, label in (("romfs", ".mpy from ROMFS (in place)"), ("mpy", ".mpy on littlefs"), ("py", ".py on littlefs")):
        try:
            n = largest_app(way, 400)
        except RuntimeError as e:
            print("bench-romfs: %s: %s" % (label, e), file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as d:
            src = synthetic_app(os.path.join(d, "a"), n, "py" if way == "py" else "mpy")
            size = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src))
            full = ""
            if way == "romfs":
                img = os.path.join(d, "next.img")
                subprocess.run([BOARDEMU, "romfs", "build", synthetic_app(os.path.join(d, "b"), n + 1, "mpy"), "-o",
                                img, "--no-mpy"], check=True, capture_output=True)
                if os.path.getsize(img) > 320 * 1024:
                    full = "  (limit: the 320 KiB ROMFS partition)"
        print("  %-28s %4d modules (%d KiB of %s)%s" % (label, n, size // 1024, ".py" if way == "py" else ".mpy", full))
    return 0


if __name__ == "__main__":
    sys.exit(main())
