// Property tests: arbitrary bytes and text never make the PKI parsers throw anything but their
// documented error types (TlsError for peer certificates, PkiError for configuration inputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCertificate } from '../../src/pki/x509.js';
import { parseCrl } from '../../src/pki/crl.js';
import { decodePem, encodePem } from '../../src/pki/pem.js';
import { parsePfx } from '../../src/pki/pkcs12.js';
import { nodePkcs12Crypto } from '../../src/crypto/node/pkcs12-crypto.js';
import '../../src/node/pki-loaders.js'; // parsePfx's ASN.1 schemas, loaded on first use
import { PkiError } from '../../src/pki/errors.js';
import { TlsError } from '../../src/util/errors.js';
import { buildPki } from './fixtures.js';

const pki = buildPki();
const seeds = [pki.der('leaf.pem'), pki.der('int.pem'), pki.der('leafed.pem')];

/** Bytes that are mostly DER: a real certificate with a few random edits, or plain random bytes. */
const derish = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([s, edits]) => {
    const m = new Uint8Array(s);
    for (const [pos, v] of edits) m[pos % m.length] = v;
    return m;
  }),
);

test('parseCertificate: only TlsError(bad_certificate), for any input', () => {
  fc.assert(
    fc.property(derish, (b) => {
      try {
        parseCertificate(b);
      } catch (e) {
        return e instanceof TlsError && e.alert === 42;
      }
      return true;
    }),
    { numRuns: 1500 },
  );
});

test('parseCrl and parsePfx: only PkiError, for any input', () => {
  fc.assert(
    fc.property(derish, (b) => {
      for (const f of [() => parseCrl(b), () => parsePfx(b, 'x', nodePkcs12Crypto)]) {
        try {
          f();
        } catch (e) {
          if (!(e instanceof PkiError)) return false;
        }
      }
      return true;
    }),
    { numRuns: 800 },
  );
});

test('PEM: encode/decode round-trips any bytes; any text decodes or fails with PkiError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), fc.constantFrom('CERTIFICATE', 'PRIVATE KEY', 'X509 CRL'), (b, label) => {
      const [blk] = decodePem(encodePem(label, b));
      assert.equal(blk!.label, label);
      assert.deepEqual(blk!.der, b);
    }),
  );
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, body) => {
      try {
        decodePem(`${a}-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
      } catch (e) {
        return e instanceof PkiError;
      }
      return true;
    }),
  );
});
