/**
 * Real TLS peers for interop tests: OpenSSL, GnuTLS, curl, started on 127.0.0.1 by the test,
 * every wait bounded, every process we start killed by PID when the test ends.
 *
 * A missing peer skips the test with a loud warning; with TS_TLS_REQUIRE_PEERS=1 (set by .ci/run,
 * which installs the peers) it fails instead, so CI never silently skips interop.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of started) p.kill('SIGKILL');
});

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Returns true when the test may go on; otherwise skips it loudly (or throws in CI). */
export function requirePeer(t: TestContext, cmd: string): boolean {
  if (hasCommand(cmd)) return true;
  const msg = `PEER MISSING: '${cmd}' is not installed, so this interop test is SKIPPED (apt-get install the peer; .ci/run does)`;
  if (process.env.TS_TLS_REQUIRE_PEERS === '1') throw new Error(msg);
  console.warn(`\n*** ${msg} ***\n`);
  t.skip(msg);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Peer {
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches, rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Resolves with the exit code (or null when killed), killing the process after `ms`. */
  exited(ms?: number): Promise<number | null>;
  write(s: string | Uint8Array): void;
  kill(): void;
}

export function startPeer(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Peer {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  started.add(proc);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('latin1');
    for (const l of [...listeners]) l();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  proc.stdin!.on('error', () => {});
  let exitCode: number | null | undefined;
  const exitWaiters: ((c: number | null) => void)[] = [];
  proc.on('exit', (code) => {
    exitCode = code;
    started.delete(proc);
    for (const w of exitWaiters) w(code);
    for (const l of [...listeners]) l();
  });
  proc.on('error', () => {});
  return {
    proc,
    output: () => out,
    waitFor(re, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            done();
            resolve(m[0]);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`${cmd} exited (${exitCode}) before printing ${re}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${ms} ms waiting for ${re} from ${cmd}; output:\n${out}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited(ms = 10_000) {
      if (exitCode !== undefined) return Promise.resolve(exitCode);
      return new Promise((resolve) => {
        const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
        exitWaiters.push((c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
    },
    write(s) {
      proc.stdin!.write(s);
    },
    kill() {
      if (exitCode === undefined) proc.kill('SIGKILL');
    },
  };
}

export interface CertSet {
  dir: string;
  caCert: string; // PEM
  caFile: string;
  key: string; // PEM of the leaf key
  cert: string; // PEM of the leaf certificate (signed by the CA; SANs localhost, 127.0.0.1)
  keyFile: string;
  certFile: string;
  cleanup(): void;
}

export type KeyKind = 'ec-p256' | 'ec-p384' | 'rsa' | 'ed25519';

function keyArgs(kind: KeyKind): string[] {
  switch (kind) {
    case 'ec-p256':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    case 'ec-p384':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
    case 'rsa':
      return ['-newkey', 'rsa:2048'];
    case 'ed25519':
      return ['-newkey', 'ed25519'];
  }
}

const certCache = new Map<string, CertSet>();

/** A CA and a leaf it signed (for localhost and 127.0.0.1), made by the openssl command. */
export function makeCerts(kind: KeyKind = 'ec-p256', cn = 'localhost'): CertSet {
  const cacheKey = `${kind}/${cn}`;
  const hit = certCache.get(cacheKey);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'ts-tls-interop-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', ...keyArgs(kind), '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ts-tls test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-new', ...keyArgs(kind), '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, 'ext.cnf'),
    `subjectAltName=DNS:${cn},DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
  run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-extfile', 'ext.cnf']);
  const set: CertSet = {
    dir,
    caFile: join(dir, 'ca.crt'),
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    keyFile: join(dir, 'leaf.key'),
    certFile: join(dir, 'leaf.crt'),
    key: readFileSync(join(dir, 'leaf.key'), 'utf8'),
    cert: readFileSync(join(dir, 'leaf.crt'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  certCache.set(cacheKey, set);
  process.on('exit', () => set.cleanup());
  return set;
}

/** Deterministic pseudo-random bytes for large transfers (so corruption is detectable). */
export function patternBytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
