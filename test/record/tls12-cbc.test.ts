// TLS 1.2 CBC with encrypt-then-MAC (RFC 7366) against OpenSSL, which negotiates it by default:
// the server's protected records decrypt with a key block from the logged master secret, and
// records from our writer decrypt back. MAC-then-encrypt is refused by design (see tls12-cbc.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { RecordReader } from '../../src/record/reader.js';
import { RecordWriter } from '../../src/record/writer.js';
import { Tls12CbcEtmReadProtection, Tls12CbcEtmWriteProtection } from '../../src/record/tls12-cbc.js';
import { suiteByName, type CbcCipher } from '../../src/suites/suites.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/util/bytes.js';
import { AlertDescription as A, ContentType as T, HandshakeType } from '../../src/wire/registry.js';
import { captureServerRecords, prf12, splitRecords } from './openssl-capture.js';

const p = nodeCryptoProvider();

for (const suiteName of ['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-ECDSA-AES256-SHA']) {
  test(`TLS 1.2 ${suiteName} with encrypt_then_mac: OpenSSL's records decrypt; ours round-trip`, async () => {
    const payload = randomBytes(30_000);
    const { wire, lines } = await captureServerRecords({ ciphers: suiteName, maxVersion: 'TLSv1.2' }, payload);
    const suite = suiteByName(suiteName)!;
    const cipher = suite.cipher as CbcCipher;
    const [, clientRandom, master] = lines.find((l) => l.startsWith('CLIENT_RANDOM '))!.split(' ');
    const records = splitRecords(wire);
    assert.equal(records[0]![5], HandshakeType.server_hello);
    const serverRandom = records[0]!.subarray(5 + 6, 5 + 38);
    // key_block: client MAC key, server MAC key, client key, server key (RFC 5246 §6.3; no IVs for TLS 1.2 CBC).
    const m = cipher.macKeyLength;
    const k = suite.keyLength;
    const block = prf12(suite.hash, fromHex(master!), 'key expansion', concatBytes(serverRandom, fromHex(clientRandom!)), 2 * m + 2 * k);
    const serverMacKey = block.subarray(m, 2 * m);
    const serverKey = block.subarray(2 * m + k, 2 * m + 2 * k);
    const read = () => new Tls12CbcEtmReadProtection(p, p.cbc!(cipher.cipher, serverKey), cipher.mac, serverMacKey);

    const r = new RecordReader();
    r.push(wire);
    const got: { type: number; payload: Uint8Array }[] = [];
    for (let rec = r.next(); rec; rec = r.next()) {
      got.push(rec);
      if (rec.type === T.change_cipher_spec) r.setReadProtection(read());
    }
    const protectedRecs = got.slice(got.findIndex((x) => x.type === T.change_cipher_spec) + 1);
    assert.equal(protectedRecs[0]!.payload[0], HandshakeType.finished);
    assert.equal(toHex(concatBytes(...protectedRecs.filter((x) => x.type === T.application_data).map((x) => x.payload))), toHex(payload));
    assert.deepEqual([...protectedRecs.at(-1)!.payload], [1, A.close_notify]);

    const w = new RecordWriter();
    w.setWriteProtection(new Tls12CbcEtmWriteProtection(p, p.cbc!(cipher.cipher, serverKey), cipher.mac, serverMacKey));
    const r2 = new RecordReader();
    r2.setReadProtection(read());
    for (const rec of protectedRecs) {
      w.seal(rec.type, rec.payload);
      r2.push(concatBytes(...w.take()));
      assert.equal(toHex(r2.next()!.payload), toHex(rec.payload));
    }
  });
}

test('TLS 1.2 CBC EtM: a flipped bit anywhere, a replayed sequence number and short bodies are bad_record_mac', () => {
  const cbc = p.cbc!('aes-128-cbc', new Uint8Array(16).fill(1));
  const macKey = new Uint8Array(32).fill(2);
  const w = new RecordWriter();
  w.setWriteProtection(new Tls12CbcEtmWriteProtection(p, cbc, 'sha256', macKey));
  // (An empty payload writes no record.)
  for (const n of [1, 15, 16, 17, 1000]) w.seal(T.application_data, new Uint8Array(n).fill(n & 0xff));
  w.seal(T.application_data, utf8.encode('second'));
  const recs = splitRecords(concatBytes(...w.take()));
  const reader = () => {
    const r = new RecordReader();
    r.setReadProtection(new Tls12CbcEtmReadProtection(p, cbc, 'sha256', macKey));
    return r;
  };
  const ok = reader();
  ok.push(concatBytes(...recs));
  assert.deepEqual([1, 15, 16, 17, 1000].map(() => ok.next()!.payload.length), [1, 15, 16, 17, 1000]);
  assert.equal(utf8.decode(ok.next()!.payload), 'second');
  const first = recs[4]!;
  for (const at of [2, 5, 20, first.length - 40, first.length - 1]) {
    const bad = first.slice();
    bad[at]! ^= 0x10;
    const r = reader();
    r.push(bad);
    assert.throws(() => r.next(), (e: any) => e.alert === A.bad_record_mac || e.alert === A.record_overflow, `byte ${at}`);
  }
  const replay = reader();
  replay.push(recs[5]!); // sealed at seq 5, read at seq 0
  assert.throws(() => replay.next(), (e: any) => e.alert === A.bad_record_mac);
  const short = reader();
  short.push(Uint8Array.of(T.application_data, 3, 3, 0, 40, ...new Uint8Array(40)));
  assert.throws(() => short.next(), (e: any) => e.alert === A.bad_record_mac);
});
