import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { buildPki } from './fixtures.js';
import { parseCertificate, serialHex } from '../../src/pki/x509.js';
import { TlsError } from '../../src/util/errors.js';
import { AlertDescription } from '../../src/wire/registry.js';

const pki = buildPki();

test('parses the fields Node also sees, from the exact DER', () => {
  for (const name of ['root.pem', 'int.pem', 'leaf.pem', 'leafec.pem', 'leafed.pem']) {
    const der = pki.der(name);
    const ours = parseCertificate(der);
    const node = new X509Certificate(Buffer.from(der));
    assert.equal(serialHex(ours), node.serialNumber, name);
    assert.equal(ours.notBefore, Date.parse(node.validFrom), name);
    assert.equal(ours.notAfter, Date.parse(node.validTo), name);
    const spki = node.publicKey.export({ type: 'spki', format: 'der' });
    assert.deepEqual(Buffer.from(ours.spki), spki, name);
    assert.equal(ours.ext.basicConstraints?.ca ?? false, node.ca, name);
    // The TBS is a prefix-free sub-slice of the certificate.
    assert.equal(ours.tbs[0], 0x30);
    assert.ok(Buffer.from(der).includes(Buffer.from(ours.tbs)));
  }
});

test('decodes extensions: SAN, EKU, KU, AIA, CRL DP, key ids, key details', () => {
  const c = parseCertificate(pki.der('leaf.pem'));
  assert.deepEqual(
    c.ext.subjectAltName?.map((s) => (s.type === 'dirName' || s.type === 'other' ? s.type : `${s.type}:${s.value}`)),
    ['dns:localhost', 'dns:*.example.com', 'ip:127.0.0.1', 'ip:::1', 'email:a@example.com', 'uri:https://example.com/x'],
  );
  assert.deepEqual(c.ext.extKeyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.equal(c.ext.keyUsage, 1 | 4);
  assert.deepEqual(c.ext.crlDistributionPoints, ['http://crl.example.com/int.crl']);
  assert.deepEqual(c.ext.authorityInfoAccess?.map((a) => a.method), ['1.3.6.1.5.5.7.48.1', '1.3.6.1.5.5.7.48.2']);
  const intc = parseCertificate(pki.der('int.pem'));
  assert.deepEqual(c.ext.authorityKeyId, intc.ext.subjectKeyId);
  assert.equal(c.publicKey.type, 'rsa');
  assert.equal(c.publicKey.bits, 2048);
  const jwk = createPublicKey({ key: Buffer.from(c.spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  assert.equal(Buffer.from(c.publicKey.modulus!).toString('base64url'), jwk.n);
  assert.equal(intc.publicKey.type, 'ec');
  assert.equal(intc.publicKey.nistCurve, 'P-256');
  assert.deepEqual(c.subject.rdns.map((r) => r.map((a) => `${a.shortName}=${a.value}`).join('+')), [
    'C=US', 'ST=California', 'L=San Francisco', 'O=ts-tls test', 'OU=Eng', 'OU=Web', 'CN=localhost', 'emailAddress=ops@example.com',
  ]);
  assert.equal(c.issuer.key, intc.subject.key);
  assert.deepEqual(parseCertificate(pki.der('critext.pem')).ext.unknownCritical, ['1.2.3.4.5.6.7']);
});

test('the same DER returns the cached parse', () => {
  const der = pki.der('leaf.pem');
  assert.equal(parseCertificate(der), parseCertificate(new Uint8Array(der)));
});

test('garbage and truncated certificates fail with bad_certificate', () => {
  const der = pki.der('leaf.pem');
  for (const bad of [new Uint8Array([1, 2, 3]), der.subarray(0, der.length - 1), new Uint8Array([0x30, 0x00]), new Uint8Array([...der, 0])]) {
    assert.throws(() => parseCertificate(bad), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.bad_certificate);
  }
  // Random mutations never throw anything but TlsError.
  for (let i = 0; i < 300; i++) {
    const m = new Uint8Array(der);
    m[(i * 7919) % m.length] ^= 1 << (i % 8);
    try {
      parseCertificate(m);
    } catch (e) {
      assert.ok(e instanceof TlsError, String(e));
    }
  }
});
