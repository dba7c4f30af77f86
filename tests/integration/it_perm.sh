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

# topic permissions (A-05): a user limited to routing keys under his own name
"$CTL" add_user tom tom >/dev/null
"$CTL" set_permissions -p / tom '.*' '.*' '.*' >/dev/null
"$CTL" set_topic_permissions -p / tom amq.topic '^{username}\.' '^{username}\.' >/dev/null
"$CLIENT" 127.0.0.1 "$PORT" tom || rc=1
listed=$("$CTL" list_topic_permissions -p / -q --no-table-headers)
if [ "$listed" = "$(printf 'tom\tamq.topic\t^{username}\\.\t^{username}\\.')" ]; then
    echo "ok - list_topic_permissions shows tom's entry"
else
    echo "not ok - list_topic_permissions printed: $listed"
    rc=1
fi
"$CTL" export_definitions "$DIR/defs.json" >/dev/null
"$CTL" clear_topic_permissions -p / tom amq.topic >/dev/null
if [ -z "$("$CTL" list_topic_permissions -p / -q --no-table-headers)" ]; then
    echo "ok - clear_topic_permissions removed the entry"
else
    echo "not ok - clear_topic_permissions left an entry"
    rc=1
fi
"$CTL" import_definitions "$DIR/defs.json" >/dev/null
if [ "$("$CTL" list_topic_permissions -p / -q --no-table-headers)" = "$listed" ]; then
    echo "ok - topic permissions round-trip through export/import_definitions"
else
    echo "not ok - import_definitions did not restore the topic permission"
    rc=1
fi
exit "$rc"
