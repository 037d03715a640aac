#!/usr/bin/env bash
# Runs the standard roomcast benchmark end to end on this machine:
#   its own redis-server (free port, never 6379) + 2 application instances + the load generator,
#   2,000 subscribers in 20 rooms, 4 publishers, 200 publishes/s (20,000 deliveries/s), 100-byte payloads, 30 s.
# Prints the report (table + one JSON line) and stops everything it started.
#
#   bench/standard.sh                       # the standard scenario
#   bench/standard.sh --duration 60s        # extra arguments go to the bench (they win over the defaults)
#   RATE=1000 SUBS=4000 bench/standard.sh   # environment variables change the scenario (see bench/README.md)
#   RATES="200 1000 2000" bench/standard.sh # several runs against the same servers (a saturation curve)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MODE=${MODE:-fanout}
INSTANCES=${INSTANCES:-2}
REDIS=${REDIS:-1}
SUBS=${SUBS:-2000}
ROOMS=${ROOMS:-20}
ROOMS_PER_SUB=${ROOMS_PER_SUB:-1}
PUBLISHERS=${PUBLISHERS:-4}
RATE=${RATE:-200}
RATES=${RATES:-$RATE}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
PAYLOAD=${PAYLOAD:-100}
CONNECT_RATE=${CONNECT_RATE:-2000}
# The generator shares the cores with what it measures: the serial collector (no concurrent refinement or marking
# threads; young collections of a small live set) and a small young generation, touched early instead of page-faulting
# through the window. No -XX:+AlwaysPreTouch: touching 1 GiB took 20-90 s on the build VM under load.
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx1g -Xmn64m -XX:+UseSerialGC}
OUT=${OUT:-}

trap rc_cleanup EXIT
trap 'exit 130' INT TERM

rc_build
rc_raise_fd_limit
if [ "$REDIS" = 1 ]; then rc_start_redis; fi
for n in $(seq 1 "$INSTANCES"); do rc_start_app "$n"; done
rc_wait_ready 120

URLS=$(rc_ws_urls)
PIDS=$(rc_app_pids_csv)
common=(--mode "$MODE" --urls "$URLS" --pids "$PIDS" --subscribers "$SUBS" --rooms "$ROOMS"
        --rooms-per-sub "$ROOMS_PER_SUB" --connect-rate "$CONNECT_RATE" --duration "$DURATION" --warmup "$WARMUP"
        --setup-timeout "${SETUP_TIMEOUT:-300s}")
[ -n "$RC_REDIS_PID" ] && common+=(--redis-pid "$RC_REDIS_PID")
status=0
for rate in $RATES; do
  out="$RC_WORK/result-$MODE-$rate.json"
  args=("${common[@]}" --out "$out" --label "standard.sh instances=$INSTANCES redis=$REDIS")
  if [ "$MODE" = fanout ]; then
    args+=(--publishers "$PUBLISHERS" --rate "$rate" --payload-bytes "$PAYLOAD")
  fi
  rc_log "bench: ${args[*]} $*"
  # shellcheck disable=SC2086
  java $BENCH_JAVA_OPTS -jar "$RC_BENCH_JAR" "${args[@]}" "$@" || status=$?
  if [ -n "$OUT" ] && [ -f "$out" ]; then
    if [ "$(echo "$RATES" | wc -w)" -gt 1 ]; then cp "$out" "${OUT%.json}-$rate.json"; else cp "$out" "$OUT"; fi
  fi
  echo
done

if [ "$MODE" = fanout ] && command -v python3 >/dev/null; then
  echo "summary ($SUBS subscribers, $ROOMS rooms, $INSTANCES instances; CPU in µs per delivered message):"
  python3 - "$RC_WORK" "$MODE" $RATES <<'PY'
import json, sys
work, mode, rates = sys.argv[1], sys.argv[2], sys.argv[3:]
cols = ["rate/s", "delivered/s", "loss", "dups", "p50 ms", "p90 ms", "p99 ms", "max ms", "server us", "bench us",
        "machine %", "other cpu-s", "setup s", "verdict"]
print(" | ".join(cols))
for r in rates:
    try:
        j = json.load(open(f"{work}/result-{mode}-{r}.json"))
    except Exception as e:
        print(f"{r} | (no result: {e})"); continue
    d, l, s, st = j.get("delivery", {}), j.get("latency_ms", {}), j.get("server", {}), j.get("setup", {})
    v = [r, d.get("delivered_per_s"), d.get("loss"), d.get("duplicates"), l.get("p50"), l.get("p90"), l.get("p99"),
         l.get("max"), s.get("cpu_us_per_delivery"), s.get("bench_cpu_us_per_message"), s.get("machine_cpu_busy_pct"),
         s.get("other_processes_cpu_s"), st.get("setup_s"), j.get("verdict")]
    print(" | ".join("-" if x is None else str(x) for x in v))
PY
fi
rc_cleanup   # stop the instances first, so that shutdown errors show up in the summary too
echo "server logs:"
rc_log_summary
echo "logs and JSON results: $RC_WORK"
exit $status
