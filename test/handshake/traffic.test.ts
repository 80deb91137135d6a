/**
 * ExpectTraffic keeps only its suite and one buffer of three secrets (own traffic, peer traffic,
 * exporter), updating a traffic secret in place at each KeyUpdate. Checked against the key
 * schedule's own functions: the keys it installs after N updates are those of the §7.2 chain
 * application_traffic_secret_N, and the exporter never changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ExpectTraffic } from '../../src/handshake/tls13/traffic.js';
import { exportKeyingMaterial, tls13Suite, type ApplicationSecrets } from '../../src/handshake/tls13/keys.js';
import * as ks from '../../src/handshake/tls13/key-schedule.js';
import type { FinishedVerified } from '../../src/handshake/common/proofs.js';
import type { HandshakeEvent, HandshakeIo, TrafficKeyInstall } from '../../src/handshake/common/state.js';
import type { HandshakeMessage } from '../../src/wire/types.js';
import { toHex } from '../../src/util/bytes.js';
import { CipherSuite } from '../../src/wire/registry.js';
import { provider } from '../pair/pair.js';

interface Recorded {
  io: HandshakeIo;
  sent: HandshakeMessage[];
  readIvs: string[];
  writeIvs: string[];
  events: HandshakeEvent[];
}

function recordingIo(): Recorded {
  const r: Recorded = { sent: [], readIvs: [], writeIvs: [], events: [], io: undefined! };
  r.io = {
    provider,
    now: () => 0,
    send: (msg) => (r.sent.push(msg), new Uint8Array(0)),
    sendChangeCipherSpec: () => assert.fail('no CCS after the handshake'),
    setReadKey: (k: TrafficKeyInstall) => void r.readIvs.push(toHex(k.iv)),
    setWriteKey: (k: TrafficKeyInstall) => void r.writeIvs.push(toHex(k.iv)),
    setPeerRecordSizeLimit: () => assert.fail('no record_size_limit after the handshake'),
    emit: (e) => void r.events.push(e),
    complete: () => assert.fail('already complete'),
  };
  return r;
}

const keyUpdate = (requestUpdate: 0 | 1) => ({ msg: { type: 'key_update', requestUpdate } as HandshakeMessage, raw: new Uint8Array(0) });
const finished = {} as FinishedVerified; // the brand only: these tests start after the handshake

for (const id of [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384]) {
  const suite = tls13Suite(id)!;
  const ivOf = (secret: Uint8Array) => toHex(ks.trafficKeys(provider, suite, secret).iv);
  /** application_traffic_secret_N from _0 (§7.2). */
  const nth = (secret0: Uint8Array, n: number) => {
    let s = secret0;
    for (let i = 0; i < n; i++) s = ks.nextTrafficSecret(provider, suite.hash, s);
    return s;
  };

  test(`ExpectTraffic (${suite.hash}): KeyUpdates follow the §7.2 chain on both directions; the exporter stays`, () => {
    const secret = () => new Uint8Array(randomBytes(suite.hashLen));
    const app: ApplicationSecrets = { suite, master: undefined!, clientTraffic: secret(), serverTraffic: secret(), exporterMaster: secret() };
    const snapshot = { c: Uint8Array.from(app.clientTraffic), s: Uint8Array.from(app.serverTraffic), e: Uint8Array.from(app.exporterMaster) };
    const server = new ExpectTraffic(true, app, finished);
    const r = recordingIo();
    const exported = () => toHex(server.exportKeyingMaterial(r.io, 'EXPERIMENTAL x', Uint8Array.of(1), 32));
    const wantExport = toHex(exportKeyingMaterial(provider, suite, snapshot.e, 'EXPERIMENTAL x', Uint8Array.of(1), 32));
    assert.equal(exported(), wantExport);

    // The peer (client) updates and asks us to: read key client_1, then our KeyUpdate and write key server_1.
    assert.equal(server.handle(r.io, keyUpdate(1)), server);
    assert.deepEqual(r.readIvs, [ivOf(nth(snapshot.c, 1))]);
    assert.deepEqual(r.writeIvs, [ivOf(nth(snapshot.s, 1))]);
    assert.deepEqual(r.sent, [{ type: 'key_update', requestUpdate: 0 }]);
    assert.deepEqual(r.events, [{ type: 'keyUpdate', requested: true }]);

    // Two more of the client's, then two of our own: each step chains from the last.
    server.handle(r.io, keyUpdate(0));
    server.handle(r.io, keyUpdate(0));
    server.sendKeyUpdate(r.io, true);
    server.sendKeyUpdate(r.io, false);
    assert.deepEqual(r.readIvs, [1, 2, 3].map((n) => ivOf(nth(snapshot.c, n))));
    assert.deepEqual(r.writeIvs, [1, 2, 3].map((n) => ivOf(nth(snapshot.s, n))));
    assert.deepEqual(r.sent.slice(1), [{ type: 'key_update', requestUpdate: 1 }, { type: 'key_update', requestUpdate: 0 }]);
    assert.equal(exported(), wantExport, 'KeyUpdate does not touch the exporter secret');

    // The handshake's secrets were copied, not kept: changing them changes nothing here.
    app.clientTraffic.fill(0);
    app.serverTraffic.fill(0);
    app.exporterMaster.fill(0);
    assert.equal(exported(), wantExport);
    server.handle(r.io, keyUpdate(0));
    assert.equal(r.readIvs.at(-1), ivOf(nth(snapshot.c, 4)));
  });

  test(`ExpectTraffic (${suite.hash}): a client's own secret is the client secret`, () => {
    const secret = () => new Uint8Array(randomBytes(suite.hashLen));
    const app: ApplicationSecrets = { suite, master: undefined!, clientTraffic: secret(), serverTraffic: secret(), exporterMaster: secret() };
    const client = new ExpectTraffic(false, app, finished);
    const r = recordingIo();
    client.sendKeyUpdate(r.io, false);
    client.handle(r.io, keyUpdate(0));
    assert.deepEqual(r.writeIvs, [ivOf(nth(app.clientTraffic, 1))]);
    assert.deepEqual(r.readIvs, [ivOf(nth(app.serverTraffic, 1))]);
    assert.equal(client.acceptsCompatCcs, false);
    assert.equal(client.expecting, 'NewSessionTicket or KeyUpdate');
  });
}

test('tls13Suite: one shared frozen row per suite; TLS 1.2-only and unknown ids are undefined', () => {
  const a = tls13Suite(CipherSuite.TLS_CHACHA20_POLY1305_SHA256)!;
  assert.equal(tls13Suite(CipherSuite.TLS_CHACHA20_POLY1305_SHA256), a, 'the same object every time');
  assert.ok(Object.isFrozen(a));
  assert.deepEqual({ ...a }, { id: CipherSuite.TLS_CHACHA20_POLY1305_SHA256, hash: 'sha256', hashLen: 32, aead: 'chacha20-poly1305', keyLength: 32 });
  assert.equal(tls13Suite(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), undefined);
  assert.equal(tls13Suite(0x1234), undefined);
});
