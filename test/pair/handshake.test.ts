/**
 * Full TLS 1.3 handshakes between our client and our server, in memory: every suite x group x
 * certificate type, HelloRetryRequest, ALPN, SNI, KeyUpdate, bulk data, client certificates,
 * close_notify, keylog and exporters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CipherSuite, NamedGroup, SignatureScheme, AlertDescription } from '../../src/wire/registry.js';
import { makeTestPki } from '../fixtures/certs.js';
import { certifiedKey, dataOf, errorsOf, handshake, has, makePair, run, takeAll } from './pair.js';
import { TestVerifier } from './verifier.js';
import type { TlsConnection } from '../../src/connection/types.js';

const pki = makeTestPki();

function exchange(a: TlsConnection, b: TlsConnection, data: Uint8Array): Uint8Array {
  a.write(data);
  const t = run(a, b);
  return dataOf(t.server);
}

function assertDone(t: { client: { type: string }[]; server: { type: string }[] }, client: TlsConnection, server: TlsConnection): void {
  assert.deepEqual(errorsOf(t.client as never), [], 'client errors');
  assert.deepEqual(errorsOf(t.server as never), [], 'server errors');
  assert.ok(client.handshakeComplete && server.handshakeComplete, 'both sides complete');
}

const suites = [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256];
const groups = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x448];
const certs = [
  { name: 'ECDSA P-256 (CA-issued)', pair: pki.leaf, anchor: pki.ca.certDer, scheme: SignatureScheme.ecdsa_secp256r1_sha256 },
  { name: 'RSA 2048 (CA-issued)', pair: pki.leafRsa, anchor: pki.ca.certDer, scheme: SignatureScheme.rsa_pss_rsae_sha256 },
  { name: 'ECDSA P-384 (self-signed)', pair: pki.ecdsa384, anchor: pki.ecdsa384.certDer, scheme: SignatureScheme.ecdsa_secp384r1_sha384 },
  { name: 'Ed25519 (self-signed)', pair: pki.ed25519, anchor: pki.ed25519.certDer, scheme: SignatureScheme.ed25519 },
];

for (const cert of certs) {
  test(`handshakes with every suite and group: ${cert.name}`, () => {
    for (const suite of suites) {
      for (const group of groups) {
        const { client, server } = makePair({
          client: { cipherSuites: [suite], groups: [group], verifier: new TestVerifier([cert.anchor]) },
          server: { certificates: [certifiedKey(cert.pair)] },
        });
        const t = handshake(client, server);
        assertDone(t, client, server);
        assert.equal(client.negotiated!.cipherSuite, suite);
        assert.equal(server.negotiated!.group, group);
        assert.equal(client.negotiated!.signatureScheme, cert.scheme);
        assert.equal(client.negotiated!.peerVerdict?.ok, true);
        assert.deepEqual(client.negotiated!.peerCertificates[0], cert.pair.certDer);
        const msg = new TextEncoder().encode(`hello ${suite}/${group}`);
        assert.deepEqual(exchange(client, server, msg), msg);
        server.write(msg);
        assert.deepEqual(dataOf(run(client, server).client), msg);
      }
    }
  });
}

test('HelloRetryRequest when the client shared a group the server does not take', () => {
  const { client, server } = makePair({
    client: { groups: [NamedGroup.secp256r1, NamedGroup.x25519], keyShareGroups: [NamedGroup.secp256r1] },
    server: { groups: [NamedGroup.x25519] },
  });
  const t = handshake(client, server);
  assertDone(t, client, server);
  assert.equal(client.negotiated!.group, NamedGroup.x25519);
  assert.ok(t.client.some((e) => e.type === 'trace' && e.direction === 'received' && e.message.startsWith('HelloRetryRequest')));
  const hellos = t.server.filter((e) => e.type === 'trace' && e.direction === 'received' && e.message.startsWith('ClientHello'));
  assert.equal(hellos.length, 2);
});

test('ALPN: the server preference wins among the protocols the client offered', () => {
  const { client, server } = makePair({ client: { alpnProtocols: ['h2', 'http/1.1'] }, server: { alpnProtocols: ['http/1.1', 'h2'] } });
  assertDone(handshake(client, server), client, server);
  assert.equal(client.negotiated!.alpnProtocol, 'http/1.1');
  assert.equal(server.negotiated!.alpnProtocol, 'http/1.1');
});

test('ALPN without overlap ends with no_application_protocol on both sides', () => {
  const { client, server } = makePair({ client: { alpnProtocols: ['h2'] }, server: { alpnProtocols: ['http/1.1'] } });
  const t = handshake(client, server);
  assert.equal(errorsOf(t.server)[0]?.alert, AlertDescription.no_application_protocol);
  const ce = errorsOf(t.client)[0];
  assert.equal(ce?.alert, AlertDescription.no_application_protocol);
  assert.equal(ce?.fromPeer, true);
});

test('SNI is sent for a host name and acknowledged; never for an IP literal', () => {
  let { client, server } = makePair({ client: { serverName: 'localhost' } });
  assertDone(handshake(client, server), client, server);
  assert.equal(server.negotiated!.serverName, 'localhost');
  assert.equal(client.negotiated!.serverName, 'localhost');
  ({ client, server } = makePair({ client: { serverName: '127.0.0.1' } }));
  assertDone(handshake(client, server), client, server);
  assert.equal(server.negotiated!.serverName, undefined);
});

test('KeyUpdate both ways, with update_requested answered, keeps data flowing', () => {
  const { client, server } = makePair();
  assertDone(handshake(client, server), client, server);
  client.keyUpdate(true);
  const t1 = run(client, server);
  assert.ok(t1.server.some((e) => e.type === 'keyUpdate' && e.requested));
  assert.ok(t1.client.some((e) => e.type === 'keyUpdate' && !e.requested), 'server answered with its own KeyUpdate');
  server.keyUpdate(false);
  const t2 = run(client, server);
  assert.ok(t2.client.some((e) => e.type === 'keyUpdate' && !e.requested));
  const m = new TextEncoder().encode('after updates');
  assert.deepEqual(exchange(client, server, m), m);
  server.write(m);
  assert.deepEqual(dataOf(run(client, server).client), m);
});

test('1 MiB each way arrives intact', () => {
  const { client, server } = makePair();
  assertDone(handshake(client, server), client, server);
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
  assert.deepEqual(exchange(client, server, big), big);
  server.write(big);
  assert.deepEqual(dataOf(run(client, server).client), big);
});

test('setMaxFragmentLength bounds the records we send', () => {
  const { client, server } = makePair();
  assertDone(handshake(client, server), client, server);
  client.setMaxFragmentLength(512);
  client.write(new Uint8Array(4096));
  const wire = client.takeOutgoing();
  let total = 0;
  for (const c of wire) total += c.length;
  // 8 records of 512 bytes + 1 type byte + 16 tag + 5 header.
  assert.equal(total, 8 * (512 + 1 + 16 + 5));
  assert.throws(() => client.setMaxFragmentLength(100), RangeError);
});

test('client certificates: sent when requested, verified, required when rejectUnauthorized', () => {
  const clientKey = certifiedKey(pki.client);
  let { client, server } = makePair({ client: { certificate: clientKey }, server: { requestCert: true, rejectUnauthorized: true } });
  assertDone(handshake(client, server), client, server);
  assert.deepEqual(server.negotiated!.peerCertificates[0], pki.client.certDer);
  assert.equal(server.negotiated!.peerVerdict?.ok, true);
  assert.equal(server.negotiated!.signatureScheme, SignatureScheme.ecdsa_secp256r1_sha256);
  assert.deepEqual(client.negotiated!.ownCertificate, pki.client.certDer);

  ({ client, server } = makePair({ server: { requestCert: true, rejectUnauthorized: true } }));
  const t = handshake(client, server);
  assert.equal(errorsOf(t.server)[0]?.alert, AlertDescription.certificate_required);
  assert.equal(errorsOf(t.client)[0]?.alert, AlertDescription.certificate_required);

  ({ client, server } = makePair({ server: { requestCert: true, rejectUnauthorized: false } }));
  assertDone(handshake(client, server), client, server);
  assert.deepEqual(server.negotiated!.peerCertificates, []);

  // A client certificate the server cannot verify: fatal with rejectUnauthorized, recorded without.
  const selfSigned = certifiedKey(pki.ecdsa);
  ({ client, server } = makePair({ client: { certificate: selfSigned }, server: { requestCert: true, rejectUnauthorized: true } }));
  const bad = handshake(client, server);
  assert.equal(errorsOf(bad.server)[0]?.alert, AlertDescription.bad_certificate);
  assert.equal(errorsOf(bad.client)[0]?.fromPeer, true);
  ({ client, server } = makePair({ client: { certificate: selfSigned }, server: { requestCert: true, rejectUnauthorized: false } }));
  assertDone(handshake(client, server), client, server);
  assert.equal(server.negotiated!.peerVerdict?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
});

test('input beyond the limit while paused on the ClientHello is refused', () => {
  const { client, server } = makePair({ server: { pauseOnClientHello: true } });
  client.start();
  server.receive(takeAll(client));
  const junk = new Uint8Array(70 * 1024);
  const ev = server.receive(junk);
  assert.equal(errorsOf(ev)[0]?.reason, 'TooMuchInputWhilePaused');
});

test('an untrusted server certificate is fatal with rejectUnauthorized, recorded without it', () => {
  let { client, server } = makePair({ client: { verifier: new TestVerifier([pki.otherCa.certDer]) } });
  let t = handshake(client, server);
  assert.equal(errorsOf(t.client)[0]?.alert, AlertDescription.unknown_ca);
  assert.equal(errorsOf(t.server)[0]?.fromPeer, true);

  ({ client, server } = makePair({ client: { verifier: new TestVerifier([pki.otherCa.certDer]), rejectUnauthorized: false } }));
  t = handshake(client, server);
  assertDone(t, client, server);
  assert.equal(client.negotiated!.peerVerdict?.ok, false);
  assert.equal(client.negotiated!.peerVerdict?.code, 'SELF_SIGNED_CERT_IN_CHAIN'); // the server sends leaf + its CA
});

test('close_notify: the peer sees peerClosed and may still write back', () => {
  const { client, server } = makePair();
  assertDone(handshake(client, server), client, server);
  client.close();
  assert.throws(() => client.write(new Uint8Array([1])));
  const t = run(client, server);
  assert.ok(has(t.server, 'peerClosed'));
  const m = new TextEncoder().encode('last words');
  server.write(m);
  assert.deepEqual(dataOf(run(client, server).client), m);
});

test('keylog lines agree between client and server, exporters agree', () => {
  const { client, server } = makePair({ client: { keyLog: true }, server: { keyLog: true } });
  const t = handshake(client, server);
  assertDone(t, client, server);
  const lines = (ev: typeof t.client) => ev.flatMap((e) => (e.type === 'keylog' ? [e.line] : [])).sort();
  const cl = lines(t.client);
  assert.equal(cl.length, 5);
  assert.deepEqual(cl, lines(t.server));
  assert.deepEqual(
    cl.map((l) => l.split(' ')[0]),
    ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0'],
  );
  assert.match(cl[0]!, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64,96}$/);
  const a = client.exportKeyingMaterial('EXPERIMENTAL test', new Uint8Array([1, 2]), 42);
  assert.equal(a.length, 42);
  assert.deepEqual(a, server.exportKeyingMaterial('EXPERIMENTAL test', new Uint8Array([1, 2]), 42));
  assert.notDeepEqual(a, server.exportKeyingMaterial('EXPERIMENTAL other', new Uint8Array([1, 2]), 42));
  assert.deepEqual(client.negotiated!.ownFinished, server.negotiated!.peerFinished);
  assert.deepEqual(server.negotiated!.ownFinished, client.negotiated!.peerFinished);
});

test('pauseOnClientHello: the decision picks certificate and ALPN, or rejects', () => {
  let { client, server } = makePair({ client: { alpnProtocols: ['a', 'b'] }, server: { pauseOnClientHello: true, certificates: [] } });
  client.start();
  const ev = server.receive(takeAll(client));
  const hello = ev.find((e) => e.type === 'clientHello');
  assert.ok(hello && hello.type === 'clientHello');
  assert.equal(hello.serverName, 'localhost');
  assert.deepEqual(hello.alpnProtocols, ['a', 'b']);
  assert.equal(server.outgoingBytes, 0);
  const t = { client: [] as never[], server: server.resumeHandshake({ certificates: [certifiedKey(pki.leaf)], selectedAlpn: 'b' }) };
  run(client, server, t);
  assertDone(t, client, server);
  assert.equal(client.negotiated!.alpnProtocol, 'b');

  ({ client, server } = makePair({ server: { pauseOnClientHello: true } }));
  client.start();
  server.receive(takeAll(client));
  const rej = server.resumeHandshake({ reject: { alert: AlertDescription.unrecognized_name, message: 'no such host' } });
  assert.equal(errorsOf(rej)[0]?.alert, AlertDescription.unrecognized_name);
  const ct = run(client, server);
  assert.equal(errorsOf(ct.client)[0]?.alert, AlertDescription.unrecognized_name);
});

test('a certificate chain larger than a record, and 512-byte records, reassemble across records', () => {
  const leaf = certifiedKey(pki.leaf);
  const padded = { chain: [...leaf.chain, ...Array.from({ length: 40 }, () => pki.ca.certDer)], key: leaf.key };
  const { client, server } = makePair({ server: { certificates: [padded], maxFragmentLength: 512 }, client: { maxFragmentLength: 512 } });
  const t = handshake(client, server);
  assertDone(t, client, server);
  assert.equal(client.negotiated!.peerCertificates.length, 42);
  const total = client.negotiated!.peerCertificates.reduce((n, c) => n + c.length, 0);
  assert.ok(total > 16384, `chain of ${total} bytes spans several records`);
});
