/**
 * The object Node's tlsSocket.getPeerCertificate([detailed]) returns, built from DER with pki/x509.
 * Field order, spelling and formats follow Node 20 (src/crypto/crypto_x509.cc X509ToObject and
 * lib/_tls_common.js translatePeerCertificate), because applications compare and log these
 * objects: subject/issuer as null-prototype objects with OpenSSL short names (repeated attributes
 * become arrays), OpenSSL's time format, colon-separated upper-case fingerprints, the RSA SPKI or
 * the raw EC point as `pubkey`, and with `detailed` an issuerCertificate chain whose root points to
 * itself.
 */
import { createHash } from 'node:crypto';
import { checkIssued, issued } from '../pki/chain.js';
import { parseCertificate, serialHex, type DistinguishedName, type ParsedCertificate, type SanEntry } from '../pki/x509.js';
import { toHex } from '../util/bytes.js';

export type CertNameObject = Record<string, string | string[]>;

export interface PeerCertificate {
  subject: CertNameObject;
  issuer: CertNameObject;
  subjectaltname?: string;
  infoAccess?: Record<string, string[]>;
  ca: boolean;
  modulus?: string;
  bits?: number;
  exponent?: string;
  pubkey?: Buffer;
  asn1Curve?: string;
  nistCurve?: string;
  valid_from: string;
  valid_to: string;
  fingerprint: string;
  fingerprint256: string;
  fingerprint512: string;
  ext_key_usage?: string[];
  serialNumber: string;
  raw: Buffer;
  issuerCertificate?: PeerCertificate;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenSSL ASN1_TIME_print: "Jan  1 00:00:00 2020 GMT" (day space-padded). */
export function opensslTime(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

function fingerprint(alg: 'sha1' | 'sha256' | 'sha512', der: Uint8Array): string {
  const hex = createHash(alg).update(der).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

function nameObject(n: DistinguishedName): CertNameObject {
  const o: CertNameObject = Object.create(null) as CertNameObject;
  for (const rdn of n.rdns) {
    for (const a of rdn) {
      const prev = o[a.shortName];
      if (prev === undefined) o[a.shortName] = a.value;
      else if (Array.isArray(prev)) prev.push(a.value);
      else o[a.shortName] = [prev, a.value];
    }
  }
  return o;
}

/**
 * Node's IsSafeAltName: values with separators, quotes or (for IA5 strings) anything outside
 * printable ASCII are JSON-quoted so the list can be split unambiguously (CVE-2021-44532).
 */
function altValue(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x2c || c === 0x27 || c < 0x20 || c > 0x7e) return JSON.stringify(v);
  }
  return v;
}

/** Node prints IPv6 SANs uncompressed, upper-case hex words. */
function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16).toUpperCase());
    return words.join(':');
  }
  return `<invalid length=${bytes.length}>`;
}

function generalName(s: SanEntry): string {
  switch (s.type) {
    case 'dns':
      return `DNS:${altValue(s.value)}`;
    case 'ip':
      return `IP Address:${ipText(s.bytes)}`;
    case 'email':
      return `email:${altValue(s.value)}`;
    case 'uri':
      return `URI:${altValue(s.value)}`;
    case 'dirName':
      return `DirName:${altValue(s.value.rdns.map((r) => r.map((a) => `${a.shortName}=${a.value}`).join('+')).join('/'))}`;
    default:
      return s.tag.startsWith('othername:') ? 'othername:<unsupported>' : s.tag;
  }
}

const AIA_METHODS: Record<string, string> = { '1.3.6.1.5.5.7.48.1': 'OCSP', '1.3.6.1.5.5.7.48.2': 'CA Issuers' };
const AIA_LOCATION_KIND: Record<string, string> = { uri: 'URI', dns: 'DNS', email: 'email', ip: 'IP Address' };

function infoAccess(c: ParsedCertificate): Record<string, string[]> | undefined {
  const aia = c.ext.authorityInfoAccess;
  if (!aia) return undefined;
  const o = Object.create(null) as Record<string, string[]>;
  for (const a of aia) {
    const loc = a.location;
    const kind = AIA_LOCATION_KIND[loc.type] ?? loc.type;
    const value = loc.type === 'dns' || loc.type === 'email' || loc.type === 'uri' ? loc.value : loc.type === 'ip' ? ipText(loc.bytes) : '<unsupported>';
    const key = `${AIA_METHODS[a.method] ?? a.method} - ${kind}`;
    (o[key] ??= []).push(value);
  }
  return o;
}

function hex(b: Uint8Array): string {
  return toHex(b).toUpperCase();
}

/** One certificate's fields, without issuerCertificate. */
function certObject(c: ParsedCertificate): PeerCertificate {
  const o: Partial<PeerCertificate> = {};
  o.subject = nameObject(c.subject);
  o.issuer = nameObject(c.issuer);
  if (c.ext.subjectAltName) o.subjectaltname = c.ext.subjectAltName.map(generalName).join(', ');
  const ia = infoAccess(c);
  if (ia) o.infoAccess = ia;
  o.ca = c.ext.basicConstraints?.ca ?? false;
  const k = c.publicKey;
  if (k.type === 'rsa' && k.modulus && k.exponent) {
    o.modulus = hex(k.modulus);
    o.bits = k.bits;
    o.exponent = '0x' + BigInt('0x' + (hex(k.exponent) || '0')).toString(16);
    o.pubkey = Buffer.from(c.spki);
  } else if (k.type === 'ec') {
    o.bits = k.bits;
    o.pubkey = Buffer.from(k.keyBytes);
    if (k.curveName) o.asn1Curve = k.curveName;
    if (k.nistCurve) o.nistCurve = k.nistCurve;
  }
  o.valid_from = opensslTime(c.notBefore);
  o.valid_to = opensslTime(c.notAfter);
  o.fingerprint = fingerprint('sha1', c.der);
  o.fingerprint256 = fingerprint('sha256', c.der);
  o.fingerprint512 = fingerprint('sha512', c.der);
  if (c.ext.extKeyUsage) o.ext_key_usage = [...c.ext.extKeyUsage];
  o.serialNumber = serialHex(c);
  o.raw = Buffer.from(c.der);
  return o as PeerCertificate;
}

/**
 * getPeerCertificate(detailed) for the chain the peer sent (leaf first, the rest in any order) and
 * the local trust anchors. Certificates that do not parse throw TlsError(bad_certificate).
 * With `detailed`, issuerCertificate links are made as Node's GetPeerCert does: first through the
 * peer's certificates (X509_check_issued, so an issuer needs keyCertSign), then through `anchors`
 * (SSL_CTX_get_issuer, names and key ids only); the last certificate links to itself when it
 * issued itself, and a self-signed leaf without keyCertSign links to two copies of its anchor.
 */
export function toPeerCertificate(chainDer: readonly Uint8Array[], detailed: boolean, anchors: readonly Uint8Array[] = []): PeerCertificate {
  const peer = chainDer.map((d) => parseCertificate(d));
  const leaf = certObject(peer[0]!);
  if (!detailed) return leaf;
  const stack = [...peer];
  let cur = peer[0]!;
  let curObj = leaf;
  for (;;) {
    const i = stack.findIndex((c) => checkIssued(c, cur));
    if (i < 0) break;
    const next = stack.splice(i, 1)[0]!;
    const nextObj = certObject(next);
    curObj.issuerCertificate = nextObj;
    cur = next;
    curObj = nextObj;
  }
  const store = anchors.map((d) => parseCertificate(d));
  let curFromStore = false;
  while (!checkIssued(cur, cur)) {
    const ca = store.find((c) => issued(c, cur));
    if (!ca) break;
    const caObj = certObject(ca);
    curObj.issuerCertificate = caObj;
    curObj = caObj;
    // A self-signed certificate without keyCertSign keeps finding itself in the store: Node stops
    // once the store returns the store's own certificate again (after linking it a second time).
    if (curFromStore && ca === cur) return leaf;
    cur = ca;
    curFromStore = true;
  }
  if (checkIssued(cur, cur)) curObj.issuerCertificate = curObj;
  return leaf;
}
