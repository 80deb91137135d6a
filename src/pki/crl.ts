/**
 * Certificate revocation lists (RFC 5280 §5): decoded directly from the DER (der.ts), the signed
 * bytes cut from the original buffer, then checked against the issuer of the certificate
 * being validated (names, key ids, cRLSign, signature, thisUpdate/nextUpdate) before the serial is
 * looked up. Like Node (which sets X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL when any CRL
 * is configured), every certificate of the path then needs a CRL from its issuer.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { bytesEqual } from '../util/bytes.js';
import type { RevocationChecker } from './chain.js';
import { childrenOf, DerError, readIntegerNumber, readSigned, tlvBytes, type Tlv } from './der.js';
import { PkiError } from './errors.js';
import { resolveSigAlg } from './sigalg.js';
import { failure, type VerifyFailure } from './verify-codes.js';
import { bitStringBytes, decodeAlgId, decodeTime } from './x509-fields.js';
import { decodeAuthorityKeyId, decodeExtension, decodeName, OID, serialBytesHex, serialHex, type DistinguishedName, type ParsedCertificate } from './x509.js';

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
    // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING } (§5.1)
    const [tbsTlv, algTlv, sigTlv] = readSigned(der, 'CertificateList', 'TBSCertList');
    // TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name,
    //   thisUpdate Time, nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF ... OPTIONAL,
    //   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
    const f = childrenOf(der, tbsTlv);
    let i = 0;
    if (f[0]?.tag === 0x02) {
      // §5.1.2.1: v2 (1) when present.
      if (readIntegerNumber(der, f[0]) !== 1) throw new DerError('unsupported CRL version');
      i = 1;
    }
    const next = (): Tlv => {
      const t = f[i++];
      if (!t) throw new DerError('TBSCertList ends early');
      return t;
    };
    decodeAlgId(der, next()); // the inner signature field; the outer one is what gets verified
    const issuerTlv = next();
    if (issuerTlv.tag !== 0x30) throw new DerError('bad CRL issuer');
    const thisUpdate = decodeTime(der, next());
    const nextUpdate = f[i] && (f[i]!.tag === 0x17 || f[i]!.tag === 0x18) ? decodeTime(der, next()) : undefined;
    // The CRL's own unknown critical extensions are listed before its entries' ones.
    const entryUnknownCritical: string[] = [];
    const revoked = new Map<string, number>();
    if (f[i]?.tag === 0x30) {
      // revokedCertificates: SEQUENCE OF SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }
      for (const r of childrenOf(der, next())) {
        const [serT, dateT, extsT, extra] = childrenOf(der, r);
        if (r.tag !== 0x30 || !serT || serT.tag !== 0x02 || serT.end === serT.contentStart || !dateT || extra) throw new DerError('bad revoked certificate entry');
        const when = decodeTime(der, dateT);
        let removed = false;
        if (extsT) {
          if (extsT.tag !== 0x30) throw new DerError('bad crlEntryExtensions');
          for (const e of childrenOf(der, extsT).map((t) => decodeExtension(der, t))) {
            if (e.oid === '2.5.29.21') {
              const v = e.value;
              if (v.length === 3 && v[0] === 0x0a && v[2] === REASON_REMOVE_FROM_CRL) removed = true;
            } else if (e.critical && !ENTRY_EXTENSIONS.has(e.oid)) entryUnknownCritical.push(e.oid);
          }
        }
        if (!removed) revoked.set(serialBytesHex(der.subarray(serT.contentStart, serT.end)), when);
      }
    }
    let authorityKeyId: Uint8Array | undefined;
    const unknownCritical: string[] = [];
    if (f[i]?.tag === 0xa0) {
      const [extsT, extra] = childrenOf(der, next());
      if (!extsT || extsT.tag !== 0x30 || extra) throw new DerError('bad crlExtensions');
      for (const e of childrenOf(der, extsT).map((t) => decodeExtension(der, t))) {
        if (e.oid === OID.authorityKeyId) authorityKeyId = decodeAuthorityKeyId(e.value);
        else if (e.critical && !CRL_EXTENSIONS.has(e.oid)) unknownCritical.push(e.oid);
      }
    }
    if (i !== f.length) throw new DerError('unexpected field in TBSCertList');
    unknownCritical.push(...entryUnknownCritical);
    const out: ParsedCrl = {
      der,
      tbs: tlvBytes(der, tbsTlv),
      sigAlg: decodeAlgId(der, algTlv),
      signature: bitStringBytes(der, sigTlv),
      issuer: decodeName(der.slice(issuerTlv.start, issuerTlv.end)),
      thisUpdate,
      revoked,
      unknownCritical,
    };
    if (nextUpdate !== undefined) out.nextUpdate = nextUpdate;
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
