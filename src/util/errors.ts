/**
 * The core's error type. Every failure the protocol engine reports carries the TLS alert it sent
 * (or would send) so the alert is chosen once, where the failure is detected; the Node adapter maps
 * `reason` to Node-style `ERR_*` codes (see node/errors.ts). No Node codes here.
 */
import { AlertDescription } from '../wire/registry.js';

export class TlsError extends Error {
  /**
   * @param alert    the alert description sent to the peer (or received from it, when `fromPeer`)
   * @param reason   a sentence-named, stable identifier, e.g. 'HelloRetryRequestSelectedGroupAlreadySent'
   * @param message  human words: which step failed and why
   * @param fromPeer true when the peer sent us this alert
   */
  constructor(
    readonly alert: AlertDescription,
    readonly reason: string,
    message: string,
    readonly fromPeer = false,
  ) {
    super(message);
    this.name = 'TlsError';
  }
}

/** A malformed wire structure: always a `decode_error` alert. */
export class DecodeError extends TlsError {
  constructor(message: string, reason = 'MalformedMessage') {
    super(AlertDescription.decode_error, reason, message);
    this.name = 'DecodeError';
  }
}
