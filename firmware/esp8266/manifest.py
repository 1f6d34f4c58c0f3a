# Frozen modules of the boardemu ESP8266 port: asyncio from the MicroPython tree, and the
# port's own start-up modules (modules/: the flash block device, _boot, first-boot setup).
include("$(MPY_DIR)/extmod/asyncio")
freeze("modules")
