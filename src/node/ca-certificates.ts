/**
 * tls.getCACertificates(type) (Node 22.15+) and tls.setDefaultCACertificates(certs) (Node 24.5+):
 * read the CA sets as PEM strings, and replace the default set that contexts without `ca` trust.
 * Node 20 has neither; the behaviour follows Node's documentation of them.
 */
import { Buffer } from 'node:buffer';
import { encodePem, pemCertificates } from '../pki/pem.js';
import { rootCertificates } from '../pki/root-store.js';
import { defaultAnchorDers, setDefaultCaOverride } from './deps.js';
import { errInvalidArgType, errInvalidArgValue } from './errors.js';
import { loadExtraCaCertificates, loadSystemCaCertificates } from './extra-ca.js';

export type CACertificateType = 'default' | 'system' | 'bundled' | 'extra';

const pem = (der: Uint8Array): string => encodePem('CERTIFICATE', der).trimEnd();

/**
 * 'bundled': tls.rootCertificates; 'extra': NODE_EXTRA_CA_CERTS; 'system': the OS bundle;
 * 'default' (the default): what a context without `ca` trusts now.
 */
export function getCACertificates(type: CACertificateType = 'default'): string[] {
  if (typeof type !== 'string') throw errInvalidArgType('type', 'of type string', type);
  switch (type) {
    case 'bundled':
      return [...rootCertificates];
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
