/**
 * Bounded memory under handshake floods: a raw TCP peer sends an endless stream of 1-byte
 * handshake records, or a handshake header announcing 2^24-1 bytes followed by full records, to
 * our server (and, as a fake server, to our client). The victim must refuse and close before it
 * has buffered more than its named limits allow, and process memory must stay bounded while the
 * stream runs. Figures are printed as test diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tls, implName } from '../support/impl.js';
import { makeCerts } from '../support/peers.js';
import { closeServer, listen, waitFor } from '../node/helpers.js';
import fc from 'fast-check';
import { HandshakeJoiner, MAX_HANDSHAKE_MESSAGE } from '../../src/wire/handshake/index.js';

/** The attacker stops here if the victim never refuses (a failure): well past any sane limit. */
const ATTACK_BUDGET = 48 << 20;
/** Allowed growth of heap + array buffers during one attack (measured ~11 MiB; one retained object per fragment was ~44 MiB). */
const MEMORY_BOUND = 32 << 20;
/** Time for the victim to chew through one maximal message in 1-byte records (OpenSSL: ~0.1 s). */
const TIME_BOUND_MS = 5000;
const record = (content: Uint8Array) => Buffer.concat([Buffer.from([22, 3, 1, content.length >> 8, content.length & 0xff]), content]);

/** Writes `next()` chunks to `sock` (respecting backpressure) until it closes or the budget is spent. */
async function flood(sock: net.Socket, first: Buffer, next: () => Buffer): Promise<{ sent: number; refused: boolean; peakGrowth: number; ms: number }> {
  const started = Date.now();
  const mem = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  global.gc?.();
  const base = mem();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, mem())), 10);
  let closed = false;
  sock.on('close', () => (closed = true));
  sock.on('error', () => (closed = true));
  let sent = 0;
  const write = (b: Buffer) =>
    new Promise<void>((r) => {
      sent += b.length;
      if (sock.write(b)) setImmediate(r);
      else {
        sock.once('drain', r);
        sock.once('close', r);
      }
    });
  await write(first);
  while (!closed && sent < ATTACK_BUDGET && !sock.destroyed) {
    // About 64 KiB per write, so "refused after N bytes" is measured to that precision.
    const batch: Buffer[] = [];
    for (let n = 0; n < 64 * 1024; ) {
      const b = next();
      batch.push(b);
      n += b.length;
    }
    await write(Buffer.concat(batch));
  }
  // Give the victim's close a moment to arrive when the budget ran out.
  await waitFor(() => closed, 1000, 20);
  clearInterval(sampler);
  sock.destroy();
  return { sent, refused: closed, peakGrowth: Math.max(0, peak - base), ms: Date.now() - started };
}

const oneByte = () => record(Uint8Array.of(0));
const fullRecord = () => record(new Uint8Array(1 << 14));
/** A handshake header for `type` announcing `len` bytes, in its own record. */
const header = (type: number, len: number) => record(Uint8Array.of(type, len >> 16, (len >> 8) & 0xff, len & 0xff));

async function attackServer(first: Buffer, next: () => Buffer) {
  const certs = makeCerts('ec-p256');
  const errors: (Error & { code?: string })[] = [];
  const server = tls.createServer({ key: certs.key, cert: certs.cert }, () => {});
  server.on('tlsClientError', (e: Error) => errors.push(e));
  const port = await listen(server);
  try {
    const sock = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => sock.once('connect', r));
    const r = await flood(sock, first, next);
    await waitFor(() => errors.length > 0, 1000, 20);
    return { ...r, errors };
  } finally {
    await closeServer(server);
  }
}

/** A fake server that answers the client's first bytes with the flood. */
async function attackClient(first: Buffer, next: () => Buffer) {
  const certs = makeCerts('ec-p256');
  let result: Promise<Awaited<ReturnType<typeof flood>>> | undefined;
  const fake = net.createServer((sock) => {
    sock.once('data', () => (result = flood(sock, first, next)));
  });
  const port = await listen(fake);
  try {
    const client: TLSSocket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert });
    const error = await new Promise<Error & { code?: string }>((resolve) => {
      client.once('error', resolve);
      client.once('secureConnect', () => resolve(new Error('handshake completed against a flood')));
    });
    while (!result) await new Promise((r) => setTimeout(r, 5));
    return { ...(await result), errors: [error] };
  } finally {
    fake.close();
  }
}

function report(t: { diagnostic(m: string): void }, what: string, r: { sent: number; peakGrowth: number; ms: number; errors: { code?: string }[] }) {
  t.diagnostic(`${implName} ${what}: refused after ${(r.sent / 1024).toFixed(0)} KiB on the wire in ${r.ms} ms, heap+buffers grew ≤ ${(r.peakGrowth / 1048576).toFixed(1)} MiB, error ${r.errors[0]?.code}`);
}

function assertBounded(r: { sent: number; refused: boolean; peakGrowth: number; ms: number; errors: { code?: string }[] }, maxSent: number) {
  assert.ok(r.refused, `the victim never closed (${r.sent} bytes sent)`);
  // Processing must stay linear: a quadratic joiner took 6.7 s for 131,071 one-byte records.
  assert.ok(r.ms < TIME_BOUND_MS, `refusing took ${r.ms} ms`);
  assert.ok(r.sent <= maxSent, `refused only after ${r.sent} bytes (limit ${maxSent})`);
  assert.ok(r.peakGrowth < MEMORY_BOUND, `memory grew by ${r.peakGrowth} bytes`);
  assert.equal(r.errors.length, 1);
  assert.match(String(r.errors[0]!.code), /^(ERR_SSL_[A-Z0-9_]+|ECONNRESET)$/);
}

// 1-byte records of a message announced just under the limit: the victim may buffer that one
// message (6 wire bytes per body byte), no more; the flood goes on past it.
const nearLimit = Math.min(MAX_HANDSHAKE_MESSAGE, (1 << 17) - 1);

test(`${implName} server: endless 1-byte handshake records are refused within one maximal message`, { timeout: 60_000 }, async (t) => {
  const r = await attackServer(header(1, nearLimit), oneByte);
  report(t, 'server, 1-byte fragments', r);
  assertBounded(r, 6 * (nearLimit + 4) + (4 << 20));
});

test(`${implName} server: a ClientHello announcing 2^24-1 bytes is refused at its header`, { timeout: 60_000 }, async (t) => {
  const r = await attackServer(header(1, 0xffffff), fullRecord);
  report(t, 'server, 2^24-1 length', r);
  assertBounded(r, 1 << 20);
});

test(`${implName} client: endless 1-byte ServerHello fragments are refused within one maximal message`, { timeout: 60_000 }, async (t) => {
  const r = await attackClient(header(2, nearLimit), oneByte);
  report(t, 'client, 1-byte fragments', r);
  assertBounded(r, 6 * (nearLimit + 4) + (4 << 20));
});

test(`${implName} client: a ServerHello announcing 2^24-1 bytes is refused at its header`, { timeout: 60_000 }, async (t) => {
  const r = await attackClient(header(2, 0xffffff), fullRecord);
  report(t, 'client, 2^24-1 length', r);
  assertBounded(r, 1 << 20);
});

test('HandshakeJoiner: messages fed as small fragments (coalesced across its 4 KiB tail buffers) come out byte-exact', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 9000 }).chain((len) => fc.uint8Array({ minLength: len, maxLength: len })), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
      (bodies, sizes) => {
        const msgs = bodies.map((b) => Uint8Array.of(1, b.length >> 16, (b.length >> 8) & 0xff, b.length & 0xff, ...b));
        const stream = Buffer.concat(msgs);
        const j = new HandshakeJoiner();
        const out: Uint8Array[] = [];
        for (let o = 0, k = 0; o < stream.length; k++) {
          const n = sizes[k % sizes.length]!;
          // Small fragments are copied into the joiner's own buffer: the caller may reuse its
          // buffer right after push (larger ones are kept as views, by contract left untouched).
          const frag = Uint8Array.from(stream.subarray(o, o + n));
          j.push(frag);
          if (n < 256) frag.fill(0xee);
          for (let m = j.next(); m; m = j.next()) out.push(Uint8Array.from(m));
          o += n;
        }
        assert.deepEqual(out.map((m) => Buffer.from(m).toString('hex')), msgs.map((m) => Buffer.from(m).toString('hex')));
        assert.ok(j.isEmpty());
      },
    ),
    { numRuns: 200 },
  );
});
