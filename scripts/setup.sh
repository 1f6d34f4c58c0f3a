#!/usr/bin/env bash
# Sets up everything boardemu needs on a Debian 12 (bookworm) machine. Idempotent: each step
# checks whether its result is already there and skips itself if so.
#
#  1. Debian packages from bookworm (compilers, cross toolchains, libraries, QEMU for baselines).
#  2. From Debian trixie, through a project-local apt configuration under build/deps/apt that
#     leaves the machine's own apt sources untouched:
#       - MicroPython 1.25.0 source (source package micropython 1.25.0+ds-1), checked against the
#         SHA-256 of its .dsc recorded below (apt also checks every file against the signed index);
#       - Unicorn 2.1.1 (libunicorn-dev, libunicorn2t64), unpacked into build/deps/unicorn and
#         linked statically.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="$ROOT/build/deps"
APTDIR="$DEPS/apt"
MPY_VERSION="1.25.0+ds-1"
MPY_DSC_SHA256="8c7c406be88a6f3bc19e694eb0bbc5841112243fdf2b5a296e000d8fdc5f3c34"
UNICORN_VERSION="2.1.1"

log() { printf '[setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# --- 1. bookworm packages -------------------------------------------------------------------
PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3 python3-serial dpkg-dev
  libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libelf-dev libserialport-dev
  libcapstone-dev libgtest-dev libgmock-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf gcc-12-source
  qemu-system-arm qemu-system-misc
  debian-archive-keyring zlib1g-dev
  gdb-multiarch
  sigrok-cli  # decodes the VCD traces of I2C and SPI transfers in tests
  libpng-dev  # PNG screenshots of display parts (the SSD1306 panel)
  nlohmann-json3-dev libtinyxml2-dev python3-pytest  # boardemu test: worker results and the pytest protocol (JSON), JUnit XML, the pytest plugin
  libsdl2-dev libimgui-dev  # the GUI (gui/): SDL2 window, Dear ImGui 1.86 and its backend sources
  xvfb xauth xdotool python3-pil  # GUI tests: a virtual X display, clicks and keys, pixel checks
  clang libclang-rt-14-dev  # the GDB packet parser's libFuzzer run (tests/gdb)
  gdb-source texinfo bison flex libgmp-dev libmpfr-dev  # scripts/build-lx106-gdb.sh
  libxbyak-dev  # the LX106 translator (emulator/xtensa/lx106_jit.cpp): x86-64 code generation
)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages: all present"
fi

# --- 2. project-local apt configuration for trixie ------------------------------------------
TRIXIE_APT=(
  -o "Dir::Etc::SourceList=$APTDIR/sources.list"
  -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::State::Lists=$APTDIR/lists"
  -o "Dir::State::Status=$APTDIR/status"
  -o "Dir::Cache=$APTDIR/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
trixie_update() {
  if [ -f "$APTDIR/updated" ]; then return; fi
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
  : > "$APTDIR/status"
  cat > "$APTDIR/sources.list" <<'EOF'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
EOF
  log "apt update (project-local trixie lists)"
  apt-get "${TRIXIE_APT[@]}" update -q
  touch "$APTDIR/updated"
}

# --- 2a. MicroPython source --------------------------------------------------------------------
MPY_SRC="$DEPS/micropython"
if [ ! -f "$MPY_SRC/py/mpconfig.h" ]; then
  trixie_update
  dl="$DEPS/mpy-src"
  rm -rf "$dl"; mkdir -p "$dl"
  log "fetching MicroPython source $MPY_VERSION"
  (cd "$dl" && apt-get "${TRIXIE_APT[@]}" source --download-only -q "micropython=$MPY_VERSION")
  dsc="$(ls "$dl"/micropython_*.dsc)"
  sum="$(sha256sum "$dsc" | cut -d' ' -f1)"
  if [ "$sum" != "$MPY_DSC_SHA256" ]; then
    log "checksum mismatch for $(basename "$dsc"): got $sum, expected $MPY_DSC_SHA256"
    exit 1
  fi
  (cd "$dl" && dpkg-source --no-check -x "$(basename "$dsc")" src >/dev/null)
  rm -rf "$MPY_SRC"
  mv "$dl/src" "$MPY_SRC"
  log "MicroPython source in $MPY_SRC"
else
  log "MicroPython source: present"
fi

# --- 2b. Unicorn 2.1.1 ----------------------------------------------------------------------------
UC_PREFIX="$DEPS/unicorn"
if [ ! -f "$UC_PREFIX/usr/lib/x86_64-linux-gnu/libunicorn.a" ]; then
  trixie_update
  dl="$DEPS/unicorn-debs"
  rm -rf "$dl"; mkdir -p "$dl"
  log "fetching Unicorn $UNICORN_VERSION from trixie"
  (cd "$dl" && apt-get "${TRIXIE_APT[@]}" download -q libunicorn-dev libunicorn2t64)
  rm -rf "$UC_PREFIX"; mkdir -p "$UC_PREFIX"
  for deb in "$dl"/*.deb; do
    case "$(dpkg-deb -f "$deb" Version)" in
      "$UNICORN_VERSION"*) ;;
      *) log "unexpected Unicorn version in $(basename "$deb")"; exit 1 ;;
    esac
    dpkg-deb -x "$deb" "$UC_PREFIX"
  done
  log "Unicorn in $UC_PREFIX"
else
  log "Unicorn: present"
fi
log "done"
