/**
 * Server-side checklist entries (docs/node-mapping.md) used as the documents describe them:
 * setMaxSendFragment() seen on the wire by a raw proxy, server.connections/getConnections(),
 * maxConnections, key/cert arrays (RSA + ECDSA chosen by the client's signature_algorithms), and
 * the 'keylog' event on a Server.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import nodeTls from 'node:tls';
import * as tls from '../../src/node/tls.js';
import { fixtureFiles } from './fixture-files.js';
import { localhostCert, once, readAll, listen, waitFor } from './helpers.js';

const files = fixtureFiles();
after(() => files.cleanup());
const { key, cert } = localhostCert();

/** A TCP relay that records the TLS record lengths going each way. */
async function recordingProxy(targetPort: number): Promise<{ port: number; toClient: number[]; toServer: number[]; close(): void }> {
  const toClient: number[] = [];
  const toServer: number[] = [];
  const parse = (sink: number[]) => {
    let buf = Buffer.alloc(0);
    return (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5) {
        const len = buf.readUInt16BE(3);
        if (buf.length < 5 + len) break;
        if (buf[0] === 23) sink.push(len); // application_data: every encrypted TLS 1.3 record
        buf = buf.subarray(5 + len);
      }
    };
  };
  const proxy = net.createServer((down) => {
    const up = net.connect(targetPort, '127.0.0.1');
    const toC = parse(toClient);
    const toS = parse(toServer);
    down.on('data', (d: Buffer) => (toS(d), up.write(d)));
    up.on('data', (d: Buffer) => (toC(d), down.write(d)));
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  const port = await listen(proxy);
  return { port, toClient, toServer, close: () => proxy.close() };
}

/** TLS 1.3 record overhead on a data record: the inner content type byte and the 16-byte AEAD tag. */
const TLS13_OVERHEAD = 17;

describe('setMaxSendFragment() is honoured on the wire', () => {
  for (const size of [512, 1024, undefined]) {
    it(`${size ?? 'default (16384)'}: both ends' data records carry at most that much plaintext`, async () => {
      const payload = Buffer.alloc(20_000, 0x61);
      const server = tls.createServer({ key, cert }, (s) => {
        if (size) assert.equal(s.setMaxSendFragment(size), true);
        s.setEncoding('latin1');
        let got = 0;
        s.on('data', (d: string) => {
          got += d.length;
          if (got === payload.length) s.end(payload);
        });
      });
      const port = await listen(server);
      const proxy = await recordingProxy(port);
      try {
        const c = tls.connect({ port: proxy.port, host: '127.0.0.1', servername: 'localhost', ca: cert });
        await once(c, 'secureConnect');
        if (size) assert.equal(c.setMaxSendFragment(size), true);
        c.write(payload);
        const echoed = await readAll(c);
        assert.equal(echoed.length, payload.length);
        const limit = (size ?? 16384) + TLS13_OVERHEAD;
        for (const [name, lens] of [['server → client', proxy.toClient], ['client → server', proxy.toServer]] as const) {
          const data = lens.slice(-Math.ceil(payload.length / (size ?? 16384)) - 1);
          assert.ok(lens.filter((l) => l === limit).length >= Math.floor(payload.length / (size ?? 16384)), `${name}: full records of ${limit} bytes (${lens.join(',')})`);
          assert.ok(data.every((l) => l <= limit), `${name}: no data record above ${limit} (${lens.join(',')})`);
        }
        c.destroy();
      } finally {
        proxy.close();
        server.close();
      }
    });
  }

  it('refuses sizes outside 512..16384 with false, as node:tls does', () => {
    const ours = new tls.TLSSocket(null as never, {});
    const theirs = new nodeTls.TLSSocket(new net.Socket());
    for (const n of [511, 512, 16384, 16385]) assert.equal(ours.setMaxSendFragment(n), theirs.setMaxSendFragment(n), `size ${n}`);
    theirs.destroy();
    ours.destroy();
  });
});

describe('connection counting', () => {
  it('server.connections (io.js) and getConnections() count open connections', async () => {
    const server = tls.createServer({ key, cert }, () => {});
    const port = await listen(server);
    const clients = [0, 1].map(() => tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert }));
    await Promise.all(clients.map((c) => once(c, 'secureConnect')));
    assert.equal((server as unknown as { connections: number }).connections, 2);
    const counted = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    assert.equal(counted, 2);
    for (const c of clients) c.destroy();
    await waitFor(() => (server as unknown as { connections: number }).connections === 0, 3000, 20);
    assert.equal((server as unknown as { connections: number }).connections, 0);
    server.close();
  });

  it('maxConnections: a connection over the limit is dropped before any TLS, the others keep working', async () => {
    const server = tls.createServer({ key, cert }, (s) => s.write('hi'));
    server.maxConnections = 1;
    const drops: unknown[] = [];
    server.on('drop', (d) => drops.push(d));
    const port = await listen(server);
    const first = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    await once(first, 'data');
    const second = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    const [err] = await once<[Error & { code?: string }]>(second, 'error');
    assert.equal(err.code, 'ECONNRESET');
    assert.equal(drops.length, 1);
    assert.equal((server as unknown as { connections: number }).connections, 1);
    first.destroy();
    server.close();
  });
});

describe('key and cert arrays: RSA and ECDSA on one server', () => {
  const rsaFingerprint = new X509Certificate(files.read('rsa-server-cert.pem')).fingerprint256;
  const ecFingerprint = new X509Certificate(files.read('server-cert.pem')).fingerprint256;
  const options = {
    key: [files.read('rsa-server-key.pem'), files.read('server-key.pem')],
    cert: [files.read('rsa-server-cert.pem'), files.read('server-cert.pem')],
  };
  for (const [sigalgs, expected] of [
    ['rsa_pss_rsae_sha256:rsa_pkcs1_sha256', rsaFingerprint],
    ['ecdsa_secp256r1_sha256', ecFingerprint],
  ] as const) {
    it(`a node:tls client offering only ${sigalgs} gets the matching certificate (as from a node:tls server)`, async () => {
      for (const lib of [tls, nodeTls] as (typeof nodeTls)[]) {
        const server = lib.createServer(options, (s) => s.end());
        const port = await listen(server);
        const c = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [...options.cert], sigalgs });
        await once(c, 'secureConnect');
        assert.equal(c.authorized, true);
        assert.equal(c.getPeerCertificate().fingerprint256, expected);
        c.destroy();
        server.close();
      }
    });
  }

  it('a ts-tls client restricted by sigalgs makes a node:tls server choose the same way', async () => {
    const server = nodeTls.createServer(options, (s) => s.end());
    const port = await listen(server);
    for (const [sigalgs, expected] of [['rsa_pss_rsae_sha256', rsaFingerprint], ['ecdsa_secp256r1_sha256', ecFingerprint]] as const) {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [...options.cert], sigalgs });
      await once(c, 'secureConnect');
      assert.equal((c.getPeerCertificate() as { fingerprint256: string }).fingerprint256, expected);
      c.destroy();
    }
    server.close();
  });
});

describe("the Server's 'keylog' event", () => {
  it('gives (line, tlsSocket) for each secret of each connection, the same lines the client logs', async () => {
    const server = tls.createServer({ key, cert }, (s) => s.end());
    const serverLines: string[] = [];
    const sockets = new Set<unknown>();
    server.on('keylog', (line: Buffer, socket: unknown) => {
      serverLines.push(line.toString());
      sockets.add(socket);
    });
    const port = await listen(server);
    const c = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    const clientLines: string[] = [];
    c.on('keylog', (line) => clientLines.push(line.toString()));
    c.resume();
    await once(c, 'end');
    assert.equal(sockets.size, 1);
    assert.equal(([...sockets][0] as tls.TLSSocket).getX509Certificate()!.fingerprint256, new X509Certificate(cert).fingerprint256);
    assert.ok([...sockets][0] instanceof tls.TLSSocket);
    assert.deepEqual(new Set(serverLines.filter((l) => !l.startsWith('EXPORTER'))), new Set(clientLines.filter((l) => !l.startsWith('EXPORTER'))));
    assert.ok(serverLines.some((l) => l.startsWith('SERVER_TRAFFIC_SECRET_0 ')));
    server.close();
  });
});
