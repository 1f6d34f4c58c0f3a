#!/usr/bin/env bash
# Benchmarks boardemu's LX106 interpreter against QEMU on the same bare-metal program
# (tests/xtensa/bench/lx106_bench.c: CRC-32, quicksort, sieve, matrix multiply, string hashing
# with libgcc division; built by CMake as <build>/tests/xtensa/lx106_bench.elf).
#
# Usage: scripts/bench-lx106.sh [--runs N] [--emulator both|boardemu|qemu] [--elf FILE] [--engine E]
#   --runs N      runs per emulator (default 5)
#   --emulator E  default both; `qemu` alone measures only the baseline
#   --elf FILE    default build/tests/xtensa/lx106_bench.elf
#   --engine E    boardemu's LX106 engine: interp (default) or jit (docs/lx106-translator.md)
#
# What is measured (the same for both emulators): each run starts a fresh emulator process,
# `boardemu run --board lx106-sim --firmware FILE --stats` or `qemu-system-xtensa -M sim -cpu
# lx106 -semihosting -nographic -monitor none -kernel FILE`, and waits for it to exit; the program
# prints its checksums through semihosting and exits through semihosting. "wall s" is process
# start to exit (start-up included: both start in well under 0.1 s, small against the run);
# "cpu s" is the user+system CPU time of the emulator process (all threads), the steadier figure
# on a shared machine. Every run's stdout must equal the first QEMU run's (or, with
# --emulator boardemu, contain "bench ok", which the program prints only when all checksums
# equal the values a host build computes) and its exit status must be 0, otherwise the run
# counts as failed. boardemu's --stats line gives the instruction count, hence MIPS (for QEMU
# too: it executes the same instructions).
#
# Environment: BOARDEMU = boardemu binary (default build/boardemu).
#
# Exit status: 0 ok, 1 a run failed, 2 usage error or an emulator / the program is missing.
set -uo pipefail

die() { echo "bench-lx106: $*" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
BOARDEMU_BIN="${BOARDEMU:-$ROOT/build/boardemu}"
QEMU_XTENSA=qemu-system-xtensa
usage() { sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

runs=5
which=both
engine=interp
elf="$ROOT/build/tests/xtensa/lx106_bench.elf"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || usage; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --emulator) [ $# -ge 2 ] || usage; which="$2"; shift 2 ;;
    --emulator=*) which="${1#*=}"; shift ;;
    --elf) [ $# -ge 2 ] || usage; elf="$2"; shift 2 ;;
    --elf=*) elf="${1#*=}"; shift ;;
    --engine) [ $# -ge 2 ] || usage; engine="$2"; shift 2 ;;
    --engine=*) engine="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) echo "bench-lx106: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs needs a positive integer" ;; esac
case "$which" in both|boardemu|qemu) ;; *) die "unknown emulator '$which' (both, boardemu or qemu)" ;; esac
case "$engine" in interp|jit) ;; *) die "unknown engine '$engine' (interp or jit)" ;; esac
[ -f "$elf" ] || die "no benchmark program $elf: build it first (cmake + ninja build the tests/xtensa programs)"
if [ "$which" != qemu ] && [ ! -x "$BOARDEMU_BIN" ]; then
  echo "bench-lx106: boardemu is not built yet ($BOARDEMU_BIN does not exist)." >&2
  echo "bench-lx106: build it first, or run 'scripts/bench-lx106.sh --emulator qemu' for the QEMU baseline only." >&2
  exit 2
fi
if [ "$which" != boardemu ]; then
  command -v "$QEMU_XTENSA" >/dev/null || die "$QEMU_XTENSA not installed (Debian package qemu-system-misc)"
fi

exec "$PY" - "$elf" "$runs" "$which" "$BOARDEMU_BIN" "$QEMU_XTENSA" "$engine" <<'EOF'
import os, re, statistics, subprocess, sys, time

elf, runs, which, boardemu, qemu = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
engine = sys.argv[6]
RUN_TIMEOUT = 600  # seconds one run may take before it counts as failed
commands = []
if which != "boardemu":
    commands.append(("qemu", [qemu, "-M", "sim", "-cpu", "lx106", "-semihosting", "-nographic",
                              "-monitor", "none", "-kernel", elf]))
if which != "qemu":
    commands.append(("boardemu", [boardemu, "run", "--board", "lx106-sim", "--firmware", elf,
                                  "--stats", "--engine", engine]))
STATS = re.compile(r"boardemu: (\d+) cycles \(([\d.]+) s virtual\), (\d+) instructions")


def one_run(cmd):
    """(wall s, stdout, stderr, exit status) of one emulator process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise RuntimeError("no exit within %d s" % RUN_TIMEOUT)
    t1 = time.perf_counter()
    return t1 - t0, out.decode(errors="replace"), err.decode(errors="replace"), p.returncode


def children_cpu():
    r = os.times()
    return r.children_user + r.children_system


reference = None
results = {}
failed = False
instructions = None
cycles = None
for name, cmd in commands:
    print("bench-lx106: %s: %s" % (name, " ".join(cmd)), flush=True)
    rows = []
    for i in range(runs):
        c0 = children_cpu()
        try:
            wall, out, err, status = one_run(cmd)
        except (RuntimeError, OSError) as e:
            print("bench-lx106: %s run %d failed: %s" % (name, i + 1, e), flush=True)
            failed = True
            continue
        cpu = children_cpu() - c0
        problem = None
        if status != 0:
            problem = "exit status %d" % status
        elif "bench ok" not in out:
            problem = "wrong result (no 'bench ok' line)"
        elif reference is not None and out != reference:
            problem = "output differs from QEMU's"
        if problem:
            print("bench-lx106: %s run %d failed: %s\n  stdout: %r\n  stderr: %s"
                  % (name, i + 1, problem, out[-500:], err.strip()[-500:]), flush=True)
            failed = True
            continue
        if name == "qemu" and reference is None:
            reference = out
        m = STATS.search(err)
        extra = ""
        if m:
            cycles, instructions = int(m.group(1)), int(m.group(3))
            extra = ", %d instructions, %.1f MIPS" % (instructions, instructions / wall / 1e6)
        print("bench-lx106: %s run %d: %.3f s wall, %.2f s CPU%s" % (name, i + 1, wall, cpu, extra),
              flush=True)
        rows.append((wall, cpu))
    if rows:
        results[name] = rows

print()
print("program %s, boardemu engine %s, %d run(s) each%s" % (os.path.basename(elf), engine, runs,
      ", %d instructions, %d cycles" % (instructions, cycles) if instructions else ""))
print("%-9s %5s %9s %9s %9s %9s" % ("emulator", "runs", "min s", "median s", "cpu s", "MIPS"))
med, mins, cpu = {}, {}, {}
for name, rows in results.items():
    med[name] = statistics.median(r[0] for r in rows)
    mins[name] = min(r[0] for r in rows)
    cpu[name] = statistics.median(r[1] for r in rows)
    mips = "%9.1f" % (instructions / med[name] / 1e6) if instructions else "%9s" % "-"
    print("%-9s %5d %9.3f %9.3f %9.2f %s" % (name, len(rows), mins[name], med[name], cpu[name], mips))
if "boardemu" in med and "qemu" in med:
    print("ratio boardemu/qemu: %.2f (median), %.2f (min), %.2f (cpu)  [target <= 5]"
          % (med["boardemu"] / med["qemu"], mins["boardemu"] / mins["qemu"],
             cpu["boardemu"] / cpu["qemu"] if cpu["qemu"] else float("nan")))
sys.exit(1 if failed else 0)
EOF
