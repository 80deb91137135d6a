/**
 * TLSSocket data paths: ts-tls ⇄ ts-tls over TCP and over an in-memory duplex pair, and both
 * directions against node:tls, with 1 MiB echoed and compared, ALPN, half-close, backpressure.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodeTls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import tls, { TLSSocket } from '../../src/index.js';
import { duplexPair, listen, localhostCert, once, readAll } from './helpers.js';

const MiB = 1 << 20;

type AnyTls = { createServer: typeof nodeTls.createServer; connect: typeof nodeTls.connect };
const ours = tls as unknown as AnyTls;

/** An echo server of `serverLib`, a client of `clientLib`; sends `payload` with end(), returns the echo. */
async function echo(serverLib: AnyTls, clientLib: AnyTls, payload: Buffer, extra: Record<string, unknown> = {}) {
  const { key, cert } = localhostCert();
  const server = serverLib.createServer({ key, cert, ...(extra.server as object) }, (s) => s.pipe(s));
  const port = await listen(server);
  try {
    const client = clientLib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ...(extra.client as object) });
    await once(client, 'secureConnect');
    const info = { protocol: client.getProtocol(), cipher: client.getCipher(), alpn: client.alpnProtocol, authorized: client.authorized };
    const echoed = readAll(client);
    client.end(payload);
    return { info, echoed: await echoed };
  } finally {
    server.close();
  }
}

describe('TLSSocket over TCP', () => {
  const payload = randomBytes(MiB);

  it('ts-tls server ⇄ ts-tls client: 1 MiB echoed and equal, TLS 1.3, authorized', async () => {
    const { info, echoed } = await echo(ours, ours, payload);
    assert.equal(info.protocol, 'TLSv1.3');
    assert.equal(info.authorized, true);
    assert.deepEqual(info.cipher, { name: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' });
    assert.equal(info.alpn, false);
    assert.ok(echoed.equals(payload));
  });

  it('ts-tls client against a node:tls server', async () => {
    const { info, echoed } = await echo(nodeTls, ours, payload);
    assert.equal(info.protocol, 'TLSv1.3');
    assert.ok(echoed.equals(payload));
  });

  it('node:tls client against a ts-tls server', async () => {
    const { info, echoed } = await echo(ours, nodeTls, payload);
    assert.equal(info.protocol, 'TLSv1.3');
    assert.equal(info.authorized, true);
    assert.ok(echoed.equals(payload));
  });

  it('negotiates ALPN by the server’s preference, both ways with node:tls', async () => {
    const alpn = { server: { ALPNProtocols: ['h2', 'http/1.1'] }, client: { ALPNProtocols: ['http/1.1', 'h2'] } };
    for (const [s, c] of [[ours, ours], [nodeTls, ours], [ours, nodeTls]] as const) {
      const { info } = await echo(s as AnyTls, c as AnyTls, Buffer.from('x'), alpn);
      assert.equal(info.alpn, 'h2');
    }
    // A wire-format Buffer is accepted too.
    const { info } = await echo(ours, ours, Buffer.from('x'), {
      server: { ALPNProtocols: ['x'] },
      client: { ALPNProtocols: Buffer.from('\x01y\x01x', 'latin1') },
    });
    assert.equal(info.alpn, 'x');
  });

  it('getFinished/getPeerFinished and exportKeyingMaterial agree across the two ends', async () => {
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert });
    const port = await listen(server);
    const serverSide = once<[TLSSocket]>(server, 'secureConnection');
    const client = tls.connect(port, '127.0.0.1', { ca: cert, servername: 'localhost' });
    await once(client, 'secureConnect');
    const [s] = await serverSide;
    assert.ok(client.getFinished()!.equals(s.getPeerFinished()!));
    assert.ok(client.getPeerFinished()!.equals(s.getFinished()!));
    const a = client.exportKeyingMaterial(32, 'EXPERIMENTAL-test', Buffer.from('ctx'));
    assert.ok(a.equals(s.exportKeyingMaterial(32, 'EXPERIMENTAL-test', Buffer.from('ctx'))));
    assert.equal(a.length, 32);
    assert.equal(client.getEphemeralKeyInfo()!.name, 'X25519');
    assert.equal(s.getEphemeralKeyInfo(), null); // node:tls: null on a server socket
    assert.equal(client.setMaxSendFragment(100), false);
    assert.equal(client.setMaxSendFragment(1024), true);
    assert.equal(client.remotePort, port);
    assert.equal(client.remoteAddress, '127.0.0.1');
    client.destroy();
    server.close();
  });
});

describe('a bare TLSSocket', () => {
  it('connect(port, host, cb) opens its own TCP connection; the host is checked against the certificate', async () => {
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert }, (s) => s.end('bare'));
    const port = await listen(server);
    const sock = new TLSSocket(null, { ca: cert });
    const connected = once(sock, 'connect');
    const secure = new Promise<void>((resolve) => sock.connect(port, '127.0.0.1', resolve));
    await connected;
    await secure;
    assert.equal(sock.authorized, true);
    assert.equal(sock.servername, false, 'an IP host sends no SNI');
    assert.equal((await readAll(sock)).toString(), 'bare');
    server.close();
  });
});

describe('TLSSocket over an in-memory duplex pair', () => {
  it('handshakes, echoes 1 MiB and ends cleanly with no TCP at all', async () => {
    const { key, cert } = localhostCert();
    const [a, b] = duplexPair();
    const server = new TLSSocket(a, { isServer: true, secureContext: tls.createSecureContext({ key, cert }) });
    server.on('secure', () => server.pipe(server));
    const client = new TLSSocket(b, { servername: 'localhost', host: 'localhost', ca: cert });
    await once(client, 'secureConnect');
    assert.equal(client.authorized, true);
    const payload = randomBytes(MiB);
    const echoed = readAll(client);
    client.end(payload);
    assert.ok((await echoed).equals(payload));
  });

  it('the Server accepts an injected duplex through emit("connection")', async () => {
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert }, (s) => s.end('hello from an injected stream'));
    const [a, b] = duplexPair();
    server.emit('connection', a);
    const client = tls.connect({ socket: b, ca: cert, servername: 'localhost' });
    const text = await readAll(client);
    assert.equal(text.toString(), 'hello from an injected stream');
  });
});

describe('TLSSocket stream semantics', () => {
  let server: ReturnType<typeof tls.createServer>;
  let port = 0;
  const { key, cert } = localhostCert();
  const sockets: TLSSocket[] = [];
  before(async () => {
    server = tls.createServer({ key, cert, allowHalfOpen: true }, (s) => sockets.push(s));
    port = await listen(server);
  });
  after(() => server.close());

  const connectPair = async (opts: Record<string, unknown> = {}) => {
    const accepted = once<[TLSSocket]>(server, 'secureConnection');
    const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ...opts });
    await once(client, 'secureConnect');
    const [s] = await accepted;
    return { client, s };
  };

  it('half-close: the client ends, the server still writes, then ends', async () => {
    const { client, s } = await connectPair({ allowHalfOpen: true });
    const got = readAll(client);
    client.end('request');
    const req = await readAll(s);
    assert.equal(req.toString(), 'request');
    assert.equal(s.bytesRead, 7, 'bytesRead counts cleartext, as node:tls does');
    assert.equal(client.bytesWritten, 7);
    s.end('response after the peer’s close_notify');
    assert.equal((await got).toString(), 'response after the peer’s close_notify');
  });

  it('write() returns false with a slow reader and "drain" follows', async () => {
    const { client, s } = await connectPair();
    s.pause();
    const chunk = Buffer.alloc(64 * 1024, 1);
    let writes = 0;
    while (client.write(chunk) && writes < 10_000) writes++;
    assert.ok(writes < 10_000, 'write() never reported backpressure');
    const drained = once(client, 'drain', 10000);
    s.resume();
    await drained;
    client.destroy();
    s.destroy();
  });

  it('peer close_notify ends the readable side ("end"), then "close"', async () => {
    const { client, s } = await connectPair();
    const ended = once(client, 'end');
    const closed = once(client, 'close');
    client.resume(); // 'end' comes once the readable side is consumed, as for any stream
    s.end();
    await ended;
    await closed;
    assert.equal(client.destroyed, true);
  });

  it('keylog emits NSS lines with a newline, on the socket and on the server', async () => {
    const serverLines: Buffer[] = [];
    const onServerKeylog = (line: Buffer) => serverLines.push(line);
    server.on('keylog', onServerKeylog);
    const accepted = once<[TLSSocket]>(server, 'secureConnection');
    const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    const lines: Buffer[] = [];
    client.on('keylog', (l: Buffer) => lines.push(l));
    await once(client, 'secureConnect');
    await accepted;
    server.off('keylog', onServerKeylog);
    assert.ok(lines.some((l) => /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+\n$/.test(l.toString())));
    assert.ok(serverLines.some((l) => l.toString().startsWith('SERVER_TRAFFIC_SECRET_0 ')));
    client.destroy();
  });
});
