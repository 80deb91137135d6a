/**
 * AEAD record protection over node:crypto (RFC 5116; RFC 8446 §5.2). This is the bulk-data hot
 * path, so the JS around the cipher is kept to: one createCipheriv per record and no copies (the
 * ciphertext and the tag are returned as separate chunks). The key is kept as a private Buffer,
 * not a KeyObject: createCipheriv costs the same with either (measured), and a KeyObject per key
 * is one more native object per traffic key (four per handshake side, two per idle connection).
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadAlgorithm, type AeadKey, type AeadKeyInto, type AeadKeyWithParts } from '../provider.js';
import { asU8, BYTE_VALUES, uninitialised } from './bytes.js';
import { nativeAead, nativeAeadBinding } from './native-aead.js';

export { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH };

const KEY_LENGTH: Record<AeadAlgorithm, number> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};

// chacha20-poly1305 needs authTagLength spelled out; GCM accepts it too.
const CIPHER_OPTIONS = { authTagLength: AEAD_TAG_LENGTH } as const;

/** A private copy of a key of the right length for `algorithm`. */
function checkedKey(algorithm: AeadAlgorithm, key: Uint8Array): Buffer {
  if (!(algorithm in KEY_LENGTH)) throw new RangeError(`unsupported AEAD ${String(algorithm)}`);
  if (key.length !== KEY_LENGTH[algorithm]) {
    throw new RangeError(`${algorithm} needs a ${KEY_LENGTH[algorithm]}-byte key, got ${key.length}`);
  }
  return Buffer.from(key); // a copy: the caller's bytes may be reused or wiped
}

// The node:crypto calls, shared by NodeAeadKey and TieredAeadKey (each keeps its key itself).
// The GCM and ChaCha20-Poly1305 calls are identical; the casts only pick the overload.
function nodeSeal(algorithm: AeadAlgorithm, key: Buffer, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[] {
  const c = createCipheriv(algorithm as CipherGCMTypes, key, nonce, CIPHER_OPTIONS);
  c.setAAD(aad);
  const ct = c.update(plaintext);
  c.final(); // stream modes: never produces output
  return [ct, c.getAuthTag()];
}

function nodeSealParts(algorithm: AeadAlgorithm, key: Buffer, nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[] {
  const c = createCipheriv(algorithm as CipherGCMTypes, key, nonce, CIPHER_OPTIONS);
  c.setAAD(aad);
  const out: Uint8Array[] = [];
  for (const p of parts) if (p.length > 0) out.push(c.update(p));
  c.final();
  out.push(c.getAuthTag());
  return out;
}

function nodeOpen(algorithm: AeadAlgorithm, key: Buffer, nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
  const n = ciphertextAndTag.length - AEAD_TAG_LENGTH;
  if (n < 0 || nonce.length !== AEAD_NONCE_LENGTH) return null;
  try {
    const d = createDecipheriv(algorithm as CipherGCMTypes, key, nonce, CIPHER_OPTIONS);
    d.setAAD(aad);
    d.setAuthTag(ciphertextAndTag.subarray(n));
    const pt = d.update(ciphertextAndTag.subarray(0, n));
    d.final(); // throws when the tag does not verify
    return asU8(pt);
  } catch {
    return null;
  }
}

/**
 * The JS copy of a key for node:crypto, and its disposal: shared by NodeAeadKey and TieredAeadKey
 * (a base class, not a member object: one object per traffic key and direction).
 */
abstract class NodeKeyHolder {
  protected readonly key: Buffer;
  protected disposed = false;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    this.key = checkedKey(algorithm, key);
  }

  dispose(): void {
    this.key.fill(0);
    this.disposed = true;
  }

  /** The key for sealing, refusing after dispose() (it is all zeros then). */
  protected usableKey(): Buffer {
    if (this.disposed) throw new Error('AEAD key used after dispose()');
    return this.key;
  }

  /** node:crypto open, failing after dispose() as a wrong key would. */
  protected openWithNodeCrypto(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    return this.disposed ? null : nodeOpen(this.algorithm, this.key, nonce, aad, ciphertextAndTag);
  }
}

class NodeAeadKey extends NodeKeyHolder implements AeadKeyWithParts {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[] {
    return nodeSeal(this.algorithm, this.usableKey(), nonce, aad, plaintext);
  }

  sealParts(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[] {
    return nodeSealParts(this.algorithm, this.usableKey(), nonce, aad, parts);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    return this.openWithNodeCrypto(nonce, aad, ciphertextAndTag);
  }
}

/**
 * A traffic key's first bytes go through node:crypto; past PROMOTE_AFTER_BYTES it switches to the
 * native AEAD (native-aead.ts). A native cipher context costs ~1.9 KB of native memory per key and
 * direction, which an idle or chatty connection (handshake records, small messages) would carry
 * for nothing — measured +3-4 KiB RSS per idle connection when every key was native — while a
 * bulk transfer crosses the threshold within four records and then runs at the native rate.
 */
export const PROMOTE_AFTER_BYTES = 64 * 1024;

class TieredAeadKey extends NodeKeyHolder implements AeadKeyInto {
  private fast: AeadKeyInto | null = null;
  private untilPromotion = PROMOTE_AFTER_BYTES;
  // The key (NodeKeyHolder) is the only JS copy, used through node:crypto until promotion, then
  // wiped: one object per traffic key and direction, not a NodeAeadKey beside this one.

  /** The native key once this key has carried enough bytes, else null (use node:crypto). */
  private native(bytes: number, encrypt: boolean): AeadKeyInto | null {
    if (this.fast !== null || (this.untilPromotion -= bytes) > 0 || this.disposed) return this.fast;
    this.fast = nativeAead(this.algorithm, this.key, encrypt); // copies the bytes into OpenSSL's context
    // After promotion node:crypto is never used again: no second copy of the secret stays around.
    if (this.fast !== null) this.key.fill(0);
    return this.fast;
  }

  override dispose(): void {
    this.fast?.dispose?.();
    super.dispose();
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[] {
    const fast = this.native(plaintext.length, true);
    return fast ? fast.seal(nonce, aad, plaintext) : nodeSeal(this.algorithm, this.usableKey(), nonce, aad, plaintext);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    const fast = this.native(ciphertextAndTag.length, false);
    return fast ? fast.open(nonce, aad, ciphertextAndTag) : this.openWithNodeCrypto(nonce, aad, ciphertextAndTag);
  }

  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, innerType: number, out: Uint8Array, offset: number): number {
    const fast = this.native(plaintext.length, true);
    if (fast) return fast.sealInto(nonce, aad, plaintext, innerType, out, offset);
    if (nonce.length !== AEAD_NONCE_LENGTH) throw new RangeError(`AEAD nonce must be ${AEAD_NONCE_LENGTH} bytes, got ${nonce.length}`);
    if (!Number.isInteger(innerType) || innerType < -1 || innerType > 255) throw new RangeError(`inner type ${innerType} out of range`);
    const parts = nodeSealParts(this.algorithm, this.usableKey(), nonce, aad, innerType >= 0 ? [plaintext, BYTE_VALUES[innerType]!] : [plaintext]);
    let n = 0;
    for (const p of parts) n += p.length;
    if (!Number.isInteger(offset) || offset < 0 || offset > out.length || out.length - offset < n) {
      throw new RangeError(`AEAD seal failed (${plaintext.length} bytes into ${out.length - offset})`);
    }
    let at = offset;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return n;
  }

  allocOpenOutput(n: number): Uint8Array {
    return uninitialised(n);
  }

  openInto(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, offset: number): number {
    const fast = this.native(ciphertextAndTag.length, false);
    if (fast) return fast.openInto(nonce, aad, ciphertextAndTag, out, offset);
    const pt = this.openWithNodeCrypto(nonce, aad, ciphertextAndTag);
    if (pt === null || !Number.isInteger(offset) || offset < 0 || offset > out.length || out.length - offset < pt.length) return -1;
    out.set(pt, offset);
    return pt.length;
  }
}

/** The provider's AEAD: node:crypto, switching to the native addon for busy keys when it is built. */
export function nodeAead(alg: AeadAlgorithm, key: Uint8Array): AeadKey {
  return nativeAeadBinding() ? new TieredAeadKey(alg, key) : new NodeAeadKey(alg, key);
}

/** node:crypto alone, whatever the addon (tests compare the two). */
export function nodeCryptoAead(alg: AeadAlgorithm, key: Uint8Array): AeadKeyWithParts {
  return new NodeAeadKey(alg, key);
}
