/**
 * The client picks its certificate among several by the CertificateRequest's signature_algorithms,
 * as OpenSSL (and so Node) does: the server's first scheme that one of our keys can sign with.
 * The same choice against a real node:tls server is in test/node/client-cert-choice.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureScheme } from '../../src/wire/registry.js';
import { makeTestPki } from '../fixtures/certs.js';
import { certifiedKey, errorsOf, handshake, makePair } from './pair.js';
import type { CertifiedKey, ServerConfig } from '../../src/connection/types.js';

const pki = makeTestPki();
const rsa = certifiedKey(pki.leafRsa);
const ecdsa = certifiedKey(pki.client);
const S = SignatureScheme;

/** Handshakes with a server that asks for a certificate; returns what it received and the scheme. */
function sent(client: { certificates?: CertifiedKey[]; certificate?: CertifiedKey }, serverSchemes: number[]): { leaf?: Uint8Array; scheme?: number } {
  const server: Partial<ServerConfig> = { requestCert: true, rejectUnauthorized: false, signatureSchemes: serverSchemes };
  const pair = makePair({ client, server });
  const t = handshake(pair.client, pair.server);
  assert.deepEqual(errorsOf(t.client), [], 'client errors');
  assert.deepEqual(errorsOf(t.server), [], 'server errors');
  const n = pair.server.negotiated!;
  return { leaf: n.peerCertificates[0], scheme: n.peerCertificates.length ? n.signatureScheme : undefined };
}

test('the pair the server\'s signature_algorithms allow is sent, not the first one', () => {
  const r = sent({ certificates: [rsa, ecdsa] }, [S.ecdsa_secp256r1_sha256]);
  assert.deepEqual(r.leaf, pki.client.certDer);
  assert.equal(r.scheme, S.ecdsa_secp256r1_sha256);
  assert.deepEqual(sent({ certificates: [ecdsa, rsa] }, [S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha256]).leaf, pki.client.certDer);
});

test('when several pairs fit, the server\'s order decides (OpenSSL tls_choose_sigalg), not ours', () => {
  const r = sent({ certificates: [ecdsa, rsa] }, [S.rsa_pss_rsae_sha256, S.ecdsa_secp256r1_sha256]);
  assert.deepEqual(r.leaf, pki.leafRsa.certDer);
  assert.equal(r.scheme, S.rsa_pss_rsae_sha256);
  assert.deepEqual(sent({ certificates: [rsa, ecdsa] }, [S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha256]).leaf, pki.client.certDer);
});

test('no pair fits: an empty Certificate, the handshake goes on', () => {
  assert.equal(sent({ certificates: [rsa] }, [S.ecdsa_secp256r1_sha256]).leaf, undefined);
  assert.equal(sent({ certificate: rsa }, [S.ecdsa_secp256r1_sha256]).leaf, undefined);
  assert.equal(sent({ certificates: [] }, [S.ecdsa_secp256r1_sha256]).leaf, undefined);
});

test('the single `certificate` still works, and `certificates` takes precedence over it', () => {
  assert.deepEqual(sent({ certificate: ecdsa }, [S.ecdsa_secp256r1_sha256]).leaf, pki.client.certDer);
  assert.deepEqual(sent({ certificate: ecdsa, certificates: [rsa] }, [S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha256]).leaf, pki.leafRsa.certDer);
});
