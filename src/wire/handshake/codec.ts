/**
 * Whole handshake messages: the 4-byte header (RFC 8446 §4: msg_type + uint24 length) and the
 * dispatch to the per-message body codecs. The codec decides nothing beyond the wire rules.
 */
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, HandshakeType as H, ProtocolVersion, nameOf } from '../registry.js';
import type { DecodedHandshake, HandshakeMessage } from '../types.js';
import { decodeClientHelloBody, decodeServerHelloBody, encodeClientHelloBody, encodeServerHelloBody } from './hello.js';
import {
  decodeCertificateBody,
  decodeCertificateRequestBody,
  decodeCertificateVerifyBody,
  decodeEncryptedExtensionsBody,
  decodeFinishedBody,
  decodeKeyUpdateBody,
  decodeNewSessionTicketBody,
  encodeCertificateBody,
  encodeCertificateRequestBody,
  encodeCertificateVerifyBody,
  encodeEncryptedExtensionsBody,
  encodeNewSessionTicketBody,
  expectEmptyBody,
} from './messages.js';

export const HANDSHAKE_HEADER_LENGTH = 4;

/** Message types that exist in each version; anything else is unexpected_message. */
const TLS13_TYPES = new Set<number>([
  H.client_hello,
  H.server_hello,
  H.new_session_ticket,
  H.end_of_early_data,
  H.encrypted_extensions,
  H.certificate,
  H.certificate_request,
  H.certificate_verify,
  H.finished,
  H.key_update,
]);
const TLS12_TYPES = new Set<number>([
  H.hello_request,
  H.client_hello,
  H.server_hello,
  H.new_session_ticket,
  H.certificate,
  H.server_key_exchange,
  H.certificate_request,
  H.server_hello_done,
  H.certificate_verify,
  H.client_key_exchange,
  H.finished,
]);

/** The wire type byte of a message. */
export function handshakeTypeOf(m: HandshakeMessage): number {
  return H[m.type];
}

/**
 * Decodes one whole handshake message (header included) under the negotiated `version`
 * (0x0304, or 0x0303 and below for TLS 1.2 shapes; hellos decode the same either way).
 * Throws TlsError: unexpected_message for a type that does not exist in `version`,
 * decode_error for malformed bytes, illegal_parameter for the extension rules of RFC 8446 §4.2.
 */
export function decodeHandshake(raw: Uint8Array, version: number): HandshakeMessage {
  const r = ByteReader.over(raw);
  const type = r.u8('handshake msg_type');
  const name = nameOf(H, type);
  const body = r.vec24(`${name} body`);
  r.done(`${name} message`);
  const known = version >= ProtocolVersion.TLSv1_3 ? TLS13_TYPES : TLS12_TYPES;
  if (!known.has(type)) {
    throw new TlsError(AlertDescription.unexpected_message, 'UnknownHandshakeMessageType', `handshake message type ${name} does not exist in this protocol version`);
  }
  switch (type) {
    case H.client_hello:
      return decodeClientHelloBody(body);
    case H.server_hello:
      return decodeServerHelloBody(body);
    case H.encrypted_extensions:
      return decodeEncryptedExtensionsBody(body);
    case H.certificate:
      return decodeCertificateBody(body, version);
    case H.certificate_request:
      return decodeCertificateRequestBody(body, version);
    case H.certificate_verify:
      return decodeCertificateVerifyBody(body);
    case H.finished:
      return decodeFinishedBody(body);
    case H.new_session_ticket:
      return decodeNewSessionTicketBody(body, version);
    case H.key_update:
      return decodeKeyUpdateBody(body);
    case H.end_of_early_data:
      expectEmptyBody(body, 'EndOfEarlyData');
      return { type: 'end_of_early_data' };
    case H.server_hello_done:
      expectEmptyBody(body, 'ServerHelloDone');
      return { type: 'server_hello_done' };
    case H.hello_request:
      expectEmptyBody(body, 'HelloRequest');
      return { type: 'hello_request' };
    case H.server_key_exchange:
      return { type: 'server_key_exchange', body };
    default: // H.client_key_exchange
      return { type: 'client_key_exchange', body };
  }
}

/** decodeHandshake, keeping the exact bytes for the transcript. */
export function decodeHandshakeWithRaw(raw: Uint8Array, version: number): DecodedHandshake {
  return { msg: decodeHandshake(raw, version), raw };
}

/** Encodes one handshake message with its header, in the shape of `version`. */
export function encodeHandshake(m: HandshakeMessage, version: number): Uint8Array {
  const w = new ByteWriter(m.type === 'certificate' ? 4096 : 512);
  w.u8(handshakeTypeOf(m));
  try {
    w.lengthPrefixed(3, (b) => encodeBody(b, m, version));
  } catch (e) {
    // A vector longer than its length field allows: our own message is wrong, not the peer's.
    if (e instanceof RangeError) throw new TlsError(AlertDescription.internal_error, 'HandshakeFieldTooLong', `cannot encode ${m.type}: ${e.message}`);
    throw e;
  }
  return w.finish();
}

function encodeBody(w: ByteWriter, m: HandshakeMessage, version: number): void {
  switch (m.type) {
    case 'client_hello':
      return encodeClientHelloBody(w, m);
    case 'server_hello':
      return encodeServerHelloBody(w, m);
    case 'encrypted_extensions':
      return encodeEncryptedExtensionsBody(w, m);
    case 'certificate':
      return encodeCertificateBody(w, m, version);
    case 'certificate_request':
      return encodeCertificateRequestBody(w, m, version);
    case 'certificate_verify':
      return encodeCertificateVerifyBody(w, m);
    case 'finished':
      w.bytes(m.verifyData);
      return;
    case 'new_session_ticket':
      return encodeNewSessionTicketBody(w, m, version);
    case 'key_update':
      w.u8(m.requestUpdate);
      return;
    case 'server_key_exchange':
    case 'client_key_exchange':
      w.bytes(m.body);
      return;
    case 'end_of_early_data':
    case 'server_hello_done':
    case 'hello_request':
      return;
  }
}
