/**
 * Shared pieces for the Node-adapter tests: self-signed certificates made with the openssl CLI,
 * an in-memory duplex pair, and bounded waits.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { AddressInfo, Server as NetServer } from 'node:net';
import nodeTls from 'node:tls';
import * as ours from '../../src/node/tls.js';

export interface TestCert {
  key: Buffer;
  cert: Buffer;
}

const made = new Map<string, TestCert>();

/** A self-signed P-256 certificate for `cn` with the given subjectAltName (cached per process). */
export function selfSigned(cn: string, san: string, curve = 'P-256'): TestCert {
  const id = `${cn}|${san}|${curve}`;
  const hit = made.get(id);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'ts-tls-node-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '30',
        '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`],
      { stdio: 'ignore' },
    );
    const pair = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    made.set(id, pair);
    return pair;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The usual server certificate: localhost + 127.0.0.1. */
export function localhostCert(): TestCert {
  return selfSigned('localhost', 'DNS:localhost,IP:127.0.0.1');
}

/** Two connected in-memory duplexes (what a WebSocket stream or stream.duplexPair gives). */
export function duplexPair(): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

/** Resolves with the event's arguments, or rejects after `ms` (every wait in these tests is bounded). */
export function once<T extends unknown[] = unknown[]>(emitter: EventEmitter, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, on);
      reject(new Error(`timed out waiting for '${event}'`));
    }, ms);
    const on = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, on);
  });
}

/** Polls `pred()` every `step` ms; resolves true once it holds, false after `ms` (callers assert). */
export function waitFor(pred: () => boolean, ms: number, step = 5): Promise<boolean> {
  return new Promise((resolve) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) resolve(true);
      else if (Date.now() - start > ms) resolve(false);
      else setTimeout(tick, step);
    };
    tick();
  });
}

/** Collects a readable's data until 'end'. */
export function readAll(stream: NodeJS.ReadableStream, ms = 10000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error('timed out reading')), ms);
    stream.on('data', (d: Buffer | string) => chunks.push(Buffer.isBuffer(d) ? d : Buffer.from(d)));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    stream.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Listens on an ephemeral 127.0.0.1 port and resolves with it; rejects on 'error' or after `ms`. */
export function listen(server: NetServer, ms = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.removeListener('error', fail);
      reject(new Error("timed out waiting for 'listening'"));
    }, ms);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      reject(e);
    };
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      clearTimeout(timer);
      server.removeListener('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server; resolves after `ms` at the latest (a connection left open must not hang the test). */
export function closeServer(server: NetServer, ms = 2000): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    server.close(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The two implementations, for tests that run the same case against each and compare. */
export type TlsLib = typeof nodeTls;
export const bothLibs: [string, TlsLib][] = [
  ['ts-tls', ours as unknown as TlsLib],
  ['node:tls', nodeTls],
];
