#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# amqps integration test (S-01, S-02, C-07). Makes throwaway certificates with
# tests/tls/make-certs.sh, starts ./warren with TLS configs on ephemeral ports, then checks
# protocol versions, ciphers and advertised mechanisms with `openssl s_client`, and logins,
# client-certificate verification and cross-protocol refusals with it_tls_client (rabbitmq-c).
# Run from the build directory; exits 77 (skip) without the openssl CLI or the binaries.
set -u
bin=${WARREN_BIN:-./warren}
client=./tests/integration/it_tls_client
src=${srcdir:-.}
command -v openssl >/dev/null 2>&1 || { echo "it_tls: no openssl CLI; skipping" >&2; exit 77; }
[ -x "$bin" ] || { echo "it_tls: $bin not built; skipping" >&2; exit 77; }
[ -x "$client" ] || { echo "it_tls: $client not built" >&2; exit 99; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/warren-tls-XXXXXX")
certs=$dir/certs
sh "$src/tests/tls/make-certs.sh" "$certs" || exit 99
failures=0
pid=

ok() { echo "ok - $1"; }
notok() {
    echo "not ok - $1"
    failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: the command's exit status decides
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else notok "$desc"; fi
}

# start NAME: runs the broker with $dir/NAME.conf; sets pid, port, tls_port
start() {
    mkdir -p "$dir/$1.data"
    rm -f "$dir/$1.ready"
    # --foreground: one SIGTERM reaches the broker, not a second one through the process group
    timeout --foreground 300 "$bin" --config "$dir/$1.conf" --port 0 --tls-port 0 \
        --ready-file "$dir/$1.ready" --data-dir "$dir/$1.data" >"$dir/$1.log" 2>&1 &
    pid=$!
    deadline=$(($(date +%s) + 30))
    while [ ! -f "$dir/$1.ready" ]; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
            echo "it_tls: broker $1 not ready; log follows" >&2
            cat "$dir/$1.log" >&2
            kill -KILL "$pid" 2>/dev/null
            exit 99
        fi
        sleep 0.05
    done
    port=$(sed -n 's/^port=//p' "$dir/$1.ready")
    tls_port=$(sed -n 's/^tls_port=//p' "$dir/$1.ready")
}

# stop NAME: SIGTERM; the broker must exit 0 (sanitizer builds: no leak, no error)
stop() {
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    check "broker $1 exits cleanly (status $status)" test "$status" -eq 0
    [ "$status" -eq 0 ] || cat "$dir/$1.log" >&2
}

# s_client ARGS...: a TLS handshake with the broker's TLS port, output in $dir/s_client.out
s_client() {
    timeout 10 openssl s_client -connect "127.0.0.1:$tls_port" -servername localhost \
        -CAfile "$certs/ca.pem" -verify_return_error "$@" </dev/null >"$dir/s_client.out" 2>&1
}
handshake_ok() { s_client "$@" && grep -q 'Verify return code: 0' "$dir/s_client.out"; }
# the server itself refused the version: alert 70 came back
version_refused() {
    ! s_client -cipher 'DEFAULT:@SECLEVEL=0' "$@" && grep -q 'alert protocol version' "$dir/s_client.out"
}
# mechanisms ARGS...: connection.start of an AMQP session over TLS, in $dir/start.bin
mechanisms() {
    (printf 'AMQP\0\0\011\001'; sleep 1) |
        timeout 10 openssl s_client -quiet -no_ign_eof -connect "127.0.0.1:$tls_port" \
            -CAfile "$certs/ca.pem" "$@" >"$dir/start.bin" 2>/dev/null
    grep -a -q 'AMQPLAIN PLAIN' "$dir/start.bin"
}
offers_external() { mechanisms "$@" && grep -a -q 'EXTERNAL AMQPLAIN PLAIN' "$dir/start.bin"; }
no_external() { mechanisms "$@" && ! grep -a -q 'EXTERNAL' "$dir/start.bin"; }
hello_to_plain_port() {
    ! timeout 10 openssl s_client -connect "127.0.0.1:$port" </dev/null >/dev/null 2>&1
}

pika_python=$(sh "$src/tests/tls/pika-python.sh")

common="ssl_options.cacertfile = $certs/ca.pem
ssl_options.certfile = $certs/server.pem
ssl_options.verify = verify_peer
handshake_timeout = 3000"
client_cert="-cert $certs/client.pem -key $certs/client.key"

# 1. client certificates required, login name from the CN, TLS 1.2 and 1.3
cat >"$dir/peer.conf" <<EOF
listeners.ssl.default = 5671
$common
ssl_options.keyfile = $certs/server.key
ssl_options.fail_if_no_peer_cert = true
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
ssl_options.honor_cipher_order = true
ssl_options.depth = 2
ssl_cert_login_from = common_name
EOF
start peer
# shellcheck disable=SC2086
check "TLS 1.3 handshake with a client certificate" handshake_ok -tls1_3 $client_cert
# shellcheck disable=SC2086
check "TLS 1.2 handshake with a client certificate" handshake_ok -tls1_2 $client_cert
check "TLS 1.1 refused by the broker" version_refused -tls1_1
check "TLS 1.0 refused by the broker" version_refused -tls1
# shellcheck disable=SC2086
check "EXTERNAL offered first to a verified client" offers_external $client_cert
check "TLS ClientHello on the AMQP port refused" hello_to_plain_port
"$client" peer "$port" "$tls_port" "$certs" || failures=$((failures + 1))
if [ -n "$pika_python" ]; then
    check "pika over TLS, EXTERNAL login from the certificate" \
        "$pika_python" "$src/tests/tls/pika_tls.py" "$tls_port" "$certs" external
    check "pika over TLS, PLAIN login" "$pika_python" "$src/tests/tls/pika_tls.py" "$tls_port" \
        "$certs" plain
else
    echo "ok - pika over TLS # SKIP no python3 with pika (apt-get install python3-pika)"
fi
check "failed handshakes logged" grep -q 'TLS handshake with .* failed' "$dir/peer.log"
check "expired certificate named in the log" grep -q 'certificate has expired' "$dir/peer.log"
stop peer

# 2. certificates optional, login name from the DN, TLS 1.2 only with two ciphers, and a
# password-protected key
cat >"$dir/dn.conf" <<EOF
listeners.ssl.default = 5671
$common
ssl_options.keyfile = $certs/server-enc.key
ssl_options.password = $(cat "$certs/server-enc.pass")
ssl_options.fail_if_no_peer_cert = false
ssl_options.versions.1 = tlsv1.2
ssl_options.ciphers.1 = ECDHE-ECDSA-AES256-GCM-SHA384
ssl_options.ciphers.2 = ECDHE-ECDSA-AES128-GCM-SHA256
default_user = CN=guest,O=WarrenTest
default_pass = dnpass
EOF
start dn
check "TLS 1.2 with a configured cipher" handshake_ok -tls1_2
check "TLS 1.3 refused when versions lists only tlsv1.2" version_refused -tls1_3
check "cipher outside ssl_options.ciphers refused" \
    eval '! s_client -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305'
check "no EXTERNAL without a client certificate" no_external
# shellcheck disable=SC2086
check "EXTERNAL offered with a verified certificate" offers_external $client_cert
"$client" dn "$port" "$tls_port" "$certs" || failures=$((failures + 1))
stop dn

# 3. configuration errors stop the broker at start, with a reason
printf 'listeners.ssl.default = 5671\nssl_options.certfile = %s/server.pem\n' "$certs" \
    >"$dir/nokey.conf"
cat >"$dir/badpass.conf" <<EOF
listeners.ssl.default = 5671
ssl_options.certfile = $certs/server.pem
ssl_options.keyfile = $certs/server-enc.key
ssl_options.password = wrong
EOF
printf 'ssl_options.verify = verify_sometimes\n' >"$dir/badverify.conf"
for c in nokey badpass badverify; do
    timeout 20 "$bin" --config "$dir/$c.conf" --port 0 --tls-port 0 --data-dir "$dir/$c.data" \
        >"$dir/$c.log" 2>&1
    check "bad TLS config ($c) refused at start" test $? -ne 0 -a -s "$dir/$c.log"
done

if [ "$failures" -eq 0 ]; then
    rm -rf "$dir"
else
    echo "it_tls: $failures failure(s); logs kept in $dir" >&2
fi
[ "$failures" -eq 0 ]
