#!/usr/bin/python3
"""Differential test of one lx106 program: boardemu (board lx106-sim) against QEMU.

The program is an ELF built by tests/xtensa/CMakeLists.txt. It prints through semihosting
(simcall write) and ends with simcall exit; the assembly tests print their final registers, so
"same stdout" means "same final architectural state". The reference (reference/<name>.json) was
recorded from `qemu-system-xtensa -M sim -cpu lx106` by scripts/xtensa-record-reference.py.

Checks, in order (any failure -> exit status 1, with the first difference explained):
  1. the emulator under test (--emulator, default boardemu) gives the recorded stdout and exit
     status;
  2. --expect-stdout-of EXE: its stdout also equals what EXE (a host build of the same C
     program) prints -- the C/IEEE-754 reference for the arithmetic tests;
  3. --qemu PATH (when the binary exists): QEMU run live still gives the recording, so a stale
     reference cannot hide a change;
  4. when the reference has an instruction trace (assembly tests) and the emulator under test can
     produce one: the per-instruction PCs and registers match, up to the start of the register
     printer (xt_print_state). CCOUNT and the CCOMPARE0 pending bit (INTERRUPT bit 6) are masked:
     QEMU's CCOUNT follows host time.

Usage: xtensa_difftest.py --elf X.elf --reference R.json [--emulator boardemu|qemu]
                          [--boardemu PATH] [--qemu PATH] [--expect-stdout-of EXE] [--timeout S]
Exit status: 0 same, 1 different, 2 usage error / missing file.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

QEMU_DEFAULT = "qemu-system-xtensa"
QEMU_MACHINE = ["-M", "sim", "-cpu", "lx106", "-semihosting", "-nographic", "-monitor", "none"]
NM = "xtensa-lx106-elf-nm"
# The trace stops where the register printer starts: everything after is plain C whose result is
# already compared through stdout.
TRACE_STOP_SYMBOL = "xt_print_state"
# Registers compared in traces (lower-case names, as both normalisers produce them).
TRACE_REGS = ([f"a{i}" for i in range(16)] +
              ["sar", "ps", "litbase", "epc1", "epc2", "epc3", "eps2", "eps3", "excsave1",
               "excsave2", "excsave3", "exccause", "excvaddr", "depc", "intenable", "vecbase",
               "ccompare0", "interrupt"])
TIMER_PENDING_MASK = ~(1 << 6) & 0xFFFFFFFF   # INTERRUPT bit 6: CCOMPARE0, host-time based in QEMU
# Memory of QEMU's sim machine with the lx106 core (`info mtree`; boards/lx106-sim.yaml). QEMU
# logs no trace line for an instruction it cannot fetch (it goes straight to the vector), while
# boardemu logs the PC first; such lines (PC outside every region) are dropped from boardemu's side.
SIM_REGIONS = [(0x3FF40000, 0x00040000), (0x3FF80000, 0x00040000), (0x3FFC0000, 0x00040000),
               (0x40000000, 0x00100000), (0x40100000, 0x00100000), (0x40200000, 0x00100000),
               (0x50000000, 0x04000000), (0x60000000, 0x08000000)]


def fetchable(pc):
    return any(base <= pc < base + size for base, size in SIM_REGIONS)


class RunResult:
    def __init__(self, stdout, status, stderr="", timed_out=False):
        self.stdout, self.status, self.stderr, self.timed_out = stdout, status, stderr, timed_out


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("latin-1")
        return RunResult(out, None, (e.stderr or b"").decode("latin-1"), timed_out=True)
    except OSError as e:
        return RunResult("", None, f"cannot start {cmd[0]}: {e}")
    return RunResult(p.stdout.decode("latin-1"), p.returncode, p.stderr.decode("latin-1"))


def qemu_command(qemu, elf, trace_file=None):
    cmd = [qemu] + QEMU_MACHINE + ["-kernel", elf]
    if trace_file:
        cmd += ["-singlestep", "-d", "cpu,nochain", "-D", trace_file]
    return cmd


def boardemu_command(boardemu, elf, trace_file=None):
    cmd = [boardemu, "run", "--board", "lx106-sim", "--firmware", elf]
    if trace_file:
        cmd += boardemu_trace_args(boardemu, trace_file)
    return cmd


def boardemu_trace_args(boardemu, trace_file):
    """boardemu's instruction-trace option, if this build has one (else None)."""
    help_text = run([boardemu, "run", "--help"], 20).stdout
    if "--trace-cpu" in help_text:
        return ["--trace-cpu", trace_file]
    return None


def symbol_address(elf, symbol):
    try:
        out = subprocess.run([NM, elf], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == symbol:
            return int(parts[0], 16)
    return None


# ---- instruction traces ----------------------------------------------------------------------
# Normalised form: a list of (pc, {reg: value}) with every register of TRACE_REGS the source
# reports, values as ints. Stored in reference/<name>.trace.gz as text lines
# "pc reg=val ..." holding only the registers that changed since the previous line.

_QEMU_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9]*)=([0-9a-fA-F]{8})")
_QEMU_NAMES = {f"A{i:02d}": f"a{i}" for i in range(16)}


def parse_qemu_trace(path, stop_pc=None):
    """QEMU `-d cpu` log: a block per instruction, starting with PC=xxxxxxxx."""
    steps, pc, regs = [], None, {}
    wanted = set(TRACE_REGS)

    def finish():
        if pc is not None:
            steps.append((pc, regs))

    with open(path, "r", errors="replace") as f:
        for line in f:
            if line.startswith("PC="):
                finish()
                pc = int(line[3:11], 16)
                regs = {}
                if stop_pc is not None and pc == stop_pc:
                    pc = None
                    break
                continue
            for name, value in _QEMU_FIELD.findall(line):
                if name.startswith("AR"):
                    continue   # physical register file: same as A0..A15 without windows
                key = _QEMU_NAMES.get(name, name.lower())
                if key in wanted:
                    regs[key] = int(value, 16)
    finish()
    return steps


def parse_boardemu_trace(path, stop_pc=None):
    """boardemu's --trace-cpu output: one line per instruction, before it executes,
    `PC=XXXXXXXX A00=XXXXXXXX ... A15=... SAR=... PS=... CCOUNT=...` (Lx106Cpu::trace_line).
    Names are matched case-insensitively; A00..A15 become a0..a15; CCOUNT is not compared."""
    steps = []
    wanted = set(TRACE_REGS)
    field = re.compile(r"([A-Za-z][A-Za-z0-9]*)\s*[=:]\s*(?:0x)?([0-9a-fA-F]{1,8})\b")
    with open(path, "r", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            fields = {k.lower(): int(v, 16) for k, v in field.findall(line)}
            if "pc" in fields:
                pc = fields.pop("pc")
            else:
                m = re.match(r"(?:0x)?([0-9a-fA-F]{8})\b", line)
                if not m:
                    continue
                pc = int(m.group(1), 16)
            if stop_pc is not None and pc == stop_pc:
                break
            if not fetchable(pc):
                continue
            regs = {}
            for k, v in fields.items():
                m = re.fullmatch(r"a(?:r)?0*(\d+)", k)
                if m:
                    k = "a" + m.group(1)
                if k in wanted:
                    regs[k] = v
            steps.append((pc, regs))
    return steps


def mask(regs):
    if "interrupt" in regs:
        regs = dict(regs)
        regs["interrupt"] &= TIMER_PENDING_MASK
    return regs


def encode_trace(steps):
    lines, prev = [], {}
    for pc, regs in steps:
        regs = mask(regs)
        changed = [f"{k}={v:08x}" for k, v in regs.items() if prev.get(k) != v]
        prev.update(regs)
        lines.append(" ".join([f"{pc:08x}"] + changed))
    return "\n".join(lines) + "\n"


def decode_trace(text):
    steps, state = [], {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        for p in parts[1:]:
            k, v = p.split("=")
            state[k] = int(v, 16)
        steps.append((int(parts[0], 16), dict(state)))
    return steps


def compare_traces(ref, got):
    """First difference between two normalised traces, as text; None if equal. Registers are
    compared only where both sides report them."""
    for i, ((pc_r, regs_r), (pc_g, regs_g)) in enumerate(zip(ref, got)):
        regs_r, regs_g = mask(regs_r), mask(regs_g)
        diffs = []
        if pc_r != pc_g:
            diffs.append(f"pc: reference {pc_r:08x}, got {pc_g:08x}")
        for k in TRACE_REGS:
            if k in regs_r and k in regs_g and regs_r[k] != regs_g[k]:
                diffs.append(f"{k}: reference {regs_r[k]:08x}, got {regs_g[k]:08x}")
        if diffs:
            before = " ".join(f"{p:08x}" for p, _ in ref[max(0, i - 5):i])
            return (f"instruction {i} (pc {pc_r:08x}; previous pcs {before}):\n    " +
                    "\n    ".join(diffs))
    if len(ref) != len(got):
        return f"trace lengths differ: reference {len(ref)} instructions, got {len(got)}"
    return None


def trace_path_for(reference):
    return reference[:-len(".json")] + ".trace.gz" if reference.endswith(".json") else None


def load_trace(path):
    with gzip.open(path, "rt") as f:
        return decode_trace(f.read())


def describe(result):
    if result.timed_out:
        return "timed out"
    return f"exit status {result.status}"


def diff_text(want, got, what_want, what_got):
    wl, gl = want.splitlines(), got.splitlines()
    for i in range(max(len(wl), len(gl))):
        w = wl[i] if i < len(wl) else "<end of output>"
        g = gl[i] if i < len(gl) else "<end of output>"
        if w != g:
            return f"line {i + 1}:\n    {what_want}: {w}\n    {what_got}: {g}"
    return "outputs differ in line endings"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--elf", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--emulator", choices=["boardemu", "qemu"], default="boardemu")
    ap.add_argument("--boardemu", default=os.environ.get("BOARDEMU", "build/boardemu"))
    ap.add_argument("--qemu", default=None, help="also check the reference against live QEMU")
    ap.add_argument("--expect-stdout-of", default=None)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--no-trace", action="store_true")
    args = ap.parse_args()

    for path in (args.elf, args.reference):
        if not os.path.isfile(path):
            print(f"xtensa-difftest: {path}: no such file", file=sys.stderr)
            return 2
    with open(args.reference) as f:
        ref = json.load(f)
    name = ref.get("program", os.path.basename(args.elf))
    failures = []

    # 1. emulator under test against the recording
    tmp = tempfile.mkdtemp(prefix="xtensa-difftest-")
    try:
        trace_ref_path = trace_path_for(args.reference)
        want_trace = (not args.no_trace and trace_ref_path and os.path.isfile(trace_ref_path))
        trace_file = os.path.join(tmp, "trace.log") if want_trace else None
        if args.emulator == "qemu":
            emu = args.qemu or QEMU_DEFAULT
            cmd = qemu_command(emu, args.elf, trace_file)
        else:
            if not os.path.isfile(args.boardemu):
                print(f"xtensa-difftest: boardemu binary {args.boardemu} not found", file=sys.stderr)
                return 2
            cmd = boardemu_command(args.boardemu, args.elf, None)
            if trace_file:
                extra = boardemu_trace_args(args.boardemu, trace_file)
                if extra is None:
                    print(f"{name}: boardemu has no instruction-trace option; trace not compared")
                    trace_file = None
                else:
                    cmd += extra
        got = run(cmd, args.timeout)
        if got.stdout != ref["stdout"] or got.status != ref["exit_status"] or got.timed_out:
            msg = f"{args.emulator} differs from the QEMU recording ({describe(got)}, recorded " \
                  f"exit status {ref['exit_status']})"
            if got.stdout != ref["stdout"]:
                msg += "\n  " + diff_text(ref["stdout"], got.stdout, "recorded", args.emulator)
            if got.stderr.strip():
                msg += "\n  stderr: " + got.stderr.strip()[-2000:]
            failures.append(msg)
        else:
            print(f"{name}: {args.emulator} output and exit status ({got.status}) match the recording"
                  f" ({len(ref['stdout'].splitlines())} lines)")

        if trace_file:
            stop = symbol_address(args.elf, TRACE_STOP_SYMBOL)
            if not os.path.isfile(trace_file):
                failures.append(f"{args.emulator} wrote no instruction trace")
            else:
                parse = parse_qemu_trace if args.emulator == "qemu" else parse_boardemu_trace
                got_steps = parse(trace_file, stop)
                ref_steps = load_trace(trace_ref_path)
                problem = compare_traces(ref_steps, got_steps)
                if problem:
                    failures.append("instruction trace differs from the QEMU recording at " + problem)
                else:
                    print(f"{name}: instruction trace matches ({len(ref_steps)} instructions)")

        # 2. host build of the same C program
        if args.expect_stdout_of:
            host = run([args.expect_stdout_of], args.timeout)
            if host.status != 0:
                failures.append(f"host reference {args.expect_stdout_of} failed ({describe(host)})")
            elif host.stdout != got.stdout:
                failures.append(f"{args.emulator} output differs from the host build's:\n  " +
                                diff_text(host.stdout, got.stdout, "host", args.emulator))
            else:
                print(f"{name}: output equals the host build's (C/IEEE-754 reference)")

        # 3. the recording against live QEMU
        if args.qemu and args.emulator != "qemu":
            if shutil.which(args.qemu) or os.path.isfile(args.qemu):
                live = run(qemu_command(args.qemu, args.elf), args.timeout)
                if live.stdout != ref["stdout"] or live.status != ref["exit_status"]:
                    msg = f"live QEMU no longer matches the recording ({describe(live)}); " \
                          "re-record with scripts/xtensa-record-reference.py"
                    if live.stdout != ref["stdout"]:
                        msg += "\n  " + diff_text(ref["stdout"], live.stdout, "recorded", "qemu")
                    failures.append(msg)
                else:
                    print(f"{name}: live QEMU matches the recording")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for f in failures:
        print(f"FAIL {name}: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
