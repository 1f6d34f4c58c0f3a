# Thin wrapper: setup, CMake build, firmware, run and tests.
#   make run    set up what is missing, build, and open a MicroPython REPL on mps2-an385
#   make test   set up what is missing, build, and run every test (unit, CPU, firmware,
#               sanitizer build, MicroPython's own test suite)
#   make sanitize-tests  the unit tests, CPU tests and fuzz-corpus replays built with
#               ASan + UBSan in build/asan, and run
#   make build  set up what is missing and build the emulator, the firmware and the ROMFS images
#   make bench  compare boardemu with QEMU on the same firmware (prints figures, not a test)
JOBS ?= 2
BOARD ?= mps2-an385

.PHONY: all setup build emulator firmware romfs-images run test unit-tests sanitize-tests mpy-tests bench clean

all: build

setup:
	@bash scripts/setup.sh

emulator: setup
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

firmware: setup
	@$(MAKE) --no-print-directory -C firmware -j$(JOBS)

# ROMFS images of romfs_images/ (build/romfs_images/*.img), compiled with the firmware's mpy-cross.
romfs-images: emulator firmware
	@bash scripts/build-romfs-images.sh >/dev/null

build: emulator firmware romfs-images

run: build
	@build/boardemu run --board $(BOARD)

unit-tests: build
	@cd build && ctest --output-on-failure -j $(JOBS)

# MicroPython's own test suite on every board (upstream ports/qemu firmware; our esp8266 port).
MPY_TEST_BOARDS ?= mps2-an385 virt-rv32 esp8266 esp8266-v2
mpy-tests: build
	@status=0; for b in $(MPY_TEST_BOARDS); do \
	  bash scripts/run-mpy-tests.sh --emulator boardemu --board $$b || status=1; \
	done; exit $$status

# AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer; any report fails the test
# (CMake option BOARDEMU_SANITIZE; leak suppressions in tests/sanitizer/lsan.supp).
sanitize-tests: setup
	@cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOARDEMU_SANITIZE=ON \
	  -DMICROPYTHON_DIR=$(CURDIR)/build/deps/micropython >/dev/null
	@cmake --build build/asan -j $(JOBS) --target unit_tests cpu_tests fuzz_replays
	@cd build/asan && ctest --output-on-failure -j $(JOBS) -L 'unit|cpu'

test: unit-tests sanitize-tests mpy-tests

bench: build
	@bash scripts/bench.sh --board mps2-an385
	@bash scripts/bench.sh --board virt-rv32
	@bash scripts/bench.sh --board esp8266
	@bash scripts/bench-lx106.sh

clean:
	rm -rf build/CMakeFiles build/CMakeCache.txt build/boardemu build/firmware
