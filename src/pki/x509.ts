/**
 * X.509 certificate parsing (RFC 5280 §4) into a typed, immutable ParsedCertificate. Values are
 * decoded with @peculiar/asn1-x509; the bytes that are signed or compared (TBS, Names, SPKI) are cut
 * out of the original DER (der.ts) so nothing depends on re-encoding. Parsed certificates are cached
 * by their DER because the same chain arrives on every handshake.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  GeneralName,
  KeyUsage,
  Name,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  AttributeTypeAndValue,
} from '@peculiar/asn1-x509';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { AlertDescription } from '../wire/registry.js';
import { TlsError } from '../util/errors.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { childrenOf, DerError, readTop, tlvBytes, toArrayBuffer } from './der.js';
import { ipBytesFromString } from './ip.js';

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

/** Short names as OpenSSL prints them (and Node uses as subject/issuer object keys). */
export const ATTRIBUTE_SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '2.5.4.9': 'street', '2.5.4.12': 'title', '2.5.4.4': 'SN', '2.5.4.42': 'GN',
  '2.5.4.43': 'initials', '2.5.4.44': 'generationQualifier', '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym',
  '2.5.4.17': 'postalCode', '2.5.4.15': 'businessCategory', '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL', '2.5.4.41': 'name',
};

export interface NameAttribute {
  oid: string;
  /** OpenSSL short name, or the dotted OID when unknown. */
  shortName: string;
  value: string;
}

export interface DistinguishedName {
  /** The Name exactly as encoded in the certificate. */
  der: Uint8Array;
  /** RDNs in encoded order, each a set of attributes. */
  rdns: NameAttribute[][];
  /** Canonical comparison key (RFC 5280 §7.1, simplified like OpenSSL: case-folded, spaces collapsed). */
  key: string;
}

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

export type SanEntry =
  | { type: 'dns'; value: string }
  | { type: 'ip'; value: string; bytes: Uint8Array }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'dirName'; value: DistinguishedName }
  | { type: 'other'; tag: string };

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
    cert = parseUncached(der.slice());
  } catch (e) {
    if (e instanceof TlsError) throw e;
    throw bad(`cannot parse certificate: ${(e as Error).message}`);
  }
  cache.set(key, cert);
  if (cache.size > PARSE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return cert;
}

function parseUncached(der: Uint8Array): ParsedCertificate {
  // Exact bytes first: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const top = readTop(der);
  const parts = childrenOf(der, top);
  if (top.tag !== 0x30 || parts.length !== 3) throw new DerError('Certificate is not a SEQUENCE of 3');
  const tbsTlv = parts[0]!;
  const tbsParts = childrenOf(der, tbsTlv);
  const hasVersion = tbsParts[0]?.tag === 0xa0;
  const at = (i: number) => {
    const t = tbsParts[i + (hasVersion ? 1 : 0)];
    if (!t) throw new DerError('TBSCertificate is truncated');
    return t;
  };
  const serialTlv = at(0);
  const issuerTlv = at(2);
  const subjectTlv = at(4);
  const spkiTlv = at(5);

  const c = AsnConvert.parse(toArrayBuffer(der), Certificate);
  const tbs = c.tbsCertificate;
  // RFC 5280 §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the
  // signature field in the sequence tbsCertificate".
  if (tbs.signature.algorithm !== c.signatureAlgorithm.algorithm || !sameParams(tbs.signature.parameters, c.signatureAlgorithm.parameters)) {
    throw bad('signatureAlgorithm differs from the TBSCertificate signature field (RFC 5280 §4.1.1.2)');
  }
  const notBefore = tbs.validity.notBefore.getTime().getTime();
  const notAfter = tbs.validity.notAfter.getTime().getTime();
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) throw bad('invalid validity time');
  const issuer = decodeName(tlvBytes(der, issuerTlv), tbs.issuer);
  const subject = decodeName(tlvBytes(der, subjectTlv), tbs.subject);
  const spki = tlvBytes(der, spkiTlv);
  const params = c.signatureAlgorithm.parameters;
  return {
    der,
    tbs: tlvBytes(der, tbsTlv),
    version: tbs.version + 1,
    serial: der.subarray(serialTlv.contentStart, serialTlv.end),
    sigAlg: params ? { oid: c.signatureAlgorithm.algorithm, params: new Uint8Array(params) } : { oid: c.signatureAlgorithm.algorithm },
    signature: new Uint8Array(c.signatureValue),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    publicKey: decodePublicKey(tbs.subjectPublicKeyInfo.algorithm.algorithm, tbs.subjectPublicKeyInfo.algorithm.parameters, new Uint8Array(tbs.subjectPublicKeyInfo.subjectPublicKey)),
    ext: decodeExtensions(tbs.extensions ?? [], tbs.version),
    selfIssued: issuer.key === subject.key,
  };
}

function sameParams(a: ArrayBuffer | null | undefined, b: ArrayBuffer | null | undefined): boolean {
  if (!a || !b) return !a === !b;
  return bytesEqual(new Uint8Array(a), new Uint8Array(b));
}

function attrValue(a: AttributeTypeAndValue): string {
  const v = a.value;
  if (v.anyValue) return `#${toHex(new Uint8Array(v.anyValue))}`;
  return v.toString();
}

export function decodeName(der: Uint8Array, name: Name): DistinguishedName {
  const rdns: NameAttribute[][] = [];
  for (const rdn of name) {
    rdns.push(Array.from(rdn).map((a) => ({ oid: a.type, shortName: ATTRIBUTE_SHORT_NAMES[a.type] ?? a.type, value: attrValue(a) })));
  }
  const key = rdns
    .map((rdn) => rdn.map((a) => `${a.oid}=${a.value.trim().replace(/\s+/g, ' ').toLowerCase()}`).sort().join('+'))
    .join(',');
  return { der, rdns, key };
}

function decodePublicKey(oid: string, params: ArrayBuffer | null | undefined, keyBytes: Uint8Array): PublicKeyInfo {
  switch (oid) {
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      const k = AsnConvert.parse(toArrayBuffer(keyBytes), RSAPublicKey);
      let m = new Uint8Array(k.modulus);
      let i = 0;
      while (i < m.length - 1 && m[i] === 0) i++;
      m = m.slice(i);
      const bits = m.length === 0 ? 0 : (m.length - 1) * 8 + (32 - Math.clz32(m[0]!));
      let e = new Uint8Array(k.publicExponent);
      let j = 0;
      while (j < e.length - 1 && e[j] === 0) j++;
      e = e.slice(j);
      return { type: oid === OID.rsaEncryption ? 'rsa' : 'rsa-pss', algorithmOid: oid, bits, modulus: m, exponent: e, keyBytes };
    }
    case OID.ecPublicKey: {
      if (!params) throw bad('EC public key without curve parameters');
      const p = new Uint8Array(params);
      const t = readTop(p);
      if (t.tag !== 0x06) throw bad('EC public key with explicit curve parameters is not supported');
      const curveOid = decodeOid(p.subarray(t.contentStart, t.end));
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

export function decodeOid(b: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

export function decodeGeneralName(g: GeneralName): SanEntry {
  if (g.dNSName !== undefined) return { type: 'dns', value: g.dNSName };
  if (g.iPAddress !== undefined) return { type: 'ip', value: g.iPAddress, bytes: ipBytesFromString(g.iPAddress) ?? new Uint8Array(0) };
  if (g.rfc822Name !== undefined) return { type: 'email', value: g.rfc822Name };
  if (g.uniformResourceIdentifier !== undefined) return { type: 'uri', value: g.uniformResourceIdentifier };
  if (g.directoryName !== undefined) return { type: 'dirName', value: decodeName(new Uint8Array(AsnConvert.serialize(g.directoryName)), g.directoryName) };
  return { type: 'other', tag: g.otherName ? `othername:${g.otherName.typeId}` : g.registeredID ? `RID:${g.registeredID}` : 'unsupported' };
}

function subtree(g: GeneralName): GeneralSubtreeEntry {
  const s = decodeGeneralName(g);
  switch (s.type) {
    case 'dns':
    case 'email':
    case 'uri':
      return { type: s.type, value: s.value };
    case 'ip': {
      // Name constraints carry address||mask (RFC 5280 §4.2.1.10); peculiar prints it as CIDR.
      const bytes = ipBytesFromString(s.value, true);
      if (!bytes) throw bad(`bad iPAddress name constraint ${s.value}`);
      return { type: 'ip', value: s.value, ipBytes: bytes };
    }
    case 'dirName':
      return { type: 'dirName', value: s.value.key };
    default:
      return { type: 'other', value: s.tag };
  }
}

function decodeExtensions(list: readonly { extnID: string; critical: boolean; extnValue: { buffer: ArrayBuffer } }[], version: number): CertExtensions {
  const out: CertExtensions = { unknownCritical: [], all: [] };
  if (list.length > 0 && version !== 2) throw bad('extensions in a certificate that is not v3 (RFC 5280 §4.1.2.9)');
  const seen = new Set<string>();
  for (const e of list) {
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(e.extnID)) throw bad(`duplicate extension ${e.extnID}`);
    seen.add(e.extnID);
    const raw = e.extnValue.buffer;
    out.all.push({ oid: e.extnID, critical: e.critical, value: new Uint8Array(raw) });
    switch (e.extnID) {
      case OID.basicConstraints: {
        const v = AsnConvert.parse(raw, BasicConstraints);
        out.basicConstraints = v.pathLenConstraint !== undefined ? { ca: v.cA, pathLen: v.pathLenConstraint } : { ca: v.cA };
        break;
      }
      case OID.keyUsage:
        out.keyUsage = AsnConvert.parse(raw, KeyUsage).toNumber();
        break;
      case OID.extKeyUsage:
        out.extKeyUsage = [...AsnConvert.parse(raw, ExtendedKeyUsage)];
        break;
      case OID.subjectAltName:
        out.subjectAltName = Array.from(AsnConvert.parse(raw, SubjectAlternativeName), decodeGeneralName);
        break;
      case OID.nameConstraints: {
        const nc = AsnConvert.parse(raw, NameConstraints);
        out.nameConstraints = {
          permitted: Array.from(nc.permittedSubtrees ?? []).map((s) => subtree(s.base)),
          excluded: Array.from(nc.excludedSubtrees ?? []).map((s) => subtree(s.base)),
        };
        break;
      }
      case OID.authorityInfoAccess:
        out.authorityInfoAccess = Array.from(AsnConvert.parse(raw, AuthorityInfoAccessSyntax)).map((a) => ({ method: a.accessMethod, location: decodeGeneralName(a.accessLocation) }));
        break;
      case OID.subjectKeyId:
        out.subjectKeyId = new Uint8Array(AsnConvert.parse(raw, SubjectKeyIdentifier).buffer);
        break;
      case OID.authorityKeyId: {
        const k = AsnConvert.parse(raw, AuthorityKeyIdentifier).keyIdentifier;
        if (k) out.authorityKeyId = new Uint8Array(k.buffer);
        break;
      }
      case OID.crlDistributionPoints: {
        const uris: string[] = [];
        for (const dp of AsnConvert.parse(raw, CRLDistributionPoints)) {
          for (const n of dp.distributionPoint?.fullName ?? []) if (n.uniformResourceIdentifier) uris.push(n.uniformResourceIdentifier);
        }
        out.crlDistributionPoints = uris;
        break;
      }
      default:
        if (e.critical && !HANDLED_EXTENSIONS.has(e.extnID)) out.unknownCritical.push(e.extnID);
    }
  }
  return out;
}

/** Upper-case hex of the serial as OpenSSL/Node print it (leading zero sign byte dropped). */
export function serialHex(cert: ParsedCertificate): string {
  let s = cert.serial;
  while (s.length > 1 && s[0] === 0) s = s.subarray(1);
  return toHex(s).toUpperCase();
}

/** For tests and diagnostics: forget every cached parse. */
export function clearParseCache(): void {
  cache.clear();
}
