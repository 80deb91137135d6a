// The optional native AEAD (native/aead/aead.c via src/crypto/node/native-aead.ts) against
// node:crypto: identical bytes both ways, tampering wipes the output, every bound and every wrong
// argument type fails cleanly, and TS_TLS_NATIVE=0 really turns it off. Then the provider's key
// (nodeAead, a TieredAeadKey when built): node:crypto until it has carried PROMOTE_AFTER_BYTES,
// native after, with the same contract (tampering, bounds) in both phases.
//
// Without the addon the native tests are skipped loudly; in CI (TS_TLS_REQUIRE_PEERS=1) a missing
// addon fails them, since .ci/run builds it. TS_TLS_NATIVE=0 (the CI node:crypto run) skips them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { nativeAead } from '../../src/crypto/node/native-aead.js';
import { nodeAead, nodeCryptoAead, PROMOTE_AFTER_BYTES } from '../../src/crypto/node/aead.js';
import { hasAeadInto, type AeadAlgorithm, type AeadKeyInto } from '../../src/crypto/provider.js';
import { bytesEqual, concatBytes, toHex } from '../../src/util/bytes.js';
import { requireNative } from '../support/native.js';
import { patternBytes } from '../support/peers.js';

const ALGS: readonly [AeadAlgorithm, number, number][] = [
  ['aes-128-gcm', 16, 0],
  ['aes-256-gcm', 32, 1],
  ['chacha20-poly1305', 32, 2],
];
const TAG = 16;

function native(alg: AeadAlgorithm, key: Uint8Array): AeadKeyInto {
  const k = nativeAead(alg, key);
  assert.ok(k, 'nativeAead() returned null although the binding loaded');
  return k;
}

/**
 * Deterministic filler, so fast-check shrinks and replays 16 KiB plaintexts cheaply: patternBytes
 * seeded `seed | 1` (the bytes these tests always had), copied out of the Buffer into a plain
 * Uint8Array of its own (a small Buffer is a view into Node's pool, and its slice() is no copy).
 */
function fill(len: number, seed: number): Uint8Array {
  return new Uint8Array(patternBytes(len, seed | 1));
}

const same = (a: Uint8Array, b: Uint8Array, msg?: string) => assert.ok(bytesEqual(a, b), msg ?? `${toHex(a.subarray(0, 32))}… != ${toHex(b.subarray(0, 32))}…`);
const allAre = (b: Uint8Array, v: number) => b.every((x) => x === v);
const nodeSealed = (alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) => concatBytes(...nodeCryptoAead(alg, key).seal(nonce, aad, pt));

for (const [alg, keyLen] of ALGS) {
  test(`${alg}: native and node:crypto give identical ciphertext||tag and open each other's (property)`, (t) => {
    if (!requireNative(t)) return;
    const lengths = fc.oneof(fc.constantFrom(0, 1, 15, 16, 17, 16383, 16384, 16385), fc.integer({ min: 0, max: 3000 }));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLen, maxLength: keyLen }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 64 }),
        lengths,
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.integer({ min: -1, max: 255 }),
        fc.integer({ min: 0, max: 40 }),
        (key, nonce, aad, len, seed, innerType, offset) => {
          const pt = fill(len, seed);
          const nat = native(alg, key);
          const node = nodeCryptoAead(alg, key);
          const expected = concatBytes(...node.seal(nonce, aad, pt));
          const got = nat.seal(nonce, aad, pt);
          assert.equal(got.length, 1, 'native seal() returns one chunk');
          same(got[0]!, expected, 'seal differs from node:crypto');
          same(node.open(nonce, aad, got[0]!)!, pt, 'node:crypto cannot open the native output');
          same(nat.open(nonce, aad, expected)!, pt, 'native cannot open the node:crypto output');

          // sealInto: ciphertext(plaintext || innerType) || tag, or no type byte for -1 (TLS 1.2).
          const inner = innerType >= 0 ? concatBytes(pt, Uint8Array.of(innerType)) : pt;
          const want = concatBytes(...node.seal(nonce, aad, inner));
          const out = new Uint8Array(offset + want.length + 7).fill(0xa5);
          assert.equal(nat.sealInto(nonce, aad, pt, innerType, out, offset), want.length);
          same(out.subarray(offset, offset + want.length), want, `sealInto type ${innerType}`);
          assert.ok(allAre(out.subarray(0, offset), 0xa5) && allAre(out.subarray(offset + want.length), 0xa5), 'sealInto wrote outside its region');
          const back = new Uint8Array(offset + inner.length + 3).fill(0xa5);
          assert.equal(nat.openInto(nonce, aad, want, back, offset), inner.length);
          same(back.subarray(offset, offset + inner.length), inner);
          assert.ok(allAre(back.subarray(0, offset), 0xa5) && allAre(back.subarray(offset + inner.length), 0xa5), 'openInto wrote outside its region');
        },
      ),
      { numRuns: 100 },
    );
  });

  test(`${alg}: sealInto with every inner type 0..255 equals node:crypto sealing plaintext||type; -1 appends nothing`, (t) => {
    if (!requireNative(t)) return;
    const key = randomBytes(keyLen);
    const nonce = randomBytes(12);
    const aad = Uint8Array.of(23, 3, 3, 0, 0);
    const k = native(alg, key);
    for (const pt of [new Uint8Array(0), Uint8Array.of(0x42), fill(100, 7)]) {
      for (let type = 0; type <= 255; type++) {
        const out = new Uint8Array(pt.length + 1 + TAG);
        assert.equal(k.sealInto(nonce, aad, pt, type, out, 0), out.length);
        same(out, nodeSealed(alg, key, nonce, aad, concatBytes(pt, Uint8Array.of(type))), `type ${type}, ${pt.length} bytes`);
      }
      const out = new Uint8Array(pt.length + 1 + TAG).fill(0xa5);
      assert.equal(k.sealInto(nonce, aad, pt, -1, out, 0), pt.length + TAG);
      same(out.subarray(0, pt.length + TAG), nodeSealed(alg, key, nonce, aad, pt));
      assert.equal(out[pt.length + TAG], 0xa5, 'innerType -1 wrote a type byte');
    }
  });

  test(`${alg}: any flipped bit of ciphertext, tag, AAD or nonce fails; the output region is wiped`, (t) => {
    if (!requireNative(t)) return;
    const key = randomBytes(keyLen);
    const nonce = randomBytes(12);
    const aad = Uint8Array.of(23, 3, 3, 0, 57);
    const pt = fill(40, 3);
    const k = native(alg, key);
    const sealed = k.seal(nonce, aad, pt)[0]!;
    same(k.open(nonce, aad, sealed)!, pt);
    const PAD = 4;
    const rejects = (n: Uint8Array, a: Uint8Array, ct: Uint8Array, what: string) => {
      const body = ct.length - TAG;
      // A pattern, not zeros: without the wipe OpenSSL's unauthenticated plaintext would be left here.
      const out = new Uint8Array(PAD + body + PAD).fill(0xa5);
      assert.equal(k.openInto(n, a, ct, out, PAD), -1, what);
      assert.ok(allAre(out.subarray(PAD, PAD + body), 0), `${what}: output region not wiped`);
      assert.ok(allAre(out.subarray(0, PAD), 0xa5) && allAre(out.subarray(PAD + body), 0xa5), `${what}: wrote outside the region`);
      assert.equal(k.open(n, a, ct), null, what);
    };
    const flip = (b: Uint8Array, bit: number) => {
      const c = new Uint8Array(b); // a copy even of a Buffer (whose slice() is a view)
      c[bit >> 3]! ^= 1 << (bit & 7);
      return c;
    };
    for (let bit = 0; bit < sealed.length * 8; bit++) rejects(nonce, aad, flip(sealed, bit), `${bit < pt.length * 8 ? 'ciphertext' : 'tag'} bit ${bit}`);
    for (let bit = 0; bit < aad.length * 8; bit++) rejects(nonce, flip(aad, bit), sealed, `AAD bit ${bit}`);
    for (let bit = 0; bit < 96; bit++) rejects(flip(nonce, bit), aad, sealed, `nonce bit ${bit}`);
    rejects(nonce, aad.subarray(0, 4), sealed, 'shorter AAD');
    rejects(nonce, new Uint8Array(0), sealed, 'empty AAD');
    rejects(nonce, aad, sealed.subarray(0, sealed.length - 1), 'truncated by one byte');
    rejects(nonce, aad, concatBytes(sealed, Uint8Array.of(0)), 'one byte appended');
    rejects(nonce, aad, sealed.subarray(1), 'first byte dropped');
    // An empty plaintext's record is a bare tag: flipping it fails with nothing to wipe.
    const emptySealed = k.seal(nonce, aad, new Uint8Array(0))[0]!;
    assert.equal(emptySealed.length, TAG);
    rejects(nonce, aad, flip(emptySealed, 5), 'tag of an empty plaintext');
    // Shorter than a tag: refused before OpenSSL, nothing written.
    const out = new Uint8Array(8).fill(0xa5);
    assert.equal(k.openInto(nonce, aad, sealed.subarray(0, TAG - 1), out, 0), -1);
    assert.ok(allAre(out, 0xa5));
    assert.equal(k.open(nonce, aad, sealed.subarray(0, TAG - 1)), null);
  });

  test(`${alg}: open in place (into the ciphertext's own bytes), good and tampered`, (t) => {
    if (!requireNative(t)) return;
    const k = native(alg, randomBytes(keyLen));
    const nonce = randomBytes(12);
    const pt = fill(1000, 9);
    const header = Uint8Array.of(23, 3, 3, (pt.length + TAG) >> 8, (pt.length + TAG) & 0xff);
    const wire = () => {
      const buf = new Uint8Array(5 + pt.length + TAG);
      buf.set(header);
      assert.equal(k.sealInto(nonce, header, pt, -1, buf, 5), pt.length + TAG);
      return buf;
    };
    // As a record reader would: the plaintext lands where the ciphertext was, behind the header.
    const rec = wire();
    assert.equal(k.openInto(nonce, header, rec.subarray(5), rec, 5), pt.length);
    same(rec.subarray(5, 5 + pt.length), pt);
    same(rec.subarray(0, 5), header, 'header touched');
    // `out` is the ciphertext view itself, offset 0.
    const ct = wire().subarray(5);
    assert.equal(k.openInto(nonce, header, ct, ct, 0), pt.length);
    same(ct.subarray(0, pt.length), pt);
    // Tampered in place: -1 and the ciphertext region wiped.
    const bad = wire();
    bad[5 + 500]! ^= 1;
    assert.equal(k.openInto(nonce, header, bad.subarray(5), bad, 5), -1);
    assert.ok(allAre(bad.subarray(5, 5 + pt.length), 0), 'unauthenticated plaintext left in place');
  });
}

test('bounds: sealInto into too little room or at a bad offset throws RangeError and writes nothing', (t) => {
  if (!requireNative(t)) return;
  const k = native('aes-128-gcm', randomBytes(16));
  const nonce = randomBytes(12);
  const aad = Uint8Array.of(23, 3, 3, 0, 0);
  const pt = fill(100, 1);
  const need = pt.length + 1 + TAG;
  const GUARD = 32;
  const attempt = (room: number, offset: number, what: string) => {
    const guard = new Uint8Array(GUARD + room + GUARD).fill(0x5a);
    const out = guard.subarray(GUARD, GUARD + room);
    assert.throws(() => k.sealInto(nonce, aad, pt, 23, out, offset), RangeError, what);
    assert.ok(allAre(guard, 0x5a), `${what}: bytes written`);
  };
  attempt(need - 1, 0, 'one byte short');
  attempt(0, 0, 'empty out');
  attempt(need + 10, 11, 'offset leaves one byte short');
  attempt(need, -1, 'negative offset');
  attempt(need, -(2 ** 31), 'most negative int32 offset');
  attempt(need, need + 1, 'offset past the end');
  attempt(need, 2 ** 31, 'offset 2^31');
  // Exactly enough room works, and writes exactly that region.
  const guard = new Uint8Array(GUARD + need + GUARD).fill(0x5a);
  assert.equal(k.sealInto(nonce, aad, pt, 23, guard.subarray(GUARD, GUARD + need), 0), need);
  assert.ok(allAre(guard.subarray(0, GUARD), 0x5a) && allAre(guard.subarray(GUARD + need), 0x5a));
  // No type byte: one byte less is enough.
  assert.equal(k.sealInto(nonce, aad, pt, -1, new Uint8Array(need - 1), 0), need - 1);
  assert.throws(() => k.sealInto(nonce, aad, pt, 256, new Uint8Array(need), 0), RangeError, 'inner type 256');
  assert.throws(() => k.sealInto(nonce.subarray(0, 11), aad, pt, 23, new Uint8Array(need), 0), RangeError, '11-byte nonce');
});

// The addon reads offsets with napi_get_value_int32, which wraps 2^32 + n to n and turns NaN,
// Infinity to 0 and 1.5 to 1: unless the key checks them first, sealInto(..., out, 2 ** 32)
// silently writes at out[0] instead of throwing.
test('bounds: an offset that is not a small non-negative integer is refused, not wrapped or truncated', (t) => {
  if (!requireNative(t)) return;
  const k = native('aes-128-gcm', randomBytes(16));
  const nonce = randomBytes(12);
  const aad = Uint8Array.of(23, 3, 3, 0, 0);
  const pt = fill(4, 1);
  const sealed = k.seal(nonce, aad, pt)[0]!;
  const wrote: string[] = [];
  for (const offset of [2 ** 32, 2 ** 32 + 3, NaN, Infinity, 1.5]) {
    const out = new Uint8Array(64).fill(0x5a);
    let threw = false;
    try {
      k.sealInto(nonce, aad, pt, 23, out, offset);
    } catch (e) {
      threw = e instanceof RangeError;
    }
    if (!threw || !allAre(out, 0x5a)) wrote.push(`sealInto offset ${offset}`);
    const back = new Uint8Array(64).fill(0x5a);
    let r = -1;
    try {
      r = k.openInto(nonce, aad, sealed, back, offset);
    } catch {
      // throwing is as good as -1
    }
    if (r !== -1 || !allAre(back, 0x5a)) wrote.push(`openInto offset ${offset}`);
  }
  assert.deepEqual(wrote, [], 'accepted (and wrote at a wrapped/truncated offset)');
});

test('bounds: openInto with too little room or a bad offset returns -1 and writes nothing', (t) => {
  if (!requireNative(t)) return;
  const k = native('chacha20-poly1305', randomBytes(32));
  const nonce = randomBytes(12);
  const aad = Uint8Array.of(23, 3, 3, 0, 0);
  const pt = fill(100, 2);
  const sealed = k.seal(nonce, aad, pt)[0]!;
  for (const [room, offset, what] of [
    [pt.length - 1, 0, 'one byte short'],
    [pt.length + 5, 6, 'offset leaves one byte short'],
    [pt.length, -1, 'negative offset'],
    [pt.length, pt.length + 1, 'offset past the end'],
    [pt.length, 2 ** 31, 'offset 2^31'],
  ] as const) {
    const guard = new Uint8Array(16 + room + 16).fill(0x5a);
    assert.equal(k.openInto(nonce, aad, sealed, guard.subarray(16, 16 + room), offset), -1, what);
    assert.ok(allAre(guard, 0x5a), `${what}: bytes written`);
  }
  assert.equal(k.openInto(nonce.subarray(1), aad, sealed, new Uint8Array(pt.length), 0), -1, '11-byte nonce');
  const exact = new Uint8Array(pt.length);
  assert.equal(k.openInto(nonce, aad, sealed, exact, 0), pt.length);
  same(exact, pt);
});

test('raw binding: wrong argument types throw TypeError in every position, never crash', (t) => {
  const b = requireNative(t);
  if (!b) return;
  const key = randomBytes(16);
  const nonce = randomBytes(12);
  const aad = Uint8Array.of(23, 3, 3, 0, 0);
  const pt = fill(30, 4);
  const hSeal = b.create(0, key, true);
  const hOpen = b.create(0, key, false);
  const sealed = new Uint8Array(pt.length + TAG);
  assert.equal(b.seal(hSeal, nonce, aad, pt, -1, sealed, 0), sealed.length);
  const bad: [string, unknown][] = [
    ['a string', 'abcdefghijkl'],
    ['a plain Array', Array.from(nonce)],
    ['a DataView', new DataView(new ArrayBuffer(64))],
    ['an ArrayBuffer', new ArrayBuffer(64)],
    ['a Uint16Array', new Uint16Array(32)],
    ['a Uint8ClampedArray', new Uint8ClampedArray(64)],
    ['undefined', undefined],
    ['null', null],
    ['a bogus handle object', {}],
    ['a handle-like object', { ctx: 0, encrypt: true }],
  ];
  const isTypeError = (what: string) => (e: unknown) => {
    assert.ok(e instanceof TypeError, `${what}: ${String(e)}`);
    assert.equal((e as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE', what);
    return true;
  };
  const call = (fn: (...a: unknown[]) => unknown, args: unknown[]) => fn.apply(b, args);
  const cases: [string, (...a: unknown[]) => unknown, unknown[]][] = [
    ['seal', b.seal as (...a: unknown[]) => unknown, [hSeal, nonce, aad, pt, 23, new Uint8Array(64), 0]],
    ['open', b.open as (...a: unknown[]) => unknown, [hOpen, nonce, aad, sealed, new Uint8Array(64), 0]],
    ['create', b.create as (...a: unknown[]) => unknown, [0, key, true]],
  ];
  for (const [name, fn, good] of cases) {
    for (let i = 0; i < good.length; i++) {
      for (const [what, v] of bad) {
        const args = good.slice();
        args[i] = v;
        assert.throws(() => call(fn, args), isTypeError(`${name} argument ${i}: ${what}`));
      }
      // A Uint8Array where a handle, number or boolean belongs, a number where bytes belong.
      const args = good.slice();
      args[i] = typeof good[i] === 'object' && good[i] instanceof Uint8Array ? 7 : new Uint8Array(12);
      assert.throws(() => call(fn, args), isTypeError(`${name} argument ${i}: swapped kind`));
      assert.throws(() => call(fn, good.slice(0, i)), isTypeError(`${name} with ${i} arguments`));
    }
  }
  // Still alive and still correct after all that.
  const out = new Uint8Array(pt.length);
  assert.equal(b.open(hOpen, nonce, aad, sealed, out, 0), pt.length);
  same(out, pt);
  // A Buffer is a Uint8Array and is accepted.
  assert.equal(b.seal(hSeal, Buffer.from(nonce), Buffer.from(aad), Buffer.from(pt), 23, Buffer.alloc(64), 0), pt.length + 1 + TAG);
});

test('raw binding: create() refuses wrong key lengths and unknown algorithms', (t) => {
  const b = requireNative(t);
  if (!b) return;
  for (const [alg, keyLen, id] of ALGS) {
    for (const n of [0, keyLen - 1, keyLen + 1, keyLen === 16 ? 32 : 16]) {
      assert.throws(() => b.create(id, new Uint8Array(n), true), /wrong key length/, `${alg} with a ${n}-byte key`);
      assert.throws(() => b.create(id, new Uint8Array(n), false), /wrong key length/, `${alg} with a ${n}-byte key`);
    }
    assert.ok(b.create(id, new Uint8Array(keyLen), true));
  }
  for (const id of [-1, 3, 1000]) assert.throws(() => b.create(id, new Uint8Array(16), true), /unknown AEAD/, `alg ${id}`);
  // Through the provider a wrong length is a RangeError up front, not at the first record.
  assert.throws(() => nodeAead('aes-256-gcm', new Uint8Array(16)), RangeError);
  // nativeAead() itself defers to create(): the first use throws.
  assert.throws(() => native('aes-256-gcm', new Uint8Array(16)).seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(1)), /wrong key length/);
});

test('directions: a sealing context cannot open nor an opening one seal; a key makes both lazily', (t) => {
  const b = requireNative(t);
  if (!b) return;
  for (const [alg, keyLen, id] of ALGS) {
    const key = new Uint8Array(randomBytes(keyLen)); // as the key schedule passes it (a Buffer key is tested on its own below)
    const nonce = randomBytes(12);
    const aad = Uint8Array.of(23, 3, 3, 0, 0);
    const pt = fill(64, 5);
    const hSeal = b.create(id, key, true);
    const hOpen = b.create(id, key, false);
    const sealed = new Uint8Array(pt.length + TAG);
    assert.equal(b.seal(hSeal, nonce, aad, pt, -1, sealed, 0), sealed.length);
    const out = new Uint8Array(pt.length).fill(0xa5);
    assert.equal(b.open(hSeal, nonce, aad, sealed, out, 0), -1, `${alg}: open with a sealing context`);
    assert.ok(allAre(out, 0xa5), 'refused before writing');
    assert.equal(b.seal(hOpen, nonce, aad, pt, -1, new Uint8Array(pt.length + TAG), 0), -1, `${alg}: seal with an opening context`);
    assert.equal(b.open(hOpen, nonce, aad, sealed, out, 0), pt.length);
    same(out, pt);

    // A key object keeps the key until both contexts exist: seal first, then open, and the reverse.
    const orig = key.slice(); // a real copy: key is a plain Uint8Array
    const k1 = native(alg, key);
    key.fill(0); // the caller may wipe its bytes after handing them over
    const s1 = k1.seal(nonce, aad, pt)[0]!;
    same(s1, nodeSealed(alg, orig, nonce, aad, pt), `${alg}: sealed with the original key`);
    same(k1.open(nonce, aad, s1)!, pt, `${alg}: a key that has only sealed so far can open`);
    same(k1.seal(nonce, aad, pt)[0]!, s1, `${alg}: and still seals once both contexts exist`);
    const k2 = native(alg, orig);
    same(k2.open(nonce, aad, s1)!, pt);
    same(k2.seal(nonce, aad, pt)[0]!, s1, `${alg}: a key that has only opened so far can seal`);
  }
});

// ---- the provider's key (nodeAead): node:crypto first, native once the key is busy ----------------

/** The TLS 1.3 record AAD for a body of n bytes (RFC 8446 §5.2). */
const aadFor = (n: number) => Uint8Array.of(23, 3, 3, n >> 8, n & 0xff);

/**
 * A key as the key schedule passes it: a plain Uint8Array (hkdfExpand's output). Not a Buffer:
 * Buffer.prototype.slice is a view, see the test on Buffer keys below.
 */
const keyBytes = (n: number) => new Uint8Array(randomBytes(n));

/** nodeAead() as the tiered key it is when the addon is built, with its private key copy visible. */
/** What the tests look at inside a TieredAeadKey: its native key (null until promotion) and its node:crypto key. */
type TieredInternals = { readonly fast: AeadKeyInto | null; readonly key: Uint8Array };

function tiered(alg: AeadAlgorithm, key: Uint8Array): AeadKeyInto & TieredInternals {
  const k = nodeAead(alg, key);
  assert.ok(hasAeadInto(k), `${alg}: nodeAead() has no seal/open-into path although the addon is built`);
  return k as AeadKeyInto & TieredInternals;
}

test('nodeAead() when built: into-path from the first byte; node:crypto chunks below PROMOTE_AFTER_BYTES, one native chunk from the call that reaches it; the key copy is wiped', (t) => {
  if (!requireNative(t)) return;
  assert.equal(PROMOTE_AFTER_BYTES, 64 * 1024);
  for (const [alg, keyLen] of ALGS) {
    const key = keyBytes(keyLen);
    const orig = key.slice();
    const k = tiered(alg, key);
    assert.ok(!hasAeadInto(nodeCryptoAead(alg, key)), 'nodeCryptoAead() must stay node:crypto');
    key.fill(0); // the caller may wipe its bytes: the tiered key works from its own copy
    const copy = k.key;
    assert.ok(bytesEqual(copy, orig) && copy.buffer !== orig.buffer, `${alg}: the tiered key does not hold a copy of the key`);
    const ref = nodeCryptoAead(alg, orig);
    const nonce = randomBytes(12);
    let carried = 0;
    const sealAs = (phase: 'node' | 'native', len: number) => {
      const pt = fill(len, len + 1);
      const got = k.seal(nonce, aadFor(len + TAG), pt);
      const want = ref.seal(nonce, aadFor(len + TAG), pt);
      carried += len;
      const at = `${alg}, ${len} bytes at count ${carried}`;
      if (phase === 'node') {
        // node:crypto's own layout: [ciphertext, tag], chunk for chunk.
        assert.equal(got.length, want.length, `${at}: not node:crypto's chunks`);
        got.forEach((c, i) => same(c, want[i]!, `${at}: chunk ${i}`));
      } else {
        assert.equal(got.length, 1, `${at}: not one native chunk`);
        same(got[0]!, concatBytes(...want), at);
      }
    };
    for (let i = 0; i < 3; i++) sealAs('node', 16384);
    sealAs('node', PROMOTE_AFTER_BYTES - carried - 1); // count PROMOTE_AFTER_BYTES - 1: still node:crypto
    assert.ok(k.fast === null && copy.some((b) => b !== 0), `${alg}: promoted early`);
    sealAs('native', 1); // reaches the threshold: this call is native
    assert.notEqual(k.fast, null, `${alg}: not promoted at the threshold`);
    assert.ok(allAre(copy, 0), `${alg}: the JS key copy was not wiped at promotion`);
    sealAs('native', 0); // a bare tag, and small records stay native
    sealAs('native', 100);
    sealAs('native', 16384);
  }
  // One call that carries more than the threshold at once is already native.
  const big = tiered('aes-128-gcm', keyBytes(16));
  assert.equal(big.seal(randomBytes(12), aadFor(0), fill(PROMOTE_AFTER_BYTES + 1, 3)).length, 1);
});

test('nodeAead() when built: tampering fails in both phases; node:crypto leaves the out region untouched, native wipes it; the open count promotes exactly at the threshold', (t) => {
  if (!requireNative(t)) return;
  const PAD = 4;
  for (const [alg, keyLen] of ALGS) {
    const key = keyBytes(keyLen);
    const ref = nodeCryptoAead(alg, key);
    const k = tiered(alg, key); // opens only, as a TLS read key does
    let carried = 0;
    const nonce = new Uint8Array(randomBytes(12));
    const aad = aadFor(40 + TAG);
    const pt = fill(40, 3);
    const sealed = concatBytes(...ref.seal(nonce, aad, pt));
    const flip = (b: Uint8Array, bit: number) => {
      const c = new Uint8Array(b); // a copy even of a Buffer (whose slice() is a view)
      c[bit >> 3]! ^= 1 << (bit & 7);
      return c;
    };
    /** openInto only: -1, guards intact, and the region as the phase leaves it. */
    const probe = (phase: 'node' | 'native', n: Uint8Array, a: Uint8Array, ct: Uint8Array, what: string) => {
      const body = Math.max(0, ct.length - TAG);
      const out = new Uint8Array(PAD + body + PAD).fill(0xa5);
      assert.equal(k.openInto(n, a, ct, out, PAD), -1, `${alg} ${phase}: ${what}`);
      carried += ct.length;
      // node:crypto decrypts into a buffer of its own and copies only authenticated plaintext, so
      // nothing is written; the native open decrypts into `out` before the tag check and wipes it.
      const region = out.subarray(PAD, PAD + body);
      assert.ok(allAre(region, phase === 'node' ? 0xa5 : 0), `${alg} ${phase}: ${what}: region ${phase === 'node' ? 'written' : 'not wiped'}`);
      assert.ok(allAre(out.subarray(0, PAD), 0xa5) && allAre(out.subarray(PAD + body), 0xa5), `${alg} ${phase}: ${what}: wrote outside the region`);
    };
    const rejects = (phase: 'node' | 'native', n: Uint8Array, a: Uint8Array, ct: Uint8Array, what: string) => {
      probe(phase, n, a, ct, what);
      assert.equal(k.open(n, a, ct), null, `${alg} ${phase}: ${what}`);
      carried += ct.length;
    };
    const opensGood = (len: number) => {
      const n = randomBytes(12);
      const p = fill(len, len);
      assert.ok(bytesEqual(k.open(n, aadFor(len + TAG), concatBytes(...ref.seal(n, aadFor(len + TAG), p)))!, p), `${alg}: a good record did not open`);
      carried += len + TAG;
    };
    const suite = (phase: 'node' | 'native') => {
      // Every third bit, so the node:crypto phase stays below the threshold (each call counts).
      for (let bit = 0; bit < sealed.length * 8; bit += 3) rejects(phase, nonce, aad, flip(sealed, bit), `${bit < pt.length * 8 ? 'ciphertext' : 'tag'} bit ${bit}`);
      for (let bit = 0; bit < aad.length * 8; bit += 3) rejects(phase, nonce, flip(aad, bit), sealed, `AAD bit ${bit}`);
      for (let bit = 0; bit < 96; bit += 3) rejects(phase, flip(nonce, bit), aad, sealed, `nonce bit ${bit}`);
      rejects(phase, nonce, aad, sealed.subarray(0, sealed.length - 1), 'truncated by one byte');
      rejects(phase, nonce, aad, concatBytes(sealed, Uint8Array.of(0)), 'one byte appended');
      // In place, as the record reader opens: native wipes the ciphertext's bytes, node:crypto leaves them.
      const rec = flip(sealed, 7);
      const before = rec.slice();
      assert.equal(k.openInto(nonce, aad, rec, rec, 0), -1, `${alg} ${phase}: in place`);
      carried += rec.length;
      if (phase === 'node') same(rec, before, `${alg}: node:crypto phase changed the ciphertext in place`);
      else assert.ok(allAre(rec.subarray(0, pt.length), 0), `${alg}: native phase left unauthenticated plaintext in place`);
      // Shorter than a tag, or an 11-byte nonce: refused in both phases, nothing written.
      const out = new Uint8Array(64).fill(0xa5);
      assert.equal(k.openInto(nonce, aad, sealed.subarray(0, TAG - 1), out, 0), -1);
      assert.equal(k.openInto(nonce.subarray(1), aad, sealed, out, 0), -1);
      assert.ok(allAre(out, 0xa5));
      carried += TAG - 1 + sealed.length;
      // And a good record still opens.
      same(k.open(nonce, aad, sealed)!, pt, `${alg} ${phase}: the good record no longer opens`);
      carried += sealed.length;
    };
    suite('node');
    assert.ok(carried < PROMOTE_AFTER_BYTES - 16400, `${alg}: the node:crypto suite used ${carried} bytes, too many to stay below the threshold`);
    // Good records up to where one more probe leaves the count at PROMOTE_AFTER_BYTES - 1.
    const target = PROMOTE_AFTER_BYTES - 1 - sealed.length;
    while (carried < target) {
      let len = Math.min(16384 + TAG, target - carried);
      if (target - carried - len > 0 && target - carried - len < TAG) len -= TAG;
      opensGood(len - TAG);
    }
    assert.equal(carried, target);
    probe('node', nonce, aad, flip(sealed, 3), 'the last call below the threshold');
    assert.equal(carried, PROMOTE_AFTER_BYTES - 1);
    probe('native', nonce, aad, flip(sealed, 3), 'the call that reaches the threshold');
    suite('native');
  }
});

/**
 * The bounds of the native contract (tests above) hold in both phases of the provider's key:
 * sealInto throws RangeError and openInto returns -1, writing nothing, for too little room or an
 * offset that is not a small non-negative integer. Each phase uses one sealing and one opening key.
 */
test('nodeAead() when built: bad offsets and too little room behave the same in the node:crypto phase as in the native one', (t) => {
  if (!requireNative(t)) return;
  const GUARD = 32;
  for (const [alg, keyLen] of ALGS) {
    for (const phase of ['node', 'native'] as const) {
      const key = keyBytes(keyLen);
      const ref = nodeCryptoAead(alg, key);
      const sealer = tiered(alg, key);
      const opener = tiered(alg, key);
      const nonce = randomBytes(12);
      const aad = aadFor(117);
      if (phase === 'native') {
        // Promote both: one threshold-sized call each.
        const bulk = fill(PROMOTE_AFTER_BYTES, 1);
        assert.equal(sealer.seal(nonce, aad, bulk).length, 1, 'sealer not promoted');
        same(opener.open(nonce, aad, concatBytes(...ref.seal(nonce, aad, bulk)))!, bulk);
      }
      const at = `${alg} ${phase}`;
      const pt = fill(100, 1);
      const need = pt.length + 1 + TAG;
      const sealed = concatBytes(...ref.seal(nonce, aad, pt));
      const sealFails = (room: number, offset: number, what: string, type = 23) => {
        const guard = new Uint8Array(GUARD + room + GUARD).fill(0x5a);
        assert.throws(() => sealer.sealInto(nonce, aad, pt, type, guard.subarray(GUARD, GUARD + room), offset), RangeError, `${at}: sealInto ${what}`);
        assert.ok(allAre(guard, 0x5a), `${at}: sealInto ${what}: bytes written`);
      };
      const openFails = (room: number, offset: number, what: string) => {
        const guard = new Uint8Array(GUARD + room + GUARD).fill(0x5a);
        assert.equal(opener.openInto(nonce, aad, sealed, guard.subarray(GUARD, GUARD + room), offset), -1, `${at}: openInto ${what}`);
        assert.ok(allAre(guard, 0x5a), `${at}: openInto ${what}: bytes written`);
      };
      sealFails(need - 1, 0, 'one byte short');
      sealFails(0, 0, 'empty out');
      sealFails(need + 10, 11, 'offset leaves one byte short');
      sealFails(need - 2, 0, 'no type byte, still one byte short', -1);
      sealFails(need, 0, 'inner type 256', 256);
      sealFails(need, 0, 'inner type -2', -2);
      openFails(pt.length - 1, 0, 'one byte short');
      openFails(pt.length + 5, 6, 'offset leaves one byte short');
      for (const offset of [-1, -(2 ** 31), need + 1, 2 ** 31, 2 ** 32, 2 ** 32 + 3, NaN, Infinity, 1.5]) {
        sealFails(need + 8, offset, `offset ${offset}`);
        openFails(pt.length + 8, offset, `offset ${offset}`);
      }
      // Exactly enough room works and writes exactly the region.
      const guard = new Uint8Array(GUARD + need + GUARD).fill(0x5a);
      assert.equal(sealer.sealInto(nonce, aad, pt, 23, guard.subarray(GUARD, GUARD + need), 0), need);
      same(guard.subarray(GUARD, GUARD + need), concatBytes(...ref.seal(nonce, aad, concatBytes(pt, Uint8Array.of(23)))));
      assert.ok(allAre(guard.subarray(0, GUARD), 0x5a) && allAre(guard.subarray(GUARD + need), 0x5a));
      const exact = new Uint8Array(pt.length);
      assert.equal(opener.openInto(nonce, aad, sealed, exact, 0), pt.length);
      same(exact, pt);
      // The phase was what it claims: the failed calls above did not promote the node:crypto keys.
      assert.equal(sealer.seal(nonce, aad, pt).length, phase === 'node' ? 2 : 1, `${at}: sealer in the wrong phase`);
      assert.equal(opener.fast !== null, phase === 'native', `${at}: opener in the wrong phase`);
    }
  }
});

// A known bug (src/crypto/node/aead.ts TieredAeadKey and native-aead.ts NativeAeadKey constructors):
// `key.slice()` of a Buffer is a view, not a copy. TieredAeadKey wipes its "copy" right after
// handing it to nativeAead(), whose own "copy" is the same memory and whose context is made later,
// so with a Buffer key every record after promotion is sealed under an all-zero key (and the
// caller's Buffer is zeroed). The key schedule passes plain Uint8Arrays, so TLS connections are
// not affected; a provider user passing randomBytes() output is. Fix: new Uint8Array(key).
test('nodeAead() when built: a Buffer key is copied, not viewed: after promotion it still seals under the right key', (t) => {
  if (!requireNative(t)) return;
  for (const [alg, keyLen] of ALGS) {
    const key = randomBytes(keyLen); // a Buffer
    const orig = new Uint8Array(key);
    const k = tiered(alg, key);
    const nonce = randomBytes(12);
    k.seal(nonce, aadFor(0), fill(PROMOTE_AFTER_BYTES, 1)); // promotes
    same(concatBytes(...k.seal(nonce, aadFor(0), fill(10, 2))), nodeSealed(alg, orig, nonce, aadFor(0), fill(10, 2)), `${alg}: sealed under the wrong key after promotion`);
    same(key, orig, `${alg}: the caller's key bytes were wiped`);
    // nativeAead() alone: the caller wipes its Buffer before the first record (contexts are lazy).
    const key2 = randomBytes(keyLen);
    const orig2 = new Uint8Array(key2);
    const k2 = native(alg, key2);
    key2.fill(0);
    same(k2.seal(nonce, aadFor(0), fill(10, 2))[0]!, nodeSealed(alg, orig2, nonce, aadFor(0), fill(10, 2)), `${alg}: NativeAeadKey sealed under the wiped caller bytes`);
  }
});

// A known gap (src/crypto/node/aead.ts, TieredAeadKey.sealInto before promotion): the native seal
// refuses a nonce that is not 12 bytes (RangeError), but node:crypto seals AES-GCM with an 11-byte
// nonce (GCM accepts any IV length) and throws a TypeError for ChaCha20-Poly1305. TLS always passes
// 12 bytes (RFC 8446 §5.3), so this was a contract mismatch, not a wire bug.
test('nodeAead() when built: a nonce that is not 12 bytes is a RangeError in the node:crypto phase too', (t) => {
  if (!requireNative(t)) return;
  for (const [alg, keyLen] of ALGS) {
    const k = tiered(alg, keyBytes(keyLen));
    for (const n of [11, 13, 0]) {
      const out = new Uint8Array(64).fill(0x5a);
      assert.throws(() => k.sealInto(new Uint8Array(n), aadFor(27), fill(10, 1), 23, out, 0), RangeError, `${alg}: ${n}-byte nonce`);
      assert.ok(allAre(out, 0x5a), `${alg}: ${n}-byte nonce: bytes written`);
    }
  }
});

test('TS_TLS_NATIVE=0 disables the addon at run time (fresh process)', (t) => {
  const nativeUrl = new URL('../../src/crypto/node/native-aead.js', import.meta.url).href;
  const aeadUrl = new URL('../../src/crypto/node/aead.js', import.meta.url).href;
  const providerUrl = new URL('../../src/crypto/provider.js', import.meta.url).href;
  const script = [
    `const n = await import(${JSON.stringify(nativeUrl)});`,
    `const a = await import(${JSON.stringify(aeadUrl)});`,
    `const p = await import(${JSON.stringify(providerUrl)});`,
    `console.log(JSON.stringify({ off: n.nativeAeadBinding() === null, into: p.hasAeadInto(a.nodeAead('aes-128-gcm', new Uint8Array(16))) }));`,
  ].join('\n');
  const run = (nativeEnv: string | undefined) => {
    const env = { ...process.env };
    if (nativeEnv === undefined) delete env.TS_TLS_NATIVE;
    else env.TS_TLS_NATIVE = nativeEnv;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `child failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim()) as { off: boolean; into: boolean };
  };
  assert.deepEqual(run('0'), { off: true, into: false }, 'TS_TLS_NATIVE=0 still loaded the addon');
  // The control: the same script without the variable does load it (so the check above can fail).
  if (!requireNative(t)) return;
  assert.deepEqual(run(undefined), { off: false, into: true });
  assert.deepEqual(run('1'), { off: false, into: true });
});

// ---- dispose(): a closed connection's keys are forgotten now, not at garbage collection --------

test('dispose(): every key kind then refuses to seal and fails to open, and wipes the key bytes it holds', (t) => {
  const nonce = randomBytes(12);
  const pt = fill(300, 9);
  const kinds: [string, (alg: AeadAlgorithm, key: Uint8Array) => AeadKeyInto | ReturnType<typeof nodeCryptoAead>][] = [['node:crypto', nodeCryptoAead]];
  if (requireNative(t, { untested: 'dispose() checked on the node:crypto key only' })) {
    kinds.push(['native', native], ['tiered, before promotion', tiered], ['tiered, promoted', (alg, key) => {
      const k = tiered(alg, key);
      const big = fill(PROMOTE_AFTER_BYTES, 3);
      k.seal(nonce, aadFor(big.length + TAG), big); // past the threshold: native from here on
      assert.ok(k.fast, 'promoted');
      return k;
    }]);
  }
  for (const [alg, keyLen] of ALGS) {
    for (const [kind, make] of kinds) {
      const key = keyBytes(keyLen);
      const k = make(alg, key);
      const sealed = concatBytes(...k.seal(nonce, aadFor(pt.length + TAG), pt));
      same(k.open(nonce, aadFor(pt.length + TAG), sealed)!, pt, `${alg} ${kind}: works before dispose`);
      k.dispose!();
      assert.throws(() => k.seal(nonce, aadFor(pt.length + TAG), pt), /after dispose/, `${alg} ${kind}: seal after dispose`);
      assert.equal(k.open(nonce, aadFor(pt.length + TAG), sealed), null, `${alg} ${kind}: open after dispose`);
      if (hasAeadInto(k)) {
        const out = new Uint8Array(pt.length).fill(0xa5);
        assert.equal(k.openInto(nonce, aadFor(pt.length + TAG), sealed, out, 0), -1, `${alg} ${kind}: openInto after dispose`);
        assert.ok(allAre(out, 0xa5), 'nothing written');
      }
      const held = (k as unknown as { key: Uint8Array | null }).key;
      assert.ok(held === null || allAre(held, 0), `${alg} ${kind}: the key copy is wiped`);
    }
  }
});

test('raw binding: dispose(handle) frees the context; the handle then fails every call', (t) => {
  const b = requireNative(t);
  if (!b) return;
  assert.equal(typeof b.dispose, 'function');
  const key = keyBytes(16);
  const hSeal = b.create(0, key, true);
  const hOpen = b.create(0, key, false);
  const nonce = randomBytes(12);
  const aad = aadFor(16 + TAG);
  const sealed = new Uint8Array(16 + TAG);
  assert.equal(b.seal(hSeal, nonce, aad, fill(16, 1), -1, sealed, 0), sealed.length);
  b.dispose!(hSeal);
  b.dispose!(hOpen);
  b.dispose!(hOpen); // twice is harmless
  assert.equal(b.seal(hSeal, nonce, aad, fill(16, 1), -1, new Uint8Array(16 + TAG), 0), -1);
  assert.equal(b.open(hOpen, nonce, aad, sealed, new Uint8Array(16), 0), -1);
  assert.throws(() => b.dispose!({}), TypeError);
});
