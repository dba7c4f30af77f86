#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# warrenctl (issue 5): starts a broker, runs warrenctl commands against its control socket and
# checks their exact output and exit codes (rabbitmqctl 3.10's), with amqp-tools as the AMQP
# client: queue listings, vhosts and permissions, the memory alarm blocking a publisher, the
# socket's mode, and an unreachable broker.
set -uo pipefail

BIN=${WARREN_BIN:-./warren}
CTL=${WARRENCTL_BIN:-./warrenctl}
[ -x "$BIN" ] && [ -x "$CTL" ] || { echo "it_ctl: $BIN or $CTL missing"; exit 77; }
command -v amqp-declare-queue >/dev/null && command -v amqp-publish >/dev/null ||
    { echo "it_ctl: amqp-tools missing (apt-get install amqp-tools)"; exit 77; }
DIR=$(mktemp -d)
PID= BPID=
trap '[ -n "$BPID" ] && kill -KILL "$BPID" 2>/dev/null; rm -rf "$DIR"' EXIT
export WARREN_CTL_SOCKET=$DIR/data/warren.sock
n=0 fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }

# expect NAME RC EXPECTED_STDOUT -- warrenctl ARGS...: exit code and stdout, byte for byte
expect() {
    local name=$1 rc=$2 want=$3 got st=0
    shift 4
    got=$(timeout 20 "$CTL" "$@" 2>"$DIR/stderr") || st=$?
    if [ "$st" = "$rc" ] && [ "$got" = "$want" ]; then
        ok "$name"
    else
        not_ok "$name"
        printf '  want rc %s:\n%s\n  got rc %s:\n%s\n  stderr:\n%s\n' "$rc" "$want" "$st" "$got" \
            "$(cat "$DIR/stderr")" | sed 's/^/#/'
    fi
}

start() {
    rm -f "$DIR/ready"
    timeout 120 "$BIN" --port 0 --bind 127.0.0.1 --ready-file "$DIR/ready" --data-dir "$DIR/data" \
        >>"$DIR/broker.log" 2>&1 &
    PID=$!
    for _ in $(seq 300); do
        [ -f "$DIR/ready" ] && break
        kill -0 "$PID" 2>/dev/null || { echo "it_ctl: broker died"; tail "$DIR/broker.log"; exit 1; }
        sleep 0.05
    done
    PORT=$(sed -n 's/^port=//p' "$DIR/ready")
    [ -n "$PORT" ] || { echo "it_ctl: no ready file"; exit 1; }
    BPID=$(pgrep -P "$PID") # the broker itself, under timeout
}

amqp() { local c=$1; shift; timeout 20 "amqp-$c" --server 127.0.0.1 --port "$PORT" "$@"; }

start
TAB=$'\t'

# the socket: only the owner may use it
mode=$(stat -c %a "$WARREN_CTL_SOCKET" 2>/dev/null)
[ "$mode" = 600 ] && ok "socket mode 0600" || not_ok "socket mode 0600 (got '$mode')"

expect "await_startup" 0 "" -- await_startup
expect "empty list_queues" 0 "Timeout: 60.0 seconds ...
Listing queues for vhost / ..." -- list_queues
amqp declare-queue -q q1 >/dev/null && amqp declare-queue -q q2 -d >/dev/null
amqp publish -r q1 -b one && amqp publish -r q1 -b two
expect "list_queues default columns" 0 "Timeout: 60.0 seconds ...
Listing queues for vhost / ...
name${TAB}messages
q1${TAB}2
q2${TAB}0" -- list_queues
expect "list_queues -q --no-table-headers name consumers (the suites' call)" 0 "q1${TAB}0
q2${TAB}0" -- -q --no-table-headers list_queues -p / name consumers
expect "list_queues columns" 0 "name${TAB}messages_ready${TAB}durable${TAB}auto_delete${TAB}arguments
q1${TAB}2${TAB}false${TAB}false${TAB}[]
q2${TAB}0${TAB}true${TAB}false${TAB}[]" -- list_queues -q name messages_ready durable auto_delete arguments
expect "list_queues --formatter json" 0 '[
{"name":"q1","messages":2}
,{"name":"q2","messages":0}
]' -- list_queues --formatter json
expect "list_queues -s" 0 "q1
q2" -- list_queues -s name
expect "unknown info key" 64 "" -- list_queues bogus
expect "purge_queue" 0 "Purging queue 'q1' in vhost '/' ..." -- purge_queue q1
expect "purge_queue missing" 69 "Purging queue 'nope' in vhost '/' ..." -- purge_queue nope
expect "list_bindings" 0 "source_name${TAB}source_kind${TAB}destination_name${TAB}destination_kind${TAB}routing_key${TAB}arguments
${TAB}exchange${TAB}q1${TAB}queue${TAB}q1${TAB}[]
${TAB}exchange${TAB}q2${TAB}queue${TAB}q2${TAB}[]" -- list_bindings -q
expect "list_exchanges (the suites' call)" 0 "
amq.direct
amq.fanout
amq.headers
amq.match
amq.rabbitmq.trace
amq.topic" -- -q --no-table-headers list_exchanges -p / name
expect "delete_queue" 0 "Deleting queue 'q2' on vhost '/' ...
Queue was successfully deleted with 0 ready messages" -- delete_queue q2
expect "delete_queue missing" 64 "Deleting queue 'q2' on vhost '/' ..." -- delete_queue q2

# vhosts and permissions, then a client in the new vhost
expect "add_vhost" 0 'Adding vhost "v1" ...' -- add_vhost v1
expect "add_vhost again succeeds" 0 'Adding vhost "v1" ...' -- add_vhost v1
expect "list_vhosts" 0 "Listing vhosts ...
name
/
v1" -- list_vhosts
if amqp declare-queue --vhost v1 -q vq >/dev/null 2>&1; then
    not_ok "no permissions on v1 yet: declare refused"
else
    ok "no permissions on v1 yet: declare refused"
fi
expect "set_permissions" 0 'Setting permissions for user "guest" in vhost "v1" ...' -- \
    set_permissions -p v1 guest '.*' '.*' '.*'
expect "set_permissions unknown user" 67 'Setting permissions for user "nobody" in vhost "v1" ...' \
    -- set_permissions -p v1 nobody '.*' '.*' '.*'
expect "set_permissions too few arguments" 64 "" -- set_permissions -p v1 guest '.*'
expect "list_permissions" 0 "user${TAB}configure${TAB}write${TAB}read
guest${TAB}.*${TAB}.*${TAB}.*" -- list_permissions -q -p v1
# RabbitMQ lists a user's vhosts in no fixed order: compare the sorted rows
if [ "$("$CTL" list_user_permissions -q --no-table-headers guest | sort)" = \
    "$(printf '/\t.*\t.*\t.*\nv1\t.*\t.*\t.*')" ]; then
    ok "list_user_permissions"
else
    not_ok "list_user_permissions"
fi
expect "list_user_permissions unknown user" 69 'Listing permissions for user "nobody" ...' -- \
    list_user_permissions nobody
expect "list_user_topic_permissions, none set" 0 "" -- list_user_topic_permissions -q guest
if [ "$(amqp declare-queue --vhost v1 -q vq 2>/dev/null)" = vq ]; then
    ok "declare in v1 after set_permissions"
else
    not_ok "declare in v1 after set_permissions"
fi
expect "list_queues -p v1" 0 "vq${TAB}0" -- list_queues -s -p v1
expect "delete_vhost" 0 'Deleting vhost "v1" ...' -- delete_vhost v1
expect "delete_vhost missing" 65 'Deleting vhost "v1" ...' -- delete_vhost v1

# users
expect "add_user" 0 "Adding user \"u1\" ...
Done. Don't forget to grant the user permissions to some virtual hosts! See 'rabbitmqctl help set_permissions' to learn more." -- add_user u1 secret
expect "add_user again" 70 'Adding user "u1" ...' -- add_user u1 secret
expect "set_user_tags" 0 'Setting tags for user "u1" to [monitoring, management] ...' -- \
    set_user_tags u1 monitoring management
expect "list_users" 0 "user${TAB}tags
guest${TAB}[administrator]
u1${TAB}[monitoring, management]" -- list_users -q
expect "list_users json" 0 '[
{"user":"guest","tags":["administrator"]}
,{"user":"u1","tags":["monitoring","management"]}
]' -- list_users --formatter json
expect "delete_user" 0 'Deleting user "u1" ...' -- delete_user u1
expect "delete_user missing" 67 'Deleting user "u1" ...' -- delete_user u1

# one user's password, permissions and limits; vhost limits
"$CTL" -q add_user u2 old >/dev/null
expect "change_password" 0 'Changing password for user "u2" ...' -- change_password u2 new
expect "authenticate with the new password" 0 "Success" -- -q authenticate_user u2 new
expect "the old password is refused" 67 "" -- -q authenticate_user u2 old
expect "change_password unknown user" 67 'Changing password for user "nobody" ...' -- \
    change_password nobody x
"$CTL" -q set_permissions u2 '.*' '.*' '.*' >/dev/null
expect "clear_permissions" 0 'Clearing permissions for user "u2" in vhost "/" ...' -- \
    clear_permissions u2
expect "permissions cleared" 0 "guest${TAB}.*${TAB}.*${TAB}.*" -- list_permissions -s
expect "clear_permissions unknown user" 67 'Clearing permissions for user "nobody" in vhost "/" ...' \
    -- clear_permissions nobody
expect "set_user_limits" 0 'Setting user limits to "{"max-connections": 5, "max-channels": 3}" for user "u2" ...' \
    -- set_user_limits u2 '{"max-connections": 5, "max-channels": 3}'
expect "list_user_limits" 0 '{"max-channels":3,"max-connections":5}' -- list_user_limits -q --user u2
expect "clear_user_limits" 0 'Clearing "max-connections" limit for user "u2" ...' -- \
    clear_user_limits u2 max-connections
expect "list_user_limits after clear" 0 '{"max-channels":3}' -- list_user_limits -q --user u2
expect "clear_user_limits all" 0 'Clearing all limits for user "u2" ...' -- clear_user_limits u2 all
expect "no limits left" 0 '{}' -- list_user_limits -q --user u2
expect "list_user_limits of the default user" 0 '{}' -- list_user_limits -q
expect "list_user_limits unknown user" 69 'Listing limits for user "nobody" ...' -- \
    list_user_limits --user nobody
"$CTL" -q set_vhost_limits '{"max-queues": 50}' >/dev/null
expect "clear_vhost_limits" 0 'Clearing vhost "/" limits ...' -- clear_vhost_limits
expect "vhost limits cleared" 0 "" -- list_vhost_limits -q
"$CTL" -q delete_user u2 >/dev/null

# global runtime parameters and the cluster name (rabbitmqctl 3.10's texts and exit codes)
expect "set_global_parameter" 0 'Setting global runtime parameter "my_param" to "{"a": 1}" ...' \
    -- set_global_parameter my_param '{"a": 1}'
expect "set_cluster_name" 0 "Setting cluster name to prod-eu ..." -- set_cluster_name prod-eu
expect "list_global_parameters" 0 "name${TAB}value
cluster_name${TAB}\"prod-eu\"
my_param${TAB}{\"a\":1}" -- list_global_parameters -q
expect "set_global_parameter with a value that is not JSON" 69 \
    'Setting global runtime parameter "bad" to "notjson" ...' -- set_global_parameter bad notjson
grep -q "JSON decoding error" "$DIR/stderr" && ok "the JSON error is reported" ||
    not_ok "no JSON decoding error on stderr"
expect "clear_global_parameter" 0 'Clearing global runtime parameter "my_param" ...' -- \
    clear_global_parameter my_param
expect "clear_global_parameter of a missing one" 69 \
    'Clearing global runtime parameter "my_param" ...' -- clear_global_parameter my_param
grep -q "Parameter does not exist" "$DIR/stderr" && ok "the missing parameter is reported" ||
    not_ok "no 'Parameter does not exist' on stderr"
expect "cluster_name reaches the management overview's source" 0 '[
{"name":"cluster_name","value":"\"prod-eu\""}
]' -- list_global_parameters --formatter json

# a live consumer: channels and consumers listed, then its connection closed
amqp declare-queue -q cq >/dev/null
timeout 30 amqp-consume --server 127.0.0.1 --port "$PORT" -q cq -p 7 cat >/dev/null 2>&1 &
CONSUMER=$!
for _ in $(seq 100); do [ -n "$("$CTL" list_consumers -s)" ] && break; sleep 0.1; done
expect "list_consumers" 0 "cq${TAB}true${TAB}7${TAB}true" -- \
    list_consumers -s queue_name ack_required prefetch_count active
expect "list_channels" 0 "guest${TAB}1${TAB}7" -- list_channels -s user consumer_count prefetch_count
cname=$("$CTL" list_connections -s name)
expect "close_connection" 0 "Closing connection $cname, reason: bye..." -- close_connection "$cname" bye
if wait "$CONSUMER"; then not_ok "consumer ends with an error after close_connection"; else
    ok "consumer ends with an error after close_connection"; fi
expect "no connection left" 0 "" -- list_connections -s name
amqp delete-queue -q cq >/dev/null

# the memory alarm: a publisher blocks until the watermark is raised again
expect "set_vm_memory_high_watermark tiny" 0 "" -- -q set_vm_memory_high_watermark 0.0000001
amqp publish -r q1 -b blocked &
PUB=$!
sleep 1
if kill -0 "$PUB" 2>/dev/null; then ok "publisher blocked by the memory alarm"; else
    not_ok "publisher blocked by the memory alarm"; fi
expect "blocked message not enqueued" 0 "q1${TAB}0" -- list_queues -s
expect "set_vm_memory_high_watermark 0.4" 0 "" -- -q set_vm_memory_high_watermark 0.4
if wait "$PUB"; then ok "publisher released"; else not_ok "publisher released"; fi
expect "message enqueued after release" 0 "q1${TAB}1" -- list_queues -s
expect "watermark out of range" 65 "" -- set_vm_memory_high_watermark 2
expect "absolute watermark" 0 "" -- -q set_vm_memory_high_watermark absolute 2GB
expect "set_disk_free_limit" 0 "" -- -q set_disk_free_limit 50MB
expect "set_disk_free_limit mem_relative" 0 "" -- -q set_disk_free_limit mem_relative 0.01
expect "unknown command" 64 "" -- no_such_command

# a request over 16 MiB (room for import_definitions) is refused without running anything;
# argv cannot be that long, so a raw client announces it

raw=$(/usr/bin/python3 - "$WARREN_CTL_SOCKET" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(struct.pack(">I", 16 * 1024 * 1024 + 1) + b"x" * 1000)
r = b""
while True:
    d = s.recv(65536)
    if not d: break
    r += d
print(struct.unpack(">I", r[:4])[0])
PY
)
[ "$raw" = 64 ] && ok "broker refuses a request over 16 MiB" ||
    not_ok "broker refuses a request over 16 MiB (got '$raw')"

# stop: replies, then the broker exits and removes its socket
expect "stop" 0 "" -- -q stop
st=0
wait "$PID" 2>/dev/null || st=$?
PID= BPID=
[ "$st" = 0 ] && ok "broker exits 0 after stop" || not_ok "broker exits 0 after stop (status $st)"
[ ! -e "$WARREN_CTL_SOCKET" ] && ok "socket removed at stop" || not_ok "socket removed at stop"
expect "unreachable broker" 69 "" -- list_queues

# a stale socket file from a broker that died is replaced
start
kill -KILL "$BPID"
{ wait "$PID"; } 2>/dev/null
[ -S "$WARREN_CTL_SOCKET" ] && ok "kill -9 leaves the socket file" || not_ok "kill -9 leaves the socket file"
start
expect "stale socket replaced" 0 "/" -- list_vhosts -s
"$CTL" -q stop >/dev/null
wait "$PID" 2>/dev/null
PID= BPID=

if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$DIR/broker.log"; then
    not_ok "no sanitizer report in the broker log"
    grep -A20 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$DIR/broker.log" | sed 's/^/#/'
else
    ok "no sanitizer report in the broker log"
fi
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
