/**
 * RFC 8448 §3 (Simple 1-RTT Handshake) replayed against our server: with the RFC's server random
 * and X25519 key injected through a test provider, the RFC's ClientHello must produce the RFC's
 * ServerHello record and encrypted server flight byte for byte, and the RFC client's Finished,
 * application data and close_notify records must be accepted.
 *
 * The server's RSA-PSS CertificateVerify is randomized, so the test signer returns the RFC's
 * signature only after checking that it verifies over the content our server asked it to sign.
 * Our client cannot send the RFC's ClientHello (it always sends a compatibility session id and its
 * own extension set), so the client replay starts after it: the connection's first state is built
 * from the RFC ClientHello, and from then on the client's Finished, application data and alert
 * records must match the RFC byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { keyShareFromPrivateKey, nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider, SigningKey } from '../../src/crypto/provider.js';
import { createServerConnection } from '../../src/connection/index.js';
import { Connection } from '../../src/connection/connection.js';
import { ExpectServerHello } from '../../src/handshake/tls13/client.js';
import type { ClientOffer } from '../../src/handshake/hello.js';
import { DEFAULT_GROUPS } from '../../src/suites/groups.js';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { decodeHandshake } from '../../src/wire/handshake/index.js';
import { CipherSuite, NamedGroup } from '../../src/wire/registry.js';
import type { CertificateMsg, CertificateVerify, ClientHello } from '../../src/wire/types.js';
import { TestVerifier } from '../pair/verifier.js';
import * as V from '../vectors/rfc8448.js';

const node = nodeCryptoProvider();

/** node:crypto with the RFC's server random and ephemeral key, and the RFC server's group list. */
function rfcServerProvider(): CryptoProvider {
  const random = fromHex(V.S3_SERVER_SERVER_HELLO).subarray(6, 38);
  return {
    ...node,
    supportedGroups: [...node.supportedGroups, NamedGroup.ffdhe6144, NamedGroup.ffdhe8192],
    randomBytes: (n: number) => {
      assert.equal(n, 32, 'the server draws only its random');
      return random.slice();
    },
    generateKeyShare: (group: number) => {
      assert.equal(group, NamedGroup.x25519);
      return keyShareFromPrivateKey(group, fromHex(V.S3_SERVER_CREATE_AN_EPHEMERAL_X25519_KEY_PAIR_PRIVATE_KEY));
    },
  };
}

/** Returns the RFC's CertificateVerify signature, after checking it signs exactly what we were asked to sign. */
function rfcSigner(certDer: Uint8Array, cv: CertificateVerify): SigningKey & { signed: number } {
  const spki = new Uint8Array(new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' }));
  const key = {
    keyType: 'rsa',
    bits: 1024,
    schemes: [cv.scheme],
    publicKeySpki: spki,
    signed: 0,
    sign(scheme: number, message: Uint8Array): Uint8Array {
      assert.equal(scheme, cv.scheme);
      assert.ok(node.verifySignature(scheme, spki, message, cv.signature), 'the RFC signature must verify over our CertificateVerify content');
      key.signed++;
      return cv.signature;
    },
  };
  return key;
}

function events(ev: ConnectionEvent[], type: ConnectionEvent['type']): ConnectionEvent[] {
  return ev.filter((e) => e.type === type);
}

test('RFC 8448 §3: our server reproduces the RFC server flight and accepts the RFC client', () => {
  const cert = decodeHandshake(fromHex(V.S3_SERVER_CERTIFICATE), 0x0304) as CertificateMsg;
  const cv = decodeHandshake(fromHex(V.S3_SERVER_CERTIFICATE_VERIFY), 0x0304) as CertificateVerify;
  const certDer = cert.entries[0]!.certData;
  const signer = rfcSigner(certDer, cv);
  const server = createServerConnection({
    provider: rfcServerProvider(),
    minVersion: 0x0303,
    maxVersion: 0x0304,
    cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256],
    groups: [
      NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1,
      NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096, NamedGroup.ffdhe6144, NamedGroup.ffdhe8192,
    ],
    signatureSchemes: [cv.scheme],
    verifier: new TestVerifier([certDer]),
    certificates: [{ chain: [certDer], key: signer }],
    keyLog: true,
  });

  const ev1 = server.receive(fromHex(V.S3_CLIENT_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD));
  assert.deepEqual(events(ev1, 'error'), []);
  const out = concatBytes(...server.takeOutgoing());
  const expected = V.S3_SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD + V.S3_SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2;
  assert.equal(toHex(out.subarray(0, fromHex(V.S3_SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD).length)), V.S3_SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD, 'ServerHello record');
  assert.equal(toHex(out), expected, 'encrypted server flight (EncryptedExtensions..Finished in one record)');
  assert.equal(signer.signed, 1);

  const lines = events(ev1, 'keylog').map((e) => (e as { line: string }).line);
  const clientRandom = toHex(fromHex(V.S3_CLIENT_CLIENT_HELLO).subarray(6, 38));
  assert.ok(lines.includes(`SERVER_HANDSHAKE_TRAFFIC_SECRET ${clientRandom} ${V.S3_SERVER_DERIVE_SECRET_TLS13_S_HS_TRAFFIC_EXPANDED}`));
  assert.ok(lines.includes(`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${clientRandom} ${V.S3_SERVER_DERIVE_SECRET_TLS13_C_HS_TRAFFIC_EXPANDED}`));
  assert.ok(lines.includes(`SERVER_TRAFFIC_SECRET_0 ${clientRandom} ${V.S3_SERVER_DERIVE_SECRET_TLS13_S_AP_TRAFFIC_EXPANDED}`));
  assert.ok(lines.includes(`CLIENT_TRAFFIC_SECRET_0 ${clientRandom} ${V.S3_SERVER_DERIVE_SECRET_TLS13_C_AP_TRAFFIC_EXPANDED}`));
  assert.ok(lines.includes(`EXPORTER_SECRET ${clientRandom} ${V.S3_SERVER_DERIVE_SECRET_TLS13_EXP_MASTER_EXPANDED}`));

  const ev2 = server.receive(fromHex(V.S3_CLIENT_FINISHED_CIPHERTEXT_RECORD));
  assert.deepEqual(events(ev2, 'error'), []);
  assert.equal(events(ev2, 'handshakeDone').length, 1);
  assert.equal(server.negotiated!.serverName, 'server');
  assert.equal(toHex(server.negotiated!.peerFinished!), toHex((decodeHandshake(fromHex(V.S3_CLIENT_FINISHED), 0x0304) as { verifyData: Uint8Array }).verifyData));

  const ev3 = server.receive(fromHex(V.S3_CLIENT_SEND_APPLICATION_DATA_RECORD_COMPLETE_RECORD));
  const data = ev3.find((e) => e.type === 'data');
  assert.ok(data && data.type === 'data');
  assert.equal(toHex(data.data), V.S3_CLIENT_SEND_APPLICATION_DATA_RECORD_PAYLOAD);
  const ev4 = server.receive(fromHex(V.S3_CLIENT_SEND_ALERT_RECORD_COMPLETE_RECORD));
  assert.equal(events(ev4, 'peerClosed').length, 1);
});

test('RFC 8448 §3: our client, started from the RFC ClientHello, answers with the RFC client records', () => {
  const chRaw = fromHex(V.S3_CLIENT_CLIENT_HELLO);
  const ch = decodeHandshake(chRaw, 0x0304) as ClientHello;
  const cert = decodeHandshake(fromHex(V.S3_SERVER_CERTIFICATE), 0x0304) as CertificateMsg;
  const config = {
    provider: node,
    minVersion: 0x0304,
    maxVersion: 0x0304,
    cipherSuites: ch.cipherSuites,
    groups: [...DEFAULT_GROUPS],
    signatureSchemes: ch.ext.signatureAlgorithms!,
    verifier: new TestVerifier([cert.entries[0]!.certData]),
    rejectUnauthorized: true,
    serverName: 'server',
    // The RFC's certificate is valid 2016-07-30 .. 2026-07-30.
    now: () => Date.UTC(2020, 0, 1),
  };
  const offer: ClientOffer = {
    random: ch.random,
    sessionId: ch.legacySessionId,
    cipherSuites: ch.cipherSuites,
    versions: ch.ext.supportedVersions!,
    groups: ch.ext.supportedGroups!,
    shares: [keyShareFromPrivateKey(NamedGroup.x25519, fromHex(V.S3_CLIENT_CREATE_AN_EPHEMERAL_X25519_KEY_PAIR_PRIVATE_KEY))],
    signatureSchemes: ch.ext.signatureAlgorithms!,
    serverName: 'server',
    extensionTypes: new Set(ch.extensions.map((e) => e.type)),
  };
  const client = new Connection(false, config, () => new ExpectServerHello(config, offer, chRaw));
  assert.deepEqual(client.start(), []);
  assert.equal(client.outgoingBytes, 0);

  const ev1 = client.receive(fromHex(V.S3_SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD + V.S3_SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2));
  assert.deepEqual(events(ev1, 'error'), []);
  assert.equal(events(ev1, 'handshakeDone').length, 1);
  const flight = toHex(concatBytes(...client.takeOutgoing()));
  // Compatibility CCS (our client always sends one), then the RFC's protected Finished.
  assert.equal(flight, '140303000101' + V.S3_CLIENT_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2);
  assert.equal(client.negotiated!.peerVerdict?.ok, true);

  const ev2 = client.receive(fromHex(V.S3_NEW_SESSION_TICKET_CIPHERTEXT_RECORD));
  const ticket = ev2.find((e) => e.type === 'sessionTicket');
  assert.ok(ticket && ticket.type === 'sessionTicket');
  assert.equal(ticket.lifetime, 30);

  client.write(fromHex(V.S3_CLIENT_SEND_APPLICATION_DATA_RECORD_PAYLOAD));
  assert.equal(toHex(concatBytes(...client.takeOutgoing())), V.S3_CLIENT_SEND_APPLICATION_DATA_RECORD_COMPLETE_RECORD);
  const ev3 = client.receive(fromHex(V.S3_SERVER_SEND_APPLICATION_DATA_RECORD_COMPLETE_RECORD));
  const data = ev3.find((e) => e.type === 'data');
  assert.ok(data && data.type === 'data');
  assert.equal(toHex(data.data), V.S3_SERVER_SEND_APPLICATION_DATA_RECORD_PAYLOAD);

  client.close();
  assert.equal(toHex(concatBytes(...client.takeOutgoing())), V.S3_CLIENT_SEND_ALERT_RECORD_COMPLETE_RECORD);
  assert.equal(events(client.receive(fromHex(V.S3_SERVER_SEND_ALERT_RECORD_COMPLETE_RECORD)), 'peerClosed').length, 1);
});
