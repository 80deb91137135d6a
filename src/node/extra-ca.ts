/**
 * The Node-side half of the default trust store: NODE_EXTRA_CA_CERTS (read once, as Node reads it
 * at startup; a bad file is a warning, not an error, exactly like Node), the optional system CA
 * bundle, and today's tls.getCACertificates(type) (Node 22.15+) / tls.setDefaultCACertificates()
 * (Node 24.5+), which Node 20 lacks and which follow Node's documentation. pki/root-store.ts holds
 * the pure parts; this file reads files and the environment and keeps the replaced default set.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { encodePem, pemCertificates } from '../pki/pem.js';
import {
  bundledRootCertificates,
  defaultTrustStore,
  parseCaBundle,
  parseExtraCaCertificates,
  setExtraRootCertificates,
  SYSTEM_CA_BUNDLE_PATHS,
} from '../pki/root-store.js';
import { errInvalidArgType, errInvalidArgValue } from './errors.js';
import './pki-loaders.js'; // installs the loader of the bundled roots

export interface ExtraCaIo {
  env?: Record<string, string | undefined>;
  readFile?: (path: string) => string;
  warn?: (message: string) => void;
}

let installed = false;

/**
 * The certificates named by NODE_EXTRA_CA_CERTS, or [] (with a warning in Node's words) when the
 * variable is unset, the file cannot be read, or it holds a bad certificate.
 */
export function loadExtraCaCertificates(io: ExtraCaIo = {}): Uint8Array[] {
  const env = io.env ?? process.env;
  const file = env['NODE_EXTRA_CA_CERTS'];
  if (!file) return [];
  const read = io.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const warn = io.warn ?? ((m: string) => process.emitWarning(m));
  try {
    return parseExtraCaCertificates(read(file));
  } catch (e) {
    warn(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
    return [];
  }
}

/** The first readable system CA bundle's certificates (Debian, RHEL, SUSE, Alpine paths), or []. */
export function loadSystemCaCertificates(paths: readonly string[] = SYSTEM_CA_BUNDLE_PATHS, readFile = (p: string) => readFileSync(p, 'utf8')): Uint8Array[] {
  for (const p of paths) {
    let text: string;
    try {
      text = readFile(p);
    } catch {
      continue;
    }
    return parseCaBundle(text);
  }
  return [];
}

/**
 * Adds NODE_EXTRA_CA_CERTS (and, with `useSystemStore`, the system bundle) to the default trust
 * store used when a context has no `ca`. Idempotent; the adapter calls it before the first context.
 */
export function installExtraCaCertificates(opts: { useSystemStore?: boolean } & ExtraCaIo = {}): void {
  if (installed) return;
  installed = true;
  const extra = loadExtraCaCertificates(opts);
  const system = opts.useSystemStore ? loadSystemCaCertificates() : [];
  if (extra.length + system.length > 0) setExtraRootCertificates([...system, ...extra]);
}

/** setDefaultCACertificates(): the anchors of contexts without `ca`, replacing bundled + extra. */
let defaultCaOverride: Uint8Array[] | undefined;

export function defaultCaReplacement(): Uint8Array[] | undefined {
  return defaultCaOverride;
}

function setDefaultCaOverride(ders: Uint8Array[]): void {
  defaultCaOverride = ders;
}

/** What a context without `ca` trusts now, as DER (pfx CAs are added on top of this). */
export function defaultAnchorDers(): Uint8Array[] {
  if (defaultCaOverride) return [...defaultCaOverride];
  installExtraCaCertificates();
  return defaultTrustStore().certificates().map((c) => c.der);
}

const pem = (der: Uint8Array): string => encodePem('CERTIFICATE', der).trimEnd();

export type CACertificateType = 'default' | 'system' | 'bundled' | 'extra';


/**
 * 'bundled': tls.rootCertificates; 'extra': NODE_EXTRA_CA_CERTS; 'system': the OS bundle;
 * 'default' (the default): what a context without `ca` trusts now.
 */
export function getCACertificates(type: CACertificateType = 'default'): string[] {
  if (typeof type !== 'string') throw errInvalidArgType('type', 'of type string', type);
  switch (type) {
    case 'bundled':
      return [...bundledRootCertificates()];
    case 'extra':
      return loadExtraCaCertificates({ warn: () => {} }).map(pem);
    case 'system':
      return loadSystemCaCertificates().map(pem);
    case 'default':
      return defaultAnchorDers().map(pem);
    default:
      throw errInvalidArgValue('type', type);
  }
}

/** Replaces the default CA set for contexts created afterwards; each entry is PEM text. */
export function setDefaultCACertificates(certs: readonly (string | ArrayBufferView)[]): void {
  if (!Array.isArray(certs)) throw errInvalidArgType('certs', 'an instance of Array', certs);
  const ders: Uint8Array[] = [];
  certs.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string' && !ArrayBuffer.isView(entry)) {
      throw errInvalidArgType(`certs[${i}]`, 'of type string or an instance of ArrayBufferView', entry);
    }
    const text = typeof entry === 'string' ? entry : Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength).toString('latin1');
    const found = pemCertificates(text);
    if (found.length === 0) throw errInvalidArgValue(`certs[${i}]`, entry, 'is not a PEM certificate');
    ders.push(...found);
  });
  // "The certificates will be deduplicated before being set as the default."
  const seen = new Set<string>();
  setDefaultCaOverride(ders.filter((d) => {
    const k = Buffer.from(d).toString('base64');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }));
}
