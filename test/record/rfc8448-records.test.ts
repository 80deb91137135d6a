// RFC 8448 §3 and §5 record protection: the writer reproduces every protected record byte for
// byte, and the reader decrypts them back to the RFC's plaintexts, across the key changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { trafficKeys } from '../../src/handshake/tls13/key-schedule.js';
import { RecordReader } from '../../src/record/reader.js';
import { RecordWriter } from '../../src/record/writer.js';
import { suiteById } from '../../src/suites/suites.js';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { CipherSuite, ContentType } from '../../src/wire/registry.js';
import { RFC8448_HRR, RFC8448_SIMPLE_1RTT, traceValue, type TraceStep } from '../vectors/rfc8448.js';

const p = nodeCryptoProvider();
const suite = suiteById(CipherSuite.TLS_AES_128_GCM_SHA256)!;

/** A protected record of the trace: its plaintext, type, and the wire bytes. */
interface Rec {
  who: 'client' | 'server';
  type: number;
  payload: Uint8Array;
  wire: Uint8Array;
}

function protectedRecords(trace: readonly TraceStep[]): Rec[] {
  const out: Rec[] = [];
  for (const s of trace) {
    const wire = s.values['complete record'];
    if (!wire || !wire.startsWith('17')) continue; // plaintext records (hellos) start 16
    const type = s.title.includes('application_data') ? ContentType.application_data : s.title.includes('alert') ? ContentType.alert : ContentType.handshake;
    out.push({ who: s.who, type, payload: fromHex(s.values['payload']!), wire: fromHex(wire) });
  }
  return out;
}

/** The key epochs of each sender, in order: handshake keys, then application keys. */
function epochs(trace: readonly TraceStep[]) {
  const key = (who: 'client' | 'server', title: string) => trafficKeys(p, suite, fromHex(traceValue(trace, who, title, 'PRK')));
  return {
    server: [key('server', 'derive write traffic keys for handshake data'), key('server', 'derive write traffic keys for application data')],
    client: [key('server', 'derive read traffic keys for handshake data'), key('client', 'derive write traffic keys for application data')],
  };
}

for (const [name, trace] of [
  ['§3 simple 1-RTT', RFC8448_SIMPLE_1RTT],
  ['§5 HelloRetryRequest', RFC8448_HRR],
] as const) {
  const recs = protectedRecords(trace);
  const keys = epochs(trace);

  for (const who of ['client', 'server'] as const) {
    // Each sender's first protected record is its handshake flight (handshake keys); the rest use
    // the application keys.
    const mine = recs.filter((r) => r.who === who);

    test(`RFC 8448 ${name}: ${who} records encrypt to the RFC's bytes`, () => {
      assert.ok(mine.length >= 2);
      const w = new RecordWriter();
      mine.forEach((r, i) => {
        if (i <= 1) w.setWriteKey13(p.aead('aes-128-gcm', keys[who][i]!.key), keys[who][i]!.iv);
        w.seal(r.type, r.payload);
        assert.equal(toHex(concatBytes(...w.take())), toHex(r.wire), `record ${i}`);
      });
    });

    test(`RFC 8448 ${name}: ${who} records decrypt to the RFC's plaintexts`, () => {
      const r = new RecordReader();
      // Push everything at once: the reader must apply each key from the next record on only.
      for (const rec of mine) r.push(rec.wire);
      mine.forEach((rec, i) => {
        if (i <= 1) r.setReadKey13(p.aead('aes-128-gcm', keys[who][i]!.key), keys[who][i]!.iv);
        const got = r.next();
        assert.ok(got, `record ${i}`);
        assert.equal(got.type, rec.type);
        assert.equal(toHex(got.payload), toHex(rec.payload));
      });
      assert.equal(r.next(), undefined);
      assert.equal(r.bufferedBytes, 0);
    });
  }

  test(`RFC 8448 ${name}: plaintext hello records frame and pass through`, () => {
    const r = new RecordReader();
    const w = new RecordWriter();
    for (const s of trace.filter((x) => x.values['complete record']?.startsWith('16'))) {
      const wire = fromHex(s.values['complete record']!);
      r.push(wire);
      const got = r.next()!;
      assert.equal(got.type, ContentType.handshake);
      assert.equal(toHex(got.payload), s.values['payload']);
      w.writePlain(ContentType.handshake, got.payload, (wire[1]! << 8) | wire[2]!);
      assert.equal(toHex(concatBytes(...w.take())), toHex(wire));
    }
  });
}

test('RFC 8448 §3: a flipped ciphertext bit is bad_record_mac', () => {
  const rec = protectedRecords(RFC8448_SIMPLE_1RTT).filter((r) => r.who === 'server')[0]!;
  const k = epochs(RFC8448_SIMPLE_1RTT).server[0]!;
  for (const at of [5, 100, rec.wire.length - 1]) {
    const bad = rec.wire.slice();
    bad[at]! ^= 0x01;
    const r = new RecordReader();
    r.setReadKey13(p.aead('aes-128-gcm', k.key), k.iv);
    r.push(bad);
    assert.throws(() => r.next(), (e: any) => e.alert === 20 && e.reason === 'RecordDecryptionFailed');
    assert.throws(() => r.next(), (e: any) => e.alert === 20, 'failure is sticky');
  }
});
