#!/usr/bin/env node
// CPU per MB of a TLS server receiving one long bulk transfer, per 64 MiB segment: shows warm-up
// (JIT, heap growth) apart from the steady state, which whole-run averages mix together.
// The client is always node:tls (64 KiB writes); the server is node:tls or ts-tls, each in its own
// process. Absolute figures drift on a shared machine: compare the two lines of one run.
//
//   npm run build && node bench/bulk-segments.mjs [--mib 1024] [--gc-after-mib 32]
//
// --gc-after-mib N makes the server call gc() twice after N MiB (as the shared harness does
// before it measures), to show what a forced full GC costs each implementation afterwards.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, ask, loadImpl, makePki, sendAll } from './common.mjs';

const SELF = fileURLToPath(import.meta.url);
const OURS = path.join(path.dirname(SELF), '..', 'dist', 'index.js');
const SEGMENT = 64 * 1024 * 1024;

async function server({ impl, key, cert, gcAfter }) {
  const tls = await loadImpl(impl);
  const segments = [];
  const srv = tls.createServer({ key, cert }, (s) => {
    let n = 0;
    let next = SEGMENT;
    let c0 = null;
    s.on('data', (d) => {
      if (gcAfter && n < gcAfter && n + d.length >= gcAfter && globalThis.gc) {
        globalThis.gc();
        globalThis.gc();
      }
      c0 ??= process.cpuUsage();
      n += d.length;
      if (n >= next) {
        const c = process.cpuUsage(c0);
        segments.push((c.user + c.system) / 1e3 / (SEGMENT / 1e6));
        c0 = process.cpuUsage();
        next += SEGMENT;
      }
    });
    s.on('end', () => {
      s.end();
      process.send({ segments });
    });
  });
  srv.listen(0, '127.0.0.1', () => process.send({ port: srv.address().port }));
}

async function client({ port, mib }) {
  const tls = (await import('node:tls')).default;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const total = mib * 1024 * 1024;
  const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  await new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); });
  s.resume();
  await sendAll(s, total, chunk.length, () => s.write(chunk));
  process.exit(0);
}


async function main() {
  const role = arg('role');
  if (role) {
    process.once('message', (p) => (role === 'server' ? server(p) : client(p)).catch((e) => { console.error(e); process.exit(1); }));
    return;
  }
  const mib = Number(arg('mib', '1024'));
  const gcAfter = Number(arg('gc-after-mib', '0')) * 1024 * 1024;
  const { key, cert } = makePki();
  for (const [name, impl] of [['node:tls', 'node:tls'], ['ts-tls', OURS]]) {
    const srv = fork(SELF, ['--role', 'server'], { execArgv: gcAfter ? ['--expose-gc'] : [] });
    srv.send({ impl, key, cert, gcAfter });
    const { port } = await ask(srv);
    const cli = fork(SELF, ['--role', 'client']);
    cli.send({ port, mib });
    const { segments } = await ask(srv);
    srv.kill();
    cli.kill();
    console.log(`${name.padEnd(8)} server CPU ms/MB per 64 MiB: ${segments.map((x) => x.toFixed(2)).join(' ')}`);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
