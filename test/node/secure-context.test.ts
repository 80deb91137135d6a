import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import tlsDefault, {
  DEFAULT_CIPHERS,
  DEFAULT_ECDH_CURVE,
  DEFAULT_MAX_VERSION,
  DEFAULT_MIN_VERSION,
  CLIENT_RENEG_LIMIT,
  CLIENT_RENEG_WINDOW,
  createSecureContext,
  getCiphers,
} from '../../src/index.js';
import { CipherSuite, NamedGroup, SignatureScheme } from '../../src/wire/registry.js';
import { localhostCert, selfSigned } from './helpers.js';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('createSecureContext: keys and certificates', () => {
  it('pairs a PEM key with its certificate (string, Buffer, arrays, {pem, passphrase})', () => {
    const { key, cert } = localhostCert();
    for (const opts of [
      { key, cert },
      { key: key.toString(), cert: cert.toString() },
      { key: [key], cert: [cert] },
      { key: [{ pem: key }], cert },
    ]) {
      const ctx = createSecureContext(opts);
      assert.equal(ctx.certificates.length, 1);
      assert.equal(ctx.certificates[0]!.chain.length, 1);
      assert.equal(ctx.certificates[0]!.key.keyType, 'ec');
    }
  });

  it('holds an RSA and an ECDSA certificate side by side, each with its own key', () => {
    const ec = localhostCert();
    const ec384 = selfSigned('localhost', 'DNS:localhost', 'P-384');
    const ctx = createSecureContext({ key: [ec.key, ec384.key], cert: [ec384.cert, ec.cert] });
    assert.equal(ctx.certificates.length, 2);
    assert.equal(ctx.certificates[0]!.key.curve, 'P-384');
    assert.equal(ctx.certificates[1]!.key.curve, 'P-256');
  });

  it('refuses a key that does not belong to the certificate (ERR_OSSL_X509_KEY_VALUES_MISMATCH)', () => {
    const a = localhostCert();
    const b = selfSigned('other', 'DNS:other');
    assert.throws(() => createSecureContext({ key: a.key, cert: b.cert }), code('ERR_OSSL_X509_KEY_VALUES_MISMATCH'));
  });

  it('rejects wrong option types with ERR_INVALID_ARG_TYPE, as Node does', () => {
    assert.throws(() => createSecureContext({ key: 5 as never }), (e: Error) => code('ERR_INVALID_ARG_TYPE')(e) && e instanceof TypeError && /options\.key/.test(e.message));
    assert.throws(() => createSecureContext({ ca: 5 as never }), code('ERR_INVALID_ARG_TYPE'));
    assert.throws(() => createSecureContext({ cert: [{}] as never }), code('ERR_INVALID_ARG_TYPE'));
    assert.throws(() => createSecureContext({ ciphers: 1 as never }), code('ERR_INVALID_ARG_TYPE'));
    assert.throws(() => createSecureContext(7 as never), code('ERR_INVALID_ARG_TYPE'));
  });

  it('turns ca PEM (one string with many blocks, or an array) into DER anchors', () => {
    const a = localhostCert();
    const b = selfSigned('other', 'DNS:other');
    assert.equal(createSecureContext({ ca: Buffer.concat([a.cert, b.cert]) }).ca!.length, 2);
    assert.equal(createSecureContext({ ca: [a.cert, b.cert.toString()] }).ca!.length, 2);
    assert.equal(createSecureContext({}).ca, undefined, 'no ca: the default root store');
  });
});

describe('createSecureContext: versions', () => {
  it('maps minVersion/maxVersion names', () => {
    const ctx = createSecureContext({ minVersion: 'TLSv1.3' });
    assert.equal(ctx.minVersion, 0x0304);
    assert.equal(ctx.maxVersion, 0x0304);
    assert.equal(createSecureContext({}).minVersion, 0x0303);
  });

  it('refuses TLS 1.0/1.1 naming RFC 8996 with ERR_TLS_INVALID_PROTOCOL_VERSION', () => {
    for (const v of ['TLSv1', 'TLSv1.1']) {
      assert.throws(() => createSecureContext({ minVersion: v }), (e: Error) => code('ERR_TLS_INVALID_PROTOCOL_VERSION')(e) && /RFC 8996/.test(e.message));
    }
    assert.throws(() => createSecureContext({ maxVersion: 'TLSv1.4' }), (e: Error) => e.message === '"TLSv1.4" is not a valid maximum TLS protocol version');
  });

  it('maps secureProtocol methods and refuses the obsolete ones naming RFC 8996', () => {
    assert.equal(createSecureContext({ secureProtocol: 'TLSv1_2_method' }).maxVersion, 0x0303);
    assert.equal(createSecureContext({ secureProtocol: 'TLSv1_3_client_method' }).minVersion, 0x0304);
    assert.equal(createSecureContext({ secureProtocol: 'TLS_method' }).maxVersion, 0x0304);
    for (const m of ['SSLv3_method', 'TLSv1_method', 'TLSv1_1_method', 'TLSv1_1_server_method']) {
      assert.throws(() => createSecureContext({ secureProtocol: m }), (e: Error) => code('ERR_TLS_INVALID_PROTOCOL_METHOD')(e) && /RFC 8996/.test(e.message));
    }
    assert.throws(() => createSecureContext({ secureProtocol: 'FOO_method' }), (e: Error) => e.message === 'Unknown method: FOO_method');
    assert.throws(() => createSecureContext({ secureProtocol: 'TLS_method', minVersion: 'TLSv1.2' }), code('ERR_TLS_PROTOCOL_VERSION_CONFLICT'));
  });
});

describe('createSecureContext: ciphers, curves, sigalgs', () => {
  it('uses Node’s default TLS 1.3 order and the TLS 1.2 part of DEFAULT_CIPHERS', () => {
    const ctx = createSecureContext({});
    assert.deepEqual(ctx.cipherSuites.slice(0, 3), [
      CipherSuite.TLS_AES_256_GCM_SHA384,
      CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
      CipherSuite.TLS_AES_128_GCM_SHA256,
    ]);
    assert.equal(ctx.cipherSuites[3], CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  });

  it('accepts TLS 1.3 names and OpenSSL expressions; TLS 1.3 only when no 1.2 suite is left', () => {
    const ctx = createSecureContext({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    assert.deepEqual(ctx.cipherSuites, [CipherSuite.TLS_CHACHA20_POLY1305_SHA256]);
    assert.equal(ctx.minVersion, 0x0304);
    const mixed = createSecureContext({ ciphers: 'TLS_AES_128_GCM_SHA256:ECDHE+AESGCM:!ECDSA' });
    assert.deepEqual(mixed.cipherSuites, [
      CipherSuite.TLS_AES_128_GCM_SHA256,
      CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
      CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ]);
  });

  it('caps the version at TLS 1.2 when the string names no TLS 1.3 suite (Node’s processCiphers)', () => {
    const ctx = createSecureContext({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    assert.equal(ctx.maxVersion, 0x0303);
    assert.deepEqual(ctx.cipherSuites, [CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]);
  });

  it('reports ERR_SSL_NO_CIPHER_MATCH when nothing matches', () => {
    assert.throws(() => createSecureContext({ ciphers: 'FOO' }), code('ERR_SSL_NO_CIPHER_MATCH'));
    assert.throws(() => createSecureContext({ ciphers: 'RC4-SHA:!ALL' }), code('ERR_SSL_NO_CIPHER_MATCH'));
  });

  it('maps ecdhCurve lists and refuses unknown curves like Node', () => {
    assert.deepEqual(createSecureContext({ ecdhCurve: 'P-384:X25519' }).groups, [NamedGroup.secp384r1, NamedGroup.x25519]);
    assert.deepEqual(createSecureContext({ ecdhCurve: 'prime256v1' }).groups, [NamedGroup.secp256r1]);
    assert.equal(createSecureContext({}).groups[0], NamedGroup.x25519);
    assert.throws(() => createSecureContext({ ecdhCurve: 'foo' }), code('ERR_CRYPTO_OPERATION_FAILED'));
  });

  it('maps sigalgs in IANA and OpenSSL spellings', () => {
    assert.deepEqual(createSecureContext({ sigalgs: 'ecdsa_secp256r1_sha256:RSA-PSS+SHA256' }).signatureSchemes, [
      SignatureScheme.ecdsa_secp256r1_sha256,
      SignatureScheme.rsa_pss_rsae_sha256,
    ]);
    assert.throws(() => createSecureContext({ sigalgs: 'nope' }), code('ERR_CRYPTO_OPERATION_FAILED'));
    assert.throws(() => createSecureContext({ sigalgs: '' }), code('ERR_INVALID_ARG_VALUE'));
  });
});

describe('module constants', () => {
  it('match Node 20', () => {
    assert.equal(DEFAULT_ECDH_CURVE, 'auto');
    assert.equal(DEFAULT_MIN_VERSION, 'TLSv1.2');
    assert.equal(DEFAULT_MAX_VERSION, 'TLSv1.3');
    assert.equal(CLIENT_RENEG_LIMIT, 3);
    assert.equal(CLIENT_RENEG_WINDOW, 600);
    assert.match(DEFAULT_CIPHERS, /^TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA/);
  });

  it('getCiphers lists lower-case names, sorted, including the TLS 1.3 ones', () => {
    const names = getCiphers();
    assert.ok(names.includes('tls_aes_128_gcm_sha256'));
    assert.ok(names.includes('ecdhe-rsa-aes128-gcm-sha256'));
    assert.deepEqual([...names].sort(), names);
    assert.ok(names.every((n) => n === n.toLowerCase()));
  });

  it('the default export carries live, writable defaults that new contexts read', () => {
    const saved = tlsDefault.DEFAULT_MIN_VERSION;
    try {
      tlsDefault.DEFAULT_MIN_VERSION = 'TLSv1.3';
      assert.equal(createSecureContext({}).minVersion, 0x0304);
    } finally {
      tlsDefault.DEFAULT_MIN_VERSION = saved;
    }
    assert.equal(createSecureContext({}).minVersion, 0x0303);
    assert.equal(typeof tlsDefault.connect, 'function');
    assert.ok(Array.isArray(tlsDefault.rootCertificates) && tlsDefault.rootCertificates.length > 100);
  });
});

describe('createSecureContext: encrypted keys', () => {
  it('decrypts a key with passphrase (top-level or per key) and fails clearly on a wrong one', async () => {
    const { execFileSync } = await import('node:child_process');
    const { key, cert } = localhostCert();
    const encrypted = execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:secret'], { input: key });
    assert.equal(createSecureContext({ key: encrypted, cert, passphrase: 'secret' }).certificates.length, 1);
    assert.equal(createSecureContext({ key: [{ pem: encrypted, passphrase: 'secret' }], cert }).certificates.length, 1);
    assert.throws(
      () => createSecureContext({ key: encrypted, cert, passphrase: 'wrong' }),
      (e: Error & { code?: string }) => typeof e.code === 'string' && e.code.length > 0,
    );
  });
});

describe('createSecureContext: bad material', () => {
  it('every malformed key, certificate or CA fails at once with a coded Error', () => {
    const { key, cert } = localhostCert();
    const badDer = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const cases: [string, Parameters<typeof createSecureContext>[0]][] = [
      ['garbage key', { key: 'nope', cert }],
      ['certificate with bad DER', { key, cert: badDer }],
      ['CA with bad DER', { ca: badDer }],
      ['certificate without PEM', { key, cert: 'xyz' }],
      ['CA with bad base64', { ca: '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n' }],
      ['key given as a certificate', { key: cert, cert }],
    ];
    for (const [what, opts] of cases) {
      assert.throws(
        () => createSecureContext(opts),
        (e: unknown) => e instanceof Error && typeof (e as { code?: unknown }).code === 'string',
        what,
      );
    }
    assert.throws(() => createSecureContext({ key, cert: badDer }), code('ERR_TLS_INVALID_CERTIFICATE'));
  });
});
