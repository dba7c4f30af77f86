#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# Integration test: start ./warren on an ephemeral port (or use WARREN_TEST_ADDR=host:port),
# run the compat scenario suite against it, stop it. Run from the build directory.
# COMPAT_TAGS / COMPAT_FILTER pass --tags / --filter through.
set -u
bin=${WARREN_BIN:-./warren}
runner=./compat/run-scenarios
[ -x "$runner" ] || { echo "it_compat: $runner not built" >&2; exit 99; }

run_suite() {
    set -- --host "$1" --port "$2"
    [ -n "${COMPAT_TAGS:-}" ] && set -- "$@" --tags "$COMPAT_TAGS"
    [ -n "${COMPAT_FILTER:-}" ] && set -- "$@" --filter "$COMPAT_FILTER"
    timeout 600 "$runner" "$@"
}

if [ -n "${WARREN_TEST_ADDR:-}" ]; then
    run_suite "${WARREN_TEST_ADDR%:*}" "${WARREN_TEST_ADDR##*:}"
    exit $?
fi
[ -x "$bin" ] || { echo "it_compat: $bin not built; skipping" >&2; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/warren-compat-XXXXXX")
mkdir "$dir/data"
timeout 300 "$bin" --port 0 --ready-file "$dir/ready" --data-dir "$dir/data" \
    >"$dir/warren.log" 2>&1 &
pid=$!

# Poll for the ready file against a 30 s deadline; the broker renames it into place.
deadline=$(($(date +%s) + 30))
while [ ! -f "$dir/ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
        echo "it_compat: broker not ready; log follows" >&2
        cat "$dir/warren.log" >&2
        kill -KILL "$pid" 2>/dev/null
        exit 99
    fi
    sleep 0.05
done
port=$(sed -n 's/^port=//p' "$dir/ready")

run_suite 127.0.0.1 "$port"
rc=$?

kill -TERM "$pid" 2>/dev/null
deadline=$(($(date +%s) + 10))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
    echo "it_compat: broker ignored SIGTERM; killing" >&2
    kill -KILL "$pid" 2>/dev/null
    rc=1
fi
wait "$pid"
status=$?
if [ "$status" -ne 0 ] && [ "$rc" -eq 0 ]; then
    echo "it_compat: broker exited with status $status" >&2
    rc=1
fi
if [ "$rc" -ne 0 ]; then
    echo "it_compat: broker log: $dir/warren.log" >&2
    tail -50 "$dir/warren.log" >&2
else
    rm -rf "$dir"
fi
exit $rc
