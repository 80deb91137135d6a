// toPeerCertificate() against the object a real node:tls client gets from getPeerCertificate().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { buildPki } from './fixtures.js';
import { toPeerCertificate, opensslTime, type PeerCertificate } from '../../src/node/peer-certificate.js';
import { listen } from '../node/helpers.js';

const pki = buildPki();

async function nodePeerCert(keyName: string, chain: string[], ca: string[], detailed: boolean): Promise<tls.PeerCertificate | tls.DetailedPeerCertificate> {
  const server = tls.createServer({ key: pki.pem(keyName), cert: chain.map((n) => pki.pem(n)).join('') }, (s) => s.end());
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), 15000);
      const sock = tls.connect({ port, host: '127.0.0.1', ca: ca.map((n) => pki.pem(n)), rejectUnauthorized: false }, () => {
        clearTimeout(timer);
        resolve(sock.getPeerCertificate(detailed));
        sock.destroy();
      });
      sock.on('error', reject);
    });
  } finally {
    server.close();
  }
}

/** Compares field by field (order of keys too), following issuerCertificate links once. */
function compare(ours: PeerCertificate, theirs: Record<string, unknown>, where: string, seen = new Set<unknown>()): void {
  assert.deepEqual(Object.keys(ours), Object.keys(theirs), `${where}: keys`);
  for (const k of Object.keys(theirs)) {
    const t = theirs[k];
    const o = (ours as unknown as Record<string, unknown>)[k];
    if (k === 'issuerCertificate') {
      if (t === theirs) {
        assert.equal(o, ours, `${where}: root links to itself`);
        continue;
      }
      if (seen.has(t)) continue;
      seen.add(t);
      compare(o as PeerCertificate, t as Record<string, unknown>, `${where}.issuerCertificate`, seen);
      continue;
    }
    if (k === 'subject' || k === 'issuer' || k === 'infoAccess') {
      assert.equal(Object.getPrototypeOf(o), null, `${where}.${k} has a null prototype`);
      assert.deepEqual({ ...(o as object) }, { ...(t as object) }, `${where}.${k}`);
      assert.deepEqual(Object.keys(o as object), Object.keys(t as object), `${where}.${k} key order`);
      continue;
    }
    assert.deepEqual(o, t, `${where}.${k}`);
  }
}

const chains: { name: string; key: string; chain: string[]; ca: string[] }[] = [
  { name: 'RSA leaf, EC intermediate, RSA root', key: 'leaf.key', chain: ['leaf.pem', 'int.pem'], ca: ['root.pem'] },
  { name: 'EC leaf', key: 'leafec.key', chain: ['leafec.pem', 'int.pem'], ca: ['root.pem'] },
  { name: 'Ed25519 leaf', key: 'leafed.key', chain: ['leafed.pem', 'int.pem'], ca: ['root.pem'] },
  { name: 'self-signed leaf', key: 'self.key', chain: ['self.pem'], ca: ['self.pem'] },
];

for (const c of chains) {
  test(`getPeerCertificate(true) equals Node's: ${c.name}`, async () => {
    const theirs = await nodePeerCert(c.key, c.chain, c.ca, true);
    // Node adds issuers from its trust store; so do we, from the anchors we are given.
    const ours = toPeerCertificate(c.chain.map((n) => pki.der(n)), true, c.ca.map((n) => pki.der(n)));
    compare(ours, theirs as unknown as Record<string, unknown>, c.name);
  });
  test(`getPeerCertificate() equals Node's: ${c.name}`, async () => {
    const theirs = await nodePeerCert(c.key, c.chain, c.ca, false);
    compare(toPeerCertificate(c.chain.map((n) => pki.der(n)), false), theirs as unknown as Record<string, unknown>, c.name);
  });
}

test('OpenSSL time format pads the day with a space', () => {
  assert.equal(opensslTime(Date.UTC(2026, 10, 26, 22, 21, 38)), 'Nov 26 22:21:38 2026 GMT');
  assert.equal(opensslTime(Date.UTC(2020, 0, 1)), 'Jan  1 00:00:00 2020 GMT');
});

test('without the anchor the last certificate has no issuerCertificate', () => {
  const p = toPeerCertificate([pki.der('leaf.pem'), pki.der('int.pem')], true, [pki.der('self.pem')]);
  assert.ok(p.issuerCertificate);
  assert.equal(p.issuerCertificate!.issuerCertificate, undefined);
});
