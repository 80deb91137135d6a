/**
 * Record-level rules and limits of the Connection, with protected records forged from the
 * client's keylog secret (so the server decrypts them like the client's own): KeyUpdate at a
 * record boundary, no protected CCS, empty-record and warning-alert limits, KeyUpdate flooding,
 * data interleaved with a fragmented handshake message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AeadKey } from '../../src/crypto/provider.js';
import { tls13Suite, trafficKey } from '../../src/handshake/tls13/keys.js';
import { encodeHandshake } from '../../src/wire/handshake/index.js';
import { AlertDescription, ContentType } from '../../src/wire/registry.js';
import { concatBytes, fromHex } from '../../src/util/bytes.js';
import { errorsOf, handshake, makePair, provider, run } from '../pair/pair.js';
import type { TlsConnection } from '../../src/connection/types.js';
import { MAX_EMPTY_RECORDS_IN_ROW, MAX_KEY_UPDATES_PER_WINDOW, MAX_WARNING_ALERTS_IN_ROW } from '../../src/connection/index.js';

/** Seals TLS 1.3 records by hand (RFC 8446 §5.2), including empty ones RecordWriter will not write. */
class Forger {
  private seq = 0n;
  private out: Uint8Array[] = [];
  constructor(private readonly key: { aead: AeadKey; iv: Uint8Array }) {}

  seal(type: number, content: Uint8Array): void {
    const inner = concatBytes(content, Uint8Array.of(type));
    const len = inner.length + 16;
    const header = Uint8Array.of(ContentType.application_data, 3, 3, len >> 8, len & 0xff);
    const nonce = this.key.iv.slice();
    for (let i = 0, s = this.seq++; i < 8; i++, s >>= 8n) nonce[11 - i]! ^= Number(s & 0xffn);
    this.out.push(header, ...this.key.aead.seal(nonce, header, inner));
  }

  take(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

/** A completed pair plus a forger that seals records as the client (or the server) would, at seq 0. */
function forgedPeer(as: 'client' | 'server' = 'client'): { server: TlsConnection; client: TlsConnection; forge: Forger } {
  const { client, server } = makePair({ client: { keyLog: true } });
  const t = handshake(client, server);
  assert.ok(server.handshakeComplete);
  const label = as === 'client' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0';
  const line = t.client.flatMap((e) => (e.type === 'keylog' && e.line.startsWith(label) ? [e.line] : []))[0]!;
  const suite = tls13Suite(client.negotiated!.cipherSuite)!;
  const k = trafficKey(provider, suite, fromHex(line.split(' ')[2]!));
  return { client, server, forge: new Forger(k) };
}

function send(server: TlsConnection, forge: Forger) {
  return server.receive(concatBytes(...forge.take()));
}

const keyUpdate = (request: 0 | 1) => encodeHandshake({ type: 'key_update', requestUpdate: request }, 0x0304);

test('forged records are accepted as the client (sanity check of the harness)', () => {
  const { server, forge } = forgedPeer();
  forge.seal(ContentType.application_data, Uint8Array.of(1, 2, 3));
  const ev = send(server, forge);
  assert.deepEqual(errorsOf(ev), []);
  assert.ok(ev.some((e) => e.type === 'data' && e.data.length === 3));
});

test('a KeyUpdate followed by more handshake bytes in the same record is unexpected_message (RFC 8446 §5.1)', () => {
  const { server, forge } = forgedPeer();
  forge.seal(ContentType.handshake, concatBytes(keyUpdate(0), keyUpdate(0)));
  const e = errorsOf(send(server, forge))[0];
  assert.equal(e?.alert, AlertDescription.unexpected_message);
  assert.equal(e?.reason, 'HandshakeSpansKeyChange');
});

test('a protected change_cipher_spec is unexpected_message', () => {
  const { server, forge } = forgedPeer();
  forge.seal(ContentType.change_cipher_spec, Uint8Array.of(1));
  assert.equal(errorsOf(send(server, forge))[0]?.alert, AlertDescription.unexpected_message);
});

test(`more than ${MAX_EMPTY_RECORDS_IN_ROW} empty application data records in a row are refused`, () => {
  const { server, forge } = forgedPeer();
  for (let i = 0; i < MAX_EMPTY_RECORDS_IN_ROW; i++) forge.seal(ContentType.application_data, new Uint8Array(0));
  assert.deepEqual(errorsOf(send(server, forge)), [], 'up to the limit they are ignored');
  forge.seal(ContentType.application_data, new Uint8Array(0));
  const e = errorsOf(send(server, forge))[0];
  assert.equal(e?.alert, AlertDescription.unexpected_message);
  assert.equal(e?.reason, 'TooManyEmptyRecords');
});

test(`more than ${MAX_WARNING_ALERTS_IN_ROW} user_canceled warnings in a row are refused`, () => {
  const { server, forge } = forgedPeer();
  for (let i = 0; i < MAX_WARNING_ALERTS_IN_ROW; i++) forge.seal(ContentType.alert, Uint8Array.of(1, AlertDescription.user_canceled));
  assert.deepEqual(errorsOf(send(server, forge)), [], 'up to the limit they are ignored');
  forge.seal(ContentType.alert, Uint8Array.of(1, AlertDescription.user_canceled));
  assert.equal(errorsOf(send(server, forge))[0]?.reason, 'TooManyWarningAlerts');
});

test('any other warning alert is fatal in TLS 1.3 (RFC 8446 §6)', () => {
  const { server, forge } = forgedPeer();
  forge.seal(ContentType.alert, Uint8Array.of(1, AlertDescription.bad_certificate));
  const e = errorsOf(send(server, forge))[0];
  assert.equal(e?.fromPeer, true);
  assert.equal(e?.alert, AlertDescription.bad_certificate);
});

test(`more than ${MAX_KEY_UPDATES_PER_WINDOW} KeyUpdates in a window are refused`, () => {
  const { client, server } = makePair();
  handshake(client, server);
  for (let i = 0; i < MAX_KEY_UPDATES_PER_WINDOW; i++) client.keyUpdate(false);
  assert.deepEqual(errorsOf(run(client, server).server), []);
  client.keyUpdate(false);
  assert.equal(errorsOf(run(client, server).server)[0]?.reason, 'TooManyKeyUpdates');
});

test('application data between the fragments of a handshake message is unexpected_message', () => {
  const { server, forge } = forgedPeer();
  const ku = keyUpdate(0);
  forge.seal(ContentType.handshake, ku.subarray(0, 2));
  forge.seal(ContentType.application_data, Uint8Array.of(1));
  assert.equal(errorsOf(send(server, forge))[0]?.reason, 'DataInterleavedWithHandshake');
});

test('a KeyUpdate split over two records still works, and a requested update is answered', () => {
  const { client, server, forge } = forgedPeer();
  const ku = keyUpdate(1);
  forge.seal(ContentType.handshake, ku.subarray(0, 3));
  forge.seal(ContentType.handshake, ku.subarray(3));
  const ev = send(server, forge);
  assert.deepEqual(errorsOf(ev), []);
  assert.ok(ev.some((e) => e.type === 'keyUpdate' && e.requested));
  // The server answered with its own KeyUpdate; the real client follows it.
  server.write(Uint8Array.of(9));
  const t = run(client, server);
  assert.deepEqual(errorsOf(t.client), []);
  assert.ok(t.client.some((e) => e.type === 'data'));
});

test('client: NewSessionTicket becomes a sessionTicket event; over 7 days or a post-handshake CertificateRequest is fatal', () => {
  const nst = (lifetime: number) =>
    encodeHandshake({ type: 'new_session_ticket', lifetime, ageAdd: 1, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1, 2, 3), extensions: [], ext: {} }, 0x0304);
  let { client, forge } = forgedPeer('server');
  forge.seal(ContentType.handshake, nst(7200));
  let ev = send(client, forge);
  assert.ok(ev.some((e) => e.type === 'sessionTicket' && e.lifetime === 7200 && e.ticket.length === 3));

  ({ client, forge } = forgedPeer('server'));
  forge.seal(ContentType.handshake, nst(604801));
  assert.equal(errorsOf(send(client, forge))[0]?.alert, AlertDescription.illegal_parameter);

  ({ client, forge } = forgedPeer('server'));
  forge.seal(ContentType.handshake, encodeHandshake({ type: 'certificate_request', context: Uint8Array.of(1), extensions: [], ext: { signatureAlgorithms: [0x0403] } }, 0x0304));
  ev = send(client, forge);
  assert.equal(errorsOf(ev)[0]?.alert, AlertDescription.unexpected_message);
  assert.match(errorsOf(ev)[0]!.message, /expected NewSessionTicket or KeyUpdate, got CertificateRequest/);
});

test('server: a NewSessionTicket from the client is unexpected_message', () => {
  const { server, forge } = forgedPeer();
  forge.seal(ContentType.handshake, encodeHandshake({ type: 'new_session_ticket', lifetime: 1, ageAdd: 1, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1), extensions: [], ext: {} }, 0x0304));
  assert.equal(errorsOf(send(server, forge))[0]?.alert, AlertDescription.unexpected_message);
});
