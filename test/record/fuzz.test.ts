// Property tests: whatever bytes arrive, the reader either waits, returns records, or throws a
// TlsError carrying an alert; never another exception type, and never more buffered than pushed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { RecordReader } from '../../src/record/reader.js';
import { RecordWriter } from '../../src/record/writer.js';
import { Tls12AeadReadProtection } from '../../src/record/tls12-aead.js';
import { TlsError } from '../../src/util/errors.js';
import { ContentType as T } from '../../src/wire/registry.js';

const p = nodeCryptoProvider();
const key = new Uint8Array(16).fill(5);
const iv = new Uint8Array(12).fill(6);

/** Plausible-looking records: a valid-ish header most of the time, random bodies. */
const recordish = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.constantFrom(20, 21, 22, 23, 24, 0, 255), fc.constantFrom(3, 2, 0x80), fc.nat(0x4200), fc.uint8Array({ maxLength: 300 })).map(([t, v, len, body]) => {
    const n = Math.min(len, body.length + 3);
    return Uint8Array.of(t, v, 3, n >> 8, n & 0xff, ...body);
  }),
);

function pump(r: RecordReader, chunks: Uint8Array[]): void {
  let pushed = 0;
  try {
    for (const c of chunks) {
      r.push(c);
      pushed += c.length;
      for (let rec = r.next(); rec; rec = r.next()) assert.ok(rec.payload.length <= 16384);
      assert.ok(r.bufferedBytes <= pushed);
    }
  } catch (e) {
    assert.ok(e instanceof TlsError, `threw ${String(e)}`);
    assert.equal(typeof e.alert, 'number');
  }
}

test('random input: unprotected, TLS 1.3 and TLS 1.2 readers only ever throw TlsError', () => {
  const modes: ((r: RecordReader) => void)[] = [
    () => {},
    (r) => r.setReadKey13(p.aead('aes-128-gcm', key), iv),
    (r) => r.setReadProtection(new Tls12AeadReadProtection(p.aead('aes-128-gcm', key), iv.subarray(0, 4))),
    (r) => r.setReadProtection(new Tls12AeadReadProtection(p.aead('chacha20-poly1305', new Uint8Array(32)), iv)),
  ];
  for (const mode of modes) {
    fc.assert(
      fc.property(fc.array(recordish, { maxLength: 12 }), (chunks) => {
        const r = new RecordReader();
        mode(r);
        pump(r, chunks);
      }),
      { numRuns: 300 },
    );
  }
});

test('valid records with one byte changed: a TlsError or the same records, never garbage accepted silently', () => {
  const w = new RecordWriter();
  w.setWriteKey13(p.aead('aes-128-gcm', key), iv);
  w.seal(T.handshake, new Uint8Array(100).fill(1));
  w.seal(T.application_data, new Uint8Array(3000).fill(2));
  const wire = Uint8Array.from(w.take().flatMap((c) => [...c]));
  fc.assert(
    fc.property(fc.nat(wire.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = wire.slice();
      bad[at]! ^= x;
      const r = new RecordReader();
      r.setReadKey13(p.aead('aes-128-gcm', key), iv);
      r.push(bad);
      try {
        const first = r.next();
        // Only a header-length change can leave the stream waiting; a tampered body or AAD never decrypts.
        assert.ok(first === undefined || (at >= 5 + 100 + 17 && first.payload.every((b) => b === 1)), `byte ${at} accepted`);
      } catch (e) {
        assert.ok(e instanceof TlsError);
      }
    }),
    { numRuns: 400 },
  );
});
