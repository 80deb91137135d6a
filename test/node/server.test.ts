/**
 * tls.Server behaviour: SNI (SNICallback, addContext with wildcards), ALPNCallback, client
 * certificates, handshakeTimeout, tlsClientError/clientError, and destroy() mid-handshake.
 */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import nodeTls from 'node:tls';
import { describe, it } from 'node:test';
import tls, { type TLSSocket } from '../../src/index.js';
import { randomBytes } from 'node:crypto';
import { duplexPair, localhostCert, once, selfSigned, listen } from './helpers.js';


const cnOf = (s: TLSSocket) => (s.getPeerCertificate() as { subject: { CN: string } }).subject.CN;

describe('SNI', () => {
  const def = localhostCert();
  const other = selfSigned('other.example', 'DNS:other.example');
  const wild = selfSigned('*.wild.example', 'DNS:*.wild.example');
  const ca = [def.cert, other.cert, wild.cert];

  it('SNICallback answers asynchronously with a context per name', async () => {
    const contexts: Record<string, ReturnType<typeof tls.createSecureContext>> = {
      'other.example': tls.createSecureContext(other),
    };
    const asked: string[] = [];
    const server = tls.createServer({
      ...def,
      SNICallback: (name, cb) => {
        asked.push(name);
        setTimeout(() => cb(null, contexts[name]), 10);
      },
    }, (s) => s.end());
    const port = await listen(server);
    for (const [name, cn] of [['other.example', 'other.example'], ['localhost', 'localhost']] as const) {
      const c = tls.connect({ port, host: '127.0.0.1', servername: name, ca });
      await once(c, 'secureConnect');
      assert.equal(cnOf(c), cn);
      assert.equal(c.authorized, true);
      c.destroy();
    }
    assert.deepEqual(asked, ['other.example', 'localhost']);
    server.close();
  });

  it('addContext matches exact names and wildcards; the server socket sees servername', async () => {
    const names: (string | false | null)[] = [];
    const server = tls.createServer(def, (s) => {
      names.push(s.servername);
      s.end();
    });
    server.addContext('other.example', other);
    server.addContext('*.wild.example', tls.createSecureContext(wild));
    const port = await listen(server);
    for (const [name, cn] of [['other.example', 'other.example'], ['a.wild.example', '*.wild.example'], ['localhost', 'localhost']] as const) {
      const c = tls.connect({ port, host: '127.0.0.1', servername: name, ca });
      await once(c, 'secureConnect');
      assert.equal(cnOf(c), cn, name);
      c.resume();
      await once(c, 'end');
    }
    assert.deepEqual(names, ['other.example', 'a.wild.example', 'localhost']);
    server.close();
  });

  it('an SNICallback error aborts the handshake and reaches tlsClientError', async () => {
    const server = tls.createServer({ ...def, SNICallback: (_n, cb) => cb(new Error('no such host')) });
    const port = await listen(server);
    const reported = once<[Error]>(server, 'tlsClientError');
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'nope.example', ca });
    const [clientErr] = await once<[Error & { code: string }]>(c, 'error');
    const [serverErr] = await reported;
    assert.equal(serverErr.message, 'no such host');
    assert.match(clientErr.code, /^ERR_SSL_/);
    server.close();
  });
});

describe('ALPN and client certificates', () => {
  const { key, cert } = localhostCert();

  it('ALPNCallback picks from the client’s list', async () => {
    let offered: string[] = [];
    const server = tls.createServer({ key, cert, ALPNCallback: ({ protocols }) => ((offered = protocols), protocols[1]) }, (s) => s.end());
    const port = await listen(server);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ALPNProtocols: ['a', 'b'] });
    await once(c, 'secureConnect');
    assert.equal(c.alpnProtocol, 'b');
    assert.deepEqual(offered, ['a', 'b']);
    c.destroy();
    server.close();
  });

  it('ALPNCallback together with ALPNProtocols is refused like Node', () => {
    assert.throws(
      () => tls.createServer({ key, cert, ALPNProtocols: ['a'], ALPNCallback: () => 'a' }),
      (e: Error & { code?: string }) => e.code === 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS',
    );
  });

  it('requestCert: a trusted client certificate is authorized; a missing one is reported', async () => {
    const client = selfSigned('client', 'DNS:client');
    const server = tls.createServer({ key, cert, requestCert: true, rejectUnauthorized: false, ca: client.cert });
    const port = await listen(server);
    const results: [boolean, string | null][] = [];
    server.on('secureConnection', (s: TLSSocket) => {
      results.push([s.authorized, s.authorizationError]);
      s.end();
    });
    for (const opts of [{ key: client.key, cert: client.cert }, {}]) {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ...opts });
      await once(c, 'secureConnect');
      c.resume();
      await once(c, 'end');
    }
    assert.deepEqual(results, [[true, null], [false, 'UNABLE_TO_GET_ISSUER_CERT']]);
    server.close();
  });
});

describe('client certificates required', () => {
  it('requestCert + rejectUnauthorized: a client without a certificate is refused (certificate_required), both sides report it', async () => {
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert, requestCert: true, rejectUnauthorized: true, ca: cert });
    server.on('secureConnection', () => assert.fail('an unauthenticated client was accepted'));
    const port = await listen(server);
    const reported = once<[Error & { code: string }]>(server, 'tlsClientError');
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    // TLS 1.3: the client finishes first, then the server's alert arrives.
    assert.equal(err.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const [serverErr] = await reported;
    assert.match(serverErr.code, /^ERR_SSL_/);
    server.close();
  });
});

describe('server failures', () => {
  const { key, cert } = localhostCert();

  it('handshakeTimeout: a silent client is dropped with ERR_TLS_HANDSHAKE_TIMEOUT via tlsClientError and clientError', async () => {
    const server = tls.createServer({ key, cert, handshakeTimeout: 100 });
    const port = await listen(server);
    const tlsClientError = once<[Error & { code: string }, TLSSocket]>(server, 'tlsClientError');
    const clientError = once<[Error & { code: string }]>(server, 'clientError');
    const raw = net.connect(port, '127.0.0.1');
    const [err, sock] = await tlsClientError;
    assert.equal(err.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
    assert.equal(err.message, 'TLS handshake timeout');
    assert.equal((await clientError)[0], err);
    assert.equal(typeof sock.getProtocol, 'function');
    await once(raw, 'close');
    server.close();
  });

  it('garbage from a client: tlsClientError with an ERR_SSL_ code, never an uncaught exception', async () => {
    const server = tls.createServer({ key, cert });
    const port = await listen(server);
    const reported = once<[Error & { code: string }]>(server, 'tlsClientError');
    const raw = net.connect(port, '127.0.0.1', () => raw.write('GET / HTTP/1.1\r\n\r\n'));
    raw.on('error', () => {});
    const [err] = await reported;
    assert.match(err.code, /^ERR_SSL_/);
    raw.destroy();
    server.close();
  });

  it('random bytes (alone or after a record header) only ever give tlsClientError, with a Node code', async () => {
    const server = tls.createServer({ key, cert });
    const uncaught: Error[] = [];
    const onUncaught = (e: Error) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 30; i++) {
        const [a, b] = duplexPair();
        b.on('data', () => {});
        b.on('error', () => {});
        const reported = once<[Error & { code?: string }]>(server, 'tlsClientError');
        server.emit('connection', a);
        const junk = randomBytes(1 + (i * 37) % 600);
        if (i % 2) junk.set([0x16, 0x03, 0x01, junk.length >> 8, junk.length & 0xff]); // plausible header
        b.write(junk);
        b.end();
        const [err] = await reported;
        assert.equal(typeof err.code, 'string', String(err));
      }
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(uncaught, []);
  });

  it('a client that disconnects mid-handshake: ECONNRESET "socket hang up" on the server', async () => {
    const server = tls.createServer({ key, cert });
    const port = await listen(server);
    const reported = once<[Error & { code: string }]>(server, 'tlsClientError');
    const raw = net.connect(port, '127.0.0.1', () => raw.end());
    const [err] = await reported;
    assert.equal(err.code, 'ECONNRESET');
    assert.equal(err.message, 'socket hang up');
    server.close();
  });

  it('destroy() mid-handshake on either side emits no uncaught error', async () => {
    const server = tls.createServer({ key, cert });
    const port = await listen(server);
    server.on('tlsClientError', () => {});
    const uncaught: Error[] = [];
    const onUncaught = (e: Error) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 5; i++) {
        const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
        setTimeout(() => c.destroy(), i); // at different points of the handshake
        await once(c, 'close');
      }
      // A server of its own: a connection from the loop above can reach the first server late
      // (its client was destroyed before or while it connected), and 'connection' would then hand
      // that stale socket to the destroy below instead of this client's, which then never closes.
      const server2 = tls.createServer({ key, cert });
      server2.on('tlsClientError', () => {});
      const port2 = await listen(server2);
      server2.once('connection', (raw: net.Socket) => setImmediate(() => raw.destroy()));
      const c = tls.connect({ port: port2, host: '127.0.0.1', servername: 'localhost', ca: cert });
      c.on('error', () => {});
      await once(c, 'close');
      await new Promise((r) => setTimeout(r, 50));
      server2.close();
    } finally {
      process.off('uncaughtException', onUncaught);
      server.close();
    }
    assert.deepEqual(uncaught, []);
  });
});

describe('the reference document’s echo server and client (PEM key/cert/ca variant)', () => {
  it('runs unchanged but for the import, and interoperates with node:tls in place of either side', async () => {
    // Server and client certificates, each trusted by the other as its own CA (self-signed).
    const serverPair = localhostCert();
    const clientPair = selfSigned('client', 'DNS:client');
    const lines: string[] = [];
    const console = { log: (...a: unknown[]) => lines.push(a.join(' ')) };
    const run = async (serverTls: typeof tls, clientTls: typeof tls) => {
      // --- server, as in the document ---
      const options = { key: serverPair.key, cert: serverPair.cert, requestCert: true, ca: [clientPair.cert] };
      const server = serverTls.createServer(options, function (socket) {
        console.log('server connected', socket.authorized ? 'authorized' : 'unauthorized');
        socket.write('welcome!\n');
        socket.setEncoding('utf8');
        socket.pipe(socket);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => (console.log('server bound'), resolve())));
      const port = (server.address() as AddressInfo).port;
      // --- client, as in the document (stdin replaced by one line) ---
      const done = new Promise<void>((resolve) => {
        const copts = { key: clientPair.key, cert: clientPair.cert, ca: [serverPair.cert], host: '127.0.0.1', servername: 'localhost' };
        const socket = clientTls.connect(port, copts, function () {
          console.log('client connected', socket.authorized ? 'authorized' : 'unauthorized');
          socket.end('hello echo\n');
        });
        socket.setEncoding('utf8');
        socket.on('data', function (data) {
          console.log(data);
        });
        socket.on('end', function () {
          server.close();
          resolve();
        });
      });
      await done;
    };
    await run(tls, tls);
    const ours = lines.join('|');
    assert.match(ours, /server bound/);
    assert.match(ours, /client connected authorized/);
    assert.match(ours, /server connected authorized/);
    assert.equal(lines.filter((l) => l !== 'server bound' && !l.includes('connected')).join(''), 'welcome!\nhello echo\n');
    for (const [s, c] of [[nodeTls, tls], [tls, nodeTls]] as const) {
      lines.length = 0;
      await run(s as unknown as typeof tls, c as unknown as typeof tls);
      assert.match(lines.join('|'), /client connected authorized/);
      assert.match(lines.join('|'), /server connected authorized/);
    }
  });
});

describe('server and connect options', () => {
  it('setSecureContext() swaps the certificate for new connections', async () => {
    const first = localhostCert();
    const second = selfSigned('localhost', 'DNS:localhost,IP:127.0.0.1', 'P-384');
    const server = tls.createServer(first, (s) => s.end());
    const port = await listen(server);
    const fingerprint = async () => {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [first.cert, second.cert] });
      await once(c, 'secureConnect');
      const fp = (c.getPeerCertificate() as { fingerprint256: string }).fingerprint256;
      c.destroy();
      return fp;
    };
    const before = await fingerprint();
    server.setSecureContext(second);
    const after = await fingerprint();
    assert.notEqual(before, after);
    server.close();
  });

  it('connect({ path }) runs TLS over a Unix socket', async () => {
    const { key, cert } = localhostCert();
    const path = `/tmp/ts-tls-${process.pid}-${Date.now()}.sock`;
    const server = tls.createServer({ key, cert }, (s) => s.end('over unix'));
    server.listen(path);
    await once(server, 'listening');
    const c = tls.connect({ path, servername: 'localhost', ca: cert });
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    await once(c, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'over unix');
    server.close();
  });

  it('the timeout option emits "timeout" on an idle connection', async () => {
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert });
    const port = await listen(server);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, timeout: 100 });
    await once(c, 'secureConnect');
    const t0 = Date.now();
    await once(c, 'timeout', 2000);
    assert.ok(Date.now() - t0 >= 50);
    c.destroy();
    server.close();
  });
});

describe('createSecurePair (io.js API)', () => {
  it('a client pair piped to a TCP socket talks to a ts-tls server; "secure" fires; encrypted.bytesWritten counts TLS bytes', async () => {
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert }, (s) => s.end('hello pair'));
    const port = await listen(server);
    const pair = tls.createSecurePair(tls.createSecureContext({ ca: cert }), false, false, false, { servername: 'localhost', host: 'localhost' });
    const raw = net.connect(port, '127.0.0.1');
    pair.encrypted.pipe(raw).pipe(pair.encrypted);
    await once(pair, 'secure');
    const chunks: Buffer[] = [];
    pair.cleartext.on('data', (d: Buffer) => chunks.push(d));
    await once(pair.cleartext, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'hello pair');
    assert.equal(pair.cleartext.authorized, true);
    assert.ok(pair.encrypted.bytesWritten > 100, 'the ClientHello and Finished went out through the encrypted end');
    pair.destroy();
    raw.destroy();
    server.close();
  });
});
