/**
 * Keeps alive, between connections, the hidden classes ("maps") the optimised data path was built
 * on: the engine of the most recently closed established connection of each side (client,
 * server), disposed first (TlsConnection.dispose: secrets zeroed, keys freed, queues and callbacks
 * let go), until the next one of that side closes; and, for the sockets themselves, an inert
 * TLSSocket and transport per side shaped like the closed ones.
 *
 * Why: V8's optimised code checks the maps of the objects it was specialised for: the engine's
 * connection, reader, writer, protections, keys, and the TLSSocket, its transport and their
 * stream states. A map is kept alive by its live instances only (V8 holds map transitions
 * weakly), so once the last connection is gone and a full collection runs, those maps die and V8
 * throws away every optimised function that embedded them ("weak objects" deoptimisation). The
 * next connection rebuilds identical maps and the whole data path is optimised again: measured on
 * a server that takes one connection at a time with a forced gc() between them (the shared
 * benchmark harness), 20-55 ms of TurboFan work per 256 MiB transfer (docs/performance.md, rounds
 * 5-7). node:tls pays less: its record layer is C++.
 *
 * Not the sockets themselves: a TLSSocket reaches the application's listeners and options, and
 * whatever they capture (a leak test kept a whole round of 200 connections alive through them).
 * A disposed engine holds no bytes of the application and no key material; the inert sockets are
 * built here, never connected, and take from the closed ones only the names of their properties
 * and their numbers and flags (util/shape-twin.ts). Objects the engine drops within a connection
 * keep one instance per class instead (util/shape-keeper.ts).
 */
import type { TlsConnection } from '../connection/types.js';
import { followShape, keyCount } from '../util/shape-twin.js';

const lastClosed: [TlsConnection | null, TlsConnection | null] = [null, null];

/** Call when an established connection is over, after disposing its engine. */
export function keepShapesOf(conn: TlsConnection, isServer: boolean): void {
  lastClosed[isServer ? 1 : 0] = conn;
}

/** For tests: the engine kept for this side, if any. */
export function keptEngine(isServer: boolean): TlsConnection | null {
  return lastClosed[isServer ? 1 : 0];
}

/** A socket side's parts whose hidden classes the data path is built on: itself and its stream states. */
function parts(socket: object): object[] {
  const s = socket as { _readableState?: object; _writableState?: object };
  return s._readableState && s._writableState ? [socket, s._readableState, s._writableState] : [socket];
}

/** An inert socket pair with its stream states, and how many own keys the pair it follows had. */
interface Twins {
  keys: number;
  parts: object[];
}

const twins: [Twins | null, Twins | null] = [null, null];

/** Closes of each side whose sockets are counted: all of the first, then one in RECOUNT_EVERY. */
export const RECOUNT_FIRST = 16;
export const RECOUNT_EVERY = 64;
/** Established connections closed so far, per side. */
const closes: [number, number] = [0, 0];

/**
 * Call when an established connection is over: `live` is the TLSSocket and its transport, `make`
 * builds an inert pair of the same classes, which is shaped after the live one and kept. Built
 * again when a closing connection shows more properties than the kept pair, so the most complete
 * shape is the one kept. Counting them allocates a key list per object (8.5 KB per connection
 * with Node 20's sockets, a tenth of a server handshake's garbage), so only the first
 * RECOUNT_FIRST closes of each side are counted and then one in RECOUNT_EVERY: the shapes a
 * workload makes show up early, and a rarer, larger one is still picked up later.
 */
export function keepSocketShapes(live: readonly object[], isServer: boolean, make: (isServer: boolean) => object[]): void {
  const side = isServer ? 1 : 0;
  const n = ++closes[side];
  if (n > RECOUNT_FIRST && n % RECOUNT_EVERY !== 0) return;
  const models = live.flatMap(parts);
  const keys = keyCount(models);
  const kept = twins[side];
  if (kept && kept.keys >= keys) return;
  const made = make(isServer).flatMap(parts);
  if (made.length !== models.length) return;
  for (let i = 0; i < models.length; i++) if (!followShape(models[i]!, made[i]!)) return;
  twins[side] = { keys, parts: made };
}

/** For tests: the inert objects kept for this side. */
export function keptTwins(isServer: boolean): readonly object[] {
  return twins[isServer ? 1 : 0]?.parts ?? [];
}
