/**
 * Hostile peers at the public API: a client (`tls.connect`, with a client certificate) and a
 * server (`tls.createServer`, requestCert) talk through a man-in-the-middle on 127.0.0.1 that
 * holds both ends' keylog secrets (mitm.ts), so it can forge what a malicious peer would send.
 * fast-check picks the fault: bit flips in sealed records, oversized records, record-type changes,
 * handshake messages dropped/duplicated/reordered/truncated, CCS and alerts in wrong places,
 * garbage, KeyUpdate and empty-record floods, a 2^24-1 handshake length, a stream cut anywhere.
 *
 * For each run: the victim (the side receiving the fault) emits at most one error, whose code is
 * ERR_SSL_* or ECONNRESET, or ends cleanly when the fault is harmless; the first alert it writes
 * on the wire is the one for the class of fault; nothing throws uncaught; the run ends in bounded
 * time. `TS_TLS_IMPL=node` runs the same suite against node:tls (OpenSSL) to check the
 * expectations; FC_RUNS raises the number of runs per property (default keeps the file < ~60 s).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Server, TLSSocket } from 'node:tls';
import fc from 'fast-check';
import { tls } from '../support/impl.js';
import { makeCerts } from '../support/peers.js';
import { KNOWN_ALERTS, RECEIVED, build, type Built, type Expect, type Spec } from './faults.js';
import { HS, Mitm, type Dir } from './mitm.js';
import { closeServer, listen } from '../node/helpers.js';

const RUNS = Number(process.env.FC_RUNS) || 0;
const runs = (n: number) => RUNS || n;
const RUN_TIMEOUT_MS = 5000;
const dirArb = fc.constantFrom<Dir>('c2s', 's2c');

// ---- harness ---------------------------------------------------------------------------------------

interface Obs {
  /** Called when the server side is done: tlsClientError, or its secure socket closed. */
  serverDone: () => void;
  clientSecure: boolean;
  serverSecure: boolean;
  clientErrors: (Error & { code?: string })[];
  serverErrors: (Error & { code?: string })[];
  echoed: boolean;
  timedOut: boolean;
}

/** A server behind its own MITM; `hrr` servers accept only P-384, so the client's X25519 share earns a HelloRetryRequest. */
interface Target {
  server: Server;
  mitm: Mitm;
}
const targets: { plain?: Target; hrr?: Target } = {};
let current: Obs = { serverDone: () => {}, clientSecure: false, serverSecure: false, clientErrors: [], serverErrors: [], echoed: false, timedOut: false };
const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);
const serverCerts = makeCerts('ec-p256');
const clientCerts = makeCerts('ec-p256', 'fuzz-client');

async function startTarget(extra: Record<string, unknown>): Promise<Target> {
  const mitm = new Mitm();
  const server = tls.createServer({ key: serverCerts.key, cert: serverCerts.cert, ca: clientCerts.caCert, requestCert: true, rejectUnauthorized: true, ...extra }, (s: TLSSocket) => {
    const obs = current;
    obs.serverSecure = true;
    s.once('close', () => obs.serverDone());
    // Node leaves a socket that failed after its handshake open: the application destroys it
    // (a moment later, so the alert Node queued is written first).
    s.on('error', (e: Error) => {
      obs.serverErrors.push(e);
      setTimeout(() => s.destroy(), 10);
    });
    s.on('data', (d: Buffer) => s.write(d));
  });
  server.on('tlsClientError', (e: Error) => {
    current.serverErrors.push(e);
    current.serverDone();
  });
  server.on('keylog', (line: Buffer) => mitm.keylog.add(line));
  const port = await listen(server);
  await mitm.listen(port);
  return { server, mitm };
}

before(async () => {
  process.on('uncaughtException', onUncaught);
  targets.plain = await startTarget({});
  targets.hrr = await startTarget({ ecdhCurve: 'P-384' });
});

after(async () => {
  process.off('uncaughtException', onUncaught);
  for (const t of [targets.plain, targets.hrr]) {
    if (!t) continue;
    await t.mitm.close();
    await closeServer(t.server);
  }
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

async function runOnce(built: Built, target: 'plain' | 'hrr' = 'plain'): Promise<{ obs: Obs; session: Mitm['sessions'][number] }> {
  const mitm = targets[target]!.mitm;
  let serverDone!: () => void;
  const serverSettled = new Promise<void>((r) => (serverDone = r));
  const obs: Obs = { serverDone, clientSecure: false, serverSecure: false, clientErrors: [], serverErrors: [], echoed: false, timedOut: false };
  current = obs;
  mitm.fault = built.fault;
  const before = mitm.sessions.length;
  const client: TLSSocket = tls.connect({ host: '127.0.0.1', port: mitm.port, servername: 'localhost', ca: serverCerts.caCert, cert: clientCerts.cert, key: clientCerts.key });
  client.on('keylog', (line: Buffer) => mitm.keylog.add(line));
  client.on('error', (e: Error) => {
    obs.clientErrors.push(e);
    setTimeout(() => client.destroy(), 10);
  });
  client.on('secureConnect', () => {
    obs.clientSecure = true;
    client.write('ping');
  });
  client.on('data', (d: Buffer) => {
    if (d.toString().includes('ping')) {
      obs.echoed = true;
      client.end();
    }
  });
  const pending = new Set(['client socket', 'proxy leg to the client', 'proxy leg to the server', 'server socket']);
  const clientClosed = new Promise<void>((r) => client.once('close', () => r()));
  const settled = (async () => {
    while (mitm.sessions.length === before) await new Promise((r) => setTimeout(r, 1));
    const s = mitm.sessions[before]!;
    const mark = (p: Promise<void>, what: string) => p.then(() => pending.delete(what));
    await Promise.all([mark(clientClosed, 'client socket'), mark(s.closed.client, 'proxy leg to the client'), mark(s.closed.server, 'proxy leg to the server'), mark(serverSettled, 'server socket')]);
    return s;
  })();
  const r = await withTimeout(settled, RUN_TIMEOUT_MS);
  if (r === 'timeout') {
    obs.timedOut = true;
    mitm.sessions[before]?.notes.push(`still open: ${[...pending].join(', ')}`);
  }
  // Late events (a second error, an uncaught throw from a timer) get a moment to show up.
  await new Promise((res) => setTimeout(res, 5));
  client.destroy();
  const session = mitm.sessions[before]!;
  session?.destroy();
  return { obs, session };
}

const ERROR_CODE = /^(ERR_SSL_[A-Z0-9_]+|ECONNRESET)$/;

/** One line per run for the diagnostics: fault kind, victim, error code, first alert written. */
function outcome(spec: Spec, obs: Obs, session: Mitm['sessions'][number]): string {
  const server = spec.dir === 'c2s';
  const err = (server ? obs.serverErrors : obs.clientErrors)[0];
  const alert = session.alerts[server ? 's2c' : 'c2s'].find((a) => a.desc !== 0);
  return `${spec.k}${spec.k === 'message' ? `/${String(spec.op)}` : ''} → ${server ? 'server' : 'client'}: ${err ? err.code : 'clean'}${alert ? ` + alert ${alert.desc}` : ''}`;
}

function check(spec: Spec, built: Built, obs: Obs, session: Mitm['sessions'][number]): void {
  const victimIsServer = spec.dir === 'c2s';
  const victimErrors = victimIsServer ? obs.serverErrors : obs.clientErrors;
  const written = session.alerts[victimIsServer ? 's2c' : 'c2s'].filter((a) => a.desc !== 0);
  const ctx = `${JSON.stringify(spec, (_k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))}\n  victim errors: ${victimErrors.map((e) => `${e.code} ${e.message}`).join(' | ')}\n  victim alerts: ${JSON.stringify(written)}\n  notes: ${session.notes.join('; ')}`;
  assert.deepEqual(uncaught, [], `uncaught exception\n  ${ctx}`);
  assert.equal(obs.timedOut, false, `run did not finish within ${RUN_TIMEOUT_MS} ms (hang)\n  ${ctx}`);
  assert.ok(victimErrors.length <= 1, `more than one error\n  ${ctx}`);
  const expect: Expect = built.fired() || spec.k === 'cut' ? built.expect : { clean: 'only' };
  if (expect.eitherSide) {
    assert.ok(obs.clientErrors.length + obs.serverErrors.length > 0, `a mutated handshake completed\n  ${ctx}`);
    assert.ok(obs.clientErrors.length <= 1 && obs.serverErrors.length <= 1, `more than one error on a side\n  ${ctx}`);
    for (const e of [...obs.clientErrors, ...obs.serverErrors]) assert.match(String(e.code), ERROR_CODE, `error code\n  ${ctx}`);
    for (const a of [...session.alerts.c2s, ...session.alerts.s2c]) assert.ok(KNOWN_ALERTS.includes(a.desc), `alert ${a.desc} is a TLS 1.3 alert\n  ${ctx}`);
    return;
  }
  if (victimErrors.length === 0) {
    assert.notEqual(expect.clean, 'no', `the victim accepted the fault without an error\n  ${ctx}`);
    if (spec.k === 'cut') assert.ok(victimIsServer ? obs.serverSecure : obs.clientSecure, `a cut handshake ended without an error\n  ${ctx}`);
    if (spec.k === 'keyUpdateFlood' && spec.request && victimIsServer && built.fired()) {
      // RFC 8446 §4.6.3: update_requested obliges a KeyUpdate of our own before the next data (the echo).
      assert.ok(obs.echoed && session.messages.s2c.includes(`app:${HS.keyUpdate}`), `the server answered update_requested with a KeyUpdate\n  ${ctx}`);
    }
    return;
  }
  assert.notEqual(expect.clean, 'only', `a harmless run failed\n  ${ctx}`);
  const code = String(victimErrors[0]!.code);
  assert.match(code, ERROR_CODE, `error code\n  ${ctx}`);
  if (spec.k === 'cut') {
    // A stream that ends mid-handshake is a reset, whatever byte it ends on; after the handshake
    // the victim just sees the end (checked by the caller of truncation at every boundary).
    assert.equal(code, 'ECONNRESET', `a cut stream is ECONNRESET\n  ${ctx}`);
    assert.equal(victimIsServer ? obs.serverSecure : obs.clientSecure, false, `an error after the handshake for a clean end\n  ${ctx}`);
  }
  if (expect.received !== undefined) {
    assert.ok(code.includes(RECEIVED[expect.received] ?? '#'), `error names the received alert ${expect.received}\n  ${ctx}`);
    assert.deepEqual(written.filter((a) => a.level === 2 && a.desc !== expect.received), [], `no alert of its own\n  ${ctx}`);
  } else if (expect.alerts && code !== 'ECONNRESET') {
    assert.ok(written.length > 0 || session.opaque.c2s || session.opaque.s2c, `an alert on the wire\n  ${ctx}`);
    if (written.length) assert.ok(expect.alerts.includes(written[0]!.desc), `alert ${written[0]!.desc} is one of ${expect.alerts}\n  ${ctx}`);
  }
}

async function property(t: { diagnostic(m: string): void }, specArb: fc.Arbitrary<Spec>, numRuns: number, target: 'plain' | 'hrr' = 'plain'): Promise<void> {
  const seen = new Map<string, number>();
  const r = await fc.check(
    fc.asyncProperty(specArb, async (spec) => {
      const built = build(spec);
      const { obs, session } = await runOnce(built, target);
      const line = outcome(spec, obs, session);
      seen.set(line, (seen.get(line) ?? 0) + 1);
      check(spec, built, obs, session);
    }),
    { numRuns: runs(numRuns), endOnFailure: true },
  );
  for (const [line, count] of [...seen].sort()) t.diagnostic(`${count}× ${line}`);
  // The failing run's own message (fast-check's summary alone does not show it).
  if (r.failed) throw new Error(`seed ${r.seed}, after ${r.numRuns} runs: ${(r.errorInstance as Error | undefined)?.message ?? String(r.errorInstance)}`);
}

const T = { timeout: 120_000 };

test('sanity: through the MITM a genuine handshake completes and echoes, with no errors', T, async () => {
  for (let i = 0; i < 3; i++) {
    const built = build({ k: 'none', dir: 'c2s' });
    const { obs, session } = await runOnce(built);
    assert.equal(obs.echoed, true, session.notes.join('; '));
    assert.deepEqual([obs.clientErrors.length, obs.serverErrors.length], [0, 0], `${obs.clientErrors.map((e) => e.message)} ${obs.serverErrors.map((e) => e.message)}`);
    assert.deepEqual([session.opaque.c2s, session.opaque.s2c], [false, false], 'the MITM followed every record');
  }
});

test('truncation at every record boundary, inside each header and just after it: ECONNRESET or a clean end', T, async (t) => {
  const genuine = await runOnce(build({ k: 'none', dir: 'c2s' }));
  assert.equal(genuine.obs.echoed, true);
  const seen = new Map<string, number>();
  for (const dir of ['c2s', 's2c'] as const) {
    const ends = genuine.session.leg(dir).boundaries;
    const starts = [0, ...ends.slice(0, -1)];
    for (const at of starts.flatMap((b) => [b, b + 1, b + 5])) {
      const spec: Spec = { k: 'cut', dir, at };
      const built = build(spec);
      const { obs, session } = await runOnce(built);
      const line = outcome(spec, obs, session);
      seen.set(line, (seen.get(line) ?? 0) + 1);
      check(spec, built, obs, session);
    }
  }
  for (const [line, count] of [...seen].sort()) t.diagnostic(`${count}× ${line}`);
});

test('bit flips in sealed records → bad_record_mac', T, (t) =>
  property(t, fc.record({ k: fc.constant('flip'), dir: dirArb, nth: fc.nat(8), pos: fc.nat(), bit: fc.nat(7) }), 40));

test('oversized records (2^14+256+1 ciphertext, 2^14+1 plaintext) → record_overflow', T, (t) =>
  property(t, 
    fc.oneof(
      fc.record({ k: fc.constant('oversizedCiphertext'), dir: dirArb, nth: fc.nat(6) }),
      fc.record({ k: fc.constant('oversizedPlaintext'), dir: dirArb, nth: fc.nat(6), plain: fc.boolean() }),
    ),
    24,
  ));

test('record types changed (outer and inner) → unexpected_message', T, (t) =>
  property(t, 
    fc.oneof(
      fc.record({ k: fc.constant('outerType'), dir: dirArb, nth: fc.nat(4), type: fc.constantFrom(20, 21, 22, 24, 0x30, 0xff) }),
      fc.record({ k: fc.constant('innerType'), dir: dirArb, nth: fc.nat(2), type: fc.constantFrom(20, 23) }),
    ),
    30,
  ));

test('handshake messages dropped, duplicated, reordered; records swapped → unexpected_message / bad_record_mac', T, (t) =>
  property(t, 
    fc.oneof(
      fc.record({ k: fc.constant('message'), dir: dirArb, op: fc.constantFrom('drop', 'dup', 'swap'), i: fc.nat(6) }),
      fc.record({ k: fc.constant('helloDup'), dir: dirArb }),
      fc.record({ k: fc.constant('recordSwap'), dir: dirArb, nth: fc.nat(1) }),
    ),
    40,
  ));

test('truncated handshake messages (lengths patched to match) → decode_error', T, (t) =>
  property(t, fc.record({ k: fc.constant('truncateMessage'), dir: dirArb, which: fc.nat(5), cut: fc.nat() }), 40));

test('any byte of any handshake message changed: the handshake never completes, one coded error per side', T, (t) =>
  property(t, fc.record({ k: fc.constant('mutateMessage'), dir: dirArb, which: fc.nat(5), pos: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), 60));

test('CCS in wrong places, alerts injected', T, (t) =>
  property(t, 
    fc.oneof(
      fc.record({ k: fc.constant('ccs'), dir: dirArb, where: fc.constantFrom('beforeHello', 'afterFinished', 'badValue', 'encrypted', 'extra') }),
      fc.record({ k: fc.constant('alert'), dir: dirArb, nth: fc.integer({ min: -1, max: 4 }), level: fc.constantFrom(1, 2), desc: fc.constantFrom(40, 42, 47, 48, 50, 80), malformed: fc.constantFrom(0, 0, 0, 1, 3) }),
    ),
    40,
  ));

test('garbage after the handshake; KeyUpdate and empty-record floods; a 2^24-1 handshake length', T, (t) =>
  property(t, 
    fc.oneof(
      fc.record({ k: fc.constant('garbage'), dir: dirArb, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }), wellFormed: fc.boolean() }),
      fc.record({ k: fc.constant('keyUpdateFlood'), dir: dirArb, count: fc.integer({ min: 1, max: 200 }), request: fc.boolean() }),
      fc.record({ k: fc.constant('emptyFlood'), dir: dirArb, count: fc.integer({ min: 1, max: 100 }) }),
      fc.record({ k: fc.constant('emptyHandshake'), dir: dirArb, sealed: fc.boolean() }),
      fc.record({ k: fc.constant('hugeLength'), dir: dirArb, sealed: fc.boolean() }),
    ),
    40,
  ));

test('the stream cut at any byte: ECONNRESET before the handshake ends, a clean end after', T, (t) =>
  property(t, fc.record({ k: fc.constant('cut'), dir: dirArb, at: fc.nat(4000) }), 40));

test('HelloRetryRequest flow: through the MITM it completes; its hellos duplicated, truncated or changed fail', T, async (t) => {
  const genuine = await runOnce(build({ k: 'none', dir: 'c2s' }), 'hrr');
  assert.equal(genuine.obs.echoed, true, genuine.session.notes.join('; '));
  // HelloRetryRequest and ServerHello from the server; two ClientHellos from the client.
  assert.deepEqual(genuine.session.messages.s2c.filter((m) => m.startsWith('plain:')), ['plain:2', 'plain:2']);
  assert.deepEqual(genuine.session.messages.c2s.filter((m) => m.startsWith('plain:')), ['plain:1', 'plain:1']);
  await property(
    t,
    fc.oneof(
      fc.record({ k: fc.constant('plainDup'), dir: dirArb, nth: fc.nat(1) }),
      fc.record({ k: fc.constant('plainTruncate'), dir: dirArb, nth: fc.nat(1), cut: fc.nat() }),
      fc.record({ k: fc.constant('plainMutate'), dir: dirArb, nth: fc.nat(1), pos: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    ),
    40,
    'hrr',
  );
});
