/**
 * Records decrypted back to back into one buffer (record/plaintext-slab.ts): the records of one
 * receive() come out as one 'data' chunk, chunks already handed out are never written again, and
 * an idle connection keeps no slab. Without an AEAD that writes into a caller's buffer
 * (TS_TLS_NATIVE=0: node:crypto alone), each record stays its own chunk; the bytes are the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasAeadInto, type AeadKeyInto, type CryptoProvider } from '../../src/crypto/provider.js';
import { concatBytes } from '../../src/util/bytes.js';
import { MAX_SLAB_BYTES, PlaintextSlab } from '../../src/record/plaintext-slab.js';
import type { ConnectionEvent, TlsConnection } from '../../src/connection/types.js';
import { errorsOf, handshake, makePair, provider, takeAll } from '../pair/pair.js';

const slabs = hasAeadInto(provider.aead('aes-128-gcm', new Uint8Array(16)));

function dataEvents(events: ConnectionEvent[]): Uint8Array[] {
  return events.flatMap((e) => (e.type === 'data' ? [e.data] : []));
}

function message(n: number, seed: number): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = (i * 31 + seed) & 0xff;
  return m;
}

/** `count` records of `size` bytes from client to server, delivered in one receive(). */
function send(client: TlsConnection, server: TlsConnection, count: number, size: number, seed: number): { sent: Uint8Array; events: ConnectionEvent[] } {
  const parts: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const m = message(size, seed + k);
    parts.push(m);
    client.write(m);
  }
  const events = server.receive(takeAll(client));
  assert.deepEqual(errorsOf(events), []);
  return { sent: concatBytes(...parts), events };
}

test('the records of one receive() arrive as one chunk, byte for byte', () => {
  const { client, server } = makePair();
  handshake(client, server);
  // Past the tiered key's first 64 KiB too, where the native AEAD takes over.
  for (let round = 0; round < 3; round++) {
    const { sent, events } = send(client, server, 5, 16384, round);
    const chunks = dataEvents(events);
    assert.deepEqual(concatBytes(...chunks), sent);
    assert.equal(chunks.length, slabs ? 1 : 5, slabs ? 'one chunk per receive' : 'one chunk per record without an in-place AEAD');
  }
});

test('a chunk handed out is never overwritten by later records', () => {
  const { client, server } = makePair();
  handshake(client, server);
  const kept: { chunk: Uint8Array; copy: Uint8Array }[] = [];
  // Small records: many fit one slab, so later ones are written right after the kept ones.
  for (let round = 0; round < 20; round++) {
    const { sent, events } = send(client, server, 3, 100 + round, round * 7);
    const chunk = concatBytes(...dataEvents(events));
    assert.deepEqual(chunk, sent);
    for (const c of dataEvents(events)) kept.push({ chunk: c, copy: new Uint8Array(c) });
  }
  for (const { chunk, copy } of kept) assert.deepEqual(chunk, copy);
});

test('a record split across receive() calls and an idle connection afterwards', () => {
  const { client, server } = makePair();
  handshake(client, server);
  const m = message(40000, 3);
  client.write(m);
  const bytes = takeAll(client);
  const got: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 7000) got.push(...dataEvents(server.receive(bytes.subarray(at, Math.min(bytes.length, at + 7000)))));
  assert.deepEqual(concatBytes(...got), m);
  const reader = (server as unknown as { reader: { slab: unknown; bufferedBytes: number } }).reader;
  assert.equal(reader.bufferedBytes, 0);
  assert.equal(reader.slab, null, 'nothing buffered: the reader lets its slab go');
});

test('PlaintextSlab: sized by what is expected, never handing out a region twice', () => {
  const slab = new PlaintextSlab();
  slab.expected = 900;
  const a = slab.room(100);
  assert.equal(a.length, 1000, 'the record and what is expected after it');
  assert.equal(slab.offset, 0);
  slab.commit(90, 100);
  slab.expected = 0;
  assert.equal(slab.room(500), a, 'room left: the same buffer');
  assert.equal(slab.offset, 90);
  slab.commit(500, 500);
  const b = slab.room(500);
  assert.notEqual(b, a, 'no room: a new buffer');
  assert.equal(b.length, 500, 'at least the record');
  assert.equal(slab.offset, 0);
  slab.commit(500, 500);
  slab.expected = 64 * 1024 * 1024;
  assert.equal(slab.room(1).length, MAX_SLAB_BYTES, 'a large backlog is capped');
});

/** An AEAD whose output memory comes pre-filled with 0xEE, standing in for uninitialised heap. */
const DIRTY = 0xee;
const dirtyAlloc = {
  allocOpenOutput: (n: number): Uint8Array => new Uint8Array(n).fill(DIRTY),
} as unknown as AeadKeyInto;

test('PlaintextSlab: settle() zeroes what no open wrote, and so does replacing a slab with room left', () => {
  const slab = new PlaintextSlab();
  slab.expected = 300;
  const a = slab.room(100, dirtyAlloc);
  assert.equal(a[0], DIRTY);
  a.fill(1, 0, 100); // an open writing 100 bytes: 99 of content, then the type byte
  slab.commit(99, 100);
  assert.equal(a.indexOf(DIRTY), 100);
  slab.expected = 0;
  // 350 > 301 left: a new buffer; the old one is zeroed past what was written.
  const b = slab.room(350, dirtyAlloc);
  assert.notEqual(b, a);
  assert.equal(a.indexOf(DIRTY), -1, 'the abandoned slab has no uninitialised byte');
  assert.deepEqual([...new Set(a.subarray(100))], [0]);
  b.fill(2, 0, 200); // an open of 200 bytes, then one that failed (it wrote nothing)
  slab.commit(150, 200);
  slab.settle();
  assert.equal(b.indexOf(DIRTY), -1, 'settle leaves no uninitialised byte');
  assert.deepEqual([...new Set(b)], [2, 0]);
});

/** Plaintext that never contains DIRTY, so a DIRTY byte in a buffer can only be unwritten memory. */
function cleanMessage(n: number, seed: number): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = (i * 31 + seed) % DIRTY;
  return m;
}

/** The server's AEAD keys hand out 0xEE-filled memory for plaintext. */
function dirtyProvider(): CryptoProvider {
  const aead: CryptoProvider['aead'] = (alg, key) => {
    const k = provider.aead(alg, key);
    return hasAeadInto(k) ? Object.create(k, { allocOpenOutput: { value: dirtyAlloc.allocOpenOutput } }) : k;
  };
  return Object.create(provider, { aead: { value: aead } }) as CryptoProvider;
}

test('no byte of a chunk\'s ArrayBuffer is uninitialised memory, whatever the read boundaries', { skip: !slabs && 'needs the native AEAD (slabs)' }, () => {
  const { client, server } = makePair({ server: { provider: dirtyProvider() } });
  handshake(client, server);
  // Whole records in one receive: the slab is sized exactly, so the opens fill it (nothing to zero).
  const sent = concatBytes(...[1, 2, 3, 4, 5].map((k) => cleanMessage(16384, k)));
  client.write(sent);
  const [whole, ...more] = dataEvents(server.receive(takeAll(client)));
  assert.equal(more.length, 0);
  assert.deepEqual(whole, sent);
  assert.equal(whole!.buffer.byteLength, 5 * (16384 + 1), 'one slab of exactly the records\' inner plaintext');
  assert.equal(new Uint8Array(whole!.buffer).indexOf(DIRTY), -1);
  // Records cut at arbitrary points, of sizes that never fill a slab exactly.
  let seed = 7;
  for (let round = 0; round < 40; round++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const sizes = [1 + (seed % 20000), 1 + ((seed >> 7) % 300), 1 + ((seed >> 3) % 17000)];
    const parts = sizes.map((n, k) => cleanMessage(n, round + k));
    for (const m of parts) client.write(m);
    const bytes = takeAll(client);
    const got: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const step = 1 + ((seed >> (at % 11)) % 24000);
      const chunks = dataEvents(server.receive(bytes.subarray(at, Math.min(bytes.length, at + step))));
      for (const c of chunks) {
        const all = new Uint8Array(c.buffer);
        assert.equal(all.indexOf(DIRTY), -1, `round ${round}: a chunk's buffer shows uninitialised memory`);
      }
      got.push(...chunks);
      at += step;
    }
    assert.deepEqual(concatBytes(...got), concatBytes(...parts));
  }
});
