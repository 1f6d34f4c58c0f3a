#!/usr/bin/python3
"""Records the QEMU reference of every lx106 test program into tests/xtensa/reference/.

For each ELF that tests/xtensa/CMakeLists.txt built (<build>/tests/xtensa/<name>.elf, the
benchmark excepted) it runs `qemu-system-xtensa -M sim -cpu lx106 -semihosting -nographic
-monitor none -kernel <name>.elf` twice (with a time limit) and writes <name>.json: stdout, exit
status, QEMU version. The two runs must agree, otherwise the program depends on host timing and
is refused. For the assembly tests (tests/xtensa/asm/<name>.S) it also records, from two
more runs that must agree, the per-instruction trace (`-singlestep -d cpu,nochain`: PC and registers before each instruction)
up to the register printer, as <name>.trace.gz holding only the PC and the registers that
changed (CCOUNT dropped, INTERRUPT bit 6 masked; see tests/xtensa/xtensa_difftest.py).

Usage: scripts/xtensa-record-reference.py [--build DIR] [--qemu PATH] [NAME ...]
  --build DIR   CMake build directory (default: build)
  NAME ...      only these programs (default: all)
Exit status: 0 recorded, 1 a program failed or is not deterministic, 2 usage / missing files.
"""
import argparse
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "xtensa"))
import xtensa_difftest as xd  # noqa: E402

REF_DIR = os.path.join(ROOT, "tests", "xtensa", "reference")
ASM_DIR = os.path.join(ROOT, "tests", "xtensa", "asm")
NOT_TESTS = {"lx106_bench", "semihost_files"}  # semihost_files: hosted/, its own test


def qemu_version(qemu):
    out = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else "unknown"


def write_gzip(path, text):
    """gzip without a timestamp or file name, so re-recording the same trace changes no byte."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as g:
        g.write(text.encode())
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--qemu", default=xd.QEMU_DEFAULT)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()

    elf_dir = os.path.join(args.build, "tests", "xtensa")
    if not os.path.isdir(elf_dir):
        print(f"record: {elf_dir} does not exist: build first (ninja -C {args.build})",
              file=sys.stderr)
        return 2
    names = args.names or sorted(f[:-4] for f in os.listdir(elf_dir)
                                 if f.endswith(".elf") and f[:-4] not in NOT_TESTS)
    version = qemu_version(args.qemu)
    os.makedirs(REF_DIR, exist_ok=True)
    status = 0
    for name in names:
        elf = os.path.join(elf_dir, name + ".elf")
        if not os.path.isfile(elf):
            print(f"record: {elf}: no such file", file=sys.stderr)
            status = 1
            continue
        first = xd.run(xd.qemu_command(args.qemu, elf), args.timeout)
        second = xd.run(xd.qemu_command(args.qemu, elf), args.timeout)
        if first.timed_out or first.status is None:
            print(f"record: {name}: QEMU {xd.describe(first)} {first.stderr.strip()}", file=sys.stderr)
            status = 1
            continue
        if (first.stdout, first.status) != (second.stdout, second.status):
            print(f"record: {name}: two QEMU runs differ (timing-dependent program):\n  " +
                  xd.diff_text(first.stdout, second.stdout, "run 1", "run 2"), file=sys.stderr)
            status = 1
            continue
        ref = {
            "program": name,
            "recorded_with": version,
            "command": " ".join(xd.qemu_command("qemu-system-xtensa", name + ".elf")),
            "exit_status": first.status,
            "stdout": first.stdout,
        }
        with open(os.path.join(REF_DIR, name + ".json"), "w") as f:
            json.dump(ref, f, indent=1)
            f.write("\n")
        note = ""
        trace_out = os.path.join(REF_DIR, name + ".trace.gz")
        if os.path.isfile(os.path.join(ASM_DIR, name + ".S")):
            stop = xd.symbol_address(elf, xd.TRACE_STOP_SYMBOL)
            traces = []
            with tempfile.TemporaryDirectory() as tmp:
                for attempt in range(2):  # twice: a register that follows host time shows up
                    log = os.path.join(tmp, f"trace{attempt}.log")
                    traced = xd.run(xd.qemu_command(args.qemu, elf, log), args.timeout * 4)
                    if (traced.stdout, traced.status) != (first.stdout, first.status):
                        print(f"record: {name}: output under -singlestep differs from a normal "
                              "run; trace not recorded", file=sys.stderr)
                        break
                    traces.append(xd.parse_qemu_trace(log, stop))
            if len(traces) != 2:
                status = 1
            elif xd.compare_traces(traces[0], traces[1]):
                print(f"record: {name}: two traced QEMU runs differ (timing-dependent register) at "
                      + xd.compare_traces(traces[0], traces[1]), file=sys.stderr)
                status = 1
            else:
                write_gzip(trace_out, xd.encode_trace(traces[0]))
                note = f", trace {len(traces[0])} instructions"
        elif os.path.exists(trace_out):
            os.remove(trace_out)
        print(f"record: {name}: exit status {first.status}, "
              f"{len(first.stdout.splitlines())} lines{note}")
    return status


if __name__ == "__main__":
    sys.exit(main())
