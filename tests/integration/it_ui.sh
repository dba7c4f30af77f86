#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# The management dashboard in a real browser: starts a broker, gives it a queue with messages,
# a policy and a live consumer, then runs tests/ui/dashboard_test.mjs, which drives headless
# Chromium over the DevTools protocol through every view and checks what the page shows.
# Skipped (77) only when chromium or node is missing.
set -uo pipefail

BIN=${WARREN_BIN:-./warren}
CTL=${WARRENCTL_BIN:-./warrenctl}
SRC=${srcdir:-$(dirname "$0")/../..}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
[ -n "$CHROMIUM" ] || { echo "it_ui: chromium missing (apt-get install chromium)"; exit 77; }
command -v node >/dev/null || { echo "it_ui: node missing"; exit 77; }
[ -x "$BIN" ] && [ -x "$CTL" ] || { echo "it_ui: $BIN or $CTL missing"; exit 1; }
command -v amqp-declare-queue >/dev/null && command -v amqp-publish >/dev/null &&
    command -v amqp-consume >/dev/null || { echo "it_ui: amqp-tools missing"; exit 1; }
DIR=$(mktemp -d)
PIDS= CONSUMER=
# TERM for the consumer's timeout, which passes it on to amqp-consume
trap 'kill -TERM $CONSUMER 2>/dev/null; for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
      rm -rf "$DIR"' EXIT

# in a subshell, so the shell reports nothing when the trap kills it
(timeout 300 "$BIN" --port 0 --bind 127.0.0.1 --mgmt-port 0 --prometheus-port 0 \
    --ready-file "$DIR/ready" --data-dir "$DIR/data" >>"$DIR/broker.log" 2>&1 &
    echo $! >"$DIR/pid")
pid=$(cat "$DIR/pid")
for _ in $(seq 600); do # sanitizer builds start slowly
    [ -f "$DIR/ready" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "it_ui: broker died"; tail "$DIR/broker.log"; exit 1; }
    sleep 0.05
done
PORT=$(sed -n 's/^port=//p' "$DIR/ready")
MPORT=$(sed -n 's/^mgmt_port=//p' "$DIR/ready")
[ -n "$PORT" ] && [ -n "$MPORT" ] || { echo "it_ui: no ports in ready file"; exit 1; }
PIDS="$PIDS $(pgrep -P "$pid")" # the broker, under timeout
export WARREN_CTL_SOCKET=$DIR/data/warren.sock

amqp() { local c=$1; shift; timeout 30 "amqp-$c" --server 127.0.0.1 --port "$PORT" "$@"; }
amqp declare-queue -q ui.q >/dev/null && amqp declare-queue -q ui.busy >/dev/null || {
    echo "it_ui: declare failed"; exit 1; }
for b in first second third; do amqp publish -r ui.q -b "$b" || exit 1; done
"$CTL" -q set_policy ui-limit '^ui\.' '{"max-length":100}' --priority 2 ||
    { echo "it_ui: set_policy failed"; exit 1; }
(timeout 300 amqp-consume --server 127.0.0.1 --port "$PORT" -q ui.busy cat >/dev/null \
    2>"$DIR/consume.err" & echo $! >"$DIR/consume.pid")
CONSUMER=$(cat "$DIR/consume.pid")

# Node 20 keeps its WebSocket behind a flag that older releases reject; ws.mjs covers those
WSFLAG=
node --experimental-websocket -e 0 2>/dev/null && WSFLAG=--experimental-websocket
UI_URL=http://127.0.0.1:$MPORT/ UI_USER=guest UI_PASS=guest UI_QUEUES=2 UI_QUEUE=ui.q \
UI_QUEUE_MSGS=3 UI_FIRST_PAYLOAD=first UI_POLICY=ui-limit UI_POLICY_PATTERN='^ui\.' \
UI_CONSUMED=ui.busy CHROMIUM=$CHROMIUM UI_TIMEOUT_MS=${UI_TIMEOUT_MS:-30000} \
    timeout 600 node $WSFLAG --no-warnings "$SRC/tests/ui/dashboard_test.mjs"
rc=$?
[ $rc = 0 ] || { echo "# broker log:"; tail -20 "$DIR/broker.log" | sed 's/^/#  /'; }
exit $rc
