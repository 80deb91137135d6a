/**
 * Sealed-record memory reuse in the adapter (tls-socket-stream.ts enableOutputReuse): opted in on
 * TCP and IPC sockets only, released only when the socket's write queue is empty. Large
 * pseudo-random transfers in mixed chunk sizes, both ways, compared by hash: ts-tls ⇄ ts-tls,
 * against node:tls (OpenSSL checks every record we send), with a receiver that stops reading
 * while the sender's queue is full (where an early release would overwrite queued records), over
 * a JS duplex that keeps our chunks (must not opt in), and over a unix socket path.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import nodeTls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import tls, { TLSSocket } from '../../src/index.js';
import { nativeLoaded } from '../support/native.js';
import { patternBytes } from '../support/peers.js';
import { listen, localhostCert, once } from './helpers.js';

const MiB = 1 << 20;
const MAX_CHUNK = 256 * 1024;
const TIMEOUT_MS = 20_000;

type AnyTls = { createServer: typeof nodeTls.createServer; connect: typeof nodeTls.connect };
const ours = tls as unknown as AnyTls;
type Sock = nodeTls.TLSSocket;

const up = patternBytes(32 * MiB, 11); // client → server
const down = patternBytes(32 * MiB, 12); // server → client
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const upHash = sha(up);
const downHash = sha(down);

/**
 * Seeded chunk sizes from 1 B to 256 KiB, spread evenly over the powers of two; while `small()`
 * holds, 256 B to 4 KiB (many records, each sealed while earlier ones may still be queued).
 */
function chunkSizes(seed: number, small?: () => boolean): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    if (small?.()) return 256 + ((x >>> 5) % (1 << (8 + (x % 5))));
    const bits = x % 19; // 2^0 .. 2^18
    return Math.min(MAX_CHUNK, 1 + ((x >>> 5) % (1 << bits)));
  };
}

/**
 * Writes `data` in mixed chunks. After a write that returns false, up to three more go in at once
 * (they queue behind it), then the sender waits for 'drain': backpressure is honoured.
 */
async function sendAll(sock: Sock, data: Buffer, seed: number, small?: () => boolean): Promise<void> {
  const next = chunkSizes(seed, small);
  let burst = 0;
  let burstLimit = 1;
  for (let off = 0; off < data.length; ) {
    const n = Math.min(data.length - off, next());
    const ok = sock.write(data.subarray(off, off + n));
    off += n;
    if (!ok && ++burst >= burstLimit) {
      await once(sock, 'drain', TIMEOUT_MS);
      burst = 0;
      burstLimit = 1 + (n % 4);
    }
  }
}

interface Received {
  hash: string;
  bytes: number;
}

/** Hashes what arrives until `expected` bytes are in; a transport error or an early end rejects. */
function receiveAll(sock: Sock, expected: number, onData?: (total: number) => void): Promise<Received> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    const timer = setTimeout(() => fail(new Error(`timed out after ${bytes} of ${expected} bytes`)), TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    sock.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
      if (bytes > expected) fail(new Error(`${bytes} bytes received, ${expected} sent`));
      else if (bytes === expected) {
        clearTimeout(timer);
        resolve({ hash: h.digest('hex'), bytes });
      } else onData?.(bytes);
    });
    sock.on('error', fail);
    sock.on('end', () => bytes < expected && fail(new Error(`'end' after ${bytes} of ${expected} bytes`)));
  });
}

interface Internals {
  reuseOutput: boolean;
  raw: net.Socket | Duplex | null;
  conn: { releaseOutgoing(): void; writer: { arenas: { heldCount: number; reusing: boolean } } };
}
const internals = (s: Sock) => s as unknown as Internals;

/**
 * Counts the releases of a ts-tls socket that handed arenas back, and those made while the
 * transport still queued bytes (the rule being tested: there must be none).
 */
function watchReleases(s: Sock): { released: number; early: number } {
  const i = internals(s);
  const conn = i.conn;
  const arenas = conn.writer.arenas;
  const release = conn.releaseOutgoing.bind(conn);
  const stats = { released: 0, early: 0 };
  conn.releaseOutgoing = () => {
    const held = arenas.heldCount;
    release();
    if (held > 0 && arenas.heldCount === 0) {
      stats.released++;
      if ((i.raw?.writableLength ?? 0) > 0) stats.early++;
    }
  };
  return stats;
}

const isOurs = (s: Sock) => s instanceof TLSSocket;

/**
 * Whether sealed records go through arenas at all (only the native AEAD seals into them). Without
 * it the transfers still run but release counts are not asserted, loudly; in CI
 * (TS_TLS_REQUIRE_PEERS=1), which builds the addon, that is a failure.
 */
function arenasInUse(t: TestContext): boolean {
  return nativeLoaded(t, {
    untested: 'records do not use arenas, release counts NOT CHECKED',
    disabled: 'TS_TLS_NATIVE=0: records do not use arenas; release counts not checked',
  });
}

/** A connected pair; the caller destroys both and closes the server. */
async function tcpPair(serverLib: AnyTls, clientLib: AnyTls, at?: { path: string }) {
  const { key, cert } = localhostCert();
  const server = serverLib.createServer({ key, cert });
  if (at) {
    server.listen(at.path);
    await once(server, 'listening');
  }
  const port = at ? 0 : await listen(server);
  const accepted = once<[Sock]>(server, 'secureConnection', TIMEOUT_MS);
  const client: Sock = at
    ? clientLib.connect({ path: at.path, servername: 'localhost', ca: cert })
    : clientLib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
  client.on('error', () => {}); // a failure shows up in receiveAll
  const [[serverSide]] = await Promise.all([accepted, once(client, 'secureConnect', TIMEOUT_MS)]);
  serverSide.on('error', () => {});
  const close = () => {
    client.destroy();
    serverSide.destroy();
    server.close();
  };
  return { server, client, serverSide, close };
}

/** Both directions at once, compared by hash; returns the release counts of the ts-tls ends. */
async function exchange(client: Sock, serverSide: Sock, size = 32 * MiB) {
  const u = up.subarray(0, size);
  const d = down.subarray(0, size);
  const stats = [client, serverSide].map((s) => (isOurs(s) ? watchReleases(s) : null));
  const atServer = receiveAll(serverSide, u.length);
  const atClient = receiveAll(client, d.length);
  await Promise.all([sendAll(client, u, 101), sendAll(serverSide, d, 202), atServer, atClient]);
  const [gotUp, gotDown] = [await atServer, await atClient];
  assert.equal(gotUp.hash, size === up.length ? upHash : sha(u), 'client → server bytes differ');
  assert.equal(gotDown.hash, size === down.length ? downHash : sha(d), 'server → client bytes differ');
  for (const st of stats) if (st) assert.equal(st.early, 0, 'arenas released while the socket still queued bytes');
  return stats;
}

describe('sealed-record reuse over TCP', () => {
  it('ts-tls ⇄ ts-tls: 32 MiB each way in 1 B..256 KiB writes, byte-identical; both ends opted in and released', async (t) => {
    const { client, serverSide, close } = await tcpPair(ours, ours);
    try {
      assert.equal(internals(client).reuseOutput, true, 'client over TCP did not opt in');
      assert.equal(internals(serverSide).reuseOutput, true, 'server over TCP did not opt in');
      assert.equal(internals(client).conn.writer.arenas.reusing, true);
      const [c, s] = await exchange(client, serverSide);
      // The memory really was handed back during the transfer (else this test would prove nothing).
      if (arenasInUse(t)) {
        assert.ok(c!.released > 10, `client released arenas only ${c!.released} times`);
        assert.ok(s!.released > 10, `server released arenas only ${s!.released} times`);
      }
    } finally {
      close();
    }
  });

  it('node:tls client ⇄ ts-tls server: 32 MiB each way, OpenSSL accepts every record we sealed', async (t) => {
    const { client, serverSide, close } = await tcpPair(ours, nodeTls);
    try {
      assert.equal(internals(serverSide).reuseOutput, true);
      const [, s] = await exchange(client, serverSide);
      if (arenasInUse(t)) assert.ok(s!.released > 10, `server released arenas only ${s!.released} times`);
    } finally {
      close();
    }
  });

  it('ts-tls client ⇄ node:tls server: 16 MiB each way', async (t) => {
    const { client, serverSide, close } = await tcpPair(nodeTls, ours);
    try {
      assert.equal(internals(client).reuseOutput, true);
      const [c] = await exchange(client, serverSide, 16 * MiB);
      if (arenasInUse(t)) assert.ok(c!.released > 5, `client released arenas only ${c!.released} times`);
    } finally {
      close();
    }
  });

  for (const [name, serverLib] of [['ts-tls', ours], ['node:tls', nodeTls]] as const) {
    // From the stall on the sender writes small chunks: the records it seals while the socket
    // still queues earlier ones are those an early release would lay over queued bytes.
    it(`a ${name} receiver that stops reading for 1.5 s while the ts-tls sender's socket queue is full: data intact`, async (t) => {
      const { client, serverSide, close } = await tcpPair(serverLib, ours);
      try {
        const stats = watchReleases(client);
        const raw = internals(client).raw as net.Socket;
        const size = 16 * MiB; // well past what the loopback kernel buffers hold
        const samples: number[] = [];
        let paused = false;
        const got = receiveAll(serverSide, size, (total) => {
          if (paused || total < MiB) return;
          paused = true;
          serverSide.pause();
          const sampler = setInterval(() => samples.push(raw.writableLength), 50);
          setTimeout(() => {
            clearInterval(sampler);
            serverSide.resume();
          }, 1500);
        });
        const [, result] = await Promise.all([sendAll(client, up.subarray(0, size), 303, () => paused), got]);
        assert.ok(paused);
        assert.equal(result.hash, sha(up.subarray(0, size)), 'bytes differ after the stall');
        // The stall really held records in the socket's queue (the case where reuse must wait).
        const late = samples.slice(samples.length >> 1);
        assert.ok(late.length > 5 && late.every((n) => n > 0), `sender queue during the stall: ${samples.join(',')}`);
        assert.equal(stats.early, 0);
        if (arenasInUse(t)) assert.ok(stats.released > 0, 'no release after the stall ended');
      } finally {
        close();
      }
    });
  }
});

/**
 * Two connected duplexes whose write() is done at once while the chunk itself (not a copy) is
 * delivered a few milliseconds later, as a WebSocket or message-port stream may do: memory given
 * to it must never be reused.
 */
function holdingPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex => {
    const held: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    const deliver = () => {
      timer = null;
      for (const c of held.splice(0)) peer().push(c);
    };
    return new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        held.push(chunk);
        timer ??= setTimeout(deliver, 3);
        cb();
      },
      final(cb) {
        setTimeout(() => {
          deliver();
          peer().push(null);
          cb();
        }, 5);
      },
    });
  };
  sides.push(make(() => sides[1]!), make(() => sides[0]!));
  return [sides[0]!, sides[1]!];
}

describe('sealed-record reuse on other transports', () => {
  it('a JS duplex that keeps our chunks: no opt-in, 8 MiB each way intact although chunks are read late', async () => {
    const { key, cert } = localhostCert();
    const [a, b] = holdingPair();
    const serverSide = new TLSSocket(a, { isServer: true, secureContext: tls.createSecureContext({ key, cert }) }) as unknown as Sock;
    const client = new TLSSocket(b, { servername: 'localhost', host: 'localhost', ca: cert }) as unknown as Sock;
    client.on('error', () => {});
    serverSide.on('error', () => {});
    try {
      await Promise.all([once(client, 'secureConnect', TIMEOUT_MS), once(serverSide, 'secure', TIMEOUT_MS)]);
      for (const s of [client, serverSide]) {
        assert.equal(internals(s).reuseOutput, false, 'opted in over a JS duplex');
        assert.equal(internals(s).conn.writer.arenas.reusing, false);
      }
      const [c, s] = await exchange(client, serverSide, 8 * MiB);
      assert.equal(c!.released + s!.released, 0);
    } finally {
      client.destroy();
      serverSide.destroy();
    }
  });

  it('an IPC socket (unix path): opted in on the Pipe handle, 8 MiB each way intact', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-tls-ipc-'));
    const pair = await tcpPair(ours, ours, { path: join(dir, 'tls.sock') });
    try {
      for (const s of [pair.client, pair.serverSide]) {
        const raw = internals(s).raw as net.Socket & { _handle?: object };
        assert.equal(raw._handle?.constructor.name, 'Pipe');
        assert.equal(internals(s).reuseOutput, true, 'did not opt in over a unix socket');
      }
      const [c, s] = await exchange(pair.client, pair.serverSide, 8 * MiB);
      if (arenasInUse(t)) assert.ok(c!.released > 0 && s!.released > 0, `releases: client ${c!.released}, server ${s!.released}`);
    } finally {
      pair.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
