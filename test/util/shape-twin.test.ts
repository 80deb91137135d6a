/**
 * util/shape-twin.ts: a twin built by the model's constructor takes the model's later properties,
 * in the order that gives it the model's hidden class, and nothing the model references.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { followShape, keyCount } from '../../src/util/shape-twin.js';

const kSetup = Symbol('setup');

class Thing {
  count = 0;
  name: string | null = null;
  owner: object | null = null;
}

/** A Thing that got, after construction, a symbol at setup time and then string keys. */
function grown(): Thing & Record<PropertyKey, unknown> {
  const t = new Thing() as Thing & Record<PropertyKey, unknown>;
  t.count = 3;
  t.name = 'secret.example';
  t.owner = { listeners: [() => undefined] };
  t[kSetup] = { options: 'application data' };
  t.write = () => 'after end';
  t.ratio = 0.5;
  t.flag = true;
  return t;
}

test('the twin takes the later keys, with numbers and flags and nothing else of the model', () => {
  const model = grown();
  const twin = new Thing() as Thing & Record<PropertyKey, unknown>;
  assert.equal(followShape(model, twin), true);
  assert.deepEqual(Reflect.ownKeys(twin), ['count', 'name', 'owner', 'write', 'ratio', 'flag', kSetup]);
  assert.equal(keyCount([twin]), keyCount([model]));
  // Keys from the constructor keep the twin's own values; added ones copy only numbers and flags.
  assert.deepEqual([twin.count, twin.name, twin.owner], [0, null, null]);
  assert.deepEqual([twin.write, twin.ratio, twin.flag, twin[kSetup]], [null, 0.5, true, null]);
});

test('a twin that is not a prefix of the model, or an accessor on the model, is refused', () => {
  const model = grown();
  const other = new Thing() as Thing & Record<PropertyKey, unknown>;
  other.unrelated = 1;
  assert.equal(followShape(model, other), false, 'the twin has a key the model lacks');
  const withGetter = new Thing();
  Object.defineProperty(withGetter, 'computed', { get: () => 1, enumerable: true, configurable: true });
  assert.equal(followShape(withGetter, new Thing()), false, 'an accessor takes another transition');
  const frozenKey = new Thing();
  Object.defineProperty(frozenKey, 'fixed', { value: 1, writable: false, enumerable: true, configurable: true });
  assert.equal(followShape(frozenKey, new Thing()), false, 'non-default attributes take another transition');
});

// V8 itself says whether the two objects share a hidden class. The model's symbol came before its
// strings, as in a socket's life (setup, then `write` replaced at the end).
const probe = `
const { followShape } = await import(${JSON.stringify(new URL('../../src/util/shape-twin.js', import.meta.url).href)});
class Thing { count = 0; name = null; owner = null; }
const kSetup = Symbol('setup');
const results = [];
for (let i = 0; i < 3; i++) {
  const model = new Thing();
  model.count = 3; model.name = 'x'; model.owner = {};
  model[kSetup] = {}; model.write = () => 1; model.ratio = 0.5; model.flag = true;
  const twin = new Thing();
  results.push(followShape(model, twin) && %HaveSameMap(model, twin));
}
// A model whose string came before its symbol is followed in the other order: a different class.
const late = new Thing(); late.write = 1; late[kSetup] = 2;
const lateTwin = new Thing();
results.push(followShape(late, lateTwin) && %HaveSameMap(late, lateTwin));
console.log(JSON.stringify(results));
`;

test('the twin has the same hidden class as its model (V8, --allow-natives-syntax)', () => {
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', probe], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  // The last case documents the limit: keys are replayed symbols first.
  assert.deepEqual(JSON.parse(r.stdout.trim()), [true, true, true, false]);
});
