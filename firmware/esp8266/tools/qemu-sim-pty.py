#!/usr/bin/python3
"""Serve the console of the BOARD=LX106_SIM firmware under QEMU on a pty, like QEMU's `-serial pty`.

QEMU's `-M sim -cpu lx106` has no UART: the firmware's console is the simcall semihosting
interface, which QEMU connects to its own stdin/stdout. This wrapper creates a pty pair, gives
the master side to QEMU as stdin/stdout, sets the slave raw, and prints on its first output line
`char device redirected to /dev/pts/N (label serial0)`, exactly what QEMU prints for
`-serial pty`, so tests/run-tests.py and tools/pyboard.py (`execpty:`) connect unchanged.

Usage: qemu-sim-pty.py FIRMWARE.elf [extra QEMU arguments...]
"""
import os
import signal
import subprocess
import sys
import tty


def main():
    if len(sys.argv) < 2:
        print("usage: qemu-sim-pty.py FIRMWARE.elf [QEMU args...]", file=sys.stderr)
        return 2
    master, slave = os.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    cmd = ["qemu-system-xtensa", "-M", "sim", "-cpu", "lx106", "-semihosting", "-display", "none",
           "-monitor", "none", "-serial", "none", "-kernel", sys.argv[1]] + sys.argv[2:]
    parent = os.getppid()
    proc = subprocess.Popen(cmd, stdin=master, stdout=master, stderr=subprocess.DEVNULL)
    print("char device redirected to %s (label serial0)" % name, flush=True)
    # We keep the slave open ourselves so QEMU never sees EOF/EIO between two client connections.
    # QEMU blocked in a semihosting read holds its global lock and does not act on SIGTERM, so
    # it is stopped with SIGKILL: when we are told to stop (tools/pyboard.py sends SIGTERM to
    # the process group) and when our parent goes away without telling us.

    def stop(signum, frame):
        proc.kill()
        proc.wait()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, stop)
    while True:
        try:
            return proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            if os.getppid() != parent:
                stop(None, None)


if __name__ == "__main__":
    sys.exit(main())
