#!/usr/bin/env node
// The old generation a module leaves after it is imported: the figure that decides whether V8 runs
// incremental marking (and so mark-compacts) under load at all (kV8ActivationThreshold, 8 MB).
//
//   npm run build && node --expose-gc bench/old-generation.mjs [./dist/index.js | node:tls | none]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const spec = process.argv[2] ?? './dist/index.js';
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
if (spec !== 'none') await import(spec === 'node:tls' ? spec : pathToFileURL(path.resolve(spec)).href);
globalThis.gc();
globalThis.gc();
const used = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
const old = used.old_space + used.code_space + used.large_object_space + (used.code_large_object_space ?? 0) + (used.map_space ?? 0);
console.log(`${spec}: old generation ${(old / 1048576).toFixed(2)} MB after import and gc()`);
