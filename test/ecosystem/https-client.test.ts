/**
 * ts-tls as the TLS layer under Node's https client, fetching from a node:https server:
 * https.request({ createConnection }) and an https.Agent whose createConnection is ts-tls, with
 * keep-alive reuse of one socket for two requests. Each case also runs with node:tls in the same
 * place, so a case that fails there is a wrong test, not a ts-tls bug.
 *
 *   node --test build/test/ecosystem/https-client.test.js
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import * as nodeTls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { patternBytes } from '../support/peers.js';
import { body, close, listen, ours, pki } from './support.js';

const MiB = 1 << 20;

function request(opts: https.RequestOptions, payload?: Buffer): Promise<{ res: IncomingMessage; data: Buffer; req: import('node:http').ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => body(res).then((data) => resolve({ res, data, req }), reject));
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

for (const [name, lib] of [['ts-tls', ours], ['node:tls', nodeTls]] as const) {
  describe(`${name} under Node's https client, against a node:https server`, () => {
    let server: https.Server;
    let port: number;
    const secure: nodeTls.TLSSocket[] = [];
    before(async () => {
      server = https.createServer({ key: pki.leaf.key, cert: pki.leaf.chain }, async (req, res) => {
        const data = await body(req);
        res.setHeader('content-type', 'application/json');
        const sock = req.socket as nodeTls.TLSSocket;
        res.end(JSON.stringify({ url: req.url, method: req.method, sha256: createHash('sha256').update(data).digest('hex'), protocol: sock.getProtocol() }));
      });
      server.on('secureConnection', (s) => secure.push(s));
      port = await listen(server);
    });
    after(async () => {
      await close(server);
    });

    it('https.request({ createConnection: (opts) => tls.connect(opts) }): GET verified over TLS 1.3', async () => {
      let made: Socket | undefined;
      const { res, data, req } = await request({
        host: '127.0.0.1',
        port,
        path: '/created?q=1',
        ca: pki.ca.cert,
        // Literally the form in issue 4: the request's own options go to tls.connect unchanged.
        createConnection: (opts: nodeTls.ConnectionOptions) => (made = lib.connect(opts)),
      } as https.RequestOptions);
      assert.equal(res.statusCode, 200);
      const j = JSON.parse(data.toString());
      assert.equal(j.url, '/created?q=1');
      assert.equal(j.protocol, 'TLSv1.3');
      assert.ok(made instanceof lib.TLSSocket, 'the request ran over the socket our createConnection returned');
      assert.equal(req.socket, made);
      assert.equal((made as nodeTls.TLSSocket).authorized, true);
    });

    it('https.request with createConnection: a 4 MiB POST body arrives intact', async () => {
      const payload = patternBytes(4 * MiB, 11);
      const { data } = await request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          headers: { 'content-length': payload.length },
          createConnection: (opts: nodeTls.ConnectionOptions) => lib.connect({ ...opts, servername: 'localhost', ca: pki.ca.cert }),
        } as https.RequestOptions,
        payload,
      );
      assert.equal(JSON.parse(data.toString()).sha256, createHash('sha256').update(payload).digest('hex'));
    });

    it('https.request with createConnection: an untrusted server fails the request with the verify code', async () => {
      await assert.rejects(
        request({
          host: '127.0.0.1',
          port,
          path: '/',
          createConnection: (opts: nodeTls.ConnectionOptions) => lib.connect({ ...opts, servername: 'localhost', ca: pki.otherCa.cert }),
        } as https.RequestOptions),
        (e: { code?: string }) => e.code === 'SELF_SIGNED_CERT_IN_CHAIN',
      );
    });

    it('an https.Agent subclass whose createConnection is this tls: keep-alive reuses one socket for two requests', async () => {
      const created: nodeTls.TLSSocket[] = [];
      class TsTlsAgent extends https.Agent {
        override createConnection(opts: nodeTls.ConnectionOptions): nodeTls.TLSSocket {
          const s = lib.connect({ ...opts, host: '127.0.0.1' });
          created.push(s);
          return s;
        }
      }
      const agent = new TsTlsAgent({ keepAlive: true, maxSockets: 1, ca: pki.ca.cert, servername: 'localhost' });
      try {
        const before = secure.length;
        const opts = { host: 'localhost', port, agent };
        const first = await request({ ...opts, path: '/one' });
        const second = await request({ ...opts, path: '/two' });
        assert.deepEqual([JSON.parse(first.data.toString()).url, JSON.parse(second.data.toString()).url], ['/one', '/two']);
        assert.equal(created.length, 1, 'one connection made');
        assert.ok(created[0] instanceof lib.TLSSocket);
        assert.equal(first.req.socket, created[0]);
        assert.equal(second.req.socket, created[0]);
        assert.equal(second.req.reusedSocket, true);
        assert.equal(secure.length - before, 1, 'the server saw one TLS connection');
      } finally {
        agent.destroy();
      }
    });

    it('an https.Agent instance with createConnection assigned: five parallel requests on two sockets', async () => {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 2 });
      let made = 0;
      (agent as unknown as { createConnection: (o: nodeTls.ConnectionOptions) => Socket }).createConnection = (o) => {
        made++;
        return lib.connect({ ...o, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.cert });
      };
      try {
        const results = await Promise.all([1, 2, 3, 4, 5].map((i) => request({ host: 'localhost', port, agent, path: `/p${i}` })));
        assert.deepEqual(results.map((r) => JSON.parse(r.data.toString()).url), ['/p1', '/p2', '/p3', '/p4', '/p5']);
        assert.equal(made, 2);
      } finally {
        agent.destroy();
      }
    });
  });
}
