# Frozen modules of the boardemu ESP8266 port: asyncio from the MicroPython tree, the port's own
# modules (modules/: the flash block device, _boot, first-boot setup), and a small unittest for
# MicroPython's unittest-based tests (firmware/lib/unittest.py, shared with the ports/qemu builds),
# since lib/micropython-lib is empty in the Debian source.
include("$(MPY_DIR)/extmod/asyncio")
freeze("modules")
module("unittest.py", base_path="../lib")
