#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Management HTTP API, Prometheus metrics and dashboard (issue 5): starts a broker with an
# ephemeral management port and checks, with curl, what rabbitmq_management 3.10 answers: logins
# and tags (A-03), vhosts, users, permissions, queues with message counts, policies and their
# validation (PO-01), definitions export into a second broker, the alarms health check (F-05),
# the metric names (14.4), the dashboard page, malformed requests, declarations, bindings,
# publish and get, and live connections, channels and consumers closed through the API.
set -uo pipefail

BIN=${WARREN_BIN:-./warren}
CTL=${WARRENCTL_BIN:-./warrenctl}
[ -x "$BIN" ] && [ -x "$CTL" ] || { echo "it_mgmt: $BIN or $CTL missing"; exit 77; }
command -v curl >/dev/null || { echo "it_mgmt: curl missing"; exit 77; }
command -v amqp-declare-queue >/dev/null && command -v amqp-publish >/dev/null ||
    { echo "it_mgmt: amqp-tools missing (apt-get install amqp-tools)"; exit 77; }
DIR=$(mktemp -d)
BPIDS=
trap 'for p in $BPIDS; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$DIR"' EXIT
n=0 fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; printf '#  got: %s\n' "$(head -c 400 "$DIR/body")"; fi; }

# start NAME: a broker with its data in $DIR/NAME; sets PORT, MPORT, PPORT
start() {
    local d=$DIR/$1 pid
    mkdir -p "$d"
    # in a subshell, so the shell reports nothing when the trap kills it
    (timeout 120 "$BIN" --port 0 --bind 127.0.0.1 --mgmt-port 0 --prometheus-port 0 \
        --ready-file "$d/ready" --data-dir "$d/data" >>"$d/broker.log" 2>&1 &
        echo $! >"$d/pid")
    pid=$(cat "$d/pid")
    for _ in $(seq 300); do
        [ -f "$d/ready" ] && break
        kill -0 "$pid" 2>/dev/null || { echo "it_mgmt: broker died"; tail "$d/broker.log"; exit 1; }
        sleep 0.05
    done
    PORT=$(sed -n 's/^port=//p' "$d/ready")
    MPORT=$(sed -n 's/^mgmt_port=//p' "$d/ready")
    PPORT=$(sed -n 's/^prometheus_port=//p' "$d/ready")
    [ -n "$PORT" ] && [ -n "$MPORT" ] || { echo "it_mgmt: no ports in ready file"; exit 1; }
    BPIDS="$BPIDS $(pgrep -P "$pid")" # the brokers, under timeout
    export WARREN_CTL_SOCKET=$d/data/warren.sock
}

# http [CURL ARGS...] PATH: the status code in $CODE, the body in $DIR/body
http() {
    local path=${*: -1}
    CODE=$(curl -s -o "$DIR/body" -D "$DIR/headers" -w '%{http_code}' --max-time 20 \
        "${@:1:$#-1}" "http://127.0.0.1:$MPORT$path")
}
api() { http -u guest:guest "$@"; }
put() { api -X PUT -H 'content-type: application/json' -d "$2" "$1"; }
has() { grep -q -- "$1" "$DIR/body"; }
amqp() { local c=$1; shift; timeout 20 "amqp-$c" --server 127.0.0.1 --port "$PORT" "$@"; }

start a

# logins (A-03)
http /api/overview
check "401 without credentials" '[ "$CODE" = 401 ] && grep -qi "^www-authenticate: Basic realm=\"RabbitMQ Management\"" "$DIR/headers"'
http -u guest:wrong /api/overview
check "401 with a wrong password" '[ "$CODE" = 401 ] && has "Login failed"'

api /api/overview
check "overview fields" '[ "$CODE" = 200 ] && has "\"management_version\":\"3.10.8\"" && has "\"rabbitmq_version\":\"3.10.8\"" && has "\"product_name\":" && has "\"node\":" && has "\"object_totals\":{" && has "\"queue_totals\":{"'
check "overview lists the bound listeners, ephemeral ports resolved" 'has "\"protocol\":\"amqp\",\"ip_address\":\"::\",\"port\":$PORT}" && has "\"protocol\":\"http\",\"ip_address\":\"::\",\"port\":$MPORT}" && has "\"protocol\":\"http/prometheus\",\"ip_address\":\"::\",\"port\":$PPORT}"'
api /api/whoami
check "whoami" '[ "$CODE" = 200 ] && has "{\"name\":\"guest\",\"tags\":\[\"administrator\"\]}"'
api /api/nodes
check "one node" '[ "$CODE" = 200 ] && has "\"running\":true" && [ "$(grep -o "\"name\":" "$DIR/body" | wc -l)" = 1 ]'

# vhosts
api -X PUT /api/vhosts/v1
check "PUT vhost creates (201)" '[ "$CODE" = 201 ]'
api -X PUT /api/vhosts/v1
check "PUT vhost again (204)" '[ "$CODE" = 204 ]'
api /api/vhosts
check "GET /api/vhosts lists / and v1" '[ "$CODE" = 200 ] && has "\"name\":\"/\"" && has "\"name\":\"v1\""'
api /api/vhosts/%2F
check "GET /api/vhosts/%2F" '[ "$CODE" = 200 ] && has "\"name\":\"/\""'
put /api/vhosts/v1 '{"description":"orders","tags":"a, b"}'
check "PUT vhost metadata (204)" '[ "$CODE" = 204 ]'
api /api/vhosts/v1
check "vhost shows description and tags" 'has "\"description\":\"orders\"" && has "\"tags\":\[\"a\",\"b\"\]" && has "\"metadata\":{\"description\":\"orders\""'
put /api/vhosts/v1 '{}'
api /api/vhosts/v1
check "PUT without metadata clears it, as RabbitMQ" 'has "\"description\":\"\"" && has "\"tags\":\[\]"'
api /api/vhosts/%2F
check "the default vhost's description" 'has "\"description\":\"Default virtual host\""'
api /api/vhosts/nope
check "missing vhost 404" '[ "$CODE" = 404 ] && has "\"error\":\"Object Not Found\""'

# users and permissions
put /api/users/mon '{"password":"pw","tags":"monitoring"}'
check "PUT user (201)" '[ "$CODE" = 201 ]'
put /api/users/plain '{"password":"pw","tags":""}'
put /api/permissions/v1/mon '{"configure":".*","write":".*","read":".*"}'
check "PUT permissions (201)" '[ "$CODE" = 201 ]'
put /api/permissions/v1/mon '{"configure":"^x","write":".*","read":".*"}'
check "PUT permissions again (204)" '[ "$CODE" = 204 ]'
api /api/permissions/v1/mon
check "GET permissions" '[ "$CODE" = 200 ] && has "\"configure\":\"^x\""'
put /api/permissions/nope/mon '{"configure":".*","write":".*","read":".*"}'
check "permissions on a missing vhost 400" '[ "$CODE" = 400 ] && has vhost_or_user_not_found'
api /api/users/mon
check "GET user shows tags and hash" '[ "$CODE" = 200 ] && has "\"tags\":\[\"monitoring\"\]" && has rabbit_password_hashing_sha256'
http -u mon:pw /api/overview
check "monitoring user may read the overview" '[ "$CODE" = 200 ]'
http -u mon:pw /api/users
check "monitoring user may not list users" '[ "$CODE" = 401 ] && has "Not administrator user"'
http -u plain:pw /api/overview
check "user without a management tag 401" '[ "$CODE" = 401 ] && has "Not management user"'

# queues with message counts
amqp declare-queue -q q1 >/dev/null && amqp declare-queue -q q2 -d >/dev/null
for b in one two three; do amqp publish -r q1 -b "$b"; done
api /api/queues/%2F/q1
check "queue q1 with 3 messages" '[ "$CODE" = 200 ] && has "\"messages\":3" && has "\"messages_ready\":3" && has "\"messages_unacknowledged\":0" && has "\"consumers\":0" && has "\"state\":\"running\"" && has "\"type\":\"classic\""'
api /api/overview
check "overview counts the three publishes (rates_mode basic)" 'has "\"rates_mode\":\"basic\"" && has "\"message_stats\":{\"publish\":3,\"publish_details\":{\"rate\":"'
api /api/queues
check "GET /api/queues lists both" '[ "$CODE" = 200 ] && has "\"name\":\"q1\"" && has "\"name\":\"q2\",\"node\""'
api /api/queues/%2F/nope
check "missing queue 404" '[ "$CODE" = 404 ]'
api /api/exchanges/%2F
check "GET /api/exchanges/%2F" '[ "$CODE" = 200 ] && has "\"name\":\"amq.topic\",\"type\":\"topic\""'
api /api/bindings/%2F
check "default-exchange bindings" '[ "$CODE" = 200 ] && has "\"destination\":\"q1\",\"destination_type\":\"queue\",\"routing_key\":\"q1\""'
api -X DELETE /api/queues/%2F/q1/contents
api /api/queues/%2F/q1
check "purge via DELETE .../contents" '[ "$CODE" = 200 ] && has "\"messages\":0"'
api -X DELETE /api/queues/%2F/q2
api /api/queues/%2F/q2
check "DELETE queue" '[ "$CODE" = 404 ]'

# policies (PO-01)
put /api/policies/%2F/p1 '{"pattern":"^q","definition":{"max-length":10},"priority":1,"apply-to":"queues"}'
check "PUT policy (201)" '[ "$CODE" = 201 ]'
api /api/policies/%2F/p1
check "GET policy" '[ "$CODE" = 200 ] && has "\"apply-to\":\"queues\"" && has "\"definition\":{\"max-length\":10}"'
api /api/queues/%2F/q1
check "queue shows its policy" 'has "\"policy\":\"p1\""'
put /api/policies/%2F/p2 '{"pattern":"^q","definition":{"foo":1}}'
check "invalid policy 400" '[ "$CODE" = 400 ] && has "not recognised policy settings"'
put /api/policies/%2F/p2 '{"definition":{"max-length":1}}'
check "policy without pattern 400" '[ "$CODE" = 400 ] && has "key_missing,pattern"'
api -X DELETE /api/policies/%2F/p1
check "DELETE policy (204)" '[ "$CODE" = 204 ]'
api -X DELETE /api/policies/%2F/p1
check "DELETE missing policy (404)" '[ "$CODE" = 404 ]'

# definitions: export from a, import into a fresh b, export b again
put /api/policies/v1/keep '{"pattern":"^k","definition":{"message-ttl":1000}}'
amqp declare-queue -q dq -d >/dev/null
api /api/definitions
cp "$DIR/body" "$DIR/defs-a.json"
check "GET definitions" '[ "$CODE" = 200 ] && has "\"rabbitmq_version\"" && has "\"name\":\"dq\""'
A_MPORT=$MPORT A_PORT=$PORT A_PPORT=$PPORT A_SOCK=$WARREN_CTL_SOCKET
start b
api -X POST -H 'content-type: application/json' --data-binary "@$DIR/defs-a.json" /api/definitions
check "POST definitions into a second broker (204)" '[ "$CODE" = 204 ]'
api /api/definitions
norm() { grep -v '_version"' "$1" | sed 's/,$//' | sort; }
check "second broker exports the same definitions" 'diff <(norm "$DIR/defs-a.json") <(norm "$DIR/body") >/dev/null'
MPORT=$A_MPORT PORT=$A_PORT PPORT=$A_PPORT WARREN_CTL_SOCKET=$A_SOCK

# health check and alarms (F-05)
api /api/health/checks/alarms
check "health check ok" '[ "$CODE" = 200 ] && has "{\"status\":\"ok\"}"'
timeout 20 "$CTL" -q set_vm_memory_high_watermark 0.0000001 >/dev/null 2>&1
for _ in $(seq 40); do api /api/health/checks/alarms; [ "$CODE" = 503 ] && break; sleep 0.1; done
check "health check 503 under a memory alarm" '[ "$CODE" = 503 ] && has "\"status\":\"failed\"" && has "\"resource\":\"memory\""'
curl -s "http://127.0.0.1:$PPORT/metrics" >"$DIR/body"
check "alarm metric is 1" 'has "^rabbitmq_alarms_memory_used_watermark 1"'
timeout 20 "$CTL" -q set_vm_memory_high_watermark 0.4 >/dev/null 2>&1

# Prometheus (14.4)
metrics_ok() {
    for m in rabbitmq_queues rabbitmq_queue_messages_ready rabbitmq_queue_messages_unacked \
        rabbitmq_queue_consumers rabbitmq_connections rabbitmq_resident_memory_limit_bytes \
        rabbitmq_process_resident_memory_bytes rabbitmq_alarms_memory_used_watermark \
        rabbitmq_alarms_free_disk_space_watermark rabbitmq_build_info; do
        grep -q "^$m[ {]" "$DIR/body" || { echo "# missing $m"; return 1; }
    done
}
CODE=$(curl -s -o "$DIR/body" -w '%{http_code}' "http://127.0.0.1:$PPORT/metrics")
check "metrics on the prometheus port" '[ "$CODE" = 200 ] && metrics_ok'
check "global counters: messages received" 'grep -q "^rabbitmq_global_messages_received_total{protocol=\"amqp091\"} [1-9]" "$DIR/body"'
http /metrics
check "metrics on the management port" '[ "$CODE" = 200 ] && metrics_ok'
curl -s "http://127.0.0.1:$PPORT/metrics/per-object" >"$DIR/body"
check "per-object queue series" 'has "^rabbitmq_queue_messages_ready{vhost=\"/\",queue=\"q1\"} 0"'
CODE=$(curl -s -o "$DIR/body" -w '%{http_code}' "http://127.0.0.1:$PPORT/api/overview")
check "prometheus port serves only metrics" '[ "$CODE" = 404 ]'

# dashboard
api /
check "GET / returns the dashboard" '[ "$CODE" = 200 ] && grep -qi "^content-type: text/html" "$DIR/headers" && has "<html" && has "/api/queues"'
http /
check "dashboard needs a login" '[ "$CODE" = 401 ]'

# global parameters and the cluster name (rabbitmq_management 3.10's codes and shapes)
put /api/global-parameters/gp1 '{"value":{"x":2}}'
check "PUT global parameter (201)" '[ "$CODE" = 201 ]'
put /api/global-parameters/gp1 '{"value":{"x":3}}'
check "PUT it again (204)" '[ "$CODE" = 204 ]'
put /api/global-parameters/gp1 '{"name":"gp1"}'
check "PUT without value 400" '[ "$CODE" = 400 ] && has "key_missing,value"'
api /api/global-parameters/gp1
check "GET global parameter" '[ "$CODE" = 200 ] && has "\"value\":{\"x\":3}" && has "\"name\":\"gp1\""'
api /api/cluster-name
check "cluster name defaults to the node name" '[ "$CODE" = 200 ] && has "\"name\":\"warren@"'
put /api/cluster-name '{"name":"prod-eu"}'
check "PUT cluster-name (204)" '[ "$CODE" = 204 ]'
api /api/overview
check "overview shows the cluster name" 'has "\"cluster_name\":\"prod-eu\""'
api /api/global-parameters
check "GET global-parameters lists both" 'has "\"name\":\"cluster_name\",\"value\":\"prod-eu\"" && has "\"name\":\"gp1\""'
api -X DELETE /api/global-parameters/gp1
check "DELETE global parameter (204)" '[ "$CODE" = 204 ]'
api -X DELETE /api/global-parameters/gp1
check "DELETE missing global parameter 404" '[ "$CODE" = 404 ]'

# hostile requests
put /api/vhosts/v2 '{"description":'
check "malformed JSON 400" '[ "$CODE" = 400 ] && has "\"error\":\"bad_request\""'
put /api/users/x '[1,2]'
check "JSON that is not an object 400" '[ "$CODE" = 400 ]'
api -X POST -H 'content-type: application/json' -d '{"users":' /api/definitions
check "malformed definitions 400" '[ "$CODE" = 400 ]'
api /api/nosuch/thing
check "unknown path 404" '[ "$CODE" = 404 ] && has "Object Not Found"'
api -X PATCH /api/vhosts
check "wrong method 405" '[ "$CODE" = 405 ]'
api /api/queues/%00/x
check "NUL in a path segment 404" '[ "$CODE" = 404 ]'
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$DIR/big"
api -X POST -H 'content-type: application/json' --data-binary "@$DIR/big" /api/definitions
check "body over 16 MiB refused" '[ "$CODE" = 413 ] || [ "$CODE" = 400 ]'
api /api/overview
check "broker still serving" '[ "$CODE" = 200 ]'

# declarations through the API: RabbitMQ's codes and queue.declare's texts
put /api/queues/%2F/mq '{"durable":true,"auto_delete":false,"arguments":{}}'
check "PUT queue creates (201)" '[ "$CODE" = 201 ]'
put /api/queues/%2F/mq '{"durable":true,"auto_delete":false,"arguments":{}}'
check "PUT equivalent queue (204)" '[ "$CODE" = 204 ]'
put /api/queues/%2F/mq '{"durable":false}'
check "PUT inequivalent queue 400" '[ "$CODE" = 400 ] && has "\"reason\":\"inequivalent arg .durable. for queue .mq. in vhost ./.: received .false. but current is .true.\""'
put /api/queues/%2F/mq '{"durable":true,"arguments":{"x-max-length":5}}'
check "PUT queue with other arguments 400" '[ "$CODE" = 400 ] && has "inequivalent arg .x-max-length."'
put /api/queues/%2F/mq2 '{"durable":"yes"}'
check "PUT queue with a non-boolean 400" '[ "$CODE" = 400 ] && has "\"reason\":\[\"not_boolean\",\"yes\"\]"'
put /api/queues/nope/mq '{}'
check "PUT queue in a missing vhost 404" '[ "$CODE" = 404 ] && has "\"reason\":\"vhost_not_found\""'
put /api/queues/%2F/amq.mq '{}'
check "PUT queue with the amq. prefix 401" '[ "$CODE" = 401 ] && has "Access refused."'
api /api/queues/%2F/mq
check "declared queue is durable" '[ "$CODE" = 200 ] && has "\"durable\":true"'
put /api/exchanges/%2F/mx '{"type":"fanout","durable":true}'
check "PUT exchange creates (201)" '[ "$CODE" = 201 ]'
put /api/exchanges/%2F/mx '{"type":"fanout","durable":true}'
check "PUT equivalent exchange (204)" '[ "$CODE" = 204 ]'
put /api/exchanges/%2F/mx '{"type":"direct","durable":true}'
check "PUT inequivalent exchange 400" '[ "$CODE" = 400 ] && has "inequivalent arg .type. for exchange .mx. in vhost ./.: received .direct. but current is .fanout."'
api /api/exchanges/%2F/mx
check "declared exchange" '[ "$CODE" = 200 ] && has "\"type\":\"fanout\""'
put /api/exchanges/%2F/mx2 '{"type":"bogus"}'
check "PUT exchange of an unknown type 400" '[ "$CODE" = 400 ] && has "unknown exchange type .bogus."'
api -X DELETE /api/exchanges/%2F/amq.direct
check "DELETE a system exchange 401" '[ "$CODE" = 401 ]'
api -X DELETE /api/exchanges/%2F/mx
check "DELETE exchange (204)" '[ "$CODE" = 204 ]'
api -X DELETE /api/exchanges/%2F/mx
check "DELETE missing exchange (404)" '[ "$CODE" = 404 ]'

# bindings, publish and get through the API
post() { api -X POST -H 'content-type: application/json' -d "$2" "$1"; }
pub() { post /api/exchanges/%2F/$1/publish "{\"properties\":{},\"routing_key\":\"$2\",\"payload\":\"$3\",\"payload_encoding\":\"string\"}"; }
getq() { post /api/queues/%2F/$1/get "{\"count\":$2,\"ackmode\":\"$3\",\"encoding\":\"auto\"}"; }
post /api/bindings/%2F/e/amq.direct/q/mq '{"routing_key":"rk 1","arguments":{}}'
check "POST binding (201) with a Location" '[ "$CODE" = 201 ] && grep -qi "^location: mq/rk%2B1" "$DIR/headers"'
api /api/bindings/%2F/e/amq.direct/q/mq
check "GET bindings between e and q" '[ "$CODE" = 200 ] && has "\"routing_key\":\"rk 1\",\"arguments\":{},\"properties_key\":\"rk+1\""'
api /api/bindings/%2F/e/amq.direct/q/mq/rk+1
check "GET one binding by its properties_key" '[ "$CODE" = 200 ] && has "\"source\":\"amq.direct\""'
post /api/bindings/%2F/e/nope/q/mq '{"routing_key":"k"}'
check "POST binding from a missing exchange 404" '[ "$CODE" = 404 ] && has "no exchange .nope. in vhost ./."'
pub amq.direct "rk 1" "via the api"
check "publish through the binding is routed" '[ "$CODE" = 200 ] && has "{\"routed\":true}"'
amqp publish -e amq.direct -r "rk 1" -b "via amqp"
pub amq.direct nomatch x
check "publish without a route" '[ "$CODE" = 200 ] && has "{\"routed\":false}"'
pub nope k x
check "publish to a missing exchange 400" '[ "$CODE" = 400 ] && has "404 NOT_FOUND - no exchange .nope. in vhost ./."'
getq mq 5 ack_requeue_true
check "get returns both messages" '[ "$CODE" = 200 ] && has "\"payload_bytes\":11,\"redelivered\":false,\"exchange\":\"amq.direct\",\"routing_key\":\"rk 1\",\"message_count\":1,\"properties\":\[\],\"payload\":\"via the api\",\"payload_encoding\":\"string\"" && has "\"payload\":\"via amqp\""'
getq mq 1 ack_requeue_false
check "ack_requeue_true requeued them" '[ "$CODE" = 200 ] && has "\"redelivered\":true" && has "\"payload\":\"via the api\""'
getq mq 5 reject_requeue_false
check "reject_requeue_false takes the rest" '[ "$CODE" = 200 ] && has "\"payload\":\"via amqp\""'
getq mq 5 ack_requeue_false
check "queue is then empty" '[ "$CODE" = 200 ] && [ "$(cat "$DIR/body")" = "[]" ]'
post /api/exchanges/%2F/amq.default/publish '{"properties":{"delivery_mode":2,"headers":{"h":1}},"routing_key":"mq","payload":"AAEC/w==","payload_encoding":"base64"}'
getq mq 1 ack_requeue_true
check "binary payload comes back in base64" '[ "$CODE" = 200 ] && has "\"payload_bytes\":4" && has "\"payload\":\"AAEC/w==\",\"payload_encoding\":\"base64\"" && has "\"properties\":{\"delivery_mode\":2,\"headers\":{\"h\":1}}"'
post /api/queues/%2F/mq/get '{"count":1,"ackmode":"ack_requeue_false","encoding":"base64","truncate":3}'
check "truncate cuts the payload" '[ "$CODE" = 200 ] && has "\"payload_bytes\":4" && has "\"payload\":\"AAEC\",\"payload_encoding\":\"base64\""'
post /api/queues/%2F/mq/get '{}'
check "get without its keys 400" '[ "$CODE" = 400 ] && has "{key_missing,ackmode},{key_missing,count},{key_missing,encoding}"'
getq nope 1 ack_requeue_true
check "get from a missing queue 404" '[ "$CODE" = 404 ] && has "NOT_FOUND - no queue .nope. in vhost ./."'
post /api/exchanges/%2F/amq.direct/publish '{"properties":{"user_id":"bob"},"routing_key":"x","payload":"a","payload_encoding":"string"}'
check "publish with another user_id 400" '[ "$CODE" = 400 ] && has "406 PRECONDITION_FAILED - user_id property set to .bob. but authenticated user was .guest."'
api -X DELETE /api/bindings/%2F/e/amq.direct/q/mq/rk+1
check "DELETE binding (204)" '[ "$CODE" = 204 ]'
api -X DELETE /api/bindings/%2F/e/amq.direct/q/mq/rk+1
check "DELETE missing binding (404)" '[ "$CODE" = 404 ]'
pub amq.direct "rk 1" x
check "no route once the binding is gone" 'has "{\"routed\":false}"'

# exchange-to-exchange bindings: amq.topic -> amq.fanout -> mq
post /api/bindings/%2F/e/amq.topic/e/amq.fanout '{"routing_key":"a.#","arguments":{}}'
check "POST e2e binding (201) with a Location" '[ "$CODE" = 201 ] && grep -qi "^location: amq.fanout/a.%2523" "$DIR/headers"'
api /api/bindings/%2F/e/amq.topic/e/amq.fanout/a.%23
check "GET the e2e binding" '[ "$CODE" = 200 ] && has "\"destination\":\"amq.fanout\",\"destination_type\":\"exchange\",\"routing_key\":\"a.#\""'
post /api/bindings/%2F/e/amq.topic/e/amq.default '{"routing_key":"k"}'
check "e2e binding to the default exchange refused (401)" '[ "$CODE" = 401 ]'
post /api/bindings/%2F/e/amq.topic/e/nope '{"routing_key":"k"}'
check "e2e binding to a missing exchange (404)" '[ "$CODE" = 404 ] && has "no exchange .nope. in vhost ./."'
post /api/bindings/%2F/e/amq.fanout/q/mq '{"routing_key":"","arguments":{}}'
pub amq.topic a.b "through two exchanges"
check "published through the e2e binding" 'has "{\"routed\":true}"'
getq mq 5 ack_requeue_false
check "the message reached the queue behind the fanout" 'has "\"payload\":\"through two exchanges\""'
api -X DELETE /api/bindings/%2F/e/amq.topic/e/amq.fanout/a.%23
check "DELETE e2e binding (204)" '[ "$CODE" = 204 ]'
pub amq.topic a.b x
check "no route once the e2e binding is gone" 'has "{\"routed\":false}"'

# connections, channels and consumers of two live clients, then closed through the API
consume() {
    (timeout 60 amqp-consume --server 127.0.0.1 --port "$PORT" -q mq -p 3 cat >/dev/null \
        2>"$DIR/cons$1.err" & echo $! >"$DIR/cons$1.pid")
    BPIDS="$BPIDS $(cat "$DIR/cons$1.pid")"
}
consume 1
consume 2
for _ in $(seq 50); do api /api/consumers; [ "$(grep -o consumer_tag "$DIR/body" | wc -l)" = 2 ] && break; sleep 0.1; done
check "two consumers listed" '[ "$CODE" = 200 ] && has "\"queue\":{\"name\":\"mq\",\"vhost\":\"/\"}" && has "\"ack_required\":true" && has "\"prefetch_count\":3" && has "\"channel_details\":{\"connection_name\":\"127.0.0.1:[0-9]* -> 127.0.0.1:$PORT\""'
api /api/consumers/%2F
check "consumers of a vhost" '[ "$CODE" = 200 ] && [ "$(grep -o consumer_tag "$DIR/body" | wc -l)" = 2 ]'
api /api/connections
check "connections listed" '[ "$CODE" = 200 ] && has "\"protocol\":\"AMQP 0-9-1\"" && has "\"port\":$PORT" && [ "$(grep -o "\"name\":" "$DIR/body" | wc -l)" = 2 ]'
check "connections carry the login mechanism and the client's properties" 'has "\"auth_mechanism\":\"PLAIN\",\"client_properties\":{\"product\":\"rabbitmq-c\""'
conns=$(grep -o '"name":"[^"]*"' "$DIR/body" | sed 's/"name":"//; s/"$//')
enc() { sed 's/:/%3A/g; s/ /%20/g; s/>/%3E/g; s/(/%28/g; s/)/%29/g' <<<"$1"; }
C1=$(enc "$(sed -n 1p <<<"$conns")") C2=$(enc "$(sed -n 2p <<<"$conns")")
api /api/vhosts/%2F/connections
check "connections of a vhost" '[ "$CODE" = 200 ] && [ "$(grep -o "\"name\":" "$DIR/body" | wc -l)" = 2 ]'
api /api/vhosts/v1/connections
check "no connections on another vhost" '[ "$CODE" = 200 ] && [ "$(cat "$DIR/body")" = "[]" ]'
api "/api/connections/$C1"
check "GET one connection" '[ "$CODE" = 200 ] && has "\"name\":\"$(sed -n 1p <<<"$conns")\"" && has "\"channels\":1"'
api "/api/connections/$C1/channels"
check "channels of a connection" '[ "$CODE" = 200 ] && has "\"number\":1" && has "\"prefetch_count\":3" && has "\"consumer_count\":1"'
api /api/channels
check "channels listed" '[ "$CODE" = 200 ] && [ "$(grep -o "\"number\":1" "$DIR/body" | wc -l)" = 2 ]'
api "/api/channels/$C1%20%281%29"
check "GET one channel with its consumers" '[ "$CODE" = 200 ] && has "\"consumer_details\":\[{" && has "\"consumer_tag\":\"amq.ctag-"'
api /api/connections/nope
check "missing connection 404" '[ "$CODE" = 404 ]'
api /api/channels/nope
check "missing channel 404" '[ "$CODE" = 404 ]'
api -X DELETE -H "X-Reason: bye from the test" "/api/connections/$C1"
check "DELETE connection (204)" '[ "$CODE" = 204 ]'
api -X DELETE "/api/connections/$C2"
gone() { ! kill -0 "$(cat "$DIR/cons1.pid")" 2>/dev/null && ! kill -0 "$(cat "$DIR/cons2.pid")" 2>/dev/null; }
for _ in $(seq 100); do gone && break; sleep 0.1; done
check "both clients were disconnected" 'gone'
api /api/connections
check "no connections left" '[ "$CODE" = 200 ] && [ "$(cat "$DIR/body")" = "[]" ]'
check "closed with X-Reason and with the default text" 'grep -q "CONNECTION_FORCED - bye from the test" "$DIR/a/broker.log" && grep -q "CONNECTION_FORCED - Closed via management plugin" "$DIR/a/broker.log"'

# cleanup through the API
api -X DELETE /api/users/mon
check "DELETE user (204)" '[ "$CODE" = 204 ]'
api -X DELETE /api/vhosts/v1
check "DELETE vhost (204)" '[ "$CODE" = 204 ]'
api -X DELETE /api/vhosts/v1
check "DELETE missing vhost (404)" '[ "$CODE" = 404 ]'

# a clean stop, so sanitizer builds report leaks too; then no sanitizer report in any log
timeout 20 "$CTL" stop >/dev/null 2>&1
for _ in $(seq 100); do [ -e "$WARREN_CTL_SOCKET" ] || break; sleep 0.1; done
sleep 0.5
check "no sanitizer reports" '! grep -l "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$DIR"/*/broker.log'

echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
