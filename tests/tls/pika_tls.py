# SPDX-License-Identifier: MPL-2.0
"""it_tls.sh's pika client: over amqps with a client certificate, logs in with EXTERNAL (the
certificate's CN) or PLAIN, then publishes a message and gets it back; or, with "hold",
logs in with PLAIN and keeps the connection open for SECONDS (it_mgmt_tls.sh lists it).
usage: pika_tls.py PORT CERTDIR external|plain|hold [SECONDS]"""
import ssl
import sys
import time

import pika


def main():
    port, certs, mech = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.create_default_context(cafile=f"{certs}/ca.pem")
    ctx.load_cert_chain(f"{certs}/client.pem", f"{certs}/client.key")
    creds = (pika.credentials.ExternalCredentials() if mech == "external"
             else pika.PlainCredentials("guest", "guest"))
    params = pika.ConnectionParameters("127.0.0.1", port, credentials=creds,
                                       ssl_options=pika.SSLOptions(ctx, "localhost"),
                                       connection_attempts=1, socket_timeout=10)
    conn = pika.BlockingConnection(params)
    if mech == "hold":
        conn.sleep(float(sys.argv[4]))
        conn.close()
        return 0
    ch = conn.channel()
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.confirm_delivery()
    ch.basic_publish("", q, b"over tls via " + mech.encode())
    _, _, body = ch.basic_get(q, auto_ack=True)
    conn.close()
    if body != b"over tls via " + mech.encode():
        print(f"pika_tls: got {body!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
