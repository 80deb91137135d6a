/**
 * Name constraints (RFC 5280 §4.2.1.10) checked the way OpenSSL's NAME_CONSTRAINTS_check does:
 * every name of a certificate below a constrained CA must be inside a permitted subtree of its
 * type (when the CA lists any of that type) and outside every excluded subtree. DNS, IP, email,
 * URI host and directory names are supported; the leaf's CN counts as a DNS name when it has no
 * DNS SANs (OpenSSL NAME_CONSTRAINTS_check_CN), so a CN cannot smuggle in a forbidden host.
 */
import type { GeneralSubtreeEntry, ParsedCertificate } from './x509.js';
import type { VerifyCode } from './verify-codes.js';

type NameKind = GeneralSubtreeEntry['type'];

interface Candidate {
  type: NameKind;
  value: string;
  ip?: Uint8Array;
}

function lc(s: string): string {
  return s.toLowerCase();
}

/** OpenSSL nc_dns: "example.com" covers itself and its subdomains, ".example.com" only subdomains. */
function dnsMatch(name: string, base: string): boolean {
  name = lc(name);
  base = lc(base);
  if (base === '') return true;
  if (name === base) return true;
  if (base.startsWith('.')) return name.endsWith(base);
  return name.endsWith('.' + base);
}

/** OpenSSL nc_email: a full mailbox, a ".domain" suffix, or an exact host. */
function emailMatch(name: string, base: string): boolean {
  const at = name.lastIndexOf('@');
  if (at < 0) return false;
  const local = name.slice(0, at);
  const host = lc(name.slice(at + 1));
  if (base.includes('@')) {
    const bat = base.lastIndexOf('@');
    return local === base.slice(0, bat) && host === lc(base.slice(bat + 1));
  }
  if (base.startsWith('.')) return host.endsWith(lc(base));
  return host === lc(base);
}

/** RFC 5280 §4.2.1.10: URI constraints apply to the host part. */
function uriMatch(name: string, base: string): boolean {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(name);
  if (!m || !m[1]) return false;
  const host = lc(m[1]);
  base = lc(base);
  if (base.startsWith('.')) return host.endsWith(base);
  return host === base;
}

function ipMatch(ip: Uint8Array, baseAndMask: Uint8Array): boolean {
  const n = baseAndMask.length / 2;
  if (ip.length !== n) return false;
  for (let i = 0; i < n; i++) if ((ip[i]! & baseAndMask[n + i]!) !== (baseAndMask[i]! & baseAndMask[n + i]!)) return false;
  return true;
}

function dirMatch(nameKey: string, baseKey: string): boolean {
  // A directory subtree is a prefix of RDNs.
  return baseKey === '' || nameKey === baseKey || nameKey.startsWith(baseKey + ',');
}

function matches(c: Candidate, s: GeneralSubtreeEntry): boolean {
  switch (c.type) {
    case 'dns':
      return dnsMatch(c.value, s.value);
    case 'email':
      return emailMatch(c.value, s.value);
    case 'uri':
      return uriMatch(c.value, s.value);
    case 'ip':
      return !!c.ip && !!s.ipBytes && ipMatch(c.ip, s.ipBytes);
    case 'dirName':
      return dirMatch(c.value, s.value);
    default:
      return false;
  }
}

function candidatesOf(cert: ParsedCertificate, isLeaf: boolean): Candidate[] {
  const out: Candidate[] = [];
  if (cert.subject.rdns.length > 0) out.push({ type: 'dirName', value: cert.subject.key });
  for (const rdn of cert.subject.rdns) for (const a of rdn) if (a.shortName === 'emailAddress') out.push({ type: 'email', value: a.value });
  let hasDns = false;
  for (const san of cert.ext.subjectAltName ?? []) {
    if (san.type === 'dns') {
      hasDns = true;
      out.push({ type: 'dns', value: san.value });
    } else if (san.type === 'email' || san.type === 'uri') out.push({ type: san.type, value: san.value });
    else if (san.type === 'ip') out.push({ type: 'ip', value: san.value, ip: san.bytes });
    else if (san.type === 'dirName') out.push({ type: 'dirName', value: san.value.key });
  }
  if (isLeaf && !hasDns) {
    for (const rdn of cert.subject.rdns) {
      for (const a of rdn) {
        // Only CNs that look like host names are treated as DNS ids (OpenSSL cn2dnsid).
        if (a.shortName === 'CN' && /^[a-zA-Z0-9*_-]+(\.[a-zA-Z0-9_-]+)+\.?$/.test(a.value)) out.push({ type: 'dns', value: a.value });
      }
    }
  }
  return out;
}

/** null when `cert` satisfies the constraints of `ca`, otherwise the OpenSSL code. */
export function checkNameConstraints(cert: ParsedCertificate, ca: ParsedCertificate, isLeaf: boolean): VerifyCode | null {
  const nc = ca.ext.nameConstraints;
  if (!nc) return null;
  for (const s of [...nc.permitted, ...nc.excluded]) if (s.type === 'other') return 'UNSUPPORTED_CONSTRAINT_TYPE';
  for (const c of candidatesOf(cert, isLeaf)) {
    if (nc.excluded.some((s) => s.type === c.type && matches(c, s))) return 'EXCLUDED_VIOLATION';
    const permittedOfType = nc.permitted.filter((s) => s.type === c.type);
    if (permittedOfType.length > 0 && !permittedOfType.some((s) => matches(c, s))) return 'PERMITTED_VIOLATION';
  }
  return null;
}
