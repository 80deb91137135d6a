/**
 * Records decrypted back to back into one buffer (record/plaintext-slab.ts): the records of one
 * receive() come out as one 'data' chunk, chunks already handed out are never written again, and
 * an idle connection keeps no slab. Without an AEAD that writes into a caller's buffer
 * (TS_TLS_NATIVE=0: node:crypto alone), each record stays its own chunk; the bytes are the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasAeadInto } from '../../src/crypto/provider.js';
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
  slab.advance(90);
  slab.expected = 0;
  assert.equal(slab.room(500), a, 'room left: the same buffer');
  assert.equal(slab.offset, 90);
  slab.advance(500);
  const b = slab.room(500);
  assert.notEqual(b, a, 'no room: a new buffer');
  assert.equal(b.length, 500, 'at least the record');
  assert.equal(slab.offset, 0);
  slab.advance(500);
  slab.expected = 64 * 1024 * 1024;
  assert.equal(slab.room(1).length, MAX_SLAB_BYTES, 'a large backlog is capped');
});
