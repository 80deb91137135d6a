/**
 * Distinguished names and subject alternative names for the certificate builder: parsing the
 * OpenSSL `-subj` spelling (`/C=UK/O=Example/CN=localhost`), a field object, or an RFC 4514-like
 * `CN=localhost,O=Example`, and validating DNS names and IP addresses before they reach DER.
 */
import {
  AttributeTypeAndValue,
  AttributeValue,
  GeneralName,
  Name,
  RelativeDistinguishedName,
} from '@peculiar/asn1-x509';
import { PkiBuildError } from './errors.js';
import { parseIPv4, parseIPv6 } from '../ip.js';

/** Subject fields by their short name, in the order they are written (C first, CN last, like OpenSSL). */
export interface DnFields {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string;
  CN?: string;
  emailAddress?: string;
}

interface AttrRow {
  oid: string;
  /** DER string type: country codes are PrintableString, mail addresses and domain components IA5String. */
  kind: 'printable' | 'utf8' | 'ia5';
  /** RFC 5280 Appendix A upper bounds (ub-*). */
  maxLength: number;
}

const ATTRIBUTES: Record<string, AttrRow> = {
  C: { oid: '2.5.4.6', kind: 'printable', maxLength: 2 },
  ST: { oid: '2.5.4.8', kind: 'utf8', maxLength: 128 },
  L: { oid: '2.5.4.7', kind: 'utf8', maxLength: 128 },
  O: { oid: '2.5.4.10', kind: 'utf8', maxLength: 64 },
  OU: { oid: '2.5.4.11', kind: 'utf8', maxLength: 64 },
  CN: { oid: '2.5.4.3', kind: 'utf8', maxLength: 64 },
  street: { oid: '2.5.4.9', kind: 'utf8', maxLength: 128 },
  title: { oid: '2.5.4.12', kind: 'utf8', maxLength: 64 },
  serialNumber: { oid: '2.5.4.5', kind: 'printable', maxLength: 64 },
  GN: { oid: '2.5.4.42', kind: 'utf8', maxLength: 64 },
  SN: { oid: '2.5.4.4', kind: 'utf8', maxLength: 64 },
  DC: { oid: '0.9.2342.19200300.100.1.25', kind: 'ia5', maxLength: 63 },
  UID: { oid: '0.9.2342.19200300.100.1.1', kind: 'utf8', maxLength: 256 },
  emailAddress: { oid: '1.2.840.113549.1.9.1', kind: 'ia5', maxLength: 255 },
};
/** Long spellings OpenSSL also accepts. */
const ALIASES: Record<string, string> = {
  countryName: 'C', stateOrProvinceName: 'ST', localityName: 'L', organizationName: 'O',
  organizationalUnitName: 'OU', commonName: 'CN', E: 'emailAddress', email: 'emailAddress',
};
const FIELD_ORDER: readonly (keyof DnFields)[] = ['C', 'ST', 'L', 'O', 'OU', 'CN', 'emailAddress'];

/** Longest DNS name (RFC 1035 §2.3.4) and label. */
export const MAX_DNS_NAME_LENGTH = 253;
const MAX_DNS_LABEL_LENGTH = 63;
/** Bound on attributes in one name and SAN entries, so a typo'd loop cannot build a megabyte certificate. */
export const MAX_NAME_ATTRIBUTES = 32;
export const MAX_SAN_ENTRIES = 256;

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const IA5 = /^[\x00-\x7f]*$/;

function attributeValue(key: string, value: string): AttributeTypeAndValue {
  const row = ATTRIBUTES[key];
  if (!row) throw new PkiBuildError('ERR_PKI_BAD_NAME', `unknown name attribute "${key}"`);
  if (value.length === 0) throw new PkiBuildError('ERR_PKI_BAD_NAME', `empty value for ${key}`);
  if (value.length > row.maxLength) {
    throw new PkiBuildError('ERR_PKI_BAD_NAME', `${key} is longer than ${row.maxLength} characters (RFC 5280 Appendix A)`);
  }
  const v = new AttributeValue();
  if (row.kind === 'printable') {
    if (!PRINTABLE.test(value)) throw new PkiBuildError('ERR_PKI_BAD_NAME', `${key} must be a PrintableString: "${value}"`);
    if (key === 'C' && !/^[A-Za-z]{2}$/.test(value)) {
      throw new PkiBuildError('ERR_PKI_BAD_NAME', `C must be a two-letter country code, got "${value}"`);
    }
    v.printableString = value;
  } else if (row.kind === 'ia5') {
    if (!IA5.test(value)) throw new PkiBuildError('ERR_PKI_BAD_NAME', `${key} must be ASCII: "${value}"`);
    v.ia5String = value;
  } else {
    v.utf8String = value;
  }
  return new AttributeTypeAndValue({ type: row.oid, value: v });
}

function canonicalKey(raw: string): string {
  const k = raw.trim();
  return ALIASES[k] ?? k;
}

/** Splits on `sep` outside backslash escapes and unescapes `\x` to `x`. */
function splitEscaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      cur += '\\' + text[++i];
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

function parsePair(text: string): AttributeTypeAndValue {
  const raw = splitEscaped(text, '=');
  if (raw.length < 2) throw new PkiBuildError('ERR_PKI_BAD_NAME', `expected TYPE=value, got "${unescape(text)}"`);
  const key = canonicalKey(unescape(raw[0]!));
  return attributeValue(key, unescape(raw.slice(1).join('=')));
}

/**
 * Parses a distinguished name: `/C=UK/O=Example/CN=localhost` (OpenSSL -subj; `+` joins a
 * multi-valued RDN, `\` escapes), or `CN=localhost,O=Example` (RFC 4514 order: most specific first).
 * An empty string or "/" is the empty name.
 */
export function parseDn(text: string): Name {
  const trimmed = text.trim();
  let rdnTexts: string[];
  if (trimmed === '' || trimmed === '/') {
    rdnTexts = [];
  } else if (trimmed.startsWith('/')) {
    rdnTexts = splitEscaped(trimmed.slice(1), '/').filter((s) => s.length > 0);
  } else {
    // RFC 4514 §2.1 writes the last RDN of the sequence first.
    rdnTexts = splitEscaped(trimmed, ',').map((s) => s.trim()).filter((s) => s.length > 0).reverse();
  }
  const rdns = rdnTexts.map((r) => new RelativeDistinguishedName(splitEscaped(r, '+').map(parsePair)));
  const count = rdns.reduce((n, r) => n + r.length, 0);
  if (count > MAX_NAME_ATTRIBUTES) throw new PkiBuildError('ERR_PKI_BAD_NAME', `more than ${MAX_NAME_ATTRIBUTES} name attributes`);
  return new Name(rdns);
}

/** Builds a name from fields, written C, ST, L, O, OU, CN, emailAddress. */
export function dnFromFields(fields: DnFields): Name {
  const rdns: RelativeDistinguishedName[] = [];
  for (const key of FIELD_ORDER) {
    const value = fields[key];
    if (value !== undefined) rdns.push(new RelativeDistinguishedName([attributeValue(key, value)]));
  }
  return new Name(rdns);
}

export function toName(subject: string | DnFields | Name): Name {
  if (subject instanceof Name) return subject;
  return typeof subject === 'string' ? parseDn(subject) : dnFromFields(subject);
}

/** Renders a name in the OpenSSL `-subj` form (escaping `/`, `+` and `\`), so parseDn(formatDn(n)) is n. */
export function formatDn(name: Name): string {
  const short = new Map(Object.entries(ATTRIBUTES).map(([k, row]) => [row.oid, k]));
  const esc = (v: string): string => v.replace(/[\\/+]/g, (c) => '\\' + c);
  return name
    .map((rdn) => rdn.map((atv) => `${short.get(atv.type) ?? atv.type}=${esc(atv.value.toString())}`).join('+'))
    .map((s) => '/' + s)
    .join('');
}

/**
 * Strict dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text to its 4 or 16 bytes; null when not an
 * address. The parsers are pki/ip.ts's (the verifier's); a %zone has no place in a certificate,
 * so it is refused here rather than dropped.
 */
export function parseIp(text: string): Uint8Array | null {
  if (text.includes('%')) return null;
  return parseIPv4(text) ?? parseIPv6(text);
}

/** The text form the ASN.1 library's IP converter reads back exactly (dotted quad, or eight hex groups). */
function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** Checks a DNS SAN (RFC 5280 §4.2.1.6 preferred name syntax; one leading `*.` wildcard label allowed). */
export function checkDnsName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.length === 0 || lower.length > MAX_DNS_NAME_LENGTH) {
    throw new PkiBuildError('ERR_PKI_BAD_SAN', `DNS name "${name}" is empty or longer than ${MAX_DNS_NAME_LENGTH}`);
  }
  const labels = lower.split('.');
  labels.forEach((label, i) => {
    const ok = (i === 0 && label === '*' && labels.length > 1) ||
      (label.length <= MAX_DNS_LABEL_LENGTH && /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/.test(label));
    if (!ok) throw new PkiBuildError('ERR_PKI_BAD_SAN', `"${name}" is not a DNS name (label "${label}")`);
  });
  return lower;
}

/**
 * Splits SAN strings into DNS names and IP addresses: `DNS:x`, `IP:x`, `email:x`, `URI:x`, or a bare
 * value (an IP if it parses as one, a DNS name otherwise).
 */
export function parseSans(values: readonly string[]): { dns: string[]; ips: string[]; emails: string[]; uris: string[] } {
  const out = { dns: [] as string[], ips: [] as string[], emails: [] as string[], uris: [] as string[] };
  for (const value of values) {
    for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(DNS|IP|email|URI):(.*)$/i.exec(part);
      const kind = m ? m[1]!.toUpperCase() : parseIp(part) ? 'IP' : 'DNS';
      const v = m ? m[2]! : part;
      if (kind === 'DNS') out.dns.push(v);
      else if (kind === 'IP') out.ips.push(v);
      else if (kind === 'EMAIL') out.emails.push(v);
      else out.uris.push(v);
    }
  }
  return out;
}

/** GeneralNames for a subjectAltName extension, DNS names first, then addresses. */
export function sanGeneralNames(dns: readonly string[] = [], ips: readonly string[] = [], emails: readonly string[] = [], uris: readonly string[] = []): GeneralName[] {
  if (dns.length + ips.length + emails.length + uris.length > MAX_SAN_ENTRIES) {
    throw new PkiBuildError('ERR_PKI_BAD_SAN', `more than ${MAX_SAN_ENTRIES} subject alternative names`);
  }
  const names: GeneralName[] = dns.map((d) => new GeneralName({ dNSName: checkDnsName(d) }));
  for (const ip of ips) {
    const bytes = parseIp(ip);
    if (!bytes) throw new PkiBuildError('ERR_PKI_BAD_SAN', `"${ip}" is not an IPv4 or IPv6 address`);
    names.push(new GeneralName({ iPAddress: ipText(bytes) }));
  }
  for (const e of emails) {
    if (!/^[^@\s]+@[^@\s]+$/.test(e) || !IA5.test(e)) throw new PkiBuildError('ERR_PKI_BAD_SAN', `"${e}" is not a mail address`);
    names.push(new GeneralName({ rfc822Name: e }));
  }
  for (const u of uris) {
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(u) || !IA5.test(u)) throw new PkiBuildError('ERR_PKI_BAD_SAN', `"${u}" is not a URI`);
    names.push(new GeneralName({ uniformResourceIdentifier: u }));
  }
  return names;
}
