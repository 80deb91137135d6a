/**
 * TlsConnection.dispose(): what a closed connection keeps is harmless. The TLSSocket disposes its
 * engine when it is destroyed (and may then keep the socket for V8's sake, node/warm-shapes.ts),
 * so after dispose the traffic and exporter secrets are zero, the record keys refuse to work, and
 * the connection refuses everything that would need them instead of using zeroed keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataOf, handshake, makePair, takeAll } from '../pair/pair.js';

test('dispose() wipes the secrets and then refuses write, keyUpdate and exporting; input is ignored', () => {
  const { client, server } = makePair();
  handshake(client, server);
  client.write(Uint8Array.of(1, 2, 3));
  const inFlight = takeAll(client);
  assert.deepEqual(dataOf(server.receive(inFlight)), Uint8Array.of(1, 2, 3));
  const ekm = server.exportKeyingMaterial('EXPORTER-test', undefined, 32);
  assert.equal(ekm.length, 32);

  client.write(Uint8Array.of(4, 5, 6));
  const later = takeAll(client);
  server.dispose();
  server.dispose(); // twice is harmless

  const secrets = (server as unknown as { state: { secrets: Uint8Array } }).state.secrets;
  assert.ok(secrets.length > 0 && secrets.every((b) => b === 0), 'traffic and exporter secrets zeroed');
  assert.throws(() => server.exportKeyingMaterial('EXPORTER-test', undefined, 32), /dispose/, 'no keying material from zeroed secrets');
  assert.throws(() => server.write(Uint8Array.of(7)), /dispose/);
  assert.throws(() => server.keyUpdate(false), /dispose/);
  assert.deepEqual(server.receive(later), [], 'records after dispose are not opened');
  assert.equal(server.failure, undefined, 'dispose is not a failure');
});

test('after dispose() start() and close() do nothing, and a connection disposed mid-handshake lets its config go', () => {
  const { client, server } = makePair();
  client.dispose();
  assert.deepEqual(client.start(), [], 'a disposed client sends no ClientHello');
  assert.equal(client.outgoingBytes, 0);

  const pair = makePair();
  const events = pair.client.start();
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  server.receive(takeAll(pair.client)); // another server: only to show the hello was real
  assert.ok((pair.client as unknown as { config: unknown }).config !== null, 'the config is kept while the handshake runs');
  pair.client.dispose();
  assert.equal((pair.client as unknown as { config: unknown }).config, null, 'disposed mid-handshake: the config is let go');
  assert.doesNotThrow(() => pair.client.close(), 'close() after dispose() throws nothing');
  assert.equal(pair.client.outgoingBytes, 0, 'and queues no close_notify');

  // Established, then disposed: close() sends nothing either (its keys are freed).
  const est = makePair();
  handshake(est.client, est.server);
  est.client.dispose();
  assert.doesNotThrow(() => est.client.close());
  assert.deepEqual(takeAll(est.client), new Uint8Array(0));
});
