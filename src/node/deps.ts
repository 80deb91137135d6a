/**
 * The adapter's single seam to the rest of ts-tls: the crypto provider and the certificate
 * verifier factory. Keeping them here means a custom provider/verifier (tests, a browser build
 * later) is installed in one place, and every context built afterwards uses it.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import type { CertificateVerifier } from '../handshake/common/verifier.js';
import { createCertificateVerifier } from '../pki/verifier.js';

export interface VerifierOptions {
  provider: CryptoProvider;
  /** DER trust anchors; undefined = the default root store. */
  ca?: Uint8Array[];
  /** DER CRLs. */
  crl?: Uint8Array[];
}

export type VerifierFactory = (opts: VerifierOptions) => CertificateVerifier;

let provider: CryptoProvider = nodeCryptoProvider();
let verifierFactory: VerifierFactory = (opts) => createCertificateVerifier(opts);

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

// ---- certificate objects and host-name checks (src/node/peer-certificate.ts, check-server-identity.ts)

/** The object getPeerCertificate() returns (subject, issuer, raw, fingerprint256, ...). */
export type PeerCertificateObject = Record<string, unknown>;
export type ToPeerCertificate = (chainDer: Uint8Array[], detailed: boolean) => PeerCertificateObject;
export type CheckServerIdentity = (hostname: string, cert: PeerCertificateObject) => Error | undefined;

let toPeerCertificateImpl: ToPeerCertificate = (chain) => ({ raw: chain[0] });
/** Until the real check is installed, every identity fails: never silently skip host-name checks. */
let checkServerIdentityImpl: CheckServerIdentity = (hostname) =>
  Object.assign(new Error(`Host-name check for ${hostname} is not available (check-server-identity.ts not installed)`), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });

export function toPeerCertificate(chainDer: Uint8Array[], detailed: boolean): PeerCertificateObject {
  return toPeerCertificateImpl(chainDer, detailed);
}

export function checkServerIdentity(hostname: string, cert: PeerCertificateObject): Error | undefined {
  return checkServerIdentityImpl(hostname, cert);
}

export function setCertificateHelpers(h: { toPeerCertificate?: ToPeerCertificate; checkServerIdentity?: CheckServerIdentity }): void {
  if (h.toPeerCertificate) toPeerCertificateImpl = h.toPeerCertificate;
  if (h.checkServerIdentity) checkServerIdentityImpl = h.checkServerIdentity;
}
