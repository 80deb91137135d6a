/**
 * Which X.509 signature algorithm a key signs certificates with, and the reverse mapping used to
 * check a CSR's self-signature. The provider signs with TLS SignatureScheme code points; X.509
 * names the same operations with OIDs (RFC 5758 §3.2 ECDSA, RFC 4055/8017 RSA, RFC 8410 EdDSA).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { CryptoProvider, SigningKey } from '../../crypto/provider.js';
import { SignatureScheme } from '../../wire/registry.js';
import { asnGuard, PkiBuildError } from './errors.js';

/** DER of ASN.1 NULL: RSA PKCS#1 v1.5 AlgorithmIdentifiers carry explicit NULL parameters (RFC 4055 §5). */
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

interface SigAlgRow {
  scheme: number;
  oid: string;
  nullParams: boolean;
}

/** X.509 signature OIDs we write or accept, each tied to the provider's signature scheme. */
const SIG_ALGS: readonly SigAlgRow[] = [
  { scheme: SignatureScheme.ecdsa_secp256r1_sha256, oid: '1.2.840.10045.4.3.2', nullParams: false },
  { scheme: SignatureScheme.ecdsa_secp384r1_sha384, oid: '1.2.840.10045.4.3.3', nullParams: false },
  { scheme: SignatureScheme.ecdsa_secp521r1_sha512, oid: '1.2.840.10045.4.3.4', nullParams: false },
  { scheme: SignatureScheme.rsa_pkcs1_sha256, oid: '1.2.840.113549.1.1.11', nullParams: true },
  { scheme: SignatureScheme.rsa_pkcs1_sha384, oid: '1.2.840.113549.1.1.12', nullParams: true },
  { scheme: SignatureScheme.rsa_pkcs1_sha512, oid: '1.2.840.113549.1.1.13', nullParams: true },
  { scheme: SignatureScheme.rsa_pkcs1_sha1, oid: '1.2.840.113549.1.1.5', nullParams: true },
  { scheme: SignatureScheme.ed25519, oid: '1.3.101.112', nullParams: false },
  { scheme: SignatureScheme.ed448, oid: '1.3.101.113', nullParams: false },
];

/**
 * The scheme a key signs certificates with: ECDSA with the hash that matches the curve (RFC 8446
 * §4.2.3 pairs them the same way), sha256WithRSAEncryption for RSA (what every verifier accepts),
 * the pure EdDSA for Ed25519/Ed448.
 */
export function certificateSchemeFor(key: SigningKey): number {
  let scheme: number | undefined;
  switch (key.keyType) {
    case 'ec':
      scheme = key.curve === 'P-384' ? SignatureScheme.ecdsa_secp384r1_sha384
        : key.curve === 'P-521' ? SignatureScheme.ecdsa_secp521r1_sha512
        : key.curve === 'P-256' ? SignatureScheme.ecdsa_secp256r1_sha256 : undefined;
      break;
    case 'rsa':
      scheme = SignatureScheme.rsa_pkcs1_sha256;
      break;
    case 'ed25519':
      scheme = SignatureScheme.ed25519;
      break;
    case 'ed448':
      scheme = SignatureScheme.ed448;
      break;
  }
  if (scheme === undefined) {
    throw new PkiBuildError('ERR_PKI_UNSUPPORTED_ALGORITHM', `cannot sign certificates with a ${key.keyType}${key.curve ? ' ' + key.curve : ''} key`);
  }
  if (!key.schemes.includes(scheme)) {
    throw new PkiBuildError('ERR_PKI_UNSUPPORTED_ALGORITHM', `the provider's ${key.keyType} key cannot sign with scheme 0x${scheme.toString(16)}`);
  }
  return scheme;
}

export function algorithmIdentifierFor(scheme: number): AlgorithmIdentifier {
  const row = SIG_ALGS.find((r) => r.scheme === scheme);
  if (!row) throw new PkiBuildError('ERR_PKI_UNSUPPORTED_ALGORITHM', `no X.509 algorithm for scheme 0x${scheme.toString(16)}`);
  // RFC 5758 §3.2 and RFC 8410 §3: ECDSA and EdDSA identifiers have absent parameters.
  return new AlgorithmIdentifier({ algorithm: row.oid, ...(row.nullParams ? { parameters: DER_NULL } : {}) });
}

/** The scheme for a signature AlgorithmIdentifier read from a CSR or certificate; undefined if unknown. */
export function schemeForAlgorithm(alg: AlgorithmIdentifier): number | undefined {
  return SIG_ALGS.find((r) => r.oid === alg.algorithm)?.scheme;
}

/** Signs `tbs` and returns the AlgorithmIdentifier to embed with the signature. */
export function signWith(key: SigningKey, tbs: Uint8Array): { algorithm: AlgorithmIdentifier; signature: Uint8Array } {
  const scheme = certificateSchemeFor(key);
  return { algorithm: algorithmIdentifierFor(scheme), signature: key.sign(scheme, tbs) };
}

export function parseSpki(spkiDer: Uint8Array): SubjectPublicKeyInfo {
  return asnGuard('ERR_PKI_BAD_KEY', 'public key is not a SubjectPublicKeyInfo', () => AsnConvert.parse(spkiDer, SubjectPublicKeyInfo));
}

/**
 * Key identifier: SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 method 1),
 * what OpenSSL and most CAs write, so AKI/SKI chaining matches theirs.
 */
export function keyIdentifier(provider: CryptoProvider, spki: SubjectPublicKeyInfo): Uint8Array {
  return provider.digest('sha1', new Uint8Array(spki.subjectPublicKey));
}
