# Shared helpers for bench/standard.sh and bench/haproxy-demo.sh (sourced, not run).
# Everything started here listens on 127.0.0.1 only and is stopped by rc_cleanup (call it from a trap).

RC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RC_BENCH_JAR=${BENCH_JAR:-$RC_ROOT/bench/target/roomcast-bench.jar}   # BENCH_JAR: another build of the tool, e.g. to compare
RC_APP_JAR=${APP_JAR:-$RC_ROOT/target/quarkus-app/quarkus-run.jar}
RC_WORK=${WORKDIR:-$(mktemp -d /tmp/roomcast-bench.XXXXXX)}
mkdir -p "$RC_WORK"
RC_PIDS=()        # everything we started, stopped in reverse order
RC_APP_PIDS=()
RC_APP_PORTS=()
RC_REDIS_PID=""
RC_REDIS_PORT=""

rc_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# A free TCP port on 127.0.0.1, outside the ephemeral range (so client sockets cannot take it) and never 6379.
rc_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    [ "$p" = 6379 ] && continue
    case " ${RC_USED_PORTS:-} " in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      RC_USED_PORTS="${RC_USED_PORTS:-} $p"
      echo "$p"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# Builds the application unless its jar exists, and the bench jar when missing or older than its sources.
rc_build() {
  if [ ! -f "$RC_APP_JAR" ]; then
    rc_log "building the application (./mvnw -B -q package -DskipTests) ..."
    (cd "$RC_ROOT" && ./mvnw -B -q package -DskipTests)
  fi
  if [ -n "${BENCH_JAR:-}" ]; then
    [ -f "$RC_BENCH_JAR" ] || { rc_log "BENCH_JAR $RC_BENCH_JAR not found"; return 1; }
  elif [ ! -f "$RC_BENCH_JAR" ] || [ -n "$(find "$RC_ROOT/bench/src/main" "$RC_ROOT/bench/pom.xml" -newer "$RC_BENCH_JAR" -type f 2>/dev/null | head -1)" ]; then
    rc_log "building the bench (./mvnw -B -q -f bench/pom.xml package -DskipTests) ..."
    (cd "$RC_ROOT" && ./mvnw -B -q -f bench/pom.xml package -DskipTests) 2>&1 | grep -v '^\[WARNING\]' >&2 || true
    [ -f "$RC_BENCH_JAR" ] || { rc_log "bench build failed"; return 1; }
  fi
}

# Many connections need many file descriptors (the JVMs raise their soft limit to the hard one).
rc_raise_fd_limit() {
  ulimit -Hn 1048576 2>/dev/null || true
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

rc_start_redis() {
  RC_REDIS_PORT=$(rc_free_port)
  redis-server --port "$RC_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes \
    --daemonize no --logfile "$RC_WORK/redis.log" --dir "$RC_WORK" &
  RC_REDIS_PID=$!
  RC_PIDS+=("$RC_REDIS_PID")
  local i
  for i in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$RC_REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
      rc_log "redis-server pid $RC_REDIS_PID on 127.0.0.1:$RC_REDIS_PORT"
      return 0
    fi
    rc_alive "$RC_REDIS_PID" || break
    sleep 0.1
  done
  rc_log "redis-server did not start; see $RC_WORK/redis.log"
  return 1
}

# rc_start_app N: starts instance N on a free port (memory broker when no Redis was started).
rc_start_app() {
  local n=$1 port
  port=$(rc_free_port)
  local redis_opt=()
  [ -n "$RC_REDIS_PORT" ] && redis_opt=("-Dquarkus.redis.hosts=redis://127.0.0.1:$RC_REDIS_PORT")
  # shellcheck disable=SC2086
  java -Xmx"${APP_HEAP:-512m}" ${APP_JAVA_OPTS:-} \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" "${redis_opt[@]}" \
    -Droomcast.auth.mode=none -Droomcast.limits.rate=100000 -Droomcast.limits.burst=100000 \
    -jar "$RC_APP_JAR" >"$RC_WORK/app$n.log" 2>&1 &
  local pid=$!
  RC_PIDS+=("$pid")
  RC_APP_PIDS+=("$pid")
  RC_APP_PORTS+=("$port")
  rc_log "instance $n: pid $pid on 127.0.0.1:$port (log $RC_WORK/app$n.log)"
}

# Waits (at most $1 seconds, default 90) for every started instance's /q/health/ready.
rc_wait_ready() {
  local limit=${1:-90} i port deadline
  deadline=$(( $(date +%s) + limit ))
  for i in "${!RC_APP_PORTS[@]}"; do
    port=${RC_APP_PORTS[$i]}
    until curl -sf -o /dev/null "http://127.0.0.1:$port/q/health/ready"; do
      if ! rc_alive "${RC_APP_PIDS[$i]}"; then
        rc_log "instance $((i + 1)) died; last lines of its log:"; tail -20 "$RC_WORK/app$((i + 1)).log" >&2
        return 1
      fi
      if [ "$(date +%s)" -ge "$deadline" ]; then
        rc_log "instance $((i + 1)) not ready after ${limit}s:"; curl -s "http://127.0.0.1:$port/q/health/ready" >&2 || true
        return 1
      fi
      sleep 0.3
    done
  done
  local broker
  broker=$(curl -s "http://127.0.0.1:${RC_APP_PORTS[0]}/q/health/ready" | tr -d ' \n' | grep -o '"broker":"[a-z]*"' | head -1)
  rc_log "all ${#RC_APP_PORTS[@]} instance(s) ready ${broker:+($broker)}"
}

rc_ws_urls() {
  local p out=""
  for p in "${RC_APP_PORTS[@]}"; do out="${out:+$out,}ws://127.0.0.1:$p/ws"; done
  echo "$out"
}

rc_app_pids_csv() { local IFS=,; echo "${RC_APP_PIDS[*]}"; }

# Errors and warnings the instances logged (after the start-up banner).
rc_log_summary() {
  local f
  for f in "$RC_WORK"/app*.log; do
    [ -f "$f" ] || continue
    local e w
    e=$(grep -c ' ERROR ' "$f" || true)
    w=$(grep -c ' WARN ' "$f" || true)
    echo "$(basename "$f"): $e ERROR, $w WARN lines"
    grep -E ' (ERROR|WARN) ' "$f" | grep -v 'auth.mode=none' | sed -E 's/^[0-9:.]+ //' | cut -c1-200 | sort | uniq -c | sort -rn | head -5 || true
  done
}

# running (a zombie, exited but not yet reaped, counts as gone)
rc_alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  case "$st" in Z*|"") return 1 ;; esac
  return 0
}

rc_cleanup() {
  # reverse start order, each one gone (or killed after 10 s) before the next: Redis stops last
  local i j pid
  for (( i=${#RC_PIDS[@]}-1; i>=0; i-- )); do
    pid=${RC_PIDS[$i]}
    kill "$pid" 2>/dev/null || continue
    for j in $(seq 1 100); do rc_alive "$pid" || break; sleep 0.1; done
    if rc_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  RC_PIDS=()
}
