#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Consumer acknowledgement timeout (P-08, ERR-27) with consumer_timeout = 500 ms.
set -euo pipefail

BIN=${WARREN_BIN:-./warren}
CLIENT=${ACK_CLIENT:-./tests/integration/ack_timeout_client}
[ -x "$BIN" ] || { echo "it_ack_timeout: $BIN missing"; exit 77; }
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
echo "consumer_timeout = 500" >"$DIR/warren.conf"
"$BIN" --config "$DIR/warren.conf" --port 0 --bind 127.0.0.1 --ready-file "$DIR/ready" \
    --data-dir "$DIR/data" >"$DIR/broker.log" 2>&1 &
PID=$!
for _ in $(seq 200); do [ -f "$DIR/ready" ] && break; sleep 0.05; done
"$CLIENT" 127.0.0.1 "$(sed -n 's/^port=//p' "$DIR/ready")"
