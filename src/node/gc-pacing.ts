/**
 * Keeps V8's scavenger in step with the decrypted records we hand to the application.
 *
 * Why: received plaintext is fresh ArrayBuffer memory that V8 frees only when a scavenge finds it
 * dead, and V8 (Node 20) paces scavenges mostly by JS-heap allocation; external bytes count toward
 * a 64 MiB budget whose overflow starts a full mark-compact. The bulk receive path allocates little
 * on the JS heap, so in a process whose heap is past V8's 8 MB incremental-marking threshold (any
 * real application; ts-tls itself once was) a bulk receiver ran ~30 mark-compacts per GiB where
 * node:tls, whose TLSWrap is in C++, ran none. Allocating short-lived JS arrays in proportion to
 * the bytes delivered makes scavenges free the plaintext before the budget runs out. Measured then
 * (1 GiB, ts-tls server, node:tls client): 31-35 -> 1 mark-compact, 0.73-0.76 -> 0.46-0.49 ms CPU
 * per MB; with 8 MB of application heap today, 0-8 -> 0 mark-compacts per 256 MiB
 * (docs/performance.md).
 *
 * The young generation's size is read again every PACE_REFRESH_BYTES (it grows and shrinks), so
 * a scavenge comes at least every SCAVENGE_WINDOW_BYTES of plaintext. TS_TLS_GC_PACING=0 turns
 * it off (for measuring).
 */
import v8 from 'node:v8';

/** Plaintext bytes between scavenges at most: well inside V8's 64 MiB external-memory budget. */
const SCAVENGE_WINDOW_BYTES = 32 * 1024 * 1024;
const PACE_REFRESH_BYTES = 16 * 1024 * 1024;
/** An array element is one tagged slot: 8 bytes without pointer compression (Node's default), 4 with. */
const SLOT_BYTES = 8;
/** 32 KiB of slots: well under V8's 128 KiB regular-object limit. */
const MAX_SLOTS = 4096;

const enabled = process.env.TS_TLS_GC_PACING !== '0';
let slotsPerByte = 0;
let untilRefresh = 0;
let credit = 0;
let allocations = 0;
/** A power of two. */
const KEEP_EVERY = 1024;
// Holds one pacing array now and then, so the allocation cannot be optimised away.
let sink: unknown[] | null = null;
let lastSlots = 0;

function youngGenerationBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}

/** Call with the size of each plaintext chunk handed to the application. */
export function paceDeliveredBytes(bytes: number): void {
  if (!enabled) return;
  if ((untilRefresh -= bytes) <= 0) {
    untilRefresh = PACE_REFRESH_BYTES;
    slotsPerByte = youngGenerationBytes() / SCAVENGE_WINDOW_BYTES / SLOT_BYTES;
  }
  credit += bytes * slotsPerByte;
  // Arrays of at most MAX_SLOTS: a larger one would go to the large-object space, not the young
  // generation, and not bring the next scavenge any closer (chunks can be a whole 512 KiB read).
  let slots = 0;
  while (credit >= 64) {
    const n = Math.min(Math.floor(credit), MAX_SLOTS);
    credit -= n;
    slots += n;
    const filler = new Array<unknown>(n);
    // One array in KEEP_EVERY is stored: enough that the optimiser cannot drop the allocation (it
    // escapes on some path). Storing each one made V8's marking barrier keep every array stored
    // while a mark-compact was in progress: ~6 MiB promoted per mark-compact, which then came
    // back to back (measured after a forced gc(), 256 MiB received: 4-8 of them).
    if ((++allocations & (KEEP_EVERY - 1)) === 0) sink = filler;
  }
  lastSlots = slots;
}

/** For tests: how many slots the last call allocated (0: none). */
export function lastPacingSlots(): number {
  return lastSlots;
}

/** For tests: the array kept now and then (see KEEP_EVERY). */
export function keptPacingArray(): unknown[] | null {
  return sink;
}
