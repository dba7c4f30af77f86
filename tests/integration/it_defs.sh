#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Definitions export/import through warrenctl (14.3) and vhost limits (A-06, ERR-28): a second
# broker importing the first one's export lists the same users, vhosts, policies and durable
# queues; a max-queues limit refuses the next declaration with RabbitMQ's text; all of it
# survives a restart.
set -euo pipefail

BIN=${WARREN_BIN:-./warren}
CTL=${WARRENCTL:-./warrenctl}
[ -x "$BIN" ] && [ -x "$CTL" ] || { echo "it_defs: binaries missing"; exit 77; }
command -v amqp-declare-queue >/dev/null || { echo "it_defs: amqp-tools missing"; exit 77; }
DIR=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
pass=0 fail=0
ok() { echo "ok $((pass + fail + 1)) - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok $((pass + fail + 1)) - $1"; fail=$((fail + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi; }

start() {  # start NAME: a broker with its data in $DIR/NAME; sets PORT
    rm -f "$DIR/$1.ready"
    "$BIN" --port 0 --bind 127.0.0.1 --ready-file "$DIR/$1.ready" --data-dir "$DIR/$1" \
        >>"$DIR/$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 200); do [ -f "$DIR/$1.ready" ] && break; sleep 0.05; done
    PORT=$(sed -n 's/^port=//p' "$DIR/$1.ready")
    export WARREN_CTL_SOCKET="$DIR/$1/warren.sock"
}
lists() {
    "$CTL" -q list_users
    "$CTL" -q list_vhosts name description tags
    "$CTL" -q list_policies -p app
    "$CTL" -q list_queues -p / name durable
    "$CTL" -q list_global_parameters
}

start a
"$CTL" -q add_vhost app --description "the app's vhost" --tags "team-a, billing"
"$CTL" -q add_user carol pw
"$CTL" -q set_cluster_name defs-test
"$CTL" -q set_global_parameter app_settings '{"retries": [1, 2]}'
"$CTL" -q set_user_tags carol monitoring
"$CTL" -q set_permissions -p app carol '^carol' '.*' '.*'
"$CTL" -q set_policy -p app ttl '^t\.' '{"message-ttl":1000,"max-length":5}' --priority 3
amqp-declare-queue --port="$PORT" -d -q durable.q >/dev/null
"$CTL" export_definitions "$DIR/defs.json" >/dev/null
want=$(lists)
grep -q '"hashing_algorithm":"rabbit_password_hashing_sha256"' "$DIR/defs.json" &&
    ok "export carries RabbitMQ's hashing algorithm" || not_ok "export lacks hashing_algorithm"
grep -q "app	the app's vhost	\[team-a, billing\]" <<<"$want" &&
    ok "add_vhost keeps --description and --tags" || not_ok "vhost metadata: $want"
grep -q 'app_settings	{"retries":\[1,2\]}' <<<"$want" && grep -q 'cluster_name	"defs-test"' <<<"$want" &&
    ok "global parameters are listed" || not_ok "global parameters: $want"
# as rabbitmqctl: "-" prints the document alone, one line, keys sorted
out=$("$CTL" export_definitions -)
check "export_definitions - prints only the JSON" "$(head -c 12 <<<"$out")" '{"bindings":'

start b
"$CTL" import_definitions "$DIR/defs.json" >/dev/null && ok "import exit code 0" ||
    not_ok "import failed"
check "imported state lists like the original" "$(lists)" "$want"
echo '{"users":[{"name":"x","password_hash":"bad"}]}' >"$DIR/bad.json"
"$CTL" import_definitions "$DIR/bad.json" >/dev/null 2>&1 && not_ok "bad import accepted" ||
    ok "bad definitions refused"

"$CTL" -q set_vhost_limits -p / '{"max-queues": 2}'
amqp-declare-queue --port="$PORT" -q lim.1 >/dev/null
out=$(amqp-declare-queue --port="$PORT" -q lim.2 2>&1 || true)
check "max-queues refuses the next queue (ERR-28)" "$(grep -o "PRECONDITION_FAILED.*" <<<"$out")" \
    "PRECONDITION_FAILED - cannot declare queue 'lim.2': queue limit in vhost '/' (2) is reached"
check "list_vhost_limits" "$("$CTL" -q list_vhost_limits -p /)" '{"max-queues":2}'

# authenticate_user, and close_all_connections (C-17: 320 CONNECTION_FORCED with the reason)
"$CTL" -q authenticate_user carol pw >/dev/null && ok "authenticate_user accepts the password" ||
    not_ok "authenticate_user refused a good password"
"$CTL" -q authenticate_user carol nope >/dev/null 2>&1 && rc=0 || rc=$?
check "authenticate_user refuses a bad password with 67" "$rc" 67
timeout 10 amqp-consume --server=127.0.0.1 --port="$PORT" -q durable.q cat >/dev/null 2>&1 &
CONSUMER=$!
for _ in $(seq 100); do
    [ -n "$("$CTL" -q list_connections --no-table-headers user)" ] && break
    sleep 0.05
done
"$CTL" -q close_all_connections "maintenance window" >/dev/null
wait "$CONSUMER" 2>/dev/null || true
grep -q "CONNECTION_FORCED - maintenance window" "$DIR/b.log" &&
    ok "close_all_connections sends CONNECTION_FORCED with the reason" ||
    not_ok "no CONNECTION_FORCED close in the log"

kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null || true
start b
check "imports and limits survive a restart" "$(lists)" "$want"
check "limits survive a restart" "$("$CTL" -q list_vhost_limits -p /)" '{"max-queues":2}'
# load_definitions imports a file at every start
kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null || true
echo "load_definitions = $DIR/defs.json" >"$DIR/c.conf"
rm -f "$DIR/c.ready"
"$BIN" --config "$DIR/c.conf" --port 0 --bind 127.0.0.1 --ready-file "$DIR/c.ready" \
    --data-dir "$DIR/c" >>"$DIR/c.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do [ -f "$DIR/c.ready" ] && break; sleep 0.05; done
export WARREN_CTL_SOCKET="$DIR/c/warren.sock"
check "load_definitions at start" "$(lists)" "$want"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
