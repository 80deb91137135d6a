/**
 * Reads into a reused buffer (src/node/read-buffer.ts, TlsConnection.receive(bytes, true)): the
 * engine must keep nothing that points into the caller's buffer. Engine pair fed through one
 * buffer that is scribbled over after every call, in small and record-spanning chunks, and over
 * real sockets several connections at once sharing the process-wide read buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { ConnectionEvent, TlsConnection } from '../../src/connection/types.js';
import { useSharedReadBuffer } from '../../src/node/read-buffer.js';
import { RecordReader } from '../../src/record/reader.js';
import * as tls from '../../src/node/tls.js';
import { makePair, takeAll } from '../pair/pair.js';
import { listen, selfSigned } from '../node/helpers.js';

/** Feeds `bytes` to `to` in `step`-sized pieces through one reused buffer, wiped after each call. */
function feedTransient(to: TlsConnection, bytes: Uint8Array, step: number, reused: Buffer): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  for (let off = 0; off < bytes.length; off += step) {
    const n = Math.min(step, bytes.length - off);
    reused.set(bytes.subarray(off, off + n));
    events.push(...to.receive(reused.subarray(0, n), true));
    reused.fill(0xee); // what the next socket read would do to the bytes
  }
  return events;
}

/** Up to 10 rounds of each side's output fed transiently to the other, until both are quiet. */
function exchangeTransient(client: TlsConnection, server: TlsConnection, step: number, reused: Buffer, clientEvents: ConnectionEvent[], serverEvents: ConnectionEvent[]): void {
  for (let round = 0; round < 10; round++) {
    const c = takeAll(client);
    if (c.length) serverEvents.push(...feedTransient(server, c, step, reused));
    const s = takeAll(server);
    if (s.length) clientEvents.push(...feedTransient(client, s, step, reused));
    if (!c.length && !s.length) break;
  }
}

for (const step of [1, 7, 100, 5000, 16_411, 65536]) {
  test(`transient receive in ${step}-byte reads through a HelloRetryRequest: ClientHello1 is kept intact`, () => {
    // Server accepts only P-384, the client's first share is X25519: RFC 8446 §4.1.4 compares
    // ClientHello2 with ClientHello1, which must not have been overwritten by later reads.
    const { client, server } = makePair({ server: { groups: [0x0018] }, client: { groups: [0x001d, 0x0018] } });
    const reused = Buffer.alloc(65536);
    const events: ConnectionEvent[] = [...client.start()];
    exchangeTransient(client, server, step, reused, events, events);
    assert.deepEqual(events.filter((e) => e.type === 'error'), []);
    assert.ok(client.handshakeComplete && server.handshakeComplete);
  });

  test(`transient receive in ${step}-byte reads: handshake and data survive the buffer being reused`, () => {
    const { client, server } = makePair();
    const reused = Buffer.alloc(65536); // a Buffer, like the adapter's: its slice() is a view, not a copy
    const serverEvents: ConnectionEvent[] = [];
    const clientEvents: ConnectionEvent[] = [...client.start()];
    exchangeTransient(client, server, step, reused, clientEvents, serverEvents);
    assert.ok(client.handshakeComplete && server.handshakeComplete, 'handshake completes');
    assert.ok(![...serverEvents, ...clientEvents].some((e) => e.type === 'error'));

    const plaintext = randomBytes(70_000); // five records, the last one short
    client.write(plaintext);
    const data = feedTransient(server, takeAll(client), step, reused)
      .flatMap((e) => (e.type === 'data' ? [e.data] : []));
    reused.fill(0x11);
    assert.deepEqual(Buffer.concat(data), plaintext, 'data events keep their bytes after the read buffer is reused');
  });
}

test('useSharedReadBuffer switches an accepted socket and delivers every byte once', async () => {
  const payload = randomBytes(300_000);
  const got: Buffer[] = [];
  let hooked = false;
  const server = net.createServer((s) => {
    hooked = useSharedReadBuffer(s, (nread, b) => got.push(Buffer.from(b.subarray(0, nread))));
    s.on('end', () => s.end());
  });
  const port = await listen(server);
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.end(payload));
    c.on('error', reject);
    c.resume();
    c.on('close', () => resolve());
  });
  server.close();
  assert.ok(hooked, 'the switch is available on this Node');
  assert.deepEqual(Buffer.concat(got), payload);
});

test('several TLS connections at once share the read buffer without mixing bytes', { timeout: 30_000 }, async () => {
  const { key, cert } = selfSigned('localhost', 'DNS:localhost,IP:127.0.0.1');
  const digests = new Map<string, string>();
  const server = tls.createServer({ key, cert }, (s) => {
    const h = createHash('sha256');
    let id = '';
    s.on('data', (d: Buffer) => {
      if (!id) id = d.subarray(0, 8).toString('hex');
      h.update(d);
    });
    s.on('end', () => {
      digests.set(id, h.digest('hex'));
      s.end();
    });
  });
  const port = await listen(server);
  const sent = new Map<string, string>();
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      const body = randomBytes(400_000 + Math.floor(Math.random() * 50_000));
      sent.set(body.subarray(0, 8).toString('hex'), createHash('sha256').update(body).digest('hex'));
      const s = tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' });
      await new Promise<void>((resolve, reject) => {
        s.on('error', reject);
        s.on('secureConnect', () => {
          for (let off = 0; off < body.length; off += 70_000) s.write(body.subarray(off, off + 70_000));
          s.end();
        });
        s.resume();
        s.on('close', () => resolve());
      });
    }),
  );
  server.close();
  assert.equal(digests.size, 6);
  for (const [id, digest] of sent) assert.equal(digests.get(id), digest, `connection ${id} arrived intact`);
});

test('RecordReader.ownBuffered copies only the bytes of the reused buffer, once (a trickled record is not recopied per read)', () => {
  const reader = new RecordReader();
  const record = new Uint8Array(5 + 3000);
  record.set([22, 3, 3, 3000 >> 8, 3000 & 0xff]);
  for (let i = 5; i < record.length; i++) record[i] = i & 0xff;
  const reused = Buffer.alloc(1024);
  // Every byte written by set() or copyWithin() into a buffer other than `reused` is a copy.
  let copied = 0;
  const { set, copyWithin } = Uint8Array.prototype;
  const count = (target: Uint8Array, n: number): void => {
    if (target.buffer !== reused.buffer) copied += n;
  };
  Uint8Array.prototype.set = function (this: Uint8Array, src: ArrayLike<number>, offset?: number) {
    count(this, src.length);
    return set.call(this, src, offset);
  } as typeof set;
  Uint8Array.prototype.copyWithin = function (this: Uint8Array, target: number, start: number, end?: number) {
    count(this, (end ?? this.length) - start);
    return copyWithin.call(this, target, start, end);
  } as typeof copyWithin;
  let got;
  try {
    for (let off = 0; off < record.length; off += 700) {
      const n = Math.min(700, record.length - off);
      set.call(reused, record.subarray(off, off + n));
      reader.push(reused.subarray(0, n));
      got = reader.next();
      reader.ownBuffered(reused.buffer);
      reused.fill(0xee);
      const chunks = (reader as unknown as { chunks: Uint8Array[] }).chunks;
      assert.ok(chunks.every((c) => c.buffer !== reused.buffer), 'no chunk refers to the reused buffer');
    }
  } finally {
    Uint8Array.prototype.set = set;
    Uint8Array.prototype.copyWithin = copyWithin;
  }
  assert.ok(got);
  assert.equal(got.type, 22);
  assert.deepEqual(got.payload, record.subarray(5));
  // Each byte left the reused buffer once, plus one copy of the whole record handed over (an
  // unprotected record is never a view of the reused carry); recopying what is buffered at every
  // read would copy 700 + 1400 + ... bytes, over three times the record.
  assert.ok(copied <= 2 * record.length, `copied ${copied} bytes for a ${record.length}-byte record`);
});

test('RecordReader: a record cut by every read completes in the carry, and earlier records keep their bytes', () => {
  // Unprotected records of several sizes through one reused buffer, read in steps that leave
  // 0..n bytes of the next record behind, and records left unread across reads. As the connection
  // does, a payload that is a view of the caller's buffer is copied at once; any other payload is
  // the reader's to keep valid, and must not be a view of its carry, which later reads overwrite.
  const records: Uint8Array[] = [];
  for (const len of [1, 300, 16384, 5, 16384, 2000, 7]) {
    const r = new Uint8Array(5 + len);
    r.set([22, 3, 3, len >> 8, len & 0xff]);
    for (let i = 5; i < r.length; i++) r[i] = (i * 7 + len) & 0xff;
    records.push(r);
  }
  const wire = Buffer.concat(records);
  for (const step of [1, 3, 700, 16389, 20000, 40000]) {
    for (const pullEvery of [1, 2]) {
      const reader = new RecordReader();
      const reused = Buffer.alloc(step);
      const payloads: Uint8Array[] = [];
      let reads = 0;
      for (let off = 0; off < wire.length; off += step) {
        const n = Math.min(step, wire.length - off);
        reused.set(wire.subarray(off, off + n));
        reader.push(reused.subarray(0, n));
        // pullEvery 2: every other read leaves its records buffered (a paused connection).
        if (++reads % pullEvery === 0 || off + n === wire.length) for (let r = reader.next(); r; r = reader.next()) payloads.push(r.payload.buffer === reused.buffer ? new Uint8Array(r.payload) : r.payload);
        reader.ownBuffered(reused.buffer);
        reused.fill(0xee);
      }
      assert.equal(payloads.length, records.length, `step ${step}: every record`);
      payloads.forEach((p, i) => assert.deepEqual(p, records[i]!.subarray(5), `step ${step}, pull ${pullEvery}: record ${i} intact after later reads`));
      assert.equal(reader.bufferedBytes, 0);
    }
  }
});
