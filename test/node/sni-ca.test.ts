/**
 * SNI contexts carry their own `ca` for client certificates (Node's test-tls-sni-option): once
 * addContext or SNICallback picks a context, that context's trust decides `authorized` and
 * `authorizationError` (a context without `ca` trusts the default roots, not the main context's
 * `ca`), exactly as a node:tls server decides with the same options. Each case
 * runs against both servers and the answers must agree.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import nodeTls from 'node:tls';
import { fixtureFiles } from './fixture-files.js';
import { once, bothLibs, listen, type TlsLib } from './helpers.js';

const files = fixtureFiles();
after(() => files.cleanup());

const libs = bothLibs;

/** Main context trusts CA 1; 'a.example.com' (and '*.wild.test') trusts only CA 2. */
function serverOptions(lib: TlsLib, how: 'addContext' | 'SNICallback'): { options: nodeTls.TlsOptions; setup(s: nodeTls.Server): void } {
  const sniOptions = { key: files.read('server-key.pem'), cert: files.read('server-cert.pem'), ca: files.read('ca2-cert.pem') };
  // Without `ca` the SNI context trusts the default roots, not the main context's ca (as OpenSSL).
  const noCaOptions = { key: files.read('server-key.pem'), cert: files.read('server-cert.pem') };
  const base: nodeTls.TlsOptions = {
    key: files.read('agent-server-key.pem'),
    cert: files.read('agent-server-cert.pem'),
    ca: files.read('ca-cert.pem'),
    requestCert: true,
    rejectUnauthorized: false,
  };
  if (how === 'addContext') {
    return {
      options: base,
      setup: (s) => {
        s.addContext('a.example.com', sniOptions);
        s.addContext('*.wild.test', lib.createSecureContext(sniOptions));
        s.addContext('noca.test', noCaOptions);
      },
    };
  }
  const sniCtx = lib.createSecureContext(sniOptions);
  const noCaCtx = lib.createSecureContext(noCaOptions);
  return {
    options: {
      ...base,
      SNICallback: (name, cb) =>
        setImmediate(() => cb(null, name === 'a.example.com' || name.endsWith('.wild.test') ? sniCtx : name === 'noca.test' ? noCaCtx : undefined)),
    },
    setup: () => {},
  };
}

interface Outcome {
  authorized: boolean;
  authorizationError: unknown;
  servername: string | false | undefined;
}

async function outcome(lib: TlsLib, how: 'addContext' | 'SNICallback', servername: string, clientPair: string): Promise<Outcome> {
  const { options, setup } = serverOptions(lib, how);
  const server = lib.createServer(options, (s) => s.end());
  setup(server);
  const port = await listen(server);
  try {
    const seen = once<[nodeTls.TLSSocket]>(server, 'secureConnection');
    const client = nodeTls.connect({
      port,
      host: '127.0.0.1',
      servername,
      rejectUnauthorized: false,
      key: files.read(`${clientPair}-key.pem`),
      cert: files.read(`${clientPair}-cert.pem`),
    });
    client.on('error', () => {});
    const [s] = await seen;
    client.destroy();
    return {
      authorized: s.authorized,
      authorizationError: s.authorizationError as unknown,
      servername: (s as unknown as { servername: string | false }).servername,
    };
  } finally {
    server.close();
  }
}

for (const how of ['addContext', 'SNICallback'] as const) {
  describe(`client certificates judged by the ${how} context's own ca`, () => {
    const cases: [string, string, boolean][] = [
      ['a.example.com', 'ca2-client', true], // the SNI context trusts CA 2
      ['a.example.com', 'agent-client', false], // ... and not CA 1, which the main context trusts
      ['x.wild.test', 'ca2-client', true], // wildcard context
      ['other.test', 'agent-client', true], // no SNI match: the main context, CA 1
      ['other.test', 'ca2-client', false],
      ['noca.test', 'agent-client', false], // a context without ca does not inherit CA 1
    ];
    for (const [servername, clientPair, expected] of cases) {
      it(`${servername} with the ${clientPair} certificate: authorized ${expected}, as node:tls says`, async () => {
        const results: Record<string, Outcome> = {};
        for (const [name, lib] of libs) results[name] = await outcome(lib, how, servername, clientPair);
        assert.equal(results['node:tls']!.authorized, expected, 'the reference behaves as the case says');
        assert.equal(results['ts-tls']!.authorized, expected);
        assert.equal(results['ts-tls']!.authorizationError, results['node:tls']!.authorizationError);
        assert.equal(results['ts-tls']!.servername, servername);
      });
    }
  });
}
