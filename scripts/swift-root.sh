#!/usr/bin/env bash
# Makes (once) a minimal Debian trixie root holding the Swift 6 compiler (`swiftlang`), which
# needs a newer glibc than this Debian 12 host, and prints its path. Reused while it exists;
# CI creates it from nothing. Needs root (debootstrap, chroot).
set -euo pipefail
root="${CARNET_SWIFT_ROOT:-/var/cache/carnet/swift-trixie}"
if [ -x "$root/usr/bin/swiftc" ]; then
  echo "$root"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends debootstrap >&2
fi
rm -rf "$root.partial"
mkdir -p "$(dirname "$root")"
debootstrap --variant=minbase trixie "$root.partial" http://deb.debian.org/debian >&2
chroot "$root.partial" apt-get update -qq >&2
chroot "$root.partial" apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >&2
mv "$root.partial" "$root"
echo "$root"
