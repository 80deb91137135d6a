/**
 * Node-style errors for the adapter: the one place where core failures (TlsError with its alert and
 * sentence-named reason) become the `ERR_*` codes Node users match on, and where certificate
 * verdicts become OpenSSL's verify-code errors. Nothing in the core knows these codes.
 */
import { TlsError } from '../util/errors.js';
import { AlertDescription } from '../wire/registry.js';

/** An Error carrying a Node-style `code`; `name` stays the constructor's (TypeError, RangeError...). */
export type CodedError = Error & { code: string; [key: string]: unknown };

export function codedError(
  code: string,
  message: string,
  Ctor: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor = Error,
  extra: Record<string, unknown> = {},
): CodedError {
  const err = new Ctor(message) as CodedError;
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  Object.assign(err, extra);
  return err;
}

function describeReceived(value: unknown): string {
  if (value == null) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${(value as { name?: string }).name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor ? ` Received an instance of ${ctor}` : ' Received an object';
  }
  let shown = String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === 'string') shown = `'${shown}'`;
  return ` Received type ${typeof value} (${shown})`;
}

/** Node's ERR_INVALID_ARG_TYPE (a TypeError). */
export function errInvalidArgType(name: string, expected: string, actual: unknown): CodedError {
  const what = name.includes('.') ? 'property' : 'argument';
  return codedError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" ${what} must be ${expected}.${describeReceived(actual)}`,
    TypeError,
  );
}

/** Node's ERR_INVALID_ARG_VALUE (a TypeError). */
export function errInvalidArgValue(name: string, value: unknown, reason = 'is invalid'): CodedError {
  const what = name.includes('.') ? 'property' : 'argument';
  let shown: string;
  try {
    shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return codedError('ERR_INVALID_ARG_VALUE', `The ${what} '${name}' ${reason}. Received ${shown}`, TypeError);
}

/** Node's ERR_OUT_OF_RANGE (a RangeError). */
export function errOutOfRange(name: string, range: string, value: unknown): CodedError {
  return codedError(
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`,
    RangeError,
  );
}

/** Node's message for a socket that ends before the handshake completes (client side). */
export const DISCONNECTED_BEFORE_SECURE =
  'Client network socket disconnected before secure TLS connection was established';

export function connReset(message: string): CodedError {
  return codedError('ECONNRESET', message);
}

export function handshakeTimeoutError(): CodedError {
  return codedError('ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout');
}

/**
 * OpenSSL's verify-result strings (X509_verify_cert_error_string), so `err.message` matches what
 * Node prints for the same `err.code`.
 */
const VERIFY_MESSAGES: Record<string, string> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "unable to decrypt certificate's signature",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'unable to decode issuer public key',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CRL_NOT_YET_VALID: 'CRL is not yet valid',
  CRL_HAS_EXPIRED: 'CRL has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  CERT_REVOKED: 'certificate revoked',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  HOSTNAME_MISMATCH: 'Hostname mismatch',
};

/** The error Node's `verifyError()` gives for a failed chain: message in OpenSSL's words, code = name. */
export function verifyError(code: string, detail?: string): CodedError {
  const message = VERIFY_MESSAGES[code] ?? detail ?? code.toLowerCase().replace(/_/g, ' ');
  return codedError(code, message, Error, detail && detail !== message ? { detail } : {});
}

/** OpenSSL's reason names for a *received* alert (ssl_err.c: SSL_R_SSLV3_ALERT_* / SSL_R_TLSV1_ALERT_*). */
const RECEIVED_ALERT_REASONS: Record<number, string> = {
  [AlertDescription.unexpected_message]: 'SSLV3_ALERT_UNEXPECTED_MESSAGE',
  [AlertDescription.bad_record_mac]: 'SSLV3_ALERT_BAD_RECORD_MAC',
  [AlertDescription.decryption_failed]: 'TLSV1_ALERT_DECRYPTION_FAILED',
  [AlertDescription.record_overflow]: 'TLSV1_ALERT_RECORD_OVERFLOW',
  [AlertDescription.decompression_failure]: 'SSLV3_ALERT_DECOMPRESSION_FAILURE',
  [AlertDescription.handshake_failure]: 'SSLV3_ALERT_HANDSHAKE_FAILURE',
  [AlertDescription.no_certificate]: 'SSLV3_ALERT_NO_CERTIFICATE',
  [AlertDescription.bad_certificate]: 'SSLV3_ALERT_BAD_CERTIFICATE',
  [AlertDescription.unsupported_certificate]: 'SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  [AlertDescription.certificate_revoked]: 'SSLV3_ALERT_CERTIFICATE_REVOKED',
  [AlertDescription.certificate_expired]: 'SSLV3_ALERT_CERTIFICATE_EXPIRED',
  [AlertDescription.certificate_unknown]: 'SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  [AlertDescription.illegal_parameter]: 'SSLV3_ALERT_ILLEGAL_PARAMETER',
  [AlertDescription.unknown_ca]: 'TLSV1_ALERT_UNKNOWN_CA',
  [AlertDescription.access_denied]: 'TLSV1_ALERT_ACCESS_DENIED',
  [AlertDescription.decode_error]: 'TLSV1_ALERT_DECODE_ERROR',
  [AlertDescription.decrypt_error]: 'TLSV1_ALERT_DECRYPT_ERROR',
  [AlertDescription.export_restriction]: 'TLSV1_ALERT_EXPORT_RESTRICTION',
  [AlertDescription.protocol_version]: 'TLSV1_ALERT_PROTOCOL_VERSION',
  [AlertDescription.insufficient_security]: 'TLSV1_ALERT_INSUFFICIENT_SECURITY',
  [AlertDescription.internal_error]: 'TLSV1_ALERT_INTERNAL_ERROR',
  [AlertDescription.inappropriate_fallback]: 'TLSV1_ALERT_INAPPROPRIATE_FALLBACK',
  [AlertDescription.user_canceled]: 'TLSV1_ALERT_USER_CANCELLED',
  [AlertDescription.no_renegotiation]: 'TLSV1_ALERT_NO_RENEGOTIATION',
  [AlertDescription.missing_extension]: 'TLSV13_ALERT_MISSING_EXTENSION',
  [AlertDescription.unsupported_extension]: 'TLSV1_ALERT_UNSUPPORTED_EXTENSION',
  [AlertDescription.certificate_unobtainable]: 'TLSV1_ALERT_CERTIFICATE_UNOBTAINABLE',
  [AlertDescription.unrecognized_name]: 'TLSV1_ALERT_UNRECOGNIZED_NAME',
  [AlertDescription.bad_certificate_status_response]: 'TLSV1_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE',
  [AlertDescription.bad_certificate_hash_value]: 'TLSV1_ALERT_BAD_CERTIFICATE_HASH_VALUE',
  [AlertDescription.unknown_psk_identity]: 'TLSV1_ALERT_UNKNOWN_PSK_IDENTITY',
  [AlertDescription.certificate_required]: 'TLSV13_ALERT_CERTIFICATE_REQUIRED',
  [AlertDescription.no_application_protocol]: 'TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
};

/** OpenSSL's reason for a failure *we* detected and alerted on, by the alert we sent. */
const LOCAL_ALERT_REASONS: Record<number, string> = {
  [AlertDescription.unexpected_message]: 'UNEXPECTED_MESSAGE',
  [AlertDescription.bad_record_mac]: 'DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
  [AlertDescription.record_overflow]: 'RECORD_OVERFLOW',
  [AlertDescription.handshake_failure]: 'NO_SHARED_CIPHER',
  [AlertDescription.bad_certificate]: 'CERTIFICATE_VERIFY_FAILED',
  [AlertDescription.unsupported_certificate]: 'CERTIFICATE_VERIFY_FAILED',
  [AlertDescription.certificate_revoked]: 'CERTIFICATE_VERIFY_FAILED',
  [AlertDescription.certificate_expired]: 'CERTIFICATE_VERIFY_FAILED',
  [AlertDescription.certificate_unknown]: 'CERTIFICATE_VERIFY_FAILED',
  [AlertDescription.unknown_ca]: 'CERTIFICATE_VERIFY_FAILED',
  [AlertDescription.illegal_parameter]: 'BAD_EXTENSION',
  [AlertDescription.decode_error]: 'BAD_PACKET_LENGTH',
  [AlertDescription.decrypt_error]: 'BAD_SIGNATURE',
  [AlertDescription.protocol_version]: 'UNSUPPORTED_PROTOCOL',
  [AlertDescription.insufficient_security]: 'INSUFFICIENT_SECURITY',
  [AlertDescription.internal_error]: 'INTERNAL_ERROR',
  [AlertDescription.missing_extension]: 'MISSING_EXTENSION',
  [AlertDescription.unsupported_extension]: 'UNSUPPORTED_EXTENSION',
  [AlertDescription.unrecognized_name]: 'UNRECOGNIZED_NAME',
  [AlertDescription.certificate_required]: 'PEER_DID_NOT_RETURN_A_CERTIFICATE',
  [AlertDescription.no_application_protocol]: 'NO_APPLICATION_PROTOCOL',
};

/**
 * Core reasons that OpenSSL reports more precisely than the alert alone says (matched on the
 * engine's sentence-named `reason`, case-insensitive; first match wins).
 */
const REASON_PATTERNS: [RegExp, string, number?][] = [
  [/version.*(record|header)|(record|header).*version|not.?tls|wrongversion/i, 'WRONG_VERSION_NUMBER'],
  [/FinishedWrongLength/i, 'BAD_DIGEST_LENGTH'],
  [/finished/i, 'DIGEST_CHECK_FAILED'],
  // No certificate, or none the client's signature_algorithms allow: OpenSSL's tls_choose_sigalg.
  [/NoCertificateFor/i, 'NO_SUITABLE_SIGNATURE_ALGORITHM'],
  // Only a signature that failed to verify: 'CertificateRequestWithoutSignatureAlgorithms'
  // (missing_extension) is not one.
  [/signature/i, 'BAD_SIGNATURE', AlertDescription.decrypt_error],
  [/keyshare|key_share|group/i, 'BAD_KEY_SHARE'],
  [/alpn|applicationprotocol/i, 'NO_APPLICATION_PROTOCOL'],
  // Before the generic "too large": a handshake message over our limit is OpenSSL's
  // EXCESSIVE_MESSAGE_SIZE, not a record overflow (the alert is illegal_parameter in both).
  [/HandshakeMessageTooLarge/i, 'EXCESSIVE_MESSAGE_SIZE'],
  [/tooLarge|overflow/i, 'RECORD_OVERFLOW'],
];

function alertWords(openSslReason: string): string {
  return openSslReason.toLowerCase().replace(/_/g, ' ');
}

/**
 * The Node-style Error for a core failure: `code` is ERR_SSL_<OpenSSL reason>, with `library`,
 * `reason` (OpenSSL words), `alert` (number) and `cause` (the TlsError) as Node/OpenSSL errors have.
 */
export function toNodeError(err: unknown): CodedError {
  if (!(err instanceof TlsError)) {
    if (err instanceof Error) {
      if (typeof (err as Partial<CodedError>).code !== 'string') {
        Object.defineProperty(err, 'code', { value: 'ERR_SSL_INTERNAL_ERROR', enumerable: true, writable: true });
      }
      return err as CodedError;
    }
    return codedError('ERR_SSL_INTERNAL_ERROR', String(err));
  }
  let reason: string;
  let message: string;
  if (err.fromPeer) {
    reason = RECEIVED_ALERT_REASONS[err.alert] ?? `TLSV1_ALERT_UNKNOWN_${err.alert}`;
    message = `${alertWords(reason)} (SSL alert number ${err.alert}): ${err.message}`;
  } else {
    const special = REASON_PATTERNS.find(([re, , alert]) => re.test(err.reason) && (alert === undefined || alert === err.alert));
    const byAlert = LOCAL_ALERT_REASONS[err.alert];
    // A record/MAC failure is always reported as such, whatever the reason text says.
    reason =
      err.alert === AlertDescription.bad_record_mac
        ? 'DECRYPTION_FAILED_OR_BAD_RECORD_MAC'
        : (special?.[1] ?? byAlert ?? 'INTERNAL_ERROR');
    message = `${alertWords(reason)}: ${err.message}`;
  }
  return codedError(`ERR_SSL_${reason}`, message, Error, {
    library: 'SSL routines',
    reason: alertWords(reason),
    alert: err.alert,
    tlsReason: err.reason,
    cause: err,
  });
}
