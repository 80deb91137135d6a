/**
 * Where the reader decrypts records when the AEAD writes into a caller's buffer (AeadKeyInto):
 * the plaintext of the records buffered at once (one socket read, typically) back to back in one
 * buffer. That is one allocation per read instead of one per 16 KiB record, and the connection
 * can hand adjacent application data out as one chunk (one stream push per read, as net does).
 *
 * A region given out is never written again: the application may keep any chunk it received.
 * The next record's plaintext starts where the previous record's content ended, over its content
 * type byte and padding, which nobody reads once the record is parsed.
 *
 * The memory may come uninitialised from the AEAD (allocOpenOutput): zero-filling a 512 KiB read's
 * slab that decryption then overwrites cost ~8% of a bulk receiver's CPU. Any chunk's `.buffer`
 * shows the whole slab, so no byte of it may be stale heap once a chunk leaves the engine: the
 * reader sizes a slab for the whole records it holds (each body less its tag, which is what a
 * successful open writes), the slab tracks how far opens have written, and `settle()` zeroes
 * the rest before the connection returns its events. A slab left with room is zeroed past that
 * mark before it is replaced.
 */
import type { AeadKeyInto } from '../crypto/provider.js';
import { keepShape } from '../util/shape-keeper.js';

/** A slab is sized for what is buffered, up to this (a larger backlog gets several slabs). */
export const MAX_SLAB_BYTES = 1024 * 1024;

const EMPTY = new Uint8Array(0);

export class PlaintextSlab {
  private buf: Uint8Array = EMPTY;
  private used = 0;
  /** buf[0, written) holds plaintext of opened records; beyond it, whatever the allocator gave. */
  private written = 0;
  /** Bytes the whole records still buffered after the one being opened will need: sizes a new buffer. */
  expected = 0;

  /** Whether `n` more bytes fit the current buffer. */
  fits(n: number): boolean {
    return this.buf.length - this.used >= n;
  }

  /** The buffer to decrypt `n` bytes into at `offset` (a new one, sized for n + expected, when full). */
  room(n: number, aead?: AeadKeyInto): Uint8Array {
    if (!this.fits(n)) {
      this.settle();
      const size = Math.max(n, Math.min(n + this.expected, MAX_SLAB_BYTES));
      this.buf = aead?.allocOpenOutput?.(size) ?? new Uint8Array(size);
      this.used = 0;
      this.written = 0;
    }
    return this.buf;
  }

  /** Where room()'s buffer is free from. */
  get offset(): number {
    return this.used;
  }

  /**
   * An open at `offset` succeeded: it wrote `written` bytes, of which the first `content` are the
   * record's content (the type byte and padding after it are free for the next record).
   */
  commit(content: number, written: number): void {
    const end = this.used + written;
    if (end > this.written) this.written = end;
    this.used += content;
  }

  /** Zeroes what no open wrote, so a chunk's `.buffer` never shows uninitialised memory. */
  settle(): void {
    if (this.written < this.buf.length) {
      this.buf.fill(0, this.written);
      this.written = this.buf.length;
    }
  }
}

// A reader lets its slab go at the end of each receive: between connections none may be alive.
keepShape(new PlaintextSlab());
