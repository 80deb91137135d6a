/**
 * The adapter's single seam to the rest of ts-tls: the crypto provider and the certificate
 * verifier factory. Keeping them here means a custom provider/verifier (tests, a browser build
 * later) is installed in one place, and every context built afterwards uses it.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import type { CertificateVerifier } from '../handshake/common/verifier.js';
import { bundledRootDers } from '../pki/root-store.js';
import { createCertificateVerifier } from '../pki/verifier.js';
import { defaultCaReplacement, installExtraCaCertificates } from './extra-ca.js';
import { toPeerCertificate as peerCertificateObject } from './peer-certificate.js';
import './pki-loaders.js'; // installs the on-first-use loaders of the root store and the PKCS#12 schemas

export interface VerifierOptions {
  provider: CryptoProvider;
  /** DER trust anchors; undefined = the default root store. */
  ca?: Uint8Array[];
  /** DER CRLs. */
  crl?: Uint8Array[];
  /** Accept a path ending at any `ca` certificate (Node's allowPartialTrustChain). */
  allowPartialTrustChain?: boolean;
}

export type VerifierFactory = (opts: VerifierOptions) => CertificateVerifier;

let provider: CryptoProvider = nodeCryptoProvider();
let verifierFactory: VerifierFactory = (opts) => createCertificateVerifier(opts);

export function defaultProvider(): CryptoProvider {
  return provider;
}

export function createVerifier(opts: VerifierOptions): CertificateVerifier {
  const replaced = defaultCaReplacement();
  if (!opts.ca && replaced) return verifierFactory({ ...opts, ca: replaced });
  // NODE_EXTRA_CA_CERTS joins the default store before the first context that uses it, as in Node.
  if (!opts.ca) installExtraCaCertificates();
  return verifierFactory(opts);
}

/** Replaces the provider and/or verifier factory for contexts created afterwards (tests, embedders). */
export function setAdapterDependencies(deps: { provider?: CryptoProvider; verifierFactory?: VerifierFactory }): void {
  if (deps.provider) provider = deps.provider;
  if (deps.verifierFactory) verifierFactory = deps.verifierFactory;
}

// ---- certificate objects (peer-certificate.ts)

/** The object getPeerCertificate() returns (subject, issuer, raw, fingerprint256, ...). */
export type PeerCertificateObject = Record<string, unknown>;

/** `anchors`: the context's `ca` (undefined = the default roots), for detailed issuer links. */
export function toPeerCertificate(chainDer: Uint8Array[], detailed: boolean, anchors?: readonly Uint8Array[]): PeerCertificateObject {
  return peerCertificateObject(chainDer, detailed, detailed ? (anchors ?? bundledRootDers()) : []) as unknown as PeerCertificateObject;
}
