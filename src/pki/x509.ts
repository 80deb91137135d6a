/**
 * X.509 certificate parsing (RFC 5280 §4) into a typed, immutable ParsedCertificate, decoded
 * directly from the DER (der.ts, x509-fields.ts): the bytes that are signed or compared (TBS,
 * Names, SPKI) are cut out of the original buffer so nothing depends on re-encoding. No schema
 * library is loaded: @peculiar/asn1-x509 and its runtime cost ~1.6 MB of old-generation heap at
 * import, which pushed a server past V8's 8 MB incremental-marking threshold. Parsed certificates
 * are cached by their DER because the same chain arrives on every handshake.
 */
import { AlertDescription } from '../wire/registry.js';
import { TlsError } from '../util/errors.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { childrenOf, DerError, readBitString, readBoolean, readIntegerNumber, readOctetString, readSigned, readTop, tlvBytes, type Tlv } from './der.js';
import {
  bitStringBytes,
  decodeAlgId,
  decodeGeneralName,
  decodeGeneralNames,
  decodeName,
  decodeTime,
  oidAt,
  type DistinguishedName,
  type SanEntry,
} from './x509-fields.js';

export { ATTRIBUTE_SHORT_NAMES, decodeName, decodeOid, type DistinguishedName, type NameAttribute, type SanEntry } from './x509-fields.js';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  certificatePolicies: '2.5.29.32',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  policyMappings: '2.5.29.33',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  anyExtendedKeyUsage: '2.5.29.37.0',
  nsSgc: '2.16.840.1.113730.4.1',
  msSgc: '1.3.6.1.4.1.311.10.3.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const;

/** Extensions this library understands; any other extension marked critical makes the chain fail. */
export const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.nameConstraints,
  OID.subjectKeyId, OID.authorityKeyId, OID.crlDistributionPoints, OID.authorityInfoAccess,
  // Policies: we do no policy processing (like Node/OpenSSL without -policy), so a critical
  // certificatePolicies is accepted the way OpenSSL accepts it (anyPolicy is implied).
  OID.certificatePolicies, OID.policyConstraints, OID.inhibitAnyPolicy, OID.policyMappings,
]);

export const CURVE_BY_OID: Readonly<Record<string, { name: string; nist?: string; bits: number }>> = {
  '1.2.840.10045.3.1.7': { name: 'prime256v1', nist: 'P-256', bits: 256 },
  '1.3.132.0.34': { name: 'secp384r1', nist: 'P-384', bits: 384 },
  '1.3.132.0.35': { name: 'secp521r1', nist: 'P-521', bits: 521 },
  '1.3.132.0.10': { name: 'secp256k1', bits: 256 },
};

export interface PublicKeyInfo {
  type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'unknown';
  algorithmOid: string;
  bits: number;
  /** EC only. */
  curveOid?: string;
  curveName?: string;
  nistCurve?: string;
  /** RSA only: big-endian modulus without a sign byte, and the exponent. */
  modulus?: Uint8Array;
  exponent?: Uint8Array;
  /** The BIT STRING content: the EC point, the raw Ed key, or the RSAPublicKey DER. */
  keyBytes: Uint8Array;
}

export interface GeneralSubtreeEntry {
  type: 'dns' | 'ip' | 'email' | 'uri' | 'dirName' | 'other';
  /** dns/email/uri: the string; ip: address||mask bytes as hex; dirName: the Name key. */
  value: string;
  ipBytes?: Uint8Array;
}

export interface CertExtensions {
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** KeyUsage bit flags: digitalSignature=1, keyEncipherment=4, keyCertSign=32, cRLSign=64 ... */
  keyUsage?: number;
  extKeyUsage?: string[];
  subjectAltName?: SanEntry[];
  nameConstraints?: { permitted: GeneralSubtreeEntry[]; excluded: GeneralSubtreeEntry[] };
  authorityInfoAccess?: { method: string; location: SanEntry }[];
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  crlDistributionPoints?: string[];
  /** Critical extensions we do not process (RFC 5280 §4.2: the chain must then be rejected). */
  unknownCritical: string[];
  all: { oid: string; critical: boolean; value: Uint8Array }[];
}

export interface ParsedCertificate {
  der: Uint8Array;
  /** The signed TBSCertificate bytes. */
  tbs: Uint8Array;
  version: number;
  /** The serial INTEGER content bytes (two's complement, as encoded). */
  serial: Uint8Array;
  sigAlg: { oid: string; params?: Uint8Array };
  signature: Uint8Array;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: number;
  notAfter: number;
  spki: Uint8Array;
  publicKey: PublicKeyInfo;
  ext: CertExtensions;
  /** Subject and issuer names match (the certificate may still be signed by another key). */
  selfIssued: boolean;
}

/** A bound on the parse cache; a busy server sees a handful of distinct client chains per second. */
export const PARSE_CACHE_SIZE = 512;
/** Certificates larger than this are refused before parsing (the TLS 1.3 cert_data limit is 2^24). */
export const MAX_CERT_SIZE = 64 * 1024;

const cache = new Map<string, ParsedCertificate>();

function cacheKey(der: Uint8Array): string {
  // FNV-1a over all bytes + length; a collision is caught by the bytesEqual check below.
  let h = 0x811c9dc5;
  for (let i = 0; i < der.length; i++) h = Math.imul(h ^ der[i]!, 0x01000193);
  return `${der.length}:${(h >>> 0).toString(16)}`;
}

function bad(message: string): TlsError {
  return new TlsError(AlertDescription.bad_certificate, 'CertificateUnparsable', message);
}

/** Parses (or returns the cached parse of) one DER certificate. Throws TlsError(bad_certificate). */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const key = cacheKey(der);
  const hit = cache.get(key);
  if (hit && bytesEqual(hit.der, der)) {
    cache.delete(key); // refresh LRU position
    cache.set(key, hit);
    return hit;
  }
  if (der.length > MAX_CERT_SIZE) throw bad(`certificate of ${der.length} bytes exceeds ${MAX_CERT_SIZE}`);
  let cert: ParsedCertificate;
  try {
    cert = parseUncached(new Uint8Array(der)); // a copy (a Buffer's slice() is a view): the cache outlives the caller's bytes
  } catch (e) {
    if (e instanceof TlsError) throw e;
    throw bad(`cannot parse certificate: ${(e as Error).message}`);
  }
  cache.set(key, cert);
  if (cache.size > PARSE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return cert;
}

function parseUncached(der: Uint8Array): ParsedCertificate {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1)
  const [tbsTlv, outerAlgTlv, sigTlv] = readSigned(der, 'Certificate', 'TBSCertificate');
  const f = childrenOf(der, tbsTlv);
  let i = 0;
  let version = 1;
  if (f[0]?.tag === 0xa0) {
    const [v] = childrenOf(der, f[0]);
    if (!v || v.tag !== 0x02 || v.end - v.contentStart !== 1) throw new DerError('bad version');
    version = der[v.contentStart]! + 1;
    if (version < 2 || version > 3) throw new DerError(`unsupported version ${version}`);
    i = 1;
  }
  const need = (k: number, tag: number, what: string): Tlv => {
    const t = f[i + k];
    if (!t || t.tag !== tag) throw new DerError(`bad or missing ${what}`);
    return t;
  };
  const serialTlv = need(0, 0x02, 'serialNumber');
  const innerAlg = decodeAlgId(der, need(1, 0x30, 'signature'));
  const issuerTlv = need(2, 0x30, 'issuer');
  const validity = childrenOf(der, need(3, 0x30, 'validity'));
  const subjectTlv = need(4, 0x30, 'subject');
  const spkiTlv = need(5, 0x30, 'subjectPublicKeyInfo');
  let extList: Tlv[] = [];
  for (const t of f.slice(i + 6)) {
    // issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions are [3] EXPLICIT.
    if (t.tag === 0xa3) {
      const [seq, extra] = childrenOf(der, t);
      if (!seq || seq.tag !== 0x30 || extra) throw new DerError('bad extensions');
      extList = childrenOf(der, seq);
    } else if (t.tag !== 0x81 && t.tag !== 0xa1 && t.tag !== 0x82 && t.tag !== 0xa2) throw new DerError('unexpected field in TBSCertificate');
  }
  const sigAlg = decodeAlgId(der, outerAlgTlv);
  // RFC 5280 §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the
  // signature field in the sequence tbsCertificate".
  if (innerAlg.oid !== sigAlg.oid || !sameParams(innerAlg.params, sigAlg.params)) {
    throw bad('signatureAlgorithm differs from the TBSCertificate signature field (RFC 5280 §4.1.1.2)');
  }
  if (validity.length !== 2) throw new DerError('bad validity');
  const notBefore = decodeTime(der, validity[0]!);
  const notAfter = decodeTime(der, validity[1]!);
  const issuer = decodeName(der.slice(issuerTlv.start, issuerTlv.end));
  const subject = decodeName(der.slice(subjectTlv.start, subjectTlv.end));
  const [spkiAlgT, spkiKeyT, spkiExtra] = childrenOf(der, spkiTlv);
  if (!spkiAlgT || !spkiKeyT || spkiExtra) throw new DerError('bad SubjectPublicKeyInfo');
  const spkiAlg = decodeAlgId(der, spkiAlgT);
  if (serialTlv.end === serialTlv.contentStart) throw new DerError('empty serialNumber');
  return {
    der,
    tbs: tlvBytes(der, tbsTlv),
    version,
    serial: der.subarray(serialTlv.contentStart, serialTlv.end),
    sigAlg,
    signature: bitStringBytes(der, sigTlv),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: tlvBytes(der, spkiTlv),
    publicKey: decodePublicKey(spkiAlg.oid, spkiAlg.params, bitStringBytes(der, spkiKeyT)),
    ext: decodeExtensions(der, extList, version),
    selfIssued: issuer.key === subject.key,
  };
}

function sameParams(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return !a === !b;
  return bytesEqual(a, b);
}

function decodePublicKey(oid: string, params: Uint8Array | undefined, keyBytes: Uint8Array): PublicKeyInfo {
  switch (oid) {
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)
      const top = readTop(keyBytes);
      const [nT, eT, extra] = childrenOf(keyBytes, top);
      if (top.tag !== 0x30 || !nT || !eT || extra || nT.tag !== 0x02 || eT.tag !== 0x02) throw bad('malformed RSAPublicKey');
      const m = unsignedIntBytes(keyBytes, nT);
      const bits = m.length === 0 ? 0 : (m.length - 1) * 8 + (32 - Math.clz32(m[0]!));
      const e = unsignedIntBytes(keyBytes, eT);
      return { type: oid === OID.rsaEncryption ? 'rsa' : 'rsa-pss', algorithmOid: oid, bits, modulus: m, exponent: e, keyBytes };
    }
    case OID.ecPublicKey: {
      if (!params) throw bad('EC public key without curve parameters');
      const t = readTop(params);
      if (t.tag !== 0x06) throw bad('EC public key with explicit curve parameters is not supported');
      const curveOid = oidAt(params, t);
      const curve = CURVE_BY_OID[curveOid];
      const out: PublicKeyInfo = { type: 'ec', algorithmOid: oid, bits: curve?.bits ?? 0, curveOid, keyBytes };
      if (curve) out.curveName = curve.name;
      if (curve?.nist) out.nistCurve = curve.nist;
      return out;
    }
    case OID.ed25519:
      return { type: 'ed25519', algorithmOid: oid, bits: 253, keyBytes };
    case OID.ed448:
      return { type: 'ed448', algorithmOid: oid, bits: 456, keyBytes };
    default:
      return { type: 'unknown', algorithmOid: oid, bits: 0, keyBytes };
  }
}

/** A copy of an INTEGER's content without leading zero bytes (one byte is kept for zero). */
function unsignedIntBytes(buf: Uint8Array, t: Tlv): Uint8Array {
  let i = t.contentStart;
  while (i < t.end - 1 && buf[i] === 0) i++;
  return buf.slice(i, t.end);
}

/** GeneralSubtrees ::= SEQUENCE OF GeneralSubtree { base GeneralName, minimum [0], maximum [1] }. */
function subtrees(buf: Uint8Array, t: Tlv): GeneralSubtreeEntry[] {
  return childrenOf(buf, t).map((st) => {
    const [baseT] = childrenOf(buf, st);
    if (st.tag !== 0x30 || !baseT) throw new DerError('bad GeneralSubtree');
    const s = decodeGeneralName(buf, baseT);
    switch (s.type) {
      case 'dns':
      case 'email':
      case 'uri':
        return { type: s.type, value: s.value };
      case 'ip':
        // RFC 5280 §4.2.1.10: address followed by mask (8 or 32 octets).
        if (s.bytes.length !== 8 && s.bytes.length !== 32) throw bad('iPAddress name constraint is not address+mask');
        return { type: 'ip', value: toHex(s.bytes), ipBytes: s.bytes };
      case 'dirName':
        return { type: 'dirName', value: s.value.key };
      default:
        return { type: 'other', value: s.tag };
    }
  });
}

function decodeExtensions(der: Uint8Array, list: Tlv[], version: number): CertExtensions {
  const out: CertExtensions = { unknownCritical: [], all: [] };
  if (list.length > 0 && version !== 3) throw bad('extensions in a certificate that is not v3 (RFC 5280 §4.1.2.9)');
  const seen = new Set<string>();
  for (const extT of list) {
    const { oid, critical, value } = decodeExtension(der, extT);
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(oid)) throw bad(`duplicate extension ${oid}`);
    seen.add(oid);
    out.all.push({ oid, critical, value });
    switch (oid) {
      case OID.basicConstraints:
        out.basicConstraints = decodeBasicConstraints(value);
        break;
      case OID.keyUsage:
        out.keyUsage = decodeKeyUsage(value);
        break;
      case OID.extKeyUsage:
        out.extKeyUsage = decodeExtKeyUsage(value);
        break;
      case OID.subjectAltName:
        out.subjectAltName = decodeGeneralNames(value);
        break;
      case OID.nameConstraints: {
        const top = readTop(value);
        const nc: { permitted: GeneralSubtreeEntry[]; excluded: GeneralSubtreeEntry[] } = { permitted: [], excluded: [] };
        for (const t of childrenOf(value, top)) {
          if (t.tag === 0xa0) nc.permitted = subtrees(value, t);
          else if (t.tag === 0xa1) nc.excluded = subtrees(value, t);
          else throw new DerError('bad NameConstraints');
        }
        out.nameConstraints = nc;
        break;
      }
      case OID.authorityInfoAccess: {
        // AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod OID, accessLocation GeneralName }
        const top = readTop(value);
        out.authorityInfoAccess = childrenOf(value, top).map((ad) => {
          const [m, loc, extra] = childrenOf(value, ad);
          if (!m || !loc || extra) throw new DerError('bad AccessDescription');
          return { method: oidAt(value, m), location: decodeGeneralName(value, loc) };
        });
        break;
      }
      case OID.subjectKeyId:
        // SubjectKeyIdentifier ::= KeyIdentifier ::= OCTET STRING (RFC 5280 §4.2.1.2)
        out.subjectKeyId = readOctetString(value, readTop(value));
        break;
      case OID.authorityKeyId: {
        const k = decodeAuthorityKeyId(value);
        if (k) out.authorityKeyId = k;
        break;
      }
      case OID.crlDistributionPoints: {
        // DistributionPoint ::= SEQUENCE { distributionPoint [0] { fullName [0] IMPLICIT GeneralNames | ... }, ... }
        const uris: string[] = [];
        for (const dp of childrenOf(value, readTop(value))) {
          for (const f of childrenOf(value, dp)) {
            if (f.tag !== 0xa0) continue;
            for (const dpn of childrenOf(value, f)) {
              if (dpn.tag !== 0xa0) continue;
              for (const g of childrenOf(value, dpn)) {
                const n = decodeGeneralName(value, g);
                if (n.type === 'uri') uris.push(n.value);
              }
            }
          }
        }
        out.crlDistributionPoints = uris;
        break;
      }
      default:
        if (critical && !HANDLED_EXTENSIONS.has(oid)) out.unknownCritical.push(oid);
    }
  }
  return out;
}

/**
 * Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 * (RFC 5280 §4.1); the value is a copy of the OCTET STRING content. Shared with CRLs (§5.2).
 */
export function decodeExtension(der: Uint8Array, extT: Tlv): { oid: string; critical: boolean; value: Uint8Array } {
  const parts = childrenOf(der, extT);
  if (extT.tag !== 0x30 || parts.length < 2 || parts.length > 3) throw new DerError('bad Extension');
  const oid = oidAt(der, parts[0]!);
  const critical = parts.length === 3 ? readBoolean(der, parts[1]!) : false;
  const valT = parts[parts.length - 1]!;
  if (valT.tag !== 0x04) throw new DerError('extnValue is not an OCTET STRING');
  return { oid, critical, value: der.slice(valT.contentStart, valT.end) };
}

/**
 * BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX)
 * OPTIONAL } (RFC 5280 §4.2.1.9). An explicit cA FALSE is not DER (X.690 §11.5) but occurs in older
 * certificates and is accepted; a negative pathLen is kept, so path validation fails it.
 */
export function decodeBasicConstraints(v: Uint8Array): { ca: boolean; pathLen?: number } {
  const top = readTop(v);
  const f = childrenOf(v, top);
  if (top.tag !== 0x30) throw new DerError('BasicConstraints is not a SEQUENCE');
  let i = 0;
  const ca = f[0]?.tag === 0x01 ? readBoolean(v, f[i++]!) : false;
  const pathLen = i < f.length ? readIntegerNumber(v, f[i++]!) : undefined;
  if (i !== f.length) throw new DerError('bad BasicConstraints');
  return pathLen !== undefined ? { ca, pathLen } : { ca };
}

/**
 * KeyUsage ::= BIT STRING { digitalSignature (0), nonRepudiation (1), keyEncipherment (2), ...,
 * decipherOnly (8) } (RFC 5280 §4.2.1.3) as a number with named bit n at 2^n, the numbering
 * @peculiar's BitString.toNumber() used and chain.ts's KU_* flags assume. Named bit 0 is the most
 * significant bit of the first octet (X.690 §8.6.2.4). Unused bits are ignored whatever their value
 * (as OpenSSL and @peculiar do); no bits at all is 0.
 */
export function decodeKeyUsage(v: Uint8Array): number {
  const { unusedBits, bytes } = readBitString(v, readTop(v));
  let n = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = i === bytes.length - 1 ? bytes[i]! & (0xff << unusedBits) : bytes[i]!;
    n = n * 256 + reverseBits(b);
  }
  return n;
}

function reverseBits(b: number): number {
  let r = 0;
  for (let j = 0; j < 8; j++) r = (r << 1) | ((b >> j) & 1);
  return r;
}

/**
 * ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OID) (RFC 5280 §4.2.1.12). An empty
 * SEQUENCE is accepted (it always was) and then allows no purpose.
 */
export function decodeExtKeyUsage(v: Uint8Array): string[] {
  const top = readTop(v);
  if (top.tag !== 0x30) throw new DerError('ExtKeyUsageSyntax is not a SEQUENCE');
  return childrenOf(v, top).map((t) => oidAt(v, t));
}

/** GeneralName's CHOICE tags, otherName [0] to registeredID [8] (RFC 5280 §4.2.1.6). */
const GENERAL_NAME_TAGS: ReadonlySet<number> = new Set([0xa0, 0x81, 0x82, 0xa3, 0xa4, 0xa5, 0x86, 0x87, 0x88]);

/**
 * AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL,
 * authorityCertIssuer [1] IMPLICIT GeneralNames OPTIONAL, authorityCertSerialNumber [2] IMPLICIT
 * INTEGER OPTIONAL } (RFC 5280 §4.2.1.1): the keyIdentifier, if any. Issuer and serial are only
 * checked to be well-formed (path building matches by key identifier and name, not by them).
 */
export function decodeAuthorityKeyId(v: Uint8Array): Uint8Array | undefined {
  const top = readTop(v);
  if (top.tag !== 0x30) throw new DerError('AuthorityKeyIdentifier is not a SEQUENCE');
  let keyId: Uint8Array | undefined;
  let last = -1;
  for (const t of childrenOf(v, top)) {
    const n = t.tag === 0x80 ? 0 : t.tag === 0xa1 ? 1 : t.tag === 0x82 ? 2 : -1;
    // Unknown, repeated or out of order (X.690 §8.9.2: SEQUENCE components in their defined order).
    if (n <= last) throw new DerError('bad AuthorityKeyIdentifier');
    last = n;
    if (n === 0) keyId = readOctetString(v, t, 0x80);
    else if (n === 1) {
      for (const g of childrenOf(v, t)) {
        if (!GENERAL_NAME_TAGS.has(g.tag)) throw new DerError('bad GeneralName in AuthorityKeyIdentifier');
        if (g.tag & 0x20) childrenOf(v, g); // x400Address and ediPartyName are not decoded, only walked
        decodeGeneralName(v, g);
      }
    } else readIntegerNumber(v, t, 0x82);
  }
  return keyId;
}

/** Upper-case hex of the serial as OpenSSL/Node print it (leading zero sign byte dropped). */
export function serialHex(cert: ParsedCertificate): string {
  return serialBytesHex(cert.serial);
}

/** serialHex for serial INTEGER content bytes (CRL entries are keyed by it too). */
export function serialBytesHex(serial: Uint8Array): string {
  let s = serial;
  while (s.length > 1 && s[0] === 0) s = s.subarray(1);
  return toHex(s).toUpperCase();
}

/** For tests and diagnostics: forget every cached parse. */
export function clearParseCache(): void {
  cache.clear();
}
