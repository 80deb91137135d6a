// Measures what certificate verification costs a handshake: a 3-certificate chain (leaf,
// intermediate, root as anchor) verified cold (nothing cached) and warm (same verifier, as on
// every later handshake of a context). Prints the figures; asserts the warm path is cheap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { buildPki } from './fixtures.js';
import { createCertificateVerifier } from '../../src/pki/verifier.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { clearParseCache } from '../../src/pki/x509.js';

const pki = buildPki();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test('3-certificate chain: cold vs cached verification cost', () => {
  const provider = nodeCryptoProvider();
  const chains: [string, Uint8Array[]][] = [
    ['RSA-2048 leaf / P-256 int / RSA-2048 root', [pki.der('leaf.pem'), pki.der('int.pem')]],
    ['P-256 leaf / P-256 int / RSA-2048 root', [pki.der('leafec.pem'), pki.der('int.pem')]],
  ];
  const now = Date.now();
  for (const [name, chain] of chains) {
    const cold: number[] = [];
    for (let i = 0; i < 30; i++) {
      clearParseCache();
      const v = createCertificateVerifier({ provider, ca: [pki.der('root.pem')] });
      const t0 = performance.now();
      const r = v.verifyChain(chain, 'server', now);
      cold.push(performance.now() - t0);
      assert.equal(r.ok, true);
    }
    const v = createCertificateVerifier({ provider, ca: [pki.der('root.pem')] });
    v.verifyChain(chain, 'server', now);
    const warm: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      v.verifyChain(chain, 'server', now);
      warm.push(performance.now() - t0);
    }
    const c = median(cold);
    const w = median(warm);
    console.log(`# verify ${name}: cold ${c.toFixed(3)} ms (parse 2 certs + 2 signatures), cached ${(w * 1000).toFixed(1)} µs`);
    assert.ok(w < c, 'cached verification is cheaper than cold');
    assert.ok(w < 0.5, `cached verification takes ${w} ms`);
  }
});
