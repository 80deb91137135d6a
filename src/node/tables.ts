/**
 * The adapter's view of suites, groups and signature schemes: the names Node users write in
 * `ciphers`, `ecdhCurve` and `sigalgs`, mapped to code points. Suite rows come from
 * suites/suites.ts; here they gain the OpenSSL cipher-string attributes (kECDHE, aRSA, AESGCM...).
 */
import { DEFAULT_TLS13_SUITES, SUITES as CORE_SUITES, isTls13Suite, type SuiteRow as CoreSuiteRow } from '../suites/suites.js';
import { DEFAULT_GROUPS, groupById, groupByName as coreGroupByName } from '../suites/groups.js';
import { DEFAULT_SIGALGS, sigAlgById, sigAlgByName } from '../suites/sigalgs.js';

export interface SuiteRow {
  id: number;
  ianaName: string;
  opensslName: string;
  tls13: boolean;
  /** OpenSSL cipher-string attributes: kx, auth, cipher family and MAC (e.g. kECDHE, aRSA, AESGCM, SHA256). */
  tags: ReadonlySet<string>;
}

/** OpenSSL's cipher-string attributes of a TLS 1.2 suite, read off the row's kx/auth/cipher/hash fields. */
function tags12(row: CoreSuiteRow): Set<string> {
  const t = new Set<string>(['TLSv1.2', 'ALL', 'HIGH', 'DEFAULT']);
  if (row.kx === 'ECDHE') t.add('kECDHE').add('ECDHE').add('EECDH').add('kEECDH');
  else if (row.kx === 'DHE') t.add('kDHE').add('DHE').add('EDH').add('kEDH');
  else t.add('kRSA').add('RSA');
  if (row.auth === 'ECDSA') t.add('aECDSA').add('ECDSA');
  else t.add('aRSA').add('RSA');
  const c = row.cipher;
  if (c.kind === 'aead' && c.aead === 'chacha20-poly1305') t.add('CHACHA20');
  else {
    t.add('AES').add(row.keyLength === 16 ? 'AES128' : 'AES256');
    if (c.kind === 'aead') t.add('AESGCM');
  }
  // The MAC names select by the record MAC for CBC suites and by the PRF hash for AEAD ones.
  const mac = c.kind === 'cbc' ? c.mac : row.hash;
  if (mac === 'sha1') t.add('SHA1').add('SHA');
  if (mac === 'sha256') t.add('SHA256');
  if (mac === 'sha384') t.add('SHA384');
  return t;
}

/** The suites table (suites/suites.ts) with the attributes OpenSSL cipher strings select on. */
export const SUITES: readonly SuiteRow[] = CORE_SUITES.map((row) => {
  const tls13 = isTls13Suite(row);
  return {
    id: row.id,
    ianaName: row.ianaName,
    opensslName: row.opensslName,
    tls13,
    tags: tls13 ? new Set<string>() : tags12(row),
  };
});

export function suiteById(id: number): SuiteRow | undefined {
  return SUITES.find((s) => s.id === id);
}

export { DEFAULT_TLS13_SUITES };

/** `ecdhCurve` spellings → group id ('X25519', 'P-256', 'prime256v1', 'secp384r1'...; case-insensitive). */
export function groupByName(name: string): number | undefined {
  return coreGroupByName(name)?.id;
}

/** The short name ('X25519', 'P-256', 'ffdhe2048') used for getEphemeralKeyInfo. */
export function groupName(id: number): string | undefined {
  const row = groupById(id);
  return row ? (row.aliases[0] ?? row.ianaName) : undefined;
}

/** `sigalgs` spellings (IANA or OpenSSL's 'RSA-PSS+SHA256') → scheme id. */
export function sigalgByName(name: string): number | undefined {
  return sigAlgByName(name)?.id;
}

/** A scheme's OpenSSL-style name ('RSA-PSS+SHA256'), else its IANA name. */
export function sigalgName(id: number): string | undefined {
  const row = sigAlgById(id);
  return row ? (row.opensslNames[0] ?? row.ianaName) : undefined;
}

/**
 * The name Node's getSharedSigalgs() builds from SSL_get_shared_sigalgs: the signature type
 * ('RSA', 'RSA-PSS' for both rsae and pss, 'ECDSA', 'Ed25519', 'Ed448'), '+', the hash's short
 * name, or 'UNDEF' for the EdDSA schemes that have none.
 */
export function sharedSigalgName(id: number): string {
  const hashByte = id >> 8;
  const low = id & 0xff;
  if (id === 0x0807) return 'Ed25519+UNDEF';
  if (id === 0x0808) return 'Ed448+UNDEF';
  const pssHash: Record<number, string> = { 0x04: 'SHA256', 0x05: 'SHA384', 0x06: 'SHA512', 0x09: 'SHA256', 0x0a: 'SHA384', 0x0b: 'SHA512' };
  if (hashByte === 0x08 && pssHash[low]) return `RSA-PSS+${pssHash[low]}`;
  const hash: Record<number, string> = { 0x02: 'SHA1', 0x03: 'SHA224', 0x04: 'SHA256', 0x05: 'SHA384', 0x06: 'SHA512' };
  const sig: Record<number, string> = { 0x01: 'RSA', 0x02: 'DSA', 0x03: 'ECDSA' };
  if (hash[hashByte] && sig[low]) return `${sig[low]}+${hash[hashByte]}`;
  return sigalgName(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}

export { DEFAULT_GROUPS, DEFAULT_SIGALGS };

/** Node 20's tls.DEFAULT_CIPHERS, verbatim. */
export const NODE_DEFAULT_CIPHERS =
  'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:' +
  'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:' +
  'ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:' +
  'DHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA256:' +
  'DHE-RSA-AES256-SHA256:HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!PSK:!SRP:!CAMELLIA';

/** tls.getCiphers(): lower-case OpenSSL names, sorted as Node prints them. */
export function cipherNames(): string[] {
  return [...new Set(SUITES.map((s) => s.opensslName.toLowerCase()))].sort();
}
