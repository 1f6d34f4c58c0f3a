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
    proc = subprocess.Popen(cmd, stdin=master, stdout=master, stderr=subprocess.DEVNULL)
    print("char device redirected to %s (label serial0)" % name, flush=True)
    # Keep the slave open ourselves so QEMU never sees EOF/EIO between two client connections.

    def stop(signum, frame):
        proc.terminate()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
