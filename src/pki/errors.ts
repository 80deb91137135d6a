/**
 * Errors for PKI inputs that come from configuration (PEM text, PFX files, CRLs given as options),
 * not from the peer. They carry a stable `code` the Node adapter can pass through or map; failures
 * in what the peer sent are TlsErrors (bad_certificate and friends) raised in x509.ts/verifier.ts.
 */
export class PkiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
