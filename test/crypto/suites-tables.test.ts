// Suite, group and signature-scheme tables: lookups by id and every spelling, defaults that only
// name rows the provider can run, and rows consistent with the provider's algorithms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { DEFAULT_TLS12_SUITES, DEFAULT_TLS13_SUITES, SUITES, isTls13Suite, suiteById, suiteByName } from '../../src/suites/suites.js';
import { DEFAULT_GROUPS, GROUPS, groupById, groupByName } from '../../src/suites/groups.js';
import { DEFAULT_SIGALGS, SIGALGS, sigAlgById, sigAlgByName } from '../../src/suites/sigalgs.js';
import { CipherSuite as C, NamedGroup as G, SignatureScheme as S } from '../../src/wire/registry.js';

const p = nodeCryptoProvider();

test('suites: lookups by id, IANA name and OpenSSL name (any case)', () => {
  assert.equal(suiteByName('tls_aes_128_gcm_sha256')?.id, C.TLS_AES_128_GCM_SHA256);
  assert.equal(suiteByName('ECDHE-RSA-AES128-GCM-SHA256')?.id, C.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  assert.equal(suiteByName('ecdhe-ecdsa-chacha20-poly1305')?.id, C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
  assert.equal(suiteByName('TLS_RSA_WITH_AES_128_CBC_SHA')?.opensslName, 'AES128-SHA');
  assert.equal(suiteByName('nope'), undefined);
  assert.equal(suiteById(0x1234), undefined);
  assert.equal(new Set(SUITES.map((s) => s.id)).size, SUITES.length, 'ids unique');
  assert.equal(new Set(SUITES.map((s) => s.opensslName)).size, SUITES.length, 'OpenSSL names unique');
});

test('suites: every registry suite except SCSVs and CCM has a row; defaults match Node', () => {
  const skip = new Set<number>([C.TLS_EMPTY_RENEGOTIATION_INFO_SCSV, C.TLS_FALLBACK_SCSV, C.TLS_AES_128_CCM_SHA256]);
  for (const [name, id] of Object.entries(C)) if (!skip.has(id)) assert.equal(suiteById(id)?.ianaName, name);
  // Node 20's tls.DEFAULT_CIPHERS starts TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256.
  assert.deepEqual(DEFAULT_TLS13_SUITES.map((id) => suiteById(id)!.ianaName), ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']);
  for (const id of DEFAULT_TLS13_SUITES) assert.ok(isTls13Suite(suiteById(id)!));
  for (const id of DEFAULT_TLS12_SUITES) {
    const s = suiteById(id)!;
    assert.ok(!isTls13Suite(s) && s.kx !== 'RSA', `${s.ianaName} forward secret TLS 1.2`);
  }
});

test('suites: row parameters fit the provider (key lengths, AEAD names, TLS 1.2 nonce split)', () => {
  for (const s of SUITES) {
    const c = s.cipher;
    if (c.kind === 'aead') {
      assert.doesNotThrow(() => p.aead(c.aead, new Uint8Array(s.keyLength)), s.ianaName);
      assert.equal(c.fixedIvLength + c.explicitNonceLength, 12, s.ianaName);
    } else {
      assert.equal(s.keyLength, c.cipher === 'aes-128-cbc' ? 16 : 32);
    }
    assert.equal(p.hashLength(s.hash) > 0, true);
  }
});

test('groups: names and aliases, defaults supported by the provider', () => {
  assert.equal(groupByName('X25519')?.id, G.x25519);
  assert.equal(groupByName('prime256v1')?.id, G.secp256r1);
  assert.equal(groupByName('p-384')?.id, G.secp384r1);
  assert.equal(groupByName('FFDHE2048')?.id, G.ffdhe2048);
  assert.equal(groupById(G.secp521r1)?.keyExchangeLength, 133);
  assert.deepEqual(DEFAULT_GROUPS.slice(0, 2), [G.x25519, G.secp256r1]);
  for (const g of [...DEFAULT_GROUPS, ...GROUPS.map((r) => r.id)]) {
    assert.ok(p.supportedGroups.includes(g), `provider supports 0x${g.toString(16)}`);
    assert.equal(p.generateKeyShare(g).publicKey.length, groupById(g)!.keyExchangeLength);
  }
});

test('sigalgs: OpenSSL spellings, TLS 1.3 eligibility and curve binding', () => {
  assert.equal(sigAlgByName('ECDSA+SHA256')?.id, S.ecdsa_secp256r1_sha256);
  assert.equal(sigAlgByName('rsa-pss+sha384')?.id, S.rsa_pss_rsae_sha384);
  assert.equal(sigAlgByName('RSA+SHA1')?.id, S.rsa_pkcs1_sha1);
  assert.equal(sigAlgByName('Ed25519')?.id, S.ed25519);
  assert.equal(sigAlgById(S.ecdsa_secp384r1_sha384)?.curve, 'P-384');
  for (const r of SIGALGS) {
    assert.equal(r.tls13, !r.ianaName.startsWith('rsa_pkcs1') && r.hash !== 'sha1', r.ianaName);
  }
  assert.ok(!DEFAULT_SIGALGS.some((id) => sigAlgById(id)!.hash === 'sha1'), 'no SHA-1 by default');
  assert.equal(new Set(DEFAULT_SIGALGS).size, DEFAULT_SIGALGS.length);
});
