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
import { randomBytes } from 'node:crypto';
import type { Server, TLSSocket } from 'node:tls';
import fc from 'fast-check';
import { tls, usingNode } from '../support/impl.js';
import { makeCerts } from '../support/peers.js';
import { MAX_EMPTY_RECORDS_IN_ROW, MAX_KEY_UPDATES_PER_WINDOW } from '../../src/connection/index.js';
import { concatBytes } from '../../src/util/bytes.js';
import { CT, HS, Mitm, asIs, type Dir, type Fault, type Item, type Out } from './mitm.js';

const RUNS = Number(process.env.FC_RUNS) || 0;
const runs = (n: number) => RUNS || n;
const RUN_TIMEOUT_MS = 5000;

/** Every alert RFC 8446 §6 defines for TLS 1.3 (a mutated message may earn any of them). */
const KNOWN_ALERTS = [0, 10, 20, 22, 40, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 70, 71, 80, 86, 90, 109, 110, 111, 112, 113, 115, 116, 120];
const A = { unexpected_message: 10, bad_record_mac: 20, record_overflow: 22, illegal_parameter: 47, decode_error: 50, decrypt_error: 51 } as const;

/** OpenSSL's reason for a received alert, as both implementations put it in the error code. */
const RECEIVED: Record<number, string> = {
  40: 'SSLV3_ALERT_HANDSHAKE_FAILURE',
  42: 'SSLV3_ALERT_BAD_CERTIFICATE',
  47: 'SSLV3_ALERT_ILLEGAL_PARAMETER',
  48: 'TLSV1_ALERT_UNKNOWN_CA',
  50: 'TLSV1_ALERT_DECODE_ERROR',
  80: 'TLSV1_ALERT_INTERNAL_ERROR',
};

interface Expect {
  /** The first fatal alert the victim writes must be one of these. */
  alerts?: number[];
  /** The victim received this alert: its error names it and it writes no fatal alert itself. */
  received?: number;
  /** 'no': must fail; 'ok': may fail or end cleanly; 'only': must end cleanly. */
  clean: 'no' | 'ok' | 'only';
  /** The fault may be detected by either side first (a transcript mismatch): one side must fail. */
  eitherSide?: boolean;
}

interface Built {
  fault: Fault;
  fired(): boolean;
  expect: Expect;
}

// ---- faults ----------------------------------------------------------------------------------------

const dirArb = fc.constantFrom<Dir>('c2s', 's2c');
/** Sealed items in a genuine run: c2s Certificate, CertificateVerify, Finished, data, close_notify;
 * s2c EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished, tickets... */
const HS_FLIGHT: Record<Dir, number> = { c2s: 3, s2c: 5 };

function once(pred: (i: Item) => boolean, act: (i: Item) => Out[], expect: Expect): Built {
  let fired = false;
  return {
    fault: {
      onItem(item) {
        if (fired || !pred(item)) return undefined;
        fired = true;
        return act(item);
      },
    },
    fired: () => fired,
    expect,
  };
}

/** The nth sealed record of `dir`, unless it is an alert (the closing close_notify is out of scope). */
const sealedAt = (dir: Dir, nth: number) => (i: Item) => i.dir === dir && i.sealedIndex === nth && i.type !== CT.alert;
/** RFC 8446 §5: a CCS other than 0x01 MUST get unexpected_message; OpenSSL sends illegal_parameter. */
const BAD_CCS = usingNode ? [10, 47] : [10];
const firstPlainHs = (dir: Dir) => (i: Item) => i.dir === dir && i.epoch === 'plain' && i.type === CT.handshake;
const firstApp = (dir: Dir) => (i: Item) => i.dir === dir && i.epoch === 'app';
const flip = (pos: number, bit: number) => (rec: Uint8Array) => {
  const c = rec.slice();
  c[5 + (pos % (c.length - 5))]! ^= 1 << bit;
  return c;
};
const withLength = (msg: Uint8Array, bodyLen: number) => {
  const m = msg.slice(0, 4 + bodyLen);
  m[1] = bodyLen >> 16;
  m[2] = (bodyLen >> 8) & 0xff;
  m[3] = bodyLen & 0xff;
  return m;
};
const ccs = (v = 1): Out => ({ plain: { type: CT.ccs, content: Uint8Array.of(v) } });

/** Offset of the extensions block (after its 2-byte length) in a ClientHello/ServerHello message. */
function helloExtensionsAt(msg: Uint8Array): number {
  let o = 4 + 2 + 32;
  o += 1 + msg[o]!; // legacy_session_id
  if (msg[0] === HS.clientHello) {
    o += 2 + ((msg[o]! << 8) | msg[o + 1]!); // cipher_suites
    o += 1 + msg[o]!; // compression_methods
  } else {
    o += 2 + 1; // cipher_suite, compression_method
  }
  return o + 2;
}

type Spec = { k: string; dir: Dir } & Record<string, unknown>;

function build(spec: Spec): Built {
  const { dir } = spec;
  const n = (x: unknown) => x as number;
  switch (spec.k) {
    case 'flip':
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: i, patch: flip(n(spec.pos), n(spec.bit)) }], { alerts: [A.bad_record_mac], clean: 'no' });
    case 'oversizedCiphertext': {
      const len = (1 << 14) + 256 + 1;
      return once(sealedAt(dir, n(spec.nth)), () => [{ raw: concatBytes(Uint8Array.of(CT.appData, 3, 3, len >> 8, len & 0xff), randomBytes(len)) }], { alerts: [A.record_overflow], clean: 'no' });
    }
    case 'oversizedPlaintext': {
      const pad = (c: Uint8Array) => {
        const big = new Uint8Array((1 << 14) + 1);
        big.set(c.subarray(0, big.length));
        return big;
      };
      if (spec.plain) return once(firstPlainHs(dir), (i) => [{ plain: { type: i.type, content: pad(i.content) } }], { alerts: [A.record_overflow], clean: 'no' });
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: { type: i.type, content: pad(i.content) } }], { alerts: [A.record_overflow], clean: 'no' });
    }
    case 'outerType':
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: i, patch: (r) => Uint8Array.of(n(spec.type), ...r.subarray(1)) }], {
        alerts: n(spec.type) === CT.alert ? [A.unexpected_message, A.decode_error] : n(spec.type) === CT.ccs ? BAD_CCS : [A.unexpected_message],
        clean: 'no',
      });
    case 'innerType':
      return once((i) => sealedAt(dir, n(spec.nth))(i) && i.epoch === 'hs', (i) => [{ seal: { type: n(spec.type), content: i.content } }], { alerts: [A.unexpected_message], clean: 'no' });
    case 'helloDup':
      return once(firstPlainHs(dir), (i) => [asIs(i), asIs(i)], { alerts: [A.unexpected_message], clean: 'no' });
    case 'message':
      return messageFault(dir, spec.op as 'drop' | 'dup' | 'swap', n(spec.i));
    case 'recordSwap':
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: i, holdForSwap: true }], { alerts: [A.bad_record_mac], clean: 'no' });
    case 'ccs':
      return ccsFault(dir, spec.where as string);
    case 'alert': {
      const content = spec.malformed ? Uint8Array.of(2, n(spec.desc), 0).subarray(0, spec.malformed === 1 ? 1 : 3) : Uint8Array.of(n(spec.level), n(spec.desc));
      const inject = (i: Item): Out[] => [i.epoch === 'plain' ? { plain: { type: CT.alert, content } } : { seal: { type: CT.alert, content } }, asIs(i)];
      // A 1- or 3-byte alert: RFC 8446 §5.1 forbids fragmenting alerts; OpenSSL reports the record
      // after the fragment as unexpected, ts-tls the fragment itself as a decode error.
      // An alert instead of a ClientHello: OpenSSL calls any non-handshake record there unexpected.
      const expect: Expect = spec.malformed
        ? { alerts: [A.decode_error, A.unexpected_message], clean: 'no' }
        : usingNode && spec.nth === -1 && dir === 'c2s'
          ? { alerts: [A.unexpected_message], clean: 'no' }
          : // A warning before the version is known may be a TLS 1.2 warning: OpenSSL ignores it.
            { received: n(spec.desc), clean: usingNode && spec.nth === -1 && spec.level === 1 ? 'ok' : 'no' };
      return once(spec.nth === -1 ? firstPlainHs(dir) : sealedAt(dir, n(spec.nth)), inject, expect);
    }
    case 'garbage': {
      const body = spec.bytes as Uint8Array;
      const raw = spec.wellFormed ? concatBytes(Uint8Array.of(CT.appData, 3, 3, body.length >> 8, body.length & 0xff), body) : body;
      // Raw garbage may announce a record longer than what follows: the victim then waits for the
      // stream's end, which after the handshake is a clean end.
      return once(firstApp(dir), (i) => [{ raw }, asIs(i)], spec.wellFormed ? { alerts: [A.bad_record_mac], clean: 'no' } : { alerts: [...Object.values(A), 70, 40], clean: 'ok' });
    }
    case 'keyUpdateFlood': {
      const ku = Uint8Array.of(HS.keyUpdate, 0, 0, 1, spec.request ? 1 : 0);
      const count = n(spec.count);
      const outs = (i: Item): Out[] => [...Array.from({ length: count }, (): Out => ({ seal: { type: CT.handshake, content: ku }, epoch: 'app' })), asIs(i)];
      // RFC 8446 sets no limit; ours refuses more than MAX_KEY_UPDATES_PER_WINDOW, OpenSSL none.
      const refused = !usingNode && count > MAX_KEY_UPDATES_PER_WINDOW;
      return once(firstApp(dir), outs, refused ? { alerts: [A.unexpected_message], clean: 'no' } : { alerts: [A.unexpected_message], clean: usingNode ? 'ok' : 'only' });
    }
    case 'emptyFlood': {
      const count = n(spec.count);
      const outs = (i: Item): Out[] => [...Array.from({ length: count }, (): Out => ({ seal: { type: CT.appData, content: new Uint8Array(0) }, epoch: 'app' })), asIs(i)];
      // Empty application records are legal (traffic analysis) but each costs an AEAD open:
      // both ts-tls and OpenSSL stop after 32 in a row (MAX_EMPTY_RECORDS).
      return once(firstApp(dir), outs, count > MAX_EMPTY_RECORDS_IN_ROW ? { alerts: [A.unexpected_message], clean: 'no' } : { clean: 'only' });
    }
    case 'emptyHandshake':
      // RFC 8446 §5.4: a zero-length protected handshake record MUST get unexpected_message.
      if (spec.sealed) return once(sealedAt(dir, 0), (i) => [{ seal: { type: CT.handshake, content: new Uint8Array(0) } }, asIs(i)], { alerts: [A.unexpected_message], clean: 'no' });
      // §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types"; the
      // receiver's reaction is not specified: ts-tls refuses, OpenSSL skips them.
      return once(firstPlainHs(dir), (i) => [{ plain: { type: CT.handshake, content: new Uint8Array(0) } }, asIs(i)], { alerts: [A.unexpected_message, A.decode_error], clean: usingNode ? 'ok' : 'no' });
    case 'hugeLength': {
      const huge = (i: Item) => Uint8Array.of(i.content[0]!, 0xff, 0xff, 0xff, ...i.content.subarray(4));
      // Refused at the header (OpenSSL: EXCESSIVE_MESSAGE_SIZE), before any of the body is kept.
      const expect: Expect = { alerts: [A.illegal_parameter], clean: 'no' };
      if (spec.sealed) return once((i) => sealedAt(dir, 0)(i), (i) => [{ seal: { type: CT.handshake, content: huge(i) } }], expect);
      return once(firstPlainHs(dir), (i) => [{ plain: { type: CT.handshake, content: huge(i) } }], expect);
    }
    case 'truncateMessage': {
      const which = n(spec.which) % (HS_FLIGHT[dir] + 1); // 0: the hello, then the encrypted flight
      const pick = (i: Item) => i.dir === dir && i.type === CT.handshake && (which === 0 ? i.epoch === 'plain' : i.epoch === 'hs' && i.sealedIndex === which - 1);
      const cutMsg = (i: Item): Out[] => {
        const bodyLen = i.content.length - 4;
        const room = which === 0 ? i.content.length - helloExtensionsAt(i.content) : bodyLen;
        const cut = 1 + (n(spec.cut) % Math.max(1, room));
        return [asIs({ ...i, content: withLength(i.content, bodyLen - cut) })];
      };
      return once(pick, cutMsg, { alerts: [A.decode_error], clean: 'no' });
    }
    case 'mutateMessage': {
      // Any byte of any handshake message changed (lengths kept): the transcripts differ, so the
      // handshake can never complete; which side notices first depends on the byte.
      const which = n(spec.which) % (HS_FLIGHT[dir] + 1);
      const pick = (i: Item) => i.dir === dir && i.type === CT.handshake && (which === 0 ? i.epoch === 'plain' : i.epoch === 'hs' && i.sealedIndex === which - 1);
      const mutate = (i: Item): Out[] => {
        const c = i.content.slice();
        c[4 + (n(spec.pos) % Math.max(1, c.length - 4))]! ^= n(spec.xor) || 1;
        return [asIs({ ...i, content: c })];
      };
      return once(pick, mutate, { alerts: KNOWN_ALERTS, clean: 'no', eitherSide: true });
    }
    case 'cut': {
      let fired = false;
      return {
        fault: {
          onItem(item, s) {
            if (!fired && item.dir === dir) {
              fired = true;
              s.cutAt[dir] = n(spec.at);
            }
            return undefined;
          },
        },
        // A stream that simply ends: no alert is owed; before the handshake it is ECONNRESET.
        fired: () => false,
        expect: { clean: 'ok' },
      };
    }
    default:
      return once(() => false, () => [], { clean: 'only' });
  }
}

/** Drop, duplicate or swap messages of one encrypted flight (held until its Finished). */
function messageFault(dir: Dir, op: 'drop' | 'dup' | 'swap', i: number): Built {
  const held: Item[] = [];
  let fired = false;
  let droppedType = -1;
  let dupType = -1;
  const b: Built = {
    fault: {
      onItem(item) {
        if (fired || item.dir !== dir || item.epoch !== 'hs' || item.type !== CT.handshake) return undefined;
        held.push(item);
        if (item.content[0] !== HS.finished) return [];
        fired = true;
        const msgs = held.slice();
        const k = op === 'dup' ? i % msgs.length : i % (msgs.length - 1); // never drop the Finished (that is a stall, not an attack)
        if (op === 'drop') droppedType = msgs.splice(k, 1)[0]!.content[0]!;
        else if (op === 'dup') {
          dupType = msgs[k]!.content[0]!;
          msgs.splice(k, 0, msgs[k]!);
        }
        else [msgs[k], msgs[k + 1]] = [msgs[k + 1]!, msgs[k]!];
        return msgs.map(asIs);
      },
    },
    fired: () => fired,
    get expect(): Expect {
      // A second Finished sealed under the handshake key reaches a receiver already on its
      // application key: it cannot be opened (bad_record_mac) before its type could be judged.
      if (op === 'dup' && dupType === HS.finished) return { alerts: [A.bad_record_mac], clean: 'no' };
      // Without the CertificateRequest the flight is well-formed but the client's transcript
      // differs, so the server's CertificateVerify cannot verify (RFC 8446 §4.4.3: decrypt_error).
      if (droppedType === HS.certificateRequest) return { alerts: [A.decrypt_error], clean: 'no' };
      return { alerts: [A.unexpected_message], clean: 'no' };
    },
  };
  return b;
}

/** RFC 8446 §5: CCS is only a compatibility no-op between the first ClientHello and the peer's Finished. */
function ccsFault(dir: Dir, where: string): Built {
  const bad: Expect = { alerts: [A.unexpected_message], clean: 'no' };
  switch (where) {
    case 'beforeHello':
      // Before the first ClientHello it is an unexpected record; before a ServerHello (after the
      // ClientHello was sent) it is allowed, though OpenSSL refuses it too.
      return once(firstPlainHs(dir), (i) => [ccs(), asIs(i)], dir === 'c2s' ? bad : { alerts: [A.unexpected_message], clean: 'ok' });
    case 'afterFinished':
      return once(firstApp(dir), (i) => [ccs(), asIs(i)], bad);
    case 'badValue':
      return once(firstPlainHs(dir), (i) => [asIs(i), ccs(2)], { alerts: BAD_CCS, clean: 'no' });
    case 'encrypted':
      return once(sealedAt(dir, 0), (i) => [{ seal: { type: CT.ccs, content: Uint8Array.of(1) }, epoch: 'hs' }, asIs(i)], bad);
    default: // 'extra': several compatibility CCS in a row
      return once(firstPlainHs(dir), (i) => [asIs(i), ccs(), ccs(), ccs()], { alerts: [A.unexpected_message], clean: 'ok' });
  }
}

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

let server: Server;
const mitm = new Mitm();
let current: Obs = { serverDone: () => {}, clientSecure: false, serverSecure: false, clientErrors: [], serverErrors: [], echoed: false, timedOut: false };
const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);
const serverCerts = makeCerts('ec-p256');
const clientCerts = makeCerts('ec-p256', 'fuzz-client');

before(async () => {
  process.on('uncaughtException', onUncaught);
  server = tls.createServer({ key: serverCerts.key, cert: serverCerts.cert, ca: clientCerts.caCert, requestCert: true, rejectUnauthorized: true }, (s: TLSSocket) => {
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await mitm.listen((server.address() as { port: number }).port);
});

after(async () => {
  process.off('uncaughtException', onUncaught);
  await mitm.close();
  await new Promise<void>((r) => server.close(() => r()));
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

async function runOnce(built: Built): Promise<{ obs: Obs; session: Mitm['sessions'][number] }> {
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

async function property(t: { diagnostic(m: string): void }, specArb: fc.Arbitrary<Spec>, numRuns: number): Promise<void> {
  const seen = new Map<string, number>();
  const r = await fc.check(
    fc.asyncProperty(specArb, async (spec) => {
      const built = build(spec);
      const { obs, session } = await runOnce(built);
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
