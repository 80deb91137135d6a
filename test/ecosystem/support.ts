/**
 * Shared pieces for the ecosystem tests: the ts-tls module, the test PKI written to files (for
 * curl), an HTTP app served over ts-tls server sockets, and bounded waits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as nodeTls from 'node:tls';
import { makeTestPki } from '../fixtures/certs.js';
import { closeServer, listen, readAll } from '../node/helpers.js';
import { ours } from '../support/impl.js';

export { ours };
export const pki = makeTestPki();

let caDir: string | undefined;
/** The test CA as a PEM file (removed when the process exits). */
export function caFile(): string {
  if (!caDir) {
    const dir = mkdtempSync(join(tmpdir(), 'ts-tls-eco-'));
    caDir = dir;
    writeFileSync(join(dir, 'ca.pem'), pki.ca.cert);
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(caDir, 'ca.pem');
}

export { listen };

/** Closes a server, first dropping idle keep-alive connections when it is an http.Server. */
export function close(server: NetServer): Promise<void> {
  (server as NetServer & { closeAllConnections?: () => void }).closeAllConnections?.();
  return closeServer(server);
}

/** Reads a request body (bounded). */
export const body = (req: IncomingMessage, ms = 10_000): Promise<Buffer> => readAll(req, ms);

export interface TlsHttpApp {
  http: HttpServer;
  tls: nodeTls.Server;
  port: number;
  /** 'secureConnection' count: one per TLS connection, whatever the number of requests on it. */
  connections(): number;
  stop(): Promise<void>;
}

/**
 * An http.Server that never listens itself: a TLS server (ts-tls by default) accepts, and each
 * secure socket is handed over with `http.emit('connection', socket)`. The handler answers with
 * JSON describing the request and the TLS socket it came over (protocol, ALPN, authorized, sha256
 * of the body).
 */
export async function startTlsHttpApp(
  tlsLib: typeof nodeTls = ours,
  extra: nodeTls.TlsOptions = {},
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TlsHttpApp> {
  const { createHash } = await import('node:crypto');
  const http = createHttpServer(
    handler ??
      (async (req, res) => {
        const data = await body(req);
        const sock = req.socket as nodeTls.TLSSocket;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            length: data.length,
            sha256: createHash('sha256').update(data).digest('hex'),
            protocol: sock.getProtocol?.(),
            alpn: sock.alpnProtocol,
            encrypted: sock.encrypted === true,
            tsTls: sock.constructor === ours.TLSSocket,
          }),
        );
      }),
  );
  let count = 0;
  const tlsServer = tlsLib.createServer({ key: pki.leaf.key, cert: pki.leaf.chain, ALPNProtocols: ['http/1.1'], ...extra }, (s) => {
    count++;
    http.emit('connection', s);
  });
  const port = await listen(tlsServer);
  return {
    http,
    tls: tlsServer,
    port,
    connections: () => count,
    async stop() {
      http.closeAllConnections();
      await close(tlsServer);
    },
  };
}
