#!/usr/bin/python3
"""A suite of scenarios run from reset and from a boot snapshot: what starting from a snapshot
saves (issue 13). Prints a table; the figures are host time (median of --runs runs of the whole
suite through `boardemu test`), the virtual time and instructions come from the JUnit reports.

The suite: N scenarios of the weather station (examples/esp8266/weather-station.yaml, its app
and drivers on the board's littlefs), each setting another temperature and pressing the button
a few times, then waiting for the readings that show them. From reset, each boots MicroPython,
mounts the filesystem and compiles the app and its two drivers (about 19 M instructions);
from the snapshot (taken once, by `boardemu run --save-snapshot`, after the app printed its log
line) each starts right there.

    scripts/bench-scenarios.py [--count 50] [--runs 3] [--jobs 1]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BOARDEMU = os.environ.get("BOARDEMU", os.path.join(ROOT, "build", "boardemu"))
EX = os.path.join(ROOT, "examples", "esp8266")
CIRCUIT = os.path.join(EX, "weather-station.yaml")
SNAPSHOT_AT_MS = 560  # after "log: 0 readings so far" (551 ms), before the first reading (618 ms)


def steps(i):
    celsius = 10 + (i % 40) * 0.5
    presses = 1 + i % 3
    out = [
        "  - fail-serial: Traceback",
        "  - wait-serial: {text: 'reading 1:', timeout: 2s}",
        f"  - set-control: {{part-id: env, control: temperature, value: {celsius}}}",
    ]
    for _ in range(presses):
        out += ["  - set-control: {part-id: btn1, control: pressed, value: 1}", "  - delay: 20ms",
                "  - set-control: {part-id: btn1, control: pressed, value: 0}", "  - delay: 20ms"]
    out.append(f"  - wait-serial: {{regex: 'reading \\d+: {celsius:.2f} C .* button presses {presses}', timeout: 3s}}")
    return "\n".join(out) + "\n"


def write_suite(directory, count, start):
    os.makedirs(directory)
    for i in range(count):
        with open(os.path.join(directory, f"s{i:03d}.yaml"), "w") as f:
            f.write(f"name: weather {i}\nboard: esp8266\ncircuit: {CIRCUIT}\ntimeout: 20s\n{start}steps:\n{steps(i)}")


def run_suite(directory, jobs, report):
    t0 = time.monotonic()
    r = subprocess.run([BOARDEMU, "test", "--jobs", str(jobs), "--junit", report, directory],
                       capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"bench-scenarios: the suite in {directory} failed:\n{r.stdout[-3000:]}{r.stderr}")
    cases = list(ET.parse(report).getroot().iter("testcase"))
    props = [{p.get("name"): float(p.get("value")) for p in tc.iter("property")} for tc in cases]
    # What the scenarios ran themselves: from a snapshot, its time and count are not theirs.
    return (elapsed, len(cases), sum(p["virtual_ms"] - p.get("start_virtual_ms", 0) for p in props),
            sum(p["instructions"] - p.get("start_instructions", 0) for p in props))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="boardemu-bench-scenarios-")
    try:
        tree = os.path.join(tmp, "files")
        shutil.copytree(os.path.join(EX, "weather-station"), tree)
        for f in os.listdir(os.path.join(EX, "lib")):
            shutil.copy(os.path.join(EX, "lib", f), tree)
        # The boot snapshot: the app on littlefs in a flash file, run to SNAPSHOT_AT_MS.
        flash = os.path.join(tmp, "flash.bin")
        snap = os.path.join(tmp, "boot.snap")
        subprocess.run([BOARDEMU, "flash", "mkfs", "--board", "esp8266", "--littlefs", tree, flash],
                       check=True, capture_output=True)
        t0 = time.monotonic()
        subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--circuit", CIRCUIT, "--flash", flash,
                        "--uart0", "null", "--save-snapshot", snap, "--at-virtual-ms", str(SNAPSHOT_AT_MS),
                        "--timeout-virtual-ms", str(SNAPSHOT_AT_MS + 1)], capture_output=True)
        snap_seconds = time.monotonic() - t0
        if not os.path.exists(snap):
            sys.exit("bench-scenarios: no snapshot was written")
        reset_dir, snap_dir = os.path.join(tmp, "from-reset"), os.path.join(tmp, "from-snapshot")
        write_suite(reset_dir, a.count, f"files: [{tree}]\n")
        write_suite(snap_dir, a.count, f"snapshot: {snap}\n")
        results = {"reset": [], "snapshot": []}
        for _ in range(a.runs):  # alternated, so both see the same machine load
            results["reset"].append(run_suite(reset_dir, a.jobs, os.path.join(tmp, "r.xml")))
            results["snapshot"].append(run_suite(snap_dir, a.jobs, os.path.join(tmp, "s.xml")))
        print(f"{a.count} weather-station scenarios on esp8266, --jobs {a.jobs}, median of {a.runs} runs; "
              f"boot snapshot at {SNAPSHOT_AT_MS} ms: {os.path.getsize(snap)} bytes, taken in {snap_seconds:.2f} s")
        print(f"| start | suite (s) | per scenario (ms) | virtual time (s) | instructions (M) |")
        print(f"|---|---|---|---|---|")
        med = {}
        for name in ("reset", "snapshot"):
            rows = results[name]
            med[name] = statistics.median(r[0] for r in rows)
            _, n, vms, instr = rows[0]
            print(f"| {name} | {med[name]:.2f} | {1000 * med[name] / n:.1f} | {vms / 1000:.1f} | {instr / 1e6:.1f} |")
        print(f"ratio reset / snapshot: {med['reset'] / med['snapshot']:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
