// The der.ts decoders that replaced @peculiar/asn1-x509 / asn1-rsa (x509.ts extensions, sigalg.ts
// RSASSA-PSS params, crl.ts CertificateList), checked against @peculiar itself: values encoded with
// it decode to the same result, and on mutated or random bytes ours never accepts what @peculiar
// rejected nor returns a different value. The "old*" oracles are the replaced code, verbatim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  Name,
  RevokedCertificate,
  SubjectKeyIdentifier,
  TBSCertList,
  Time,
} from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { derExplicit, derInt, derNull, derOid, derSeq, derTlv, toArrayBuffer } from '../../src/pki/der.js';
import { decodeAuthorityKeyId, decodeBasicConstraints, decodeExtKeyUsage, decodeKeyUsage, parseCertificate, type PublicKeyInfo } from '../../src/pki/x509.js';
import { resolveSigAlg } from '../../src/pki/sigalg.js';
import { parseCrl } from '../../src/pki/crl.js';
import { PkiError } from '../../src/pki/errors.js';
import { TlsError } from '../../src/util/errors.js';
import { SignatureScheme as S } from '../../src/wire/registry.js';
import { buildPki } from './fixtures.js';

const ab = toArrayBuffer;
const ser = (v: object): Uint8Array => new Uint8Array(AsnConvert.serialize(v));

// ---- the replaced code, as oracles ----
const oldBasicConstraints = (v: Uint8Array) => {
  const b = AsnConvert.parse(ab(v), BasicConstraints);
  return b.pathLenConstraint !== undefined ? { ca: b.cA, pathLen: b.pathLenConstraint } : { ca: b.cA };
};
const oldKeyUsage = (v: Uint8Array) => AsnConvert.parse(ab(v), KeyUsage).toNumber();
const oldExtKeyUsage = (v: Uint8Array) => [...AsnConvert.parse(ab(v), ExtendedKeyUsage)];
const oldAuthorityKeyId = (v: Uint8Array) => {
  const k = AsnConvert.parse(ab(v), AuthorityKeyIdentifier).keyIdentifier;
  return k ? new Uint8Array(k.buffer) : undefined;
};
const HASH_OIDS: Record<string, 'sha256' | 'sha384' | 'sha512'> = { '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' };
function oldPssHash(params: Uint8Array): string | null {
  try {
    const p = AsnConvert.parse(ab(params), RsaSaPssParams);
    const hash = HASH_OIDS[p.hashAlgorithm.algorithm];
    if (!hash || p.maskGenAlgorithm.algorithm !== MGF1 || !p.maskGenAlgorithm.parameters) return null;
    const mgfHash = AsnConvert.parse(p.maskGenAlgorithm.parameters, AlgorithmIdentifier);
    if (HASH_OIDS[mgfHash.algorithm] !== hash) return null;
    if (p.saltLength !== { sha256: 32, sha384: 48, sha512: 64 }[hash] || p.trailerField !== 1) return null;
    return hash;
  } catch {
    return null;
  }
}

type Outcome<T> = { ok: T } | { err: string };
function outcome<T>(f: () => T): Outcome<T> {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: (e as Error).message };
  }
}

/** Ours may reject more (BER-only forms, trailing bytes), but what it accepts @peculiar accepted, with the same value. */
function neverLooser<T>(ours: () => T, old: () => T, input: Uint8Array, normalize: (v: T) => unknown = (v) => v): void {
  const a = outcome(ours);
  if (!('ok' in a)) return;
  const b = outcome(old);
  assert.ok('ok' in b, `ours accepted ${Buffer.from(input).toString('hex')}, @peculiar rejected it (${'err' in b ? b.err : ''})`);
  assert.deepEqual(a.ok, normalize(b.ok), Buffer.from(input).toString('hex'));
}

/** A valid encoding with a few bytes changed (outside `keep(seed)`, a [start, end) range), truncated or extended. */
const mutated = (seeds: Uint8Array[], keep: (s: Uint8Array) => [number, number] = () => [0, 0]) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 24 }),
    fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.integer({ min: -2, max: 2 }))
      .map(([s, edits, cut]) => {
        let m = new Uint8Array(s);
        const [ks, ke] = keep(s);
        for (const [pos, v] of edits) if (pos % m.length < ks || pos % m.length >= ke) m[pos % m.length] = v;
        if (cut < 0) m = m.subarray(0, Math.max(0, m.length + cut));
        if (cut > 0) m = new Uint8Array([...m, ...new Uint8Array(cut)]);
        return m;
      }),
  );

// ---- basicConstraints (RFC 5280 §4.2.1.9) ----

test('basicConstraints: cA absent, TRUE, with and without pathLen, as @peculiar encodes them', () => {
  const cases: [BasicConstraints, { ca: boolean; pathLen?: number }][] = [
    [new BasicConstraints(), { ca: false }],
    [new BasicConstraints({ cA: true }), { ca: true }],
    [new BasicConstraints({ cA: true, pathLenConstraint: 0 }), { ca: true, pathLen: 0 }],
    [new BasicConstraints({ cA: true, pathLenConstraint: 3 }), { ca: true, pathLen: 3 }],
    [new BasicConstraints({ cA: true, pathLenConstraint: 200 }), { ca: true, pathLen: 200 }],
    [new BasicConstraints({ cA: true, pathLenConstraint: 70000 }), { ca: true, pathLen: 70000 }],
    // pathLen without cA: RFC 5280 forbids issuing it, but parsing keeps it (path validation judges).
    [new BasicConstraints({ pathLenConstraint: 1 }), { ca: false, pathLen: 1 }],
  ];
  for (const [bc, want] of cases) {
    const der = ser(bc);
    assert.deepEqual(decodeBasicConstraints(der), want, Buffer.from(der).toString('hex'));
    assert.deepEqual(decodeBasicConstraints(der), oldBasicConstraints(der));
  }
  // cA omitted when FALSE is the DER (X.690 §11.5): 30 00 is what `CA:FALSE` produces.
  assert.deepEqual(ser(new BasicConstraints({ cA: false })), new Uint8Array([0x30, 0]));
});

test('basicConstraints: explicit cA FALSE and a negative pathLen are kept as @peculiar read them', () => {
  for (const der of [
    derSeq(derTlv(0x01, new Uint8Array([0]))),
    derSeq(derTlv(0x01, new Uint8Array([0])), derInt(2)),
    derSeq(derTlv(0x01, new Uint8Array([0xff])), derTlv(0x02, new Uint8Array([0xff]))), // pathLen -1
    derSeq(derTlv(0x01, new Uint8Array([1]))), // BER TRUE
  ]) {
    assert.deepEqual(decodeBasicConstraints(der), oldBasicConstraints(der), Buffer.from(der).toString('hex'));
  }
  assert.deepEqual(decodeBasicConstraints(derSeq(derTlv(0x01, new Uint8Array([0xff])), derTlv(0x02, new Uint8Array([0xff])))), { ca: true, pathLen: -1 });
});

test('basicConstraints: malformed values are rejected', () => {
  const bad = [
    new Uint8Array([]),
    new Uint8Array([0x31, 0x00]), // a SET
    new Uint8Array([0x30, 0x03, 0x01, 0x01]), // truncated
    new Uint8Array([0x30, 0x00, 0x00]), // trailing byte
    derSeq(derTlv(0x01, new Uint8Array([]))), // empty BOOLEAN
    derSeq(derTlv(0x01, new Uint8Array([0xff, 0xff]))),
    derSeq(derInt(1), derTlv(0x01, new Uint8Array([0xff]))), // out of order
    derSeq(derTlv(0x01, new Uint8Array([0xff])), derInt(1), derInt(1)),
    derSeq(derTlv(0x01, new Uint8Array([0xff])), derTlv(0x02, new Uint8Array([]))), // empty INTEGER
    derSeq(derTlv(0x01, new Uint8Array([0xff])), derTlv(0x04, new Uint8Array([1]))),
    new Uint8Array([0x30, 0x80, 0x01, 0x01, 0xff, 0x00, 0x00]), // indefinite length (BER)
  ];
  for (const der of bad) assert.throws(() => decodeBasicConstraints(der), Error, Buffer.from(der).toString('hex'));
});

test('basicConstraints: never looser than @peculiar on mutated input', () => {
  const seeds = [ser(new BasicConstraints({ cA: true, pathLenConstraint: 2 })), ser(new BasicConstraints({ cA: true })), derSeq(derTlv(0x01, new Uint8Array([0])), derInt(300))];
  fc.assert(fc.property(mutated(seeds), (b) => neverLooser(() => decodeBasicConstraints(b), () => oldBasicConstraints(b), b)), { numRuns: 3000 });
});

// ---- keyUsage (RFC 5280 §4.2.1.3) ----

test('keyUsage: every 9-bit value @peculiar encodes decodes to its toNumber()', () => {
  for (let n = 0; n < 512; n++) {
    const der = ser(new KeyUsage(n));
    const want = n === 0 ? 0 : oldKeyUsage(der); // KeyUsage(0) is an empty BIT STRING, whose toNumber() is NaN
    assert.equal(decodeKeyUsage(der), want, `${n}: ${Buffer.from(der).toString('hex')}`);
    assert.equal(decodeKeyUsage(der), n);
  }
  // The numbering chain.ts relies on: digitalSignature is 1, keyCertSign 32, cRLSign 64, decipherOnly 256.
  assert.equal(decodeKeyUsage(new Uint8Array([0x03, 0x02, 0x07, 0x80])), 1);
  assert.equal(decodeKeyUsage(new Uint8Array([0x03, 0x02, 0x01, 0x06])), 32 | 64);
  assert.equal(decodeKeyUsage(new Uint8Array([0x03, 0x03, 0x07, 0x00, 0x80])), 256);
});

test('keyUsage: any octets and unused-bit count give toNumber(), unused bits ignored even when set', () => {
  const bitString = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ minLength: 1, maxLength: 6 })).map(([u, b]) => derTlv(0x03, new Uint8Array([u, ...b])));
  fc.assert(fc.property(bitString, (der) => assert.equal(decodeKeyUsage(der), oldKeyUsage(der), Buffer.from(der).toString('hex'))), { numRuns: 3000 });
  // 0xb1 with 1 unused bit: digitalSignature, keyEncipherment, dataEncipherment (the set unused bit 7 ignored).
  assert.equal(decodeKeyUsage(new Uint8Array([0x03, 0x02, 0x01, 0xb1])), 1 | 4 | 8);
  assert.equal(decodeKeyUsage(new Uint8Array([0x03, 0x01, 0x00])), 0); // no bits: @peculiar said NaN, which every & test read as 0
});

test('keyUsage: malformed BIT STRINGs are rejected', () => {
  const bad = [
    new Uint8Array([0x03, 0x00]), // no unused-bits octet
    new Uint8Array([0x03, 0x02, 0x08, 0x80]), // 8 unused bits
    new Uint8Array([0x03, 0x01, 0x03]), // unused bits without octets
    new Uint8Array([0x04, 0x02, 0x07, 0x80]), // OCTET STRING
    new Uint8Array([0x23, 0x04, 0x03, 0x02, 0x07, 0x80]), // constructed (BER)
    new Uint8Array([0x03, 0x02, 0x07, 0x80, 0x00]), // trailing byte
  ];
  for (const der of bad) assert.throws(() => decodeKeyUsage(der), Error, Buffer.from(der).toString('hex'));
});

test('keyUsage: never looser than @peculiar on mutated input', () => {
  const seeds = [ser(new KeyUsage(1 | 32 | 64)), ser(new KeyUsage(256 | 1))];
  fc.assert(fc.property(mutated(seeds), (b) => neverLooser(() => decodeKeyUsage(b), () => oldKeyUsage(b), b, (v) => (Number.isNaN(v) ? 0 : v))), { numRuns: 3000 });
});

// ---- extKeyUsage (RFC 5280 §4.2.1.12) and the key identifiers (§4.2.1.2, §4.2.1.1) ----

const oidArb = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.nat({ max: 2 ** 31 }), { maxLength: 8 })).map(([a, b, rest]) => [a, b, ...rest].join('.'));

test('extKeyUsage: lists of OIDs as @peculiar encodes them, the empty one included', () => {
  fc.assert(
    fc.property(fc.array(oidArb, { maxLength: 6 }), (oids) => {
      const der = ser(new ExtendedKeyUsage(oids));
      assert.deepEqual(decodeExtKeyUsage(der), oids);
      assert.deepEqual(decodeExtKeyUsage(der), oldExtKeyUsage(der));
    }),
    { numRuns: 500 },
  );
  const seeds = [ser(new ExtendedKeyUsage(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']))];
  fc.assert(fc.property(mutated(seeds), (b) => neverLooser(() => decodeExtKeyUsage(b), () => oldExtKeyUsage(b), b)), { numRuns: 3000 });
  assert.throws(() => decodeExtKeyUsage(derSeq(derOid('1.2.3'), derNull())));
});

test('authorityKeyIdentifier: keyIdentifier only, issuer and serial checked but ignored', () => {
  const kid = new Uint8Array(20).map((_, i) => i * 7);
  const issuer = [new GeneralName({ dNSName: 'ca.example' }), new GeneralName({ uniformResourceIdentifier: 'http://x/' })];
  const cases: [AuthorityKeyIdentifier, Uint8Array | undefined][] = [
    [new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(kid) }), kid],
    [new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(kid), authorityCertIssuer: issuer, authorityCertSerialNumber: new Uint8Array([0x01, 0x02, 0x81]).buffer }), kid],
    [new AuthorityKeyIdentifier({ authorityCertIssuer: issuer, authorityCertSerialNumber: new Uint8Array([0x7f]).buffer }), undefined],
    [new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(new Uint8Array(0)) }), new Uint8Array(0)],
    [new AuthorityKeyIdentifier(), undefined],
  ];
  for (const [aki, want] of cases) {
    const der = ser(aki);
    assert.deepEqual(decodeAuthorityKeyId(der), want, Buffer.from(der).toString('hex'));
    assert.deepEqual(decodeAuthorityKeyId(der), oldAuthorityKeyId(der));
  }
  const bad = [
    derSeq(derTlv(0x80, kid), derTlv(0x80, kid)), // repeated
    derSeq(derTlv(0x82, new Uint8Array([1])), derTlv(0x80, kid)), // out of order
    derSeq(derTlv(0x83, kid)), // unknown field
    derSeq(derTlv(0xa0, derTlv(0x04, kid))), // constructed keyIdentifier
    derSeq(derTlv(0xa1, new Uint8Array([0x82, 0x05, 0x61]))), // broken GeneralName
    derSeq(derTlv(0x80, kid), derTlv(0x82, new Uint8Array([]))), // empty serial
  ];
  for (const der of bad) assert.throws(() => decodeAuthorityKeyId(der), Error, Buffer.from(der).toString('hex'));
  const seeds = cases.slice(0, 3).map(([a]) => ser(a));
  fc.assert(fc.property(mutated(seeds), (b) => neverLooser(() => decodeAuthorityKeyId(b), () => oldAuthorityKeyId(b), b)), { numRuns: 3000 });
});

// ---- the same through parseCertificate ----

const pki = buildPki();

/** The fixture leaf with its extensions replaced (the signature no longer matters for parsing). */
function leafWith(exts: Extension[]): Uint8Array {
  const c = AsnConvert.parse(ab(pki.der('leaf.pem')), Certificate);
  c.tbsCertificate.extensions = new Extensions(exts);
  return ser(c);
}
const ext = (oid: string, value: Uint8Array, critical = false) => new Extension({ extnID: oid, critical, extnValue: new OctetString(value) });

test('parseCertificate reads the five extensions as before, and fails a malformed one with bad_certificate', () => {
  for (const name of ['root.pem', 'int.pem', 'int0.pem', 'leaf.pem', 'leafec.pem', 'nonca.pem', 'clientonly.pem', 'ncca.pem']) {
    const der = pki.der(name);
    const c = parseCertificate(der);
    const old = AsnConvert.parse(ab(der), Certificate).tbsCertificate.extensions ?? [];
    const get = (oid: string) => {
      const e = old.find((x) => x.extnID === oid);
      return e ? new Uint8Array(e.extnValue.buffer) : undefined;
    };
    const v = (oid: string) => get(oid) ?? assert.fail(`${name} lacks ${oid}`);
    if (get('2.5.29.19')) assert.deepEqual(c.ext.basicConstraints, oldBasicConstraints(v('2.5.29.19')), name);
    if (get('2.5.29.15')) assert.equal(c.ext.keyUsage, oldKeyUsage(v('2.5.29.15')), name);
    if (get('2.5.29.37')) assert.deepEqual(c.ext.extKeyUsage, oldExtKeyUsage(v('2.5.29.37')), name);
    if (get('2.5.29.14')) assert.deepEqual(c.ext.subjectKeyId, new Uint8Array(AsnConvert.parse(ab(v('2.5.29.14')), SubjectKeyIdentifier).buffer), name);
    if (get('2.5.29.35')) assert.deepEqual(c.ext.authorityKeyId, oldAuthorityKeyId(v('2.5.29.35')), name);
  }
  assert.deepEqual(parseCertificate(pki.der('int0.pem')).ext.basicConstraints, { ca: true, pathLen: 0 });

  const good = parseCertificate(leafWith([ext('2.5.29.19', derSeq(derTlv(0x01, new Uint8Array([0xff])), derInt(4))), ext('2.5.29.14', derTlv(0x04, new Uint8Array([9, 8, 7])))]));
  assert.deepEqual(good.ext.basicConstraints, { ca: true, pathLen: 4 });
  assert.deepEqual(good.ext.subjectKeyId, new Uint8Array([9, 8, 7]));

  for (const [oid, value] of [
    ['2.5.29.19', new Uint8Array([0x30, 0x03, 0x01, 0x01])],
    ['2.5.29.15', new Uint8Array([0x03, 0x02, 0x09, 0x80])],
    ['2.5.29.37', derSeq(derInt(1))],
    ['2.5.29.14', new Uint8Array([0x24, 0x03, 0x04, 0x01, 0x00])],
    ['2.5.29.35', derSeq(derTlv(0x84, new Uint8Array([1])))],
  ] as const) {
    assert.throws(
      () => parseCertificate(leafWith([ext(oid, value)])),
      (e: unknown) => e instanceof TlsError && e.alert === 42 && /cannot parse certificate/.test(e.message),
      oid,
    );
  }
});

// ---- RSASSA-PSS parameters (RFC 4055 §3.1) ----

const MGF1 = '1.2.840.113549.1.1.8';
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const HASHES = { sha1: '1.3.14.3.2.26', sha224: '2.16.840.1.101.3.4.2.4', sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' };
const rsaKey = { type: 'rsa', algorithmOid: '1.2.840.113549.1.1.1', bits: 2048, keyBytes: new Uint8Array() } as PublicKeyInfo;
const pssKey = { ...rsaKey, type: 'rsa-pss', algorithmOid: RSASSA_PSS } as PublicKeyInfo;
const hashAlgId = (oid: string, nullParams: boolean) => (nullParams ? derSeq(derOid(oid), derNull()) : derSeq(derOid(oid)));

/** RSASSA-PSS-params written by hand, every field optional, defaults written out when asked. */
function pssParams(o: { hash?: string; mgf?: string; mgfOid?: string; salt?: number; trailer?: number; nullParams?: boolean }): Uint8Array {
  const f: Uint8Array[] = [];
  if (o.hash) f.push(derExplicit(0, hashAlgId(o.hash, !!o.nullParams)));
  if (o.mgf) f.push(derExplicit(1, derSeq(derOid(o.mgfOid ?? MGF1), hashAlgId(o.mgf, !!o.nullParams))));
  if (o.salt !== undefined) f.push(derExplicit(2, derInt(o.salt)));
  if (o.trailer !== undefined) f.push(derExplicit(3, derInt(o.trailer)));
  return derSeq(...f);
}

function schemeFor(hash: string | null, key: PublicKeyInfo): number | null {
  if (!hash) return null;
  const rsae: Record<string, number> = { sha256: S.rsa_pss_rsae_sha256, sha384: S.rsa_pss_rsae_sha384, sha512: S.rsa_pss_rsae_sha512 };
  const pss: Record<string, number> = { sha256: S.rsa_pss_pss_sha256, sha384: S.rsa_pss_pss_sha384, sha512: S.rsa_pss_pss_sha512 };
  return (key.type === 'rsa' ? rsae : pss)[hash]!;
}
const ours = (params: Uint8Array, key = rsaKey) => resolveSigAlg({ oid: RSASSA_PSS, params }, key)?.scheme ?? null;

test('RSASSA-PSS params: the accepted set, defaults omitted or explicit, hash params NULL or absent', () => {
  assert.equal(ours(pssParams({ hash: HASHES.sha256, mgf: HASHES.sha256, salt: 32 })), S.rsa_pss_rsae_sha256);
  assert.equal(ours(pssParams({ hash: HASHES.sha384, mgf: HASHES.sha384, salt: 48, trailer: 1, nullParams: true })), S.rsa_pss_rsae_sha384);
  assert.equal(ours(pssParams({ hash: HASHES.sha512, mgf: HASHES.sha512, salt: 64 }), pssKey), S.rsa_pss_pss_sha512);
  // What @peculiar writes (defaults omitted: the trailer) reads the same.
  const sha256 = new AlgorithmIdentifier({ algorithm: HASHES.sha256, parameters: null });
  const p = ser(new RsaSaPssParams({ hashAlgorithm: sha256, maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: MGF1, parameters: AsnConvert.serialize(sha256) }), saltLength: 32 }));
  assert.equal(ours(p), S.rsa_pss_rsae_sha256);
  assert.equal(oldPssHash(p), 'sha256');
  // Refused: all defaults (SHA-1), a default salt of 20, another trailer, mixed hashes, a non-MGF1 mask.
  for (const bad of [
    derSeq(),
    ser(new RsaSaPssParams()),
    pssParams({ hash: HASHES.sha256, mgf: HASHES.sha256 }),
    pssParams({ hash: HASHES.sha256, mgf: HASHES.sha256, salt: 32, trailer: 2 }),
    pssParams({ hash: HASHES.sha256, mgf: HASHES.sha384, salt: 32 }),
    pssParams({ hash: HASHES.sha256, mgf: HASHES.sha256, mgfOid: '1.2.3.4', salt: 32 }),
    pssParams({ hash: HASHES.sha1, mgf: HASHES.sha1, salt: 20 }),
    derSeq(derExplicit(0, hashAlgId(HASHES.sha256, true)), derExplicit(1, derSeq(derOid(MGF1), derNull())), derExplicit(2, derInt(32))), // MGF1 without its hash
    derSeq(derExplicit(1, derSeq(derOid(MGF1), hashAlgId(HASHES.sha256, true))), derExplicit(0, hashAlgId(HASHES.sha256, true)), derExplicit(2, derInt(32))), // out of order
    derSeq(derExplicit(0, hashAlgId(HASHES.sha256, true)), derExplicit(0, hashAlgId(HASHES.sha256, true)), derExplicit(1, derSeq(derOid(MGF1), hashAlgId(HASHES.sha256, true))), derExplicit(2, derInt(32))),
    derNull(),
  ]) {
    assert.equal(ours(bad), null, Buffer.from(bad).toString('hex'));
    assert.equal(ours(bad, pssKey), null);
  }
  // The one tightening: a hash AlgorithmIdentifier whose parameters are neither NULL nor absent
  // (RFC 4055 §2.1) was accepted and ignored by the @peculiar code.
  const odd = derSeq(derOid(HASHES.sha256), derTlv(0x04, new Uint8Array(0)));
  const oddHash = derSeq(derExplicit(0, odd), derExplicit(1, derSeq(derOid(MGF1), hashAlgId(HASHES.sha256, true))), derExplicit(2, derInt(32)));
  const oddMgf = derSeq(derExplicit(0, hashAlgId(HASHES.sha256, true)), derExplicit(1, derSeq(derOid(MGF1), odd)), derExplicit(2, derInt(32)));
  for (const p of [oddHash, oddMgf]) {
    assert.equal(oldPssHash(p), 'sha256');
    assert.equal(ours(p), null);
  }
  assert.equal(resolveSigAlg({ oid: RSASSA_PSS }, rsaKey), null);
  assert.equal(resolveSigAlg({ oid: RSASSA_PSS, params: pssParams({ hash: HASHES.sha256, mgf: HASHES.sha256, salt: 32 }) }, { ...rsaKey, type: 'ec' }), null);
});

test('RSASSA-PSS params: the same verdict as the @peculiar code on every combination and on mutations', () => {
  const hashes = [undefined, ...Object.values(HASHES)];
  const seeds: Uint8Array[] = [];
  for (const hash of hashes)
    for (const mgf of hashes)
      for (const salt of [undefined, 20, 32, 48, 64])
        for (const trailer of [undefined, 1, 2])
          for (const nullParams of [false, true]) {
            const der = pssParams({ ...(hash ? { hash } : {}), ...(mgf ? { mgf } : {}), ...(salt !== undefined ? { salt } : {}), ...(trailer !== undefined ? { trailer } : {}), nullParams });
            for (const key of [rsaKey, pssKey]) assert.equal(ours(der, key), schemeFor(oldPssHash(der), key), Buffer.from(der).toString('hex'));
            if (ours(der) !== null) seeds.push(der);
          }
  assert.equal(seeds.length, 3 * 2 * 2); // three hashes x trailer absent/1 x NULL/absent hash params
  fc.assert(
    fc.property(mutated(seeds), (b) => {
      const got = ours(b);
      if (got !== null) assert.equal(got, schemeFor(oldPssHash(b), rsaKey), Buffer.from(b).toString('hex'));
    }),
    { numRuns: 3000 },
  );
});

// ---- CRLs (RFC 5280 §5) ----

function oldParseCrl(der: Uint8Array) {
  const cl = AsnConvert.parse(ab(der), CertificateList);
  const t = cl.tbsCertList;
  const unknownCritical: string[] = [];
  let authorityKeyId: Uint8Array | undefined;
  for (const e of t.crlExtensions ?? []) {
    if (e.extnID === '2.5.29.35') authorityKeyId = oldAuthorityKeyId(new Uint8Array(e.extnValue.buffer));
    else if (e.critical && !['2.5.29.20', '2.5.29.28', '2.5.29.27'].includes(e.extnID)) unknownCritical.push(e.extnID);
  }
  const revoked = new Map<string, number>();
  for (const r of t.revokedCertificates ?? []) {
    let removed = false;
    for (const e of r.crlEntryExtensions ?? []) {
      if (e.extnID === '2.5.29.21') {
        const v = new Uint8Array(e.extnValue.buffer);
        if (v.length === 3 && v[0] === 0x0a && v[2] === 8) removed = true;
      } else if (e.critical && !['2.5.29.21', '2.5.29.24'].includes(e.extnID)) unknownCritical.push(e.extnID);
    }
    let s = new Uint8Array(r.userCertificate);
    while (s.length > 1 && s[0] === 0) s = s.subarray(1);
    if (!removed) revoked.set(Buffer.from(s).toString('hex').toUpperCase(), r.revocationDate.getTime().getTime());
  }
  return {
    sigAlg: cl.signatureAlgorithm.algorithm,
    signature: new Uint8Array(cl.signature),
    thisUpdate: t.thisUpdate.getTime().getTime(),
    nextUpdate: t.nextUpdate?.getTime().getTime(),
    authorityKeyId,
    revoked: [...revoked],
    unknownCritical,
  };
}
const summary = (c: ReturnType<typeof parseCrl>) => ({
  sigAlg: c.sigAlg.oid,
  signature: c.signature,
  thisUpdate: c.thisUpdate,
  nextUpdate: c.nextUpdate,
  authorityKeyId: c.authorityKeyId,
  revoked: [...c.revoked],
  unknownCritical: c.unknownCritical,
});

function makeCrl(o: { version?: boolean; next?: boolean; general?: boolean; entries?: number; entryExts?: boolean; aki?: boolean; critical?: boolean }): Uint8Array {
  const time = (ms: number) => (o.general ? new Time({ generalTime: new Date(ms) }) : new Time(ms));
  const issuer = AsnConvert.parse(ab(parseCertificate(pki.der('int.pem')).subject.der), Name);
  const entries = Array.from({ length: o.entries ?? 0 }, (_, i) => {
    const exts = o.entryExts
      ? [ext('2.5.29.21', new Uint8Array([0x0a, 0x01, i % 3 === 0 ? 8 : 1])), ...(i % 2 ? [ext('1.2.3.4', new Uint8Array([5, 0]), true)] : []), ext('2.5.29.24', new Uint8Array([0x18, 0x0f, ...Buffer.from('20240101000000Z')]), true)]
      : undefined;
    return new RevokedCertificate({ userCertificate: new Uint8Array([0, 0x80 + i, i]).buffer, revocationDate: time(Date.UTC(2024, 0, 1 + i)), ...(exts ? { crlEntryExtensions: exts } : {}) });
  });
  const crlExts = [
    ...(o.aki ? [ext('2.5.29.35', ser(new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(new Uint8Array([1, 2, 3])) })))] : []),
    ext('2.5.29.20', derInt(7)),
    ...(o.critical ? [ext('1.2.3.5', derNull(), true)] : []),
  ];
  const alg = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
  const tbs = new TBSCertList({
    ...(o.version ? { version: 1 } : {}),
    signature: alg,
    issuer,
    thisUpdate: time(Date.UTC(2024, 5, 1, 12, 30, 15)),
    ...(o.next ? { nextUpdate: time(Date.UTC(2060, 0, 1)) } : {}),
    ...(entries.length ? { revokedCertificates: entries } : {}),
    ...(o.version ? { crlExtensions: crlExts } : {}),
  });
  return ser(new CertificateList({ tbsCertList: tbs, signatureAlgorithm: alg, signature: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]).buffer }));
}

test('parseCrl: the same CRL as the @peculiar decoder, for openssl CRLs and every field combination', () => {
  for (const der of [pki.der('int.crl'), pki.der('root.crl')]) assert.deepEqual(summary(parseCrl(der)), oldParseCrl(der));
  for (const version of [false, true])
    for (const next of [false, true])
      for (const general of [false, true])
        for (const entries of [0, 1, 4])
          for (const entryExts of [false, true])
            for (const aki of [false, true])
              for (const critical of [false, true]) {
                const o = { version, next, general, entries, entryExts, aki, critical };
                const der = makeCrl(o);
                // With nextUpdate absent, @peculiar's schema dropped the element that followed thisUpdate
                // (the optional Time CHOICE swallowed it): the revokedCertificates, or else the
                // crlExtensions. The old code accepted every certificate such a CRL revoked.
                let asOldSawIt = der;
                if (!next && entries > 0) asOldSawIt = makeCrl({ ...o, entries: 0 });
                else if (!next && version) asOldSawIt = makeCrl({ ...o, version: false });
                assert.deepEqual(summary(parseCrl(asOldSawIt)), oldParseCrl(der), JSON.stringify(o));
              }
  // That CRL's entries and extensions are read now.
  const noNext = parseCrl(makeCrl({ version: true, entries: 4, entryExts: true, aki: true, critical: true }));
  assert.equal(noNext.nextUpdate, undefined);
  assert.deepEqual([...noNext.revoked.keys()], ['8101', '8202']);
  assert.deepEqual(noNext.unknownCritical, ['1.2.3.5', '1.2.3.4', '1.2.3.4']);
  assert.deepEqual(noNext.authorityKeyId, new Uint8Array([1, 2, 3]));
  const full = parseCrl(makeCrl({ version: true, next: true, entries: 4, entryExts: true, aki: true, critical: true }));
  assert.deepEqual([...full.revoked.keys()], ['8101', '8202']); // 0x80 and 0x83 are removeFromCRL
  assert.deepEqual(full.unknownCritical, ['1.2.3.5', '1.2.3.4', '1.2.3.4']);
  assert.deepEqual(full.authorityKeyId, new Uint8Array([1, 2, 3]));
  // The openssl CRL lists the revoked fixture leaf, and its signed bytes are a slice of the DER.
  const int = parseCrl(pki.der('int.crl'));
  assert.ok(int.revoked.has(parseCertificate(pki.der('revoked.pem')).serial.reduce((s, b) => s + b.toString(16).padStart(2, '0'), '').toUpperCase().replace(/^(00)+(?=.)/, '')));
  assert.ok(Buffer.from(pki.der('int.crl')).includes(Buffer.from(int.tbs)));
});

test('parseCrl: malformed CRLs are ERR_BAD_CRL, and never looser than @peculiar on mutations', () => {
  const seed = makeCrl({ version: true, next: true, entries: 2, entryExts: true, aki: true });
  for (const bad of [seed.subarray(0, seed.length - 1), new Uint8Array([...seed, 0]), derSeq(), makeCrl({}).map((b, i) => (i === 4 ? 0x03 : b))]) {
    assert.throws(() => parseCrl(bad), (e: unknown) => e instanceof PkiError && e.code === 'ERR_BAD_CRL');
  }
  // The issuer Name is left alone: it is read by decodeName like a certificate's, which keeps an
  // unknown string type as '#hex' (as OpenSSL prints it) where @peculiar's DirectoryString failed.
  const issuerRange = (s: Uint8Array): [number, number] => {
    const at = Buffer.from(s).indexOf(Buffer.from(parseCrl(s).issuer.der));
    return [at, at + parseCrl(s).issuer.der.length];
  };
  fc.assert(
    fc.property(mutated([seed, pki.der('int.crl')], issuerRange), (b) => {
      let got;
      try {
        got = summary(parseCrl(b));
      } catch (e) {
        assert.ok(e instanceof PkiError && e.code === 'ERR_BAD_CRL', String(e));
        return;
      }
      const old = outcome(() => oldParseCrl(b));
      assert.ok('ok' in old, `ours accepted ${Buffer.from(b).toString('hex')}`);
      assert.deepEqual(got, old.ok);
    }),
    { numRuns: 1500 },
  );
});
