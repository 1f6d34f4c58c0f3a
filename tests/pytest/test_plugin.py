"""Tests of the boardemu pytest plugin (scripts/python/boardemu_pytest): inner test files run by
pytest's pytester, their outcomes and messages checked. They need build/boardemu (or $BOARDEMU)
and the esp8266 and MPS2_AN385 firmware; the fake-binary tests need neither.

    PYTHONPATH=scripts/python /usr/bin/python3 -m pytest -q tests/pytest
"""
import os
import stat
import sys
import textwrap
import time

import pytest

pytest_plugins = ["pytester"]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.join(REPO, "scripts", "python"))  # after PYTHONPATH
BINARY = os.path.abspath(os.environ.get("BOARDEMU") or os.path.join(REPO, "build", "boardemu"))
BLINK = ('@pytest.mark.boardemu(board="esp8266", circuit=%r, files=%r, timeout="10s")'
         % (os.path.join(REPO, "examples/esp8266/blink-button.yaml"), os.path.join(REPO, "examples/esp8266/blink")))

needs_binary = pytest.mark.skipif(not os.access(BINARY, os.X_OK), reason="no boardemu binary at " + BINARY)


def run(pytester, source, *args):
    """Runs `source` (a test module; BLINK is formatted in) in an inner pytest session."""
    pytester.makepyfile(test_inner="import pytest\nfrom boardemu_pytest import *\n\n"
                        + textwrap.dedent(source).replace("@BLINK", BLINK))
    return pytester.runpytest("-p", "boardemu_pytest.plugin", "--boardemu", BINARY, *args)


def report(result, name, when="call"):
    reports = [r for r in result.reprec.getreports("pytest_runtest_logreport")
               if r.when == when and r.nodeid.endswith("::" + name)]
    assert len(reports) == 1, reports
    return reports[0]


@needs_binary
def test_expect_passes_and_returns_groups(pytester):
    result = run(pytester, """
        @BLINK
        def test_it(board, record_property):
            record_property("pid", board._proc.pid)
            m = board.expect(r"blink: (\\w+)")
            assert m.group(0) == m.string == "blink: started"
            assert m.group(1) == m[1] == "started" and m.groups() == ("started",)
            board.wait_pin("led", 1, timeout_ms=300)
            assert board.pin("led") == 1 and board.level("gpio.GPIO2") == "high"
            assert board.pin("button") == 1
            assert "blink: started" in board.serial_log
        """)
    result.assert_outcomes(passed=1)
    pid = dict(report(result, "test_it").user_properties)["pid"]
    with pytest.raises(ProcessLookupError):  # the process was ended at teardown
        os.kill(pid, 0)


@needs_binary
def test_expect_timeout_fails_naming_the_pattern_with_the_uart_tail(pytester):
    result = run(pytester, """
        @BLINK
        def test_it(board):
            board.expect(r"T=(\\d+)", timeout_ms=300)
        """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E *BoardemuTimeout: wait-serial /T=(\\d+)/: not seen within 300 ms (at 300.000 ms)",
        "E * last UART output:",
        "E * blink: started",
        "*- boardemu uart0 -*",
    ])
    assert ("boardemu uart0", "blink: started\n") in report(result, "test_it").sections


@needs_binary
def test_expect_timeout_is_an_assertion_error(pytester):
    result = run(pytester, """
        @BLINK
        def test_it(board):
            with pytest.raises(AssertionError) as e:
                board.expect_exact("never printed", timeout_ms=50)
            assert type(e.value) is BoardemuTimeout and "'never printed'" in str(e.value)
            board.expect_exact("blink: started")  # the board goes on after a failed step
        """)
    result.assert_outcomes(passed=1)


@needs_binary
def test_exec_returns_output_and_raises_with_the_exception_line(pytester):
    result = run(pytester, """
        @BLINK
        def test_ok(board):
            board.expect_exact("blink: started")
            assert board.exec("print(2 + 2)\\nprint('x')") == "4\\nx\\n"

        @BLINK
        def test_raises(board):
            board.expect_exact("blink: started")
            board.exec("print('before')\\nimport no_such_module")
        """)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E *BoardemuExecError: exec *the code raised ImportError: no module named "
                                 "'no_such_module'*"])
    assert "ImportError" in dict(report(result, "test_raises").sections)["boardemu uart0"]


@needs_binary
def test_bad_marker_arguments_are_clear_setup_errors(pytester):
    result = run(pytester, """
        @pytest.mark.boardemu(board="esp8266", circut="blink.yaml")
        def test_misspelt(board):
            pass

        @pytest.mark.boardemu(board="esp8266", circuit="no-such-circuit.yaml")
        def test_missing_file(board):
            pass

        @pytest.mark.boardemu("esp8266")
        def test_positional(board):
            pass

        @pytest.mark.boardemu(board="esp8266", scenario=%r, files=".")
        def test_scenario_and_files(board):
            pass

        @pytest.mark.boardemu(board="no-such-board")
        def test_unknown_board(board):
            pass
        """ % os.path.join(REPO, "examples/esp8266/scenarios/button.yaml"))
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines_random([
        "*test_misspelt: unknown argument circut (known: board, *",
        "*test_missing_file: circuit='no-such-circuit.yaml': no such file or directory*",
        "*test_positional: arguments are by name*",
        "*test_scenario_and_files: files cannot go with scenario=*",
        "*BoardemuProcessError: boardemu *no-such-board*",
    ])


@needs_binary
def test_unknown_part_or_pin_fails_clearly(pytester):
    result = run(pytester, """
        @BLINK
        def test_part(board):
            board.set_control("btn9", "pressed", 1)

        @BLINK
        def test_control(board):
            board.set_control("btn1", "volume", 1)

        @BLINK
        def test_pin(board):
            board.pin("nope")
        """)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines_random([
        "E *BoardemuError: set-control: no part called 'btn9'",
        "E *BoardemuError: *volume*",
        "E *BoardemuError: level of 'nope': no pin or net called 'nope'",
    ])


@needs_binary
def test_same_test_gives_the_same_virtual_time(pytester):
    result = run(pytester, """
        @pytest.mark.parametrize("run", [1, 2])
        @BLINK
        def test_it(board, run, record_property):
            board.expect_exact("blink: started")
            board.set_control("btn1", "pressed", 1)
            board.delay(50)
            board.set_control("btn1", "pressed", 0)
            board.expect(r"button: (\\d+) presses", timeout_ms=500)
            record_property("at", (board.virtual_time_ms, board.cycles, board.serial_log))
        """)
    result.assert_outcomes(passed=2)
    first, second = (dict(report(result, "test_it[%d]" % i).user_properties)["at"] for i in (1, 2))
    assert first == second and first[0] > 50


@needs_binary
def test_scenario_steps_run_before_the_test(pytester):
    result = run(pytester, """
        @pytest.mark.boardemu(scenario=%r)
        def test_it(board):
            assert "button: 2 presses" in board.serial_log
            assert board.virtual_time_ms > 100
            board.wait_pin("led1.A", 1, timeout_ms=300)
        """ % os.path.join(REPO, "examples/esp8266/scenarios/button.yaml"))
    result.assert_outcomes(passed=1)


@needs_binary
def test_fail_on_text_fails_the_test(pytester):
    result = run(pytester, """
        @BLINK
        def test_it(board):
            board.expect_exact("blink: started")
            board.fail_on("button: 1 presses")
            board.set_control("btn1", "pressed", 1)
            board.delay(50)
            board.set_control("btn1", "pressed", 0)
            board.delay(500)
        """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *BoardemuError: *'button: 1 presses' appeared in the output*"])


@needs_binary
def test_repl_on_mps2_an385(pytester):
    result = run(pytester, """
        @pytest.mark.boardemu(board="mps2-an385")
        def test_it(board):
            board.expect_exact(">>> ", timeout_ms=2000)
            board.write(b"print(6*7)\\r")
            board.expect_exact("print(6*7)")
            assert board.expect(r"(\\d+)\\r\\n").groups() == ("42",)
            t = board.virtual_time_ms
            board.delay(2.5)
            assert board.virtual_time_ms == pytest.approx(t + 2.5, abs=0.01)
        """)
    result.assert_outcomes(passed=1)


# ---- a binary that is missing, exits or hangs: the session never hangs ----

def fake_binary(pytester, body):
    """An executable Python script standing in for boardemu."""
    path = pytester.path / "fake-boardemu"
    path.write_text("#!%s\nimport sys, time\n%s\n" % (sys.executable, textwrap.dedent(body)))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def run_fake(pytester, binary, *args):
    pytester.makepyfile(test_inner="""
        import pytest
        def test_it(board):
            board.expect_exact("x")
        """)
    start = time.monotonic()
    result = pytester.runpytest("-p", "boardemu_pytest.plugin", "--boardemu", binary, *args)
    assert time.monotonic() - start < 30
    return result


def test_missing_binary_is_a_setup_error(pytester):
    result = run_fake(pytester, str(pytester.path / "no-such-boardemu"))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*boardemu binary not found or not executable: */no-such-boardemu*"])


def test_binary_that_exits_at_start_shows_its_stderr(pytester):
    binary = fake_binary(pytester, """
        sys.stderr.write("boardemu: circuit.yaml:3: nets[0]: no such pin\\n")
        sys.exit(3)
        """)
    result = run_fake(pytester, binary)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*BoardemuProcessError: boardemu exited (status 3) instead of answering start-up*",
                                 "*circuit.yaml:3: nets?0?: no such pin*"])


def test_binary_that_exits_mid_test_fails_it(pytester):
    binary = fake_binary(pytester, """
        print('{"ok":true,"ready":true,"time_ms":0.0}', flush=True)
        sys.stdin.readline()
        sys.stderr.write("fatal: something broke\\n")
        sys.exit(70)
        """)
    result = run_fake(pytester, binary)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *BoardemuProcessError: boardemu exited (status 70) instead of answering*",
                                 "E *fatal: something broke"])


def test_binary_that_stops_answering_is_killed_after_the_host_guard(pytester):
    binary = fake_binary(pytester, """
        print('{"ok":true,"ready":true,"time_ms":0.0}', flush=True)
        time.sleep(60)  # past the 30 s limit run_fake allows, never forever
        """)
    result = run_fake(pytester, binary, "--boardemu-host-timeout", "1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *BoardemuProcessError: boardemu did not answer * within 1 s of host time (killed)"])


def test_binary_that_ignores_eof_is_killed_at_teardown(pytester):
    binary = fake_binary(pytester, """
        print('{"ok":true,"ready":true,"time_ms":0.0}', flush=True)
        sys.stdin.readline()
        print('{"ok":true,"output":"x"}', flush=True)
        time.sleep(60)  # past the 30 s limit run_fake allows, never forever
        """)
    pytester.makepyfile(test_inner="""
        from boardemu_pytest import plugin
        def test_it(board):
            board.expect_exact("x")
            board.close(wait_s=0.5)
            assert board.returncode == -9
        """)
    start = time.monotonic()
    result = pytester.runpytest("-p", "boardemu_pytest.plugin", "--boardemu", binary)
    result.assert_outcomes(passed=1)
    assert time.monotonic() - start < 30
