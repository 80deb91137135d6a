// RecordReader on real OpenSSL records: a node:tls server's bytes are captured by a loopback
// proxy and decrypted with keys derived (trafficKeys) from the secrets node:tls logs, for every
// TLS 1.3 suite, switching from handshake to application keys at the record after Finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { trafficKeys } from '../../src/handshake/tls13/key-schedule.js';
import { RecordReader } from '../../src/record/reader.js';
import { suiteByName } from '../../src/suites/suites.js';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { ContentType as T, HandshakeType } from '../../src/wire/registry.js';
import { captureServerRecords } from './openssl-capture.js';

const p = nodeCryptoProvider();

for (const suiteName of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  test(`RecordReader decrypts OpenSSL's ${suiteName} records (handshake, tickets, 40 KB of data, close_notify)`, async () => {
    const payload = randomBytes(40_000);
    const { wire, lines, received } = await captureServerRecords({ ciphers: suiteName, minVersion: 'TLSv1.3' }, payload);
    assert.equal(toHex(received), toHex(payload), 'node:tls client got the data');
    const suite = suiteByName(suiteName)!;
    const secret = (label: string) => fromHex(lines.find((l) => l.startsWith(label + ' '))!.split(' ')[2]!);
    const key = (label: string) => {
      const k = trafficKeys(p, suite, secret(label));
      return [p.aead((suite.cipher as { aead: 'aes-128-gcm' }).aead, k.key), k.iv] as const;
    };

    const r = new RecordReader();
    // Deliver in odd-sized pieces, as a socket might.
    for (let i = 0; i < wire.length; i += 1000) r.push(wire.subarray(i, i + 1000));
    const sh = r.next()!;
    assert.equal(sh.type, T.handshake);
    assert.equal(sh.payload[0], HandshakeType.server_hello);
    r.setReadKey13(...key('SERVER_HANDSHAKE_TRAFFIC_SECRET'));

    const handshakeTypes: number[] = [];
    const appData: Uint8Array[] = [];
    let alerts = 0;
    for (let rec = r.next(); rec; rec = r.next()) {
      if (rec.type === T.change_cipher_spec) continue; // middlebox compatibility (RFC 8446 §D.4)
      if (rec.type === T.application_data) appData.push(rec.payload);
      if (rec.type === T.alert) {
        assert.deepEqual([...rec.payload], [1, 0], 'close_notify');
        alerts++;
      }
      if (rec.type === T.handshake) {
        let sawFinished = false;
        for (let o = 0; o < rec.payload.length; ) {
          const t = rec.payload[o]!;
          handshakeTypes.push(t);
          sawFinished ||= t === HandshakeType.finished;
          o += 4 + ((rec.payload[o + 1]! << 16) | (rec.payload[o + 2]! << 8) | rec.payload[o + 3]!);
        }
        // The key change takes effect at the next record (RFC 8446 §5.1).
        if (sawFinished) r.setReadKey13(...key('SERVER_TRAFFIC_SECRET_0'));
      }
    }
    assert.deepEqual(handshakeTypes.slice(0, 4), [HandshakeType.encrypted_extensions, HandshakeType.certificate, HandshakeType.certificate_verify, HandshakeType.finished]);
    assert.ok(handshakeTypes.slice(4).every((t) => t === HandshakeType.new_session_ticket) && handshakeTypes.length > 4, 'tickets after Finished');
    assert.equal(toHex(concatBytes(...appData)), toHex(payload));
    assert.equal(alerts, 1);
    assert.equal(r.bufferedBytes, 0);
  });
}
