"""The real GUI (`boardemu gui`) under Xvfb, driven as a user drives it: xdotool clicks and types,
pixels are read from the window's own screenshots (F12), and the board's state is checked
through the text monitor (--monitor) the same run serves.

Widget positions come from $BOARDEMU_GUI_WIDGETS, where the GUI writes each named widget's
rectangle every frame ("button:btn1 x0 y0 x1 y1", window coordinates).
"""

import glob
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from PIL import Image

BOARDEMU = os.environ.get("BOARDEMU", os.path.join(os.path.dirname(__file__), "../../build/boardemu"))
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
WEATHER = os.path.join(ROOT, "examples/esp8266/weather-station.yaml")
HAVE_TOOLS = shutil.which("Xvfb") and shutil.which("xdotool")


def wait_for(what, predicate, timeout=30, interval=0.1):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


class Xvfb:
    """A private X display for one test class."""

    def __init__(self):
        r, w = os.pipe()
        self.p = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                  pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            self.display = ":" + f.readline().strip()

    def close(self):
        self.p.terminate()
        self.p.wait(10)


class GuiSession:
    """`boardemu gui ARGS --monitor tcp:0` on `display`, in a scratch directory."""

    def __init__(self, display, *args):
        self.dir = tempfile.mkdtemp(prefix="boardemu-gui-")
        self.widgets_file = os.path.join(self.dir, "widgets.txt")
        self.env = dict(os.environ, DISPLAY=display, BOARDEMU_GUI_WIDGETS=self.widgets_file)
        self.stderr = open(os.path.join(self.dir, "stderr.txt"), "w+")
        self.p = subprocess.Popen([BOARDEMU, "gui", *args, "--layout", os.path.join(self.dir, "gui.ini"),
                                   "--monitor", "tcp:0"], cwd=self.dir, env=self.env,
                                  stdout=subprocess.DEVNULL, stderr=self.stderr)
        port = wait_for("the monitor's port", lambda: re.search(r"tcp 127\.0\.0\.1:(\d+)", self.err()))
        self.sock = socket.create_connection(("127.0.0.1", int(port.group(1))), timeout=20)
        self.f = self.sock.makefile("rw", newline="\n")
        self.window = wait_for("the window", lambda: self.xdotool("search", "--name", "^boardemu").split())[0]
        wait_for("the widgets", lambda: "console:uart0" in self.widgets())

    def err(self):
        self.stderr.flush()
        with open(self.stderr.name) as f:
            return f.read()

    def xdotool(self, *args):
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=30).stdout

    def widgets(self):
        try:
            with open(self.widgets_file) as f:
                # "name x0 y0 x1 y1"; names may hold spaces ("logic:bus:uart0 tx").
                rows = [line.rstrip("\n").rsplit(" ", 4) for line in f if line.strip()]
                return {r[0]: tuple(float(v) for v in r[1:]) for r in rows if len(r) == 5}
        except FileNotFoundError:
            return {}

    def widget(self, name):
        return wait_for("widget " + name, lambda: self.widgets().get(name))

    def centre(self, name):
        x0, y0, x1, y1 = self.widget(name)
        return int((x0 + x1) / 2), int((y0 + y1) / 2)

    def click(self, name, hold=0.0):
        x, y = self.centre(name)
        self.xdotool("mousemove", "--window", self.window, str(x), str(y))
        time.sleep(0.1)
        self.xdotool("mousedown", "1")
        time.sleep(max(hold, 0.1))
        self.xdotool("mouseup", "1")
        time.sleep(0.1)

    def type_line(self, text):
        """Types a line into whatever has the keyboard, then Return."""
        self.xdotool("type", "--delay", "10", text)
        self.xdotool("key", "Return")

    def state(self):
        """(run state, cycles, instructions, pc) as the window last showed them."""
        for name, v in self.widgets().items():
            if name.startswith("state:"):
                return name[6:], int(v[0]), int(v[1]), int(v[2])
        raise AssertionError("no state line in the widgets file")

    def ask(self, cmd):
        self.f.write(cmd + "\n")
        self.f.flush()
        return self.f.readline().strip()

    def reading(self, part, name):
        reply = self.ask("get %s %s" % (part, name))
        assert reply.startswith("ok "), reply
        return float(reply.split()[1])

    def screenshot(self):
        """Presses F12 and returns the PNG the GUI saved, as an RGB image."""
        before = set(glob.glob(os.path.join(self.dir, "boardemu-screenshot-*.png")))
        self.xdotool("key", "--window", self.window, "F12")
        path = wait_for("a screenshot", lambda: set(glob.glob(os.path.join(self.dir, "boardemu-screenshot-*.png"))) - before)
        path = path.pop()
        wait_for("the screenshot to be written", lambda: "screenshot saved to " + os.path.basename(path) in self.err())
        return Image.open(path).convert("RGB")

    def close(self):
        try:
            self.sock.close()
        except Exception:
            pass
        if self.p.poll() is None:
            self.p.terminate()
        try:
            status = self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            status = self.p.wait()
        self.stderr.close()
        return status


@unittest.skipUnless(HAVE_TOOLS, "needs Xvfb and xdotool (scripts/setup.sh installs xvfb and xdotool)")
class GuiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.x = Xvfb()

    @classmethod
    def tearDownClass(cls):
        cls.x.close()

    def session(self, *args):
        s = GuiSession(self.x.display, *args)
        self.addCleanup(lambda: shutil.rmtree(s.dir, ignore_errors=True))
        self.addCleanup(s.close)
        return s

    def focus_console(self, s):
        x, y = s.centre("console:uart0")
        s.xdotool("mousemove", "--window", s.window, str(x), str(y), "click", "1")
        time.sleep(0.2)

    def wait_prompt(self, s):
        # The REPL is up once the console shows its banner; typing earlier would be lost in boot
        # output (not dropped: the REPL just is not reading lines yet).
        wait_for("the REPL", lambda: float(s.ask("time").split()[2]) > 1500)

    def test_led_lights_after_typing_into_console(self):
        s = self.session("--board", "esp8266", "--circuit", WEATHER)
        self.wait_prompt(s)
        x0, y0, x1, y1 = s.widget("led:led1")
        dark = s.screenshot().crop((int(x0), int(y0), int(x1), int(y1)))
        self.focus_console(s)
        s.type_line("from machine import Pin; Pin(2, Pin.OUT).on()")
        wait_for("the LED to light", lambda: s.reading("led1", "lit") == 1.0)
        wait_for("the LED's brightness", lambda: s.reading("led1", "brightness") > 0.9)
        time.sleep(0.3)
        lit = s.screenshot().crop((int(x0), int(y0), int(x1), int(y1)))
        # The LED's centre is red and bright now, dark grey before.
        cx, cy = lit.width // 2, lit.height // 2
        r, g, b = lit.getpixel((cx, cy))
        self.assertGreater(r, 200, lit.getpixel((cx, cy)))
        self.assertLess(g, 120)
        r0, g0, b0 = dark.getpixel((cx, cy))
        self.assertLess(r0, 90, dark.getpixel((cx, cy)))

    def test_button_click_is_a_press_for_the_firmware(self):
        s = self.session("--board", "esp8266", "--circuit", WEATHER)
        self.wait_prompt(s)
        # (The Flash window lists the littlefs files the firmware made on its first boot.)
        wait_for("boot.py in the Flash window", lambda: "flash:file:vfs:/boot.py" in s.widgets())
        self.focus_console(s)
        # A falling edge on GPIO0 (the button pulls it to ground) counts and lights the LED.
        s.type_line("from machine import Pin; led = Pin(2, Pin.OUT); led.off(); n = [0]")
        s.type_line("def hit(p): n[0] += 1; led.on()")
        s.xdotool("key", "Return")
        s.type_line("Pin(0, Pin.IN).irq(hit, Pin.IRQ_FALLING)")
        time.sleep(0.5)
        self.assertEqual(s.reading("led1", "lit"), 0.0)
        self.assertEqual(s.reading("btn1", "pressed"), 0.0)
        s.click("button:btn1", hold=0.4)
        wait_for("the firmware to see the press", lambda: s.reading("led1", "lit") == 1.0)
        self.assertEqual(s.reading("btn1", "pressed"), 0.0, "released again after the click")

    def test_ssd1306_region_shows_framebuf_text(self):
        s = self.session("--board", "esp8266", "--circuit", WEATHER)
        self.wait_prompt(s)
        self.focus_console(s)
        s.type_line("import framebuf; from machine import Pin, SoftI2C; i2c = SoftI2C(scl=Pin(5), sda=Pin(4))")
        # Charge pump on, horizontal addressing over all 128 columns and 8 pages, display on.
        s.type_line("i2c.writeto(60, bytes([0, 0x8D, 0x14, 0x20, 0, 0x21, 0, 127, 0x22, 0, 7, 0xAF]))")
        s.type_line("buf = bytearray(1024); fb = framebuf.FrameBuffer(buf, 128, 64, framebuf.MONO_VLSB)")
        # The LED goes on once the whole frame has gone over the bus.
        s.type_line("fb.text('boardemu', 0, 0, 1); fb.text('GUI test', 0, 16, 1); i2c.writeto(60, b'\\x40' + buf); "
                    "Pin(2, Pin.OUT).on()")
        wait_for("the frame to be sent", lambda: s.reading("led1", "lit") == 1.0, timeout=60)
        panel = os.path.join(s.dir, "oled.png")
        self.assertEqual(s.ask("png oled %s" % panel), "ok")
        time.sleep(0.3)
        shot = s.screenshot()
        x0, y0, x1, y1 = (int(v) for v in s.widget("display:oled"))
        self.assertEqual((x1 - x0, y1 - y0), (256, 128))
        region = shot.crop((x0, y0, x1, y1)).convert("L")
        expected = Image.open(panel).convert("L")
        # Pixel-exact at 2x: every panel pixel is a 2x2 block, lit where the part's picture is.
        mismatches = 0
        lit = 0
        for y in range(64):
            for x in range(128):
                want = expected.getpixel((x, y)) > 127
                for dy in (0, 1):
                    for dx in (0, 1):
                        got = region.getpixel((2 * x + dx, 2 * y + dy)) > 127
                        mismatches += got != want
                lit += want
        self.assertGreater(lit, 50, "the framebuf text lit pixels of the panel")
        self.assertEqual(mismatches, 0)

    def test_sda_row_has_edges_after_i2c_scan(self):
        s = self.session("--board", "esp8266", "--circuit", WEATHER, "--speed", "0.5")
        self.wait_prompt(s)
        for _ in range(9):  # 10 ms across the row at first; 2^9 times that: about 5 s
            s.click("logic:zoom-out")
        x0, y0, x1, y1 = (int(v) for v in s.widget("logic:net:i2c_sda"))
        mid = (y0 + y1) // 2

        def row_middle_pixels(img):
            # A steady high SDA draws only near the row's top; edges cross its middle.
            return sum(1 for x in range(x0, x1) if max(img.getpixel((x, mid))) > 100)

        self.assertEqual(row_middle_pixels(s.screenshot()), 0, "no I2C traffic before the scan")
        self.focus_console(s)
        s.type_line("from machine import Pin, SoftI2C; print(SoftI2C(scl=Pin(5), sda=Pin(4)).scan())")
        time.sleep(1.5)
        self.assertGreater(row_middle_pixels(s.screenshot()), 0, "SDA edges after i2c.scan()")
        self.assertIn("logic:bus:i2c i2c_scl/i2c_sda", s.widgets(), "a decoded I2C row")
        # Export VCD writes the shown nets; sigrok's I2C decoder finds the scan's addresses.
        s.click("logic:export")
        vcd = os.path.join(s.dir, "boardemu-gui.vcd")
        wait_for("the VCD", lambda: os.path.exists(vcd) and os.path.getsize(vcd) > 0)
        time.sleep(0.3)
        # (compress: the idle seconds between transfers are not expanded into 1 ns samples.)
        out = subprocess.run(["sigrok-cli", "-I", "vcd:compress=1000", "-i", vcd, "-P", "i2c:scl=i2c_scl:sda=i2c_sda",
                              "-A", "i2c=address-write"], capture_output=True, text=True, timeout=120).stdout
        for address in ("3C", "50", "76"):  # SSD1306, EEPROM, BME280 answer the scan
            self.assertIn("Address write: " + address, out)

    def test_pause_step_run_and_reset(self):
        s = self.session("--board", "esp8266", "--circuit", WEATHER)
        self.wait_prompt(s)
        self.focus_console(s)
        s.type_line("from machine import Pin; Pin(2, Pin.OUT).on()")
        wait_for("the LED", lambda: s.reading("led1", "lit") == 1.0)
        s.type_line("while True: pass")
        s.xdotool("key", "Return")  # the firmware is busy: each Step is one instruction
        time.sleep(0.3)
        s.click("cpu:run-pause")
        wait_for("paused", lambda: s.state()[0] == "paused")
        _, cycles, instructions, pc = s.state()
        time.sleep(0.5)
        self.assertEqual(s.state()[1:], (cycles, instructions, pc), "nothing runs while paused")
        for n in range(1, 4):
            s.click("cpu:step")
            wait_for("step %d" % n, lambda: s.state()[2] == instructions + n)
        self.assertEqual(s.state()[2], instructions + 3, "one instruction per Step")
        s.click("cpu:run-pause")
        wait_for("running again", lambda: s.state()[0] == "running" and s.state()[1] > cycles + 1000000)
        # Reset: the board restarts from the firmware (GPIO2 an input again: the LED goes out).
        s.click("cpu:reset")
        wait_for("the LED to go out after reset", lambda: s.reading("led1", "lit") == 0.0)
        # Paused while the REPL waits for input (the CPU asleep in WAITI), Step runs on to the
        # interrupt that wakes it: the PC moves to the vector, then one instruction per Step.
        time.sleep(1.0)
        s.click("cpu:run-pause")
        wait_for("paused", lambda: s.state()[0] == "paused")
        _, cycles, instructions, pc = s.state()
        s.click("cpu:step")
        wait_for("a step out of WAITI", lambda: s.state()[3] != pc)
        self.assertLessEqual(s.state()[2], instructions + 1)
        self.assertGreater(s.state()[1], cycles, "time moved on to the waking interrupt")
        _, _, instructions, _ = s.state()
        s.click("cpu:step")
        wait_for("the next step", lambda: s.state()[2] == instructions + 1)

    def test_switch_key_and_potentiometer_slider(self):
        s = self.session("--board", "esp8266", "--circuit", os.path.join(ROOT, "examples/esp8266/potentiometer.yaml"))
        self.assertEqual(s.reading("sw1", "position"), 0.0)
        # The switch is the circuit's first keyed part: key 1 flips it (the console not focused).
        x0, y0, x1, y1 = s.widget("switch:sw1")
        s.xdotool("mousemove", "--window", s.window, str(int(x1) + 40), str(int(y0)))
        s.xdotool("key", "1")
        wait_for("the switch to flip", lambda: s.reading("sw1", "position") == 1.0)
        wait_for("the firmware's pin to read it", lambda: s.ask("level switch") == "ok high")
        # The potentiometer's slider: a click at its right end sets the wiper near 1.
        x0, y0, x1, y1 = s.widget("slider:pot1.position")
        s.xdotool("mousemove", "--window", s.window, str(int(x1) - 3), str(int((y0 + y1) / 2)), "click", "1")
        wait_for("the wiper to move", lambda: s.reading("pot1", "position") > 0.95)
        self.assertGreater(float(s.ask("voltage a0").split()[1]), 0.95)

    def test_layout_is_remembered(self):
        s = self.session("--board", "esp8266", "--paused")
        time.sleep(0.5)
        layout = os.path.join(s.dir, "gui.ini")
        self.assertEqual(s.close(), 0)
        with open(layout) as f:
            text = f.read()
        for window in ("Board view", "UART consoles", "Logic analyzer", "CPU"):
            self.assertIn("[Window][%s]" % window, text)


@unittest.skipUnless(HAVE_TOOLS, "needs Xvfb and xdotool (scripts/setup.sh installs xvfb and xdotool)")
class GuiCommandLineTest(unittest.TestCase):
    def run_boardemu(self, *args, env=None, timeout=120):
        return subprocess.run([BOARDEMU, *args], capture_output=True, text=True, timeout=timeout,
                              env=env if env is not None else dict(os.environ))

    def test_screenshot_is_deterministic(self):
        with tempfile.TemporaryDirectory() as d:
            digests = []
            for i in range(2):
                path = os.path.join(d, "shot%d.png" % i)
                env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # off-screen
                r = self.run_boardemu("gui", "--board", "esp8266", "--circuit", WEATHER, "--screenshot", path,
                                      "--at-virtual-ms", "800", env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(path, "rb") as f:
                    digests.append(hashlib.sha256(f.read()).hexdigest())
                img = Image.open(path)
                self.assertEqual(img.size, (1400, 900))
            self.assertEqual(digests[0], digests[1])

    def test_no_display_is_one_line_exit_3(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
        r = self.run_boardemu("gui", "--board", "esp8266", env=env, timeout=20)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("no display", r.stderr)
        self.assertIn("xvfb-run", r.stderr)
        # A DISPLAY naming no X server: the same, naming it.
        env["DISPLAY"] = ":4242"
        r = self.run_boardemu("gui", "--board", "esp8266", env=env, timeout=20)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("cannot open DISPLAY :4242", r.stderr)

    def test_bad_circuit_same_message_as_run_before_any_window(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("parts:\n  - {id: x, type: no-such-part}\n")
        self.addCleanup(os.unlink, f.name)
        run = self.run_boardemu("run", "--board", "esp8266", "--circuit", f.name)
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # no window could open anyway
        gui = self.run_boardemu("gui", "--board", "esp8266", "--circuit", f.name, env=env)
        self.assertEqual(run.returncode, 3)
        self.assertEqual(gui.returncode, 3)
        self.assertEqual(gui.stderr, run.stderr)

    def test_gdb_attaches_while_the_gui_runs(self):
        # mps2-an385 (Cortex-M3 on Unicorn): the GUI is not tied to the esp8266 board.
        x = Xvfb()
        self.addCleanup(x.close)
        env = dict(os.environ, DISPLAY=x.display)
        p = subprocess.Popen([BOARDEMU, "gui", "--board", "mps2-an385", "--gdb", "0", "--layout", os.devnull],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait()))
        line = p.stderr.readline()
        port = int(re.search(r"gdb stub listening on 127\.0\.0\.1:(\d+)", line).group(1))
        time.sleep(1.0)  # the window is up and the firmware running
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)

        def packet(body):
            sock.sendall(b"$%s#%02x" % (body, sum(body) & 0xFF))
            data = b""
            while not re.search(rb"\$([^#]*)#..", data):
                chunk = sock.recv(4096)
                self.assertTrue(chunk, "the stub closed the connection")
                data += chunk
            return re.search(rb"\$([^#]*)#..", data).group(1)

        self.assertRegex(packet(b"?"), rb"^[ST]05", "attaching halts the target")
        self.assertGreater(len(packet(b"g")), 16)  # the registers (run-length encoded)
        sock.sendall(b"+$c#63")
        time.sleep(0.5)
        sock.sendall(b"\x03")  # interrupt
        data = b""
        while b"#" not in data.split(b"$", 1)[-1]:
            data += sock.recv(4096)
        self.assertRegex(data, rb"\$[ST]0[25]")
        self.assertIsNone(p.poll(), "the GUI keeps running")
        self.assertEqual(packet(b"D"), b"OK")
        sock.close()
        p.terminate()
        self.assertEqual(p.wait(20), 0)

    def test_same_cycle_counts_as_run(self):
        # The same firmware for the same virtual time: same instructions with and without the GUI.
        x = Xvfb()
        self.addCleanup(x.close)
        args = ["--board", "esp8266", "--circuit", WEATHER, "--max-cycles", "40000000", "--stats", "--uart0", "null"]
        run = self.run_boardemu("run", *args)
        env = dict(os.environ, DISPLAY=x.display)
        p = subprocess.Popen([BOARDEMU, "gui", *args, "--speed", "max", "--layout", os.devnull], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # The run ends at the limit; the window stays open until closed (SIGTERM here).
        time.sleep(8)
        p.terminate()
        err = p.communicate(timeout=30)[1]
        stats = lambda text: re.search(r"(\d+) cycles .* (\d+) instructions", text).groups()
        self.assertEqual(stats(err), stats(run.stderr), (err, run.stderr))
        self.assertIn("virtual-time limit", err)


if __name__ == "__main__":
    unittest.main()
