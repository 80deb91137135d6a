/**
 * TLSSocket methods and properties of the checklist (docs/node-mapping.md), each used as Node's
 * documentation describes it and, where a value can be compared, checked against a node:tls peer
 * on the same connection (the peer computes its side with OpenSSL).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import nodeTls from 'node:tls';
import * as tls from '../../src/node/tls.js';
import { localhostCert, once, readAll, listen } from './helpers.js';

const { key, cert } = localhostCert();


/** A server of one library and a client of the other, both secure; the caller closes. */
async function mixedPair(
  serverLib: 'ts' | 'node',
  serverOptions: nodeTls.TlsOptions = {},
  clientOptions: nodeTls.ConnectionOptions = {},
): Promise<{ server: net.Server; client: nodeTls.TLSSocket; peer: nodeTls.TLSSocket; close(): void }> {
  const sLib = (serverLib === 'ts' ? tls : nodeTls) as typeof nodeTls;
  const cLib = (serverLib === 'ts' ? nodeTls : tls) as typeof nodeTls;
  const server = sLib.createServer({ key, cert, ...serverOptions });
  const port = await listen(server);
  const accepted = once<[nodeTls.TLSSocket]>(server, 'secureConnection');
  const client = cLib.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ...clientOptions });
  await once(client, 'secureConnect');
  const [peer] = await accepted;
  return {
    server,
    client,
    peer,
    close: () => {
      client.destroy();
      peer.destroy();
      server.close();
    },
  };
}

describe('keying material and handshake values agree with a node:tls peer', () => {
  for (const serverLib of ['ts', 'node'] as const) {
    const ours = serverLib === 'ts' ? 'server' : 'client';
    it(`getFinished/getPeerFinished and exportKeyingMaterial (ts-tls ${ours})`, async () => {
      const p = await mixedPair(serverLib);
      try {
        const [mine, theirs] = serverLib === 'ts' ? [p.peer, p.client] : [p.client, p.peer];
        assert.ok(mine.getFinished()!.length >= 32);
        assert.deepEqual(mine.getFinished(), theirs.getPeerFinished());
        assert.deepEqual(mine.getPeerFinished(), theirs.getFinished());
        const ctx = Buffer.from('context bytes');
        assert.deepEqual(mine.exportKeyingMaterial(48, 'EXPERIMENTAL-ts-tls', ctx), theirs.exportKeyingMaterial(48, 'EXPERIMENTAL-ts-tls', ctx));
        assert.deepEqual(mine.exportKeyingMaterial(20, 'client finished', Buffer.alloc(0)), theirs.exportKeyingMaterial(20, 'client finished', Buffer.alloc(0)));
        assert.notDeepEqual(mine.exportKeyingMaterial(20, 'a', ctx), mine.exportKeyingMaterial(20, 'b', ctx));
      } finally {
        p.close();
      }
    });
  }

  it('getSharedSigalgs() on the server lists what both sides accept, like a node:tls server', async () => {
    const clientOptions = { sigalgs: 'ecdsa_secp384r1_sha384:rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256:ed25519' };
    const results: string[][] = [];
    for (const serverLib of ['ts', 'node'] as const) {
      // The node:tls client for the ts-tls server; a ts-tls client for the node:tls one: compare
      // each server's answer for the same offered list.
      const sLib = (serverLib === 'ts' ? tls : nodeTls) as typeof nodeTls;
      const server = sLib.createServer({ key, cert });
      const port = await listen(server);
      const accepted = once<[nodeTls.TLSSocket]>(server, 'secureConnection');
      const client = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ...clientOptions });
      await once(client, 'secureConnect');
      const [peer] = await accepted;
      results.push(peer.getSharedSigalgs());
      client.destroy();
      server.close();
    }
    assert.deepEqual(results[0], results[1]);
    // OpenSSL's spelling and the server's order: ['ECDSA+SHA256', 'ECDSA+SHA384', 'Ed25519+UNDEF', 'RSA-PSS+SHA256'].
    assert.deepEqual(results[0], ['ECDSA+SHA256', 'ECDSA+SHA384', 'Ed25519+UNDEF', 'RSA-PSS+SHA256']);
  });

  it('getCipher(), getProtocol(), getEphemeralKeyInfo() and certificate getters match node:tls on the other end', async () => {
    const p = await mixedPair('node', { ecdhCurve: 'X25519' });
    try {
      const mine = p.client;
      assert.deepEqual(mine.getCipher(), p.peer.getCipher());
      assert.equal(mine.getProtocol(), p.peer.getProtocol());
      assert.deepEqual(mine.getEphemeralKeyInfo(), { type: 'ECDH', name: 'X25519', size: 253 });
      const x509 = new X509Certificate(cert);
      const peerCert = mine.getPeerCertificate() as nodeTls.PeerCertificate & { fingerprint512: string };
      assert.equal(peerCert.fingerprint256, x509.fingerprint256);
      assert.equal(peerCert.fingerprint512, x509.fingerprint512);
      assert.equal(mine.getPeerX509Certificate()!.fingerprint256, x509.fingerprint256);
      assert.equal((peerCert as { ca?: boolean }).ca, x509.ca, 'the certificate object says whether it is a CA');
      assert.equal((peerCert as { ca?: boolean }).ca, (p.peer.getCertificate() as { ca?: boolean }).ca);
      assert.deepEqual(mine.getCertificate(), {}, 'a client without a certificate has an empty own certificate');
      assert.equal((p.peer.getCertificate() as nodeTls.PeerCertificate).fingerprint256, x509.fingerprint256);
      assert.equal(mine.isSessionReused(), false);
      assert.equal(mine.getX509Certificate(), undefined, 'no own certificate on this client');
    } finally {
      p.close();
    }
  });
});

describe('socket addresses', () => {
  it('address(), remoteAddress/remoteFamily/remotePort, localAddress/localPort describe the TCP connection', async () => {
    const p = await mixedPair('node');
    try {
      const c = p.client;
      assert.equal(c.remoteAddress, '127.0.0.1');
      assert.equal(c.remoteFamily, 'IPv4');
      assert.equal(c.remotePort, (p.server.address() as AddressInfo).port);
      assert.equal(c.localAddress, '127.0.0.1');
      assert.equal(c.localPort, p.peer.remotePort);
      assert.deepEqual(c.address(), { address: '127.0.0.1', family: 'IPv4', port: c.localPort });
      assert.equal(c.encrypted, true);
    } finally {
      p.close();
    }
  });
});

describe('setServername() and enableTrace()', () => {
  it('setServername() before the handshake sets the SNI a node:tls server sees; a server socket refuses it', async () => {
    const names: string[] = [];
    const server = nodeTls.createServer({ key, cert, SNICallback: (n, cb) => (names.push(n), cb(null, undefined)) });
    const port = await listen(server);
    const c = tls.connect({ port, host: '127.0.0.1', ca: cert, rejectUnauthorized: false });
    c.setServername('sni.example.test');
    await once(c, 'secureConnect');
    assert.deepEqual(names, ['sni.example.test']);
    assert.throws(() => c.setServername('late.example'), { code: 'ERR_TLS_INVALID_STATE' });
    assert.throws(() => c.setServername(5 as never), { code: 'ERR_INVALID_ARG_TYPE' });
    c.destroy();
    server.close();
    const ours = tls.createServer({ key, cert });
    const oursPort = await listen(ours);
    const accepted = once<[tls.TLSSocket]>(ours, 'secureConnection');
    const c2 = nodeTls.connect({ port: oursPort, host: '127.0.0.1', servername: 'localhost', ca: cert });
    const [s] = await accepted;
    assert.throws(() => s.setServername('x'), { code: 'ERR_TLS_SNI_FROM_SERVER' });
    c2.destroy();
    ours.close();
  });

  it('enableTrace() and the enableTrace option write the handshake messages to stderr', async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => (written.push(chunk.toString()), true);
    try {
      const server = tls.createServer({ key, cert, enableTrace: true }, (s) => s.end());
      const port = await listen(server);
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert });
      c.enableTrace();
      c.resume();
      await once(c, 'secureConnect');
      await once(c, 'end');
      c.destroy();
      server.close();
    } finally {
      (process.stderr as { write: unknown }).write = original;
    }
    const text = written.join('');
    // Both ends trace: the client's sent ClientHello and the server's received one.
    assert.match(text, />>> .*ClientHello/);
    assert.match(text, /<<< .*ClientHello/);
    assert.match(text, /Finished/);
  });
});

describe('stream options', () => {
  it('highWaterMark reaches both sides of the socket, as in node:tls', async () => {
    const server = tls.createServer({ key, cert }, (s) => s.end());
    const port = await listen(server);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, highWaterMark: 4321 });
    const n = nodeTls.connect({ port: 1, highWaterMark: 4321 } as nodeTls.ConnectionOptions);
    n.on('error', () => {});
    assert.equal(c.readableHighWaterMark, n.readableHighWaterMark);
    assert.equal(c.writableHighWaterMark, n.writableHighWaterMark);
    assert.equal(c.readableHighWaterMark, 4321);
    await once(c, 'secureConnect');
    c.destroy();
    server.close();
  });

  it('allowHalfOpen on the server: after the client ends, the server socket can still write later (without it, Node ends it)', async () => {
    for (const allowHalfOpen of [true, false]) {
      const writableLater: boolean[] = [];
      let recorded!: () => void;
      const recordedP = new Promise<void>((r) => (recorded = r));
      const server = tls.createServer({ key, cert, allowHalfOpen }, (s) => {
        s.resume();
        s.on('end', () =>
          setTimeout(() => {
            writableLater.push(s.writable);
            recorded();
            if (s.writable) s.end('late answer');
          }, 100),
        );
      });
      const port = await listen(server);
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, allowHalfOpen: true });
      await once(c, 'secureConnect');
      c.end('question');
      const got = (await readAll(c)).toString();
      assert.equal(got, allowHalfOpen ? 'late answer' : '');
      // Without allowHalfOpen the client's read ends before the server's timer runs: wait for it
      // (a fixed sleep lost this race on a loaded machine).
      await Promise.race([
        recordedP,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`server socket never emitted 'end' (allowHalfOpen ${allowHalfOpen})`)), 10_000).unref()),
      ]);
      assert.deepEqual(writableLater, [allowHalfOpen]);
      server.close();
    }
  });

  it('lookup: the given resolver is asked for the host name and its answer is used', async () => {
    const server = tls.createServer({ key, cert }, (s) => s.end('looked up'));
    const port = await listen(server);
    const asked: string[] = [];
    const lookup = (hostname: string, options: unknown, cb: (err: Error | null, address: string | unknown[], family?: number) => void): void => {
      asked.push(hostname);
      if ((options as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    };
    const c = tls.connect({ port, host: 'tls-lookup.invalid', servername: 'localhost', ca: cert, lookup: lookup as never });
    assert.equal((await readAll(c)).toString(), 'looked up');
    assert.deepEqual(asked, ['tls-lookup.invalid']);
    server.close();
  });

  it('minDHSize is validated as Node 20 does (TLS 1.2 DHE only; accepted and unused under TLS 1.3)', async () => {
    for (const bad of [0, -1, 'x']) {
      let nodeErr: { code?: string; message: string } | undefined;
      try {
        nodeTls.connect({ port: 1, minDHSize: bad as never }).on('error', () => {});
      } catch (e) {
        nodeErr = e as Error;
      }
      assert.throws(() => tls.connect({ port: 1, minDHSize: bad as never }), (e: Error & { code?: string }) => {
        assert.equal(e.code, nodeErr?.code);
        assert.equal(e.message, nodeErr!.message.split('\n')[0]);
        return true;
      });
    }
    const server = tls.createServer({ key, cert }, (s) => s.end());
    const port = await listen(server);
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, minDHSize: 2048 });
    await once(c, 'secureConnect');
    c.destroy();
    server.close();
  });
});

describe('renegotiation (TLS 1.2 issue)', () => {
  it('renegotiate() reports ERR_TLS_RENEGOTIATE to its callback; disableRenegotiation() is accepted', async () => {
    const p = await mixedPair('node');
    try {
      p.client.disableRenegotiation();
      const [err] = await new Promise<[Error & { code?: string }]>((resolve) => {
        const r = p.client.renegotiate({}, (e) => resolve([e as Error]));
        assert.equal(r, false);
      });
      // node:tls says the same under TLS 1.3 (no renegotiation in RFC 8446).
      assert.equal(err.code, 'ERR_TLS_RENEGOTIATE');
    } finally {
      p.close();
    }
  });
});
