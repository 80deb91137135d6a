/**
 * The adapter's single seam to the rest of ts-tls: the crypto provider and the certificate
 * verifier factory. Keeping them here means a custom provider/verifier (tests, a browser build
 * later) is installed in one place, and every context built afterwards uses it.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import type { CertificateVerifier } from '../handshake/common/verifier.js';

export interface VerifierOptions {
  provider: CryptoProvider;
  /** DER trust anchors; undefined = the default root store. */
  ca?: Uint8Array[];
  /** DER CRLs. */
  crl?: Uint8Array[];
}

export type VerifierFactory = (opts: VerifierOptions) => CertificateVerifier;

let provider: CryptoProvider = nodeCryptoProvider();
let verifierFactory: VerifierFactory = () => {
  throw Object.assign(new Error('No certificate verifier installed (pki/verifier.ts not available)'), {
    code: 'ERR_TLS_NO_VERIFIER',
  });
};

export function defaultProvider(): CryptoProvider {
  return provider;
}

export function createVerifier(opts: VerifierOptions): CertificateVerifier {
  return verifierFactory(opts);
}

/** Replaces the provider and/or verifier factory for contexts created afterwards (tests, embedders). */
export function setAdapterDependencies(deps: { provider?: CryptoProvider; verifierFactory?: VerifierFactory }): void {
  if (deps.provider) provider = deps.provider;
  if (deps.verifierFactory) verifierFactory = deps.verifierFactory;
}
