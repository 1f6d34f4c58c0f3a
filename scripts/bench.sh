#!/usr/bin/env bash
# Benchmarks boardemu against QEMU on the same firmware and the same CPU-bound MicroPython script
# (scripts/bench_workload.py).
#
# Usage: scripts/bench.sh [--runs N] [--board B] [--emulator both|boardemu|qemu]
#   --runs N      runs per emulator (default 5), alternated: boardemu, qemu, boardemu, ...
#   --board B     mps2-an385 (default), virt-rv32, esp8266 (QEMU: our port's LX106_SIM build on
#                 `-M sim -cpu lx106`), esp8266-v2 (boardemu only)
#   --emulator E  default both; `qemu` alone measures only the baseline
#
# What is measured (the same for both emulators): each run starts a fresh emulator process whose
# UART is a pty (`boardemu run --board B --uart0 pty`, `qemu-system-... -serial pty`), connects
# to it with MicroPython's tools/pyboard.py (the execpty transport run-tests.py uses), enters the
# raw REPL (which soft-resets the interpreter) and sends the workload in raw-paste mode. The
# board acknowledges the end of the pasted text *before* it compiles and runs it; the clock
# starts at that acknowledgement and stops when the first byte of output arrives (a blocking
# read, no polling). The workload prints a single line, only at its very end, so the figure is
# "compile + execute" of the script, excluding emulator start-up, firmware boot, pty connection
# and script transfer. Those are reported separately: "startup" is process start to raw REPL
# ready, "empty" is the same measurement for an empty script (the fixed cost of one raw-REPL
# exchange through the emulated UART; QEMU answers before the host even looks, so it reads ~0),
# which is *not* subtracted. "cpu s" is the user+system CPU time the emulator process (all its
# threads) used over the timed interval: it is the steadier figure when the machine is shared,
# since wall time then also counts the time the emulator waited for a core. Every run's output
# must match what CPython prints for the same script, otherwise the run counts as failed.
# On esp8266 boards the workload computes fib(20) instead of fib(25), which recurses deeper than
# the port's 8 KiB C stack allows. "MIPS" is the instructions boardemu executes for the workload
# (counted deterministically by the scenario runner: an exec of the workload minus an exec of
# `pass`) over its median time.
# QEMU's ~1 s "startup" is mostly QEMU itself: its pty backend notices that the other side has
# been opened only on a 1 s poll, and holds the first input until then.
#
# Environment: BOARDEMU = boardemu binary (default build/boardemu).
#
# Exit status: 0 ok, 1 a run failed, 2 usage error or an emulator / firmware is missing
# (in particular when build/boardemu does not exist yet).
set -uo pipefail

die() { echo "bench: $*" >&2; exit 2; }
# ROOT, MPY, PY, BOARDEMU_BIN; the board, check and command helpers.
# shellcheck source-path=SCRIPTDIR source=lib/emulators.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulators.sh"
WORKLOAD="$ROOT/scripts/bench_workload.py"
usage() { sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

runs=5
board=mps2-an385
which=both
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || usage; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --board) [ $# -ge 2 ] || usage; board="$2"; shift 2 ;;
    --board=*) board="${1#*=}"; shift ;;
    --emulator) [ $# -ge 2 ] || usage; which="$2"; shift 2 ;;
    --emulator=*) which="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) echo "bench: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs needs a positive integer" ;; esac
emu_board "$board"
case "$which" in both|boardemu|qemu) ;; *) die "unknown emulator '$which' (both, boardemu or qemu)" ;; esac

emu_require_firmware
emu_require_mpy_file tools/pyboard.py
emu_require_pyserial
emu_require_spaceless_root

if [ "$which" != qemu ] && [ ! -x "$BOARDEMU_BIN" ]; then
  echo "bench: boardemu is not built yet ($BOARDEMU_BIN does not exist)." >&2
  echo "bench: build it first, or run 'scripts/bench.sh --emulator qemu' for the QEMU baseline only." >&2
  exit 2
fi
[ "$which" = boardemu ] || emu_require_qemu

# Each emulator as two arguments for the Python below: "name=command", then "ok" if the command
# prints its /dev/pts/N line (pyboard.py would wait for it forever), or why it does not.
emus=()
add_emulator() {  # NAME, with its command in EMU_CMD
  local verdict=ok
  if ! emu_wait_for_pty "$EMU_CMD"; then
    verdict="no first output line naming /dev/pts/N within 10 s (got $EMU_PTY_LINE)"
    verdict="${EMU_PTY_ERROR:-$verdict}"
  fi
  emus+=("$1=$EMU_CMD" "$verdict")
}
# shellcheck disable=SC2119  # the benchmark passes no extra emulator arguments
if [ "$which" != qemu ]; then emu_boardemu_command; add_emulator boardemu; fi
# shellcheck disable=SC2119
if [ "$which" != boardemu ]; then emu_qemu_command; add_emulator qemu; fi

exec "$PY" - "$MPY/tools" "$WORKLOAD" "$runs" "$board" "$EMU_BOARD" "$BOARDEMU_BIN" "$EMU_FIRMWARE_ARG" "${emus[@]}" <<'EOF'
import json, os, re, statistics, subprocess, sys, tempfile, time

tools, workload_path, runs, board = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
emu_board, boardemu_bin, boardemu_extra = sys.argv[5], sys.argv[6], sys.argv[7].split()
emus = [a.split("=", 1) + [verdict] for a, verdict in zip(sys.argv[8::2], sys.argv[9::2])]
sys.path.insert(0, tools)
import pyboard

with open(workload_path, "rb") as f:
    workload = f.read()
if board.startswith("esp8266"):
    # fib(25) recurses deeper than the ESP8266 port's 8 KiB C stack allows (as on the chip).
    assert b"a = fib(25)" in workload
    workload = workload.replace(b"a = fib(25)", b"a = fib(20)")
expected = subprocess.run([sys.executable, "-c", workload], check=True,
                          capture_output=True).stdout.strip()
EXEC_TIMEOUT = 600  # seconds a single execution may take before the run counts as failed


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of process `pid` and the processes it started (QEMU on esp8266 runs
    under a wrapper), all threads (from /proc, 1/CLK_TCK s steps)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0))[1]
        todo.extend(child for child, (parent, _) in stats.items() if parent == p)
    return total / CLK_TCK


def timed_exec(pyb, script):
    """Paste `script`; return (wall seconds from end-of-paste ack to first output byte, emulator
    CPU seconds over the same interval, stdout)."""
    pid = pyb.serial.subp.pid
    pyb.exec_raw_no_follow(script)  # returns once the board acknowledged the end of the paste
    c0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    first = pyb.serial.read(1)  # blocking, up to the serial timeout
    t1 = time.perf_counter()
    c1 = cpu_seconds(pid)
    if not first:
        raise pyboard.PyboardError("no output within %d s" % EXEC_TIMEOUT)
    out = first + pyb.read_until(1, b"\x04", timeout=EXEC_TIMEOUT) if first != b"\x04" else first
    err = pyb.read_until(1, b"\x04", timeout=EXEC_TIMEOUT)
    if not out.endswith(b"\x04") or not err.endswith(b"\x04"):
        raise pyboard.PyboardError("incomplete raw-REPL answer: %r %r" % (out, err))
    if err[:-1]:
        raise pyboard.PyboardError("exception on the board: %s" % err[:-1].decode(errors="replace"))
    return t1 - t0, c1 - c0, out[:-1].strip()


def one_run(cmd):
    t_start = time.perf_counter()
    try:
        pyb = pyboard.Pyboard("execpty:" + cmd)
    except SystemExit:  # pyboard.py exits when the first output line names no /dev/pts/N
        raise pyboard.PyboardError("emulator did not print its /dev/pts/N line")
    try:
        pyb.enter_raw_repl()
        t_ready = time.perf_counter()
        pyb.serial.serial.timeout = EXEC_TIMEOUT
        t_empty, _, out = timed_exec(pyb, b"")
        t_work, cpu_work, out = timed_exec(pyb, workload)
        if out.replace(b"\r\n", b"\n") != expected:
            raise pyboard.PyboardError("wrong output %r (expected %r)" % (out, expected))
        pyb.exit_raw_repl()
    finally:
        try:
            pyb.close()
        except Exception:
            pass
        try:
            pyb.serial.subp.wait(timeout=10)
        except Exception:
            pass
    return t_ready - t_start, t_empty, t_work, cpu_work


results = {}
failed = False
startable = []
for name, cmd, verdict in emus:
    print("bench: %s: %s" % (name, cmd), flush=True)
    if verdict != "ok":
        print("bench: %s does not start: %s" % (name, verdict), flush=True)
        failed = True
        continue
    startable.append((name, cmd))
for i in range(runs):
    for name, cmd in startable:  # alternated: a change of load hits both emulators alike
        try:
            r = one_run(cmd)
        except (pyboard.PyboardError, OSError) as e:
            print("bench: %s run %d failed: %s" % (name, i + 1, e), flush=True)
            failed = True
            continue
        print("bench: %s run %d: workload %.3f s, emulator CPU %.2f s (startup %.3f s, empty %.2f ms)"
              % (name, i + 1, r[2], r[3], r[0], r[1] * 1e3), flush=True)
        results.setdefault(name, []).append(r)


def workload_instructions():
    """Instructions boardemu executes for the workload: the scenario runner's deterministic count
    for an exec of the workload minus that of an exec of `pass` (the same raw-REPL exchange)."""
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, code in enumerate((workload.decode(), "pass")):
            scenario = os.path.join(tmp, "w%d.yaml" % i)
            junit = os.path.join(tmp, "w%d.xml" % i)
            with open(scenario, "w") as f:
                f.write("name: bench\nboard: %s\ntimeout: 3600s\nsteps:\n  - exec: {code: %s}\n"
                        % (emu_board, json.dumps(code)))
            cmd = [boardemu_bin, "test", scenario, "--junit", junit] + boardemu_extra
            p = subprocess.run(cmd, capture_output=True, timeout=EXEC_TIMEOUT)
            if p.returncode != 0 or not os.path.exists(junit):
                return None
            with open(junit) as f:
                m = re.search(r'name="instructions" value="(\d+)"', f.read())
            if not m:
                return None
            counts.append(int(m.group(1)))
    return counts[0] - counts[1]

print()
print("workload %s on %s, %d run(s) each, output \"%s\""
      % (os.path.basename(workload_path), board, runs, expected.decode()))
insns = workload_instructions() if "boardemu" in results else None
print("%-9s %5s %9s %9s %9s %10s %9s %9s"
      % ("emulator", "runs", "min s", "median s", "cpu s", "startup s", "empty ms", "MIPS"))
med = {}
mins = {}
cpu = {}
for name, rows in results.items():
    work = [r[2] for r in rows]
    med[name] = statistics.median(work)
    mins[name] = min(work)
    cpu[name] = statistics.median(r[3] for r in rows)
    mips = "%9.1f" % (insns / med[name] / 1e6) if insns and name == "boardemu" else "%9s" % "-"
    print("%-9s %5d %9.3f %9.3f %9.2f %10.3f %9.2f %s" % (
        name, len(rows), mins[name], med[name], cpu[name],
        statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows) * 1e3, mips))
if insns:
    print("boardemu executes %d instructions for the workload (scenario runner, deterministic)" % insns)
if "boardemu" in med and "qemu" in med:
    print("ratio boardemu/qemu: %.2f (median), %.2f (min), %.2f (cpu)"
          % (med["boardemu"] / med["qemu"], mins["boardemu"] / mins["qemu"],
             cpu["boardemu"] / cpu["qemu"] if cpu["qemu"] else float("nan")))
sys.exit(1 if failed else 0)
EOF
