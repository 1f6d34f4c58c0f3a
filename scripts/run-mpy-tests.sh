#!/usr/bin/env bash
# Runs MicroPython's own test suite (tests/run-tests.py of the MicroPython source tree) against the
# upstream ports/qemu firmware, running either in boardemu or in QEMU, the way the port's
# `make test` target does it: run-tests.py talks to the board's UART through a pty, using
# `-t execpty:"<command>"` where <command> starts the emulator, prints the pty's /dev/pts/N name
# on the first line of its output and then serves the guest's UART on it.
#
# Usage: scripts/run-mpy-tests.sh [--emulator boardemu|qemu] [--board mps2-an385|virt-rv32|esp8266]
#                                 [extra run-tests.py arguments...]
#   e.g. scripts/run-mpy-tests.sh --emulator qemu
#        scripts/run-mpy-tests.sh basics/int_big_add.py        (only the given tests)
#        scripts/run-mpy-tests.sh --via-mpy                      (like the port's `make test_full`)
#
# Test selection: none given -> run-tests.py's own choice for platform "qemu" (basics, micropython,
# misc, extmod, float, ports/qemu, plus inlineasm/<arch> when the target has inline assembler),
# exactly what `make -C ports/qemu test` runs, minus the tests below that need `unittest`, which
# lib/micropython-lib (empty in the Debian source) would provide. On esp8266 (our own port,
# firmware/esp8266; sys.platform "esp8266") run-tests.py picks basics, micropython, misc, extmod
# and float; see the board's exclusions below. That firmware freezes its own small `unittest`, so
# the unittest tests run there; with boardemu it also runs the hardware test
# extmod_hardware/machine_pwm.py in a second pass, on examples/esp8266/loopback.yaml (GPIO4
# wired to GPIO5, the pins that test uses on esp8266), unless tests are named on the command line.
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

usage() { sed -n '8,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "run-mpy-tests: $*" >&2; exit 2; }
# ROOT, MPY, PY, BOARDEMU_BIN; the board, check and command helpers.
# shellcheck source-path=SCRIPTDIR source=lib/emulators.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulators.sh"
EXPECTED="$ROOT/tests/mpy-expected-failures.txt"

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

emu_board "$board"
emu_require_mpy_file tests/run-tests.py
emu_require_firmware
emu_require_pyserial

case "$emulator" in
  boardemu)
    [ -x "$BOARDEMU_BIN" ] || die "boardemu binary not found at $BOARDEMU_BIN: build it first"
    emu_boardemu_command "${BOARDEMU_ARGS:-}"
    ;;
  qemu)
    emu_qemu_command "${QEMU_EXTRA:-}"
    emu_require_qemu
    ;;
  *) die "unknown emulator '$emulator' (boardemu or qemu)" ;;
esac
emu_require_spaceless_root

# Pre-flight, to turn a hung or silent emulator into a clear message instead of a hung test run.
if ! emu_wait_for_pty "$EMU_CMD"; then
  if [ -n "$EMU_PTY_ERROR" ]; then
    echo "run-mpy-tests: the emulator does not start ($EMU_PTY_ERROR): $EMU_CMD" >&2
  else
    echo "run-mpy-tests: the emulator did not print a line naming /dev/pts/N as its first output" \
      "within 10 s (got $EMU_PTY_LINE, exit status $EMU_PTY_STATUS): $EMU_CMD" >&2
  fi
  exit 2
fi

# Per-board exclusions, each with its reason. (None today: the tests that import `unittest`,
# which lib/micropython-lib would bring and the Debian source lacks, run on every board with the
# unittest every firmware freezes, firmware/lib/unittest.py; extmod/deflate_decompress.py, which
# needs one contiguous 32 KiB window, runs on esp8266 since its heap is ~82 KiB.)
unittest_excludes=()
board_excludes=()

RESULT_DIR="${MPY_TESTS_RESULT_DIR:-$ROOT/build/mpy-tests/$emulator-$board}"
mkdir -p "$RESULT_DIR"
LOG="$RESULT_DIR/run-tests.log"

# Hardware tests (tests/extmod_hardware) that a circuit file lets run: the esp8266 board under
# boardemu, when no tests are named on the command line.
hw_tests=() hw_circuit=""
named_tests=0
for a in "${extra[@]}"; do case "$a" in *.py) named_tests=1 ;; esac; done
if [ "$EMU_BOARD" = esp8266 ] && [ "$named_tests" -eq 0 ]; then
  if [ "$emulator" = boardemu ]; then
    hw_circuit="$ROOT/examples/esp8266/loopback.yaml"
    hw_tests=(extmod_hardware/machine_pwm.py)
  else
    echo "run-mpy-tests: note: extmod_hardware/machine_pwm.py not run (needs a circuit: boardemu only)"
  fi
fi

echo "run-mpy-tests: $EMU_CMD"
start=$(date +%s)
# run-tests.py resolves test paths relative to the tests directory, so it runs from there.
(
  cd "$MPY/tests" &&
  MICROPY_CPYTHON3="$PY" "$PY" ./run-tests.py \
    -t "execpty:$EMU_CMD" \
    -r "$RESULT_DIR" \
    "${unittest_excludes[@]}" \
    "${board_excludes[@]}" \
    "${extra[@]}"
) 2>&1 | tee "$LOG"
rt_status=${PIPESTATUS[0]}
if [ ${#hw_tests[@]} -gt 0 ]; then
  # Second pass, the same board with the circuit; its results go to RESULT_DIR/hardware and its
  # output is appended to the same log (the counts below cover both passes).
  echo "run-mpy-tests: hardware tests on $hw_circuit: ${hw_tests[*]}" | tee -a "$LOG"
  (
    cd "$MPY/tests" &&
    MICROPY_CPYTHON3="$PY" "$PY" ./run-tests.py \
      -t "execpty:$EMU_CMD --circuit $hw_circuit" \
      -r "$RESULT_DIR/hardware" \
      "${extra[@]}" \
      "${hw_tests[@]}"
  ) 2>&1 | tee -a "$LOG"
  hw_status=${PIPESTATUS[0]}
  [ "$rt_status" -ne 0 ] || rt_status=$hw_status
fi
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
runs=$(( ${#hw_tests[@]} > 0 ? 2 : 1 ))
if [ "$(grep -c '^[0-9]* tests performed' "$LOG")" -lt "$runs" ] || { [ "$rt_status" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
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
