/**
 * RecordReader: bytes in, one deprotected record out per `next()` call (RFC 8446 §5). Knows
 * nothing about handshake messages: it frames, checks limits and decrypts. The connection pulls
 * one record at a time, so a key installed with setReadKey13 applies from the next record on,
 * exactly at the record boundary.
 *
 * Buffering: pushed chunks are kept by reference (never concatenated); a record that spans
 * chunks is copied once into a buffer of its own size. The caller must not modify a chunk after
 * pushing it; payloads may be views into pushed chunks. `bufferedBytes` lets the driver stop
 * reading from the socket when it is not pulling records.
 *
 * Errors are TlsErrors carrying the alert to send; they are sticky (every later call rethrows).
 */
import { AEAD_TAG_LENGTH, type AeadKey } from '../crypto/provider.js';
import { NO_BYTE_ARRAYS } from '../util/bytes.js';
import { TlsError } from '../util/errors.js';
import { AlertDescription, ContentType, nameOf } from '../wire/registry.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12, MAX_EMPTY_RECORDS_IN_A_ROW, MAX_INNER_PLAINTEXT_LENGTH, MAX_PLAINTEXT_LENGTH, RECORD_HEADER_LENGTH, SEQUENCE_LIMIT } from './limits.js';
import { MAX_SLAB_BYTES, PlaintextSlab } from './plaintext-slab.js';
import { Tls13ReadProtection, type InboundRecord, type ReadProtection } from './protection.js';

export type { InboundRecord } from './protection.js';

const KNOWN_TYPES = new Set<number>([ContentType.change_cipher_spec, ContentType.alert, ContentType.handshake, ContentType.application_data]);
/** Records of these types MUST NOT be empty (RFC 8446 §5.1, §5.4; RFC 5246 §6.2.1). */
const NON_EMPTY_TYPES = new Set<number>([ContentType.alert, ContentType.handshake]);
/** First bytes of a plain-HTTP request sent to a TLS port, for a clearer error (OpenSSL: "http request"). */
const HTTP_METHOD_STARTS = ['GET ', 'POST', 'HEAD', 'PUT ', 'DELE', 'OPTI', 'PATC', 'CONN'];

/**
 * Reused for protected records that span pushed chunks the reader does not own (a transport that
 * hands over its own buffers): deprotection yields a new buffer, so the ciphertext copy need not
 * outlive the call. One per process, not per reader: it is only used between take() and open()
 * within one synchronous next() call.
 */
let scratch: Uint8Array | null = null;

/** nextProtected() dropped a rejected early-data record: next() goes on to the next one. */
const SKIPPED = Symbol('skipped');

/** The largest record on the wire: a carry buffer holds any partial record. */
const CARRY_BYTES = RECORD_HEADER_LENGTH + MAX_CIPHERTEXT_LENGTH_TLS12;

function fail(alert: number, reason: string, message: string): TlsError {
  return new TlsError(alert, reason, message);
}

export class RecordReader {
  private chunks: Uint8Array[] = NO_BYTE_ARRAYS;
  /** Index of the first unconsumed chunk (no Array.shift: a peer sending 1-byte segments must not cost O(n^2)). */
  private head = 0;
  /** Bytes of chunks[head] already consumed. */
  private headOffset = 0;
  private buffered = 0;
  private protection: ReadProtection | null = null;
  private seq = 0;
  private emptyInARow = 0;
  private maxInnerPlaintext = MAX_INNER_PLAINTEXT_LENGTH;
  /**
   * The start of a record cut by the end of a reused read buffer (ownBuffered), kept until the
   * next read completes it: one buffer per reader while records keep arriving cut, reused from read
   * to read, and let go when a read ends on a record boundary (an idle connection keeps none).
   */
  private carry: Uint8Array | null = null;
  /** Decrypted records of one read go back to back into one slab (plaintext-slab.ts). */
  private slab: PlaintextSlab | null = null;
  /** Bytes of undecryptable (rejected 0-RTT) records still allowed to be dropped. */
  private earlyDataSkipBudget = 0;
  /** See acceptPlaintextAlerts(). */
  private plaintextAlertsAllowed = false;
  private failure: TlsError | null = null;

  /** Queues received bytes (kept by reference). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.chunks === NO_BYTE_ARRAYS) this.chunks = [bytes];
    else this.chunks.push(bytes);
    this.buffered += bytes.length;
  }

  /**
   * Copies the unconsumed bytes of the chunks that live in `transient` (a read buffer the caller
   * is about to reuse) into buffers of the reader's own. Bytes copied by an earlier call stay
   * where they are, so a record trickling in over many small reads costs one copy per byte, not
   * one copy of everything buffered per read.
   *
   * The usual remainder, the start of one record, goes to the carry buffer: under bulk load every
   * read ends inside a record, and a buffer reused from read to read costs no allocation, while
   * next() then completes the record in place instead of copying all of it into scratch.
   */
  ownBuffered(transient: ArrayBufferLike): void {
    if (this.buffered === 0) {
      this.chunks = NO_BYTE_ARRAYS;
      this.head = this.headOffset = 0;
      this.carry = null;
      return;
    }
    if (this.buffered <= CARRY_BYTES) {
      this.gatherIntoCarry();
      return;
    }
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      if (chunk.buffer !== transient) continue;
      const from = c === this.head ? this.headOffset : 0;
      this.chunks[c] = new Uint8Array(chunk.subarray(from)); // a copy (a Buffer's slice() is a view)
      if (c === this.head) this.headOffset = 0;
    }
  }

  /** Moves every unconsumed byte (at most CARRY_BYTES) to the front of the carry buffer. */
  private gatherIntoCarry(): void {
    const carry = (this.carry ??= new Uint8Array(CARRY_BYTES));
    let at = 0;
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      const from = c === this.head ? this.headOffset : 0;
      const n = chunk.length - from;
      if (chunk.buffer === carry.buffer) {
        // Bytes gathered by an earlier call (the carry is an ArrayBuffer of its own, at offset 0):
        // moved only if a record before them was consumed.
        const start = chunk.byteOffset + from;
        if (start !== at) carry.copyWithin(at, start, start + n);
      } else {
        carry.set(from === 0 ? chunk : chunk.subarray(from), at);
      }
      at += n;
    }
    this.chunks = [carry.subarray(0, at)];
    this.head = this.headOffset = 0;
  }

  /** Bytes received but not yet returned as records. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Records read under the current read key (the next record's sequence number). */
  get sequenceNumber(): number {
    return this.seq;
  }

  /** True when a read key is installed (records other than change_cipher_spec must be protected). */
  get isProtected(): boolean {
    return this.protection !== null;
  }

  /**
   * Installs TLS 1.3 read protection for the next record on; resets the sequence number (§5.3:
   * "Each sequence number is set to zero ... whenever the key is changed").
   */
  setReadKey13(aead: AeadKey, iv: Uint8Array): void {
    this.setReadProtection(new Tls13ReadProtection(aead, iv, this.maxInnerPlaintext));
  }

  /** The seam for other protection modes (TLS 1.2 AEAD / CBC). */
  setReadProtection(protection: ReadProtection): void {
    // The key it replaces (handshake keys, or the key before a KeyUpdate) is forgotten now, not
    // when the collector gets to it (RFC 8446 §7.2: a secret no longer needed SHOULD be erased).
    const old = this.protection;
    this.protection = protection;
    this.seq = 0;
    if (old !== null && old !== protection) old.dispose?.();
  }

  /**
   * RFC 8446 §4.2.10: a server that rejects 0-RTT skips the client's early data "by attempting to
   * deprotect received records using the handshake traffic key, and discarding records which fail
   * deprotection (up to the configured max_early_data_size)". Call right after installing the
   * client handshake read key; the first record that decrypts ends the skipping, and more than
   * `maxBytes` of undecryptable records is bad_record_mac.
   */
  skipUndecryptableEarlyData(maxBytes: number): void {
    this.earlyDataSkipBudget = maxBytes;
  }

  /**
   * During the handshake a peer that has not installed its write keys yet (e.g. an OpenSSL client
   * rejecting our certificate before it sends its own Finished) sends its fatal alert in the clear
   * although our read key is already set. While `on`, and only until the first record protected
   * under the current read key has arrived, such an unprotected alert record is delivered instead of
   * failing as unexpected_message, so the real reason (unknown_ca, bad_certificate, ...) is reported.
   * The connection turns this off when the handshake completes: after that an unprotected alert
   * could be an injected close_notify hiding a truncation.
   */
  acceptPlaintextAlerts(on: boolean): void {
    this.plaintextAlertsAllowed = on;
  }

  private isTolerableCleartextAlert(type: number): boolean {
    return type === ContentType.alert && this.plaintextAlertsAllowed && this.seq === 0;
  }

  /**
   * The record_size_limit we advertised (RFC 8449 §4), which in TLS 1.3 counts the content type
   * and padding. Applies to protection installed after this call.
   */
  setReadPlaintextLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 64 || limit > MAX_INNER_PLAINTEXT_LENGTH) throw new RangeError(`record size limit ${limit} out of range`);
    this.maxInnerPlaintext = limit;
  }

  /**
   * The next whole record, or undefined when more bytes are needed. Throws TlsError:
   * record_overflow, unexpected_message, bad_record_mac, protocol_version (not TLS at all).
   */
  next(): InboundRecord | undefined {
    if (this.failure) throw this.failure;
    try {
      // A loop, not recursion: skipped early-data records may be many.
      for (;;) {
        if (this.buffered < RECORD_HEADER_LENGTH) return undefined;
        // Protected records and the others (a hello, change_cipher_spec, an alert before keys)
        // go separate ways. Records of the second kind come first in every connection, before
        // V8 records type feedback for a function; the optimised protected path, had it held them,
        // was thrown away at the next connection's first record and recompiled during its transfer.
        const type = this.peek(0);
        const r = this.isProtectedRecord(type) ? this.nextProtected(type) : this.nextUnprotected(type);
        if (r !== SKIPPED) return r;
      }
    } catch (e) {
      this.failure = e instanceof TlsError ? e : fail(AlertDescription.internal_error, 'RecordLayerInternalError', String(e));
      throw this.failure;
    }
  }

  /** A record of this outer type must be deprotected under the current read key. */
  private isProtectedRecord(type: number): boolean {
    return this.protection !== null && type !== ContentType.change_cipher_spec && !this.isTolerableCleartextAlert(type);
  }

  /**
   * The length of the whole record at the head (its header buffered, of outer type `type`), the
   * header checked before the body arrives, so garbage fails at once instead of waiting for
   * 64 KiB; -1 while the body is incomplete.
   */
  private headRecordLength(type: number, protectedRecord: boolean): number {
    const length = (this.peek(3) << 8) | this.peek(4);
    this.checkHeader(type, this.peek(1), length, protectedRecord);
    return this.buffered < RECORD_HEADER_LENGTH + length ? -1 : RECORD_HEADER_LENGTH + length;
  }

  /** A record sent in the clear: before keys, change_cipher_spec, or a tolerated early alert. */
  private nextUnprotected(type: number): InboundRecord | undefined {
    const n = this.headRecordLength(type, false);
    if (n < 0) return undefined;
    const body = this.take(n).subarray(RECORD_HEADER_LENGTH);
    // change_cipher_spec is never protected; the handshake decides whether one is allowed now.
    if (type === ContentType.change_cipher_spec) {
      // RFC 8446 §5: "An implementation which receives any other change_cipher_spec value ...
      // MUST abort the handshake with an 'unexpected_message' alert." (RFC 5246 §7.1: one byte, 1.)
      if (body.length !== 1 || body[0] !== 1) throw fail(AlertDescription.unexpected_message, 'MalformedChangeCipherSpec', `change_cipher_spec record of ${body.length} bytes`);
      return { type, payload: body };
    }
    return this.deliver(type, body);
  }

  /** A record under the read key; SKIPPED when it was rejected early data to drop. */
  private nextProtected(type: number): InboundRecord | undefined | typeof SKIPPED {
    const n = this.headRecordLength(type, true);
    if (n < 0) return undefined;
    const record = this.take(n, true);
    const header = record.subarray(0, RECORD_HEADER_LENGTH);
    const body = record.subarray(RECORD_HEADER_LENGTH);
    if (this.seq >= SEQUENCE_LIMIT) throw fail(AlertDescription.internal_error, 'ReadSequenceExhausted', 'read sequence number exhausted');
    let inner: InboundRecord;
    try {
      // Only a protection that decrypts into a slab gets one: for the others the slab would stay
      // empty and its sizing walk over the buffered headers would run for every record.
      const p = this.protection!;
      inner = p.open(header, body, this.seq, p.opensIntoSlab === true ? this.plaintextSlab(body.length) : undefined);
    } catch (e) {
      if (this.earlyDataSkipBudget > 0 && e instanceof TlsError && e.alert === AlertDescription.bad_record_mac && body.length <= this.earlyDataSkipBudget) {
        this.earlyDataSkipBudget -= body.length; // rejected 0-RTT: drop it; the sequence number stays
        return SKIPPED;
      }
      throw e;
    }
    this.earlyDataSkipBudget = 0;
    this.seq++;
    // A provider whose open() returned a view of its input must not leave us a view of scratch
    // or of the carry, both reused. (new Uint8Array(view) copies; a Buffer's slice() would not.)
    const from = inner.payload.buffer;
    if (from === scratch?.buffer || from === this.carry?.buffer) inner = { type: inner.type, payload: new Uint8Array(inner.payload) };
    if (!KNOWN_TYPES.has(inner.type) || inner.type === ContentType.change_cipher_spec) {
      throw fail(AlertDescription.unexpected_message, 'UnexpectedInnerContentType', `protected record of content type ${nameOf(ContentType, inner.type)}`);
    }
    return this.deliver(inner.type, inner.payload);
  }

  private plaintextSlab(bodyLength: number): PlaintextSlab {
    const slab = (this.slab ??= new PlaintextSlab());
    // Only when a new buffer is due: the walk over the buffered headers is paid once per slab.
    if (!slab.fits(bodyLength - AEAD_TAG_LENGTH)) slab.expected = this.wholeRecordPlaintextBytes();
    return slab;
  }

  /**
   * What opening every whole record buffered now would write (each body less its tag): a slab
   * of exactly this size is filled by the opens, leaving nothing for settle() to zero. Stops at
   * the slab cap; costs a header peek per record.
   */
  private wholeRecordPlaintextBytes(): number {
    let total = 0;
    let at = 0;
    while (total < MAX_SLAB_BYTES && this.buffered - at >= RECORD_HEADER_LENGTH) {
      const length = (this.peek(at + 3) << 8) | this.peek(at + 4);
      at += RECORD_HEADER_LENGTH + length;
      if (at > this.buffered) break;
      if (length > AEAD_TAG_LENGTH) total += length - AEAD_TAG_LENGTH;
    }
    return total;
  }

  /** The connection is over: buffered input is dropped and the read key forgotten. */
  dispose(): void {
    this.chunks = NO_BYTE_ARRAYS;
    this.head = this.headOffset = this.buffered = 0;
    this.carry = null;
    this.protection?.dispose?.();
  }

  /**
   * The end of a receive: what the slab holds is about to reach the application, so the part no
   * record was opened into is zeroed (plaintext-slab.ts), and the slab is let go: an idle
   * connection keeps none, and the next read's records get one sized for them.
   */
  settle(): void {
    if (this.slab !== null) {
      this.slab.settle();
      this.slab = null;
    }
  }

  /** `protectedRecord`: a read key is installed and this record must be deprotected under it. */
  private checkHeader(type: number, versionMajor: number, length: number, protectedRecord: boolean): void {
    // legacy_record_version is ignored (§5.1) but a first byte other than 3 means "not TLS".
    if (versionMajor !== 3) {
      const start = String.fromCharCode(this.peek(0), this.peek(1), this.peek(2), this.peek(3));
      if (HTTP_METHOD_STARTS.includes(start)) throw fail(AlertDescription.protocol_version, 'PlainHttpRequest', 'received an HTTP request, not TLS');
      throw fail(AlertDescription.protocol_version, 'RecordVersionNotTls', `record version major byte ${versionMajor}, not a TLS record`);
    }
    // §5: "If a TLS implementation receives an unexpected record type, it MUST terminate the
    // connection with an 'unexpected_message' alert."
    if (!KNOWN_TYPES.has(type)) throw fail(AlertDescription.unexpected_message, 'UnknownRecordContentType', `record of unknown content type ${type}`);
    if (!protectedRecord || this.protection === null) {
      // §5.1: TLSPlaintext.length "MUST NOT exceed 2^14 bytes ... 'record_overflow' alert".
      if (length > MAX_PLAINTEXT_LENGTH) throw fail(AlertDescription.record_overflow, 'RecordOverflow', `plaintext record of ${length} bytes`);
      return;
    }
    if (!this.protection.protectsOuterType(type)) {
      // After a key change only protected records (TLS 1.3: outer type application_data) and CCS
      // may come. An unencrypted alert here cannot be trusted (anyone can inject one, e.g. a fake
      // close_notify to hide a truncation), so it fails the connection rather than being obeyed.
      const what = type === ContentType.alert && length === 2 && this.buffered >= 7 ? ` (${nameOf(AlertDescription, this.peek(6))})` : '';
      throw fail(AlertDescription.unexpected_message, 'UnprotectedRecordAfterKeyChange', `unprotected ${nameOf(ContentType, type)} record${what} after keys were installed`);
    }
    // §5.2: TLSCiphertext.length "MUST NOT exceed 2^14 + 256 bytes ... 'record_overflow' alert".
    if (length > this.protection.maxCiphertextLength) {
      throw fail(AlertDescription.record_overflow, 'RecordOverflow', `protected record of ${length} bytes exceeds ${this.protection.maxCiphertextLength}`);
    }
  }

  private deliver(type: number, payload: Uint8Array): InboundRecord {
    if (payload.length === 0) {
      // §5.4: "Implementations MUST NOT send Handshake and Alert records that have a zero-length
      // TLSInnerPlaintext.content; if such a message is received, the receiving implementation
      // MUST terminate the connection with an 'unexpected_message' alert." (§5.1 likewise.)
      if (NON_EMPTY_TYPES.has(type)) throw fail(AlertDescription.unexpected_message, 'EmptyRecord', `empty ${nameOf(ContentType, type)} record`);
      if (type === ContentType.application_data && ++this.emptyInARow > MAX_EMPTY_RECORDS_IN_A_ROW) {
        throw fail(AlertDescription.unexpected_message, 'TooManyEmptyRecords', `more than ${MAX_EMPTY_RECORDS_IN_A_ROW} empty records in a row`);
      }
    } else {
      this.emptyInARow = 0;
    }
    return { type, payload };
  }

  /** The byte `i` positions into the buffered data (i < buffered). */
  private peek(i: number): number {
    let off = this.headOffset + i;
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      if (off < chunk.length) return chunk[off]!;
      off -= chunk.length;
    }
    return 0;
  }

  /** Drops chunks[head] once consumed; compacts the array now and then. */
  private advanceChunk(): void {
    this.head++;
    this.headOffset = 0;
    if (this.head === this.chunks.length) {
      this.chunks = NO_BYTE_ARRAYS;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Removes `n` buffered bytes: a view when they sit in one chunk, else one copy. When `transient`
   * (the bytes are only read during this call) the copy goes to a reused buffer: after the record
   * start waiting in the carry, which then needs only the rest, else into scratch. Bytes that are
   * not transient never stay a view of the carry, which the next read overwrites.
   */
  private take(n: number, transient = false): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[this.head]!;
    const carry = this.carry;
    if (first.length - this.headOffset >= n) {
      const v = first.subarray(this.headOffset, this.headOffset + n);
      this.headOffset += n;
      if (this.headOffset === first.length) this.advanceChunk();
      return transient || carry === null || v.buffer !== carry.buffer ? v : new Uint8Array(v);
    }
    let out: Uint8Array;
    let filled = 0;
    // A chunk in the carry is the one gatherIntoCarry() made, at its start.
    if (transient && carry !== null && first.buffer === carry.buffer && this.headOffset === 0) {
      out = carry.subarray(0, n); // the record's start is already there: append the rest
      filled = first.length;
      this.advanceChunk();
    } else {
      out = transient ? (scratch ??= new Uint8Array(CARRY_BYTES)).subarray(0, n) : new Uint8Array(n);
    }
    while (filled < n) {
      const c = this.chunks[this.head]!;
      const k = Math.min(c.length - this.headOffset, n - filled);
      out.set(c.subarray(this.headOffset, this.headOffset + k), filled);
      filled += k;
      this.headOffset += k;
      if (this.headOffset === c.length) this.advanceChunk();
    }
    return out;
  }
}
