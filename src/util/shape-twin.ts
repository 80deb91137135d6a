/**
 * Makes an object take the same hidden-class path as another one, without holding what it holds.
 *
 * Why: V8 gives an object a new hidden class ("map") at each property added, and keeps a map alive
 * only while some object has it or a descendant of it (a map holds its parent strongly, its
 * children weakly). Optimised code that checks a map is thrown away once the map dies. Keeping an
 * inert twin of an object whose class dies often (a socket, between two connections) keeps the
 * whole path alive, and with it the optimised code, without keeping the object itself and what
 * the application hung on it (see node/warm-shapes.ts).
 *
 * How: `twin` is built by the same constructor as `model`, so its string keys are a prefix of the
 * model's string keys and its symbols a prefix of the model's symbols (anything else and nothing
 * is done). The model's other keys are added to the twin. A number, boolean or undefined is
 * copied: the model's own value is sure to fit the field's representation (a small integer, a
 * double, a tagged value). Anything else (a string, an object, a function) becomes null, which is
 * a heap object like them, so the field keeps its representation and the twin references nothing
 * the model does.
 *
 * Best effort: V8 lists string keys before symbols whatever order they came in, so the symbols are
 * added first: in Node's sockets symbols come with setup (ours, the server's) and strings late
 * (`write` replaced when the socket ends). A wrong guess leaves the twin useless, not wrong; a
 * test checks the real sockets.
 */
export function followShape(model: object, twin: object): boolean {
  const symbols = extraKeys(Object.getOwnPropertySymbols(model), Object.getOwnPropertySymbols(twin));
  const names = extraKeys(Object.getOwnPropertyNames(model), Object.getOwnPropertyNames(twin));
  if (symbols === null || names === null) return false;
  const target = twin as Record<PropertyKey, unknown>;
  for (const key of [...symbols, ...names]) {
    const d = Object.getOwnPropertyDescriptor(model, key);
    // Accessors and non-default attributes take other transitions than a plain assignment.
    if (!d || !('value' in d) || !d.writable || !d.enumerable || !d.configurable) return false;
    const v: unknown = d.value;
    target[key] = typeof v === 'number' || typeof v === 'boolean' || v === undefined ? v : null;
  }
  return true;
}

/** The model's keys past the twin's, or null when the twin's are not a prefix of the model's. */
function extraKeys<K>(model: K[], twin: K[]): K[] | null {
  if (twin.length > model.length) return null;
  for (let i = 0; i < twin.length; i++) if (twin[i] !== model[i]) return null;
  return model.slice(twin.length);
}

/** The number of own keys of each object: equal for a model and its twin once followed. */
export function keyCount(objects: readonly object[]): number {
  let n = 0;
  for (const o of objects) n += Reflect.ownKeys(o).length;
  return n;
}
