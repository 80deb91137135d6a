/**
 * Today's Node additions of the checklist that the other files do not cover: setKeyCert() on
 * both sides, tls.getCACertificates(type) and tls.setDefaultCACertificates(certs) (Node 22.15+ and 24.5+;
 * this file changes the process's default CA set, so it runs in its own process, as every test
 * file does under `node --test`).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import nodeTls from 'node:tls';
import * as tls from '../../src/node/tls.js';
import { fixtureFiles } from './fixture-files.js';
import { duplexPair, localhostCert, once, selfSigned, listen } from './helpers.js';

const files = fixtureFiles();
after(() => files.cleanup());
const { key, cert } = localhostCert();


const fingerprint = (pem: Buffer | string): string => new X509Certificate(pem).fingerprint256;

describe('setKeyCert()', () => {
  it('on a server socket from SNICallback (this = the socket): the client gets that certificate', async () => {
    const other = selfSigned('localhost', 'DNS:localhost,IP:127.0.0.1', 'P-384');
    const server = tls.createServer({
      key,
      cert,
      SNICallback(this: tls.TLSSocket, name, cb) {
        if (name === 'other.test') this.setKeyCert({ key: other.key, cert: other.cert });
        cb(null, undefined);
      },
    });
    server.on('secureConnection', (s) => s.end());
    const port = await listen(server);
    for (const [servername, expected] of [['other.test', other.cert], ['plain.test', cert]] as const) {
      const c = nodeTls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false });
      await once(c, 'secureConnect');
      assert.equal(c.getPeerCertificate().fingerprint256, fingerprint(expected), servername);
      c.destroy();
    }
    server.close();
  });

  it('on a client socket before the handshake: a requestCert node:tls server sees that certificate', async () => {
    const server = nodeTls.createServer(
      { key: files.read('agent-server-key.pem'), cert: files.read('agent-server-cert.pem'), ca: files.read('ca-cert.pem'), requestCert: true },
      (s) => s.end(`${s.authorized} ${s.getPeerCertificate().subject?.CN}`),
    );
    const port = await listen(server);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: files.read('ca-cert.pem') });
    c.setKeyCert(tls.createSecureContext({ key: files.read('agent-client-key.pem'), cert: files.read('agent-client-cert.pem') }));
    const [data] = await once<[Buffer]>(c, 'data');
    assert.equal(data.toString(), 'true agent client');
    c.destroy();
    server.close();
  });
});

describe('new tls.TLSSocket(socket, options) in server mode over any duplex', () => {
  it('isServer, server, secureContext, requestCert, rejectUnauthorized, SNICallback and ALPNProtocols take effect', async () => {
    const [a, b] = duplexPair();
    const owner = tls.createServer();
    const keylogs: unknown[] = [];
    owner.on('keylog', (_line, socket) => keylogs.push(socket));
    const names: string[] = [];
    const server = new tls.TLSSocket(a, {
      isServer: true,
      server: owner,
      secureContext: tls.createSecureContext({ key, cert, ca: files.read('ca-cert.pem') }),
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback: (name, cb) => (names.push(name), cb(null, undefined)),
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const client = tls.connect({
      socket: b,
      servername: 'duplex.test',
      ca: cert,
      checkServerIdentity: () => undefined,
      ALPNProtocols: ['http/1.1'],
      key: files.read('agent-client-key.pem'),
      cert: files.read('agent-client-cert.pem'),
    });
    await Promise.all([once(server, 'secure'), once(client, 'secureConnect')]);
    assert.deepEqual(names, ['duplex.test']);
    assert.equal(server.servername, 'duplex.test');
    assert.equal(server.alpnProtocol, 'http/1.1');
    assert.equal(server.authorized, true, 'the client certificate was requested and verified against the ca');
    assert.equal(server.server, owner);
    assert.ok(owner instanceof net.Server, 'tls.Server is a net.Server subclass');
    assert.ok(keylogs.length > 0 && keylogs.every((s) => s === server), "the server option's Server gets 'keylog'");
    client.destroy();
    server.destroy();
  });
});

describe('getCACertificates() and setDefaultCACertificates()', () => {
  it("'bundled' is tls.rootCertificates; 'default' includes them; 'extra' reads NODE_EXTRA_CA_CERTS; bad types throw", () => {
    assert.deepEqual(tls.getCACertificates('bundled'), [...tls.rootCertificates]);
    const defaults = new Set(tls.getCACertificates().map(fingerprint));
    for (const pem of tls.rootCertificates) assert.ok(defaults.has(fingerprint(pem)));
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    try {
      process.env.NODE_EXTRA_CA_CERTS = files.path('ca-cert.pem');
      assert.deepEqual(tls.getCACertificates('extra').map(fingerprint), [fingerprint(files.read('ca-cert.pem'))]);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
    assert.ok(Array.isArray(tls.getCACertificates('system')));
    assert.throws(() => tls.getCACertificates('nope' as never), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => tls.setDefaultCACertificates('pem' as never), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => tls.setDefaultCACertificates([5 as never]), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a replaced default set is what a context without `ca` trusts afterwards', async () => {
    const server = tls.createServer({ key, cert }, (s) => s.end());
    const port = await listen(server);
    const attempt = async (): Promise<string> => {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' });
      return new Promise((resolve) => {
        c.once('secureConnect', () => (c.destroy(), resolve('authorized')));
        c.once('error', (e: Error & { code?: string }) => resolve(String(e.code)));
      });
    };
    const original = tls.getCACertificates('default');
    try {
      assert.equal(await attempt(), 'DEPTH_ZERO_SELF_SIGNED_CERT');
      tls.setDefaultCACertificates([cert.toString(), cert]);
      assert.deepEqual(tls.getCACertificates('default').map(fingerprint), [fingerprint(cert)]);
      assert.equal(await attempt(), 'authorized');
    } finally {
      tls.setDefaultCACertificates(original);
      server.close();
    }
    assert.equal(tls.getCACertificates('default').length, original.length);
  });
});
