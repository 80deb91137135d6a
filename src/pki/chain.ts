/**
 * Certification path building and validation (RFC 5280 §6), in OpenSSL's order so the verdict code
 * a chain gets is the one `openssl verify` and Node report for it:
 *   1. build the path from the peer's certificates (any order, extras, duplicates) to an anchor,
 *      searching the trust store first (X509_V_FLAG_TRUSTED_FIRST);
 *   2. per-certificate extension checks, leaf to root: unknown critical extensions, CA flag,
 *      purpose (EKU/KU), path length;
 *   3. key and digest strength (RSA < 2048, SHA-1 signatures on non-anchors);
 *   4. revocation (CRLs);
 *   5. signatures and validity times, root to leaf;
 *   6. name constraints.
 * Like OpenSSL under Node (whose verify callback accepts every error), checking goes on after a
 * fault; all faults are listed in `errors` and the verdict is the last one, which is what Node
 * reports as `authorizationError`. `errors[0]` is what `openssl verify` prints first.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { bytesEqual } from '../util/bytes.js';
import { PkiError } from './errors.js';
import { checkNameConstraints } from './name-constraints.js';
import { resolveSigAlg, sigAlgFitsKey } from './sigalg.js';
import { failure, type VerifyCode, type VerifyFailure } from './verify-codes.js';
import { OID, parseCertificate, type ParsedCertificate } from './x509.js';

/** Longest path accepted, leaf and anchor included (webpki allows 6 sub-CAs; OpenSSL 100). */
export const MAX_PATH_LENGTH = 10;
/** More certificates than this in one peer chain is refused before any parsing (OpenSSL caps at 100). */
export const MAX_PEER_CHAIN_CERTS = 32;
/** RSA keys below this size are refused (OpenSSL security level 2, CA/B Forum baseline). */
export const MIN_RSA_BITS = 2048;
/** Digest strength below this (SHA-1) is refused on non-anchor certificates (OpenSSL 3 level 1+). */
export const MIN_SIG_HASH_BITS = 80;

// KeyUsage bit flags as @peculiar/asn1-x509 numbers them (bit 0 = digitalSignature).
const KU_DIGITAL_SIGNATURE = 1;
const KU_KEY_ENCIPHERMENT = 4;
const KU_KEY_AGREEMENT = 16;
const KU_KEY_CERT_SIGN = 32;

export type Purpose = 'server' | 'client';

/** Anchors indexed by subject for issuer search, and by DER for exact "this very cert is trusted". */
export class TrustStore {
  private readonly bySubject = new Map<string, ParsedCertificate[]>();
  private readonly all: ParsedCertificate[] = [];

  /** @throws PkiError('ERR_BAD_CA_CERT') for an anchor that does not parse (like Node's `ca` option). */
  constructor(ders: readonly Uint8Array[]) {
    for (const der of ders) {
      let c: ParsedCertificate;
      try {
        c = parseCertificate(der);
      } catch (e) {
        throw new PkiError('ERR_BAD_CA_CERT', `cannot parse a trusted CA certificate: ${(e as Error).message}`);
      }
      if (this.contains(c)) continue;
      const list = this.bySubject.get(c.subject.key) ?? [];
      list.push(c);
      this.bySubject.set(c.subject.key, list);
      this.all.push(c);
    }
  }

  get size(): number {
    return this.all.length;
  }

  certificates(): readonly ParsedCertificate[] {
    return this.all;
  }

  withSubject(key: string): readonly ParsedCertificate[] {
    return this.bySubject.get(key) ?? [];
  }

  contains(c: ParsedCertificate): boolean {
    return (this.bySubject.get(c.subject.key) ?? []).some((t) => t === c || bytesEqual(t.der, c.der));
  }
}

/** Revocation as chain.ts needs it; crl.ts implements it. null means "not revoked". */
export interface RevocationChecker {
  check(cert: ParsedCertificate, issuer: ParsedCertificate, nowMs: number, depth: number): VerifyFailure | null;
}

/** Remembers signature results per (child, issuer) pair; keyed by the parse-cache objects. */
export class SignatureCache {
  private readonly map = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>();
  get(child: ParsedCertificate, issuer: ParsedCertificate): boolean | undefined {
    return this.map.get(child)?.get(issuer);
  }
  set(child: ParsedCertificate, issuer: ParsedCertificate, ok: boolean): void {
    let m = this.map.get(child);
    if (!m) this.map.set(child, (m = new WeakMap()));
    m.set(issuer, ok);
  }
}

export interface PathOptions {
  provider: CryptoProvider;
  anchors: TrustStore;
  purpose: Purpose;
  nowMs: number;
  /** Accept a path that ends at a trusted certificate that is not self-signed (X509_V_FLAG_PARTIAL_CHAIN). */
  allowPartialTrustChain?: boolean;
  revocation?: RevocationChecker;
  sigCache?: SignatureCache;
  /** Minimum RSA modulus size; default MIN_RSA_BITS. */
  minRsaBits?: number;
}

export type PathResult = { ok: true; path: ParsedCertificate[] } | (VerifyFailure & { errors: VerifyFailure[] });

/**
 * Validates `chain` (leaf first as sent, then any others in any order) for `purpose` at `nowMs`.
 * Certificates that do not parse fail with CERT_UNPARSABLE (alert bad_certificate).
 */
export function validatePath(chain: readonly Uint8Array[], opts: PathOptions): PathResult {
  if (chain.length === 0) return only(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 0, 'the peer sent no certificate'));
  if (chain.length > MAX_PEER_CHAIN_CERTS) return only(failure('CERT_CHAIN_TOO_LONG', 0, `${chain.length} certificates`));
  const parsed: ParsedCertificate[] = [];
  for (let i = 0; i < chain.length; i++) {
    try {
      parsed.push(parseCertificate(chain[i]!));
    } catch (e) {
      return only(failure('CERT_UNPARSABLE', i, (e as Error).message));
    }
  }
  const errs: VerifyFailure[] = [];
  const { path, trustedFrom, trusted } = buildPath(parsed, opts, errs);
  checkExtensions(path, trustedFrom, opts.purpose, errs);
  checkStrength(path, opts.minRsaBits ?? MIN_RSA_BITS, errs);
  checkRevocation(path, opts, errs);
  checkSignaturesAndTimes(path, trusted, opts, errs);
  checkAllNameConstraints(path, errs);
  if (errs.length === 0) return { ok: true, path };
  return { ...errs[errs.length - 1]!, errors: errs };
}

function only(f: VerifyFailure): VerifyFailure & { errors: VerifyFailure[] } {
  return { ...f, errors: [f] };
}

/** OpenSSL's X509_self_signed(x, 0): same names, consistent key ids, signature algorithm fits the key. */
export function isSelfSigned(c: ParsedCertificate): boolean {
  if (!c.selfIssued) return false;
  if (c.ext.authorityKeyId && c.ext.subjectKeyId && !bytesEqual(c.ext.authorityKeyId, c.ext.subjectKeyId)) return false;
  return sigAlgFitsKey(c.sigAlg, c.publicKey);
}

/**
 * OpenSSL ossl_x509_likely_issued (what path building uses): names chain, key ids agree, the
 * child's signature algorithm fits the issuer's key. Whether the issuer may act as a CA is judged
 * later (INVALID_CA), so a bad CA is reported as such rather than as a missing issuer.
 */
export function issued(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer.subject.key !== child.issuer.key) return false;
  if (child.ext.authorityKeyId && issuer.ext.subjectKeyId && !bytesEqual(child.ext.authorityKeyId, issuer.ext.subjectKeyId)) return false;
  return sigAlgFitsKey(child.sigAlg, issuer.publicKey);
}

/** OpenSSL X509_check_issued: `issued` plus, when the issuer has keyUsage, keyCertSign in it. */
export function checkIssued(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (!issued(issuer, child)) return false;
  return issuer.ext.keyUsage === undefined || (issuer.ext.keyUsage & KU_KEY_CERT_SIGN) !== 0;
}

/** Among several candidate issuers, prefer one valid now (OpenSSL get_issuer prefers time-valid ones). */
function pick(cands: ParsedCertificate[], nowMs: number): ParsedCertificate | undefined {
  return cands.find((c) => c.notBefore <= nowMs && nowMs <= c.notAfter) ?? cands[0];
}

interface Built {
  path: ParsedCertificate[];
  /** Index of the first certificate from the trust store (path.length when none). */
  trustedFrom: number;
  trusted: boolean;
}

function buildPath(parsed: ParsedCertificate[], opts: PathOptions, errs: VerifyFailure[]): Built {
  const { anchors, nowMs } = opts;
  const leaf = parsed[0]!;
  // Extra certificates, deduplicated; the leaf itself is never its own issuer from the pool.
  const pool: ParsedCertificate[] = [];
  for (const c of parsed.slice(1)) if (c !== leaf && !pool.includes(c)) pool.push(c);

  const path = [leaf];
  // Index of the first certificate that came from (or matched) the trust store; path.length = none.
  let trustedFrom = -1;
  // A self-signed leaf that is itself in the store is trusted as is (how `ca: [selfSignedCert]` works);
  // with a partial chain any leaf that is itself in the store is.
  if (anchors.contains(leaf) && (isSelfSigned(leaf) || opts.allowPartialTrustChain)) return { path, trustedFrom: 0, trusted: true };

  for (;;) {
    const cur = path[path.length - 1]!;
    const idx = path.length - 1;
    if (trustedFrom >= 0 && (isSelfSigned(cur) || opts.allowPartialTrustChain)) break;
    if (trustedFrom < 0 && idx > 0 && opts.allowPartialTrustChain && anchors.contains(cur)) {
      trustedFrom = idx;
      break;
    }
    if (path.length >= MAX_PATH_LENGTH) {
      errs.push(failure('CERT_CHAIN_TOO_LONG', idx));
      return { path, trustedFrom: trustedFrom < 0 ? path.length : trustedFrom, trusted: false };
    }
    // Trusted first: an anchor that issued `cur`.
    const fromStore = pick(
      anchors.withSubject(cur.issuer.key).filter((a) => a !== cur && !path.includes(a) && issued(a, cur)),
      nowMs,
    );
    if (fromStore) {
      path.push(fromStore);
      if (trustedFrom < 0) trustedFrom = path.length - 1;
      continue;
    }
    // Once in the store, OpenSSL only searches the store; a self-signed certificate ends the search.
    if (trustedFrom >= 0 || isSelfSigned(cur)) break;
    const fromPeer = pick(
      pool.filter((c) => !path.includes(c) && issued(c, cur)),
      nowMs,
    );
    if (!fromPeer) break;
    path.push(fromPeer);
  }

  const num = path.length;
  const top = path[num - 1]!;
  if (trustedFrom >= 0 && (isSelfSigned(top) || opts.allowPartialTrustChain)) return { path, trustedFrom, trusted: true };
  // Not trusted: the code says why, as OpenSSL build_chain() chooses it.
  if (trustedFrom >= 0) errs.push(failure('UNABLE_TO_GET_ISSUER_CERT', num - 1));
  else if (isSelfSigned(top)) errs.push(failure(num === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN', num - 1));
  else errs.push(failure('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', num - 1));
  return { path, trustedFrom: trustedFrom < 0 ? num : trustedFrom, trusted: false };
}

/** OpenSSL check_ca(): may this certificate act as a CA? */
function actsAsCa(c: ParsedCertificate): boolean {
  // RFC 5280 §4.2.1.3: keyCertSign must be set when keyUsage is present on a CA.
  if (c.ext.keyUsage !== undefined && (c.ext.keyUsage & KU_KEY_CERT_SIGN) === 0) return false;
  // RFC 5280 §4.2.1.9: "the cA boolean indicates whether the certified public key may be used to
  // verify certificate signatures".
  if (c.ext.basicConstraints) return c.ext.basicConstraints.ca;
  // A v1 self-signed certificate is a CA only as a root (OpenSSL return 3).
  return c.version === 1 && isSelfSigned(c);
}

/** OpenSSL check_purpose_ssl_server / _client (xku_reject then ku_reject). */
function fitsPurpose(c: ParsedCertificate, purpose: Purpose, asCa: boolean): boolean {
  const eku = c.ext.extKeyUsage;
  if (eku) {
    const want = purpose === 'server' ? [OID.serverAuth, OID.nsSgc, OID.msSgc] : [OID.clientAuth];
    if (!eku.some((o) => want.includes(o as never))) return false;
  }
  // check_ssl_ca(): a CA that cannot act as one fails the purpose too (so Node, which reports the
  // last error, says INVALID_PURPOSE where `openssl verify` first prints INVALID_CA).
  if (asCa) return actsAsCa(c);
  const ku = c.ext.keyUsage;
  if (ku === undefined) return true;
  const allowed = purpose === 'server' ? KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT : KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT;
  return (ku & allowed) !== 0;
}

function checkExtensions(path: ParsedCertificate[], trustedFrom: number, purpose: Purpose, errs: VerifyFailure[]): void {
  let plen = 0;
  for (let i = 0; i < path.length; i++) {
    const x = path[i]!;
    // RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if it encounters a
    // critical extension it does not recognize".
    if (x.ext.unknownCritical.length > 0) errs.push(failure('UNHANDLED_CRITICAL_EXTENSION', i, x.ext.unknownCritical.join(', ')));
    if (i > 0 && !actsAsCa(x)) errs.push(failure('INVALID_CA', i));
    // A trusted self-signed anchor is trusted for every purpose (OpenSSL X509_TRUST_DO_SS_COMPAT).
    const trustedAnchor = i >= trustedFrom && isSelfSigned(x);
    if (!trustedAnchor && !fitsPurpose(x, purpose, i > 0)) errs.push(failure('INVALID_PURPOSE', i));
    // RFC 5280 §4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below this CA.
    const pl = x.ext.basicConstraints?.pathLen;
    if (i > 1 && pl !== undefined && plen > pl) errs.push(failure('PATH_LENGTH_EXCEEDED', i));
    if (i > 0 && !x.selfIssued) plen++;
  }
}

function checkStrength(path: ParsedCertificate[], minRsa: number, errs: VerifyFailure[]): void {
  for (let i = 0; i < path.length; i++) {
    const x = path[i]!;
    const k = x.publicKey;
    if ((k.type === 'rsa' || k.type === 'rsa-pss') && k.bits < minRsa) {
      errs.push(failure(i === 0 ? 'EE_KEY_TOO_SMALL' : 'CA_KEY_TOO_SMALL', i, `RSA ${k.bits} bits < ${minRsa}`));
    }
    if (k.type === 'unknown' || (k.type === 'ec' && !k.nistCurve)) {
      errs.push(failure(i === 0 ? 'EE_KEY_TOO_SMALL' : 'CA_KEY_TOO_SMALL', i, `unsupported key ${k.curveOid ?? k.algorithmOid}`));
    }
    // The anchor's self-signature is never relied on, so its digest does not matter.
    if (i === path.length - 1 && isSelfSigned(x)) continue;
    const issuer = path[i + 1];
    const alg = issuer ? resolveSigAlg(x.sigAlg, issuer.publicKey) : null;
    if (alg && alg.hashBits < MIN_SIG_HASH_BITS) errs.push(failure('CA_MD_TOO_WEAK', i));
  }
}

function checkRevocation(path: ParsedCertificate[], opts: PathOptions, errs: VerifyFailure[]): void {
  if (!opts.revocation) return;
  for (let i = 0; i < path.length; i++) {
    const issuer = path[i + 1] ?? (isSelfSigned(path[i]!) ? path[i]! : undefined);
    if (!issuer) continue;
    const r = opts.revocation.check(path[i]!, issuer, opts.nowMs, i);
    if (r) errs.push(r);
  }
}

/** Verifies `child`'s signature with `issuer`'s key through the provider, memoised per pair. */
export function signatureValid(child: ParsedCertificate, issuer: ParsedCertificate, provider: CryptoProvider, cache?: SignatureCache): boolean {
  const hit = cache?.get(child, issuer);
  if (hit !== undefined) return hit;
  const alg = resolveSigAlg(child.sigAlg, issuer.publicKey);
  const ok = !!alg && provider.verifySignature(alg.scheme, issuer.spki, child.tbs, child.signature);
  cache?.set(child, issuer, ok);
  return ok;
}

/** OpenSSL internal_verify(): root to leaf, each signature then each validity period. */
function checkSignaturesAndTimes(path: ParsedCertificate[], trusted: boolean, opts: PathOptions, errs: VerifyFailure[]): void {
  let n = path.length - 1;
  const top = path[n]!;
  // The top certificate's own signature is never checked (OpenSSL without CHECK_SS_SIGNATURE):
  // trust in an anchor comes from configuration. A top that is not self-signed is checked only
  // as the issuer of the next one, and a lone leaf with no issuer is reported as unverifiable.
  if (!isSelfSigned(top) && !(trusted && opts.allowPartialTrustChain)) {
    if (n === 0) errs.push(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 0));
    else n--;
  }
  for (; n >= 0; n--) {
    const xs = path[n]!;
    const xi = path[n + 1];
    if (xi && !signatureValid(xs, xi, opts.provider, opts.sigCache)) errs.push(failure('CERT_SIGNATURE_FAILURE', n));
    // RFC 5280 §6.1.3 (a)(2): "The certificate validity period includes the current time."
    if (opts.nowMs < xs.notBefore) errs.push(failure('CERT_NOT_YET_VALID', n));
    else if (opts.nowMs > xs.notAfter) errs.push(failure('CERT_HAS_EXPIRED', n));
  }
}

function checkAllNameConstraints(path: ParsedCertificate[], errs: VerifyFailure[]): void {
  for (let i = path.length - 1; i >= 0; i--) {
    const x = path[i]!;
    // RFC 5280 §4.2.1.10: constraints do not apply to self-issued intermediates.
    if (i !== 0 && x.selfIssued) continue;
    for (let j = path.length - 1; j > i; j--) {
      const code: VerifyCode | null = checkNameConstraints(x, path[j]!, i === 0);
      if (code) {
        errs.push(failure(code, i));
        break;
      }
    }
  }
}
