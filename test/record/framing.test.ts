// RecordReader / RecordWriter behaviour: framing at every split point, limits, padding, key
// changes at record boundaries, and the alerts each bad input ends in.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { nodeCryptoAead } from '../../src/crypto/node/aead.js';
import { nativeAead } from '../../src/crypto/node/native-aead.js';
import { RecordReader } from '../../src/record/reader.js';
import { RecordWriter } from '../../src/record/writer.js';
import { Tls13WriteProtection, type WriteProtection } from '../../src/record/protection.js';
import { MAX_EMPTY_RECORDS_IN_A_ROW } from '../../src/record/limits.js';
import { concatBytes, toHex } from '../../src/util/bytes.js';
import type { AeadAlgorithm, AeadKey } from '../../src/crypto/provider.js';
import { AlertDescription as A, ContentType as T } from '../../src/wire/registry.js';
import { requireNative } from '../support/native.js';

const p = nodeCryptoProvider();
const key16 = new Uint8Array(16).fill(7);
const key32 = new Uint8Array(32).fill(9);
const iv = Uint8Array.from({ length: 12 }, (_, i) => i * 17);
const aes = () => p.aead('aes-128-gcm', key16);
// The two record layouts, each tested on purpose: node:crypto seals a record as header, ciphertext
// and (type || tag) chunks; the native AEAD seals whole records into a shared slab.
const nodeAes = () => nodeCryptoAead('aes-128-gcm', key16);

/** The native AES-128-GCM key, or null after a loud skip (a failure in CI, which builds the addon). */
function nativeAes(t: TestContext): AeadKey | null {
  if (!requireNative(t, { untested: 'native layout test SKIPPED' })) return null;
  return nativeAead('aes-128-gcm', key16); // non-null: the binding loaded
}

/** Payload lengths of the whole records in `chunk`; fails when a record straddles its end. */
function recordLengths(chunk: Uint8Array): number[] {
  const out: number[] = [];
  let o = 0;
  while (o < chunk.length) {
    assert.ok(o + 5 <= chunk.length, 'chunk ends inside a record header');
    assert.equal(chunk[o], T.application_data);
    const len = (chunk[o + 3]! << 8) | chunk[o + 4]!;
    assert.ok(o + 5 + len <= chunk.length, 'chunk ends inside a record');
    out.push(len - 17);
    o += 5 + len;
  }
  return out;
}

/** Chunks are maximal runs: no chunk directly follows the previous one in the same buffer. */
function assertMerged(chunks: Uint8Array[]): void {
  for (let i = 1; i < chunks.length; i++) {
    const a = chunks[i - 1]!;
    const b = chunks[i]!;
    assert.ok(!(a.buffer === b.buffer && a.byteOffset + a.byteLength === b.byteOffset), `chunks ${i - 1} and ${i} are adjacent but not merged`);
  }
}
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const isAlert = (alert: number, reason?: string) => (e: any) => e?.name?.endsWith('Error') && e.alert === alert && (reason === undefined || e.reason === reason);

function drain(r: RecordReader) {
  const out: { type: number; payload: string }[] = [];
  for (let rec = r.next(); rec; rec = r.next()) out.push({ type: rec.type, payload: toHex(rec.payload) });
  return out;
}

/** Plain handshake, then protected records under one key (the reader needs the key from record 2 on). */
function sampleStream() {
  const w = new RecordWriter();
  w.writePlain(T.handshake, bytes(300));
  const plain = concatBytes(...w.take());
  w.setWriteKey13(aes(), iv);
  w.seal(T.handshake, bytes(50, 2));
  w.seal(T.application_data, bytes(20000, 3)); // two records
  w.seal(T.alert, Uint8Array.of(1, 0));
  return { plain, sealed: concatBytes(...w.take()) };
}

test('framing: every split point of the stream yields the same records', () => {
  const { plain, sealed } = sampleStream();
  const stream = concatBytes(plain, sealed);
  const reference = (() => {
    const r = new RecordReader();
    r.push(plain);
    const first = drain(r);
    r.setReadKey13(aes(), iv);
    r.push(sealed);
    return [...first, ...drain(r)];
  })();
  assert.equal(reference.length, 5);
  assert.deepEqual(reference.map((x) => x.type), [T.handshake, T.handshake, T.application_data, T.application_data, T.alert]);
  for (let cut = 0; cut <= stream.length; cut += cut < 400 ? 1 : 97) {
    const r = new RecordReader();
    const got: ReturnType<typeof drain> = [];
    r.push(stream.subarray(0, cut));
    const keyAt = plain.length;
    // Install the key as soon as the plaintext record has come out, as a connection would.
    const pull = () => {
      for (;;) {
        if (got.length === 1 && !r.isProtected) r.setReadKey13(aes(), iv);
        const rec = r.next();
        if (!rec) return;
        got.push({ type: rec.type, payload: toHex(rec.payload) });
      }
    };
    pull();
    r.push(stream.subarray(cut));
    pull();
    assert.deepEqual(got, reference, `cut at ${cut} (key at ${keyAt})`);
  }
});

test('framing: byte-by-byte delivery buffers only what is pending', () => {
  const { plain } = sampleStream();
  const r = new RecordReader();
  let out;
  for (let i = 0; i < plain.length; i++) {
    r.push(plain.subarray(i, i + 1));
    out = r.next();
    if (i < plain.length - 1) assert.equal(out, undefined);
    assert.ok(r.bufferedBytes <= plain.length);
  }
  assert.equal(out!.payload.length, 300);
  assert.equal(r.bufferedBytes, 0);
});

test('limits: plaintext record over 2^14 is record_overflow as soon as the header arrives', () => {
  const r = new RecordReader();
  r.push(Uint8Array.of(T.handshake, 3, 3, 0x40, 0x01));
  assert.throws(() => r.next(), isAlert(A.record_overflow, 'RecordOverflow'));
  const ok = new RecordReader();
  ok.push(concatBytes(Uint8Array.of(T.application_data, 3, 3, 0x40, 0x00), new Uint8Array(16384)));
  assert.equal(ok.next()!.payload.length, 16384);
});

test('limits: protected record over 2^14+256 is record_overflow; exactly 2^14+256 is decrypted (and fails auth)', () => {
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(Uint8Array.of(T.application_data, 3, 3, 0x41, 0x01));
  assert.throws(() => r.next(), isAlert(A.record_overflow));
  const r2 = new RecordReader();
  r2.setReadKey13(aes(), iv);
  r2.push(concatBytes(Uint8Array.of(T.application_data, 3, 3, 0x41, 0x00), new Uint8Array(16640)));
  assert.throws(() => r2.next(), isAlert(A.bad_record_mac));
});

/** Seals an arbitrary inner plaintext at seq 0, bypassing the writer's rules. */
function rawRecord(inner: Uint8Array, k = key16, alg: AeadAlgorithm = 'aes-128-gcm', nonceIv = iv) {
  const len = inner.length + 16;
  const header = Uint8Array.of(T.application_data, 3, 3, len >> 8, len & 0xff);
  const c = createCipheriv(alg as 'aes-128-gcm', k, nonceIv, { authTagLength: 16 });
  c.setAAD(header);
  const ct = c.update(inner);
  c.final();
  return concatBytes(header, ct, c.getAuthTag());
}

test('limits: a decrypted inner plaintext over 2^14+1 is record_overflow', () => {
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(rawRecord(concatBytes(new Uint8Array(16385).fill(1), Uint8Array.of(T.application_data))));
  assert.throws(() => r.next(), isAlert(A.record_overflow, 'InnerPlaintextTooLong'));
  const ok = new RecordReader();
  ok.setReadKey13(aes(), iv);
  ok.push(rawRecord(concatBytes(new Uint8Array(16384).fill(1), Uint8Array.of(T.application_data))));
  assert.equal(ok.next()!.payload.length, 16384);
});

test('padding: zeros after the content type are stripped; all-zero inner plaintext is unexpected_message', () => {
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(rawRecord(concatBytes(bytes(10), Uint8Array.of(T.handshake), new Uint8Array(200))));
  const rec = r.next()!;
  assert.equal(rec.type, T.handshake);
  assert.equal(toHex(rec.payload), toHex(bytes(10)));
  const z = new RecordReader();
  z.setReadKey13(aes(), iv);
  z.push(rawRecord(new Uint8Array(40)));
  assert.throws(() => z.next(), isAlert(A.unexpected_message, 'RecordHasNoContentType'));
});

test('types: unknown outer type, protected CCS/unknown inner type, unprotected handshake after the key', () => {
  const cases: [Uint8Array, number, boolean][] = [
    [Uint8Array.of(24, 3, 3, 0, 1, 0), A.unexpected_message, false], // heartbeat
    [Uint8Array.of(99, 3, 3, 0, 1, 0), A.unexpected_message, false],
    [Uint8Array.of(T.handshake, 3, 3, 0, 1, 0), A.unexpected_message, true],
    [Uint8Array.of(T.alert, 3, 3, 0, 2, 1, 0), A.unexpected_message, true], // a plaintext close_notify cannot be trusted
    [rawRecord(Uint8Array.of(1, T.change_cipher_spec)), A.unexpected_message, true],
    [rawRecord(Uint8Array.of(1, 99)), A.unexpected_message, true],
  ];
  for (const [wire, alert, keyed] of cases) {
    const r = new RecordReader();
    if (keyed) r.setReadKey13(aes(), iv);
    r.push(wire);
    assert.throws(() => r.next(), isAlert(alert), toHex(wire.subarray(0, 8)));
  }
});

test('types: change_cipher_spec passes through unencrypted after the key', () => {
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(Uint8Array.of(T.change_cipher_spec, 3, 3, 0, 1, 1));
  assert.deepEqual(r.next(), { type: T.change_cipher_spec, payload: Uint8Array.of(1) });
  assert.equal(r.sequenceNumber, 0, 'CCS does not consume a sequence number');
});

test('not TLS: HTTP request and other versions are protocol_version', () => {
  const http = new RecordReader();
  http.push(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
  assert.throws(() => http.next(), isAlert(A.protocol_version, 'PlainHttpRequest'));
  const v2 = new RecordReader();
  v2.push(Uint8Array.of(0x80, 0x2e, 0x01, 0x00, 0x02));
  assert.throws(() => v2.next(), isAlert(A.protocol_version, 'RecordVersionNotTls'));
});

test('empty records: handshake/alert rejected, application data limited to a run', () => {
  for (const type of [T.handshake, T.alert]) {
    const r = new RecordReader();
    r.push(Uint8Array.of(type, 3, 3, 0, 0));
    assert.throws(() => r.next(), isAlert(A.unexpected_message, 'EmptyRecord'));
    const k = new RecordReader();
    k.setReadKey13(aes(), iv);
    k.push(rawRecord(Uint8Array.of(type)));
    assert.throws(() => k.next(), isAlert(A.unexpected_message, 'EmptyRecord'));
  }
  const w = new RecordWriter();
  w.setWriteKey13(aes(), iv);
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  // An empty application-data record (allowed, §5.4) resets nothing; a run of them is refused.
  const empty = (seq: number) => new Tls13WriteProtection(aes(), iv).seal(T.application_data, new Uint8Array(0), seq);
  for (let i = 0; i < MAX_EMPTY_RECORDS_IN_A_ROW; i++) {
    r.push(concatBytes(...empty(i)));
    assert.equal(r.next()!.payload.length, 0);
  }
  r.push(concatBytes(...empty(MAX_EMPTY_RECORDS_IN_A_ROW)));
  assert.throws(() => r.next(), isAlert(A.unexpected_message, 'TooManyEmptyRecords'));
});

test('key change: records sealed under key A then key B read back with the switch at the boundary', () => {
  for (const alg of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as const) {
    const kA = alg === 'aes-128-gcm' ? key16 : key32;
    const kB = kA.map((x) => x ^ 0x55);
    const w = new RecordWriter();
    w.setWriteKey13(p.aead(alg, kA), iv);
    w.seal(T.handshake, bytes(100));
    w.seal(T.handshake, bytes(101));
    w.setWriteKey13(p.aead(alg, kB), iv);
    assert.equal(w.sequenceNumber, 0);
    w.seal(T.application_data, bytes(102));
    const r = new RecordReader();
    r.push(concatBytes(...w.take()));
    r.setReadKey13(p.aead(alg, kA), iv);
    assert.equal(r.next()!.payload.length, 100);
    assert.equal(r.next()!.payload.length, 101);
    r.setReadKey13(p.aead(alg, kB), iv);
    const last = r.next()!;
    assert.equal(last.type, T.application_data);
    assert.equal(toHex(last.payload), toHex(bytes(102)));
    // Reading the last record with the old key instead fails authentication.
    const stale = new RecordReader();
    const w2 = new RecordWriter();
    w2.setWriteKey13(p.aead(alg, kB), iv);
    w2.seal(T.application_data, bytes(5));
    stale.setReadKey13(p.aead(alg, kA), iv);
    stale.push(concatBytes(...w2.take()));
    assert.throws(() => stale.next(), isAlert(A.bad_record_mac), alg);
  }
});

/** What a reader with the test key reads from `chunks`: each record's payload length. */
function readBackLengths(chunks: Uint8Array[]): number[] {
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(concatBytes(...chunks));
  return drain(r).map((x) => x.payload.length / 2);
}

/** 1025 bytes sealed at maxFragment 512 (three records after three of 40000), then 1100 plain bytes. */
function sealSmallThenPlain(w: RecordWriter): Uint8Array[] {
  w.maxFragment = 512;
  w.seal(T.application_data, bytes(1025));
  assert.equal(w.sequenceNumber, 6);
  assert.equal(w.queuedBytes, 3 * (5 + 1 + 16) + 1025);
  w.writePlain(T.handshake, bytes(1100));
  return w.take();
}

test('writer (node:crypto): fragments at maxFragment, bounds its setter, and needs a key to seal', () => {
  const w = new RecordWriter();
  w.setWriteKey13(nodeAes(), iv);
  w.seal(T.application_data, bytes(40000));
  assert.deepEqual(readBackLengths(w.take()), [16384, 16384, 7232]);
  const out = sealSmallThenPlain(w);
  // Sealed: header, ciphertext, (type ciphertext || tag) per record. One record's tail and the
  // next one's header are neighbours in the small-chunk slab, so the writer joins them (unless
  // the slab filled in between); nothing else is joined. Plain: header + fragment per record.
  assert.deepEqual(out.slice(-6).map((c) => c.length), [5, 512, 5, 512, 5, 76]);
  const sealed = out.slice(0, -6);
  assertMerged(sealed);
  const parts = [5, 512, 17, 5, 512, 17, 5, 1, 17];
  let i = 0;
  for (const c of sealed) {
    let n = parts[i++]!;
    while (n < c.length) {
      assert.ok(i % 3 === 0, `chunk of ${c.length} bytes joins more than a tail and the next header`);
      n += parts[i++]!;
    }
    assert.equal(n, c.length, `chunk lengths ${sealed.map((x) => x.length)}`);
  }
  assert.equal(i, parts.length);
  assert.throws(() => (w.maxFragment = 63), RangeError);
  assert.throws(() => (w.maxFragment = 16385), RangeError);
  assert.throws(() => new RecordWriter().seal(T.application_data, bytes(1)), isAlert(A.internal_error, 'SealWithoutWriteKey'));
});

test('writer (native AEAD): one chunk per record, the records of one seal() merged into one chunk', (t) => {
  const key = nativeAes(t);
  if (!key) return;
  // The protection itself: header and sealed inner plaintext in one view.
  const one = new Tls13WriteProtection(key, iv).seal(T.handshake, bytes(33), 0);
  assert.equal(one.length, 1);
  assert.equal(one[0]!.length, 5 + 33 + 1 + 16);
  assert.deepEqual(recordLengths(one[0]!), [33]);
  assert.equal(toHex(one[0]!), toHex(rawRecord(concatBytes(bytes(33), Uint8Array.of(T.handshake)))), 'same bytes as node:crypto');

  const w = new RecordWriter();
  w.setWriteKey13(key, iv);
  w.seal(T.application_data, bytes(40000));
  const chunks = w.take();
  // Adjacent in the record slab, so one chunk; two only when the 256 KiB slab filled in between.
  assertMerged(chunks);
  assert.equal(chunks.length, new Set(chunks.map((c) => c.buffer)).size, 'more than one chunk per slab');
  assert.ok(chunks.length <= 2, `${chunks.length} chunks for 3 records`);
  assert.deepEqual(chunks.flatMap(recordLengths), [16384, 16384, 7232]);
  assert.deepEqual(readBackLengths(chunks), [16384, 16384, 7232]);
  const out = sealSmallThenPlain(w);
  const sealed = out.slice(0, out.length - 6); // plain: header + fragment for each of 3 records
  assert.ok(sealed.length === 1 || sealed.length === 2, `${out.length} chunks`);
  assert.deepEqual(sealed.flatMap(recordLengths), [512, 512, 1]);
  assert.equal(out.slice(-6).reduce((n, c) => n + c.length, 0), 3 * 5 + 1100);
});

test('writer: keyUpdateDue and the hard per-key record limit (§5.5)', () => {
  const fake: WriteProtection = { recordLimit: 3, keyUpdateThreshold: 2, seal: (type, frag) => [Uint8Array.of(type), frag] };
  const w = new RecordWriter();
  w.setWriteProtection(fake);
  w.seal(T.application_data, bytes(1));
  assert.equal(w.keyUpdateDue, false);
  w.seal(T.application_data, bytes(1));
  assert.equal(w.keyUpdateDue, true);
  w.seal(T.application_data, bytes(1));
  assert.throws(() => w.seal(T.application_data, bytes(1)), isAlert(A.internal_error, 'WriteKeyUsageLimitReached'));
  w.setWriteKey13(aes(), iv);
  assert.equal(w.keyUpdateDue, false, 'a new key resets the count');
  assert.equal(new Tls13WriteProtection(aes(), iv).recordLimit, Math.floor(2 ** 24.5));
});

test('nonce: sequence numbers above 2^32 XOR into the IV big-endian', () => {
  const seq = 2 ** 32 + 5;
  const chunks = new Tls13WriteProtection(aes(), iv).seal(T.application_data, bytes(33), seq);
  const nonce = iv.slice();
  nonce[7]! ^= 1; // the 2^32 bit
  nonce[11]! ^= 5;
  const expected = rawRecord(concatBytes(bytes(33), Uint8Array.of(T.application_data)), key16, 'aes-128-gcm', nonce);
  assert.equal(toHex(concatBytes(...chunks)), toHex(expected));
});

test('change_cipher_spec must be the single byte 1 (RFC 8446 §5)', () => {
  for (const body of [[], [2], [1, 1]]) {
    const r = new RecordReader();
    r.push(Uint8Array.of(T.change_cipher_spec, 3, 3, 0, body.length, ...body));
    assert.throws(() => r.next(), isAlert(A.unexpected_message, 'MalformedChangeCipherSpec'), JSON.stringify(body));
  }
});

test('framing: four 16 KiB records in 1-byte chunks are read in linear time', () => {
  const w = new RecordWriter();
  w.setWriteKey13(aes(), iv);
  for (let i = 0; i < 4; i++) w.seal(T.application_data, bytes(16384, i));
  const wire = concatBytes(...w.take());
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  const t0 = performance.now();
  for (let i = 0; i < wire.length; i++) r.push(wire.subarray(i, i + 1));
  let n = 0;
  for (let rec = r.next(); rec; rec = r.next()) n += rec.payload.length;
  assert.equal(n, 4 * 16384);
  assert.equal(r.bufferedBytes, 0);
  // With Array.shift per chunk this took seconds (65k chunks, quadratic moves).
  assert.ok(performance.now() - t0 < 1500, `took ${performance.now() - t0} ms`);
});

test('rejected 0-RTT: undecryptable records are skipped within the budget, then normal reading resumes', () => {
  const early = new RecordWriter();
  early.setWriteKey13(p.aead('aes-128-gcm', new Uint8Array(16).fill(0xee)), iv);
  early.seal(T.application_data, bytes(1000));
  early.seal(T.application_data, bytes(1000));
  const hs = new RecordWriter();
  hs.setWriteKey13(aes(), iv);
  hs.seal(T.handshake, bytes(40));
  hs.seal(T.handshake, bytes(41));
  const earlyWire = concatBytes(...early.take());
  const hsWire = concatBytes(...hs.take());

  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.skipUndecryptableEarlyData(2 * 1017);
  r.push(concatBytes(earlyWire, hsWire));
  assert.equal(r.next()!.payload.length, 40);
  assert.equal(r.next()!.payload.length, 41, 'sequence numbers were not consumed by skipped records');

  const over = new RecordReader();
  over.setReadKey13(aes(), iv);
  over.skipUndecryptableEarlyData(1500);
  over.push(concatBytes(earlyWire, hsWire));
  assert.throws(() => over.next(), isAlert(A.bad_record_mac), 'budget exceeded');

  const after = new RecordReader();
  after.setReadKey13(aes(), iv);
  after.skipUndecryptableEarlyData(100_000);
  after.push(concatBytes(hsWire.subarray(0, 5 + 57)));
  assert.equal(after.next()!.payload.length, 40);
  after.push(earlyWire.subarray(0, 5 + 1017));
  assert.throws(() => after.next(), isAlert(A.bad_record_mac), 'skipping ends at the first good record');
});

/** A "null cipher" (ciphertext = plaintext, zero tag) returns views, the worst case for the reused scratch buffer. */
const nullAead: AeadKey = {
  algorithm: 'aes-128-gcm',
  seal: (_n, _a, pt) => [pt.slice(), new Uint8Array(16)],
  open: (_n, _a, ct) => ct.subarray(0, ct.length - 16),
};

/** The wire bytes of `payloads` sealed as application data under `aead`. */
function sealedWire(aead: AeadKey, payloads: Uint8Array[]): Uint8Array {
  const w = new RecordWriter();
  w.setWriteKey13(aead, iv);
  for (const p of payloads) w.seal(T.application_data, p);
  return concatBytes(...w.take());
}

test('records spanning chunks: payloads stay intact even with an AEAD whose open() returns a view of its input', () => {
  for (const aead of [nullAead, aes()]) {
    const wire = sealedWire(aead, Array.from({ length: 6 }, (_, i) => bytes(5000, i)));
    const r = new RecordReader();
    r.setReadKey13(aead, iv);
    // 3333-byte pushes: every record spans two or three chunks.
    for (let o = 0; o < wire.length; o += 3333) r.push(wire.subarray(o, o + 3333));
    const got: Uint8Array[] = [];
    for (let rec = r.next(); rec; rec = r.next()) got.push(rec.payload);
    assert.deepEqual(got.map((g) => toHex(g)), Array.from({ length: 6 }, (_, i) => toHex(bytes(5000, i))));
  }
});

test('records spanning chunks, two readers interleaved: the process-wide scratch never leaks into a kept payload', () => {
  for (const aead of [nullAead, aes()]) {
    const readers = [0, 1].map((who) => {
      const wire = sealedWire(aead, Array.from({ length: 4 }, (_, i) => bytes(4000 + who, 10 * who + i)));
      const r = new RecordReader();
      r.setReadKey13(aead, iv);
      for (let o = 0; o < wire.length; o += 2500) r.push(wire.subarray(o, o + 2500));
      return r;
    });
    const got: Uint8Array[][] = [[], []];
    for (let i = 0; i < 4; i++) for (const who of [0, 1]) got[who]!.push(readers[who]!.next()!.payload);
    for (const who of [0, 1]) {
      assert.deepEqual(got[who]!.map((g) => toHex(g)), Array.from({ length: 4 }, (_, i) => toHex(bytes(4000 + who, 10 * who + i))), `reader ${who}`);
    }
    assert.ok(!('scratch' in readers[0]!), 'no scratch buffer per reader');
  }
});

test('an unprotected alert is delivered only while allowed and before the first protected record under the key', () => {
  const plainAlert = Uint8Array.of(T.alert, 3, 3, 0, 2, 2, A.unknown_ca);
  const w = new RecordWriter();
  w.setWriteKey13(aes(), iv);
  w.seal(T.handshake, bytes(40));
  const sealed = concatBytes(...w.take());

  // Allowed, key installed, nothing protected read yet: the peer has not switched keys (OpenSSL's
  // client rejecting our certificate) and its real reason must come through.
  const early = new RecordReader();
  early.acceptPlaintextAlerts(true);
  early.setReadKey13(aes(), iv);
  early.push(plainAlert);
  assert.deepEqual(drain(early), [{ type: T.alert, payload: toHex(Uint8Array.of(2, A.unknown_ca)) }]);

  // Once a protected record has arrived under the key, the peer has keys: no cleartext any more.
  const late = new RecordReader();
  late.acceptPlaintextAlerts(true);
  late.setReadKey13(aes(), iv);
  late.push(sealed);
  assert.equal(drain(late).length, 1);
  late.push(plainAlert);
  assert.throws(() => late.next(), isAlert(A.unexpected_message, 'UnprotectedRecordAfterKeyChange'));

  // Not allowed (after the handshake): an injected cleartext alert fails the connection.
  const after = new RecordReader();
  after.setReadKey13(aes(), iv);
  after.push(plainAlert);
  assert.throws(() => after.next(), isAlert(A.unexpected_message, 'UnprotectedRecordAfterKeyChange'));
});

test('sealed records (node:crypto): headers and tails are views of shared slabs, never overlapping, never overwritten later', () => {
  const w = new RecordWriter();
  w.setWriteKey13(nodeAes(), iv);
  w.seal(T.application_data, bytes(100));
  const first = w.take().map((c) => new Uint8Array(c)); // copy of what went to the socket
  w.seal(T.application_data, bytes(100));
  const held = w.take(); // kept by reference, as a socket's write queue does
  const heldCopy = held.map((c) => new Uint8Array(c));
  // Enough records to fill several 8 KiB slabs.
  const seen: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) {
    w.seal(T.application_data, bytes(65 + (i % 50), i)); // ciphertexts > 64 bytes: only headers and tails are small
    for (const c of w.take()) if (c.length <= 64) seen.push(c);
  }
  assert.deepEqual(held.map((c) => toHex(c)), heldCopy.map((c) => toHex(c)), 'a queued record was overwritten');
  // Small chunks sit in a shared ArrayBuffer (not one JS-heap array each) and do not overlap.
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const c of seen) {
    assert.ok(c.buffer.byteLength > 64, 'small chunk has its own tiny buffer');
    const list = byBuffer.get(c.buffer) ?? [];
    list.push([c.byteOffset, c.byteOffset + c.byteLength]);
    byBuffer.set(c.buffer, list);
  }
  assert.ok(byBuffer.size < seen.length / 100, `${byBuffer.size} buffers for ${seen.length} chunks`);
  for (const list of byBuffer.values()) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) assert.ok(list[i]![0] >= list[i - 1]![1], 'overlapping chunks');
  }
  // And the records still read back.
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(concatBytes(...first));
  assert.equal(toHex(r.next()!.payload), toHex(bytes(100)));
});

test('sealed records (native AEAD): whole records in shared 256 KiB slabs, never overlapping, never overwritten later', (t) => {
  const key = nativeAes(t);
  if (!key) return;
  const w = new RecordWriter();
  w.setWriteKey13(key, iv);
  w.seal(T.application_data, bytes(100));
  const first = w.take();
  w.seal(T.application_data, bytes(100, 2));
  const held = w.take(); // kept by reference, as a socket's write queue does
  const heldCopy = held.map((c) => c.slice());
  const all: Uint8Array[] = [...first, ...held];
  const payloads: Uint8Array[] = [bytes(100), bytes(100, 2)];
  // 2000 records of 500..2000 bytes: about 2.5 MB, so several 256 KiB slabs fill and are replaced.
  for (let i = 0; i < 2000; i++) {
    const payload = bytes(500 + ((i * 37) % 1500), i);
    w.seal(T.application_data, payload);
    const c = w.take();
    assert.equal(c.length, 1, 'one record, one chunk');
    assert.equal(c[0]!.length, 5 + payload.length + 1 + 16);
    all.push(c[0]!);
    payloads.push(payload);
  }
  // Several records in one seal(): merged into one chunk per slab.
  w.maxFragment = 512;
  const multi = bytes(5 * 512, 99);
  w.seal(T.application_data, multi);
  const run = w.take();
  assertMerged(run);
  assert.equal(run.length, new Set(run.map((c) => c.buffer)).size, 'more than one chunk per slab');
  assert.deepEqual(run.flatMap(recordLengths), [512, 512, 512, 512, 512]);
  all.push(...run);
  payloads.push(...[0, 1, 2, 3, 4].map((i) => multi.subarray(i * 512, (i + 1) * 512)));

  assert.deepEqual(held.map((c) => toHex(c)), heldCopy.map((c) => toHex(c)), 'a queued record was overwritten');
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const c of all) {
    assert.equal(c.buffer.byteLength, 256 * 1024, 'a record outside the record slab');
    const list = byBuffer.get(c.buffer) ?? [];
    list.push([c.byteOffset, c.byteOffset + c.byteLength]);
    byBuffer.set(c.buffer, list);
  }
  assert.ok(byBuffer.size >= 5, `only ${byBuffer.size} slabs used for ~2.5 MB`);
  for (const list of byBuffer.values()) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) assert.ok(list[i]![0] >= list[i - 1]![1], 'overlapping chunks');
  }
  // Every record, the held ones included, still reads back.
  const r = new RecordReader();
  r.setReadKey13(aes(), iv);
  r.push(concatBytes(...all));
  const got = drain(r);
  assert.equal(got.length, payloads.length);
  got.forEach((g, i) => assert.equal(g.payload, toHex(payloads[i]!), `record ${i}`));
});

test('installing a new key disposes the one it replaces (RFC 8446 §7.2), and only that one', () => {
  for (const make of [aes, nodeAes]) {
    const w = new RecordWriter();
    const r = new RecordReader();
    const first = { w: make(), r: make() };
    w.setWriteKey13(first.w, iv);
    r.setReadKey13(first.r, iv);
    const second = { w: make(), r: make() };
    w.setWriteKey13(second.w, iv);
    r.setReadKey13(second.r, iv);
    const nonce = new Uint8Array(12);
    const aad = Uint8Array.of(23, 3, 3, 0, 17);
    // The replaced keys refuse to work: their bytes are gone.
    assert.throws(() => first.w.seal(nonce, aad, Uint8Array.of(1)), /dispose/);
    const sealed = concatBytes(...second.w.seal(nonce, aad, Uint8Array.of(1)));
    assert.equal(first.r.open(nonce, aad, sealed), null);
    // The new ones work, through the record layer too.
    w.seal(T.application_data, Uint8Array.of(1, 2, 3));
    r.push(concatBytes(...w.take()));
    assert.deepEqual(r.next()?.payload, Uint8Array.of(1, 2, 3));
  }
});
