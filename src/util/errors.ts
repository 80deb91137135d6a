/**
 * The core's error type. Every failure the protocol engine reports carries the TLS alert it sent
 * (or would send) so the alert is chosen once, where the failure is detected; the Node adapter maps
 * `reason` to Node-style `ERR_*` codes (see node/errors.ts). No Node codes here.
 */

export class TlsError extends Error {
  /**
   * @param alert    the alert description sent to the peer (or received from it, when `fromPeer`)
   * @param reason   a sentence-named, stable identifier, e.g. 'HelloRetryRequestSelectedGroupAlreadySent'
   * @param message  human words: which step failed and why
   * @param fromPeer true when the peer sent us this alert
   */
  constructor(
    readonly alert: number, // an AlertDescription code point (wire/registry.ts)
    readonly reason: string,
    message: string,
    readonly fromPeer = false,
  ) {
    super(message);
    this.name = 'TlsError';
  }
}

/** decode_error (RFC 8446 §6.2); util/ imports nothing, so the code point is spelled here. */
const DECODE_ERROR_ALERT = 50;

/** A malformed wire structure: always a `decode_error` alert. */
export class DecodeError extends TlsError {
  constructor(message: string, reason = 'MalformedMessage') {
    super(DECODE_ERROR_ALERT, reason, message);
    this.name = 'DecodeError';
  }
}
