#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# HTTPS management listener (management.ssl.*). Makes throwaway certificates with
# tests/tls/make-certs.sh, starts ./warren with an ephemeral HTTPS management port, and checks
# with curl and `openssl s_client`: the API over HTTPS, plain HTTP on the HTTPS port refused
# without harming the listener, TLS 1.0/1.1 refused by default, client certificates required
# with verify_peer + fail_if_no_peer_cert, management.ssl.* kept apart from ssl_options.*, which
# plain listener stays on (RabbitMQ's rule), and unusable settings logged.
# Run from the build directory; exits 77 (skip) without curl, the openssl CLI or the binary.
set -u
bin=${WARREN_BIN:-./warren}
src=${srcdir:-.}
command -v openssl >/dev/null 2>&1 || { echo "it_mgmt_tls: no openssl CLI; skipping" >&2; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "it_mgmt_tls: no curl; skipping" >&2; exit 77; }
[ -x "$bin" ] || { echo "it_mgmt_tls: $bin not built; skipping" >&2; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/warren-mtls-XXXXXX")
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

# start NAME ARGS...: runs the broker with $dir/NAME.conf and ARGS; sets pid and the ports
# named in the ready file (empty when absent)
start() {
    name=$1
    shift
    mkdir -p "$dir/$name.data"
    rm -f "$dir/$name.ready"
    # --foreground: one SIGTERM reaches the broker, not a second one through the process group
    timeout --foreground 300 "$bin" --config "$dir/$name.conf" --port 0 --prometheus-port -1 \
        --ready-file "$dir/$name.ready" --data-dir "$dir/$name.data" "$@" >"$dir/$name.log" 2>&1 &
    pid=$!
    deadline=$(($(date +%s) + 30))
    while [ ! -f "$dir/$name.ready" ]; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
            echo "it_mgmt_tls: broker $name not ready; log follows" >&2
            cat "$dir/$name.log" >&2
            kill -KILL "$pid" 2>/dev/null
            exit 99
        fi
        sleep 0.05
    done
    tls_port=$(sed -n 's/^tls_port=//p' "$dir/$name.ready")
    mport=$(sed -n 's/^mgmt_port=//p' "$dir/$name.ready")
    mtport=$(sed -n 's/^mgmt_tls_port=//p' "$dir/$name.ready")
}

# stop NAME: SIGTERM; the broker must exit 0 (sanitizer builds: no leak, no error)
stop() {
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    check "broker $1 exits cleanly (status $status)" test "$status" -eq 0
    [ "$status" -eq 0 ] || cat "$dir/$1.log" >&2
}

# https PATH [CURL ARGS...]: GET over HTTPS as guest, trusting the test CA; the status code in
# $code (000 when no HTTP reply came), the body in $dir/body, headers in $dir/headers
https() {
    path=$1
    shift
    rm -f "$dir/body" "$dir/headers"
    code=$(curl -s -o "$dir/body" -D "$dir/headers" -w '%{http_code}' --max-time 10 \
        --cacert "$certs/ca.pem" -u guest:guest "$@" "https://127.0.0.1:$mtport$path")
}
status_is() { test "$code" = "$1"; }
overview_json() {
    https /api/overview "$@" && status_is 200 &&
        grep -qi '^content-type: application/json' "$dir/headers" &&
        grep -q '^{.*"object_totals":{.*}$' "$dir/body"
}
# the request got no HTTP reply at all: curl failed and reported no status
refused() {
    https /api/overview "$@"
    test "$code" = 000
}
plain_http_refused() {
    ! curl -s -o /dev/null --max-time 10 -u guest:guest "http://127.0.0.1:$mtport/api/overview"
}
# s_client ARGS...: a TLS handshake with the HTTPS management port, output in $dir/s_client.out
s_client() {
    timeout 10 openssl s_client -connect "127.0.0.1:$mtport" -servername localhost \
        -CAfile "$certs/ca.pem" -verify_return_error "$@" </dev/null >"$dir/s_client.out" 2>&1
}
handshake_ok() { s_client "$@" && grep -q 'Verify return code: 0' "$dir/s_client.out"; }
# the server itself refused the version: alert 70 came back
version_refused() {
    ! s_client -cipher 'DEFAULT:@SECLEVEL=0' "$@" && grep -q 'alert protocol version' "$dir/s_client.out"
}
# the amqps port demands a client certificate: a handshake without one gets no session
amqps_needs_cert() {
    ! timeout 10 openssl s_client -connect "127.0.0.1:$tls_port" -CAfile "$certs/ca.pem" \
        -tls1_2 </dev/null >"$dir/amqps.out" 2>&1
}
absent() { test -z "$1"; }
# only the HTTPS listener started: no plain one bound, none attempted either (15672 may be taken)
https_only() { absent "$mport" && ! grep -q "management API on port" "$dir/$1.log"; }
# get_named PATH NAME: 200 with an object whose "name" is NAME
get_named() { https "$1" && status_is 200 && grep -q "\"name\":\"$2\"" "$dir/body"; }
put_created() { https "$1" -X PUT && status_is 201; }
login_refused() { https /api/overview -u guest:nope && status_is 401; }
untrusted_server() { ! https /api/overview --cacert "$certs/rogue-ca.pem"; }
ok_without_cert() { https /api/overview && status_is 200; }
plain_http_ok() {
    test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u guest:guest \
        "http://127.0.0.1:$mport/api/overview")" = 200
}
tls12_refused() { ! s_client -tls1_2 -cert "$certs/client.pem" -key "$certs/client.key"; }
# start_refused NAME: the broker exits non-zero at start and says why
start_refused() {
    timeout 20 "$bin" --config "$dir/$1.conf" --port 0 --data-dir "$dir/$1.data" \
        >"$dir/$1.log" 2>&1
    test $? -ne 0 && grep -q "invalid value" "$dir/$1.log"
}
client_cert="--cert $certs/client.pem --key $certs/client.key"

# 1. HTTPS only, no client certificates, default versions; amqps alongside with its own,
# stricter ssl_options.* that must not leak into the management listener
cat >"$dir/https.conf" <<EOF
management.ssl.port = 15671
management.ssl.cacertfile = $certs/ca.pem
management.ssl.certfile = $certs/server.pem
management.ssl.keyfile = $certs/server.key
listeners.ssl.default = 5671
ssl_options.cacertfile = $certs/ca.pem
ssl_options.certfile = $certs/server.pem
ssl_options.keyfile = $certs/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
EOF
start https --tls-port 0 --mgmt-tls-port 0
check "ready file names the HTTPS management port" test -n "$mtport"
check "plain management listener off when only management.ssl is set" https_only https
check "HTTPS listener start logged" grep -q 'management API over HTTPS on port' "$dir/https.log"
check "GET /api/overview over HTTPS: 200 JSON" overview_json
https_listed() {
    grep -q "\"protocol\":\"https\",\"ip_address\":\"::\",\"port\":$mtport}" "$dir/body" &&
        grep -q "\"protocol\":\"amqp/ssl\",\"ip_address\":\"::\",\"port\":$tls_port}" "$dir/body"
}
check "overview lists the HTTPS and amqps listeners" https_listed
check "GET /api/whoami over HTTPS names guest" get_named /api/whoami guest
check "PUT /api/vhosts/mtls over HTTPS creates it" put_created /api/vhosts/mtls
check "GET /api/vhosts/mtls over HTTPS finds it" get_named /api/vhosts/mtls mtls
check "wrong password over HTTPS: 401" login_refused
check "certificate from another CA not trusted by curl" untrusted_server
check "no client certificate needed without management.ssl.verify" ok_without_cert
check "amqps still demands a client certificate (ssl_options.*)" amqps_needs_cert
# an amqps connection as /api/connections shows it: RabbitMQ's ssl_* and peer_cert_* keys
pika_python=$(sh "$src/tests/tls/pika-python.sh")
amqps_conn_listed() {
    "$pika_python" "$src/tests/tls/pika_tls.py" "$tls_port" "$certs" hold 6 &
    holder=$!
    found=1
    for _ in $(seq 50); do
        https /api/connections
        if grep -q '"ssl":true' "$dir/body"; then found=0; break; fi
        sleep 0.1
    done
    wait "$holder"
    [ "$found" = 0 ] && grep -q '"ssl_protocol":"tlsv1.3"' "$dir/body" &&
        grep -q '"ssl_hash":"aead"' "$dir/body" && grep -q '"ssl_key_exchange":"any"' "$dir/body" &&
        grep -q '"peer_cert_subject":"CN=' "$dir/body" &&
        grep -q '"peer_cert_validity":"[0-9-]*T[0-9:]*Z - ' "$dir/body"
}
if [ -n "$pika_python" ]; then
    check "an amqps connection is listed with its TLS session and client certificate" \
        amqps_conn_listed
else
    echo "ok - amqps connection listing # SKIP no python3 with pika (apt-get install python3-pika)"
fi
check "plain HTTP to the HTTPS port gets no HTTP reply" plain_http_refused
check "HTTPS still served after the plain HTTP attempt" overview_json
check "TLS 1.3 handshake" handshake_ok -tls1_3
check "TLS 1.2 handshake" handshake_ok -tls1_2
check "TLS 1.1 refused by default" version_refused -tls1_1
check "TLS 1.0 refused by default" version_refused -tls1
# the server's protocol_version alert, not the client's own security level, must be the reason
curl_tls11_refused() {
    ! curl -sS -o /dev/null --max-time 10 --cacert "$certs/ca.pem" --tlsv1.0 --tls-max 1.1 \
        --ciphers 'DEFAULT:@SECLEVEL=0' "https://127.0.0.1:$mtport/api/overview" 2>"$dir/curl.err" &&
        grep -q 'alert protocol version' "$dir/curl.err"
}
check "curl limited to TLS 1.1 refused by the server" curl_tls11_refused
stop https

# 2. client certificates required, TLS 1.3 only, an encrypted key; management.tcp.port given
# in the file keeps the plain listener on beside HTTPS
cat >"$dir/peer.conf" <<EOF
management.tcp.port = 0
management.ssl.cacertfile = $certs/ca.pem
management.ssl.certfile = $certs/server.pem
management.ssl.keyfile = $certs/server-enc.key
management.ssl.password = $(cat "$certs/server-enc.pass")
management.ssl.verify = verify_peer
management.ssl.fail_if_no_peer_cert = true
management.ssl.versions.1 = tlsv1.3
management.ssl.honor_cipher_order = true
management.ssl.depth = 2
EOF
start peer --mgmt-tls-port 0
check "ready file names both management ports" test -n "$mtport" -a -n "$mport"
check "request without a client certificate refused" refused
# shellcheck disable=SC2086
check "request with the client certificate: 200 JSON" overview_json $client_cert
check "certificate from another CA refused" \
    refused --cert "$certs/rogue.pem" --key "$certs/rogue.key"
check "expired certificate refused" \
    refused --cert "$certs/expired.pem" --key "$certs/expired.key"
check "TLS 1.2 refused when versions lists only tlsv1.3" tls12_refused
# shellcheck disable=SC2086
check "still served after the refusals" overview_json $client_cert
check "plain management listener kept by management.tcp.port" plain_http_ok
stop peer

# 3. unusable management.ssl settings: logged, the HTTPS listener left off, the broker runs on
printf 'management.ssl.certfile = %s/server.pem\n' "$certs" >"$dir/nokey.conf"
cat >"$dir/badpass.conf" <<EOF
management.ssl.certfile = $certs/server.pem
management.ssl.keyfile = $certs/server-enc.key
management.ssl.password = wrong
EOF
for c in nokey badpass; do
    start "$c" --mgmt-tls-port 0
    check "unusable management.ssl ($c): no HTTPS port in the ready file" absent "$mtport"
    stop "$c"
done
check "missing keyfile named in the log" \
    grep -q 'needs management.ssl.certfile and management.ssl.keyfile' "$dir/nokey.log"
check "unloadable key named in the log" \
    grep -q 'cannot load management.ssl.keyfile' "$dir/badpass.log"
# 4. malformed values stop the broker at start, with a reason
printf 'management.ssl.verify = verify_sometimes\n' >"$dir/badverify.conf"
printf 'management.ssl.versions.1 = sslv3\n' >"$dir/badversion.conf"
# as RabbitMQ ("file does not exist or cannot be read by the node"): no start at all
printf 'management.ssl.certfile = %s/missing.pem\n' "$certs" >"$dir/nofile.conf"
for c in badverify badversion nofile; do
    check "bad management.ssl value ($c) refused at start" start_refused "$c"
done

if [ "$failures" -eq 0 ]; then
    rm -rf "$dir"
else
    echo "it_mgmt_tls: $failures failure(s); logs kept in $dir" >&2
fi
[ "$failures" -eq 0 ]
