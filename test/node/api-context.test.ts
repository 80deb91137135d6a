/**
 * Context and module checklist entries (docs/node-mapping.md) on real connections, with node:tls
 * given the same options as the reference: ecdhCurve, secureProtocol names, `ca` in BEGIN TRUSTED
 * CERTIFICATE form, allowPartialTrustChain, NODE_EXTRA_CA_CERTS (child processes),
 * tls.rootCertificates and the io.js CryptoStream.bytesWritten of createSecurePair's streams.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import nodeTls from 'node:tls';
import { fileURLToPath } from 'node:url';
import * as tls from '../../src/node/tls.js';
import { fixtureFiles } from './fixture-files.js';
import { localhostCert, once, readAll, listen } from './helpers.js';

const files = fixtureFiles();
after(() => files.cleanup());
const { key, cert } = localhostCert();
type TlsLib = typeof nodeTls;
const ours = tls as unknown as TlsLib;


interface Result {
  authorized?: boolean;
  authorizationError?: unknown;
  protocol?: string | null;
  keyInfo?: unknown;
  error?: string;
}

/** One connection from `clientLib` to `serverLib`; what the client saw. */
async function connectOnce(serverLib: TlsLib, serverOptions: nodeTls.TlsOptions, clientLib: TlsLib, clientOptions: nodeTls.ConnectionOptions): Promise<Result> {
  const server = serverLib.createServer(serverOptions, (s) => s.end());
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    const c = clientLib.connect({ port, host: '127.0.0.1', servername: 'localhost', ...clientOptions });
    const result = await new Promise<Result>((resolve) => {
      c.once('secureConnect', () =>
        resolve({ authorized: c.authorized, authorizationError: c.authorizationError ?? null, protocol: c.getProtocol(), keyInfo: c.getEphemeralKeyInfo() }),
      );
      c.once('error', (e: Error & { code?: string }) => resolve({ error: e.code ?? e.message }));
    });
    c.destroy();
    return result;
  } finally {
    server.close();
  }
}

describe('ecdhCurve', () => {
  for (const curve of ['P-384', 'X25519', 'P-521:P-384']) {
    it(`server ecdhCurve '${curve}': a node:tls client ends up on the same group as with a node:tls server`, async () => {
      const theirs = await connectOnce(nodeTls, { key, cert, ecdhCurve: curve }, nodeTls, { ca: cert });
      const mine = await connectOnce(ours, { key, cert, ecdhCurve: curve }, nodeTls, { ca: cert });
      assert.deepEqual(mine, theirs);
      assert.equal(mine.authorized, true);
    });
  }

  it("client ecdhCurve: a ts-tls client limited to 'P-384' gets P-384 from a node:tls server; with no common group, an error code", async () => {
    const got = await connectOnce(nodeTls, { key, cert }, ours, { ca: cert, ecdhCurve: 'P-384' });
    assert.deepEqual(got.keyInfo, { type: 'ECDH', name: 'secp384r1', size: 384 });
    const none = await connectOnce(nodeTls, { key, cert, ecdhCurve: 'P-256' }, ours, { ca: cert, ecdhCurve: 'X25519' });
    assert.match(String(none.error), /^ERR_SSL_/);
  });
});

describe('secureProtocol method names', () => {
  for (const method of ['TLS_method', 'TLS_client_method', 'TLSv1_3_method', 'TLSv1_3_client_method']) {
    it(`client secureProtocol '${method}' negotiates TLS 1.3 with a node:tls server`, async () => {
      const got = await connectOnce(nodeTls, { key, cert }, ours, { ca: cert, secureProtocol: method });
      assert.equal(got.protocol, 'TLSv1.3');
    });
  }
  for (const method of ['TLS_server_method', 'TLSv1_3_server_method']) {
    it(`server secureProtocol '${method}' serves a node:tls client`, async () => {
      const got = await connectOnce(ours, { key, cert, secureProtocol: method }, nodeTls, { ca: cert });
      assert.equal(got.protocol, 'TLSv1.3');
    });
  }
});

describe('trust options', () => {
  it('ca given as BEGIN TRUSTED CERTIFICATE (openssl x509 -trustout) is a trust anchor, as in node:tls', async () => {
    const trusted = files.read('server-trusted.pem');
    assert.match(trusted.toString(), /BEGIN TRUSTED CERTIFICATE/);
    const serverOptions = { key: files.read('server-key.pem'), cert: files.read('server-cert.pem') };
    for (const lib of [ours, nodeTls]) {
      const got = await connectOnce(lib === ours ? nodeTls : ours, serverOptions, lib, { ca: trusted });
      assert.equal(got.authorized, true, lib === ours ? 'ts-tls client' : 'node:tls client');
    }
  });

  it('allowPartialTrustChain: an intermediate CA alone as `ca` is enough only with the option', async () => {
    const serverOptions = {
      key: files.read('chain-server-key.pem'),
      cert: Buffer.concat([files.read('chain-server-cert.pem'), files.read('int-cert.pem')]),
    };
    const ca = files.read('int-cert.pem');
    const without = await connectOnce(nodeTls, serverOptions, ours, { ca });
    assert.equal(without.error, 'UNABLE_TO_GET_ISSUER_CERT');
    const nodeWithout = await connectOnce(nodeTls, serverOptions, nodeTls, { ca });
    assert.equal(without.error, nodeWithout.error);
    const withOption = await connectOnce(nodeTls, serverOptions, ours, { ca, allowPartialTrustChain: true } as nodeTls.ConnectionOptions);
    assert.equal(withOption.authorized, true);
    // The root alone works without the option, as usual.
    const viaRoot = await connectOnce(nodeTls, serverOptions, ours, { ca: files.read('ca-cert.pem') });
    assert.equal(viaRoot.authorized, true);
  });

  it('NODE_EXTRA_CA_CERTS: a child process trusts the extra file without `ca`, exactly as a node:tls child does', async () => {
    const server = ours.createServer({ key, cert }, (s) => s.end());
    const port = await listen(server);
    writeFileSync(files.path('extra-ca.pem'), cert);
    const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));
    const script = (module: string) =>
      `import tls from ${JSON.stringify(module)};
       const c = tls.connect({ port: ${port}, host: '127.0.0.1', servername: 'localhost' }, () => { console.log('authorized', c.authorized); c.destroy(); });
       c.on('error', (e) => console.log('error', e.code));`;
    const run = (module: string, env: NodeJS.ProcessEnv): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script(module)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('child timed out'))), 10_000);
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', () => (clearTimeout(timer), resolve(out.trim())));
      });
    try {
      const base = { ...process.env };
      delete base.NODE_EXTRA_CA_CERTS;
      const withExtra = { ...base, NODE_EXTRA_CA_CERTS: files.path('extra-ca.pem') };
      const [oursWith, nodeWith, oursWithout, nodeWithout] = await Promise.all([
        run(entry, withExtra),
        run('node:tls', withExtra),
        run(entry, base),
        run('node:tls', base),
      ]);
      assert.equal(oursWith, 'authorized true');
      assert.equal(nodeWith, oursWith);
      assert.equal(oursWithout, 'error DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(nodeWithout, oursWithout);
    } finally {
      server.close();
    }
  });

  it('tls.rootCertificates: a frozen array of the same PEM roots Node bundles', () => {
    assert.ok(Object.isFrozen(tls.rootCertificates));
    assert.ok(tls.rootCertificates.every((p) => p.startsWith('-----BEGIN CERTIFICATE-----')));
    assert.deepEqual(new Set(tls.rootCertificates.map((p) => p.trim())), new Set(nodeTls.rootCertificates.map((p) => p.trim())));
  });
});

describe('server cipher choice and revocation', () => {
  it('honorCipherOrder: the server order by default and with true, the client order with false, as node:tls', async () => {
    const serverCiphers = 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384';
    const clientCiphers = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256';
    for (const honorCipherOrder of [undefined, true, false]) {
      const names: string[] = [];
      for (const lib of [ours, nodeTls]) {
        const server = lib.createServer({ key, cert, ciphers: serverCiphers, ...(honorCipherOrder === undefined ? {} : { honorCipherOrder }) }, (s) => s.end());
        const port = await listen(server);
        const c = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert, ciphers: clientCiphers });
        await once(c, 'secureConnect');
        names.push(c.getCipher().name);
        c.destroy();
        server.close();
      }
      assert.equal(names[0], names[1], `honorCipherOrder ${honorCipherOrder}`);
      assert.equal(names[0], honorCipherOrder === false ? 'TLS_AES_256_GCM_SHA384' : 'TLS_CHACHA20_POLY1305_SHA256');
    }
  });

  it('crl: a revoked server certificate fails with CERT_REVOKED, an unrevoked one passes, as in node:tls', async () => {
    const crl = files.read('ca-crl.pem');
    const ca = files.read('ca-cert.pem');
    for (const [name, expected] of [['revoked-server', { error: 'CERT_REVOKED' }], ['agent-server', { authorized: true }]] as const) {
      const serverOptions = { key: files.read(`${name}-key.pem`), cert: files.read(`${name}-cert.pem`) };
      const mine = await connectOnce(nodeTls, serverOptions, ours, { ca, crl });
      const theirs = await connectOnce(nodeTls, serverOptions, nodeTls, { ca, crl });
      assert.equal(mine.error ?? mine.authorized, theirs.error ?? theirs.authorized, name);
      assert.equal(mine.error ?? mine.authorized, 'error' in expected ? expected.error : expected.authorized, name);
    }
    // Without the CRL the revoked certificate is accepted: the option is what made the difference.
    const plain = await connectOnce(nodeTls, { key: files.read('revoked-server-key.pem'), cert: files.read('revoked-server-cert.pem') }, ours, { ca });
    assert.equal(plain.authorized, true);
  });
});

describe('createSecurePair streams (io.js CryptoStream.bytesWritten)', () => {
  it("pair.encrypted.bytesWritten is what went to the socket, TLS overhead included; 'secure' fires", async () => {
    const server = nodeTls.createServer({ key, cert }, (s) => s.end('hello pair'));
    const port = await listen(server);
    const pair = tls.createSecurePair(tls.createSecureContext({ ca: cert }), false, false, false, { servername: 'localhost', host: 'localhost' });
    const raw = net.connect(port, '127.0.0.1');
    pair.encrypted.pipe(raw).pipe(pair.encrypted);
    await once(pair, 'secure');
    assert.equal(pair.cleartext.authorized, true);
    pair.cleartext.write('x'.repeat(1000));
    const text = (await readAll(pair.cleartext)).toString();
    assert.equal(text, 'hello pair');
    // Every TLS byte the pair emitted reached the socket: the two counts agree.
    assert.equal(pair.encrypted.bytesWritten, raw.bytesWritten);
    assert.ok(pair.encrypted.bytesWritten > 1000 + 22, 'the 1000 cleartext bytes plus record overhead and the handshake');
    pair.destroy();
    raw.destroy();
    server.close();
  });
});
