#!/usr/bin/env python3
# SPDX-License-Identifier: MPL-2.0
"""Writes the seed corpus of tests/fuzz/fuzz_conn: whole client byte streams, valid sessions
(header, handshake, channel, declares, publish, get, consume, acks, confirms, tx, close) and
known-bad ones (each frame and argument defect of tests/hostile). Frames are built by hand.
usage: gen_conn_corpus.py OUTDIR"""
import os
import struct
import sys


def sstr(s):
    b = s.encode() if isinstance(s, str) else s
    return bytes([len(b)]) + b


def lstr(b):
    return struct.pack(">I", len(b)) + b


def frame(t, ch, payload, end=0xCE):
    return struct.pack(">BHI", t, ch, len(payload)) + payload + bytes([end])


def method(ch, cls, mth, args=b""):
    return frame(1, ch, struct.pack(">HH", cls, mth) + args)


def table(items):
    out = b""
    for k, v in items:
        out += sstr(k) + v
    return lstr(out)


HEADER = b"AMQP\x00\x00\x09\x01"
START_OK = method(0, 10, 11, table([]) + sstr("PLAIN") + lstr(b"\0guest\0guest") + sstr("en_US"))
TUNE_OK = method(0, 10, 31, struct.pack(">HIH", 2047, 131072, 0))
OPEN = method(0, 10, 40, sstr("/") + sstr("") + b"\0")
HANDSHAKE = HEADER + START_OK + TUNE_OK + OPEN
CH_OPEN = method(1, 20, 10, sstr(""))
CLOSE = method(0, 10, 50, struct.pack(">H", 200) + sstr("bye") + struct.pack(">HH", 0, 0))


def declare(q, flags=0, args=b"\0\0\0\0", ch=1):
    return method(ch, 50, 10, b"\0\0" + sstr(q) + bytes([flags]) + args)


def publish(rk, body, exchange="", props=b"\0\0", ch=1):
    out = method(ch, 60, 40, b"\0\0" + sstr(exchange) + sstr(rk) + b"\0")
    out += frame(2, ch, struct.pack(">HHQ", 60, 0, len(body)) + props)
    return out + (frame(3, ch, body) if body else b"")


def get(q, no_ack=False, ch=1):
    return method(ch, 60, 70, b"\0\0" + sstr(q) + bytes([1 if no_ack else 0]))


def consume(q, tag="", no_ack=False, ch=1):
    return method(ch, 60, 20, b"\0\0" + sstr(q) + sstr(tag) + bytes([2 if no_ack else 0]) + table([]))


def ack(tag, multiple=False, ch=1):
    return method(ch, 60, 80, struct.pack(">QB", tag, 1 if multiple else 0))


def reject(tag, requeue, ch=1):
    return method(ch, 60, 90, struct.pack(">QB", tag, 1 if requeue else 0))


# content-type and headers present, delivery-mode 2
PROPS = struct.pack(">H", 0x8000 | 0x2000 | 0x1000) + sstr("text/plain") + \
    table([("x-h", b"S" + lstr(b"v"))]) + b"\x02"

VALID = {
    "valid-publish-get": HANDSHAKE + CH_OPEN + declare("q1") + publish("q1", b"hello", props=PROPS)
    + get("q1") + ack(1) + CLOSE,
    "valid-consume-ack": HANDSHAKE + CH_OPEN + declare("q2", 8) + method(1, 60, 10, struct.pack(">IHB", 0, 10, 0))
    + consume("q2", "c1") + publish("q2", b"a") + publish("q2", b"b" * 5000) + ack(2, True)
    + method(1, 60, 30, sstr("c1") + b"\0") + CLOSE,
    "valid-confirm": HANDSHAKE + CH_OPEN + method(1, 85, 10, b"\0") + declare("q3")
    + publish("q3", b"x") + publish("nowhere", b"y") + CLOSE,
    "valid-tx": HANDSHAKE + CH_OPEN + method(1, 90, 10) + declare("q4") + publish("q4", b"t")
    + method(1, 90, 20) + get("q4", True) + method(1, 90, 30) + CLOSE,
    "valid-topic-dlx-ttl": HANDSHAKE + CH_OPEN
    + method(1, 40, 10, b"\0\0" + sstr("tx") + sstr("topic") + b"\0" + table([]))
    + declare("dead") + method(1, 50, 20, b"\0\0" + sstr("dead") + sstr("tx") + sstr("#") + b"\0" + table([]))
    + declare("q5", 0, table([("x-message-ttl", b"I" + struct.pack(">i", 10)),
                             ("x-dead-letter-exchange", b"S" + lstr(b"tx")),
                             ("x-max-length", b"I" + struct.pack(">i", 2))]))
    + publish("q5", b"1") + publish("q5", b"2") + publish("q5", b"3") + get("q5") + reject(1, False)
    + get("dead", True) + CLOSE,
    "valid-channels": HANDSHAKE + CH_OPEN + method(2, 20, 10, sstr("")) + declare("", 4, ch=2)
    + method(2, 20, 40, struct.pack(">H", 200) + sstr("") + b"\0\0\0\0") + method(1, 20, 20, b"\0")
    + method(0, 10, 50, struct.pack(">H", 200) + sstr("") + b"\0\0\0\0") + method(0, 10, 51),
    "valid-empty-body-heartbeat": HANDSHAKE + frame(8, 0, b"") + CH_OPEN + declare("q6")
    + publish("q6", b"") + get("q6", True) + CLOSE,
}

S = HANDSHAKE + CH_OPEN
BAD = {
    "bad-frame-end": S + frame(1, 1, b"\0\x14\0\x0a", 0),
    "bad-unknown-type": S + frame(9, 0, b"abc"),
    "bad-oversize": S + struct.pack(">BHI", 1, 1, 131073),
    "bad-pre-tune-oversize": HEADER + frame(1, 0, b"\0\x0a\0\x0b" + b"\0" * 4996),
    "bad-truncated-args": S + method(1, 50, 10, b"\0\0"),
    "bad-shortstr-overrun": S + method(1, 50, 10, b"\0\0\xc8short"),
    "bad-utf8": S + declare(b"bad\xc3\x28"),
    "bad-deep-table": S + declare("d", 0, b"".join([b"\0\0\0\0"])),
    "bad-heartbeat-ch1": S + frame(8, 1, b""),
    "bad-header-alone": S + frame(2, 1, struct.pack(">HHQH", 60, 0, 1, 0)),
    "bad-body-too-long": S + method(1, 60, 40, b"\0\0" + sstr("") + sstr("q") + b"\0")
    + frame(2, 1, struct.pack(">HHQH", 60, 0, 5, 0)) + frame(3, 1, b"0123456789"),
    "bad-props-missing": S + method(1, 60, 40, b"\0\0" + sstr("") + sstr("q") + b"\0")
    + frame(2, 1, struct.pack(">HHQH", 60, 0, 1, 0xfffc)),
    "bad-unknown-method": S + method(1, 99, 99),
    "bad-http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad-tune-ok": HEADER + START_OK + method(0, 10, 31, struct.pack(">HIH", 0, 1000, 0)),
    "bad-auth": HEADER + method(0, 10, 11, table([]) + sstr("PLAIN") + lstr(b"\0guest\0nope") + sstr("en_US")),
}


def deep(depth):
    t = b"\0\0\0\0"
    for _ in range(depth):
        t = lstr(sstr("k") + b"F" + t)
    return t


BAD["bad-deep-table"] = S + declare("d", 0, deep(200))


def xdeclare(name, typ="direct"):
    return method(1, 40, 10, b"\0\0" + sstr(name) + sstr(typ) + b"\0" + table([]))


# Reproducers found by fuzz_conn: names with a NUL byte are registered under their strlen()
# prefix (server/vhost.c), so they collide with other names and the broker panics.
BAD["crash-exchange-nul-name"] = S + xdeclare(b"\0x")
BAD["crash-exchange-nul-prefix"] = S + xdeclare(b"a") + xdeclare(b"a\0b")
BAD["crash-queue-nul-prefix"] = S + declare(b"qq") + declare(b"qq\0z")

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in list(VALID.items()) + list(BAD.items()):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d inputs to %s" % (len(VALID) + len(BAD), out))
