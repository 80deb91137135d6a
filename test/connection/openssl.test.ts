/**
 * The sans-I/O Connection against OpenSSL over real sockets (127.0.0.1, port 0, bounded waits):
 * our client to `openssl s_server`, `openssl s_client` to our server, for each certificate type,
 * plus HelloRetryRequest and client certificates. A tiny pump moves bytes between a net.Socket and
 * the Connection; the Node adapter proper is a teammate's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { createClientConnection, createServerConnection } from '../../src/connection/index.js';
import type { ConnectionEvent, TlsConnection } from '../../src/connection/types.js';
import { pemCertificates } from '../../src/pki/pem.js';
import { NamedGroup } from '../../src/wire/registry.js';
import { freePort, makeCerts, requirePeer, startPeer, type KeyKind } from '../support/peers.js';
import { makePair, provider } from '../pair/pair.js';
import { TestVerifier } from '../pair/verifier.js';
import { listen } from '../node/helpers.js';

const TIMEOUT = 10_000;

/** Wires a Connection to a socket; resolves the events seen once `until` says so. */
function pump(conn: TlsConnection, sock: Socket, onEvent: (e: ConnectionEvent) => void): void {
  const flush = () => {
    for (const c of conn.takeOutgoing()) sock.write(c);
  };
  const handle = (events: ConnectionEvent[]) => {
    flush();
    for (const e of events) onEvent(e);
    flush();
  };
  sock.on('data', (d: Buffer) => handle(conn.receive(new Uint8Array(d.buffer, d.byteOffset, d.length))));
  sock.on('error', () => {});
  handle(conn.start());
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), TIMEOUT).unref())]);
}

function baseConfig(kind: KeyKind) {
  const { clientConfig } = makePair();
  const certs = makeCerts(kind);
  return { clientConfig, certs, verifier: new TestVerifier(pemCertificates(certs.caCert)) };
}

for (const kind of ['ec-p256', 'ec-p384', 'rsa', 'ed25519'] as KeyKind[]) {
  test(`our client <-> openssl s_server (${kind})`, async (t) => {
    if (!requirePeer(t, 'openssl')) return;
    const { clientConfig, certs, verifier } = baseConfig(kind);
    const port = await freePort();
    const srv = startPeer('openssl', ['s_server', '-accept', String(port), '-4', '-cert', certs.certFile, '-key', certs.keyFile, '-tls1_3', '-www', '-groups', 'P-256']);
    try {
      await srv.waitFor(/ACCEPT/);
      // we share x25519, the server only takes P-256: exercises HelloRetryRequest too.
      const conn = createClientConnection({ ...clientConfig, verifier, keyShareGroups: [NamedGroup.x25519], groups: [NamedGroup.x25519, NamedGroup.secp256r1] });
      const sock = connect(port, '127.0.0.1');
      let body = '';
      const done = new Promise<void>((resolve, reject) => {
        pump(conn, sock, (e) => {
          if (e.type === 'handshakeDone') {
            conn.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
          } else if (e.type === 'data') body += new TextDecoder().decode(e.data);
          else if (e.type === 'error') reject(e.error);
          else if (e.type === 'peerClosed') {
            conn.close();
            for (const c of conn.takeOutgoing()) sock.write(c);
            sock.end();
            resolve();
          }
        });
      });
      await withTimeout(done, 'openssl s_server response');
      assert.match(body, /^HTTP\/1\.0 200 ok/);
      assert.match(body, /TLSv1\.3/);
      assert.equal(conn.negotiated!.peerVerdict?.ok, true);
      assert.equal(conn.negotiated!.group, NamedGroup.secp256r1);
    } finally {
      srv.kill();
    }
  });

  test(`openssl s_client <-> our server (${kind}), with a client certificate`, async (t) => {
    if (!requirePeer(t, 'openssl')) return;
    const { clientConfig, certs, verifier } = baseConfig(kind);
    let conn: TlsConnection | undefined;
    const received: string[] = [];
    const server = createServer((sock) => {
      conn = createServerConnection({
        ...clientConfig,
        verifier,
        certificates: [{ chain: pemCertificates(certs.cert), key: provider.loadSigningKey(certs.key) }],
        requestCert: true,
        rejectUnauthorized: true,
        alpnProtocols: ['x-test'],
      });
      pump(conn, sock, (e) => {
        if (e.type === 'data') {
          received.push(new TextDecoder().decode(e.data));
          conn!.write(new TextEncoder().encode(`echo:${new TextDecoder().decode(e.data)}`));
          for (const c of conn!.takeOutgoing()) sock.write(c);
        }
      });
    });
    const port = await listen(server);
    const cli = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-servername', 'localhost', '-CAfile', certs.caFile, '-cert', certs.certFile, '-key', certs.keyFile, '-alpn', 'x-test', '-verify_return_error']);
    try {
      await cli.waitFor(/Verify return code: 0/);
      cli.write('ping\n');
      await cli.waitFor(/echo:ping/);
      assert.match(cli.output(), /ALPN protocol: x-test/);
      assert.ok(conn!.handshakeComplete);
      assert.equal(conn!.negotiated!.serverName, 'localhost');
      assert.equal(conn!.negotiated!.peerVerdict?.ok, true);
      assert.deepEqual(received, ['ping\n']);
    } finally {
      cli.kill();
      server.close();
    }
  });
}
