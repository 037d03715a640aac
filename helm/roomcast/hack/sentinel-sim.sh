#!/bin/bash
# Runs the chart's Redis scripts (files/redis/*.sh) against real redis-server and sentinel processes, without
# Kubernetes: three "pods" on 127.0.1.10-12, each with its FQDN in a private /etc/hosts, inside private mount
# and network namespaces (so nothing binds on the host's interfaces). Checks:
#   1. bootstrap: all three init scripts at once, pod 0 becomes the master, sentinels see each other;
#   2. the master's pod is lost and recreated empty after the failover: it joins the new master;
#   3. the master's pod is recreated empty before the sentinels notice: it waits, then joins as a replica;
#   4. preStop on the master: planned handover, no acknowledged write lost;
#   5. the whole group is lost: bootstrap again.
#
# Needs root (unshare), redis-server and redis-cli (7.x) on PATH. About a minute.
#   sudo helm/roomcast/hack/sentinel-sim.sh
set -u
if [ "${SIM_INSIDE:-}" != 1 ]; then
  exec env SIM_INSIDE=1 unshare --mount --net --propagation private "$0" "$@"
fi

SCRIPTS="$(cd "$(dirname "$0")/../files/redis" && pwd)"
ROOT="$(mktemp -d)"
DOMAIN=rc-roomcast-redis-headless.chat.svc.cluster.local
FAILED=0

cleanup() {
  for f in "$ROOT"/p*/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2> /dev/null; done
  rm -rf "$ROOT"
}
trap cleanup EXIT

ip link set lo up
{ echo "127.0.0.1 localhost"; for i in 0 1 2; do echo "127.0.1.1$i rc-roomcast-redis-$i.$DOMAIN"; done; } > "$ROOT/hosts"
mount --bind "$ROOT/hosts" /etc/hosts

# In a pod, redis-cli without -h talks to localhost; here, to the pod's own address.
mkdir -p "$ROOT/bin"
REDIS_CLI="$(command -v redis-cli)"
cat > "$ROOT/bin/redis-cli" << EOF
#!/bin/sh
for a in "\$@"; do [ "\$a" = "-h" ] && exec $REDIS_CLI "\$@"; done
exec $REDIS_CLI -h "\$POD_IP" "\$@"
EOF
chmod +x "$ROOT/bin/redis-cli"
export PATH="$ROOT/bin:$PATH"

export POD_NAMESPACE=chat STATEFULSET_NAME=rc-roomcast-redis HEADLESS_SERVICE=rc-roomcast-redis-headless \
  CLUSTER_DOMAIN=cluster.local REDIS_REPLICAS=3 SENTINEL_MASTER_NAME=mymaster SENTINEL_QUORUM=2 \
  SENTINEL_DOWN_AFTER_MS=2000 SENTINEL_FAILOVER_TIMEOUT_MS=10000 EMPTY_MASTER_WAIT_SECONDS=30 REDIS_APPENDONLY=yes
export REDIS_PASSWORD='pa"ss\word $x'   # quotes, a backslash, a space: the config quoting must hold
export REDISCLI_AUTH="$REDIS_PASSWORD"

host() { echo "rc-roomcast-redis-$1.$DOMAIN"; }
cli() { "$REDIS_CLI" -h "127.0.1.1$1" "${@:2}" 2> /dev/null; }
pod_env() {
  echo "POD_NAME=rc-roomcast-redis-$1 POD_IP=127.0.1.1$1 CONF_DIR=$ROOT/p$1/conf DATA_DIR=$ROOT/p$1/data EXTRA_CONF=$ROOT/p$1/extra.conf"
}
init() {
  mkdir -p "$ROOT/p$1/conf" "$ROOT/p$1/data"
  echo "bind 127.0.1.1$1" > "$ROOT/p$1/extra.conf"   # all pods share the host: one address each
  env $(pod_env "$1") sh "$SCRIPTS/init.sh" 2>&1 | sed "s/^/    [p$1] /"
  echo "bind 127.0.1.1$1" >> "$ROOT/p$1/conf/sentinel.conf"
}
start() {
  (cd "$ROOT/p$1" && env $(pod_env "$1") redis-server "$ROOT/p$1/conf/redis.conf" --daemonize yes \
    --logfile "$ROOT/p$1/redis.log" --pidfile "$ROOT/p$1/redis.pid")
  (cd "$ROOT/p$1" && exec env $(pod_env "$1") sh "$SCRIPTS/sentinel.sh" > "$ROOT/p$1/sentinel.log" 2>&1 < /dev/null) &
  echo $! > "$ROOT/p$1/sentinel.pid"
  disown $!   # killed on purpose later: no "Killed" job notices
}
lose() { # the pod disappears with its emptyDirs
  kill -9 "$(cat "$ROOT/p$1/redis.pid")" "$(cat "$ROOT/p$1/sentinel.pid")" 2> /dev/null
  sleep 0.2
  rm -rf "$ROOT/p$1/conf" "$ROOT/p$1/data"
}
role() { cli "$1" -p 6379 role | head -n 1; }
masters() { for i in 0 1 2; do [ "$(role "$i")" = master ] && echo "$i"; done; }
sentinel_says() { cli "$1" -p 26379 sentinel get-master-addr-by-name mymaster | head -n 1; }
status() { for i in 0 1 2; do echo "    p$i role=$(role "$i") sentinel-says=$(sentinel_says "$i")"; done; }
check() { # description, command...
  if "${@:2}"; then echo "  ok: $1"; else echo "  FAILED: $1"; FAILED=1; fi
}
one_master() { [ "$(masters | wc -l)" -eq 1 ]; }
sentinels_agree() { local m; m="$(sentinel_says 0)"; [ -n "$m" ] && [ "$(sentinel_says 1)" = "$m" ] && [ "$(sentinel_says 2)" = "$m" ]; }
wait_for() { local n=0; until "$@"; do n=$((n + 1)); [ "$n" -ge 30 ] && return 1; sleep 1; done; }
master_is_not() { local m; m="$(sentinel_says "$2")"; [ -n "$m" ] && [ "$m" != "$(host "$1")" ]; }
only_master_is_not() { one_master && [ "$(masters)" != "$1" ]; }

echo "== 1. bootstrap"
init 0 & init 1 & init 2 & wait
for i in 0 1 2; do start "$i"; done
wait_for sentinels_agree; sleep 2; status
check "pod 0 is the only master" [ "$(masters)" = 0 ]
check "sentinels name pod 0 by hostname" [ "$(sentinel_says 1)" = "$(host 0)" ]
check "sentinels know each other" [ "$(cli 0 -p 26379 sentinel master mymaster | paste - - | awk '$1 == "num-other-sentinels" { print $2 }')" = 2 ]
cli 0 -p 6379 set k v1 > /dev/null; sleep 1

echo "== 2. master pod lost, recreated after the failover"
lose 0
wait_for master_is_not 0 1
init 0; start 0; sleep 4; status
check "one master, not pod 0" only_master_is_not 0
M="$(masters | head -n 1)"
check "data survived" [ "$(cli "$M" -p 6379 get k)" = v1 ]

echo "== 3. master pod p$M recreated empty before the sentinels notice"
lose "$M"; init "$M"; start "$M"; sleep 4; status
check "one master" one_master
check "p$M is not the master" [ "$(role "$M")" = slave ]
M="$(masters | head -n 1)"
check "data survived" [ "$(cli "$M" -p 6379 get k)" = v1 ]

echo "== 4. preStop on master p$M, under writes"
cli "$M" -p 6379 set n 0 > /dev/null
(acked=0; for _ in $(seq 1 300); do case "$(cli "$M" -p 6379 incr n)" in [0-9]*) acked=$((acked + 1)) ;; esac; done
 echo "$acked" > "$ROOT/acked") &
WRITER=$!
sleep 0.3
START=$(date +%s%N)
env $(pod_env "$M") sh "$SCRIPTS/redis-prestop.sh" | sed 's/^/    /'
echo "    handover took $(( ($(date +%s%N) - START) / 1000000 )) ms"
wait "$WRITER"; sleep 1; status
check "one master, not p$M" only_master_is_not "$M"
N="$(masters | head -n 1)"
check "every acknowledged write is on the new master ($(cat "$ROOT/acked") acknowledged)" \
  [ "$(cli "$N" -p 6379 get n)" -ge "$(cat "$ROOT/acked")" ]

echo "== 5. whole group lost"
for i in 0 1 2; do lose "$i"; done
init 0 & init 1 & init 2 & wait
for i in 0 1 2; do start "$i"; done
wait_for sentinels_agree; status
check "pod 0 is the only master again" [ "$(masters)" = 0 ]

[ "$FAILED" = 0 ] && echo "ALL OK" || echo "SOME CHECKS FAILED"
exit "$FAILED"
