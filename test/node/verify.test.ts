/**
 * Authorization and failure reporting: authorized/authorizationError, rejectUnauthorized, host-name
 * checks, and the Node-style error codes for alerts received from a node:tls peer.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import nodeTls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import tls from '../../src/index.js';
import { listen, localhostCert, once, selfSigned } from './helpers.js';

describe('client verification of the server', () => {
  let server: ReturnType<typeof tls.createServer>;
  let port = 0;
  const { key, cert } = localhostCert();
  before(async () => {
    server = tls.createServer({ key, cert }, (s) => s.end('hi'));
    port = await listen(server);
  });
  after(() => server.close());

  it('an untrusted self-signed certificate with rejectUnauthorized false: secureConnect, authorized false, the OpenSSL code', async () => {
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
    await once(c, 'secureConnect');
    assert.equal(c.authorized, false);
    assert.equal(c.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    c.destroy();
  });

  it('the same with rejectUnauthorized (default): error with that code and OpenSSL’s message, no secureConnect', async () => {
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' });
    let secure = false;
    c.on('secureConnect', () => (secure = true));
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(err.message, 'self-signed certificate');
    assert.equal(secure, false);
  });

  it('data written before the handshake never reaches a server that failed verification', async () => {
    const other = selfSigned('localhost', 'DNS:localhost');
    const received: Buffer[] = [];
    const spy = tls.createServer({ key: other.key, cert: other.cert }, (s) => {
      s.on('data', (d: Buffer) => received.push(d));
      s.on('error', () => {});
    });
    spy.on('tlsClientError', () => {});
    const port = await listen(spy);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
    c.write('secret before verification');
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(Buffer.concat(received).length, 0);
    spy.close();
  });

  it('node:tls reports the same code for the same case (parity check)', async () => {
    const c = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost' });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('a trusted certificate for another name: ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'wrong.example', ca: cert });
    const [err] = await once<[Error & { code: string; reason: string; host: string }]>(c, 'error');
    assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(err.host, 'wrong.example');
    assert.match(err.reason, /wrong\.example/);
  });

  it('...and with rejectUnauthorized false, authorizationError is that code', async () => {
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'wrong.example', ca: cert, rejectUnauthorized: false });
    await once(c, 'secureConnect');
    assert.equal(c.authorized, false);
    assert.equal(c.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID');
    c.destroy();
  });

  it('a user checkServerIdentity decides, receiving the peer certificate object', async () => {
    let seen: { subject?: { CN?: string } } | undefined;
    const c = tls.connect({
      port,
      host: '127.0.0.1',
      servername: 'wrong.example',
      ca: cert,
      checkServerIdentity: (_host: string, peer: { subject?: { CN?: string } }) => {
        seen = peer;
        return undefined;
      },
    });
    await once(c, 'secureConnect');
    assert.equal(c.authorized, true);
    assert.equal(seen?.subject?.CN, 'localhost');
    assert.ok(seen && 'issuerCertificate' in seen, 'a user callback gets the detailed chain, as in Node');
    assert.equal((c.getPeerCertificate() as { subject: { CN: string } }).subject.CN, 'localhost');
    c.destroy();
  });

  it('connect(port, host, options, cb) binds cb to secureConnect; IP hosts send no SNI', async () => {
    await new Promise<void>((resolve, reject) => {
      const c = tls.connect(port, '127.0.0.1', { ca: cert }, () => {
        try {
          // Identity is checked against 127.0.0.1, which the certificate lists as an IP SAN.
          assert.equal(c.authorized, true);
          c.destroy();
          resolve();
        } catch (e) {
          reject(e);
        }
      });
      c.on('error', reject);
    });
  });
});

describe('errors from the peer carry OpenSSL-named codes', () => {
  async function nodeServer(opts: nodeTls.TlsOptions) {
    const { key, cert } = localhostCert();
    const s = nodeTls.createServer({ key, cert, ...opts }, (sock) => sock.end());
    s.on('tlsClientError', () => {});
    const port = await listen(s);
    return { s, port, cert };
  }

  it('handshake_failure from node:tls (no common suite) → ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', async () => {
    const { s, port, cert } = await nodeServer({ ciphers: 'TLS_AES_128_GCM_SHA256', minVersion: 'TLSv1.3' });
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    s.close();
    assert.equal(err.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
  });

  it('no_application_protocol from node:tls → ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', async () => {
    const { s, port, cert } = await nodeServer({ ALPNProtocols: ['h2'] });
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ALPNProtocols: ['x'] });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    s.close();
    assert.equal(err.code, 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
  });

  it('a non-TLS answer (an HTTP server) → ERR_SSL_WRONG_VERSION_NUMBER', async () => {
    const http = net.createServer((sock) => sock.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const port = await listen(http);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    http.close();
    assert.equal(err.code, 'ERR_SSL_WRONG_VERSION_NUMBER');
  });

  it('a server that closes before the handshake → ECONNRESET with Node’s message', async () => {
    const mute = net.createServer((sock) => sock.end());
    const port = await listen(mute);
    const c = tls.connect({ port, host: '127.0.0.1' });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    mute.close();
    assert.equal(err.code, 'ECONNRESET');
    assert.equal(err.message, 'Client network socket disconnected before secure TLS connection was established');
  });

  it('a node:tls client rejecting our self-signed server gets its own verify code; the server reports tlsClientError', async () => {
    const other = selfSigned('localhost', 'DNS:localhost');
    const server = tls.createServer({ key: other.key, cert: other.cert });
    const port = await listen(server);
    const clientErr = once<[Error]>(server, 'tlsClientError');
    const c = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost' });
    const [err] = await once<[Error & { code: string }]>(c, 'error');
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    const [serverErr] = await clientErr;
    assert.ok(serverErr instanceof Error);
    server.close();
  });
});
