/**
 * Raw AES-CBC (no padding) over node:crypto, for TLS 1.2 CBC record protection. The record layer
 * adds and checks the TLS padding itself (RFC 5246 §6.2.3.2), so node's PKCS#7 padding is off.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { CbcAlgorithm, CbcKey } from '../provider.js';
import { asU8 } from './bytes.js';

const KEY_LENGTH: Record<CbcAlgorithm, number> = { 'aes-128-cbc': 16, 'aes-256-cbc': 32 };
const BLOCK = 16;

class NodeCbcKey implements CbcKey {
  private readonly key: KeyObject;
  constructor(
    readonly algorithm: CbcAlgorithm,
    key: Uint8Array,
  ) {
    if (KEY_LENGTH[algorithm] === undefined) throw new RangeError(`unsupported CBC cipher ${String(algorithm)}`);
    if (key.length !== KEY_LENGTH[algorithm]) throw new RangeError(`${algorithm} needs a ${KEY_LENGTH[algorithm]}-byte key, got ${key.length}`);
    this.key = createSecretKey(key);
  }

  private run(encrypt: boolean, iv: Uint8Array, data: Uint8Array): Uint8Array {
    if (iv.length !== BLOCK || data.length % BLOCK !== 0) throw new RangeError('CBC input must be whole 16-byte blocks with a 16-byte IV');
    const c = encrypt ? createCipheriv(this.algorithm, this.key, iv) : createDecipheriv(this.algorithm, this.key, iv);
    c.setAutoPadding(false);
    const out = c.update(data);
    c.final(); // whole blocks: nothing left over
    return asU8(out);
  }

  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return this.run(true, iv, plaintext);
  }
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return this.run(false, iv, ciphertext);
  }
}

export function nodeCbc(alg: CbcAlgorithm, key: Uint8Array): CbcKey {
  return new NodeCbcKey(alg, key);
}
