/**
 * Python 3's ssl module (OpenSSL underneath, driven through Python's own API) against us, both ways:
 * `ssl.create_default_context(cafile=...)` as a client of our server, and
 * `SSLContext.wrap_socket(server_side=True)` as a server for our client. The Python side lives in
 * python-peer.py and reports what it negotiated as JSON lines; each test compares both views.
 *
 *   node --test build/test/interop/python.test.js      (TS_TLS_IMPL=node: node:tls on our side)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Server, TLSSocket } from 'node:tls';
import { tls, implName, usingNode } from '../support/impl.js';
import { makeCerts, patternBytes, requirePeer, startPeer, type KeyKind, type Peer } from '../support/peers.js';
import { closeServer, listen, waitFor } from '../node/helpers.js';
import { clientShareGroups, EXT, parseHello, plaintextHandshakes, startRecordingProxy } from './wire-capture.js';

const PYTHON = 'python3';
// build/test/interop/python.test.js -> test/interop/python-peer.py (the script is not compiled).
const SCRIPT = fileURLToPath(new URL('../../../test/interop/python-peer.py', import.meta.url));
const MiB = 1 << 20;
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const NO_RESUMPTION = usingNode ? false : 'ts-tls has no session resumption yet';

/** One line of python-peer.py's output. */
interface PyEvent {
  event: 'listening' | 'connected' | 'error' | 'closed';
  port?: number;
  version?: string;
  cipher?: [string, string, number];
  alpn?: string | null;
  reused?: boolean;
  peer_cn?: string | null;
  sni?: string | null;
  echoed?: number;
  received?: number;
  sha256?: string;
  sent_sha256?: string;
  type?: string;
  reason?: string | null;
  verify_message?: string | null;
  message?: string;
}

function startPython(opts: Record<string, unknown>): Peer {
  return startPeer(PYTHON, [SCRIPT, JSON.stringify(opts)]);
}

function events(p: Peer): PyEvent[] {
  return p.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PyEvent);
}

/** Waits until the Python peer has printed `count` events named `name`, and returns them. */
async function waitEvents(p: Peer, name: PyEvent['event'], count = 1, ms = 20_000): Promise<PyEvent[]> {
  await p.waitFor(new RegExp(`(?:"event": "${name}"[^]*){${count}}`), ms);
  return events(p).filter((e) => e.event === name);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------------------------------------
// Python client -> our server

interface EchoServer {
  server: Server;
  port: number;
  seen: { cipher?: string; protocol: string | null; alpn: string | false | null; servername?: string | false; authorized: boolean; peerCn?: string }[];
  clientErrors: { code?: string; message: string }[];
  close(): Promise<void>;
}

async function startEchoServer(kind: KeyKind, extra: Record<string, unknown> = {}): Promise<EchoServer> {
  const certs = makeCerts(kind);
  const seen: EchoServer['seen'] = [];
  const clientErrors: EchoServer['clientErrors'] = [];
  const server = tls.createServer({ key: certs.key, cert: certs.cert, ALPNProtocols: ['http/1.1'], ...extra }, (s: TLSSocket) => {
    const peer = s.getPeerCertificate();
    seen.push({
      cipher: s.getCipher()?.standardName,
      protocol: s.getProtocol(),
      alpn: s.alpnProtocol,
      servername: (s as unknown as { servername?: string | false }).servername,
      authorized: s.authorized,
      peerCn: peer && 'subject' in peer ? (peer.subject?.CN as string | undefined) : undefined,
    });
    s.on('error', () => {});
    s.pipe(s);
  });
  server.on('tlsClientError', (e: Error & { code?: string }) => clientErrors.push({ code: e.code, message: e.message }));
  const port = await listen(server);
  return {
    server,
    port,
    seen,
    clientErrors,
    close: () => closeServer(server),
  };
}

async function pythonClient(opts: Record<string, unknown>, expected = 1): Promise<PyEvent[]> {
  const p = startPython({ mode: 'client', servername: 'localhost', ...opts });
  try {
    const code = await p.exited(30_000);
    assert.equal(code, 0, `python client exited with ${code}:\n${p.output()}`);
    const ev = events(p).filter((e) => e.event === 'connected' || e.event === 'error');
    assert.equal(ev.length, expected, p.output());
    return ev;
  } finally {
    p.kill();
  }
}

test(`python ssl client ⇄ ${implName} server: TLS 1.3, SNI, ALPN and 1 MiB echoed`, { timeout: 40_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const certs = makeCerts('ec-p256');
  const s = await startEchoServer('ec-p256');
  try {
    const [ev] = await pythonClient({ port: s.port, cafile: certs.caFile, alpn: ['h2', 'http/1.1'], bytes: MiB });
    assert.equal(ev!.event, 'connected', JSON.stringify(ev));
    assert.equal(ev!.version, 'TLSv1.3');
    assert.equal(ev!.cipher![1], 'TLSv1.3');
    assert.equal(ev!.cipher![0], s.seen[0]!.cipher);
    assert.equal(ev!.alpn, 'http/1.1');
    assert.equal(ev!.peer_cn, 'localhost');
    assert.equal(ev!.echoed, MiB);
    assert.equal(ev!.sha256, ev!.sent_sha256);
    assert.deepEqual(s.seen[0], { cipher: ev!.cipher![0], protocol: 'TLSv1.3', alpn: 'http/1.1', servername: 'localhost', authorized: false, peerCn: undefined });
  } finally {
    await s.close();
  }
});

for (const suite of SUITES) {
  test(`python ssl client ⇄ ${implName} server limited to ${suite}`, { timeout: 30_000 }, async (t) => {
    if (!requirePeer(t, PYTHON)) return;
    const certs = makeCerts('ec-p256');
    const s = await startEchoServer('ec-p256', { ciphers: suite });
    try {
      const [ev] = await pythonClient({ port: s.port, cafile: certs.caFile });
      assert.deepEqual([ev!.event, ev!.version, ev!.cipher![0], s.seen[0]!.cipher], ['connected', 'TLSv1.3', suite, suite]);
      assert.equal(ev!.sha256, ev!.sent_sha256);
    } finally {
      await s.close();
    }
  });
}

test(`python ssl client ⇄ ${implName} server: RSA server certificate and a client certificate`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const server = makeCerts('rsa');
  const client = makeCerts('ec-p384');
  const s = await startEchoServer('rsa', { requestCert: true, rejectUnauthorized: true, ca: client.caCert });
  try {
    const [ev] = await pythonClient({ port: s.port, cafile: server.caFile, cert: client.certFile, key: client.keyFile });
    assert.equal(ev!.event, 'connected', JSON.stringify(ev));
    assert.equal(ev!.sha256, ev!.sent_sha256);
    assert.equal(s.seen[0]!.authorized, true);
    assert.equal(s.seen[0]!.peerCn, 'localhost');
  } finally {
    await s.close();
  }
});

test(`python ssl client ⇄ ${implName} server: a certificate from another CA is refused by Python`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const s = await startEchoServer('ec-p256');
  try {
    const [ev] = await pythonClient({ port: s.port, cafile: makeCerts('ec-p384').caFile });
    assert.equal(ev!.event, 'error');
    assert.equal(ev!.type, 'SSLCertVerificationError');
    assert.match(ev!.verify_message ?? '', /unable to get local issuer certificate/);
    // OpenSSL's client sends its unknown_ca (48) alert unprotected: it has not switched to its
    // handshake keys yet. The server must still report the real reason, as node:tls does.
    // The alert reaches our server after the client has exited: wait for the event (bounded), not a fixed time.
    await waitFor(() => s.clientErrors.length > 0, 10_000, 10);
    assert.deepEqual(s.clientErrors.map((e) => e.code), ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA']);
    assert.deepEqual(s.seen, []);
  } finally {
    await s.close();
  }
});

test(`python ssl client ⇄ ${implName} server: a name the certificate does not carry is refused by Python`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const certs = makeCerts('ec-p256');
  const s = await startEchoServer('ec-p256');
  try {
    const [ev] = await pythonClient({ port: s.port, cafile: certs.caFile, servername: 'not-localhost.example' });
    assert.equal(ev!.event, 'error');
    assert.equal(ev!.type, 'SSLCertVerificationError');
    assert.match(ev!.verify_message ?? '', /Hostname mismatch/);
  } finally {
    await s.close();
  }
});

test(`python ssl client ⇄ ${implName} server: the second connection resumes the session`, { timeout: 30_000, todo: NO_RESUMPTION }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const certs = makeCerts('ec-p256');
  const s = await startEchoServer('ec-p256');
  try {
    const ev = await pythonClient({ port: s.port, cafile: certs.caFile, connections: 2 }, 2);
    assert.deepEqual(ev.map((e) => [e.event, e.reused]), [['connected', false], ['connected', true]]);
  } finally {
    await s.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Our client -> Python server

async function pythonServer(opts: Record<string, unknown>): Promise<{ p: Peer; port: number }> {
  const p = startPython({ mode: 'server', ...opts });
  const [ev] = await waitEvents(p, 'listening');
  return { p, port: ev!.port! };
}

/** Connects with the implementation under test; resolves at secureConnect, rejects on the first error. */
function connect(port: number, opts: Record<string, unknown>): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ...opts });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no secureConnect in 10 s'));
    }, 10_000);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Writes `data`, reads the same number of bytes back, then ends the connection. */
function echo(sock: TLSSocket, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => reject(new Error(`echo timed out after ${n} bytes`)), 20_000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= data.length) {
        clearTimeout(timer);
        sock.end();
        resolve(Buffer.concat(chunks));
      }
    });
    sock.on('error', reject);
    sock.write(data);
  });
}

test(`${implName} client ⇄ python ssl server: TLS 1.3, SNI, ALPN and 1 MiB echoed`, { timeout: 40_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const certs = makeCerts('ec-p256');
  const { p, port } = await pythonServer({ cert: certs.certFile, key: certs.keyFile, alpn: ['http/1.1'] });
  try {
    const sock = await connect(port, { ca: certs.caCert, ALPNProtocols: ['h2', 'http/1.1'] });
    assert.equal(sock.authorized, true);
    assert.equal(sock.getProtocol(), 'TLSv1.3');
    assert.equal(sock.alpnProtocol, 'http/1.1');
    const cipher = sock.getCipher().standardName;
    const data = patternBytes(MiB, 5);
    const back = await echo(sock, data);
    assert.equal(sha256(back), sha256(data));
    const [conn] = await waitEvents(p, 'connected');
    const [closed] = await waitEvents(p, 'closed');
    assert.deepEqual(
      { version: conn!.version, cipher: conn!.cipher![0], alpn: conn!.alpn, sni: conn!.sni },
      { version: 'TLSv1.3', cipher, alpn: 'http/1.1', sni: 'localhost' },
    );
    assert.deepEqual({ received: closed!.received, sha256: closed!.sha256 }, { received: MiB, sha256: sha256(data) });
  } finally {
    p.kill();
  }
});

test(`${implName} client ⇄ python ssl server limited to secp384r1: HelloRetryRequest`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const certs = makeCerts('ec-p256');
  const { p, port } = await pythonServer({ cert: certs.certFile, key: certs.keyFile, curve: 'secp384r1' });
  const proxy = await startRecordingProxy(port);
  try {
    const sock = await connect(proxy.port, { ca: certs.caCert });
    assert.deepEqual(sock.getEphemeralKeyInfo(), { type: 'ECDH', name: 'secp384r1', size: 384 });
    const back = await echo(sock, Buffer.from('after the retry\n'));
    assert.equal(back.toString(), 'after the retry\n');
    const hs = plaintextHandshakes(proxy.connections[0]!.serverToClient).filter((m) => m[0] === 2).map(parseHello);
    const chs = plaintextHandshakes(proxy.connections[0]!.clientToServer).filter((m) => m[0] === 1).map(parseHello);
    // RFC 8446, 4.1.4: the retry names secp384r1 (0x0018) and the second ClientHello carries only that share.
    assert.deepEqual(hs.map((h) => h.hrr), [true, false]);
    assert.equal(hs[0]!.extensions.get(EXT.key_share)!.readUInt16BE(0), 0x0018);
    assert.deepEqual(clientShareGroups(chs[1]!.extensions.get(EXT.key_share)!), [0x0018]);
  } finally {
    await proxy.close();
    p.kill();
  }
});

test(`${implName} client ⇄ python ssl server requiring a client certificate`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const server = makeCerts('ec-p256');
  const client = makeCerts('rsa');
  const { p, port } = await pythonServer({ cert: server.certFile, key: server.keyFile, client_ca: client.caFile });
  try {
    const sock = await connect(port, { ca: server.caCert, cert: client.cert, key: client.key });
    const back = await echo(sock, Buffer.from('with a certificate\n'));
    assert.equal(back.toString(), 'with a certificate\n');
    const [conn] = await waitEvents(p, 'connected');
    assert.equal(conn!.peer_cn, 'localhost');
  } finally {
    p.kill();
  }
});

test(`${implName} client ⇄ python ssl server requiring a client certificate, none given`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const server = makeCerts('ec-p256');
  const client = makeCerts('rsa');
  const { p, port } = await pythonServer({ cert: server.certFile, key: server.keyFile, client_ca: client.caFile });
  try {
    // In TLS 1.3 the client finishes first; the server's certificate_required alert (116) follows.
    const sock = await connect(port, { ca: server.caCert });
    const err = await new Promise<Error & { code?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no error after the missing certificate')), 10_000);
      sock.on('error', (e) => {
        clearTimeout(timer);
        resolve(e);
      });
      sock.write('hello?\n');
    });
    assert.equal(err.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const [pyErr] = await waitEvents(p, 'error');
    assert.equal(pyErr!.reason, 'PEER_DID_NOT_RETURN_A_CERTIFICATE');
  } finally {
    p.kill();
  }
});

test(`${implName} client ⇄ python ssl server with a certificate from another CA: refused`, { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const other = makeCerts('ec-p384');
  const { p, port } = await pythonServer({ cert: other.certFile, key: other.keyFile });
  try {
    await assert.rejects(connect(port, { ca: makeCerts('ec-p256').caCert }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    // Node checks the chain after the handshake and closes without an alert: Python sees an EOF.
    const [pyErr] = await waitEvents(p, 'error');
    assert.match(pyErr!.message ?? '', /ALERT|EOF occurred/i);
  } finally {
    p.kill();
  }
});

test(`${implName} client ⇄ python ssl server: the second connection resumes the session`, { timeout: 30_000, todo: NO_RESUMPTION }, async (t) => {
  if (!requirePeer(t, PYTHON)) return;
  const certs = makeCerts('ec-p256');
  const { p, port } = await pythonServer({ cert: certs.certFile, key: certs.keyFile, accept: 2 });
  try {
    const first = await connect(port, { ca: certs.caCert });
    const session = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no session event')), 5000);
      first.once('session', (s: Buffer) => {
        clearTimeout(timer);
        resolve(s);
      });
      first.write('x');
    });
    first.end();
    const second = await connect(port, { ca: certs.caCert, session });
    assert.equal(second.isSessionReused(), true);
    await echo(second, Buffer.from('y'));
    const conns = await waitEvents(p, 'connected', 2);
    assert.deepEqual(conns.map((c) => c.reused), [false, true]);
  } finally {
    p.kill();
  }
});
