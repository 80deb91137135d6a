#!/usr/bin/env node
// One bulk transfer measured the way the shared harness (../shared/bench/tls-bench.mjs) measures
// it: server and client in separate processes, an unmeasured 32 MiB transfer first, then two
// forced gc() calls in the server, then --mib MiB on a new connection. Prints MB/s, CPU ms per MB
// of each side, and with --trace-gc the server's collections during the measured transfer.
//
//   npm run build && node bench/bulk-after-gc.mjs [--server ts-tls|node:tls] [--client ts-tls|node:tls]
//                        [--mib 256] [--repeat 3] [--chunk-kib 64] [--trace-gc [--show-gc]] [--ballast-mib 0]
//
// --ballast-mib N gives the server N MiB of long-lived objects, like an application's own heap.
import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { arg, ask, loadImpl, makePki } from './common.mjs';

const SELF = fileURLToPath(import.meta.url);
const OURS = path.join(path.dirname(SELF), '..', 'dist', 'index.js');
const implOf = (name) => (name === 'node:tls' ? 'node:tls' : OURS);
const WARMUP = 32 * 1024 * 1024;

async function server({ impl, key, cert, ballastMib }) {
  const tls = await loadImpl(impl);
  globalThis.ballast = Array.from({ length: ballastMib * 1024 }, () => new Array(126).fill(1));
  let expected = 0;
  let result = null;
  const srv = tls.createServer({ key, cert, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, (sock) => {
    let bytes = 0;
    let cpu0 = null;
    let t0 = 0;
    sock.on('error', () => {});
    sock.on('data', (d) => {
      if (!cpu0) {
        cpu0 = process.cpuUsage();
        t0 = performance.now();
      }
      bytes += d.length;
      if (result === null && bytes >= expected) {
        const c = process.cpuUsage(cpu0);
        result = { ms: performance.now() - t0, cpuUs: c.user + c.system };
        sock.write('K');
      }
    });
  });
  process.on('message', (m) => {
    if (m.expect) {
      expected = m.expect;
      result = null;
      process.send({ ok: true });
    } else if (m.gc) {
      globalThis.gc();
      globalThis.gc();
      console.log('--- forced gc done ---');
      process.send({ ok: true });
    } else if (m.result) {
      process.send({ result });
    } else if (m.exit) {
      process.exit(0);
    }
  });
  srv.listen(0, '127.0.0.1', () => process.send({ port: srv.address().port }));
}

async function client({ impl, port, cert, chunkKib }) {
  const tls = await loadImpl(impl);
  const chunk = Buffer.alloc(chunkKib * 1024, 0x61);
  process.on('message', (m) => {
    if (m.exit) process.exit(0);
    const sock = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, minVersion: 'TLSv1.3' });
    sock.on('error', (e) => {
      console.error(e);
      process.exit(1);
    });
    sock.once('secureConnect', () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let sent = 0;
      const pump = () => {
        while (sent < m.bytes) {
          sent += chunk.length;
          if (!sock.write(chunk)) return void sock.once('drain', pump);
        }
      };
      sock.once('data', () => {
        const c = process.cpuUsage(c0);
        process.send({ ms: performance.now() - t0, cpuUs: c.user + c.system });
        sock.end();
      });
      pump();
    });
  });
  process.send({ ready: true });
}

async function main() {
  const role = arg('role');
  if (role) {
    process.once('message', (p) => (role === 'server' ? server(p) : client(p)).catch((e) => { console.error(e); process.exit(1); }));
    return;
  }
  const serverName = arg('server', 'ts-tls');
  const clientName = arg('client', 'ts-tls');
  const mib = Number(arg('mib', '256'));
  const repeat = Number(arg('repeat', '3'));
  const traceGc = process.argv.includes('--trace-gc');
  const { key, cert } = makePki();
  const srv = fork(SELF, ['--role', 'server'], { execArgv: ['--expose-gc', ...(traceGc ? ['--trace-gc'] : [])], stdio: ['inherit', 'pipe', 'inherit', 'ipc'] });
  let gcLog = '';
  srv.stdout.on('data', (d) => (gcLog += d.toString()));
  srv.send({ impl: implOf(serverName), key, cert, ballastMib: Number(arg('ballast-mib', '0')) });
  const { port } = await ask(srv);
  const cli = fork(SELF, ['--role', 'client']);
  await ask(cli, { impl: implOf(clientName), port, cert, chunkKib: Number(arg('chunk-kib', '64')) });
  const transfer = async (bytes) => {
    await ask(srv, { expect: bytes });
    const c = await ask(cli, { bytes });
    let s = null;
    for (let k = 0; k < 40 && !s; k++) s = (await ask(srv, { result: true })).result ?? (await new Promise((r) => setTimeout(r, 25)));
    return { c, s };
  };
  await transfer(WARMUP);
  for (let i = 0; i < repeat; i++) {
    await ask(srv, { gc: true });
    gcLog = gcLog.slice(gcLog.lastIndexOf('--- forced gc done ---'));
    const { c, s } = await transfer(mib * 1024 * 1024);
    const MB = (mib * 1024 * 1024) / 1e6;
    const during = gcLog.slice(gcLog.lastIndexOf('--- forced gc done ---'));
    const gc = traceGc ? `  server GC: ${(during.match(/Scavenge/g) ?? []).length} scavenges, ${(during.match(/Mark-Compact/g) ?? []).length} mark-compacts` : '';
    if (process.argv.includes('--show-gc')) console.log(during.split('\n').filter((l) => /Scavenge|Mark-Compact/.test(l)).join('\n'));
    console.log(
      `${serverName} server, ${clientName} client: ${(MB / (c.ms / 1000)).toFixed(1)} MB/s, CPU ms/MB server ${(s.cpuUs / 1000 / MB).toFixed(3)} (utilisation ${(s.cpuUs / 1000 / s.ms).toFixed(2)}), client ${(c.cpuUs / 1000 / MB).toFixed(3)}${gc}`,
    );
  }
  srv.send({ exit: true });
  cli.send({ exit: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
