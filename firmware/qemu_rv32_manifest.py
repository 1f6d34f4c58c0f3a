# Frozen modules of the upstream ports/qemu build for VIRT_RV32, in place of the port's default
# manifest, which requires lib/micropython-lib's unittest (an empty submodule in the Debian
# source): our own unittest (firmware/lib/unittest.py, also frozen into the ESP8266 port) and the
# port's test modules (ports/qemu/test-frzmpy) that its tests import, as the default manifest
# lists them for this architecture.
module("unittest.py", base_path="lib")
freeze("$(PORT_DIR)/test-frzmpy", ("frozen_asm_rv32.py", "frozen_const.py", "frozen_viper.py", "native_frozen_align.py"))
