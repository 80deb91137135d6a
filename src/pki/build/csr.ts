/**
 * PKCS#10 certification requests (RFC 2986): making one with a SAN extension request, reading one
 * (its self-signature is checked before anything in it is believed), and signing it with a CA.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Attribute, Extension, Extensions, GeneralName, id_ce_subjectAltName, Name, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import type { CryptoProvider } from '../../crypto/provider.js';
import { encodePem } from '../pem.js';
import { parseSpki, schemeForAlgorithm, signWith } from './algorithms.js';
import {
  BuiltCertificate,
  buildCertificate,
  derFrom,
  IssuerInput,
  issuerFrom,
  KeyInput,
  resolveKey,
  SubjectOptions,
} from './certificate.js';
import { asnGuard, PkiBuildError } from './errors.js';
import { formatDn, sanGeneralNames, toName } from './names.js';

/** PKCS#9 extensionRequest attribute (RFC 2985 §5.4.2): the extensions the requester asks for. */
const ID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** A CSR is a few KiB; anything far bigger is not one. */
export const MAX_CSR_BYTES = 64 * 1024;

/** The names a request asks for are a certificate's (SubjectOptions documents them). */
export interface CsrOptions extends Pick<SubjectOptions, 'subject' | 'dns' | 'ips' | 'emails' | 'uris'> {
  provider: CryptoProvider;
  key?: KeyInput;
}

export interface BuiltCsr {
  csrDer: Uint8Array;
  csrPem: string;
  keyPem: string;
}

/** A CSR signed by its key; the SANs travel in an extensionRequest attribute. */
export function createCsr(opts: CsrOptions): BuiltCsr {
  const { key, keyPem } = resolveKey(opts.provider, opts.key);
  const sans = sanGeneralNames(opts.dns, opts.ips, opts.emails, opts.uris);
  const cn = opts.dns?.[0] ?? opts.ips?.[0];
  const subject = toName(opts.subject ?? (cn ? { CN: cn } : {}));
  if (subject.length === 0 && sans.length === 0) {
    throw new PkiBuildError('ERR_PKI_BAD_NAME', 'a CSR needs a subject name or at least one subject alternative name');
  }
  const attributes = new Attributes();
  if (sans.length > 0) {
    const san = new Extension({
      extnID: id_ce_subjectAltName,
      critical: subject.length === 0,
      extnValue: new OctetString(AsnConvert.serialize(new SubjectAlternativeName(sans))),
    });
    attributes.push(new Attribute({ type: ID_EXTENSION_REQUEST, values: [AsnConvert.serialize(new Extensions([san]))] }));
  }
  const info = new CertificationRequestInfo({ version: 0, subject, subjectPKInfo: parseSpki(key.publicKeySpki), attributes });
  const infoDer = new Uint8Array(asnGuard('ERR_PKI_BAD_NAME', 'cannot encode the CSR', () => AsnConvert.serialize(info)));
  const { algorithm, signature } = signWith(key, infoDer);
  const csr = new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm: algorithm, signature: signature.slice().buffer });
  const csrDer = new Uint8Array(AsnConvert.serialize(csr));
  return { csrDer, csrPem: encodePem('CERTIFICATE REQUEST', csrDer), keyPem };
}

/** What a verified CSR asks for. */
export interface ParsedCsr {
  subject: Name;
  /** OpenSSL one-line form of the subject. */
  subjectText: string;
  spkiDer: Uint8Array;
  keyType: string;
  dns: string[];
  ips: string[];
  emails: string[];
  uris: string[];
}

const KEY_TYPES: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.2.1': 'ec',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

function requestedSans(info: CertificationRequestInfo): Pick<ParsedCsr, 'dns' | 'ips' | 'emails' | 'uris'> {
  const out = { dns: [] as string[], ips: [] as string[], emails: [] as string[], uris: [] as string[] };
  for (const attr of info.attributes.filter((a) => a.type === ID_EXTENSION_REQUEST)) {
    for (const value of attr.values) {
      for (const e of AsnConvert.parse(value, Extensions).filter((x) => x.extnID === id_ce_subjectAltName)) {
        for (const gn of AsnConvert.parse(e.extnValue, SubjectAlternativeName) as GeneralName[]) {
          if (gn.dNSName !== undefined) out.dns.push(gn.dNSName);
          else if (gn.iPAddress !== undefined) out.ips.push(gn.iPAddress);
          else if (gn.rfc822Name !== undefined) out.emails.push(gn.rfc822Name);
          else if (gn.uniformResourceIdentifier !== undefined) out.uris.push(gn.uniformResourceIdentifier);
        }
      }
    }
  }
  return out;
}

/**
 * Reads a CSR (PEM or DER) and checks its signature with the key it contains (RFC 2986 §3: the
 * signature proves possession of the private key). Throws PkiBuildError ERR_PKI_BAD_CSR for a
 * malformed request, ERR_PKI_CSR_SIGNATURE when the signature does not verify.
 */
export function parseCsr(provider: CryptoProvider, input: string | Uint8Array): ParsedCsr {
  const der = derFrom(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'ERR_PKI_BAD_CSR');
  if (der.length > MAX_CSR_BYTES) throw new PkiBuildError('ERR_PKI_BAD_CSR', `CSR of ${der.length} bytes exceeds ${MAX_CSR_BYTES}`);
  const csr = asnGuard('ERR_PKI_BAD_CSR', 'not a PKCS#10 request', () => AsnConvert.parse(der, CertificationRequest));
  const info = csr.certificationRequestInfo;
  if (info.version !== 0) throw new PkiBuildError('ERR_PKI_BAD_CSR', `CSR version ${info.version} is not 0 (v1)`);
  const raw = csr.certificationRequestInfoRaw;
  if (!raw) throw new PkiBuildError('ERR_PKI_BAD_CSR', 'CSR info bytes unavailable');
  const scheme = schemeForAlgorithm(csr.signatureAlgorithm);
  if (scheme === undefined) {
    throw new PkiBuildError('ERR_PKI_UNSUPPORTED_ALGORITHM', `CSR signature algorithm ${csr.signatureAlgorithm.algorithm} is not supported`);
  }
  // Re-encoding can throw on a value that parsed (e.g. a mangled OID): still a bad CSR.
  const spkiDer = new Uint8Array(asnGuard('ERR_PKI_BAD_CSR', 'bad subjectPublicKeyInfo', () => AsnConvert.serialize(info.subjectPKInfo)));
  if (!provider.verifySignature(scheme, spkiDer, new Uint8Array(raw), new Uint8Array(csr.signature))) {
    throw new PkiBuildError('ERR_PKI_CSR_SIGNATURE', 'the CSR signature does not verify with its public key');
  }
  const sans = asnGuard('ERR_PKI_BAD_CSR', 'bad extensionRequest', () => requestedSans(info));
  return {
    subject: info.subject,
    subjectText: formatDn(info.subject),
    spkiDer,
    keyType: KEY_TYPES[info.subjectPKInfo.algorithm.algorithm] ?? info.subjectPKInfo.algorithm.algorithm,
    ...sans,
  };
}

/**
 * Issues a certificate for a CSR after verifying it. The subject and SANs come from the CSR unless
 * `opts` overrides them (the CA decides; RFC 2986 leaves that to it).
 */
export function signCsr(opts: SubjectOptions & { provider: CryptoProvider; csr: string | Uint8Array; issuer: IssuerInput }): BuiltCertificate & { request: ParsedCsr } {
  const request = parseCsr(opts.provider, opts.csr);
  const issuer = issuerFrom(opts.provider, opts.issuer);
  const overrideNames = opts.dns !== undefined || opts.ips !== undefined;
  const built = buildCertificate({
    ...opts,
    dns: overrideNames ? opts.dns : request.dns,
    ips: overrideNames ? opts.ips : request.ips,
    emails: opts.emails ?? request.emails,
    uris: opts.uris ?? request.uris,
    provider: opts.provider,
    subjectName: opts.subject !== undefined ? toName(opts.subject) : request.subject,
    subjectSpki: parseSpki(request.spkiDer),
    issuerName: issuer.name,
    issuerKeyId: issuer.keyId,
    signer: opts.issuer.key,
    subjectKeyType: request.keyType,
  });
  return { ...built, request };
}
