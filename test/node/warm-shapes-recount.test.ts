/**
 * node/warm-shapes.ts: the sockets of a closing connection are counted (a key list per object)
 * for each of a side's first RECOUNT_FIRST closes, then only for one close in RECOUNT_EVERY; a
 * counted close with more properties than the kept twins replaces them. Its own file: the close
 * counters are per process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepSocketShapes, keptTwins, RECOUNT_EVERY, RECOUNT_FIRST } from '../../src/node/warm-shapes.js';

class Part {}

/** A Part with `n` properties, as a closing socket with n own keys. */
function modelWith(n: number): Part {
  const p = new Part() as Record<string, unknown>;
  for (let i = 0; i < n; i++) p[`k${i}`] = i;
  return p;
}

const make = (): object[] => [new Part()];
const keptKeys = (): number => Reflect.ownKeys(keptTwins(true)[0] ?? {}).length;

test('the first closes are all counted, then one in RECOUNT_EVERY', () => {
  assert.ok(RECOUNT_FIRST < RECOUNT_EVERY);
  let closes = 0;
  const close = (keys: number): void => {
    closes++;
    keepSocketShapes([modelWith(keys)], true, make);
  };
  close(1);
  assert.equal(keptKeys(), 1, 'the first close makes twins');
  while (closes < RECOUNT_FIRST) close(closes + 1);
  assert.equal(keptKeys(), RECOUNT_FIRST, 'each of the first closes with more properties replaced them');
  while (closes < RECOUNT_EVERY - 1) close(100);
  assert.equal(keptKeys(), RECOUNT_FIRST, 'closes past the first are not counted');
  close(101);
  assert.equal(closes, RECOUNT_EVERY);
  assert.equal(keptKeys(), 101, 'one close in RECOUNT_EVERY is');
  close(5);
  assert.equal(keptKeys(), 101, 'fewer properties never replace the kept twins');
  assert.equal(keptTwins(false).length, 0, 'the other side is untouched');
});
