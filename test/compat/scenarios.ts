/**
 * The scenarios run side by side. Each takes a pairing (server lib, client lib) and returns what
 * the application on each end observed; `side-by-side.test.ts` compares them with node:tls.
 * Fields that depend on timing between the two processes' sockets (for example whether a server
 * that just sent its Finished still sees the client's close as 'end' or as ECONNRESET) are left
 * out of the returned observation instead of being compared loosely.
 */
import { connect as netConnect, createServer as netCreateServer, type Socket } from 'node:net';
import type * as nodeTls from 'node:tls';
import { makeTestPki } from '../fixtures/certs.js';
import { EventLog, certView, errorView, closeServer, listen, sleep, socketView, until, type Pairing } from './harness.js';

const pki = makeTestPki();

export interface Observation {
  client: Record<string, unknown>;
  server?: Record<string, unknown>;
}

interface RunOptions {
  server: nodeTls.TlsOptions;
  client: nodeTls.ConnectionOptions;
  /** Written with end() by the server on 'secureConnection' (default: nothing, end()). */
  serverReply?: string;
  /** Written by the client on 'secureConnect' (then end()). */
  clientSends?: string;
  /** Include the server's event log in the observation (only where it is deterministic). */
  serverEvents?: boolean;
}

/** One handshake between `p.server` and `p.client`; waits (bounded) until both ends have settled. */
async function runPair(p: Pairing, o: RunOptions): Promise<Observation> {
  const cli = new EventLog();
  const srv = new EventLog();
  let clientView: Record<string, unknown> | undefined;
  let clientPeer: Record<string, unknown> | undefined;
  let serverView: Record<string, unknown> | undefined;
  let serverPeer: Record<string, unknown> | undefined;
  let serverDone = false;
  const server = p.server.createServer(o.server, (s) => {
    srv.push('secureConnection');
    serverView = socketView(s);
    serverPeer = certView(s.getPeerCertificate());
    srv.watch(s);
    s.on('close', () => (serverDone = true));
    s.end(o.serverReply ?? '');
  });
  server.on('tlsClientError', (e: Error & { code?: string }, sock: nodeTls.TLSSocket) => {
    srv.push(`tlsClientError:${e.code ?? '?'}`);
    srv.errors.push(errorView(e));
    // The failed socket closes after the event, with hadError set (Node's _closeAfterHandlingError).
    sock.on('close', (hadError: boolean) => {
      srv.push(hadError ? 'socket close(hadError)' : 'socket close');
      serverDone = true;
    });
    // When the peer's reset came first the socket has already closed: no 'close' will follow
    // (waiting for it cost 5 s per failed handshake).
    if (sock.closed) serverDone = true;
  });
  const port = await listen(server);
  try {
    const client = p.client.connect({ port, host: '127.0.0.1', ...o.client });
    cli.watch(client, { secureConnect: true });
    client.on('secureConnect', () => {
      clientView = socketView(client);
      clientPeer = certView(client.getPeerCertificate());
      if (o.clientSends !== undefined) client.end(o.clientSends);
    });
    // 'close' or 'close(hadError)': matching only 'close' waited the full 5 s after every failed handshake.
    await until(() => cli.events.some((e) => e.startsWith('close')) && serverDone, 5000);
    // A late event after both ends closed would be a bug too; give it a moment to show up.
    await sleep(20);
    const obs: Observation = { client: { events: cli.events, errors: cli.errors, data: cli.data, view: clientView, peer: clientPeer } };
    if (o.serverEvents) obs.server = { events: srv.events, errors: srv.errors, data: srv.data, view: serverView, peer: serverPeer };
    return obs;
  } finally {
    await closeServer(server);
  }
}

const okServer = (extra: nodeTls.TlsOptions = {}): nodeTls.TlsOptions => ({ key: pki.leaf.key, cert: pki.leaf.chain, ...extra });
const trusting = (extra: nodeTls.ConnectionOptions = {}): nodeTls.ConnectionOptions => ({ ca: pki.ca.cert, servername: 'localhost', ...extra });

export type Scenario = (p: Pairing) => Promise<Observation>;

/** Scenarios by title; `side-by-side.test.ts` adds per-scenario checks on the reference. */
export const scenarios: Record<string, Scenario> = {
  'successful handshake: events, properties, peer certificate, ALPN, data both ways': (p) =>
    runPair(p, {
      server: okServer({ ALPNProtocols: ['h2', 'http/1.1'] }),
      client: trusting({ ALPNProtocols: ['http/1.1', 'h2'] }),
      serverReply: 'hello from the server',
      clientSends: 'hello from the client',
      serverEvents: true,
    }),

  'client certificate requested and sent: server sees it, authorized': (p) =>
    runPair(p, {
      server: okServer({ ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }),
      client: trusting({ key: pki.client.key, cert: pki.client.cert }),
      serverReply: 'x',
      clientSends: 'y',
      serverEvents: true,
    }),

  'requestCert without rejectUnauthorized, client sends none: server authorized=false': (p) =>
    runPair(p, {
      server: okServer({ requestCert: true, rejectUnauthorized: false }),
      client: trusting(),
      serverReply: 'x',
      clientSends: 'y',
      serverEvents: true,
    }),

  'untrusted CA (chain sent): SELF_SIGNED_CERT_IN_CHAIN': (p) =>
    runPair(p, { server: okServer(), client: { ca: pki.otherCa.cert, servername: 'localhost' } }),

  'untrusted CA (leaf only): UNABLE_TO_VERIFY_LEAF_SIGNATURE': (p) =>
    runPair(p, { server: { key: pki.leaf.key, cert: pki.leaf.cert }, client: { ca: pki.otherCa.cert, servername: 'localhost' } }),

  'untrusted CA with rejectUnauthorized: false: connects, authorizationError set': (p) =>
    runPair(p, { server: okServer(), client: { ca: pki.otherCa.cert, servername: 'localhost', rejectUnauthorized: false }, serverReply: 'ok' }),

  'wrong host name: ERR_TLS_CERT_ALTNAME_INVALID with the same message and reason': (p) =>
    runPair(p, { server: okServer(), client: trusting({ servername: 'wrong.example' }) }),

  'self-signed server certificate: DEPTH_ZERO_SELF_SIGNED_CERT': (p) =>
    runPair(p, { server: { key: pki.ecdsa.key, cert: pki.ecdsa.cert }, client: { servername: 'localhost' } }),

  'self-signed certificate trusted as its own CA: connects': (p) =>
    runPair(p, { server: { key: pki.ecdsa.key, cert: pki.ecdsa.cert }, client: { servername: 'localhost', ca: pki.ecdsa.cert }, serverReply: 'ok' }),

  'expired server certificate: CERT_HAS_EXPIRED': (p) =>
    runPair(p, { server: { key: pki.expired.key, cert: pki.expired.chain }, client: trusting() }),

  'no ALPN overlap: both ends fail with Node codes': (p) =>
    runPair(p, { server: okServer({ ALPNProtocols: ['h2'] }), client: trusting({ ALPNProtocols: ['http/1.1'] }), serverEvents: true }),

  'ALPN offered by the client only: alpnProtocol false on both ends': (p) =>
    runPair(p, { server: okServer(), client: trusting({ ALPNProtocols: ['h2'] }), serverReply: 'x', clientSends: 'y', serverEvents: true }),

  'server requires TLS 1.3, client allows TLS 1.2 at most': (p) =>
    runPair(p, { server: okServer({ minVersion: 'TLSv1.3' }), client: trusting({ maxVersion: 'TLSv1.2' }), serverEvents: true }),

  'server allows TLS 1.2 at most, client requires TLS 1.3': (p) =>
    runPair(p, { server: okServer({ maxVersion: 'TLSv1.2' }), client: trusting({ minVersion: 'TLSv1.3' }), serverEvents: true }),

  'server without a certificate: handshake failure on both ends': (p) =>
    runPair(p, { server: {}, client: trusting(), serverEvents: true }),

  'no SNI (connect by IP address, no servername): servername false on the server': (p) =>
    runPair(p, { server: okServer(), client: { ca: pki.ca.cert }, serverReply: 'x', clientSends: 'y', serverEvents: true }),

  'SNI picks an addContext certificate; the server reports the name': (p) =>
    runPair(p, {
      server: okServer({
        SNICallback: (name, cb) => cb(null, name === 'other.example' ? p.server.createSecureContext({ key: pki.ecdsa.key, cert: pki.ecdsa.cert }) : undefined),
      }),
      client: { servername: 'other.example', ca: pki.ecdsa.cert, checkServerIdentity: () => undefined },
      serverReply: 'x',
      clientSends: 'y',
      serverEvents: true,
    }),

  'client restricts ciphers to TLS_CHACHA20_POLY1305_SHA256: getCipher() on both ends': (p) =>
    runPair(p, { server: okServer(), client: trusting({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }), serverReply: 'x', clientSends: 'y', serverEvents: true }),

  'server ends right after the handshake: client sees secureConnect, end, close': (p) =>
    runPair(p, { server: okServer(), client: trusting(), serverEvents: false }),
};

/** A raw TCP client sends half a ClientHello and closes: the TLS server reports ECONNRESET. */
export async function clientClosesMidHandshake(lib: typeof nodeTls): Promise<Record<string, unknown>> {
  const srv = new EventLog();
  const server = lib.createServer(okServer(), () => srv.push('secureConnection'));
  server.on('tlsClientError', (e: Error & { code?: string }) => srv.error(e));
  const port = await listen(server);
  try {
    const raw: Socket = netConnect(port, '127.0.0.1');
    raw.on('error', () => {});
    raw.on('connect', () => raw.end(Buffer.from('160301020001', 'hex')));
    await until(() => srv.events.length > 0, 4000);
    raw.destroy();
    return { events: srv.events, errors: srv.errors };
  } finally {
    await closeServer(server);
  }
}

/** A TCP server that accepts and closes: the TLS client reports ECONNRESET, then close. */
export async function serverClosesMidHandshake(lib: typeof nodeTls): Promise<Record<string, unknown>> {
  const cli = new EventLog();
  const server = netCreateServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end());
  });
  const port = await listen(server);
  try {
    const client = lib.connect({ port, host: '127.0.0.1', ...trusting() });
    cli.watch(client, { secureConnect: true });
    await until(() => cli.events.some((e) => e.startsWith('close')), 4000);
    await sleep(20);
    return { events: cli.events, errors: cli.errors };
  } finally {
    await closeServer(server);
  }
}

/** destroy([err]) right after connect(): no handshake; only 'close' (or the given error, then 'close'). */
export async function destroyBeforeConnect(lib: typeof nodeTls, withError?: Error): Promise<Record<string, unknown>> {
  const cli = new EventLog();
  const server = netCreateServer((s) => s.on('error', () => {}));
  const port = await listen(server);
  try {
    const client = lib.connect({ port, host: '127.0.0.1', ...trusting() });
    cli.watch(client, { secureConnect: true });
    client.on('connect', () => cli.push('connect'));
    client.destroy(withError);
    const sync = { destroyed: client.destroyed };
    await until(() => cli.events.some((e) => e.startsWith('close')), 2000);
    await sleep(50);
    return { events: cli.events, errors: cli.errors, ...sync };
  } finally {
    await closeServer(server);
  }
}

/**
 * A paused reader whose peer sends 4 KiB, then close_notify and FIN, while our side has ended
 * too (so the transport closes underneath): on resume() all bytes arrive, then 'end', then 'close'.
 */
export async function pausedReaderPeerCloses(serverLib: typeof nodeTls, clientLib: typeof nodeTls): Promise<Record<string, unknown>> {
  const cli = new EventLog();
  // Less than highWaterMark, so the transport is not paused by backpressure and really closes.
  const payload = Buffer.alloc(4 * 1024, 0x5a);
  const server = serverLib.createServer(okServer(), (s) => {
    s.on('error', () => {});
    s.end(payload);
  });
  const port = await listen(server);
  try {
    const client = clientLib.connect({ port, host: '127.0.0.1', ...trusting() });
    client.on('secureConnect', () => {
      cli.push('secureConnect');
      client.pause();
      client.end();
      setTimeout(() => {
        cli.push('resume');
        client.resume();
      }, 300);
    });
    let bytes = 0;
    client.on('data', (d: Buffer) => {
      if (bytes === 0) cli.push('data');
      bytes += d.length;
    });
    client.on('end', () => cli.push('end'));
    client.on('close', () => cli.push('close'));
    client.on('error', (e) => cli.error(e));
    await until(() => cli.events.some((e) => e.startsWith('close')), 4000);
    return { events: cli.events, errors: cli.errors, bytes };
  } finally {
    await closeServer(server);
  }
}
