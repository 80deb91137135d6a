import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePem, encodePem, decodeBase64, encodeBase64 } from '../../src/pki/pem.js';
import { PkiError } from '../../src/pki/errors.js';

test('base64 round-trips every length and matches Node', () => {
  for (let n = 0; n < 40; n++) {
    const b = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
    const s = encodeBase64(b);
    assert.equal(s, Buffer.from(b).toString('base64'));
    assert.deepEqual(decodeBase64(s), b);
  }
});

test('decodePem reads several blocks and ignores text between them', () => {
  const a = new Uint8Array([0x30, 0x03, 1, 2, 3]);
  const b = new Uint8Array([0x30, 0x01, 9]);
  const text = 'Bag Attributes\n  localKeyID: 01\n' + encodePem('CERTIFICATE', a) + 'junk text\n' + encodePem('PRIVATE KEY', b);
  const blocks = decodePem(text);
  assert.equal(blocks.length, 2);
  assert.equal(blocks[0]!.label, 'CERTIFICATE');
  assert.deepEqual(blocks[0]!.der, a);
  assert.equal(blocks[1]!.label, 'PRIVATE KEY');
  assert.deepEqual(blocks[1]!.der, b);
});

test('decodePem rejects damaged base64 with a coded error', () => {
  const text = '-----BEGIN CERTIFICATE-----\nMIIB*AAA\n-----END CERTIFICATE-----\n';
  assert.throws(() => decodePem(text), (e: unknown) => e instanceof PkiError && e.code === 'ERR_PEM_BAD_BASE64');
  const short = '-----BEGIN CERTIFICATE-----\nMIIBA\n-----END CERTIFICATE-----\n';
  assert.throws(() => decodePem(short), (e: unknown) => e instanceof PkiError && e.code === 'ERR_PEM_BAD_BASE64');
  const mismatch = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n';
  assert.throws(() => decodePem(mismatch), (e: unknown) => e instanceof PkiError && e.code === 'ERR_PEM_BAD_ARMOUR');
});

test('TRUSTED CERTIFICATE yields the certificate without the aux', () => {
  const cert = new Uint8Array([0x30, 0x03, 1, 2, 3]);
  const aux = new Uint8Array([0x30, 0x02, 0x05, 0x00]);
  const text = encodePem('TRUSTED CERTIFICATE', new Uint8Array([...cert, ...aux]));
  const [blk] = decodePem(text);
  assert.equal(blk!.label, 'CERTIFICATE');
  assert.deepEqual(blk!.der, cert);
});
