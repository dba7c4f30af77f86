#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# Integration test (issue 6): start ./warren on an ephemeral port, run tests/hostile/hostile
# against it with a CI budget (about 40 s, moderate counts so the ASan build stays small),
# then check the broker still answers, exits cleanly on SIGTERM and logged no sanitizer report.
# Run from the build directory. HOSTILE_ARGS adds or overrides hostile options
# (e.g. HOSTILE_ARGS='--pipeline-mb 0' skips the pipelining check).
set -u
bin=${WARREN_BIN:-./warren}
hostile=./tests/hostile/hostile
[ -x "$hostile" ] || { echo "it_hostile: $hostile not built" >&2; exit 99; }
[ -x "$bin" ] || { echo "it_hostile: $bin not built; skipping" >&2; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/warren-hostile-XXXXXX")
mkdir "$dir/data"
# Under ASan, freed memory sits in the quarantine (256 MiB by default) and is returned to the
# system lazily: both would read as RSS growth. Options given by the caller still win.
ASAN_OPTIONS="quarantine_size_mb=4:allocator_release_to_os_interval_ms=100:${ASAN_OPTIONS:-}"
export ASAN_OPTIONS
timeout 300 "$bin" --port 0 --bind 127.0.0.1 --ready-file "$dir/ready" --data-dir "$dir/data" \
    >"$dir/warren.log" 2>&1 &
tpid=$!

fail() {
    echo "it_hostile: $*; broker log follows" >&2
    tail -n 50 "$dir/warren.log" >&2
    kill -KILL "$tpid" 2>/dev/null
    exit 1
}

# The broker is timeout's child: its pid is what hostile samples RSS and descriptors from.
broker_pid() {
    for s in /proc/[0-9]*/stat; do
        set -- $(cat "$s" 2>/dev/null)
        [ "${4:-}" = "$tpid" ] && { echo "$1"; return; }
    done
}

deadline=$(($(date +%s) + 30))
while [ ! -f "$dir/ready" ]; do
    kill -0 "$tpid" 2>/dev/null || fail "broker exited before ready"
    [ "$(date +%s)" -ge "$deadline" ] && fail "broker not ready in 30 s"
    sleep 0.05
done
port=$(sed -n 's/^port=//p' "$dir/ready")
pid=$(broker_pid)
[ -n "$pid" ] || fail "cannot find the broker's pid"

# ASan's allocator keeps freed size classes mapped (about 30 MiB after the slow-reader backlog
# here, with no leak at exit): allow more growth there. A pipelining broker that buffers
# replies without bound still shows 180+ MiB.
rss_limit=20
grep -q "define WR_SANITIZERS 1" config.h 2>/dev/null && rss_limit=64

# shellcheck disable=SC2086
timeout 120 "$hostile" --host 127.0.0.1 --port "$port" --pid "$pid" --flood 2000 --slow 6 \
    --randoms 150 --slowreader-mb 24 --pipeline-mb 48 --rss-limit-mb "$rss_limit" --slack-ms 5000 \
    ${HOSTILE_ARGS:-}
rc=$?
[ "$rc" -eq 124 ] && echo "it_hostile: hostile did not finish in 120 s" >&2

kill -0 "$pid" 2>/dev/null || fail "broker died"
kill -TERM "$pid" 2>/dev/null
deadline=$(($(date +%s) + 20))
while kill -0 "$tpid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.05
done
kill -0 "$tpid" 2>/dev/null && fail "broker ignored SIGTERM"
wait "$tpid"
status=$?
if [ "$status" -ne 0 ]; then
    echo "it_hostile: broker exited with status $status" >&2
    rc=1
fi
if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$dir/warren.log"; then
    echo "it_hostile: sanitizer report in the broker log" >&2
    rc=1
fi
if [ "$rc" -ne 0 ]; then
    tail -n 80 "$dir/warren.log" >&2
    echo "it_hostile: broker log kept in $dir" >&2
else
    rm -rf "$dir"
fi
exit "$rc"
