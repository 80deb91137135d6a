/**
 * Extension blocks and the body codecs of the extensions we understand, one small pair per
 * extension (RFC section next to each). Decoders take the extension body (after type + length)
 * and throw DecodeError on any malformed or trailing byte; encoders return the body.
 */
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { DecodeError, TlsError } from '../util/errors.js';
import { AlertDescription, ExtensionType, nameOf } from './registry.js';
import type { KeyShareEntry, OfferedPsks, PskIdentity, RawExtension } from './types.js';

// ---- extension blocks (RFC 8446 §4.2) ----

/** Reads `Extension extensions<0..2^16-1>`; a repeated type is illegal_parameter. */
export function readExtensionBlock(r: ByteReader, what = 'extensions'): RawExtension[] {
  const block = r.sub16(what);
  const out: RawExtension[] = [];
  const seen = new Set<number>();
  while (!block.isEmpty()) {
    const type = block.u16('extension type');
    const data = block.vec16(`extension ${nameOf(ExtensionType, type)}`);
    // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
    if (seen.has(type)) {
      throw new TlsError(AlertDescription.illegal_parameter, 'DuplicateExtension', `duplicate ${nameOf(ExtensionType, type)} extension in ${what}`);
    }
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** Writes an extension block (u16 length, then type + u16-length body per entry). */
export function writeExtensionBlock(w: ByteWriter, exts: readonly RawExtension[]): void {
  w.lengthPrefixed(2, (b) => {
    for (const e of exts) b.u16(e.type).vec16(e.data);
  });
}

// ---- helpers ----

function body(f: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(64);
  f(w);
  return w.finish();
}

function parse<T>(data: Uint8Array, what: string, f: (r: ByteReader) => T): T {
  const r = ByteReader.over(data);
  const v = f(r);
  r.done(what);
  return v;
}

function u16List(r: ByteReader, what: string): number[] {
  const out: number[] = [];
  while (!r.isEmpty()) out.push(r.u16(what));
  return out;
}

function u8List(r: ByteReader, what: string): number[] {
  const out: number[] = [];
  while (!r.isEmpty()) out.push(r.u8(what));
  return out;
}

function evenLength(v: Uint8Array, what: string): Uint8Array {
  if (v.length % 2 !== 0) throw new DecodeError(`${what} has an odd length`);
  return v;
}

/** ALPN/NPN names are opaque bytes; we carry them as latin1 strings so every byte value survives. */
export function latin1Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function latin1Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new TlsError(AlertDescription.internal_error, 'NameNotLatin1', `name ${JSON.stringify(s)} is not a byte string`);
    out[i] = c;
  }
  return out;
}

export function decodeEmpty(data: Uint8Array, what: string): true {
  if (data.length !== 0) throw new DecodeError(`${what} extension must be empty`);
  return true;
}
export const EMPTY = new Uint8Array(0);

// ---- server_name (RFC 6066 §3) ----

export const NameType = { host_name: 0 } as const;

/** The first host_name of a ServerNameList; other name types are skipped. */
export function decodeServerNameClientHello(data: Uint8Array): string | undefined {
  return parse(data, 'server_name', (r) => {
    const list = r.sub16('server_name_list', 1);
    let host: string | undefined;
    while (!list.isEmpty()) {
      const type = list.u8('name_type');
      const name = list.vec16('host_name', 1);
      if (type === NameType.host_name && host === undefined) host = latin1Decode(name);
    }
    return host;
  });
}
export function encodeServerNameClientHello(host: string): Uint8Array {
  return body((w) => w.lengthPrefixed(2, (l) => l.u8(NameType.host_name).vec16(latin1Encode(host))));
}

// ---- supported_versions (RFC 8446 §4.2.1) ----

export function decodeSupportedVersionsClientHello(data: Uint8Array): number[] {
  return parse(data, 'supported_versions', (r) => u16List(ByteReader.over(evenLength(r.vec8('versions', 2), 'versions')), 'version'));
}
export function encodeSupportedVersionsClientHello(versions: readonly number[]): Uint8Array {
  return body((w) => w.lengthPrefixed(1, (l) => versions.forEach((v) => l.u16(v))));
}
export function decodeSupportedVersionsServerHello(data: Uint8Array): number {
  return parse(data, 'supported_versions', (r) => r.u16('selected_version'));
}
export function encodeSupportedVersionsServerHello(version: number): Uint8Array {
  return body((w) => w.u16(version));
}

// ---- u16 lists: supported_groups (RFC 8446 §4.2.7), signature_algorithms(_cert) (§4.2.3) ----

export function decodeU16List(data: Uint8Array, what: string): number[] {
  return parse(data, what, (r) => u16List(ByteReader.over(evenLength(r.vec16(what, 2), what)), what));
}
export function encodeU16List(values: readonly number[]): Uint8Array {
  return body((w) => w.lengthPrefixed(2, (l) => values.forEach((v) => l.u16(v))));
}
export const decodeSupportedGroups = (d: Uint8Array): number[] => decodeU16List(d, 'supported_groups');
export const encodeSupportedGroups = encodeU16List;
export const decodeSignatureAlgorithms = (d: Uint8Array): number[] => decodeU16List(d, 'signature_algorithms');
export const encodeSignatureAlgorithms = encodeU16List;

// ---- u8 lists: psk_key_exchange_modes (RFC 8446 §4.2.9), ec_point_formats (RFC 8422 §5.1.2) ----

export function decodeU8List(data: Uint8Array, what: string): number[] {
  return parse(data, what, (r) => u8List(r.sub8(what, 1), what));
}
export function encodeU8List(values: readonly number[]): Uint8Array {
  return body((w) => w.lengthPrefixed(1, (l) => values.forEach((v) => l.u8(v))));
}

// ---- key_share (RFC 8446 §4.2.8) ----

function readKeyShareEntry(r: ByteReader): KeyShareEntry {
  const group = r.u16('key share group');
  const keyExchange = r.vec16('key_exchange', 1);
  return { group, keyExchange };
}

export function decodeKeyShareClientHello(data: Uint8Array): KeyShareEntry[] {
  return parse(data, 'key_share', (r) => {
    const list = r.sub16('client_shares');
    const out: KeyShareEntry[] = [];
    while (!list.isEmpty()) {
      const e = readKeyShareEntry(list);
      // §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group ...
      // Servers MAY check for violations of these rules and abort the handshake with an "illegal_parameter" alert"
      if (out.some((o) => o.group === e.group)) {
        throw new TlsError(AlertDescription.illegal_parameter, 'DuplicateKeyShareGroup', 'ClientHello offers two key shares for one group');
      }
      out.push(e);
    }
    return out;
  });
}
export function encodeKeyShareClientHello(shares: readonly KeyShareEntry[]): Uint8Array {
  return body((w) => w.lengthPrefixed(2, (l) => shares.forEach((s) => l.u16(s.group).vec16(s.keyExchange))));
}
export function decodeKeyShareServerHello(data: Uint8Array): KeyShareEntry {
  return parse(data, 'key_share', readKeyShareEntry);
}
export function encodeKeyShareServerHello(share: KeyShareEntry): Uint8Array {
  return body((w) => w.u16(share.group).vec16(share.keyExchange));
}
export function decodeKeyShareHelloRetryRequest(data: Uint8Array): number {
  return parse(data, 'key_share', (r) => r.u16('selected_group'));
}
export function encodeKeyShareHelloRetryRequest(group: number): Uint8Array {
  return body((w) => w.u16(group));
}

// ---- pre_shared_key (RFC 8446 §4.2.11) ----

export function decodePreSharedKeyClientHello(data: Uint8Array): OfferedPsks {
  return parse(data, 'pre_shared_key', (r) => {
    const ids = r.sub16('identities', 7);
    const identities: PskIdentity[] = [];
    while (!ids.isEmpty()) identities.push({ identity: ids.vec16('identity', 1), obfuscatedTicketAge: ids.u32('obfuscated_ticket_age') });
    const bs = r.sub16('binders', 33);
    const binders: Uint8Array[] = [];
    while (!bs.isEmpty()) binders.push(bs.vec8('binder', 32));
    // §4.2.11: the binder list is "in the same order as the identities list"; a count mismatch cannot be matched up.
    if (binders.length !== identities.length) {
      throw new TlsError(AlertDescription.illegal_parameter, 'PskBinderCountMismatch', `${identities.length} PSK identities but ${binders.length} binders`);
    }
    return { identities, binders };
  });
}
export function encodePreSharedKeyClientHello(psks: OfferedPsks): Uint8Array {
  return body((w) => {
    w.lengthPrefixed(2, (l) => psks.identities.forEach((i) => l.vec16(i.identity).u32(i.obfuscatedTicketAge)));
    w.lengthPrefixed(2, (l) => psks.binders.forEach((b) => l.vec8(b)));
  });
}
export function decodePreSharedKeyServerHello(data: Uint8Array): number {
  return parse(data, 'pre_shared_key', (r) => r.u16('selected_identity'));
}
export function encodePreSharedKeyServerHello(selected: number): Uint8Array {
  return body((w) => w.u16(selected));
}

// ---- application_layer_protocol_negotiation (RFC 7301 §3.1) ----

export function decodeAlpnList(data: Uint8Array): string[] {
  return parse(data, 'application_layer_protocol_negotiation', (r) => {
    const list = r.sub16('protocol_name_list', 2);
    const out: string[] = [];
    while (!list.isEmpty()) out.push(latin1Decode(list.vec8('protocol_name', 1)));
    return out;
  });
}
export function encodeAlpnList(names: readonly string[]): Uint8Array {
  return body((w) => w.lengthPrefixed(2, (l) => names.forEach((n) => l.vec8(latin1Encode(n)))));
}
/** RFC 7301 §3.1: the server's list "MUST contain exactly one "ProtocolName"". */
export function decodeAlpnSelected(data: Uint8Array): string {
  const names = decodeAlpnList(data);
  if (names.length !== 1) throw new DecodeError(`server ALPN lists ${names.length} protocols, not exactly one`);
  return names[0]!;
}
export const encodeAlpnSelected = (name: string): Uint8Array => encodeAlpnList([name]);

// ---- cookie (RFC 8446 §4.2.2) ----

export function decodeCookie(data: Uint8Array): Uint8Array {
  return parse(data, 'cookie', (r) => r.vec16('cookie', 1));
}
export const encodeCookie = (cookie: Uint8Array): Uint8Array => body((w) => w.vec16(cookie));

// ---- early_data (RFC 8446 §4.2.10): empty in CH/EE, max_early_data_size in NewSessionTicket ----

export function decodeEarlyDataTicket(data: Uint8Array): number {
  return parse(data, 'early_data', (r) => r.u32('max_early_data_size'));
}
export const encodeEarlyDataTicket = (max: number): Uint8Array => body((w) => w.u32(max));

// ---- status_request (RFC 6066 §8) ----

export const CertificateStatusType = { ocsp: 1 } as const;

/** True for an OCSP request; another status_type is kept raw only (false). */
export function decodeStatusRequest(data: Uint8Array): boolean {
  return parse(data, 'status_request', (r) => {
    const type = r.u8('status_type');
    if (type !== CertificateStatusType.ocsp) {
      r.rest();
      return false;
    }
    const ids = r.sub16('responder_id_list');
    while (!ids.isEmpty()) ids.vec16('responder_id', 1);
    r.vec16('request_extensions');
    return true;
  });
}
/** An OCSP request with no responder ids and no request extensions (what browsers send). */
export const encodeStatusRequest = (): Uint8Array => body((w) => w.u8(CertificateStatusType.ocsp).u16(0).u16(0));

// ---- renegotiation_info (RFC 5746 §3.2) ----

export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  return parse(data, 'renegotiation_info', (r) => r.vec8('renegotiated_connection'));
}
export const encodeRenegotiationInfo = (v: Uint8Array): Uint8Array => body((w) => w.vec8(v));

// ---- record_size_limit (RFC 8449 §4) ----

export function decodeRecordSizeLimit(data: Uint8Array): number {
  return parse(data, 'record_size_limit', (r) => r.u16('record_size_limit'));
}
export const encodeRecordSizeLimit = (v: number): Uint8Array => body((w) => w.u16(v));

// ---- max_fragment_length (RFC 6066 §4) ----

export function decodeMaxFragmentLength(data: Uint8Array): number {
  return parse(data, 'max_fragment_length', (r) => r.u8('max_fragment_length'));
}
export const encodeMaxFragmentLength = (v: number): Uint8Array => body((w) => w.u8(v));

// ---- certificate_authorities (RFC 8446 §4.2.4) ----

export function decodeCertificateAuthorities(data: Uint8Array): Uint8Array[] {
  return parse(data, 'certificate_authorities', (r) => readDistinguishedNames(r, 3));
}
export const encodeCertificateAuthorities = (names: readonly Uint8Array[]): Uint8Array => body((w) => writeDistinguishedNames(w, names));

/** `DistinguishedName authorities<min..2^16-1>` with `opaque DistinguishedName<1..2^16-1>` (also TLS 1.2 CertificateRequest). */
export function readDistinguishedNames(r: ByteReader, min: number): Uint8Array[] {
  const list = r.sub16('certificate_authorities', min);
  const out: Uint8Array[] = [];
  while (!list.isEmpty()) out.push(list.vec16('distinguished_name', 1));
  return out;
}
export function writeDistinguishedNames(w: ByteWriter, names: readonly Uint8Array[]): void {
  w.lengthPrefixed(2, (l) => names.forEach((n) => l.vec16(n)));
}

// ---- next_protocol_negotiation (draft-agl-tls-nextprotoneg §3): server list of vec8 names ----

export function decodeNpnProtocols(data: Uint8Array): string[] {
  const r = ByteReader.over(data);
  const out: string[] = [];
  while (!r.isEmpty()) out.push(latin1Decode(r.vec8('protocol', 1)));
  return out;
}
export const encodeNpnProtocols = (names: readonly string[]): Uint8Array => body((w) => names.forEach((n) => w.vec8(latin1Encode(n))));

// ---- CertificateStatus (RFC 6066 §8; RFC 8446 §4.4.2.1): body of status_request in a TLS 1.3
// CertificateEntry and of the TLS 1.2 CertificateStatus message ----

/** The DER OCSPResponse of an `ocsp` CertificateStatus; another status_type is decode_error. */
export function decodeCertificateStatus(data: Uint8Array): Uint8Array {
  return parse(data, 'CertificateStatus', (r) => {
    const type = r.u8('status_type');
    if (type !== CertificateStatusType.ocsp) throw new DecodeError(`CertificateStatus type ${type} is not ocsp`);
    return r.vec24('OCSPResponse', 1);
  });
}
export const encodeCertificateStatus = (ocspResponse: Uint8Array): Uint8Array => body((w) => w.u8(CertificateStatusType.ocsp).vec24(ocspResponse));
