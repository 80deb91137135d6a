/**
 * What an established, idle connection keeps (issue #2, memory per idle connection): no handshake
 * joiner, no empty queues of its own, no handshake secrets beyond ExpectTraffic's one buffer. The
 * internals are read through casts on purpose: these are the fields the memory work removed, and
 * a change that brings one back should fail here, not only in a heap snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataOf, errorsOf, handshake, makePair, run } from '../pair/pair.js';
import type { TlsConnection } from '../../src/connection/types.js';

interface Internals {
  config: unknown;
  joiner: unknown;
  events: unknown;
  pendingHandshake: unknown;
  state: Record<string, unknown>;
  reader: { chunks: unknown[] };
  writer: { out: unknown; arenas: { held: unknown } };
}
const internals = (c: TlsConnection) => c as unknown as Internals;

function assertIdle(c: TlsConnection, who: string): void {
  const i = internals(c);
  assert.equal(i.config, null, `${who}: the driver's config is let go after the handshake`);
  assert.equal(i.joiner, null, `${who}: no handshake joiner between messages`);
  assert.equal(i.events, null, `${who}: no event queue`);
  assert.equal(i.pendingHandshake, null, `${who}: no pending flight`);
  assert.equal(i.writer.out, null, `${who}: no writer queue`);
  assert.equal(i.writer.arenas.held, null, `${who}: no held-arena list`);
  assert.equal(i.reader.chunks.length, 0, `${who}: no buffered input`);
  assert.ok(Object.isFrozen(i.reader.chunks), `${who}: the reader's empty chunk list is the shared one`);
  assert.deepEqual(Object.keys(i.state).sort(), ['isServer', 'secrets', 'suite'], `${who}: ExpectTraffic keeps the suite and one secrets buffer`);
}

test('after the handshake neither side keeps a joiner, queues or handshake secrets', () => {
  const { client, server } = makePair();
  handshake(client, server);
  run(client, server);
  assertIdle(server, 'server');
  assertIdle(client, 'client');
  assert.equal(server.negotiated!.peerCertificates.length, 0);
  assert.ok(Object.isFrozen(server.negotiated!.peerCertificates), 'a server without client certificates shares one frozen empty chain');
});

test('post-handshake messages recreate the joiner and let it go again; data keeps flowing', () => {
  const { client, server } = makePair();
  handshake(client, server);
  const m = new TextEncoder().encode('ping');
  for (let round = 0; round < 3; round++) {
    client.keyUpdate(true);
    const t = run(client, server);
    assert.deepEqual([...errorsOf(t.client), ...errorsOf(t.server)], []);
    assert.ok(t.server.some((e) => e.type === 'keyUpdate' && e.requested), `round ${round}: the server saw the KeyUpdate`);
    assert.ok(t.client.some((e) => e.type === 'keyUpdate' && !e.requested), `round ${round}: and answered it`);
    assertIdle(server, `server, round ${round}`);
    assertIdle(client, `client, round ${round}`);
    client.write(m);
    server.write(m);
    const d = run(client, server);
    assert.deepEqual(dataOf(d.server), m);
    assert.deepEqual(dataOf(d.client), m);
  }
  // The exporter survives the updates and agrees on both sides.
  assert.deepEqual(client.exportKeyingMaterial('EXPERIMENTAL idle', undefined, 32), server.exportKeyingMaterial('EXPERIMENTAL idle', undefined, 32));
});

test('the summary keeps its randoms and Finished values as copies in one buffer', () => {
  const { client, server } = makePair();
  handshake(client, server);
  for (const c of [client, server]) {
    const n = c.negotiated!;
    const parts = [n.clientRandom, n.serverRandom, n.ownFinished!, n.peerFinished!];
    assert.ok(parts.every((p) => p.buffer === n.clientRandom.buffer), 'one buffer');
    assert.equal(n.clientRandom.buffer.byteLength, parts.reduce((a, p) => a + p.length, 0), 'of exactly their size');
  }
  assert.deepEqual(client.negotiated!.clientRandom, server.negotiated!.clientRandom);
  assert.deepEqual(client.negotiated!.serverRandom, server.negotiated!.serverRandom);
  assert.deepEqual(client.negotiated!.ownFinished, server.negotiated!.peerFinished);
  assert.deepEqual(client.negotiated!.peerFinished, server.negotiated!.ownFinished);
});

test("servers share one frozen copy of a client's signature_algorithms list", () => {
  const a = makePair();
  handshake(a.client, a.server);
  const b = makePair();
  handshake(b.client, b.server);
  const list = a.server.negotiated!.peerSignatureSchemes!;
  assert.deepEqual(list, a.clientConfig.signatureSchemes, 'the list the client offered');
  assert.equal(b.server.negotiated!.peerSignatureSchemes, list, 'the same array for the same list');
  assert.ok(Object.isFrozen(list));
  const c = makePair({ client: { signatureSchemes: a.clientConfig.signatureSchemes.slice(0, 3) } });
  handshake(c.client, c.server);
  assert.deepEqual(c.server.negotiated!.peerSignatureSchemes, a.clientConfig.signatureSchemes.slice(0, 3), 'another list gets its own copy');
});
