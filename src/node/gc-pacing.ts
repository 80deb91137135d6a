/**
 * Keeps V8's scavenger in step with the decrypted records we hand to the application.
 *
 * Why: each record's plaintext is a fresh ArrayBuffer whose memory V8 frees only when a scavenge
 * finds it dead, and V8 (Node 20) paces scavenges by JS-heap allocation alone; external bytes only
 * count toward a 64 MiB budget whose overflow starts a full mark-compact. Loading ts-tls (and its
 * ASN.1 and root-store modules) makes V8 grow the young generation from 1 to 8 MiB, and the bulk
 * receive path allocates little on the JS heap, so a bulk receiver ran ~30 mark-compacts per GiB
 * (node:tls, whose TLSWrap is in C++, none) and spent about a third of its CPU in GC. Allocating a
 * small, short-lived JS array in proportion to the bytes delivered makes scavenges free the
 * plaintext before the budget runs out. Measured (1 GiB, ts-tls server, node:tls client):
 * 31-35 -> 1 mark-compact, 0.73-0.76 -> 0.46-0.49 ms CPU per MB (docs/performance.md).
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

const enabled = process.env.TS_TLS_GC_PACING !== '0';
let slotsPerByte = 0;
let untilRefresh = 0;
let credit = 0;
// Holds the last pacing array so the allocation cannot be optimised away; one at a time.
let sink: unknown[] | null = null;

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
  if (credit >= 64) {
    const n = Math.floor(credit);
    credit -= n;
    sink = new Array<unknown>(n);
  }
}

/** For tests: whether the last call allocated (and how many slots). */
export function lastPacingSlots(): number {
  return sink?.length ?? 0;
}
