#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# A second SIGTERM while the broker shuts down (timeout(1) sends one to the process and one to
# its process group) must not kill it half way: every stop ends with "stopped" and status 0.
set -uo pipefail

BIN=${WARREN_BIN:-./warren}
[ -x "$BIN" ] || { echo "it_stop: $BIN missing"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fails=0
for delay in 0 0.001 0.002 0.003 0.004 0.006 0.008 0.012 0.02 0.05; do
    rm -rf "$DIR/data" "$DIR/ready"
    "$BIN" --port 0 --bind 127.0.0.1 --mgmt-port -1 --prometheus-port -1 --ready-file "$DIR/ready" \
        --data-dir "$DIR/data" >"$DIR/log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do [ -s "$DIR/ready" ] && break; sleep 0.05; done
    [ -s "$DIR/ready" ] || { echo "FAIL: broker did not start"; cat "$DIR/log"; exit 1; }
    kill -TERM "$pid"
    sleep "$delay"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    if [ "$status" = 0 ] && grep -q '\[info\] stopped$' "$DIR/log"; then
        echo "ok second SIGTERM after ${delay} s"
    else
        echo "FAIL second SIGTERM after ${delay} s: status $status"; tail -5 "$DIR/log"
        fails=$((fails + 1))
    fi
done
exit $((fails > 0))
