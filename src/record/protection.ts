/**
 * Record protection modes: the seam between the record reader/writer (framing, sequence numbers,
 * limits) and the cipher construction. TLS 1.3 AEAD is implemented here; TLS 1.2 AEAD
 * (explicit-nonce GCM, ChaCha20 with a 12-byte implicit IV) and CBC with encrypt-then-MAC are
 * further implementations of the same two interfaces, installed with
 * RecordReader.setReadProtection / RecordWriter.setWriteProtection.
 */
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, hasAeadInto, hasSealParts, type AeadKey } from '../crypto/provider.js';
import { BYTE_VALUES, concatBytes } from '../util/bytes.js';
import { TlsError } from '../util/errors.js';
import { ChunkSlab, sharedAllocator, type RecordAllocator } from './output-pool.js';
import type { PlaintextSlab } from './plaintext-slab.js';
import { AlertDescription, ContentType } from '../wire/registry.js';
import {
  AES_GCM_KEY_UPDATE_THRESHOLD,
  AES_GCM_RECORD_LIMIT,
  DEFAULT_KEY_UPDATE_THRESHOLD,
  MAX_CIPHERTEXT_LENGTH_TLS13,
  RECORD_HEADER_LENGTH,
  SEQUENCE_LIMIT,
} from './limits.js';

/** A record after deprotection: the real content type and its payload. */
export interface InboundRecord {
  /** ContentType (the inner type for TLS 1.3 protected records). */
  type: number;
  payload: Uint8Array;
}

export interface ReadProtection {
  /** Largest TLSCiphertext.length this mode accepts (record_overflow above). */
  readonly maxCiphertextLength: number;
  /**
   * Outer content types this mode protects. TLS 1.3 hides the type (always application_data,
   * §5.2); TLS 1.2 protects alert, handshake and application_data records under their own type.
   */
  protectsOuterType(type: number): boolean;
  /**
   * Deprotects one record. `header` is the 5-byte record header (the AAD in TLS 1.3), `seq` the
   * record's sequence number in this key epoch. Throws TlsError (bad_record_mac, ...). `header`
   * and `body` may live in a buffer the reader reuses for the next record: do not keep them.
   */
  open(header: Uint8Array, body: Uint8Array, seq: number, slab?: PlaintextSlab): InboundRecord;
  /** True when open() decrypts into a slab passed to it; the reader prepares one only then. */
  readonly opensIntoSlab?: boolean;
  /** Forgets the key material now (the connection is over); opens afterwards fail. */
  dispose?(): void;
}

export interface WriteProtection {
  /** Records that may be sealed under this key; the writer fails at this count. */
  readonly recordLimit: number;
  /** From this count on the writer reports keyUpdateDue. */
  readonly keyUpdateThreshold: number;
  /**
   * Protects one fragment (≤ the writer's max fragment) and returns header + body chunks to send
   * in order. `alloc`, when given, supplies the memory for a record laid out in one region (an
   * object, not a closure, so a writer need not keep a bound function per connection).
   */
  seal(type: number, fragment: Uint8Array, seq: number, alloc?: RecordAllocator): Uint8Array[];
  /** Forgets the key material now (the connection is over); seals afterwards throw. */
  dispose?(): void;
}

/**
 * The one nonce buffer of the process: every record's nonce is written here right before its
 * seal or open, which use it synchronously (node:crypto copies it into the cipher, the native
 * AEAD reads it during the call), so no connection keeps a nonce array of its own.
 */
const NONCE = new Uint8Array(AEAD_NONCE_LENGTH);

/** Big-endian int32 at iv[i..i+4] (an int32, not a uint32, so it stays a Smi in a field). */
function ivWord(iv: Uint8Array, i: number): number {
  return (iv[i]! << 24) | (iv[i + 1]! << 16) | (iv[i + 2]! << 8) | iv[i + 3]!;
}

/**
 * nonce = iv XOR (64-bit big-endian seq, left-padded to iv length) (RFC 8446 §5.3; also the TLS
 * 1.2 ChaCha20-Poly1305 nonce, RFC 7905 §2). The iv is kept as three int32 words and the nonce
 * is written into the shared NONCE buffer: no array per key and direction.
 */
export class NonceBuilder {
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;
  constructor(iv: Uint8Array) {
    if (iv.length !== 12) throw new RangeError(`TLS 1.3 IV must be 12 bytes, got ${iv.length}`);
    this.iv0 = ivWord(iv, 0);
    this.iv1 = ivWord(iv, 4);
    this.iv2 = ivWord(iv, 8);
  }
  /**
   * Valid until the next call of any NonceBuilder: hand it straight to the AEAD call, which must
   * not keep it (node:crypto copies the nonce when a cipher is created; so does the native AEAD).
   */
  at(seq: number): Uint8Array {
    const n = NONCE;
    const w0 = this.iv0;
    // int32 XOR: ToInt32 keeps the low 32 bits of seq (< 2^53); a Uint8Array store keeps the low 8.
    const w1 = this.iv1 ^ Math.floor(seq / 0x100000000);
    const w2 = this.iv2 ^ seq;
    n[0] = w0 >>> 24;
    n[1] = w0 >>> 16;
    n[2] = w0 >>> 8;
    n[3] = w0;
    n[4] = w1 >>> 24;
    n[5] = w1 >>> 16;
    n[6] = w1 >>> 8;
    n[7] = w1;
    n[8] = w2 >>> 24;
    n[9] = w2 >>> 16;
    n[10] = w2 >>> 8;
    n[11] = w2;
    return n;
  }
}

// The 5-byte headers and 17-byte type+tag tails of the node:crypto path come from an 8 KiB slab:
// a typed array of 64 bytes or less lives in the JS heap, and handing it to a socket makes V8
// give it a backing store of its own (two malloc'd allocations per record).
const CHUNK_SLAB_SIZE = 8 * 1024;
/** Shared by every connection: allocation is synchronous and regions are never reused. */
const slab = new ChunkSlab(CHUNK_SLAB_SIZE);

/** The 5-byte header of an outgoing protected record (legacy_record_version 0x0303), from the slab. */
export function protectedRecordHeader(outerType: number, length: number): Uint8Array {
  const header = slab.alloc(RECORD_HEADER_LENGTH);
  writeHeader(header, outerType, length);
  return header;
}

function writeHeader(out: Uint8Array, outerType: number, length: number): void {
  out[0] = outerType;
  out[1] = 3;
  out[2] = 3;
  out[3] = length >>> 8;
  out[4] = length & 0xff;
}

/** TLS 1.2 protects these record types under their own outer type (RFC 5246 §6.2.3). */
export const TLS12_PROTECTED_TYPES: ReadonlySet<number> = new Set<number>([ContentType.alert, ContentType.handshake, ContentType.application_data]);

/**
 * The TLS 1.2 13-byte prefix seq_num(8) + type(1) + version(2) + length(2): the AEAD
 * additional_data (RFC 5246 §6.2.3.3) and the start of the CBC MAC input (§6.2.3.1).
 */
export function tls12SeqHeader(seq: number, type: number, v0: number, v1: number, length: number): Uint8Array {
  const b = new Uint8Array(13);
  const hi = Math.floor(seq / 0x100000000);
  const lo = seq >>> 0;
  b[0] = hi >>> 24;
  b[1] = (hi >>> 16) & 0xff;
  b[2] = (hi >>> 8) & 0xff;
  b[3] = hi & 0xff;
  b[4] = lo >>> 24;
  b[5] = (lo >>> 16) & 0xff;
  b[6] = (lo >>> 8) & 0xff;
  b[7] = lo & 0xff;
  b[8] = type;
  b[9] = v0;
  b[10] = v1;
  b[11] = length >>> 8;
  b[12] = length & 0xff;
  return b;
}

/**
 * TLS 1.3 AEAD protection (RFC 8446 §5.2–5.4), read side. It is its own NonceBuilder (extends, not
 * holds): one object per key and direction instead of two.
 */
export class Tls13ReadProtection extends NonceBuilder implements ReadProtection {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_LENGTH_TLS13;
  readonly opensIntoSlab: boolean;

  protectsOuterType(type: number): boolean {
    return type === ContentType.application_data;
  }

  constructor(
    private readonly aead: AeadKey,
    iv: Uint8Array,
    /** Largest TLSInnerPlaintext (content + type + padding); smaller under record_size_limit. */
    private readonly maxInnerPlaintext: number,
  ) {
    super(iv);
    this.opensIntoSlab = hasAeadInto(aead);
  }

  dispose(): void {
    this.aead.dispose?.();
  }

  /** With `slab` and an AEAD that writes into a caller's buffer, the plaintext goes into the slab. */
  open(header: Uint8Array, body: Uint8Array, seq: number, slab?: PlaintextSlab): InboundRecord {
    // The inner plaintext is buf[start, end): in the slab, or a buffer of its own.
    let buf: Uint8Array | null;
    let start = 0;
    let end = 0;
    let into: PlaintextSlab | undefined;
    if (slab !== undefined && hasAeadInto(this.aead) && body.length >= AEAD_TAG_LENGTH) {
      into = slab;
      buf = into.room(body.length - AEAD_TAG_LENGTH, this.aead);
      start = into.offset;
      const n = this.aead.openInto(this.at(seq), header, body, buf, start);
      if (n < 0) buf = null;
      end = start + n;
    } else {
      buf = this.aead.open(this.at(seq), header, body);
      end = buf?.length ?? 0;
    }
    // §5.2: "If the decryption fails, the receiver MUST terminate the connection with a
    // 'bad_record_mac' alert." (additional_data = the record header)
    if (buf === null) throw new TlsError(AlertDescription.bad_record_mac, 'RecordDecryptionFailed', 'record failed AEAD authentication');
    // §5.4: the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets (or the
    // record_size_limit, which includes the content type and padding).
    if (end - start > this.maxInnerPlaintext) {
      throw new TlsError(AlertDescription.record_overflow, 'InnerPlaintextTooLong', `decrypted record of ${end - start} bytes exceeds ${this.maxInnerPlaintext}`);
    }
    // §5.4: scan from the end for the first non-zero octet, the content type; "If a receiving
    // implementation does not find a non-zero octet in the cleartext, it MUST terminate the
    // connection with an 'unexpected_message' alert."
    let i = end - 1;
    while (i >= start && buf[i] === 0) i--;
    if (i < start) throw new TlsError(AlertDescription.unexpected_message, 'RecordHasNoContentType', 'decrypted record is all padding');
    // The type byte and padding are free for the next record's plaintext.
    into?.commit(i - start, end - start);
    return { type: buf[i]!, payload: buf.subarray(start, i) };
  }
}

/**
 * TLS 1.3 AEAD protection (RFC 8446 §5.2–5.4), write side. No padding is added. Its own
 * NonceBuilder, as on the read side.
 */
export class Tls13WriteProtection extends NonceBuilder implements WriteProtection {
  readonly recordLimit: number;
  readonly keyUpdateThreshold: number;

  constructor(
    private readonly aead: AeadKey,
    iv: Uint8Array,
  ) {
    super(iv);
    const gcm = aead.algorithm !== 'chacha20-poly1305';
    this.recordLimit = gcm ? AES_GCM_RECORD_LIMIT : SEQUENCE_LIMIT;
    this.keyUpdateThreshold = gcm ? AES_GCM_KEY_UPDATE_THRESHOLD : DEFAULT_KEY_UPDATE_THRESHOLD;
  }

  dispose(): void {
    this.aead.dispose?.();
  }

  seal(type: number, fragment: Uint8Array, seq: number, alloc: RecordAllocator = sharedAllocator): Uint8Array[] {
    // §5.2: opaque_type = application_data (23), legacy_record_version = 0x0303,
    // length = |content| + 1 (type) + 16 (tag).
    const length = fragment.length + 1 + AEAD_TAG_LENGTH;
    const nonce = this.at(seq);
    if (hasAeadInto(this.aead)) {
      // One chunk per record: header, then the sealed inner plaintext and tag written after it.
      // Consecutive records are adjacent in the arena, so the writer merges them into one chunk.
      const record = alloc.alloc(RECORD_HEADER_LENGTH + length);
      writeHeader(record, ContentType.application_data, length);
      this.aead.sealInto(nonce, record.subarray(0, RECORD_HEADER_LENGTH), fragment, type, record, RECORD_HEADER_LENGTH);
      return [record];
    }
    const header = protectedRecordHeader(ContentType.application_data, length);
    if (!hasSealParts(this.aead)) return [header, ...this.aead.seal(nonce, header, concatBytes(fragment, BYTE_VALUES[type]!))];
    const [ct, typeCt, tag] = this.aead.sealParts(nonce, header, [fragment, BYTE_VALUES[type]!]);
    if (tag === undefined) return [header, ct!, typeCt!]; // empty fragment: [type, tag]
    // Join the 1-byte encrypted type with the tag (17 bytes) so each record is three chunks, not
    // four: every chunk costs the socket layer a write, copying 17 bytes costs nothing.
    const tail = slab.alloc(typeCt!.length + tag.length);
    tail.set(typeCt!);
    tail.set(tag, typeCt!.length);
    return [header, ct!, tail];
  }
}
