#!/usr/bin/python3
"""What pins, buses and parts cost (issue 10), on the esp8266 board with our MicroPython port.

Usage: scripts/bench-pins.py [--runs N] [--seconds S]
  --runs N     runs per configuration (default 3); the median is reported
  --seconds S  emulated seconds of the BME280 polling loop (default 5)

1. CPU-bound: scripts/bench_workload.py (the script `make bench` runs on the Unicorn boards, with
   fib(20) for fib(25), which is deeper than the port's C stack allows),
   pasted into the REPL of `boardemu run --board esp8266`, once on the bare board and once with
   examples/esp8266/weather-station.yaml (five parts on four nets, nothing observing them). The
   time is wall time from process start to the workload's result line (boot included: the same
   in both), so run it on an otherwise idle machine. The target: at most 5% slower with the
   circuit.
2. A BME280 polled over bit-banged I2C (SoftI2C, 400 kHz) in a loop, for S emulated seconds
   (--timeout-virtual-ms): the host CPU seconds (user+system, from wait4) per emulated second,
   without observers and with a VCD recording every net (--vcd FILE, no --vcd-signals).

QEMU has no ESP8266 machine and no pins, so there is no QEMU column here: the CPU-bound
comparison with QEMU is scripts/bench-lx106.sh (`make bench`).

Environment: BOARDEMU = boardemu binary (default build/boardemu).
Exit status: 0 ok, 1 a run failed (wrong output), 2 usage error or something missing.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from repl_timing import time_to_result  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDEMU = os.environ.get("BOARDEMU", os.path.join(ROOT, "build", "boardemu"))
FIRMWARE = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
CIRCUIT = os.path.join(ROOT, "examples", "esp8266", "weather-station.yaml")
WORKLOAD = os.path.join(ROOT, "scripts", "bench_workload.py")
BME280 = os.path.join(ROOT, "examples", "esp8266", "lib", "bme280.py")


def paste(code):
    return b"\x05" + code.encode().replace(b"\n", b"\r") + b"\x04"


def workload():
    """scripts/bench_workload.py with fib(20) for fib(25): the port's 8 KiB C stack allows about
    22 levels of Python recursion (firmware/esp8266/README.md)."""
    with open(WORKLOAD) as f:
        code = f.read()
    assert "a = fib(25)" in code
    return code.replace("a = fib(25)", "a = fib(20)")


def cpu_bound(extra, expected):
    """Seconds from process start to the workload's checksum line."""
    return time_to_result([BOARDEMU, "run", "--board", "esp8266", *extra], workload(), expected, deadline_s=600)


def polling(extra, seconds):
    """Host CPU seconds (user+system) for `seconds` emulated seconds of BME280 polling."""
    with open(BME280) as f:
        driver = f.read()
    code = driver + ("\nfrom machine import Pin, SoftI2C\n"
                     "s = BME280(SoftI2C(scl=Pin(5), sda=Pin(4), freq=400000), address=0x76)\n"
                     "n = 0\n"
                     "while True:\n"
                     " s.read_compensated(); n += 1\n"
                     " if n % 50 == 0: print('readings', n)\n")
    p = subprocess.Popen([BOARDEMU, "run", "--board", "esp8266", "--circuit", CIRCUIT,
                          "--timeout-virtual-ms", str(int(seconds * 1000)), *extra],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(paste(code))
    if p.returncode != 124:
        raise RuntimeError("exit %s: %s" % (p.returncode, err.decode()[-300:]))
    counts = re.findall(rb"readings (\d+)", out)
    if not counts:
        raise RuntimeError("no readings: %r" % out[-300:])
    return int(counts[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    if a.runs < 1 or a.seconds <= 0:
        ap.error("--runs and --seconds must be positive")
    for path in (BOARDEMU, FIRMWARE):
        if not os.path.exists(path):
            print("bench-pins: %s is missing: run `make build` first" % path, file=sys.stderr)
            return 2
    expected = subprocess.run([sys.executable, "-c", workload()], check=True, capture_output=True).stdout.decode().strip()

    print("1. CPU-bound workload (%s) on esp8266, %d runs each, seconds from start to result:"
          % (os.path.basename(WORKLOAD), a.runs))
    results = {}
    for label, extra in (("bare board", []), ("with weather-station circuit", ["--circuit", CIRCUIT])):
        times = []
        for _ in range(a.runs):
            try:
                times.append(cpu_bound(extra, expected))
            except RuntimeError as e:
                print("bench-pins: %s: %s" % (label, e), file=sys.stderr)
                return 1
        results[label] = statistics.median(times)
        print("   %-30s median %.2f s  (min %.2f, max %.2f)" % (label, results[label], min(times), max(times)))
    ratio = results["with weather-station circuit"] / results["bare board"]
    print("   ratio circuit / bare: %.3f (target <= 1.05)" % ratio)

    print("2. BME280 polled over SoftI2C for %g emulated s, %d runs each, host CPU s per emulated s:"
          % (a.seconds, a.runs))
    with tempfile.TemporaryDirectory() as tmp:
        vcd = os.path.join(tmp, "all.vcd")
        base = None
        for label, extra in (("no observers", []), ("VCD of all nets", ["--vcd", vcd])):
            per_s, readings = [], 0
            for _ in range(a.runs):
                t0 = os.times()
                try:
                    readings = polling(extra, a.seconds)
                except RuntimeError as e:
                    print("bench-pins: %s: %s" % (label, e), file=sys.stderr)
                    return 1
                t1 = os.times()
                per_s.append(((t1.children_user - t0.children_user) + (t1.children_system - t0.children_system))
                             / a.seconds)
            med = statistics.median(per_s)
            size = " , VCD %.1f MB" % (os.path.getsize(vcd) / 1e6) if extra else ""
            rel = "" if base is None else " , %.2fx" % (med / base)
            base = base or med
            print("   %-30s %.3f host s / emulated s  (%d readings in %g s%s%s)"
                  % (label, med, readings, a.seconds, size, rel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
