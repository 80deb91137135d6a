/**
 * http.createServer() serving requests over ts-tls server sockets (each secure socket is handed
 * to the HTTP server with emit('connection')), reached by curl and by Node's own https client.
 *
 *   node --test build/test/ecosystem/http-server.test.js
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { patternBytes, requirePeer } from '../support/peers.js';
import { body, caFile, pki, startTlsHttpApp, type TlsHttpApp } from './support.js';

const MiB = 1 << 20;

function curl(args: string[], ms = 15_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', String(ms / 1000), ...args], { timeout: ms + 2000, maxBuffer: 64 * MiB }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

function get(opts: https.RequestOptions): Promise<{ res: IncomingMessage; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.get(opts, (res) => body(res).then((data) => resolve({ res, data }), reject));
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

describe('http.createServer over ts-tls server sockets', () => {
  let app: TlsHttpApp;
  before(async () => {
    app = await startTlsHttpApp();
  });
  after(async () => {
    await app.stop();
  });

  describe('reached by curl', () => {
    const base = () => [`--cacert`, caFile(), '--resolve', `localhost:${app.port}:127.0.0.1`];
    const url = (path: string) => `https://localhost:${app.port}${path}`;

    it('GET: curl verifies our certificate and gets the JSON over TLS 1.3 with ALPN http/1.1', async (t) => {
      if (!requirePeer(t, 'curl')) return;
      const { stdout } = await curl([...base(), url('/hello?x=1')]);
      const j = JSON.parse(stdout);
      assert.deepEqual(
        { method: j.method, url: j.url, protocol: j.protocol, alpn: j.alpn, encrypted: j.encrypted, tsTls: j.tsTls },
        { method: 'GET', url: '/hello?x=1', protocol: 'TLSv1.3', alpn: 'http/1.1', encrypted: true, tsTls: true },
      );
    });

    it('curl --http2 falls back to http/1.1 through ALPN', async (t) => {
      if (!requirePeer(t, 'curl')) return;
      const { stdout } = await curl([...base(), '--http2', '-w', '\\n%{http_version}', url('/h2')]);
      const [json, version] = stdout.split('\n');
      assert.equal(JSON.parse(json!).alpn, 'http/1.1');
      assert.equal(version, '1.1');
    });

    it('POST of 4 MiB: the body arrives intact (sha256)', async (t) => {
      if (!requirePeer(t, 'curl')) return;
      const payload = patternBytes(4 * MiB, 7);
      const file = join(dirname(caFile()), 'upload.bin');
      writeFileSync(file, payload);
      const { stdout } = await curl([...base(), '--data-binary', `@${file}`, '-H', 'content-type: application/octet-stream', url('/upload')]);
      const j = JSON.parse(stdout);
      assert.equal(j.method, 'POST');
      assert.equal(j.length, payload.length);
      assert.equal(j.sha256, createHash('sha256').update(payload).digest('hex'));
    });

    it('three URLs in one curl run reuse one TLS connection (keep-alive)', async (t) => {
      if (!requirePeer(t, 'curl')) return;
      const before = app.connections();
      const { stdout } = await curl([...base(), '-w', '\\n', url('/a'), url('/b'), url('/c')]);
      const urls = stdout.trim().split('\n').map((l) => JSON.parse(l).url);
      assert.deepEqual(urls, ['/a', '/b', '/c']);
      assert.equal(app.connections() - before, 1);
    });

    it('curl without the CA refuses our certificate (exit 60)', async (t) => {
      if (!requirePeer(t, 'curl')) return;
      await assert.rejects(curl(['--resolve', `localhost:${app.port}:127.0.0.1`, url('/')]), (e: { code?: number }) => e.code === 60);
    });
  });

  describe("reached by Node's https client", () => {
    it('https.get: verified, JSON answered, TLS 1.3 on both ends', async () => {
      const { res, data } = await get({ host: '127.0.0.1', port: app.port, servername: 'localhost', ca: pki.ca.cert, path: '/node', agent: false });
      assert.equal(res.statusCode, 200);
      const j = JSON.parse(data.toString());
      assert.equal(j.url, '/node');
      assert.equal(j.tsTls, true);
      assert.equal(j.protocol, 'TLSv1.3');
      assert.equal((res.socket as import('node:tls').TLSSocket).authorized, true);
    });

    it('a keep-alive https.Agent sends two requests over one ts-tls server connection', async () => {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const before = app.connections();
        const opts = { host: '127.0.0.1', port: app.port, servername: 'localhost', ca: pki.ca.cert, agent };
        const first = await get({ ...opts, path: '/one' });
        const second = await get({ ...opts, path: '/two' });
        assert.equal(JSON.parse(first.data.toString()).url, '/one');
        assert.equal(JSON.parse(second.data.toString()).url, '/two');
        assert.equal(first.res.socket, second.res.socket);
        assert.equal(app.connections() - before, 1);
      } finally {
        agent.destroy();
      }
    });

    it('a large streamed response (16 MiB) arrives intact', async () => {
      const payload = patternBytes(16 * MiB, 3);
      const big = await startTlsHttpApp(undefined, {}, (_req, res) => {
        res.setHeader('content-length', payload.length);
        res.end(payload);
      });
      try {
        const { data } = await get({ host: '127.0.0.1', port: big.port, servername: 'localhost', ca: pki.ca.cert, path: '/', agent: false });
        assert.equal(data.length, payload.length);
        assert.ok(data.equals(payload));
      } finally {
        await big.stop();
      }
    });
  });
});
