/**
 * The one table of certificate verification failures: OpenSSL's X509_V_ERR_* name (what Node puts
 * in `authorizationError` / `err.code`), its number, OpenSSL's message (Node's `err.message`), and
 * the TLS alert to send — chosen as OpenSSL's ssl_verify_alarm_type() does, so a peer sees the same
 * alert from us as from OpenSSL.
 */
import { AlertDescription as A } from '../wire/registry.js';

export interface VerifyCodeInfo {
  /** X509_V_ERR_* number (openssl/x509_vfy.h). */
  num: number;
  message: string;
  alert: number;
}

export const VERIFY_CODES = {
  UNABLE_TO_GET_ISSUER_CERT: { num: 2, message: 'unable to get issuer certificate', alert: A.unknown_ca },
  UNABLE_TO_GET_CRL: { num: 3, message: 'unable to get certificate CRL', alert: A.unknown_ca },
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: { num: 6, message: 'unable to decode issuer public key', alert: A.decrypt_error },
  CERT_SIGNATURE_FAILURE: { num: 7, message: 'certificate signature failure', alert: A.decrypt_error },
  CRL_SIGNATURE_FAILURE: { num: 8, message: 'CRL signature failure', alert: A.decrypt_error },
  CERT_NOT_YET_VALID: { num: 9, message: 'certificate is not yet valid', alert: A.certificate_expired },
  CERT_HAS_EXPIRED: { num: 10, message: 'certificate has expired', alert: A.certificate_expired },
  CRL_NOT_YET_VALID: { num: 11, message: 'CRL is not yet valid', alert: A.certificate_expired },
  CRL_HAS_EXPIRED: { num: 12, message: 'CRL has expired', alert: A.certificate_expired },
  DEPTH_ZERO_SELF_SIGNED_CERT: { num: 18, message: 'self-signed certificate', alert: A.unknown_ca },
  SELF_SIGNED_CERT_IN_CHAIN: { num: 19, message: 'self-signed certificate in certificate chain', alert: A.unknown_ca },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { num: 20, message: 'unable to get local issuer certificate', alert: A.unknown_ca },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { num: 21, message: 'unable to verify the first certificate', alert: A.unknown_ca },
  CERT_CHAIN_TOO_LONG: { num: 22, message: 'certificate chain too long', alert: A.unknown_ca },
  CERT_REVOKED: { num: 23, message: 'certificate revoked', alert: A.certificate_revoked },
  INVALID_CA: { num: 79, message: 'invalid CA certificate', alert: A.unknown_ca },
  PATH_LENGTH_EXCEEDED: { num: 25, message: 'path length constraint exceeded', alert: A.unknown_ca },
  INVALID_PURPOSE: { num: 26, message: 'unsuitable certificate purpose', alert: A.unsupported_certificate },
  CERT_UNTRUSTED: { num: 27, message: 'certificate not trusted', alert: A.bad_certificate },
  CERT_REJECTED: { num: 28, message: 'certificate rejected', alert: A.bad_certificate },
  KEYUSAGE_NO_CRL_SIGN: { num: 35, message: 'key usage does not include CRL signing', alert: A.bad_certificate },
  UNHANDLED_CRITICAL_CRL_EXTENSION: { num: 36, message: 'unhandled critical CRL extension', alert: A.bad_certificate },
  UNHANDLED_CRITICAL_EXTENSION: { num: 34, message: 'unhandled critical extension', alert: A.unsupported_certificate },
  PERMITTED_VIOLATION: { num: 47, message: 'permitted subtree violation', alert: A.bad_certificate },
  EXCLUDED_VIOLATION: { num: 48, message: 'excluded subtree violation', alert: A.bad_certificate },
  UNSUPPORTED_CONSTRAINT_TYPE: { num: 51, message: 'unsupported name constraint type', alert: A.bad_certificate },
  EE_KEY_TOO_SMALL: { num: 66, message: 'EE certificate key too weak', alert: A.bad_certificate },
  CA_KEY_TOO_SMALL: { num: 67, message: 'CA certificate key too weak', alert: A.bad_certificate },
  CA_MD_TOO_WEAK: { num: 68, message: 'CA signature digest algorithm too weak', alert: A.bad_certificate },
  CERT_UNPARSABLE: { num: 0, message: 'certificate could not be parsed', alert: A.bad_certificate },
} as const satisfies Record<string, VerifyCodeInfo>;

export type VerifyCode = keyof typeof VERIFY_CODES;

export interface VerifyFailure {
  ok: false;
  code: VerifyCode;
  /** OpenSSL's text for the code, exactly (Node uses it as the error message). */
  message: string;
  /** What exactly was wrong, for logs. */
  detail?: string;
  alert: number;
  /** Position in the built path (0 = leaf), as OpenSSL's "error N at D depth". */
  depth: number;
  /**
   * Every fault found, in OpenSSL's check order. The verdict itself is the last one, because Node
   * accepts every error in its verify callback and reports SSL_get_verify_result(), which holds the
   * last error X509_verify_cert() met; `openssl verify` stops at (and prints) the first.
   */
  errors?: VerifyFailure[];
}

export function failure(code: VerifyCode, depth: number, detail?: string): VerifyFailure {
  const info = VERIFY_CODES[code];
  const f: VerifyFailure = { ok: false, code, message: info.message, alert: info.alert, depth };
  if (detail) f.detail = detail;
  return f;
}
