// TLS 1.2 AEAD protection (RFC 5288 GCM, RFC 7905 ChaCha20-Poly1305) against OpenSSL: a
// node:tls TLS 1.2 server's records are decrypted with a key block derived from the logged
// master secret; ChaCha20 records are reproduced byte for byte by the writer (its nonce is
// deterministic); GCM round-trips through our own writer and reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { RecordReader } from '../../src/record/reader.js';
import { RecordWriter } from '../../src/record/writer.js';
import { Tls12AeadReadProtection, Tls12AeadWriteProtection } from '../../src/record/tls12-aead.js';
import { suiteByName, type AeadCipher } from '../../src/suites/suites.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/util/bytes.js';
import { AlertDescription as A, ContentType as T, HandshakeType } from '../../src/wire/registry.js';
import { captureServerRecords, prf12, splitRecords } from './openssl-capture.js';

const p = nodeCryptoProvider();

for (const suiteName of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
  test(`TLS 1.2 ${suiteName}: OpenSSL's protected records decrypt (Finished, data, close_notify)`, async () => {
    const payload = randomBytes(30_000);
    const { wire, lines } = await captureServerRecords({ ciphers: suiteName, maxVersion: 'TLSv1.2' }, payload);
    const suite = suiteByName(suiteName)!;
    const cipher = suite.cipher as AeadCipher;
    const [, clientRandom, master] = lines.find((l) => l.startsWith('CLIENT_RANDOM '))!.split(' ');
    const records = splitRecords(wire);
    const serverRandom = records[0]!.subarray(5 + 6, 5 + 38);
    assert.equal(records[0]![5], HandshakeType.server_hello);
    // key_block = PRF(master, "key expansion", server_random + client_random) (RFC 5246 §6.3); no MAC keys for AEAD.
    const kl = suite.keyLength;
    const il = cipher.fixedIvLength;
    const block = prf12(suite.hash, fromHex(master!), 'key expansion', concatBytes(serverRandom, fromHex(clientRandom!)), 2 * kl + 2 * il);
    const serverKey = block.subarray(kl, 2 * kl);
    const serverIv = block.subarray(2 * kl + il, 2 * kl + 2 * il);

    const r = new RecordReader();
    r.push(wire);
    const got: { type: number; payload: Uint8Array }[] = [];
    for (let rec = r.next(); rec; rec = r.next()) {
      got.push(rec);
      // The server's CCS switches its write state (RFC 5246 §7.1); sequence numbers restart.
      if (rec.type === T.change_cipher_spec) r.setReadProtection(new Tls12AeadReadProtection(p.aead(cipher.aead, serverKey), serverIv));
    }
    const ccsAt = got.findIndex((x) => x.type === T.change_cipher_spec);
    const protectedRecs = got.slice(ccsAt + 1);
    assert.equal(protectedRecs[0]!.type, T.handshake);
    assert.equal(protectedRecs[0]!.payload[0], HandshakeType.finished);
    assert.equal(protectedRecs[0]!.payload.length, 4 + 12, 'verify_data is 12 bytes');
    const data = protectedRecs.filter((x) => x.type === T.application_data).map((x) => x.payload);
    assert.equal(toHex(concatBytes(...data)), toHex(payload));
    assert.deepEqual([...protectedRecs.at(-1)!.payload], [1, A.close_notify]);

    // Writer: ChaCha20 nonces are deterministic, so our records must equal OpenSSL's exactly.
    const rawProtected = records.slice(records.findIndex((x) => x[0] === T.change_cipher_spec) + 1);
    assert.equal(rawProtected.length, protectedRecs.length);
    const w = new RecordWriter();
    w.setWriteProtection(new Tls12AeadWriteProtection(p.aead(cipher.aead, serverKey), serverIv));
    const r2 = new RecordReader();
    r2.setReadProtection(new Tls12AeadReadProtection(p.aead(cipher.aead, serverKey), serverIv));
    protectedRecs.forEach((rec, i) => {
      w.seal(rec.type, rec.payload);
      const mine = concatBytes(...w.take());
      if (cipher.aead === 'chacha20-poly1305') assert.equal(toHex(mine), toHex(rawProtected[i]!), `record ${i}`);
      else assert.equal(mine.length, rawProtected[i]!.length, `record ${i} length`);
      r2.push(mine);
      const back = r2.next()!;
      assert.equal(back.type, rec.type);
      assert.equal(toHex(back.payload), toHex(rec.payload));
    });
  });
}

test('TLS 1.2 AEAD: tampering, short bodies, a wrong sequence number and unprotected types fail', () => {
  const key = new Uint8Array(16).fill(3);
  const iv = Uint8Array.of(1, 2, 3, 4);
  const w = new RecordWriter();
  w.setWriteProtection(new Tls12AeadWriteProtection(p.aead('aes-128-gcm', key), iv));
  w.seal(T.application_data, utf8.encode('hello'));
  w.seal(T.application_data, utf8.encode('world'));
  const [first, second] = splitRecords(concatBytes(...w.take()));
  const fresh = () => {
    const r = new RecordReader();
    r.setReadProtection(new Tls12AeadReadProtection(p.aead('aes-128-gcm', key), iv));
    return r;
  };
  const bad = first!.slice();
  bad[bad.length - 1]! ^= 1;
  for (const [wire, alert] of [
    [bad, A.bad_record_mac],
    [second!, A.bad_record_mac], // sealed at seq 1, read at seq 0: the AAD differs
    [Uint8Array.of(T.application_data, 3, 3, 0, 10, ...new Uint8Array(10)), A.bad_record_mac],
    [Uint8Array.of(24, 3, 3, 0, 1, 0), A.unexpected_message],
  ] as const) {
    const r = fresh();
    r.push(wire);
    assert.throws(() => r.next(), (e: any) => e.alert === alert, toHex(wire.subarray(0, 6)));
  }
  const ok = fresh();
  ok.push(concatBytes(first!, second!));
  assert.equal(utf8.decode(ok.next()!.payload), 'hello');
  assert.equal(utf8.decode(ok.next()!.payload), 'world');
  assert.throws(() => new Tls12AeadReadProtection(p.aead('aes-128-gcm', key), new Uint8Array(12)), RangeError);
});
