#!/bin/sh
# Starts the sentinel of this pod. Sentinel exits at startup when the master named in its configuration
# does not resolve (resolve-hostnames), which happens while the master's pod is still being created
# (its DNS record appears once it has an IP). Waiting here avoids a crash loop with growing back-off.
set -eu
CONF_DIR="${CONF_DIR:-/conf}"
master="$(awk -v name="$SENTINEL_MASTER_NAME" '$1 == "sentinel" && $2 == "monitor" && $3 == name { print $4 }' "${CONF_DIR}/sentinel.conf")"
resolves() { getent hosts "$1" > /dev/null 2>&1 || nslookup "$1" > /dev/null 2>&1; }
waited=0
until resolves "$master"; do
  if [ "$waited" -ge 120 ]; then
    echo "[sentinel] ${master} still does not resolve after ${waited}s, starting anyway" >&2
    break
  fi
  echo "[sentinel] waiting for ${master} to resolve"
  sleep 2
  waited=$((waited + 2))
done
exec redis-server "${CONF_DIR}/sentinel.conf" --sentinel
