#!/usr/bin/env bash
# Screenshots of the real demo site (`make run`) under Xvfb, saved as demo-*.png in
# docs/screenshots/ (or $1). The demo fleet and its traffic are stopped at the end,
# whatever happens, and the X server started here is stopped too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
STELLA="${STELLA:-.venv/bin/stella}"
OUT="${1:-docs/screenshots}"

if ! command -v Xvfb >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq && apt-get install -y -qq xvfb xauth
    else
        echo "Xvfb is missing; install it with: sudo apt-get install -y xvfb xauth" >&2
        exit 1
    fi
fi

WORK="$(mktemp -d)"
HOME_DIR="$WORK/home"
XVFB_PID=""
cleanup() {
    if [ -d "$HOME_DIR" ]; then
        "$STELLA" --home "$HOME_DIR" demo --stop || true
    fi
    if [ -n "$XVFB_PID" ]; then
        kill "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A real X server on the first free display (Xvfb picks it and writes its number),
# not Qt's offscreen platform: what a user's display would show. In a session of its
# own, so that Ctrl-C reaches the script (which then stops the demo) but not the server.
exec 3<> "$WORK/display"
setsid Xvfb -displayfd 3 -screen 0 1600x1000x24 -dpi 96 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do
    [ -s "$WORK/display" ] && break
    kill -0 "$XVFB_PID" 2>/dev/null || { cat "$WORK/xvfb.log" >&2; exit 1; }
    sleep 0.1
done
DISPLAY_NUMBER="$(head -n1 "$WORK/display")"
[ -n "$DISPLAY_NUMBER" ] || { echo "Xvfb did not report a display" >&2; exit 1; }
exec 3>&-

DISPLAY=":$DISPLAY_NUMBER" QT_QPA_PLATFORM=xcb \
    "$PY" scripts/demo_screenshots.py --home "$HOME_DIR" --out "$OUT"
