import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { existsSync } from 'node:fs';
import { buildPki } from './fixtures.js';
import { rootCertificates, defaultTrustStore, parseExtraCaCertificates, setExtraRootCertificates, bundledRootDers } from '../../src/pki/root-store.js';
import { loadExtraCaCertificates, loadSystemCaCertificates } from '../../src/node/extra-ca.js';
import { createCertificateVerifier } from '../../src/pki/verifier.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { parseCertificate } from '../../src/pki/x509.js';

const pki = buildPki();

test('rootCertificates equals tls.rootCertificates of this Node, and every root parses', () => {
  assert.deepEqual([...rootCertificates], [...tls.rootCertificates]);
  assert.ok(Object.isFrozen(rootCertificates));
  for (const der of bundledRootDers()) parseCertificate(der);
  assert.equal(defaultTrustStore().size, tls.rootCertificates.length);
});

test('NODE_EXTRA_CA_CERTS: certificates are read, a bad file is a warning like Node', () => {
  const warnings: string[] = [];
  const io = { env: { NODE_EXTRA_CA_CERTS: pki.path('root.pem') }, warn: (m: string) => warnings.push(m) };
  const ders = loadExtraCaCertificates(io);
  assert.deepEqual(ders, [pki.der('root.pem')]);
  assert.deepEqual(loadExtraCaCertificates({ ...io, env: { NODE_EXTRA_CA_CERTS: '/nonexistent/x.pem' } }), []);
  assert.match(warnings[0]!, /^Ignoring extra certs from `\/nonexistent\/x.pem`, load failed: /);
  assert.deepEqual(loadExtraCaCertificates({ env: {} }), []);
  assert.throws(() => parseExtraCaCertificates('no pem here'));
});

test('extra roots extend the default store (used when no ca is given)', () => {
  const chain = [pki.der('leaf.pem'), pki.der('int.pem')];
  const provider = nodeCryptoProvider();
  assert.equal(createCertificateVerifier({ provider }).verifyChain(chain, 'server', Date.now()).ok, false);
  setExtraRootCertificates([pki.der('root.pem')]);
  try {
    assert.equal(createCertificateVerifier({ provider }).verifyChain(chain, 'server', Date.now()).ok, true);
  } finally {
    setExtraRootCertificates([]);
  }
});

test('the system bundle loads when present', { skip: !existsSync('/etc/ssl/certs/ca-certificates.crt') }, () => {
  assert.ok(loadSystemCaCertificates().length > 50);
});
