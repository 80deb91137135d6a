/**
 * The server's HelloRetryRequest cookie (RFC 8446 §4.2.2, §4.1.4): our server sends one, our
 * client echoes it, a second ClientHello without it or with another one ends in illegal_parameter,
 * and cookies are bound to their connection. In memory (engine pairs, hellos re-encoded with the
 * codec in flight), then against openssl s_client and gnutls-cli over 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { createServerConnection } from '../../src/connection/index.js';
import type { ConnectionEvent, TlsConnection } from '../../src/connection/types.js';
import { COOKIE_KEY_LENGTH, openCookie, sealCookie } from '../../src/handshake/tls13/cookie.js';
import { pemCertificates } from '../../src/pki/pem.js';
import { concatBytes, toHex } from '../../src/util/bytes.js';
import { decodeHandshake, encodeHandshake } from '../../src/wire/handshake/index.js';
import { AlertDescription, CipherSuite, ContentType, ExtensionType, NamedGroup, ProtocolVersion } from '../../src/wire/registry.js';
import type { ClientHello, HandshakeMessage, ServerHello } from '../../src/wire/types.js';
import { errorsOf, handshake, makePair, plainRecord, provider, type Tamper } from '../pair/pair.js';
import { TestVerifier } from '../pair/verifier.js';
import { makeCerts, requirePeer, startPeer } from '../support/peers.js';
import { listen } from '../node/helpers.js';

const TLS13 = ProtocolVersion.TLSv1_3;

// ---- plaintext records of a flight ----

interface Rec {
  type: number;
  body: Uint8Array;
}

function records(bytes: Uint8Array): Rec[] {
  const out: Rec[] = [];
  for (let off = 0; off + 5 <= bytes.length; ) {
    const len = (bytes[off + 3]! << 8) | bytes[off + 4]!;
    out.push({ type: bytes[off]!, body: bytes.subarray(off + 5, off + 5 + len) });
    off += 5 + len;
  }
  return out;
}

/** The one handshake message of a flight's (only) plaintext handshake record, raw. */
function helloRaw(flight: Uint8Array): Uint8Array {
  const hs = records(flight).filter((r) => r.type === ContentType.handshake);
  assert.equal(hs.length, 1, 'one plaintext handshake record in the flight');
  return hs[0]!.body;
}

function hello<T extends HandshakeMessage>(flight: Uint8Array): T {
  return decodeHandshake(helloRaw(flight), TLS13) as T;
}

/** A tamper that re-encodes the hello in flight number `nth` after `edit` changed it. */
function editHello<T extends HandshakeMessage>(nth: number, edit: (m: T) => void): Tamper {
  return (bytes, flight) => {
    if (flight !== nth) return bytes;
    return concatBytes(
      ...records(bytes).map((r) => {
        if (r.type !== ContentType.handshake) return plainRecord(r.type, r.body);
        const m = decodeHandshake(r.body, TLS13) as T;
        edit(m);
        return plainRecord(r.type, encodeHandshake(m, TLS13));
      }),
    );
  };
}

function withoutCookie(ch: ClientHello): void {
  delete ch.ext.cookie;
  ch.extensions = ch.extensions.filter((e) => e.type !== ExtensionType.cookie);
}

/** The client shares P-256 only, the server takes only X25519: a HelloRetryRequest for X25519. */
function hrrPair(suite: number = CipherSuite.TLS_AES_128_GCM_SHA256) {
  return makePair({
    client: { groups: [NamedGroup.secp256r1, NamedGroup.x25519], keyShareGroups: [NamedGroup.secp256r1] },
    server: { groups: [NamedGroup.x25519], cipherSuites: [suite] },
  });
}

/** Runs an HRR handshake and keeps every flight as sent (before any tamper). */
function capture(tamper: { client?: Tamper; server?: Tamper } = {}, suite?: number) {
  const { client, server } = hrrPair(suite);
  const sent = { client: [] as Uint8Array[], server: [] as Uint8Array[] };
  const t = handshake(client, server, {
    client: (b, n) => (sent.client.push(b), tamper.client ? tamper.client(b, n) : b),
    server: (b, n) => (sent.server.push(b), tamper.server ? tamper.server(b, n) : b),
  });
  return { client, server, t, sent };
}

function serverError(t: { server: ConnectionEvent[] }) {
  const e = errorsOf(t.server)[0];
  assert.ok(e, 'the server reported an error');
  return e;
}

// ---- in memory ----

for (const [suite, hash, hashLen] of [
  [CipherSuite.TLS_AES_128_GCM_SHA256, 'sha256', 32],
  [CipherSuite.TLS_AES_256_GCM_SHA384, 'sha384', 48],
] as const) {
  test(`HelloRetryRequest carries a cookie bound to ClientHello1; our client echoes it and the handshake completes (${hash})`, () => {
    const { client, server, t, sent } = capture({}, suite);
    assert.deepEqual(errorsOf(t.client), []);
    assert.deepEqual(errorsOf(t.server), []);
    assert.ok(client.handshakeComplete && server.handshakeComplete);
    assert.equal(server.negotiated!.group, NamedGroup.x25519);

    const hrr = hello<ServerHello>(sent.server[0]!);
    assert.equal(hrr.isHelloRetryRequest, true);
    assert.ok(hrr.extensions.some((e) => e.type === ExtensionType.cookie), 'extension 44 in the HelloRetryRequest');
    const cookie = hrr.ext.cookie!;
    // version | suite | group | hash length | Hash(ClientHello1) | HMAC-SHA256
    assert.equal(cookie.length, 1 + 2 + 2 + 1 + hashLen + 32);
    assert.ok(cookie.length < 255);
    assert.deepEqual([...cookie.subarray(0, 6)], [1, suite >> 8, suite & 0xff, NamedGroup.x25519 >> 8, NamedGroup.x25519 & 0xff, hashLen]);
    const ch1Hash = createHash(hash).update(helloRaw(sent.client[0]!)).digest();
    assert.equal(toHex(cookie.subarray(6, 6 + hashLen)), ch1Hash.toString('hex'), 'the message_hash content of §4.4.1');

    assert.equal(hello<ClientHello>(sent.client[0]!).ext.cookie, undefined, 'no cookie in ClientHello1');
    assert.deepEqual(hello<ClientHello>(sent.client[1]!).ext.cookie, cookie, 'ClientHello2 echoes it unchanged');
  });
}

test('ClientHello2 without the cookie: illegal_parameter from the server', () => {
  const { client, server, t } = capture({ client: editHello<ClientHello>(1, withoutCookie) });
  const e = serverError(t);
  assert.equal(e.alert, AlertDescription.illegal_parameter);
  assert.equal(e.reason, 'SecondClientHelloWithoutCookie');
  assert.ok(!server.handshakeComplete && !client.handshakeComplete);
  assert.equal(errorsOf(t.client)[0]?.alert, AlertDescription.illegal_parameter, 'the client hears the alert');
});

test('ClientHello2 with an altered cookie: illegal_parameter from the server', () => {
  const alterations: [string, (c: Uint8Array) => Uint8Array][] = [
    ['last MAC bit flipped', (c) => c.map((b, i) => (i === c.length - 1 ? b ^ 1 : b))],
    ['a ClientHello1 hash byte changed', (c) => c.map((b, i) => (i === 10 ? b ^ 0x80 : b))],
    ['group changed', (c) => c.map((b, i) => (i === 4 ? b ^ 1 : b))],
    ['version changed', (c) => c.map((b, i) => (i === 0 ? 2 : b))],
    ['truncated', (c) => c.subarray(0, c.length - 1)],
    ['one byte longer', (c) => concatBytes(c, Uint8Array.of(0))],
    ['a single zero byte', () => Uint8Array.of(0)],
  ];
  for (const [name, alter] of alterations) {
    const { t } = capture({ client: editHello<ClientHello>(1, (ch) => (ch.ext.cookie = alter(ch.ext.cookie!))) });
    const e = serverError(t);
    assert.equal(e.alert, AlertDescription.illegal_parameter, name);
    assert.equal(e.reason, 'SecondClientHelloCookieChanged', name);
  }
});

test('a cookie is good only for its own connection, and cookies differ between connections', () => {
  // The same ClientHello1 bytes to two servers: same sealed fields, different MACs (per-connection keys).
  const { client } = hrrPair();
  client.start();
  const ch1 = concatBytes(...client.takeOutgoing());
  const servers = [hrrPair().server, hrrPair().server];
  const cookies = servers.map((s) => {
    assert.deepEqual(errorsOf(s.receive(ch1)), []);
    return hello<ServerHello>(concatBytes(...s.takeOutgoing())).ext.cookie!;
  });
  assert.notEqual(toHex(cookies[0]!), toHex(cookies[1]!));
  assert.equal(toHex(cookies[0]!.subarray(0, -32)), toHex(cookies[1]!.subarray(0, -32)));

  // Our client's real ClientHello2 for server A, with server B's cookie in it, is refused by A.
  const a = capture({ client: editHello<ClientHello>(1, (ch) => (ch.ext.cookie = cookies[1]!)) });
  assert.equal(serverError(a.t).reason, 'SecondClientHelloCookieChanged');
  // Two ordinary connections get different cookies too.
  const [x, y] = [capture(), capture()];
  assert.notEqual(toHex(hello<ServerHello>(x.sent.server[0]!).ext.cookie!), toHex(hello<ServerHello>(y.sent.server[0]!).ext.cookie!));
});

test('an unsolicited cookie in ClientHello1 is ignored (no error, and not taken as our own)', () => {
  const bogus = Uint8Array.of(1, 2, 3, 4);
  // With an acceptable share: the server answers with a ServerHello, as without the cookie.
  const plain = makePair();
  plain.client.start();
  const ch1 = hello<ClientHello>(concatBytes(...plain.client.takeOutgoing()));
  ch1.ext.cookie = bogus;
  const ev = plain.server.receive(plainRecord(ContentType.handshake, encodeHandshake(ch1, TLS13)));
  assert.deepEqual(errorsOf(ev), []);
  assert.equal(hello<ServerHello>(concatBytes(...plain.server.takeOutgoing())).isHelloRetryRequest, false);
  // Without one: the HelloRetryRequest carries our cookie, not the client's.
  // (The handshake fails later: the two transcripts differ, the client hashed ClientHello1 without the cookie.)
  const { sent } = capture({ client: editHello<ClientHello>(0, (ch) => (ch.ext.cookie = bogus)) });
  const hrr = hello<ServerHello>(sent.server[0]!);
  assert.equal(hrr.isHelloRetryRequest, true);
  assert.equal(hrr.ext.cookie!.length, 70);
  assert.notDeepEqual(hrr.ext.cookie, bogus);
});

test('cookie.ts: sealed state opens only with its key and only unchanged', () => {
  const key = provider.randomBytes(COOKIE_KEY_LENGTH);
  const state = { cipherSuite: CipherSuite.TLS_AES_256_GCM_SHA384, group: NamedGroup.secp384r1, clientHelloHash: provider.randomBytes(48) };
  const cookie = sealCookie(provider, key, state);
  assert.deepEqual(openCookie(provider, key, cookie), state);
  assert.equal(openCookie(provider, provider.randomBytes(COOKIE_KEY_LENGTH), cookie), undefined, 'another key');
  for (let i = 0; i < cookie.length; i++) {
    const bad = cookie.slice();
    bad[i]! ^= 0x01;
    assert.equal(openCookie(provider, key, bad), undefined, `byte ${i} changed`);
  }
  for (let n = 0; n < cookie.length; n++) assert.equal(openCookie(provider, key, cookie.subarray(0, n)), undefined, `first ${n} bytes`);
});

// ---- against real clients ----

const TIMEOUT = 10_000;

interface Served {
  port: number;
  /** Everything our server sent / received, per connection. */
  sent: Uint8Array[][];
  received: Uint8Array[][];
  events: ConnectionEvent[];
  close(): Promise<void>;
}

/** Our engine as an echo server that takes only `group`, with every byte kept for inspection. */
async function serveOnly(group: number): Promise<Served> {
  const { clientConfig } = makePair();
  const certs = makeCerts('ec-p256');
  const served: Served = { port: 0, sent: [], received: [], events: [], close: async () => {} };
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    const sent: Uint8Array[] = [];
    const received: Uint8Array[] = [];
    served.sent.push(sent);
    served.received.push(received);
    const conn: TlsConnection = createServerConnection({
      ...clientConfig,
      groups: [group],
      verifier: new TestVerifier(pemCertificates(certs.caCert)),
      certificates: [{ chain: pemCertificates(certs.cert), key: provider.loadSigningKey(certs.key) }],
    });
    const flush = () => {
      for (const c of conn.takeOutgoing()) {
        sent.push(c.slice());
        sock.write(c);
      }
    };
    const handle = (events: ConnectionEvent[]) => {
      for (const e of events) {
        served.events.push(e);
        if (e.type === 'data') conn.write(e.data);
        if (e.type === 'peerClosed') conn.close();
      }
      flush();
      if (events.some((e) => e.type === 'error' || e.type === 'peerClosed')) sock.end();
    };
    sock.on('data', (d: Buffer) => {
      received.push(new Uint8Array(d));
      handle(conn.receive(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    });
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
    handle(conn.start());
  });
  served.port = await listen(server);
  served.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return served;
}

/** The HelloRetryRequest our server sent on connection 0 and the ClientHellos it received. */
function hellosOf(s: Served): { hrr: ServerHello; hellos: ClientHello[] } {
  const out = records(concatBytes(...s.sent[0]!));
  const first = out.find((r) => r.type === ContentType.handshake)!;
  const hrr = decodeHandshake(first.body, TLS13) as ServerHello;
  // The client's hellos, from plaintext handshake records (each hello fits one record here).
  const hellos = records(concatBytes(...s.received[0]!))
    .filter((r) => r.type === ContentType.handshake && r.body[0] === 1)
    .map((r) => decodeHandshake(r.body, TLS13) as ClientHello);
  return { hrr, hellos };
}

function assertCookieEchoed(s: Served, group: number): Uint8Array {
  const { hrr, hellos } = hellosOf(s);
  assert.equal(hrr.isHelloRetryRequest, true, 'the first server message is a HelloRetryRequest');
  assert.equal(hrr.ext.selectedGroup, group);
  assert.ok(hrr.extensions.some((e) => e.type === ExtensionType.cookie), 'extension 44 (cookie) in the HelloRetryRequest');
  assert.equal(hellos.length, 2, 'two ClientHellos');
  assert.equal(hellos[0]!.ext.cookie, undefined);
  assert.deepEqual(hellos[1]!.ext.cookie, hrr.ext.cookie, 'ClientHello2 echoes our cookie');
  assert.deepEqual(errorsOf(s.events), []);
  assert.ok(s.events.some((e) => e.type === 'handshakeDone'));
  return hrr.ext.cookie!;
}

/** The hex bytes of openssl's `-msg` dumps, as one string, to search for a byte sequence. */
function msgHex(out: string): string {
  return out
    .split('\n')
    .filter((l) => /^\s+[0-9a-f]{2}( [0-9a-f]{2})*\s*$/.test(l))
    .map((l) => l.replace(/\s+/g, ''))
    .join('');
}

test('openssl s_client -groups P-256:X25519 gets a HelloRetryRequest with our cookie, echoes it and completes', { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const certs = makeCerts('ec-p256');
  const s = await serveOnly(NamedGroup.x25519);
  // s_client sends a share for its first group only (P-256); the server takes only X25519.
  const c = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-tls1_3', '-groups', 'P-256:X25519', '-servername', 'localhost', '-CAfile', certs.caFile, '-verify_return_error', '-msg']);
  try {
    await c.waitFor(/Verify return code: 0 \(ok\)/, TIMEOUT);
    c.write('cookie-ping\n');
    await c.waitFor(/Verify return code: 0 \(ok\)[^]*cookie-ping/, TIMEOUT);
    const cookie = assertCookieEchoed(s, NamedGroup.x25519);
    const out = c.output();
    assert.match(out, /Server Temp Key: X25519/);
    // In openssl's own dump: the cookie extension (00 2c, length) with our bytes, once received
    // in the HelloRetryRequest and once sent in ClientHello2.
    const ext = `002c${(cookie.length + 2).toString(16).padStart(4, '0')}${cookie.length.toString(16).padStart(4, '0')}${toHex(cookie)}`;
    assert.equal(msgHex(out).split(ext).length - 1, 2, 'the cookie extension appears twice in the -msg dump');
  } finally {
    c.proc.stdin!.end();
    await c.exited(3000);
    await s.close();
  }
});

test('gnutls-cli completes a HelloRetryRequest with our cookie', { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, 'gnutls-cli')) return;
  const certs = makeCerts('ec-p256');
  const s = await serveOnly(NamedGroup.secp384r1);
  // GnuTLS shares its first group and the first of each other kind (X25519 and P-256 both get one),
  // so two groups of the same kind: a P-256 share only, P-384 offered without one.
  const priority = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-SECP384R1';
  const c = startPeer('gnutls-cli', ['-p', String(s.port), '--x509cafile', certs.caFile, '--priority', priority, '127.0.0.1']);
  try {
    await c.waitFor(/Handshake was completed/, TIMEOUT);
    c.write('gnutls-cookie\n');
    await c.waitFor(/Simple Client Mode[^]*gnutls-cookie/, TIMEOUT);
    assert.match(c.output(), /SECP384R1/);
    assertCookieEchoed(s, NamedGroup.secp384r1);
  } finally {
    c.proc.stdin!.end();
    await c.exited(3000);
    await s.close();
  }
});
