# Frozen modules of the boardemu ESP8266 port: asyncio from the MicroPython tree, and the
# port's own modules (modules/: the flash block device, _boot, first-boot setup, and a small
# unittest for MicroPython's unittest-based tests, since lib/micropython-lib is empty in the
# Debian source).
include("$(MPY_DIR)/extmod/asyncio")
freeze("modules")
