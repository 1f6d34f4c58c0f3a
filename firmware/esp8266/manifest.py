# Frozen modules of the boardemu ESP8266 port: asyncio from the MicroPython tree.
include("$(MPY_DIR)/extmod/asyncio")
