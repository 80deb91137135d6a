/**
 * A recording TCP proxy for interop tests, and a small parser of the plaintext part of a TLS
 * handshake (ClientHello, ServerHello, HelloRetryRequest), written independently of src/wire so a
 * test can check what a real peer put on the wire without trusting the code under test.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { listen } from '../node/helpers.js';

/** Bytes kept per direction per connection: enough for any plaintext hello flight. */
const CAPTURE_LIMIT = 256 * 1024;

export interface Captured {
  clientToServer: Buffer[];
  serverToClient: Buffer[];
}

export interface RecordingProxy {
  port: number;
  /** One entry per accepted connection, in accept order. */
  connections: Captured[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0) and forwards every connection to 127.0.0.1:`target`, recording both directions. */
export async function startRecordingProxy(target: number): Promise<RecordingProxy> {
  const connections: Captured[] = [];
  const sockets = new Set<Socket>();
  const record = (into: Buffer[], d: Buffer) => {
    const have = into.reduce((n, b) => n + b.length, 0);
    if (have < CAPTURE_LIMIT) into.push(d.subarray(0, CAPTURE_LIMIT - have));
  };
  const server: Server = createServer((down) => {
    const cap: Captured = { clientToServer: [], serverToClient: [] };
    connections.push(cap);
    const up = createConnection({ host: '127.0.0.1', port: target });
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        down.destroy();
        up.destroy();
      });
    }
    down.on('data', (d: Buffer) => record(cap.clientToServer, d));
    up.on('data', (d: Buffer) => record(cap.serverToClient, d));
    down.pipe(up);
    up.pipe(down);
  });
  const port = await listen(server);
  return {
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Hello {
  /** 1 = ClientHello, 2 = ServerHello (a HelloRetryRequest is a ServerHello with `hrr` set). */
  type: 1 | 2;
  hrr: boolean;
  cipherSuites: number[];
  /** Extension types in wire order, and their bodies. */
  extensionTypes: number[];
  extensions: Map<number, Buffer>;
}

// RFC 8446, 4.1.3: the HelloRetryRequest random is SHA-256("HelloRetryRequest").
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export const EXT = {
  server_name: 0,
  supported_groups: 10,
  signature_algorithms: 13,
  alpn: 16,
  compress_certificate: 27,
  supported_versions: 43,
  key_share: 51,
  encrypted_client_hello: 0xfe0d,
} as const;

/** RFC 8701: GREASE values are 0x?A?A with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** The handshake messages carried in plaintext handshake records (content type 22), in order. */
export function plaintextHandshakes(chunks: Buffer[]): Buffer[] {
  const data = Buffer.concat(chunks);
  let hs = Buffer.alloc(0);
  for (let off = 0; off + 5 <= data.length; ) {
    const type = data[off]!;
    const len = data.readUInt16BE(off + 3);
    if (off + 5 + len > data.length) break;
    if (type === 22) hs = Buffer.concat([hs, data.subarray(off + 5, off + 5 + len)]);
    off += 5 + len;
  }
  const out: Buffer[] = [];
  for (let off = 0; off + 4 <= hs.length; ) {
    const len = hs.readUIntBE(off + 1, 3);
    if (off + 4 + len > hs.length) break;
    out.push(hs.subarray(off, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

/** Parses a ClientHello or ServerHello handshake message (header included). */
export function parseHello(msg: Buffer): Hello {
  const type = msg[0];
  if (type !== 1 && type !== 2) throw new Error(`not a hello: handshake type ${type}`);
  let p = 4 + 2; // header, legacy_version
  const random = msg.subarray(p, p + 32);
  p += 32;
  p += 1 + msg[p]!; // legacy_session_id
  const cipherSuites: number[] = [];
  if (type === 1) {
    const n = msg.readUInt16BE(p);
    for (let i = 0; i < n; i += 2) cipherSuites.push(msg.readUInt16BE(p + 2 + i));
    p += 2 + n;
    p += 1 + msg[p]!; // legacy_compression_methods
  } else {
    cipherSuites.push(msg.readUInt16BE(p));
    p += 3; // cipher_suite, legacy_compression_method
  }
  const extensionTypes: number[] = [];
  const extensions = new Map<number, Buffer>();
  const end = p + 2 + msg.readUInt16BE(p);
  for (p += 2; p + 4 <= end; ) {
    const t = msg.readUInt16BE(p);
    const len = msg.readUInt16BE(p + 2);
    extensionTypes.push(t);
    extensions.set(t, msg.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return { type, hrr: type === 2 && random.toString('hex') === HRR_RANDOM, cipherSuites, extensionTypes, extensions };
}

/** A list of u16 values behind a length prefix of `prefix` bytes (supported_groups, supported_versions). */
export function u16List(body: Buffer, prefix: 1 | 2): number[] {
  const n = prefix === 1 ? body[0]! : body.readUInt16BE(0);
  const out: number[] = [];
  for (let i = 0; i < n; i += 2) out.push(body.readUInt16BE(prefix + i));
  return out;
}

/** The groups of a ClientHello key_share (RFC 8446, 4.2.8: KeyShareEntry client_shares<0..2^16-1>). */
export function clientShareGroups(body: Buffer): number[] {
  const out: number[] = [];
  const end = 2 + body.readUInt16BE(0);
  for (let p = 2; p + 4 <= end; p += 4 + body.readUInt16BE(p + 2)) out.push(body.readUInt16BE(p));
  return out;
}
