/**
 * Property tests: arbitrary corruption of real flights (byte overwrites, truncation, insertion,
 * arbitrary chunking) never makes receive() throw, never completes a handshake that was tampered
 * with, and leaves at most one error event per side with an alert that is a known code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertDescription } from '../../src/wire/registry.js';
import type { ConnectionEvent, TlsConnection } from '../../src/connection/types.js';
import { errorsOf, makePair, takeAll } from './pair.js';

const KNOWN_ALERTS = new Set<number>(Object.values(AlertDescription));

/** A clean first flight from each side, captured once: [ClientHello, server flight]. */
function captureFlights(): { ch: Uint8Array; serverFlight: Uint8Array } {
  const { client, server } = makePair();
  client.start();
  const ch = takeAll(client);
  server.receive(ch);
  return { ch, serverFlight: takeAll(server) };
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

interface Mutation {
  kind: 'overwrite' | 'truncate' | 'insert';
  at: number;
  bytes?: Uint8Array;
}

function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % b.length;
  if (m.kind === 'truncate') return b.slice(0, at);
  if (m.kind === 'insert') return new Uint8Array([...b.subarray(0, at), ...m.bytes!, ...b.subarray(at)]);
  const c = b.slice();
  c.set(m.bytes!.subarray(0, c.length - at), at);
  return c;
}

/** Feeds `bytes` to `conn` in the given chunk sizes; returns all events. */
function feed(conn: TlsConnection, bytes: Uint8Array, cuts: number[]): ConnectionEvent[] {
  const ev: ConnectionEvent[] = [];
  let off = 0;
  for (const c of cuts) {
    if (off >= bytes.length) break;
    ev.push(...conn.receive(bytes.subarray(off, off + 1 + (c % 300))));
    off += 1 + (c % 300);
  }
  if (off < bytes.length) ev.push(...conn.receive(bytes.subarray(off)));
  return ev;
}

function checkOutcome(conn: TlsConnection, ev: ConnectionEvent[], changed: boolean): void {
  const errors = errorsOf(ev);
  assert.ok(errors.length <= 1, 'at most one error event');
  for (const e of errors) assert.ok(KNOWN_ALERTS.has(e.alert), `alert ${e.alert} is a known code`);
  if (changed) assert.ok(!conn.handshakeComplete, 'a tampered flight never completes the handshake');
}

const { ch, serverFlight } = captureFlights();

test('server: mutated ClientHello flights never throw and never complete', () => {
  fc.assert(
    fc.property(mutation, fc.array(fc.nat(), { maxLength: 6 }), (m, cuts) => {
      const bad = mutate(ch, m);
      const { server } = makePair();
      let ev: ConnectionEvent[] = [];
      assert.doesNotThrow(() => (ev = feed(server, bad, cuts)));
      checkOutcome(server, ev, true);
    }),
    { numRuns: 300 },
  );
});

test('client: mutated server flights never throw and never complete', () => {
  fc.assert(
    fc.property(mutation, fc.array(fc.nat(), { maxLength: 10 }), (m, cuts) => {
      // A fresh client whose ClientHello the captured server flight does not answer: even an
      // unmodified flight must fail (wrong transcript), and nothing may throw.
      const { client } = makePair();
      client.start();
      client.takeOutgoing();
      const bad = mutate(serverFlight, m);
      let ev: ConnectionEvent[] = [];
      assert.doesNotThrow(() => (ev = feed(client, bad, cuts)));
      checkOutcome(client, ev, true);
    }),
    { numRuns: 300 },
  );
});
