#!/usr/bin/env node
// ts-tls against node:tls in one run: full TLS 1.3 handshakes/s (ECDSA P-256, X25519,
// TLS_AES_128_GCM_SHA256, one client) and bulk MB/s (AES-128-GCM, client -> server).
// Server and client are separate processes (one core each on a 2-core machine); the parent only
// orchestrates. Absolute figures drift between runs and machines: quote the ratio.
//
//   npm run bench                       # both scenarios, both implementations
//   node bench/compare-node.mjs --handshake-seconds 5 --bulk-mib 256 --repeat 3
import { fork, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const OURS = path.join(ROOT, 'dist', 'index.js');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

async function loadImpl(spec) {
  if (spec === 'node:tls') return (await import('node:tls')).default;
  const m = await import(pathToFileURL(spec).href);
  return m.default ?? m;
}

// ---------------------------------------------------------------- child roles
async function serverRole({ impl, key, cert }) {
  const tls = await loadImpl(impl);
  const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, (s) => {
    let received = 0;
    s.on('data', (d) => {
      received += d.length;
      if (received === 1) s.write('x'); // handshake ping
    });
    s.on('error', () => {});
    s.on('end', () => s.end());
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
    if (m === 'exit') process.exit(0);
  });
}

async function clientRole({ impl, port, ca, mode, seconds, mib }) {
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
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const s = tls.connect(opts);
    await new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); });
    const cipher = s.getCipher().name;
    const t0 = performance.now();
    let sent = 0;
    await new Promise((resolve, reject) => {
      s.on('error', reject);
      s.on('close', resolve);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!s.write(chunk)) return s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    const secs = (performance.now() - t0) / 1000;
    process.send({ rate: total / 1e6 / secs, cipher });
  }
}

// ---------------------------------------------------------------- orchestration
function spawn(role, params) {
  const child = fork(SELF, ['--role', role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send(params);
  return child;
}
const next = (child) => new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (c) => reject(new Error(`child exited with ${c}`)));
});

async function runOnce(impl, pki, mode, opts) {
  const server = spawn('server', { impl, key: pki.key, cert: pki.cert });
  const { port } = await next(server);
  const client = spawn('client', { impl, port, ca: pki.cert, mode, ...opts });
  try {
    return await next(client);
  } finally {
    client.kill();
    server.send('exit');
    setTimeout(() => server.kill(), 500).unref();
  }
}

function makePki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-tls-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const pki = { key: fs.readFileSync(`${dir}/key.pem`, 'utf8'), cert: fs.readFileSync(`${dir}/cert.pem`, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return pki;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

async function main() {
  const role = arg('role');
  if (role) {
    process.once('message', (params) => (role === 'server' ? serverRole(params) : clientRole(params)).catch((e) => {
      console.error(`${role}:`, e);
      process.exit(1);
    }));
    return;
  }
  const seconds = Number(arg('handshake-seconds', '3'));
  const mib = Number(arg('bulk-mib', '64'));
  const repeat = Number(arg('repeat', '3'));
  const pki = makePki();
  const impls = { 'node:tls': 'node:tls', 'ts-tls': OURS };
  const results = {};
  for (const [scenario, mode, opts, unit] of [
    ['full TLS 1.3 handshakes/s (ECDSA P-256, X25519, 1 client)', 'handshake', { seconds }, 'hs/s'],
    [`bulk AES-128-GCM ${mib} MiB client->server`, 'bulk', { mib }, 'MB/s'],
  ]) {
    results[scenario] = {};
    for (let r = 0; r < repeat; r++) {
      // Alternate the order so neither implementation always runs on a warmer machine.
      const order = r % 2 ? ['ts-tls', 'node:tls'] : ['node:tls', 'ts-tls'];
      for (const name of order) {
        try {
          const res = await runOnce(impls[name], pki, mode, opts);
          (results[scenario][name] ??= []).push(res.rate);
        } catch (e) {
          console.error(`${name} ${mode}: ${e.message}`);
        }
      }
    }
    const node = median(results[scenario]['node:tls'] ?? [NaN]);
    const ours = median(results[scenario]['ts-tls'] ?? [NaN]);
    console.log(`${scenario}: node:tls ${node.toFixed(1)} ${unit}, ts-tls ${ours.toFixed(1)} ${unit}, ratio ts-tls/node:tls ${(ours / node).toFixed(2)} (median of ${repeat})`);
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
