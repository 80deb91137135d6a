/**
 * Cursor-based reader and length-prefixing writer for TLS wire structures (RFC 8446 §3).
 * Every read is bounds-checked and throws DecodeError; a sub-reader must be consumed exactly.
 */
import { DecodeError } from './errors.js';

export class ByteReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  isEmpty(): boolean {
    return this.pos === this.end;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw new DecodeError(`truncated ${what}: need ${n} bytes, have ${this.end - this.pos}`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(what = 'u24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = ((this.buf[this.pos]! << 24) >>> 0) + ((this.buf[this.pos + 1]! << 16) | (this.buf[this.pos + 2]! << 8) | this.buf[this.pos + 3]!);
    this.pos += 4;
    return v;
  }
  /** n raw bytes (a view, not a copy). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
  /** opaque<min..2^8-1> etc.: a vector with a 1/2/3-byte length prefix (a view). */
  vec8(what = 'vector', min = 0): Uint8Array {
    return this.checkMin(this.bytes(this.u8(what), what), min, what);
  }
  vec16(what = 'vector', min = 0): Uint8Array {
    return this.checkMin(this.bytes(this.u16(what), what), min, what);
  }
  vec24(what = 'vector', min = 0): Uint8Array {
    return this.checkMin(this.bytes(this.u24(what), what), min, what);
  }
  /** A sub-reader over a length-prefixed vector; call `done()` on it when finished. */
  sub8(what = 'vector', min = 0): ByteReader {
    return ByteReader.over(this.vec8(what, min));
  }
  sub16(what = 'vector', min = 0): ByteReader {
    return ByteReader.over(this.vec16(what, min));
  }
  sub24(what = 'vector', min = 0): ByteReader {
    return ByteReader.over(this.vec24(what, min));
  }
  /** Asserts the reader was consumed exactly (trailing bytes are a decode_error). */
  done(what = 'structure'): void {
    if (this.pos !== this.end) throw new DecodeError(`${this.end - this.pos} trailing bytes after ${what}`);
  }

  private checkMin(v: Uint8Array, min: number, what: string): Uint8Array {
    if (v.length < min) throw new DecodeError(`${what} shorter than its minimum of ${min} bytes`);
    return v;
  }

  static over(v: Uint8Array): ByteReader {
    return new ByteReader(v, 0, v.length);
  }
}

/** Growable writer; `lengthPrefixed(n, fn)` reserves an n-byte length and back-patches it. */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  get length(): number {
    return this.pos;
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.grow(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.grow(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.grow(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  bytes(v: Uint8Array): this {
    this.grow(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }
  /** Writes a `lenBytes`-byte length, runs `body`, then back-patches the length. */
  lengthPrefixed(lenBytes: 1 | 2 | 3, body: (w: this) => void): this {
    this.grow(lenBytes);
    const at = this.pos;
    this.pos += lenBytes;
    body(this);
    const len = this.pos - at - lenBytes;
    const max = 2 ** (8 * lenBytes) - 1;
    if (len > max) throw new RangeError(`vector of ${len} bytes does not fit a ${lenBytes}-byte length`);
    for (let i = lenBytes - 1, v = len; i >= 0; i--, v >>>= 8) this.buf[at + i] = v & 0xff;
    return this;
  }
  vec8(v: Uint8Array): this {
    return this.lengthPrefixed(1, (w) => w.bytes(v));
  }
  vec16(v: Uint8Array): this {
    return this.lengthPrefixed(2, (w) => w.bytes(v));
  }
  vec24(v: Uint8Array): this {
    return this.lengthPrefixed(3, (w) => w.bytes(v));
  }
  /** The written bytes (a copy, so the writer's buffer can be dropped). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/**
 * The empty list of byte arrays that objects holding none share (a reader or joiner with nothing
 * buffered): frozen, so an accidental push throws; holders replace it with a list of their own
 * before adding.
 */
export const NO_BYTE_ARRAYS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/** Uint8Array.of(i) for every byte value: one-byte inputs (HKDF counters, TLS 1.3 content types) without an allocation each. */
export const BYTE_VALUES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h: string): Uint8Array {
  const clean = h.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new TypeError('invalid hex');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });
export const utf8 = {
  encode: (s: string): Uint8Array => enc.encode(s),
  decode: (b: Uint8Array): string => dec.decode(b),
};
