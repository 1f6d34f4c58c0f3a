"""`boardemu test` (issue 13): scenario files run in virtual time, reported on the terminal and as
JUnit XML; deterministic verdicts and cycle counts; --jobs, --shard, --artifacts; failures that
name the scenario file, line, step, virtual time and the UART's last lines; bad input refused
before anything runs (one line, exit 3); a firmware that hangs or ends is a failed test case.
"""

import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest
import xml.etree.ElementTree as ET

from test_firmware import ARM_FW, BOARDEMU, ROOT

EXAMPLES = os.path.join(ROOT, "examples")
SUITES = [os.path.join(EXAMPLES, b, "scenarios") for b in ("esp8266", "mps2-an385", "virt-rv32")]
ESP_FW = os.path.join(ROOT, "build", "firmware", "ESP8266", "firmware.elf")
ROMFS_IMG = os.path.join(ROOT, "build", "romfs_images", "weather.img")
BLINK_CIRCUIT = os.path.join(EXAMPLES, "esp8266", "blink-button.yaml")


def test(*args, timeout=300, cwd=None):
    return subprocess.run([BOARDEMU, "test", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def junit_cases(path):
    """{file: (verdict, virtual_ms, cycles, testcase element)} from a JUnit report."""
    cases = {}
    for tc in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        verdict = "failure" if tc.find("failure") is not None else "error" if tc.find("error") is not None else "pass"
        cases[tc.get("file")] = (verdict, props["virtual_ms"], props["cycles"], tc)
    return cases


class Scratch(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="boardemu-scenarios-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path


@unittest.skipUnless(os.path.exists(ESP_FW) and os.path.exists(ARM_FW) and os.path.exists(ROMFS_IMG),
                     "firmware and ROMFS images not built (make build)")
class ExampleSuitesTest(Scratch):
    def test_examples_pass_with_junit_and_repeat_exactly(self):
        reports = []
        for jobs in ("1", "2"):
            report = os.path.join(self.dir, f"junit-{jobs}.xml")
            r = test("--jobs", jobs, "--junit", report, *SUITES)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertRegex(r.stdout, r"(\d+) scenarios: \1 passed, 0 failed")
            reports.append(junit_cases(report))
        one, two = reports
        self.assertGreaterEqual(len(one), 6)
        self.assertEqual(set(one), set(two))
        for path, (verdict, ms, cycles, tc) in one.items():
            self.assertEqual(verdict, "pass", path)
            # The same verdict, virtual time and cycle count in a separate process, in parallel.
            self.assertEqual((ms, cycles), two[path][1:3], path)
            self.assertGreater(int(cycles), 0)
        # stdout captured: the weather station's readings are in its test case.
        ws = [tc for p, (_, _, _, tc) in one.items() if p.endswith("weather-station.yaml")][0]
        self.assertIn("reading 1: 21.50 C", ws.find("system-out").text)
        suite = ET.parse(os.path.join(self.dir, "junit-1.xml")).getroot().find("testsuite")
        self.assertEqual(suite.get("tests"), str(len(one)))
        self.assertEqual(suite.get("failures"), "0")

    def test_shards_split_the_suite(self):
        everything = test("--list", *SUITES).stdout.split()
        parts = [test("--list", "--shard", f"{i}/3", *SUITES).stdout.split() for i in (1, 2, 3)]
        self.assertEqual(sorted(sum(parts, [])), sorted(everything))
        for i, part in enumerate(parts):
            self.assertEqual(part, everything[i::3])
        report = os.path.join(self.dir, "shard.xml")
        r = test("--shard", "2/3", "--junit", report, *SUITES)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("(shard 2/3)", r.stdout)
        self.assertEqual(sorted(junit_cases(report)), sorted(parts[1]))


@unittest.skipUnless(os.path.exists(ARM_FW), "MPS2_AN385 firmware not built (make build)")
class FailureTest(Scratch):
    def test_failure_names_file_line_step_time_and_uart(self):
        path = self.write("late.yaml", """\
            name: never says hello
            board: mps2-an385
            steps:
              - wait-serial: '>>> '
              - write-serial: "print('hel' + 'lo')\\r"
              - wait-serial: {text: 'goodbye', timeout: 250ms}
            """)
        art = os.path.join(self.dir, "art")
        report = os.path.join(self.dir, "j.xml")
        r = test(path, "--artifacts", art, "--junit", report)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"FAIL .*late\.yaml \(never says hello\)")
        self.assertRegex(r.stdout, re.escape(path) + r":6: steps\[2\] wait-serial 'goodbye': not seen within 250 ms "
                         r"\(at \d+\.\d{3} ms\)")
        self.assertIn("| hello", r.stdout)  # the UART's last lines
        verdict, _, _, tc = junit_cases(report)[path]
        self.assertEqual(verdict, "failure")
        self.assertIn("not seen within 250 ms", tc.find("failure").get("message"))
        # Artifacts: the UART log and a VCD of the nets.
        files = sorted(os.listdir(os.path.join(art, os.listdir(art)[0])))
        self.assertEqual(files, ["nets.vcd", "uart0.log"])
        with open(os.path.join(art, os.listdir(art)[0], "nets.vcd")) as f:
            self.assertIn("$enddefinitions", f.read())

    def test_passing_scenario_leaves_no_artifacts(self):
        path = self.write("ok.yaml", "board: mps2-an385\nsteps:\n  - wait-serial: '>>> '\n")
        art = os.path.join(self.dir, "art")
        r = test(path, "--artifacts", art)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(os.listdir(art), [])

    def test_hang_ends_at_the_virtual_time_limit(self):
        path = self.write("hang.yaml", """\
            board: mps2-an385
            timeout: 300ms
            steps:
              - wait-serial: '>>> '
              - write-serial: "while True: pass\\r\\r"
              - wait-serial: 'never'
            """)
        r = test(path, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("the scenario's virtual-time limit (300 ms) was reached", r.stdout)

    def test_guest_exit_is_seen_and_checked(self):
        ok = self.write("exit.yaml", """\
            board: mps2-an385
            steps:
              - wait-serial: '>>> '
              - write-serial: "import machine\\rmachine.reset()\\r"
              - expect-exit: {code: 0, timeout: 1s}
            """)
        r = test(ok)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        after = self.write("after.yaml", """\
            board: mps2-an385
            steps:
              - wait-serial: '>>> '
              - write-serial: "import machine\\rmachine.reset()\\r"
              - wait-serial: {text: 'never', timeout: 1s}
            """)
        r = test(after)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"the firmware exited with code 0 at \d+\.\d+ ms")

    def test_fatal_error_is_a_failed_test_case(self):
        # A board whose unmapped accesses stop the run (policy "stop"): a guest touching one is a
        # fatal emulation error, which fails the scenario with the error, not the runner.
        boards = os.path.join(self.dir, "boards")
        os.mkdir(boards)
        with open(os.path.join(ROOT, "boards", "mps2-an385.yaml")) as f:
            text = f.read().replace("unmapped: bus_fault", "unmapped: stop")
        with open(os.path.join(boards, "mps2-an385.yaml"), "w") as f:
            f.write(text.replace("build/firmware", os.path.join(ROOT, "build", "firmware")))
        path = self.write("fatal.yaml", """\
            board: mps2-an385
            steps:
              - wait-serial: '>>> '
              - write-serial: "import machine\\rmachine.mem32[0x50000000]\\r"
              - wait-serial: {text: 'never', timeout: 1s}
            """)
        report = os.path.join(self.dir, "j.xml")
        r = subprocess.run([BOARDEMU, "test", "--boards-dir", boards, "--junit", report, path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"fatal\.yaml:5: steps\[2\] wait-serial 'never': fatal error at \d+\.\d+ ms: .*0x50000000")
        self.assertEqual(junit_cases(report)[path][0], "failure")

    def test_exec_reports_the_exception(self):
        path = self.write("raise.yaml", """\
            board: mps2-an385
            steps:
              - exec: {code: "x = [1, 2]\\nprint(x[5])", timeout: 2s}
            """)
        r = test(path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("the code raised IndexError: list index out of range", r.stdout)

    def test_fail_serial_fails_even_during_later_steps(self):
        path = self.write("fail.yaml", """\
            board: mps2-an385
            steps:
              - wait-serial: '>>> '
              - fail-serial: ZeroDivisionError
              - write-serial: "1/0\\r"
              - delay: 50ms
            """)
        r = test(path)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":4: steps[1] fail-serial 'ZeroDivisionError': 'ZeroDivisionError' appeared in the output", r.stdout)


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class WokwiScenarioTest(Scratch):
    def test_a_wokwi_file_runs_unchanged(self):
        # As Wokwi's docs write them: no board, firmware or circuit (those come from the
        # command line here, from wokwi.toml and diagram.json there).
        path = self.write("wokwi.yaml", """\
            name: 'Basic test'
            version: 1
            author: 'Someone'

            steps:
              - delay: 700ms
              - set-control:
                  part-id: btn1
                  control: pressed
                  value: 1
              - expect-pin:
                  part-id: btn1
                  pin: P
                  value: 0
              - set-control:
                  part-id: btn1
                  control: pressed
                  value: 0
              - expect-pin:
                  part-id: btn1
                  pin: P
                  value: 1
            """)
        r = test("--board", "esp8266", "--circuit", BLINK_CIRCUIT, path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("PASS", r.stdout)


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make build)")
class SnapshotScenarioTest(Scratch):
    """A scenario may start from a snapshot (`boardemu run --save-snapshot`): it then carries on
    exactly as the same steps do from reset, past the snapshot's time."""

    STEPS = """\
        steps:
          - wait-serial: {text: 'reading 1:', timeout: 2s}
          - set-control: {part-id: env, control: temperature, value: 25.5}
          - set-control: {part-id: btn1, control: pressed, value: 1}
          - delay: 20ms
          - set-control: {part-id: btn1, control: pressed, value: 0}
          - wait-serial: {regex: 'reading \\d+: 25\\.50 C .* button presses 1', timeout: 3s}
        """

    def test_from_snapshot_equals_from_reset(self):
        tree = os.path.join(self.dir, "files")
        shutil.copytree(os.path.join(EXAMPLES, "esp8266", "weather-station"), tree)
        for f in ("bme280.py", "ssd1306.py"):
            shutil.copy(os.path.join(EXAMPLES, "esp8266", "lib", f), tree)
        circuit = os.path.join(EXAMPLES, "esp8266", "weather-station.yaml")
        flash, snap = os.path.join(self.dir, "flash.bin"), os.path.join(self.dir, "boot.snap")
        subprocess.run([BOARDEMU, "flash", "mkfs", "--board", "esp8266", "--littlefs", tree, flash],
                       check=True, capture_output=True)
        r = subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--circuit", circuit, "--flash", flash,
                            "--uart0", "null", "--save-snapshot", snap, "--at-virtual-ms", "560",
                            "--timeout-virtual-ms", "561"], capture_output=True, text=True, timeout=120)
        self.assertTrue(os.path.exists(snap), r.stderr)
        head = f"board: esp8266\ncircuit: {circuit}\ntimeout: 10s\n"
        reset = self.write("reset.yaml", head + f"files: [{tree}]\n" + textwrap.dedent(self.STEPS))
        snapped = self.write("snapped.yaml", head + f"snapshot: {snap}\n" + textwrap.dedent(self.STEPS))
        report = os.path.join(self.dir, "j.xml")
        r = test(reset, snapped, "--junit", report)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cases = junit_cases(report)
        _, reset_ms, reset_cycles, reset_tc = cases[reset]
        _, snap_ms, snap_cycles, snap_tc = cases[snapped]
        self.assertEqual((snap_ms, snap_cycles), (reset_ms, reset_cycles))
        props = {p.get("name"): p.get("value") for p in snap_tc.iter("property")}
        self.assertEqual(props["start_virtual_ms"], "560.000")
        # What the UART sent after the snapshot is the end of what it sent from reset.
        after = snap_tc.find("system-out").text
        self.assertIn("button presses 1", after)
        self.assertTrue(reset_tc.find("system-out").text.endswith(after))
        self.assertNotIn("log: 0 readings", after)  # printed before the snapshot

    def test_snapshot_problems(self):
        bad = self.write("bad.snap", "not a snapshot")
        path = self.write("s.yaml", f"board: esp8266\nsnapshot: {bad}\nsteps: []\n")
        r = test(path)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertRegex(r.stderr.strip(), r"^boardemu: .*s\.yaml: .*bad\.snap")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        path = self.write("both.yaml", f"board: esp8266\nsnapshot: {bad}\nfiles: {self.dir}\nsteps: []\n")
        r = test(path)
        self.assertEqual(r.returncode, 3)
        self.assertIn("both.yaml:3: files: cannot be combined with snapshot", r.stderr)


class BadInputTest(Scratch):
    CASES = [
        ("steps:\n  - wait-serail: x\n", r":2: steps\[0\]\.wait-serail: unknown key; expected one of: delay, "),
        ("steps:\n  - delay: 5\n", r":2: steps\[0\]\.delay\.value: \"5\" is not a duration"),
        ("steps:\n  - wait-serial: {regex: '(', timeout: 1s}\n", r":2: steps\[0\]\.wait-serial\.regex: bad regular expression /\(/"),
        ("steps:\n  - wait-serial: {text: a, timeout: 1s, bogus: 1}\n", r":2: steps\[0\]\.wait-serial\.bogus: unknown key"),
        ("board: mps2-an385\nsteps:\n  - delay: 1ms\n  - set-control: {part-id: nope, control: pressed, value: 1}\n",
         r":4: steps\[1\]\.set-control: no part called 'nope'"),
        ("circuit: missing.yaml\nsteps: []\n", r":1: circuit: .*missing\.yaml: no such file"),
        ("firmware: missing.elf\nsteps: []\n", r":1: firmware: .*missing\.elf: no such file"),
        ("steps:\n  - take-screenshot: {part-id: oled}\n", r"take-screenshot: give save-to, compare-with or both"),
        ("steps:\n  - write-serial: {text: x, serial: uart9}\n", r"write-serial: no serial line 'uart9' on board 'mps2-an385'"),
        ("steps:\n  - expect-pin: {net: nowhere, value: 1}\n", r"expect-pin: no pin or net called 'nowhere'"),
        ("steps: [\n", r":\d+: YAML syntax error"),
        ("board: no-such-board\nsteps: []\n", r"no-such-board"),
        ("steps:\n  - expect-pin: {net: x, value: maybe}\n", r"expect-pin\.value: \"maybe\" is not a level"),
        ("timeout: 0s\nsteps: []\n", r":1: timeout: must be more than 0"),
    ]

    def test_bad_scenarios_are_refused_before_anything_runs(self):
        for text, pattern in self.CASES:
            with self.subTest(text=text):
                good = self.write("good.yaml", "board: mps2-an385\nsteps:\n  - delay: 1ms\n")
                bad = self.write("bad.yaml", text)
                r = test(good, bad, timeout=60)
                self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
                self.assertEqual(r.stdout, "")  # nothing ran, not even the good one
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertRegex(lines[0], r"^boardemu: .*bad\.yaml")
                self.assertRegex(lines[0], pattern)

    def test_unknown_control_lists_the_parts_controls(self):
        path = self.write("ctl.yaml", "board: esp8266\nsteps:\n  - set-control: {part-id: btn1, control: volume, value: 1}\n")
        r = test("--circuit", BLINK_CIRCUIT, path)
        self.assertEqual(r.returncode, 3)
        self.assertRegex(r.stderr, r"ctl\.yaml:3: steps\[0\]\.set-control: part 'btn1' has no control 'volume' \(it has: pressed\)")

    def test_bad_command_lines(self):
        for args, code, pattern in [
            (["--shard", "3/2", "x.yaml"], 2, r"--shard: expected I/N"),
            (["--shard", "0/2", "x.yaml"], 2, r"--shard"),
            (["--jobs", "0", "x.yaml"], 2, r"--jobs"),
            (["missing.yaml"], 3, r"missing\.yaml"),
            ([], 2, r"give scenario files"),
        ]:
            with self.subTest(args=args):
                r = test(*args, cwd=self.dir)
                self.assertEqual(r.returncode, code, r.stdout + r.stderr)
                self.assertRegex(r.stderr, pattern)


if __name__ == "__main__":
    unittest.main()
