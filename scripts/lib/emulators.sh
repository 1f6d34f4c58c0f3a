# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are read by the sourcing scripts
# Emulator setup shared by scripts/bench.sh and scripts/run-mpy-tests.sh: which firmware and
# QEMU machine a board uses, the checks both make before starting anything, the boardemu and
# QEMU command lines that serve the board's UART on a pty, and the check that such a command
# prints its /dev/pts/N line.
#
# Source it (bash) from a script in scripts/. The sourcing script defines `die MESSAGE`, which
# prints MESSAGE with the script's own prefix and exits with status 2.
#
# Sets on sourcing:
#   ROOT      the repository
#   MPY       the MicroPython source tree (scripts/setup.sh unpacks it there)
#   PY        the Python that runs pyboard.py / run-tests.py
#   BOARDEMU_BIN  the boardemu binary: $BOARDEMU, default build/boardemu
#
# The command lines are for pyboard.py's execpty transport, which splits them on spaces (no
# shell, no quoting): no path in them may contain a space.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MPY="$ROOT/build/deps/micropython"
# run-tests.py and pyboard.py need pyserial: Debian's python3-serial, for /usr/bin/python3 (the
# python3 first on PATH may be a different interpreter without it).
PY=/usr/bin/python3
BOARDEMU_BIN="${BOARDEMU:-$ROOT/build/boardemu}"

# emu_board BOARD: sets EMU_BOARD, BOARD_DIR (the firmware's build directory), QEMU_CMD (QEMU
# binary and machine) and FIRMWARE (the ELF, which is also the board file's default firmware).
# esp8266 runs our own port (firmware/esp8266); QEMU has no ESP8266 machine, so its QEMU
# reference is the same port built for `-M sim -cpu lx106` (QEMU_FIRMWARE, console through
# simcall semihosting, served on a pty by firmware/esp8266/tools/qemu-sim-pty.py).
# esp8266-v2 is the esp8266 board running the port's MicroPython 2.0 preview build
# (build/firmware/ESP8266_V2; boardemu only: there is no QEMU reference for it).
emu_board() {
  QEMU_FIRMWARE=""
  EMU_BOARD="$1"
  EMU_FIRMWARE_ARG=""
  case "$1" in
    mps2-an385) BOARD_DIR=MPS2_AN385; QEMU_CMD="qemu-system-arm -machine mps2-an385" ;;
    virt-rv32)  BOARD_DIR=VIRT_RV32;  QEMU_CMD="qemu-system-riscv32 -bios none -machine virt" ;;
    esp8266)    BOARD_DIR=ESP8266;    QEMU_CMD="qemu-system-xtensa -M sim -cpu lx106"
                QEMU_FIRMWARE="$ROOT/build/firmware/LX106_SIM/firmware.elf" ;;
    esp8266-v2) BOARD_DIR=ESP8266_V2; QEMU_CMD=""; EMU_BOARD=esp8266 ;;
    *) die "unknown board '$1' (mps2-an385, virt-rv32, esp8266 or esp8266-v2)" ;;
  esac
  FIRMWARE="$ROOT/build/firmware/$BOARD_DIR/firmware.elf"
  [ "$1" = esp8266-v2 ] && EMU_FIRMWARE_ARG=" --firmware $FIRMWARE"
}

# Checks, each dying with a one-line message that says how to fix it.
emu_require_mpy_file() {  # FILE: a file of the MicroPython source tree, e.g. tools/pyboard.py
  [ -f "$MPY/$1" ] || die "no MicroPython source in $MPY: run scripts/setup.sh"
}
emu_require_firmware() {
  [ -f "$FIRMWARE" ] || die "no firmware $FIRMWARE: run 'make -C firmware'"
}
emu_require_pyserial() {
  "$PY" -c 'import serial' 2>/dev/null || die "$PY lacks pyserial: install python3-serial"
}
emu_require_qemu() {
  [ -n "$QEMU_CMD" ] || die "board $EMU_BOARD$EMU_FIRMWARE_ARG has no QEMU reference"
  command -v "${QEMU_CMD%% *}" >/dev/null || die "${QEMU_CMD%% *} not installed"
}
emu_require_spaceless_root() {
  case "$ROOT" in
    *" "*) die "the repository path must not contain spaces (pyboard.py execpty)" ;;
  esac
}

# emu_boardemu_command [EXTRA]: sets EMU_CMD to boardemu serving the board's UART0 on a pty;
# EXTRA, when given (even empty), is appended after a space.
emu_boardemu_command() {
  EMU_CMD="$BOARDEMU_BIN run --board $EMU_BOARD$EMU_FIRMWARE_ARG --uart0 pty${1+ $1}"
}

# emu_qemu_command [EXTRA]: sets EMU_CMD to QEMU running the firmware with its UART on a pty, as
# ports/qemu/Makefile's `test` target does (QEMU_ARGS + -serial pty -kernel <elf>); EXTRA, when
# given (even empty), goes after a space before -serial.
emu_qemu_command() {
  if [ -n "$QEMU_FIRMWARE" ]; then
    [ -f "$QEMU_FIRMWARE" ] || die "no firmware $QEMU_FIRMWARE: run 'make -C firmware'"
    EMU_CMD="$ROOT/firmware/esp8266/tools/qemu-sim-pty.py $QEMU_FIRMWARE${1+ $1}"
    return
  fi
  EMU_CMD="$QEMU_CMD -nographic -monitor null -semihosting${1+ $1} -serial pty -kernel $FIRMWARE"
}

# emu_wait_for_pty CMD: starts CMD (split on spaces, as execpty does), waits up to 10 s for its
# first output line, then stops it. Succeeds if that line names /dev/pts/N. pyboard.py's execpty
# waits for that line without a time limit, so this turns a hung or silent emulator into a clear
# message instead of a hang. On failure it sets EMU_PTY_LINE (Python repr of what was read),
# EMU_PTY_STATUS (the command's exit status) and, if CMD could not be started at all,
# EMU_PTY_ERROR (why).
emu_wait_for_pty() {
  local out rc
  out=$("$PY" - "$1" <<'PYEOF'
import os, re, select, signal, subprocess, sys, time
cmd = sys.argv[1]
try:
    p = subprocess.Popen(cmd.split(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
except OSError as e:
    print("b''\nNone\n%s" % e)
    sys.exit(1)
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
    print("%r\n%s\n" % (line, p.returncode))
    sys.exit(1)
PYEOF
  )
  rc=$?
  EMU_PTY_LINE="" EMU_PTY_STATUS="" EMU_PTY_ERROR=""
  if [ "$rc" -ne 0 ]; then
    { IFS= read -r EMU_PTY_LINE; IFS= read -r EMU_PTY_STATUS; IFS= read -r EMU_PTY_ERROR; } \
      <<<"$out"
  fi
  return "$rc"
}
