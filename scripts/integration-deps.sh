#!/usr/bin/env bash
# Installs the servers the integration tests talk to (prometheus, openssh-server) from
# the distribution's packages when missing, without letting the packages start their
# own services (the tests start private instances on loopback). Root only; otherwise
# prints the apt-get line and the tests that need them skip, saying so.
set -euo pipefail
if [ $# -gt 0 ]; then pkgs=("$@"); else pkgs=(prometheus openssh-server); fi
command -v dpkg-query >/dev/null 2>&1 || { echo "integration-deps: not a Debian-like system; install ${pkgs[*]} yourself."; exit 0; }
missing=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "integration-deps: the integration tests need: sudo apt-get install -y ${missing[*]}"
  exit 0
fi
policy=/usr/sbin/policy-rc.d
added=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && added=1
fi
trap 'if [ "$added" -eq 1 ]; then rm -f "$policy"; fi' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" || {
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
