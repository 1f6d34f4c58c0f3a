"""A running `boardemu run ... --monitor tcp:0` for tests: the REPL on the process's stdin and
stdout, the text monitor (emulator/machine/monitor.hpp) on a TCP connection.

    with MonitorSession("--board", "esp8266", "--circuit", CIRCUIT) as s:
        s.repl("print('armed')", b"armed")          # send a REPL line, wait for its output
        s.ask("set btn1 pressed 1")                 # -> "ok"
        s.ask("spi-log", extra_lines=2)             # -> ["ok 2", "...", "..."]
        s.quit()                                    # -> the exit status (0)
"""

import os
import re
import socket
import subprocess

from test_firmware import BOARDEMU

_PORT_LINE = re.compile(r"monitor waiting for a client on tcp 127\.0\.0\.1:(\d+)")


class MonitorSession:
    def __init__(self, *args, timeout=20):
        self.p = subprocess.Popen([BOARDEMU, "run", *args, "--monitor", "tcp:0"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.seen = b""  # REPL output not consumed yet
        self.sock = None
        try:
            port = None
            while port is None:
                line = self.p.stderr.readline().decode()
                if not line:
                    raise AssertionError("boardemu ended before announcing the monitor")
                m = _PORT_LINE.search(line)
                port = m and int(m.group(1))
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            self.f = self.sock.makefile("rw", newline="\n")
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- the monitor ----
    def ask(self, cmd, extra_lines=0):
        """The reply line to `cmd`; with extra_lines, a list of the reply and that many more."""
        self.f.write(cmd + "\n")
        self.f.flush()
        lines = [self.f.readline().rstrip("\n") for _ in range(1 + extra_lines)]
        return lines if extra_lines else lines[0]

    def ask_number(self, cmd):
        reply = self.ask(cmd)
        if not reply.startswith("ok "):
            raise AssertionError("%s: %s" % (cmd, reply))
        return float(reply.split()[-1])

    # ---- the REPL ----
    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def wait_for(self, pattern):
        """Reads REPL output until `pattern` (bytes regex) matches; returns the match and forgets
        the output up to its end. Output arrives in pieces: a pattern that captures a value must
        end where the value ends (e.g. with \\r\\n), or it may match a partial line."""
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.seen)
            if m:
                self.seen = self.seen[m.end():]
                return m
            chunk = os.read(self.p.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError("boardemu ended; output so far: %r" % self.seen[-2000:])
            self.seen += chunk

    def repl(self, line, pattern):
        """Types `line` (and Enter) and waits for `pattern` in the output."""
        self.send(line.encode() + b"\r")
        return self.wait_for(pattern)

    def quit(self, timeout=30):
        """Ends the run through the monitor; returns boardemu's exit status."""
        if self.ask("quit") != "ok":
            raise AssertionError("quit was refused")
        return self.p.wait(timeout)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        for stream in (self.p.stdin, self.p.stdout, self.p.stderr):
            stream.close()
