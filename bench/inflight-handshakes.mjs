#!/usr/bin/env node
// JS heap per server handshake held at the client's Finished: raw sockets replay a ClientHello
// captured from a node:tls client and never answer the server's flight (what a handshake flood,
// or many slow clients, costs a server).
//
//   npm run build && node --expose-gc bench/inflight-handshakes.mjs [./dist/index.js | node:tls] [count, default 300]
import net from 'node:net';
import nodeTls from 'node:tls';
import path from 'node:path';
import { once } from 'node:events';
import { loadImpl, makePki } from './common.mjs';

const spec = process.argv[2] ?? './dist/index.js';
const N = Number(process.argv[3] ?? 300);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const settle = async () => {
  await new Promise((r) => setTimeout(r, 200));
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

// A ClientHello as node:tls sends it.
const capture = net.createServer();
capture.listen(0, '127.0.0.1');
await once(capture, 'listening');
const gotHello = new Promise((resolve) => capture.once('connection', (s) => s.once('data', (d) => { resolve(d); s.destroy(); })));
nodeTls.connect({ port: capture.address().port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' }).on('error', () => {});
const hello = await gotHello;
capture.close();

const tls = await loadImpl(spec === 'node:tls' ? spec : path.resolve(spec));
const { key, cert } = makePki();
const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3' }, () => {});
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const hold = (n) => Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
  const s = net.connect(server.address().port, '127.0.0.1', () => s.write(hello));
  s.once('data', () => resolve(s)); // the server's flight: the handshake now waits for us
  s.on('error', () => {});
})));

for (const s of await hold(20)) s.destroy(); // warm up code and pools
const before = await settle();
const held = await hold(N);
const after = await settle();
console.log(`${spec}: ${Math.round((after - before) / N)} bytes of JS heap per in-flight server handshake (${held.length} held)`);
process.exit(0);
