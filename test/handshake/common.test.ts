/**
 * Unit tests for the handshake's common pieces: the transcript hash (buffering, the HRR
 * message_hash rule) and the negotiation functions (server preference, HRR group choice, ALPN,
 * versions, downgrade sentinels, CertificateVerify content).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Transcript } from '../../src/handshake/common/transcript.js';
import {
  checkDowngradeSentinel,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  isIpLiteral,
  selectAlpn,
  selectGroup,
  selectSignatureScheme,
  selectVersion,
} from '../../src/handshake/common/negotiate.js';
import { signedContent, SERVER_CV_CONTEXT } from '../../src/handshake/tls13/auth.js';
import { TlsError } from '../../src/util/errors.js';
import { AlertDescription, NamedGroup as G, SignatureScheme as S } from '../../src/wire/registry.js';
import { provider } from '../pair/pair.js';

const sha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());

test('transcript buffers until the hash is known, then hashes incrementally', () => {
  const t = new Transcript(provider);
  const a = Uint8Array.of(1, 0, 0, 1, 9);
  const b = Uint8Array.of(2, 0, 0, 2, 7, 7);
  t.add(a);
  assert.throws(() => t.hash(), TlsError);
  t.start('sha256');
  assert.deepEqual(t.hash(), sha256(a));
  t.add(b);
  assert.deepEqual(t.hash(), sha256(a, b));
  assert.deepEqual(t.hash(), sha256(a, b), 'reading the hash does not consume it');
  assert.throws(() => t.start('sha384'), TlsError);
});

test('transcript replaces ClientHello1 with message_hash after a HelloRetryRequest (RFC 8446 §4.4.1)', () => {
  const ch1 = Uint8Array.of(1, 0, 0, 3, 1, 2, 3);
  const hrr = Uint8Array.of(2, 0, 0, 1, 5);
  const t = new Transcript(provider);
  t.add(ch1);
  t.startWithHelloRetry('sha256');
  t.add(hrr);
  const messageHash = new Uint8Array([254, 0, 0, 32, ...sha256(ch1)]);
  assert.deepEqual(t.hash(), sha256(messageHash, hrr));
  const two = new Transcript(provider);
  two.add(ch1);
  two.add(hrr);
  assert.throws(() => two.startWithHelloRetry('sha256'), TlsError);
});

test('selectGroup prefers a shared group in server order, else asks for a retry, else none', () => {
  const share = (group: number) => ({ group, keyExchange: new Uint8Array(1) });
  assert.deepEqual(selectGroup([G.x25519, G.secp256r1], [G.secp256r1, G.x25519], [share(G.secp256r1)]), { kind: 'share', group: G.secp256r1, share: share(G.secp256r1) });
  assert.deepEqual(selectGroup([G.x25519, G.secp256r1], [G.secp256r1, G.x25519], [share(G.x25519), share(G.secp256r1)]), { kind: 'share', group: G.x25519, share: share(G.x25519) });
  assert.deepEqual(selectGroup([G.x25519], [G.secp256r1, G.x25519], [share(G.secp256r1)]), { kind: 'retry', group: G.x25519 });
  assert.deepEqual(selectGroup([G.x448], [G.secp256r1], [share(G.secp256r1)]), { kind: 'none' });
  // A share for a group the client did not list in supported_groups is never picked.
  assert.deepEqual(selectGroup([G.x25519], [G.secp256r1], [share(G.x25519)]), { kind: 'none' });
});

test('selectSignatureScheme never picks PKCS#1 v1.5 or SHA-1 for TLS 1.3', () => {
  const rsaKey = [S.rsa_pss_rsae_sha256, S.rsa_pkcs1_sha256];
  assert.equal(selectSignatureScheme(rsaKey, [S.rsa_pkcs1_sha256, S.rsa_pss_rsae_sha256], rsaKey), S.rsa_pss_rsae_sha256);
  assert.equal(selectSignatureScheme(rsaKey, [S.rsa_pkcs1_sha256], rsaKey), undefined);
  assert.equal(selectSignatureScheme([S.ecdsa_secp256r1_sha256], [S.ed25519], [S.ecdsa_secp256r1_sha256]), undefined);
});

test('selectAlpn: server order, no ALPN when either side has none, no-overlap otherwise', () => {
  assert.equal(selectAlpn(['b', 'a'], ['a', 'b']), 'b');
  assert.equal(selectAlpn(undefined, ['a']), undefined);
  assert.equal(selectAlpn(['a'], []), undefined);
  assert.equal(selectAlpn(['a'], ['c']), 'no-overlap');
});

test('selectVersion takes the highest allowed version and ignores GREASE', () => {
  assert.equal(selectVersion([0x0a0a, 0x0304, 0x0303], 0x0303, 0x0304), 0x0304);
  assert.equal(selectVersion([0x0303, 0x0302], 0x0303, 0x0304), 0x0303);
  assert.equal(selectVersion([0x0302, 0x0301], 0x0303, 0x0304), undefined);
});

test('downgrade sentinels are illegal_parameter for a TLS 1.3 client', () => {
  for (const tail of [DOWNGRADE_TLS12, DOWNGRADE_TLS11]) {
    const r = new Uint8Array(32);
    r.set(tail, 24);
    assert.throws(() => checkDowngradeSentinel(r, 0x0304), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter);
    assert.doesNotThrow(() => checkDowngradeSentinel(r, 0x0303), 'a TLS 1.2-only client does not check');
  }
  assert.doesNotThrow(() => checkDowngradeSentinel(new Uint8Array(32), 0x0304));
});

test('IP literals are recognised so they are never sent as SNI', () => {
  assert.ok(isIpLiteral('127.0.0.1'));
  assert.ok(isIpLiteral('::1'));
  assert.ok(!isIpLiteral('localhost'));
  assert.ok(!isIpLiteral('1.2.3.example'));
});

test('CertificateVerify content: 64 spaces, context, zero byte, transcript hash (RFC 8446 §4.4.3)', () => {
  const h = new Uint8Array(32).fill(0xab);
  const c = signedContent(SERVER_CV_CONTEXT, h);
  assert.equal(c.length, 64 + SERVER_CV_CONTEXT.length + 1 + 32);
  assert.ok(c.subarray(0, 64).every((x) => x === 0x20));
  assert.equal(new TextDecoder().decode(c.subarray(64, 64 + SERVER_CV_CONTEXT.length)), 'TLS 1.3, server CertificateVerify');
  assert.equal(c[64 + SERVER_CV_CONTEXT.length], 0);
  assert.deepEqual(c.subarray(-32), h);
});
