#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Runs real client libraries' own test suites (../shared/compat/run-all.sh) against a freshly
# started Warren, then stops it. The broker takes port 5672 when nothing listens there, since
# two amqplib tests ("wrongly typed open/heartbeat option") connect to amqp://localhost with no
# port and expect a broker to answer; when 5672 is taken they reach whatever broker owns it,
# and Warren falls back to an ephemeral port.
#   scripts/check-clients.sh [SUITE...]         (make check-clients runs it from the build dir)
# Environment:
#   WARREN_BIN         broker binary (default ./warren)
#   WARREN_SHARED      the shared folder (default <repo top>/../shared)
#   CHECK_CLIENTS_DIR  where the broker's log, data dir and ready file go
#                      (default ./check-clients.d; a previous run's files there are removed)
#   READY_TIMEOUT      seconds to wait for the ready file (default 30)
#   SUITE_TIMEOUT      seconds for one suite (default 240; against RabbitMQ each takes < 25 s,
#                      downloads included)
#   SUITES_TIMEOUT     seconds for all suites together (default 480)
#   SUITES_CACHE       the suites' download cache (default ~/.cache/amqp-client-suites); their
#                      work copies and logs go to CHECK_CLIENTS_DIR/suites/ instead, so that
#                      two runs on one machine do not share them
# The last line printed is "N passed, M failed, K skipped"; the exit status is 0 only when
# every suite passed and the broker stopped cleanly (exit status 0 after SIGTERM).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${WARREN_SHARED:-$TOP/../shared}
WARREN_BIN=${WARREN_BIN:-./warren}
OUT=${CHECK_CLIENTS_DIR:-$PWD/check-clients.d}
READY_TIMEOUT=${READY_TIMEOUT:-30}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-240}
SUITES_TIMEOUT=${SUITES_TIMEOUT:-480}
CACHE=${SUITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/amqp-client-suites}
# warrenctl (next to the broker binary) gives every suite its own vhost, through the broker's
# control socket in the data dir; without it the suites share vhost "/" of this fresh broker.
CTL=$(cd "$(dirname "$WARREN_BIN")" && pwd)/warrenctl
[ -x "$CTL" ] || CTL=none
export WARREN_CTL_SOCKET=$OUT/data/warren.sock

BROKER_PID=
PORT=
PASSED=0 FAILED=0 SKIPPED=0

log() { echo "check-clients: $*" >&2; }

# Stops here: one failure for a broken setup, reported in the usual final-line format.
fail_setup() {
    log "ERROR: $*"
    echo "0 passed, 1 failed"
    exit 1
}

show_broker_log() {
    [ -s "$OUT/warren.log" ] || return 0
    log "last lines of $OUT/warren.log:"
    tail -n 30 "$OUT/warren.log" | sed 's/^/    /' >&2
}

kill_broker() {  # used by the EXIT trap: never leave a broker behind
    if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill -KILL "$BROKER_PID" 2>/dev/null || true
    fi
}

# True when nothing accepts connections on 127.0.0.1:PORT.
port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_broker() {  # start_broker PORT
    local port=$1
    # loopback only; [::1] too when the host has IPv6 (amqplib connects to [::1])
    local binds=(--bind 127.0.0.1)
    if grep -qE '^0{31}1 .* lo$' /proc/net/if_inet6 2>/dev/null; then
        binds+=(--bind ::1)
    fi
    [ -x "$WARREN_BIN" ] || fail_setup "no broker binary at $WARREN_BIN (build it first)"
    [ -f "$SHARED/compat/run-all.sh" ] ||
        fail_setup "no client suites at $SHARED/compat/run-all.sh (set WARREN_SHARED)"
    # only what an earlier run left, in case CHECK_CLIENTS_DIR names a directory in use
    rm -rf "$OUT/data" "$OUT/suites" "$OUT/ready" "$OUT/warren.log" "$OUT"/suite-*.out
    mkdir -p "$OUT/data" "$OUT/suites/work" "$OUT/suites/logs" "$CACHE/src" "$CACHE/dl"
    # downloads are shared with other runs; work copies and logs are this run's own
    ln -s "$CACHE/src" "$OUT/suites/src"
    ln -s "$CACHE/dl" "$OUT/suites/dl"
    export SUITES_CACHE=$OUT/suites
    log "starting $WARREN_BIN --port $port ${binds[*]} (log: $OUT/warren.log)"
    "$WARREN_BIN" --port "$port" "${binds[@]}" --ready-file "$OUT/ready" --data-dir "$OUT/data" \
        --log-level warning </dev/null >"$OUT/warren.log" 2>&1 &
    BROKER_PID=$!
}

# Sets PORT once the ready file holds a complete "port=N" line. Fails when the broker exits
# first (or, with "soft", returns 1 then) or READY_TIMEOUT passes.
wait_ready() {  # wait_ready [soft]
    local soft=${1:-} deadline=$((SECONDS + READY_TIMEOUT)) port prev='' cur status
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ -s "$OUT/ready" ]; then
            cur=$(cat "$OUT/ready")
            port=$(sed -n 's/^port=\([0-9][0-9]*\)$/\1/p' <<<"$cur" | head -n 1)
            # complete = newline-terminated, or unchanged since the previous look
            if [ -n "$port" ] && { [ -z "$(tail -c 1 "$OUT/ready")" ] || [ "$cur" = "$prev" ]; }; then
                PORT=$port
                return 0
            fi
            prev=$cur
        fi
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            status=0
            wait "$BROKER_PID" || status=$?
            BROKER_PID=
            if [ -n "$soft" ]; then
                log "warren exited with status $status at start; retrying on an ephemeral port"
                return 1
            fi
            show_broker_log
            fail_setup "warren exited with status $status before writing $OUT/ready"
        fi
        sleep 0.1
    done
    show_broker_log
    fail_setup "warren wrote no 'port=N' line to $OUT/ready within ${READY_TIMEOUT}s"
}

# The suites run-all.sh runs by default (its ALL=...), so that each can get its own deadline.
suite_list() {
    local all
    all=$(sed -n 's/^ALL="\(.*\)"$/\1/p' "$SHARED/compat/run-all.sh")
    echo "${all:-pika amqplib-node py-amqp anyevent-perl}"
}

# Signals every process of session SID. The suite scripts wrap their runners in their own
# `timeout`, which moves them to new process groups, so only the session catches them all.
signal_session() {  # signal_session SIG SID
    local sig=$1 sid=$2 f st fields
    for f in /proc/[0-9]*/stat; do
        st=$(cat "$f" 2>/dev/null) || continue
        # after "pid (comm) ": state ppid pgrp session ...
        read -r -a fields <<<"${st##*) }"
        if [ "${fields[3]:-}" = "$sid" ]; then
            kill -s "$sig" "${f//[^0-9]/}" 2>/dev/null || true
        fi
    done
}

# Runs CMD in a new session with output to FILE; after LIMIT seconds the whole session is
# killed and 124 returned, else CMD's status.
run_with_deadline() {  # run_with_deadline LIMIT FILE CMD...
    local limit=$1 out=$2 deadline=$((SECONDS + $1)) pid rc=0
    shift 2
    setsid "$@" </dev/null >"$out" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            signal_session TERM "$pid"
            sleep 2
            signal_session KILL "$pid"
            wait "$pid" 2>/dev/null || true
            return 124
        fi
        sleep 0.2
    done
    wait "$pid" || rc=$?
    return "$rc"
}

# Runs one suite through run-all.sh under a deadline; adds its "N passed, M failed[, K skipped]".
run_suite() {
    local port=$1 suite=$2 limit=$3 rc=0 line p f k
    AMQP_HOST=127.0.0.1 AMQP_PORT=$port RABBITMQCTL=$CTL \
        run_with_deadline "$limit" "$OUT/suite-$suite.out" \
        bash "$SHARED/compat/run-all.sh" "$suite" || rc=$?
    line=$(grep -E "^$suite " "$OUT/suite-$suite.out" | tail -n 1) || true
    p=$(sed -nE 's/^[^ ]+ +([0-9]+) passed.*/\1/p' <<<"$line")
    f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
    k=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
    if [ "$rc" -eq 124 ]; then
        printf '%-14s %s\n' "$suite" "timed out after ${limit}s"
        p=0 f=1 k=0
    elif [ -z "$p" ] || [ -z "$f" ]; then
        printf '%-14s %s\n' "$suite" "no result (exit status $rc)"
        p=0 f=1 k=0
    else
        echo "$line"
    fi
    if [ "$f" -gt 0 ]; then
        grep -v '^\[' "$OUT/suites/logs/$suite.stderr" 2>/dev/null | head -n 40 | sed 's/^/    /' || true
        echo "    (logs: $OUT/suites/logs/$suite.*)"
    fi
    PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + ${k:-0}))
}

# Each suite gets at most SUITE_TIMEOUT seconds, all together at most SUITES_TIMEOUT; a suite
# that finds no time left counts as one failure.
run_suites() {
    local port=$1 deadline=$((SECONDS + SUITES_TIMEOUT)) suite left suites
    shift
    suites=("$@")
    [ $# -gt 0 ] || read -r -a suites <<<"$(suite_list)"
    log "client suites against 127.0.0.1:$port (RABBITMQCTL=$CTL)"
    for suite in "${suites[@]}"; do
        left=$((deadline - SECONDS))
        [ "$left" -gt "$SUITE_TIMEOUT" ] && left=$SUITE_TIMEOUT
        if [ "$left" -le 0 ]; then
            printf '%-14s %s\n' "$suite" "not run: SUITES_TIMEOUT (${SUITES_TIMEOUT}s) used up"
            FAILED=$((FAILED + 1))
            continue
        fi
        run_suite "$port" "$suite" "$left"
    done
}

# SIGTERM is a graceful stop: the broker must exit 0 within 15 s and report no sanitizer error.
stop_broker() {
    local status=0 i
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then
        wait "$BROKER_PID" || status=$?
        log "ERROR: warren died during the suites (status $status)"
        FAILED=$((FAILED + 1))
        BROKER_PID=
        show_broker_log
        return 0
    fi
    kill -TERM "$BROKER_PID"
    for ((i = 0; i < 150; i++)); do
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$BROKER_PID" 2>/dev/null; then
        log "ERROR: warren still running 15s after SIGTERM; killing it"
        kill -KILL "$BROKER_PID" 2>/dev/null || true
    fi
    wait "$BROKER_PID" || status=$?
    BROKER_PID=
    if [ "$status" -ne 0 ] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$OUT/warren.log"; then
        log "ERROR: warren exited with status $status after SIGTERM"
        FAILED=$((FAILED + 1))
        show_broker_log
    fi
}

main() {
    trap kill_broker EXIT
    if port_free 5672 && start_broker 5672 && wait_ready soft; then
        :
    else
        start_broker 0
        wait_ready
    fi
    run_suites "$PORT" "$@"
    stop_broker
    if [ "$SKIPPED" -gt 0 ]; then
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    else
        echo "$PASSED passed, $FAILED failed"
    fi
    [ "$FAILED" -eq 0 ]
}

main "$@"
