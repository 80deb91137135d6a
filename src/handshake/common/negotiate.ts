/**
 * Parameter selection, as pure functions over lists of code points. The server's preference order
 * wins everywhere (like OpenSSL with SSL_OP_CIPHER_SERVER_PREFERENCE and Node's default
 * honorCipherOrder for TLS 1.3 groups); each function returns undefined when there is no overlap
 * and lets the caller pick the alert, because the right alert depends on the message.
 */
import { bytesEqual } from '../../util/bytes.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, ProtocolVersion, SignatureScheme } from '../../wire/registry.js';
import type { KeyShareEntry } from '../../wire/types.js';

/** Versions in [min, max], newest first (the order a ClientHello lists them in supported_versions). */
export function versionsInRange(min: number, max: number): number[] {
  const out: number[] = [];
  for (let v = max; v >= min; v--) out.push(v);
  return out;
}

/**
 * Server side of supported_versions (RFC 8446 §4.2.1): the highest version both sides allow.
 * Returns undefined when there is none; GREASE values (RFC 8701) simply never match.
 */
export function selectVersion(offered: readonly number[], min: number, max: number): number | undefined {
  let best: number | undefined;
  for (const v of offered) if (v >= min && v <= max && (best === undefined || v > best)) best = v;
  return best;
}

/** First entry of `ours` (server preference) that the peer also lists. */
export function firstCommon(ours: readonly number[], theirs: readonly number[]): number | undefined {
  const set = new Set(theirs);
  for (const x of ours) if (set.has(x)) return x;
  return undefined;
}

export type GroupChoice =
  | { kind: 'share'; group: number; share: KeyShareEntry }
  | { kind: 'retry'; group: number } // a common group exists but the client sent no share for it
  | { kind: 'none' };

/**
 * RFC 8446 §4.2.8: prefer a group for which the client already sent a share (saves a round
 * trip), in server preference order; otherwise ask for our most preferred common group with a
 * HelloRetryRequest. The client's supported_groups bounds both choices.
 */
export function selectGroup(ours: readonly number[], clientGroups: readonly number[], shares: readonly KeyShareEntry[]): GroupChoice {
  const supported = new Set(clientGroups);
  for (const g of ours) {
    if (!supported.has(g)) continue;
    const share = shares.find((s) => s.group === g);
    if (share) return { kind: 'share', group: g, share };
  }
  const common = firstCommon(ours, clientGroups);
  return common === undefined ? { kind: 'none' } : { kind: 'retry', group: common };
}

/** Schemes that RFC 8446 §4.2.3 forbids for TLS 1.3 handshake signatures (PKCS#1 v1.5 and SHA-1). */
export function isTls13SignatureScheme(scheme: number): boolean {
  switch (scheme) {
    case SignatureScheme.rsa_pkcs1_sha1:
    case SignatureScheme.ecdsa_sha1:
    case SignatureScheme.rsa_pkcs1_sha256:
    case SignatureScheme.rsa_pkcs1_sha384:
    case SignatureScheme.rsa_pkcs1_sha512:
      return false;
    default:
      return true;
  }
}

/**
 * The scheme to sign a TLS 1.3 CertificateVerify with: the key's own preference order, limited to
 * what the peer offered and what we are configured to use.
 */
export function selectSignatureScheme(keySchemes: readonly number[], peerSchemes: readonly number[], allowed: readonly number[]): number | undefined {
  const peer = new Set(peerSchemes);
  const ok = new Set(allowed);
  for (const s of keySchemes) if (isTls13SignatureScheme(s) && peer.has(s) && ok.has(s)) return s;
  return undefined;
}

/**
 * The client certificate to answer a CertificateRequest with (RFC 8446 §4.4.2.3: the certificate
 * "MUST be appropriate for the CertificateRequest's signature_algorithms"). Like OpenSSL
 * (tls_choose_sigalg), which Node uses: the first of the server's schemes, in the server's order,
 * that one of our keys can sign with; the first such key in our order. So the server's preference
 * decides between keys, not the order of the `cert` array (checked against node:tls in
 * test/node/client-cert-choice.test.ts). undefined: none fits, send an empty Certificate.
 */
export function selectClientCertificate<C extends { key: { schemes: readonly number[] } }>(
  candidates: readonly C[],
  peerSchemes: readonly number[],
  allowed: readonly number[],
): { cert: C; scheme: number } | undefined {
  for (const s of peerSchemes) {
    const cert = candidates.find((c) => selectSignatureScheme(c.key.schemes, [s], allowed) !== undefined);
    if (cert) return { cert, scheme: s };
  }
  return undefined;
}

/**
 * ALPN (RFC 7301 §3.2): the server's first preference the client offered. 'no-overlap' means both
 * sides use ALPN but share no protocol: the server "MUST respond with a fatal
 * no_application_protocol alert" (Node does the same).
 */
export function selectAlpn(serverPrefs: readonly string[] | undefined, clientOffer: readonly string[] | undefined): string | undefined | 'no-overlap' {
  if (!serverPrefs || serverPrefs.length === 0 || !clientOffer || clientOffer.length === 0) return undefined;
  for (const p of serverPrefs) if (clientOffer.includes(p)) return p;
  return 'no-overlap';
}

/** RFC 8446 §4.1.3 downgrade sentinels in the last 8 bytes of ServerHello.random. */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

/**
 * RFC 8446 §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST check
 * that the last 8 bytes are not equal to either of these values. [...] If a match is found, the
 * client MUST abort the handshake with an "illegal_parameter" alert."
 */
export function checkDowngradeSentinel(serverRandom: Uint8Array, clientMaxVersion: number): void {
  if (clientMaxVersion < ProtocolVersion.TLSv1_3 || serverRandom.length !== 32) return;
  const tail = serverRandom.subarray(24);
  if (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11)) {
    throw new TlsError(AlertDescription.illegal_parameter, 'DowngradeSentinelInServerRandom', 'ServerHello.random carries the TLS 1.3 downgrade sentinel: an attacker may be forcing an older version');
  }
}

/** True when `name` is an IPv4 or IPv6 literal: RFC 6066 §3 "Literal IPv4 and IPv6 addresses are not permitted in HostName". */
export function isIpLiteral(name: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return true;
  return name.includes(':');
}

/** RFC 8449 §4: our own limit for TLS 1.3 (2^14 plus the inner content-type byte). */
export const RECORD_SIZE_LIMIT_TLS13 = 16385;
/** RFC 8449 §4: "Endpoints MUST NOT send a value smaller than 64." */
export const MIN_RECORD_SIZE_LIMIT = 64;

/** Validates a peer record_size_limit: below 64 is illegal_parameter (RFC 8449 §4). */
export function checkRecordSizeLimit(limit: number): number {
  if (limit < MIN_RECORD_SIZE_LIMIT) {
    throw new TlsError(AlertDescription.illegal_parameter, 'RecordSizeLimitTooSmall', `record_size_limit ${limit} is below the minimum of ${MIN_RECORD_SIZE_LIMIT}`);
  }
  return limit;
}
