#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Policies and operator policies (PO-01..PO-06) through warrenctl, with amqp-tools and a small
# stdlib Python client (queue arguments, exchanges, bindings) as AMQP clients: a policy applies
# to a queue declared before it, max-length keeps the newest, policy vs x-argument precedence,
# the highest priority wins, operator policies cap, clear_policy, rabbitmqctl's validation
# errors, and policies surviving a restart. With WARREN_TEST_ADDR=host:port (and
# WARRENCTL_BIN=rabbitmqctl, WARREN_TEST_VHOST=a vhost guest may use) it runs against another
# broker instead, without the restart.
set -uo pipefail

BIN=${WARREN_BIN:-./warren}
CTL=${WARRENCTL_BIN:-./warrenctl}
VH=${WARREN_TEST_VHOST:-/}
command -v amqp-declare-queue >/dev/null && command -v amqp-publish >/dev/null &&
    command -v amqp-get >/dev/null ||
    { echo "it_policy: amqp-tools missing (apt-get install amqp-tools)"; exit 77; }
command -v python3 >/dev/null || { echo "it_policy: python3 missing"; exit 77; }
if [ -z "${WARREN_TEST_ADDR:-}" ]; then
    [ -x "$BIN" ] && [ -x "$CTL" ] || { echo "it_policy: $BIN or $CTL missing"; exit 77; }
fi
DIR=$(mktemp -d)
PID='' BPID=''
trap '[ -n "$BPID" ] && kill -KILL "$BPID" 2>/dev/null; rm -rf "$DIR"' EXIT
export WARREN_CTL_SOCKET=$DIR/data/warren.sock
n=0 fail=0
TAB=$'\t'

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf '#  want: %s\n#  got:  %s\n' "$2" "$3"; fi; }

ctl() { timeout 20 "$CTL" -p "$VH" "$@"; }

# expect NAME RC STDOUT STDERR -- ARGS...: warrenctl's exit code and stdout, byte for byte
# (STDOUT is the output less its final newline), and stderr less its final newline: a STDERR of
# '*' is not compared, one ending in '*' is compared up to the '*'.
expect() {
    local name=$1 rc=$2 want=$3 want_err=$4 got err st=0 err_ok=false
    shift 5
    ctl "$@" >"$DIR/stdout" 2>"$DIR/stderr" || st=$?
    got=$(cat "$DIR/stdout"; echo .)
    got=${got%.}
    [ -n "$want" ] && want+=$'\n'
    err=$(cat "$DIR/stderr")
    case $want_err in
    '*') err_ok=true ;;
    *'*') [[ "$err" == "${want_err%'*'}"* ]] && err_ok=true ;;
    *) [ "$err" = "$want_err" ] && err_ok=true ;;
    esac
    if [ "$st" = "$rc" ] && [ "$got" = "$want" ] && $err_ok; then
        ok "$name"
    else
        not_ok "$name"
        printf '  want rc %s:\n%s\n  stderr:\n%s\n  got rc %s:\n%s\n  stderr:\n%s\n' "$rc" "$want" \
            "$want_err" "$st" "$got" "$err" | sed 's/^/#/'
    fi
}

start() {
    rm -f "$DIR/ready"
    timeout 120 "$BIN" --port 0 --bind 127.0.0.1 --ready-file "$DIR/ready" --data-dir "$DIR/data" \
        >>"$DIR/broker.log" 2>&1 &
    PID=$!
    for _ in $(seq 300); do
        [ -f "$DIR/ready" ] && break
        kill -0 "$PID" 2>/dev/null || { echo "it_policy: broker died"; tail "$DIR/broker.log"; exit 1; }
        sleep 0.05
    done
    PORT=$(sed -n 's/^port=//p' "$DIR/ready")
    [ -n "$PORT" ] || { echo "it_policy: no ready file"; exit 1; }
    BPID=$(pgrep -P "$PID") # the broker itself, under timeout
}

amqp() { local c=$1; shift; timeout 20 "amqp-$c" --server "$HOST" --port "$PORT" --vhost "$VH" "$@"; }
pub() { local q=$1; shift; for b in "$@"; do amqp publish -r "$q" -b "$b" || return; done; }
# the bodies left in q, in order (amqp-get takes one message per call; it fails when empty)
drain() { local b; while b=$(amqp get -q "$1" 2>/dev/null); do printf '%s ' "$b"; done; }
# the message count of q ("" when there is no such queue)
count() { ctl -s list_queues name messages | awk -F '\t' -v q="$1" '$1 == q { print $2 }'; }
# wait_count Q N SECONDS: polls until q holds N messages or the deadline passes
wait_count() {
    local end=$((SECONDS + $3))
    while [ "$(count "$1")" != "$2" ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
    count "$1"
}
# policy_of Q [COLUMN]: the policy (or other) column for q
policy_of() { ctl -s list_queues name "${2:-policy}" | awk -F '\t' -v q="$1" '$1 == q { print $2 }'; }
aclient() { timeout 20 python3 "$DIR/aclient.py" "$HOST" "$PORT" "$VH" "$@"; }

cat >"$DIR/aclient.py" <<'PY'
# Minimal AMQP 0-9-1 client for what amqp-tools cannot do. argv: HOST PORT VHOST OP... with OP
#   qdecl:NAME[:durable][,KEY=I:INT|KEY=S:STR...]   xdecl:NAME:TYPE   bind:QUEUE:EXCHANGE:KEY
#   qdel:NAME   xdel:NAME
# Prints nothing on success; on a channel or connection close prints "CODE TEXT" and exits 1.
import socket, struct, sys

def sstr(s):
    b = s.encode()
    return struct.pack('B', len(b)) + b

def lstr(b):
    return struct.pack('>I', len(b)) + b

def table(items):
    out = b''
    for k, v in items:
        t, _, val = v.partition(':')
        out += sstr(k)
        out += b'I' + struct.pack('>i', int(val)) if t == 'I' else b'S' + lstr(val.encode())
    return lstr(out)

class Closed(Exception):
    pass

class Conn:
    def __init__(self, host, port, vhost):
        self.s = socket.create_connection((host, port), timeout=10)
        self.buf = b''
        self.s.sendall(b'AMQP\x00\x00\x09\x01')
        self.wait(10, 10)
        self.method(0, 10, 11, table([]) + sstr('PLAIN') + lstr(b'\0guest\0guest') + sstr('en_US'))
        chmax, fmax, _ = struct.unpack('>HIH', self.wait(10, 30)[:8])
        self.method(0, 10, 31, struct.pack('>HIH', chmax, fmax, 0))
        self.method(0, 10, 40, sstr(vhost) + sstr('') + b'\0')
        self.wait(10, 41)
        self.method(1, 20, 10, sstr(''))
        self.wait(20, 11)

    def method(self, ch, cls, mid, args):
        p = struct.pack('>HH', cls, mid) + args
        self.s.sendall(struct.pack('>BHI', 1, ch, len(p)) + p + b'\xce')

    def read(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise Closed('connection lost')
            self.buf += d
        r, self.buf = self.buf[:n], self.buf[n:]
        return r

    def wait(self, cls, mid):
        while True:
            t, _, size = struct.unpack('>BHI', self.read(7))
            p = self.read(size + 1)[:-1]
            if t != 1:
                continue
            c, m = struct.unpack('>HH', p[:4])
            if (c, m) == (cls, mid):
                return p[4:]
            if (c, m) in ((20, 40), (10, 50)):
                code = struct.unpack('>H', p[4:6])[0]
                raise Closed('%d %s' % (code, p[7:7 + p[6]].decode()))

def run(c, op):
    kind, _, rest = op.partition(':')
    t0 = struct.pack('>H', 0)
    if kind == 'qdecl':
        head, _, args = rest.partition(',')
        name, _, dur = head.partition(':')
        items = [a.split('=', 1) for a in args.split(',') if a]
        c.method(1, 50, 10, t0 + sstr(name) + bytes([2 if dur else 0]) + table(items))
        c.wait(50, 11)
    elif kind == 'xdecl':
        name, _, typ = rest.partition(':')
        c.method(1, 40, 10, t0 + sstr(name) + sstr(typ) + b'\0' + table([]))
        c.wait(40, 11)
    elif kind == 'bind':
        q, x, key = rest.split(':', 2)
        c.method(1, 50, 20, t0 + sstr(q) + sstr(x) + sstr(key) + b'\0' + table([]))
        c.wait(50, 21)
    elif kind == 'qdel':
        c.method(1, 50, 40, t0 + sstr(rest) + b'\0')
        c.wait(50, 41)
    elif kind == 'xdel':
        c.method(1, 40, 20, t0 + sstr(rest) + b'\0')
        c.wait(40, 21)

try:
    c = Conn(sys.argv[1], int(sys.argv[2]), sys.argv[3])
    for op in sys.argv[4:]:
        run(c, op)
    c.method(0, 10, 50, struct.pack('>H', 200) + sstr('') + struct.pack('>HH', 0, 0))
    c.wait(10, 51)
except (Closed, OSError) as e:
    print(e)
    sys.exit(1)
PY

if [ -n "${WARREN_TEST_ADDR:-}" ]; then
    HOST=${WARREN_TEST_ADDR%:*} PORT=${WARREN_TEST_ADDR##*:}
else
    HOST=127.0.0.1
    start
fi
Q=(ttl.q ml.q prec.a prec.b dl.q dlq.arg dlq.pol prio.q prio.x cap.q)
L="Listing policies for vhost \"$VH\" ..."

# PO-01 and 14.1: the listing when empty, setting, listing in both formats
expect "list_policies empty" 0 "$L
" "" -- list_policies
expect "list_policies --formatter json empty" 0 "[]" "" -- list_policies --formatter json
amqp declare-queue -q ttl.q >/dev/null
expect "set_policy" 0 "Setting policy \"ttl\" for pattern \"^ttl\\.\" to \"{\"message-ttl\":200}\" with priority \"0\" for vhost \"$VH\" ..." \
    "" -- set_policy ttl '^ttl\.' '{"message-ttl":200}'
expect "list_policies" 0 "$L
vhost${TAB}name${TAB}pattern${TAB}apply-to${TAB}definition${TAB}priority
$VH${TAB}ttl${TAB}^ttl\\.${TAB}all${TAB}{\"message-ttl\":200}${TAB}0" "" -- list_policies
expect "list_policies --formatter json" 0 "[
{\"vhost\":\"$VH\",\"name\":\"ttl\",\"pattern\":\"^ttl\\\\.\",\"apply-to\":\"all\",\"definition\":\"{\\\"message-ttl\\\":200}\",\"priority\":0}
]" "" -- list_policies --formatter json
expect "set_policy -q" 0 "" "" -- set_policy -q --priority 0 --apply-to queues ttl '^ttl\.' \
    '{"message-ttl":200}'

# PO-02: the policy reaches a queue declared before it; its messages expire
check "ttl.q shows its policy" ttl "$(policy_of ttl.q)"
pub ttl.q a b
check "policy message-ttl 200 expires messages of an existing queue" 0 "$(wait_count ttl.q 0 5)"

# max-length 2, set over a queue holding 4: the newest 2 are left (drop-head), then still 2
amqp declare-queue -q ml.q >/dev/null
pub ml.q m1 m2 m3 m4
check "ml.q holds 4 before the policy" 4 "$(count ml.q)"
expect "set_policy max-length" 0 "" "" -- set_policy -q ml '^ml\.' '{"max-length":2}'
check "policy max-length 2 applies retroactively" 2 "$(wait_count ml.q 2 5)"
pub ml.q m5
check "max-length 2 keeps the last 2" "m4 m5 " "$(drain ml.q)"

# PO-04: min(policy, argument) for message-ttl, either way round
expect "set_policy prec.a" 0 "" "" -- set_policy -q prec-a '^prec\.a$' '{"message-ttl":100}'
expect "set_policy prec.b" 0 "" "" -- set_policy -q prec-b '^prec\.b$' '{"message-ttl":5000}'
aclient qdecl:prec.a,x-message-ttl=I:5000 qdecl:prec.b,x-message-ttl=I:100 ||
    not_ok "declare prec.a, prec.b"
pub prec.a x && pub prec.b y
check "policy ttl 100 beats argument 5000" 0 "$(wait_count prec.a 0 3)"
check "argument ttl 100 beats policy 5000" 0 "$(wait_count prec.b 0 3)"

# PO-04: the x-dead-letter-exchange argument beats the policy's dead-letter-exchange
aclient xdecl:dlx.arg:fanout xdecl:dlx.pol:fanout qdecl:dlq.arg qdecl:dlq.pol \
    bind:dlq.arg:dlx.arg: bind:dlq.pol:dlx.pol: qdecl:dl.q,x-dead-letter-exchange=S:dlx.arg ||
    not_ok "declare the dead-letter topology"
expect "set_policy dead-letter-exchange" 0 "" "" -- \
    set_policy -q dl '^dl\.q$' '{"dead-letter-exchange":"dlx.pol","message-ttl":100}'
pub dl.q dead
check "expired message dead-lettered" 1 "$(wait_count dlq.arg 1 5)"
check "the argument's dead-letter exchange got it" "1 0" "$(count dlq.arg) $(count dlq.pol)"

# PO-02: the highest priority match, and only it, applies
expect "set_policy low priority" 0 "" "" -- set_policy -q --priority 1 prio-lo '^prio\.' \
    '{"max-length":1}'
expect "set_policy high priority" 0 "" "" -- set_policy -q --priority=2 prio-hi '^prio\.q' \
    '{"max-length":3}'
amqp declare-queue -q prio.q >/dev/null && amqp declare-queue -q prio.x >/dev/null
pub prio.q 1 2 3 4 5 && pub prio.x 1 2 3
check "list_queues policy: the higher priority" prio-hi "$(policy_of prio.q)"
check "list_queues policy: the only match" prio-lo "$(policy_of prio.x)"
check "higher priority policy's max-length 3" 3 "$(count prio.q)"
check "lower priority policy's max-length 1" 1 "$(count prio.x)"

# PO-05: an operator policy max-length 3 caps policy 5 and argument 10
L2="Listing operator policy overrides for vhost \"$VH\" ..."
expect "set_operator_policy" 0 "Setting operator policy override \"cap-op\" for pattern \"^cap\\.\" to \"{\"max-length\":3}\" with priority \"0\" for vhost \"$VH\" ..." \
    "" -- set_operator_policy cap-op '^cap\.' '{"max-length":3}'
expect "set_policy cap" 0 "" "" -- set_policy -q cap '^cap\.' '{"max-length":5}'
aclient qdecl:cap.q,x-max-length=I:10 || not_ok "declare cap.q"
pub cap.q 1 2 3 4 5 6
check "operator policy max-length 3 wins" 3 "$(count cap.q)"
check "list_queues policy" cap "$(policy_of cap.q)"
# operator_policy is not an info key of rabbitmqctl 3.10's list_queues
[ -n "${WARREN_TEST_ADDR:-}" ] ||
    check "list_queues operator_policy" cap-op "$(policy_of cap.q operator_policy)"
expect "list_operator_policies" 0 "$L2
vhost${TAB}name${TAB}pattern${TAB}apply-to${TAB}definition${TAB}priority
$VH${TAB}cap-op${TAB}^cap\\.${TAB}all${TAB}{\"max-length\":3}${TAB}0" "" -- list_operator_policies
expect "operator policy: a key it may not set" 69 "" "Error:
Validation failed

[{<<\"overflow\">>,<<\"reject-publish\">>}] are not recognised policy settings" -- \
    set_operator_policy -q op2 '^cap\.' '{"overflow":"reject-publish"}'

# clear_policy: new messages no longer expire
expect "clear_policy" 0 "Clearing policy \"ttl\" on vhost \"$VH\" ..." "" -- clear_policy ttl
check "ttl.q has no policy" "" "$(policy_of ttl.q)"
pub ttl.q keep
sleep 0.6
check "after clear_policy messages stay" 1 "$(count ttl.q)"
expect "clear_policy missing" 69 "" "Error:
Parameter does not exist" -- clear_policy -q ttl
expect "clear_operator_policy missing" 69 "" "Error:
Parameter does not exist" -- clear_operator_policy -q nope

# PO-01: validation errors, with RabbitMQ's texts and exit codes
vf() { printf 'Error:\nValidation failed\n\n%s' "$1"; }
expect "unknown key" 69 "" "$(vf '[{<<"foo">>,1}] are not recognised policy settings')" -- \
    set_policy -q bad '.*' '{"foo":1}'
expect "bad message TTL" 69 "" "$(vf '<<"abc">> is not a valid message TTL')" -- \
    set_policy -q bad '.*' '{"message-ttl":"abc"}'
expect "negative message TTL" 69 "" "$(vf '-1 is not a valid message TTL')" -- \
    set_policy -q bad '.*' '{"message-ttl":-1}'
expect "bad max-length" 69 "" "$(vf '<<"2">> is not a valid maximum length')" -- \
    set_policy -q bad '.*' '{"max-length":"2"}'
# the reason after the prefix is the regex engine's own
expect "bad regex" 69 "" "$(vf 'pattern should be regular expression but is invalid: ')*" -- \
    set_policy -q bad '(' '{"message-ttl":1}'
expect "bad apply-to" 69 "" \
    "$(vf "apply-to 'x' unrecognised; should be 'queues', 'exchanges' or 'all'")" -- \
    set_policy -q --apply-to x bad '.*' '{"message-ttl":1}'
expect "empty definition" 69 "" "$(vf 'no policy provided')" -- set_policy -q bad '.*' '{}'
expect "definition not JSON" 69 "" "Error:
JSON decoding error*" -- set_policy -q bad '.*' 'notjson'
expect "bad --priority" 64 "" "Error (argument validation): Invalid options for this command:
--priority : x*" -- set_policy --priority x bad '.*' '{"message-ttl":1}'
expect "not enough arguments" 64 "" "Error (argument validation): not enough arguments.*" -- \
    set_policy bad '.*'
expect "list_policies takes no columns" 64 "" "*" -- list_policies name
expect "unknown vhost" 65 "" "Virtual host 'no-such-vh' does not exist" -- \
    set_policy -q -p no-such-vh bad '.*' '{"message-ttl":1}'
expect "list_policies unknown vhost" 65 "Listing policies for vhost \"no-such-vh\" ..." \
    "Virtual host 'no-such-vh' does not exist" -- list_policies -p no-such-vh
got=$(ctl -s list_policies | cut -f2 | sort | tr '\n' ' ')
check "policies after the failures" "cap dl ml prec-a prec-b prio-hi prio-lo " "$got"

if [ -z "${WARREN_TEST_ADDR:-}" ]; then
    # policies survive a restart, and apply to the durable queue declared again from disk
    amqp declare-queue -d -q dur.q >/dev/null
    expect "set_policy dur" 0 "" "" -- set_policy -q --priority 3 --apply-to queues dur '^dur\.' \
        '{"max-length":1,"message-ttl":60000}'
    before=$(ctl -s list_policies; ctl -s list_operator_policies)
    kill -TERM "$BPID"
    st=0
    wait "$PID" 2>/dev/null || st=$?
    PID='' BPID=''
    check "broker exits 0 on SIGTERM" 0 "$st"
    start
    after=$(ctl -s list_policies; ctl -s list_operator_policies)
    check "policies and operator policies survive a restart" "$before" "$after"
    check "the durable queue has its policy after the restart" dur "$(policy_of dur.q)"
    pub dur.q 1 2
    check "and the policy is in force" 1 "$(count dur.q)"
    "$CTL" -q stop >/dev/null
    wait "$PID" 2>/dev/null
    PID='' BPID=''
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$DIR/broker.log"; then
        not_ok "no sanitizer report in the broker log"
        grep -A20 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$DIR/broker.log" | sed 's/^/#/'
    else
        ok "no sanitizer report in the broker log"
    fi
else
    # leave the other broker as we found it
    for p in cap dl ml prec-a prec-b prio-hi prio-lo; do ctl -q clear_policy "$p"; done
    ctl -q clear_operator_policy cap-op
    ops=()
    for q in "${Q[@]}"; do ops+=("qdel:$q"); done
    aclient "${ops[@]}" xdel:dlx.arg xdel:dlx.pol >/dev/null
fi
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
