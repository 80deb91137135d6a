import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { keepShape } from '../../util/shape-keeper.js';

/**
 * Buffers made by Node's C++ (what node:crypto returns: digests, HMACs, exported and agreed keys)
 * have a hidden class of their own: Uint8Array's, moved to Buffer.prototype, which V8 keeps only
 * while one such Buffer is alive. A handshake's die with it, so a full GC between connections
 * collected the class and threw away the optimised code that had met one (the socket read path:
 * the shared read callback, subarray, the reader's take), and the next connection made the class anew. One is kept
 * for the process (util/shape-keeper.ts; docs/performance.md, round 7).
 */
keepShape(createHash('sha256').digest());

/**
 * Buffer → plain Uint8Array views. node:crypto returns Buffers; the core (and teammates' tests
 * using deepStrictEqual) expect plain Uint8Arrays, and a view costs no copy.
 */
export function asU8(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * `n` bytes of memory that is not zero-filled (an ArrayBuffer of its own: a view of it never shows
 * another allocation). Only for callers that write every byte before anyone reads it.
 */
export function uninitialised(n: number): Uint8Array {
  return asU8(Buffer.allocUnsafeSlow(n));
}

/** Big-endian bytes left-padded with zeros to `len` (FFDHE public values and secrets, RFC 8446 §4.2.8.1, §7.4.1). */
export function leftPad(b: Uint8Array, len: number): Uint8Array {
  if (b.length === len) return asU8(b);
  const out = new Uint8Array(len);
  out.set(b, len - b.length);
  return out;
}

export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

export { BYTE_VALUES } from '../../util/bytes.js';
