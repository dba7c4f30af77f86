#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Permissions (A-04, ERR-05): a user limited to "alice-" names is refused with 403 for each
# permission kind, allowed operations still work, and what was refused changed nothing.
set -euo pipefail

BIN=${WARREN_BIN:-./warren}
CTL=${WARRENCTL:-./warrenctl}
CLIENT=${PERM_CLIENT:-./tests/integration/perm_client}
[ -x "$BIN" ] && [ -x "$CTL" ] || { echo "it_perm: binaries missing"; exit 77; }
command -v amqp-declare-queue >/dev/null || { echo "it_perm: amqp-tools missing"; exit 77; }
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT

"$BIN" --port 0 --bind 127.0.0.1 --ready-file "$DIR/ready" --data-dir "$DIR/data" \
    >"$DIR/broker.log" 2>&1 &
PID=$!
for _ in $(seq 200); do [ -f "$DIR/ready" ] && break; sleep 0.05; done
PORT=$(sed -n 's/^port=//p' "$DIR/ready")
export WARREN_CTL_SOCKET="$DIR/data/warren.sock"

amqp-declare-queue --server=127.0.0.1 --port="$PORT" -q guest-q >/dev/null
"$CTL" add_user alice alice >/dev/null
"$CTL" set_permissions -p / alice '^alice-' '^alice-|^amq\.default$' '^alice-' >/dev/null
"$CLIENT" 127.0.0.1 "$PORT" && rc=0 || rc=1
# the refused delete and consume left guest-q as it was
if "$CTL" list_queues -q --no-table-headers name | grep -qx 'guest-q'; then
    echo "ok - guest-q survived the refused delete"
else
    echo "not ok - guest-q was deleted by a user without configure permission"
    rc=1
fi
exit "$rc"
