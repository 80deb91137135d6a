/**
 * Instances kept alive for the life of the process, one per class that needs it.
 *
 * V8's optimised code checks the hidden classes ("maps") of the objects it was built for, and a
 * class's hidden classes live only as long as some instance does (V8 holds map transitions
 * weakly). Objects a connection creates and drops in every read or handshake (a plaintext slab, a
 * handshake joiner) may have no instance alive between two connections; a full GC then collects
 * their hidden classes, and V8 throws away the optimised record loop built on them ("weak
 * objects" deoptimisation) or forgets the loop's feedback for them, so the next connection
 * recompiles it (docs/performance.md, rounds 5 and 6). One empty instance per class prevents that.
 * node/warm-shapes.ts does the same for the last closed connection's engine.
 */
const kept: object[] = [];

/** Keeps `instance` (and so its class's hidden class) alive for good. */
export function keepShape(instance: object): void {
  kept.push(instance);
}
