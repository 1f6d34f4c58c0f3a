#!/usr/bin/python3
"""SIMCALL host-file policy end to end: the same lx106 program on the lx106-sim board without and
with --semihosting-files DIR (README, "Semihosting and host files").

Without the option every open is refused with EACCES (13) and descriptors the guest did not get
from open are EBADF (9); with it, files inside DIR are read and created, and nothing outside DIR
is touched (absolute paths and `..` are still refused).

Usage: semihost_files_test.py --boardemu PATH --elf semihost_files.elf
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def run(*extra, cwd):
    r = subprocess.run([ARGS.boardemu, "run", "--board", "lx106-sim", "--firmware", ARGS.elf,
                        "--max-cycles", "100000000", *extra],
                       cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


class SemihostFiles(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.root = os.path.join(self.tmp, "root")
        os.makedirs(os.path.join(self.root, "sub"))
        with open(os.path.join(self.root, "in.txt"), "w") as f:
            f.write("hello from the host\n")

    def tearDown(self):
        self._tmp.cleanup()

    def test_without_permission_nothing_is_reachable(self):
        rc, out, err = run(cwd=self.root)
        self.assertEqual(rc, 0, err)
        self.assertIn("open /etc/passwd: -1 13\n", out)
        self.assertIn("open ../escape.txt: -1 13\n", out)
        self.assertIn("write fd 5: -1 9\n", out)
        self.assertIn("read fd 3: -1 9\n", out)
        self.assertIn("open in.txt: -1 13\n", out)
        self.assertIn("open out.txt: -1 13\n", out)
        self.assertFalse(os.path.exists(os.path.join(self.root, "sub", "out.txt")))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "escape.txt")))

    def test_files_inside_the_directory_only(self):
        rc, out, err = run("--semihosting-files", self.root, cwd=self.tmp)
        self.assertEqual(rc, 0, err)
        self.assertIn("open /etc/passwd: -1 13\n", out)
        self.assertIn("open ../escape.txt: -1 13\n", out)
        self.assertIn("write fd 5: -1 9\n", out)
        self.assertIn("open in.txt: 3 0\n", out)
        self.assertIn("in.txt says: hello from the host\n", out)
        self.assertIn("lseek in.txt: 3 0\n", out)
        self.assertIn("open out.txt: 3 0\n", out)  # the guest's own numbering: 3 is free again
        self.assertIn("write out.txt: 21 0\n", out)
        with open(os.path.join(self.root, "sub", "out.txt")) as f:
            self.assertEqual(f.read(), "written by the guest\n")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "escape.txt")))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--boardemu", required=True)
    p.add_argument("--elf", required=True)
    ARGS, rest = p.parse_known_args()
    ARGS.boardemu, ARGS.elf = os.path.abspath(ARGS.boardemu), os.path.abspath(ARGS.elf)
    unittest.main(argv=[sys.argv[0], "-v", *rest])
