/**
 * Signature schemes as data (RFC 8446 §4.2.3), with OpenSSL's spellings ('ECDSA+SHA256',
 * 'RSA-PSS+SHA256', 'rsa_pss_rsae_sha256', 'ed25519') for `sigalgs` strings and Node's
 * getSharedSigalgs() names.
 */
import type { HashAlgorithm } from '../crypto/provider.js';
import { SignatureScheme as S } from '../wire/registry.js';
import { indexTable } from './table.js';

export type SigKeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448';

export interface SigAlgRow {
  id: number;
  ianaName: string;
  /** OpenSSL spellings, the first one being what Node reports. */
  opensslNames: readonly string[];
  /** null for EdDSA (the hash is part of the algorithm). */
  hash: HashAlgorithm | null;
  keyType: SigKeyType;
  /**
   * TLS 1.3 binds ECDSA schemes to one curve (RFC 8446 §4.2.3: "ecdsa_secp256r1_sha256 ...
   * indicates ... the curve"); TLS 1.2 and certificate signatures do not. The TLS 1.3 handshake
   * gets that check by calling CryptoProvider.verifySignature(..., { tls13: true }).
   */
  curve?: 'P-256' | 'P-384' | 'P-521';
  /** Allowed in TLS 1.3 CertificateVerify (§4.2.3: not rsa_pkcs1_*, not SHA-1). */
  tls13: boolean;
}

type Row = [id: number, iana: string, openssl: string[], hash: HashAlgorithm | null, key: SigKeyType, curve: SigAlgRow['curve'], tls13: boolean];

// prettier-ignore
const ROWS: Row[] = [
  [S.ecdsa_secp256r1_sha256, 'ecdsa_secp256r1_sha256', ['ECDSA+SHA256'], 'sha256', 'ec', 'P-256', true],
  [S.ecdsa_secp384r1_sha384, 'ecdsa_secp384r1_sha384', ['ECDSA+SHA384'], 'sha384', 'ec', 'P-384', true],
  [S.ecdsa_secp521r1_sha512, 'ecdsa_secp521r1_sha512', ['ECDSA+SHA512'], 'sha512', 'ec', 'P-521', true],
  [S.ed25519, 'ed25519', ['ed25519'], null, 'ed25519', undefined, true],
  [S.ed448, 'ed448', ['ed448'], null, 'ed448', undefined, true],
  [S.rsa_pss_pss_sha256, 'rsa_pss_pss_sha256', ['rsa_pss_pss_sha256'], 'sha256', 'rsa-pss', undefined, true],
  [S.rsa_pss_pss_sha384, 'rsa_pss_pss_sha384', ['rsa_pss_pss_sha384'], 'sha384', 'rsa-pss', undefined, true],
  [S.rsa_pss_pss_sha512, 'rsa_pss_pss_sha512', ['rsa_pss_pss_sha512'], 'sha512', 'rsa-pss', undefined, true],
  [S.rsa_pss_rsae_sha256, 'rsa_pss_rsae_sha256', ['rsa_pss_rsae_sha256', 'RSA-PSS+SHA256', 'PSS+SHA256'], 'sha256', 'rsa', undefined, true],
  [S.rsa_pss_rsae_sha384, 'rsa_pss_rsae_sha384', ['rsa_pss_rsae_sha384', 'RSA-PSS+SHA384', 'PSS+SHA384'], 'sha384', 'rsa', undefined, true],
  [S.rsa_pss_rsae_sha512, 'rsa_pss_rsae_sha512', ['rsa_pss_rsae_sha512', 'RSA-PSS+SHA512', 'PSS+SHA512'], 'sha512', 'rsa', undefined, true],
  [S.rsa_pkcs1_sha256, 'rsa_pkcs1_sha256', ['RSA+SHA256'], 'sha256', 'rsa', undefined, false],
  [S.rsa_pkcs1_sha384, 'rsa_pkcs1_sha384', ['RSA+SHA384'], 'sha384', 'rsa', undefined, false],
  [S.rsa_pkcs1_sha512, 'rsa_pkcs1_sha512', ['RSA+SHA512'], 'sha512', 'rsa', undefined, false],
  [S.ecdsa_sha1, 'ecdsa_sha1', ['ECDSA+SHA1'], 'sha1', 'ec', undefined, false],
  [S.rsa_pkcs1_sha1, 'rsa_pkcs1_sha1', ['RSA+SHA1'], 'sha1', 'rsa', undefined, false],
];

export const SIGALGS: readonly SigAlgRow[] = Object.freeze(
  ROWS.map(([id, ianaName, opensslNames, hash, keyType, curve, tls13]) => {
    const row: SigAlgRow = { id, ianaName, opensslNames: Object.freeze(opensslNames), hash, keyType, tls13 };
    if (curve) row.curve = curve;
    return Object.freeze(row);
  }),
);

/**
 * Default order: OpenSSL 3.0's (ssl/t1_lib.c tls12_sigalgs) without SHA-224 and SHA-1, so our
 * signature_algorithms looks like node:tls's. ECDSA and EdDSA first (small, fast signatures),
 * then RSA-PSS (pss keys before rsae keys, as OpenSSL does), then PKCS#1 v1.5 for TLS 1.2 and
 * certificate chains only. SHA-1 schemes are in the table for old certificates but offered by
 * no default (SLOTH, RFC 9155 deprecates them in TLS 1.2).
 */
export const DEFAULT_SIGALGS: readonly number[] = [
  S.ecdsa_secp256r1_sha256,
  S.ecdsa_secp384r1_sha384,
  S.ecdsa_secp521r1_sha512,
  S.ed25519,
  S.ed448,
  S.rsa_pss_pss_sha256,
  S.rsa_pss_pss_sha384,
  S.rsa_pss_pss_sha512,
  S.rsa_pss_rsae_sha256,
  S.rsa_pss_rsae_sha384,
  S.rsa_pss_rsae_sha512,
  S.rsa_pkcs1_sha256,
  S.rsa_pkcs1_sha384,
  S.rsa_pkcs1_sha512,
];

const index = indexTable(SIGALGS, (s) => [s.ianaName, ...s.opensslNames]);

export function sigAlgById(id: number): SigAlgRow | undefined {
  return index.byId(id);
}

/** By IANA name or OpenSSL spelling, case-insensitive ('ECDSA+SHA256', 'rsa_pss_rsae_sha256'). */
export function sigAlgByName(name: string): SigAlgRow | undefined {
  return index.byName(name);
}
