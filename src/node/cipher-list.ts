/**
 * The `ciphers` option: an OpenSSL cipher string ("ECDHE+AESGCM:!aNULL:TLS_AES_128_GCM_SHA256")
 * evaluated over the suites we implement. As Node's processCiphers does, TLS 1.3 names (TLS_*) are
 * split off and kept in the order written; the rest is an OpenSSL cipher list for TLS 1.2.
 * Unknown names are ignored like OpenSSL does; only an empty result is an error
 * (ERR_SSL_NO_CIPHER_MATCH, as Node reports it).
 */
import { codedError } from './errors.js';
import { SUITES, type SuiteRow } from './tables.js';

export interface CipherSelection {
  /** TLS 1.3 suites in preference order; empty when the string named none. */
  tls13: number[];
  /** TLS 1.2 suites in preference order; empty when the string selected none. */
  tls12: number[];
  /** The string named no TLS 1.3 suite (Node then limits the context to TLS 1.2). */
  noTls13Named: boolean;
}

/** Longest cipher string we evaluate; a larger one is an error rather than a slow loop. */
export const MAX_CIPHER_STRING_LENGTH = 16 * 1024;

function matches(row: SuiteRow, expr: string): boolean {
  if (row.opensslName.toUpperCase() === expr.toUpperCase()) return true;
  if (row.ianaName.toUpperCase() === expr.toUpperCase()) return true;
  // "ECDHE+AESGCM": every part must be an attribute of the suite.
  return expr.split('+').every((part) => part.length > 0 && row.tags.has(part));
}

function noMatch(): Error {
  return codedError('ERR_SSL_NO_CIPHER_MATCH', 'error:0A0000B9:SSL routines::no cipher match', Error, {
    library: 'SSL routines',
    reason: 'no cipher match',
  });
}

/** Evaluates a cipher string; throws ERR_SSL_NO_CIPHER_MATCH when nothing we implement is selected. */
export function selectCiphers(cipherString: string): CipherSelection {
  if (cipherString.length > MAX_CIPHER_STRING_LENGTH) throw noMatch();
  const tokens = cipherString.split(/[:, ]+/).filter((t) => t.length > 0);
  const tls13: number[] = [];
  let tls12: SuiteRow[] = [];
  const banned = new Set<number>();
  let named13 = false;
  const rows12 = SUITES.filter((s) => !s.tls13);

  for (const token of tokens) {
    if (token.startsWith('TLS_') && !token.includes('_WITH_')) {
      named13 = true;
      const row = SUITES.find((s) => s.tls13 && s.ianaName === token.toUpperCase());
      if (row && !tls13.includes(row.id)) tls13.push(row.id);
      continue;
    }
    if (token.startsWith('@')) continue; // @SECLEVEL=n, @STRENGTH: nothing we offer is below level 2
    const op = '!-+'.includes(token[0]!) ? token[0]! : '';
    const expr = op ? token.slice(1) : token;
    const hit = rows12.filter((r) => matches(r, expr));
    if (op === '!') {
      for (const r of hit) banned.add(r.id);
      tls12 = tls12.filter((r) => !banned.has(r.id));
    } else if (op === '-') {
      tls12 = tls12.filter((r) => !hit.includes(r));
    } else if (op === '+') {
      const moved = tls12.filter((r) => hit.includes(r));
      tls12 = tls12.filter((r) => !hit.includes(r)).concat(moved);
    } else {
      for (const r of hit) if (!banned.has(r.id) && !tls12.includes(r)) tls12.push(r);
    }
  }
  const result = { tls13, tls12: tls12.map((r) => r.id), noTls13Named: !named13 };
  if (result.tls13.length === 0 && result.tls12.length === 0) throw noMatch();
  return result;
}
