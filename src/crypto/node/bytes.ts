/**
 * Buffer → plain Uint8Array views. node:crypto returns Buffers; the core (and teammates' tests
 * using deepStrictEqual) expect plain Uint8Arrays, and a view costs no copy.
 */
export function asU8(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
