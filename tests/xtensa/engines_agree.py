#!/usr/bin/env python3
"""Runs lx106 programs on boardemu's two LX106 engines and checks that they agree.

Usage: engines_agree.py --boardemu BIN ELF...

For each ELF (a program for the lx106-sim board that prints "bench ok" when its own checks
pass, as the programs of tests/xtensa/bench/ do): `boardemu run --board lx106-sim --firmware ELF
--stats` once with --engine jit and once with --engine interp. Both must exit 0 and print
"bench ok"; their output, cycle and instruction counts must be identical. Exit status 0 if all
agree, 1 otherwise, 77 (ctest's "skipped") when this build has no translator.
"""
import argparse
import re
import subprocess
import sys

STATS = re.compile(r"boardemu: (\d+) cycles \(([\d.]+) s virtual\), (\d+) instructions")


def run(boardemu, elf, engine):
    p = subprocess.run([boardemu, "run", "--board", "lx106-sim", "--firmware", elf, "--stats",
                        "--engine", engine], stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=600)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boardemu", required=True)
    ap.add_argument("elves", nargs="+", metavar="ELF")
    args = ap.parse_args()
    failures = 0
    for elf in args.elves:
        results = {}
        for engine in ("jit", "interp"):
            status, out, err = run(args.boardemu, elf, engine)
            if engine == "jit" and status == 2 and "not available in this build" in err:
                print("SKIP: this build has no LX106 translator (%s)" % err.strip())
                return 77
            m = STATS.search(err)
            problem = None
            if status != 0:
                problem = "exit status %d" % status
            elif "bench ok" not in out:
                problem = "no 'bench ok' line (its own checks failed)"
            elif not m:
                problem = "no --stats line on stderr"
            if problem:
                print("FAIL %s on %s: %s\n  stdout: %r\n  stderr: %s"
                      % (elf, engine, problem, out[-400:], err.strip()[-400:]))
                failures += 1
                break
            results[engine] = (out, int(m.group(1)), int(m.group(3)))
        if len(results) != 2:
            continue
        (out_j, cyc_j, ins_j), (out_i, cyc_i, ins_i) = results["jit"], results["interp"]
        if out_j != out_i or cyc_j != cyc_i or ins_j != ins_i:
            print("FAIL %s: engines disagree: jit %d cycles %d instructions, interp %d cycles %d "
                  "instructions\n  jit stdout: %r\n  interp stdout: %r"
                  % (elf, cyc_j, ins_j, cyc_i, ins_i, out_j, out_i))
            failures += 1
            continue
        print("ok   %s: %d instructions, %d cycles on both engines" % (elf, ins_j, cyc_j))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
