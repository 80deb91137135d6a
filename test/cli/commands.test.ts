// The ts-tls file-making commands (key, csr, cert, dhparam, ciphers): every file they write is
// accepted by openssl, exit codes follow 0 ok / 1 failure / 2 usage, nothing is overwritten
// without --force, private keys are 0600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSecureContext } from 'node:tls';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { expandCipherString } from '../../src/cli/ciphers.js';
import { makeTestPki } from '../fixtures/certs.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ts-tls-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const p = (name: string): string => join(dir, name);

/** Runs the CLI in-process; returns exit code and what it wrote. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
function openssl(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
const mode = (f: string): number => statSync(f).mode & 0o777;

test('the bin runs as an executable script: --version, no arguments is a usage error', () => {
  const v = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^ts-tls \d+\.\d+\.\d+/);
  assert.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node'));
  const none = spawnSync(process.execPath, [BIN], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /Commands:/);
  assert.equal(spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8' }).status, 2);
});

test('every command has --help with examples (exit 0)', async () => {
  for (const name of ['key', 'csr', 'cert', 'dhparam', 'pkcs12', 'x509', 'verify', 'ciphers', 'server', 'client', 'probe']) {
    const r = await cli(name, '--help');
    assert.equal(r.code, 0, name);
    assert.match(r.out, new RegExp(`Usage: ts-tls ${name}`));
    assert.match(r.out, /Examples:/, name);
  }
});

test('key: RSA, EC P-256/P-384 and Ed25519 keys pass openssl pkey -check, written 0600', async () => {
  const cases: [string, string[], RegExp][] = [
    ['rsa2048.key', [], /RSA|Private-Key: \(2048 bit/],
    ['rsa3072.key', ['-b', '3072'], /3072 bit/],
    ['p256.key', ['-t', 'ec'], /P-256/],
    ['p384.key', ['-t', 'ec', '--curve', 'P-384'], /P-384/],
    ['ed.key', ['-t', 'ed25519'], /ED25519/],
  ];
  for (const [file, args, re] of cases) {
    const r = await cli('key', ...args, '--out', p(file));
    assert.equal(r.code, 0, r.err);
    assert.equal(mode(p(file)), 0o600, file);
    const check = openssl('pkey', '-in', p(file), '-check', '-noout', '-text');
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /Key is valid|valid/);
    assert.match(check.out, re, file);
  }
});

test('key: --passphrase writes an encrypted PKCS#8 key that needs the passphrase', async () => {
  process.env.TS_TLS_TEST_PASS = 'correct horse';
  const r = await cli('key', '-t', 'ec', '--out', p('enc.key'), '--passphrase', 'env:TS_TLS_TEST_PASS', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).encrypted, true);
  assert.match(readFileSync(p('enc.key'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  assert.notEqual(openssl('pkey', '-in', p('enc.key'), '-passin', 'pass:wrong', '-noout').code, 0);
  assert.equal(openssl('pkey', '-in', p('enc.key'), '-passin', 'pass:correct horse', '-check', '-noout').code, 0);
});

test('key: refuses to overwrite without --force; --force replaces and tightens the mode to 0600', async () => {
  writeFileSync(p('taken.key'), 'precious');
  chmodSync(p('taken.key'), 0o644);
  const r = await cli('key', '-t', 'ed25519', '--out', p('taken.key'));
  assert.equal(r.code, 1);
  assert.match(r.err, /refusing to overwrite/);
  assert.equal(readFileSync(p('taken.key'), 'utf8'), 'precious');
  const f = await cli('key', '-t', 'ed25519', '--out', p('taken.key'), '--force');
  assert.equal(f.code, 0, f.err);
  assert.match(readFileSync(p('taken.key'), 'utf8'), /BEGIN PRIVATE KEY/);
  assert.equal(mode(p('taken.key')), 0o600);
});

test('usage errors exit 2: bad values, options that do not fit, unknown options, extra arguments', async () => {
  for (const argv of [
    ['key', '-t', 'dsa'],
    ['key', '-t', 'ec', '--bits', '2048'],
    ['key', '-b', '1024'],
    ['key', '--frobnicate'],
    ['key', 'extra'],
    ['key', '--json'],
    ['cert', '--ca-cert', 'x.pem'],
    ['cert', '--days', 'ten'],
    ['dhparam', '100'],
    ['dhparam', '--group', 'modp14'],
    ['client'],
    ['client', 'host:99999'],
  ]) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /--help/);
  }
});

test('cert with no options: self-signed cert.pem + key.pem for localhost, 127.0.0.1, ::1 in the current directory', () => {
  const cwd = mkdtempSync(join(dir, 'default-'));
  const r = spawnSync(process.execPath, [BIN, 'cert'], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /SHA-256:/);
  assert.equal(mode(join(cwd, 'key.pem')), 0o600);
  const text = openssl('x509', '-in', join(cwd, 'cert.pem'), '-noout', '-text').out;
  assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  assert.match(text, /ecdsa-with-SHA256/);
  assert.equal(openssl('verify', '-CAfile', join(cwd, 'cert.pem'), join(cwd, 'cert.pem')).code, 0);
  // the key belongs to the certificate
  const pub1 = openssl('x509', '-in', join(cwd, 'cert.pem'), '-noout', '-pubkey').out;
  const pub2 = openssl('pkey', '-in', join(cwd, 'key.pem'), '-pubout').out;
  assert.equal(pub1, pub2);
  // a second run refuses to overwrite either file
  const again = spawnSync(process.execPath, [BIN, 'cert'], { cwd, encoding: 'utf8' });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /refusing to overwrite/);
});

test('cert: a CA, a leaf it signs, and a CSR it certifies all pass openssl verify', async () => {
  let r = await cli('cert', '--ca', '--subject', '/C=UK/O=Example/CN=Example Root', '--out', p('ca.pem'), '--key-out', p('ca-key.pem'), '-t', 'rsa');
  assert.equal(r.code, 0, r.err);
  assert.match(openssl('x509', '-in', p('ca.pem'), '-noout', '-text').out, /CA:TRUE/);
  r = await cli('cert', '--ca-cert', p('ca.pem'), '--ca-key', p('ca-key.pem'), '--san', 'example.test,10.0.0.5', '--san', 'DNS:www.example.test', '--out', p('site.pem'), '--key-out', p('site-key.pem'), '--json');
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.equal(summary.subjectAltName, 'DNS:example.test, DNS:www.example.test, IP Address:10.0.0.5');
  let v = openssl('verify', '-CAfile', p('ca.pem'), '-purpose', 'sslserver', p('site.pem'));
  assert.equal(v.code, 0, v.out);

  r = await cli('csr', '--subject', 'CN=api.example.test,O=Example', '--san', 'api.example.test', '-t', 'ed25519', '--key-out', p('api-key.pem'), '--out', p('api.csr'));
  assert.equal(r.code, 0, r.err);
  assert.equal(mode(p('api-key.pem')), 0o600);
  const req = openssl('req', '-in', p('api.csr'), '-verify', '-noout', '-text');
  assert.equal(req.code, 0, req.out);
  assert.match(req.out, /DNS:api\.example\.test/);
  r = await cli('cert', '--ca-cert', p('ca.pem'), '--ca-key', p('ca-key.pem'), '--csr', p('api.csr'), '--out', p('api.pem'), '--days', '30');
  assert.equal(r.code, 0, r.err);
  v = openssl('verify', '-CAfile', p('ca.pem'), p('api.pem'));
  assert.equal(v.code, 0, v.out);
  assert.match(openssl('x509', '-in', p('api.pem'), '-noout', '-subject').out, /O = Example, CN = api\.example\.test/);
});

test('cert: a tampered CSR, a mismatched CA key and a non-CA issuer fail with exit 1 and write nothing', async () => {
  await cli('csr', '--san', 'x.test', '-t', 'ec', '--key-out', p('x-key.pem'), '--out', p('x.csr'));
  await cli('cert', '--ca', '--out', p('ca2.pem'), '--key-out', p('ca2-key.pem'));
  const pem = readFileSync(p('x.csr'), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.indexOf('x.test')] = 'y'.charCodeAt(0);
  writeFileSync(p('bad.csr'), `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`);
  let r = await cli('cert', '--ca-cert', p('ca2.pem'), '--ca-key', p('ca2-key.pem'), '--csr', p('bad.csr'), '--out', p('bad.pem'));
  assert.equal(r.code, 1);
  assert.match(r.err, /signature does not verify/);
  assert.ok(!existsSync(p('bad.pem')));
  r = await cli('cert', '--ca-cert', p('ca2.pem'), '--ca-key', p('x-key.pem'), '--out', p('bad2.pem'), '--key-out', p('bad2-key.pem'));
  assert.equal(r.code, 1);
  assert.match(r.err, /does not match/);
  assert.ok(!existsSync(p('bad2.pem')) && !existsSync(p('bad2-key.pem')));
  await cli('cert', '--out', p('leaf-as-ca.pem'), '--key-out', p('leaf-as-ca-key.pem'));
  r = await cli('cert', '--ca-cert', p('leaf-as-ca.pem'), '--ca-key', p('leaf-as-ca-key.pem'), '--out', p('bad3.pem'), '--key-out', p('bad3-key.pem'));
  assert.equal(r.code, 1);
  assert.match(r.err, /not a CA/);
  r = await cli('cert', '--subject', '/C=Britain/CN=x', '--out', p('bad4.pem'), '--key-out', p('bad4-key.pem'));
  assert.equal(r.code, 1);
  assert.match(r.err, /C is longer than 2 characters/);
});

test('cert: an existing encrypted key is used with its passphrase', async () => {
  await cli('key', '-t', 'ec', '--out', p('mine.key'), '--passphrase', 'pass:s3cret!');
  const r = await cli('cert', '--key', p('mine.key'), '--passphrase', 'pass:s3cret!', '--subject', '/CN=mine.test', '--out', p('mine.pem'));
  assert.equal(r.code, 0, r.err);
  assert.match(openssl('x509', '-in', p('mine.pem'), '-noout', '-ext', 'subjectAltName').out, /DNS:mine\.test/);
  const wrong = await cli('cert', '--key', p('mine.key'), '--passphrase', 'pass:nope', '--out', p('mine2.pem'));
  assert.equal(wrong.code, 1);
});

test('dhparam: RFC 7919 groups instantly and a generated safe prime, all pass openssl dhparam -check', async () => {
  for (const g of ['ffdhe2048', 'ffdhe3072', 'ffdhe4096']) {
    const r = await cli('dhparam', '--group', g, '--out', p(`${g}.pem`));
    assert.equal(r.code, 0, r.err);
    const c = openssl('dhparam', '-in', p(`${g}.pem`), '-check', '-noout');
    assert.equal(c.code, 0, c.out);
    assert.match(c.out, /appear to be ok/);
  }
  const r = await cli('dhparam', '1024', '--out', p('dh1024.pem'), '--json');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /generating a 1024-bit safe prime/);
  assert.equal(JSON.parse(r.out).bits, 1024);
  const c = openssl('dhparam', '-in', p('dh1024.pem'), '-check', '-noout', '-text');
  assert.equal(c.code, 0, c.out);
  assert.match(c.out, /DH Parameters: \(1024 bit\)/);
  assert.match(c.out, /appear to be ok/);
  const again = await cli('dhparam', '--group', 'ffdhe2048', '--out', p('ffdhe2048.pem'));
  assert.equal(again.code, 1);
});

test('ciphers: default order, OpenSSL-style expressions, columns, and no match = exit 1', async () => {
  const def = expandCipherString();
  assert.equal(def.lines[0]!.name, 'TLS_AES_256_GCM_SHA384');
  assert.deepEqual(def.lines.slice(0, 3).map((l) => l.protocol), ['TLSv1.3', 'TLSv1.3', 'TLSv1.3']);
  const ecdsaGcm = expandCipherString('ECDHE+AESGCM:!aRSA').lines.map((l) => l.name);
  assert.deepEqual(ecdsaGcm.sort(), ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
  const moved = expandCipherString('HIGH:-SHA1:+AES256').lines;
  assert.ok(moved.every((l) => l.mac !== 'SHA1'));
  const firstAes256 = moved.findIndex((l) => /256/.test(l.enc) && !/CHACHA/.test(l.enc));
  assert.ok(moved.slice(firstAes256).every((l) => /256/.test(l.enc) && !/CHACHA/.test(l.enc)), 'AES-256 suites moved to the end');
  const all = expandCipherString('ALL');
  assert.equal(all.tls13Named, false, 'no TLS 1.3 name: Node limits the connection to TLS 1.2');
  assert.ok(all.lines.every((l) => l.protocol === 'TLSv1.2') && all.lines.some((l) => l.kx === 'RSA'));
  const fs = expandCipherString('ALL:!kRSA:!SHA1').lines;
  assert.ok(fs.length > 0 && fs.every((l) => l.kx !== 'RSA' && l.mac !== 'SHA1'), '!kRSA and !SHA1 remove for good');
  const readded = expandCipherString('ALL:!kRSA:AES128-SHA').lines;
  assert.ok(readded.every((l) => l.kx !== 'RSA'), 'a name after ! cannot bring a banned suite back');
  const row = expandCipherString('ECDHE-RSA-AES128-SHA').lines[0]!;
  assert.deepEqual({ kx: row.kx, auth: row.auth, enc: row.enc, mac: row.mac, protocol: row.protocol }, { kx: 'ECDH', auth: 'RSA', enc: 'AES(128)', mac: 'SHA1', protocol: 'TLSv1.2' });
  const r = await cli('ciphers', 'TLS_CHACHA20_POLY1305_SHA256', '--json');
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.suites[0].standardName, 'TLS_CHACHA20_POLY1305_SHA256');
  assert.equal(j.suites[0].enc, 'CHACHA20/POLY1305(256)');
  const names = await cli('ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA', '--names');
  assert.equal(names.out.trim(), 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA');
  const none = await cli('ciphers', 'NOPE:!ALL');
  assert.equal(none.code, 1);
  assert.match(none.err, /ERR_SSL_NO_CIPHER_MATCH/);
});

test('pkcs12: openssl reads the bundle (MAC, PBES2 key, chain, names) and node:tls loads it as pfx', async () => {
  await cli('cert', '--ca', '--out', p('p12-ca.pem'), '--key-out', p('p12-ca-key.pem'));
  await cli('cert', '--ca-cert', p('p12-ca.pem'), '--ca-key', p('p12-ca-key.pem'), '-t', 'rsa', '--out', p('p12-leaf.pem'), '--key-out', p('p12-leaf-key.pem'));
  const r = await cli('pkcs12', '--key', p('p12-leaf-key.pem'), '--cert', p('p12-leaf.pem'), '--ca', p('p12-ca.pem'), '--out', p('b.p12'), '--passphrase', 'pass:changeit', '--name', 'ts-tls test');
  assert.equal(r.code, 0, r.err);
  assert.equal(mode(p('b.p12')), 0o600);
  const info = openssl('pkcs12', '-in', p('b.p12'), '-info', '-nodes', '-passin', 'pass:changeit');
  assert.equal(info.code, 0, info.out);
  assert.match(info.out, /MAC: sha256, Iteration 2048/);
  assert.match(info.out, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
  assert.match(info.out, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
  assert.equal((info.out.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
  assert.match(info.out, /friendlyName: ts-tls test/);
  assert.match(info.out, /BEGIN PRIVATE KEY/);
  assert.match(openssl('pkcs12', '-in', p('b.p12'), '-info', '-noout', '-passin', 'pass:wrong').out, /Mac verify error/);
  createSecureContext({ pfx: readFileSync(p('b.p12')), passphrase: 'changeit' });
  assert.throws(() => createSecureContext({ pfx: readFileSync(p('b.p12')), passphrase: 'nope' }), /mac verify failure/);
  // a key that is not the certificate's is refused before anything is written
  const bad = await cli('pkcs12', '--key', p('p12-ca-key.pem'), '--cert', p('p12-leaf.pem'), '--out', p('bad.p12'), '--passphrase', 'pass:x1234');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /does not belong/);
  assert.ok(!existsSync(p('bad.p12')));
  assert.equal((await cli('pkcs12', '--key', p('p12-leaf-key.pem'), '--cert', p('p12-leaf.pem'), '--out', p('np.p12'))).code, 2, 'no passphrase: usage error');
  // read back: the same key and chain come out as PEM
  const back = await cli('pkcs12', '--in', p('b.p12'), '--passphrase', 'pass:changeit', '--key-out', p('back-key.pem'), '--cert-out', p('back-chain.pem'), '--json');
  assert.equal(back.code, 0, back.err);
  const j = JSON.parse(back.out);
  assert.equal(j.keyType, 'rsa');
  assert.equal(j.certificates.length, 2);
  assert.equal(mode(p('back-key.pem')), 0o600);
  assert.equal(openssl('pkey', '-in', p('back-key.pem'), '-pubout').out, openssl('pkey', '-in', p('p12-leaf-key.pem'), '-pubout').out);
  assert.equal(readFileSync(p('back-chain.pem'), 'utf8'), readFileSync(p('p12-leaf.pem'), 'utf8') + readFileSync(p('p12-ca.pem'), 'utf8'));
  // a file made by openssl itself reads too; a wrong password is exit 1 with OpenSSL's words
  const made = openssl('pkcs12', '-export', '-inkey', p('p12-leaf-key.pem'), '-in', p('p12-leaf.pem'), '-out', p('o.p12'), '-passout', 'pass:pw12');
  assert.equal(made.code, 0, made.out);
  assert.equal((await cli('pkcs12', '--in', p('o.p12'), '-p', 'pass:pw12')).code, 0);
  const wrong = await cli('pkcs12', '--in', p('o.p12'), '-p', 'pass:nope');
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /mac verify failure/);
});

test('verify: our verifier agrees with openssl verify on good, expired, self-signed and foreign-CA chains', async () => {
  const pki = makeTestPki();
  const w = (name: string, text: string): string => {
    writeFileSync(p(name), text);
    return p(name);
  };
  const ca = w('v-ca.pem', pki.ca.cert);
  const cases: [string, string, string][] = [
    ['v-leaf.pem', pki.leaf.cert, 'OK'],
    ['v-expired.pem', pki.expired.cert, 'CERT_HAS_EXPIRED'],
    ['v-self.pem', pki.ecdsa.cert, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ];
  for (const [name, pem, expected] of cases) {
    const file = w(name, pem);
    const ours = await cli('verify', '--ca', ca, '--json', file);
    const r = JSON.parse(ours.out);
    assert.equal(r.ok ? 'OK' : r.code, expected, name);
    assert.equal(ours.code, expected === 'OK' ? 0 : 1);
    const theirs = openssl('verify', '-CAfile', ca, file);
    assert.equal(theirs.code === 0, expected === 'OK', `openssl agrees on ${name}: ${theirs.out}`);
    if (expected !== 'OK') assert.match(theirs.out, expected === 'CERT_HAS_EXPIRED' ? /certificate has expired/ : /self-signed certificate/);
  }
  const foreign = await cli('verify', '--ca', w('v-other-ca.pem', pki.otherCa.cert), '--json', p('v-leaf.pem'));
  // A lone leaf with an unknown issuer: node:tls reports 21 UNABLE_TO_VERIFY_LEAF_SIGNATURE (what the
  // verifier follows), `openssl verify` 20 UNABLE_TO_GET_ISSUER_CERT_LOCALLY; both refuse it.
  assert.equal(JSON.parse(foreign.out).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.notEqual(openssl('verify', '-CAfile', p('v-other-ca.pem'), p('v-leaf.pem')).code, 0);
  const host = await cli('verify', '--ca', ca, '--host', 'localhost', w('v-other-host.pem', pki.otherHost.cert));
  assert.equal(host.code, 1);
  assert.match(host.out, /ERR_TLS_CERT_ALTNAME_INVALID/);
  assert.equal((await cli('verify', '--ca', ca, '--host', '127.0.0.1', p('v-leaf.pem'))).code, 0);
  assert.equal((await cli('verify', '--ca', ca, '--at', '2001-01-01', p('v-leaf.pem'))).code, 1, 'not yet valid in 2001');
  assert.equal((await cli('verify', '--ca', ca)).code, 2);
});

test('x509: the library parser reports what openssl x509 reports (serial, fingerprints, names, usages)', async () => {
  const pki = makeTestPki();
  writeFileSync(p('x-chain.pem'), pki.leafRsa.chain);
  const r = await cli('x509', '--json', p('x-chain.pem'));
  assert.equal(r.code, 0, r.err);
  const [leaf, ca] = r.out.trim().split('\n').map((l) => JSON.parse(l));
  writeFileSync(p('x-leaf.pem'), pki.leafRsa.cert);
  const o = (...a: string[]) => openssl('x509', '-in', p('x-leaf.pem'), '-noout', ...a).out;
  assert.equal(`serial=${leaf.serial}\n`, o('-serial'));
  assert.equal(`sha256 Fingerprint=${leaf.sha256}\n`, o('-fingerprint', '-sha256'));
  assert.equal(o('-fingerprint', '-sha1').toLowerCase(), `sha1 fingerprint=${leaf.sha1}\n`.toLowerCase());
  assert.equal(leaf.key, 'RSA 2048 bits');
  assert.equal(leaf.signatureAlgorithm, 'ecdsa-with-SHA256');
  assert.deepEqual(leaf.keyUsage, ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(leaf.extKeyUsage, ['serverAuth', 'clientAuth']);
  assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(leaf.authorityKeyId, ca.subjectKeyId);
  assert.equal(ca.ca, true);
  assert.equal(ca.selfIssued, true);
  writeFileSync(p('x-bad.der'), Buffer.from([0x30, 0x82, 0x01]));
  assert.equal((await cli('x509', p('x-bad.der'))).code, 1);
});
