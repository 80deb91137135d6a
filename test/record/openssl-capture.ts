// Shared by the record tests that decrypt real OpenSSL records: run one node:tls connection
// through a loopback proxy that records the server's bytes, and collect the client's key log.
import net from 'node:net';
import tls from 'node:tls';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { HashAlgorithm } from '../../src/crypto/provider.js';
import { concatBytes, utf8 } from '../../src/util/bytes.js';
import { makeTestPki } from '../fixtures/certs.js';
import { listen } from '../node/helpers.js';

const TIMEOUT_MS = 10_000;
const p = nodeCryptoProvider();

export interface Captured {
  /** Everything the server sent, in order. */
  wire: Uint8Array;
  /** NSS key log lines the client logged. */
  lines: string[];
  /** What the client application received. */
  received: Uint8Array;
}

/** One connection: the server sends `payload` and closes. Options apply to both ends. */
export async function captureServerRecords(options: tls.SecureContextOptions & { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion; secureOptions?: number }, payload: Uint8Array): Promise<Captured> {
  const pki = makeTestPki();
  const server = tls.createServer({ key: pki.ecdsa.key, cert: pki.ecdsa.cert, ...options }, (s) => s.end(payload));
  const fromServer: Buffer[] = [];
  let serverPort = 0;
  const proxy = net.createServer((c) => {
    const up = net.connect(serverPort, '127.0.0.1');
    c.pipe(up);
    up.on('data', (d: Buffer) => fromServer.push(d));
    up.pipe(c);
    up.on('error', () => c.destroy());
    c.on('error', () => up.destroy());
  });
  serverPort = await listen(server);
  const proxyPort = await listen(proxy);
  const lines: string[] = [];
  try {
    const received = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS);
      const got: Buffer[] = [];
      const s = tls.connect({ port: proxyPort, host: '127.0.0.1', ca: pki.ecdsa.cert, servername: 'localhost', ...options });
      s.on('keylog', (l) => lines.push(l.toString('latin1').trim()));
      s.on('data', (d: Buffer) => got.push(d));
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      s.on('end', () => {
        clearTimeout(timer);
        s.end();
        resolve(Buffer.concat(got));
      });
    });
    return { wire: new Uint8Array(Buffer.concat(fromServer)), lines, received: new Uint8Array(received) };
  } finally {
    server.close();
    proxy.close();
  }
}

/** TLS 1.2 PRF (RFC 5246 §5): P_hash over HMAC. */
export function prf12(hash: HashAlgorithm, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const s = concatBytes(utf8.encode(label), seed);
  const out: Uint8Array[] = [];
  let a = s;
  let n = 0;
  while (n < length) {
    a = p.hmac(hash, secret, a);
    const block = p.hmac(hash, secret, concatBytes(a, s));
    out.push(block);
    n += block.length;
  }
  return concatBytes(...out).subarray(0, length);
}

/** Splits a byte stream into whole records (header included). */
export function splitRecords(wire: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + 5 <= wire.length; ) {
    const len = (wire[o + 3]! << 8) | wire[o + 4]!;
    out.push(wire.subarray(o, o + 5 + len));
    o += 5 + len;
  }
  return out;
}
