#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Crash safety (issue 4): a confirming publisher of persistent messages on a durable queue,
# kill -9 of the broker mid-stream, restart on the same data directory, then every confirmed
# message must come back intact and nothing unpublished may appear. Three rounds, each killed
# at a different point. Small store segments and a 50 ms compaction interval make segment
# compaction run while the publisher is killed (the previous round's acked messages are its
# garbage), and a second client churning durable queues makes the definitions log snapshot
# every 20 records, so kills also land during snapshots.
set -euo pipefail

BIN=${WARREN_BIN:-./warren}
CLIENT=${CRASH_CLIENT:-./tests/integration/crash_client}
COUNT=${CRASH_COUNT:-200000}
[ -x "$BIN" ] || { echo "it_crash: $BIN missing"; exit 77; }
DIR=$(mktemp -d)
trap 'pkill -KILL -P $$ 2>/dev/null || true; rm -rf "$DIR"' EXIT

cat >"$DIR/warren.conf" <<CONF
warren.store.segment_bytes = 256KiB
warren.store.compact_interval = 50
warren.meta.snapshot_records = 20
CONF

start() {
    rm -f "$DIR/ready"
    "$BIN" --config "$DIR/warren.conf" --port 0 --bind 127.0.0.1 --ready-file "$DIR/ready" --data-dir "$DIR/data" \
        >>"$DIR/broker.log" 2>&1 &
    PID=$!
    for _ in $(seq 300); do
        [ -f "$DIR/ready" ] && break
        kill -0 "$PID" 2>/dev/null || { echo "it_crash: broker died"; tail "$DIR/broker.log"; exit 1; }
        sleep 0.05
    done
    PORT=$(sed -n 's/^port=//p' "$DIR/ready")
    [ -n "$PORT" ] || { echo "it_crash: no ready file"; exit 1; }
}

# waits until at least n confirms are recorded, then kills the broker hard
kill_after() {
    local n=$1
    for _ in $(seq 600); do
        [ -f "$DIR/confirmed" ] && [ "$(wc -l <"$DIR/confirmed")" -ge "$n" ] && break
        sleep 0.05
    done
    kill -KILL "$PID"
    wait "$PID" 2>/dev/null || true
}

fail=0
for round in 1 2 3; do
    start
    "$CLIENT" publish 127.0.0.1 "$PORT" "$COUNT" "$DIR/confirmed" &
    PUB=$!
    "$CLIENT" churn 127.0.0.1 "$PORT" &
    CHURN=$!
    kill_after $((round * 3000))
    wait "$PUB" || true
    wait "$CHURN" || true
    start
    if "$CLIENT" verify 127.0.0.1 "$PORT" "$DIR/confirmed" "$COUNT"; then
        echo "ok $round - kill -9 after $(wc -l <"$DIR/confirmed") confirms: nothing lost or invented"
    else
        echo "not ok $round - kill -9 round lost or corrupted confirmed messages"
        fail=$((fail + 1))
    fi
    kill -TERM "$PID"
    wait "$PID" 2>/dev/null || true
done
grep -E '\[(warning|error)\]' "$DIR/broker.log" | grep -ivE 'unexpectedly closed' | head -5 || true
echo "compactions and snapshots seen: $(grep -ciE 'compact|snapshot' "$DIR/broker.log")"

echo "$((3 - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
