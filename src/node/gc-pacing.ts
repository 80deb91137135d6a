/**
 * Keeps V8's scavenger in step with the decrypted records we hand to the application.
 *
 * Why: received plaintext is fresh ArrayBuffer memory that V8 frees only when a scavenge finds it
 * dead, and V8 (Node 20) paces scavenges mostly by JS-heap allocation; external bytes count toward
 * a 64 MiB budget whose overflow starts a full mark-compact. A receive path that allocates little
 * on the JS heap, in a process whose heap is past V8's 8 MB incremental-marking threshold (any
 * real application), then runs mark-compact after mark-compact where node:tls, whose TLSWrap is in
 * C++, runs none: measured once at 31-35 per GiB (docs/performance.md).
 *
 * How: every CHECK_BYTES of delivered plaintext the young generation's used size is read; a drop
 * means a scavenge ran since the last look. Only when none has run for SCAVENGE_WINDOW_BYTES of
 * plaintext are short-lived arrays allocated, as many as the young generation has room for, which
 * brings one at once. A process that allocates enough on its own gets no extra work (the receive
 * path itself brings a scavenge about every 32 MiB): a 256 MiB transfer now runs 13-14 scavenges,
 * where pacing in proportion to every byte delivered ran 20-21. TS_TLS_GC_PACING=0 turns it
 * off (for measuring).
 */
import v8 from 'node:v8';

/**
 * Plaintext bytes between scavenges at most: well inside V8's 64 MiB external-memory budget, whose
 * accounting lags (array buffers are freed after the scavenge that found them dead). With 16 MB of
 * application heap, 32 MiB let 9-10 mark-compacts through per 256 MiB where 16 MiB (and the
 * proportional pacing before it) let 0-7.
 */
export const SCAVENGE_WINDOW_BYTES = 16 * 1024 * 1024;
/**
 * Plaintext bytes between looks at the young generation (a look costs under a microsecond). Small
 * against the window, so that a process scavenging often is not mistaken for one that does not:
 * a scavenge is seen as a drop in the used size, and several between two looks can hide it, but
 * not at every one of the window's 16 looks.
 */
export const CHECK_BYTES = 1024 * 1024;
/** An array element is one tagged slot: 8 bytes without pointer compression (Node's default), 4 with. */
const SLOT_BYTES = 8;
/** 32 KiB of slots: well under V8's 128 KiB regular-object limit, so arrays go to the young generation. */
const MAX_SLOTS = 4096;
/** A power of two. */
const KEEP_EVERY = 64;

const enabled = process.env.TS_TLS_GC_PACING !== '0';
let unchecked = 0;
let sinceScavenge = 0;
let lastUsed = Infinity;
let allocations = 0;
// Holds one filler array now and then, so the allocation cannot be optimised away. Storing each
// one made V8's marking barrier keep every array stored while a mark-compact was in progress.
let sink: unknown[] | null = null;

function youngGeneration(): { used: number; available: number } {
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') return { used: s.space_used_size, available: s.space_available_size };
  }
  return { used: 0, available: 0 };
}

/**
 * Call with the size of each plaintext chunk handed to the application. Returns how many array
 * slots it allocated to bring a scavenge about (0 almost always; the tests read it).
 */
export function paceDeliveredBytes(bytes: number): number {
  if (!enabled || (unchecked += bytes) < CHECK_BYTES) return 0;
  const young = youngGeneration();
  sinceScavenge = young.used < lastUsed ? 0 : sinceScavenge + unchecked;
  unchecked = 0;
  lastUsed = young.used;
  if (sinceScavenge < SCAVENGE_WINDOW_BYTES) return 0;
  // No scavenge for a whole window: fill what is left of the young generation (plus a little),
  // in arrays small enough to be allocated there. The next look sees the drop.
  sinceScavenge = 0;
  const total = Math.ceil(young.available / SLOT_BYTES) + 64;
  for (let slots = total; slots > 0; ) {
    const n = Math.min(slots, MAX_SLOTS);
    slots -= n;
    const filler = new Array<unknown>(n);
    if ((++allocations & (KEEP_EVERY - 1)) === 0) sink = filler;
  }
  return total;
}

/**
 * The array kept now and then (see KEEP_EVERY). Nothing calls it; it is the one read of `sink`,
 * which keeps the store (and so the allocation) from being seen as dead.
 */
export function keptPacingArray(): unknown[] | null {
  return sink;
}
