#!/usr/bin/python3
"""What the GUI costs the emulation (issue 11): the same CPU-bound workload under `boardemu run`
and under `boardemu gui --speed max` with every window open and redrawn at up to 60 frames per
second.

Usage: scripts/bench-gui.py [--runs N] [--board esp8266|mps2-an385|virt-rv32]
  --runs N    runs per configuration (default 3); the median is reported
  --board B   default esp8266 (with examples/esp8266/weather-station.yaml wired, so the board
              view, logic analyzer and bus monitor have parts and nets to show)

The workload is scripts/bench_workload.py (with fib(20) for fib(25) on esp8266, whose C stack
is small), pasted into the REPL over the process's stdin (`--uart0 stdio` in both modes, so the
GUI console does not take uart0). The time is wall time from the firmware's banner (so the window's
opening is not counted) to the workload's result line. The GUI runs on the X display in $DISPLAY, or on
a private Xvfb started here when there is none. The target: the GUI at most 15% slower.

Environment: BOARDEMU = boardemu binary (default build/boardemu).
Exit status: 0 ok, 1 a run failed, 2 usage error or something missing.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from repl_timing import time_to_result  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDEMU = os.environ.get("BOARDEMU", os.path.join(ROOT, "build", "boardemu"))
CIRCUIT = os.path.join(ROOT, "examples", "esp8266", "weather-station.yaml")
WORKLOAD = os.path.join(ROOT, "scripts", "bench_workload.py")


def workload(board):
    with open(WORKLOAD) as f:
        code = f.read()
    if board == "esp8266":
        assert "a = fib(25)" in code
        code = code.replace("a = fib(25)", "a = fib(20)")
    return code


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--board", default="esp8266")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be positive")
    if not os.path.exists(BOARDEMU):
        print("bench-gui: %s is missing: run `make build` first" % BOARDEMU, file=sys.stderr)
        return 2
    code = workload(a.board)
    expected = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout.decode().strip()
    env = dict(os.environ)
    xvfb = None
    if not env.get("DISPLAY"):
        if not shutil.which("Xvfb"):
            print("bench-gui: no DISPLAY and no Xvfb (apt install xvfb)", file=sys.stderr)
            return 2
        r, w = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            env["DISPLAY"] = ":" + f.readline().strip()
    common = ["--board", a.board, "--uart0", "stdio"]
    if a.board == "esp8266":
        common += ["--circuit", CIRCUIT]
    layout = tempfile.NamedTemporaryFile(suffix=".ini", delete=False).name
    configs = (("run", [BOARDEMU, "run", *common]),
               ("gui, as fast as possible, 60 fps", [BOARDEMU, "gui", *common, "--speed", "max", "--layout", layout]))
    print("CPU-bound workload (%s) on %s, %d runs each, wall seconds from banner to result (median):"
          % (os.path.basename(WORKLOAD), a.board, a.runs))
    medians = {}
    status = 0
    try:
        for label, cmd in configs:
            times = []
            for _ in range(a.runs):
                try:
                    times.append(time_to_result(cmd, code, expected, env=env, start_marker=b"MicroPython v"))
                except RuntimeError as e:
                    print("bench-gui: %s: %s" % (label, e), file=sys.stderr)
                    status = 1
            if times:
                medians[label] = statistics.median(times)
                print("  %-34s %7.2f s   (runs: %s)" % (label, medians[label], ", ".join("%.2f" % t for t in times)))
    finally:
        os.unlink(layout)
        if xvfb:
            xvfb.terminate()
            xvfb.wait()
    if len(medians) == 2:
        run, gui = medians[configs[0][0]], medians[configs[1][0]]
        print("  gui / run: %.3f  (target: at most 1.15)" % (gui / run))
    return status


if __name__ == "__main__":
    sys.exit(main())
