#!/usr/bin/env bash
# Builds a GDB for the Xtensa LX106 core (ESP8266, boardemu's esp8266 and lx106-sim boards) from
# Debian's gdb source, since Debian ships no Xtensa GDB:
#   build/deps/gdb-lx106/bin/xtensa-lx106-elf-gdb
#
# Every Xtensa GDB is built for one core configuration. GDB's Xtensa support takes it from
#   - include/xtensa-config.h: the core options (endianness, no windowed registers, call0 ABI,
#     16 AR registers, debug level 2, one IBREAK/DBREAK, ...): the lx106 one that Debian's
#     gcc-xtensa-lx106 ships as a GCC plugin header;
#   - gdb/xtensa-config.c: the register map, i.e. the `g` packet layout: ours,
#     scripts/gdb-lx106/xtensa-config.c (50 registers, a0..a15 pc sar litbase sr176 sr208 ps
#     and the privileged special registers, see that file);
#   - bfd/xtensa-modules.c: the ISA tables GDB's prologue analysis decodes instructions with.
#     The source's default tables (little-endian, a superset of lx106's instructions: the
#     core encodings are the same) are kept.
#
# Inputs: Debian's gdb-source package (/usr/src/gdb.tar.xz, bookworm: GDB 13.1), the two files
# above. Idempotent: skips the build when the binary exists and the inputs (and this script)
# have the checksums recorded at its last build. About 5 minutes with -j2.
# Usage: scripts/build-lx106-gdb.sh [--force]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/deps/gdb-lx106"
SRC_TAR=/usr/src/gdb.tar.xz
CONFIG_H=/usr/lib/gcc/xtensa-lx106-elf/12.2.0/plugin/include/xtensa-config.h
CONFIG_C="$ROOT/scripts/gdb-lx106/xtensa-config.c"
BIN="$OUT/bin/xtensa-lx106-elf-gdb"
JOBS="${JOBS:-2}"

log() { printf '[build-lx106-gdb] %s\n' "$*" >&2; }
die() { printf '[build-lx106-gdb] error: %s\n' "$*" >&2; exit 1; }

force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) die "unknown argument '$1' (usage: $0 [--force])" ;;
esac

[ -f "$SRC_TAR" ] || die "$SRC_TAR missing: install Debian's gdb-source package (scripts/setup.sh)"
[ -f "$CONFIG_H" ] || die "$CONFIG_H missing: install gcc-xtensa-lx106 (scripts/setup.sh)"
[ -f "$CONFIG_C" ] || die "$CONFIG_C missing"
for tool in make gcc g++ makeinfo bison flex; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/setup.sh installs it)"
done

stamp_now="$(sha256sum "$SRC_TAR" "$CONFIG_H" "$CONFIG_C" "${BASH_SOURCE[0]}" | awk '{print $1}')"
if [ "$force" = 0 ] && [ -x "$BIN" ] && [ -f "$OUT/inputs.sha256" ] &&
   [ "$(cat "$OUT/inputs.sha256")" = "$stamp_now" ]; then
  log "up to date: $BIN"
  exit 0
fi

start=$(date +%s)  # only for the log line below, never for emulation
rm -rf "$OUT/src" "$OUT/obj" "$OUT/bin" "$OUT/inputs.sha256"
mkdir -p "$OUT/src" "$OUT/obj" "$OUT/bin"

log "unpacking $SRC_TAR"
tar -xJf "$SRC_TAR" -C "$OUT/src" --strip-components=1
[ -f "$OUT/src/gdb/xtensa-config.c" ] || die "unexpected layout of $SRC_TAR (no gdb/xtensa-config.c)"

log "installing the lx106 configuration"
cp "$CONFIG_H" "$OUT/src/include/xtensa-config.h"
cp "$CONFIG_C" "$OUT/src/gdb/xtensa-config.c"

log "configuring (target xtensa-lx106-elf)"
cd "$OUT/obj"
"$OUT/src/configure" --target=xtensa-lx106-elf --prefix="$OUT" \
  --disable-sim --disable-gdbserver --without-python --without-guile --disable-werror \
  --disable-nls --disable-ld --disable-gas --disable-binutils --disable-gprof \
  --disable-gprofng --without-debuginfod --disable-source-highlight --without-babeltrace \
  --without-lzma --without-xxhash --with-system-zlib \
  > "$OUT/configure.log" 2>&1 || die "configure failed, see $OUT/configure.log"

log "building gdb with -j$JOBS (log: $OUT/build.log)"
make -j"$JOBS" all-gdb MAKEINFO=true > "$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log" >&2; die "build failed, see $OUT/build.log"; }

cp "$OUT/obj/gdb/gdb" "$BIN"
strip "$BIN" || true
"$BIN" --batch -ex 'set architecture' -ex 'show architecture' > "$OUT/check.log" 2>&1 ||
  die "the built gdb does not start, see $OUT/check.log"
grep -qi xtensa "$OUT/check.log" || die "the built gdb is not an Xtensa gdb, see $OUT/check.log"
echo "$stamp_now" > "$OUT/inputs.sha256"
log "built $BIN in $(( $(date +%s) - start )) s"
