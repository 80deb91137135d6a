/**
 * Direct DER decoders for the X.509 fields every handshake touches (Names, times, algorithm
 * identifiers, GeneralNames). The schema-driven parser costs ~1 ms per certificate, which would
 * dominate a first handshake; these walkers over der.ts cost microseconds.
 */
import { toHex } from '../util/bytes.js';
import { childrenOf, DerError, readBitString, readTop, tlvBytes, type Tlv } from './der.js';
import { formatIPv6 } from './ip.js';

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

export type SanEntry =
  | { type: 'dns'; value: string }
  | { type: 'ip'; value: string; bytes: Uint8Array }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'dirName'; value: DistinguishedName }
  | { type: 'other'; tag: string };

export function decodeOid(b: Uint8Array): string {
  if (b.length === 0 || (b[b.length - 1]! & 0x80) !== 0) throw new DerError('bad OBJECT IDENTIFIER');
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

export function oidAt(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x06) throw new DerError('expected OBJECT IDENTIFIER');
  return decodeOid(buf.subarray(t.contentStart, t.end));
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

/** The text of an ASN.1 string (X.520 DirectoryString and friends). */
export function decodeString(buf: Uint8Array, t: Tlv): string {
  const c = buf.subarray(t.contentStart, t.end);
  switch (t.tag) {
    case 0x0c: // UTF8String
      return utf8.decode(c);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x12: // NumericString
    case 0x14: // TeletexString (T.61; Latin-1 is how OpenSSL and browsers treat it in practice)
      return latin1.decode(c);
    case 0x1e: // BMPString
      return utf16be.decode(c);
    case 0x1c: {
      // UniversalString (UTF-32BE)
      if (c.length % 4 !== 0) throw new DerError('bad UniversalString');
      let s = '';
      for (let i = 0; i < c.length; i += 4) s += String.fromCodePoint(((c[i]! << 24) | (c[i + 1]! << 16) | (c[i + 2]! << 8) | c[i + 3]!) >>> 0);
      return s;
    }
    default:
      // Other types are shown as OpenSSL does for unknown values: '#' + hex of the whole TLV.
      return `#${toHex(tlvBytes(buf, t))}`;
  }
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue). */
export function decodeName(der: Uint8Array): DistinguishedName {
  const top = readTop(der);
  if (top.tag !== 0x30) throw new DerError('Name is not a SEQUENCE');
  const rdns: NameAttribute[][] = [];
  for (const rdnT of childrenOf(der, top)) {
    if (rdnT.tag !== 0x31) throw new DerError('RDN is not a SET');
    const rdn: NameAttribute[] = [];
    for (const atvT of childrenOf(der, rdnT)) {
      const [typeT, valueT, extra] = childrenOf(der, atvT);
      if (atvT.tag !== 0x30 || !typeT || !valueT || extra) throw new DerError('bad AttributeTypeAndValue');
      const oid = oidAt(der, typeT);
      rdn.push({ oid, shortName: ATTRIBUTE_SHORT_NAMES[oid] ?? oid, value: decodeString(der, valueT) });
    }
    if (rdn.length === 0) throw new DerError('empty RDN');
    rdns.push(rdn);
  }
  const key = rdns
    .map((rdn) => rdn.map((a) => `${a.oid}=${a.value.trim().replace(/\s+/g, ' ').toLowerCase()}`).sort().join('+'))
    .join(',');
  return { der, rdns, key };
}

/** RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY >= 50 is 19YY) or GeneralizedTime YYYYMMDDHHMMSSZ. */
export function decodeTime(buf: Uint8Array, t: Tlv): number {
  const s = latin1.decode(buf.subarray(t.contentStart, t.end));
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === 0x17 && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === 0x18 && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    throw new DerError(`bad time ${JSON.stringify(s)}`);
  }
  const [mo, d, h, mi, se] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) throw new DerError(`bad time ${JSON.stringify(s)}`);
  return Date.UTC(year, mo - 1, d, h, mi, se);
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }; params as their TLV bytes. */
export function decodeAlgId(buf: Uint8Array, t: Tlv): { oid: string; params?: Uint8Array } {
  const [o, p, extra] = childrenOf(buf, t);
  if (t.tag !== 0x30 || !o || extra) throw new DerError('bad AlgorithmIdentifier');
  const oid = oidAt(buf, o);
  return p ? { oid, params: buf.slice(p.start, p.end) } : { oid };
}

/** The content of a BIT STRING with no unused bits (keys and signatures). */
export function bitStringBytes(buf: Uint8Array, t: Tlv): Uint8Array {
  const { unusedBits, bytes } = readBitString(buf, t);
  if (unusedBits !== 0) throw new DerError('bad BIT STRING');
  return bytes.slice();
}

/** Text form of address bytes: dotted quad, canonical IPv6, or hex for anything else. */
function ipString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) return formatIPv6(b);
  return toHex(b);
}

/** GeneralName (RFC 5280 §4.2.1.6), context-tagged. */
export function decodeGeneralName(buf: Uint8Array, t: Tlv): SanEntry {
  const c = buf.subarray(t.contentStart, t.end);
  switch (t.tag) {
    case 0x82:
      return { type: 'dns', value: latin1.decode(c) };
    case 0x81:
      return { type: 'email', value: latin1.decode(c) };
    case 0x86:
      return { type: 'uri', value: latin1.decode(c) };
    case 0x87:
      return { type: 'ip', value: ipString(c), bytes: c.slice() };
    case 0xa4: {
      const [inner] = childrenOf(buf, t);
      if (!inner) throw new DerError('empty directoryName');
      return { type: 'dirName', value: decodeName(buf.slice(inner.start, inner.end)) };
    }
    case 0xa0: {
      const [typeId] = childrenOf(buf, t);
      return { type: 'other', tag: `othername:${typeId ? oidAt(buf, typeId) : '?'}` };
    }
    case 0x88:
      return { type: 'other', tag: `RID:${decodeOid(c)}` };
    default:
      return { type: 'other', tag: 'unsupported' };
  }
}

/** GeneralNames ::= SEQUENCE OF GeneralName. */
export function decodeGeneralNames(der: Uint8Array): SanEntry[] {
  const top = readTop(der);
  if (top.tag !== 0x30) throw new DerError('GeneralNames is not a SEQUENCE');
  return childrenOf(der, top).map((t) => decodeGeneralName(der, t));
}
