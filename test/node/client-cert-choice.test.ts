/**
 * A client with several `key`/`cert` pairs sends the one the server's CertificateRequest
 * signature_algorithms allow, chosen in the server's order (OpenSSL's tls_choose_sigalg), or none
 * when no pair fits. Every case runs with node:tls as the client too, so the expectations are
 * Node's behaviour, not ours; the server is always node:tls with requestCert and `sigalgs`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeTls from 'node:tls';
import { makeTestPki, type IssuedPair } from '../fixtures/certs.js';
import { once, bothLibs, listen, type TlsLib } from './helpers.js';

const libs = bothLibs;

const pki = makeTestPki();
const ECDSA = pki.client;
const RSA = pki.leafRsa;

interface Case {
  name: string;
  /** The server's `sigalgs`, which becomes its CertificateRequest's signature_algorithms. */
  sigalgs: string;
  clientPairs: IssuedPair[];
  /** The certificate the server must receive, or null for an empty Certificate. */
  expected: IssuedPair | null;
}

const cases: Case[] = [
  { name: 'RSA pair first, server accepts only ECDSA: the ECDSA pair', sigalgs: 'ecdsa_secp256r1_sha256', clientPairs: [RSA, ECDSA], expected: ECDSA },
  { name: 'ECDSA pair first, server accepts only RSA-PSS: the RSA pair', sigalgs: 'rsa_pss_rsae_sha256', clientPairs: [ECDSA, RSA], expected: RSA },
  { name: 'both fit: the server\'s first scheme decides, not the pair order', sigalgs: 'rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256', clientPairs: [ECDSA, RSA], expected: RSA },
  { name: 'no pair fits: an empty Certificate', sigalgs: 'rsa_pss_rsae_sha256', clientPairs: [ECDSA], expected: null },
];

/** Runs one handshake; returns the DER of the certificate the server received, or null. */
async function received(lib: TlsLib, c: Case): Promise<Buffer | null> {
  const server = nodeTls.createServer({
    key: [pki.leaf.key, pki.leafRsa.key],
    cert: [pki.leaf.chain, pki.leafRsa.chain],
    requestCert: true,
    rejectUnauthorized: false,
    sigalgs: c.sigalgs,
  });
  const secure = once<[nodeTls.TLSSocket]>(server, 'secureConnection');
  const port = await listen(server);
  const client = lib.connect({
    port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: pki.ca.cert,
    key: c.clientPairs.map((p) => p.key),
    cert: c.clientPairs.map((p) => p.chain),
  });
  client.on('error', () => {});
  try {
    const [socket] = await secure;
    const peer = socket.getPeerCertificate();
    socket.destroy();
    return peer.raw ?? null;
  } finally {
    client.destroy();
    server.close();
  }
}

for (const [libName, lib] of libs) {
  describe(`${libName} client with several key/cert pairs`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const der = await received(lib, c);
        if (c.expected === null) assert.equal(der, null);
        else assert.deepEqual(der && new Uint8Array(der), c.expected.certDer);
      });
    }
  });
}
