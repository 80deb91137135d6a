/**
 * X.509 v3 certificates (RFC 5280): self-signed ones for development servers and CAs, and leaves
 * issued by a CA key + certificate. Keys come from the CryptoProvider (generated or loaded), so this
 * module needs no node:* import and no OpenSSL.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { CryptoProvider, KeyGenSpec, SigningKey } from '../../crypto/provider.js';
import { bytesEqual } from '../../util/bytes.js';
import { decodePem, encodePem } from '../pem.js';
import { algorithmIdentifierFor, certificateSchemeFor, keyIdentifier, parseSpki } from './algorithms.js';
import { asnGuard, PkiBuildError } from './errors.js';
import { DnFields, sanGeneralNames, toName } from './names.js';

const DAY_MS = 86_400_000;
/** 100 years: more is surely a typo (RFC 5280 §4.1.2.5 has 99991231235959Z for "no end"). */
export const MAX_VALIDITY_DAYS = 36_500;
/** notBefore is set this far in the past so a peer whose clock lags a little still accepts a fresh certificate. */
export const NOT_BEFORE_SKEW_MS = 5 * 60_000;
/** RFC 5280 §4.1.2.2: serial numbers are positive and at most 20 octets; 16 random bytes, top bit clear. */
export const SERIAL_BYTES = 16;

/** A key to certify: generate one from a spec, load a PEM/DER private key, or use a loaded one. */
export type KeyInput =
  | KeyGenSpec
  | { pem: string | Uint8Array; passphrase?: string }
  | { signingKey: SigningKey; pem?: string };

/** What a certificate says about its subject. */
export interface SubjectOptions {
  /** `/C=UK/O=Example/CN=localhost`, `CN=localhost,O=Example`, or fields. Default: CN = first DNS name. */
  subject?: string | DnFields;
  dns?: readonly string[];
  ips?: readonly string[];
  emails?: readonly string[];
  uris?: readonly string[];
  /** Validity in days from now (default 365). */
  days?: number;
  /** Override the start of validity (default: now minus NOT_BEFORE_SKEW_MS). */
  notBefore?: Date;
  /** A CA certificate: basicConstraints cA=TRUE, keyCertSign + cRLSign, no extKeyUsage. */
  isCA?: boolean;
  /** For a CA: how many intermediate CAs may follow it (basicConstraints pathLenConstraint). */
  pathLength?: number;
  /** extKeyUsage for a leaf (default serverAuth + clientAuth); [] leaves it out. */
  extKeyUsage?: readonly ('serverAuth' | 'clientAuth' | string)[];
}

export interface BuiltCertificate {
  certDer: Uint8Array;
  certPem: string;
}

export interface BuiltKeyAndCertificate extends BuiltCertificate {
  key: SigningKey;
  /** The private key PEM: the generated PKCS#8 PEM, or the PEM that was passed in. */
  keyPem: string;
}

/** The CA that signs: its key and its certificate (PEM or DER). */
export interface IssuerInput {
  key: SigningKey;
  cert: string | Uint8Array;
}

export function resolveKey(provider: CryptoProvider, input: KeyInput | undefined): { key: SigningKey; keyPem: string } {
  const spec: KeyInput = input ?? { type: 'ec', curve: 'P-256' };
  if ('signingKey' in spec) return { key: spec.signingKey, keyPem: spec.pem ?? '' };
  if ('pem' in spec) {
    const key = asnGuard('ERR_PKI_BAD_KEY', 'cannot load the private key', () => provider.loadSigningKey(spec.pem, spec.passphrase));
    return { key, keyPem: typeof spec.pem === 'string' ? spec.pem : encodePem('PRIVATE KEY', spec.pem) };
  }
  const generated = asnGuard('ERR_PKI_BAD_KEY', 'cannot generate the key', () => provider.generateSigningKey(spec));
  return { key: generated.key, keyPem: generated.pkcs8Pem };
}

/** DER from PEM text (first block with one of `labels`) or DER bytes as given. */
export function derFrom(input: string | Uint8Array, labels: readonly string[], code: 'ERR_PKI_BAD_CA' | 'ERR_PKI_BAD_CSR'): Uint8Array {
  if (typeof input !== 'string') return input;
  const blocks = asnGuard('ERR_PKI_BAD_PEM', 'bad PEM', () => decodePem(input));
  const block = blocks.find((b) => labels.includes(b.label));
  if (!block) throw new PkiBuildError(code, `no ${labels[0]} PEM block found`);
  return block.der;
}

export function parseCertificate(der: Uint8Array): Certificate {
  return asnGuard('ERR_PKI_BAD_CA', 'not a DER certificate', () => AsnConvert.parse(der, Certificate));
}

function randomSerial(provider: CryptoProvider): ArrayBuffer {
  const serial = provider.randomBytes(SERIAL_BYTES).slice();
  serial[0] = serial[0]! & 0x7f; // positive
  if (serial[0] === 0) serial[0] = 1; // minimal DER INTEGER: no leading zero octet
  return serial.buffer;
}

function validity(opts: SubjectOptions): Validity {
  const days = opts.days ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw new PkiBuildError('ERR_PKI_BAD_VALIDITY', `days must be an integer from 1 to ${MAX_VALIDITY_DAYS}, got ${days}`);
  }
  const start = opts.notBefore ?? new Date(Date.now() - NOT_BEFORE_SKEW_MS);
  if (Number.isNaN(start.getTime())) throw new PkiBuildError('ERR_PKI_BAD_VALIDITY', 'notBefore is not a valid date');
  return new Validity({ notBefore: start, notAfter: new Date(start.getTime() + NOT_BEFORE_SKEW_MS + days * DAY_MS) });
}

const EKU_OIDS: Record<string, string> = { serverAuth: id_kp_serverAuth, clientAuth: id_kp_clientAuth };

function ext(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** Everything a certificate needs once names and keys are settled; shared by self-signed, issued and CSR paths. */
export interface CertificateParams extends SubjectOptions {
  provider: CryptoProvider;
  subjectName: Name;
  subjectSpki: SubjectPublicKeyInfo;
  issuerName: Name;
  /** Key identifier of the issuer's key (AKI); equals the subject's for a self-signed certificate. */
  issuerKeyId: Uint8Array;
  signer: SigningKey;
  /** Key type of the certified key, to choose the key usage bits. */
  subjectKeyType: string;
}

export function buildCertificate(p: CertificateParams): BuiltCertificate {
  const sans = sanGeneralNames(p.dns, p.ips, p.emails, p.uris);
  const extensions: Extension[] = [];
  // RFC 5280 §4.2.1.9: cA certificates MUST mark basicConstraints critical; we do for leaves too, like OpenSSL.
  extensions.push(ext(id_ce_basicConstraints, true, new BasicConstraints({
    cA: !!p.isCA,
    ...(p.isCA && p.pathLength !== undefined ? { pathLenConstraint: p.pathLength } : {}),
  })));
  let usage = p.isCA
    ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature
    : KeyUsageFlags.digitalSignature;
  // TLS 1.2 RSA key transport encrypts the premaster secret to the certified key (RFC 5246 §7.4.7.1).
  if (!p.isCA && p.subjectKeyType === 'rsa') usage |= KeyUsageFlags.keyEncipherment;
  extensions.push(ext(id_ce_keyUsage, true, new KeyUsage(usage)));
  const eku = p.extKeyUsage ?? (p.isCA ? [] : ['serverAuth', 'clientAuth']);
  if (eku.length > 0) extensions.push(ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage(eku.map((e) => EKU_OIDS[e] ?? e))));
  if (sans.length > 0) {
    // RFC 5280 §4.2.1.6: with an empty subject the SAN extension MUST be critical.
    extensions.push(ext(id_ce_subjectAltName, p.subjectName.length === 0, new SubjectAlternativeName(sans)));
  } else if (p.subjectName.length === 0) {
    throw new PkiBuildError('ERR_PKI_BAD_NAME', 'a certificate needs a subject name or at least one subject alternative name');
  }
  const ski = keyIdentifier(p.provider, p.subjectSpki);
  extensions.push(ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)));
  extensions.push(ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(p.issuerKeyId) })));

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerial(p.provider),
    issuer: p.issuerName,
    validity: validity(p),
    subject: p.subjectName,
    subjectPublicKeyInfo: p.subjectSpki,
    extensions: new Extensions(extensions),
  });
  // RFC 5280 §4.1.2.3: the algorithm is repeated inside the signed bytes and MUST match the outer one.
  const scheme = certificateSchemeFor(p.signer);
  const algorithm = algorithmIdentifierFor(scheme);
  tbs.signature = algorithm;
  const tbsDer = new Uint8Array(asnGuard('ERR_PKI_BAD_NAME', 'cannot encode the certificate', () => AsnConvert.serialize(tbs)));
  const signature = p.signer.sign(scheme, tbsDer);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature.slice().buffer });
  const certDer = new Uint8Array(AsnConvert.serialize(cert));
  return { certDer, certPem: encodePem('CERTIFICATE', certDer) };
}

function defaultSubject(opts: SubjectOptions): Name {
  if (opts.subject !== undefined) return toName(opts.subject);
  const cn = opts.dns?.[0] ?? opts.ips?.[0];
  return toName(opts.isCA ? { O: 'ts-tls', CN: 'ts-tls development CA' } : cn ? { CN: cn } : {});
}

/**
 * A self-signed certificate and its key. With no options: ECDSA P-256, CN=localhost, SANs
 * localhost, 127.0.0.1 and ::1, 365 days (what mkcert makes for local development).
 */
export function createSelfSigned(opts: SubjectOptions & { provider: CryptoProvider; key?: KeyInput }): BuiltKeyAndCertificate {
  const useDefaults = !opts.dns && !opts.ips && !opts.subject && !opts.isCA;
  const o: SubjectOptions = useDefaults ? { ...opts, dns: ['localhost'], ips: ['127.0.0.1', '::1'] } : opts;
  const { key, keyPem } = resolveKey(opts.provider, opts.key);
  const spki = parseSpki(key.publicKeySpki);
  const name = defaultSubject(o);
  const built = buildCertificate({
    ...o,
    provider: opts.provider,
    subjectName: name,
    subjectSpki: spki,
    issuerName: name,
    issuerKeyId: keyIdentifier(opts.provider, spki),
    signer: key,
    subjectKeyType: key.keyType,
  });
  return { ...built, key, keyPem };
}

/** The issuer's name and key identifier, read from its certificate; checks the CA key matches it. */
export function issuerFrom(provider: CryptoProvider, issuer: IssuerInput): { name: Name; keyId: Uint8Array } {
  const caCert = parseCertificate(derFrom(issuer.cert, ['CERTIFICATE', 'TRUSTED CERTIFICATE'], 'ERR_PKI_BAD_CA'));
  // Public data: no constant-time compare needed.
  const caSpkiDer = new Uint8Array(asnGuard('ERR_PKI_BAD_CA', 'bad subjectPublicKeyInfo in the CA certificate', () => AsnConvert.serialize(caCert.tbsCertificate.subjectPublicKeyInfo)));
  if (!bytesEqual(caSpkiDer, issuer.key.publicKeySpki)) {
    throw new PkiBuildError('ERR_PKI_BAD_CA', 'the CA private key does not match the CA certificate');
  }
  const exts = caCert.tbsCertificate.extensions ?? [];
  const bc = exts.find((e) => e.extnID === id_ce_basicConstraints);
  const isCA = bc !== undefined && asnGuard('ERR_PKI_BAD_CA', 'bad basicConstraints in the CA certificate', () => AsnConvert.parse(bc.extnValue, BasicConstraints).cA);
  // RFC 5280 §4.2.1.9: only a certificate with cA TRUE may sign certificates.
  if (!isCA) throw new PkiBuildError('ERR_PKI_BAD_CA', 'the issuer certificate is not a CA (basicConstraints cA is not TRUE)');
  // RFC 5280 §4.2.1.1: the AKI of an issued certificate equals the issuer's SKI when it has one.
  const skiExt = exts.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  const keyId = skiExt
    ? asnGuard('ERR_PKI_BAD_CA', 'bad subjectKeyIdentifier in the CA certificate', () => new Uint8Array(AsnConvert.parse(skiExt.extnValue, SubjectKeyIdentifier).buffer))
    : keyIdentifier(provider, caCert.tbsCertificate.subjectPublicKeyInfo);
  return { name: caCert.tbsCertificate.subject, keyId };
}

/**
 * A certificate for a new or given key, signed by `issuer` (a CA key and its certificate).
 * Default subject: CN = the first DNS name or address.
 */
export function issueCertificate(opts: SubjectOptions & { provider: CryptoProvider; issuer: IssuerInput; key?: KeyInput }): BuiltKeyAndCertificate {
  const { key, keyPem } = resolveKey(opts.provider, opts.key);
  const issuer = issuerFrom(opts.provider, opts.issuer);
  const built = buildCertificate({
    ...opts,
    provider: opts.provider,
    subjectName: defaultSubject(opts),
    subjectSpki: parseSpki(key.publicKeySpki),
    issuerName: issuer.name,
    issuerKeyId: issuer.keyId,
    signer: opts.issuer.key,
    subjectKeyType: key.keyType,
  });
  return { ...built, key, keyPem };
}
