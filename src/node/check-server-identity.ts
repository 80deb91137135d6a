/**
 * tls.checkServerIdentity(hostname, cert): the pure decision is pki/hostname.ts; this file gives
 * it Node's error objects — ERR_TLS_CERT_ALTNAME_INVALID with own enumerable `code`, `reason`,
 * `host`, `cert` (in that order), message "Hostname/IP does not match certificate's altnames: …",
 * and toString/stack "Error [ERR_TLS_CERT_ALTNAME_INVALID]: …"; a malformed quoted SAN string
 * throws a SyntaxError with code ERR_TLS_CERT_ALTNAME_FORMAT, as Node does.
 */
import { PkiError } from '../pki/errors.js';
import { checkHostIdentity, type IdentityCert } from '../pki/hostname.js';

export class ErrTlsCertAltnameInvalid extends Error {
  code!: 'ERR_TLS_CERT_ALTNAME_INVALID';
  reason!: string;
  host!: string;
  cert!: unknown;

  constructor(reason: string, host: string, cert: unknown) {
    super(`Hostname/IP does not match certificate's altnames: ${reason}`);
    // Own enumerable fields in Node's order; `name` stays 'Error' as on Node's NodeError.
    Object.defineProperty(this, 'code', { value: 'ERR_TLS_CERT_ALTNAME_INVALID', writable: true, enumerable: true, configurable: true });
    this.reason = reason;
    this.host = host;
    this.cert = cert;
    if (typeof this.stack === 'string') this.stack = this.stack.replace(/^Error/, 'Error [ERR_TLS_CERT_ALTNAME_INVALID]');
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** Node's tls.checkServerIdentity: undefined when `hostname` matches `cert`, else the error. */
export function checkServerIdentity(hostname: string, cert: IdentityCert): Error | undefined {
  let r;
  try {
    r = checkHostIdentity(hostname, cert);
  } catch (e) {
    if (e instanceof PkiError) {
      const err = new SyntaxError(e.message);
      Object.defineProperty(err, 'code', { value: e.code, writable: true, enumerable: true, configurable: true });
      throw err;
    }
    throw e;
  }
  if (r.valid) return undefined;
  return new ErrTlsCertAltnameInvalid(r.reason, r.host, cert);
}
