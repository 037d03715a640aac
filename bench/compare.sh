#!/usr/bin/env bash
# roomcast side by side with the Node stacks it replaces, in one run, on one Redis, driven by the same generator:
#   roomcast                                   (target/quarkus-app, JVM options and environment of the README's run command)
#   ws       bench/peers/ws-server.js          (ws + ioredis, one Redis channel per room, roomcast's JSON protocol)
#   socketio bench/peers/socketio-server.js    (socket.io 4 + @socket.io/redis-adapter, Socket.IO v5 protocol)
# Scenarios (each system in turn, fresh processes, Redis flushed in between):
#   fanout  2 processes per system, 2,000 members in 20 rooms, 4 publishers that joined their rooms, 200 publishes/s
#           of 100 bytes (20,000 deliveries/s); --warmup under load, then the measured --duration
#   storm   1 process: --storm-clients connect and join one of --storm-rooms rooms as fast as it allows
#           (--storm-connecting handshakes in flight), failures and retries counted
#   idle    1 process: RSS with N idle connections (each in one of 100 rooms) for each N of --idle-counts
# Prints one table (ratios to the peers included) and appends it, dated, to docs/benchmarks.md (--no-append: not).
#
#   bench/compare.sh                                   # everything, about 12 minutes
#   bench/compare.sh --smoke                           # a short run of every scenario (a minute or two), not appended
#   bench/compare.sh --scenarios fanout --rounds 3     # fan-out only, 3 rounds, system order rotated each round
#   SYSTEMS="roomcast roomcast-b ws" APP_JAR_B=/tmp/b/quarkus-run.jar bench/compare.sh --scenarios fanout --rounds 5
#       # A/B: roomcast-b runs another build (APP_JAR_B) and/or other JVM options (ROOMCAST_JAVA_OPTS_B)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SYSTEMS=${SYSTEMS:-"roomcast ws socketio"}
SCENARIOS="fanout storm idle"
ROUNDS=1
WARMUP=40s
DURATION=20s
SUBS=2000
ROOMS=20
PUBLISHERS=4
RATE=200
PAYLOAD=100
STORM_CLIENTS=10000
STORM_ROOMS=100
STORM_CONNECTING=200
IDLE_COUNTS="10000 19000"
IDLE_HOLD=15s
APPEND=1
# What a user gets from the README's run command (and the image and the chart): its JVM options and environment.
# RunSettingsTest (bench/src/test) keeps these equal to the README. Override to try others; the run records them.
ROOMCAST_JAVA_OPTS=${ROOMCAST_JAVA_OPTS-"-XX:+UseSerialGC -Xms16m -Xmx512m -Xmn16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000"}
# environment of the roomcast processes (space-separated NAME=VALUE pairs)
ROOMCAST_ENV=${ROOMCAST_ENV-"MALLOC_ARENA_MAX=2"}
ROOMCAST_JAVA_OPTS_B=${ROOMCAST_JAVA_OPTS_B-$ROOMCAST_JAVA_OPTS}
APP_JAR_B=${APP_JAR_B:-$RC_APP_JAR}
ROOMCAST_ENV_B=${ROOMCAST_ENV_B-$ROOMCAST_ENV}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx1g -Xmn64m -XX:+UseSerialGC}
NODE=${NODE:-node}
ARGS=("$@")

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) WARMUP=5s; DURATION=5s; SUBS=400; STORM_CLIENTS=2000; IDLE_COUNTS=2000; IDLE_HOLD=3s; APPEND=0 ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --systems) SYSTEMS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --subscribers) SUBS=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --storm-clients) STORM_CLIENTS=$2; shift ;;
    --storm-connecting) STORM_CONNECTING=$2; shift ;;
    --idle-counts) IDLE_COUNTS=$2; shift ;;
    --idle-hold) IDLE_HOLD=$2; shift ;;
    --no-append) APPEND=0 ;;
    --append) APPEND=1 ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option $1" >&2; usage 64 ;;
  esac
  shift
done

trap rc_cleanup EXIT
trap 'exit 130' INT TERM

rc_build
if [ ! -d "$RC_ROOT/bench/peers/node_modules" ] || [ "$RC_ROOT/bench/peers/package-lock.json" -nt "$RC_ROOT/bench/peers/node_modules" ]; then
  rc_log "installing the Node peers (npm ci in bench/peers) ..."
  (cd "$RC_ROOT/bench/peers" && npm ci --no-audit --no-fund --loglevel=error >&2) && touch "$RC_ROOT/bench/peers/node_modules"
fi
rc_raise_fd_limit
rc_log "open files: soft $(ulimit -Sn), hard $(ulimit -Hn)"
for n in $IDLE_COUNTS "$STORM_CLIENTS"; do
  if [ "$(ulimit -n)" != unlimited ] && [ $(( n + 500 )) -gt "$(ulimit -n)" ]; then
    rc_log "$n connections need more than the open-files limit $(ulimit -n) allows (one process holds them all)"; exit 64
  fi
done
rc_start_redis
REDIS_URL="redis://127.0.0.1:$RC_REDIS_PORT"

SYS_PIDS=()
SYS_PORTS=()
# sys_start SYSTEM N: starts process N of SYSTEM on a free port (pid and port appended to SYS_PIDS, SYS_PORTS).
sys_start() {
  local sys=$1 n=$2 port pid log
  port=$(rc_free_port)
  log="$RC_WORK/$sys-$n.log"
  case "$sys" in
    roomcast|roomcast-b)
      local jar=$RC_APP_JAR opts=$ROOMCAST_JAVA_OPTS envs=$ROOMCAST_ENV
      [ "$sys" = roomcast-b ] && { jar=$APP_JAR_B; opts=$ROOMCAST_JAVA_OPTS_B; envs=$ROOMCAST_ENV_B; }
      # no auth and no per-connection rate limit: the peers have neither (a late pacer catches up in bursts)
      # shellcheck disable=SC2086
      env $envs java $opts -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" -Dquarkus.redis.hosts="$REDIS_URL" \
        -Droomcast.auth.mode=none -Droomcast.limits.rate=100000 -Droomcast.limits.burst=100000 -jar "$jar" >"$log" 2>&1 &
      ;;
    ws) PORT=$port HOST=127.0.0.1 REDIS_URL=$REDIS_URL "$NODE" "$RC_ROOT/bench/peers/ws-server.js" >"$log" 2>&1 & ;;
    socketio) PORT=$port HOST=127.0.0.1 REDIS_URL=$REDIS_URL "$NODE" "$RC_ROOT/bench/peers/socketio-server.js" >"$log" 2>&1 & ;;
    *) rc_log "unknown system $sys"; return 1 ;;
  esac
  pid=$!
  RC_PIDS+=("$pid")
  SYS_PIDS+=("$pid")
  SYS_PORTS+=("$port")
  rc_log "$sys $n: pid $pid on 127.0.0.1:$port (log $log)"
}

sys_wait_ready() {
  local i deadline=$(( $(date +%s) + 120 ))
  for i in "${!SYS_PORTS[@]}"; do
    until curl -sf -o /dev/null "http://127.0.0.1:${SYS_PORTS[$i]}/q/health/ready"; do
      rc_alive "${SYS_PIDS[$i]}" || { rc_log "pid ${SYS_PIDS[$i]} died"; return 1; }
      [ "$(date +%s)" -lt "$deadline" ] || { rc_log "pid ${SYS_PIDS[$i]} not ready after 120 s"; return 1; }
      sleep 0.3
    done
  done
}

sys_stop() {
  local pid j
  for pid in "${SYS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SYS_PIDS[@]}"; do
    for j in $(seq 1 100); do rc_alive "$pid" || break; sleep 0.1; done
    rc_alive "$pid" && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  done
  SYS_PIDS=(); SYS_PORTS=()
  redis-cli -h 127.0.0.1 -p "$RC_REDIS_PORT" FLUSHALL >/dev/null
}

sys_urls() {
  local path=/ws p out=""
  [ "$1" = socketio ] && path=/socket.io/
  for p in "${SYS_PORTS[@]}"; do out="${out:+$out,}ws://127.0.0.1:$p$path"; done
  echo "$out"
}
csv() { local IFS=,; echo "$*"; }

# run_one SCENARIO SYSTEM ROUND [N]: one measurement, its JSON in $RC_WORK/SCENARIO-SYSTEM-ROUND[-N].json
run_one() {
  local scen=$1 sys=$2 round=$3 count=${4:-} instances=1 out status=0
  [ "$scen" = fanout ] && instances=2
  for n in $(seq 1 "$instances"); do sys_start "$sys" "$n"; done
  sys_wait_ready || { sys_stop; return 1; }
  local args=(--urls "$(sys_urls "$sys")" --pids "$(csv "${SYS_PIDS[@]}")" --redis-pid "$RC_REDIS_PID"
              --no-presence-events --label "compare.sh $scen $sys")
  [ "$sys" = socketio ] && args+=(--protocol socketio)
  case "$scen" in
    fanout)
      out="$RC_WORK/fanout-$sys-$round.json"
      args+=(--mode fanout --subscribers "$SUBS" --rooms "$ROOMS" --publishers "$PUBLISHERS" --rate "$RATE"
             --payload-bytes "$PAYLOAD" --warmup "$WARMUP" --duration "$DURATION" --connect-rate 2000)
      case "$sys" in roomcast*) args+=(--alloc-pids "$(csv "${SYS_PIDS[@]}")") ;; esac ;;
    storm)
      out="$RC_WORK/storm-$sys-$round.json"
      args+=(--mode idle --subscribers "$STORM_CLIENTS" --rooms "$STORM_ROOMS" --connect-rate 1000000
             --max-connecting "$STORM_CONNECTING" --hold 2s --no-heap --setup-timeout 180s) ;;
    idle)
      out="$RC_WORK/idle$count-$sys-$round.json"
      args+=(--mode idle --subscribers "$count" --rooms 100 --connect-rate 2000 --hold "$IDLE_HOLD" --no-heap
             --setup-timeout 180s) ;;
  esac
  rc_log "$scen $sys (round $round): bench ${args[*]}"
  # shellcheck disable=SC2086
  java $BENCH_JAVA_OPTS -jar "$RC_BENCH_JAR" "${args[@]}" --out "$out" >"${out%.json}.txt" 2>&1 || status=$?
  grep -E '^ *(verdict|setup_s|cpu_us_per_delivery|p99 |loss )' "${out%.json}.txt" | tr -s ' ' | paste -sd ' ' >&2 || true
  [ "$status" = 0 ] || rc_log "bench exit status $status (see ${out%.json}.txt)"
  sys_stop
}

read -r -a systems <<<"$SYSTEMS"
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for scen in $SCENARIOS; do
  for round in $(seq 1 "$ROUNDS"); do
    # rotate the order each round: no system always runs first (JIT-cold box, other helpers' builds)
    k=$(( (round - 1) % ${#systems[@]} ))
    order=("${systems[@]:$k}" "${systems[@]:0:$k}")
    for sys in "${order[@]}"; do
      if [ "$scen" = idle ]; then
        for n in $IDLE_COUNTS; do run_one idle "$sys" "$round" "$n" || true; done
      else
        run_one "$scen" "$sys" "$round" || true
      fi
    done
  done
done

COMMIT=$(cd "$RC_ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(cd "$RC_ROOT" && [ -n "$(git status --porcelain -- src pom.xml bench 2>/dev/null)" ] && echo " (+ uncommitted changes)" || true)
TABLE="$RC_WORK/table.md"
python3 "$RC_ROOT/bench/compare_table.py" "$RC_WORK" "$SYSTEMS" "$IDLE_COUNTS" >"$TABLE"
cat "$TABLE"
if [ "$APPEND" = 1 ]; then
  {
    echo
    echo "### compare.sh, $START, commit \`$COMMIT\`$DIRTY"
    echo
    echo '```bash'
    echo "bench/compare.sh ${ARGS[*]}"
    echo '```'
    echo
    jvm="${ROOMCAST_ENV:+$ROOMCAST_ENV }${ROOMCAST_JAVA_OPTS:-none}"
    b=""
    case " $SYSTEMS " in *" roomcast-b "*) b="; roomcast-b: $APP_JAR_B with ${ROOMCAST_JAVA_OPTS_B:-no options}" ;; esac
    echo "Systems: $SYSTEMS. roomcast JVM options: $jvm$b. Fan-out: $WARMUP warm-up + $DURATION measured, $ROUNDS round(s)."
    echo "$(nproc) CPUs; $(java -version 2>&1 | head -1); Node $("$NODE" --version); results in the run's work directory."
    echo
    cat "$TABLE"
  } >>"$RC_ROOT/docs/benchmarks.md"
  rc_log "appended to docs/benchmarks.md"
fi
rc_log "results: $RC_WORK"
