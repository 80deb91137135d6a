/**
 * RFC 8448 replays: §3 (Simple 1-RTT Handshake) and §6 (Client Authentication).
 *
 * Server side: with the RFC's server random and X25519 key injected through a test provider, the
 * RFC's ClientHello must produce the RFC's ServerHello record and encrypted server flight byte for
 * byte, and the RFC client's records (certificate flight, Finished, data, close_notify) must be
 * accepted.
 *
 * Client side: our client cannot send the RFC's ClientHello (it always sends a compatibility
 * session id and its own extension set), so the replay starts after it: the connection's first
 * state is built from the RFC ClientHello, and from then on the client's records must match the
 * RFC byte for byte (after our compatibility CCS).
 *
 * RSA-PSS signatures are randomized, so the test signer returns the RFC's signature only after
 * checking that it verifies over the content our engine asked it to sign.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { keyShareFromPrivateKey, nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider, SigningKey } from '../../src/crypto/provider.js';
import { createServerConnection } from '../../src/connection/index.js';
import { Connection } from '../../src/connection/connection.js';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { ExpectServerHello } from '../../src/handshake/tls13/client.js';
import type { ClientOffer } from '../../src/handshake/hello.js';
import { DEFAULT_GROUPS } from '../../src/suites/groups.js';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { decodeHandshake } from '../../src/wire/handshake/index.js';
import { NamedGroup } from '../../src/wire/registry.js';
import type { CertificateMsg, CertificateRequest, CertificateVerify, ClientHello, Finished } from '../../src/wire/types.js';
import { TestVerifier } from '../pair/verifier.js';
import * as V from '../vectors/rfc8448.js';

const node = nodeCryptoProvider();
/** The RFC's certificates are valid 2016-07-30 .. 2026-07-30. */
const RFC_NOW = () => Date.UTC(2020, 0, 1);
const CCS_RECORD = '140303000101';

/** A vector of section `s`, e.g. vec(3, 'SERVER_SERVER_HELLO'). */
function vec(s: number, name: string): string {
  const v = (V as Record<string, unknown>)[`S${s}_${name}`];
  assert.equal(typeof v, 'string', `vector S${s}_${name}`);
  return v as string;
}
function msg<T>(s: number, name: string): T {
  return decodeHandshake(fromHex(vec(s, name)), 0x0304) as T;
}

/** node:crypto with one side's RFC random and ephemeral key, and the RFC server's group list. */
function rfcProvider(random: Uint8Array, x25519Private: string): CryptoProvider {
  return {
    ...node,
    supportedGroups: [...node.supportedGroups, NamedGroup.ffdhe6144, NamedGroup.ffdhe8192],
    randomBytes: (n: number) => {
      assert.equal(n, 32, 'only the hello random is drawn');
      return random.slice();
    },
    generateKeyShare: (group: number) => {
      assert.equal(group, NamedGroup.x25519);
      return keyShareFromPrivateKey(group, fromHex(x25519Private));
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

function only(ev: ConnectionEvent[], type: ConnectionEvent['type']): ConnectionEvent[] {
  return ev.filter((e) => e.type === type);
}

const RFC_GROUPS = [
  NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1,
  NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096, NamedGroup.ffdhe6144, NamedGroup.ffdhe8192,
];

function replayServer(s: number, clientAuth: boolean): void {
  const ch = msg<ClientHello>(s, 'CLIENT_CLIENT_HELLO');
  const cert = msg<CertificateMsg>(s, 'SERVER_CERTIFICATE');
  const cv = msg<CertificateVerify>(s, 'SERVER_CERTIFICATE_VERIFY');
  const certDer = cert.entries[0]!.certData;
  const signer = rfcSigner(certDer, cv);
  const cr = clientAuth ? msg<CertificateRequest>(s, 'SERVER_CERTIFICATE_REQUEST') : undefined;
  const clientCert = clientAuth ? msg<CertificateMsg>(s, 'CLIENT_CERTIFICATE').entries[0]!.certData : undefined;
  const server = createServerConnection({
    provider: rfcProvider(fromHex(vec(s, 'SERVER_SERVER_HELLO')).subarray(6, 38), vec(s, 'SERVER_CREATE_AN_EPHEMERAL_X25519_KEY_PAIR_PRIVATE_KEY')),
    minVersion: 0x0303,
    maxVersion: 0x0304,
    cipherSuites: ch.cipherSuites,
    groups: RFC_GROUPS,
    signatureSchemes: cr ? cr.ext.signatureAlgorithms! : [cv.scheme],
    verifier: new TestVerifier(clientCert ? [clientCert] : []),
    certificates: [{ chain: [certDer], key: signer }],
    requestCert: clientAuth,
    rejectUnauthorized: clientAuth,
    keyLog: true,
    now: RFC_NOW,
  });

  const ev1 = server.receive(fromHex(vec(s, 'CLIENT_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD')));
  assert.deepEqual(only(ev1, 'error'), []);
  const out = toHex(concatBytes(...server.takeOutgoing()));
  const sh = vec(s, 'SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD');
  assert.equal(out.slice(0, sh.length), sh, 'ServerHello record');
  assert.equal(out.slice(sh.length), vec(s, 'SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2'), 'encrypted server flight in one record');
  assert.equal(signer.signed, 1);

  const clientRandom = toHex(ch.random);
  const lines = only(ev1, 'keylog').map((e) => (e as { line: string }).line);
  for (const [label, name] of [
    ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'S_HS_TRAFFIC'],
    ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'C_HS_TRAFFIC'],
    ['SERVER_TRAFFIC_SECRET_0', 'S_AP_TRAFFIC'],
    ['CLIENT_TRAFFIC_SECRET_0', 'C_AP_TRAFFIC'],
    ['EXPORTER_SECRET', 'EXP_MASTER'],
  ]) {
    assert.ok(lines.includes(`${label} ${clientRandom} ${vec(s, `SERVER_DERIVE_SECRET_TLS13_${name}_EXPANDED`)}`), label);
  }

  const ev2 = server.receive(fromHex(vec(s, 'CLIENT_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2')));
  assert.deepEqual(only(ev2, 'error'), []);
  assert.equal(only(ev2, 'handshakeDone').length, 1);
  assert.equal(server.negotiated!.serverName, 'server');
  assert.equal(toHex(server.negotiated!.peerFinished!), toHex(msg<Finished>(s, 'CLIENT_FINISHED').verifyData));
  if (clientCert) {
    assert.deepEqual(server.negotiated!.peerCertificates, [clientCert]);
    assert.equal(server.negotiated!.peerVerdict?.ok, true);
    // Nothing else was sent under the server's application key: its close_notify is the RFC's.
    server.close();
    assert.equal(toHex(concatBytes(...server.takeOutgoing())), vec(s, 'SERVER_SEND_ALERT_RECORD_COMPLETE_RECORD'));
  } else {
    const data = server.receive(fromHex(vec(s, 'CLIENT_SEND_APPLICATION_DATA_RECORD_COMPLETE_RECORD'))).find((e) => e.type === 'data');
    assert.ok(data && data.type === 'data');
    assert.equal(toHex(data.data), vec(s, 'CLIENT_SEND_APPLICATION_DATA_RECORD_PAYLOAD'));
  }
  assert.equal(only(server.receive(fromHex(vec(s, 'CLIENT_SEND_ALERT_RECORD_COMPLETE_RECORD'))), 'peerClosed').length, 1);
}

/** Our client, started as if it had sent the RFC ClientHello of section `s`. */
function rfcClient(s: number, clientAuth: boolean): Connection {
  const chRaw = fromHex(vec(s, 'CLIENT_CLIENT_HELLO'));
  const ch = decodeHandshake(chRaw, 0x0304) as ClientHello;
  const serverCert = msg<CertificateMsg>(s, 'SERVER_CERTIFICATE').entries[0]!.certData;
  let certificate;
  if (clientAuth) {
    const der = msg<CertificateMsg>(s, 'CLIENT_CERTIFICATE').entries[0]!.certData;
    certificate = { chain: [der], key: rfcSigner(der, msg<CertificateVerify>(s, 'CLIENT_CERTIFICATE_VERIFY')) };
  }
  const config = {
    provider: node,
    minVersion: 0x0304,
    maxVersion: 0x0304,
    cipherSuites: ch.cipherSuites,
    groups: [...DEFAULT_GROUPS],
    signatureSchemes: ch.ext.signatureAlgorithms!,
    verifier: new TestVerifier([serverCert]),
    rejectUnauthorized: true,
    serverName: 'server',
    certificate,
    now: RFC_NOW,
  };
  const offer: ClientOffer = {
    random: ch.random,
    sessionId: ch.legacySessionId,
    cipherSuites: ch.cipherSuites,
    versions: ch.ext.supportedVersions!,
    groups: ch.ext.supportedGroups!,
    shares: [keyShareFromPrivateKey(NamedGroup.x25519, fromHex(vec(s, 'CLIENT_CREATE_AN_EPHEMERAL_X25519_KEY_PAIR_PRIVATE_KEY')))],
    signatureSchemes: ch.ext.signatureAlgorithms!,
    serverName: 'server',
    extensionTypes: new Set(ch.extensions.map((e) => e.type)),
  };
  const client = new Connection(false, config, () => ExpectServerHello.afterClientHello(config, offer, chRaw));
  assert.deepEqual(client.start(), []);
  assert.equal(client.outgoingBytes, 0);
  return client;
}

function replayClientHandshake(s: number, client: Connection): void {
  const ev = client.receive(fromHex(vec(s, 'SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD') + vec(s, 'SERVER_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2')));
  assert.deepEqual(only(ev, 'error'), []);
  assert.equal(only(ev, 'handshakeDone').length, 1);
  // Our compatibility CCS, then the RFC's protected client flight.
  assert.equal(toHex(concatBytes(...client.takeOutgoing())), CCS_RECORD + vec(s, 'CLIENT_SEND_HANDSHAKE_RECORD_COMPLETE_RECORD_2'));
  assert.equal(client.negotiated!.peerVerdict?.ok, true);
}

test('RFC 8448 §3: our server reproduces the RFC server flight and accepts the RFC client', () => replayServer(3, false));

test('RFC 8448 §6: our server asks for, verifies and accepts the RFC client certificate', () => replayServer(6, true));

test('RFC 8448 §3: our client answers with the RFC client records, and takes the ticket and data', () => {
  const client = rfcClient(3, false);
  replayClientHandshake(3, client);
  const ticket = client.receive(fromHex(V.S3_NEW_SESSION_TICKET_CIPHERTEXT_RECORD)).find((e) => e.type === 'sessionTicket');
  assert.ok(ticket && ticket.type === 'sessionTicket');
  assert.equal(ticket.lifetime, 30);
  client.write(fromHex(V.S3_CLIENT_SEND_APPLICATION_DATA_RECORD_PAYLOAD));
  assert.equal(toHex(concatBytes(...client.takeOutgoing())), V.S3_CLIENT_SEND_APPLICATION_DATA_RECORD_COMPLETE_RECORD);
  const data = client.receive(fromHex(V.S3_SERVER_SEND_APPLICATION_DATA_RECORD_COMPLETE_RECORD)).find((e) => e.type === 'data');
  assert.ok(data && data.type === 'data');
  assert.equal(toHex(data.data), V.S3_SERVER_SEND_APPLICATION_DATA_RECORD_PAYLOAD);
  client.close();
  assert.equal(toHex(concatBytes(...client.takeOutgoing())), V.S3_CLIENT_SEND_ALERT_RECORD_COMPLETE_RECORD);
  assert.equal(only(client.receive(fromHex(V.S3_SERVER_SEND_ALERT_RECORD_COMPLETE_RECORD)), 'peerClosed').length, 1);
});

test('RFC 8448 §6: our client answers the CertificateRequest with the RFC certificate flight', () => {
  const client = rfcClient(6, true);
  replayClientHandshake(6, client);
  assert.ok(client.negotiated!.ownCertificate);
  client.close();
  assert.equal(toHex(concatBytes(...client.takeOutgoing())), vec(6, 'CLIENT_SEND_ALERT_RECORD_COMPLETE_RECORD'));
  assert.equal(only(client.receive(fromHex(vec(6, 'SERVER_SEND_ALERT_RECORD_COMPLETE_RECORD'))), 'peerClosed').length, 1);
});
