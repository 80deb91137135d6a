/**
 * Memory measurements run in a child process (started by memory.test.ts with --expose-gc), so
 * the test runner's own allocations do not blur them. Usage:
 *
 *   node --expose-gc build/test/stress/child.js <mode> [args...]
 *
 * Prints one JSON line (the result) on stdout. Modes:
 *   backpressure <MiB> <lib>  a client writes <MiB> to an echo server of <lib> ('ours' or 'node') and reads the echo
 *                          slowly; samples memory while 2×<MiB> flow; counts write()===false / 'drain'
 *   leak <n> <rounds>      after a warm-up, rounds of <n> concurrent ts-tls connections (all open
 *                          together, then echo and close); heap before and after each round, with gc
 *   idle <lib> <n>         <n> idle connections (both ends in this process) of 'ours' or 'node';
 *                          heap/external/rss per connection
 */
import { createHash } from 'node:crypto';
import * as nodeTls from 'node:tls';
import { makeTestPki } from '../fixtures/certs.js';
import { ours } from '../support/impl.js';
import { closeServer, listen, waitFor } from '../node/helpers.js';

const pki = makeTestPki();
const MiB = 1 << 20;

const gc = (globalThis as { gc?: () => void }).gc;

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function mem(): Mem {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

function diff(a: Mem, b: Mem): Mem {
  return { rss: a.rss - b.rss, heapUsed: a.heapUsed - b.heapUsed, external: a.external - b.external, arrayBuffers: a.arrayBuffers - b.arrayBuffers };
}

async function settle(): Promise<Mem> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  return mem();
}

/** A block of `size` bytes whose content depends on `i` (cheap to make, detects reordering). */
function block(size: number, i: number): Buffer {
  const b = Buffer.alloc(size, i & 0xff);
  b.writeUInt32BE(i >>> 0, 0);
  return b;
}

async function backpressure(totalMiB: number, which: string): Promise<unknown> {
  const lib = which === 'node' ? nodeTls : ours;
  let serverSock: nodeTls.TLSSocket | undefined;
  const server = lib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, (s) => {
    serverSock = s;
    s.pipe(s);
  });
  const port = await listen(server);
  const base = await settle();
  // Bytes queued in the streams' own buffers (what an ignored backpressure signal would grow).
  const queued = { clientWritable: 0, clientReadable: 0, serverWritable: 0, serverReadable: 0 };
  const peak: Mem = { ...base };
  const client = lib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.cert });
  await new Promise<void>((resolve, reject) => {
    client.once('secureConnect', () => resolve());
    client.once('error', reject);
  });
  // Two peaks: what the process holds (garbage included, as the OS sees it), and what is live
  // (after a full gc every 250 ms): the live peak is the buffering that backpressure must bound.
  const livePeak: Mem = { ...base };
  const maxInto = (into: Mem, m: Mem): void => {
    for (const k of Object.keys(into) as (keyof Mem)[]) into[k] = Math.max(into[k], m[k]);
  };
  let ticks = 0;
  const sampler = setInterval(() => {
    if (++ticks % 12 === 0 && gc) {
      gc();
      maxInto(livePeak, mem());
    }
    maxInto(peak, mem());
    queued.clientWritable = Math.max(queued.clientWritable, client.writableLength);
    queued.clientReadable = Math.max(queued.clientReadable, client.readableLength);
    queued.serverWritable = Math.max(queued.serverWritable, serverSock?.writableLength ?? 0);
    queued.serverReadable = Math.max(queued.serverReadable, serverSock?.readableLength ?? 0);
  }, 20);
  const total = totalMiB * MiB;
  const chunk = 64 * 1024;
  const sent = createHash('sha256');
  const received = createHash('sha256');
  let falseWrites = 0;
  let drains = 0;
  let receivedBytes = 0;
  let pauses = 0;
  const started = Date.now();
  const done = new Promise<void>((resolve, reject) => {
    client.on('error', reject);
    // The slow reader: after every 8 MiB it stops reading for 25 ms, so the echo server's writes,
    // then its reads, then our writes must all wait on backpressure.
    let sinceStop = 0;
    client.on('data', (d: Buffer) => {
      received.update(d);
      receivedBytes += d.length;
      sinceStop += d.length;
      if (sinceStop >= 8 * MiB) {
        sinceStop = 0;
        pauses++;
        client.pause();
        setTimeout(() => client.resume(), 25);
      }
    });
    client.on('end', () => resolve());
  });
  client.on('drain', () => drains++);
  let i = 0;
  let written = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (written < total) {
        const b = block(chunk, i++);
        sent.update(b);
        written += b.length;
        if (!client.write(b)) {
          falseWrites++;
          client.once('drain', pump);
          return;
        }
      }
      client.end();
      resolve();
    };
    pump();
  });
  await done;
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  await closeServer(server);
  return {
    lib: which,
    bytesEachWay: total,
    receivedBytes,
    intact: sent.digest('hex') === received.digest('hex'),
    falseWrites,
    drains,
    pauses,
    seconds,
    mibPerSecondEachWay: totalMiB / seconds,
    base,
    peak,
    livePeak,
    queued,
    growth: diff(peak, base),
    liveGrowth: diff(livePeak, base),
  };
}

/**
 * Opens `n` connections at once and waits until all are secure (so all `n` are open together);
 * then each echoes 1 KiB and closes. Resolves with the number that got their echo back.
 * `serverOpen`, when given, is also waited for to reach `n`: a client is secure as soon as it has
 * sent its Finished, and the server counts the connection only once that Finished has arrived.
 */
async function roundOfConnections(lib: typeof nodeTls, port: number, n: number, serverOpen?: () => number): Promise<number> {
  const payload = Buffer.alloc(1024, 7);
  let ok = 0;
  let secure = 0;
  const all: nodeTls.TLSSocket[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const c = lib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.cert });
          all.push(c);
          let got = 0;
          c.on('secureConnect', () => {
            if (++secure === n) void untilServerOpen(serverOpen, n).then(() => all.forEach((s) => s.end(payload)), reject);
          });
          c.on('data', (d: Buffer) => (got += d.length));
          c.on('error', reject);
          c.on('close', () => {
            if (got === payload.length) ok++;
            resolve();
          });
        }),
    ),
  );
  return ok;
}

/** Resolves when `serverOpen()` reaches `n` (immediately without a counter); fails after 10 s. */
async function untilServerOpen(serverOpen: (() => number) | undefined, n: number): Promise<void> {
  if (serverOpen && !(await waitFor(() => serverOpen() >= n, 10_000))) throw new Error(`server saw ${serverOpen()} of ${n} connections`);
}

async function leak(n: number, rounds: number, which = 'ours'): Promise<unknown> {
  const lib = which === 'node' ? nodeTls : ours;
  let open = 0;
  let peakOpen = 0;
  const server = lib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, (s) => {
    peakOpen = Math.max(peakOpen, ++open);
    s.on('close', () => open--);
    s.pipe(s);
  });
  const port = await listen(server);
  // Warm up (code, lazily built tables, socket pools), then measure the heap before.
  await roundOfConnections(lib, port, 10);
  const before = await settle();
  peakOpen = 0;
  const heaps: number[] = [];
  const externals: number[] = [];
  const oks: number[] = [];
  const openAfter: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oks.push(await roundOfConnections(lib, port, n, () => open));
    const m = await settle();
    heaps.push(m.heapUsed);
    externals.push(m.external);
    openAfter.push(await new Promise<number>((res) => server.getConnections((_e, c) => res(c))));
  }
  await closeServer(server);
  return { lib: which, n, rounds, oks, peakOpen, heapBefore: before.heapUsed, externalBefore: before.external, heaps, externals, openAfter };
}

async function idle(which: string, n: number): Promise<unknown> {
  const lib = which === 'node' ? nodeTls : ours;
  const held: nodeTls.TLSSocket[] = [];
  const server = lib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, (s) => {
    held.push(s);
    s.resume(); // reads (nothing, while idle) so that the warm-up connection's end is seen
  });
  const port = await listen(server);
  // One connection first, so that lazily built tables and code are not counted per connection.
  await roundOfConnections(lib, port, 1);
  held.length = 0;
  const before = await settle();
  const clients: nodeTls.TLSSocket[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const c = lib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.cert }, () => resolve());
          c.on('error', reject);
          clients.push(c);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 100));
  const after = await settle();
  const per = (k: keyof Mem) => Math.round((after[k] - before[k]) / n);
  const result = { lib: which, n, serverSide: held.length, perConnection: { heapUsed: per('heapUsed'), external: per('external'), rss: per('rss') } };
  for (const c of clients) c.destroy();
  await closeServer(server);
  return result;
}

const [mode, a, b] = process.argv.slice(2);
const run = mode === 'backpressure' ? backpressure(Number(a), String(b ?? 'ours')) : mode === 'leak' ? leak(Number(a), Number(b), process.argv[5] ?? 'ours') : idle(String(a), Number(b));
run.then(
  (r) => {
    process.stdout.write(`${JSON.stringify({ gc: !!gc, ...(r as object) })}\n`);
    process.exit(0);
  },
  (e) => {
    process.stdout.write(`${JSON.stringify({ error: String(e?.stack ?? e) })}\n`);
    process.exit(1);
  },
);
