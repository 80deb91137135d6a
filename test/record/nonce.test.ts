// NonceBuilder keeps the iv as three int32s and writes every nonce into one buffer shared by all
// builders: checked against the RFC 8446 §5.3 definition (iv XOR left-padded 64-bit seq)
// computed with BigInt, with builders interleaved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NonceBuilder } from '../../src/record/protection.js';
import { toHex } from '../../src/util/bytes.js';

function reference(iv: Uint8Array, seq: number): string {
  const out = Uint8Array.from(iv);
  let s = BigInt(seq);
  for (let i = 11; i >= 4; i--) {
    out[i]! ^= Number(s & 0xffn);
    s >>= 8n;
  }
  return toHex(out);
}

const SEQS = [0, 1, 2, 255, 256, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x1_0000_0001, 0xdead_beef_cafe, 2 ** 48 + 12345, 2 ** 53 - 1];

test('NonceBuilder: iv XOR seq for every byte pattern of the iv, across the 32-bit boundary and up to 2^53-1', () => {
  const ivs = [new Uint8Array(12), new Uint8Array(12).fill(0xff), Uint8Array.from({ length: 12 }, (_, i) => 0x80 | i), ...Array.from({ length: 20 }, () => new Uint8Array(randomBytes(12)))];
  for (const iv of ivs) {
    const copy = Uint8Array.from(iv);
    const nb = new NonceBuilder(iv);
    for (const seq of SEQS) assert.equal(toHex(nb.at(seq)), reference(iv, seq), `iv ${toHex(iv)} seq ${seq}`);
    // Backwards too: nothing of the previous nonce may leak into the next one.
    for (const seq of [...SEQS].reverse()) assert.equal(toHex(nb.at(seq)), reference(iv, seq), `iv ${toHex(iv)} seq ${seq} (descending)`);
    assert.deepEqual(iv, copy, 'the caller iv is not modified');
  }
});

test('NonceBuilder: builders of different ivs interleaved each write their whole nonce', () => {
  const ivs = Array.from({ length: 4 }, () => new Uint8Array(randomBytes(12)));
  const builders = ivs.map((iv) => new NonceBuilder(iv));
  for (const seq of SEQS) {
    for (let i = 0; i < builders.length; i++) assert.equal(toHex(builders[i]!.at(seq)), reference(ivs[i]!, seq), `builder ${i} seq ${seq}`);
  }
});

test('NonceBuilder: keeps no reference to the caller iv and reuses one buffer', () => {
  const iv = new Uint8Array(randomBytes(12));
  const want = reference(iv, 7);
  const nb = new NonceBuilder(iv);
  iv.fill(0); // e.g. a caller wiping its copy
  const a = nb.at(7);
  assert.equal(toHex(a), want);
  assert.equal(nb.at(8), a, 'the same buffer is returned at every call');
  assert.equal(new NonceBuilder(new Uint8Array(12)).at(0), a, 'and by every builder');
});

test('NonceBuilder: an iv of another length is a RangeError', () => {
  assert.throws(() => new NonceBuilder(new Uint8Array(8)), RangeError);
  assert.throws(() => new NonceBuilder(new Uint8Array(16)), RangeError);
});
