"""Tests of the esp8266 blink app (examples/esp8266/blink/main.py) and of the MicroPython REPL on
mps2-an385, with the boardemu pytest plugin. Each test gets a freshly booted board; every
timeout is virtual time, so the tests give the same result on a slow CI machine as on a laptop.

    python3 -m pytest -v examples/pytest
"""
import pytest

from boardemu_pytest import BoardemuExecError

# The blink app on its circuit: an LED on GPIO2 (net "led"), a button on GPIO0 (part "btn1").
# The files of ../esp8266/blink go on the board's filesystem, so its main.py runs at boot.
blink_app = pytest.mark.boardemu(board="esp8266", circuit="../esp8266/blink-button.yaml",
                                 files="../esp8266/blink", timeout="10s")


@blink_app
def test_led_toggles_every_250_ms(board):
    board.expect_exact("blink: started")
    board.wait_pin("led", 1, timeout_ms=300)
    on = board.virtual_time_ms
    board.wait_pin("led", 0, timeout_ms=300)
    assert board.virtual_time_ms - on == pytest.approx(250, abs=1)
    assert board.pin("led1.A") == 0


@blink_app
def test_button_press_is_counted(board):
    board.expect_exact("blink: started")
    board.fail_on("Traceback")  # checked from here to the end of the test
    for presses in (1, 2):
        board.set_control("btn1", "pressed", 1)
        board.delay(50)
        board.set_control("btn1", "pressed", 0)
        match = board.expect(r"button: (\d+) presses", timeout_ms=500)
        assert int(match.group(1)) == presses


@blink_app
def test_exec_reads_the_app_state(board):
    board.expect_exact("blink: started")
    # exec() stops main.py (Ctrl-C) and runs the code in the raw REPL; the app's globals remain.
    assert board.exec("print(presses, led.value() in (0, 1))") == "0 True\n"
    with pytest.raises(BoardemuExecError, match="ZeroDivisionError"):
        board.exec("1 / 0")


@pytest.mark.boardemu(board="mps2-an385")
def test_repl_prints_a_product(board):
    board.expect_exact(">>> ", timeout_ms=2000)
    board.write("print(6*7)\r")
    board.expect_exact("print(6*7)")  # the REPL echoes what it is sent
    assert board.expect(r"(\d+)\r\n").group(1) == "42"
