// Our server against real clients: `openssl s_client -tls1_3` (every suite, group and certificate
// type, SNI, ALPN, KeyUpdate both ways), `gnutls-cli`, `curl`, and a node:tls client (1 MiB echoed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import { tls, implName } from '../support/impl.js';
import { makeCerts, patternBytes, requirePeer, startPeer, type KeyKind } from '../support/peers.js';
import { closeServer, listen } from '../node/helpers.js';

interface Started {
  server: Server;
  port: number;
  /** Names seen in secureConnection: [servername, alpnProtocol]. */
  seen: { servername: string | false | undefined; alpn: string | false | null }[];
  close(): Promise<void>;
}

async function startEcho(kind: KeyKind = 'ec-p256', extra: Record<string, unknown> = {}, http = false): Promise<Started> {
  const certs = makeCerts(kind);
  const seen: Started['seen'] = [];
  const server = tls.createServer({ key: certs.key, cert: certs.cert, ...extra }, (s: TLSSocket) => {
    seen.push({ servername: (s as unknown as { servername?: string | false }).servername, alpn: s.alpnProtocol });
    s.on('error', () => {});
    if (http) {
      s.once('data', () => {
        const body = `${s.getProtocol()}\n`;
        s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      });
    } else {
      s.pipe(s);
    }
  });
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  return {
    server,
    port,
    seen,
    close: () => closeServer(server),
  };
}

/** Runs s_client, types `input` lines, and waits until the server's echo of `marker` arrives. */
async function sClient(port: number, args: string[], input: string[], marker: string): Promise<string> {
  const certs = makeCerts('ec-p256');
  const c = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', certs.caFile, '-verify_return_error', ...args]);
  try {
    await c.waitFor(/Verify return code: 0 \(ok\)|New, TLSv1\.3/, 10_000);
    for (const line of input) {
      c.write(line);
      await new Promise((r) => setTimeout(r, 100));
    }
    await c.waitFor(new RegExp(`Verify return code: 0 \\(ok\\)[^]*${marker}`), 10_000);
    return c.output();
  } finally {
    c.proc.stdin!.end();
    await c.exited(3000);
  }
}

const suiteCases = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
for (const suite of suiteCases) {
  test(`openssl s_client ⇄ ${implName} server: ${suite}`, { timeout: 20_000 }, async (t) => {
    if (!requirePeer(t, 'openssl')) return;
    const s = await startEcho();
    try {
      const out = await sClient(s.port, ['-servername', 'localhost', '-ciphersuites', suite], ['ping-1\n'], 'ping-1');
      assert.match(out, new RegExp(`New, TLSv1\\.3, Cipher is ${suite}`));
    } finally {
      await s.close();
    }
  });
}

for (const [group, name] of [['X25519', 'X25519'], ['P-256', 'prime256v1'], ['P-384', 'secp384r1'], ['P-521', 'secp521r1'], ['X448', 'X448']] as const) {
  test(`openssl s_client ⇄ ${implName} server: group ${group}`, { timeout: 20_000 }, async (t) => {
    if (!requirePeer(t, 'openssl')) return;
    const s = await startEcho('ec-p256', { ecdhCurve: 'X25519:P-256:P-384:P-521:X448' });
    try {
      const out = await sClient(s.port, ['-servername', 'localhost', '-groups', group], ['gg-ping\n'], 'gg-ping');
      assert.match(out, new RegExp(`Server Temp Key: (ECDH, )?${name}`));
    } finally {
      await s.close();
    }
  });
}

test(`openssl s_client ⇄ ${implName} server: HelloRetryRequest when the client's first share is unacceptable`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const s = await startEcho('ec-p256', { ecdhCurve: 'P-384' });
  try {
    // The client offers X25519 and P-384 but sends only an X25519 share: the server must ask for P-384.
    const out = await sClient(s.port, ['-servername', 'localhost', '-groups', 'X25519:P-384', '-msg'], ['hrr-ping\n'], 'hrr-ping');
    assert.match(out, /HelloRetryRequest|ServerHello[^]*ClientHello/);
    assert.match(out, /Server Temp Key: ECDH, secp384r1|secp384r1/);
  } finally {
    await s.close();
  }
});

for (const kind of ['rsa', 'ec-p384', 'ed25519'] as const) {
  test(`openssl s_client ⇄ ${implName} server: ${kind} certificate`, { timeout: 20_000 }, async (t) => {
    if (!requirePeer(t, 'openssl')) return;
    const certs = makeCerts(kind);
    const s = await startEcho(kind);
    try {
      const c = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-tls1_3', '-CAfile', certs.caFile, '-verify_return_error', '-servername', 'localhost']);
      await c.waitFor(/Verify return code: 0 \(ok\)/);
      c.write('cert-ping\n');
      await c.waitFor(/Verify return code: 0 \(ok\)[^]*cert-ping/);
      c.proc.stdin!.end();
      await c.exited(3000);
    } finally {
      await s.close();
    }
  });
}

test(`openssl s_client ⇄ ${implName} server: SNI and ALPN`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const s = await startEcho('ec-p256', { ALPNProtocols: ['h2', 'http/1.1'] });
  try {
    const out = await sClient(s.port, ['-servername', 'localhost', '-alpn', 'http/1.1'], ['alpn-ping\n'], 'alpn-ping');
    assert.match(out, /ALPN protocol: http\/1\.1/);
    assert.deepEqual(s.seen[0], { servername: 'localhost', alpn: 'http/1.1' });
  } finally {
    await s.close();
  }
});

test(`openssl s_client ⇄ ${implName} server: KeyUpdate both ways (k and K)`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'openssl')) return;
  const s = await startEcho();
  try {
    const out = await sClient(s.port, ['-servername', 'localhost', '-msg'], ['before\n', 'k\n', 'K\n', 'after\n'], 'after');
    assert.match(out, /KEYUPDATE/);
    // 'K' asks the server to update its keys too: its KeyUpdate shows up as a received message.
    assert.match(out, /<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/);
  } finally {
    await s.close();
  }
});

test(`gnutls-cli ⇄ ${implName} server`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'gnutls-cli')) return;
  const certs = makeCerts('ec-p256');
  const s = await startEcho();
  try {
    const c = startPeer('gnutls-cli', ['-p', String(s.port), '--x509cafile', certs.caFile, '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', '127.0.0.1']);
    await c.waitFor(/Handshake was completed/);
    c.write('gnutls-ping\n');
    await c.waitFor(/Simple Client Mode[^]*gnutls-ping/);
    assert.match(c.output(), /TLS1\.3/);
    c.proc.stdin!.end();
    await c.exited(3000);
  } finally {
    await s.close();
  }
});

test(`curl ⇄ ${implName} server (HTTP over TLS 1.3)`, { timeout: 20_000 }, async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const certs = makeCerts('ec-p256');
  const s = await startEcho('ec-p256', {}, true);
  try {
    const c = startPeer('curl', ['-sS', '--tlsv1.3', '--cacert', certs.caFile, '--resolve', `localhost:${s.port}:127.0.0.1`, `https://localhost:${s.port}/`]);
    const code = await c.exited(10_000);
    assert.equal(code, 0, c.output());
    assert.equal(c.output().trim(), 'TLSv1.3');
  } finally {
    await s.close();
  }
});

/** Connects with `connect`, sends 1 MiB, and checks the echo byte for byte. */
async function echoMebibyte(connect: typeof nodeTls.connect, port: number, ca: string, seed: number): Promise<void> {
  const payload = patternBytes(1 << 20, seed);
  const sock = connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
  await new Promise<void>((r, j) => {
    sock.once('secureConnect', r);
    sock.once('error', j);
  });
  assert.equal(sock.authorized, true);
  assert.equal(sock.getProtocol(), 'TLSv1.3');
  const chunks: Buffer[] = [];
  let n = 0;
  const done = new Promise<void>((r, j) => {
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= payload.length) r();
    });
    sock.once('error', j);
  });
  sock.write(payload);
  await done;
  assert.ok(Buffer.concat(chunks).equals(payload), 'echoed bytes differ');
  sock.end();
}

test(`node:tls client ⇄ ${implName} server: 1 MiB echoed and compared`, { timeout: 30_000 }, async () => {
  const s = await startEcho();
  try {
    await echoMebibyte(nodeTls.connect, s.port, makeCerts('ec-p256').caCert, 7);
  } finally {
    await s.close();
  }
});

test(`${implName} client ⇄ node:tls server: 1 MiB echoed and compared`, { timeout: 30_000 }, async () => {
  const certs = makeCerts('ec-p256');
  const server = nodeTls.createServer({ key: certs.key, cert: certs.cert }, (s) => s.pipe(s));
  const port = await listen(server);
  try {
    await echoMebibyte(tls.connect, port, certs.caCert, 11);
  } finally {
    await closeServer(server);
  }
});
