/**
 * ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and ServerHello / HelloRetryRequest
 * (RFC 8446 §4.1.3–4.1.4) bodies, plus the PSK binder helpers (§4.2.11.2).
 * Bodies exclude the 4-byte handshake header; see codec.ts for the whole message.
 */
import { ByteReader, ByteWriter, bytesEqual, fromHex } from '../../util/bytes.js';
import { DecodeError, TlsError } from '../../util/errors.js';
import { checkExtensionsAllowed } from '../extension-rules.js';
import { decodeSupportedVersionsServerHello, readExtensionBlock, writeExtensionBlock } from '../extensions.js';
import { AlertDescription, ExtensionType, HandshakeType, ProtocolVersion } from '../registry.js';
import type { ClientHello, RawExtension, ServerHello } from '../types.js';
import { CLIENT_HELLO_EXTS, HELLO_RETRY_REQUEST_EXTS, SERVER_HELLO_EXTS, decodeTyped, encodeTyped } from './ext-tables.js';

export const RANDOM_LENGTH = 32;
/** RFC 8446 §4.1.2: `opaque legacy_session_id<0..32>`. */
export const MAX_SESSION_ID_LENGTH = 32;

/** RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = fromHex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');

function readSessionId(r: ByteReader, what: string): Uint8Array {
  const id = r.vec8(what);
  if (id.length > MAX_SESSION_ID_LENGTH) throw new DecodeError(`${what} of ${id.length} bytes exceeds ${MAX_SESSION_ID_LENGTH}`);
  return id;
}

/** "extensions" may be absent in TLS 1.2 hellos (RFC 5246 §7.4.1.2); absent reads as []. */
function readOptionalExtensions(r: ByteReader, what: string): RawExtension[] {
  const exts = r.isEmpty() ? [] : readExtensionBlock(r, what);
  r.done(what);
  return exts;
}

export function decodeClientHelloBody(body: Uint8Array): ClientHello {
  const r = ByteReader.over(body);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(RANDOM_LENGTH, 'random');
  const legacySessionId = readSessionId(r, 'legacy_session_id');
  const suites = r.vec16('cipher_suites', 2);
  if (suites.length % 2 !== 0) throw new DecodeError('cipher_suites has an odd length');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
  const compressionMethods = r.vec8('legacy_compression_methods', 1);
  const extensions = readOptionalExtensions(r, 'ClientHello extensions');
  checkExtensionsAllowed(HandshakeType.client_hello, extensions, ProtocolVersion.TLSv1_3);
  // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the
  // ClientHello ... Servers MUST check that it is the last extension and otherwise fail the
  // handshake with an "illegal_parameter" alert."
  const pskAt = extensions.findIndex((e) => e.type === ExtensionType.pre_shared_key);
  if (pskAt !== -1 && pskAt !== extensions.length - 1) {
    throw new TlsError(AlertDescription.illegal_parameter, 'PreSharedKeyNotLastExtension', 'pre_shared_key is not the last ClientHello extension');
  }
  const ext = decodeTyped(CLIENT_HELLO_EXTS, extensions);
  return { type: 'client_hello', legacyVersion, random, legacySessionId, cipherSuites, compressionMethods, extensions, ext };
}

export function encodeClientHelloBody(w: ByteWriter, m: ClientHello): void {
  w.u16(m.legacyVersion);
  writeRandom(w, m.random);
  w.vec8(m.legacySessionId);
  w.lengthPrefixed(2, (l) => m.cipherSuites.forEach((s) => l.u16(s)));
  w.vec8(m.compressionMethods);
  const exts = encodeTyped(CLIENT_HELLO_EXTS, m.ext, m.extensions, ExtensionType.pre_shared_key);
  if (exts.length > 0) writeExtensionBlock(w, exts);
}

export function isHelloRetryRequestRandom(random: Uint8Array): boolean {
  return bytesEqual(random, HELLO_RETRY_REQUEST_RANDOM);
}

export function decodeServerHelloBody(body: Uint8Array): ServerHello {
  const r = ByteReader.over(body);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(RANDOM_LENGTH, 'random');
  const legacySessionIdEcho = readSessionId(r, 'legacy_session_id_echo');
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('legacy_compression_method');
  const extensions = readOptionalExtensions(r, 'ServerHello extensions');
  const isHelloRetryRequest = isHelloRetryRequestRandom(random);
  // The ServerHello's own supported_versions says which table applies (RFC 8446 §4.2.1);
  // without it this is a TLS 1.2 (or older) ServerHello.
  // RFC 8446 §4.2.1: a supported_versions naming a version before TLS 1.3 is illegal_parameter,
  // which the TLS 1.2 table below yields (supported_versions is not a TLS 1.2 ServerHello extension).
  const sv = extensions.find((e) => e.type === ExtensionType.supported_versions);
  const selected = sv ? decodeSupportedVersionsServerHello(sv.data) : undefined;
  const is13 = isHelloRetryRequest || (selected !== undefined && selected >= ProtocolVersion.TLSv1_3);
  checkExtensionsAllowed(isHelloRetryRequest ? 'hello_retry_request' : HandshakeType.server_hello, extensions, is13 ? ProtocolVersion.TLSv1_3 : ProtocolVersion.TLSv1_2);
  const ext = decodeTyped(isHelloRetryRequest ? HELLO_RETRY_REQUEST_EXTS : SERVER_HELLO_EXTS, extensions);
  return { type: 'server_hello', legacyVersion, random, legacySessionIdEcho, cipherSuite, compressionMethod, isHelloRetryRequest, extensions, ext };
}

/** A HelloRetryRequest is always written with the special random, whatever `random` holds. */
export function encodeServerHelloBody(w: ByteWriter, m: ServerHello): void {
  w.u16(m.legacyVersion);
  writeRandom(w, m.isHelloRetryRequest ? HELLO_RETRY_REQUEST_RANDOM : m.random);
  w.vec8(m.legacySessionIdEcho);
  w.u16(m.cipherSuite);
  w.u8(m.compressionMethod);
  const exts = encodeTyped(m.isHelloRetryRequest ? HELLO_RETRY_REQUEST_EXTS : SERVER_HELLO_EXTS, m.ext, m.extensions);
  if (exts.length > 0) writeExtensionBlock(w, exts);
}

function writeRandom(w: ByteWriter, random: Uint8Array): void {
  if (random.length !== RANDOM_LENGTH) throw new TlsError(AlertDescription.internal_error, 'BadRandomLength', `random must be ${RANDOM_LENGTH} bytes, not ${random.length}`);
  w.bytes(random);
}

// ---- PSK binders (RFC 8446 §4.2.11.2) ----

/**
 * Offset in `raw` (a whole ClientHello, header included) where the binders list (its 2-byte length
 * included) starts. §4.2.11.2: the binder is computed over "the ClientHello up to and including the
 * PreSharedKeyExtension.identities field", i.e. `raw.subarray(0, offset)`; the header keeps the
 * full length. Throws DecodeError if `raw` has no pre_shared_key extension.
 */
export function clientHelloBindersOffset(raw: Uint8Array): number {
  const r = ByteReader.over(raw);
  if (r.u8('msg_type') !== HandshakeType.client_hello) throw new DecodeError('not a ClientHello');
  const body = r.sub24('ClientHello');
  r.done('ClientHello');
  body.u16();
  body.bytes(RANDOM_LENGTH);
  body.vec8();
  body.vec16();
  body.vec8();
  const exts = body.sub16('extensions');
  body.done('ClientHello');
  while (!exts.isEmpty()) {
    const type = exts.u16();
    const data = exts.sub16();
    if (type !== ExtensionType.pre_shared_key) continue;
    data.vec16('identities');
    // Readers hand out views of `raw`, so the binders' position is their offset in the same buffer.
    const binders = data.rest();
    const offset = binders.byteOffset - raw.byteOffset;
    if (offset + binders.length !== raw.length) throw new DecodeError('pre_shared_key is not the last ClientHello extension');
    return offset;
  }
  throw new DecodeError('ClientHello has no pre_shared_key extension');
}

/** The ClientHello bytes the binders are computed over (a view into `raw`). */
export function clientHelloWithoutBinders(raw: Uint8Array): Uint8Array {
  return raw.subarray(0, clientHelloBindersOffset(raw));
}

/**
 * Encodes `m` (whose pre_shared_key carries placeholder binders of the final lengths) and returns
 * the whole message and the prefix the binders are computed over; then call
 * replaceClientHelloBinders(full, realBinders).
 */
export function encodeClientHelloForBinders(m: ClientHello): { full: Uint8Array; withoutBinders: Uint8Array } {
  const w = new ByteWriter(512);
  w.u8(HandshakeType.client_hello).lengthPrefixed(3, (b) => encodeClientHelloBody(b, m));
  const full = w.finish();
  return { full, withoutBinders: clientHelloWithoutBinders(full) };
}

/**
 * Writes `binders` into a copy of `raw`, in place of the binders it was encoded with (placeholders
 * of the same lengths, e.g. zeros of the hash length). Lengths must match, so the transcript
 * prefix does not change.
 */
export function replaceClientHelloBinders(raw: Uint8Array, binders: readonly Uint8Array[]): Uint8Array {
  const offset = clientHelloBindersOffset(raw);
  const w = new ByteWriter(raw.length - offset);
  w.lengthPrefixed(2, (l) => binders.forEach((b) => l.vec8(b)));
  const tail = w.finish();
  if (tail.length !== raw.length - offset) {
    throw new TlsError(AlertDescription.internal_error, 'BinderLengthChanged', 'new PSK binders differ in length from the placeholders');
  }
  const out = raw.slice();
  out.set(tail, offset);
  return out;
}
