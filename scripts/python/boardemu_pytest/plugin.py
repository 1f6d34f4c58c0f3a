"""The boardemu pytest plugin: a `board` fixture backed by `boardemu test --serve`.

    @pytest.mark.boardemu(board="esp8266", circuit="../esp8266/blink-button.yaml",
                          files=["../esp8266/blink"], timeout="60s")
    def test_blink(board):
        board.expect_exact("blink: started")
        board.wait_pin("led", 1, timeout_ms=300)

Marker arguments (paths relative to the test file's directory; all optional):
    board       board name (default: --boardemu-board / ini boardemu_board, else the runner's)
    firmware    an ELF file (default: the board's default firmware)
    circuit     a circuit file (parts wired to the board)
    scenario    a scenario file; its steps run before the test gets the board, and it gives the
                board, firmware, circuit, files and limits (board/firmware/circuit here are then
                only defaults for what it does not name)
    files       a directory or a list of them: their files make the board's littlefs
    romfs       a ROMFS image;  flash: the flash's starting contents (a copy is used)
    timeout     the virtual-time limit of the whole run: "60s", "500ms", or a number of seconds
    boards_dir  a directory with board files
Options: --boardemu PATH (ini `boardemu`; default $BOARDEMU, else <repo>/build/boardemu),
--boardemu-board NAME (ini `boardemu_board`), --boardemu-host-timeout SECONDS (ini
`boardemu_host_timeout`, default 120): how long in host time one request may take before the
process is killed and the test fails.

Every timeout_ms below is virtual time: the board's clock, not the host's. Runs repeat exactly:
the same test gives the same output at the same virtual time on every run.
"""

import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_MARKER_ARGS = ("board", "firmware", "circuit", "scenario", "files", "romfs", "flash", "timeout", "boards_dir")
_UART_TAIL_LINES = 12



def _error_class(reply):
    """The exception for a failed reply, by the runner's `reason`: a step whose time ran out
    (or the scenario's) is a timeout, code that raised an exec error, anything else an error."""
    reason = reply.get("reason", "")
    if reason in ("timeout", "time-limit"):
        return BoardemuTimeout
    if reason == "raised":
        return BoardemuExecError
    return BoardemuError

class BoardemuError(AssertionError):
    """A step on the board failed (the runner's message, then the last UART lines)."""

    def __init__(self, message, reply=None, uart_tail=""):
        if uart_tail:
            message += "\nlast UART output:\n" + "\n".join("    " + line for line in uart_tail.split("\n"))
        super().__init__(message)
        self.reply = reply or {}
        self.uart_tail = uart_tail


class BoardemuTimeout(BoardemuError):
    """What a test waited for (text, a pin level) did not happen within its virtual time."""


class BoardemuExecError(BoardemuError):
    """Code sent by board.exec() raised an exception on the board."""

    @property
    def output(self):
        """What the code printed before it raised."""
        return self.reply.get("output", "")


class BoardemuProcessError(BoardemuError):
    """The boardemu process could not start, exited, or stopped answering."""


class BoardMatch:
    """What board.expect() found: like re.Match, over the matched text only.

    group() / group(0) / [0] is the whole match, group(n) / [n] a capture group (None when the
    group took no part), groups() all capture groups, string the matched text."""

    def __init__(self, text, groups):
        self.string = text
        self._groups = tuple(groups)

    def group(self, *index):
        if not index:
            return self.string
        values = tuple(self[i] for i in index)
        return values[0] if len(values) == 1 else values

    def __getitem__(self, index):
        if not isinstance(index, int) or not 0 <= index <= len(self._groups):
            raise IndexError("no such group: %r (the pattern has %d)" % (index, len(self._groups)))
        return self.string if index == 0 else self._groups[index - 1]

    def groups(self, default=None):
        return tuple(default if g is None else g for g in self._groups)

    def __repr__(self):
        return "<BoardMatch %r groups=%r>" % (self.string, self._groups)


def _duration(ms):
    """Virtual milliseconds as the runner's duration text (integer nanoseconds: no rounding)."""
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or ms < 0:
        raise ValueError("a time in milliseconds must be a number >= 0, got %r" % (ms,))
    return "%dns" % round(ms * 1_000_000)


def _printable(text):
    """UART text for a report: \\r dropped, other control characters shown as \\xNN."""
    text = text.replace("\r", "")
    return "".join(c if c in "\n\t" or c >= " " else "\\x%02x" % ord(c) for c in text)


def _tail(text, lines=_UART_TAIL_LINES):
    return "\n".join(_printable(text).rstrip("\n").split("\n")[-lines:])


class Board:
    """One emulated board in a `boardemu test --serve` process.

    Start one with Board.start(argv, ...) (the fixture does); every method sends one request
    and waits for its answer. A failed step raises BoardemuError (BoardemuTimeout,
    BoardemuExecError): an AssertionError, so pytest reports the test as failed."""

    def __init__(self, argv, cwd=None, host_timeout=120.0, base_dir=None, serial="uart0"):
        self.argv = list(argv)
        self.serial = serial
        self.host_timeout = host_timeout
        self.base_dir = base_dir or cwd or os.getcwd()
        self.last_log = ""  # the UART log as last seen (kept for reports after the process ends)
        self.returncode = None
        self._uses_fail_serial = False
        self._ended = False  # its stdout reached EOF
        self._stderr = tempfile.TemporaryFile()
        self._lines = queue.Queue()
        try:
            self._proc = subprocess.Popen(self.argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=self._stderr)
        except OSError as e:
            self._stderr.close()
            raise BoardemuProcessError("cannot start %s: %s" % (self.argv[0], e)) from None
        self._reader = threading.Thread(target=self._read_lines, name="boardemu-stdout", daemon=True)
        self._reader.start()
        try:
            first = self._answer("start-up")
            if not first.get("ok") or not first.get("ready"):
                raise BoardemuProcessError("boardemu could not start the board: %s%s"
                                           % (first.get("error", first), self._stderr_note()), reply=first)
        except BoardemuError:
            self._ended = True
            self.close(wait_s=2.0)
            raise

    # ---- the protocol ----

    def _read_lines(self):
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _stderr_text(self):
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def _stderr_note(self):
        text = self._stderr_text()
        return "\nboardemu's stderr:\n" + "\n".join("    " + l for l in text.split("\n")[-20:]) if text else ""

    def _answer(self, what):
        __tracebackhide__ = True
        try:
            line = self._lines.get(timeout=self.host_timeout)
        except queue.Empty:
            self._kill()
            raise BoardemuProcessError("boardemu did not answer %s within %g s of host time (killed)%s"
                                       % (what, self.host_timeout, self._stderr_note())) from None
        if line is None:
            self._ended = True
            self.returncode = self._proc.wait()
            raise BoardemuProcessError("boardemu exited (status %s) instead of answering %s%s"
                                       % (self.returncode, what, self._stderr_note()))
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise BoardemuProcessError("boardemu answered %s with something other than a JSON object: %r"
                                       % (what, line[:200]))
        return reply

    def request(self, obj):
        """Sends one request (a step or a query, as a dict) and returns the reply dict as is,
        {"ok": false, ...} included. Raises BoardemuProcessError if the process is gone or hangs."""
        __tracebackhide__ = True
        if self._ended:
            raise BoardemuProcessError("boardemu has exited (status %s)%s" % (self.returncode, self._stderr_note()))
        line = json.dumps(obj) + "\n"
        try:
            self._proc.stdin.write(line.encode())
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # it exited: the answer below says so, with its status and stderr
        return self._answer(json.dumps(obj)[:200])

    def _uart_tail(self):
        try:
            self._refresh_log()
        except BoardemuError:
            pass
        return _tail(self.last_log)

    def _refresh_log(self):
        reply = self.request({"query": "serial-log", "serial": self.serial})
        if reply.get("ok"):
            self.last_log = reply.get("output", "")
        return self.last_log

    def _fail(self, cls, what, reply):
        """Raises `cls` with the runner's message (which names the step it ran: "wait-serial
        /T=(\\d+)/: not seen within ..."; `what` is said first when it does not) and the UART tail."""
        __tracebackhide__ = True
        error = str(reply.get("error", reply))
        message = error if error.startswith(what) else "%s: %s" % (what, error)
        raise cls(message, reply=reply, uart_tail=self._uart_tail())

    def step(self, step, check=True):
        """Runs any scenario step (a dict as a scenario's steps list holds it, e.g.
        {"expect-i2c": {"address": 0x76, "timeout": "1s"}}) and returns the reply dict.
        Relative save-to / compare-with paths are taken from the test file's directory.
        With check=True a failed step raises BoardemuError."""
        __tracebackhide__ = True
        if not isinstance(step, dict) or len(step) != 1:
            raise ValueError("a step is a dict with one key (its kind), got %r" % (step,))
        kind, args = next(iter(step.items()))
        if kind == "take-screenshot" and isinstance(args, dict):
            args = dict(args)
            for key in ("save-to", "compare-with"):
                if isinstance(args.get(key), str):
                    args[key] = os.path.join(self.base_dir, args[key])
            step = {kind: args}
        if kind == "fail-serial":
            self._uses_fail_serial = True
        reply = self.request(step)
        if check and not reply.get("ok"):
            self._fail(BoardemuError, kind, reply)
        return reply

    # ---- serial ----

    def expect(self, pattern, timeout_ms=1000):
        """Waits until `pattern` (a regular expression, ECMAScript syntax as std::regex reads it)
        appears in the UART output after where the last match (or exec) ended; returns a
        BoardMatch. Raises BoardemuTimeout naming the pattern if it does not appear in time."""
        __tracebackhide__ = True
        if isinstance(pattern, re.Pattern):
            pattern = pattern.pattern
        return self._wait_serial({"regex": pattern}, timeout_ms)

    def expect_exact(self, text, timeout_ms=1000):
        """Like expect(), for literal text."""
        __tracebackhide__ = True
        return self._wait_serial({"text": text}, timeout_ms)

    def _wait_serial(self, args, timeout_ms):
        __tracebackhide__ = True
        args = dict(args, timeout=_duration(timeout_ms), serial=self.serial)
        reply = self.request({"wait-serial": args})
        if not reply.get("ok"):
            self._fail(_error_class(reply), "wait-serial", reply)
        return BoardMatch(reply.get("output", ""), [g if g != "" else None for g in reply.get("groups", [])])

    def write(self, data):
        """Sends text (str) or bytes to the UART."""
        __tracebackhide__ = True
        if not data:
            return
        key, payload = ("bytes", list(data)) if isinstance(data, (bytes, bytearray)) else ("text", str(data))
        self.step({"write-serial": {key: payload, "serial": self.serial}})

    def fail_on(self, text):
        """From now on, `text` in the UART output fails the test (checked at every step that
        runs the board and at the end of the test)."""
        __tracebackhide__ = True
        self.step({"fail-serial": text})

    def exec(self, code, timeout_ms=5000):
        """Runs Python code through the raw REPL (interrupting whatever runs, main.py included)
        and returns what it printed (\\r removed). Raises BoardemuExecError with the exception's
        last line if the code raised, BoardemuTimeout if it did not finish in time."""
        __tracebackhide__ = True
        reply = self.request({"exec": {"code": code, "timeout": _duration(timeout_ms), "serial": self.serial}})
        if not reply.get("ok"):
            self._fail(_error_class(reply), "exec", reply)
        return reply.get("output", "")

    @property
    def serial_log(self):
        """Everything the UART has sent since boot."""
        return self._refresh_log()

    # ---- parts and pins ----

    def set_control(self, part, control, value):
        """Sets a part's control: set_control("btn1", "pressed", 1), a sensor value, ..."""
        __tracebackhide__ = True
        self.step({"set-control": {"part-id": part, "control": control, "value": float(value)
                                   if not isinstance(value, (int, bool)) else int(value)}})

    def level(self, name):
        """The level of a pin or net: "low", "high", "floating" or "contention". `name` is a
        net ("led"), a part's pin ("led1.A", "gpio.GPIO2") or a chip pin ("GPIO2")."""
        __tracebackhide__ = True
        reply = self.request({"query": "level", "pin": name})
        if not reply.get("ok"):
            self._fail(BoardemuError, "level of %r" % name, reply)
        return reply["level"]

    def pin(self, name):
        """1 (high), 0 (low) or None (floating); contention raises BoardemuError."""
        __tracebackhide__ = True
        level = self.level(name)
        if level == "contention":
            raise BoardemuError("pin %r: outputs drive it both high and low (contention)" % name)
        return {"high": 1, "low": 0}.get(level)

    def wait_pin(self, name, value, timeout_ms=1000):
        """Waits until a net ("led") or part pin ("led1.A") is at `value` (1/0/True/False/
        "high"/"low", None or "floating"). Raises BoardemuTimeout if it is not in time."""
        __tracebackhide__ = True
        if value is None:
            value = "floating"
        elif isinstance(value, (bool, int)):
            value = int(value)
        reply = self.request({"wait-pin": {"net": name, "value": value, "timeout": _duration(timeout_ms)}})
        if not reply.get("ok"):
            self._fail(_error_class(reply), "wait-pin", reply)

    # ---- time ----

    def delay(self, ms):
        """Lets `ms` milliseconds of virtual time pass."""
        __tracebackhide__ = True
        self.step({"delay": _duration(ms)})

    def _time(self):
        reply = self.request({"query": "time"})
        if not reply.get("ok"):
            self._fail(BoardemuError, "time", reply)
        return reply

    @property
    def virtual_time_ms(self):
        """Virtual time since reset, in milliseconds."""
        return self._time()["time_ms"]

    @property
    def cycles(self):
        """CPU cycles since reset."""
        return self._time()["cycles"]

    # ---- the end ----

    def finish(self):
        """Checks the fail_on() texts over the whole output; raises BoardemuError if one appeared."""
        __tracebackhide__ = True
        reply = self.request({"query": "finish"})
        if not reply.get("ok"):
            self._fail(BoardemuError, "finish", reply)

    @property
    def alive(self):
        return not self._ended and self._proc.poll() is None

    def _kill(self):
        if self._proc.poll() is None:
            self._proc.kill()
        self.returncode = self._proc.wait()

    def close(self, wait_s=10.0):
        """Ends the process: closes its stdin (it exits at EOF), kills it after `wait_s` seconds."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self.returncode = self._proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            self._kill()
        self._reader.join(timeout=5)  # EOF now that the process has ended
        if not self._reader.is_alive():
            self._proc.stdout.close()
        self._stderr.close()


# ---- pytest glue ----

_BOARDS = pytest.StashKey()
_CALL_FAILED = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("boardemu", "boardemu board emulator")
    group.addoption("--boardemu", dest="boardemu", default=None, metavar="PATH",
                    help="the boardemu binary (default: $BOARDEMU, else <repo>/build/boardemu)")
    group.addoption("--boardemu-board", dest="boardemu_board", default=None, metavar="NAME",
                    help="board for tests whose boardemu marker names none")
    group.addoption("--boardemu-host-timeout", dest="boardemu_host_timeout", default=None, type=float,
                    metavar="SECONDS", help="host time one request may take before the test fails (default 120)")
    parser.addini("boardemu", "the boardemu binary (relative to the ini file)", default=None)
    parser.addini("boardemu_board", "board for tests whose boardemu marker names none", default=None)
    parser.addini("boardemu_host_timeout", "host seconds one request may take (default 120)", default=None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "boardemu(board=, firmware=, circuit=, scenario=, files=, romfs=, flash=, timeout=, "
                   "boards_dir=): the emulated board the `board` fixture starts (paths relative to the test file)")


def _option(config, name):
    """A command-line option, else the ini value (None when neither is set, or when the plugin
    was loaded too late for its options to exist)."""
    try:
        value = config.getoption(name)
    except ValueError:
        value = None
    if value is None:
        try:
            value = config.getini(name)
        except ValueError:
            value = None
        if value and name == "boardemu" and config.inipath:
            value = os.path.join(os.path.dirname(str(config.inipath)), value)
    return value or None


def _binary(config):
    path = _option(config, "boardemu") or os.environ.get("BOARDEMU") or os.path.join(_REPO, "build", "boardemu")
    return os.path.abspath(os.path.join(str(config.invocation_params.dir), path))


def _setup_error(message):
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)


def _board_argv(request, tmpdir):
    """The command line for the test's marker; a scenario file written to `tmpdir` when the
    marker gives files/romfs/flash/timeout without one."""
    marker = request.node.get_closest_marker("boardemu")
    args = dict(marker.kwargs) if marker else {}
    where = "@pytest.mark.boardemu on %s" % request.node.nodeid
    if marker and marker.args:
        _setup_error("%s: arguments are by name (board=..., circuit=...), got %r" % (where, marker.args))
    unknown = sorted(set(args) - set(_MARKER_ARGS))
    if unknown:
        _setup_error("%s: unknown argument%s %s (known: %s)" % (where, "s" if len(unknown) > 1 else "",
                                                               ", ".join(unknown), ", ".join(_MARKER_ARGS)))
    base = os.path.dirname(str(request.node.fspath))

    def path(key, value):
        if not isinstance(value, (str, os.PathLike)):
            _setup_error("%s: %s= takes a path, got %r" % (where, key, value))
        full = os.path.normpath(os.path.join(base, os.fspath(value)))
        if not os.path.exists(full):
            _setup_error("%s: %s=%r: no such file or directory (%s)" % (where, key, os.fspath(value), full))
        return full

    timeout = args.get("timeout")
    if timeout is not None:
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
            timeout = "%dns" % round(timeout * 1e9)
        elif not (isinstance(timeout, str) and re.fullmatch(r"\s*[0-9.]+\s*(ns|us|ms|s)\s*", timeout)):
            _setup_error("%s: timeout=%r: give seconds or a duration with a unit (\"60s\", \"500ms\")"
                         % (where, timeout))
    files = args.get("files")
    if files is not None:
        files = [path("files", f) for f in ([files] if isinstance(files, (str, os.PathLike)) else files)]
    board = args.get("board") or _option(request.config, "boardemu_board")
    if board is not None and not isinstance(board, str):
        _setup_error("%s: board= takes a board name, got %r" % (where, board))
    firmware = path("firmware", args["firmware"]) if args.get("firmware") else None
    circuit = path("circuit", args["circuit"]) if args.get("circuit") else None
    romfs = path("romfs", args["romfs"]) if args.get("romfs") else None
    flash = path("flash", args["flash"]) if args.get("flash") else None

    argv = [_binary(request.config), "test", "--serve"]
    if args.get("boards_dir"):
        argv += ["--boards-dir", path("boards_dir", args["boards_dir"])]
    if args.get("scenario"):
        given = [k for k in ("files", "romfs", "flash", "timeout") if args.get(k) is not None]
        if given:
            _setup_error("%s: %s cannot go with scenario= (the scenario file gives them)" % (where, ", ".join(given)))
        argv.insert(3, path("scenario", args["scenario"]))
    elif files or romfs or flash or timeout:
        # JSON is YAML: the runner reads this as a scenario file with no steps.
        scenario = {"name": request.node.name, "steps": []}
        for key, value in (("board", board), ("firmware", firmware), ("circuit", circuit), ("files", files),
                           ("romfs", romfs), ("flash", flash), ("timeout", timeout)):
            if value is not None:
                scenario[key] = value
        scenario_path = os.path.join(tmpdir, "scenario.json")
        with open(scenario_path, "w") as f:
            json.dump(scenario, f, indent=1)
        argv.insert(3, scenario_path)
        return argv, base
    for flag, value in (("--board", board), ("--firmware", firmware), ("--circuit", circuit)):
        if value is not None:
            argv += [flag, value]
    return argv, base


@pytest.fixture
def board(request):
    """The emulated board of the test's @pytest.mark.boardemu(...), booted and ready; ended at
    teardown. See Board for the methods."""
    tmpdir = tempfile.mkdtemp(prefix="boardemu-pytest-")
    try:
        argv, base = _board_argv(request, tmpdir)
        if not os.access(argv[0], os.X_OK):
            _setup_error("boardemu binary not found or not executable: %s (build it, or give --boardemu PATH "
                         "or $BOARDEMU)" % argv[0])
        host_timeout = float(_option(request.config, "boardemu_host_timeout") or 120)
        b = Board(argv, cwd=base, host_timeout=host_timeout, base_dir=base)
        request.node.stash.setdefault(_BOARDS, []).append(b)
        yield b
        failed = request.node.stash.get(_CALL_FAILED, False)
        try:
            if b._uses_fail_serial and not failed and b.alive:
                b.finish()
        finally:
            b.close()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    if not report.failed:
        return
    for b in item.stash.get(_BOARDS, []):
        if b.alive:
            try:
                b._refresh_log()
            except BoardemuError:
                pass
        report.sections.append(("boardemu %s" % b.serial, _printable(b.last_log) or "(no output)"))
