#!/usr/bin/env bash
# Installs the system packages Carnet's build needs when they are missing (Debian/Ubuntu):
# SQLCipher links the system libcrypto.
set -euo pipefail
need=()
for pkg in libssl-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ "${#need[@]}" -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
