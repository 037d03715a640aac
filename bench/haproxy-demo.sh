#!/usr/bin/env bash
# Two roomcast instances (one private redis-server) behind HAProxy: round-robin, no stickiness.
# Clients all use the single HAProxy address; the run shows that
#   - HAProxy spread the WebSocket connections over both backends (its stats, and the "node" of each welcome frame),
#   - every subscriber still received every message of its rooms (loss 0), although in each room roughly half the
#     members sit on the other instance than the publisher: Redis carries the traffic between the nodes.
# Then everything is stopped.
#
#   bench/haproxy-demo.sh                  # small scenario: 200 subscribers, 10 rooms, 2 publishers, 100/s, 10 s
#   SUBS=1000 RATE=200 bench/haproxy-demo.sh --duration 20s   # env vars and extra bench arguments as in standard.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SUBS=${SUBS:-200}
ROOMS=${ROOMS:-10}
PUBLISHERS=${PUBLISHERS:-2}
RATE=${RATE:-100}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECT_RATE=${CONNECT_RATE:-200}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx512m}

if ! command -v haproxy >/dev/null; then
  rc_log "installing haproxy (Debian package) ..."
  if [ "$(id -u)" != 0 ]; then rc_log "haproxy is missing and this is not root: apt-get install -y haproxy"; exit 1; fi
  apt-get install -y haproxy >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y haproxy >/dev/null; }
fi

trap rc_cleanup EXIT
trap 'exit 130' INT TERM

rc_build
rc_raise_fd_limit
rc_start_redis
rc_start_app 1
rc_start_app 2
rc_wait_ready 120

HAP_PORT=$(rc_free_port)
STATS_PORT=$(rc_free_port)
# each proxied connection costs HAProxy two descriptors; stay inside this process's limit
HAP_MAXCONN=$(( ($(ulimit -n) - 200) / 2 ))
cat >"$RC_WORK/haproxy.cfg" <<CFG
global
    maxconn $HAP_MAXCONN

defaults
    mode http
    timeout connect 5s
    timeout client  60s
    timeout server  60s
    # once upgraded, a WebSocket is a tunnel: keep idle clients for up to an hour
    timeout tunnel  1h

frontend roomcast
    bind 127.0.0.1:$HAP_PORT
    default_backend roomcast_nodes

backend roomcast_nodes
    # no stickiness: any connection may land on any node, Redis makes them one service
    balance roundrobin
    option httpchk GET /q/health/ready
    http-check expect status 200
    server node1 127.0.0.1:${RC_APP_PORTS[0]} check inter 1s
    server node2 127.0.0.1:${RC_APP_PORTS[1]} check inter 1s

frontend stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
    stats refresh 5s
CFG
haproxy -c -q -f "$RC_WORK/haproxy.cfg"
haproxy -db -f "$RC_WORK/haproxy.cfg" >"$RC_WORK/haproxy.log" 2>&1 &
HAP_PID=$!
RC_PIDS+=("$HAP_PID")
rc_log "haproxy pid $HAP_PID: ws://127.0.0.1:$HAP_PORT/ws -> node1 :${RC_APP_PORTS[0]}, node2 :${RC_APP_PORTS[1]}; stats http://127.0.0.1:$STATS_PORT/stats"

# wait until HAProxy's health checks see both nodes UP (bounded)
hap_csv() { curl -s "http://127.0.0.1:$STATS_PORT/stats;csv" || true; }
for i in $(seq 1 100); do
  up=$(hap_csv | awk -F, '$1=="roomcast_nodes" && $2 ~ /^node/ && $18 ~ /^UP/' | wc -l)
  [ "$up" = 2 ] && break
  sleep 0.2
done
[ "${up:-0}" = 2 ] || { rc_log "HAProxy does not see both nodes UP"; hap_csv >&2; exit 1; }

# sessions per backend server: total (stot, column 8) and current (scur, column 5)
hap_sessions() {
  hap_csv | awk -F, '$1=="roomcast_nodes" && $2 ~ /^node/ {printf "  %-6s current %5s  total %6s  status %s\n", $2, $5, $8, $18}'
}

# show the split while the connections are open: sample HAProxy's stats half-way through the run
( sleep_for=$(( ${SUBS} / 500 + 4 )); sleep "$sleep_for"; echo "HAProxy sessions per node during the run:"; hap_sessions ) &
SAMPLER=$!
RC_PIDS+=("$SAMPLER")

rc_log "bench through HAProxy: $SUBS subscribers in $ROOMS rooms, $PUBLISHERS publishers, $RATE/s"
# shellcheck disable=SC2086
java $BENCH_JAVA_OPTS -jar "$RC_BENCH_JAR" --urls "ws://127.0.0.1:$HAP_PORT/ws" --subscribers "$SUBS" --rooms "$ROOMS" \
  --publishers "$PUBLISHERS" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --connect-rate "$CONNECT_RATE" \
  --pids "$(rc_app_pids_csv)" --redis-pid "$RC_REDIS_PID" --out "$RC_WORK/result-haproxy.json" \
  --label "haproxy-demo: 2 nodes behind one round-robin address" "$@" | tee "$RC_WORK/bench.out" | grep -v '^{' || true
wait "$SAMPLER" 2>/dev/null || true

echo
echo "HAProxy sessions per node after the run:"
hap_sessions
echo "connections per node, from each welcome frame's \"node\" field:"
grep -o '"connections_per_node":{[^}]*}' "$RC_WORK/bench.out" | sed 's/"connections_per_node"://; s/^/  /'
sleep 1
echo "Redis pub/sub channels still subscribed now that the clients are gone (room and user channels must be gone):"
channels=$(redis-cli -h 127.0.0.1 -p "$RC_REDIS_PORT" pubsub channels '*' || true)
printf '%s\n' "$channels" | grep . | head -5 | sed 's/^/  /' || true
leftover=$(printf '%s\n' "$channels" | grep -c -E '^rc:(\{|user:)' || true)
echo "  ($leftover room/user channels left)"
loss=$(grep -o '"loss":[0-9-]*' "$RC_WORK/bench.out" | head -1 | cut -d: -f2)
ready=$(grep -o '"subscribers_ready":[0-9]*' "$RC_WORK/bench.out" | head -1 | cut -d: -f2)
ok=0
if [ "${loss:-x}" = 0 ] && [ "${ready:-x}" = "$SUBS" ] && [ "${leftover:-1}" = 0 ]; then
  echo "OK: all $SUBS subscribers joined and every message reached every member, whichever node each client landed on."
  ok=1
else
  echo "NOT OK: ${ready:-?} of $SUBS subscribers joined, ${loss:-?} deliveries missing, ${leftover:-?} channels left (see the events above and $RC_WORK)"
fi
rc_cleanup   # stop the instances first, so that shutdown errors show up in the summary too
echo "server logs:"
rc_log_summary
echo "logs, haproxy.cfg and JSON result: $RC_WORK"
[ "$ok" = 1 ]
