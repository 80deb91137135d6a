/**
 * GC pacing (src/node/gc-pacing.ts): when a window of delivered plaintext passes without a
 * scavenge, a short-lived JS allocation fills the young generation; a process that allocates
 * enough itself gets none; TS_TLS_GC_PACING=0 turns it off; and a bulk ts-tls receiver keeps
 * its scavenges coming without more mark-compacts. Module state is per process, so the exact checks run in
 * fresh child processes; the sender of the bulk test is node:tls in this process, so only the
 * receiver's GC is traced.
 *
 * The bulk receivers are traced after two forced gc() calls, as the shared benchmark harness makes
 * them. ts-tls alone keeps the old generation under V8's 8 MB incremental-marking threshold, where
 * no mark-compact is needed at all; the pacing comparison adds 16 MB of application heap.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import nodeTls from 'node:tls';
import { it } from 'node:test';
import { paceDeliveredBytes } from '../../src/node/gc-pacing.js';
import { localhostCert } from './helpers.js';

const MiB = 1 << 20;
const pacingUrl = new URL('../../src/node/gc-pacing.js', import.meta.url).href;
const indexUrl = new URL('../../src/index.js', import.meta.url).href;

/** Runs an ES module snippet in a fresh node with `env` added; returns its last stdout line as JSON. */
function child(source: string, env: Record<string, string | undefined>): Record<string, number> {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

// In a fresh process: one byte, then 16 KiB deliveries as the adapter makes them, with nothing
// else allocating (so no scavenge runs on its own), until pacing allocates; then, with BUSY set,
// the same while the loop allocates ~2 MB of short-lived arrays per MiB delivered, as an
// application (or the receive path itself) does.
const probe = `
import v8 from 'node:v8';
const { paceDeliveredBytes, SCAVENGE_WINDOW_BYTES, CHECK_BYTES } = await import(${JSON.stringify(pacingUrl)});
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
const afterOneByte = paceDeliveredBytes(1);
let firstAllocAt = -1, slots = 0, available = 0, allocations = 0;
const busy = process.env.BUSY === '1';
// Short-lived arrays kept in a ring: a plain overwritten variable lets the optimiser drop them.
const ring = new Array(16).fill(null);
for (let n = 16384; n <= 4 * SCAVENGE_WINDOW_BYTES; n += 16384) {
  if (busy) for (let k = 0; k < 8; k++) ring[(n / 16384 + k) & 15] = new Array(4096);
  // Read only where pacing looks too (every CHECK_BYTES): reading allocates a little itself.
  if (n % CHECK_BYTES === 0) available = young().space_available_size;
  const allocated = paceDeliveredBytes(16384);
  if (allocated > 0) {
    allocations++;
    if (firstAllocAt < 0) { firstAllocAt = n; slots = allocated; }
  }
}
console.log(JSON.stringify({ afterOneByte, firstAllocAt, slots, available, allocations, window: SCAVENGE_WINDOW_BYTES, check: CHECK_BYTES }));
`;

it('with nothing else allocating, pacing fills the young generation once a window of plaintext passes without a scavenge', () => {
  const r = child(probe, { TS_TLS_GC_PACING: undefined, BUSY: '0' });
  assert.equal(r.afterOneByte, 0, 'one byte already allocated a pacing array');
  assert.ok(r.firstAllocAt! >= r.window! && r.firstAllocAt! <= r.window! + 2 * r.check!, `first allocation after ${r.firstAllocAt} bytes, window ${r.window}`);
  // About as many 8-byte slots as the young generation had room for (read just before), plus a few.
  assert.ok(r.slots! > 64 && r.slots! * 8 <= r.available! + 65536, `${r.slots} slots for ${r.available} bytes of room`);
  // Four windows without a scavenge of their own: one forced per window (the first look after each
  // forced one sees the drop and starts counting again).
  assert.ok(r.allocations! >= 3 && r.allocations! <= 4, `${r.allocations} pacing rounds over 4 windows`);
});

it('a process that allocates enough on its own gets no pacing at all', () => {
  const r = child(probe, { TS_TLS_GC_PACING: undefined, BUSY: '1' });
  assert.equal(r.allocations, 0, `pacing allocated ${r.allocations} times although scavenges ran anyway`);
});

it('TS_TLS_GC_PACING=0: never allocates', () => {
  const r = child(probe, { TS_TLS_GC_PACING: '0', BUSY: '0' });
  assert.deepEqual([r.afterOneByte, r.firstAllocAt, r.allocations], [0, -1, 0]);
  // Any other value leaves it on.
  assert.ok(child(probe, { TS_TLS_GC_PACING: '1', BUSY: '0' }).allocations! > 0);
});

it('in this process: a small delivery never allocates', () => {
  assert.equal(paceDeliveredBytes(16384), 0);
});

// A ts-tls server that counts what it receives, then exits; --trace-gc lines go to stdout too.
const receiver = `
const tls = (await import(${JSON.stringify(indexUrl)})).default;
// An application's own long-lived heap: ~1 KB objects, BALLAST_KB of them.
globalThis.ballast = Array.from({ length: Number(process.env.BALLAST_KB || 0) }, () => new Array(126).fill(1));
const total = Number(process.env.BULK_BYTES);
const server = tls.createServer({ key: process.env.KEY_PEM, cert: process.env.CERT_PEM }, (s) => {
  let n = 0;
  s.on('data', (d) => {
    // As the shared benchmark harness does before it measures: two forced full collections.
    if (n === 0) { globalThis.gc(); globalThis.gc(); }
    n += d.length;
    if (n >= total) { console.log('DONE ' + n); s.destroy(); server.close(); }
  });
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
setTimeout(() => { console.log('TIMEOUT'); process.exit(2); }, 10000).unref();
`;

/** Sends `bytes` from node:tls to a traced ts-tls receiver child; returns its GC counts during the transfer. */
async function tracedReceive(bytes: number, pacing: boolean, ballastKb = 0): Promise<{ markCompacts: number; scavenges: number }> {
  const { key, cert } = localhostCert();
  const env = { ...process.env, KEY_PEM: key.toString(), CERT_PEM: cert.toString(), BULK_BYTES: String(bytes), TS_TLS_GC_PACING: pacing ? '1' : '0', BALLAST_KB: String(ballastKb) };
  const proc = spawn(process.execPath, ['--trace-gc', '--expose-gc', '--input-type=module', '-e', receiver], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => proc.kill(), 12_000);
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`receiver exited (${code}) before listening: ${err}`)));
    });
    const sock = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    sock.on('error', () => {}); // the receiver destroys the connection once it has everything
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    const chunk = Buffer.alloc(MiB, 0x5a);
    for (let sent = 0; sent < bytes && !sock.destroyed; sent += chunk.length) {
      // The receiver closes as soon as the last byte is in, which may come before our 'drain'.
      if (!sock.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            sock.off('drain', done);
            sock.off('close', done);
            resolve();
          };
          sock.on('drain', done);
          sock.on('close', done);
        });
      }
    }
    const code = await exited;
    sock.destroy();
    assert.equal(code, 0, `receiver exited with ${code}: ${err}`);
    assert.match(out, new RegExp(`DONE ${bytes}`));
    // What the transfer cost: the collections after the forced ones ("testing").
    const after = out.slice(out.lastIndexOf('testing'));
    return { markCompacts: after.match(/Mark-Compact/g)?.length ?? 0, scavenges: after.match(/Scavenge/g)?.length ?? 0 };
  } finally {
    clearTimeout(killer);
    if (proc.exitCode === null) proc.kill();
  }
}

// Pacing makes sure scavenges come, so young plaintext buffers are freed before V8's 64 MiB
// external-memory budget forces a mark-compact. Whether the unpaced run actually hits that budget
// depends on the heap (in a scratch run with 8 MB of application heap after a forced gc(): 0 or 8
// mark-compacts per 256 MiB unpaced, 0 paced), and today's receive path allocates enough to bring
// a scavenge about every 32 MiB by itself, so this checks the rate and that pacing never costs a
// full collection.
it('a ts-tls receiver of 256 MiB in a 16 MB application: a scavenge at least every ~32 MiB, never more mark-compacts than unpaced', async (t) => {
  const paced = await tracedReceive(256 * MiB, true, 16384);
  const unpaced = await tracedReceive(256 * MiB, false, 16384);
  const seen = `paced ${JSON.stringify(paced)}, unpaced ${JSON.stringify(unpaced)}`;
  t.diagnostic(seen);
  assert.ok(paced.scavenges >= 256 / 32 - 1, seen);
  assert.ok(paced.markCompacts <= unpaced.markCompacts, seen);
});

// ts-tls alone stays under that threshold (lazy root store, PKCS#12 and ASN.1 schemas, dist without
// comments): a bulk receiver then needs no mark-compact at all, as node:tls (the loaded machine
// may add one: V8 also collects when it thinks the process is idle).
it('a ts-tls receiver of 256 MiB with no application heap runs at most one mark-compact', async (t) => {
  const r = await tracedReceive(256 * MiB, true);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.markCompacts <= 1, JSON.stringify(r));
});
