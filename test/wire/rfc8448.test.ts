/** RFC 8448 traces: every handshake message decodes to the fields the RFC shows and re-encodes byte for byte. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { TlsError } from '../../src/util/errors.js';
import {
  HELLO_RETRY_REQUEST_RANDOM,
  clientHelloBindersOffset,
  clientHelloWithoutBinders,
  encodeClientHelloForBinders,
  decodeHandshake,
  encodeHandshake,
  replaceClientHelloBinders,
} from '../../src/wire/handshake/index.js';
import { CipherSuite as CS, ExtensionType as T, NamedGroup as G, SignatureScheme as S } from '../../src/wire/registry.js';
import type {
  CertificateMsg,
  CertificateRequest,
  CertificateVerify,
  ClientHello,
  EncryptedExtensions,
  Finished,
  HandshakeMessage,
  NewSessionTicket,
  ServerHello,
} from '../../src/wire/types.js';
import * as V from '../vectors/rfc8448.js';

const TLS13 = 0x0304;

function roundTrip<M extends HandshakeMessage>(hex: string, type: M['type']): M {
  const raw = fromHex(hex);
  const msg = decodeHandshake(raw, TLS13);
  assert.equal(msg.type, type);
  assert.equal(toHex(encodeHandshake(msg, TLS13)), hex, `${type} re-encodes byte-identically`);
  return msg as M;
}

const SIGALGS_3 = [
  S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512, S.ecdsa_sha1,
  S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512,
  S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512, S.rsa_pkcs1_sha1,
  0x0402, 0x0502, 0x0602, 0x0202,
];

describe('RFC 8448 §3 simple 1-RTT handshake', () => {
  it('ClientHello decodes to the RFC fields and re-encodes identically', () => {
    const ch = roundTrip<ClientHello>(V.S3_CLIENT_CLIENT_HELLO, 'client_hello');
    assert.equal(ch.legacyVersion, 0x0303);
    assert.equal(toHex(ch.random), 'cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    assert.equal(ch.legacySessionId.length, 0);
    assert.deepEqual(ch.cipherSuites, [CS.TLS_AES_128_GCM_SHA256, CS.TLS_CHACHA20_POLY1305_SHA256, CS.TLS_AES_256_GCM_SHA384]);
    assert.deepEqual(Array.from(ch.compressionMethods), [0]);
    assert.equal(ch.ext.serverName, 'server');
    assert.deepEqual(ch.ext.renegotiationInfo, new Uint8Array(0));
    assert.deepEqual(ch.ext.supportedGroups, [G.x25519, G.secp256r1, G.secp384r1, G.secp521r1, G.ffdhe2048, G.ffdhe3072, G.ffdhe4096, G.ffdhe6144, G.ffdhe8192]);
    assert.deepEqual(ch.ext.sessionTicket, new Uint8Array(0));
    assert.equal(ch.ext.keyShares?.length, 1);
    assert.equal(ch.ext.keyShares[0]!.group, G.x25519);
    assert.equal(toHex(ch.ext.keyShares[0]!.keyExchange), V.S3_CLIENT_CREATE_AN_EPHEMERAL_X25519_KEY_PAIR_PUBLIC_KEY);
    assert.deepEqual(ch.ext.supportedVersions, [TLS13]);
    assert.deepEqual(ch.ext.signatureAlgorithms, SIGALGS_3);
    assert.deepEqual(ch.ext.pskKeyExchangeModes, [1]);
    assert.equal(ch.ext.recordSizeLimit, 0x4001);
    assert.deepEqual(ch.extensions.map((e) => e.type), [
      T.server_name, T.renegotiation_info, T.supported_groups, T.session_ticket, T.key_share,
      T.supported_versions, T.signature_algorithms, T.psk_key_exchange_modes, T.record_size_limit,
    ]);
  });

  it('the ClientHello rebuilt from its typed fields alone, in RFC order, is byte-identical', () => {
    const ch = decodeHandshake(fromHex(V.S3_CLIENT_CLIENT_HELLO), TLS13) as ClientHello;
    // Order comes from `extensions`; bodies come from `ext` (each raw body replaced by a dummy).
    const rebuilt: ClientHello = { ...ch, extensions: ch.extensions.map((e) => ({ type: e.type, data: new Uint8Array([0xff]) })) };
    assert.equal(toHex(encodeHandshake(rebuilt, TLS13)), V.S3_CLIENT_CLIENT_HELLO);
  });

  it('ServerHello decodes (x25519 share, TLS 1.3, AES-128-GCM) and re-encodes identically', () => {
    const sh = roundTrip<ServerHello>(V.S3_SERVER_SERVER_HELLO, 'server_hello');
    assert.equal(sh.isHelloRetryRequest, false);
    assert.equal(toHex(sh.random), 'a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928');
    assert.equal(sh.cipherSuite, CS.TLS_AES_128_GCM_SHA256);
    assert.equal(sh.compressionMethod, 0);
    assert.equal(sh.ext.supportedVersion, TLS13);
    assert.equal(sh.ext.keyShare?.group, G.x25519);
    assert.equal(toHex(sh.ext.keyShare!.keyExchange), V.S3_SERVER_CREATE_AN_EPHEMERAL_X25519_KEY_PAIR_PUBLIC_KEY);
  });

  it('EncryptedExtensions carries supported_groups, record_size_limit and the server_name ack', () => {
    const ee = roundTrip<EncryptedExtensions>(V.S3_SERVER_ENCRYPTED_EXTENSIONS, 'encrypted_extensions');
    assert.deepEqual(ee.ext.supportedGroups, [G.x25519, G.secp256r1, G.secp384r1, G.secp521r1, G.ffdhe2048, G.ffdhe3072, G.ffdhe4096, G.ffdhe6144, G.ffdhe8192]);
    assert.equal(ee.ext.recordSizeLimit, 0x4001);
    assert.equal(ee.ext.serverName, true);
  });

  it('Certificate has an empty context and one RSA certificate without extensions', () => {
    const ct = roundTrip<CertificateMsg>(V.S3_SERVER_CERTIFICATE, 'certificate');
    assert.equal(ct.context.length, 0);
    assert.equal(ct.entries.length, 1);
    assert.equal(ct.entries[0]!.certData.length, 0x1b0);
    assert.equal(ct.entries[0]!.certData[0], 0x30); // DER SEQUENCE
    assert.deepEqual(ct.entries[0]!.extensions, []);
  });

  it('CertificateVerify is rsa_pss_rsae_sha256 with a 128-byte signature', () => {
    const cv = roundTrip<CertificateVerify>(V.S3_SERVER_CERTIFICATE_VERIFY, 'certificate_verify');
    assert.equal(cv.scheme, S.rsa_pss_rsae_sha256);
    assert.equal(cv.signature.length, 128);
  });

  it('server and client Finished carry the RFC verify_data', () => {
    const sf = roundTrip<Finished>(V.S3_SERVER_FINISHED, 'finished');
    assert.equal(toHex(sf.verifyData), V.S3_SERVER_FINISHED.slice(8));
    assert.equal(sf.verifyData.length, 32);
    const cf = roundTrip<Finished>(V.S3_CLIENT_FINISHED, 'finished');
    assert.equal(toHex(cf.verifyData), 'a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61');
  });

  it('NewSessionTicket decodes lifetime, age_add, nonce, ticket and max_early_data_size', () => {
    const nst = roundTrip<NewSessionTicket>(V.S3_SERVER_NEW_SESSION_TICKET, 'new_session_ticket');
    assert.equal(nst.lifetime, 30);
    assert.equal(nst.ageAdd, 0xfad6aac5);
    assert.equal(toHex(nst.nonce), '0000');
    assert.equal(nst.ticket.length, 0xb2);
    assert.equal(nst.ext.maxEarlyDataSize, 0x400);
  });

  it('the handshake record payloads are the messages concatenated', () => {
    assert.equal(V.S3_CLIENT_SEND_HANDSHAKE_RECORD_PAYLOAD, V.S3_CLIENT_CLIENT_HELLO);
    assert.equal(
      V.S3_SERVER_SEND_HANDSHAKE_RECORD_PAYLOAD_2,
      V.S3_SERVER_ENCRYPTED_EXTENSIONS + V.S3_SERVER_CERTIFICATE + V.S3_SERVER_CERTIFICATE_VERIFY + V.S3_SERVER_FINISHED,
    );
  });
});

describe('RFC 8448 §4 resumed 0-RTT handshake', () => {
  it('ClientHello with pre_shared_key round-trips and the binder prefix matches the RFC', () => {
    const raw = fromHex(V.S4_CLIENT_HELLO_FULL);
    const ch = roundTrip<ClientHello>(V.S4_CLIENT_HELLO_FULL, 'client_hello');
    assert.equal(ch.ext.earlyData, true);
    assert.equal(ch.ext.preSharedKey?.identities.length, 1);
    assert.equal(ch.ext.preSharedKey!.identities[0]!.obfuscatedTicketAge, 0xfad6aacb);
    assert.equal(toHex(ch.ext.preSharedKey!.identities[0]!.identity).slice(0, 8), toHex(fromHex(V.S3_SERVER_NEW_SESSION_TICKET).subarray(17, 21)));
    assert.equal(ch.ext.preSharedKey!.binders[0]!.length, 32);
    assert.equal(ch.extensions.at(-1)!.type, T.pre_shared_key);
    assert.equal(toHex(clientHelloWithoutBinders(raw)), V.S4_CLIENT_HELLO_PREFIX);
    assert.equal(clientHelloBindersOffset(raw), V.S4_CLIENT_HELLO_PREFIX.length / 2);
    // The RFC's binder (the "finished" value of "calculate PSK binder") is the one on the wire.
    assert.equal(toHex(ch.ext.preSharedKey!.binders[0]!), V.S4_CLIENT_CALCULATE_PSK_BINDER_FINISHED);
    const zeroed = replaceClientHelloBinders(raw, [new Uint8Array(32)]);
    assert.equal(toHex(zeroed.subarray(0, clientHelloBindersOffset(raw))), V.S4_CLIENT_HELLO_PREFIX);
    assert.equal(toHex(replaceClientHelloBinders(zeroed, ch.ext.preSharedKey!.binders)), V.S4_CLIENT_HELLO_FULL);
    // The offset is relative to the view, also when the ClientHello sits inside a larger buffer.
    const inRecord = fromHex('160301' + '0200' + V.S4_CLIENT_HELLO_FULL).subarray(5);
    assert.equal(clientHelloBindersOffset(inRecord), V.S4_CLIENT_HELLO_PREFIX.length / 2);
    // Building from the typed message: placeholders first, the prefix, then the real binders.
    const placeholder = { ...ch, ext: { ...ch.ext, preSharedKey: { ...ch.ext.preSharedKey!, binders: [new Uint8Array(32)] } } };
    const built = encodeClientHelloForBinders(placeholder);
    assert.equal(toHex(built.withoutBinders), V.S4_CLIENT_HELLO_PREFIX);
    assert.equal(toHex(replaceClientHelloBinders(built.full, [fromHex(V.S4_CLIENT_CALCULATE_PSK_BINDER_FINISHED)])), V.S4_CLIENT_HELLO_FULL);
    assert.throws(() => clientHelloBindersOffset(fromHex(V.S3_CLIENT_CLIENT_HELLO)), TlsError);
  });

  it('ServerHello selects PSK identity 0; EncryptedExtensions accepts early data; EndOfEarlyData is empty', () => {
    const sh = roundTrip<ServerHello>(V.S4_SERVER_SERVER_HELLO, 'server_hello');
    assert.equal(sh.ext.preSharedKey, 0);
    const ee = roundTrip<EncryptedExtensions>(V.S4_SERVER_ENCRYPTED_EXTENSIONS, 'encrypted_extensions');
    assert.equal(ee.ext.earlyData, true);
    roundTrip(V.S4_CLIENT_END_OF_EARLY_DATA, 'end_of_early_data');
  });
});

describe('RFC 8448 §5 HelloRetryRequest', () => {
  it('HelloRetryRequest is recognised, selects secp256r1 and carries the cookie', () => {
    const hrr = roundTrip<ServerHello>(V.S5_HELLO_RETRY_REQUEST, 'server_hello');
    assert.equal(hrr.isHelloRetryRequest, true);
    assert.deepEqual(hrr.random, HELLO_RETRY_REQUEST_RANDOM);
    assert.equal(hrr.ext.selectedGroup, G.secp256r1);
    assert.equal(hrr.ext.keyShare, undefined);
    assert.equal(hrr.ext.supportedVersion, TLS13);
    assert.equal(hrr.ext.cookie?.length, 0x72);
    assert.equal(hrr.cipherSuite, CS.TLS_AES_128_GCM_SHA256);
  });

  it('the second ClientHello echoes the cookie and offers a P-256 share', () => {
    const hrr = decodeHandshake(fromHex(V.S5_HELLO_RETRY_REQUEST), TLS13) as ServerHello;
    const ch1 = roundTrip<ClientHello>(V.S5_CLIENT_CLIENT_HELLO, 'client_hello');
    const ch2 = roundTrip<ClientHello>(V.S5_CLIENT_HELLO_2, 'client_hello');
    assert.equal(ch1.ext.keyShares?.[0]?.group, G.x25519);
    assert.deepEqual(ch2.ext.cookie, hrr.ext.cookie);
    assert.equal(ch2.ext.keyShares?.length, 1);
    assert.equal(ch2.ext.keyShares![0]!.group, G.secp256r1);
    assert.equal(toHex(ch2.ext.keyShares![0]!.keyExchange), V.S5_CLIENT_CREATE_AN_EPHEMERAL_P_256_KEY_PAIR_PUBLIC_KEY);
    assert.deepEqual(ch2.random, ch1.random);
  });

  it('the rest of the §5 flight round-trips', () => {
    const sh = roundTrip<ServerHello>(V.S5_SERVER_HELLO, 'server_hello');
    assert.equal(sh.isHelloRetryRequest, false);
    assert.equal(sh.ext.keyShare?.group, G.secp256r1);
    roundTrip(V.S5_SERVER_ENCRYPTED_EXTENSIONS, 'encrypted_extensions');
    roundTrip(V.S5_SERVER_CERTIFICATE, 'certificate');
    roundTrip(V.S5_SERVER_CERTIFICATE_VERIFY, 'certificate_verify');
    roundTrip(V.S5_SERVER_FINISHED, 'finished');
    roundTrip(V.S5_CLIENT_FINISHED, 'finished');
  });
});

describe('RFC 8448 §6 client authentication and §7 compatibility mode', () => {
  it('CertificateRequest decodes its signature_algorithms', () => {
    const cr = roundTrip<CertificateRequest>(V.S6_SERVER_CERTIFICATE_REQUEST, 'certificate_request');
    assert.equal(cr.context.length, 0);
    assert.ok(cr.ext.signatureAlgorithms!.includes(S.rsa_pss_rsae_sha256));
    for (const hex of [V.S6_CLIENT_CLIENT_HELLO, V.S6_SERVER_SERVER_HELLO, V.S6_SERVER_ENCRYPTED_EXTENSIONS, V.S6_SERVER_CERTIFICATE,
      V.S6_SERVER_CERTIFICATE_VERIFY, V.S6_SERVER_FINISHED, V.S6_CLIENT_CERTIFICATE, V.S6_CLIENT_CERTIFICATE_VERIFY, V.S6_CLIENT_FINISHED]) {
      assert.equal(toHex(encodeHandshake(decodeHandshake(fromHex(hex), TLS13), TLS13)), hex);
    }
  });

  it('compatibility-mode hellos carry a 32-byte legacy session id, echoed by the server', () => {
    const ch = roundTrip<ClientHello>(V.S7_CLIENT_CLIENT_HELLO, 'client_hello');
    const sh = roundTrip<ServerHello>(V.S7_SERVER_SERVER_HELLO, 'server_hello');
    assert.equal(ch.legacySessionId.length, 32);
    assert.deepEqual(sh.legacySessionIdEcho, ch.legacySessionId);
  });
});
