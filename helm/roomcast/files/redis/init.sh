#!/bin/sh
# Init container of every Redis pod: writes /conf/redis.conf and /conf/sentinel.conf for this pod.
#
# It runs each time the pod is (re)created, and the one question it must answer is "who is the master?".
# A fixed answer such as "pod 0" would be wrong after a failover: a restarted pod 0 would come up as a
# second master. So the running group is asked first:
#   1. the sentinels of the other pods (majority answer wins);
#   2. failing that, the other Redis servers (one reporting role master);
#   3. failing that (fresh install, or the whole group is restarting), pod 0 bootstraps as the master.
# Addresses are pod FQDNs (<pod>.<headless service>.<namespace>.svc.<cluster domain>), never IPs, which
# change when a pod is recreated.
#
# Environment (set by the StatefulSet): POD_NAME, POD_NAMESPACE, STATEFULSET_NAME, HEADLESS_SERVICE,
# CLUSTER_DOMAIN, REDIS_REPLICAS, REDIS_PASSWORD, REDISCLI_AUTH (= REDIS_PASSWORD, read by redis-cli),
# SENTINEL_MASTER_NAME, SENTINEL_QUORUM, SENTINEL_DOWN_AFTER_MS, SENTINEL_FAILOVER_TIMEOUT_MS,
# EMPTY_MASTER_WAIT_SECONDS, REDIS_APPENDONLY (yes|no), REDIS_MAXMEMORY (optional).
set -eu

: "${REDIS_PASSWORD:?REDIS_PASSWORD is not set}"
CONF_DIR="${CONF_DIR:-/conf}"
DATA_DIR="${DATA_DIR:-/data}"
EXTRA_CONF="${EXTRA_CONF:-/scripts/redis-extra.conf}"
DOMAIN="${HEADLESS_SERVICE}.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN}"
ME="${POD_NAME}.${DOMAIN}"

log() { echo "[redis-init] $*"; }

host_of() { echo "${STATEFULSET_NAME}-$1.${DOMAIN}"; }

# Only answers that name one of our pods count: anything else is an error message or garbage.
is_our_host() {
  case "$1" in
    "${STATEFULSET_NAME}"-*".${DOMAIN}") return 0 ;;
    *) return 1 ;;
  esac
}

# The hosts of the other pods, one per line.
other_hosts() {
  i=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    h="$(host_of "$i")"
    [ "$h" = "$ME" ] || echo "$h"
    i=$((i + 1))
  done
}

# The master the most sentinels agree on; empty when none answers.
master_from_sentinels() {
  for h in $(other_hosts); do
    m="$(timeout 3 redis-cli -h "$h" -p 26379 sentinel get-master-addr-by-name "$SENTINEL_MASTER_NAME" 2>/dev/null | head -n 1 || true)"
    if is_our_host "$m"; then echo "$m"; fi
  done | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}

# A running Redis that says it is the master; empty when none does.
master_from_servers() {
  for h in $(other_hosts); do
    role="$(timeout 3 redis-cli -h "$h" -p 6379 role 2>/dev/null | head -n 1 || true)"
    if [ "$role" = "master" ]; then echo "$h"; return 0; fi
  done
}

has_data() {
  [ -s "${DATA_DIR}/dump.rdb" ] || [ -n "$(ls -A "${DATA_DIR}/appendonlydir" 2>/dev/null || true)" ]
}

MASTER="$(master_from_sentinels)"
if [ -n "$MASTER" ]; then
  log "sentinels name ${MASTER} as the master"
  # This pod was the master and is back before the sentinels noticed it was gone. Without data it must
  # not serve as the master: the replicas would copy its empty dataset. Give the sentinels time to
  # promote one of them; if they cannot (no replica left), go on as the master anyway.
  if [ "$MASTER" = "$ME" ] && ! has_data; then
    waited=0
    while [ "$MASTER" = "$ME" ] && [ "$waited" -lt "$EMPTY_MASTER_WAIT_SECONDS" ]; do
      log "this pod is named master but has no data: waiting for a failover (${waited}s)"
      sleep 2
      waited=$((waited + 2))
      MASTER="$(master_from_sentinels)"
      [ -n "$MASTER" ] || MASTER="$ME"
    done
  fi
else
  MASTER="$(master_from_servers)"
  if [ -n "$MASTER" ]; then
    log "no sentinel answered; ${MASTER} reports itself as the master"
  else
    MASTER="$(host_of 0)"
    log "no sentinel or server answered: bootstrapping with ${MASTER} as the master"
  fi
fi

# redis.conf syntax: a double-quoted string with backslashes and quotes escaped.
quote() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
PASSWORD="$(quote "$REDIS_PASSWORD")"

# printf, not echo: some shells' echo interprets backslashes (which a password may contain).
line() { printf '%s\n' "$*"; }

mkdir -p "$CONF_DIR"
umask 077

{
  line "port 6379"
  line "bind * -::*"
  line "protected-mode no"
  line "dir ${DATA_DIR}"
  line "requirepass ${PASSWORD}"
  line "masterauth ${PASSWORD}"
  # Announce the stable DNS name rather than the pod IP.
  line "replica-announce-ip ${ME}"
  line "replica-announce-port 6379"
  line "appendonly ${REDIS_APPENDONLY:-yes}"
  if [ -n "${REDIS_MAXMEMORY:-}" ]; then line "maxmemory ${REDIS_MAXMEMORY}"; fi
  if [ "$MASTER" != "$ME" ]; then line "replicaof ${MASTER} 6379"; fi
  if [ -s "$EXTRA_CONF" ]; then cat "$EXTRA_CONF"; fi
} > "${CONF_DIR}/redis.conf"

# Sentinel rewrites this file as the group changes, which is why it lives in a writable emptyDir.
# resolve-hostnames must come before the monitor line that uses a hostname.
{
  line "port 26379"
  line "dir ${CONF_DIR}"
  line "sentinel resolve-hostnames yes"
  line "sentinel announce-hostnames yes"
  line "sentinel announce-ip ${ME}"
  line "sentinel announce-port 26379"
  # Clients (roomcast, redis-cli) authenticate to sentinels with the Redis password, and sentinels use
  # it with each other.
  line "requirepass ${PASSWORD}"
  line "sentinel sentinel-pass ${PASSWORD}"
  line "sentinel monitor ${SENTINEL_MASTER_NAME} ${MASTER} 6379 ${SENTINEL_QUORUM}"
  line "sentinel auth-pass ${SENTINEL_MASTER_NAME} ${PASSWORD}"
  line "sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${SENTINEL_DOWN_AFTER_MS}"
  line "sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${SENTINEL_FAILOVER_TIMEOUT_MS}"
  line "sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1"
} > "${CONF_DIR}/sentinel.conf"

if [ "$MASTER" = "$ME" ]; then
  log "${ME} starts as the master"
else
  log "${ME} starts as a replica of ${MASTER}"
fi
