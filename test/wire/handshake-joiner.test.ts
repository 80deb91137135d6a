/** HandshakeJoiner: messages split across and packed into records come out whole; the size limit holds before buffering. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromHex } from '../../src/util/bytes.js';
import { TlsError } from '../../src/util/errors.js';
import { HandshakeJoiner, MAX_HANDSHAKE_MESSAGE } from '../../src/wire/handshake/index.js';
import { AlertDescription } from '../../src/wire/registry.js';
import * as V from '../vectors/rfc8448.js';

const msg = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 })).map(([type, body]) => {
  const m = new Uint8Array(4 + body.length);
  m.set([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
  m.set(body, 4);
  return m;
});

function drain(j: HandshakeJoiner, out: Uint8Array[]): void {
  for (let m = j.next(); m !== undefined; m = j.next()) out.push(m);
}

describe('HandshakeJoiner', () => {
  it('reassembles the same messages whatever the split points', () => {
    fc.assert(
      fc.property(fc.array(msg, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (msgs, cuts) => {
        const stream = concatBytes(...msgs);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const j = new HandshakeJoiner();
        const out: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          j.push(stream.subarray(prev, p));
          drain(j, out);
          prev = p;
        }
        assert.deepStrictEqual(out, msgs);
        assert.ok(j.isEmpty());
        assert.equal(j.pendingBytes, 0);
      }),
      { numRuns: 500 },
    );
  });

  it('splits the RFC 8448 §3 server flight record into its four messages without copying', () => {
    const flight = fromHex(V.S3_SERVER_SEND_HANDSHAKE_RECORD_PAYLOAD_2);
    const j = new HandshakeJoiner();
    j.push(flight);
    const out: Uint8Array[] = [];
    drain(j, out);
    assert.deepEqual(out.map((m) => m[0]), [8, 11, 15, 20]);
    assert.deepEqual(out[3], fromHex(V.S3_SERVER_FINISHED));
    for (const m of out) assert.equal(m.buffer, flight.buffer, 'a message inside one fragment is a view');
  });

  it('reports partial messages as pending', () => {
    const j = new HandshakeJoiner();
    j.push(fromHex('14000020aa'));
    assert.equal(j.next(), undefined);
    assert.equal(j.pendingBytes, 5);
    assert.ok(!j.isEmpty());
    j.push(new Uint8Array(31));
    assert.equal(j.next()?.length, 36);
    assert.ok(j.isEmpty());
  });

  it('rejects a message longer than MAX_HANDSHAKE_MESSAGE as soon as its header is seen', () => {
    const len = MAX_HANDSHAKE_MESSAGE + 1;
    const header = Uint8Array.of(11, len >> 16, (len >> 8) & 0xff, len & 0xff);
    const j = new HandshakeJoiner();
    j.push(header.subarray(0, 2));
    assert.throws(
      () => j.push(concatBytes(header.subarray(2), new Uint8Array(100))),
      (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter && e.reason === 'HandshakeMessageTooLarge',
    );
    assert.equal(j.pendingBytes, 0, 'nothing stays buffered');
  });

  it('checks the header of a later message packed into the same fragment', () => {
    const j = new HandshakeJoiner();
    const big = MAX_HANDSHAKE_MESSAGE + 5;
    assert.throws(() => j.push(concatBytes(fromHex('1400000100'), Uint8Array.of(11, big >> 16, (big >> 8) & 0xff, big & 0xff))), TlsError);
  });

  it('accepts a message of exactly the limit', () => {
    const len = MAX_HANDSHAKE_MESSAGE;
    const j = new HandshakeJoiner();
    j.push(Uint8Array.of(11, len >> 16, (len >> 8) & 0xff, len & 0xff));
    for (let i = 0; i < len; i += 16384) j.push(new Uint8Array(Math.min(16384, len - i)));
    assert.equal(j.next()?.length, len + 4);
  });
});
