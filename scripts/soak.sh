#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# Soak test (issue 6, not in CI): SOAK_SECONDS (3600) of mixed load against a sanitizer or
# valgrind broker, sampling its RSS and descriptors every SOAK_SAMPLE (10) s into a CSV.
# Fails on RSS growth past SOAK_RSS_GROWTH_MB (32) between the warm-up and the end, on any
# sanitizer/valgrind report, on a failed load generator, or on an unclean broker exit.
#
# Load: confirms + multi-acks with prefetch (warren-perf), message TTL dead-lettered through
# amq.fanout to a consumed DLQ, a full max-length queue nacking confirmed publishes
# (reject-publish), a consumer rejecting (to the DLX) and requeueing, and connection churn
# (short warren-perf runs with idle connections, queues deleted after each).
#
# Run from a build directory configured with --enable-sanitizers (SOAK_MODE=asan, default)
# or any build with SOAK_MODE=valgrind. WARREN_BIN, WARREN_PERF override the binaries;
# SOAK_DIR keeps the CSV, logs and broker data (default: a new mktemp directory).
set -u
secs=${SOAK_SECONDS:-3600}
sample=${SOAK_SAMPLE:-10}
limit_mb=${SOAK_RSS_GROWTH_MB:-32}
mode=${SOAK_MODE:-asan}
bin=${WARREN_BIN:-./warren}
perf=${WARREN_PERF:-./warren-perf}
dir=${SOAK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/warren-soak-XXXXXX")}
csv=$dir/rss.csv
[ -x "$bin" ] && [ -x "$perf" ] || { echo "soak: need $bin and $perf (run from the build dir)" >&2; exit 2; }
mkdir -p "$dir/data"
pids=""

# Broker: ASan returns freed memory late and keeps a quarantine; both would read as growth.
ASAN_OPTIONS="quarantine_size_mb=16:allocator_release_to_os_interval_ms=1000:${ASAN_OPTIONS:-}"
export ASAN_OPTIONS
case $mode in
valgrind)
    valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --log-file="$dir/valgrind.log" "$bin" --port 0 --bind 127.0.0.1 \
        --ready-file "$dir/ready" --data-dir "$dir/data" >"$dir/warren.log" 2>&1 &
    ;;
*)
    "$bin" --port 0 --bind 127.0.0.1 --ready-file "$dir/ready" --data-dir "$dir/data" \
        >"$dir/warren.log" 2>&1 &
    ;;
esac
broker=$!

stop_all() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
}
die() {
    echo "soak: $*" >&2
    stop_all
    kill -KILL "$broker" 2>/dev/null
    exit 1
}

deadline=$(($(date +%s) + 60))
while [ ! -f "$dir/ready" ]; do
    kill -0 "$broker" 2>/dev/null || die "broker exited before ready (see $dir/warren.log)"
    [ "$(date +%s)" -ge "$deadline" ] && die "broker not ready in 60 s"
    sleep 0.2
done
port=$(sed -n 's/^port=//p' "$dir/ready")
echo "soak: broker pid $broker port $port, $secs s, mode $mode, output in $dir"

# A raw-socket consumer that rejects: 1 in 8 requeued, the rest dead-lettered (no client
# library with basic.reject is assumed to be installed).
cat >"$dir/rejecter.py" <<'PY'
import socket, struct, sys, time
port, queue, until = int(sys.argv[1]), sys.argv[2].encode(), time.time() + float(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
def sstr(b): return bytes([len(b)]) + b
def frame(t, ch, p): return struct.pack(">BHI", t, ch, len(p)) + p + b"\xce"
def method(ch, c, m, a=b""): return frame(1, ch, struct.pack(">HH", c, m) + a)
buf = b""
def read_frame():
    global buf
    while True:
        if len(buf) >= 7:
            t, ch, n = struct.unpack(">BHI", buf[:7])
            if len(buf) >= n + 8:
                p, buf = buf[7:7 + n], buf[n + 8:]
                if t == 8: continue
                return t, p
        d = s.recv(65536)
        if not d: sys.exit("rejecter: broker closed the connection")
        buf += d
def until_method(c, m):
    while True:
        t, p = read_frame()
        if t == 1 and struct.unpack(">HH", p[:4]) in ((10, 50), (20, 40)):
            sys.exit("rejecter: closed: %r" % p[:80])
        if t == 1 and struct.unpack(">HH", p[:4]) == (c, m): return p
s.sendall(b"AMQP\0\0\x09\x01"); until_method(10, 10)
s.sendall(method(0, 10, 11, b"\0\0\0\0" + sstr(b"PLAIN") + struct.pack(">I", 12) + b"\0guest\0guest" + sstr(b"en_US")))
until_method(10, 30)
s.sendall(method(0, 10, 31, struct.pack(">HIH", 2047, 131072, 0)) + method(0, 10, 40, sstr(b"/") + sstr(b"") + b"\0"))
until_method(10, 41)
s.sendall(method(1, 20, 10, sstr(b""))); until_method(20, 11)
n = 0
while time.time() < until:
    s.sendall(method(1, 60, 70, b"\0\0" + sstr(queue) + b"\0"))
    while True:
        t, p = read_frame()
        if t != 1: continue
        cm = struct.unpack(">HH", p[:4])
        if cm == (60, 72): time.sleep(0.05); break
        if cm == (60, 71):
            tag = struct.unpack(">Q", p[4:12])[0]
            t, h = read_frame()
            size = struct.unpack(">Q", h[4:12])[0]
            got = 0
            while got < size:
                t, b = read_frame(); got += len(b)
            n += 1
            s.sendall(method(1, 60, 90, struct.pack(">QB", tag, 1 if n % 8 == 0 else 0)))
            break
        if cm in ((10, 50), (20, 40)): sys.exit("rejecter: closed")
print("rejecter: %d rejected" % n)
PY

run_bg() { # name, command...: runs until the end, output to $dir/name.log
    name=$1; shift
    "$@" >"$dir/$name.log" 2>&1 &
    pids="$pids $!"
}
P="$perf --host 127.0.0.1 --port $port --quiet -z $secs"
run_bg main $P -x 2 -y 2 -u soak-main -c 100 -q 50 --multi-ack-every 10 -r 300 -s 512
run_bg ttl $P -x 1 -y 0 -u soak-ttl -r 100 -s 256 \
    --queue-args x-message-ttl=100,x-dead-letter-exchange=amq.fanout
run_bg dlq $P -x 0 -y 1 -u soak-dlq -e amq.fanout -t fanout -a
run_bg full $P -x 1 -y 0 -u soak-full -c 50 -r 100 -s 128 \
    --queue-args x-max-length=1000,x-overflow=reject-publish
run_bg rejpub $P -x 1 -y 0 -u soak-rej -r 10 -s 64 --queue-args x-dead-letter-exchange=amq.fanout
sleep 1
run_bg rejecter python3 "$dir/rejecter.py" "$port" soak-rej "$secs"
churn() {
    end=$(($(date +%s) + secs))
    i=0
    while [ "$(date +%s)" -lt "$end" ]; do
        i=$((i + 1))
        $perf --host 127.0.0.1 --port "$port" --quiet -z 3 -x 1 -y 1 -u "soak-churn-$((i % 5))" \
            -c 10 -r 2000 --drain 1 --idle-conns 20 --cleanup || { echo "churn run $i failed"; exit 1; }
    done
}
churn >"$dir/churn.log" 2>&1 &
pids="$pids $!"

echo "t,rss_kb,fds" >"$csv"
start=$(date +%s)
while :; do
    now=$(($(date +%s) - start))
    [ "$now" -ge "$secs" ] && break
    kill -0 "$broker" 2>/dev/null || die "broker died at ${now}s (see $dir/warren.log)"
    rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$broker/status")
    fds=$(ls "/proc/$broker/fd" | wc -l)
    echo "$now,$rss,$fds" >>"$csv"
    sleep "$sample"
done

rc=0
for p in $pids; do
    wait "$p" || { echo "soak: a load generator failed (exit $?); logs in $dir" >&2; rc=1; }
done
for name in main ttl dlq full rejpub; do
    grep -h "SUMMARY" "$dir/$name.log" | sed "s/^SUMMARY/soak: $name:/"
done
echo "soak: churn: $(grep -c SUMMARY "$dir/churn.log") short runs"
tail -n 1 "$dir/rejecter.log" | sed 's/^/soak: /'

# Growth: warm-up baseline (the sample nearest 20% of the run) against the last sample.
n=$(($(wc -l <"$csv") - 1))
base=$(awk -F, -v k=$((n / 5 + 2)) 'NR == k { print $2 }' "$csv")
last=$(tail -n 1 "$csv" | cut -d, -f2)
max=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$csv")
growth=$(((last - base) / 1024))
echo "soak: $n samples; RSS warm-up ${base} KiB, end ${last} KiB, max ${max} KiB, growth ${growth} MiB (limit ${limit_mb})"
[ "$growth" -gt "$limit_mb" ] && { echo "soak: RSS grew by ${growth} MiB" >&2; rc=1; }

kill -TERM "$broker"
deadline=$(($(date +%s) + 60))
while kill -0 "$broker" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
kill -0 "$broker" 2>/dev/null && { kill -KILL "$broker"; die "broker ignored SIGTERM"; }
wait "$broker"
status=$?
[ "$status" -ne 0 ] && { echo "soak: broker exit status $status" >&2; rc=1; }
if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$dir/warren.log" ||
    { [ -f "$dir/valgrind.log" ] && grep -q "Invalid \|definitely lost: [1-9]" "$dir/valgrind.log"; }; then
    echo "soak: sanitizer/valgrind report, see $dir" >&2
    rc=1
fi
[ "$rc" -eq 0 ] && echo "soak: PASS ($csv)" || echo "soak: FAIL ($dir)"
exit "$rc"
