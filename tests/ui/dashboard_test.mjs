// SPDX-License-Identifier: MPL-2.0
// Clicks through the management dashboard in headless Chromium, driven over the DevTools
// protocol over a WebSocket (Node's own where it has one, else ws.mjs), and checks what the
// page shows against the broker tests/integration/it_ui.sh set up. Prints TAP; exits 1 on any
// failure. Everything comes from the environment:
//   UI_URL        the dashboard, http://127.0.0.1:PORT/
//   UI_USER/UI_PASS, UI_QUEUE (holds UI_QUEUE_MSGS messages), UI_QUEUES (queues in the broker),
//   UI_POLICY/UI_POLICY_PATTERN, UI_CONSUMED (the queue a live consumer is on)
//   CHROMIUM (default chromium), UI_TIMEOUT_MS (per condition, default 30000)
//   UI_SHOTS      a directory to save a screenshot of each view in, for looking at by eye
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {MiniWebSocket} from './ws.mjs';

// Node 21+ (or 20 with --experimental-websocket) has WebSocket built in; Node 18 does not.
const WS = globalThis.WebSocket || MiniWebSocket;

const env = process.env;
const TIMEOUT = Number(env.UI_TIMEOUT_MS || 30000);
const profile = mkdtempSync(join(tmpdir(), 'warren-ui-'));
let browser = null, n = 0, failed = 0;

function tap(ok, what, detail) {
    n++;
    if (!ok) failed++;
    console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}`);
    if (!ok && detail !== undefined) console.log(`#  got: ${JSON.stringify(detail)}`);
}

function cleanup() {
    // the browser's helpers share its process group: end them all with it
    if (browser && browser.exitCode === null) {
        try {
            process.kill(-browser.pid, 'SIGKILL');
        } catch {
            // already gone
        }
    }
    rmSync(profile, {recursive: true, force: true});
}
process.on('exit', cleanup);
// a timeout's TERM must still take the browser down with us
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(1));

function launch() {
    browser = spawn(env.CHROMIUM || 'chromium',
                    ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
                     '--no-default-browser-check', '--disable-dev-shm-usage',
                     '--window-size=1280,900', '--remote-debugging-port=0',
                     `--user-data-dir=${profile}`, 'about:blank'],
                    {detached: true, stdio: ['ignore', 'ignore', 'pipe']});
    return new Promise((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no DevTools URL: ${err}`)), TIMEOUT);
        browser.stderr.on('data', d => {
            err += d;
            const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
            if (m) {
                clearTimeout(timer);
                resolve(m[1]);
            }
        });
        browser.on('exit', code => reject(new Error(`chromium exited (${code}): ${err}`)));
    });
}

// One WebSocket to the browser; page commands travel on a flattened target session.
class Cdp {
    constructor(url) {
        this.ws = new WS(url);
        this.id = 0;
        this.pending = new Map();
        this.handlers = new Map();
        this.ws.onmessage = ev => this.receive(JSON.parse(ev.data));
    }
    open() {
        return new Promise((resolve, reject) => {
            this.ws.onopen = resolve;
            this.ws.onerror = () => reject(new Error('DevTools WebSocket failed'));
        });
    }
    receive(msg) {
        if (msg.id !== undefined) {
            const p = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
            else p.resolve(msg.result);
        } else if (this.handlers.has(msg.method)) {
            this.handlers.get(msg.method)(msg.params);
        }
    }
    send(method, params = {}, sessionId = this.session) {
        const id = ++this.id;
        this.ws.send(JSON.stringify({id, method, params, sessionId}));
        return new Promise((resolve, reject) => this.pending.set(id, {resolve, reject, method}));
    }
    on(method, fn) {
        this.handlers.set(method, fn);
    }
}

let cdp;
const exceptions = [];

async function openPage() {
    cdp = new Cdp(await launch());
    await cdp.open();
    const {targetId} = await cdp.send('Target.createTarget', {url: 'about:blank'}, undefined);
    cdp.session = (await cdp.send('Target.attachToTarget', {targetId, flatten: true}, undefined))
                          .sessionId;
    // The dashboard is behind HTTP basic auth: answer the browser's challenge as a user would.
    cdp.on('Fetch.requestPaused', p => cdp.send('Fetch.continueRequest', {requestId: p.requestId}));
    cdp.on('Fetch.authRequired', p => cdp.send('Fetch.continueWithAuth', {
        requestId: p.requestId,
        authChallengeResponse:
                {response: 'ProvideCredentials', username: env.UI_USER, password: env.UI_PASS},
    }));
    cdp.on('Page.javascriptDialogOpening',
           () => cdp.send('Page.handleJavaScriptDialog', {accept: true}));
    cdp.on('Runtime.exceptionThrown', p => exceptions.push(p.exceptionDetails));
    await cdp.send('Fetch.enable', {handleAuthRequests: true, patterns: [{urlPattern: '*'}]});
    await cdp.send('Page.enable');
    await cdp.send('Runtime.enable');
    await cdp.send('Page.navigate', {url: env.UI_URL});
}

async function js(expr) {
    const r = await cdp.send('Runtime.evaluate',
                             {expression: expr, returnByValue: true, awaitPromise: true});
    if (r.exceptionDetails) throw new Error(`${expr}: ${r.exceptionDetails.text}`);
    return r.result.value;
}

async function shot(name) {
    if (!env.UI_SHOTS) return;
    const {data} = await cdp.send('Page.captureScreenshot', {format: 'png'});
    writeFileSync(join(env.UI_SHOTS, `${name}.png`), Buffer.from(data, 'base64'));
}

// Polls expr (page JavaScript) until pred(value) holds; one TAP line either way.
async function expect(what, expr, pred = v => !!v) {
    const end = Date.now() + TIMEOUT;
    let v;
    for (;;) {
        try {
            v = await js(expr);
        } catch (e) {
            v = e.message;
        }
        if (pred(v)) {
            tap(true, what);
            return v;
        }
        if (Date.now() > end) {
            tap(false, what, v);
            return undefined;
        }
        await new Promise(r => setTimeout(r, 100));
    }
}

const q = JSON.stringify; // string literals for page expressions

// A table's rows as arrays of cell texts, or null while it is absent.
const rows = id => `(() => { const t = document.getElementById(${q(id)});
    return t && t.tBodies.length ? [...t.tBodies[0].rows].map(r => [...r.cells].map(
        c => c.textContent)) : null; })()`;
const text = id => `(document.getElementById(${q(id)}) || {}).textContent`;
async function click(sel) {
    const end = Date.now() + TIMEOUT;
    while (!(await js(`(() => { const e = document.querySelector(${q(sel)});
        if (e) e.click(); return !!e; })()`))) {
        if (Date.now() > end) throw new Error(`nothing to click at ${sel}`);
        await new Promise(r => setTimeout(r, 100));
    }
}
// The cell under heading in the first row of table id that has a cell equal to key (any row
// when key is null), or null until the table shows one.
const cell = (id, key, heading) => `(() => { const t = document.getElementById(${q(id)});
    if (!t || !t.tHead) return null;
    const i = [...t.tHead.rows[0].cells].findIndex(c => c.textContent === ${q(heading)});
    const r = [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent))
        .find(r => ${q(key)} === null || r.includes(${q(key)}));
    return r && i >= 0 ? r[i] : null; })()`;

async function fill(formId, values) {
    await js(`(() => { const f = document.getElementById(${q(formId)});
        for (const [k, v] of Object.entries(${q(values)})) f.elements[k].value = v;
        f.querySelector('button').click(); })()`);
}

async function overview() {
    await expect('overview shows the queue count', text('c-q'), v => v === env.UI_QUEUES);
    await expect('overview shows the message total', text('c-msg'),
                 v => v === env.UI_QUEUE_MSGS);
    await expect('overview shows the live connection', text('c-conn'), v => Number(v) >= 1);
    // Three samples at least, taken by the page itself, each a point on the depth line.
    await expect('queue depth plot has data points',
                 `(() => { const l = document.querySelector(
                     '#chart-depth polyline[data-series=messages_ready]');
                     return l ? l.getAttribute('points').trim().split(/\\s+/).length : 0; })()`,
                 v => v >= 3);
    await expect('queue depth plot legend shows the ready count',
                 `document.querySelector('#chart-depth .legend').textContent`,
                 v => typeof v === 'string' && v.includes(`messages_ready ${env.UI_QUEUE_MSGS}`));
    await expect('message rate plot is drawn', `!!document.querySelector('#chart-rates svg')`);
    await shot('overview');
}

async function queueDetail() {
    const Q = env.UI_QUEUE, N = Number(env.UI_QUEUE_MSGS);
    await click('a[href="#queues"]');
    await expect('queues list shows the queue with its message count',
                 cell('t-queues', Q, 'Total'), v => v === String(N));
    await click(`#t-queues a[href="#queue/%2F/${encodeURIComponent(Q)}"]`);
    await expect('queue detail opens', `document.querySelector('#view h2').textContent`,
                 v => v === `Queue ${Q} in /`);
    const count = cell('t-queue', null, 'Total');
    await expect('queue detail shows the message count', count, v => v === String(N));

    const payload = `published from the dashboard ${Date.now()}`;
    await fill('f-publish', {payload});
    await expect('publish form reports the message routed', `document.querySelector(
        '#f-publish .result').textContent`, v => v === 'Message published.');
    await expect('queue detail counts the published message', count, v => v === String(N + 1));

    await fill('f-get', {count: String(N + 1), ackmode: 'ack_requeue_true'});
    await expect('get shows the published payload',
                 `[...document.querySelectorAll('#msgs pre.payload')].map(p => p.textContent)`,
                 v => Array.isArray(v) && v.length === N + 1 && v[N] === payload);
    await expect('get shows the amqp-publish payloads first',
                 `document.querySelector('#msgs pre.payload').textContent`,
                 v => v === env.UI_FIRST_PAYLOAD);
    await expect('requeued messages are still counted', count, v => v === String(N + 1));

    await click('#f-purge button'); // its confirm() is accepted by the dialog handler
    await expect('purge empties the queue', count, v => v === '0');
    await fill('f-get', {count: '1'});
    await expect('get on the purged queue finds nothing',
                 `document.querySelector('#f-get .result').textContent`,
                 v => v === '0 messages fetched.');
    await shot('queue');
}

async function lists() {
    await click('a[href="#connections"]');
    await expect('connections list shows the consumer connection', rows('t-connections'),
                 v => Array.isArray(v) && v.some(r => r.includes('guest') &&
                                                       r.includes('AMQP 0-9-1') &&
                                                       /^127\.0\.0\.1:\d+ -> /.test(r[0])));
    await click('a[href="#channels"]');
    await expect('channels list shows its channel with one consumer',
                 cell('t-channels', 'guest', 'Consumers'), v => v === '1');
    await click('a[href="#exchanges"]');
    await expect('exchanges list shows amq.topic', cell('t-exchanges', 'amq.topic', 'Type'),
                 v => v === 'topic');
    await click('a[href="#users"]');
    await expect('users list shows guest as administrator', cell('t-users', 'guest', 'Tags'),
                 v => v === 'administrator');
    await click('a[href="#vhosts"]');
    await expect('vhosts list shows /', cell('t-vhosts', '/', 'Name'), v => v === '/');
    await click('a[href="#policies"]');
    await expect('policies list shows the policy', cell('t-policies', env.UI_POLICY,
                                                              'Pattern'),
                 v => v === env.UI_POLICY_PATTERN);
    await shot('policies');
    await click('a[href="#queues"]');
    await expect('queues list shows the consumer on the other queue',
                 cell('t-queues', env.UI_CONSUMED, 'Consumers'), v => v === '1');
    await shot('queues');
}

async function main() {
    await openPage();
    await expect('dashboard loads behind the login', `document.title`,
                 v => v === 'Warren management');
    await overview();
    await queueDetail();
    await lists();
    tap(exceptions.length === 0, 'no uncaught script errors',
        exceptions.map(e => e.exception ? e.exception.description : e.text));
    console.log(`1..${n}`);
    return failed ? 1 : 0;
}

main().then(code => process.exit(code), e => {
    tap(false, 'browser session', e.message);
    console.log(`1..${n}`);
    process.exit(1);
});
