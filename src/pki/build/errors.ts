/**
 * The builder's one error type. Building certificates is not part of a TLS exchange, so there is no
 * alert to carry: a stable `code` (ERR_PKI_*) lets the CLI and tests tell failures apart.
 */
import { PkiError } from '../errors.js';

export type PkiBuildErrorCode =
  | 'ERR_PKI_BAD_NAME'
  | 'ERR_PKI_BAD_SAN'
  | 'ERR_PKI_BAD_VALIDITY'
  | 'ERR_PKI_BAD_KEY'
  | 'ERR_PKI_UNSUPPORTED_ALGORITHM'
  | 'ERR_PKI_BAD_CSR'
  | 'ERR_PKI_CSR_SIGNATURE'
  | 'ERR_PKI_BAD_CA'
  | 'ERR_PKI_BAD_PEM';

export class PkiBuildError extends PkiError {
  declare readonly code: PkiBuildErrorCode;
  constructor(code: PkiBuildErrorCode, message: string) {
    super(code, message);
    this.name = 'PkiBuildError';
  }
}

/** Runs an ASN.1 library call and turns whatever it throws into a PkiBuildError with `code`. */
export function asnGuard<T>(code: PkiBuildErrorCode, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PkiBuildError) throw err;
    throw new PkiBuildError(code, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
