#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the playground's browser test (playwright-core drives it;
# Playwright's own browser download is never used). Installs the `chromium` apt package when it is missing, as root
# or with sudo. Safe to run again: it does nothing when chromium is there.
set -euo pipefail

log() { printf '[ensure-chromium] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x /usr/bin/chromium ]; then
  log "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium') is installed"
  exit 0
fi
log "installing chromium with apt"
as_root apt-get update -qq
# fonts-noto-color-emoji: the playground renders Slack emoji shortcodes as Unicode emoji.
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji fonts-dejavu-core >/dev/null
[ -x /usr/bin/chromium ] || { log "apt installed chromium but /usr/bin/chromium is missing"; exit 1; }
log "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium') installed"
