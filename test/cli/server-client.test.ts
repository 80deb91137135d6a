// `ts-tls server` reached by openssl s_client and curl, `ts-tls client` against openssl s_server,
// each driven through stdin/stdout of real processes on 127.0.0.1 with bounded waits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, requirePeer, startPeer, type Peer } from '../support/peers.js';
import { makeTestPki } from '../fixtures/certs.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ts-tls-cli-net-'));
const pki = makeTestPki();
const files = {
  ca: join(dir, 'ca.pem'),
  leafKey: join(dir, 'leaf-key.pem'),
  leafChain: join(dir, 'leaf-chain.pem'),
  clientKey: join(dir, 'client-key.pem'),
  clientCert: join(dir, 'client.pem'),
  selfKey: join(dir, 'self-key.pem'),
  selfCert: join(dir, 'self.pem'),
};
writeFileSync(files.ca, pki.ca.cert);
writeFileSync(files.leafKey, pki.leaf.key);
writeFileSync(files.leafChain, pki.leaf.chain);
writeFileSync(files.clientKey, pki.client.key);
writeFileSync(files.clientCert, pki.client.cert);
writeFileSync(files.selfKey, pki.ecdsa.key);
writeFileSync(files.selfCert, pki.ecdsa.cert);

const peers: Peer[] = [];
after(() => {
  for (const p of peers) p.kill();
  rmSync(dir, { recursive: true, force: true });
});
function peer(cmd: string, args: string[]): Peer {
  const p = startPeer(cmd, args);
  peers.push(p);
  return p;
}

/** Starts `ts-tls server --port 0 ...` and returns it with the port it printed. */
async function ourServer(...args: string[]): Promise<{ server: Peer; port: number }> {
  const server = peer(process.execPath, [BIN, 'server', '--port', '0', ...args]);
  const line = await server.waitFor(/listening on 127\.0\.0\.1:\d+|"event":"listening".*"port":\d+/, 10_000);
  return { server, port: Number(/(?:127\.0\.0\.1:|"port":)(\d+)/.exec(line)![1]) };
}

test('ts-tls server (in-memory certificate) echoes to openssl s_client, and prints the fingerprint s_client sees', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { server, port } = await ourServer();
  const fp = /SHA-256 fingerprint: ([0-9A-F:]{95})/.exec(server.output())![1];
  assert.match(server.output(), new RegExp(`openssl s_client -connect 127\\.0\\.0\\.1:${port} -servername localhost`));
  const client = peer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-ign_eof']);
  await client.waitFor(/welcome!\n/);
  client.write('hello over ts-tls\n');
  await client.waitFor(/welcome!\n[\s\S]*hello over ts-tls\n/); // s_client prints only what the server sent: the echo
  assert.match(client.output(), /New, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384/);
  await server.waitFor(/TLSv1\.3 TLS_AES_256_GCM_SHA384 SNI=localhost ALPN=none client-cert=none/);
  // the certificate s_client received is the one whose fingerprint the server printed
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(client.output())![0];
  const seen = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: pem, encoding: 'utf8' }).stdout;
  assert.equal(/=(.+)/.exec(seen)![1]!.trim(), fp);
  client.kill();
  server.proc.kill('SIGINT');
  assert.equal(await server.exited(5000), 0, 'SIGINT stops the server with exit 0');
});

test('ts-tls server --www answers curl with a page describing the connection', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const { server, port } = await ourServer('--www', '--key', files.leafKey, '--cert', files.leafChain);
  const r = spawnSync('curl', ['-s', '--max-time', '5', '--cacert', files.ca, `https://localhost:${port}/hello`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /<td>GET \/hello HTTP\/1\.1<\/td>/);
  assert.match(r.stdout, /<th align="left">Protocol<\/th><td>TLSv1\.3<\/td>/);
  assert.match(r.stdout, /<th align="left">SNI<\/th><td>localhost<\/td>/);
  await server.waitFor(/SNI=localhost/);
});

test('ts-tls server --key/--cert sends the chain: s_client verifies it against the CA', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { port } = await ourServer('--key', files.leafKey, '--cert', files.leafChain, '--alpn', 'h2,http/1.1');
  const client = peer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', files.ca, '-alpn', 'http/1.1', '-ign_eof']);
  await client.waitFor(/welcome!\n/);
  assert.match(client.output(), /Verify return code: 0 \(ok\)/);
  assert.match(client.output(), /ALPN protocol: http\/1\.1/);
  client.kill();
});

test('ts-tls server --verify accepts a client certificate from its CA and refuses a client without one', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { server, port } = await ourServer('--verify', '--ca', files.ca);
  const good = peer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-cert', files.clientCert, '-key', files.clientKey, '-ign_eof']);
  await good.waitFor(/welcome!\n/);
  await server.waitFor(/client-cert=O=ts-tls tests, CN=ts-tls test client \(verified\)/);
  good.kill();
  const bad = peer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-ign_eof']);
  await bad.waitFor(/alert certificate required|alert handshake failure/);
  await server.waitFor(/handshake failed: .*(certificate|CERTIFICATE)/);
});

/** openssl s_server on a free port with our test leaf; stdin kept open so it keeps running. */
async function opensslServer(...extra: string[]): Promise<{ server: Peer; port: number }> {
  const port = await freePort();
  const server = peer('openssl', ['s_server', '-accept', String(port), '-naccept', '1', '-msg', ...extra]);
  await server.waitFor(/ACCEPT/);
  return { server, port };
}

test('ts-tls client against openssl s_server: prints the handshake and chain, pipes both ways, K sends a KeyUpdate', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { server, port } = await opensslServer('-cert', files.leafChain, '-key', files.leafKey, '-alpn', 'http/1.1');
  const client = peer(process.execPath, [BIN, 'client', `127.0.0.1:${port}`, '--insecure', '--alpn', 'h2,http/1.1']);
  await client.waitFor(/---\n/);
  const out = client.output();
  assert.match(out, /protocol: TLSv1\.3, cipher: TLS_AES_256_GCM_SHA384/);
  assert.match(out, /ALPN: http\/1\.1/);
  assert.match(out, /0 s: O=ts-tls tests, CN=localhost\n\s+i: O=ts-tls tests, CN=ts-tls Test CA/);
  assert.match(out, /SHA-256: [0-9A-F:]{95}/);
  assert.match(out, /verification: FAILED/, 'no CA given: the chain is not trusted, and the reason is shown');
  client.write('from the ts-tls client\n');
  await server.waitFor(/from the ts-tls client/);
  server.write('from openssl s_server\n');
  await client.waitFor(/from openssl s_server/);
  client.write('K\n');
  await client.waitFor(/KeyUpdate sent \(update_requested\)/);
  await server.waitFor(/<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/);
  // the connection still works under the new keys, in both directions
  client.write('after the update\n');
  await server.waitFor(/after the update/);
  server.write('still here\n');
  await client.waitFor(/still here/);
  client.proc.stdin!.end();
  assert.equal(await client.exited(5000), 0);
});

test('ts-tls client refuses an untrusted server (exit 1 with the OpenSSL reason) unless --insecure', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { port } = await opensslServer('-cert', files.selfCert, '-key', files.selfKey);
  const client = peer(process.execPath, [BIN, 'client', `127.0.0.1:${port}`, '--servername', 'localhost']);
  assert.equal(await client.exited(8000), 1);
  assert.match(client.output(), /DEPTH_ZERO_SELF_SIGNED_CERT|self-signed/);
});

test('ts-tls client --ca trusts the test CA: verification OK', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { port } = await opensslServer('-cert', files.leafChain, '-key', files.leafKey);
  const client = peer(process.execPath, [BIN, 'client', `localhost:${port}`, '--ca', files.ca, '--keylog', join(dir, 'keys.log'), '--showcerts']);
  await client.waitFor(/verification: (OK|FAILED.*)\n|error: .*\n/);
  assert.match(client.output(), /SNI: localhost/);
  assert.match(client.output(), /verification: OK/);
  assert.ok(client.output().includes(pki.leaf.cert) && client.output().includes(pki.ca.cert), '--showcerts prints the verified chain as PEM');
  client.proc.stdin!.end();
  assert.equal(await client.exited(5000), 0);
  const keylog = readFileSync(join(dir, 'keys.log'), 'utf8');
  assert.match(keylog, /^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} (?:[0-9a-f]{64}|[0-9a-f]{96})$/m);
});

test('ts-tls client shows a self-signed server certificate once (Node links it to a copy of the trusted one)', async () => {
  const { server, port } = await ourServer('--key', files.selfKey, '--cert', files.selfCert);
  const client = peer(process.execPath, [BIN, 'client', `localhost:${port}`, '--ca', files.selfCert, '--showcerts']);
  await client.waitFor(/verification: (OK|FAILED.*)\n|error: .*\n/);
  assert.match(client.output(), /verification: OK/);
  assert.equal(client.output().match(/^ {2}\d+ s: /gm)?.length, 1, client.output());
  assert.equal(client.output().split('-----BEGIN CERTIFICATE-----').length - 1, 1, client.output());
  client.proc.stdin!.end();
  assert.equal(await client.exited(5000), 0);
  server.kill();
});

test('ts-tls probe reports what openssl s_server was limited to (suites, groups, ALPN); TLS 1.2 untested, not "no"', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const port = await freePort();
  const server = peer('openssl', ['s_server', '-accept', String(port), '-www', '-cert', files.leafChain, '-key', files.leafKey,
    '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-groups', 'P-384', '-alpn', 'http/1.1']);
  await server.waitFor(/ACCEPT/);
  const probe = peer(process.execPath, [BIN, 'probe', `127.0.0.1:${port}`, '--json', '--timeout', '3000']);
  assert.equal(await probe.exited(30_000), 0, probe.output());
  const r = JSON.parse(probe.output());
  const verdicts = (section: string) => Object.fromEntries(r[section].map((x: { what: string; verdict: string }) => [x.what, x.verdict]));
  assert.deepEqual(verdicts('TLS 1.3 suites'), { TLS_AES_128_GCM_SHA256: 'yes', TLS_AES_256_GCM_SHA384: 'no', TLS_CHACHA20_POLY1305_SHA256: 'no' });
  const groups = verdicts('groups');
  assert.equal(groups['P-384'], 'yes');
  assert.equal(groups.X25519, 'no');
  assert.equal(groups['P-256'], 'no');
  assert.deepEqual(verdicts('ALPN'), { h2: 'no', 'http/1.1': 'yes' });
  assert.equal(verdicts('versions')['TLSv1.3'], 'yes');
  assert.ok(['yes', 'untested'].includes(verdicts('versions')['TLSv1.2']), 'openssl does TLS 1.2: never reported as refused');
  assert.equal(r.default.protocol, 'TLSv1.3');
});

test('ts-tls probe of a closed port exits 1 with the reason', async () => {
  const port = await freePort();
  const probe = peer(process.execPath, [BIN, 'probe', `127.0.0.1:${port}`]);
  assert.equal(await probe.exited(10_000), 1);
  assert.match(probe.output(), /ECONNREFUSED/);
});

test('ts-tls server --json and ts-tls client --json print machine-readable handshakes', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const { server, port } = await ourServer('--json', '--key', files.leafKey, '--cert', files.leafChain, '--alpn', 'x-test');
  const listening = JSON.parse(server.output().split('\n')[0]!);
  assert.equal(listening.event, 'listening');
  assert.equal(listening.port, port);
  const client = peer(process.execPath, [BIN, 'client', `127.0.0.1:${port}`, '--json', '--insecure', '--alpn', 'x-test']);
  await client.waitFor(/"event":"handshake".*\n/);
  const hs = JSON.parse(/\{"event":"handshake".*\n/.exec(client.output())![0]);
  assert.equal(hs.protocol, 'TLSv1.3');
  assert.equal(hs.alpn, 'x-test');
  // Unverified (no CA given): like node:tls, only the leaf is linked, not the rest of the sent chain.
  assert.ok(hs.peerChain.length >= 1);
  assert.equal(hs.peerChain[0].issuer, 'O=ts-tls tests, CN=ts-tls Test CA');
  assert.equal(hs.authorized, false);
  await client.waitFor(/welcome!\n/);
  const line = await server.waitFor(/\{"event":"handshake".*\n/);
  const s = JSON.parse(line);
  assert.equal(s.alpn, 'x-test');
  assert.equal(s.cipher, 'TLS_AES_256_GCM_SHA384');
  client.proc.stdin!.end();
  assert.equal(await client.exited(5000), 0);
});

test('--pfx on both sides (made by ts-tls pkcs12) and --groups: s_client verifies, the client certificate is accepted', async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const mk = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'pkcs12', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  mk(['--key', files.leafKey, '--cert', files.leafChain, '--out', join(dir, 'server.p12'), '--passphrase', 'pass:p12-server']);
  mk(['--key', files.clientKey, '--cert', files.clientCert, '--out', join(dir, 'client.p12'), '--passphrase', 'pass:p12-client']);
  const { server, port } = await ourServer('--pfx', join(dir, 'server.p12'), '--passphrase', 'pass:p12-server', '--groups', 'P-384', '--verify', '--ca', files.ca);
  const s = peer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', files.ca, '-cert', files.clientCert, '-key', files.clientKey, '-ign_eof']);
  await s.waitFor(/welcome!\n/);
  assert.match(s.output(), /Server Temp Key: ECDH, secp384r1, 384 bits/);
  assert.match(s.output(), /Verify return code: 0 \(ok\)/);
  s.kill();
  const c = peer(process.execPath, [BIN, 'client', `localhost:${port}`, '--ca', files.ca, '--pfx', join(dir, 'client.p12'), '--passphrase', 'pass:p12-client', '--groups', 'X25519:P-384']);
  await c.waitFor(/welcome!\n/);
  assert.match(c.output(), /key exchange: secp384r1/);
  assert.match(c.output(), /verification: OK/);
  await server.waitFor(/client-cert=O=ts-tls tests, CN=ts-tls test client \(verified\)[\s\S]*client-cert=O=ts-tls tests, CN=ts-tls test client \(verified\)/);
  c.proc.stdin!.end();
  assert.equal(await c.exited(5000), 0);
});

test('IPv6: ts-tls server --host ::1 and ts-tls client [::1]:port verify the ::1 address SAN', async () => {
  const server = peer(process.execPath, [BIN, 'server', '--host', '::1', '--port', '0', '--key', files.leafKey, '--cert', files.leafChain]);
  const line = await server.waitFor(/listening on \[::1\]:\d+/);
  const port = Number(/:(\d+)$/.exec(line)![1]);
  const client = peer(process.execPath, [BIN, 'client', `[::1]:${port}`, '--ca', files.ca]);
  await client.waitFor(/welcome!\n/);
  assert.match(client.output(), /SNI: none/, 'no SNI for an IP literal (RFC 6066 §3)');
  assert.match(client.output(), /verification: OK/);
  client.write('v6\n');
  await client.waitFor(/welcome!\nv6\n/);
  client.proc.stdin!.end();
  assert.equal(await client.exited(5000), 0);
});
