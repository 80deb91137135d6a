/**
 * Certificate and CSR building: self-signed development certificates, CAs, leaves issued by a CA,
 * PKCS#10 requests. Pure over the CryptoProvider and the @peculiar ASN.1 schemas (no node:*).
 */
export { PkiBuildError, type PkiBuildErrorCode } from './errors.js';
export { parseDn, dnFromFields, formatDn, parseIp, parseSans, checkDnsName, type DnFields, MAX_SAN_ENTRIES } from './names.js';
export { certificateSchemeFor, schemeForAlgorithm } from './algorithms.js';
export {
  createSelfSigned,
  issueCertificate,
  resolveKey,
  MAX_VALIDITY_DAYS,
  NOT_BEFORE_SKEW_MS,
  type KeyInput,
  type SubjectOptions,
  type IssuerInput,
  type BuiltCertificate,
  type BuiltKeyAndCertificate,
} from './certificate.js';
export { createCsr, parseCsr, signCsr, MAX_CSR_BYTES, type CsrOptions, type BuiltCsr, type ParsedCsr } from './csr.js';

import type { CryptoProvider } from '../../crypto/provider.js';
import { createSelfSigned, type BuiltKeyAndCertificate } from './certificate.js';

/**
 * The development certificate `npm start` uses: ECDSA P-256, CN=localhost, SANs localhost,
 * 127.0.0.1 and ::1, valid 365 days, like mkcert's default.
 */
export function createDevCertificate(provider: CryptoProvider): BuiltKeyAndCertificate {
  return createSelfSigned({
    provider,
    key: { type: 'ec', curve: 'P-256' },
    subject: { O: 'ts-tls development certificate', CN: 'localhost' },
    dns: ['localhost'],
    ips: ['127.0.0.1', '::1'],
    days: 365,
  });
}
