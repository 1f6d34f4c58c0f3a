"""Timing a MicroPython script pasted into a boardemu REPL over the process's stdin and stdout,
for the benchmark scripts (bench-pins.py, bench-gui.py).

time_to_result(cmd, code, expected) starts `cmd` (a boardemu command line whose uart0 is stdio),
pastes `code` in paste mode (Ctrl-E ... Ctrl-D) and returns the wall seconds until the line
"checksum ..." the workload prints last, which must equal `expected` (else RuntimeError). The
clock starts at process start, or with `start_marker` at the first output containing it (the
firmware's banner: then the emulator's own start-up is left out).
"""

import os
import re
import subprocess
import time


def time_to_result(cmd, code, expected, env=None, start_marker=None, deadline_s=900):
    start = time.monotonic()
    t0 = None if start_marker else start
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    p.stdin.write(b"\x05" + code.encode().replace(b"\n", b"\r") + b"\x04")
    p.stdin.flush()
    seen = b""
    try:
        while True:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError("boardemu ended early: %r" % seen[-300:])
            seen += chunk
            if t0 is None and start_marker in seen:
                t0 = time.monotonic()
            if b"Traceback" in seen or time.monotonic() - start > deadline_s:
                raise RuntimeError("no result: %r" % seen[-300:])
            m = re.search(rb"\nchecksum [-\d ]+\r\n", seen)  # the result line, not the echoed source
            if m and t0 is not None:
                elapsed = time.monotonic() - t0
                if m.group(0).decode().strip() != expected:
                    raise RuntimeError("wrong output %r (expected %r)" % (m.group(0), expected))
                return elapsed
    finally:
        p.kill()
        p.wait()
        p.stdin.close()
        p.stdout.close()
