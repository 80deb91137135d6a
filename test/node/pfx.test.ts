/**
 * The `pfx` option (reference document: createServer, connect, createSecureContext), checked
 * against node:tls given the same files: what loads, which errors and codes come back, and that
 * the loaded key, chain and CA certificates work on the wire in both roles.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import nodeTls from 'node:tls';
import * as tls from '../../src/node/tls.js';
import { PFX_PASSPHRASE, fixtureFiles } from './fixture-files.js';
import { listen, once } from './helpers.js';
import { PFX_MAC_VERIFY_FAILURE } from '../../src/node/secure-context.js';

const files = fixtureFiles();
after(() => files.cleanup());

/** The error each library throws for the same createSecureContext options. */
function errorsOf(options: Record<string, unknown>): [Error | undefined, Error | undefined] {
  const run = (f: () => unknown): Error | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return e as Error;
    }
  };
  return [run(() => tls.createSecureContext(options as never)), run(() => nodeTls.createSecureContext(options as never))];
}

test('openssl pkcs12 -export default file (AES-256, PBKDF2) loads with its passphrase: key, leaf and CA chain', () => {
  const ctx = tls.createSecureContext({ pfx: files.read('secret.pfx'), passphrase: PFX_PASSPHRASE });
  assert.equal(ctx.certificates.length, 1);
  assert.equal(ctx.certificates[0]!.chain.length, 2, 'leaf + the -certfile CA');
  assert.equal(ctx.pfxTrusted.length, 1, 'the CA certificate is trusted as Node trusts it');
});

test('a wrong or missing passphrase is Error("mac verify failure") as in Node, with a code Node lacks', () => {
  for (const passphrase of ['wrong', undefined]) {
    const [ours, node] = errorsOf({ pfx: files.read('secret.pfx'), passphrase });
    assert.ok(node, 'node:tls refuses it too');
    assert.ok(ours instanceof Error);
    assert.equal(ours.message, 'mac verify failure');
    assert.equal(ours.message, node.message);
    assert.equal(Object.getPrototypeOf(ours), Object.getPrototypeOf(node), 'a plain Error in both');
    // The deliberate difference (docs/node-mapping.md): every adapter error carries a code.
    assert.equal((node as { code?: string }).code, undefined);
    assert.equal((ours as { code?: string }).code, PFX_MAC_VERIFY_FAILURE);
    assert.equal((ours as { code?: string }).code, 'ERR_OSSL_PKCS12_MAC_VERIFY_FAILURE');
    assert.equal((ours as { reason?: string }).reason, 'mac verify failure');
  }
});

test('-legacy -certpbe PBE-SHA1-3DES files work in both libraries', () => {
  const [ours, node] = errorsOf({ pfx: files.read('legacy-3des.pfx'), passphrase: PFX_PASSPHRASE });
  assert.equal(node, undefined);
  assert.equal(ours, undefined);
  const ctx = tls.createSecureContext({ pfx: files.read('legacy-3des.pfx'), passphrase: PFX_PASSPHRASE });
  assert.equal(ctx.certificates[0]!.chain.length, 2);
});

test('plain -legacy (RC2-40 certificates) fails with ERR_CRYPTO_UNSUPPORTED_OPERATION naming the scheme', () => {
  const [ours, node] = errorsOf({ pfx: files.read('legacy-rc2.pfx'), passphrase: PFX_PASSPHRASE });
  assert.ok(ours && node);
  assert.equal((ours as { code?: string }).code, 'ERR_CRYPTO_UNSUPPORTED_OPERATION');
  assert.equal((ours as { code?: string }).code, (node as { code?: string }).code);
  assert.match(ours.message, /^Unsupported PKCS12 PFX data/);
  assert.match(ours.message, /rc2/i);
});

test('values that are not a PFX: a number is ERR_CRYPTO_OPERATION_FAILED like Node; garbage bytes fail with a code', () => {
  const [ours, node] = errorsOf({ pfx: 42 });
  assert.equal((ours as { code?: string }).code, 'ERR_CRYPTO_OPERATION_FAILED');
  assert.equal(ours!.message, node!.message);
  const [bad] = errorsOf({ pfx: Buffer.from('garbage') });
  assert.ok(bad instanceof Error);
  assert.equal(typeof (bad as { code?: string }).code, 'string');
});

test('array forms: { buf, passphrase } objects and buffers sharing the top-level passphrase', () => {
  const a = tls.createSecureContext({ pfx: [{ buf: files.read('secret.pfx'), passphrase: PFX_PASSPHRASE }, files.read('client.pfx')] });
  assert.equal(a.certificates.length, 2);
  const b = tls.createSecureContext({ pfx: [files.read('secret.pfx'), files.read('legacy-3des.pfx')], passphrase: PFX_PASSPHRASE });
  assert.equal(b.certificates.length, 2);
  assert.throws(() => tls.createSecureContext({ pfx: [{ buf: files.read('secret.pfx'), passphrase: 'nope' }] }), {
    message: 'mac verify failure',
    code: PFX_MAC_VERIFY_FAILURE,
  });
});

test('connect() with a bad pfx passphrase throws synchronously', () => {
  assert.throws(() => tls.connect({ port: 1, pfx: files.read('secret.pfx'), passphrase: 'nope' }), { message: 'mac verify failure' });
});

test('a pfx server answers a node:tls client that trusts the CA, sending the CA in its chain', async () => {
  const server = tls.createServer({ pfx: files.read('secret.pfx'), passphrase: PFX_PASSPHRASE }, (s) => s.end('pfx server'));
  const port = await listen(server);
  try {
    const client = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: files.read('ca-cert.pem') });
    await once(client, 'secureConnect');
    assert.equal(client.authorized, true);
    const cert = client.getPeerCertificate(true);
    assert.equal(cert.subject.CN, 'localhost');
    assert.equal(cert.issuer.CN, 'ts-tls test CA');
    const [data] = await once<[Buffer]>(client, 'data');
    assert.equal(data.toString(), 'pfx server');
    client.destroy();
  } finally {
    server.close();
  }
});

test('a pfx client presents its certificate to a requestCert node:tls server and trusts the server via the pfx CA', async () => {
  const server = nodeTls.createServer(
    { key: files.read('agent-server-key.pem'), cert: files.read('agent-server-cert.pem'), ca: files.read('ca-cert.pem'), requestCert: true },
    (s) => s.end(`${s.authorized ? 'authorized' : 'unauthorized'} ${s.getPeerCertificate().subject?.CN}`),
  );
  const port = await listen(server);
  try {
    // No `ca`: the server's issuer is trusted because client.pfx carries it (Node's LoadPKCS12).
    const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', pfx: files.read('client.pfx') });
    await once(client, 'secureConnect');
    assert.equal(client.authorized, true);
    const [data] = await once<[Buffer]>(client, 'data');
    assert.equal(data.toString(), 'authorized agent client');
    client.destroy();
  } finally {
    server.close();
  }
});
