#!/bin/sh
# preStop hook of the redis container. When the master is being stopped (rolling update, node drain),
# hand the role over first, so that a planned restart costs about a second of paused writes instead of
# down-after-milliseconds of failed ones plus an election:
#   1. pause writes on this master (replicas then hold everything it acknowledged);
#   2. ask another pod's sentinel for a failover;
#   3. once the sentinel names the new master, make this one its replica right away (sentinel itself
#      would only get to it after several seconds), so clients still connected here get READONLY
#      errors and reconnect through the sentinels instead of writing into a dataset about to be dropped;
#   4. unpause.
# Replicas just stop.
set -u
DOMAIN="${HEADLESS_SERVICE}.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN}"
ME="${POD_NAME}.${DOMAIN}"
WAIT_SECONDS="${FAILOVER_WAIT_SECONDS:-10}"

log() { echo "[redis-prestop] $*"; }
local_cli() { timeout 3 redis-cli -p 6379 "$@" 2>/dev/null; }
sentinel_master() {
  timeout 3 redis-cli -h "$1" -p 26379 sentinel get-master-addr-by-name "$SENTINEL_MASTER_NAME" 2>/dev/null | head -n 1
}

[ "$(local_cli role | head -n 1)" = "master" ] || exit 0
replicas="$(local_cli info replication | tr -d '\r' | awk -F: '$1 == "connected_slaves" { print $2 }')"
if [ "${replicas:-0}" -eq 0 ]; then
  log "master without connected replicas: no failover possible"
  exit 0
fi

# The pause outlasts the wait below by a margin; it is lifted explicitly in every case.
local_cli client pause "$(( (WAIT_SECONDS + 5) * 1000 ))" write > /dev/null

# Any other pod's sentinel will do (this pod's sentinel is being stopped too). INPROG counts as accepted:
# a failover is running already (possibly ours, if an earlier answer got lost), so wait for its outcome
# rather than unpause and take writes that the demotion would then discard.
asked=""
i=0
while [ "$i" -lt "$REDIS_REPLICAS" ]; do
  h="${STATEFULSET_NAME}-${i}.${DOMAIN}"
  i=$((i + 1))
  [ "$h" = "$ME" ] && continue
  case "$(timeout 3 redis-cli -h "$h" -p 26379 sentinel failover "$SENTINEL_MASTER_NAME" 2>&1)" in
    OK* | *INPROG*)
      asked="$h"
      break
      ;;
  esac
done
if [ -z "$asked" ]; then
  log "no sentinel accepted a failover; stopping as the master"
  local_cli client unpause > /dev/null
  exit 0
fi
log "failover requested from ${asked}"

waited=0
while [ "$waited" -lt "$WAIT_SECONDS" ]; do
  new="$(sentinel_master "$asked")"
  case "$new" in
    "$ME" | "") ;;
    *)
      local_cli replicaof "$new" 6379 > /dev/null
      local_cli client unpause > /dev/null
      log "${new} took over after ${waited}s; this pod is now its replica"
      exit 0
      ;;
  esac
  sleep 1
  waited=$((waited + 1))
done
local_cli client unpause > /dev/null
log "no new master after ${WAIT_SECONDS}s; stopping anyway"
