/**
 * Which typed `ext` field carries which extension, per message, and the generic block
 * decode/encode built on these tables.
 *
 * Encoding rule: walk `extensions` (wire order), writing the typed value in place of the raw body
 * when the typed field is set (the raw body is kept when it decodes to the same typed value, so
 * details the typed field cannot express survive); entries without a typed value are written raw;
 * then every typed field not yet written is appended in the table's canonical order. A type named
 * `last` (pre_shared_key in ClientHello, RFC 8446 §4.2.11) is always written at the very end.
 * So a message built from `ext` with `extensions: []` encodes canonically, raw GREASE/unknown
 * entries can be added, and a decoded message re-encodes byte-identically.
 */
import { bytesEqual } from '../../util/bytes.js';
import { TlsError } from '../../util/errors.js';
import * as X from '../extensions.js';
import { ExtensionType as T } from '../registry.js';
import type {
  CertificateRequest,
  ClientHelloExtensions,
  EncryptedExtensions,
  NewSessionTicket,
  RawExtension,
  ServerHelloExtensions,
} from '../types.js';

export interface ExtCodec<E> {
  type: number;
  has(e: E): boolean;
  enc(e: E): Uint8Array;
  dec(e: E, data: Uint8Array): void;
}

type Key<E> = keyof E & string;

/** A typed field holding a value encoded by a body codec pair. */
function val<E, K extends Key<E>>(type: number, key: K, enc: (v: NonNullable<E[K]>) => Uint8Array, dec: (d: Uint8Array) => E[K] | undefined): ExtCodec<E> {
  return {
    type,
    has: (e) => e[key] !== undefined,
    enc: (e) => enc(e[key] as NonNullable<E[K]>),
    dec: (e, d) => {
      const v = dec(d);
      if (v !== undefined) e[key] = v;
    },
  };
}

/** A boolean field for an extension with an empty body. */
function flag<E, K extends Key<E>>(type: number, key: K, what: string): ExtCodec<E> {
  return {
    type,
    has: (e) => e[key] === true,
    enc: () => X.EMPTY,
    dec: (e, d) => {
      X.decodeEmpty(d, what);
      (e as Record<string, unknown>)[key] = true;
    },
  };
}

/** status_request in ClientHello and CertificateRequest: set only for an OCSP request (RFC 6066 §8). */
function statusRequest<E extends { statusRequest?: boolean }>(): ExtCodec<E> {
  return {
    type: T.status_request,
    has: (e) => e.statusRequest === true,
    enc: X.encodeStatusRequest,
    dec: (e, d) => {
      if (X.decodeStatusRequest(d)) e.statusRequest = true;
    },
  };
}

export const CLIENT_HELLO_EXTS: readonly ExtCodec<ClientHelloExtensions>[] = [
  val(T.server_name, 'serverName', X.encodeServerNameClientHello, X.decodeServerNameClientHello),
  val(T.ec_point_formats, 'ecPointFormats', X.encodeU8List, (d) => X.decodeU8List(d, 'ec_point_formats')),
  val(T.supported_groups, 'supportedGroups', X.encodeSupportedGroups, X.decodeSupportedGroups),
  val(T.session_ticket, 'sessionTicket', (v) => v, (d) => d),
  val(T.application_layer_protocol_negotiation, 'alpn', X.encodeAlpnList, X.decodeAlpnList),
  statusRequest(),
  flag(T.encrypt_then_mac, 'encryptThenMac', 'encrypt_then_mac'),
  flag(T.extended_master_secret, 'extendedMasterSecret', 'extended_master_secret'),
  val(T.renegotiation_info, 'renegotiationInfo', X.encodeRenegotiationInfo, X.decodeRenegotiationInfo),
  val(T.signature_algorithms, 'signatureAlgorithms', X.encodeSignatureAlgorithms, X.decodeSignatureAlgorithms),
  val(T.signature_algorithms_cert, 'signatureAlgorithmsCert', X.encodeSignatureAlgorithms, X.decodeSignatureAlgorithms),
  val(T.certificate_authorities, 'certificateAuthorities', X.encodeCertificateAuthorities, X.decodeCertificateAuthorities),
  val(T.record_size_limit, 'recordSizeLimit', X.encodeRecordSizeLimit, X.decodeRecordSizeLimit),
  flag(T.next_protocol_negotiation, 'npn', 'next_protocol_negotiation'),
  val(T.supported_versions, 'supportedVersions', X.encodeSupportedVersionsClientHello, X.decodeSupportedVersionsClientHello),
  val(T.cookie, 'cookie', X.encodeCookie, X.decodeCookie),
  val(T.psk_key_exchange_modes, 'pskKeyExchangeModes', X.encodeU8List, (d) => X.decodeU8List(d, 'psk_key_exchange_modes')),
  val(T.key_share, 'keyShares', X.encodeKeyShareClientHello, X.decodeKeyShareClientHello),
  flag(T.post_handshake_auth, 'postHandshakeAuth', 'post_handshake_auth'),
  flag(T.early_data, 'earlyData', 'early_data'),
  val(T.pre_shared_key, 'preSharedKey', X.encodePreSharedKeyClientHello, X.decodePreSharedKeyClientHello),
];

/** ServerHello (not a retry), TLS 1.3 and 1.2 fields. */
export const SERVER_HELLO_EXTS: readonly ExtCodec<ServerHelloExtensions>[] = [
  flag(T.server_name, 'serverName', 'server_name'),
  val(T.ec_point_formats, 'ecPointFormats', X.encodeU8List, (d) => X.decodeU8List(d, 'ec_point_formats')),
  flag(T.session_ticket, 'sessionTicket', 'session_ticket'),
  val(T.application_layer_protocol_negotiation, 'alpn', X.encodeAlpnSelected, X.decodeAlpnSelected),
  flag(T.status_request, 'statusRequest', 'status_request'),
  flag(T.encrypt_then_mac, 'encryptThenMac', 'encrypt_then_mac'),
  flag(T.extended_master_secret, 'extendedMasterSecret', 'extended_master_secret'),
  val(T.renegotiation_info, 'renegotiationInfo', X.encodeRenegotiationInfo, X.decodeRenegotiationInfo),
  val(T.record_size_limit, 'recordSizeLimit', X.encodeRecordSizeLimit, X.decodeRecordSizeLimit),
  val(T.next_protocol_negotiation, 'npnProtocols', X.encodeNpnProtocols, X.decodeNpnProtocols),
  val(T.key_share, 'keyShare', X.encodeKeyShareServerHello, X.decodeKeyShareServerHello),
  val(T.pre_shared_key, 'preSharedKey', X.encodePreSharedKeyServerHello, X.decodePreSharedKeyServerHello),
  val(T.supported_versions, 'supportedVersion', X.encodeSupportedVersionsServerHello, X.decodeSupportedVersionsServerHello),
];

/** HelloRetryRequest: key_share carries only the selected group (RFC 8446 §4.2.8). */
export const HELLO_RETRY_REQUEST_EXTS: readonly ExtCodec<ServerHelloExtensions>[] = [
  val(T.key_share, 'selectedGroup', X.encodeKeyShareHelloRetryRequest, X.decodeKeyShareHelloRetryRequest),
  val(T.cookie, 'cookie', X.encodeCookie, X.decodeCookie),
  val(T.supported_versions, 'supportedVersion', X.encodeSupportedVersionsServerHello, X.decodeSupportedVersionsServerHello),
];

export const ENCRYPTED_EXTENSIONS_EXTS: readonly ExtCodec<EncryptedExtensions['ext']>[] = [
  flag(T.server_name, 'serverName', 'server_name'),
  val(T.max_fragment_length, 'maxFragmentLength', X.encodeMaxFragmentLength, X.decodeMaxFragmentLength),
  val(T.supported_groups, 'supportedGroups', X.encodeSupportedGroups, X.decodeSupportedGroups),
  val(T.application_layer_protocol_negotiation, 'alpn', X.encodeAlpnSelected, X.decodeAlpnSelected),
  val(T.record_size_limit, 'recordSizeLimit', X.encodeRecordSizeLimit, X.decodeRecordSizeLimit),
  flag(T.early_data, 'earlyData', 'early_data'),
];

export const CERTIFICATE_REQUEST_EXTS: readonly ExtCodec<CertificateRequest['ext']>[] = [
  statusRequest(),
  val(T.signature_algorithms, 'signatureAlgorithms', X.encodeSignatureAlgorithms, X.decodeSignatureAlgorithms),
  val(T.certificate_authorities, 'certificateAuthorities', X.encodeCertificateAuthorities, X.decodeCertificateAuthorities),
  val(T.signature_algorithms_cert, 'signatureAlgorithmsCert', X.encodeSignatureAlgorithms, X.decodeSignatureAlgorithms),
];

export const NEW_SESSION_TICKET_EXTS: readonly ExtCodec<NewSessionTicket['ext']>[] = [
  val(T.early_data, 'maxEarlyDataSize', X.encodeEarlyDataTicket, X.decodeEarlyDataTicket),
];

/** Fills `ext` from the raw entries that have a typed field in `table`. */
export function decodeTyped<E extends object>(table: readonly ExtCodec<E>[], raws: readonly RawExtension[]): E {
  const ext = {} as E;
  for (const raw of raws) {
    const codec = table.find((c) => c.type === raw.type);
    if (codec) codec.dec(ext, raw.data);
  }
  return ext;
}

/** The extension list to write for a message; see the rule in the header comment. */
export function encodeTyped<E extends object>(table: readonly ExtCodec<E>[], ext: E, raws: readonly RawExtension[], last?: number): RawExtension[] {
  const out: RawExtension[] = [];
  const written = new Set<number>();
  const put = (type: number, data: Uint8Array): void => {
    if (written.has(type)) return;
    written.add(type);
    out.push({ type, data });
  };
  const typedBody = (codec: ExtCodec<E>, raw?: Uint8Array): Uint8Array => {
    const mine = codec.enc(ext);
    if (raw === undefined) return mine;
    return bytesEqual(reencode(codec, raw) ?? raw, mine) ? raw : mine;
  };
  let lastEntry: RawExtension | undefined;
  for (const raw of raws) {
    const codec = table.find((c) => c.type === raw.type);
    const data = codec && codec.has(ext) ? typedBody(codec, raw.data) : raw.data;
    if (raw.type === last) lastEntry ??= { type: raw.type, data };
    else put(raw.type, data);
  }
  for (const codec of table) {
    if (codec.type === last || written.has(codec.type) || !codec.has(ext)) continue;
    put(codec.type, codec.enc(ext));
  }
  if (last !== undefined) {
    const codec = table.find((c) => c.type === last);
    if (codec && codec.has(ext)) lastEntry = { type: last, data: typedBody(codec, lastEntry?.data) };
    if (lastEntry) put(lastEntry.type, lastEntry.data);
  }
  return out;
}

/** The typed re-encoding of a raw body, or undefined when it does not decode. */
function reencode<E extends object>(codec: ExtCodec<E>, raw: Uint8Array): Uint8Array | undefined {
  const tmp = {} as E;
  try {
    codec.dec(tmp, raw);
  } catch (e) {
    if (e instanceof TlsError) return undefined;
    throw e;
  }
  return codec.has(tmp) ? codec.enc(tmp) : undefined;
}
