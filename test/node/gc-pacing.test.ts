/**
 * GC pacing (src/node/gc-pacing.ts): delivered plaintext makes a short-lived JS allocation sized
 * from the young generation, TS_TLS_GC_PACING=0 turns it off, and (the point of it) a bulk ts-tls
 * receiver then runs fewer mark-compacts. Module state is per process, so the exact checks run in
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
import { lastPacingSlots, paceDeliveredBytes } from '../../src/node/gc-pacing.js';
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

// In a fresh process: one byte (credit far below one array), then 16 KiB deliveries as the adapter
// makes them until one allocates, then one 4 MiB delivery (sized from the young generation read
// at the first call).
const probe = `
import v8 from 'node:v8';
const { paceDeliveredBytes, lastPacingSlots } = await import(${JSON.stringify(pacingUrl)});
const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
paceDeliveredBytes(1);
const afterOneByte = lastPacingSlots();
let firstAllocAt = -1;
for (let n = 16384; n <= 4 * 1024 * 1024; n += 16384) {
  paceDeliveredBytes(16384);
  if (lastPacingSlots() > 0) { firstAllocAt = n; break; }
}
paceDeliveredBytes(4 * 1024 * 1024);
const afterBulk = lastPacingSlots();
console.log(JSON.stringify({ newSpace, afterOneByte, firstAllocAt, afterBulk }));
`;

it('pacing allocates after enough delivered bytes, in proportion to them and to the young generation', () => {
  const r = child(probe, { TS_TLS_GC_PACING: undefined });
  assert.ok(r.newSpace! > 0);
  assert.equal(r.afterOneByte, 0, 'one byte already allocated a pacing array');
  // An array once the credit reaches 64 slots: bytes × young generation / 32 MiB / 8-byte slots.
  const bytesPerArray = (64 * 32 * MiB * 8) / r.newSpace!;
  assert.ok(r.firstAllocAt! > 0 && r.firstAllocAt! <= Math.max(16384, bytesPerArray) + 16384, `first allocation after ${r.firstAllocAt} bytes, expected about ${bytesPerArray}`);
  // 4 MiB at once → young generation / 64 slots.
  const want = r.newSpace! / 64;
  assert.ok(r.afterBulk! >= want / 2 && r.afterBulk! <= want * 2, `4 MiB gave ${r.afterBulk} slots, expected about ${want}`);
});

it('TS_TLS_GC_PACING=0: never allocates', () => {
  const r = child(probe, { TS_TLS_GC_PACING: '0' });
  assert.deepEqual([r.afterOneByte, r.firstAllocAt, r.afterBulk], [0, -1, 0]);
  // Any other value leaves it on.
  assert.ok(child(probe, { TS_TLS_GC_PACING: '1' }).afterBulk! > 0);
});

it('in this process: 1 MiB of 16 KiB deliveries allocates (unless this run has TS_TLS_GC_PACING=0)', () => {
  for (let i = 0; i < 64; i++) paceDeliveredBytes(16384);
  if (process.env.TS_TLS_GC_PACING === '0') assert.equal(lastPacingSlots(), 0);
  else assert.ok(lastPacingSlots() > 0);
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
      if (!sock.write(chunk)) await new Promise((r) => (sock.once('drain', r), sock.once('close', r)));
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

// Pacing makes scavenges come sooner, so young plaintext buffers are freed before V8's 64 MiB
// external-memory budget forces a mark-compact. Whether the unpaced run actually hits that budget
// depends on the heap (in a scratch run with 8 MB of application heap after a forced gc(): 0 or 8
// mark-compacts per 256 MiB unpaced, 0 paced), so this checks the mechanism and that it never
// costs a full collection.
it('a ts-tls receiver of 256 MiB in a 16 MB application: pacing brings scavenges sooner, never more mark-compacts', async (t) => {
  const paced = await tracedReceive(256 * MiB, true, 16384);
  const unpaced = await tracedReceive(256 * MiB, false, 16384);
  const seen = `paced ${JSON.stringify(paced)}, unpaced ${JSON.stringify(unpaced)}`;
  t.diagnostic(seen);
  assert.ok(paced.scavenges > unpaced.scavenges, seen);
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
