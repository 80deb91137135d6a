/**
 * Keeps the engine of the most recently closed established connection of each side (client,
 * server) reachable, disposed first (TlsConnection.dispose: secrets zeroed, keys freed, queues and
 * callbacks let go), until the next one of that side closes.
 *
 * Why: V8's optimised code checks the hidden classes ("maps") of the objects it was specialised
 * for: the engine's connection, reader, writer, protections, keys. A map is kept alive by its live
 * instances only (V8 holds map transitions weakly), so once the last connection is gone and a full
 * collection runs, those maps die and V8 throws away every optimised function that embedded them
 * ("weak objects" deoptimisation). The next connection rebuilds identical maps and the whole data
 * path is optimised again: measured on a server that takes one connection at a time with a forced
 * gc() between them (the shared benchmark harness), 20-40 ms of TurboFan work per 256 MiB
 * transfer (docs/performance.md). node:tls does not pay this: its record layer is C++.
 *
 * The engine, not the socket: a TLSSocket reaches the application's listeners and options, and
 * whatever they capture (a leak test kept a whole round of 200 connections alive through them).
 * A disposed engine holds no bytes of the application and no key material. Objects the engine
 * drops within a connection keep one instance per class instead (util/shape-keeper.ts).
 */
import type { TlsConnection } from '../connection/types.js';

const lastClosed: [TlsConnection | null, TlsConnection | null] = [null, null];

/** Call when an established connection is over, after disposing its engine. */
export function keepShapesOf(conn: TlsConnection, isServer: boolean): void {
  lastClosed[isServer ? 1 : 0] = conn;
}

/** For tests: the engine kept for this side, if any. */
export function keptEngine(isServer: boolean): TlsConnection | null {
  return lastClosed[isServer ? 1 : 0];
}
