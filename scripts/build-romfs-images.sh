#!/usr/bin/env bash
# Builds the ROMFS images of romfs_images/ into build/romfs_images/NAME.img (`make romfs-images`,
# part of `make build`): each source tree is staged in build/romfs_images/src/NAME (symbolic
# links followed, generated resources added), then `boardemu romfs build` compiles its .py
# files to .mpy with the mpy-cross the firmware build made.
#
# Generated resources: romfs_images/tools/make_digits.py writes weather's lib/station/digits.bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
boardemu=${BOARDEMU:-$root/build/boardemu}
out=$root/build/romfs_images
[[ -x $boardemu ]] || { echo "build-romfs-images: $boardemu is missing (make build)" >&2; exit 2; }
mkdir -p "$out/src"
for dir in "$root"/romfs_images/*/; do
  name=$(basename "$dir")
  [[ $name == tools ]] && continue
  stage=$out/src/$name
  rm -rf "$stage"
  cp -rL "$dir" "$stage"
  rm -f "$stage/README.md"  # the image's documentation stays in the repository
  case $name in
    weather) /usr/bin/python3 "$root/romfs_images/tools/make_digits.py" "$stage/lib/station/digits.bin" ;;
  esac
  (cd "$out/src" && "$boardemu" romfs build "$name" -o "$out/$name.img")
done
