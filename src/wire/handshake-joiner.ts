/**
 * Joins handshake record payloads into whole handshake messages (RFC 8446 §5.1: "Handshake
 * messages MAY be coalesced into a single TLSPlaintext record or fragmented across several such
 * records"). A message that lies inside one pushed fragment is returned as a view (no copy);
 * only messages split across fragments are copied together.
 *
 * Buffering is bounded: each message header is checked as soon as its 4 bytes are present, and a
 * declared length above MAX_HANDSHAKE_MESSAGE fails before more of that message is kept.
 * The connection must also check `isEmpty()` at every key change (RFC 8446 §5.1: handshake
 * messages MUST NOT span key changes; unexpected_message otherwise).
 */
import { NO_BYTE_ARRAYS } from '../util/bytes.js';
import { TlsError } from '../util/errors.js';
import { keepShape } from '../util/shape-keeper.js';
import { AlertDescription } from './registry.js';

/** Largest handshake message we accept, header excluded (a Certificate chain is the big one). */
export const MAX_HANDSHAKE_MESSAGE = 128 * 1024;
const HEADER = 4;
/**
 * Fragments shorter than this are copied into a shared buffer of TAIL_SIZE bytes instead of being
 * kept one by one: a peer sending a message as 100,000 one-byte records would otherwise cost one
 * retained object (and backing store) per byte, about 40 MiB for one maximal message.
 */
const COALESCE_BELOW = 256;
const TAIL_SIZE = 4096;

export class HandshakeJoiner {
  private chunks: Uint8Array[] = NO_BYTE_ARRAYS;
  /** Read offset into chunks[0]. */
  private head = 0;
  private total = 0;
  /** Bytes (from the read position) whose message headers have been checked. */
  private checked = 0;
  /** Buffer that small fragments are copied into; only ever written past `tailUsed`. */
  private tailBuf: Uint8Array | null = null;
  private tailUsed = 0;
  /** The last chunk is a view of tailBuf that the next small fragment may extend. */
  private lastIsTail = false;

  constructor(private readonly maxMessage = MAX_HANDSHAKE_MESSAGE) {}

  /**
   * Adds one handshake record payload. Throws TlsError(illegal_parameter,
   * 'HandshakeMessageTooLarge') when a message announces more than the limit; the joiner is then
   * emptied and should be dropped with the connection.
   */
  push(fragment: Uint8Array): void {
    if (fragment.length === 0) return;
    if (fragment.length < COALESCE_BELOW) this.pushSmall(fragment);
    else {
      this.append(fragment);
      this.lastIsTail = false;
    }
    this.total += fragment.length;
    while (this.checked + HEADER <= this.total) {
      const len = this.bodyLengthAt(this.checked);
      if (len > this.maxMessage) {
        this.clear();
        throw new TlsError(AlertDescription.illegal_parameter, 'HandshakeMessageTooLarge', `handshake message of ${len} bytes exceeds the ${this.maxMessage}-byte limit`);
      }
      this.checked += HEADER + len;
    }
  }

  /** The next whole message (header included), or undefined until more bytes arrive. */
  next(): Uint8Array | undefined {
    if (this.total < HEADER) return undefined;
    const len = this.bodyLengthAt(0);
    const size = HEADER + len;
    if (this.total < size) return undefined;
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length - this.head >= size) {
      out = first.subarray(this.head, this.head + size);
      this.head += size;
    } else {
      out = new Uint8Array(size);
      let o = 0;
      let used = 0;
      while (o < size) {
        const c = this.chunks[used]!;
        const n = Math.min(c.length - this.head, size - o);
        out.set(c.subarray(this.head, this.head + n), o);
        o += n;
        this.head += n;
        if (this.head === c.length) {
          used++;
          this.head = 0;
        }
      }
      // One splice for all consumed fragments: shifting them off one by one is quadratic when a
      // peer sends a message as 100,000 one-byte records.
      this.chunks.splice(0, used);
    }
    if (this.chunks.length > 0 && this.head === this.chunks[0]!.length) this.dropFirst();
    this.total -= size;
    this.checked -= size;
    // Nothing buffered: let go of the tail buffer (messages handed out keep their own views of
    // it), so an established connection does not hold 4 KiB for post-handshake messages, and of
    // the chunk list (every chunk was consumed and dropped).
    if (this.total === 0) this.clear();
    return out;
  }

  /** Holds nothing any more: no chunks, no tail buffer. */
  private clear(): void {
    this.chunks = NO_BYTE_ARRAYS;
    this.head = this.total = this.checked = 0;
    this.tailBuf = null;
    this.tailUsed = 0;
    this.lastIsTail = false;
  }

  /** Bytes buffered that do not yet form a whole message (or are not yet taken with next()). */
  get pendingBytes(): number {
    return this.total;
  }

  isEmpty(): boolean {
    return this.total === 0;
  }

  /** Copies a small fragment into the tail buffer, extending the last chunk when it is the tail. */
  private pushSmall(fragment: Uint8Array): void {
    if (!this.tailBuf || this.tailUsed + fragment.length > this.tailBuf.length) {
      this.tailBuf = new Uint8Array(TAIL_SIZE);
      this.tailUsed = 0;
      this.lastIsTail = false;
    }
    this.tailBuf.set(fragment, this.tailUsed);
    const end = this.tailUsed + fragment.length;
    const last = this.chunks.length - 1;
    if (this.lastIsTail && last >= 0) {
      // Same start, longer view: `head` (if this is chunks[0]) stays valid.
      this.chunks[last] = this.tailBuf.subarray(this.chunks[last]!.byteOffset, end);
    } else {
      this.append(this.tailBuf.subarray(this.tailUsed, end));
      this.lastIsTail = true;
    }
    this.tailUsed = end;
  }

  private append(chunk: Uint8Array): void {
    if (this.chunks === NO_BYTE_ARRAYS) this.chunks = [chunk];
    else this.chunks.push(chunk);
  }

  private dropFirst(): void {
    this.chunks.shift();
    this.head = 0;
  }

  /** The uint24 body length of the message header starting `at` bytes past the read position. */
  private bodyLengthAt(at: number): number {
    return (this.byteAt(at + 1) << 16) | (this.byteAt(at + 2) << 8) | this.byteAt(at + 3);
  }

  /** The byte at `i` past the read position (i < total). */
  private byteAt(i: number): number {
    let k = this.head + i;
    for (const c of this.chunks) {
      if (k < c.length) return c[k]!;
      k -= c.length;
    }
    return 0;
  }
}

// A connection drops its joiner once the handshake is over: between connections none may be
// alive, and the next handshake would find the record loop's feedback for it gone.
keepShape(new HandshakeJoiner());
