#!/usr/bin/env bash
# Does what a user does with the README's first command, on a temporary copy of this checkout:
# starts `./mvnw quarkus:dev` on a free port, waits for /q/health/ready, checks /, /q/health, /q/metrics,
# /q/dev-ui/ and /ws (3 WebSocket clients join a room and get their acks), changes a Java source file and
# sees the new answer at the next request without a restart, measures that reload with the 3 clients
# connected (they must be closed with 1012 and reconnect), checks the log for ERRORs, and stops dev mode.
# Needs only a JDK 17 (the client is .ci/DevModeCheck.java, compiled into the temporary copy).
# Bounded: fails after DEV_CHECK_TIMEOUT seconds (180), printing the dev-mode log, as on any failed step.
#   DEV_CHECK_MAX_RELOAD_MS  the reload target with 3 clients connected (3000). Closing the clients must take
#                            < 1 s of it; over the target only a reload much slower than one without clients fails
#                            (a loaded machine slows every reload), else a WARNING
#   DEV_CHECK_KEEP=1         keep the temporary copy
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
timeout_s=${DEV_CHECK_TIMEOUT:-180}
max_reload_ms=${DEV_CHECK_MAX_RELOAD_MS:-3000}
started=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/roomcast-dev-check.XXXXXX")
log=$tmp/dev-mode.log
dev_pid=

stop_dev() {
  [ -n "$dev_pid" ] || return 0
  # mvnw and its forked dev-mode JVM run in their own process group (setsid): stop them together.
  kill -TERM -- "-$dev_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 -- "-$dev_pid" 2>/dev/null || { dev_pid=; return 0; }
    sleep 0.2
  done
  echo "dev-mode check: dev mode did not stop within 20 s of SIGTERM; killing it" >&2
  kill -KILL -- "-$dev_pid" 2>/dev/null || true
  dev_pid=
  return 1
}

fail() {
  echo "dev-mode check FAILED: $*" >&2
  echo "----- dev-mode log ($log), last 200 lines -----" >&2
  tail -n 200 "$log" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----- end of dev-mode log -----" >&2
  stop_dev || true
  exit 1
}

cleanup() {
  stop_dev || true
  if [ "${DEV_CHECK_KEEP:-}" = 1 ]; then echo "dev-mode check: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

left() { echo $(( timeout_s - (SECONDS - started) )); }

# The copy: what a fresh clone has (no build output), plus the probe the check edits.
tar -C "$src" --exclude=./target --exclude=./.git --exclude=./bench/target --exclude=node_modules -cf - . \
  | tar -C "$tmp" -xf -
probe=$tmp/src/main/java/dev/roomcast/devcheck/DevModeProbe.java
mkdir -p "$(dirname "$probe")"
javac -d "$tmp/.check" "$src/.ci/DevModeCheck.java"
java -cp "$tmp/.check" DevModeCheck probe-source "$probe" probe-1
port=$(java -cp "$tmp/.check" DevModeCheck free-port)
echo "dev-mode check: ./mvnw quarkus:dev on port $port in $tmp"

# -Ddebug=false: no JDWP port (5005 may be taken); no console, analytics prompt or continuous testing in CI.
# -Dmaven.test.skip: the test sources were just compiled by `./mvnw -B verify`; compiling them again here took
# a minute of the 3 on a loaded 2-core machine, and dev mode without continuous testing does not use them.
(cd "$tmp" && exec setsid ./mvnw -B -ntp quarkus:dev -Dquarkus.http.port="$port" -Ddebug=false -Dmaven.test.skip=true \
    -Dquarkus.console.enabled=false -Dquarkus.analytics.disabled=true -Dquarkus.test.continuous-testing=disabled \
    </dev/null >"$log" 2>&1) &
dev_pid=$!

base=http://127.0.0.1:$port
java -cp "$tmp/.check" DevModeCheck wait-ready "$base" "$dev_pid" "$(left)" "$log" \
  || fail "dev mode did not become ready (/q/health/ready)"
echo "dev-mode check: ready after $((SECONDS - started)) s"

timeout "$(left)" java -cp "$tmp/.check" -DmaxReloadMs="$max_reload_ms" DevModeCheck check "$base" "$probe" "$log" \
  || fail "the checks against dev mode failed (or ran out of the ${timeout_s} s)"

# A quiet start: nothing logged at ERROR (such as Dev Services looking for a container runtime).
if grep -E '^[0-9:.]+ ERROR ' "$log" >&2; then
  fail "dev mode logged ERRORs (above)"
fi
grep -E 'Live reload total time|drained in' "$log" | sed 's/^/dev-mode log: /' || true

stop_dev || fail "dev mode did not stop on SIGTERM"
echo "dev-mode check: OK (dev mode stopped; $((SECONDS - started)) s in all)"
