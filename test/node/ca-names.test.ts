/**
 * certificate_authorities in CertificateRequest (RFC 8446 §4.2.4): a server with requestCert
 * lists the subject names of its `ca` certificates (then the CA certificates of `pfx` files, in
 * order, repeats kept), an SNI context lists its own, and a server trusting only the default roots
 * lists none. `openssl s_client -cert -key` prints what each server sent, and the printout of our
 * server must equal node:tls's given the same options, for every case.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import nodeTls from 'node:tls';
import * as tls from '../../src/node/tls.js';
import { fixtureFiles } from './fixture-files.js';
import { bothLibs, listen, type TlsLib } from './helpers.js';

const files = fixtureFiles();
after(() => files.cleanup());

const libs = bothLibs;

const CA1 = 'CN = ts-tls test CA';
const CA2 = 'CN = ts-tls second CA';
const S_CLIENT_TIMEOUT_MS = 8000;

interface Case {
  name: string;
  options: () => nodeTls.TlsOptions;
  /** SNI contexts to add, and the name s_client sends. */
  sni?: { servername: string; setup(lib: TlsLib, server: nodeTls.Server): void };
  /** What s_client prints: the names, or null for "No client certificate CA names sent". */
  expected: string[] | null;
}

const pair = () => ({ key: files.read('server-key.pem'), cert: files.read('server-cert.pem') });
const asking = { requestCert: true, rejectUnauthorized: false };

const cases: Case[] = [
  { name: 'requestCert with the default roots: none', options: () => ({ ...pair(), ...asking }), expected: null },
  {
    name: '`ca` array: both subjects, in order',
    options: () => ({ ...pair(), ...asking, ca: [files.read('ca-cert.pem'), files.read('ca2-cert.pem')] }),
    expected: [CA1, CA2],
  },
  {
    name: 'one PEM string holding two certificates, second first',
    options: () => ({ ...pair(), ...asking, ca: Buffer.concat([files.read('ca2-cert.pem'), files.read('ca-cert.pem')]) }),
    expected: [CA2, CA1],
  },
  {
    name: 'a repeated `ca` certificate is listed twice, as OpenSSL does',
    options: () => ({ ...pair(), ...asking, ca: [files.read('ca-cert.pem'), files.read('ca-cert.pem')] }),
    expected: [CA1, CA1],
  },
  { name: 'pfx: the file\'s CA certificate', options: () => ({ pfx: files.read('server.pfx'), ...asking }), expected: [CA1] },
  {
    name: 'pfx and `ca`: the `ca` names first, then the file\'s',
    options: () => ({ pfx: files.read('server.pfx'), ca: files.read('ca2-cert.pem'), ...asking }),
    expected: [CA2, CA1],
  },
  {
    name: 'without requestCert there is no CertificateRequest at all',
    options: () => ({ ...pair(), ca: files.read('ca-cert.pem') }),
    expected: null,
  },
  {
    name: 'addContext with its own `ca`: that context\'s names only',
    options: () => ({ ...pair(), ...asking, ca: files.read('ca-cert.pem') }),
    sni: {
      servername: 'a.example.com',
      setup: (_lib, s) => s.addContext('a.example.com', { ...pair(), ca: files.read('ca2-cert.pem') }),
    },
    expected: [CA2],
  },
  {
    name: 'addContext without `ca`: none (the main context\'s are not inherited)',
    options: () => ({ ...pair(), ...asking, ca: files.read('ca-cert.pem') }),
    sni: { servername: 'noca.test', setup: (_lib, s) => s.addContext('noca.test', pair()) },
    expected: null,
  },
  {
    name: 'an SNI name no context matches keeps the main context\'s names',
    options: () => ({ ...pair(), ...asking, ca: files.read('ca-cert.pem') }),
    sni: { servername: 'other.test', setup: (_lib, s) => s.addContext('a.example.com', { ...pair(), ca: files.read('ca2-cert.pem') }) },
    expected: [CA1],
  },
];

/** SNICallback answering later with a context made by the same library. */
const callbackCase: Case = {
  name: 'SNICallback (async) returning a context with its own `ca`',
  options: () => ({ ...pair(), ...asking, ca: files.read('ca-cert.pem') }),
  sni: { servername: 'cb.test', setup: () => {} },
  expected: [CA2],
};

function optionsFor(lib: TlsLib, c: Case): nodeTls.TlsOptions {
  if (c !== callbackCase) return c.options();
  const ctx = lib.createSecureContext({ ...pair(), ca: files.read('ca2-cert.pem') });
  return { ...c.options(), SNICallback: (_name, cb) => setImmediate(() => cb(null, ctx)) };
}

/** Runs s_client with a client certificate against the port; resolves with its stdout. */
function sClient(port: number, servername?: string): Promise<string> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-cert', files.path('agent-client-cert.pem'),
    '-key', files.path('agent-client-key.pem')];
  if (servername) args.push('-servername', servername);
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`s_client did not finish in ${S_CLIENT_TIMEOUT_MS} ms:\n${out}`));
    }, S_CLIENT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end();
  });
}

/** The CA names block of s_client's report, or null when it says none were sent. */
function caNames(out: string): string[] | null {
  if (out.includes('No client certificate CA names sent')) return null;
  const m = /Acceptable client certificate CA names\n([\s\S]*?)\n(?:Requested Signature Algorithms|Client Certificate Types|Peer signing digest|Shared Requested)/.exec(out);
  assert.ok(m, `s_client printed neither form:\n${out}`);
  return m[1]!.split('\n');
}

async function namesSentBy(lib: TlsLib, c: Case): Promise<string[] | null> {
  const server = lib.createServer(optionsFor(lib, c), (s) => {
    s.on('error', () => {});
    s.end();
  });
  server.on('tlsClientError', () => {});
  c.sni?.setup(lib, server);
  const port = await listen(server);
  try {
    return caNames(await sClient(port, c.sni?.servername));
  } finally {
    server.close();
  }
}

describe('certificate_authorities from `ca`, seen by openssl s_client', () => {
  for (const c of [...cases, callbackCase]) {
    it(c.name, async () => {
      const seen: Record<string, string[] | null> = {};
      for (const [name, lib] of libs) seen[name] = await namesSentBy(lib, c);
      assert.deepEqual(seen['node:tls'], c.expected, 'node:tls behaves as this case expects');
      assert.deepEqual(seen['ts-tls'], seen['node:tls'], 'ts-tls sends what node:tls sends');
    });
  }
});

describe('SecureContext.clientCaNames', () => {
  it('holds the DER subject names, empty for the default roots', () => {
    assert.deepEqual(tls.createSecureContext(pair()).clientCaNames, []);
    const ctx = tls.createSecureContext({ ...pair(), ca: files.read('ca-cert.pem') });
    assert.equal(ctx.clientCaNames.length, 1);
    // A Name is a DER SEQUENCE; the CN text appears inside it.
    assert.equal(ctx.clientCaNames[0]![0], 0x30);
    assert.ok(Buffer.from(ctx.clientCaNames[0]!).includes('ts-tls test CA'));
  });
});
