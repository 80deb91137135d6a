// Sealed-record memory (src/record/output-pool.ts, RecordWriter.enableOutputReuse/releaseTaken):
// without the opt-in no region is ever handed out twice; with it, released arenas really come
// back (same ArrayBuffer), nothing is reused before release, the held limit, oversized requests
// and records smaller than ARENA_MIN_RECORD (handshake flights, chatty connections) use the
// never-reused shared slab, and records sealed across many release cycles still decrypt.
//
// The arena pool is process-wide (≤ 4 free arenas), so tests that depend on what is in it first
// empty it (emptyPool). The RecordWriter tests need the native AEAD (only its seal-into path lays
// records out in arenas): skipped loudly without it, a failure in CI (TS_TLS_REQUIRE_PEERS=1).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { hasAeadInto, type AeadKey } from '../../src/crypto/provider.js';
import { ARENA_MIN_RECORD, ARENA_SIZE, OutputArenas, sharedAllocator } from '../../src/record/output-pool.js';
import { RecordReader } from '../../src/record/reader.js';
import { RecordWriter } from '../../src/record/writer.js';
import { bytesEqual, concatBytes } from '../../src/util/bytes.js';
import { ContentType as T } from '../../src/wire/registry.js';
import { requireNative } from '../support/native.js';
import { patternBytes } from '../support/peers.js';

const POOL_LIMIT = 4; // output-pool.ts: free arenas kept process-wide
const HELD_LIMIT = 8; // output-pool.ts: arenas one connection holds between releases
const RECORD_OVERHEAD = 5 + 1 + 16; // header + inner type + tag
const FULL_RECORD = RECORD_OVERHEAD + 16384;
/** The smallest fragment whose TLS 1.3 record is ARENA_MIN_RECORD bytes, i.e. uses an arena. */
const BULK_FRAGMENT = ARENA_MIN_RECORD - RECORD_OVERHEAD;

const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);

/**
 * Deterministic filler: a distinct pattern per seed (spread by 2654435761), so an overwrite shows.
 * patternBytes' bytes copied into a plain Uint8Array of its own, not a view into Node's Buffer pool.
 */
function fill(len: number, seed: number): Uint8Array {
  return new Uint8Array(patternBytes(len, (seed * 2654435761) >>> 0));
}

/** Takes every free arena out of the process-wide pool (and never gives them back). */
function emptyPool(): void {
  const hog = new OutputArenas();
  hog.enableReuse();
  for (let i = 0; i < POOL_LIMIT; i++) hog.alloc(ARENA_SIZE);
}

/** Fails when two regions share bytes of one ArrayBuffer. */
function assertDisjoint(regions: Uint8Array[]): void {
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const r of regions) {
    const list = byBuffer.get(r.buffer) ?? [];
    list.push([r.byteOffset, r.byteOffset + r.byteLength]);
    byBuffer.set(r.buffer, list);
  }
  for (const list of byBuffer.values()) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) {
      assert.ok(list[i]![0] >= list[i - 1]![1], `regions [${list[i - 1]}] and [${list[i]}] overlap`);
    }
  }
}

/** Allocates regions of the given sizes, each filled with its own pattern; returns them with their patterns. */
function allocFilled(a: OutputArenas, sizes: number[], seed0: number): { region: Uint8Array; want: Uint8Array }[] {
  return sizes.map((n, i) => {
    const region = a.alloc(n);
    assert.equal(region.length, n);
    const want = fill(n, seed0 + i);
    region.set(want);
    return { region, want };
  });
}

function assertIntact(list: { region: Uint8Array; want: Uint8Array }[], what: string): void {
  list.forEach(({ region, want }, i) => assert.ok(bytesEqual(region, want), `${what}: region ${i} (${region.length} B at ${region.byteOffset}) was overwritten`));
}

/** Record-ish sizes: small alerts, odd sizes, full records. */
const mixedSizes = (count: number, seed: number): number[] => {
  const r = fill(count * 2, seed);
  return Array.from({ length: count }, (_, i) => {
    const pick = r[2 * i]! % 4;
    return pick === 0 ? FULL_RECORD : pick === 1 ? 5 + 2 + 17 : 22 + ((r[2 * i]! << 8) | r[2 * i + 1]!) % 16384;
  });
};

test('without reuse: 2500 regions, release() after every 10, none ever handed out twice and none overwritten', () => {
  emptyPool();
  const a = new OutputArenas();
  assert.equal(a.reusing, false);
  const sizes = mixedSizes(2500, 3);
  const all: { region: Uint8Array; want: Uint8Array }[] = [];
  for (let i = 0; i < sizes.length; i += 10) {
    all.push(...allocFilled(a, sizes.slice(i, i + 10), i));
    a.release(); // must not matter without the opt-in
    assert.equal(a.heldCount, 0);
  }
  assertDisjoint(all.map((x) => x.region));
  assertIntact(all, 'no reuse');
  // Far more than one arena's worth went through: several buffers, none of them repeated.
  assert.ok(new Set(all.map((x) => x.region.buffer)).size > 50);
});

test('with reuse: before release() no region is handed out twice; after it the same arenas come back', () => {
  emptyPool();
  const a = new OutputArenas();
  a.enableReuse();
  assert.equal(a.reusing, true);
  const first = allocFilled(a, Array(40).fill(FULL_RECORD), 100); // 40 full records: 3 arenas
  assertDisjoint(first.map((x) => x.region));
  assertIntact(first, 'before release');
  const arenas = new Set(first.map((x) => x.region.buffer));
  assert.equal(arenas.size, 3);
  assert.equal(a.heldCount, 3);
  for (const b of arenas) assert.equal(b.byteLength, ARENA_SIZE);

  a.release();
  assert.equal(a.heldCount, 0);
  const again = a.alloc(FULL_RECORD);
  assert.ok(arenas.has(again.buffer), 'after release() the next region is not in an arena used before');
  assert.equal(again.byteOffset, 0, 'a reused arena starts from its beginning');
  // Memory IS reused: the new region covers bytes an earlier region was given.
  const overwritten = first.find((x) => x.region.buffer === again.buffer && x.region.byteOffset === 0)!;
  again.fill(0xee);
  assert.ok(!bytesEqual(overwritten.region, overwritten.want));

  // The other two arenas follow (the pool had room for all three), then a fresh one:
  // 51 full records at 15 per arena need four.
  const more = allocFilled(a, Array(50).fill(FULL_RECORD), 200);
  const second = new Set([again.buffer, ...more.map((x) => x.region.buffer)]);
  assert.equal([...second].filter((b) => arenas.has(b)).length, 3);
  assert.equal(second.size, 4);
  assert.equal(a.heldCount, 4);
  assertDisjoint([again, ...more.map((x) => x.region)]);
  assertIntact(more, 'second round');
});

test('with reuse: arenas released by one connection go to another (process-wide pool of at most 4)', () => {
  emptyPool();
  const a = new OutputArenas();
  a.enableReuse();
  const aRegions = Array.from({ length: HELD_LIMIT }, () => a.alloc(ARENA_SIZE));
  const aArenas = new Set(aRegions.map((r) => r.buffer));
  assert.equal(aArenas.size, HELD_LIMIT);
  a.release();
  const b = new OutputArenas();
  b.enableReuse();
  const bArenas = Array.from({ length: HELD_LIMIT }, () => b.alloc(ARENA_SIZE).buffer);
  assert.equal(bArenas.filter((x) => aArenas.has(x)).length, POOL_LIMIT, 'the pool keeps 4 of the 8 released arenas');
});

test('with reuse: the 9th arena falls back to the shared slab, which is never pooled', () => {
  emptyPool();
  const a = new OutputArenas();
  a.enableReuse();
  const held = allocFilled(a, Array(HELD_LIMIT).fill(ARENA_SIZE), 300);
  assert.equal(a.heldCount, HELD_LIMIT);
  const heldBuffers = new Set(held.map((x) => x.region.buffer));
  sharedAllocator.alloc(ARENA_SIZE); // uses up the current shared slab: the spill below starts a fresh one
  // Bulk-sized requests (smaller ones never use arenas, see the next test).
  const spill = allocFilled(a, [ARENA_MIN_RECORD, ARENA_MIN_RECORD + 200], 400);
  assert.equal(a.heldCount, HELD_LIMIT, 'no 9th arena');
  for (const s of spill) assert.ok(!heldBuffers.has(s.region.buffer), 'past the held limit a region came from an arena');
  // It is the shared slab: a connection without reuse gets the bytes right after it.
  const plain = sharedAllocator.alloc(50);
  assert.equal(spill[1]!.region.buffer, spill[0]!.region.buffer);
  assert.equal(plain.buffer, spill[1]!.region.buffer);
  assert.equal(plain.byteOffset, spill[1]!.region.byteOffset + ARENA_MIN_RECORD + 200);
  assertIntact([...held, ...spill], 'held limit');

  a.release();
  // The shared slab never enters the pool: draining the pool gives only former arenas.
  const b = new OutputArenas();
  b.enableReuse();
  const pooled = Array.from({ length: POOL_LIMIT }, () => b.alloc(ARENA_SIZE).buffer);
  for (const buf of pooled) {
    assert.ok(heldBuffers.has(buf), 'a pooled buffer was not one of the released arenas');
    assert.notEqual(buf, spill[0]!.region.buffer);
  }
  // And after release the connection uses arenas again.
  a.alloc(ARENA_MIN_RECORD);
  assert.equal(a.heldCount as number, 1);
});

test('with reuse: a request bigger than an arena gets memory of its own, never pooled; exactly ARENA_SIZE is an arena', () => {
  emptyPool();
  const a = new OutputArenas();
  a.enableReuse();
  const big = a.alloc(ARENA_SIZE + 1);
  assert.equal(big.length, ARENA_SIZE + 1);
  assert.ok(big.buffer.byteLength >= ARENA_SIZE + 1);
  assert.equal(a.heldCount, 0, 'an oversized request took an arena');
  big.set(fill(big.length, 9));
  const exact = a.alloc(ARENA_SIZE);
  assert.equal(a.heldCount, 1);
  assert.equal(exact.byteOffset, 0);
  assert.equal(exact.buffer.byteLength, ARENA_SIZE);
  assert.notEqual(exact.buffer, big.buffer);
  a.release();
  const b = new OutputArenas();
  b.enableReuse();
  const next = b.alloc(ARENA_SIZE);
  assert.equal(next.buffer, exact.buffer);
  const fresh = b.alloc(ARENA_MIN_RECORD); // the next arena: from the pool if big had entered it
  assert.notEqual(fresh.buffer, big.buffer, 'the oversized region was pooled');
  assert.equal(b.heldCount, 2);
  assert.ok(bytesEqual(big, fill(big.length, 9)), 'the oversized region was overwritten');
});

test('with reuse: requests below ARENA_MIN_RECORD never check out an arena, even with room in one; from ARENA_MIN_RECORD on they do', () => {
  assert.equal(ARENA_MIN_RECORD, 8 * 1024);
  emptyPool();
  sharedAllocator.alloc(ARENA_SIZE); // a fresh shared slab next, so adjacency below is exact
  const a = new OutputArenas();
  a.enableReuse();
  const smallSizes = [1, 5 + 2 + 17, 100, 1500, 4096, ARENA_MIN_RECORD - 1];
  const small = allocFilled(a, smallSizes, 500);
  assert.equal(a.heldCount, 0, 'a small request checked out an arena');
  // They are the shared slab: back to back, and a connection without reuse gets the next bytes.
  for (let i = 1; i < small.length; i++) {
    assert.equal(small[i]!.region.buffer, small[0]!.region.buffer);
    assert.equal(small[i]!.region.byteOffset, small[i - 1]!.region.byteOffset + smallSizes[i - 1]!);
  }
  const plain = sharedAllocator.alloc(7);
  assert.equal(plain.buffer, small[0]!.region.buffer);
  assert.equal(plain.byteOffset, small.at(-1)!.region.byteOffset + ARENA_MIN_RECORD - 1);

  const bulk = a.alloc(ARENA_MIN_RECORD); // exactly the threshold: an arena
  assert.equal(a.heldCount, 1);
  assert.equal(bulk.buffer.byteLength, ARENA_SIZE);
  assert.equal(bulk.byteOffset, 0);
  assert.notEqual(bulk.buffer, plain.buffer);
  // With an arena checked out and room in it, small requests still go to the shared slab...
  const between = allocFilled(a, [100, ARENA_MIN_RECORD - 1], 600);
  for (const x of between) assert.notEqual(x.region.buffer, bulk.buffer, 'a small request was put in the arena');
  assert.equal(a.heldCount, 1);
  // ...so the next bulk request follows the first one directly in the arena.
  const bulk2 = a.alloc(FULL_RECORD);
  assert.equal(bulk2.buffer, bulk.buffer);
  assert.equal(bulk2.byteOffset, ARENA_MIN_RECORD);
  a.release();
  assert.equal(a.heldCount, 0);

  // A chatty connection: 100 release cycles of small records never hold an arena.
  const all = [...small, ...between];
  for (let cycle = 0; cycle < 100; cycle++) {
    all.push(...allocFilled(a, mixedSizes(10, cycle).map((n) => Math.min(n, ARENA_MIN_RECORD - 1)), 1000 + 10 * cycle));
    assert.equal(a.heldCount, 0, `cycle ${cycle}: a small request checked out an arena`);
    a.release();
  }
  assertDisjoint(all.map((x) => x.region));
  assertIntact(all, 'small requests');
});

// ---- through RecordWriter (needs the seal-into AEAD) ------------------------------------------

/** The provider's AES-256-GCM key when it seals into arenas (native AEAD), or null after a loud skip. */
function arenaAead(t: TestContext): AeadKey | null {
  const need = {
    untested: 'arena record tests SKIPPED',
    disabled: 'native AEAD disabled by TS_TLS_NATIVE=0: records do not go through arenas on the node:crypto path',
  };
  if (!requireNative(t, need)) return null;
  const k = nodeCryptoProvider().aead('aes-256-gcm', key);
  assert.ok(hasAeadInto(k), 'the native AEAD loaded but the provider key does not seal into buffers');
  return k;
}

function writerWith(k: AeadKey, reuse: boolean): RecordWriter {
  const w = new RecordWriter();
  if (reuse) w.enableOutputReuse();
  w.setWriteKey13(k, iv);
  return w;
}

/** A reader under the same key; fed copies, since the native open may decrypt in place. */
function readerFor(): { read(chunks: Uint8Array[]): Uint8Array[] } {
  const r = new RecordReader();
  r.setReadKey13(nodeCryptoProvider().aead('aes-256-gcm', key), iv);
  return {
    read(chunks) {
      r.push(concatBytes(...chunks).slice());
      const out: Uint8Array[] = [];
      for (let rec = r.next(); rec; rec = r.next()) {
        assert.equal(rec.type, T.application_data);
        out.push(rec.payload.slice());
      }
      assert.equal(r.bufferedBytes, 0);
      return out;
    },
  };
}

const joined = (parts: Uint8Array[]) => concatBytes(...parts);

/**
 * A reuse-enabled writer, its arenas and a reader, with the pool emptied first so a wrongly
 * released arena would come straight back and be overwritten; null when the test is skipped.
 */
function reuseRig(t: TestContext): { w: RecordWriter; arenas: OutputArenas; reader: ReturnType<typeof readerFor> } | null {
  const k = arenaAead(t);
  if (!k) return null;
  emptyPool();
  const w = writerWith(k, true);
  return { w, arenas: (w as unknown as { arenas: OutputArenas }).arenas, reader: readerFor() };
}

test('RecordWriter without reuse: 2000 records taken and "released" stay intact and decrypt at the end', (t) => {
  const k = arenaAead(t);
  if (!k) return;
  emptyPool();
  const w = writerWith(k, false);
  const taken: Uint8Array[] = [];
  const sent: Uint8Array[] = [];
  const sizes = mixedSizes(2000, 11).map((n) => Math.max(1, n - 22));
  sizes.forEach((n, i) => {
    const pt = fill(n, 1000 + i);
    sent.push(pt);
    w.seal(T.application_data, pt);
    taken.push(...w.take());
    w.releaseTaken(); // a no-op without the opt-in
  });
  const copies = taken.map((c) => c.slice());
  assertDisjoint(taken);
  const got = readerFor().read(taken);
  assert.equal(got.length, sizes.length);
  assert.ok(bytesEqual(joined(got), joined(sent)));
  taken.forEach((c, i) => assert.ok(bytesEqual(c, copies[i]!), `taken chunk ${i} changed`));
});

test('RecordWriter.releaseTaken() does nothing while chunks are queued; after take() it reuses', (t) => {
  const rig = reuseRig(t);
  if (!rig) return;
  const { w, arenas, reader } = rig;
  const a = fill(BULK_FRAGMENT, 1); // bulk-sized: smaller records never use arenas
  w.seal(T.application_data, a);
  assert.equal(arenas.heldCount, 1);
  w.releaseTaken(); // queued, not taken: must keep the arena
  assert.equal(arenas.heldCount, 1, 'releaseTaken() released while chunks were still queued');
  const b = fill(BULK_FRAGMENT + 1000, 2);
  w.seal(T.application_data, b);
  const out1 = w.take();
  assert.equal(out1.length, 1, 'two adjacent records are one chunk');
  assert.equal(out1[0]!.byteOffset, 0);
  const wire1 = out1[0]!.slice();
  const got1 = reader.read(out1);
  assert.ok(bytesEqual(got1[0]!, a) && bytesEqual(got1[1]!, b));

  w.releaseTaken();
  assert.equal(arenas.heldCount, 0);
  const c = fill(16384, 3);
  w.seal(T.application_data, c);
  const out2 = w.take();
  assert.equal(out2[0]!.buffer, out1[0]!.buffer, 'after take() and releaseTaken() the arena was not reused');
  assert.equal(out2[0]!.byteOffset, 0);
  assert.ok(!bytesEqual(out1[0]!.subarray(0, wire1.length), wire1), 'the first record was not overwritten: no reuse');
  assert.ok(bytesEqual(reader.read(out2)[0]!, c));
});

test('RecordWriter with reuse: small records (handshake flights, chatty writes, small max fragment) never check out an arena; a record of ARENA_MIN_RECORD bytes does', (t) => {
  const rig = reuseRig(t);
  if (!rig) return;
  const { w, arenas, reader } = rig;
  const sent: Uint8Array[] = [];
  for (const n of [1, 5, 100, 1000, 4000, BULK_FRAGMENT - 1]) {
    const pt = fill(n, n);
    sent.push(pt);
    w.seal(T.application_data, pt);
    assert.equal(arenas.heldCount, 0, `a ${n + RECORD_OVERHEAD}-byte record checked out an arena`);
  }
  assert.ok(bytesEqual(joined(reader.read(w.take())), joined(sent)));
  w.releaseTaken();

  // A bulk write cut into small records (a peer's record_size_limit, setMaxSendFragment) stays out too.
  w.maxFragment = 4096;
  const bulk = fill(64 * 1024, 7);
  w.seal(T.application_data, bulk);
  assert.equal(arenas.heldCount, 0, '4 KiB records checked out an arena');
  const got = reader.read(w.take());
  assert.equal(got.length, 16);
  assert.ok(bytesEqual(joined(got), bulk));
  w.releaseTaken();
  w.maxFragment = 16384;

  // Exactly ARENA_MIN_RECORD bytes on the wire: an arena, the record at its start.
  const first = fill(BULK_FRAGMENT, 8);
  w.seal(T.application_data, first);
  assert.equal(arenas.heldCount, 1, 'a bulk-sized record did not check out an arena');
  const out = w.take();
  assert.equal(out.length, 1);
  assert.equal(out[0]!.length, ARENA_MIN_RECORD);
  assert.equal(out[0]!.byteOffset, 0);
  assert.equal(out[0]!.buffer.byteLength, ARENA_SIZE);
  assert.ok(bytesEqual(reader.read(out)[0]!, first));
  w.releaseTaken();
  assert.equal(arenas.heldCount, 0, 'an idle connection still holds an arena');
});

test('RecordWriter with reuse: 400 release cycles of mixed records (some without release) all decrypt; bulk records recur in a few arenas, small ones never enter them', (t) => {
  const rig = reuseRig(t);
  if (!rig) return;
  const { w, arenas, reader } = rig;
  const r = fill(4 * 400, 77);
  const arenaBuffers = new Set<ArrayBufferLike>(); // buffers that carried bulk records
  const smallBuffers = new Set<ArrayBufferLike>(); // buffers that carried small records
  let recurring = 0;
  let maxHeld = 0;
  let total = 0;
  let bytes = 0;
  let seed = 5000;
  /**
   * Takes the queue and sorts its chunks by the records in them (a chunk is a run of whole
   * records; adjacent bulk records merge in an arena, adjacent small ones in the shared slab).
   */
  const takeAndSort = (lengths: number[]): Uint8Array[] => {
    maxHeld = Math.max(maxHeld, arenas.heldCount);
    const out = w.take();
    let rec = 0;
    for (const c of out) {
      const bulk = lengths[rec]! >= ARENA_MIN_RECORD;
      let covered = 0;
      while (covered < c.length) {
        assert.equal(lengths[rec]! >= ARENA_MIN_RECORD, bulk, 'a chunk mixes bulk and small records');
        covered += lengths[rec++]!;
      }
      assert.equal(covered, c.length, 'a chunk does not end at a record boundary');
      (bulk ? arenaBuffers : smallBuffers).add(c.buffer);
    }
    assert.equal(rec, lengths.length);
    return out;
  };
  for (let cycle = 0; cycle < 400; cycle++) {
    const sent: Uint8Array[] = [];
    const lengths: number[] = [];
    const records = 1 + (r[4 * cycle]! % 24); // up to ~1.5 arenas of full records
    for (let i = 0; i < records; i++) {
      const x = ((r[4 * cycle + 1]! << 8) | r[4 * cycle + 2]!) * (i + 1);
      // Every fourth record small (an alert, a small write), the others bulk-sized.
      const n = i % 4 === 3 ? 1 + (x % (BULK_FRAGMENT - 1)) : BULK_FRAGMENT + (x % (16384 - BULK_FRAGMENT + 1));
      const pt = fill(n, seed++);
      sent.push(pt);
      lengths.push(n + RECORD_OVERHEAD);
      w.seal(T.application_data, pt);
      // Sometimes release with records queued: must be ignored.
      if (i === 1 && cycle % 3 === 0) w.releaseTaken();
    }
    const before = new Set(arenaBuffers);
    const out = takeAndSort(lengths);
    for (const c of out) if (before.has(c.buffer)) recurring++;
    // The "kernel copy": the reader gets a copy now, as a socket that wrote everything would.
    const got = reader.read(out);
    total += got.length;
    bytes += joined(sent).length;
    assert.ok(bytesEqual(joined(got), joined(sent)), `cycle ${cycle}: decrypted bytes differ`);
    // Every 7th cycle keeps its chunks (a busy socket): no release, the next records must not touch them.
    if (cycle % 7 === 6) {
      const kept = out.map((c) => ({ c, copy: c.slice() }));
      w.seal(T.application_data, fill(16384, seed++));
      w.seal(T.application_data, fill(16384, seed++));
      total += reader.read(takeAndSort([FULL_RECORD, FULL_RECORD])).length;
      bytes += 2 * 16384;
      for (const { c, copy } of kept) assert.ok(bytesEqual(c, copy), `cycle ${cycle}: a taken, unreleased chunk was overwritten`);
    }
    w.releaseTaken();
    assert.equal(arenas.heldCount, 0, `cycle ${cycle}: arenas held after releaseTaken()`);
  }
  assert.ok(total > 4000);
  assert.ok(bytes > 40 * 2 ** 20, `only ${bytes} bytes went through`);
  assert.ok(maxHeld > 0 && maxHeld < HELD_LIMIT, `held ${maxHeld} arenas at most: the test never reached the shared-slab fallback`);
  // Small records never shared a buffer with bulk ones: they stayed out of the arenas.
  for (const b of smallBuffers) assert.ok(!arenaBuffers.has(b), 'a small record was sealed into an arena');
  assert.ok(recurring > 300, `arenas recurred in only ${recurring} chunks`);
  // Over 40 MiB of bulk records went through what the pool keeps plus what one cycle holds.
  assert.ok(arenaBuffers.size <= POOL_LIMIT + maxHeld, `${arenaBuffers.size} distinct arenas for 400 cycles (pool ${POOL_LIMIT}, held at most ${maxHeld}): memory is not being reused`);
  for (const b of arenaBuffers) assert.equal(b.byteLength, ARENA_SIZE);
});
