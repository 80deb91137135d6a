// Client certificates across implementations: our server (requestCert) against `openssl s_client
// -cert/-key` and a node:tls client; our client (cert/key, and pfx) against `openssl s_server
// -Verify 1` and a node:tls server with requestCert. Each case also runs with TS_TLS_IMPL=node,
// where `tls` is node:tls itself, so the expectations are Node's own behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import { tls, implName } from '../support/impl.js';
import { freePort, makeCerts, requirePeer, startPeer } from '../support/peers.js';
import { closeServer, listen, waitFor } from '../node/helpers.js';

interface ClientPki {
  caCert: string;
  caFile: string;
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** The client credential as PKCS#12 (`openssl pkcs12 -export`), protected by PFX_PASSPHRASE. */
  pfx: Buffer;
  /** A client certificate from a CA the servers do not trust. */
  rogueCert: string;
  rogueKey: string;
  rogueCertFile: string;
  rogueKeyFile: string;
}

const PFX_PASSPHRASE = 'client-pass';
const CLIENT_CN = 'ts-tls client alice';
const ROGUE_CN = 'ts-tls client mallory';

let cached: ClientPki | undefined;

/** A client CA with one client leaf (clientAuth), and a second, untrusted CA with its own leaf. */
function clientPki(): ClientPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'ts-tls-client-auth-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  for (const [prefix, caCn, cn] of [['client', 'ts-tls client CA', CLIENT_CN], ['rogue', 'ts-tls rogue CA', ROGUE_CN]] as const) {
    run(['req', '-x509', ...ec, '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.crt`, '-days', '2', '-subj', `/CN=${caCn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    run(['req', '-new', ...ec, '-keyout', `${prefix}.key`, '-out', `${prefix}.csr`, '-subj', `/CN=${cn}/O=ts-tls tests`]);
    run(['x509', '-req', '-in', `${prefix}.csr`, '-CA', `${prefix}-ca.crt`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial',
      '-out', `${prefix}.crt`, '-days', '2', '-extfile', 'ext.cnf']);
  }
  run(['pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-certfile', 'client-ca.crt', '-out', 'client.p12',
    '-passout', `pass:${PFX_PASSPHRASE}`]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  cached = {
    caCert: read('client-ca.crt'),
    caFile: join(dir, 'client-ca.crt'),
    cert: read('client.crt'),
    key: read('client.key'),
    certFile: join(dir, 'client.crt'),
    keyFile: join(dir, 'client.key'),
    pfx: readFileSync(join(dir, 'client.p12')),
    rogueCert: read('rogue.crt'),
    rogueKey: read('rogue.key'),
    rogueCertFile: join(dir, 'rogue.crt'),
    rogueKeyFile: join(dir, 'rogue.key'),
  };
  return cached;
}

interface Outcome {
  socket: TLSSocket;
  authorized: boolean;
  authorizationError: unknown;
  subject: Record<string, unknown> | undefined;
}

interface AuthServer {
  server: Server;
  port: number;
  secure: Outcome[];
  clientErrors: (Error & { code?: string })[];
  close(): Promise<void>;
}

/** A server under test asking for client certificates; it echoes each line and records what it saw. */
async function startAuthServer(impl: typeof nodeTls, rejectUnauthorized: boolean): Promise<AuthServer> {
  const certs = makeCerts('ec-p256');
  const pki = clientPki();
  const secure: Outcome[] = [];
  const clientErrors: (Error & { code?: string })[] = [];
  const server = impl.createServer({ key: certs.key, cert: certs.cert, ca: pki.caCert, requestCert: true, rejectUnauthorized }, (s) => {
    const peer = s.getPeerCertificate();
    secure.push({
      socket: s,
      authorized: s.authorized,
      authorizationError: s.authorizationError,
      subject: peer && Object.keys(peer).length ? (peer.subject as unknown as Record<string, unknown>) : undefined,
    });
    s.on('error', () => {});
    s.pipe(s);
  });
  server.on('tlsClientError', (err: Error & { code?: string }) => clientErrors.push(err));
  const port = await listen(server);
  return {
    server,
    port,
    secure,
    clientErrors,
    close: () => closeServer(server),
  };
}

function sClientArgs(port: number, extra: string[]): string[] {
  return ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-servername', 'localhost', '-CAfile', makeCerts('ec-p256').caFile,
    '-verify_return_error', ...extra];
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  if (!(await waitFor(cond, ms, 20))) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

// ---- our server, openssl s_client ----------------------------------------------------------------

test(`openssl s_client -cert ⇄ ${implName} server (requestCert, rejectUnauthorized): authorized, subject seen`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const pki = clientPki();
  const s = await startAuthServer(tls, true);
  const c = startPeer('openssl', sClientArgs(s.port, ['-cert', pki.certFile, '-key', pki.keyFile]));
  try {
    await c.waitFor(/Verify return code: 0 \(ok\)/);
    c.write('auth-ping\n');
    await c.waitFor(/Verify return code: 0 \(ok\)[^]*auth-ping/);
    assert.equal(s.secure.length, 1);
    assert.equal(s.secure[0]!.authorized, true);
    assert.equal(s.secure[0]!.authorizationError, null);
    assert.equal(s.secure[0]!.subject?.CN, CLIENT_CN);
    assert.equal(s.secure[0]!.subject?.O, 'ts-tls tests');
    assert.deepEqual(s.clientErrors, []);
  } finally {
    c.kill();
    await s.close();
  }
});

test(`openssl s_client without a certificate ⇄ ${implName} server: certificate_required alert, tlsClientError with a code`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const s = await startAuthServer(tls, true);
  const c = startPeer('openssl', sClientArgs(s.port, []));
  try {
    // TLS 1.3: the client's handshake ends before the server judges it; the alert comes next.
    await c.waitFor(/Verify return code: 0 \(ok\)/);
    c.write('no-cert-ping\n');
    await c.waitFor(/alert certificate required[^]*SSL alert number 116/);
    await until(() => s.clientErrors.length > 0, 5000, 'tlsClientError');
    assert.equal(s.secure.length, 0, 'no secureConnection without a client certificate');
    assert.equal(s.clientErrors.length, 1);
    assert.equal(s.clientErrors[0]!.code, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
    assert.doesNotMatch(c.output(), /no-cert-ping\s*\n[^]*no-cert-ping/, 'nothing echoed');
  } finally {
    c.kill();
    await s.close();
  }
});

test(`openssl s_client with an untrusted certificate ⇄ ${implName} server: refused`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const pki = clientPki();
  const s = await startAuthServer(tls, true);
  const c = startPeer('openssl', sClientArgs(s.port, ['-cert', pki.rogueCertFile, '-key', pki.rogueKeyFile]));
  try {
    await c.waitFor(/Verify return code: 0 \(ok\)/);
    c.write('rogue-ping\n');
    // The server ends the conversation (Node: a plain close; ts-tls may also send an alert first).
    const code = await c.exited(5000);
    assert.notEqual(code, null, 's_client ended by the server, not by our kill');
    assert.equal(s.secure.length, 0, 'no secureConnection for an untrusted client');
    assert.doesNotMatch(c.output(), /rogue-ping\s*\n[^]*rogue-ping/, 'nothing echoed');
    if (s.clientErrors.length) assert.match(String(s.clientErrors[0]!.code), /^(ERR_SSL_|ECONNRESET|UNABLE_TO_|CERT_)/);
  } finally {
    c.kill();
    await s.close();
  }
});

// ---- our server, node:tls client ------------------------------------------------------------------

/** A node:tls client presenting `opts`; resolves once it has an answer for "ping" or an error/close. */
async function nodeClientRound(port: number, opts: nodeTls.ConnectionOptions): Promise<{ echoed: boolean; error?: Error & { code?: string } }> {
  const certs = makeCerts('ec-p256');
  return new Promise((resolve) => {
    const sock = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert, ...opts });
    let echoed = false;
    const timer = setTimeout(() => done(), 5000);
    const done = (error?: Error & { code?: string }) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ echoed, error });
    };
    sock.once('secureConnect', () => sock.write('ping\n'));
    sock.on('data', (d: Buffer) => {
      if (d.toString().includes('ping')) {
        echoed = true;
        sock.end();
      }
    });
    sock.once('error', done);
    sock.once('close', () => done());
  });
}

test(`node:tls client with cert/key ⇄ ${implName} server: authorized`, { timeout: 20_000 }, async () => {
  const pki = clientPki();
  const s = await startAuthServer(tls, true);
  try {
    const r = await nodeClientRound(s.port, { cert: pki.cert, key: pki.key });
    assert.equal(r.error, undefined);
    assert.equal(r.echoed, true);
    assert.equal(s.secure[0]?.authorized, true);
    assert.equal(s.secure[0]?.subject?.CN, CLIENT_CN);
  } finally {
    await s.close();
  }
});

test(`node:tls client without a certificate ⇄ ${implName} server: the client gets the alert, the server a tlsClientError`, { timeout: 20_000 }, async () => {
  const s = await startAuthServer(tls, true);
  try {
    const r = await nodeClientRound(s.port, {});
    assert.equal(r.echoed, false);
    assert.equal(r.error?.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    await until(() => s.clientErrors.length > 0, 5000, 'tlsClientError');
    assert.equal(s.clientErrors[0]!.code, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
    assert.equal(s.secure.length, 0);
  } finally {
    await s.close();
  }
});

test(`node:tls client ⇄ ${implName} server with rejectUnauthorized: false: authorized false with authorizationError`, { timeout: 20_000 }, async () => {
  const pki = clientPki();
  const s = await startAuthServer(tls, false);
  try {
    const rogue = await nodeClientRound(s.port, { cert: pki.rogueCert, key: pki.rogueKey });
    assert.equal(rogue.echoed, true, 'an unauthorized client still talks when the server does not reject');
    const none = await nodeClientRound(s.port, {});
    assert.equal(none.echoed, true);
    const good = await nodeClientRound(s.port, { cert: pki.cert, key: pki.key });
    assert.equal(good.echoed, true);
    assert.equal(s.secure.length, 3);
    const [r, n, g] = s.secure as [Outcome, Outcome, Outcome];
    assert.equal(r.authorized, false);
    // A lone leaf whose issuer is unknown: OpenSSL's code for it (X509_V_ERR 21).
    assert.equal(r.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(r.subject?.CN, ROGUE_CN);
    assert.equal(n.authorized, false);
    assert.equal(n.authorizationError, 'UNABLE_TO_GET_ISSUER_CERT');
    assert.equal(n.subject, undefined);
    assert.equal(g.authorized, true);
    assert.equal(g.authorizationError, null);
  } finally {
    await s.close();
  }
});

// ---- our client ----------------------------------------------------------------------------------

/** Our client against a server that verifies client certificates; returns after one echoed line. */
async function ourClientRound(port: number, opts: Record<string, unknown>, reply: (line: string) => string): Promise<TLSSocket> {
  const certs = makeCerts('ec-p256');
  const sock: TLSSocket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert, ...opts });
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', resolve);
    sock.once('error', reject);
  });
  assert.equal(sock.authorized, true, String(sock.authorizationError));
  let got = '';
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\n')) resolve();
    });
    sock.once('error', reject);
    setTimeout(() => reject(new Error(`no answer; got ${JSON.stringify(got)}`)), 5000).unref();
    sock.write('client-auth line\n');
  });
  assert.equal(got.trim(), reply('client-auth line'));
  return sock;
}

async function sServerVerify(t: { skip(m: string): void }, clientOpts: () => Record<string, unknown>): Promise<void> {
  const certs = makeCerts('ec-p256');
  const pki = clientPki();
  const port = await freePort();
  const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', '-key', certs.keyFile, '-cert', certs.certFile,
    '-Verify', '1', '-CAfile', pki.caFile, '-verify_return_error', '-naccept', '1', '-rev']);
  try {
    await server.waitFor(/ACCEPT/);
    let opts: Record<string, unknown>;
    try {
      opts = clientOpts();
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_TLS_PFX_UNSUPPORTED') return t.skip('pfx is not supported by this adapter yet');
      throw err;
    }
    const sock = await ourClientRound(port, opts, (l) => [...l].reverse().join(''));
    // s_server prints the verified chain and the client's subject.
    await server.waitFor(new RegExp(`Peer certificate: CN = ${CLIENT_CN}, O = ts-tls tests[^]*Verification: OK`));
    assert.match(server.output(), /depth=0 CN = ts-tls client alice[^]*verify return:1/);
    sock.destroy();
  } finally {
    server.kill();
  }
}

test(`${implName} client with cert/key ⇄ openssl s_server -Verify 1: s_server verified the client certificate`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const pki = clientPki();
  await sServerVerify(t, () => ({ cert: pki.cert, key: pki.key }));
});

test(`${implName} client with pfx/passphrase ⇄ openssl s_server -Verify 1`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const pki = clientPki();
  // createSecureContext validates pfx eagerly: an adapter without PKCS#12 support says so here.
  await sServerVerify(t, () => {
    tls.createSecureContext({ pfx: pki.pfx, passphrase: PFX_PASSPHRASE });
    return { pfx: pki.pfx, passphrase: PFX_PASSPHRASE };
  });
});

test(`${implName} client without a certificate ⇄ openssl s_server -Verify 1: an error with the alert's code`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const certs = makeCerts('ec-p256');
  const pki = clientPki();
  const port = await freePort();
  const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', '-key', certs.keyFile, '-cert', certs.certFile,
    '-Verify', '1', '-CAfile', pki.caFile, '-verify_return_error', '-naccept', '1', '-rev']);
  try {
    await server.waitFor(/ACCEPT/);
    const sock: TLSSocket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert });
    const err = await new Promise<Error & { code?: string }>((resolve, reject) => {
      sock.once('error', resolve);
      sock.once('secureConnect', () => sock.write('x\n'));
      sock.on('data', () => reject(new Error('s_server answered a client without a certificate')));
      setTimeout(() => reject(new Error('no error')), 5000).unref();
    });
    assert.equal(err.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    await server.waitFor(/peer did not return a certificate/);
  } finally {
    server.kill();
  }
});

async function nodeVerifyingServer(): Promise<{ port: number; seen: Outcome[]; close(): Promise<void> }> {
  const certs = makeCerts('ec-p256');
  const pki = clientPki();
  const seen: Outcome[] = [];
  const server = nodeTls.createServer({ key: certs.key, cert: certs.cert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true }, (s) => {
    seen.push({ socket: s, authorized: s.authorized, authorizationError: s.authorizationError, subject: s.getPeerCertificate().subject as never });
    s.on('error', () => {});
    s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase()));
  });
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  return {
    port,
    seen,
    close: () => closeServer(server),
  };
}

test(`${implName} client with cert/key ⇄ node:tls server with requestCert: authorized on the server`, { timeout: 20_000 }, async () => {
  const pki = clientPki();
  const s = await nodeVerifyingServer();
  try {
    const sock = await ourClientRound(s.port, { cert: pki.cert, key: pki.key }, (l) => l.toUpperCase());
    assert.equal(s.seen.length, 1);
    assert.equal(s.seen[0]!.authorized, true);
    assert.equal(s.seen[0]!.subject?.CN, CLIENT_CN);
    sock.destroy();
  } finally {
    await s.close();
  }
});

test(`${implName} client with pfx/passphrase ⇄ node:tls server with requestCert`, { timeout: 20_000 }, async (t) => {
  const pki = clientPki();
  try {
    tls.createSecureContext({ pfx: pki.pfx, passphrase: PFX_PASSPHRASE });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_TLS_PFX_UNSUPPORTED') return t.skip('pfx is not supported by this adapter yet');
    throw err;
  }
  const s = await nodeVerifyingServer();
  try {
    const sock = await ourClientRound(s.port, { pfx: pki.pfx, passphrase: PFX_PASSPHRASE }, (l) => l.toUpperCase());
    assert.equal(s.seen[0]?.authorized, true);
    assert.equal(s.seen[0]?.subject?.CN, CLIENT_CN);
    sock.destroy();
  } finally {
    await s.close();
  }
});

test(`${implName} client with an untrusted certificate ⇄ node:tls server: refused`, { timeout: 20_000 }, async () => {
  const pki = clientPki();
  const s = await nodeVerifyingServer();
  const certs = makeCerts('ec-p256');
  try {
    const sock: TLSSocket = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: certs.caCert, cert: pki.rogueCert, key: pki.rogueKey });
    const outcome = await new Promise<string>((resolve) => {
      sock.once('secureConnect', () => sock.write('x\n'));
      sock.on('data', () => resolve('data'));
      sock.once('error', (e: Error & { code?: string }) => resolve(`error ${e.code}`));
      sock.once('close', () => resolve('close'));
      setTimeout(() => resolve('timeout'), 5000).unref();
    });
    assert.match(outcome, /^(close|error (ECONNRESET|ERR_SSL_\w+))$/);
    assert.equal(s.seen.length, 0);
    sock.destroy();
  } finally {
    await s.close();
  }
});

