/**
 * Cipher suites as data: one row per suite (RFC 8446 §B.4 for TLS 1.3; RFC 5288, 5289, 7905,
 * 5246 for the TLS 1.2 rows, which are here so TLS 1.2 can be added without touching this table).
 */
import { HASH_LENGTHS, type AeadAlgorithm, type HashAlgorithm } from '../crypto/provider.js';
import { CipherSuite as C, ProtocolVersion } from '../wire/registry.js';
import { indexTable } from './table.js';

export type KeyExchangeKind = 'any' | 'ECDHE' | 'DHE' | 'RSA';
export type AuthKind = 'any' | 'RSA' | 'ECDSA';

/** AEAD record protection. TLS 1.3 nonces are iv XOR seq; TLS 1.2 GCM uses a 4-byte salt + 8 explicit bytes. */
export interface AeadCipher {
  kind: 'aead';
  aead: AeadAlgorithm;
  /** Bytes of IV derived from the key schedule / key block (12 for TLS 1.3 and ChaCha, 4 for TLS 1.2 GCM). */
  fixedIvLength: number;
  /** Per-record explicit nonce bytes sent on the wire (8 for TLS 1.2 GCM, else 0). */
  explicitNonceLength: number;
}

/** TLS 1.2 CBC with HMAC (RFC 5246 §6.2.3.2; encrypt-then-MAC per RFC 7366 when negotiated). */
export interface CbcCipher {
  kind: 'cbc';
  cipher: 'aes-128-cbc' | 'aes-256-cbc';
  mac: HashAlgorithm;
  macKeyLength: number;
  blockLength: 16;
}

export interface SuiteRow {
  id: number;
  /** e.g. 'TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'. */
  ianaName: string;
  /** OpenSSL's spelling (what Node's getCipher().name and the cipher strings use). */
  opensslName: string;
  versions: readonly number[];
  kx: KeyExchangeKind;
  auth: AuthKind;
  cipher: AeadCipher | CbcCipher;
  /** The transcript / HKDF / PRF hash. */
  hash: HashAlgorithm;
  /** Bulk cipher key length in bytes. */
  keyLength: number;
}

const V13 = [ProtocolVersion.TLSv1_3] as const;
const V12 = [ProtocolVersion.TLSv1_2] as const;

const aead13 = (aead: AeadAlgorithm): AeadCipher => ({ kind: 'aead', aead, fixedIvLength: 12, explicitNonceLength: 0 });
const gcm12 = (aead: AeadAlgorithm): AeadCipher => ({ kind: 'aead', aead, fixedIvLength: 4, explicitNonceLength: 8 });
const chacha12: AeadCipher = { kind: 'aead', aead: 'chacha20-poly1305', fixedIvLength: 12, explicitNonceLength: 0 };
const cbc = (bits: 128 | 256, mac: HashAlgorithm): CbcCipher => ({
  kind: 'cbc',
  cipher: bits === 128 ? 'aes-128-cbc' : 'aes-256-cbc',
  mac,
  macKeyLength: HASH_LENGTHS[mac],
  blockLength: 16,
});

type Row = [id: number, iana: string, openssl: string, versions: readonly number[], kx: KeyExchangeKind, auth: AuthKind, cipher: AeadCipher | CbcCipher, hash: HashAlgorithm, keyLength: number];

// prettier-ignore
const ROWS: Row[] = [
  // TLS 1.3: key exchange and authentication are negotiated separately (RFC 8446 §4.1.1).
  [C.TLS_AES_128_GCM_SHA256, 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256', V13, 'any', 'any', aead13('aes-128-gcm'), 'sha256', 16],
  [C.TLS_AES_256_GCM_SHA384, 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384', V13, 'any', 'any', aead13('aes-256-gcm'), 'sha384', 32],
  [C.TLS_CHACHA20_POLY1305_SHA256, 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', V13, 'any', 'any', aead13('chacha20-poly1305'), 'sha256', 32],
  // TLS 1.2 AEAD (RFC 5289, RFC 5288, RFC 7905).
  [C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', V12, 'ECDHE', 'ECDSA', gcm12('aes-128-gcm'), 'sha256', 16],
  [C.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', V12, 'ECDHE', 'RSA', gcm12('aes-128-gcm'), 'sha256', 16],
  [C.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', V12, 'ECDHE', 'ECDSA', gcm12('aes-256-gcm'), 'sha384', 32],
  [C.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', V12, 'ECDHE', 'RSA', gcm12('aes-256-gcm'), 'sha384', 32],
  [C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', V12, 'ECDHE', 'ECDSA', chacha12, 'sha256', 32],
  [C.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', V12, 'ECDHE', 'RSA', chacha12, 'sha256', 32],
  [C.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256', V12, 'DHE', 'RSA', gcm12('aes-128-gcm'), 'sha256', 16],
  [C.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384', V12, 'DHE', 'RSA', gcm12('aes-256-gcm'), 'sha384', 32],
  [C.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305', V12, 'DHE', 'RSA', chacha12, 'sha256', 32],
  // TLS 1.2 CBC (RFC 5289 SHA-2 HMACs, RFC 4492 SHA-1 HMACs).
  [C.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256', V12, 'ECDHE', 'ECDSA', cbc(128, 'sha256'), 'sha256', 16],
  [C.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256', V12, 'ECDHE', 'RSA', cbc(128, 'sha256'), 'sha256', 16],
  [C.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384', V12, 'ECDHE', 'ECDSA', cbc(256, 'sha384'), 'sha384', 32],
  [C.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384', V12, 'ECDHE', 'RSA', cbc(256, 'sha384'), 'sha384', 32],
  [C.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA', V12, 'ECDHE', 'ECDSA', cbc(128, 'sha1'), 'sha256', 16],
  [C.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA', V12, 'ECDHE', 'RSA', cbc(128, 'sha1'), 'sha256', 16],
  [C.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA', V12, 'ECDHE', 'ECDSA', cbc(256, 'sha1'), 'sha256', 32],
  [C.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA', V12, 'ECDHE', 'RSA', cbc(256, 'sha1'), 'sha256', 32],
  // Static RSA key exchange: no forward secrecy; kept for old peers, never in the defaults.
  [C.TLS_RSA_WITH_AES_128_GCM_SHA256, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', V12, 'RSA', 'RSA', gcm12('aes-128-gcm'), 'sha256', 16],
  [C.TLS_RSA_WITH_AES_256_GCM_SHA384, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', V12, 'RSA', 'RSA', gcm12('aes-256-gcm'), 'sha384', 32],
  [C.TLS_RSA_WITH_AES_128_CBC_SHA256, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256', V12, 'RSA', 'RSA', cbc(128, 'sha256'), 'sha256', 16],
  [C.TLS_RSA_WITH_AES_256_CBC_SHA256, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256', V12, 'RSA', 'RSA', cbc(256, 'sha256'), 'sha256', 32],
  [C.TLS_RSA_WITH_AES_128_CBC_SHA, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA', V12, 'RSA', 'RSA', cbc(128, 'sha1'), 'sha256', 16],
  [C.TLS_RSA_WITH_AES_256_CBC_SHA, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA', V12, 'RSA', 'RSA', cbc(256, 'sha1'), 'sha256', 32],
];

export const SUITES: readonly SuiteRow[] = Object.freeze(
  ROWS.map(([id, ianaName, opensslName, versions, kx, auth, cipher, hash, keyLength]) =>
    Object.freeze({ id, ianaName, opensslName, versions, kx, auth, cipher, hash, keyLength }),
  ),
);

/**
 * Default TLS 1.3 order: Node's (OpenSSL's) default, TLS_AES_256_GCM_SHA384 first, then
 * ChaCha20-Poly1305, then TLS_AES_128_GCM_SHA256, so a default ts-tls endpoint negotiates what a
 * default node:tls endpoint does. All three are safe; AES-GCM comes first because every x86/ARM
 * server CPU has AES instructions, ChaCha before AES-128 is OpenSSL's choice for clients without them.
 */
export const DEFAULT_TLS13_SUITES: readonly number[] = [C.TLS_AES_256_GCM_SHA384, C.TLS_CHACHA20_POLY1305_SHA256, C.TLS_AES_128_GCM_SHA256];

/**
 * Default TLS 1.2 order: what OpenSSL makes of Node's DEFAULT_CIPHERS (`openssl ciphers -s
 * -tls1_2 "$(node -p tls.DEFAULT_CIPHERS)"`), keeping the suites this table has, so a default
 * ts-tls endpoint picks what node:tls picks. Forward-secret AEAD first (ECDHE before DHE: DHE is
 * slower and its group is the server's choice), then SHA-2 CBC, then SHA-1 CBC. Node's list ends with static-RSA
 * suites; they are left out here (no forward secrecy), a cipher string can still enable them.
 */
export const DEFAULT_TLS12_SUITES: readonly number[] = [
  C.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  C.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  C.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  C.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
  C.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
  C.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
  C.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
  C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  C.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  C.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  C.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
  C.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
  C.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
  C.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
  C.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
  C.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
];

const index = indexTable(SUITES, (s) => [s.ianaName, s.opensslName]);

export function suiteById(id: number): SuiteRow | undefined {
  return index.byId(id);
}

/** By IANA or OpenSSL name, case-insensitive. */
export function suiteByName(name: string): SuiteRow | undefined {
  return index.byName(name);
}

export function isTls13Suite(s: SuiteRow): boolean {
  return s.versions.includes(ProtocolVersion.TLSv1_3);
}
