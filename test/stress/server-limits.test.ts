/**
 * Server limits, each run against node:tls as well (same scenario, same assertions, and the
 * observations compared): handshakeTimeout ends a silent or stalled client with
 * ERR_TLS_HANDSHAKE_TIMEOUT on 'tlsClientError' and 'clientError' within the configured time and
 * never touches a connection that finished its handshake; maxConnections refuses the connection
 * over the limit and admits a new one once a slot is free.
 *
 * One deliberate difference: Node 20 only *reports* the handshake timeout and leaves the TCP
 * connection open (a known socket leak: nodejs/node-v0.x-archive#4383 comments, fastify#3251),
 * although its documentation says the connection is aborted. ts-tls aborts it. And ts-tls also
 * emits the io.js-era 'clientError' (the reference document's name for the event; issue 4 asks
 * for both), which Node 20's tls.Server no longer emits. The tests pin both differences.
 *
 *   node --test build/test/stress/server-limits.test.js
 */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import * as nodeTls from 'node:tls';
import { describe, it } from 'node:test';
import { makeTestPki } from '../fixtures/certs.js';
import { closeServer as close, listen, waitFor } from '../node/helpers.js';
import { ours } from '../support/impl.js';

const pki = makeTestPki();
const LIBS = [['ts-tls', ours], ['node:tls', nodeTls]] as const;
const TIMEOUT_MS = 300;
/**
 * For the connection that must outlive the timeout: its own handshake has to finish first, which
 * took over 300 ms on a loaded 2-core machine (the test then waited forever for secureConnect).
 */
const FINISHED_TIMEOUT_MS = 1500;

interface TimeoutObservation {
  tlsClientError: { code?: string; message: string }[];
  clientError: string[];
  sameErrorObject: boolean;
  rawClosed: boolean;
  elapsedOk: boolean;
}

/** A raw TCP client that sends `first` (maybe nothing) and then nothing more. */
async function silentClient(lib: typeof nodeTls, first: Buffer | null): Promise<TimeoutObservation & { elapsed: number }> {
  const tlsErrs: (Error & { code?: string })[] = [];
  const clientErrs: Error[] = [];
  const server = lib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain, handshakeTimeout: TIMEOUT_MS });
  server.on('tlsClientError', (e) => tlsErrs.push(e));
  server.on('clientError', (e) => clientErrs.push(e));
  const port = await listen(server);
  let raw: Socket | undefined;
  try {
    const started = Date.now();
    let rawClosed = false;
    raw = netConnect(port, '127.0.0.1');
    raw.on('error', () => {});
    raw.on('close', () => (rawClosed = true));
    raw.resume();
    if (first) raw.write(first);
    await waitFor(() => tlsErrs.length > 0, TIMEOUT_MS + 3000);
    const elapsed = Date.now() - started;
    await waitFor(() => rawClosed, 1000);
    return {
      tlsClientError: tlsErrs.map((e) => ({ code: e.code, message: e.message })),
      clientError: clientErrs.map((e) => (e as { code?: string }).code ?? '?'),
      sameErrorObject: tlsErrs[0] !== undefined && tlsErrs[0] === clientErrs[0],
      rawClosed,
      // Not before the configured time, and not much after it (timers on a loaded 2-core box).
      elapsedOk: elapsed >= TIMEOUT_MS - 20 && elapsed < TIMEOUT_MS + 1500,
      elapsed,
    };
  } finally {
    raw?.destroy();
    await close(server);
  }
}

/** Whether the server closes the silent client's connection (see the header comment). */
const CLOSES_ON_TIMEOUT: Record<string, boolean> = { 'ts-tls': true, 'node:tls': false };
/** Whether the server also emits 'clientError' (see the header comment). */
const EMITS_CLIENT_ERROR: Record<string, boolean> = { 'ts-tls': true, 'node:tls': false };

describe('handshakeTimeout', () => {
  const results = new Map<string, Omit<TimeoutObservation, 'rawClosed' | 'clientError' | 'sameErrorObject'>>();
  for (const [name, lib] of LIBS) {
    it(`${name}: a client that connects and sends nothing gets ERR_TLS_HANDSHAKE_TIMEOUT after ${TIMEOUT_MS} ms`, async (t) => {
      const { elapsed, ...obs } = await silentClient(lib, null);
      t.diagnostic(`${name}: tlsClientError after ${elapsed} ms`);
      assert.deepEqual(obs, {
        tlsClientError: [{ code: 'ERR_TLS_HANDSHAKE_TIMEOUT', message: 'TLS handshake timeout' }],
        clientError: EMITS_CLIENT_ERROR[name] ? ['ERR_TLS_HANDSHAKE_TIMEOUT'] : [],
        sameErrorObject: EMITS_CLIENT_ERROR[name],
        rawClosed: CLOSES_ON_TIMEOUT[name],
        elapsedOk: true,
      });
      const { rawClosed: _r, clientError: _c, sameErrorObject: _s, ...same } = obs;
      results.set(`silent/${name}`, same);
    });

    it(`${name}: a client that stalls after half a ClientHello gets the same`, async () => {
      const { elapsed: _e, ...obs } = await silentClient(lib, Buffer.from('16030100c8010000c40303', 'hex'));
      assert.deepEqual(obs.tlsClientError, [{ code: 'ERR_TLS_HANDSHAKE_TIMEOUT', message: 'TLS handshake timeout' }]);
      assert.equal(obs.elapsedOk, true);
      assert.equal(obs.rawClosed, CLOSES_ON_TIMEOUT[name]);
    });

    it(`${name}: a connection that finished its handshake outlives the timeout`, async () => {
      let serverErrors = 0;
      const server = lib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain, handshakeTimeout: FINISHED_TIMEOUT_MS }, (s) => s.pipe(s));
      server.on('tlsClientError', () => serverErrors++);
      const port = await listen(server);
      try {
        const c = lib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.cert });
        // A failed handshake fails the test instead of leaving it waiting for secureConnect.
        await new Promise((resolve, reject) => {
          c.once('secureConnect', resolve);
          c.once('error', reject);
          c.once('close', () => reject(new Error('closed before secureConnect')));
        });
        c.on('error', () => {});
        // Past the point where a timer that was not cleared at secureConnect would have fired.
        await new Promise((r) => setTimeout(r, FINISHED_TIMEOUT_MS));
        const echoed = new Promise<string>((r) => c.once('data', (d: Buffer) => r(d.toString())));
        c.write('still here');
        assert.equal(await echoed, 'still here');
        assert.equal(serverErrors, 0);
        c.destroy();
      } finally {
        await close(server);
      }
    });
  }

  it("ts-tls and node:tls report the same 'tlsClientError' for a silent client (code, message, timing)", () => {
    assert.ok(results.get('silent/ts-tls'));
    assert.deepEqual(results.get('silent/ts-tls'), results.get('silent/node:tls'));
  });
});

describe('maxConnections', () => {
  for (const [name, lib] of LIBS) {
    it(`${name}: with maxConnections = 2 the third connection is refused, and admitted once a slot frees`, async () => {
      const server = lib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, (s) => {
        s.on('error', () => {});
        s.write('hi');
      });
      server.maxConnections = 2;
      let drops = 0;
      server.on('drop', () => drops++);
      const port = await listen(server);
      const open = (): Promise<{ sock: nodeTls.TLSSocket; ok: boolean; code?: string }> =>
        new Promise((resolve) => {
          const sock = lib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.cert });
          sock.once('data', () => resolve({ sock, ok: true }));
          sock.once('error', (e: Error & { code?: string }) => resolve({ sock, ok: false, code: e.code }));
        });
      try {
        const a = await open();
        const b = await open();
        assert.equal(a.ok && b.ok, true);
        const c = await open();
        assert.equal(c.ok, false, 'the third connection must not reach secureConnect');
        assert.equal(c.code, 'ECONNRESET');
        assert.equal(drops, 1, "net.Server's 'drop' event");
        const count = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
        assert.equal(count, 2);
        // Free a slot: the next connection is admitted.
        a.sock.destroy();
        await waitFor(() => false, 100);
        const d = await open();
        assert.equal(d.ok, true);
        b.sock.destroy();
        d.sock.destroy();
      } finally {
        await close(server);
      }
    });
  }
});
