#!/usr/bin/env node
// What the kernel alone makes of a receiver's read size, with no TLS: plain TCP on 127.0.0.1, a
// sender in one process writing --write-kib chunks, a receiver in another reading with Node's
// `onread` option into one reused buffer of --read-kib (as src/node/read-buffer.ts does), and
// spinning --work-ns nanoseconds per byte received to stand in for decryption. Prints each side's
// CPU ms per MB and the receiver's average read, per transfer of --mib MiB.
//
//   node bench/tcp-read-size.mjs [--read-kib 512] [--write-kib 256] [--mib 256] [--work-ns 0.45] [--repeat 4]
import net from 'node:net';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { arg } from './common.mjs';

const MiB = 1024 * 1024;
const [role, ...rest] = process.argv.slice(2);

function cpuMsPerMB(since, bytes) {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000 / (bytes / 1e6);
}

if (role === 'sender') {
  const [writeKib, mib, repeat] = rest.map(Number);
  const chunk = Buffer.alloc(writeKib * 1024, 7);
  const total = mib * MiB;
  const server = net.createServer(async (s) => {
    for (let r = 0; r < repeat; r++) {
      const c0 = process.cpuUsage();
      for (let sent = 0; sent < total; sent += chunk.length) {
        if (!s.write(chunk)) await new Promise((resolve) => s.once('drain', resolve));
      }
      process.send({ sender: cpuMsPerMB(c0, total) });
      await new Promise((resolve) => setTimeout(resolve, 300)); // the receiver finishes its transfer
    }
    s.end();
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else if (role === 'receiver') {
  const [port, readKib, mib, workNs] = rest.map(Number);
  const total = mib * MiB;
  const msPerByte = workNs / 1e6;
  let got = 0;
  let reads = 0;
  let c0 = null;
  const callback = (n) => {
    const until = performance.now() + n * msPerByte;
    while (performance.now() < until);
    c0 ??= process.cpuUsage();
    got += n;
    reads++;
    if (got >= total) {
      process.send({ receiver: cpuMsPerMB(c0, got), avgReadKib: got / reads / 1024 });
      got = reads = 0;
      c0 = null;
    }
  };
  const s = net.connect({ port, host: '127.0.0.1', onread: { buffer: Buffer.allocUnsafeSlow(readKib * 1024), callback } });
  s.on('end', () => process.exit(0));
} else {
  const self = fileURLToPath(import.meta.url);
  const readKib = Number(arg('read-kib', 512));
  const writeKib = Number(arg('write-kib', 256));
  const mib = Number(arg('mib', 256));
  const workNs = Number(arg('work-ns', 0.45));
  const repeat = Number(arg('repeat', 4));
  const sender = fork(self, ['sender', writeKib, mib, repeat]);
  const port = await new Promise((resolve) => sender.once('message', (m) => resolve(m.port)));
  const receiver = fork(self, ['receiver', port, readKib, mib, workNs]);
  const lines = [];
  sender.on('message', (m) => m.sender !== undefined && lines.push(`sender ${m.sender.toFixed(3)}`));
  receiver.on('message', (m) => lines.push(`receiver ${m.receiver.toFixed(3)} (avg read ${m.avgReadKib.toFixed(0)} KiB)`));
  await new Promise((resolve) => receiver.on('exit', resolve));
  sender.kill();
  console.log(`reads of ${readKib} KiB, writes of ${writeKib} KiB, ${workNs} ns/byte of work, CPU ms per MB:`);
  for (const l of lines) console.log(`  ${l}`);
}
