// PFX files made by `openssl pkcs12 -export` (default and -legacy) load; wrong passphrases fail
// clearly; the MAC/KDF is checked against a known answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { buildPki } from './fixtures.js';
import { parsePfx, buildPfx, pkcs12Kdf, bmpPassword } from '../../src/pki/pkcs12.js';
import { nodePkcs12Crypto } from '../../src/crypto/node/pkcs12-crypto.js';
import '../../src/node/pki-loaders.js'; // parsePfx's ASN.1 schemas, loaded on first use
import { PkiError } from '../../src/pki/errors.js';

const pki = buildPki();

function exportPfx(name: string, args: string[]): Uint8Array {
  const out = pki.path(name);
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', pki.path('leaf.key'), '-in', pki.path('leaf.pem'), '-certfile', pki.path('int.pem'), '-out', out, ...args], { cwd: pki.dir, stdio: 'pipe' });
  return new Uint8Array(readFileSync(out));
}

function assertLeafContents(r: ReturnType<typeof parsePfx>): void {
  assert.deepEqual(r.cert, pki.der('leaf.pem'));
  assert.deepEqual(r.ca, [pki.der('int.pem')]);
  const ours = createPrivateKey({ key: Buffer.from(r.key), format: 'der', type: 'pkcs8' });
  const theirs = createPrivateKey(pki.pem('leaf.key'));
  assert.ok(ours.equals(theirs), 'same private key');
  assert.ok(new X509Certificate(Buffer.from(r.cert!)).checkPrivateKey(ours));
}

test('openssl default PFX (PBES2 AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC) loads', () => {
  assertLeafContents(parsePfx(exportPfx('default.p12', ['-passout', 'pass:s3cret']), 's3cret', nodePkcs12Crypto));
});

test('non-ASCII passphrases work (UTF-8 for PBES2, BMPString for the MAC)', () => {
  assertLeafContents(parsePfx(exportPfx('unicode.p12', ['-passout', 'pass:pässwörd']), 'pässwörd', nodePkcs12Crypto));
});

test('an empty passphrase works with or without the passphrase argument', () => {
  const data = exportPfx('empty.p12', ['-passout', 'pass:']);
  assertLeafContents(parsePfx(data, undefined, nodePkcs12Crypto));
  assertLeafContents(parsePfx(data, '', nodePkcs12Crypto));
});

test('-legacy with 3DES everywhere loads; with RC2-40 certificates it names the missing cipher', () => {
  assertLeafContents(parsePfx(exportPfx('legacy3des.p12', ['-legacy', '-certpbe', 'PBE-SHA1-3DES', '-passout', 'pass:s3cret']), 's3cret', nodePkcs12Crypto));
  const rc2 = exportPfx('legacy.p12', ['-legacy', '-passout', 'pass:s3cret']);
  let rc2Works = true;
  try {
    // Does this Node's OpenSSL have RC2 at all?
    nodePkcs12Crypto.cbcDecrypt('rc2-40-cbc', new Uint8Array(5), new Uint8Array(8), new Uint8Array(8));
  } catch (e) {
    rc2Works = (e as { code?: string }).code !== 'ERR_CRYPTO_UNSUPPORTED_OPERATION';
  }
  if (rc2Works) assertLeafContents(parsePfx(rc2, 's3cret', nodePkcs12Crypto));
  else {
    assert.throws(
      () => parsePfx(rc2, 's3cret', nodePkcs12Crypto),
      (e: unknown) => e instanceof PkiError && e.code === 'ERR_CRYPTO_UNSUPPORTED_OPERATION' && /pbeWithSHAAnd40BitRC2-CBC/.test(e.message),
    );
  }
});

test('a wrong passphrase is "mac verify failure", default and legacy', () => {
  for (const f of ['default.p12', 'legacy.p12']) {
    const data = new Uint8Array(readFileSync(pki.path(f)));
    assert.throws(() => parsePfx(data, 'wrong', nodePkcs12Crypto), (e: unknown) => e instanceof PkiError && e.code === 'ERR_PKCS12_MAC_VERIFY_FAILURE' && e.message === 'mac verify failure');
    assert.throws(() => parsePfx(data, undefined, nodePkcs12Crypto), (e: unknown) => e instanceof PkiError && e.code === 'ERR_PKCS12_MAC_VERIFY_FAILURE');
  }
});

test('garbage and damaged files fail with a PkiError', () => {
  const good = new Uint8Array(readFileSync(pki.path('default.p12')));
  for (const bad of [new Uint8Array([1, 2, 3]), good.subarray(0, 100), pki.der('leaf.pem')]) {
    assert.throws(() => parsePfx(bad, 's3cret', nodePkcs12Crypto), (e: unknown) => e instanceof PkiError);
  }
  for (let i = 0; i < 200; i++) {
    const m = new Uint8Array(good);
    m[(i * 7919) % m.length] ^= 1 << (i % 8);
    try {
      parsePfx(m, 's3cret', nodePkcs12Crypto);
    } catch (e) {
      assert.ok(e instanceof PkiError, String(e));
    }
  }
});

test('PKCS#12 KDF known answer (RFC 7292 App. B, as OpenSSL computes it)', () => {
  // The MAC key of the default file recomputed two ways must verify: parsePfx did; here check
  // the KDF's block chaining for outputs longer than one hash (3DES key = 24 > 20 bytes).
  const k = pkcs12Kdf(nodePkcs12Crypto, 'sha1', bmpPassword('smeg'), new Uint8Array([0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f]), 1, 1, 24);
  assert.equal(Buffer.from(k).toString('hex'), '8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3');
});

test('buildPfx output loads in openssl and in Node, and round-trips', () => {
  const data = buildPfx({ key: pkcs8Der(), cert: pki.der('leaf.pem'), ca: [pki.der('int.pem')], passphrase: 'round trip', crypto: nodePkcs12Crypto });
  assertLeafContents(parsePfx(data, 'round trip', nodePkcs12Crypto));
  const tls = require_tls();
  tls.createSecureContext({ pfx: Buffer.from(data), passphrase: 'round trip' });
  const p = pki.path('ours.p12');
  require_fs().writeFileSync(p, data);
  const info = execFileSync('openssl', ['pkcs12', '-in', p, '-passin', 'pass:round trip', '-info', '-noout'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) + '';
  assert.equal(info, info); // openssl exited 0 (it throws otherwise)
  assert.throws(() => tls.createSecureContext({ pfx: Buffer.from(data), passphrase: 'nope' }), /mac verify failure/);
});

import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
function require_tls(): typeof import('node:tls') {
  return req('node:tls') as typeof import('node:tls');
}
function require_fs(): typeof import('node:fs') {
  return req('node:fs') as typeof import('node:fs');
}
function pkcs8Der(): Uint8Array {
  return new Uint8Array(createPrivateKey(pki.pem('leaf.key')).export({ type: 'pkcs8', format: 'der' }));
}
