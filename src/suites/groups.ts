/**
 * Named groups as data (RFC 8446 §4.2.7, RFC 7919), with the names Node and OpenSSL accept in
 * `ecdhCurve` / `-groups` strings.
 */
import { NamedGroup as G } from '../wire/registry.js';
import { indexTable } from './table.js';

export type GroupKind = 'ecdhe' | 'ffdhe';

export interface GroupRow {
  id: number;
  /** IANA name, e.g. 'x25519', 'secp256r1', 'ffdhe2048'. */
  ianaName: string;
  /** Every other spelling Node / OpenSSL accept: 'X25519', 'P-256', 'prime256v1', ... */
  aliases: readonly string[];
  kind: GroupKind;
  /** key_exchange length in bytes (RFC 8446 §4.2.8.2: uncompressed points; §4.2.8.1: |p|). */
  keyExchangeLength: number;
  /** Approximate security level in bits (for SECLEVEL-style filtering). */
  securityBits: number;
}

type Row = [id: number, iana: string, aliases: string[], kind: GroupKind, len: number, bits: number];

// prettier-ignore
const ROWS: Row[] = [
  [G.x25519, 'x25519', ['X25519'], 'ecdhe', 32, 128],
  [G.secp256r1, 'secp256r1', ['P-256', 'prime256v1'], 'ecdhe', 65, 128],
  [G.x448, 'x448', ['X448'], 'ecdhe', 56, 224],
  [G.secp521r1, 'secp521r1', ['P-521'], 'ecdhe', 133, 256],
  [G.secp384r1, 'secp384r1', ['P-384'], 'ecdhe', 97, 192],
  [G.ffdhe2048, 'ffdhe2048', [], 'ffdhe', 256, 103],
  [G.ffdhe3072, 'ffdhe3072', [], 'ffdhe', 384, 125],
  [G.ffdhe4096, 'ffdhe4096', [], 'ffdhe', 512, 150],
];

export const GROUPS: readonly GroupRow[] = Object.freeze(
  ROWS.map(([id, ianaName, aliases, kind, keyExchangeLength, securityBits]) =>
    Object.freeze({ id, ianaName, aliases: Object.freeze(aliases), kind, keyExchangeLength, securityBits }),
  ),
);

/**
 * Default order: OpenSSL 3.0's default group list (what Node's ecdhCurve 'auto' means) without
 * its FFDHE tail. X25519 first: fastest, constant-time by design, and the group almost every
 * peer puts its key share on, so it rarely costs a HelloRetryRequest. P-256 second for FIPS-minded
 * peers; then the bigger curves. FFDHE stays available but off by default: a 2048-bit DH costs
 * tens of times an X25519 and gives less security.
 */
export const DEFAULT_GROUPS: readonly number[] = [G.x25519, G.secp256r1, G.x448, G.secp521r1, G.secp384r1];

const index = indexTable(GROUPS, (g) => [g.ianaName, ...g.aliases]);

export function groupById(id: number): GroupRow | undefined {
  return index.byId(id);
}

/** By IANA name or any alias, case-insensitive ('X25519', 'P-256', 'prime256v1'). */
export function groupByName(name: string): GroupRow | undefined {
  return index.byName(name);
}
