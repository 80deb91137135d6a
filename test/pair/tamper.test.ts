/**
 * Tampering in flight: a single flipped bit anywhere in any handshake flight must end the
 * handshake with an `error` event on both sides (the receiver's own alert, then the sender seeing
 * it), never an exception and never a completed handshake. Flips inside protected record bodies
 * must be reported as bad_record_mac.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDescription, ContentType } from '../../src/wire/registry.js';
import { errorsOf, handshake, makePair, type Tamper } from './pair.js';

/** Byte offsets of the record headers in a flight. */
function recordStarts(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let off = 0; off + 5 <= bytes.length; off += 5 + ((bytes[off + 3]! << 8) | bytes[off + 4]!)) out.push(off);
  return out;
}

/**
 * Positions worth flipping: everything except the record length bytes and, in plaintext handshake
 * records, the handshake message length (a longer length only makes the receiver wait for more).
 */
function positions(bytes: Uint8Array, stride: number): number[] {
  const skip = new Set<number>();
  for (const s of recordStarts(bytes)) {
    skip.add(s + 3).add(s + 4);
    if (bytes[s] === ContentType.handshake) skip.add(s + 6).add(s + 7).add(s + 8);
  }
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += stride) if (!skip.has(i)) out.push(i);
  return out;
}

/** Is `pos` inside the body of a protected (outer type application_data) record? */
function inProtectedBody(bytes: Uint8Array, pos: number): boolean {
  for (const s of recordStarts(bytes)) {
    const len = (bytes[s + 3]! << 8) | bytes[s + 4]!;
    if (pos >= s + 5 && pos < s + 5 + len) return bytes[s] === ContentType.application_data;
  }
  return false;
}

/** Captures the flights of a clean handshake, to know their sizes. */
function flightSizes(): { client: number[]; server: number[] } {
  const sizes = { client: [] as number[], server: [] as number[] };
  const { client, server } = makePair({ server: { requestCert: true }, client: {} });
  handshake(client, server, {
    client: (b) => (sizes.client.push(b.length), b),
    server: (b) => (sizes.server.push(b.length), b),
  });
  return sizes;
}

for (const side of ['client', 'server'] as const) {
  test(`every flipped bit in a ${side} flight fails both sides cleanly`, () => {
    const sizes = flightSizes()[side];
    assert.ok(sizes.length >= 1);
    for (let flight = 0; flight < sizes.length; flight++) {
      // A fresh handshake per flip; sample positions to keep the test fast but cover every record.
      const probe = makePair({ server: { requestCert: true } });
      let sample: Uint8Array | undefined;
      handshake(probe.client, probe.server, { [side]: ((b, f) => (f === flight && (sample = b.slice()), b)) as Tamper });
      assert.ok(sample, `flight ${flight} captured`);
      for (const pos of positions(sample, 7)) {
        for (const bit of [0x01, 0x80]) {
          const { client, server } = makePair({ server: { requestCert: true } });
          // ECDSA signatures vary in length, so a flight can be a byte or two shorter than the sample.
          let applied = false;
          const tamper: Tamper = (b, f) => {
            if (f !== flight || pos >= b.length) return b;
            const c = b.slice();
            c[pos]! ^= bit;
            applied = true;
            return c;
          };
          let t;
          assert.doesNotThrow(() => (t = handshake(client, server, { [side]: tamper })), `flight ${flight} pos ${pos}`);
          if (!applied) continue;
          const receiver = side === 'client' ? server : client;
          const sender = side === 'client' ? client : server;
          const where = `${side} flight ${flight}, byte ${pos}, bit ${bit}`;
          assert.ok(!(client.handshakeComplete && server.handshakeComplete), `handshake completed despite tampering at ${where}`);
          assert.ok(receiver.failure || sender.failure, `no error at ${where}`);
          assert.ok(client.failure && server.failure, `both sides must fail at ${where}`);
          const first: { alert: number; fromPeer: boolean; message: string } | undefined = side === 'client' ? errorsOf(t!.server)[0] : errorsOf(t!.client)[0];
          assert.ok(first, `receiver reported an error event at ${where}`);
          if (inProtectedBody(sample, pos) && !first.fromPeer) {
            assert.equal(first.alert, AlertDescription.bad_record_mac, `alert at ${where}: ${first.message}`);
          }
        }
      }
    }
  });
}
