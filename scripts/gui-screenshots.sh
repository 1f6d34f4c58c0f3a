#!/usr/bin/env bash
# Makes the GUI screenshots the README shows (docs/gui/*.png) with `boardemu gui --screenshot`:
# the weather station (examples/esp8266/weather-station.yaml) running its app, which is first
# copied onto the board's flash with mpremote, as a user would.
#
# Usage: scripts/gui-screenshots.sh [OUTDIR]   (default docs/gui)
# Needs build/boardemu built with the GUI (make build). No display is needed: a screenshot is
# drawn off-screen.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/gui}
boardemu=${BOARDEMU:-$root/build/boardemu}
mpremote=(env PYTHONPATH="$root/build/deps/micropython/tools/mpremote" /usr/bin/python3 -m mpremote)
circuit=$root/examples/esp8266/weather-station.yaml
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$out"

# 1. The app onto the board's flash (a littlefs file system the firmware makes on first boot).
"$boardemu" run --board esp8266 --circuit "$circuit" --flash "$tmp/weather.bin" --uart0 pty >"$tmp/run.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q /dev/pts/ "$tmp/run.out" && break; sleep 0.1; done
pty=$(grep -o '/dev/pts/[0-9]*' "$tmp/run.out" | head -1)
"${mpremote[@]}" connect "$pty" fs cp "$root/examples/esp8266/lib/bme280.py" "$root/examples/esp8266/lib/ssd1306.py" \
  "$root/examples/esp8266/weather-station/main.py" : >/dev/null
kill "$pid"; wait "$pid" 2>/dev/null || true

# 2. The GUI at 4 s of virtual time: the app has booted, read the sensor and drawn the display.
env -u DISPLAY "$boardemu" gui --board esp8266 --circuit "$circuit" --flash "$tmp/weather.bin" \
  --screenshot "$out/weather-station.png" --at-virtual-ms 4000
echo "wrote $out/weather-station.png"
