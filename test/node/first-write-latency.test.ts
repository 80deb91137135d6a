// A client that awaits 'secureConnect' (a promise) and then writes must not wait for the server's
// delayed ACK: without care that first small write sits behind Nagle for ~40 ms, because our
// Finished is still unacknowledged and the server has nothing to send back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as ours from '../../src/index.js';
import { makeTestPki } from '../fixtures/certs.js';
import { listen } from './helpers.js';

/** Delayed ACK is ~40 ms on Linux; a median well under it shows the write left with the Finished. */
const MAX_MEDIAN_MS = 20;

test('the first write after awaiting secureConnect is answered without a delayed-ACK stall', { timeout: 30_000 }, async () => {
  const pki = makeTestPki();
  const server = ours.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, (s) => s.pipe(s));
  const port = await listen(server);
  try {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const sock = ours.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.cert });
      await once(sock, 'secureConnect');
      const t0 = performance.now();
      sock.write('ping');
      const [data] = await once(sock, 'data');
      times.push(performance.now() - t0);
      assert.equal(String(data), 'ping');
      sock.destroy();
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1]!;
    assert.ok(median < MAX_MEDIAN_MS, `median first-write round trip ${median.toFixed(1)} ms (all: ${times.map((t) => t.toFixed(1)).join(', ')})`);
  } finally {
    server.close();
  }
});
