#!/usr/bin/env bash
# Proves the Grafana dashboard against a real Prometheus: starts two roomcast instances (sharing a
# redis-server of their own when the build has the Redis broker, else two single-node memory-broker
# instances), a Prometheus scraping both every second, puts them under load (the bench tool over
# WebSocket plus curl to the HTTP API) with every hook and webhooks on (grafana/AllowAllBackend.java
# answers them), then evaluates every query of grafana/dashboards/roomcast.json
# through Prometheus' HTTP API with the dashboard variables substituted by real values. Fails if any
# query returns no data (an empty result, or only NaN). Everything runs on free ports in a temp dir and
# is stopped on exit.
#
#   ./mvnw -B package -DskipTests && grafana/prometheus-check.sh
#
# Environment: ROOMCAST_JAR (default target/quarkus-app/quarkus-run.jar), ROOMCAST_OPTS (extra JVM options
# for both instances, e.g. "-Dquarkus.redis.max-pool-waiting=1024"), BENCH_JAR (default
# bench/target/roomcast-bench.jar, built if missing), LOAD_SECONDS (default 60), WARMUP_SECONDS before the
# queries run (default 25), PROMETHEUS / REDIS_SERVER binaries (default from PATH), BROKER=memory to skip
# Redis, KEEP_WORK=1 to keep the temp dir (it is kept anyway when the check fails).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${ROOMCAST_JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
BENCH_JAR=${BENCH_JAR:-$ROOT/bench/target/roomcast-bench.jar}
DASHBOARD=$ROOT/grafana/dashboards/roomcast.json
LOAD_SECONDS=${LOAD_SECONDS:-60}
WARMUP_SECONDS=${WARMUP_SECONDS:-25}
PROMETHEUS=${PROMETHEUS:-prometheus}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
RATE_INTERVAL=${RATE_INTERVAL:-15s}

log() { printf '%s prometheus-check: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in java curl jq "$PROMETHEUS"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH (Prometheus: apt-get install -y prometheus)"
done
[ -f "$JAR" ] || die "no runner jar at $JAR: run ./mvnw -B package -DskipTests first"
[ -f "$DASHBOARD" ] || die "no dashboard at $DASHBOARD"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/roomcast-promcheck.XXXXXX")
PIDS=()
FAILED=1
cleanup() {
  local pid deadline
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + 15))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop on SIGTERM within 15 s: SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$FAILED" = 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$WORK"
  else
    log "logs and data kept in $WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port nothing listens on right now (never 6379, the machine's shared Redis).
free_port() {
  local p
  while :; do
    p=$(( (RANDOM << 15 | RANDOM) % 30000 + 20000 ))
    [ "$p" = 6379 ] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

wait_http() { # url what timeout-seconds
  local deadline=$((SECONDS + $3))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || die "$2 not ready after $3 s ($1)"
    sleep 0.5
  done
}

# --- Redis (when the build has the Redis broker) ----------------------------------------------
BROKER=${BROKER:-}
if [ -z "$BROKER" ]; then
  # (grep -c reads the whole listing: grep -q could exit early and fail the pipe with SIGPIPE)
  if unzip -l "$(dirname "$JAR")"/app/*.jar 2>/dev/null | grep -c 'dev/roomcast/broker/RedisBroker.class' >/dev/null; then
    BROKER=redis
  else
    BROKER=memory
  fi
fi
REDIS_ARGS=()
if [ "$BROKER" = redis ]; then
  command -v "$REDIS_SERVER" >/dev/null 2>&1 || die "$REDIS_SERVER not found (or run with BROKER=memory)"
  REDIS_PORT=$(free_port)
  mkdir -p "$WORK/redis"
  "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" \
    --daemonize no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break
    sleep 0.1
  done
  REDIS_ARGS=("-Dquarkus.redis.hosts=redis://127.0.0.1:$REDIS_PORT")
  log "redis-server on port $REDIS_PORT"
fi

# --- the app's backend: hooks and webhooks, so their panels have data -------------------------
BACKEND_PORT=$(free_port)
java "$ROOT/grafana/AllowAllBackend.java" "$BACKEND_PORT" >"$WORK/backend.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$BACKEND_PORT") 2>/dev/null && break
  sleep 0.1
done
BACKEND="http://127.0.0.1:$BACKEND_PORT"
# Every hook, allowed; webhooks for every room and user event, plus message.published for the HTTP API's rooms.
BACKEND_ARGS=("-Droomcast.hooks.connect.url=$BACKEND/connect" "-Droomcast.hooks.join.url=$BACKEND/join"
  "-Droomcast.hooks.publish.url=$BACKEND/publish" "-Droomcast.webhooks.url=$BACKEND/webhooks"
  "-Droomcast.webhooks.secret=prometheus-check-webhook-secret" "-Droomcast.webhooks.published.rooms=http-*")
log "hook and webhook backend on port $BACKEND_PORT"

# --- two roomcast instances ---------------------------------------------------------------------
PORT_A=$(free_port)
PORT_B=$(free_port)
while [ "$PORT_B" = "$PORT_A" ]; do PORT_B=$(free_port); done
start_node() { # name port
  java -Xmx256m -Dquarkus.http.port="$2" -Droomcast.auth.mode=none -Droomcast.node-id="promcheck-$1" \
    ${REDIS_ARGS[@]+"${REDIS_ARGS[@]}"} "${BACKEND_ARGS[@]}" ${ROOMCAST_OPTS:-} -jar "$JAR" >"$WORK/node-$1.log" 2>&1 &
  PIDS+=($!)
}
start_node a "$PORT_A"
start_node b "$PORT_B"
wait_http "http://127.0.0.1:$PORT_A/q/health/ready" "node a" 120
wait_http "http://127.0.0.1:$PORT_B/q/health/ready" "node b" 120
log "roomcast nodes on ports $PORT_A and $PORT_B ($BROKER broker)"

# --- Prometheus ---------------------------------------------------------------------------------
PROM_PORT=$(free_port)
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: roomcast
    metrics_path: /q/metrics
    static_configs:
      - targets: ["127.0.0.1:$PORT_A", "127.0.0.1:$PORT_B"]
EOF
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
PROM="http://127.0.0.1:$PROM_PORT"
wait_http "$PROM/-/ready" "prometheus" 60
log "prometheus $("$PROMETHEUS" --version 2>&1 | head -1 | awk '{print $3}') on port $PROM_PORT, scraping every 1s"

# --- load ---------------------------------------------------------------------------------------
if [ ! -f "$BENCH_JAR" ]; then
  log "building the bench tool"
  (cd "$ROOT" && ./mvnw -B -q -f bench/pom.xml package -DskipTests) >"$WORK/bench-build.log" 2>&1 \
    || die "could not build bench (see $WORK/bench-build.log)"
fi
java -jar "$BENCH_JAR" --mode fanout --urls "ws://127.0.0.1:$PORT_A/ws,ws://127.0.0.1:$PORT_B/ws" \
  --subscribers 200 --rooms 300 --rooms-per-sub 5 --publishers 4 --rate 200 \
  --warmup 5s --duration "$((LOAD_SECONDS))s" --drain 2s --payload-bytes 100 --event-loops 2 --connect-rate 100 \
  --room-prefix bench- >"$WORK/bench.log" 2>&1 &
BENCH_PID=$!
PIDS+=("$BENCH_PID")
( # HTTP API: messages into rooms without local members (labels compete), direct messages, a bad request
  end=$((SECONDS + LOAD_SECONDS))
  i=0
  while [ $SECONDS -lt $end ]; do
    for port in "$PORT_A" "$PORT_B"; do
      curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data "{\"i\":$i}" "http://127.0.0.1:$port/api/rooms/http-$((i % 400))/messages" || true
      curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data "\"hello $i\"" "http://127.0.0.1:$port/api/users/sub-$((i % 20))/messages" || true
    done
    if [ $((i % 50)) = 0 ]; then # a refused upgrade (invalid user name) for roomcast_upgrades_refused_total
      curl -s -o /dev/null -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
        -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "http://127.0.0.1:$PORT_A/ws?user=bad%20name" || true
    fi
    i=$((i + 1))
    sleep 0.02
  done
) >"$WORK/curl-load.log" 2>&1 &
PIDS+=($!)
log "load running for ${LOAD_SECONDS}s (bench: 200 subscribers x 5 of 300 rooms, 200 msg/s; curl: HTTP API);" \
  "querying after ${WARMUP_SECONDS}s"
KILLED_PUBSUB=0
if [ "$BROKER" = redis ] && command -v redis-cli >/dev/null 2>&1 && [ "$WARMUP_SECONDS" -ge 15 ]; then
  # Drop both nodes' pub/sub connections once, so the reconnect and gap-recovery metrics count something.
  sleep $((WARMUP_SECONDS / 2))
  KILLED_PUBSUB=$(redis-cli -p "$REDIS_PORT" CLIENT KILL TYPE pubsub 2>/dev/null || echo 0)
  log "killed $KILLED_PUBSUB Redis pub/sub connection(s) (CLIENT KILL TYPE pubsub)"
  sleep $((WARMUP_SECONDS - WARMUP_SECONDS / 2))
else
  sleep "$WARMUP_SECONDS"
fi

# --- the dashboard's queries --------------------------------------------------------------------
api() { curl -s -G "$PROM/api/v1/$1" "${@:2}"; }

targets_up=$(api query --data-urlencode 'query=sum(up{job="roomcast"})' | jq -r '.data.result[0].value[1] // "0"')
if [ "$targets_up" != 2 ]; then
  for n in a b; do
    if grep -q 'BlockedThreadChecker' "$WORK/node-$n.log"; then
      log "node $n: event loop blocked, first report:"
      grep -m1 -A12 'has been blocked' "$WORK/node-$n.log" >&2 || true
    fi
  done
  die "Prometheus does not see both instances up (up=$targets_up); see $WORK/prometheus.log and node logs"
fi

# Variables: instance (all values, as a regex like Grafana's "All"), room (All = .*, and one real room).
INSTANCES=$(api label/instance/values --data-urlencode 'match[]=roomcast_connections' | jq -r '.data[]')
[ "$(echo "$INSTANCES" | grep -c .)" = 2 ] || die "label_values(roomcast_connections, instance) gave: $INSTANCES"
INSTANCE_RE=$(echo "$INSTANCES" | paste -sd'|')
ROOMS=$(api label/room/values --data-urlencode "match[]=roomcast_room_members{instance=~\"$INSTANCE_RE\"}" \
  | jq -r '.data[]')
[ -n "$ROOMS" ] || die "label_values(roomcast_room_members, room) is empty"
ONE_ROOM=$(api query --data-urlencode \
  "query=topk(1, sum by (room) (rate(roomcast_room_messages_delivered_total{room!=\"_other\"}[$RATE_INTERVAL])))" \
  | jq -r '.data.result[0].metric.room // empty')
[ -n "$ONE_ROOM" ] || ONE_ROOM=$(echo "$ROOMS" | grep -v '^_other$' | head -1)

substitute() { # expr room-value
  local q=$1
  q=${q//'${__rate_interval}'/$RATE_INTERVAL}
  q=${q//'$__rate_interval'/$RATE_INTERVAL}
  q=${q//'$__interval'/1s}
  q=${q//'$__range'/5m}
  q=${q//'${instance}'/$INSTANCE_RE}
  q=${q//'$instance'/$INSTANCE_RE}
  q=${q//'${room}'/$2}
  q=${q//'$room'/$2}
  printf '%s' "$q"
}

pass=0
fail=0
report=()
check() { # title legend expr room-label
  local q result status n valid sample verdict
  q=$(substitute "$3" "$4")
  result=$(api query --data-urlencode "query=$q")
  status=$(jq -r '.status' <<<"$result")
  n=$(jq -r '.data.result | length' <<<"$result" 2>/dev/null || echo 0)
  valid=$(jq -r '[.data.result[].value[1] | select(. != "NaN")] | length' <<<"$result" 2>/dev/null || echo 0)
  sample=$(jq -r '[.data.result[].value[1] | select(. != "NaN")][0] // "-"' <<<"$result" 2>/dev/null || echo -)
  if [ "$status" = success ] && [ "$valid" -gt 0 ]; then
    verdict=PASS
    pass=$((pass + 1))
  else
    verdict=FAIL
    fail=$((fail + 1))
    [ "$status" = success ] || sample=$(jq -r '.error // "?"' <<<"$result")
  fi
  report+=("$(printf '%-4s %3s series  %-14.14s  %-38.38s %-26.26s room=%s' "$verdict" "$n" "$sample" "$1" "$2" "$5")")
}

# Variable queries through the label values API, as Grafana runs label_values().
var_check() { # name label selector
  local values
  values=$(api "label/$2/values" --data-urlencode "match[]=$3" | jq -r '.data | length')
  if [ "${values:-0}" -gt 0 ]; then
    pass=$((pass + 1))
    report+=("$(printf 'PASS %3s values  %-14s  %-38s' "$values" "-" "variable \$$1")")
  else
    fail=$((fail + 1))
    report+=("$(printf 'FAIL %3s values  %-14s  %-38s' "0" "-" "variable \$$1")")
  fi
}
while IFS=$'\t' read -r name query; do
  label=$(sed -E 's/^label_values\((.*),[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)\)$/\2/' <<<"$query")
  selector=$(sed -E 's/^label_values\((.*),[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)\)$/\1/' <<<"$query")
  var_check "$name" "$label" "$(substitute "$selector" '.*')"
done < <(jq -r '.templating.list[] | select(.type == "query")
  | [.name, (if (.query | type) == "object" then .query.query else .query end)] | @tsv' "$DASHBOARD")

if [ "${KILLED_PUBSUB:-0}" -gt 0 ]; then # the reconnects must have been counted, not only exist
  reconnects=$(api query --data-urlencode "query=sum(roomcast_redis_reconnects_total)" \
    | jq -r '.data.result[0].value[1] // "0"')
  if [ "${reconnects%.*}" -ge "$KILLED_PUBSUB" ]; then
    pass=$((pass + 1)); verdict=PASS
  else
    fail=$((fail + 1)); verdict=FAIL
  fi
  report+=("$(printf '%s   1 series  %-14s  %-38s %s' "$verdict" "$reconnects" "roomcast_redis_reconnects_total" \
    "after killing $KILLED_PUBSUB pub/sub connection(s)")")
fi

# Hooks and webhooks were used, not only exported: calls allowed by the backend, events delivered to it.
for counted in 'sum(roomcast_hook_duration_seconds_count{outcome="allowed"})' 'sum(roomcast_webhooks_delivered_total)'; do
  value=$(api query --data-urlencode "query=$counted" | jq -r '.data.result[0].value[1] // "0"')
  if [ "${value%.*}" -gt 0 ]; then
    pass=$((pass + 1)); verdict=PASS
  else
    fail=$((fail + 1)); verdict=FAIL
  fi
  report+=("$(printf '%s   1 series  %-14s  %s' "$verdict" "$value" "$counted")")
done

queries=0
while IFS=$'\t' read -r title legend expr; do
  queries=$((queries + 1))
  check "$title" "$legend" "$expr" '.*' "All"
  if [[ "$expr" == *'$room'* ]]; then
    check "$title" "$legend" "$expr" "$ONE_ROOM" "$ONE_ROOM"
  fi
done < <(jq -r '[.panels[], (.panels[] | .panels[]?)] | .[] | select(.targets) | .title as $t
  | .targets[] | [$t, (.legendFormat // ""), .expr] | @tsv' "$DASHBOARD")

# --- summary ------------------------------------------------------------------------------------
bench_status=running
if ! kill -0 "$BENCH_PID" 2>/dev/null; then bench_status=finished; fi
echo
echo "== roomcast dashboard vs. Prometheus =="
echo "broker: $BROKER; instances: $(echo "$INSTANCES" | paste -sd' ')"
echo "rooms with series (label values of roomcast_room_members): $(echo "$ROOMS" | grep -c .)" \
  "(cap 100 per node + _other); room used for \$room: $ONE_ROOM"
for n in a b; do
  port_var=PORT_${n^^}
  echo "node $n: $(curl -s "http://127.0.0.1:${!port_var}/q/metrics" -H 'Accept: text/plain' \
    | grep -E '^roomcast_(connections|rooms|rooms_labelled|rooms_other) ' | tr '\n' ' ')"
done
echo "dashboard: $queries panel queries (+ \$room variants) and $(jq '[.templating.list[] | select(.type=="query")] | length' "$DASHBOARD") variable queries"
echo
printf '%s\n' "${report[@]}"
echo
echo "bench ($bench_status), last line: $(tail -1 "$WORK/bench.log")"
echo "RESULT: $pass passed, $fail failed"
if [ "$fail" -gt 0 ]; then
  exit 1
fi
FAILED=0
