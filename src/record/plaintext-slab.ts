/**
 * Where the reader decrypts records when the AEAD writes into a caller's buffer (AeadKeyInto):
 * the plaintext of the records buffered at once (one socket read, typically) back to back in one
 * buffer. That is one allocation per read instead of one per 16 KiB record, and the connection
 * can hand adjacent application data out as one chunk (one stream push per read, as net does).
 *
 * A region given out is never written again: the application may keep any chunk it received.
 * The next record's plaintext starts where the previous record's content ended, over its content
 * type byte and padding, which nobody reads once the record is parsed.
 */

/** A slab is sized for what is buffered, up to this (a larger backlog gets several slabs). */
export const MAX_SLAB_BYTES = 1024 * 1024;

export class PlaintextSlab {
  private buf: Uint8Array = new Uint8Array(0);
  private used = 0;
  /** Bytes the reader still holds after the record being opened: sizes a new buffer. */
  expected = 0;

  /** The buffer to decrypt `n` bytes into at `offset` (a new one, sized for n + expected, when full). */
  room(n: number): Uint8Array {
    if (this.buf.length - this.used < n) {
      this.buf = new Uint8Array(Math.max(n, Math.min(n + this.expected, MAX_SLAB_BYTES)));
      this.used = 0;
    }
    return this.buf;
  }

  /** Where room()'s buffer is free from. */
  get offset(): number {
    return this.used;
  }

  /** `n` bytes at offset now belong to a record's content. */
  advance(n: number): void {
    this.used += n;
  }
}
