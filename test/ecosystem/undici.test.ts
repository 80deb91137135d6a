/**
 * undici (v6) with an Agent whose `connect` function returns a ts-tls socket: request(), fetch()
 * and pipelined keep-alive traffic against node:https and against http-over-ts-tls servers.
 *
 *   node --test build/test/ecosystem/undici.test.js
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import https from 'node:https';
import type * as nodeTls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch, request, type buildConnector } from 'undici';
import { patternBytes } from '../support/peers.js';
import { body, close, listen, ours, pki, startTlsHttpApp, type TlsHttpApp } from './support.js';

const MiB = 1 << 20;

/** An undici connector over ts-tls: verifies against the test CA, reports failures to undici. */
function tsTlsConnector(made: nodeTls.TLSSocket[], extra: nodeTls.ConnectionOptions = {}): buildConnector.connector {
  return (opts, cb) => {
    const socket = ours.connect({
      host: opts.hostname === 'localhost' ? '127.0.0.1' : opts.hostname,
      port: Number(opts.port),
      servername: opts.servername || opts.hostname,
      ca: pki.ca.cert,
      ALPNProtocols: ['http/1.1'],
      ...extra,
    });
    made.push(socket);
    let settled = false;
    socket.once('secureConnect', () => {
      settled = true;
      cb(null, socket);
    });
    socket.once('error', (err) => {
      if (!settled) {
        settled = true;
        cb(err, null);
      }
    });
  };
}

describe('undici Agent with a ts-tls connect function', () => {
  let server: https.Server;
  let port: number;
  let connections = 0;
  before(async () => {
    server = https.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, async (req, res) => {
      const data = await body(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, method: req.method, length: data.length, sha256: createHash('sha256').update(data).digest('hex') }));
    });
    server.on('secureConnection', () => connections++);
    port = await listen(server);
  });
  after(async () => {
    await close(server);
  });

  it('request(): GET over a ts-tls socket, two sequential requests share it', async () => {
    const made: nodeTls.TLSSocket[] = [];
    const dispatcher = new Agent({ connect: tsTlsConnector(made), connections: 1 });
    try {
      const before = connections;
      for (const path of ['/a', '/b']) {
        const res = await request(`https://localhost:${port}${path}`, { dispatcher });
        assert.equal(res.statusCode, 200);
        assert.equal(((await res.body.json()) as { url: string }).url, path);
      }
      assert.equal(made.length, 1);
      assert.ok(made[0] instanceof ours.TLSSocket);
      assert.equal(made[0]!.getProtocol(), 'TLSv1.3');
      assert.equal(connections - before, 1);
    } finally {
      await dispatcher.close();
    }
  });

  it('fetch(): an 8 MiB POST and its JSON answer', async () => {
    const made: nodeTls.TLSSocket[] = [];
    const dispatcher = new Agent({ connect: tsTlsConnector(made) });
    try {
      const payload = patternBytes(8 * MiB, 5);
      const res = await fetch(`https://localhost:${port}/upload`, { method: 'POST', body: payload, dispatcher });
      const j = (await res.json()) as { length: number; sha256: string; method: string };
      assert.equal(j.method, 'POST');
      assert.equal(j.length, payload.length);
      assert.equal(j.sha256, createHash('sha256').update(payload).digest('hex'));
      assert.equal(made.length, 1);
    } finally {
      await dispatcher.close();
    }
  });

  it('pipelining 10 requests over one ts-tls socket', async () => {
    const made: nodeTls.TLSSocket[] = [];
    const dispatcher = new Agent({ connect: tsTlsConnector(made), connections: 1, pipelining: 10 });
    try {
      const urls = Array.from({ length: 10 }, (_, i) => `/p${i}`);
      const got = await Promise.all(
        urls.map(async (u) => ((await (await request(`https://localhost:${port}${u}`, { dispatcher })).body.json()) as { url: string }).url),
      );
      assert.deepEqual(got, urls);
      assert.equal(made.length, 1);
    } finally {
      await dispatcher.close();
    }
  });

  it('an untrusted server: the request rejects with the verify code from the ts-tls socket', async () => {
    const made: nodeTls.TLSSocket[] = [];
    const dispatcher = new Agent({ connect: tsTlsConnector(made, { ca: pki.otherCa.cert }) });
    try {
      await assert.rejects(request(`https://localhost:${port}/`, { dispatcher }), (e: { code?: string }) => e.code === 'SELF_SIGNED_CERT_IN_CHAIN');
    } finally {
      await dispatcher.close();
    }
  });

  describe('against http.createServer over ts-tls server sockets (ts-tls at both ends)', () => {
    let app: TlsHttpApp;
    before(async () => {
      app = await startTlsHttpApp();
    });
    after(async () => {
      await app.stop();
    });

    it('GET and a 2 MiB POST on one connection', async () => {
      const made: nodeTls.TLSSocket[] = [];
      const dispatcher = new Agent({ connect: tsTlsConnector(made), connections: 1 });
      try {
        const get = (await (await request(`https://localhost:${app.port}/x`, { dispatcher })).body.json()) as { tsTls: boolean; alpn: string };
        assert.equal(get.tsTls, true);
        assert.equal(get.alpn, 'http/1.1');
        const payload = patternBytes(2 * MiB, 9);
        const post = (await (await request(`https://localhost:${app.port}/y`, { method: 'POST', body: payload, dispatcher })).body.json()) as { sha256: string };
        assert.equal(post.sha256, createHash('sha256').update(payload).digest('hex'));
        assert.equal(made.length, 1);
      } finally {
        await dispatcher.close();
      }
    });
  });
});
