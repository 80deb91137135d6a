/**
 * Where sealed records are laid out (the fast AEAD path: header, ciphertext and tag in one region).
 *
 * Default: a shared slab, bump-allocated and never reused, because the record layer cannot know
 * when the transport is done with what it took (a queued socket write, or a stream that keeps the
 * chunk itself). A connection whose transport copies what it is given (a TCP or IPC socket: once
 * its write queue is empty the kernel has the bytes) can opt in to reuse: its records then go
 * into arenas checked out of a small process-wide pool and returned by `release()`, which the
 * adapter calls only when nothing taken from the writer is still referenced by the transport.
 * That removes a 256 KiB allocation (plus its zeroing and page faults) per ~15 records on the
 * sending side. An idle connection holds no arena: arenas go back to the pool at each release.
 *
 * Reusing too early would corrupt records still queued; TLS turns that into a failed MAC at the
 * peer, never into silently wrong data, but the adapter's rule (release only on an empty socket
 * write queue) must hold all the same.
 */
export const ARENA_SIZE = 256 * 1024;
/** Free arenas kept for reuse (process-wide); more are dropped to the GC. */
const POOL_LIMIT = 4;
/** Arenas one connection may hold between releases; past that it falls back to the shared slab. */
const HELD_LIMIT = 8;
/**
 * Records smaller than this always use the shared slab: only bulk writes check arenas out, so a
 * handshake flight or a chatty connection never pins 256 KiB (measured: +6 KiB RSS per idle
 * connection when every record used an arena).
 */
export const ARENA_MIN_RECORD = 8 * 1024;

const free: Uint8Array[] = [];

/** Where a sealed record's memory comes from: a connection's OutputArenas, or the shared slab. */
export interface RecordAllocator {
  /** A region of n bytes that nothing else is given (until the owner's release, for arenas). */
  alloc(n: number): Uint8Array;
}

/**
 * Bump allocator over ArrayBuffers of `size` bytes (larger requests get one of their own). A region
 * is never handed out twice: a full slab is dropped and freed by the GC once the last view of it
 * dies, so nothing a socket still holds is overwritten.
 */
export class ChunkSlab implements RecordAllocator {
  private buf = new Uint8Array(0);
  private used = 0;
  constructor(private readonly size: number) {}
  alloc(n: number): Uint8Array {
    if (this.used + n > this.buf.length) {
      this.buf = new Uint8Array(Math.max(this.size, n));
      this.used = 0;
    }
    const v = this.buf.subarray(this.used, this.used + n);
    this.used += n;
    return v;
  }
}
/** Never-reused slab shared by every connection without reuse (allocation is synchronous). */
const shared = new ChunkSlab(ARENA_SIZE);

export class OutputArenas implements RecordAllocator {
  /** Arenas checked out since the last release; null when none (an idle connection's case). */
  private held: Uint8Array[] | null = null;
  private current: Uint8Array | null = null;
  private used = 0;
  private reuse = false;

  /** Opt in to reuse (see the module comment for the rule the caller takes on). */
  enableReuse(): void {
    this.reuse = true;
  }

  get reusing(): boolean {
    return this.reuse;
  }

  /** A region of n bytes that nothing else will be given until release(). */
  alloc(n: number): Uint8Array {
    if (!this.reuse || n < ARENA_MIN_RECORD || n > ARENA_SIZE) return shared.alloc(n);
    if (this.current === null || this.used + n > this.current.length) {
      if (this.held !== null && this.held.length >= HELD_LIMIT) return shared.alloc(n);
      this.current = free.pop() ?? new Uint8Array(ARENA_SIZE);
      (this.held ??= []).push(this.current);
      this.used = 0;
    }
    const v = this.current.subarray(this.used, this.used + n);
    this.used += n;
    return v;
  }

  /** Everything allocated so far is no longer referenced: the arenas go back to the pool. */
  release(): void {
    if (this.held !== null) for (const a of this.held) if (free.length < POOL_LIMIT) free.push(a);
    this.forget();
  }

  /** Drops the arenas without pooling them: for a connection whose transport may still hold them. */
  forget(): void {
    this.held = null;
    this.current = null;
    this.used = 0;
  }

  /** Arenas held now (tests). */
  get heldCount(): number {
    return this.held?.length ?? 0;
  }
}

/** The allocator of a connection that never reuses (WriteProtection.seal's default). */
export const sharedAllocator: RecordAllocator = shared;
