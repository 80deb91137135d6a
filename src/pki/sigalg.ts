/**
 * Certificate / CRL signature algorithms (RFC 5280 §4.1.1.2, RFC 4055, RFC 5758, RFC 8410) mapped to
 * the TLS SignatureScheme code points the CryptoProvider verifies. A certificate signature names a
 * hash, not a curve, so ECDSA maps by hash alone (the provider does not bind curves for certificates).
 */
import { HASH_LENGTHS } from '../crypto/provider.js';
import { SignatureScheme as S } from '../wire/registry.js';
import { childrenOf, DerError, readIntegerNumber, readTop, type Tlv } from './der.js';
import { decodeAlgId } from './x509-fields.js';
import type { PublicKeyInfo } from './x509.js';

const HASH_OIDS: Record<string, 'sha256' | 'sha384' | 'sha512'> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const MGF1 = '1.2.840.113549.1.1.8';
const RSASSA_PSS = '1.2.840.113549.1.1.10';

interface SigAlgRow {
  /** Required issuer key type. */
  key: 'rsa' | 'ec' | 'ed25519' | 'ed448';
  scheme: number;
  /** SHA-1 based: refused on any certificate but a trust anchor's self-signature. */
  weak?: boolean;
  /** Security bits of the digest, for the OpenSSL-style "digest too weak" check. */
  hashBits: number;
}

const BY_OID: Readonly<Record<string, SigAlgRow>> = {
  '1.2.840.113549.1.1.5': { key: 'rsa', scheme: S.rsa_pkcs1_sha1, weak: true, hashBits: 63 },
  '1.2.840.113549.1.1.11': { key: 'rsa', scheme: S.rsa_pkcs1_sha256, hashBits: 128 },
  '1.2.840.113549.1.1.12': { key: 'rsa', scheme: S.rsa_pkcs1_sha384, hashBits: 192 },
  '1.2.840.113549.1.1.13': { key: 'rsa', scheme: S.rsa_pkcs1_sha512, hashBits: 256 },
  '1.2.840.10045.4.1': { key: 'ec', scheme: S.ecdsa_sha1, weak: true, hashBits: 63 },
  '1.2.840.10045.4.3.2': { key: 'ec', scheme: S.ecdsa_secp256r1_sha256, hashBits: 128 },
  '1.2.840.10045.4.3.3': { key: 'ec', scheme: S.ecdsa_secp384r1_sha384, hashBits: 192 },
  '1.2.840.10045.4.3.4': { key: 'ec', scheme: S.ecdsa_secp521r1_sha512, hashBits: 256 },
  '1.3.101.112': { key: 'ed25519', scheme: S.ed25519, hashBits: 128 },
  '1.3.101.113': { key: 'ed448', scheme: S.ed448, hashBits: 224 },
};

export interface ResolvedSigAlg {
  scheme: number;
  weak: boolean;
  hashBits: number;
}

/**
 * The TLS scheme that verifies a signature made with `alg` by `issuerKey`, or null when the
 * algorithm is unknown, its parameters are unsupported, or it does not fit the key type.
 * RSASSA-PSS is accepted only with MGF1 using the same hash and a salt as long as the hash (the
 * parameter set RFC 8446 §4.2.3 uses and webpki accepts); an rsaEncryption key then verifies as
 * rsa_pss_rsae_*, an id-RSASSA-PSS key as rsa_pss_pss_*.
 */
export function resolveSigAlg(alg: { oid: string; params?: Uint8Array }, issuerKey: PublicKeyInfo): ResolvedSigAlg | null {
  if (alg.oid === RSASSA_PSS) {
    if (issuerKey.type !== 'rsa' && issuerKey.type !== 'rsa-pss') return null;
    const hash = pssHash(alg.params);
    if (!hash) return null;
    const rsae = { sha256: S.rsa_pss_rsae_sha256, sha384: S.rsa_pss_rsae_sha384, sha512: S.rsa_pss_rsae_sha512 }[hash];
    const pss = { sha256: S.rsa_pss_pss_sha256, sha384: S.rsa_pss_pss_sha384, sha512: S.rsa_pss_pss_sha512 }[hash];
    return { scheme: issuerKey.type === 'rsa' ? rsae : pss, weak: false, hashBits: { sha256: 128, sha384: 192, sha512: 256 }[hash] };
  }
  const row = BY_OID[alg.oid];
  if (!row) return null;
  if (row.key !== issuerKey.type) return null;
  // RFC 5754 §3.2 / RFC 8410 §3: ECDSA and EdDSA identifiers carry no parameters. RSA PKCS#1 ones
  // carry NULL (RFC 4055 §5), which some encoders omit; both are accepted like OpenSSL does.
  if ((row.key === 'ec' || row.key === 'ed25519' || row.key === 'ed448') && alg.params && alg.params.length > 0) return null;
  return { scheme: row.scheme, weak: !!row.weak, hashBits: row.hashBits };
}

/**
 * RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] HashAlgorithm DEFAULT sha1, maskGenAlgorithm
 * [1] MaskGenAlgorithm DEFAULT mgf1SHA1, saltLength [2] INTEGER DEFAULT 20, trailerField [3]
 * TrailerField DEFAULT trailerFieldBC } (RFC 4055 §3.1), every tag EXPLICIT. The defaults (SHA-1,
 * salt 20) never meet the rule above, so [0], [1] and [2] must be present; [3] may be omitted or 1.
 */
function pssHash(params: Uint8Array | undefined): 'sha256' | 'sha384' | 'sha512' | null {
  if (!params) return null;
  try {
    const top = readTop(params);
    if (top.tag !== 0x30) return null;
    const f: (Tlv | undefined)[] = [];
    for (const t of childrenOf(params, top)) {
      const n = t.tag - 0xa0;
      // X.690 §8.9.2: components in their defined order, each at most once; nothing unknown.
      if (n < 0 || n > 3 || f.length > n) throw new DerError('bad RSASSA-PSS-params');
      const inner = childrenOf(params, t);
      if (inner.length !== 1) throw new DerError('bad RSASSA-PSS-params field');
      f[n] = inner[0];
    }
    if (!f[0] || !f[1] || !f[2]) return null;
    const hash = hashOf(decodeAlgId(params, f[0]));
    const mgf = decodeAlgId(params, f[1]);
    // MaskGenAlgorithm's parameters are the MGF1 hash, itself an AlgorithmIdentifier (RFC 4055 §2.2).
    if (!hash || mgf.oid !== MGF1 || !mgf.params) return null;
    if (hashOf(decodeAlgId(mgf.params, readTop(mgf.params))) !== hash) return null;
    const saltLen = HASH_LENGTHS[hash];
    if (readIntegerNumber(params, f[2]) !== saltLen) return null;
    if (f[3] && readIntegerNumber(params, f[3]) !== 1) return null;
    return hash;
  } catch {
    return null;
  }
}

/**
 * RFC 4055 §2.1: a hash AlgorithmIdentifier's parameters are NULL or absent ("Implementations MUST
 * accept both"); anything else is refused.
 */
function hashOf(alg: { oid: string; params?: Uint8Array }): 'sha256' | 'sha384' | 'sha512' | undefined {
  if (alg.params && !(alg.params.length === 2 && alg.params[0] === 0x05 && alg.params[1] === 0)) return undefined;
  return HASH_OIDS[alg.oid];
}

/** Whether the algorithm a certificate is signed with fits its own key (for self-signed detection). */
export function sigAlgFitsKey(alg: { oid: string; params?: Uint8Array }, key: PublicKeyInfo): boolean {
  return resolveSigAlg(alg, key) !== null;
}
