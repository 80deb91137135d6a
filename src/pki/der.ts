/**
 * A minimal DER TLV walker and primitive readers: certificates, CRLs and signature parameters are
 * decoded with them (x509.ts, crl.ts, sigalg.ts), so no schema library is loaded at import. Checks
 * need the exact bytes as received (the signed TBS, the issuer and subject Names for comparison, the
 * SubjectPublicKeyInfo for CertificateVerify), which a walker cuts out of the original buffer rather
 * than re-encoding. Only definite lengths (X.690 §10.1: DER forbids indefinite).
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** Reads one TLV at `off`, which must end at or before `limit`. Single-byte tags only (X.509 needs no more). */
export function readTlv(buf: Uint8Array, off: number, limit = buf.length): Tlv {
  if (off + 2 > limit) throw new DerError('truncated DER header');
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  const l0 = buf[off + 1]!;
  let len: number;
  let p = off + 2;
  if (l0 < 0x80) len = l0;
  else {
    const n = l0 & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not DER');
    if (n > 4) throw new DerError('DER length too large');
    if (p + n > limit) throw new DerError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (buf[p] === 0 || len < 0x80) throw new DerError('non-minimal DER length');
    p += n;
  }
  if (p + len > limit) throw new DerError('DER value runs past its container');
  return { tag, start: off, contentStart: p, end: p + len };
}

/** The TLVs directly inside a constructed TLV, which must fill it exactly. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** The whole TLV (header and content) as a view. */
export function tlvBytes(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

/** Parses a complete DER value; trailing bytes are an error. */
export function readTop(buf: Uint8Array): Tlv {
  const t = readTlv(buf, 0, buf.length);
  if (t.end !== buf.length) throw new DerError(`${buf.length - t.end} trailing bytes after DER value`);
  return t;
}

/**
 * The three parts of a signed structure, SEQUENCE { tbs SEQUENCE, signatureAlgorithm,
 * signatureValue } (RFC 5280 §4.1 Certificate, §5.1 CertificateList); `name`/`tbsName` word errors.
 */
export function readSigned(buf: Uint8Array, name: string, tbsName: string): [tbs: Tlv, alg: Tlv, sig: Tlv] {
  const top = readTop(buf);
  const parts = childrenOf(buf, top);
  if (top.tag !== 0x30 || parts.length !== 3) throw new DerError(`${name} is not a SEQUENCE of 3`);
  if (parts[0]!.tag !== 0x30) throw new DerError(`${tbsName} is not a SEQUENCE`);
  return parts as [Tlv, Tlv, Tlv];
}

// ---- primitive values, read from a TLV the walker found ----

/** BOOLEAN (X.690 §8.2): one content octet, any non-zero value TRUE (as the critical flag is read). */
export function readBoolean(buf: Uint8Array, t: Tlv): boolean {
  if (t.tag !== 0x01 || t.end - t.contentStart !== 1) throw new DerError('bad BOOLEAN');
  return buf[t.contentStart] !== 0;
}

/**
 * A two's complement INTEGER (X.690 §8.3) as a number: exact up to 2^53, rounded beyond (the
 * callers only compare it). `tag` lets an IMPLICIT context tag stand for the universal 0x02.
 */
export function readIntegerNumber(buf: Uint8Array, t: Tlv, tag = 0x02): number {
  const n = t.end - t.contentStart;
  if (t.tag !== tag || n === 0) throw new DerError('bad INTEGER');
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) v = v * 256 + buf[i]!;
  return buf[t.contentStart]! & 0x80 ? v - 2 ** (8 * n) : v;
}

/**
 * BIT STRING (X.690 §8.6.2), primitive form only: the count of unused bits in the last octet
 * (0..7, and 0 when there are no octets) and the octets, which still hold those unused bits.
 */
export function readBitString(buf: Uint8Array, t: Tlv): { unusedBits: number; bytes: Uint8Array } {
  if (t.tag !== 0x03 || t.end === t.contentStart) throw new DerError('bad BIT STRING');
  const unusedBits = buf[t.contentStart]!;
  if (unusedBits > 7 || (unusedBits > 0 && t.end - t.contentStart === 1)) throw new DerError('bad BIT STRING unused-bit count');
  return { unusedBits, bytes: buf.subarray(t.contentStart + 1, t.end) };
}

/** OCTET STRING content (primitive form: DER forbids the constructed one, X.690 §10.2) as a copy. */
export function readOctetString(buf: Uint8Array, t: Tlv, tag = 0x04): Uint8Array {
  if (t.tag !== tag) throw new DerError('bad OCTET STRING');
  return buf.slice(t.contentStart, t.end);
}

export function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

// ---- a minimal DER writer (enough for PKCS#12 output) ----

export function derTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const head: number[] = [tag];
  if (len < 0x80) head.push(len);
  else {
    const bytes: number[] = [];
    for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
    head.push(0x80 | bytes.length, ...bytes);
  }
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const derSeq = (...parts: Uint8Array[]): Uint8Array => derTlv(0x30, ...parts);
export const derSet = (...parts: Uint8Array[]): Uint8Array => derTlv(0x31, ...parts);
export const derOctets = (b: Uint8Array): Uint8Array => derTlv(0x04, b);
export const derNull = (): Uint8Array => new Uint8Array([0x05, 0x00]);
/** [n] EXPLICIT (constructed context tag). */
export const derExplicit = (n: number, inner: Uint8Array): Uint8Array => derTlv(0xa0 | n, inner);

/** A non-negative INTEGER. */
export function derInt(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return derTlv(0x02, new Uint8Array(bytes));
}

export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [];
  const push = (v: number) => {
    const tmp = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) tmp.unshift((v & 0x7f) | 0x80);
    body.push(...tmp);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(0x06, new Uint8Array(body));
}
