#!/usr/bin/env bash
# Screenshots of the desktop app under Xvfb, from a throw-away screenshot fixture
# site (scripts/screenshot_site.py), saved to docs/screenshots/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
OUT="${1:-docs/screenshots}"

if ! command -v xvfb-run >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq && apt-get install -y -qq xvfb xauth
    else
        echo "Xvfb is missing; install it with: sudo apt-get install -y xvfb xauth" >&2
        exit 1
    fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# A real X server, not Qt's offscreen platform: what a user's display would show.
QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24 -dpi 96" \
    "$PY" scripts/screenshot_site.py --home "$WORK/home" --out "$OUT"
