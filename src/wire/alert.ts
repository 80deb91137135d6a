/**
 * Alert messages (RFC 8446 §6, RFC 5246 §7.2): `struct { AlertLevel level; AlertDescription description; }`.
 * Unknown descriptions survive as numbers; the connection decides what an alert means.
 */
import { DecodeError, TlsError } from '../util/errors.js';
import { AlertDescription, AlertLevel } from './registry.js';
import type { Alert } from './types.js';

export const ALERT_LENGTH = 2;

export function encodeAlert(level: number, description: number): Uint8Array {
  return Uint8Array.of(level & 0xff, description & 0xff);
}

/**
 * Decodes one alert record payload. It must be exactly 2 bytes (decode_error otherwise; several
 * alerts in one record or a fragmented alert are not accepted, RFC 8446 §5.1: "Alert messages
 * MUST NOT be fragmented across records, and multiple alert messages MUST NOT be coalesced into
 * a single TLSPlaintext record"). A level other than warning/fatal is illegal_parameter.
 */
export function decodeAlert(payload: Uint8Array): Alert {
  if (payload.length !== ALERT_LENGTH) throw new DecodeError(`alert of ${payload.length} bytes, expected ${ALERT_LENGTH}`, 'MalformedAlert');
  const level = payload[0]!;
  const description = payload[1]!;
  if (level !== AlertLevel.warning && level !== AlertLevel.fatal) {
    throw new TlsError(AlertDescription.illegal_parameter, 'UnknownAlertLevel', `alert level ${level} is neither warning nor fatal`);
  }
  return { level, description };
}
