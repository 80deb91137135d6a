// Runs every compiled test file (build/test/**/*.test.js) with node:test.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'build/test';
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error('no test files found under', root);
  process.exit(1);
}
// A test that hangs fails after this instead of stalling CI. Each file runs in its own process,
// and the limit also applies to a whole file: the slowest (stress/memory) needs about 70 s on a
// loaded 2-core machine, its slowest test 34 s.
const TEST_TIMEOUT_MS = 300_000;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
