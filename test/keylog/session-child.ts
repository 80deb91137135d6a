/**
 * Child process for the key log tests: a ts-tls server and a ts-tls client on 127.0.0.1, the
 * client connecting through a recording TCP relay, so the parent gets the exact bytes on the wire
 * next to the SSLKEYLOGFILE the library wrote. Runs in its own process because SSLKEYLOGFILE is
 * process-wide state (and the parent must see what a fresh process does with it).
 *
 *   node session-child.js --token T [--cipher NAME] [--connections N] [--late-env PATH] [--wait-go]
 *                         [--node-server | --node-client]
 *
 * Prints `LISTENING <serverPort>`, then (with --wait-go) waits for a line on stdin (the parent
 * starts a capture in between), runs N sessions one after another and prints one JSON line per
 * session: { cipher, version, serverPort, c2s, s2c (hex), clientKeylog, serverKeylog (lines) }.
 * --late-env sets process.env.SSLKEYLOGFILE to PATH after the first session. --node-server /
 * --node-client make that end a node:tls one (which writes no SSLKEYLOGFILE lines of its own).
 *
 * Each session: the client sends an HTTP request naming the token, the server answers with a body
 * naming it too, then both ends close.
 */
import { once } from 'node:events';
import net from 'node:net';
import nodeTls from 'node:tls';
import { parseArgs } from 'node:util';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { connect, createServer } from '../../src/index.js';
import { createDevCertificate } from '../../src/pki/build/index.js';
import { listen } from '../node/helpers.js';

/** Bounds the sessions (from 'go'); the parent has its own, longer, timeout. */
const CHILD_TIMEOUT_MS = 15_000;

export function clientPlaintext(token: string): string {
  return `GET /ts-tls-keylog/${token} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
}

export function serverPlaintext(token: string): string {
  const body = `server plaintext ${token}\n`;
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

interface Relay {
  port: number;
  c2s: Buffer[];
  s2c: Buffer[];
  closed: Promise<void>;
  server: net.Server;
}

/** One-shot TCP relay that records both directions. */
async function startRelay(target: number): Promise<Relay> {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1');
    let open = 2;
    const done = () => {
      if (--open === 0) closedResolve();
    };
    down.on('data', (d: Buffer) => {
      c2s.push(d);
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      s2c.push(d);
      down.write(d);
    });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('close', done);
    up.on('close', done);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  const port = await listen(server);
  return { port, c2s, s2c, closed, server };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      token: { type: 'string' },
      cipher: { type: 'string' },
      connections: { type: 'string', default: '1' },
      'late-env': { type: 'string' },
      'wait-go': { type: 'boolean', default: false },
      'node-server': { type: 'boolean', default: false },
      'node-client': { type: 'boolean', default: false },
    },
  });
  const token = values.token ?? 'token';
  const { keyPem, certPem } = createDevCertificate(nodeCryptoProvider());
  const serverKeylog: string[] = [];
  // node:tls as either peer: its 'keylog' lines are what OpenSSL derived for the same connection.
  const makeServer = (values['node-server'] ? nodeTls.createServer : createServer) as typeof nodeTls.createServer;
  const makeClient = (values['node-client'] ? nodeTls.connect : connect) as typeof nodeTls.connect;
  const server = makeServer({ key: keyPem, cert: certPem, ciphers: values.cipher }, (s) => {
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) s.end(serverPlaintext(token));
    });
    s.on('error', () => {});
  });
  server.on('keylog', (line: Buffer) => serverKeylog.push(line.toString('latin1').trimEnd()));
  const serverPort = await listen(server);
  process.stdout.write(`LISTENING ${serverPort}\n`);
  if (values['wait-go']) {
    process.stdin.once('end', () => process.exit(3)); // the parent went away
    await once(process.stdin, 'data');
  }
  // The bound starts now: the parent may take its time starting a capture before 'go'.
  setTimeout(() => {
    process.stderr.write('session-child: timed out\n');
    process.exit(2);
  }, CHILD_TIMEOUT_MS).unref();

  for (let i = 0; i < Number(values.connections); i++) {
    if (i === 1 && values['late-env']) process.env.SSLKEYLOGFILE = values['late-env'];
    serverKeylog.length = 0;
    const relay = await startRelay(serverPort);
    const clientKeylog: string[] = [];
    const client = makeClient({ host: '127.0.0.1', port: relay.port, servername: 'localhost', ca: certPem, ciphers: values.cipher });
    client.on('keylog', (line: Buffer) => clientKeylog.push(line.toString('latin1').trimEnd()));
    await once(client, 'secureConnect');
    // Read now: node:tls forgets them once the socket is closed.
    const cipher = client.getCipher()?.standardName;
    const version = client.getProtocol();
    client.write(clientPlaintext(token));
    let answer = '';
    client.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    await once(client, 'end');
    client.end();
    await relay.closed;
    relay.server.close();
    if (answer !== serverPlaintext(token)) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
    process.stdout.write(
      `${JSON.stringify({
        cipher,
        version,
        serverPort,
        c2s: Buffer.concat(relay.c2s).toString('hex'),
        s2c: Buffer.concat(relay.s2c).toString('hex'),
        clientKeylog,
        serverKeylog: [...serverKeylog],
      })}\n`,
    );
  }
  server.close();
}

// Only when run as a script (the tests import the plaintext helpers).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`session-child: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
