/**
 * The pki/ public surface: certificates, trust and PKCS#12, independent of TLS. The certificate
 * builder (pki/build/) has its own index.
 */
export { decodePem, encodePem, pemCertificates, decodeBase64, encodeBase64, type PemBlock } from './pem.js';
export { PkiError } from './errors.js';
export { parseCertificate, serialHex, clearParseCache, OID, type ParsedCertificate, type PublicKeyInfo, type CertExtensions, type DistinguishedName, type SanEntry } from './x509.js';
export { validatePath, TrustStore, SignatureCache, isSelfSigned, checkIssued, MAX_PATH_LENGTH, MAX_PEER_CHAIN_CERTS, MIN_RSA_BITS, type Purpose, type PathOptions, type PathResult, type RevocationChecker } from './chain.js';
export { VERIFY_CODES, type VerifyCode, type VerifyFailure } from './verify-codes.js';
export { parseCrl, CrlStore, type ParsedCrl } from './crl.js';
export { createCertificateVerifier, type VerifierOptions, type PkiCertificateVerifier } from './verifier.js';
export { checkHostIdentity, type IdentityCert, type IdentityResult } from './hostname.js';
export { isIP, canonicalizeIP } from './ip.js';
export { parsePfx, buildPfx, setPkcs12SchemaSource, type Pkcs12Crypto, type PfxContents, type BuildPfxOptions, type Pkcs12Schemas } from './pkcs12.js';
export { rootCertificates, bundledRootCertificates, setRootCertificateSource, type RootCertificateSource, defaultTrustStore, bundledRootDers, parseExtraCaCertificates, parseCaBundle, setExtraRootCertificates, SYSTEM_CA_BUNDLE_PATHS } from './root-store.js';
