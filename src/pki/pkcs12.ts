/**
 * PKCS#12 / PFX (RFC 7292) as `openssl pkcs12 -export` writes it: by default PBES2 (PBKDF2 with
 * HMAC-SHA256, AES-256-CBC) with a SHA-256 MAC; with `-legacy`, pbeWithSHAAnd3-KeyTripleDES-CBC
 * for the key, pbeWithSHAAnd40BitRC2-CBC for the certificates and a SHA-1 MAC. The MAC is checked
 * first (so a wrong passphrase is "mac verify failure", as Node reports it), then the key and
 * certificates are decrypted. Ciphers and PBKDF2 come through the small Pkcs12Crypto interface
 * (declared in crypto/provider.ts, implemented over node:crypto in crypto/node/pkcs12-crypto.ts); the PKCS#12 KDF (RFC 7292
 * App. B) is built here on its digest.
 */
import type { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import type { AuthenticatedSafe, CertBag, PFX, SafeContents } from '@peculiar/asn1-pfx';
import type { EncryptedContentInfo } from '@peculiar/asn1-cms';
import type { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import type { Pkcs12Cipher, Pkcs12Crypto, Pkcs12Hash } from '../crypto/provider.js';
import { bytesEqual, concatBytes, utf8 } from '../util/bytes.js';
import { constantTimeEqual } from '../util/ct.js';
import { childrenOf, derExplicit, derInt, derNull, derOctets, derOid, derSeq, derSet, derTlv, readTop, toArrayBuffer, type Tlv } from './der.js';
import { PkiError } from './errors.js';
import { decodeOid, parseCertificate } from './x509.js';

export type { Pkcs12Cipher, Pkcs12Crypto, Pkcs12Hash };

/**
 * The ASN.1 schemas parsePfx reads with. Their packages (@peculiar/asn1-schema with asn1js, -pfx,
 * -cms, -pkcs8, -x509) cost ~2 MB of heap, and only `pfx` options need them (nothing else in the
 * TLS path uses @peculiar any more), so they are loaded on the first parsePfx()
 * through a loader the platform adapter installs (src/node/pki-loaders.ts: require(), which the
 * core cannot do without node:module). buildPfx writes DER by hand and needs none of them.
 */
export interface Pkcs12Schemas {
  AsnConvert: typeof AsnConvert;
  OctetString: typeof OctetString;
  PFX: typeof PFX;
  AuthenticatedSafe: typeof AuthenticatedSafe;
  SafeContents: typeof SafeContents;
  CertBag: typeof CertBag;
  EncryptedContentInfo: typeof EncryptedContentInfo;
  EncryptedPrivateKeyInfo: typeof EncryptedPrivateKeyInfo;
}

let schemaSource: (() => Pkcs12Schemas) | undefined;
let schemas: Pkcs12Schemas | undefined;

/** Installs the loader of the PKCS#12 schemas; called at most once, by the first parsePfx(). */
export function setPkcs12SchemaSource(source: () => Pkcs12Schemas): void {
  schemaSource = source;
}

function asn1(): Pkcs12Schemas {
  if (!schemas) {
    if (!schemaSource) throw fail('ERR_PKCS12_UNAVAILABLE', 'PKCS#12 support has no schema loader: import ts-tls (src/node/pki-loaders.js) first, or call setPkcs12SchemaSource()');
    schemas = schemaSource();
  }
  return schemas;
}

export interface PfxContents {
  /** Unencrypted PKCS#8 DER of the private key. */
  key: Uint8Array;
  /** The certificate matching the key (by localKeyId, else the first). */
  cert?: Uint8Array;
  /** The other certificates, in file order. */
  ca: Uint8Array[];
}

/** A PFX larger than this is refused (real ones are a few KB; a chain with many CAs stays far below). */
export const MAX_PFX_SIZE = 1024 * 1024;
/** Iteration counts above this are refused to bound the CPU a hostile file can cost. */
export const MAX_PBE_ITERATIONS = 10_000_000;
/** OpenSSL 3's default iteration count for PBKDF2, the PKCS#12 KDF and the MAC. */
export const DEFAULT_ITERATIONS = 2048;

export const P12_OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha1_3des: '1.2.840.113549.1.12.1.3',
  pbeSha1_2des: '1.2.840.113549.1.12.1.4',
  pbeSha1_rc2_128: '1.2.840.113549.1.12.1.5',
  pbeSha1_rc2_40: '1.2.840.113549.1.12.1.6',
} as const;

const HASH_BY_OID: Record<string, Pkcs12Hash> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
export const HMAC_PRF_BY_OID: Record<string, Pkcs12Hash> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
export const CIPHER_BY_OID: Record<string, { cipher: Pkcs12Cipher; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24 },
};
/** RFC 7292 App. C: the PKCS#12 PBE schemes; key lengths in bytes. */
const PKCS12_PBE: Record<string, { name: string; cipher: Pkcs12Cipher; keyLength: number; ivLength: number }> = {
  [P12_OID.pbeSha1_3des]: { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  [P12_OID.pbeSha1_rc2_128]: { name: 'pbeWithSHAAnd128BitRC2-CBC', cipher: 'rc2-128-cbc', keyLength: 16, ivLength: 8 },
  [P12_OID.pbeSha1_rc2_40]: { name: 'pbeWithSHAAnd40BitRC2-CBC', cipher: 'rc2-40-cbc', keyLength: 5, ivLength: 8 },
};
const HASH_BLOCK: Record<Pkcs12Hash, { u: number; v: number }> = {
  sha1: { u: 20, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
};

function fail(code: string, message: string): PkiError {
  return new PkiError(code, message);
}

/** RFC 7292 App. B.1: the password as a BMPString with a two-byte NUL terminator. */
export function bmpPassword(passphrase: string): Uint8Array {
  const out = new Uint8Array(passphrase.length * 2 + 2);
  for (let i = 0; i < passphrase.length; i++) {
    const c = passphrase.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/** RFC 7292 App. B.2: the PKCS#12 key derivation (ID 1 = key, 2 = IV, 3 = MAC key). */
export function pkcs12Kdf(crypto: Pkcs12Crypto, hash: Pkcs12Hash, password: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, n: number): Uint8Array {
  const { u, v } = HASH_BLOCK[hash];
  const D = new Uint8Array(v).fill(id);
  const fill = (src: Uint8Array) => {
    if (src.length === 0) return new Uint8Array(0);
    const out = new Uint8Array(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = concatBytes(fill(salt), fill(password));
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += u) {
    let A = crypto.digest(hash, concatBytes(D, I));
    for (let r = 1; r < iterations; r++) A = crypto.digest(hash, A);
    out.set(A.subarray(0, Math.min(u, n - off)), off);
    if (off + u >= n) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I.
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + B[k]! + carry;
        I[j + k] = s & 0xff;
        carry = s >> 8;
      }
    }
  }
  return out;
}

function intOf(buf: Uint8Array, t: Tlv): number {
  if (t.tag !== 0x02 || t.end - t.contentStart > 6) throw fail('ERR_PKCS12_BAD_FORMAT', 'bad INTEGER in PKCS#12');
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) v = v * 256 + buf[i]!;
  return v;
}

function checkIterations(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PBE_ITERATIONS) throw fail('ERR_PKCS12_BAD_FORMAT', `PKCS#12 iteration count ${n} is out of range`);
}

/** Decrypts data protected by a PBES2 or PKCS#12 PBE AlgorithmIdentifier (oid + params DER). */
function pbeDecrypt(crypto: Pkcs12Crypto, oid: string, params: Uint8Array, passphrase: string, data: Uint8Array): Uint8Array {
  if (oid === P12_OID.pbes2) {
    // RFC 8018 §6.2 / App. A.4: PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }
    const top = readTop(params);
    const [kdf, enc] = childrenOf(params, top);
    if (!kdf || !enc) throw fail('ERR_PKCS12_BAD_FORMAT', 'bad PBES2 parameters');
    const [kdfOid, kdfParams] = childrenOf(params, kdf);
    if (decodeOid(params.subarray(kdfOid!.contentStart, kdfOid!.end)) !== P12_OID.pbkdf2) throw fail('ERR_CRYPTO_UNSUPPORTED_OPERATION', 'PBES2 key derivation other than PBKDF2');
    const kp = childrenOf(params, kdfParams!);
    const salt = params.subarray(kp[0]!.contentStart, kp[0]!.end);
    const iterations = intOf(params, kp[1]!);
    checkIterations(iterations);
    let prf: Pkcs12Hash = 'sha1';
    let keyLength: number | undefined;
    for (const t of kp.slice(2)) {
      if (t.tag === 0x02) keyLength = intOf(params, t);
      else if (t.tag === 0x30) {
        const [prfOid] = childrenOf(params, t);
        const h = HMAC_PRF_BY_OID[decodeOid(params.subarray(prfOid!.contentStart, prfOid!.end))];
        if (!h) throw fail('ERR_CRYPTO_UNSUPPORTED_OPERATION', 'unsupported PBKDF2 PRF');
        prf = h;
      }
    }
    const [encOid, ivT] = childrenOf(params, enc);
    const c = CIPHER_BY_OID[decodeOid(params.subarray(encOid!.contentStart, encOid!.end))];
    if (!c || !ivT || ivT.tag !== 0x04) throw fail('ERR_CRYPTO_UNSUPPORTED_OPERATION', 'unsupported PBES2 encryption scheme');
    if (keyLength !== undefined && keyLength !== c.keyLength) throw fail('ERR_PKCS12_BAD_FORMAT', 'PBKDF2 key length does not fit the cipher');
    // PBES2 in PKCS#12 takes the password as UTF-8 octets (what OpenSSL writes and reads).
    const key = crypto.pbkdf2(utf8.encode(passphrase), salt, iterations, c.keyLength, prf);
    return decrypt(crypto, c.cipher, c.cipher, key, params.subarray(ivT.contentStart, ivT.end), data);
  }
  const pbe = PKCS12_PBE[oid];
  if (!pbe) throw fail('ERR_CRYPTO_UNSUPPORTED_OPERATION', `Unsupported PKCS12 PFX data: encryption algorithm ${oid}`);
  // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
  const top = readTop(params);
  const [saltT, iterT] = childrenOf(params, top);
  if (!saltT || saltT.tag !== 0x04 || !iterT) throw fail('ERR_PKCS12_BAD_FORMAT', 'bad PKCS#12 PBE parameters');
  const salt = params.subarray(saltT.contentStart, saltT.end);
  const iterations = intOf(params, iterT);
  checkIterations(iterations);
  const pw = bmpPassword(passphrase);
  const key = pkcs12Kdf(crypto, 'sha1', pw, salt, 1, iterations, pbe.keyLength);
  const iv = pkcs12Kdf(crypto, 'sha1', pw, salt, 2, iterations, pbe.ivLength);
  return decrypt(crypto, pbe.cipher, pbe.name, key, iv, data);
}

/** Runs the cipher; errors from the crypto implementation (coded Errors) become PkiErrors. */
function decrypt(crypto: Pkcs12Crypto, cipher: Pkcs12Cipher, name: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  try {
    return crypto.cbcDecrypt(cipher, key, iv, data);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_CRYPTO_UNSUPPORTED_OPERATION') {
      throw fail(code, `Unsupported PKCS12 PFX data: ${name} is not available in this runtime (OpenSSL 3 keeps RC2 in the legacy provider)`);
    }
    throw fail(typeof code === 'string' ? code : 'ERR_PKCS12_DECRYPT', (e as Error).message);
  }
}

function macOk(crypto: Pkcs12Crypto, pfx: PFX, authSafe: Uint8Array, password: Uint8Array): boolean {
  const md = pfx.macData;
  const hash = HASH_BY_OID[md.mac.digestAlgorithm.algorithm];
  if (!hash) throw fail('ERR_CRYPTO_UNSUPPORTED_OPERATION', `Unsupported PKCS12 MAC digest ${md.mac.digestAlgorithm.algorithm}`);
  checkIterations(md.iterations);
  const expected = new Uint8Array(md.mac.digest.buffer);
  const key = pkcs12Kdf(crypto, hash, password, new Uint8Array(md.macSalt.buffer), 3, md.iterations, HASH_BLOCK[hash].u);
  const mac = crypto.hmac(hash, key, authSafe);
  return constantTimeEqual(mac, expected);
}

/**
 * Reads a PFX. `passphrase` undefined or '' tries both empty encodings, as OpenSSL's
 * PKCS12_parse does. Errors are PkiError: 'ERR_PKCS12_MAC_VERIFY_FAILURE' ("mac verify failure")
 * for a wrong passphrase, 'ERR_CRYPTO_UNSUPPORTED_OPERATION' naming an unavailable algorithm,
 * 'ERR_PKCS12_BAD_FORMAT' for malformed input, 'ERR_PKCS12_NO_KEY' when no private key is inside.
 */
export function parsePfx(data: Uint8Array, passphrase: string | undefined, crypto: Pkcs12Crypto): PfxContents {
  if (data.length > MAX_PFX_SIZE) throw fail('ERR_PKCS12_BAD_FORMAT', `PFX of ${data.length} bytes exceeds ${MAX_PFX_SIZE}`);
  const { AsnConvert, OctetString, PFX } = asn1();
  let pfx: PFX;
  let authSafeBytes: Uint8Array;
  try {
    pfx = AsnConvert.parse(toArrayBuffer(data), PFX);
    if (pfx.version !== 3) throw new Error(`version ${pfx.version}`);
    if (pfx.authSafe.contentType !== P12_OID.data) throw new Error('public-key integrity mode is not supported');
    authSafeBytes = new Uint8Array(AsnConvert.parse(pfx.authSafe.content, OctetString).buffer);
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw fail('ERR_PKCS12_BAD_FORMAT', `not a PKCS#12 file: ${(e as Error).message}`);
  }
  // RFC 7292 §5.1: the MAC, keyed from the password, authenticates the whole AuthenticatedSafe.
  let pass = passphrase ?? '';
  if (pfx.macData) {
    const candidates: [string, Uint8Array][] = pass === '' ? [['', bmpPassword('')], ['', new Uint8Array(0)]] : [[pass, bmpPassword(pass)]];
    const hit = candidates.find(([, pw]) => macOk(crypto, pfx, authSafeBytes, pw));
    if (!hit) throw fail('ERR_PKCS12_MAC_VERIFY_FAILURE', 'mac verify failure');
    pass = hit[0];
  }
  try {
    return extract(crypto, authSafeBytes, pass);
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw fail('ERR_PKCS12_BAD_FORMAT', `malformed PKCS#12 contents: ${(e as Error).message}`);
  }
}

function extract(crypto: Pkcs12Crypto, authSafeBytes: Uint8Array, pass: string): PfxContents {
  const { AsnConvert, AuthenticatedSafe, CertBag, EncryptedContentInfo, EncryptedPrivateKeyInfo, OctetString, SafeContents } = asn1();
  const keys: { der: Uint8Array; id?: Uint8Array }[] = [];
  const certs: { der: Uint8Array; id?: Uint8Array }[] = [];
  const localKeyId = (attrs: { attrId: string; attrValues: ArrayBuffer[] }[] | undefined): Uint8Array | undefined => {
    const a = attrs?.find((x) => x.attrId === P12_OID.localKeyId);
    return a?.attrValues[0] ? new Uint8Array(AsnConvert.parse(a.attrValues[0], OctetString).buffer) : undefined;
  };
  for (const ci of AsnConvert.parse(toArrayBuffer(authSafeBytes), AuthenticatedSafe)) {
    let contents: Uint8Array;
    if (ci.contentType === P12_OID.data) {
      contents = new Uint8Array(AsnConvert.parse(ci.content, OctetString).buffer);
    } else if (ci.contentType === P12_OID.encryptedData) {
      // EncryptedData ::= SEQUENCE { version, encryptedContentInfo, ... } (RFC 5652 §8)
      const ed = new Uint8Array(ci.content);
      const [, eciT] = childrenOf(ed, readTop(ed));
      const eci = AsnConvert.parse(toArrayBuffer(ed.subarray(eciT!.start, eciT!.end)), EncryptedContentInfo);
      const enc = eci.encryptedContent;
      const ct = enc?.value ? new Uint8Array(enc.value.buffer) : concatBytes(...(enc?.constructedValue ?? []).map((o) => new Uint8Array(o.buffer)));
      const alg = eci.contentEncryptionAlgorithm;
      contents = pbeDecrypt(crypto, alg.algorithm, new Uint8Array(alg.parameters ?? new ArrayBuffer(0)), pass, ct);
    } else {
      throw fail('ERR_CRYPTO_UNSUPPORTED_OPERATION', `Unsupported PKCS12 PFX data: content type ${ci.contentType}`);
    }
    for (const bag of AsnConvert.parse(toArrayBuffer(contents), SafeContents)) {
      const id = localKeyId(bag.bagAttributes as never);
      if (bag.bagId === P12_OID.shroudedKeyBag) {
        const epki = AsnConvert.parse(bag.bagValue, EncryptedPrivateKeyInfo);
        const alg = epki.encryptionAlgorithm;
        const der = pbeDecrypt(crypto, alg.algorithm, new Uint8Array(alg.parameters ?? new ArrayBuffer(0)), pass, new Uint8Array(epki.encryptedData.buffer));
        keys.push(id ? { der, id } : { der });
      } else if (bag.bagId === P12_OID.keyBag) {
        const der = new Uint8Array(bag.bagValue);
        keys.push(id ? { der, id } : { der });
      } else if (bag.bagId === P12_OID.certBag) {
        const cb = AsnConvert.parse(bag.bagValue, CertBag);
        if (cb.certId !== P12_OID.x509Certificate) continue;
        const der = new Uint8Array(AsnConvert.parse(cb.certValue, OctetString).buffer);
        parseCertificate(der); // a certificate that does not parse is an error here, not later
        certs.push(id ? { der, id } : { der });
      }
      // CRL, secret and nested bags are ignored, as Node ignores them.
    }
  }
  const key = keys[0];
  if (!key) throw fail('ERR_PKCS12_NO_KEY', 'PKCS#12 file contains no private key');
  let leafIdx = key.id ? certs.findIndex((c) => c.id && bytesEqual(c.id, key.id!)) : -1;
  if (leafIdx < 0 && certs.length > 0) leafIdx = 0;
  const out: PfxContents = { key: key.der, ca: certs.filter((_, i) => i !== leafIdx).map((c) => c.der) };
  if (leafIdx >= 0) out.cert = certs[leafIdx]!.der;
  return out;
}

// ---- writing ----

export interface BuildPfxOptions {
  /** Unencrypted PKCS#8 DER of the private key. */
  key: Uint8Array;
  cert: Uint8Array;
  ca?: readonly Uint8Array[];
  passphrase: string;
  crypto: Pkcs12Crypto;
  iterations?: number;
  friendlyName?: string;
}

const OID_HMAC_SHA256 = '1.2.840.113549.2.9';
const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';

/** PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) AlgorithmIdentifier + ciphertext, as OpenSSL 3 writes. */
function pbes2Encrypt(o: BuildPfxOptions, plaintext: Uint8Array, iterations: number): { algId: Uint8Array; ct: Uint8Array } {
  const salt = o.crypto.randomBytes(8);
  const iv = o.crypto.randomBytes(16);
  const key = o.crypto.pbkdf2(utf8.encode(o.passphrase), salt, iterations, 32, 'sha256');
  const ct = o.crypto.cbcEncrypt('aes-256-cbc', key, iv, plaintext);
  const algId = derSeq(
    derOid(P12_OID.pbes2),
    derSeq(
      derSeq(derOid(P12_OID.pbkdf2), derSeq(derOctets(salt), derInt(iterations), derSeq(derOid(OID_HMAC_SHA256), derNull()))),
      derSeq(derOid(OID_AES256_CBC), derOctets(iv)),
    ),
  );
  return { algId, ct };
}

function bagAttributes(localKeyId: Uint8Array, friendlyName?: string): Uint8Array {
  const attrs = [derSeq(derOid(P12_OID.localKeyId), derSet(derOctets(localKeyId)))];
  if (friendlyName !== undefined) {
    const bmp = bmpPassword(friendlyName).subarray(0, friendlyName.length * 2);
    attrs.unshift(derSeq(derOid(P12_OID.friendlyName), derSet(derTlv(0x1e, bmp))));
  }
  return derSet(...attrs);
}

/**
 * A PFX laid out like `openssl pkcs12 -export` (OpenSSL 3 defaults): certificates in a PBES2
 * encryptedData, the key in a pkcs8ShroudedKeyBag inside a data content, both tagged with the
 * leaf's SHA-1 as localKeyId, and a SHA-256 MAC over the AuthenticatedSafe.
 */
export function buildPfx(o: BuildPfxOptions): Uint8Array {
  const iterations = o.iterations ?? DEFAULT_ITERATIONS;
  checkIterations(iterations);
  const keyId = o.crypto.digest('sha1', o.cert);
  const certBag = (der: Uint8Array, attrs?: Uint8Array) => {
    const value = derExplicit(0, derSeq(derOid(P12_OID.x509Certificate), derExplicit(0, derOctets(der))));
    return attrs ? derSeq(derOid(P12_OID.certBag), value, attrs) : derSeq(derOid(P12_OID.certBag), value);
  };
  const certContents = derSeq(certBag(o.cert, bagAttributes(keyId, o.friendlyName)), ...(o.ca ?? []).map((c) => certBag(c)));
  const certEnc = pbes2Encrypt(o, certContents, iterations);
  // EncryptedData { version 0, EncryptedContentInfo { data, alg, [0] IMPLICIT OCTET STRING } }
  const encryptedData = derSeq(derInt(0), derSeq(derOid(P12_OID.data), certEnc.algId, derTlv(0x80, certEnc.ct)));
  const keyEnc = pbes2Encrypt(o, o.key, iterations);
  const keyBag = derSeq(derOid(P12_OID.shroudedKeyBag), derExplicit(0, derSeq(keyEnc.algId, derOctets(keyEnc.ct))), bagAttributes(keyId, o.friendlyName));
  const authSafe = derSeq(
    derSeq(derOid(P12_OID.encryptedData), derExplicit(0, encryptedData)),
    derSeq(derOid(P12_OID.data), derExplicit(0, derOctets(derSeq(keyBag)))),
  );
  const macSalt = o.crypto.randomBytes(8);
  const macKey = pkcs12Kdf(o.crypto, 'sha256', bmpPassword(o.passphrase), macSalt, 3, iterations, 32);
  const mac = o.crypto.hmac('sha256', macKey, authSafe);
  return derSeq(
    derInt(3),
    derSeq(derOid(P12_OID.data), derExplicit(0, derOctets(authSafe))),
    derSeq(derSeq(derSeq(derOid(OID_SHA256), derNull()), derOctets(mac)), derOctets(macSalt), derInt(iterations)),
  );
}
