/**
 * File and terminal helpers for the CLI: never overwrite without --force, private keys 0600,
 * progress lines on stderr (stdout stays clean for `--out -` and --json), OpenSSL-style secret
 * sources (`pass:`, `env:`, `file:`).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CliError, type Io } from './command.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import type { CryptoProvider } from '../crypto/provider.js';

export const KEY_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
/** Files the CLI reads (keys, certificates, CSRs) are small; refuse anything huge up front. */
export const MAX_INPUT_FILE_BYTES = 16 * 1024 * 1024;

export function provider(): CryptoProvider {
  return nodeCryptoProvider();
}

export interface WriteOptions {
  force: boolean;
  /** True for private keys: mode 0600 even when replacing an existing file. */
  secret?: boolean;
}

/**
 * Writes `data` to `path` ('-' = stdout). Without `force`, an existing file is an error; the
 * exclusive-create flag makes that check and the write one step, so no race can clobber a file.
 */
export function writeOutput(io: Io, path: string, data: string | Uint8Array, opts: WriteOptions): void {
  if (path === '-') {
    io.out(typeof data === 'string' ? data : Buffer.from(data).toString('base64') + '\n');
    return;
  }
  const mode = opts.secret ? KEY_FILE_MODE : PUBLIC_FILE_MODE;
  try {
    writeFileSync(path, data, { flag: opts.force ? 'w' : 'wx', mode });
    // An existing file keeps its old mode on overwrite; a key must not stay world-readable.
    if (opts.force && opts.secret) chmodSync(path, KEY_FILE_MODE);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new CliError(`refusing to overwrite ${path} (use --force)`, 'ERR_FILE_EXISTS');
    throw new CliError(`cannot write ${path}: ${e.message}`, 'ERR_FILE_WRITE');
  }
}

/** Fails before any work when an output exists, so a slow key generation is not wasted. */
export function checkWritable(paths: readonly (string | undefined)[], force: boolean): void {
  for (const p of paths) {
    if (p && p !== '-' && !force && existsSync(p)) throw new CliError(`refusing to overwrite ${p} (use --force)`, 'ERR_FILE_EXISTS');
  }
}

export function readInput(path: string, what: string): Buffer {
  try {
    const data = path === '-' ? readFileSync(0) : readFileSync(path);
    if (data.length > MAX_INPUT_FILE_BYTES) throw new CliError(`${what} ${path} is larger than ${MAX_INPUT_FILE_BYTES} bytes`);
    return data;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${what} ${path}: ${(err as Error).message}`, 'ERR_FILE_READ');
  }
}

export function readText(path: string, what: string): string {
  return readInput(path, what).toString('utf8');
}

/**
 * A passphrase argument: `pass:TEXT`, `env:VAR`, `file:PATH` (first line), like OpenSSL's -passin;
 * anything else is the passphrase itself.
 */
export function resolveSecret(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  const m = /^(pass|env|file):(.*)$/s.exec(spec);
  if (!m) return spec;
  if (m[1] === 'pass') return m[2];
  if (m[1] === 'env') {
    const v = process.env[m[2]!];
    if (v === undefined) throw new CliError(`environment variable ${m[2]} is not set`);
    return v;
  }
  return readText(m[2]!, 'passphrase file').split(/\r?\n/)[0];
}

/** Colon-separated upper-case hex, the way OpenSSL and Node print fingerprints. */
export function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function sha256Fingerprint(der: Uint8Array): string {
  return colonHex(createHash('sha256').update(der).digest());
}

/** One line describing a certificate: subject, issuer, validity, SHA-256 fingerprint. */
export function describeCertificate(der: Uint8Array): { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string; subjectAltName?: string } {
  const x = new X509Certificate(der);
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    validFrom: x.validFrom,
    validTo: x.validTo,
    fingerprint256: x.fingerprint256,
    ...(x.subjectAltName ? { subjectAltName: x.subjectAltName } : {}),
  };
}

/** A "doing X..." line on stderr for steps that take noticeable time; returns a function to finish it. */
export function progress(io: Io, what: string): (result?: string) => void {
  const start = Date.now();
  io.err(`${what}...`);
  return (result = 'done') => io.err(` ${result} (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
}
