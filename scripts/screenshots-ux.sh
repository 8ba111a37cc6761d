#!/usr/bin/env bash
# Every window and dialog as an operator on a 1366x768 laptop sees it, and a few on a
# 1920x1080 screen, with a dark desktop palette and at 2x scale: the window tour's
# small site (devkit/window_tour.py) under Xvfb, saved as docs/screenshots/ux-*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
OUT="${1:-docs/screenshots}"
command -v xvfb-run >/dev/null 2>&1 || { echo "Xvfb is missing: apt-get install -y xvfb xauth" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

shoot() {  # SCREEN PREFIX [tour options…]
    local screen="$1" prefix="$2"
    shift 2
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 ${screen}x24 -dpi 96" \
        "$PY" -m devkit.window_tour --home "$WORK/$prefix" --shots "$OUT" \
        --prefix "$prefix-" "$@" >/dev/null
}

shoot 1366x768 ux-1366
shoot 1920x1080 ux-1920 --only main-window step-detail-gate-verdict step-detail-deploy-10 auditor-story-rolled-back
shoot 1366x768 ux-dark --dark --only main-window step-detail-gate-verdict step-detail-deploy-10 auditor-story-rolled-back
QT_SCALE_FACTOR=2 shoot 2732x1536 ux-2x --only main-window step-detail-gate-verdict
ls "$OUT"/ux-*.png
