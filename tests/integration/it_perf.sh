#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Smoke of the load generator against a real broker (benchmarks themselves are not CI tests):
# a short confirmed run with manual acks, a pipelined fanout run, rate-limited runs on one and on
# two threads and a counted run must each end with a SUMMARY line whose counts add up (every
# message received once, none lost); warren-jitter must report every CPU.
set -euo pipefail

BIN=${WARREN_BIN:-./warren}
PERF=${WARREN_PERF:-./warren-perf}
[ -x "$BIN" ] && [ -x "$PERF" ] || { echo "it_perf: $BIN or $PERF missing"; exit 77; }
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" --port 0 --bind 127.0.0.1 --mgmt-port -1 --prometheus-port -1 --ready-file "$DIR/ready" \
    --data-dir "$DIR/data" >"$DIR/broker.log" 2>&1 &
PID=$!
for _ in $(seq 200); do [ -s "$DIR/ready" ] && break; sleep 0.05; done
PORT=$(sed -n 's/^port=//p' "$DIR/ready")
[ -n "$PORT" ] || { echo "it_perf: broker did not start"; cat "$DIR/broker.log"; exit 1; }
fails=0

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$DIR/out"; }

# run NAME FANOUT ARGS...: the run must succeed, receive sent x FANOUT, lose nothing, and report
# the generator's CPU, the broker's peak RSS and (timed runs) a progress line.
run() {
    local name=$1 fanout=$2
    shift 2
    if ! timeout -s KILL 60 "$PERF" --host 127.0.0.1 --port "$PORT" --cleanup --watch-pid "$PID" \
        "$@" >"$DIR/out" 2>&1; then
        echo "FAIL $name: warren-perf failed"; cat "$DIR/out"; fails=$((fails + 1)); return
    fi
    local sent received lost dup ticks
    sent=$(field sent) received=$(field received) lost=$(field lost) dup=$(field dup)
    ticks=$(grep -c '^time ' "$DIR/out" || true)
    [[ " $* " == *" -z "* ]] || ticks=1 # progress lines come once a second: timed runs only
    if [ "${sent:-0}" -gt 0 ] && [ "$received" = $((sent * fanout)) ] && [ "$lost" = 0 ] &&
        [ "$dup" = 0 ] && [ -n "$(field gen_cpu_pct)" ] && [ "$(field peak_rss_kb)" -gt 0 ] &&
        [ "$ticks" -ge 1 ]; then
        echo "ok $name: sent=$sent received=$received"
    else
        echo "FAIL $name"; cat "$DIR/out"; fails=$((fails + 1))
    fi
}

run confirms 1 -x1 -y1 -s1024 -f persistent --durable -c100 -q100 -z 2 -u it-perf-c
run fanout 3 -x1 -y3 -s16 -a -e it.perf.fanout -t fanout --queues 3 --pipeline 16 -z 2 \
    -u it-perf-f
run rate 1 -x10 -y2 -r50 --queues 2 -q10 --multi-ack-every 5 -z 2 -u it-perf-r
# two worker threads, each with half of the roles and queues; one merged summary
run workers 1 -x4 -y2 -r50 --queues 2 --workers 2 -q10 -C 100 -u it-perf-w
[ "$(field sent)" = 400 ] || { echo "FAIL workers: sent $(field sent)"; fails=$((fails + 1)); }
# counted runs end by themselves, and confirms cover every publish
run counted 1 -x2 -y1 -C 5000 -c50 -q50 -u it-perf-n
[ "$(field confirmed)" = 10000 ] || { echo "FAIL counted: confirmed $(field confirmed)"; fails=$((fails + 1)); }
# warren-jitter: one line per online CPU, each with its wake-ups counted
JITTER=${WARREN_JITTER:-$(dirname "$PERF")/warren-jitter}
if [ -x "$JITTER" ]; then
    "$JITTER" 1 >"$DIR/jitter" 2>&1 || true
    if [ "$(grep -c '^JITTER cpu=[0-9]* wakeups=[1-9]' "$DIR/jitter")" = "$(nproc)" ]; then
        echo "ok jitter: $(nproc) cpus"
    else
        echo "FAIL jitter"; cat "$DIR/jitter"; fails=$((fails + 1))
    fi
else
    echo "FAIL jitter: $JITTER missing"; fails=$((fails + 1))
fi
exit $((fails > 0))
