#!/usr/bin/env bash
# Installs the system libraries Qt needs when run as root on Debian/Ubuntu;
# otherwise prints the exact apt-get line. Usage: system-deps.sh PKG...
set -euo pipefail
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian-like system; install Qt 6's xcb/EGL libraries yourself."; exit 0; }
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "system-deps: Qt needs these system libraries. Run:"
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
