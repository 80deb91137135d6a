// Enforces the one-way dependency rules of the architecture (README "Architecture"):
// which src/ folder may import which, and where Node built-ins may appear.
// Exit 1 with a list of violations; run by `npm test`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const SRC = resolve('src');
// folder -> folders it may import (besides itself)
const ALLOWED = {
  util: [],
  wire: ['util'],
  crypto: ['util', 'wire'], // crypto/provider.ts is types; crypto/node implements it
  suites: ['util', 'wire', 'crypto'],
  record: ['util', 'wire', 'crypto', 'suites'],
  handshake: ['util', 'wire', 'crypto', 'suites'],
  pki: ['util', 'wire', 'crypto', 'handshake'], // handshake: only the verifier interface
  connection: ['util', 'wire', 'crypto', 'suites', 'record', 'handshake'],
  node: ['util', 'wire', 'crypto', 'suites', 'record', 'handshake', 'connection', 'pki'],
  cli: ['node', 'index.ts', 'pki', 'suites', 'crypto', 'util', 'wire'],
};
// Where node:* built-ins may be imported.
const NODE_BUILTINS_OK = (file) =>
  file.startsWith(`node${sep}`) || file.startsWith(`cli${sep}`) || file.startsWith(`crypto${sep}node${sep}`) || file === 'index.ts';
const FORBIDDEN = /^(node:)?(tls|https|http2|_tls_wrap|_tls_common|child_process)$/;

const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) check(p);
  }
}
function check(path) {
  const file = relative(SRC, path);
  const top = file.split(sep)[0];
  const text = readFileSync(path, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
  for (const spec of specs) {
    if (FORBIDDEN.test(spec)) problems.push(`${file}: imports ${spec} (ts-tls implements TLS itself; never in src/)`);
    else if (spec.startsWith('node:') || /^(crypto|net|stream|events|fs|os|path|buffer|timers|util)$/.test(spec)) {
      if (!NODE_BUILTINS_OK(file)) problems.push(`${file}: imports ${spec}; Node built-ins belong in src/node, src/cli or src/crypto/node`);
    } else if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(path), spec));
      // Specifiers name the emitted .js file; the rules name sources (index.ts).
      const targetTop = target.split(sep)[0].replace(/\.js$/, '.ts');
      if (target.startsWith('..')) problems.push(`${file}: imports ${spec} from outside src/`);
      else if (targetTop !== top && top !== 'index.ts' && !(ALLOWED[top] ?? []).includes(targetTop)) {
        problems.push(`${file}: ${top}/ may not import ${targetTop}/ (${spec})`);
      }
      if (top !== 'crypto' && top !== 'node' && top !== 'cli' && target.startsWith(`crypto${sep}node`)) {
        problems.push(`${file}: imports the node:crypto provider directly; inject a CryptoProvider instead`);
      }
    }
  }
  if (!NODE_BUILTINS_OK(file) && /\bBuffer\./.test(text.replace(/\/\/.*$/gm, ''))) {
    problems.push(`${file}: uses Buffer; the core works on Uint8Array`);
  }
}
walk(SRC);
if (problems.length) {
  console.error(`import rules: ${problems.length} violation(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('import rules: ok');
