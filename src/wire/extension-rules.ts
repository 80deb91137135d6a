/**
 * Where each extension we recognise may appear (RFC 8446 §4.2 table, plus the TLS 1.2 ServerHello
 * extensions of RFC 5246 and its extension RFCs), and the "unsolicited extension" check.
 */
import { TlsError } from '../util/errors.js';
import { AlertDescription, ExtensionType as T, HandshakeType as H, ProtocolVersion, nameOf } from './registry.js';
import type { RawExtension } from './types.js';

/** A message that carries extensions; HelloRetryRequest is a ServerHello on the wire but has its own column. */
export type ExtensionContext = number | 'hello_retry_request';

const CLIENT_CERTIFICATE_TYPE = 19; // RFC 7250
const SERVER_CERTIFICATE_TYPE = 20; // RFC 7250

// RFC 8446 §4.2: "The table below indicates the messages where a given extension may appear".
// CH ClientHello, SH ServerHello, HRR HelloRetryRequest, EE EncryptedExtensions, CT Certificate,
// CR CertificateRequest, NST NewSessionTicket. Rows for later RFCs are marked with their RFC.
const TLS13_TABLE: ReadonlyArray<readonly [number, string]> = [
  [T.server_name, 'CH EE'],
  [T.max_fragment_length, 'CH EE'],
  [T.status_request, 'CH CR CT'],
  [T.supported_groups, 'CH EE'],
  [T.signature_algorithms, 'CH CR'],
  [T.use_srtp, 'CH EE'],
  [T.heartbeat, 'CH EE'],
  [T.application_layer_protocol_negotiation, 'CH EE'],
  [T.signed_certificate_timestamp, 'CH CR CT'],
  [CLIENT_CERTIFICATE_TYPE, 'CH EE'],
  [SERVER_CERTIFICATE_TYPE, 'CH EE'],
  [T.padding, 'CH'],
  [T.key_share, 'CH SH HRR'],
  [T.pre_shared_key, 'CH SH'],
  [T.psk_key_exchange_modes, 'CH'],
  [T.early_data, 'CH EE NST'],
  [T.cookie, 'CH HRR'],
  [T.supported_versions, 'CH SH HRR'],
  [T.certificate_authorities, 'CH CR'],
  [T.oid_filters, 'CR'],
  [T.post_handshake_auth, 'CH'],
  [T.signature_algorithms_cert, 'CH CR'],
  [T.record_size_limit, 'CH EE'], // RFC 8449 §4
  [T.compress_certificate, 'CH CR'], // RFC 8879 §3
  [T.encrypted_client_hello, 'CH HRR EE'], // RFC 9849 §5 (ECH)
  // TLS 1.2-only extensions: recognised, so in a TLS 1.3 message other than ClientHello they are illegal.
  [T.ec_point_formats, 'CH'],
  [T.encrypt_then_mac, 'CH'],
  [T.extended_master_secret, 'CH'],
  [T.session_ticket, 'CH'],
  [T.renegotiation_info, 'CH'],
  [T.next_protocol_negotiation, 'CH'],
];

/** TLS 1.2 ServerHello extensions (RFC 6066, 7301, 6962, 7366, 7627, 5077, 5746, 8422, 8449, NPN). */
const TLS12_SERVER_HELLO = new Set<number>([
  T.server_name,
  T.max_fragment_length,
  T.status_request,
  T.ec_point_formats,
  T.use_srtp,
  T.heartbeat,
  T.application_layer_protocol_negotiation,
  T.signed_certificate_timestamp,
  CLIENT_CERTIFICATE_TYPE,
  SERVER_CERTIFICATE_TYPE,
  T.encrypt_then_mac,
  T.extended_master_secret,
  T.record_size_limit,
  T.session_ticket,
  T.renegotiation_info,
  T.next_protocol_negotiation,
]);

const COLUMN: Record<string, ExtensionContext> = {
  CH: H.client_hello,
  SH: H.server_hello,
  HRR: 'hello_retry_request',
  EE: H.encrypted_extensions,
  CT: H.certificate,
  CR: H.certificate_request,
  NST: H.new_session_ticket,
};

/** Every type with a row above or a TLS 1.2 ServerHello entry: what a ClientHello may carry. */
const RECOGNISED: ReadonlySet<number> = new Set<number>([...TLS13_TABLE.map(([t]) => t), ...TLS12_SERVER_HELLO]);
const NONE: ReadonlySet<number> = new Set();
const TLS13_ALLOWED = new Map<ExtensionContext, Set<number>>();
for (const [type, where] of TLS13_TABLE) {
  for (const col of where.split(' ')) {
    const ctx = COLUMN[col]!;
    let set = TLS13_ALLOWED.get(ctx);
    if (!set) TLS13_ALLOWED.set(ctx, (set = new Set()));
    set.add(type);
  }
}

/** Is this an extension type we recognise (so the placement rule applies to it)? */
export function isRecognisedExtension(type: number): boolean {
  return RECOGNISED.has(type);
}

/**
 * The recognised extension types allowed in `context` for `version`. A ClientHello may carry any
 * extension (the client does not know the version yet); TLS 1.2 has no EE/CR/NST extensions.
 */
export function extensionsAllowedIn(context: ExtensionContext, version: number): ReadonlySet<number> {
  if (context === H.client_hello) return RECOGNISED;
  if (version < ProtocolVersion.TLSv1_3) return context === H.server_hello ? TLS12_SERVER_HELLO : NONE;
  return TLS13_ALLOWED.get(context) ?? NONE;
}

/**
 * RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and which is not
 * specified for the message in which it appears, it MUST abort the handshake with an
 * "illegal_parameter" alert." Unrecognised types pass (the unsolicited check catches them).
 */
export function checkExtensionsAllowed(context: ExtensionContext, extensions: readonly RawExtension[], version: number): void {
  const allowed = extensionsAllowedIn(context, version);
  for (const e of extensions) {
    if (isRecognisedExtension(e.type) && !allowed.has(e.type)) {
      const where = context === 'hello_retry_request' ? context : nameOf(H, context);
      throw new TlsError(AlertDescription.illegal_parameter, 'ExtensionNotAllowedInMessage', `${nameOf(T, e.type)} extension is not allowed in ${where}`);
    }
  }
}

/**
 * RFC 8446 §4.2: "Implementations MUST NOT send extension responses if the remote endpoint did not
 * send the corresponding extension requests, with the exception of the "cookie" extension in the
 * HelloRetryRequest. Upon receiving such an extension, an endpoint MUST abort the handshake with an
 * "unsupported_extension" alert." (RFC 5246 §7.4.1.4 has the same rule for TLS 1.2.)
 * `allowUnsolicited` names the exceptions (e.g. [ExtensionType.cookie] for a HelloRetryRequest).
 */
export function checkSolicited(
  received: readonly RawExtension[] | readonly number[],
  offeredTypes: Iterable<number>,
  allowUnsolicited: readonly number[] = [],
  where = 'the peer\'s message',
): void {
  const offered = offeredTypes instanceof Set ? (offeredTypes as ReadonlySet<number>) : new Set(offeredTypes);
  for (const r of received) {
    const type = typeof r === 'number' ? r : r.type;
    if (!offered.has(type) && !allowUnsolicited.includes(type)) {
      throw new TlsError(AlertDescription.unsupported_extension, 'UnsolicitedExtension', `${where} carries the ${nameOf(T, type)} extension, which we did not offer`);
    }
  }
}
