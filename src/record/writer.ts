/**
 * RecordWriter: content in, wire chunks out (RFC 8446 §5). Fragments at `maxFragment`, protects
 * with the installed write key, counts records per key epoch and refuses to pass the AEAD
 * usage limit (§5.5); `keyUpdateDue` tells the connection when to send a KeyUpdate first.
 *
 * Output is a queue of chunks (header and sealed body as separate entries, no concatenation);
 * `take()` hands them over. Payload bytes passed in may be referenced by queued chunks until
 * `take()` (plaintext records are not copied), so callers must not modify them before then.
 */
import type { AeadKey } from '../crypto/provider.js';
import { TlsError } from '../util/errors.js';
import { AlertDescription, ProtocolVersion } from '../wire/registry.js';
import { MAX_PLAINTEXT_LENGTH, MIN_FRAGMENT_LENGTH, RECORD_HEADER_LENGTH } from './limits.js';
import { OutputArenas } from './output-pool.js';
import { Tls13WriteProtection, type WriteProtection } from './protection.js';

export class RecordWriter {
  /** Queued chunks; null while none are (an idle connection keeps no empty array). */
  private out: Uint8Array[] | null = null;
  private queued = 0;
  private protection: WriteProtection | null = null;
  private seq = 0;
  private fragment = MAX_PLAINTEXT_LENGTH;
  private readonly arenas = new OutputArenas();

  /** Max plaintext bytes per record (RFC 8449 record_size_limit minus the type byte, Node's setMaxSendFragment). */
  get maxFragment(): number {
    return this.fragment;
  }
  set maxFragment(n: number) {
    if (!Number.isInteger(n) || n < MIN_FRAGMENT_LENGTH || n > MAX_PLAINTEXT_LENGTH) {
      throw new RangeError(`max fragment ${n} out of range ${MIN_FRAGMENT_LENGTH}..${MAX_PLAINTEXT_LENGTH}`);
    }
    this.fragment = n;
  }

  /** Bytes queued and not yet taken. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Records sealed under the current write key (the next record's sequence number). */
  get sequenceNumber(): number {
    return this.seq;
  }

  /** True once enough records were sealed under this key that a KeyUpdate should be sent (§5.5). */
  get keyUpdateDue(): boolean {
    return this.protection !== null && this.seq >= this.protection.keyUpdateThreshold;
  }

  get isProtected(): boolean {
    return this.protection !== null;
  }

  /** Installs TLS 1.3 write protection for the next record on and resets the sequence number (§5.3). */
  setWriteKey13(aead: AeadKey, iv: Uint8Array): void {
    this.setWriteProtection(new Tls13WriteProtection(aead, iv));
  }

  /** The seam for other protection modes (TLS 1.2 AEAD / CBC). */
  setWriteProtection(protection: WriteProtection): void {
    // The key it replaces (handshake keys, or the key before a KeyUpdate) is forgotten now, not
    // when the collector gets to it (RFC 8446 §7.2: a secret no longer needed SHOULD be erased).
    const old = this.protection;
    this.protection = protection;
    this.seq = 0;
    if (old !== null && old !== protection) old.dispose?.();
  }

  /**
   * Unprotected records (ClientHello, ServerHello, HelloRetryRequest, change_cipher_spec, early
   * plaintext alerts). Works whatever key is installed. §5.1: legacy_record_version "MUST be set
   * to 0x0303 ... other than an initial ClientHello ... where it MAY also be 0x0301".
   */
  writePlain(type: number, payload: Uint8Array, legacyVersion: number = ProtocolVersion.TLSv1_2): void {
    for (let off = 0; off < payload.length; off += this.fragment) {
      const frag = payload.subarray(off, Math.min(payload.length, off + this.fragment));
      const header = new Uint8Array(RECORD_HEADER_LENGTH);
      header[0] = type;
      header[1] = legacyVersion >>> 8;
      header[2] = legacyVersion & 0xff;
      header[3] = frag.length >>> 8;
      header[4] = frag.length & 0xff;
      if (this.out === null) this.out = [header, frag];
      else this.out.push(header, frag);
      this.queued += RECORD_HEADER_LENGTH + frag.length;
    }
  }

  /**
   * Protects `payload` as records of at most maxFragment bytes each. An empty payload writes
   * nothing. Throws TlsError(internal_error) without a write key or at the per-key record limit.
   */
  seal(type: number, payload: Uint8Array): void {
    const p = this.protection;
    if (p === null) throw new TlsError(AlertDescription.internal_error, 'SealWithoutWriteKey', 'seal() called before a write key was installed');
    for (let off = 0; off < payload.length; off += this.fragment) {
      // §5.5: stop before the key's safety limit; the connection should have sent a KeyUpdate.
      if (this.seq >= p.recordLimit) {
        throw new TlsError(AlertDescription.internal_error, 'WriteKeyUsageLimitReached', `${this.seq} records under one key; a KeyUpdate was due`);
      }
      // Always a plain view, even of a whole payload: payload.subarray() would run Buffer#subarray
      // for a Buffer (JavaScript the optimising compiler inlines here, doubling the loop's compile
      // time), and a branch for whole payloads, untaken in a bulk transfer of large writes, threw
      // the optimised loop away at the first small record (a close_notify).
      const frag = new Uint8Array(payload.buffer, payload.byteOffset + off, Math.min(payload.length - off, this.fragment));
      const chunks = p.seal(type, frag, this.seq++, this.arenas);
      for (const c of chunks) this.push(c);
    }
  }

  /**
   * Queues a chunk, merged into the previous one when it directly follows it in the same buffer
   * (records sealed into a slab): the socket then gets one write for a run of records.
   */
  private push(c: Uint8Array): void {
    const out = this.out;
    if (out === null) {
      this.out = [c];
    } else {
      const last = out[out.length - 1]!;
      if (last.buffer === c.buffer && last.byteOffset + last.byteLength === c.byteOffset) {
        out[out.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + c.byteLength);
      } else {
        out.push(c);
      }
    }
    this.queued += c.length;
  }

  /**
   * Opt in to reusing the memory of taken records (output-pool.ts): the caller promises to call
   * releaseTaken() only when nothing it took is still referenced by its transport.
   */
  enableOutputReuse(): void {
    this.arenas.enableReuse();
  }

  /** Everything taken so far is free for reuse; a no-op while chunks are still queued here. */
  releaseTaken(): void {
    if (this.out === null) this.arenas.release();
  }

  /**
   * The connection is over: the write key is forgotten (later seals throw) and queued records and
   * arenas are let go, not pooled (a closing transport may still be sending from them).
   */
  dispose(): void {
    this.out = null;
    this.queued = 0;
    this.arenas.forget();
    this.protection?.dispose?.();
  }

  /** The queued wire chunks, in order; the queue is emptied. */
  take(): Uint8Array[] {
    const out = this.out ?? [];
    this.out = null;
    this.queued = 0;
    return out;
  }
}
