// Each case runs the same inputs through `openssl verify` and through our verifier and asserts
// both give the same OpenSSL code, then checks the alert the engine would send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { buildPki } from './fixtures.js';
import { createCertificateVerifier } from '../../src/pki/verifier.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { encodePem } from '../../src/pki/pem.js';
import { AlertDescription } from '../../src/wire/registry.js';
import { listen } from '../node/helpers.js';

const pki = buildPki();
const provider = nodeCryptoProvider();

interface Case {
  name: string;
  leaf: string;
  untrusted?: string[];
  ca: string[];
  crl?: string[];
  purpose?: 'server' | 'client';
  partial?: boolean;
  /** Extra openssl verify flags (only where openssl's defaults differ from Node's TLS defaults). */
  opensslExtra?: string[];
  /** Node's verdict (the last error OpenSSL meets). */
  expect: string;
  /** What `openssl verify` prints first, when it differs from Node's verdict. */
  opensslFirst?: string;
}

let fileNo = 0;
function bundle(names: string[]): string {
  const p = pki.path(`bundle-${fileNo++}.pem`);
  writeFileSync(p, names.map((n) => pki.pem(n)).join(''));
  return p;
}

function ours(c: Case): { code: string; alert?: number; first?: string; message?: string } {
  const v = createCertificateVerifier({
    provider,
    ca: c.ca.map((n) => pki.der(n)),
    ...(c.crl ? { crl: c.crl.map((n) => pki.der(n)) } : {}),
    ...(c.partial ? { allowPartialTrustChain: true } : {}),
  });
  const chain = [pki.der(c.leaf), ...(c.untrusted ?? []).map((n) => pki.der(n))];
  const r = v.verifyPath(chain, c.purpose ?? 'server', Date.now());
  const verdict = v.verifyChain(chain, c.purpose ?? 'server', Date.now());
  assert.equal(verdict.ok, r.ok);
  return r.ok ? { code: 'OK', first: 'OK' } : { code: r.code, alert: r.alert, first: r.errors[0]!.code, message: r.message };
}

function theirs(c: Case): string {
  const args = ['-CAfile', bundle(c.ca), '-purpose', c.purpose === 'client' ? 'sslclient' : 'sslserver'];
  if (c.untrusted?.length) args.push('-untrusted', bundle(c.untrusted));
  for (const crl of c.crl ?? []) args.push('-CRLfile', pki.path(crl));
  if (c.crl) args.push('-crl_check_all');
  if (c.partial) args.push('-partial_chain');
  args.push(...(c.opensslExtra ?? []), pki.path(c.leaf));
  return pki.opensslVerify(args);
}

const cases: Case[] = [
  { name: 'RSA leaf, ECDSA intermediate, RSA root', leaf: 'leaf.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'OK' },
  { name: 'ECDSA leaf', leaf: 'leafec.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'OK' },
  { name: 'Ed25519 leaf', leaf: 'leafed.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'OK' },
  { name: 'extras, duplicates and the root in any order', leaf: 'leaf.pem', untrusted: ['root.pem', 'int.pem', 'int.pem', 'leafec.pem'], ca: ['root.pem'], expect: 'OK' },
  { name: 'expired leaf', leaf: 'expired.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'CERT_HAS_EXPIRED' },
  { name: 'not-yet-valid leaf', leaf: 'future.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'CERT_NOT_YET_VALID' },
  { name: 'clientAuth-only EKU used as a server', leaf: 'clientonly.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'INVALID_PURPOSE' },
  { name: 'clientAuth-only EKU used as a client', leaf: 'clientonly.pem', untrusted: ['int.pem'], ca: ['root.pem'], purpose: 'client', expect: 'OK' },
  { name: 'CA:FALSE issuer', leaf: 'undernonca.pem', untrusted: ['nonca.pem', 'int.pem'], ca: ['root.pem'], expect: 'INVALID_PURPOSE', opensslFirst: 'INVALID_CA' },
  { name: 'pathlen:0 CA with a sub-CA below', leaf: 'undersub.pem', untrusted: ['sub.pem', 'int0.pem'], ca: ['root.pem'], expect: 'PATH_LENGTH_EXCEEDED' },
  { name: 'revoked leaf with CRLs', leaf: 'revoked.pem', untrusted: ['int.pem'], ca: ['root.pem'], crl: ['int.crl', 'root.crl'], expect: 'CERT_REVOKED' },
  { name: 'good leaf with CRLs', leaf: 'leaf.pem', untrusted: ['int.pem'], ca: ['root.pem'], crl: ['int.crl', 'root.crl'], expect: 'OK' },
  { name: 'CRL missing for the intermediate', leaf: 'leaf.pem', untrusted: ['int.pem'], ca: ['root.pem'], crl: ['int.crl'], expect: 'UNABLE_TO_GET_CRL' },
  { name: 'self-signed leaf not trusted', leaf: 'self.pem', ca: ['root.pem'], expect: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
  { name: 'self-signed leaf trusted through ca', leaf: 'self.pem', ca: ['self.pem'], expect: 'OK' },
  // Node's classic "unable to verify the first certificate": build_chain fails first (what openssl
  // verify prints), then internal_verify adds error 21, which Node reports.
  { name: 'missing intermediate (leaf alone)', leaf: 'leaf.pem', ca: ['root.pem'], expect: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', opensslFirst: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  { name: 'missing issuer of the intermediate', leaf: 'leaf.pem', untrusted: ['int.pem'], ca: ['self.pem'], expect: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  { name: 'untrusted root sent by the peer', leaf: 'leaf.pem', untrusted: ['int.pem', 'root.pem'], ca: ['self.pem'], expect: 'SELF_SIGNED_CERT_IN_CHAIN' },
  { name: 'unknown critical extension', leaf: 'critext.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'UNHANDLED_CRITICAL_EXTENSION' },
  { name: 'RSA-1024 leaf', leaf: 'weak.pem', untrusted: ['int.pem'], ca: ['root.pem'], opensslExtra: ['-auth_level', '2'], expect: 'EE_KEY_TOO_SMALL' },
  { name: 'intermediate as the only anchor', leaf: 'leaf.pem', ca: ['int.pem'], expect: 'UNABLE_TO_GET_ISSUER_CERT' },
  { name: 'intermediate as anchor with a partial chain allowed', leaf: 'leaf.pem', ca: ['int.pem'], partial: true, expect: 'OK' },
  { name: 'name constraints satisfied', leaf: 'ncgood.pem', untrusted: ['ncca.pem'], ca: ['root.pem'], expect: 'OK' },
  { name: 'DNS name outside the permitted subtree', leaf: 'ncbad.pem', untrusted: ['ncca.pem'], ca: ['root.pem'], expect: 'PERMITTED_VIOLATION' },
  { name: 'DNS name in an excluded subtree', leaf: 'ncexcl.pem', untrusted: ['ncca.pem'], ca: ['root.pem'], expect: 'EXCLUDED_VIOLATION' },
  { name: 'IP address outside the permitted range', leaf: 'ncip.pem', untrusted: ['ncca.pem'], ca: ['root.pem'], expect: 'PERMITTED_VIOLATION' },
  { name: 'SHA-1 signed intermediate', leaf: 'undersha1.pem', untrusted: ['sha1int.pem'], ca: ['root.pem'], opensslExtra: ['-auth_level', '1'], expect: 'CA_MD_TOO_WEAK' },
  { name: 'RSASSA-PSS signed intermediate', leaf: 'underpss.pem', untrusted: ['pssint.pem'], ca: ['root.pem'], expect: 'OK' },
];

for (const c of cases) {
  test(`${c.name}: ${c.expect}, as openssl verify says`, () => {
    const o = ours(c);
    assert.equal(theirs(c), c.opensslFirst ?? c.expect, 'openssl verify');
    assert.equal(o.first, c.opensslFirst ?? c.expect, 'ts-tls first error');
    assert.equal(o.code, c.expect, 'ts-tls verdict');
    // When the first error is the verdict, our message is OpenSSL's text for it.
    if (o.code !== 'OK' && !c.opensslFirst) assert.equal(o.message, pki.lastMessage, 'message');
  });
}

test('a tampered signature is CERT_SIGNATURE_FAILURE (decrypt_error), as openssl says', () => {
  const der = pki.der('leafec.pem');
  const bad = new Uint8Array(der);
  bad[bad.length - 5] ^= 0x01;
  writeFileSync(pki.path('tampered.pem'), encodePem('CERTIFICATE', bad));
  const c: Case = { name: 'tampered', leaf: 'tampered.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: 'CERT_SIGNATURE_FAILURE' };
  assert.equal(theirs(c), 'CERT_SIGNATURE_FAILURE');
  const r = ours(c);
  assert.equal(r.code, 'CERT_SIGNATURE_FAILURE');
  assert.equal(r.alert, AlertDescription.decrypt_error);
});

test('verdicts carry the alert from the one mapping table', () => {
  const expired = ours({ name: '', leaf: 'expired.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: '' });
  assert.equal(expired.alert, AlertDescription.certificate_expired);
  const revoked = ours({ name: '', leaf: 'revoked.pem', untrusted: ['int.pem'], ca: ['root.pem'], crl: ['int.crl', 'root.crl'], expect: '' });
  assert.equal(revoked.alert, AlertDescription.certificate_revoked);
  const unknown = ours({ name: '', leaf: 'self.pem', ca: ['root.pem'], expect: '' });
  assert.equal(unknown.alert, AlertDescription.unknown_ca);
  const crit = ours({ name: '', leaf: 'critext.pem', untrusted: ['int.pem'], ca: ['root.pem'], expect: '' });
  assert.equal(crit.alert, AlertDescription.unsupported_certificate);
});

test('publicKeyOf returns the SPKI and rejects garbage with bad_certificate', () => {
  const v = createCertificateVerifier({ provider, ca: [pki.der('root.pem')] });
  const spki = v.publicKeyOf(pki.der('leafec.pem'));
  assert.equal(spki[0], 0x30);
  assert.throws(() => v.publicKeyOf(new Uint8Array([0x30, 0x01, 0x00])), (e: unknown) => (e as { alert?: number }).alert === AlertDescription.bad_certificate);
  const r = v.verifyChain([new Uint8Array([1, 2, 3])], 'server', Date.now());
  assert.equal(r.ok, false);
  assert.equal(r.alert, AlertDescription.bad_certificate);
});

test('the default trust store (no ca) does not trust the test root', () => {
  const v = createCertificateVerifier({ provider });
  assert.ok(v.anchors.size > 100);
  const r = v.verifyChain([pki.der('leaf.pem'), pki.der('int.pem')], 'server', Date.now());
  assert.equal(r.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
});

// Node's own verdict (socket.authorizationError) for the same chains, over a real node:tls pair.
async function nodeVerdict(c: Case): Promise<{ code: string; message?: string }> {
  const tls = await import('node:tls');
  const key = pki.pem(c.leaf.replace('.pem', '.key'));
  const cert = [c.leaf, ...(c.untrusted ?? [])].map((n) => pki.pem(n)).join('');
  const server = tls.createServer({ key, cert });
  server.on('secureConnection', (s) => s.end());
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    return await new Promise<{ code: string; message?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), 15000);
      // rejectUnauthorized: true so the failure arrives as Node's Error (code and message).
      const sock = tls.connect({ port, host: '127.0.0.1', ca: c.ca.map((n) => pki.pem(n)), servername: 'localhost', checkServerIdentity: () => undefined }, () => {
        clearTimeout(timer);
        resolve({ code: 'OK' });
        sock.destroy();
      });
      sock.on('error', (e: Error & { code?: string }) => {
        clearTimeout(timer);
        // Verification failures carry OpenSSL's code name; anything else (ERR_*, errno) is a test fault.
        if (e.code && !e.code.startsWith('ERR_') && !/^E[A-Z]+$/.test(e.code)) resolve({ code: e.code, message: e.message });
        else reject(e);
      });
    });
  } finally {
    server.close();
  }
}

test('node:tls reports the same verdict as ours for server chains', async () => {
  // Known difference: for an unknown critical extension and for name-constraint violations Node 20
  // reports 'UNSPECIFIED'; we report UNHANDLED_CRITICAL_EXTENSION / *_VIOLATION as `openssl verify`
  // and `openssl s_client` (Verify return code 34 / 47) do.
  // RSA-1024 is accepted by Node's default security level 1, so that case is left out; a SHA-1
  // signed chain cannot even be loaded by a node:tls server ("ca md too weak"), so neither is it.
  const serverCases = cases.filter((c) => !c.crl && !c.partial && c.purpose !== 'client' && c.leaf !== 'weak.pem' && c.leaf !== 'undersha1.pem' && c.leaf !== 'critext.pem' && !c.expect.endsWith('_VIOLATION'));
  for (const c of serverCases) {
    const theirVerdict = await nodeVerdict(c);
    const o = ours(c);
    assert.equal(o.code, theirVerdict.code, c.name);
    assert.equal(o.message, theirVerdict.message, `${c.name}: message`);
  }
});

test('a CRL with a damaged signature is CRL_SIGNATURE_FAILURE, as openssl says', () => {
  const crl = pki.der('int.crl');
  const bad = new Uint8Array(crl);
  bad[bad.length - 3] ^= 0x01;
  writeFileSync(pki.path('bad.crl'), encodePem('X509 CRL', bad));
  const c: Case = { name: 'bad crl', leaf: 'leaf.pem', untrusted: ['int.pem'], ca: ['root.pem'], crl: ['bad.crl', 'root.crl'], expect: 'CRL_SIGNATURE_FAILURE' };
  assert.equal(theirs(c), 'CRL_SIGNATURE_FAILURE');
  assert.equal(ours(c).code, 'CRL_SIGNATURE_FAILURE');
});

test('mutated chains always get a verdict with an alert, never an exception', () => {
  const v = createCertificateVerifier({ provider, ca: [pki.der('root.pem')] });
  const leaf = pki.der('leaf.pem');
  const int = pki.der('int.pem');
  for (let i = 0; i < 400; i++) {
    const target = i % 2 === 0 ? leaf : int;
    const m = new Uint8Array(target);
    m[(i * 104729) % m.length] ^= 1 << (i % 8);
    const chain = i % 2 === 0 ? [m, int] : [leaf, m];
    const r = v.verifyChain(chain, 'server', Date.now());
    if (!r.ok) {
      assert.equal(typeof r.code, 'string');
      assert.equal(typeof r.alert, 'number');
    }
  }
  // Truncations of every length.
  for (let n = 0; n < leaf.length; n += 7) {
    const r = v.verifyChain([leaf.subarray(0, n), int], 'server', Date.now());
    assert.equal(r.ok, false);
    assert.equal(r.alert, AlertDescription.bad_certificate);
  }
});

// A node:tls server checking client certificates reports the same verdict as our 'client' purpose.
async function nodeClientVerdict(leaf: string, untrusted: string[]): Promise<string> {
  const tls = await import('node:tls');
  const server = tls.createServer({ key: pki.pem('leaf.key'), cert: pki.pem('leaf.pem') + pki.pem('int.pem'), ca: pki.pem('root.pem'), requestCert: true, rejectUnauthorized: false });
  const verdict = new Promise<string>((resolve) => {
    server.on('secureConnection', (s) => {
      const e = s.authorizationError as unknown as { code?: string } | string | null;
      resolve(e ? (typeof e === 'string' ? e : e.code ?? String(e)) : 'OK');
      s.end();
    });
  });
  const port = await listen(server);
  const sock = tls.connect({ port, host: '127.0.0.1', key: pki.pem(leaf.replace('.pem', '.key')), cert: [leaf, ...untrusted].map((n) => pki.pem(n)).join(''), rejectUnauthorized: false });
  sock.on('error', () => {});
  const timer = setTimeout(() => server.close(), 15000);
  try {
    return await verdict;
  } finally {
    clearTimeout(timer);
    sock.destroy();
    server.close();
  }
}

test('client certificates: node:tls server verdicts equal ours for the client purpose', async () => {
  for (const [leaf, untrusted] of [['clientonly.pem', ['int.pem']], ['leafec.pem', ['int.pem']], ['ncgood.pem', ['ncca.pem']], ['expired.pem', ['int.pem']]] as const) {
    const theirVerdict = await nodeClientVerdict(leaf, [...untrusted]);
    const r = ours({ name: leaf, leaf, untrusted: [...untrusted], ca: ['root.pem'], purpose: 'client', expect: '' });
    assert.equal(r.code, theirVerdict, leaf);
  }
});
