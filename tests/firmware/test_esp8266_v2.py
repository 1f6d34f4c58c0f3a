"""The ESP8266 port built as a MicroPython 2.0 preview (build/firmware/ESP8266_V2, issue 12), as
the 2.0 migration guide describes it: "with v2.0 preview" in the banner and sys.version, the
filesystem functions gone from `os` (os.mount, os.umount, os.VfsLfs2) and in `vfs` instead,
littlefs at / and a ROMFS image at /rom mounted through `vfs`.
"""

import os
import unittest

from test_cli_hardening import Case
from test_firmware import ROOT
from test_flash import run
from test_romfs import APP, make_image

V2_FW = os.path.join(ROOT, "build", "firmware", "ESP8266_V2", "firmware.elf")


@unittest.skipUnless(os.path.exists(V2_FW), "ESP8266_V2 firmware not built (make build)")
class Esp8266V2PreviewTest(Case):
    def test_banner_vfs_and_romfs(self):
        img = os.path.join(self.dir, "app.img")
        with open(img, "wb") as f:
            f.write(make_image(APP))
        code = (b"import sys, os, vfs\r"
                b"print(sys.version)\r"
                b"print([hasattr(os, n) for n in ('mount', 'umount', 'VfsLfs2')])\r"
                b"print([hasattr(vfs, n) for n in ('mount', 'umount', 'VfsLfs2', 'VfsRom')])\r"
                b"print(sorted(os.listdir('/')), sorted(os.listdir('/rom')))\r"
                b"print([str(m[1]) for m in vfs.mount()])\r")
        r = run("--firmware", V2_FW, "--romfs", img, stdin=code)
        out = r.stdout.decode(errors="replace")
        self.assertRegex(out, r"^(Making a littlefs[^\n]*\n)?MicroPython \(with v2\.0 preview\) v1\.25\.0")  # banner
        self.assertIn("; MicroPython (with v2.0 preview) v1.25.0", out)  # sys.version
        self.assertIn("[False, False, False]", out)
        self.assertIn("[True, True, True, True]", out)
        self.assertIn("['boot.py', 'rom'] ['lib', 'main.py']", out)
        self.assertIn("['/rom', '/']", out)

    def test_the_1_25_build_keeps_os_mount(self):
        r = run(stdin=b"import os, sys\rprint(hasattr(os, 'mount'), 'preview' in sys.version)\r")
        self.assertIn("True False", r.stdout.decode(errors="replace"))


if __name__ == "__main__":
    unittest.main()
