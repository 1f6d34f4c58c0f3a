"""The ESP8266 port's frozen unittest module (firmware/esp8266/modules/unittest.py): results and
the summary lines MicroPython's run-tests.py parses (a line of 70 "-", "Ran N tests", an empty
line, then "OK", "OK (skipped=N)" or "FAILED (failures=N, errors=N)").

Run by ctest (see CMakeLists.txt beside this file) as
    python3 -m unittest -v test_esp8266_unittest
with BOARDEMU pointing at the binary. The firmware is built by `make -C firmware esp8266`.
"""

import os
import subprocess
import unittest

from test_esp8266 import BOARDEMU, ESP_FW, EXIT_TIME_LIMIT

SCRIPT = '''\
import unittest
class T(unittest.TestCase):
    log = []
    @classmethod
    def setUpClass(cls):
        cls.log.append("class")
    def setUp(self):
        self.log.append("up")
    def tearDown(self):
        self.log.append("down")
    def test_a_equal_fails(self):
        self.assertEqual(1, 2)
    def test_b_error(self):
        raise KeyError(3)
    def test_c_skip(self):
        self.skipTest("why")
    def test_d_passes(self):
        with self.assertRaises(ValueError) as cm:
            int("x")
        self.assertIsInstance(cm.exception, ValueError)
        self.assertRaises(TypeError, len, 5)
        self.assertAlmostEqual(1.0, 1.00000001)
        self.assertAlmostEqual(1.0, 1.05, delta=0.1)
        self.assertNotEqual(1, 2); self.assertTrue(1); self.assertFalse(0); self.assertIn(1, [1])
        self.assertNotIn(2, [1]); self.assertIs(None, None); self.assertIsNone(None)
        self.assertIsNotNone(0); self.assertLess(1, 2); self.assertLessEqual(2, 2)
        self.assertGreater(2, 1); self.assertGreaterEqual(2, 2)
        with self.subTest(i=1):
            pass
    def test_e_not_raised(self):
        with self.assertRaises(ValueError):
            pass
    @unittest.skipUnless(False, "nope")
    def test_f_skipped(self):
        pass
    @unittest.skipIf(False, "no")
    def test_g_not_skipped(self):
        self.assertTrue(False, "message")
class U(unittest.TestCase):
    def test_ok(self):
        pass
    @unittest.skip("later")
    def test_skip(self):
        pass
unittest.main()
print("LOG", T.log[:3], len(T.log))
'''


@unittest.skipUnless(os.path.exists(ESP_FW), "ESP8266 firmware not built (make -C firmware esp8266)")
class Esp8266UnittestModuleTest(unittest.TestCase):
    def run_script(self, script):
        r = subprocess.run([BOARDEMU, "run", "--board", "esp8266", "--firmware", ESP_FW, "--uart0", "stdio",
                            "--timeout-virtual-ms", "3000"],
                           input=("exec(%r)\r" % script).encode(), capture_output=True, timeout=120)
        self.assertEqual(r.returncode, EXIT_TIME_LIMIT, r.stderr.decode(errors="replace"))
        return r.stdout.decode(errors="replace").replace("\r\n", "\n")

    def test_results_and_summary(self):
        out = self.run_script(SCRIPT)
        self.assertIn("test_a_equal_fails (T) ... FAIL\n", out)
        self.assertIn("AssertionError: 1 != 2\n", out)
        self.assertIn("test_b_error (T) ... ERROR\n", out)
        self.assertIn("KeyError: 3\n", out)
        self.assertIn("test_c_skip (T) ... skipped: why\n", out)
        self.assertIn("test_d_passes (T) ... ok\n", out)
        self.assertIn("test_e_not_raised (T) ... FAIL\n", out)
        self.assertIn("AssertionError: <class 'ValueError'> not raised\n", out)
        self.assertIn("test_f_skipped (T) ... skipped: nope\n", out)
        self.assertIn("AssertionError: False is not true : message\n", out)
        self.assertIn("test_ok (U) ... ok\n", out)
        self.assertIn("test_skip (U) ... skipped: later\n", out)
        self.assertIn("\n" + "-" * 70 + "\nRan 9 tests\n\nFAILED (failures=3, errors=1)\n", out)
        # setUpClass once, then setUp/tearDown around each of T's 7 tests.
        self.assertIn("LOG ['class', 'up', 'down'] 15\n", out)

    def test_all_passing(self):
        out = self.run_script("import unittest\nclass V(unittest.TestCase):\n def test_x(self):\n  pass\n"
                              " @unittest.skip('s')\n def test_y(self):\n  pass\nunittest.main()")
        self.assertIn("\n" + "-" * 70 + "\nRan 2 tests\n\nOK (skipped=1)\n", out)
        out = self.run_script("import unittest\nclass V(unittest.TestCase):\n def test_x(self):\n  pass\n"
                              "unittest.main()")
        self.assertIn("\n" + "-" * 70 + "\nRan 1 tests\n\nOK\n", out)


if __name__ == "__main__":
    unittest.main()
