#!/usr/bin/env node
// Builds the optional native AEAD (native/aead: OpenSSL's EVP AEAD with one context per key, see
// aead.c) with node-gyp against this Node's own headers. Never fails the build: without a
// compiler or headers ts-tls uses node:crypto alone (src/crypto/node/aead.ts), and says so.
// Offline on purpose: node-gyp is pointed at an installed header directory and never downloads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'native', 'aead');
const OUT = path.join(DIR, 'build', 'Release', 'ts_tls_aead.node');

function warn(msg) {
  console.warn(`ts-tls: native AEAD not built (${msg}); records are protected with node:crypto alone (slower bulk transfer).`);
}

// node-gyp ships with npm; npm tells lifecycle scripts where it is.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && fs.existsSync(p));
}

// A directory holding include/node/node_api.h for this Node (npm's nodedir, or the install prefix).
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'include', 'node', 'node_api.h')) && fs.existsSync(path.join(d, 'include', 'node', 'openssl', 'evp.h')));
}

if (process.env.TS_TLS_NATIVE === '0') {
  console.warn('ts-tls: TS_TLS_NATIVE=0, native AEAD not built.');
  process.exit(0);
}
const src = path.join(DIR, 'aead.c');
// Says so even when up to date, so every build log (CI's npm test included) shows whether the addon is there.
if (fs.existsSync(OUT) && fs.statSync(OUT).mtimeMs >= fs.statSync(src).mtimeMs) {
  console.log(`ts-tls: native AEAD up to date (${path.relative(ROOT, OUT)})`);
  process.exit(0);
}
const gyp = findNodeGyp();
const nodedir = findNodeDir();
if (!gyp) {
  warn('node-gyp not found');
} else if (!nodedir) {
  warn("this Node's headers (include/node/node_api.h, openssl/evp.h) not found");
} else {
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { cwd: DIR, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0 && fs.existsSync(OUT)) {
    console.log(`ts-tls: native AEAD built (${path.relative(ROOT, OUT)})`);
  } else {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => /error|ERR!/.test(l)).slice(0, 5).join('\n');
    warn(r.error ? r.error.message : `node-gyp exited with ${r.status}`);
    if (tail) console.warn(tail);
  }
}
