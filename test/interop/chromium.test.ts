/**
 * Chromium (BoringSSL) as a client of our server: headless `chromium --dump-dom` loads a page, and a
 * script on it, from http.createServer fed with TLS server sockets (emit('connection')).
 *
 * Chromium's ClientHello carries what we do not implement — X25519MLKEM768 key shares, GREASE
 * (RFC 8701) cipher suites, groups, versions and extensions, brotli certificate compression and a
 * GREASE ECH extension — so these tests prove the server ignores the unknown and still completes.
 * A recording proxy in front of the server keeps the plaintext hellos, so each test first checks
 * that Chromium really offered all that, then what the server answered on the wire.
 *
 * The certificate is trusted by pinning the leaf's public key (--ignore-certificate-errors-spki-list),
 * not by ignoring every error: without the pin Chromium refuses it (the last test).
 *
 *   node --test build/test/interop/chromium.test.js      (TS_TLS_IMPL=node: node:tls as the server)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { tls, implName } from '../support/impl.js';
import { makeCerts, requirePeer, type KeyKind } from '../support/peers.js';
import { clientShareGroups, EXT, isGrease, parseHello, plaintextHandshakes, startRecordingProxy, u16List, type Hello } from './wire-capture.js';
import { closeServer, listen } from '../node/helpers.js';

const CHROMIUM = 'chromium';
const CHROMIUM_TIMEOUT_MS = 30_000;
const X25519 = 0x001d;
const SECP256R1 = 0x0017;
const X25519MLKEM768 = 0x11ec;
const TLS13 = 0x0304;
const SUITE_CODES: Record<string, number> = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
};

interface Seen {
  protocol: string | null;
  cipher: string | undefined;
  alpn: string | false | null;
  servername: string | false | undefined;
}

interface Site {
  port: number;
  seen: Seen[];
  requests: string[];
  clientErrors: { code?: string; message: string }[];
  close(): Promise<void>;
}

/** TLS server (the implementation under test) handing each secure socket to an http.Server. */
async function startSite(kind: KeyKind, extra: Record<string, unknown>): Promise<Site> {
  const certs = makeCerts(kind);
  const seen: Seen[] = [];
  const requests: string[] = [];
  const clientErrors: Site['clientErrors'] = [];
  const http = createHttpServer((req, res) => {
    requests.push(req.url ?? '');
    const sock = req.socket as TLSSocket;
    if (req.url === '/') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html><head><title>ts-tls</title></head><body>` +
          `<p id="page">page over ${sock.getProtocol()} ${sock.getCipher()?.standardName}</p>` +
          `<p id="script">script not run</p><script src="/app.js"></script></body></html>`,
      );
    } else if (req.url === '/app.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(`document.getElementById('script').textContent = 'script over ' + ${JSON.stringify(sock.getProtocol())};`);
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  const server = tls.createServer({ key: certs.key, cert: certs.cert, ALPNProtocols: ['http/1.1'], ...extra }, (s: TLSSocket) => {
    seen.push({
      protocol: s.getProtocol(),
      cipher: s.getCipher()?.standardName,
      alpn: s.alpnProtocol,
      servername: (s as unknown as { servername?: string | false }).servername,
    });
    http.emit('connection', s);
  });
  server.on('tlsClientError', (e: Error & { code?: string }) => clientErrors.push({ code: e.code, message: e.message }));
  const port = await listen(server);
  return {
    port,
    seen,
    requests,
    clientErrors,
    close: () => {
      http.closeAllConnections();
      return closeServer(server);
    },
  };
}

/** base64(SHA-256(SubjectPublicKeyInfo)), the form --ignore-certificate-errors-spki-list takes. */
function spkiPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Runs headless Chromium with the flags PEERS.md lists and returns the DOM it dumps. It runs in its
 * own process group so a timeout kills Chromium and only the helpers it started.
 */
function dumpDom(url: string, flags: string[]): Promise<{ dom: string; stderr: string; code: number | null }> {
  const profile = mkdtempSync(join(tmpdir(), 'ts-tls-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    // Containers often give /dev/shm 64 MB, too little for Chromium; /tmp works anywhere.
    '--disable-dev-shm-usage',
    // Chromium resolves localhost itself, possibly to ::1 first; the servers listen on 127.0.0.1 only.
    '--host-resolver-rules=MAP localhost 127.0.0.1', ...flags, '--dump-dom', url,
  ];
  return new Promise((resolve, reject) => {
    const proc = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let dom = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (dom += d.toString('utf8')));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const killGroup = () => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    process.once('exit', killGroup);
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`chromium did not finish in ${CHROMIUM_TIMEOUT_MS} ms; stderr:\n${stderr.slice(-2000)}`));
    }, CHROMIUM_TIMEOUT_MS);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      process.removeListener('exit', killGroup);
      rmSync(profile, { recursive: true, force: true });
      resolve({ dom, stderr, code });
    });
  });
}

/** The plaintext hellos of the proxy's first connection: Chromium's, then the server's. */
function hellos(chunksIn: Buffer[], chunksOut: Buffer[]): { client: Hello[]; server: Hello[] } {
  const client = plaintextHandshakes(chunksIn).filter((m) => m[0] === 1).map(parseHello);
  const server = plaintextHandshakes(chunksOut).filter((m) => m[0] === 2).map(parseHello);
  return { client, server };
}

/** Checks that Chromium's first ClientHello offered what this file says the server must ignore. */
function assertChromiumOffers(ch: Hello): void {
  const shares = clientShareGroups(ch.extensions.get(EXT.key_share)!);
  const groups = u16List(ch.extensions.get(EXT.supported_groups)!, 2);
  const versions = u16List(ch.extensions.get(EXT.supported_versions)!, 1);
  assert.ok(shares.includes(X25519MLKEM768), `X25519MLKEM768 share offered (shares: ${shares.map((g) => g.toString(16))})`);
  assert.ok(shares.some(isGrease), 'a GREASE key share');
  assert.ok(groups.some(isGrease) && versions.some(isGrease) && ch.cipherSuites.some(isGrease), 'GREASE groups, versions and suites');
  assert.ok(ch.extensionTypes.filter(isGrease).length >= 1, 'GREASE extensions');
  assert.ok(ch.extensions.has(EXT.compress_certificate), 'compress_certificate (RFC 8879)');
  assert.ok(ch.extensions.has(EXT.encrypted_client_hello), 'a GREASE encrypted_client_hello extension');
}

/** The ServerHello (not a HelloRetryRequest) says TLS 1.3, `suite`, `group`, and nothing Chromium did not ask for. */
function assertServerHello(sh: Hello, suite: string, group: number): void {
  assert.equal(sh.hrr, false);
  assert.equal(sh.extensions.get(EXT.supported_versions)!.readUInt16BE(0), TLS13);
  assert.equal(sh.cipherSuites[0], SUITE_CODES[suite], `wire suite 0x${sh.cipherSuites[0]!.toString(16)} is ${suite}`);
  assert.equal(sh.extensions.get(EXT.key_share)!.readUInt16BE(0), group);
  // RFC 8446, 4.1.3: a ServerHello carries only supported_versions, key_share and pre_shared_key.
  assert.deepEqual([...sh.extensionTypes].sort(), [EXT.supported_versions, EXT.key_share].sort());
}

interface Case {
  name: string;
  kind: KeyKind;
  extra: Record<string, unknown>;
  suite?: string;
  group: number;
  hrr: boolean;
}

const cases: Case[] = [
  { name: 'ECDSA P-256 certificate, default settings', kind: 'ec-p256', extra: {}, group: X25519, hrr: false },
  { name: 'RSA certificate (rsa_pss_rsae)', kind: 'rsa', extra: {}, group: X25519, hrr: false },
  { name: 'server allows only TLS_CHACHA20_POLY1305_SHA256', kind: 'ec-p256', extra: { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }, suite: 'TLS_CHACHA20_POLY1305_SHA256', group: X25519, hrr: false },
  // Chromium sends shares for X25519MLKEM768 and X25519 only: P-256 needs a HelloRetryRequest.
  { name: 'server allows only P-256: HelloRetryRequest', kind: 'ec-p256', extra: { ecdhCurve: 'P-256' }, group: SECP256R1, hrr: true },
];

for (const c of cases) {
  test(`chromium ⇄ ${implName} server: ${c.name}`, { timeout: 60_000 }, async (t) => {
    if (!requirePeer(t, CHROMIUM)) return;
    const site = await startSite(c.kind, c.extra);
    const proxy = await startRecordingProxy(site.port);
    try {
      const pin = spkiPin(makeCerts(c.kind).cert);
      const { dom, stderr } = await dumpDom(`https://localhost:${proxy.port}/`, [`--ignore-certificate-errors-spki-list=${pin}`]);
      assert.ok(site.seen.length >= 1, `no TLS connection completed; server errors: ${JSON.stringify(site.clientErrors)}; chromium stderr tail:\n${stderr.slice(-1500)}`);
      const suite = c.suite ?? site.seen[0]!.cipher!;
      assert.match(dom, new RegExp(`<p id="page">page over TLSv1\\.3 ${suite}</p>`), `page body in:\n${dom}`);
      assert.match(dom, /<p id="script">script over TLSv1\.3<\/p>/, 'the script, a second request, ran');
      assert.ok(site.requests.includes('/') && site.requests.includes('/app.js'), `requests: ${site.requests}`);
      for (const s of site.seen) assert.deepEqual(s, { protocol: 'TLSv1.3', cipher: suite, alpn: 'http/1.1', servername: 'localhost' });
      assert.deepEqual(site.clientErrors, []);

      const { client, server } = hellos(proxy.connections[0]!.clientToServer, proxy.connections[0]!.serverToClient);
      assertChromiumOffers(client[0]!);
      if (c.hrr) {
        // RFC 8446, 4.1.4: one HelloRetryRequest naming the group, then a second ClientHello with that share.
        assert.equal(server.length, 2, 'HelloRetryRequest then ServerHello');
        assert.equal(server[0]!.hrr, true);
        assert.equal(server[0]!.extensions.get(EXT.key_share)!.readUInt16BE(0), c.group);
        assert.equal(client.length, 2);
        assert.deepEqual(clientShareGroups(client[1]!.extensions.get(EXT.key_share)!), [c.group]);
      } else {
        assert.equal(server.length, 1, 'no HelloRetryRequest');
        assert.equal(client.length, 1);
      }
      assertServerHello(server[server.length - 1]!, suite, c.group);
    } finally {
      await proxy.close();
      await site.close();
    }
  });
}

test(`chromium ⇄ ${implName} server: without the key pin Chromium refuses the certificate`, { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, CHROMIUM)) return;
  const site = await startSite('ec-p256', {});
  try {
    const { dom } = await dumpDom(`https://localhost:${site.port}/`, []);
    assert.doesNotMatch(dom, /page over/);
    assert.deepEqual(site.requests, []);
    assert.deepEqual(site.seen, [], 'no handshake completed');
    // BoringSSL answers an untrusted certificate with certificate_unknown (46).
    assert.ok(site.clientErrors.length >= 1, 'the server saw the refusal');
    for (const e of site.clientErrors) assert.match(`${e.code} ${e.message}`, /CERTIFICATE_UNKNOWN|certificate unknown/i);
  } finally {
    await site.close();
  }
});
