// SPDX-License-Identifier: MPL-2.0
// A minimal WebSocket client (RFC 6455, ws:// only, text frames) with the browser API's shape,
// for Node releases without a built-in one (Debian 12 ships Node 18). The DevTools endpoint is
// on loopback and trusted: no extensions, no TLS.
import {randomBytes, createHash} from 'node:crypto';
import {connect} from 'node:net';

export class MiniWebSocket {
    constructor(url) {
        const u = new URL(url);
        const key = randomBytes(16).toString('base64');
        this.buf = Buffer.alloc(0);
        this.parts = [];
        this.open = false;
        this.sock = connect(Number(u.port), u.hostname, () => {
            this.sock.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n` +
                            'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
                            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        });
        this.accept = createHash('sha1')
                              .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
                              .digest('base64');
        this.sock.on('data', d => this.data(d));
        this.sock.on('error', e => this.onerror && this.onerror(e));
        this.sock.on('close', () => this.onclose && this.onclose());
    }
    data(d) {
        this.buf = Buffer.concat([this.buf, d]);
        if (!this.open) {
            const end = this.buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const head = this.buf.subarray(0, end).toString();
            this.buf = this.buf.subarray(end + 4);
            if (!/^HTTP\/1\.1 101/.test(head) || !head.includes(this.accept)) {
                this.sock.destroy();
                if (this.onerror) this.onerror(new Error('WebSocket upgrade refused'));
                return;
            }
            this.open = true;
            if (this.onopen) this.onopen();
        }
        while (this.frame()) {
        }
    }
    // Parses one complete server frame (never masked) from the buffer; false when incomplete.
    frame() {
        const b = this.buf;
        if (b.length < 2) return false;
        let len = b[1] & 0x7f, off = 2;
        if (len === 126) {
            if (b.length < 4) return false;
            len = b.readUInt16BE(2), off = 4;
        } else if (len === 127) {
            if (b.length < 10) return false;
            len = Number(b.readBigUInt64BE(2)), off = 10;
        }
        if (b.length < off + len) return false;
        const fin = (b[0] & 0x80) !== 0, op = b[0] & 0x0f, payload = b.subarray(off, off + len);
        this.buf = b.subarray(off + len);
        if (op === 0x8) {
            this.sock.end();
        } else if (op === 0x9) {
            this.write(0xa, payload);
        } else if (op === 0x1 || op === 0x0) {
            this.parts.push(payload);
            if (fin) {
                const text = Buffer.concat(this.parts).toString();
                this.parts = [];
                if (this.onmessage) this.onmessage({data: text});
            }
        }
        return true;
    }
    write(op, payload) {
        const mask = randomBytes(4), n = payload.length;
        const head = n < 126 ? Buffer.from([0x80 | op, 0x80 | n])
                   : n < 65536 ? Buffer.from([0x80 | op, 0x80 | 126, n >> 8, n & 0xff])
                               : Buffer.concat([Buffer.from([0x80 | op, 0x80 | 127]),
                                                (() => { const x = Buffer.alloc(8); x.writeBigUInt64BE(BigInt(n)); return x; })()]);
        const body = Buffer.from(payload);
        for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
        this.sock.write(Buffer.concat([head, mask, body]));
    }
    send(text) {
        this.write(0x1, Buffer.from(text));
    }
    close() {
        if (this.open) this.write(0x8, Buffer.alloc(0));
        this.sock.end();
    }
}
