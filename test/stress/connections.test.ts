/**
 * Many connections: 200 concurrent ts-tls connections (all open together, then each echoes 1 KiB
 * and closes), three rounds, with the heap measured after a full gc before and after; and the
 * memory held by an idle connection, ts-tls against node:tls in the same run. Measurements run in
 * a child process with --expose-gc; the figures are printed as diagnostics.
 *
 *   node --test build/test/stress/connections.test.js
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MiB, kib, mib, runChild } from './run-child.js';

/** A leaked connection holds tens of KiB of heap; 200 leaked per round would exceed these. */
const MAX_HEAP_GROWTH_AFTER_ROUNDS = 2 * MiB;
const MAX_HEAP_GROWTH_BETWEEN_ROUNDS = 1 * MiB;
/** Heap + external per idle connection (both ends in one process). */
const MAX_IDLE_JS_BYTES_PER_CONNECTION = 64 * 1024;

interface Leak {
  gc: boolean;
  oks: number[];
  peakOpen: number;
  heapBefore: number;
  externalBefore: number;
  heaps: number[];
  externals: number[];
  openAfter: number[];
}
interface Idle {
  lib: string;
  n: number;
  serverSide: number;
  perConnection: { heapUsed: number; external: number; rss: number };
}

describe('many connections', () => {
  it('200 concurrent connections, three rounds: all echo, all close, heap returns near where it was', async (t) => {
    const r = await runChild<Leak>(['leak', '200', '3', 'ours'], 60_000);
    t.diagnostic(
      `heap before ${mib(r.heapBefore)}, after each round ${r.heaps.map(mib).join(', ')}; ` +
        `external before ${mib(r.externalBefore)}, after ${r.externals.map(mib).join(', ')}`,
    );
    assert.equal(r.gc, true);
    assert.deepEqual(r.oks, [200, 200, 200], 'every connection got its echo');
    assert.equal(r.peakOpen, 200, 'all 200 were open at the same time');
    assert.deepEqual(r.openAfter, [0, 0, 0], 'the server holds no connection after each round');
    const last = r.heaps[r.heaps.length - 1]!;
    assert.ok(last - r.heapBefore < MAX_HEAP_GROWTH_AFTER_ROUNDS, `heap grew ${mib(last - r.heapBefore)} over 600 connections`);
    assert.ok(last - r.heaps[0]! < MAX_HEAP_GROWTH_BETWEEN_ROUNDS, `heap grew ${mib(last - r.heaps[0]!)} between round 1 and 3`);
    assert.ok(r.externals[r.externals.length - 1]! - r.externalBefore < MiB, 'external memory returns');
  });

  it('memory per idle connection: ts-tls and node:tls in the same run (200 each, both ends counted)', async (t) => {
    const ours = await runChild<Idle>(['idle', 'ours', '200'], 60_000);
    const node = await runChild<Idle>(['idle', 'node', '200'], 60_000);
    for (const r of [ours, node]) {
      t.diagnostic(
        `${r.lib}: per idle connection (client + server end) heap ${kib(r.perConnection.heapUsed)}, ` +
          `external ${kib(r.perConnection.external)}, rss ${kib(r.perConnection.rss)}`,
      );
    }
    assert.equal(ours.serverSide, 200);
    assert.equal(node.serverSide, 200);
    const js = ours.perConnection.heapUsed + ours.perConnection.external;
    assert.ok(js > 0 && js < MAX_IDLE_JS_BYTES_PER_CONNECTION, `ts-tls holds ${kib(js)} of JS heap + external per idle connection`);
    // node:tls keeps its TLS state in OpenSSL (visible in rss only); ts-tls keeps it on the JS heap.
    // Whole-process rss per connection must stay within a small factor of Node's.
    assert.ok(ours.perConnection.rss < 4 * Math.max(node.perConnection.rss, 32 * 1024), `rss per connection ${kib(ours.perConnection.rss)} vs node ${kib(node.perConnection.rss)}`);
  });
});
