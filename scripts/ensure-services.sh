#!/usr/bin/env bash
# Makes sure what the tests and the restore runbooks need is installed and running on this machine:
# PostgreSQL (127.0.0.1:5432, user postgres without a password from localhost), Redis (127.0.0.1:6379),
# the PostgreSQL client tools (pg_dump, pg_restore, psql), Prometheus with promtool, and Alertmanager. Installs missing pieces with apt (needs root).
# Safe to run again: it only acts on what is missing.
set -euo pipefail

log() { printf '[ensure-services] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v psql >/dev/null 2>&1 && command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
# Debian's prometheus package: promtool unit-tests the rule files in deploy/prometheus/, and the prometheus server
# runs the shipped service rules in test/e2e/alerts-prometheus.test.ts.
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
# A real Alertmanager sends the alert tests their webhooks.
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
installed_pg=0
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  [[ " ${missing[*]} " == *" postgresql "* ]] && installed_pg=1
fi
for tool in prometheus promtool prometheus-alertmanager amtool; do
  command -v "$tool" >/dev/null 2>&1 || { log "$tool is missing after installing packages"; exit 1; }
done

# PostgreSQL
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then log "no PostgreSQL cluster found in /etc/postgresql"; exit 1; fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
  # A fresh apt install asks for a password on TCP; the tests connect as postgres from localhost without one.
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  log "allowing passwordless postgres from 127.0.0.1 in $hba"
  as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  sleep 1
fi
psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'select 1' >/dev/null || { log "cannot connect to PostgreSQL as postgres"; exit 1; }
[ "$installed_pg" -eq 1 ] && log "PostgreSQL installed and configured"

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { log "Redis is not answering on 127.0.0.1:6379"; exit 1; }
log "PostgreSQL $(psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'show server_version'), Redis and pg_dump $(pg_dump --version | awk '{print $3}') are ready"
