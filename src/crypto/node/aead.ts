/**
 * AEAD record protection over node:crypto (RFC 5116; RFC 8446 §5.2). This is the bulk-data hot
 * path, so the JS around the cipher is kept to: one createCipheriv per record and no copies (the
 * ciphertext and the tag are returned as separate chunks). The key is kept as a private Buffer,
 * not a KeyObject: createCipheriv costs the same with either (measured), and a KeyObject per key
 * is one more native object per traffic key (four per handshake side, two per idle connection).
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { AeadAlgorithm, AeadKey } from '../provider.js';
import { asU8 } from './bytes.js';
import { nativeAead } from './native-aead.js';

/** Every TLS AEAD uses a 12-byte nonce and a 16-byte tag (RFC 8446 §5.3, RFC 5116 §5). */
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

const KEY_LENGTH: Record<AeadAlgorithm, number> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};

// chacha20-poly1305 needs authTagLength spelled out; GCM accepts it too.
const CIPHER_OPTIONS = { authTagLength: AEAD_TAG_LENGTH } as const;

/**
 * An AeadKey that can also seal a plaintext given as several parts (the TLS 1.3 inner plaintext is
 * fragment || content type), so the record layer never has to copy a 16 KiB fragment just to
 * append one byte. An additive extension of the provider contract: callers test for `sealParts`.
 */
export interface AeadKeyWithParts extends AeadKey {
  sealParts(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[];
}

class NodeAeadKey implements AeadKeyWithParts {
  private readonly key: Buffer;
  // The GCM and ChaCha20-Poly1305 calls are identical; the cast only picks the overload.
  private readonly name: CipherGCMTypes;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    if (key.length !== KEY_LENGTH[algorithm]) {
      throw new RangeError(`${algorithm} needs a ${KEY_LENGTH[algorithm]}-byte key, got ${key.length}`);
    }
    this.key = Buffer.from(key); // a copy: the caller's bytes may be reused or wiped
    this.name = algorithm as CipherGCMTypes;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[] {
    const c = createCipheriv(this.name, this.key, nonce, CIPHER_OPTIONS);
    c.setAAD(aad);
    const ct = c.update(plaintext);
    c.final(); // stream modes: never produces output
    return [ct, c.getAuthTag()];
  }

  sealParts(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[] {
    const c = createCipheriv(this.name, this.key, nonce, CIPHER_OPTIONS);
    c.setAAD(aad);
    const out: Uint8Array[] = [];
    for (const p of parts) if (p.length > 0) out.push(c.update(p));
    c.final();
    out.push(c.getAuthTag());
    return out;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    const n = ciphertextAndTag.length - AEAD_TAG_LENGTH;
    if (n < 0 || nonce.length !== AEAD_NONCE_LENGTH) return null;
    try {
      const d = createDecipheriv(this.name, this.key, nonce, CIPHER_OPTIONS);
      d.setAAD(aad);
      d.setAuthTag(ciphertextAndTag.subarray(n));
      const pt = d.update(ciphertextAndTag.subarray(0, n));
      d.final(); // throws when the tag does not verify
      return asU8(pt);
    } catch {
      return null;
    }
  }
}

/** The provider's AEAD: the native addon when it is built (native-aead.ts), else node:crypto. */
export function nodeAead(alg: AeadAlgorithm, key: Uint8Array): AeadKey {
  if (!(alg in KEY_LENGTH)) throw new RangeError(`unsupported AEAD ${String(alg)}`);
  if (key.length !== KEY_LENGTH[alg]) throw new RangeError(`${alg} needs a ${KEY_LENGTH[alg]}-byte key, got ${key.length}`);
  return nativeAead(alg, key) ?? new NodeAeadKey(alg, key);
}

/** node:crypto alone, whatever the addon (tests compare the two). */
export function nodeCryptoAead(alg: AeadAlgorithm, key: Uint8Array): AeadKeyWithParts {
  if (!(alg in KEY_LENGTH)) throw new RangeError(`unsupported AEAD ${String(alg)}`);
  return new NodeAeadKey(alg, key);
}
