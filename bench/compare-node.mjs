#!/usr/bin/env node
// ts-tls against node:tls in one run: full TLS 1.3 handshakes/s (ECDSA P-256, X25519,
// TLS_AES_128_GCM_SHA256, one client) and bulk MB/s (AES-128-GCM, client -> server).
// Server and client are separate processes (one core each on a 2-core machine); the parent only
// orchestrates. Absolute figures drift between runs and machines: quote the ratio.
//
// Each bulk run makes two transfers of --bulk-mib, one connection each, in the same two processes:
// the first in fresh processes ("cold": JavaScript still being compiled while it runs, which costs
// a JavaScript record layer and not node:tls's C++ one), the second right after it ("warm": the
// steady state a long-running process sees, as the shared harness measures after its warm-up).
// Both are printed.
//
// Bulk also runs a third configuration, `floor`: no TLS at all, just the per-record work any
// JavaScript record layer over node:crypto must do (a createCipheriv/createDecipheriv per 16 KiB
// record, header framing, corked socket writes, 'data'-mode reads) with a fixed key. It is the
// ceiling for ts-tls's bulk rate on this Node, so the ratios ts-tls/floor (the cost of our code)
// and floor/node:tls (the cost of node:crypto's per-record API) are both printed.
//
//   npm run bench                       # both scenarios, both implementations
//   node bench/compare-node.mjs --handshake-seconds 5 --bulk-mib 256 --repeat 3 [--chunk-kib 64]
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import crypto from 'node:crypto';
import { arg, loadImpl, makePki, median, sendAll } from './common.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const OURS = path.join(ROOT, 'dist', 'index.js');

// ---------------------------------------------------------------- child roles
async function serverRole({ impl, key, cert }) {
  const tls = await loadImpl(impl);
  const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, (s) => {
    let received = 0;
    const meter = cpuMeter();
    s.on('data', (d) => {
      meter.start();
      received += d.length;
      if (received === 1) s.write('x'); // handshake ping
    });
    s.on('error', () => {});
    s.on('end', () => {
      meter.stop(received);
      s.end();
    });
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  serverMessages();
}

// CPU (user + system, all threads) per MB of each bulk connection, from its first byte to its end.
const bulks = [];
function cpuMeter() {
  let c0 = null;
  return {
    start() { c0 ??= process.cpuUsage(); },
    stop(bytes) {
      if (!c0 || bytes < 1e6) return;
      const c = process.cpuUsage(c0);
      bulks.push({ cpuMsPerMB: (c.user + c.system) / 1e3 / (bytes / 1e6) });
    },
  };
}

function serverMessages() {
  process.on('message', (m) => {
    if (m === 'bulk') process.send({ bulks });
    if (m === 'exit') process.exit(0);
  });
}

// ---------------------------------------------------------------- the node:crypto floor (no TLS)
// A fixed key for a benchmark that carries no secrets; both sides derive nonces as TLS 1.3 does.
const FLOOR_KEY = Buffer.alloc(16, 0x4b);
const FLOOR_IV = Buffer.alloc(12, 0x49);
const RECORD = 16384;
const TYPE_APPDATA = Buffer.from([23]);

function floorNonce(seq) {
  const n = Buffer.from(FLOOR_IV);
  n.writeUInt32BE((n.readUInt32BE(8) ^ seq) >>> 0, 8);
  return n;
}

function floorServerRole() {
  const server = net.createServer((s) => {
    let pending = null;
    let seq = 0;
    let received = 0;
    const meter = cpuMeter();
    s.on('data', (chunk) => {
      meter.start();
      const b = pending ? Buffer.concat([pending, chunk]) : chunk;
      let off = 0;
      while (b.length - off >= 5) {
        const len = b.readUInt16BE(off + 3);
        if (b.length - off < 5 + len) break;
        const body = b.subarray(off + 5, off + 5 + len);
        const d = crypto.createDecipheriv('aes-128-gcm', FLOOR_KEY, floorNonce(seq++));
        d.setAAD(b.subarray(off, off + 5));
        d.setAuthTag(body.subarray(len - 16));
        received += d.update(body.subarray(0, len - 16)).length - 1;
        d.final(); // throws on a bad tag: the floor must really decrypt
        off += 5 + len;
      }
      pending = off < b.length ? Buffer.from(b.subarray(off)) : null;
    });
    s.on('end', () => {
      meter.stop(received);
      s.end();
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  serverMessages();
}

async function floorClientRole({ port, mib, chunkKib = 256 }) {
  const total = mib * 1024 * 1024;
  const chunk = Buffer.alloc(chunkKib * 1024, 0x61);
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
  let seq = 0;
  const writeChunk = () => {
    let ok = true;
    s.cork();
    for (let off = 0; off < chunk.length; off += RECORD) {
      const header = Buffer.from([23, 3, 3, (RECORD + 17) >> 8, (RECORD + 17) & 0xff]);
      const c = crypto.createCipheriv('aes-128-gcm', FLOOR_KEY, floorNonce(seq++));
      c.setAAD(header);
      s.write(header);
      s.write(c.update(chunk.subarray(off, off + RECORD)));
      s.write(c.update(TYPE_APPDATA));
      c.final();
      ok = s.write(c.getAuthTag());
    }
    s.uncork();
    return ok;
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  s.resume();
  await sendAll(s, total, chunk.length, writeChunk);
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  process.send({ rate: total / 1e6 / secs, cipher: 'floor', clientCpuMsPerMB: (c.user + c.system) / 1e3 / (total / 1e6) });
}

async function clientRole({ impl, port, ca, mode, seconds, mib, chunkKib = 256 }) {
  const tls = await loadImpl(impl);
  const opts = { port, host: '127.0.0.1', ca, servername: 'localhost', minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' };
  if (mode === 'handshake') {
    const end = performance.now() + seconds * 1000;
    let n = 0;
    const t0 = performance.now();
    while (performance.now() < end) {
      await new Promise((resolve, reject) => {
        const s = tls.connect(opts, () => s.write('x'));
        s.once('data', () => { s.end(); });
        s.on('close', resolve);
        s.on('error', reject);
      });
      n++;
    }
    process.send({ rate: n / ((performance.now() - t0) / 1000), n, protocol: 'TLSv1.3' });
  } else {
    const total = mib * 1024 * 1024;
    const chunk = Buffer.alloc(chunkKib * 1024, 0x61);
    const transfers = [];
    for (let k = 0; k < 2; k++) {
      const s = tls.connect(opts);
      await new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); });
      const cipher = s.getCipher().name;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await sendAll(s, total, chunk.length, () => s.write(chunk));
      const secs = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      transfers.push({ rate: total / 1e6 / secs, cipher, clientCpuMsPerMB: (c.user + c.system) / 1e3 / (total / 1e6) });
    }
    process.send({ ...transfers[0], warm: transfers[1] });
  }
}

// ---------------------------------------------------------------- orchestration
function spawn(role, params) {
  const child = fork(SELF, ['--role', role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send(params);
  return child;
}
// Every wait is bounded: a stuck run is reported and its processes killed, never waited on forever.
const RUN_TIMEOUT_MS = 120_000;
const next = (child) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no answer from the ${child.spawnargs.at(-1)} within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
  child.once('message', (m) => {
    clearTimeout(timer);
    resolve(m);
  });
  child.once('exit', (c) => {
    clearTimeout(timer);
    reject(new Error(`child exited with ${c}`));
  });
});

async function runOnce(impl, pki, mode, opts) {
  const floor = impl === 'floor';
  const server = spawn(floor ? 'floor-server' : 'server', { impl, key: pki.key, cert: pki.cert });
  const { port } = await next(server);
  const client = spawn(floor ? 'floor-client' : 'client', { impl, port, ca: pki.cert, mode, ...opts });
  try {
    const res = await next(client);
    if (mode === 'bulk') {
      // The server records its figure on 'end', which may trail the client's 'close' slightly.
      const transfers = res.warm ? 2 : 1;
      for (let i = 0; i < 20; i++) {
        server.send('bulk');
        const { bulks } = await next(server);
        if (bulks.length >= transfers) {
          res.serverCpuMsPerMB = bulks[0].cpuMsPerMB;
          if (res.warm) res.warm.serverCpuMsPerMB = bulks[1].cpuMsPerMB;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return res;
  } finally {
    client.kill();
    server.send('exit');
    setTimeout(() => server.kill(), 500).unref();
  }
}

async function main() {
  const role = arg('role');
  if (role) {
    const roles = { server: serverRole, client: clientRole, 'floor-server': floorServerRole, 'floor-client': floorClientRole };
    process.once('message', (params) => Promise.resolve().then(() => roles[role](params)).catch((e) => {
      console.error(`${role}:`, e);
      process.exit(1);
    }));
    return;
  }
  const seconds = Number(arg('handshake-seconds', '3'));
  const mib = Number(arg('bulk-mib', '64'));
  const chunkKib = Number(arg('chunk-kib', '256')); // the application's write size in the bulk run
  const repeat = Number(arg('repeat', '3'));
  const pki = makePki();
  const impls = { 'node:tls': 'node:tls', 'ts-tls': OURS, floor: 'floor' };
  const results = {};
  for (const [scenario, mode, opts, unit, names] of [
    ['full TLS 1.3 handshakes/s (ECDSA P-256, X25519, 1 client)', 'handshake', { seconds }, 'hs/s', ['node:tls', 'ts-tls']],
    [`bulk AES-128-GCM ${mib} MiB client->server in ${chunkKib} KiB writes`, 'bulk', { mib, chunkKib }, 'MB/s', ['node:tls', 'ts-tls', 'floor']],
  ]) {
    const runs = (results[scenario] = {});
    for (let r = 0; r < repeat; r++) {
      // Rotate the order so no configuration always runs on a warmer (or busier) machine.
      const order = names.map((_, i) => names[(i + r) % names.length]);
      for (const name of order) {
        try {
          (runs[name] ??= []).push(await runOnce(impls[name], pki, mode, opts));
        } catch (e) {
          console.error(`${name} ${mode}: ${e.message}`);
        }
      }
    }
    // `warm`: the second transfer of a bulk run (the floor, with no JIT-compiled TLS, has one).
    const med = (name, field = 'rate', warm = false) => {
      const xs = (runs[name] ?? []).map((x) => (warm ? x.warm?.[field] : x[field])).filter(Number.isFinite);
      return xs.length ? median(xs) : NaN;
    };
    const node = med('node:tls');
    const ours = med('ts-tls');
    const label = mode === 'bulk' ? ', first transfer in fresh processes' : '';
    console.log(`${scenario}${label}: node:tls ${node.toFixed(1)} ${unit}, ts-tls ${ours.toFixed(1)} ${unit}, ratio ts-tls/node:tls ${(ours / node).toFixed(2)} (median of ${repeat})`);
    if (mode === 'bulk') {
      const nodeWarm = med('node:tls', 'rate', true);
      const oursWarm = med('ts-tls', 'rate', true);
      console.log(`${scenario}, second transfer (warm): node:tls ${nodeWarm.toFixed(1)} ${unit}, ts-tls ${oursWarm.toFixed(1)} ${unit}, ratio ts-tls/node:tls ${(oursWarm / nodeWarm).toFixed(2)} (median of ${repeat})`);
      const floor = med('floor');
      console.log(`  node:crypto floor (no TLS, a cipher object per record) ${floor.toFixed(1)} MB/s: floor/node:tls ${(floor / node).toFixed(2)}, ts-tls/floor ${(ours / floor).toFixed(2)}`);
      for (const name of names) {
        const warm = name === 'floor' ? '' : `; warm: server ${med(name, 'serverCpuMsPerMB', true).toFixed(3)}, client ${med(name, 'clientCpuMsPerMB', true).toFixed(3)}`;
        console.log(`  ${name.padEnd(8)} CPU ms per MB: server ${med(name, 'serverCpuMsPerMB').toFixed(3)}, client ${med(name, 'clientCpuMsPerMB').toFixed(3)}${warm}`);
      }
    }
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
