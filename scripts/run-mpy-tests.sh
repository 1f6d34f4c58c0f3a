#!/usr/bin/env bash
# Runs MicroPython's own test suite (tests/run-tests.py of the MicroPython source tree) against the
# upstream ports/qemu firmware, running either in boardemu or in QEMU, the way the port's
# `make test` target does it: run-tests.py talks to the board's UART through a pty, using
# `-t execpty:"<command>"` where <command> starts the emulator, prints the pty's /dev/pts/N name
# on the first line of its output and then serves the guest's UART on it.
#
# Usage: scripts/run-mpy-tests.sh [--emulator boardemu|qemu] [--board mps2-an385|virt-rv32]
#                                 [extra run-tests.py arguments...]
#   e.g. scripts/run-mpy-tests.sh --emulator qemu
#        scripts/run-mpy-tests.sh basics/int_big_add.py        (only the given tests)
#        scripts/run-mpy-tests.sh --via-mpy                      (like the port's `make test_full`)
#
# Test selection: none given -> run-tests.py's own choice for platform "qemu" (basics, micropython,
# misc, extmod, float, ports/qemu, plus inlineasm/<arch> when the target has inline assembler),
# exactly what `make -C ports/qemu test` runs, minus the tests below that need `unittest`, which
# lib/micropython-lib (empty in the Debian source) would provide.
#
# Output: run-tests.py's own output, then one summary line
#     mpy-tests: N passed, N failed, N skipped
# Exit status: 0 when every failed test is listed in tests/mpy-expected-failures.txt (an expected
# failure that passes is only reported), 1 when any other test failed or run-tests.py could not
# finish, 2 on usage or setup errors. Results (.exp/.out of failures, _results.json) go to build/mpy-tests/<emu>-<board>.
#
# Environment: BOARDEMU (path of the boardemu binary, default build/boardemu),
#              BOARDEMU_ARGS (extra arguments for `boardemu run`, no spaces inside an argument),
#              QEMU_EXTRA (extra QEMU arguments),
#              MPY_TESTS_RESULT_DIR (results directory, default build/mpy-tests/<emulator>-<board>).
#
# The whole script is one { ... } block so that bash parses it completely before running it:
# editing this file while a (long) run is in progress cannot derail that run.
{
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MPY="$ROOT/build/deps/micropython"
EXPECTED="$ROOT/tests/mpy-expected-failures.txt"
# run-tests.py and pyboard.py need pyserial: Debian's python3-serial, for /usr/bin/python3 (the
# python3 first on PATH may be a different interpreter without it).
PY=/usr/bin/python3

usage() { sed -n '8,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "run-mpy-tests: $*" >&2; exit 2; }

emulator=boardemu
board=mps2-an385
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --emulator) [ $# -ge 2 ] || usage; emulator="$2"; shift 2 ;;
    --emulator=*) emulator="${1#*=}"; shift ;;
    --board) [ $# -ge 2 ] || usage; board="$2"; shift 2 ;;
    --board=*) board="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) extra+=("$1"); shift ;;
  esac
done

case "$board" in
  mps2-an385) BOARD_DIR=MPS2_AN385; QEMU_CMD="qemu-system-arm -machine mps2-an385" ;;
  virt-rv32)  BOARD_DIR=VIRT_RV32;  QEMU_CMD="qemu-system-riscv32 -bios none -machine virt" ;;
  *) die "unknown board '$board' (mps2-an385 or virt-rv32)" ;;
esac
FIRMWARE="$ROOT/build/firmware/$BOARD_DIR/firmware.elf"

[ -f "$MPY/tests/run-tests.py" ] || die "no MicroPython source in $MPY: run scripts/setup.sh"
[ -f "$FIRMWARE" ] || die "no firmware $FIRMWARE: run 'make -C firmware'"
"$PY" -c 'import serial' 2>/dev/null || die "$PY lacks pyserial: install python3-serial"

# The emulator command. pyboard.py splits it on spaces (no shell, no quoting), so no path in it
# may contain a space.
case "$emulator" in
  boardemu)
    BIN="${BOARDEMU:-$ROOT/build/boardemu}"
    [ -x "$BIN" ] || die "boardemu binary not found at $BIN: build it first"
    # The board description names build/firmware/<BOARD>/firmware.elf as its default firmware.
    EMU_CMD="$BIN run --board $board --uart0 pty ${BOARDEMU_ARGS:-}"
    ;;
  qemu)
    # As ports/qemu/Makefile's `test` target: QEMU_ARGS + -serial pty -kernel <elf>.
    EMU_CMD="$QEMU_CMD -nographic -monitor null -semihosting ${QEMU_EXTRA:-} -serial pty -kernel $FIRMWARE"
    command -v "${QEMU_CMD%% *}" >/dev/null || die "${QEMU_CMD%% *} not installed"
    ;;
  *) die "unknown emulator '$emulator' (boardemu or qemu)" ;;
esac
case "$ROOT" in *" "*) die "the repository path must not contain spaces (pyboard.py execpty)";; esac

# Pre-flight: pyboard.py's execpty waits without a time limit for the command's first output line
# and gives up if it names no /dev/pts/N, so check that here first, with a time limit, to turn a
# hung or silent emulator into a clear message instead of a hung test run.
"$PY" - "$EMU_CMD" <<'PYEOF' || exit 2
import os, re, select, signal, subprocess, sys, time
cmd = sys.argv[1]
p = subprocess.Popen(cmd.split(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, start_new_session=True)
line, deadline = b"", time.monotonic() + 10
while not line.endswith(b"\n") and time.monotonic() < deadline:
    if select.select([p.stdout], [], [], 0.1)[0]:
        b = os.read(p.stdout.fileno(), 1)
        if not b:
            break
        line += b
try:
    os.killpg(p.pid, signal.SIGTERM)
except ProcessLookupError:
    pass
try:
    p.wait(timeout=10)
except subprocess.TimeoutExpired:
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
if not re.search(rb"/dev/pts/[0-9]+", line) or not line.endswith(b"\n"):
    print("run-mpy-tests: the emulator did not print a line naming /dev/pts/N as its first output "
          "within 10 s (got %r, exit status %s): %s" % (line, p.returncode, cmd), file=sys.stderr)
    sys.exit(1)
PYEOF

RESULT_DIR="${MPY_TESTS_RESULT_DIR:-$ROOT/build/mpy-tests/$emulator-$board}"
mkdir -p "$RESULT_DIR"
LOG="$RESULT_DIR/run-tests.log"

echo "run-mpy-tests: $EMU_CMD"
start=$(date +%s)
# run-tests.py resolves test paths relative to the tests directory, so it runs from there.
# Those four tests import `unittest` (from lib/micropython-lib, not in the Debian source).
(
  cd "$MPY/tests" &&
  MICROPY_CPYTHON3="$PY" "$PY" ./run-tests.py \
    -t "execpty:$EMU_CMD" \
    -r "$RESULT_DIR" \
    -e 'extmod/(vfs_rom|machine1|marshal_micropython|ssl_noleak)\.py' \
    "${extra[@]}"
) 2>&1 | tee "$LOG"
rt_status=${PIPESTATUS[0]}
elapsed=$(( $(date +%s) - start ))

# Per-test result lines of run-tests.py: "pass  <file> ...", "skip  <file>", "FAIL  <file> ...".
passed=$(grep -c '^pass ' "$LOG")
skipped=$(grep -c '^skip ' "$LOG")
mapfile -t failed_tests < <(sed -n 's/^FAIL  *\([^ ]*\).*/\1/p' "$LOG")
failed=${#failed_tests[@]}

# Expected failures: one test path per line (as run-tests.py prints it), '#' starts a comment.
expected=()
if [ -f "$EXPECTED" ]; then
  mapfile -t expected < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$EXPECTED" | grep -v '^$')
fi
is_expected() { local t; for t in "${expected[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

unexpected=()
for t in "${failed_tests[@]}"; do is_expected "$t" || unexpected+=("$t"); done
for t in "${expected[@]}"; do
  if grep -q "^pass  $t\( \|$\)" "$LOG"; then
    echo "run-mpy-tests: note: expected failure $t passed (remove it from $(basename "$EXPECTED"))"
  fi
done

status=0
if ! grep -q '^[0-9]* tests performed' "$LOG" || { [ "$rt_status" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  # run-tests.py did not get to its summary (e.g. it lost the target): whatever ran is incomplete.
  echo "run-mpy-tests: run-tests.py (exit status $rt_status) did not finish the run" >&2
  status=1
fi
if [ ${#unexpected[@]} -gt 0 ]; then
  echo "run-mpy-tests: unexpected failures: ${unexpected[*]}"
  echo "run-mpy-tests: see $RESULT_DIR/*.exp/.out, or run: (cd $MPY/tests && $PY ./run-tests.py -r $RESULT_DIR --print-failures)"
  status=1
fi
echo "run-mpy-tests: $emulator $board, ${elapsed}s, log in $LOG"
echo "mpy-tests: $passed passed, $failed failed, $skipped skipped"
exit $status
}
