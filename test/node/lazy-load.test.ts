/**
 * `import 'ts-tls'` does not load the bundled roots (pki/roots-data.cjs) or the PKCS#12 schema
 * packages: they load on first use (src/node/pki-loaders.ts), which keeps the old generation after
 * import under V8's 8 MB incremental-marking threshold. Checked in fresh processes through
 * require.cache, which also lists CommonJS modules an ES module imported (asn1-csr, the control).
 * Also: tls.rootCertificates is Node's lazy, non-configurable getter, and the named export is a
 * frozen array that fills itself on first touch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import nodeTls from 'node:tls';
import { fileURLToPath } from 'node:url';
import tlsModule, { rootCertificates } from '../../src/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { createSelfSigned } from '../../src/pki/build/index.js';

const src = (rel: string): string => fileURLToPath(new URL(`../../src/${rel}`, import.meta.url));

/** Runs an ES module script in a fresh node; returns what it printed as JSON. */
function inFreshProcess(script: string): Record<string, unknown> {
  const cwd = fileURLToPath(new URL('../../..', import.meta.url)); // the repository: resolves @peculiar/*
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const LOADED = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const loaded = (part) => Object.keys(cache).some((k) => k.includes(part));
const state = () => ({ roots: loaded('roots-data.cjs'), schema: loaded('asn1-schema'), pfx: loaded('asn1-pfx'), cms: loaded('asn1-cms'), pkcs8: loaded('asn1-pkcs8') });
`;

test('import loads neither the roots nor the PKCS#12 packages; first use loads each', () => {
  const out = inFreshProcess(`${LOADED}
    const { default: tls } = await import(${JSON.stringify(src('index.js'))});
    const atImport = state();
    const n = tls.rootCertificates.length;
    const afterRoots = state();
    let code;
    try { tls.createSecureContext({ pfx: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03]) }); } catch (e) { code = e.code; }
    const afterPfx = state();
    await import('@peculiar/asn1-csr');
    console.log(JSON.stringify({ atImport, n, afterRoots, afterPfx, code, control: loaded('asn1-csr') }));`);
  assert.equal(out['control'], true, 'an ES module import of a CommonJS package shows in require.cache');
  assert.deepEqual(out['atImport'], { roots: false, schema: false, pfx: false, cms: false, pkcs8: false });
  assert.equal(out['n'], nodeTls.rootCertificates.length);
  assert.deepEqual(out['afterRoots'], { roots: true, schema: false, pfx: false, cms: false, pkcs8: false });
  assert.deepEqual(out['afterPfx'], { roots: true, schema: true, pfx: true, cms: true, pkcs8: true });
  assert.equal(out['code'], 'ERR_PKCS12_BAD_FORMAT', 'the PFX was read by the loaded schemas');
});

test('a server context with key, cert and ca loads neither; a verifier without ca loads the roots', () => {
  // Made here: the certificate builder (pki/build) uses @peculiar itself.
  const made = createSelfSigned({ provider: nodeCryptoProvider(), key: { type: 'ec', curve: 'P-256' }, subject: { CN: 'localhost' }, dns: ['localhost'], days: 1 });
  const out = inFreshProcess(`${LOADED}
    const { default: tls } = await import(${JSON.stringify(src('index.js'))});
    const b = ${JSON.stringify({ keyPem: made.keyPem, certPem: made.certPem })};
    tls.createSecureContext({ key: b.keyPem, cert: b.certPem, ca: b.certPem });
    const server = state();
    void tls.createSecureContext({}).verifier; // what a client handshake consults
    console.log(JSON.stringify({ server, client: state() }));`);
  assert.deepEqual(out['server'], { roots: false, schema: false, pfx: false, cms: false, pkcs8: false });
  assert.equal((out['client'] as { roots: boolean }).roots, true);
});

test("tls.rootCertificates is Node's getter: enumerable, not configurable, one frozen array", () => {
  const d = Object.getOwnPropertyDescriptor(tlsModule, 'rootCertificates')!;
  assert.equal(typeof d.get, 'function');
  assert.equal(d.configurable, false);
  assert.equal(d.enumerable, true);
  assert.equal(tlsModule.rootCertificates, tlsModule.rootCertificates);
  assert.ok(Object.isFrozen(tlsModule.rootCertificates));
  assert.deepEqual([...tlsModule.rootCertificates], [...nodeTls.rootCertificates]);
});

test('the named rootCertificates export behaves as a frozen array of the same roots', () => {
  assert.ok(Array.isArray(rootCertificates));
  assert.ok(Object.isFrozen(rootCertificates));
  assert.equal(rootCertificates.length, tlsModule.rootCertificates.length);
  assert.deepEqual([...rootCertificates], [...tlsModule.rootCertificates]);
  assert.equal(rootCertificates[0], tlsModule.rootCertificates[0]);
  assert.equal(JSON.stringify(rootCertificates), JSON.stringify(tlsModule.rootCertificates));
  assert.ok(rootCertificates.includes(tlsModule.rootCertificates[5]!));
  const mutable = rootCertificates as string[];
  assert.throws(() => {
    mutable[0] = 'x';
  }, TypeError);
  assert.throws(() => mutable.push('x'), TypeError);
  assert.throws(() => Object.defineProperty(mutable, 'extra', { value: 1 }), TypeError);
  assert.equal(rootCertificates[0], tlsModule.rootCertificates[0]);
});

test('the core without the adapter: a clear error naming the missing loader, and a late loader still works', () => {
  const out = inFreshProcess(`
    const rs = await import(${JSON.stringify(src('pki/root-store.js'))});
    const p12 = await import(${JSON.stringify(src('pki/pkcs12.js'))});
    const codeOf = (f) => { try { f(); return 'none'; } catch (e) { return e.code; } };
    const roots = codeOf(() => rs.bundledRootCertificates());
    const named = codeOf(() => rs.rootCertificates.length);
    const pfx = codeOf(() => p12.parsePfx(new Uint8Array([0x30, 0]), '', {}));
    rs.setRootCertificateSource(() => ['-----BEGIN CERTIFICATE-----\\nAA==\\n-----END CERTIFICATE-----\\n']);
    console.log(JSON.stringify({ roots, named, pfx, late: rs.rootCertificates.length, frozen: Object.isFrozen(rs.rootCertificates) }));`);
  assert.deepEqual(out, { roots: 'ERR_ROOT_CERTIFICATES_UNAVAILABLE', named: 'ERR_ROOT_CERTIFICATES_UNAVAILABLE', pfx: 'ERR_PKCS12_UNAVAILABLE', late: 1, frozen: true });
});
