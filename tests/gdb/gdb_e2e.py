#!/usr/bin/env python3
"""End-to-end test of boardemu's GDB remote stub with a real GDB in batch mode.

Starts `boardemu run --board B --gdb 0 --gdb-wait` (port 0: the stub picks a free port and
names it on stderr), then runs one GDB batch session against the board's firmware ELF: break at
a named function, continue, registers, backtrace, stepi, next, a watchpoint on a global
variable, finish, memory write and read-back, a peripheral register read, monitor commands,
detach. Then a raw protocol client attaches to the free-running target (it halts), checks that a
second client is refused, that a bad checksum gets `-`, that time stands still while halted,
interrupts a `c` with 0x03 (`T02`) and kills the emulation (boardemu exits 0). Every step's output is checked; the test fails on the first mismatch and prints the whole
GDB transcript.

Exit status: 0 pass, 1 fail, 77 skipped (the reason is printed): no GDB for the architecture,
no firmware, firmware without debug information, or a CPU backend without debugger access.
"""
import argparse
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

SKIP = 77

BOARDS = {
    "mps2-an385": {"elf": "build/firmware/MPS2_AN385/firmware.elf", "gdb": ["gdb-multiarch"],
                   "uart": "0x40004000", "pc": "pc"},
    "virt-rv32": {"elf": "build/firmware/VIRT_RV32/firmware.elf", "gdb": ["gdb-multiarch"],
                  "uart": "0x10000000", "pc": "pc"},
    "esp8266": {"elf": "build/firmware/ESP8266/firmware.elf",
                "gdb": ["build/deps/gdb-lx106/bin/xtensa-lx106-elf-gdb",
                        "build/deps/gdb-lx106/*/bin/xtensa-lx106-elf-gdb"],
                "uart": "0x60000000", "pc": "pc"},
}

# The watched variable: mp_init() gives the __main__ dict one slot (py/runtime.c), so the map's
# `alloc` goes from 0 (.bss) to 1 while mp_init runs.
WATCHED = "mp_state_ctx.vm.dict_main.map.alloc"


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def find_gdb(root, candidates):
    for c in candidates:
        if "/" not in c:
            path = shutil.which(c)
            if path:
                return path
            continue
        for path in sorted(glob.glob(os.path.join(root, c))):
            if os.access(path, os.X_OK):
                return path
    return None


def has_debug_info(elf):
    # A firmware built with -g has a .debug_info section with the C compilation units; without
    # -g only a few hundred bytes from assembler files (or nothing).
    try:
        out = subprocess.run(["readelf", "-S", "-W", elf], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    for line in out.splitlines():
        if ".debug_info" in line:
            fields = line.split()
            idx = fields.index(".debug_info")
            try:
                return int(fields[idx + 4], 16) > 0x10000
            except (IndexError, ValueError):
                return False
    return False


def packet(body):
    return b"$" + body + b"#%02x" % (sum(body) & 0xFF)


def decode(raw):
    """Undoes `}` escapes and `X*n` run-length encoding (E.1 "Overview")."""
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == ord("}"):
            i += 1
            out.append(raw[i] ^ 0x20)
        elif c == ord("*"):
            i += 1
            out += bytes([out[-1]]) * (raw[i] - 29)
        else:
            out.append(c)
        i += 1
    return bytes(out)


class Raw:
    """A minimal RSP client on a socket (GDB manual, appendix "Remote Protocol")."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def read_until(self, pred):
        while not pred(self.buf):
            chunk = self.s.recv(4096)
            if not chunk:
                raise EOFError("stub closed the connection")
            self.buf += chunk

    def reply(self):
        # The next $...#cc, skipping acknowledgments.
        self.read_until(lambda b: re.search(rb"\$([^#]*)#[0-9a-f]{2}", b))
        m = re.search(rb"\$([^#]*)#[0-9a-f]{2}", self.buf)
        self.buf = self.buf[m.end():]
        return decode(m.group(1)).decode("latin1")

    def ask(self, body):
        self.s.sendall(packet(body))
        return self.reply()


def monitor(raw, command):
    return bytes.fromhex(raw.ask(b"qRcmd," + command.encode().hex().encode())).decode()


def raw_session(port):
    """After GDB detached: attach again by hand; second client, bad packets, Ctrl-C, kill."""
    failures = []
    try:
        a = Raw(port)
        stop = a.ask(b"?")
        if not re.match(r"[ST]05", stop):
            failures.append(f"raw: `?` on attach answered {stop!r}")
        # A second client is accepted and closed with nothing sent; the first is unaffected.
        b = socket.create_connection(("127.0.0.1", port), timeout=60)
        if b.recv(1) != b"":
            failures.append("raw: the second client received data")
        b.close()
        a.s.sendall(b"$g#00")  # bad checksum
        a.read_until(lambda buf: b"-" in buf)
        a.buf = a.buf.replace(b"-", b"", 1)
        c1, c2 = monitor(a, "cycles"), monitor(a, "cycles")
        if c1 != c2:
            failures.append(f"raw: virtual time moved while halted: {c1!r} then {c2!r}")
        a.s.sendall(packet(b"c"))
        time.sleep(0.5)
        a.s.sendall(b"\x03")  # Ctrl-C (E.9 "Interrupts")
        stop = a.reply()
        if stop != "T02":
            failures.append(f"raw: interrupt answered {stop!r}, expected T02")
        c3 = monitor(a, "cycles")
        if c3 == c2:
            failures.append("raw: virtual time did not move while running")
        a.s.sendall(packet(b"k"))
        a.s.close()
    except (OSError, EOFError, ValueError) as e:
        failures.append(f"raw: {e}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--boardemu", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--board", required=True, choices=sorted(BOARDS))
    ap.add_argument("--elf", help="firmware ELF (default: the board's build under build/firmware)")
    args = ap.parse_args()
    cfg = BOARDS[args.board]
    elf = args.elf or os.path.join(args.root, cfg["elf"])
    gdb = find_gdb(args.root, cfg["gdb"])
    if not gdb:
        skip(f"no GDB for {args.board} (looked for {', '.join(cfg['gdb'])})")
    if not os.path.exists(elf):
        skip(f"{elf} is missing (run `make build`)")
    if not has_debug_info(elf):
        skip(f"{elf} has no debug information (built before firmware/Makefile added -g; run `make build`)")

    emu = subprocess.Popen([args.boardemu, "run", "--board", args.board, "--firmware", elf,
                            "--uart0", "null", "--gdb", "0", "--gdb-wait", "--stats"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = None
    stderr_lines = []
    while True:
        line = emu.stderr.readline()
        if not line:
            break
        stderr_lines.append(line)
        m = re.search(r"gdb stub listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        emu.kill()
        print("boardemu did not announce the stub:\n" + "".join(stderr_lines) + emu.stderr.read())
        return 1
    # Keep draining stderr so the emulator never blocks on a full pipe.
    drain = threading.Thread(target=lambda: stderr_lines.extend(emu.stderr), daemon=True)
    drain.start()

    steps = [
        ("connect", [f"target remote 127.0.0.1:{port}"], [r"^(0x[0-9a-f]+ in )?\w+ \(.*\)( at \S+:\d+)?$"]),
        ("break", ["break mp_init"], [r"Breakpoint 1 at 0x[0-9a-f]+"]),
        ("continue", ["continue"], [r"Breakpoint 1, (0x[0-9a-f]+ in )?mp_init"]),
        ("pc", [f"info registers {cfg['pc']}"], [r"<mp_init\+?\d*>"]),
        ("bt", ["bt"], [r"#0 .*mp_init", r"#1 .*main"]),
        ("stepi", ["p/x $pc", "stepi", "p/x $pc"], []),
        ("next", ["next"], [r"^\d+\s"]),
        ("watch", [f"watch {WATCHED}", "continue"],
         [r"[Ww]atchpoint 2: " + re.escape(WATCHED), r"Old value = 0", r"New value = 1"]),
        # The watchpoint fired inside mp_map_init (called by mp_obj_dict_init or mp_init):
        # `finish` returns to a caller.
        ("finish", ["delete", "finish"], [r"^(0x[0-9a-f]+ in )?mp_(init|obj_dict_init) \("]),
        ("setvar", [f"set var {WATCHED} = 77", f"print {WATCHED}", f"x/1wx &{WATCHED}"],
         [r"= 77", r":\s+0x0000004d"]),
        ("device", [f"x/1wx {cfg['uart']}"], [r"^" + cfg["uart"] + r".*:\s+0x[0-9a-f]{8}"]),
        ("cycles", ["monitor cycles"], [r"cycles: \d+ \([\d.]+ ms virtual\), instructions: \d+"]),
        ("regs", ["monitor regs uart0"],
         [r"^uart0: model \S+ at 0x[0-9a-f]{8}",
          r"^\s+\w[\w/]*\s+0x[0-9a-f]{8} \(\+0x[0-9a-f]{3}\) = 0x[0-9a-f]{8}"]),
        ("detach", ["detach"], [r"\[Inferior 1 \(.*\) detached\]"]),
    ]
    cmd = [gdb, "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
           "-ex", "set remotetimeout 60", "-ex", f"file {elf}"]
    for name, cmds, _ in steps:
        cmd += ["-ex", f"echo @@STEP {name}\\n"]
        for c in cmds:
            cmd += ["-ex", c]
    cmd += ["-ex", "echo @@STEP end\\n"]
    try:
        # One pipe for both streams keeps GDB's messages (some go to stderr: monitor output,
        # "Remote debugging using") in order with the step markers.
        g = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=400,
                           stdin=subprocess.DEVNULL)
        gdb_out = transcript = g.stdout
    except subprocess.TimeoutExpired as e:
        gdb_out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        transcript = f"GDB timed out\n{gdb_out}"
    raw_failures = raw_session(port) if "@@STEP end" in gdb_out else ["GDB session did not complete"]
    try:
        rc = emu.wait(timeout=60)
    except subprocess.TimeoutExpired:
        emu.kill()
        rc = "killed (did not end after `kill`)"

    # GDB prints the echo markers on stdout and errors on stderr; split stdout by step.
    sections = {}
    current = None
    for line in gdb_out.splitlines():
        m = re.match(r"@@STEP (\S+)", line)
        if m:
            current = m.group(1)
            sections[current] = []
        elif current:
            sections[current].append(line)

    if re.search(r"Remote failure reply: E01|Could not read registers", transcript):
        skip(f"the {args.board} backend has no debugger access yet (Cpu::debug() is nullptr)")

    failures = []
    for name, _, patterns in steps:
        text = "\n".join(sections.get(name, []))
        for p in patterns:
            if not re.search(p, text, re.M):
                failures.append(f"step {name}: /{p}/ not found in:\n{text}")
    pcs = re.findall(r"\$\d+ = (0x[0-9a-f]+)", "\n".join(sections.get("stepi", [])))
    if len(pcs) != 2 or pcs[0] == pcs[1]:
        failures.append(f"step stepi: PC did not advance ({pcs})")
    failures += raw_failures
    if rc != 0:
        failures.append(f"boardemu exit status after kill: {rc}")
    if failures:
        print(f"GDB transcript ({gdb}):\n{transcript}\nboardemu stderr:\n{''.join(stderr_lines)}")
        print("FAIL:\n" + "\n".join(failures))
        return 1
    print(f"PASS: {args.board}: {len(steps)} steps with {os.path.basename(gdb)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
