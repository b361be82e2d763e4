#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium, with the fonts the playground's screenshots need, for the
# browser tests (playwright-core drives it; Playwright's own browser download is never used). Installs whichever of
# the apt packages below is missing, as root or with sudo. Safe to run again: with everything there it only says so.
set -euo pipefail

log() { printf '[ensure-chromium] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# chromium: the browser. fonts-dejavu-core: a text font (a bare image may have none, and pages render as boxes).
# fonts-noto-color-emoji: the playground renders Slack emoji shortcodes as Unicode emoji.
packages=(chromium fonts-dejavu-core fonts-noto-color-emoji)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
elif [ ! -x /usr/bin/chromium ]; then
  log "no /usr/bin/chromium, and this is not a Debian-like system (no dpkg): install chromium by hand"
  exit 1
fi

if [ ${#missing[@]} -eq 0 ] && [ -x /usr/bin/chromium ]; then
  log "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium') and its fonts are installed"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && missing=(chromium)

command -v apt-get >/dev/null 2>&1 || { log "missing ${missing[*]}, and apt-get is not available"; exit 1; }
log "installing ${missing[*]} with apt"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] || { log "apt installed chromium but /usr/bin/chromium is missing"; exit 1; }
# A new font is found only once fontconfig's cache knows it.
command -v fc-cache >/dev/null 2>&1 && as_root fc-cache -f >/dev/null 2>&1 || true
log "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium') installed, with its fonts"
