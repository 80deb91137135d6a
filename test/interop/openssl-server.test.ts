// Our client against `openssl s_server -tls1_3`: every suite, every group, RSA/ECDSA/Ed25519
// certificates, HelloRetryRequest forced by the server's groups, ALPN, and data both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { tls, implName } from '../support/impl.js';
import { freePort, makeCerts, requirePeer, startPeer, type KeyKind } from '../support/peers.js';

interface Case {
  name: string;
  kind?: KeyKind;
  serverArgs?: string[];
  client?: Record<string, unknown>;
  expectCipher?: string;
  expectGroup?: string;
  expectAlpn?: string | false;
}

async function runAgainstSServer(c: Case): Promise<void> {
  const certs = makeCerts(c.kind ?? 'ec-p256');
  const port = await freePort();
  const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', '-key', certs.keyFile, '-cert', certs.certFile,
    '-naccept', '1', '-rev', ...(c.serverArgs ?? [])]);
  try {
    await server.waitFor(/ACCEPT/);
    const sock: TLSSocket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert, ...c.client });
    const secure = new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    await secure;
    assert.equal(sock.authorized, true, `authorized (${sock.authorizationError})`);
    assert.equal(sock.getProtocol(), 'TLSv1.3');
    if (c.expectCipher) assert.equal(sock.getCipher().standardName ?? sock.getCipher().name, c.expectCipher);
    if (c.expectGroup) {
      const info = sock.getEphemeralKeyInfo() as { name?: string };
      assert.equal(info.name, c.expectGroup);
    }
    if (c.expectAlpn !== undefined) assert.equal(sock.alpnProtocol, c.expectAlpn);
    // s_server -rev answers each line reversed.
    let got = '';
    const answer = new Promise<void>((resolve, reject) => {
      sock.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('\n')) resolve();
      });
      sock.once('error', reject);
      setTimeout(() => reject(new Error(`no answer from s_server; got ${JSON.stringify(got)}; s_server said:\n${server.output()}`)), 5000).unref();
    });
    sock.write('hello ts-tls\n');
    await answer;
    assert.equal(got.trim(), 'slt-st olleh');
    sock.destroy();
  } finally {
    server.kill();
  }
}

const cases: Case[] = [
  { name: 'TLS_AES_128_GCM_SHA256', serverArgs: ['-ciphersuites', 'TLS_AES_128_GCM_SHA256'], expectCipher: 'TLS_AES_128_GCM_SHA256' },
  { name: 'TLS_AES_256_GCM_SHA384', serverArgs: ['-ciphersuites', 'TLS_AES_256_GCM_SHA384'], expectCipher: 'TLS_AES_256_GCM_SHA384' },
  { name: 'TLS_CHACHA20_POLY1305_SHA256', serverArgs: ['-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'], expectCipher: 'TLS_CHACHA20_POLY1305_SHA256' },
  { name: 'group X25519', serverArgs: ['-groups', 'X25519'], expectGroup: 'X25519' },
  { name: 'group P-256 (HelloRetryRequest when our first share is X25519)', serverArgs: ['-groups', 'P-256'], expectGroup: 'prime256v1' },
  { name: 'group P-384 (HelloRetryRequest)', serverArgs: ['-groups', 'P-384'], expectGroup: 'secp384r1', client: { ecdhCurve: 'X25519:P-256:P-384' } },
  { name: 'group P-521 (HelloRetryRequest)', serverArgs: ['-groups', 'P-521'], expectGroup: 'secp521r1', client: { ecdhCurve: 'X25519:P-521' } },
  { name: 'group X448 (HelloRetryRequest)', serverArgs: ['-groups', 'X448'], expectGroup: 'X448', client: { ecdhCurve: 'X25519:X448' } },
  { name: 'RSA certificate', kind: 'rsa' },
  { name: 'ECDSA P-384 certificate', kind: 'ec-p384' },
  { name: 'Ed25519 certificate', kind: 'ed25519' },
  { name: 'ALPN', serverArgs: ['-alpn', 'h2,http/1.1'], client: { ALPNProtocols: ['http/1.1'] }, expectAlpn: 'http/1.1' },
  { name: 'no ALPN', client: {}, expectAlpn: false },
];

for (const c of cases) {
  test(`${implName} client ⇄ openssl s_server: ${c.name}`, { timeout: 20_000 }, async (t) => {
    if (!requirePeer(t, 'openssl')) return;
    await runAgainstSServer(c);
  });
}

test(`${implName} client rejects an openssl server whose certificate it cannot verify`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const certs = makeCerts('ec-p256');
  const port = await freePort();
  const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', '-key', certs.keyFile, '-cert', certs.certFile, '-naccept', '1']);
  try {
    await server.waitFor(/ACCEPT/);
    const err = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost' }); // no ca: the test CA is unknown
      sock.once('secureConnect', () => reject(new Error('connected to an unverifiable server')));
      sock.once('error', resolve);
    });
    assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  } finally {
    server.kill();
  }
});
