/**
 * TLS signatures over node:crypto: verification by SignatureScheme (RFC 8446 §4.2.3, plus the
 * rsa_pkcs1_* / *_sha1 schemes of TLS 1.2 and certificates), private-key loading and key
 * generation.
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { GeneratedKey, HashAlgorithm, KeyGenSpec, SigningKey } from '../provider.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, SignatureScheme as S } from '../../wire/registry.js';
import { asU8 } from './bytes.js';
import { hashLength } from './digest.js';

type KeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448';

interface SchemeParams {
  /** The key type the scheme needs (rsae = rsaEncryption keys, pss = RSASSA-PSS keys). */
  key: KeyType;
  /** null for EdDSA, which hashes internally. */
  hash: HashAlgorithm | null;
  pss: boolean;
  /** For TLS 1.3 ECDSA schemes the curve is part of the scheme; used to pick schemes for a key. */
  curve?: string;
}

const SCHEMES = new Map<number, SchemeParams>([
  [S.ecdsa_secp256r1_sha256, { key: 'ec', hash: 'sha256', pss: false, curve: 'P-256' }],
  [S.ecdsa_secp384r1_sha384, { key: 'ec', hash: 'sha384', pss: false, curve: 'P-384' }],
  [S.ecdsa_secp521r1_sha512, { key: 'ec', hash: 'sha512', pss: false, curve: 'P-521' }],
  [S.ecdsa_sha1, { key: 'ec', hash: 'sha1', pss: false }],
  [S.rsa_pss_rsae_sha256, { key: 'rsa', hash: 'sha256', pss: true }],
  [S.rsa_pss_rsae_sha384, { key: 'rsa', hash: 'sha384', pss: true }],
  [S.rsa_pss_rsae_sha512, { key: 'rsa', hash: 'sha512', pss: true }],
  [S.rsa_pss_pss_sha256, { key: 'rsa-pss', hash: 'sha256', pss: true }],
  [S.rsa_pss_pss_sha384, { key: 'rsa-pss', hash: 'sha384', pss: true }],
  [S.rsa_pss_pss_sha512, { key: 'rsa-pss', hash: 'sha512', pss: true }],
  [S.rsa_pkcs1_sha256, { key: 'rsa', hash: 'sha256', pss: false }],
  [S.rsa_pkcs1_sha384, { key: 'rsa', hash: 'sha384', pss: false }],
  [S.rsa_pkcs1_sha512, { key: 'rsa', hash: 'sha512', pss: false }],
  [S.rsa_pkcs1_sha1, { key: 'rsa', hash: 'sha1', pss: false }],
  [S.ed25519, { key: 'ed25519', hash: null, pss: false }],
  [S.ed448, { key: 'ed448', hash: null, pss: false }],
]);

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** The node:crypto sign/verify key argument for a scheme (RFC 8446 §4.2.3: PSS salt = hash length, MGF1 with the same hash). */
function keyInput(key: KeyObject, p: SchemeParams) {
  return p.pss
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength(p.hash!) }
    : p.key === 'rsa'
      ? { key, padding: constants.RSA_PKCS1_PADDING }
      : { key, dsaEncoding: 'der' as const };
}

// ---- verification ----

/** Parsed peer keys by SPKI bytes: the same certificates come again and parsing costs more than verifying. */
const SPKI_CACHE_MAX = 64;
const spkiCache = new Map<string, KeyObject>();

function publicKeyFor(spki: Uint8Array): KeyObject {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('latin1');
  const hit = spkiCache.get(id);
  if (hit) {
    spkiCache.delete(id); // refresh LRU position
    spkiCache.set(id, hit);
    return hit;
  }
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (spkiCache.size >= SPKI_CACHE_MAX) spkiCache.delete(spkiCache.keys().next().value!);
  spkiCache.set(id, key);
  return key;
}

export function verifySignature(scheme: number, spki: Uint8Array, message: Uint8Array, signature: Uint8Array, opts?: { tls13?: boolean }): boolean {
  const p = SCHEMES.get(scheme);
  if (!p) return false;
  // RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 and SHA-1 "MUST NOT" be used in TLS 1.3 CertificateVerify.
  if (opts?.tls13 && (p.hash === 'sha1' || (p.key === 'rsa' && !p.pss))) return false;
  try {
    const key = publicKeyFor(spki);
    // An rsaEncryption key may not be used with rsa_pss_pss_* and vice versa (RFC 8446 §4.2.3).
    if (key.asymmetricKeyType !== p.key) return false;
    // In TLS 1.2 and in certificates any ECDSA curve goes with any hash; TLS 1.3 binds the
    // curve to the scheme ("ecdsa_secp256r1_sha256" means P-256 with SHA-256).
    if (opts?.tls13 && p.curve && CURVE_NAMES[key.asymmetricKeyDetails?.namedCurve ?? ''] !== p.curve) return false;
    return nodeVerify(p.hash, message, keyInput(key, p), signature);
  } catch {
    return false;
  }
}

// ---- signing keys ----

function keyError(message: string, code = 'ERR_TLS_BAD_KEY'): Error {
  return Object.assign(new Error(message), { code });
}

/** PSS needs emLen >= hLen + sLen + 2 (RFC 8017 §9.1.1), so small RSA keys cannot do SHA-512. */
function pssFits(bits: number, hash: HashAlgorithm): boolean {
  return Math.ceil((bits - 1) / 8) >= 2 * hashLength(hash) + 2;
}

class NodeSigningKey implements SigningKey {
  readonly keyType: KeyType;
  readonly curve?: string;
  readonly bits?: number;
  readonly schemes: readonly number[];
  readonly publicKeySpki: Uint8Array;

  constructor(private readonly key: KeyObject) {
    const type = key.asymmetricKeyType;
    const d = key.asymmetricKeyDetails ?? {};
    const schemes: number[] = [];
    switch (type) {
      case 'rsa':
        this.bits = d.modulusLength;
        // PSS first (the only RSA schemes TLS 1.3 allows), PKCS#1 v1.5 after for TLS 1.2 peers.
        for (const s of [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512]) {
          if (pssFits(this.bits ?? 0, SCHEMES.get(s)!.hash!)) schemes.push(s);
        }
        schemes.push(S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512);
        break;
      case 'rsa-pss': {
        this.bits = d.modulusLength;
        // A key whose parameters pin the hash can only sign with that hash.
        for (const s of [S.rsa_pss_pss_sha256, S.rsa_pss_pss_sha384, S.rsa_pss_pss_sha512]) {
          const h = SCHEMES.get(s)!.hash!;
          if ((d.hashAlgorithm === undefined || d.hashAlgorithm === h) && pssFits(this.bits ?? 0, h)) schemes.push(s);
        }
        break;
      }
      case 'ec': {
        this.curve = CURVE_NAMES[d.namedCurve ?? ''];
        if (!this.curve) throw keyError(`unsupported EC curve ${d.namedCurve}`);
        this.bits = { 'P-256': 256, 'P-384': 384, 'P-521': 521 }[this.curve];
        schemes.push([...SCHEMES].find(([, p]) => p.curve === this.curve)![0]);
        break;
      }
      case 'ed25519':
        this.bits = 256;
        schemes.push(S.ed25519);
        break;
      case 'ed448':
        this.bits = 448;
        schemes.push(S.ed448);
        break;
      default:
        throw keyError(`unsupported private key type ${type}`);
    }
    if (schemes.length === 0) throw keyError(`${type} key of ${this.bits} bits is too small for any signature scheme`);
    this.keyType = type;
    this.schemes = schemes;
    this.publicKeySpki = asU8(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  }

  sign(scheme: number, message: Uint8Array): Uint8Array {
    const p = SCHEMES.get(scheme);
    if (!p || !this.schemes.includes(scheme)) {
      throw new TlsError(AlertDescription.internal_error, 'SchemeNotSupportedByKey', `a ${this.keyType} key cannot sign with scheme 0x${scheme.toString(16)}`);
    }
    return asU8(nodeSign(p.hash, message, keyInput(this.key, p)));
  }
}

function isPem(key: Uint8Array | string): boolean {
  const head = typeof key === 'string' ? key.slice(0, 256) : Buffer.from(key.subarray(0, 256)).toString('latin1');
  return head.includes('-----BEGIN');
}

function nodeCode(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

/**
 * node:crypto reports an encrypted key without a passphrase as ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED
 * (PEM) or ERR_MISSING_PASSPHRASE (DER); node:tls (createSecureContext) reports it as
 * ERR_OSSL_BAD_DECRYPT, like a wrong passphrase. Use node:tls's code.
 */
function passphraseError(e: unknown, passphrase: string | undefined): unknown {
  const c = nodeCode(e);
  if (c !== 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED' && c !== 'ERR_MISSING_PASSPHRASE') return e;
  return keyError(passphrase === undefined ? 'encrypted private key and no passphrase given' : 'cannot decrypt private key', 'ERR_OSSL_BAD_DECRYPT');
}

const PASSPHRASE_CODES = new Set(['ERR_OSSL_BAD_DECRYPT', 'ERR_MISSING_PASSPHRASE', 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED']);

/**
 * Loads PEM (any label node:crypto knows) or DER (PKCS#8, then PKCS#1, then SEC1). Errors keep
 * node's own code (ERR_OSSL_BAD_DECRYPT for a wrong passphrase, ERR_MISSING_PASSPHRASE, ...);
 * anything else is ERR_TLS_BAD_KEY.
 */
export function loadSigningKey(key: Uint8Array | string, passphrase?: string): SigningKey {
  let obj: KeyObject;
  if (isPem(key)) {
    try {
      obj = createPrivateKey({ key: typeof key === 'string' ? key : Buffer.from(key).toString('latin1'), format: 'pem', passphrase });
    } catch (e) {
      if (nodeCode(e)) throw passphraseError(e, passphrase);
      throw keyError(`cannot read private key: ${(e as Error).message}`);
    }
  } else {
    if (typeof key === 'string') throw keyError('private key string is not PEM');
    const der = Buffer.from(key);
    let first: unknown;
    let found: KeyObject | undefined;
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        found = createPrivateKey({ key: der, format: 'der', type, passphrase });
        break;
      } catch (e) {
        const c = nodeCode(e);
        // A wrong or missing passphrase is the real answer, not "try the next format".
        if (c !== undefined && PASSPHRASE_CODES.has(c)) throw passphraseError(e, passphrase);
        first ??= e;
      }
    }
    if (!found) throw keyError(`private key DER is not PKCS#8, PKCS#1 or SEC1: ${(first as Error).message}`);
    obj = found;
  }
  if (obj.type !== 'private') throw keyError('not a private key');
  return new NodeSigningKey(obj);
}

/**
 * Node 20 bug worked around here: generateKeyPairSync() leaves a key-generation job object for the
 * GC whose destructor locks the generated key's mutex, and using the returned KeyObject (export,
 * sign, diffieHellman) holds that same mutex while allocating. A GC at that moment deadlocks the
 * process (caught in CI: main thread blocked in ~KeyGenJob inside a GC weak callback). So the job
 * hands back encoded DER only and the key we use is imported fresh, sharing nothing with the job.
 */

const SPKI_DER = { type: 'spki', format: 'der' } as const;
const PKCS8_DER = { type: 'pkcs8', format: 'der' } as const;

export function generateSigningKey(spec: KeyGenSpec): GeneratedKey {
  let der: Buffer;
  switch (spec.type) {
    case 'rsa':
      der = generateKeyPairSync('rsa', { modulusLength: spec.bits, publicKeyEncoding: SPKI_DER, privateKeyEncoding: PKCS8_DER }).privateKey;
      break;
    case 'ec':
      der = generateKeyPairSync('ec', { namedCurve: spec.curve, publicKeyEncoding: SPKI_DER, privateKeyEncoding: PKCS8_DER }).privateKey;
      break;
    case 'ed25519':
      der = generateKeyPairSync('ed25519', { publicKeyEncoding: SPKI_DER, privateKeyEncoding: PKCS8_DER }).privateKey;
      break;
    case 'ed448':
      der = generateKeyPairSync('ed448', { publicKeyEncoding: SPKI_DER, privateKeyEncoding: PKCS8_DER }).privateKey;
      break;
    default:
      throw keyError(`unsupported key spec ${JSON.stringify(spec)}`);
  }
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { key: new NodeSigningKey(priv), pkcs8Pem: priv.export({ format: 'pem', type: 'pkcs8' }) as string };
}
