// The certificate/CSR builder (src/pki/build/) checked by independent parsers: OpenSSL's
// x509/req/verify commands and Node's X509Certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { KeyGenSpec } from '../../src/crypto/provider.js';
import {
  createCsr,
  createDevCertificate,
  createSelfSigned,
  issueCertificate,
  parseCsr,
  parseDn,
  formatDn,
  parseIp,
  PkiBuildError,
  signCsr,
} from '../../src/pki/build/index.js';
import { makeTestPki } from '../fixtures/certs.js';
import { safeKeyPair } from '../support/keys.js';

const provider = nodeCryptoProvider();
const dir = mkdtempSync(join(tmpdir(), 'ts-tls-build-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `f${n++}.pem`);
  writeFileSync(p, text);
  return p;
}
function openssl(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PkiBuildError, `expected PkiBuildError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a PkiBuildError');
}

test('the npm start certificate: P-256, localhost + 127.0.0.1 + ::1, 365 days, accepted by openssl', () => {
  const dev = createDevCertificate(provider);
  const text = execFileSync('openssl', ['x509', '-in', file(dev.certPem), '-noout', '-text'], { encoding: 'utf8' });
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(text, /NIST CURVE: P-256/);
  assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  assert.match(text, /CA:FALSE/);
  const x = new X509Certificate(dev.certPem);
  assert.equal(x.checkHost('localhost'), 'localhost');
  assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(x.checkIP('::1'), '::1');
  const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
  assert.ok(days > 364.9 && days < 365.1, `validity ${days} days`);
  assert.ok(x.verify(x.publicKey), 'self-signature verifies');
  // the key PEM is the private half of the certified key
  assert.ok(x.checkPrivateKey(createPrivateKey(dev.keyPem)));
  assert.equal(openssl(['verify', '-CAfile', file(dev.certPem), file(dev.certPem)]).code, 0);
});

test('serial numbers are 16 random bytes, positive, different each time', () => {
  const a = new X509Certificate(createDevCertificate(provider).certPem).serialNumber;
  const b = new X509Certificate(createDevCertificate(provider).certPem).serialNumber;
  assert.notEqual(a, b);
  for (const s of [a, b]) {
    assert.ok(s.length <= 32 && s.length >= 30, s);
    assert.ok(parseInt(s.slice(0, 2), 16) < 0x80, 'top bit clear (positive)');
  }
});

const KEY_TYPES: [string, KeyGenSpec, RegExp][] = [
  ['RSA 2048', { type: 'rsa', bits: 2048 }, /sha256WithRSAEncryption/],
  ['ECDSA P-256', { type: 'ec', curve: 'P-256' }, /ecdsa-with-SHA256/],
  ['ECDSA P-384', { type: 'ec', curve: 'P-384' }, /ecdsa-with-SHA384/],
  ['Ed25519', { type: 'ed25519' }, /ED25519/],
];

for (const [label, caKey, sigAlg] of KEY_TYPES) {
  test(`a ${label} CA issues a leaf that openssl verify accepts`, () => {
    const ca = createSelfSigned({ provider, key: caKey, isCA: true, subject: '/C=UK/O=Example/CN=Example CA' });
    const caText = execFileSync('openssl', ['x509', '-in', file(ca.certPem), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(caText, sigAlg);
    assert.match(caText, /CA:TRUE/);
    assert.match(caText, /Certificate Sign, CRL Sign/);
    assert.match(caText, /Issuer: C = UK, O = Example, CN = Example CA/);
    const leaf = issueCertificate({ provider, issuer: { key: ca.key, cert: ca.certPem }, dns: ['localhost', '*.example.com'], ips: ['127.0.0.1', 'fe80::1'] });
    const leafText = execFileSync('openssl', ['x509', '-in', file(leaf.certPem), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(leafText, /Subject: CN = localhost/);
    assert.match(leafText, /DNS:\*\.example\.com/);
    assert.match(leafText, /IP Address:FE80:0:0:0:0:0:0:1/i);
    const r = openssl(['verify', '-CAfile', file(ca.certPem), '-purpose', 'sslserver', file(leaf.certPem)]);
    assert.equal(r.code, 0, r.out);
    // AKI of the leaf is the CA's SKI
    const caX = new X509Certificate(ca.certPem);
    const leafX = new X509Certificate(leaf.certPem);
    assert.ok(leafX.checkIssued(caX));
    assert.ok(leafX.verify(caX.publicKey));
  });
}

test('a chain verifies through an intermediate CA, and pathLength is written', () => {
  const root = createSelfSigned({ provider, isCA: true, subject: '/CN=Root', pathLength: 1 });
  const inter = issueCertificate({ provider, issuer: { key: root.key, cert: root.certPem }, isCA: true, pathLength: 0, subject: '/CN=Intermediate' });
  const leaf = issueCertificate({ provider, issuer: { key: inter.key, cert: inter.certDer }, dns: ['a.test'] });
  assert.match(execFileSync('openssl', ['x509', '-in', file(inter.certPem), '-noout', '-text'], { encoding: 'utf8' }), /CA:TRUE, pathlen:0/);
  const r = openssl(['verify', '-CAfile', file(root.certPem), '-untrusted', file(inter.certPem), file(leaf.certPem)]);
  assert.equal(r.code, 0, r.out);
});

test('a CSR with SANs passes openssl req -verify; signCsr copies subject and SANs', () => {
  const csr = createCsr({ provider, key: { type: 'ec', curve: 'P-384' }, subject: 'CN=svc.test,O=Example', dns: ['svc.test'], ips: ['10.1.2.3', '2001:db8::7'] });
  const r = openssl(['req', '-in', file(csr.csrPem), '-verify', '-noout', '-text']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /verify OK/);
  assert.match(r.out, /Subject: O = Example, CN = svc.test/);
  assert.match(r.out, /DNS:svc\.test, IP Address:10\.1\.2\.3, IP Address:2001:DB8:0:0:0:0:0:7/i);
  const parsed = parseCsr(provider, csr.csrDer);
  assert.deepEqual(parsed.dns, ['svc.test']);
  assert.deepEqual(parsed.ips, ['10.1.2.3', '2001:db8::7']);
  assert.equal(parsed.subjectText, '/O=Example/CN=svc.test');
  const ca = createSelfSigned({ provider, isCA: true, key: { type: 'rsa', bits: 2048 } });
  const issued = signCsr({ provider, csr: csr.csrPem, issuer: { key: ca.key, cert: ca.certPem }, days: 30 });
  const x = new X509Certificate(issued.certPem);
  assert.equal(x.subject, 'O=Example\nCN=svc.test');
  assert.equal(x.checkIP('2001:db8::7'), '2001:db8::7');
  assert.equal(openssl(['verify', '-CAfile', file(ca.certPem), file(issued.certPem)]).code, 0);
});

test('signCsr reads a CSR made by openssl (RSA, Ed25519)', () => {
  const ca = createSelfSigned({ provider, isCA: true });
  for (const alg of [['-newkey', 'rsa:2048'], ['-newkey', 'ed25519']]) {
    const keyPath = join(dir, `k${n++}.pem`);
    const csrPem = execFileSync('openssl', ['req', '-new', ...alg, '-nodes', '-keyout', keyPath, '-subj', '/CN=from-openssl', '-addext', 'subjectAltName=DNS:from-openssl.test'], { encoding: 'utf8' });
    const issued = signCsr({ provider, csr: csrPem, issuer: { key: ca.key, cert: ca.certPem } });
    assert.deepEqual(issued.request.dns, ['from-openssl.test']);
    const r = openssl(['verify', '-CAfile', file(ca.certPem), file(issued.certPem)]);
    assert.equal(r.code, 0, r.out);
  }
});

test('a CSR whose signature does not verify is refused', () => {
  const csr = createCsr({ provider, dns: ['x.test'] });
  const bad = csr.csrDer.slice();
  bad[bad.length - 5] ^= 0x01; // inside the signature
  assert.equal(codeOf(() => parseCsr(provider, bad)), 'ERR_PKI_CSR_SIGNATURE');
  // a subject swapped after signing (CN=x.test -> CN=y.test) must not verify either
  const swapped = csr.csrDer.slice();
  const at = Buffer.from(swapped).indexOf('x.test');
  swapped[at] = 'y'.charCodeAt(0);
  assert.equal(codeOf(() => parseCsr(provider, swapped)), 'ERR_PKI_CSR_SIGNATURE');
  assert.equal(codeOf(() => parseCsr(provider, new Uint8Array([0x30, 0x03, 1, 2, 3]))), 'ERR_PKI_BAD_CSR');
  assert.equal(codeOf(() => parseCsr(provider, '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n')), 'ERR_PKI_BAD_CSR');
});

test('issuing refuses a CA key that does not match, and an issuer that is not a CA', () => {
  const ca = createSelfSigned({ provider, isCA: true });
  const other = createSelfSigned({ provider, isCA: true });
  assert.equal(codeOf(() => issueCertificate({ provider, issuer: { key: other.key, cert: ca.certPem }, dns: ['a.test'] })), 'ERR_PKI_BAD_CA');
  const leaf = issueCertificate({ provider, issuer: { key: ca.key, cert: ca.certPem }, dns: ['a.test'] });
  assert.equal(codeOf(() => issueCertificate({ provider, issuer: { key: leaf.key, cert: leaf.certPem }, dns: ['b.test'] })), 'ERR_PKI_BAD_CA');
});

test('names: OpenSSL and RFC 4514 spellings, escapes, multi-valued RDNs, and refusals', () => {
  assert.equal(formatDn(parseDn('/C=UK/O=Example/CN=localhost')), '/C=UK/O=Example/CN=localhost');
  assert.equal(formatDn(parseDn('CN=localhost,O=Example,C=UK')), '/C=UK/O=Example/CN=localhost');
  assert.equal(formatDn(parseDn('/O=A\\/B/CN=x+OU=y')), '/O=A\\/B/CN=x+OU=y');
  assert.equal(parseDn('/O=A\\/B').length, 1, 'escaped slash stays inside the value');
  for (const dn of ['/C=UK/O=Example/CN=localhost', '/O=a\\+b\\\\c/CN=x+OU=y', '/DC=com/DC=example/UID=u1/emailAddress=a@b.test']) {
    assert.equal(formatDn(parseDn(formatDn(parseDn(dn)))), formatDn(parseDn(dn)), dn);
  }
  assert.equal(formatDn(parseDn('/commonName=long')), '/CN=long');
  assert.equal(parseDn('').length, 0);
  assert.equal(codeOf(() => parseDn('/C=United Kingdom')), 'ERR_PKI_BAD_NAME');
  assert.equal(codeOf(() => parseDn('/XX=1')), 'ERR_PKI_BAD_NAME');
  assert.equal(codeOf(() => parseDn('/CN')), 'ERR_PKI_BAD_NAME');
  assert.equal(codeOf(() => parseDn('/CN=' + 'a'.repeat(65))), 'ERR_PKI_BAD_NAME');
  assert.equal(codeOf(() => createSelfSigned({ provider, subject: '', dns: [] })), 'ERR_PKI_BAD_NAME');
});

test('an empty subject makes the SAN extension critical (RFC 5280 §4.2.1.6)', () => {
  const c = createSelfSigned({ provider, subject: '', dns: ['only-san.test'] });
  const text = execFileSync('openssl', ['x509', '-in', file(c.certPem), '-noout', '-text'], { encoding: 'utf8' });
  assert.match(text, /Subject Alternative Name: critical/);
});

test('IP addresses: strict parsing of v4 and v6, bad SANs refused', () => {
  assert.deepEqual([...parseIp('127.0.0.1')!], [127, 0, 0, 1]);
  assert.deepEqual([...parseIp('::1')!], [...new Array(15).fill(0), 1]);
  assert.deepEqual([...parseIp('::ffff:1.2.3.4')!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.equal(parseIp('2001:db8::1')![1], 0x01);
  for (const bad of ['256.1.1.1', '1.2.3', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'localhost', ':::', '1:2:3:4:5:6:7::8']) {
    assert.equal(parseIp(bad), null, bad);
  }
  assert.equal(codeOf(() => createSelfSigned({ provider, dns: ['bad_.-name..'] })), 'ERR_PKI_BAD_SAN');
  assert.equal(codeOf(() => createSelfSigned({ provider, ips: ['300.1.1.1'] })), 'ERR_PKI_BAD_SAN');
  assert.equal(codeOf(() => createSelfSigned({ provider, dns: ['a.test'], days: 0 })), 'ERR_PKI_BAD_VALIDITY');
  assert.equal(codeOf(() => createSelfSigned({ provider, dns: ['a.test'], days: 1e6 })), 'ERR_PKI_BAD_VALIDITY');
});

test('an existing key can be certified (PEM in, same PEM out)', () => {
  const { privateKey } = safeKeyPair('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  const c = createSelfSigned({ provider, key: { pem }, dns: ['k.test'] });
  assert.equal(c.keyPem, pem);
  const x = new X509Certificate(c.certPem);
  assert.equal(
    x.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('hex'),
  );
});

test('makeTestPki: the shared fixtures are what they claim to be', () => {
  const pki = makeTestPki();
  assert.equal(makeTestPki(), pki, 'cached per process');
  const ca = new X509Certificate(pki.ca.cert);
  assert.ok(ca.ca);
  for (const leaf of [pki.leaf, pki.leafRsa, pki.client, pki.expired, pki.otherHost]) {
    assert.ok(new X509Certificate(leaf.cert).verify(ca.publicKey));
    assert.ok(leaf.chain.endsWith(pki.ca.cert));
  }
  assert.equal(new X509Certificate(pki.leafRsa.cert).publicKey.asymmetricKeyType, 'rsa');
  assert.ok(Date.parse(new X509Certificate(pki.expired.cert).validTo) < Date.now());
  assert.equal(new X509Certificate(pki.otherHost.cert).checkHost('localhost'), undefined);
  assert.equal(new X509Certificate(pki.leaf.cert).checkHost('localhost'), 'localhost');
  assert.ok(!new X509Certificate(pki.leaf.cert).verify(new X509Certificate(pki.otherCa.cert).publicKey));
  for (const [pair, type] of [[pki.rsa, 'rsa'], [pki.ecdsa, 'ec'], [pki.ecdsa384, 'ec'], [pki.ed25519, 'ed25519']] as const) {
    const x = new X509Certificate(pair.cert);
    assert.equal(x.publicKey.asymmetricKeyType, type);
    assert.ok(x.checkPrivateKey(createPrivateKey(pair.key)));
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
  }
  assert.match(execFileSync('openssl', ['x509', '-in', file(pki.client.cert), '-noout', '-ext', 'extendedKeyUsage'], { encoding: 'utf8' }), /TLS Web Client Authentication/);
});

test('random and mutated input to parseCsr / issueCertificate fails only with PkiBuildError', async () => {
  const fc = (await import('fast-check')).default;
  const csr = createCsr({ provider, dns: ['fuzz.test'] }).csrDer;
  const ca = createSelfSigned({ provider, isCA: true });
  const onlyBuildErrors = (fn: () => unknown): boolean => {
    try {
      fn();
      return true;
    } catch (err) {
      return err instanceof PkiBuildError;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyBuildErrors(() => parseCsr(provider, bytes))), { numRuns: 300 });
  // single-byte mutations of a valid CSR: decodes and verifies, or fails cleanly
  fc.assert(fc.property(fc.nat(csr.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
    const m = csr.slice();
    m[at] ^= x;
    return onlyBuildErrors(() => parseCsr(provider, m));
  }), { numRuns: 300 });
  fc.assert(fc.property(fc.nat(ca.certDer.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
    const m = ca.certDer.slice();
    m[at] ^= x;
    return onlyBuildErrors(() => issueCertificate({ provider, issuer: { key: ca.key, cert: m }, dns: ['a.test'] }));
  }), { numRuns: 300 });
});

// Found by the property above (seed 1430094997, [44,17]): a flipped bit in the SPKI algorithm OID
// parses but cannot be re-encoded; asn1-schema's plain Error must surface as PkiBuildError.
test('a CSR or CA certificate whose key OID cannot be re-encoded fails with PkiBuildError', () => {
  const csr = createCsr({ provider, dns: ['fuzz.test'] }).csrDer.slice();
  csr[44]! ^= 17;
  assert.equal(codeOf(() => parseCsr(provider, csr)), 'ERR_PKI_BAD_CSR');
  const ca = createSelfSigned({ provider, isCA: true });
  const cert = ca.certDer.slice();
  cert[190]! ^= 17;
  assert.equal(codeOf(() => issueCertificate({ provider, issuer: { key: ca.key, cert }, dns: ['a.test'] })), 'ERR_PKI_BAD_CA');
});
