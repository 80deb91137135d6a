/**
 * How the handshake asks for certificate decisions. The engine never parses X.509 itself; pki/
 * implements this interface (pki/verifier.ts). Until a chain has been verified the engine treats
 * the peer as unauthenticated: it never reports `authorized: true` for a chain it could not verify.
 */

export interface ChainVerdict {
  /** True when the chain leads to a trusted anchor and every check passed. */
  ok: boolean;
  /** OpenSSL verify-code name when !ok, e.g. 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED'. */
  code?: string;
  /** Human words for the failure. */
  message?: string;
  /** The TLS alert to send when the failure is fatal (bad_certificate, unknown_ca, certificate_expired, ...). */
  alert?: number;
}

export interface CertificateVerifier {
  /**
   * The SubjectPublicKeyInfo DER of a certificate's public key (used to check CertificateVerify).
   * Throws TlsError(bad_certificate) for a certificate that cannot be parsed.
   */
  publicKeyOf(certDer: Uint8Array): Uint8Array;
  /**
   * Checks a peer chain (leaf first, as sent) for the given purpose. `hostname` is only informative
   * here: host-name matching is done by the adapter (tls.checkServerIdentity), as Node does.
   */
  verifyChain(chain: readonly Uint8Array[], purpose: 'server' | 'client', nowMs: number, hostname?: string): ChainVerdict;
}
