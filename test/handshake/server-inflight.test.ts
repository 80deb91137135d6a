/**
 * What a server keeps while it waits for the client's Finished (memory per in-flight handshake,
 * measured against node:tls in docs/performance.md): no decoded ClientHello, and one hidden class
 * shared by every connection's handshake state (building it with a spread of the server's choice
 * gave each connection a map and descriptor array of its own).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TlsConnection } from '../../src/connection/types.js';
import { makePair, transfer } from '../pair/pair.js';
import { localhostCert } from '../node/helpers.js';

/** A server after the client's first flight: ServerHello..Finished sent, client Finished awaited. */
function inFlight(): TlsConnection {
  const { client, server } = makePair();
  client.start();
  transfer(client, server);
  return server;
}

const stateOf = (server: TlsConnection) => (server as unknown as { state: { hs: Record<string, unknown>; constructor: { name: string } } }).state;

test('the awaiting state keeps a copy of the client random, not the ClientHello', () => {
  const state = stateOf(inFlight());
  assert.equal(state.constructor.name, 'ExpectClientFinished');
  const hs = state.hs;
  assert.equal('ch' in hs, false, 'no decoded ClientHello kept');
  const random = hs.clientRandom as Uint8Array;
  assert.equal(random.length, 32);
  assert.equal(random.buffer.byteLength, 32, 'the random is a copy, not a view of the hello buffer');
});

const indexUrl = new URL('../../src/index.js', import.meta.url).href;
// Twelve handshakes held at the client's Finished on a ts-tls server: raw sockets replay a
// ClientHello captured from a node:tls client and never answer the server's flight. (With the
// spread, the first nine or so shared a hidden class; from there on, each got its own.)
const probe = `
const tls = (await import(${JSON.stringify(indexUrl)})).default;
const nodeTls = await import('node:tls');
const net = await import('node:net');
const { once } = await import('node:events');
const capture = net.createServer();
capture.listen(0, '127.0.0.1'); await once(capture, 'listening');
const gotHello = new Promise((res) => capture.once('connection', (s) => s.once('data', (d) => { res(d); s.destroy(); })));
nodeTls.connect({ port: capture.address().port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' }).on('error', () => {});
const hello = await gotHello; capture.close();
const raws = [];
const server = tls.createServer({ key: process.env.KEY_PEM, cert: process.env.CERT_PEM });
server.on('connection', (raw) => raws.push(raw));
server.listen(0, '127.0.0.1'); await once(server, 'listening');
for (let i = 0; i < 12; i++) {
  const s = net.connect(server.address().port, '127.0.0.1', () => s.write(hello));
  await once(s, 'data');
}
await new Promise((r) => setTimeout(r, 100));
const hs = raws.map((raw) => { const k = Object.getOwnPropertySymbols(raw).find((x) => x.description === 'ts-tls.tlsSocket'); return raw[k].conn.state.hs; });
console.log(JSON.stringify({ states: hs.length, sameAsFirst: hs.filter((h) => %HaveSameMap(hs[0], h)).length }));
process.exit(0);
`;

test('every in-flight handshake state shares one hidden class (V8, --allow-natives-syntax)', () => {
  const { key, cert } = localhostCert();
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', probe], {
    env: { ...process.env, KEY_PEM: key.toString(), CERT_PEM: cert.toString() },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { states: 12, sameAsFirst: 12 });
});
