/**
 * The engine's CertificateVerifier (handshake/common/verifier.ts) built from chain.ts and crl.ts.
 * One verifier serves every handshake of a context: trust anchors and CRLs are parsed once, parsed
 * peer certificates are cached by DER (x509.ts) and signature results per (issuer, child) pair
 * (SignatureCache), so a repeated 3-certificate chain costs no public-key operations at all.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertificateVerifier, ChainVerdict } from '../handshake/common/verifier.js';
import { validatePath, SignatureCache, TrustStore, type PathResult } from './chain.js';
import { CrlStore } from './crl.js';
import { defaultTrustStore } from './root-store.js';
import { parseCertificate, type ParsedCertificate } from './x509.js';

export interface VerifierOptions {
  provider: CryptoProvider;
  /** DER trust anchors; when given they replace the default roots, as Node's `ca` option does. */
  ca?: readonly Uint8Array[];
  /** DER CRLs; when given, every certificate of the path must be covered (Node's CRL_CHECK_ALL). */
  crl?: readonly Uint8Array[];
  /** Trust a path that ends at any `ca` certificate, self-signed or not (Node's allowPartialTrustChain). */
  allowPartialTrustChain?: boolean;
  /** Check only the leaf against CRLs (`openssl verify -crl_check`); default false. */
  crlLeafOnly?: boolean;
  /** Minimum RSA modulus bits; default 2048. */
  minRsaBits?: number;
}

export interface PkiCertificateVerifier extends CertificateVerifier {
  /** Like verifyChain, but also returns the validated path (leaf first, anchor last) on success. */
  verifyPath(chain: readonly Uint8Array[], purpose: 'server' | 'client', nowMs: number): PathResult;
  readonly anchors: TrustStore;
}

/**
 * @throws PkiError('ERR_BAD_CA_CERT' | 'ERR_BAD_CRL') when a configured anchor or CRL does not parse.
 */
export function createCertificateVerifier(opts: VerifierOptions): PkiCertificateVerifier {
  const anchors = opts.ca ? new TrustStore(opts.ca) : defaultTrustStore();
  const revocation = opts.crl && opts.crl.length > 0 ? new CrlStore(opts.crl, opts.provider, !opts.crlLeafOnly) : undefined;
  const sigCache = new SignatureCache();

  const verifyPath = (chain: readonly Uint8Array[], purpose: 'server' | 'client', nowMs: number): PathResult =>
    validatePath(chain, {
      provider: opts.provider,
      anchors,
      purpose,
      nowMs,
      sigCache,
      ...(revocation ? { revocation } : {}),
      ...(opts.allowPartialTrustChain ? { allowPartialTrustChain: true } : {}),
      ...(opts.minRsaBits !== undefined ? { minRsaBits: opts.minRsaBits } : {}),
    });

  return {
    anchors,
    verifyPath,
    publicKeyOf(certDer: Uint8Array): Uint8Array {
      // parseCertificate throws TlsError(bad_certificate) for anything unparsable.
      const c: ParsedCertificate = parseCertificate(certDer);
      return c.spki;
    },
    verifyChain(chain, purpose, nowMs): ChainVerdict {
      const r = verifyPath(chain, purpose, nowMs);
      if (r.ok) return { ok: true };
      return { ok: false, code: r.code, message: r.message, alert: r.alert };
    },
  };
}
