#!/usr/bin/env bash
# Redis Cluster scaling (issue 20): the maximum sustained deliveries/s and Redis CPU per delivery with 1 shard
# and with 3 shards (masters, no replicas: replication would add its own CPU), roomcast in cluster mode
# (quarkus.redis.client-type=cluster, sharded pub/sub), the standard fan-out load at a ladder of rates.
# For each shard count: a fresh cluster (redis-server --cluster-enabled yes, joined with CLUSTER ADDSLOTSRANGE +
# MEET), INSTANCES roomcast instances, one bench run per rate of RATES against the same servers; a rate is
# "sustained" when nothing was lost and p99 stayed under P99_LIMIT_MS. Prints one table; results in $WORKDIR.
#
#   bench/cluster.sh                                  # SHARDS="1 3", RATES="500 1000 2000 4000 8000", ~15 min
#   SHARDS="1 3" RATES="1000 4000" DURATION=20s bench/cluster.sh
#   ROOMS=300 SUBS=3000 bench/cluster.sh              # more rooms: spread more evenly over the slots
#
# Run it on a quiet machine with enough cores for INSTANCES JVMs + the shards + the generator: on 2 cores the
# instances saturate before any Redis does, and 3 shards cannot show more than 1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SHARDS=${SHARDS:-"1 3"}
RATES=${RATES:-"500 1000 2000 4000 8000"}
INSTANCES=${INSTANCES:-2}
SUBS=${SUBS:-2000}
ROOMS=${ROOMS:-200}
PUBLISHERS=${PUBLISHERS:-8}
PAYLOAD=${PAYLOAD:-256}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-30s}
P99_LIMIT_MS=${P99_LIMIT_MS:-250}
CONNECT_RATE=${CONNECT_RATE:-2000}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx1g -Xmn64m -XX:+UseSerialGC}

trap rc_cleanup EXIT
trap 'exit 130' INT TERM

CLUSTER_PIDS=()
CLUSTER_PORTS=()

# start_cluster N: N masters on free ports (bus ports free too), all 16384 slots split evenly, cluster_state:ok.
start_cluster() {
  local n=$1 i port bus dir
  CLUSTER_PIDS=(); CLUSTER_PORTS=()
  for i in $(seq 1 "$n"); do
    port=$(rc_free_port); bus=$(rc_free_port); dir="$RC_WORK/shards-$n/node-$i"
    mkdir -p "$dir"
    redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 --save '' --appendonly no \
      --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 \
      --daemonize no --logfile "$dir/redis.log" --dir "$dir" &
    CLUSTER_PIDS+=($!); RC_PIDS+=($!); CLUSTER_PORTS+=("$port")
    until redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; do rc_alive "${CLUSTER_PIDS[-1]}" || { rc_log "node $i died: $dir/redis.log"; return 1; }; sleep 0.1; done
    redis-cli -p "$port" cluster addslotsrange $(( (i - 1) * 16384 / n )) $(( i * 16384 / n - 1 )) >/dev/null
    [ "$i" -gt 1 ] && redis-cli -p "${CLUSTER_PORTS[0]}" cluster meet 127.0.0.1 "$port" "$bus" >/dev/null
  done
  for i in $(seq 1 300); do
    local ok=1 p
    for p in "${CLUSTER_PORTS[@]}"; do
      redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || ok=0
      [ "$(redis-cli -p "$p" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" = "$n" ] || ok=0
    done
    [ "$ok" = 1 ] && { rc_log "cluster of $n master(s) on ports ${CLUSTER_PORTS[*]}: cluster_state:ok"; return 0; }
    sleep 0.1
  done
  rc_log "cluster of $n did not reach cluster_state:ok"; return 1
}

rc_build
rc_raise_fd_limit
summary="$RC_WORK/summary.tsv"
printf 'shards\trate/s\tdelivered/s\tloss\tp99 ms\tredis us/delivery\tserver us/delivery\tsustained\n' >"$summary"
for shards in $SHARDS; do
  start_cluster "$shards"
  hosts=$(printf 'redis://127.0.0.1:%s,' "${CLUSTER_PORTS[@]}"); hosts=${hosts%,}
  RC_APP_PIDS=(); RC_APP_PORTS=()
  saved_opts=${APP_JAVA_OPTS:-}
  APP_JAVA_OPTS="$saved_opts -Dquarkus.redis.client-type=cluster -Dquarkus.redis.hosts=$hosts"
  for n in $(seq 1 "$INSTANCES"); do rc_start_app "$shards-$n"; done
  APP_JAVA_OPTS=$saved_opts
  rc_wait_ready 120
  redis_pids=$(IFS=,; echo "${CLUSTER_PIDS[*]}")
  for rate in $RATES; do
    out="$RC_WORK/result-shards$shards-$rate.json"
    rc_log "shards=$shards rate=$rate"
    # shellcheck disable=SC2086
    java $BENCH_JAVA_OPTS -jar "$RC_BENCH_JAR" --mode fanout --urls "$(rc_ws_urls)" --pids "$(rc_app_pids_csv)" \
      --redis-pid "$redis_pids" --subscribers "$SUBS" --rooms "$ROOMS" --publishers "$PUBLISHERS" --rate "$rate" \
      --payload-bytes "$PAYLOAD" --connect-rate "$CONNECT_RATE" --warmup "$WARMUP" --duration "$DURATION" \
      --no-presence-events --out "$out" --label "cluster.sh shards=$shards instances=$INSTANCES" "$@" || true
    python3 - "$out" "$shards" "$rate" "$P99_LIMIT_MS" >>"$summary" <<'PY'
import json, sys
path, shards, rate, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
try:
    j = json.load(open(path))
except Exception as e:
    print(f"{shards}\t{rate}\t(no result: {e})"); sys.exit()
d, l, s = j.get("delivery", {}), j.get("latency_ms", {}), j.get("server", {})
delivered = d.get("delivered") or 0
redis_us = round(s["redis_cpu_s"] * 1e6 / delivered, 2) if s.get("redis_cpu_s") is not None and delivered else "-"
ok = d.get("loss") == 0 and (l.get("p99") or 1e9) < limit
print("\t".join(str(x) for x in [shards, rate, d.get("delivered_per_s"), d.get("loss"), l.get("p99"), redis_us,
                                  s.get("cpu_us_per_delivery"), "yes" if ok else "no"]))
PY
  done
  rc_cleanup
  RC_APP_PIDS=(); RC_APP_PORTS=()
done

echo
echo "Redis Cluster scaling ($SUBS subscribers in $ROOMS rooms, $INSTANCES instances, $PAYLOAD-byte payloads, p99 limit ${P99_LIMIT_MS} ms):"
column -t -s $'\t' "$summary"
python3 - "$summary" <<'PY'
import csv, sys
best = {}
for row in csv.DictReader(open(sys.argv[1]), delimiter="\t"):
    if row.get("sustained") == "yes":
        best[row["shards"]] = max(best.get(row["shards"], 0), float(row["delivered/s"]))
for shards, rate in sorted(best.items()):
    print(f"max sustained with {shards} shard(s): {rate:.0f} deliveries/s")
PY
echo "results: $RC_WORK"
