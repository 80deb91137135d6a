/** Property tests: round trips, and that no input makes the decoder throw anything but a TlsError. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { TlsError } from '../../src/util/errors.js';
import { decodeHandshake, encodeHandshake } from '../../src/wire/handshake/index.js';
import type { HandshakeMessage, RawExtension } from '../../src/wire/types.js';
import * as V from '../vectors/rfc8448.js';
import { TLS12, TLS13, versionedMessage } from './arbitraries.js';

const RUNS = Number(process.env.FC_RUNS ?? 500);

/** decodeHandshake, returning the TlsError instead of throwing it; any other throw fails the test. */
function tryDecode(raw: Uint8Array, version: number): HandshakeMessage | TlsError {
  try {
    return decodeHandshake(raw, version);
  } catch (e) {
    assert.ok(e instanceof TlsError, `non-TlsError thrown: ${String(e)}`);
    assert.equal(typeof e.alert, 'number');
    return e;
  }
}

/** Plain comparable form: Uint8Array → hex, plain objects without prototype or undefined keys. */
function norm(x: unknown): unknown {
  if (x instanceof Uint8Array) return `hex:${toHex(x)}`;
  if (Array.isArray(x)) return x.map(norm);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined).map(([k, v]) => [k, norm(v)]));
  }
  return x;
}

function withoutRawList(m: HandshakeMessage): unknown {
  const { extensions: _drop, ...rest } = m as HandshakeMessage & { extensions?: RawExtension[] };
  return norm(rest);
}

const RFC_MESSAGES = [
  V.S3_CLIENT_CLIENT_HELLO, V.S3_SERVER_SERVER_HELLO, V.S3_SERVER_ENCRYPTED_EXTENSIONS, V.S3_SERVER_CERTIFICATE,
  V.S3_SERVER_CERTIFICATE_VERIFY, V.S3_SERVER_FINISHED, V.S3_SERVER_NEW_SESSION_TICKET, V.S4_CLIENT_HELLO_FULL,
  V.S5_HELLO_RETRY_REQUEST, V.S5_CLIENT_HELLO_2, V.S6_SERVER_CERTIFICATE_REQUEST,
].map(fromHex);

describe('codec properties', () => {
  it('encode → decode gives back every field, and the unknown extensions in order', () => {
    fc.assert(
      fc.property(versionedMessage, ({ m, version }) => {
        const wire = encodeHandshake(m, version);
        const d = decodeHandshake(wire, version);
        assert.deepStrictEqual(withoutRawList(d), withoutRawList(m));
        const sent = (m as { extensions?: RawExtension[] }).extensions ?? [];
        const got = (d as { extensions?: RawExtension[] }).extensions ?? [];
        assert.deepStrictEqual(norm(got.filter((g) => sent.some((s) => s.type === g.type))), norm(sent));
        // decode → encode is byte-identical (what the transcript needs if a message is ever re-encoded)
        assert.deepStrictEqual(encodeHandshake(d, version), wire);
      }),
      { numRuns: RUNS },
    );
  });

  it('random bodies under a valid header only ever fail with a TlsError', () => {
    const types = [0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 24, 3, 6, 25, 254];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 200 }), fc.constantFrom(TLS12, TLS13), (type, body, version) => {
        const raw = new Uint8Array(4 + body.length);
        raw.set([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
        raw.set(body, 4);
        tryDecode(raw, version);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('arbitrary bytes only ever fail with a TlsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(TLS12, TLS13), (raw, version) => void tryDecode(raw, version)),
      { numRuns: RUNS * 2 },
    );
  });

  it('truncated, extended and bit-flipped valid messages only ever fail with a TlsError', () => {
    const valid = fc.oneof(
      versionedMessage.map(({ m, version }) => ({ raw: encodeHandshake(m, version), version })),
      fc.constantFrom(...RFC_MESSAGES).map((raw) => ({ raw, version: TLS13 })),
    );
    fc.assert(
      fc.property(valid, fc.nat(), fc.nat({ max: 7 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ raw, version }, at, bit, extra) => {
        const i = at % raw.length;
        const flipped = raw.slice();
        flipped[i]! ^= 1 << bit;
        tryDecode(flipped, version);
        tryDecode(raw.subarray(0, i), version);
        const longer = new Uint8Array(raw.length + extra.length);
        longer.set(raw);
        longer.set(extra, raw.length);
        assert.ok(tryDecode(longer, version) instanceof TlsError, 'trailing bytes after a message are rejected');
        // Same bytes, header length fixed up to cover the extension: still only TlsError or a message.
        const body = longer.length - 4;
        longer.set([body >> 16, (body >> 8) & 0xff, body & 0xff], 1);
        tryDecode(longer, version);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('no proper prefix of a valid message decodes', () => {
    fc.assert(
      fc.property(versionedMessage, ({ m, version }) => {
        const wire = encodeHandshake(m, version);
        for (let n = 0; n < wire.length; n++) {
          assert.ok(tryDecode(wire.subarray(0, n), version) instanceof TlsError, `prefix of ${n}/${wire.length} bytes decoded`);
        }
      }),
      { numRuns: RUNS / 5 },
    );
  });
});
