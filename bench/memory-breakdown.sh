#!/usr/bin/env bash
# Where the memory of idle connections goes: one instance (with its own Redis), a class histogram and a
# native-memory summary with no connections and with N idle connections, and their difference per
# connection. Then the idle report of the bench (RSS and heap after a full GC per connection).
#
#   bench/memory-breakdown.sh                                   # 19,000 connections x 2 rooms, 300/s
#   SUBS=2000 APP_HEAP=256m APP_JAVA_OPTS="-XX:+UseSerialGC" bench/memory-breakdown.sh
#
# Environment as for standard.sh (SUBS, ROOMS, ROOMS_PER_SUB, CONNECT_RATE, APP_HEAP, APP_JAVA_OPTS, APP_JAR,
# WORKDIR) plus HOLD (default 30s): how long the connections stay open; the snapshots are taken 5 s into it.
# Files: histo0/histo1 (jcmd GC.class_histogram, live objects), nmt0/nmt1 (VM.native_memory summary),
# rss0/rss1 and the bench's JSON, in the work directory printed at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SUBS=${SUBS:-19000}
ROOMS=${ROOMS:-1000}
ROOMS_PER_SUB=${ROOMS_PER_SUB:-2}
CONNECT_RATE=${CONNECT_RATE:-300}
HOLD=${HOLD:-30s}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx1g}

trap rc_cleanup EXIT
trap 'exit 130' INT TERM

rc_build
rc_raise_fd_limit
rc_start_redis
APP_JAVA_OPTS="-XX:NativeMemoryTracking=summary ${APP_JAVA_OPTS:-}" rc_start_app 1
rc_wait_ready 120
pid=${RC_APP_PIDS[0]}

snapshot() { # snapshot N: RSS, live-object histogram, native memory
  grep VmRSS "/proc/$pid/status" > "$RC_WORK/rss$1"
  jcmd "$pid" GC.class_histogram > "$RC_WORK/histo$1"
  jcmd "$pid" VM.native_memory summary > "$RC_WORK/nmt$1"
}
snapshot 0
# shellcheck disable=SC2086
java $BENCH_JAVA_OPTS -jar "$RC_BENCH_JAR" --mode idle --urls "$(rc_ws_urls)" --pids "$pid" --redis-pid "$RC_REDIS_PID" \
  --subscribers "$SUBS" --rooms "$ROOMS" --rooms-per-sub "$ROOMS_PER_SUB" --connect-rate "$CONNECT_RATE" --hold "$HOLD" \
  --no-presence-events --out "$RC_WORK/result-idle.json" "$@" > "$RC_WORK/bench.out" 2> >(tee "$RC_WORK/bench.err" >&2) &
bench=$!
until grep -q "connections ready" "$RC_WORK/bench.err" 2>/dev/null; do
  rc_alive "$bench" || { rc_log "the bench ended before its connections were ready"; cat "$RC_WORK/bench.out"; exit 1; }
  sleep 1
done
sleep 5
snapshot 1
wait "$bench" || true
cat "$RC_WORK/bench.out"

ready=$(grep -o '"ready":[0-9]*' "$RC_WORK/result-idle.json" | head -1 | cut -d: -f2)
echo
echo "per connection ($ready connections ready), live objects by class (jcmd GC.class_histogram, with - without):"
python3 - "$RC_WORK/histo0" "$RC_WORK/histo1" "${ready:-$SUBS}" <<'PY'
import re, sys
def load(p):
    d = {}
    for line in open(p):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
a, b, n = load(sys.argv[1]), load(sys.argv[2]), max(1, int(sys.argv[3]))
rows = sorted(((b.get(k, (0, 0))[1] - a.get(k, (0, 0))[1], b.get(k, (0, 0))[0] - a.get(k, (0, 0))[0], k)
               for k in set(a) | set(b)), reverse=True)
print(f"  total {sum(r[0] for r in rows) / n:8.0f} B")
for db, di, k in rows[:30]:
    print(f"  {db / n:8.1f} B {di / n:6.2f} objects  {k}")
PY
echo
echo "native memory, committed KB (jcmd VM.native_memory summary): without -> with connections"
paste <(grep -E '^-|^Total' "$RC_WORK/nmt0" | sed -E 's/^-? *//; s/ \(reserved=[0-9]+KB, committed=([0-9]+)KB\)/ \1/; s/^Total: reserved=[0-9]+KB, committed=([0-9]+)KB/Total \1/') \
      <(grep -E '^-|^Total' "$RC_WORK/nmt1" | sed -E 's/.*committed=([0-9]+)KB.*/\1/') | awk -F'\t' '{printf "  %-34s %s\n", $1, $2}'
echo "  RSS: $(awk '{print $2}' "$RC_WORK/rss0") KB -> $(awk '{print $2}' "$RC_WORK/rss1") KB"
rc_cleanup
echo "files: $RC_WORK"
