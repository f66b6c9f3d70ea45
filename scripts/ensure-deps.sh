#!/usr/bin/env bash
# Installs what Carnet's build and tests need when it is missing (Debian/Ubuntu): SQLCipher
# links the system libcrypto; the simulator's test drives it in tmux; the ffi tests use pytest;
# the real-network test makes network namespaces with iproute2's `ip`; the sync server's
# suites run a second time on a throwaway PostgreSQL server (scripts/postgres.sh); the e-mail
# tests send through a real SMTP server, Python's aiosmtpd; the console's browser test drives
# Debian's Chromium with Playwright (nothing downloaded at run time), reads the enrolment QR
# code from a screenshot (zxing-cpp, Pillow) and makes TOTP codes (pyotp).
set -euo pipefail
need=()
for pkg in libssl-dev pkg-config tmux iproute2 postgresql postgresql-client chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# module:package
for wanted in pytest:pytest aiosmtpd:aiosmtpd playwright:playwright zxingcpp:zxing-cpp \
    PIL:pillow pyotp:pyotp; do
  module=${wanted%%:*} package=${wanted#*:}
  if ! python3 -c "import $module" 2>/dev/null; then
    echo "installing $package" >&2
    python3 -m pip install -q --disable-pip-version-check "$package" >&2
  fi
done
