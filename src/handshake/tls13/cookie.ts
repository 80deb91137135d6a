/**
 * The HelloRetryRequest cookie (RFC 8446 §4.2.2): what the server puts in its HelloRetryRequest
 * and requires back, unchanged, in ClientHello2.
 *
 * Layout (version 1, at most 1 + 2 + 2 + 1 + 64 + 32 = 102 bytes, well under the 2^16-1 limit):
 *
 *   u8 version | u16 cipher_suite | u16 selected_group | u8 hash length | Hash(ClientHello1) | HMAC
 *
 * Hash(ClientHello1) is the content of the synthetic `message_hash` message that replaces
 * ClientHello1 in the transcript (§4.4.1), and the HMAC-SHA256 covers every byte before it. The
 * fields are in the clear because they are not secret (the client sent or received all of them);
 * the MAC is what binds them to this server.
 *
 * Our server is stateful: it keys the MAC with a random secret made for the connection, so a cookie
 * is good for that one retry only, and it also checks the fields against what it remembers. A
 * stateless server (§4.2.2: "offload state to the client") would instead:
 *   - key the MAC with a long-lived secret shared by all connections and rotated, keeping the
 *     previous one to open cookies issued just before a rotation;
 *   - add a creation time (and perhaps the client's address) to the sealed fields, and refuse old
 *     cookies, since any cookie then replays until its key is retired;
 *   - treat a ClientHello carrying a valid cookie as ClientHello2: rebuild the transcript from the
 *     hash in the cookie (message_hash, then the HelloRetryRequest re-encoded from the suite and
 *     group in the cookie, which therefore must be all that decides the HelloRetryRequest's bytes),
 *     and take the compatibility-CCS decision from the session id the client repeats;
 *   - encrypt the fields too, if it ever seals anything the client did not already know.
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import { ByteWriter, concatBytes } from '../../util/bytes.js';
import { constantTimeEqual } from '../../util/ct.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription } from '../../wire/registry.js';

/** What a HelloRetryRequest decided, as sealed in its cookie. */
export interface HelloRetryCookieState {
  cipherSuite: number;
  group: number;
  /** Hash(ClientHello1) with the suite's hash: the message_hash content (§4.4.1). */
  clientHelloHash: Uint8Array;
}

export const COOKIE_VERSION = 1;
/** Length of the MAC key: RFC 2104 §3 discourages HMAC keys shorter than the hash output (32 for SHA-256). */
export const COOKIE_KEY_LENGTH = 32;
const MAC_LENGTH = 32;
const HEADER_LENGTH = 6;

/** A fresh MAC key for the cookies of one connection. */
export function newCookieKey(p: CryptoProvider): Uint8Array {
  return p.randomBytes(COOKIE_KEY_LENGTH);
}

export function sealCookie(p: CryptoProvider, key: Uint8Array, s: HelloRetryCookieState): Uint8Array {
  const n = s.clientHelloHash.length;
  if (n === 0 || n > 255) throw new TlsError(AlertDescription.internal_error, 'HelloRetryCookieMisuse', `a ClientHello hash of ${n} bytes does not fit the cookie`);
  const fields = new ByteWriter(HEADER_LENGTH + n).u8(COOKIE_VERSION).u16(s.cipherSuite).u16(s.group).vec8(s.clientHelloHash).finish();
  return concatBytes(fields, p.hmac('sha256', key, fields));
}

/**
 * The state sealed in `cookie`, or undefined when it was not made by `sealCookie` with `key`
 * (wrong length, unknown version, or a MAC that does not verify; all look alike to the caller).
 */
export function openCookie(p: CryptoProvider, key: Uint8Array, cookie: Uint8Array): HelloRetryCookieState | undefined {
  if (cookie.length < HEADER_LENGTH + MAC_LENGTH || cookie[0] !== COOKIE_VERSION) return undefined;
  const n = cookie[5]!;
  if (cookie.length !== HEADER_LENGTH + n + MAC_LENGTH) return undefined;
  const fields = cookie.subarray(0, HEADER_LENGTH + n);
  // The MAC is compared in constant time, so a forger learns nothing from how long a guess took.
  if (!constantTimeEqual(p.hmac('sha256', key, fields), cookie.subarray(fields.length))) return undefined;
  return {
    cipherSuite: (cookie[1]! << 8) | cookie[2]!,
    group: (cookie[3]! << 8) | cookie[4]!,
    clientHelloHash: cookie.slice(HEADER_LENGTH, HEADER_LENGTH + n),
  };
}
