#!/usr/bin/env bash
# Installs the system packages the test suite needs, only where they are missing:
# libmagic (python-magic), Debian's Chromium (Playwright drives it; never a downloaded one),
# clamd (clamav-daemon: the tests start their own with a local EICAR-only database) and
# GNU gettext (translations).
set -euo pipefail
missing=()
[ -e /usr/lib/x86_64-linux-gnu/libmagic.so.1 ] || ldconfig -p 2>/dev/null | grep -q libmagic.so.1 || missing+=(libmagic1)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
# GNU gettext: makemessages (xgettext) and msgfmt for the translations.
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Need root (or sudo) to install: ${missing[*]}. Browser tests will be skipped." >&2
    exit 0
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
