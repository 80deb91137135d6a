/**
 * Certificate revocation lists (RFC 5280 §5): parsed with @peculiar/asn1-x509's CertificateList,
 * the signed bytes cut from the original DER, then checked against the issuer of the certificate
 * being validated (names, key ids, cRLSign, signature, thisUpdate/nextUpdate) before the serial is
 * looked up. Like Node (which sets X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL when any CRL
 * is configured), every certificate of the path then needs a CRL from its issuer.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, CertificateList } from '@peculiar/asn1-x509';
import type { CryptoProvider } from '../crypto/provider.js';
import { bytesEqual } from '../util/bytes.js';
import type { RevocationChecker } from './chain.js';
import { childrenOf, readTop, tlvBytes, toArrayBuffer } from './der.js';
import { PkiError } from './errors.js';
import { resolveSigAlg } from './sigalg.js';
import { failure, type VerifyFailure } from './verify-codes.js';
import { decodeName, OID, serialBytesHex, serialHex, type DistinguishedName, type ParsedCertificate } from './x509.js';

/** CRL extensions we understand; any other critical one makes the CRL unusable (RFC 5280 §5.2). */
const CRL_EXTENSIONS = new Set([OID.authorityKeyId, '2.5.29.20' /* cRLNumber */, '2.5.29.28' /* issuingDistributionPoint */, '2.5.29.27' /* deltaCRLIndicator */]);
/** Entry extensions we understand (reasonCode, invalidityDate, certificateIssuer is not supported). */
const ENTRY_EXTENSIONS = new Set(['2.5.29.21', '2.5.29.24']);
/** CRL entry reason removeFromCRL (RFC 5280 §5.3.1): listed, but not revoked. */
const REASON_REMOVE_FROM_CRL = 8;
const KU_CRL_SIGN = 64;

export interface ParsedCrl {
  der: Uint8Array;
  tbs: Uint8Array;
  sigAlg: { oid: string; params?: Uint8Array };
  signature: Uint8Array;
  issuer: DistinguishedName;
  thisUpdate: number;
  nextUpdate?: number;
  authorityKeyId?: Uint8Array;
  /** Upper-case hex serials (no leading zero bytes) → revocation time. */
  revoked: Map<string, number>;
  unknownCritical: string[];
}

/** Parses one DER CRL. @throws PkiError('ERR_BAD_CRL') */
export function parseCrl(der: Uint8Array): ParsedCrl {
  try {
    der = new Uint8Array(der); // a copy, also when the caller passed a Buffer (whose slice() is a view)
    const top = readTop(der);
    const [tbsTlv] = childrenOf(der, top);
    const tbsParts = childrenOf(der, tbsTlv!);
    const off = tbsParts[0]?.tag === 0x02 ? 1 : 0; // optional version INTEGER
    const issuerTlv = tbsParts[off + 1]!;
    const cl = AsnConvert.parse(toArrayBuffer(der), CertificateList);
    const t = cl.tbsCertList;
    const unknownCritical: string[] = [];
    let authorityKeyId: Uint8Array | undefined;
    for (const e of t.crlExtensions ?? []) {
      if (e.extnID === OID.authorityKeyId) {
        const k = AsnConvert.parse(e.extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier;
        if (k) authorityKeyId = new Uint8Array(k.buffer);
      } else if (e.critical && !CRL_EXTENSIONS.has(e.extnID)) unknownCritical.push(e.extnID);
    }
    const revoked = new Map<string, number>();
    for (const r of t.revokedCertificates ?? []) {
      let removed = false;
      for (const e of r.crlEntryExtensions ?? []) {
        if (e.extnID === '2.5.29.21') {
          const v = new Uint8Array(e.extnValue.buffer);
          if (v.length === 3 && v[0] === 0x0a && v[2] === REASON_REMOVE_FROM_CRL) removed = true;
        } else if (e.critical && !ENTRY_EXTENSIONS.has(e.extnID)) unknownCritical.push(e.extnID);
      }
      if (!removed) revoked.set(serialBytesHex(new Uint8Array(r.userCertificate)), r.revocationDate.getTime().getTime());
    }
    const params = cl.signatureAlgorithm.parameters;
    const out: ParsedCrl = {
      der,
      tbs: tlvBytes(der, tbsTlv!),
      sigAlg: params ? { oid: cl.signatureAlgorithm.algorithm, params: new Uint8Array(params) } : { oid: cl.signatureAlgorithm.algorithm },
      signature: new Uint8Array(cl.signature),
      issuer: decodeName(der.slice(issuerTlv.start, issuerTlv.end)),
      thisUpdate: t.thisUpdate.getTime().getTime(),
      revoked,
      unknownCritical,
    };
    if (t.nextUpdate) out.nextUpdate = t.nextUpdate.getTime().getTime();
    if (authorityKeyId) out.authorityKeyId = authorityKeyId;
    return out;
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError('ERR_BAD_CRL', `cannot parse CRL: ${(e as Error).message}`);
  }
}

/** The configured CRLs, as the chain validator's revocation checker. */
export class CrlStore implements RevocationChecker {
  private readonly crls: ParsedCrl[];
  private readonly sigOk = new WeakMap<ParsedCrl, WeakMap<ParsedCertificate, boolean>>();

  /**
   * @param checkAll  every path certificate needs a CRL (Node's behaviour, the default); false checks
   *                  the leaf only (`openssl verify -crl_check`).
   */
  constructor(
    ders: readonly Uint8Array[],
    private readonly provider: CryptoProvider,
    private readonly checkAll = true,
  ) {
    this.crls = ders.map(parseCrl);
  }

  get size(): number {
    return this.crls.length;
  }

  check(cert: ParsedCertificate, issuer: ParsedCertificate, nowMs: number, depth: number): VerifyFailure | null {
    if (depth > 0 && !this.checkAll) return null;
    const cands = this.crls.filter(
      (c) => c.issuer.key === cert.issuer.key && !(c.authorityKeyId && issuer.ext.subjectKeyId && !bytesEqual(c.authorityKeyId, issuer.ext.subjectKeyId)),
    );
    if (cands.length === 0) return failure('UNABLE_TO_GET_CRL', depth);
    // Prefer the newest CRL that is current.
    cands.sort((a, b) => b.thisUpdate - a.thisUpdate);
    const crl = cands.find((c) => c.thisUpdate <= nowMs && (c.nextUpdate === undefined || nowMs <= c.nextUpdate)) ?? cands[0]!;
    // RFC 5280 §6.3.3 (f): the CRL issuer's key must be allowed to sign CRLs.
    if (issuer.ext.keyUsage !== undefined && (issuer.ext.keyUsage & KU_CRL_SIGN) === 0) return failure('KEYUSAGE_NO_CRL_SIGN', depth);
    if (crl.unknownCritical.length > 0) return failure('UNHANDLED_CRITICAL_CRL_EXTENSION', depth, crl.unknownCritical.join(', '));
    if (!this.signatureValid(crl, issuer)) return failure('CRL_SIGNATURE_FAILURE', depth);
    if (crl.thisUpdate > nowMs) return failure('CRL_NOT_YET_VALID', depth);
    if (crl.nextUpdate !== undefined && crl.nextUpdate < nowMs) return failure('CRL_HAS_EXPIRED', depth);
    const when = crl.revoked.get(serialHex(cert));
    if (when !== undefined) return failure('CERT_REVOKED', depth, `serial ${serialHex(cert)} revoked at ${new Date(when).toISOString()}`);
    return null;
  }

  private signatureValid(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
    const hit = this.sigOk.get(crl)?.get(issuer);
    if (hit !== undefined) return hit;
    const alg = resolveSigAlg(crl.sigAlg, issuer.publicKey);
    const ok = !!alg && this.provider.verifySignature(alg.scheme, issuer.spki, crl.tbs, crl.signature);
    let m = this.sigOk.get(crl);
    if (!m) this.sigOk.set(crl, (m = new WeakMap()));
    m.set(issuer, ok);
    return ok;
  }
}
