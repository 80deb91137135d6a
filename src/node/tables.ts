/**
 * The adapter's view of suites, groups and signature schemes: the names Node users write in
 * `ciphers`, `ecdhCurve` and `sigalgs`, mapped to code points. Suite rows come from
 * suites/suites.ts; here they gain the OpenSSL cipher-string attributes (kECDHE, aRSA, AESGCM...).
 */
import { DEFAULT_TLS13_SUITES, SUITES as CORE_SUITES, isTls13Suite } from '../suites/suites.js';
import { NamedGroup, SignatureScheme } from '../wire/registry.js';

export interface SuiteRow {
  id: number;
  ianaName: string;
  opensslName: string;
  tls13: boolean;
  /** OpenSSL cipher-string attributes: kx, auth, cipher family and MAC (e.g. kECDHE, aRSA, AESGCM, SHA256). */
  tags: ReadonlySet<string>;
}

function tags12(iana: string): Set<string> {
  const t = new Set<string>(['TLSv1.2', 'ALL', 'HIGH', 'DEFAULT']);
  if (iana.includes('ECDHE_')) t.add('kECDHE').add('ECDHE').add('EECDH').add('kEECDH');
  else if (iana.includes('DHE_')) t.add('kDHE').add('DHE').add('EDH').add('kEDH');
  else t.add('kRSA').add('RSA');
  if (iana.includes('_ECDSA_')) t.add('aECDSA').add('ECDSA');
  else t.add('aRSA').add('RSA');
  if (iana.includes('_GCM_')) t.add('AESGCM').add('AES');
  if (iana.includes('_CBC_')) t.add('AES');
  if (iana.includes('AES_128')) t.add('AES128');
  if (iana.includes('AES_256')) t.add('AES256');
  if (iana.includes('CHACHA20')) t.add('CHACHA20');
  if (/_SHA$/.test(iana)) t.add('SHA1').add('SHA');
  if (iana.endsWith('SHA256')) t.add('SHA256');
  if (iana.endsWith('SHA384')) t.add('SHA384');
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
    tags: tls13 ? new Set<string>() : tags12(row.ianaName),
  };
});

export function suiteById(id: number): SuiteRow | undefined {
  return SUITES.find((s) => s.id === id);
}

export { DEFAULT_TLS13_SUITES };

interface NamedRow {
  id: number;
  names: string[];
}

/** Group spellings accepted in `ecdhCurve` (OpenSSL, NIST and SEC names; case-insensitive). */
export const GROUPS: readonly NamedRow[] = [
  { id: NamedGroup.x25519, names: ['X25519'] },
  { id: NamedGroup.secp256r1, names: ['P-256', 'prime256v1', 'secp256r1'] },
  { id: NamedGroup.secp384r1, names: ['P-384', 'secp384r1'] },
  { id: NamedGroup.secp521r1, names: ['P-521', 'secp521r1'] },
  { id: NamedGroup.x448, names: ['X448'] },
  { id: NamedGroup.ffdhe2048, names: ['ffdhe2048'] },
  { id: NamedGroup.ffdhe3072, names: ['ffdhe3072'] },
  { id: NamedGroup.ffdhe4096, names: ['ffdhe4096'] },
];

/** 'auto' = OpenSSL's default: X25519 first (fast, misuse-resistant), then the NIST curves. */
export const DEFAULT_GROUPS = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

export function groupByName(name: string): number | undefined {
  const lower = name.toLowerCase();
  return GROUPS.find((g) => g.names.some((n) => n.toLowerCase() === lower))?.id;
}

export function groupName(id: number): string | undefined {
  return GROUPS.find((g) => g.id === id)?.names[0];
}

/** OpenSSL's "KEYTYPE+HASH" spellings for `sigalgs`, besides the IANA names. */
const SIGALG_ALIASES: Record<string, number> = {
  'ECDSA+SHA256': SignatureScheme.ecdsa_secp256r1_sha256,
  'ECDSA+SHA384': SignatureScheme.ecdsa_secp384r1_sha384,
  'ECDSA+SHA512': SignatureScheme.ecdsa_secp521r1_sha512,
  'ECDSA+SHA1': SignatureScheme.ecdsa_sha1,
  'RSA+SHA256': SignatureScheme.rsa_pkcs1_sha256,
  'RSA+SHA384': SignatureScheme.rsa_pkcs1_sha384,
  'RSA+SHA512': SignatureScheme.rsa_pkcs1_sha512,
  'RSA+SHA1': SignatureScheme.rsa_pkcs1_sha1,
  'RSA-PSS+SHA256': SignatureScheme.rsa_pss_rsae_sha256,
  'RSA-PSS+SHA384': SignatureScheme.rsa_pss_rsae_sha384,
  'RSA-PSS+SHA512': SignatureScheme.rsa_pss_rsae_sha512,
  'PSS+SHA256': SignatureScheme.rsa_pss_rsae_sha256,
  'PSS+SHA384': SignatureScheme.rsa_pss_rsae_sha384,
  'PSS+SHA512': SignatureScheme.rsa_pss_rsae_sha512,
  ED25519: SignatureScheme.ed25519,
  ED448: SignatureScheme.ed448,
};

export function sigalgByName(name: string): number | undefined {
  const exact = (SignatureScheme as Record<string, number>)[name] ?? (SignatureScheme as Record<string, number>)[name.toLowerCase()];
  return exact ?? SIGALG_ALIASES[name.toUpperCase()];
}

export function sigalgName(id: number): string | undefined {
  return Object.entries(SignatureScheme).find(([, v]) => v === id)?.[0];
}

/**
 * Default signature schemes, strongest-first within each family; SHA-1 schemes are left out
 * (RFC 8446 §4.2.3: "SHA-1 ... SHOULD NOT be offered" for signatures in the handshake).
 */
export const DEFAULT_SIGALGS = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.ed448,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

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
