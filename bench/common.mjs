// Pieces shared by the bench scripts (each still runs on its own: `node bench/<name>.mjs`).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The value after `--name` on the command line, or `def`. */
export function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

/** The median of the numbers `xs` (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** 'node:tls', or the path of a module with the same API (ts-tls's dist/index.js). */
export async function loadImpl(spec) {
  if (spec === 'node:tls') return (await import('node:tls')).default;
  const m = await import(pathToFileURL(spec).href);
  return m.default ?? m;
}

/** A throwaway self-signed P-256 certificate for localhost and 127.0.0.1 (PEM strings). */
export function makePki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-tls-bench-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: fs.readFileSync(`${dir}/key.pem`, 'utf8'), cert: fs.readFileSync(`${dir}/cert.pem`, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Sends `total` bytes as calls of `writeStep()` (each `step` bytes; false means wait for 'drain'),
 * then end(); resolves on 'close'.
 */
export function sendAll(s, total, step, writeStep) {
  return new Promise((resolve, reject) => {
    s.on('error', reject);
    s.on('close', resolve);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += step;
        if (!writeStep()) return s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
}

/** The next message from a forked child (sending `msg` first, if given); fails after 120 s. */
export function ask(child, msg) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no answer within 120 s')), 120_000);
    child.once('message', (m) => {
      clearTimeout(t);
      resolve(m);
    });
    if (msg) child.send(msg);
  });
}
