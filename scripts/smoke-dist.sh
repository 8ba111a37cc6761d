#!/usr/bin/env bash
# Smoke test of the desktop build (run by CI after `make dist`): the built binary,
# with no Python of ours on the path, prints its version, builds the demo site with
# its fleet, exports an auditor bundle of a sealed promotion and verifies it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/dist/stella/stella"
[ -x "$BIN" ] || { echo "smoke: $BIN is missing; run make dist"; exit 1; }
work=$(mktemp -d)
home="$work/home"
cleanup() { "$BIN" --home "$home" demo --stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
export QT_QPA_PLATFORM=offscreen
# Run from an empty folder with a clean environment, so nothing is imported from the repo.
cd "$work"
env -i PATH=/usr/bin:/bin HOME="$work" QT_QPA_PLATFORM=offscreen "$BIN" --version
env -i PATH=/usr/bin:/bin HOME="$work" "$BIN" --home "$home" demo --no-gui
mkdir "$work/media"
env -i PATH=/usr/bin:/bin HOME="$work" QT_QPA_PLATFORM=offscreen STELLA_PASSPHRASE=demo-only-passphrase \
  "$BIN" --home "$home" export auditor P-0001 --to "$work/media" --as alice
env -i PATH=/usr/bin:/bin HOME="$work" "$BIN" verify "$work/media/P-0001-auditor-bundle.tar.gz"
echo "smoke: the desktop build passed"
