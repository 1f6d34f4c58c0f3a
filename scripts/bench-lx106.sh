#!/usr/bin/env bash
# Benchmarks boardemu's LX106 engines against QEMU on the same bare-metal C programs (built by
# CMake into <build>/tests/xtensa/): lx106_bench (tests/xtensa/bench/lx106_bench.c: CRC-32,
# quicksort, sieve, matrix multiply, string hashing; the program the translator was measured on
# while it was written) and four programs written afterwards and not tuned for:
# bench_checksums (table CRCs, Adler-32, Fletcher-16), bench_sorting (picolibc qsort, merge,
# heap and insertion sorts), bench_recursion (Fibonacci, Ackermann, N-queens, Hanoi, a
# recursive-descent parser) and bench_strings (picolibc's string functions, snprintf, strtol).
#
# Usage: scripts/bench-lx106.sh [--runs N] [--emulator both|boardemu|qemu] [--elf FILE]... [--engine E]
#   --runs N      runs per emulator and program (default 5), alternated: qemu, boardemu, qemu, ...
#   --emulator E  default both; `qemu` alone measures only the baseline
#   --elf FILE    a program to measure (repeatable); default: the five above
#   --engine E    boardemu's LX106 engine: jit (the translator, default) or interp
#
# What is measured (the same for both emulators): each run starts a fresh emulator process,
# `boardemu run --board lx106-sim --firmware FILE --stats --engine E` or `qemu-system-xtensa -M
# sim -cpu lx106 -semihosting -nographic -monitor none -kernel FILE`, and waits for it to exit;
# the program prints its checksums through semihosting and exits through semihosting. "wall s"
# is process start to exit (start-up included: both start in well under 0.1 s); "cpu s" is the
# user+system CPU time of the emulator process, the steadier figure on a shared machine. Every
# run's stdout must contain "bench ok" (each program's own checks), equal the first run's, and
# its exit status must be 0, otherwise the run counts as failed. boardemu's --stats line gives
# the instruction count, hence MIPS (QEMU executes the same instructions). The last line is the
# geometric mean of the per-program ratios of median wall times.
#
# Environment: BOARDEMU = boardemu binary (default build/boardemu).
#
# Exit status: 0 ok, 1 a run failed, 2 usage error or an emulator / a program is missing.
set -uo pipefail

die() { echo "bench-lx106: $*" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
BOARDEMU_BIN="${BOARDEMU:-$ROOT/build/boardemu}"
QEMU_XTENSA=qemu-system-xtensa
usage() { sed -n '10,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

runs=5
which=both
engine=jit
elves=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || usage; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --emulator) [ $# -ge 2 ] || usage; which="$2"; shift 2 ;;
    --emulator=*) which="${1#*=}"; shift ;;
    --elf) [ $# -ge 2 ] || usage; elves+=("$2"); shift 2 ;;
    --elf=*) elves+=("${1#*=}"); shift ;;
    --engine) [ $# -ge 2 ] || usage; engine="$2"; shift 2 ;;
    --engine=*) engine="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) echo "bench-lx106: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs needs a positive integer" ;; esac
case "$which" in both|boardemu|qemu) ;; *) die "unknown emulator '$which' (both, boardemu or qemu)" ;; esac
case "$engine" in interp|jit) ;; *) die "unknown engine '$engine' (jit or interp)" ;; esac
if [ ${#elves[@]} -eq 0 ]; then
  for name in lx106_bench bench_checksums bench_sorting bench_recursion bench_strings; do
    elves+=("$ROOT/build/tests/xtensa/$name.elf")
  done
fi
for elf in "${elves[@]}"; do
  [ -f "$elf" ] || die "no benchmark program $elf: build it first (cmake + ninja build the tests/xtensa programs)"
done
if [ "$which" != qemu ] && [ ! -x "$BOARDEMU_BIN" ]; then
  echo "bench-lx106: boardemu is not built yet ($BOARDEMU_BIN does not exist)." >&2
  echo "bench-lx106: build it first, or run 'scripts/bench-lx106.sh --emulator qemu' for the QEMU baseline only." >&2
  exit 2
fi
if [ "$which" != boardemu ]; then
  command -v "$QEMU_XTENSA" >/dev/null || die "$QEMU_XTENSA not installed (Debian package qemu-system-misc)"
fi

exec "$PY" - "$runs" "$which" "$BOARDEMU_BIN" "$QEMU_XTENSA" "$engine" "${elves[@]}" <<'EOF'
import math, os, re, statistics, subprocess, sys, time

runs, which, boardemu, qemu, engine = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
elves = sys.argv[6:]
RUN_TIMEOUT = 600  # seconds one run may take before it counts as failed
STATS = re.compile(r"boardemu: (\d+) cycles \(([\d.]+) s virtual\), (\d+) instructions")


def commands(elf):
    cmds = []
    if which != "boardemu":
        cmds.append(("qemu", [qemu, "-M", "sim", "-cpu", "lx106", "-semihosting", "-nographic",
                              "-monitor", "none", "-kernel", elf]))
    if which != "qemu":
        cmds.append(("boardemu", [boardemu, "run", "--board", "lx106-sim", "--firmware", elf,
                                  "--stats", "--engine", engine]))
    return cmds


def one_run(cmd):
    """(wall s, cpu s, stdout, stderr, exit status) of one emulator process."""
    r0 = os.times()
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
    r1 = os.times()
    cpu = (r1.children_user + r1.children_system) - (r0.children_user + r0.children_system)
    return t1 - t0, cpu, out.decode(errors="replace"), err.decode(errors="replace"), p.returncode


failed = False
table = []
for elf in elves:
    name = os.path.basename(elf).rsplit(".", 1)[0]
    rows = {emu: [] for emu, _ in commands(elf)}
    reference = None
    instructions = None
    for i in range(runs):
        for emu, cmd in commands(elf):  # alternated: a change of load hits both emulators alike
            try:
                wall, cpu, out, err, status = one_run(cmd)
            except (RuntimeError, OSError) as e:
                print("bench-lx106: %s %s run %d failed: %s" % (name, emu, i + 1, e), flush=True)
                failed = True
                continue
            problem = None
            if status != 0:
                problem = "exit status %d" % status
            elif "bench ok" not in out:
                problem = "wrong result (no 'bench ok' line)"
            elif reference is not None and out != reference:
                problem = "output differs from the first run's"
            if problem:
                print("bench-lx106: %s %s run %d failed: %s\n  stdout: %r\n  stderr: %s"
                      % (name, emu, i + 1, problem, out[-500:], err.strip()[-500:]), flush=True)
                failed = True
                continue
            if reference is None:
                reference = out
            m = STATS.search(err)
            if m:
                instructions = int(m.group(3))
            print("bench-lx106: %s %s run %d: %.3f s wall, %.2f s CPU" % (name, emu, i + 1, wall, cpu),
                  flush=True)
            rows[emu].append((wall, cpu))
    table.append((name, rows, instructions))

print()
print("boardemu engine %s, %d alternated run(s) per emulator and program: median wall and CPU "
      "seconds, boardemu's M instructions per second" % (engine, runs))
print("%-16s %13s %9s %9s %9s %9s %9s %7s" % ("program", "instructions", "qemu s", "qemu cpu",
                                               "boardemu", "b. cpu", "b. MIPS", "ratio"))
ratios = []
for name, rows, instructions in table:
    med = {e: statistics.median(r[0] for r in v) for e, v in rows.items() if v}
    cpu = {e: statistics.median(r[1] for r in v) for e, v in rows.items() if v}

    def cell(d, e, f):
        return (f % d[e]) if e in d else "%9s" % "-"

    ratio = med["boardemu"] / med["qemu"] if "boardemu" in med and "qemu" in med else None
    if ratio:
        ratios.append(ratio)
    mips = ("%9.1f" % (instructions / med["boardemu"] / 1e6) if instructions and "boardemu" in med
            else "%9s" % "-")
    print("%-16s %13s %s %s %s %s %s %7s" % (
        name, instructions if instructions else "-", cell(med, "qemu", "%9.3f"),
        cell(cpu, "qemu", "%9.2f"), cell(med, "boardemu", "%9.3f"), cell(cpu, "boardemu", "%9.2f"),
        mips, "%.2f" % ratio if ratio else "-"))
if ratios:
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print("ratio boardemu/qemu (median wall time): geometric mean %.2f, worst %.2f  [target <= 1.5]"
          % (geo, max(ratios)))
sys.exit(1 if failed else 0)
EOF
