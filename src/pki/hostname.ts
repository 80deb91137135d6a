/**
 * Server identity matching with exactly the rules of Node 20's tls.checkServerIdentity (lib/tls.js),
 * as pure logic over the getPeerCertificate() shape: DNS SANs with a wildcard only as the whole or
 * part of the left-most label (never in an xn-- label, never for a two-label pattern), IP literals
 * compared as canonical addresses against IP SANs only, and the subject CN used only when the
 * certificate has no DNS SAN. Reason strings are Node's, word for word, because applications and
 * tests match on them. (RFC 6125 §6.4.3 is the background; Node's choices are the contract.)
 */
import { PkiError } from './errors.js';
import { canonicalizeIP, isIP } from './ip.js';

/** The fields of a PeerCertificate that identity checking reads. */
export interface IdentityCert {
  subject?: { CN?: string | string[] } | null;
  subjectaltname?: string;
}

export interface IdentityResult {
  valid: boolean;
  /** Node's `reason` (set when !valid). */
  reason: string;
  /** The host name without a trailing dot, as Node reports it. */
  host: string;
}

function unfqdn(host: string): string {
  return host.replace(/[.]$/, '');
}

/** Lower-cases A-Z only: String#toLowerCase is locale-sensitive (Node's comment, same rule). */
function splitHost(host: string): string[] {
  return unfqdn(host)
    .replace(/[A-Z]/g, (c) => String.fromCharCode(32 + c.charCodeAt(0)))
    .split('.');
}

function check(hostParts: string[], pattern: string, wildcards: boolean): boolean {
  // Empty strings, null, undefined never match.
  if (!pattern) return false;
  const patternParts = splitHost(pattern);
  if (hostParts.length !== patternParts.length) return false;
  // Pattern has empty components, e.g. "bad..example.com".
  if (patternParts.includes('')) return false;
  // IDNA U-labels, control characters and blanks are rejected (RFC 6125 §6.4.2 allows U-labels,
  // but without a way to normalise them accepting them is unsafe).
  if (patternParts.some((s) => /[^\u0021-\u007F]/u.test(s))) return false;
  for (let i = hostParts.length - 1; i > 0; i -= 1) if (hostParts[i] !== patternParts[i]) return false;
  const hostSubdomain = hostParts[0]!;
  const patternSubdomain = patternParts[0]!;
  const patternSubdomainParts = patternSubdomain.split('*');
  // RFC 6125 §6.4.3: no wildcard substitution inside A-labels (xn--), matched verbatim.
  if (patternSubdomainParts.length === 1 || patternSubdomain.includes('xn--')) return hostSubdomain === patternSubdomain;
  if (!wildcards) return false;
  // More than one wildcard is always wrong.
  if (patternSubdomainParts.length > 2) return false;
  // *.tld wildcards are not allowed.
  if (patternParts.length <= 2) return false;
  const prefix = patternSubdomainParts[0]!;
  const suffix = patternSubdomainParts[1]!;
  if (prefix.length + suffix.length > hostSubdomain.length) return false;
  if (!hostSubdomain.startsWith(prefix)) return false;
  if (!hostSubdomain.endsWith(suffix)) return false;
  return true;
}

// A JSON string literal, as Node quotes SAN values that contain separators.
// eslint-disable-next-line no-control-regex
const jsonStringPattern = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/;

/** Splits a subjectaltname string in which some values are JSON-quoted. */
export function splitEscapedAltNames(altNames: string): string[] {
  const result: string[] = [];
  let currentToken = '';
  let offset = 0;
  while (offset !== altNames.length) {
    const nextSep = altNames.indexOf(',', offset);
    const nextQuote = altNames.indexOf('"', offset);
    if (nextQuote !== -1 && (nextSep === -1 || nextQuote < nextSep)) {
      currentToken += altNames.substring(offset, nextQuote);
      const match = jsonStringPattern.exec(altNames.substring(nextQuote));
      if (!match) throw new PkiError('ERR_TLS_CERT_ALTNAME_FORMAT', 'Invalid subject alternative name string');
      currentToken += JSON.parse(match[0]) as string;
      offset = nextQuote + match[0].length;
    } else if (nextSep !== -1) {
      currentToken += altNames.substring(offset, nextSep);
      result.push(currentToken);
      currentToken = '';
      offset = nextSep + 2;
    } else {
      currentToken += altNames.substring(offset);
      offset = altNames.length;
    }
  }
  result.push(currentToken);
  return result;
}

/**
 * Node's checkServerIdentity decision. @throws PkiError('ERR_TLS_CERT_ALTNAME_FORMAT') for a
 * subjectaltname string with a malformed quoted value (Node throws a SyntaxError with that code).
 */
export function checkHostIdentity(hostname: string, cert: IdentityCert): IdentityResult {
  const subject = cert.subject;
  const altNames = cert.subjectaltname;
  const dnsNames: string[] = [];
  const ips: (string | undefined)[] = [];
  hostname = '' + hostname;
  if (altNames) {
    const split = altNames.includes('"') ? splitEscapedAltNames(altNames) : altNames.split(', ');
    for (const name of split) {
      if (name.startsWith('DNS:')) dnsNames.push(name.slice(4));
      else if (name.startsWith('IP Address:')) ips.push(canonicalizeIP(name.slice(11)));
    }
  }
  let valid = false;
  let reason = 'Unknown reason';
  hostname = unfqdn(hostname); // Remove trailing dot for error messages.
  if (isIP(hostname)) {
    valid = ips.includes(canonicalizeIP(hostname));
    if (!valid) reason = `IP: ${hostname} is not in the cert's list: ` + ips.join(', ');
  } else if (dnsNames.length > 0 || subject?.CN) {
    const hostParts = splitHost(hostname);
    const wildcard = (pattern: string) => check(hostParts, pattern, true);
    if (dnsNames.length > 0) {
      valid = dnsNames.some(wildcard);
      if (!valid) reason = `Host: ${hostname}. is not in the cert's altnames: ${altNames}`;
    } else {
      // Match against Common Name only if no supported identifiers exist.
      const cn = subject!.CN;
      if (Array.isArray(cn)) valid = cn.some(wildcard);
      else if (cn) valid = wildcard(cn);
      if (!valid) reason = `Host: ${hostname}. is not cert's CN: ${cn}`;
    }
  } else {
    reason = 'Cert does not contain a DNS name';
  }
  return { valid, reason, host: hostname };
}
