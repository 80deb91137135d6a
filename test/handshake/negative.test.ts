/**
 * Protocol violations fed to our client and server as crafted records: each must end in the alert
 * RFC 8446 names (or the one the brief chose), as an `error` event, never an exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHandshake, decodeHandshake } from '../../src/wire/handshake/index.js';
import { AlertDescription, CipherSuite, ContentType, NamedGroup, ProtocolVersion } from '../../src/wire/registry.js';
import type { ClientHello, ServerHello } from '../../src/wire/types.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../src/handshake/tls13/server.js';
import { DOWNGRADE_TLS12 } from '../../src/handshake/common/negotiate.js';
import { errorsOf, handshake, makePair, plainRecord, provider, run, takeAll } from '../pair/pair.js';
import type { TlsConnection, ConnectionEvent } from '../../src/connection/types.js';

function firstError(ev: ConnectionEvent[]) {
  const e = errorsOf(ev)[0];
  assert.ok(e, 'expected an error event');
  return e;
}

/** Our client's first ClientHello, decoded. */
function clientHelloOf(client: TlsConnection): ClientHello {
  client.start();
  const bytes = takeAll(client);
  return decodeHandshake(bytes.subarray(5), ProtocolVersion.TLSv1_3) as ClientHello;
}

function baseClientHello(): ClientHello {
  const { client } = makePair();
  return clientHelloOf(client);
}

test('server: a TLS 1.2-only ClientHello gets protocol_version saying TLS 1.2 is not implemented', () => {
  const ch = baseClientHello();
  delete ch.ext.supportedVersions;
  ch.extensions = ch.extensions.filter((e) => e.type !== 43);
  const { server } = makePair();
  const e = firstError(server.receive(plainRecord(ContentType.handshake, encodeHandshake(ch, 0x0303))));
  assert.equal(e.alert, AlertDescription.protocol_version);
  assert.match(e.message, /TLS 1\.2 is not implemented/);
  // The alert goes out in plaintext: 15 03 03 00 02 02 46.
  assert.deepEqual(takeAll(server), Uint8Array.of(21, 3, 3, 0, 2, 2, 70));
});

test('server: a ClientHello offering only TLS 1.0/1.1 is refused naming RFC 8996', () => {
  const ch = baseClientHello();
  ch.ext.supportedVersions = [ProtocolVersion.TLSv1_1, ProtocolVersion.TLSv1_0];
  ch.extensions = [];
  const { server } = makePair();
  const e = firstError(server.receive(plainRecord(ContentType.handshake, encodeHandshake(ch, 0x0304))));
  assert.equal(e.alert, AlertDescription.protocol_version);
  assert.match(e.message, /RFC 8996/);
});

test('server: a first message other than ClientHello is unexpected_message in words', () => {
  const { server } = makePair();
  const e = firstError(server.receive(plainRecord(ContentType.handshake, encodeHandshake({ type: 'finished', verifyData: new Uint8Array(32) }, 0x0304))));
  assert.equal(e.alert, AlertDescription.unexpected_message);
  assert.equal(e.message, 'expected ClientHello, got Finished');
});

test('server: application data or a CCS before the ClientHello is unexpected_message', () => {
  let { server } = makePair();
  assert.equal(firstError(server.receive(plainRecord(ContentType.application_data, new Uint8Array([1])))).alert, AlertDescription.unexpected_message);
  ({ server } = makePair());
  assert.equal(firstError(server.receive(plainRecord(ContentType.change_cipher_spec, new Uint8Array([1])))).alert, AlertDescription.unexpected_message);
});

test('server: missing key_share, duplicate shares, non-null compression', () => {
  const cases: [string, (ch: ClientHello) => void, number][] = [
    ['no key_share', (ch) => delete ch.ext.keyShares, AlertDescription.missing_extension],
    ['no signature_algorithms', (ch) => delete ch.ext.signatureAlgorithms, AlertDescription.missing_extension],
    ['duplicate share', (ch) => ch.ext.keyShares!.push(ch.ext.keyShares![0]!), AlertDescription.illegal_parameter],
    ['compression', (ch) => (ch.compressionMethods = Uint8Array.of(1, 0)), AlertDescription.illegal_parameter],
    ['no common suite', (ch) => (ch.cipherSuites = [0x00ff]), AlertDescription.handshake_failure],
  ];
  for (const [name, mutate, alert] of cases) {
    const ch = baseClientHello();
    ch.extensions = [];
    mutate(ch);
    const { server } = makePair();
    assert.equal(firstError(server.receive(plainRecord(ContentType.handshake, encodeHandshake(ch, 0x0304)))).alert, alert, name);
  }
});

/** A fake server answer to our client's ClientHello. */
function serverHelloFor(ch: ClientHello, patch: Partial<ServerHello> & { ext?: ServerHello['ext'] }): Uint8Array {
  const sh: ServerHello = {
    type: 'server_hello',
    legacyVersion: 0x0303,
    random: provider.randomBytes(32),
    legacySessionIdEcho: ch.legacySessionId,
    cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256,
    compressionMethod: 0,
    isHelloRetryRequest: false,
    extensions: [],
    ext: { supportedVersion: 0x0304 },
    ...patch,
  };
  return plainRecord(ContentType.handshake, encodeHandshake(sh, 0x0304));
}

test('client: a TLS 1.2 ServerHello is protocol_version; with the downgrade sentinel it is illegal_parameter', () => {
  let { client } = makePair();
  let ch = clientHelloOf(client);
  let e = firstError(client.receive(serverHelloFor(ch, { ext: {}, cipherSuite: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 })));
  assert.equal(e.alert, AlertDescription.protocol_version);
  assert.match(e.message, /TLS 1\.2 is not implemented/);

  ({ client } = makePair());
  ch = clientHelloOf(client);
  const random = provider.randomBytes(32);
  random.set(DOWNGRADE_TLS12, 24);
  e = firstError(client.receive(serverHelloFor(ch, { ext: {}, random })));
  assert.equal(e.alert, AlertDescription.illegal_parameter);
  assert.equal(e.reason, 'DowngradeSentinelInServerRandom');
});

test('client: ServerHello checks (session id echo, unoffered suite, missing key_share, unsolicited extension)', () => {
  const cases: [string, (ch: ClientHello) => Partial<ServerHello>, number][] = [
    ['session id', () => ({ legacySessionIdEcho: new Uint8Array(32) }), AlertDescription.illegal_parameter],
    ['suite', () => ({ cipherSuite: CipherSuite.TLS_AES_128_CCM_SHA256 }), AlertDescription.illegal_parameter],
    ['no key_share', () => ({ ext: { supportedVersion: 0x0304 } }), AlertDescription.missing_extension],
    ['share for unsent group', () => ({ ext: { supportedVersion: 0x0304, keyShare: { group: NamedGroup.secp384r1, keyExchange: new Uint8Array(97) } } }), AlertDescription.illegal_parameter],
    ['version 1.2 in supported_versions', () => ({ ext: { supportedVersion: 0x0303 } }), AlertDescription.illegal_parameter],
  ];
  for (const [name, patch, alert] of cases) {
    const { client } = makePair();
    const ch = clientHelloOf(client);
    assert.equal(firstError(client.receive(serverHelloFor(ch, patch(ch)))).alert, alert, name);
  }
});

function hrrFor(ch: ClientHello, group: number, extra: Partial<ServerHello> = {}): Uint8Array {
  return serverHelloFor(ch, { random: HELLO_RETRY_REQUEST_RANDOM, isHelloRetryRequest: true, ext: { supportedVersion: 0x0304, selectedGroup: group }, ...extra });
}

test('client: HelloRetryRequest rules of RFC 8446 §4.1.4', () => {
  // Selecting a group we already sent a share for.
  let { client } = makePair();
  let ch = clientHelloOf(client);
  let e = firstError(client.receive(hrrFor(ch, ch.ext.keyShares![0]!.group)));
  assert.equal(e.alert, AlertDescription.illegal_parameter);
  assert.equal(e.reason, 'HelloRetryRequestSelectedGroupAlreadySent');

  // Selecting a group we did not offer.
  ({ client } = makePair({ client: { groups: [NamedGroup.x25519, NamedGroup.secp256r1] } }));
  ch = clientHelloOf(client);
  e = firstError(client.receive(hrrFor(ch, NamedGroup.secp521r1)));
  assert.equal(e.reason, 'HelloRetryRequestSelectedUnofferedGroup');

  // A second HelloRetryRequest.
  ({ client } = makePair({ client: { groups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1] } }));
  ch = clientHelloOf(client);
  assert.deepEqual(errorsOf(client.receive(hrrFor(ch, NamedGroup.secp256r1))), []);
  const out = takeAll(client);
  assert.equal(out[0], ContentType.change_cipher_spec, 'compatibility CCS before ClientHello2');
  e = firstError(client.receive(hrrFor(ch, NamedGroup.secp384r1)));
  assert.equal(e.alert, AlertDescription.unexpected_message);

  // ServerHello after HRR with a different suite.
  ({ client } = makePair({ client: { groups: [NamedGroup.x25519, NamedGroup.secp256r1] } }));
  ch = clientHelloOf(client);
  client.receive(hrrFor(ch, NamedGroup.secp256r1));
  e = firstError(client.receive(serverHelloFor(ch, { cipherSuite: CipherSuite.TLS_AES_256_GCM_SHA384, ext: { supportedVersion: 0x0304, keyShare: { group: NamedGroup.secp256r1, keyExchange: new Uint8Array(65) } } })));
  assert.equal(e.alert, AlertDescription.illegal_parameter);
});

test('CCS: 0x01 during the handshake is dropped, any other value or after the handshake is unexpected_message', () => {
  let { client, server } = makePair();
  client.start();
  const ch = takeAll(client);
  let e = firstError(server.receive(new Uint8Array([...ch, ...plainRecord(ContentType.change_cipher_spec, Uint8Array.of(2))])));
  assert.equal(e.alert, AlertDescription.unexpected_message);

  ({ client, server } = makePair());
  handshake(client, server);
  assert.ok(client.handshakeComplete);
  e = firstError(server.receive(plainRecord(ContentType.change_cipher_spec, Uint8Array.of(1))));
  assert.equal(e.alert, AlertDescription.unexpected_message);
  const t = run(client, server);
  assert.equal(firstError(t.client).fromPeer, true);
});

test('a fatal alert from the peer is an error event with fromPeer, and failure is sticky', () => {
  const { client, server } = makePair();
  handshake(client, server);
  client.receive(new Uint8Array(0));
  // Make the server fail, then hand its encrypted alert to the client.
  server.receive(plainRecord(ContentType.change_cipher_spec, Uint8Array.of(1)));
  const ev = client.receive(takeAll(server));
  const e = firstError(ev);
  assert.equal(e.fromPeer, true);
  assert.equal(e.alert, AlertDescription.unexpected_message);
  assert.deepEqual(client.receive(new Uint8Array(10)), []);
  assert.throws(() => client.write(new Uint8Array(1)));
  assert.equal(client.failure, e);
});

test('garbage and truncated input never throw out of receive()', () => {
  for (let i = 0; i < 200; i++) {
    const { server } = makePair();
    const junk = provider.randomBytes(1 + (i % 64));
    if (i % 2) junk[0] = ContentType.handshake, junk[1] = 3;
    assert.doesNotThrow(() => server.receive(junk));
  }
});

test('server: the second ClientHello must repeat the first and carry one share for the requested group', () => {
  const cases: [string, (ch: ClientHello) => void, string][] = [
    ['changed random', (ch) => (ch.random = provider.randomBytes(32)), 'SecondClientHelloChanged'],
    ['wrong group', (ch) => (ch.ext.keyShares = [provider.generateKeyShare(NamedGroup.secp256r1)].map((k) => ({ group: k.group, keyExchange: k.publicKey }))), 'SecondClientHelloWrongKeyShare'],
    ['two shares', (ch) => ch.ext.keyShares!.push({ group: NamedGroup.secp256r1, keyExchange: provider.generateKeyShare(NamedGroup.secp256r1).publicKey }), 'SecondClientHelloWrongKeyShare'],
  ];
  for (const [name, mutate, reason] of cases) {
    const { client, server } = makePair({ client: { groups: [NamedGroup.secp256r1, NamedGroup.x25519] }, server: { groups: [NamedGroup.x25519] } });
    const ch1 = clientHelloOf(client);
    const ev = server.receive(plainRecord(ContentType.handshake, encodeHandshake(ch1, 0x0304)));
    assert.ok(ev.some((e) => e.type === 'trace' && e.message.startsWith('HelloRetryRequest')), name);
    const ch2: ClientHello = { ...ch1, extensions: [], ext: { ...ch1.ext, keyShares: [{ group: NamedGroup.x25519, keyExchange: provider.generateKeyShare(NamedGroup.x25519).publicKey }] } };
    mutate(ch2);
    const e = firstError(server.receive(plainRecord(ContentType.handshake, encodeHandshake(ch2, 0x0304))));
    assert.equal(e.alert, AlertDescription.illegal_parameter, name);
    assert.equal(e.reason, reason, name);
  }
});

test('client: a HelloRetryRequest cookie is echoed in ClientHello2 with a share for the requested group', () => {
  const { client } = makePair({ client: { groups: [NamedGroup.x25519, NamedGroup.secp256r1] } });
  const ch = clientHelloOf(client);
  const cookie = Uint8Array.of(7, 7, 7, 7);
  assert.deepEqual(errorsOf(client.receive(hrrFor(ch, NamedGroup.secp256r1, { ext: { supportedVersion: 0x0304, selectedGroup: NamedGroup.secp256r1, cookie } }))), []);
  const out = takeAll(client);
  assert.deepEqual([...out.subarray(0, 6)], [20, 3, 3, 0, 1, 1], 'compatibility CCS first');
  const ch2 = decodeHandshake(out.subarray(11), ProtocolVersion.TLSv1_3) as ClientHello;
  assert.deepEqual(ch2.ext.cookie, cookie);
  assert.deepEqual(ch2.ext.keyShares!.map((k) => k.group), [NamedGroup.secp256r1]);
  assert.deepEqual(ch2.random, ch.random);
  assert.deepEqual(ch2.legacySessionId, ch.legacySessionId);
  assert.deepEqual(ch2.ext.supportedVersions, ch.ext.supportedVersions);
});
