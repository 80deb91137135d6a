/**
 * The Node-side half of the default trust store: NODE_EXTRA_CA_CERTS (read once, as Node reads it
 * at startup; a bad file is a warning, not an error, exactly like Node) and the optional system CA
 * bundle. pki/root-store.ts holds the pure parts; this file only reads files and the environment.
 */
import { readFileSync } from 'node:fs';
import { parseCaBundle, parseExtraCaCertificates, setExtraRootCertificates, SYSTEM_CA_BUNDLE_PATHS } from '../pki/root-store.js';

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
