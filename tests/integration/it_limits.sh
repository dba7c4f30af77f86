#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Node-wide connection_max (rabbitmq.conf): at the limit the broker stops accepting, as
# RabbitMQ's listener does, and resumes when a connection closes; consumer_max_per_channel.
set -euo pipefail

BIN=${WARREN_BIN:-./warren}
CLIENT=${LIMIT_CLIENT:-./tests/integration/conn_limit_client}
[ -x "$BIN" ] && [ -x "$CLIENT" ] || { echo "it_limits: binaries missing"; exit 77; }
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT

printf 'connection_max = 2\nconsumer_max_per_channel = 2\nmanagement.tcp.port = 0\nprometheus.tcp.port = 0\n' >"$DIR/warren.conf"
"$BIN" --config "$DIR/warren.conf" --port 0 --bind 127.0.0.1 --ready-file "$DIR/ready" \
    --data-dir "$DIR/data" >"$DIR/broker.log" 2>&1 &
PID=$!
for _ in $(seq 200); do [ -f "$DIR/ready" ] && break; sleep 0.05; done
PORT=$(sed -n 's/^port=//p' "$DIR/ready")
"$CLIENT" 127.0.0.1 "$PORT" && rc=0 || rc=1
if grep -q 'node connection limit (2) reached' "$DIR/broker.log"; then
    echo "ok - the broker logged that the node was full"
else
    echo "not ok - no log line for the node connection limit"
    rc=1
fi
exit "$rc"
