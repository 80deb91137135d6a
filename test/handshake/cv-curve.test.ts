/**
 * TLS 1.3 CertificateVerify binds the ECDSA curve to the scheme (RFC 8446 §4.2.3): a P-384 key
 * signing with SHA-256 under ecdsa_secp256r1_sha256 is refused with decrypt_error, although the
 * same signature verifies for TLS 1.2-style callers (no tls13 flag).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { signedContent, SERVER_CV_CONTEXT, verifyCertificateVerify } from '../../src/handshake/tls13/auth.js';
import type { CertificateVerifier } from '../../src/handshake/common/verifier.js';
import { TlsError } from '../../src/util/errors.js';
import { AlertDescription, SignatureScheme as S } from '../../src/wire/registry.js';
import { provider } from '../pair/pair.js';

function fixture(curve: 'P-256' | 'P-384') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const verifier: CertificateVerifier = {
    publicKeyOf: () => spki,
    verifyChain: () => ({ ok: true }),
  };
  const hash = new Uint8Array(32).fill(7);
  const signature = new Uint8Array(sign('sha256', signedContent(SERVER_CV_CONTEXT, hash), privateKey));
  return { spki, verifier, hash, signature };
}

test('CertificateVerify: P-384 key under ecdsa_secp256r1_sha256 is decrypt_error in TLS 1.3', () => {
  const f = fixture('P-384');
  // The signature itself is valid ECDSA-with-SHA-256: only the TLS 1.3 curve binding refuses it.
  assert.ok(provider.verifySignature(S.ecdsa_secp256r1_sha256, f.spki, signedContent(SERVER_CV_CONTEXT, f.hash), f.signature));
  const cv = { type: 'certificate_verify' as const, scheme: S.ecdsa_secp256r1_sha256, signature: f.signature };
  assert.throws(
    () => verifyCertificateVerify(provider, f.verifier, cv, new Uint8Array(1), [S.ecdsa_secp256r1_sha256], SERVER_CV_CONTEXT, f.hash),
    (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.decrypt_error,
  );
});

test('CertificateVerify: P-256 key under ecdsa_secp256r1_sha256 verifies in TLS 1.3', () => {
  const f = fixture('P-256');
  const cv = { type: 'certificate_verify' as const, scheme: S.ecdsa_secp256r1_sha256, signature: f.signature };
  assert.doesNotThrow(() => verifyCertificateVerify(provider, f.verifier, cv, new Uint8Array(1), [S.ecdsa_secp256r1_sha256], SERVER_CV_CONTEXT, f.hash));
});
