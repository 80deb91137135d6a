/**
 * The cryptography the core needs, as a small synchronous interface. The default implementation
 * (crypto/node/) is the only core-side module that imports node:crypto; tests can inject a
 * deterministic one (fixed randomness, fixed key shares) to replay RFC 8448 byte for byte, and a
 * browser/edge provider can come later without touching the engine.
 */

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1';

/** Digest length in bytes: a property of the algorithm, the same for every provider. */
export const HASH_LENGTHS: Readonly<Record<HashAlgorithm, number>> = Object.freeze({ sha1: 20, sha256: 32, sha384: 48, sha512: 64 });

export interface HashContext {
  update(data: Uint8Array): void;
  /** The digest so far; the context stays usable (transcript hashes are read many times). */
  peek(): Uint8Array;
}

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** Every TLS AEAD uses a 12-byte nonce and a 16-byte tag (RFC 8446 §5.3, RFC 5116 §5). */
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

/**
 * One direction's AEAD key. Nonce is 12 bytes, tag 16 bytes, appended to the ciphertext. The
 * nonce passed to each call is valid only during that call (the record layer writes every
 * record's nonce into one shared buffer): an implementation must not keep it.
 */
export interface AeadKey {
  readonly algorithm: AeadAlgorithm;
  /**
   * Encrypts `plaintext` and returns ciphertext||tag as chunks to send in order (implementations
   * may return one chunk or several to avoid copies).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[];
  /** Decrypts ciphertext||tag; returns null when authentication fails (never throws for that). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
  /**
   * Optional: forget the key now (wipe JS copies, free native cipher contexts) rather than when
   * the object is collected. Sealing afterwards throws and opening fails authentication.
   */
  dispose?(): void;
}

/**
 * Optional AEAD fast path: seal or open into the caller's buffer, so a record costs no allocation
 * and the record layer can lay header, ciphertext and tag out contiguously (one chunk per record).
 * Providers whose cipher API can reuse a context per key implement it (the native AEAD of
 * crypto/node); the record layer tests for it with `hasAeadInto` and falls back to seal/open.
 */
export interface AeadKeyInto extends AeadKey {
  /**
   * Writes ciphertext(plaintext || the byte `innerType`, when innerType >= 0) || tag at
   * out[offset..] and returns the number of bytes written (plaintext + (1) + 16). Throws when
   * `out` is too small; the output must not overlap the input.
   */
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, innerType: number, out: Uint8Array, offset: number): number;
  /**
   * Writes the plaintext of ciphertext||tag at out[offset..] and returns its length, or -1 when
   * authentication fails (the region then holds no unauthenticated plaintext: wiped, or never
   * written). The output may be the ciphertext's own bytes.
   */
  openInto(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, offset: number): number;
  /**
   * Optional: `n` bytes for openInto to write into, which may be uninitialised (no zero-filling
   * of memory that decryption overwrites). The record layer's caller promises that every byte is
   * written by a successful openInto or zeroed before any view of it leaves the engine
   * (record/plaintext-slab.ts); without this method it allocates zeroed memory itself.
   */
  allocOpenOutput?(n: number): Uint8Array;
}

export function hasAeadInto(k: AeadKey): k is AeadKeyInto {
  return typeof (k as Partial<AeadKeyInto>).sealInto === 'function' && typeof (k as Partial<AeadKeyInto>).openInto === 'function';
}

/**
 * Optional AEAD extension: seal a plaintext given as several parts (the TLS 1.3 inner plaintext is
 * fragment || content type), so the record layer never copies a 16 KiB fragment to append one
 * byte. Returns one ciphertext chunk per non-empty part, then the tag. Tested with `hasSealParts`.
 */
export interface AeadKeyWithParts extends AeadKey {
  sealParts(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[];
}

export function hasSealParts(k: AeadKey): k is AeadKeyWithParts {
  return typeof (k as Partial<AeadKeyWithParts>).sealParts === 'function';
}

/** An ephemeral key-exchange share for one named group (ECDHE, X25519, FFDHE, or a hybrid KEM later). */
export interface KeyShare {
  readonly group: number;
  /** The key_exchange bytes to put in KeyShareEntry (RFC 8446 §4.2.8.2 encodings). */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's key_exchange bytes. Throws TlsError(illegal_parameter)
   * for a malformed or invalid peer share (wrong length, point not on curve, all-zero X25519 result).
   */
  agree(peerPublicKey: Uint8Array): Uint8Array;
}

/** A private key able to produce TLS signatures. */
export interface SigningKey {
  /** 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' */
  readonly keyType: string;
  /** For EC keys: 'P-256' | 'P-384' | 'P-521'. */
  readonly curve?: string;
  /** RSA modulus size or curve size in bits. */
  readonly bits?: number;
  /** The schemes this key can sign with (TLS 1.3 and 1.2 code points), in preference order. */
  readonly schemes: readonly number[];
  /** The SubjectPublicKeyInfo DER of the matching public key (to check it against the certificate). */
  readonly publicKeySpki: Uint8Array;
  sign(scheme: number, message: Uint8Array): Uint8Array;
}

export interface CryptoProvider {
  randomBytes(n: number): Uint8Array;
  hash(alg: HashAlgorithm): HashContext;
  digest(alg: HashAlgorithm, data: Uint8Array): Uint8Array;
  hashLength(alg: HashAlgorithm): number;
  hmac(alg: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfExtract(alg: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aead(alg: AeadAlgorithm, key: Uint8Array): AeadKey;
  /** Named groups this provider can do, in no particular order. */
  readonly supportedGroups: readonly number[];
  /** A fresh ephemeral share; throws if the group is unsupported. */
  generateKeyShare(group: number): KeyShare;
  /**
   * Verifies a TLS signature (RFC 8446 §4.2.3 schemes, also the rsa_pkcs1_* and *_sha1 ones
   * used in certificates and TLS 1.2) made by the key in `spki` (SubjectPublicKeyInfo DER).
   * Returns false for a bad signature or a key that does not fit the scheme; never throws.
   * With `opts.tls13`, the TLS 1.3 rules of RFC 8446 §4.2.3 apply too: an ECDSA scheme's curve
   * must be the key's curve, and rsa_pkcs1_* / SHA-1 schemes are refused.
   */
  verifySignature(scheme: number, spki: Uint8Array, message: Uint8Array, signature: Uint8Array, opts?: { tls13?: boolean }): boolean;
  /** Loads a PEM or DER private key (PKCS#1, PKCS#8, SEC1, encrypted with `passphrase`). Throws a clear Error. */
  loadSigningKey(key: Uint8Array | string, passphrase?: string): SigningKey;
  /** A new long-term key pair (for self-signed certificates, the CLI). */
  generateSigningKey(spec: KeyGenSpec): GeneratedKey;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /**
   * Raw AES-CBC without padding, for TLS 1.2 CBC suites (record/tls12-cbc.ts). Optional: a
   * provider without it simply cannot offer CBC suites.
   */
  cbc?(alg: CbcAlgorithm, key: Uint8Array): CbcKey;
}

export type CbcAlgorithm = 'aes-128-cbc' | 'aes-256-cbc';

/** One direction's CBC key; inputs are whole 16-byte blocks, no padding is added or removed. */
export interface CbcKey {
  readonly algorithm: CbcAlgorithm;
  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export type KeyGenSpec =
  | { type: 'rsa'; bits: 2048 | 3072 | 4096 }
  | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' }
  | { type: 'ed25519' }
  | { type: 'ed448' };

export interface GeneratedKey {
  key: SigningKey;
  /** Unencrypted PKCS#8 PEM of the private key. */
  pkcs8Pem: string;
}

/**
 * What PKCS#12 (pki/pkcs12.ts) needs beyond pure code: digests, HMAC, PBKDF2 and whole-message
 * CBC. Separate from CryptoProvider because only PFX loading uses these legacy algorithms;
 * crypto/node/pkcs12-crypto.ts implements it over node:crypto.
 */
export interface Pkcs12Crypto {
  digest(alg: Pkcs12Hash, data: Uint8Array): Uint8Array;
  hmac(alg: Pkcs12Hash, key: Uint8Array, data: Uint8Array): Uint8Array;
  pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, keyLength: number, prf: Pkcs12Hash): Uint8Array;
  /** CBC with PKCS#7 padding; decrypt throws on bad padding. Unavailable ciphers throw PkiError('ERR_CRYPTO_UNSUPPORTED_OPERATION'). */
  cbcDecrypt(cipher: Pkcs12Cipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  cbcEncrypt(cipher: Pkcs12Cipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  randomBytes(n: number): Uint8Array;
}

export type Pkcs12Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type Pkcs12Cipher = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'rc2-40-cbc' | 'rc2-128-cbc';
