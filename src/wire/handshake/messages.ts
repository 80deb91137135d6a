/**
 * Bodies of the handshake messages other than the hellos: TLS 1.3 shapes (RFC 8446 §4.3–4.6) and,
 * where they differ, TLS 1.2 shapes (RFC 5246 §7.4, RFC 5077 §3.3). Bodies exclude the header.
 */
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { DecodeError, TlsError } from '../../util/errors.js';
import { checkExtensionsAllowed } from '../extension-rules.js';
import { readDistinguishedNames, readExtensionBlock, writeDistinguishedNames, writeExtensionBlock } from '../extensions.js';
import { AlertDescription, HandshakeType, ProtocolVersion } from '../registry.js';
import type {
  CertificateEntry,
  CertificateMsg,
  CertificateRequest,
  CertificateVerify,
  EncryptedExtensions,
  Finished,
  KeyUpdate,
  NewSessionTicket,
} from '../types.js';
import { CERTIFICATE_REQUEST_EXTS, ENCRYPTED_EXTENSIONS_EXTS, NEW_SESSION_TICKET_EXTS, decodeTyped, encodeTyped } from './ext-tables.js';

const is13 = (version: number): boolean => version >= ProtocolVersion.TLSv1_3;

// ---- EncryptedExtensions (RFC 8446 §4.3.1) ----

export function decodeEncryptedExtensionsBody(body: Uint8Array): EncryptedExtensions {
  const r = ByteReader.over(body);
  const extensions = readExtensionBlock(r, 'EncryptedExtensions extensions');
  r.done('EncryptedExtensions');
  checkExtensionsAllowed(HandshakeType.encrypted_extensions, extensions, ProtocolVersion.TLSv1_3);
  return { type: 'encrypted_extensions', extensions, ext: decodeTyped(ENCRYPTED_EXTENSIONS_EXTS, extensions) };
}

export function encodeEncryptedExtensionsBody(w: ByteWriter, m: EncryptedExtensions): void {
  writeExtensionBlock(w, encodeTyped(ENCRYPTED_EXTENSIONS_EXTS, m.ext, m.extensions));
}

// ---- Certificate (RFC 8446 §4.4.2; RFC 5246 §7.4.2) ----

export function decodeCertificateBody(body: Uint8Array, version: number): CertificateMsg {
  const r = ByteReader.over(body);
  const context = is13(version) ? r.vec8('certificate_request_context') : new Uint8Array(0);
  const list = r.sub24('certificate_list');
  r.done('Certificate');
  const entries: CertificateEntry[] = [];
  while (!list.isEmpty()) {
    const certData = list.vec24('cert_data', 1);
    const extensions = is13(version) ? readExtensionBlock(list, 'CertificateEntry extensions') : [];
    checkExtensionsAllowed(HandshakeType.certificate, extensions, version);
    entries.push({ certData, extensions });
  }
  return { type: 'certificate', context, entries };
}

export function encodeCertificateBody(w: ByteWriter, m: CertificateMsg, version: number): void {
  if (is13(version)) w.vec8(m.context);
  w.lengthPrefixed(3, (l) => {
    for (const e of m.entries) {
      l.vec24(e.certData);
      if (is13(version)) writeExtensionBlock(l, e.extensions);
    }
  });
}

// ---- CertificateRequest (RFC 8446 §4.3.2; RFC 5246 §7.4.4) ----

export function decodeCertificateRequestBody(body: Uint8Array, version: number): CertificateRequest {
  const r = ByteReader.over(body);
  if (is13(version)) {
    const context = r.vec8('certificate_request_context');
    const extensions = readExtensionBlock(r, 'CertificateRequest extensions');
    r.done('CertificateRequest');
    checkExtensionsAllowed(HandshakeType.certificate_request, extensions, version);
    return { type: 'certificate_request', context, extensions, ext: decodeTyped(CERTIFICATE_REQUEST_EXTS, extensions) };
  }
  const certificateTypes = Array.from(r.vec8('certificate_types', 1));
  const algs = r.vec16('supported_signature_algorithms', 2);
  if (algs.length % 2 !== 0) throw new DecodeError('supported_signature_algorithms has an odd length');
  const signatureAlgorithms: number[] = [];
  for (let i = 0; i < algs.length; i += 2) signatureAlgorithms.push((algs[i]! << 8) | algs[i + 1]!);
  const certificateAuthorities = readDistinguishedNames(r, 0);
  r.done('CertificateRequest');
  return {
    type: 'certificate_request',
    context: new Uint8Array(0),
    certificateTypes,
    extensions: [],
    ext: { signatureAlgorithms, certificateAuthorities },
  };
}

export function encodeCertificateRequestBody(w: ByteWriter, m: CertificateRequest, version: number): void {
  if (is13(version)) {
    w.vec8(m.context);
    writeExtensionBlock(w, encodeTyped(CERTIFICATE_REQUEST_EXTS, m.ext, m.extensions));
    return;
  }
  w.lengthPrefixed(1, (l) => (m.certificateTypes ?? []).forEach((t) => l.u8(t)));
  w.lengthPrefixed(2, (l) => (m.ext.signatureAlgorithms ?? []).forEach((s) => l.u16(s)));
  writeDistinguishedNames(w, m.ext.certificateAuthorities ?? []);
}

// ---- CertificateVerify (RFC 8446 §4.4.3; TLS 1.2 digitally-signed, RFC 5246 §4.7) ----

export function decodeCertificateVerifyBody(body: Uint8Array): CertificateVerify {
  const r = ByteReader.over(body);
  const scheme = r.u16('algorithm');
  const signature = r.vec16('signature');
  r.done('CertificateVerify');
  return { type: 'certificate_verify', scheme, signature };
}

export function encodeCertificateVerifyBody(w: ByteWriter, m: CertificateVerify): void {
  w.u16(m.scheme).vec16(m.signature);
}

// ---- Finished (RFC 8446 §4.4.4): verify_data fills the body; its length is the state machine's check ----

export function decodeFinishedBody(body: Uint8Array): Finished {
  return { type: 'finished', verifyData: body };
}

// ---- NewSessionTicket (RFC 8446 §4.6.1; RFC 5077 §3.3) ----

export function decodeNewSessionTicketBody(body: Uint8Array, version: number): NewSessionTicket {
  const r = ByteReader.over(body);
  const lifetime = r.u32('ticket_lifetime');
  if (!is13(version)) {
    const ticket = r.vec16('ticket');
    r.done('NewSessionTicket');
    return { type: 'new_session_ticket', lifetime, ageAdd: 0, nonce: new Uint8Array(0), ticket, extensions: [], ext: {} };
  }
  const ageAdd = r.u32('ticket_age_add');
  const nonce = r.vec8('ticket_nonce');
  const ticket = r.vec16('ticket', 1);
  const extensions = readExtensionBlock(r, 'NewSessionTicket extensions');
  r.done('NewSessionTicket');
  checkExtensionsAllowed(HandshakeType.new_session_ticket, extensions, version);
  return { type: 'new_session_ticket', lifetime, ageAdd, nonce, ticket, extensions, ext: decodeTyped(NEW_SESSION_TICKET_EXTS, extensions) };
}

export function encodeNewSessionTicketBody(w: ByteWriter, m: NewSessionTicket, version: number): void {
  w.u32(m.lifetime);
  if (!is13(version)) {
    w.vec16(m.ticket);
    return;
  }
  w.u32(m.ageAdd).vec8(m.nonce).vec16(m.ticket);
  writeExtensionBlock(w, encodeTyped(NEW_SESSION_TICKET_EXTS, m.ext, m.extensions));
}

// ---- KeyUpdate (RFC 8446 §4.6.3) ----

export function decodeKeyUpdateBody(body: Uint8Array): KeyUpdate {
  const r = ByteReader.over(body);
  const v = r.u8('request_update');
  r.done('KeyUpdate');
  // §4.6.3: "If an implementation receives any other value, it MUST terminate the connection with an "illegal_parameter" alert."
  if (v !== 0 && v !== 1) throw new TlsError(AlertDescription.illegal_parameter, 'BadKeyUpdateRequest', `KeyUpdate request_update ${v} is neither 0 nor 1`);
  return { type: 'key_update', requestUpdate: v };
}

/** Messages with an empty body: EndOfEarlyData, ServerHelloDone, HelloRequest. */
export function expectEmptyBody(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw new DecodeError(`${what} must have an empty body, got ${body.length} bytes`);
}
