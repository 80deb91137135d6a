/**
 * A small CertificateVerifier for engine tests, over node:crypto's X509Certificate (the real one is
 * pki/). It builds a path from the leaf through the sent chain to one of `anchors`, checking
 * issuance, signatures and validity, and answers with OpenSSL-style codes and alerts.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateVerifier, ChainVerdict } from '../../src/handshake/common/verifier.js';
import { TlsError } from '../../src/util/errors.js';
import { AlertDescription } from '../../src/wire/registry.js';

const MAX_DEPTH = 8;

export class TestVerifier implements CertificateVerifier {
  private readonly anchors: X509Certificate[];
  /** Every verifyChain call, for assertions. */
  readonly calls: { chain: readonly Uint8Array[]; purpose: string; hostname?: string }[] = [];

  constructor(anchors: readonly Uint8Array[]) {
    this.anchors = anchors.map((d) => new X509Certificate(d));
  }

  publicKeyOf(certDer: Uint8Array): Uint8Array {
    try {
      return new Uint8Array(new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' }));
    } catch (e) {
      throw new TlsError(AlertDescription.bad_certificate, 'UnparsableCertificate', `cannot parse certificate: ${(e as Error).message}`);
    }
  }

  verifyChain(chain: readonly Uint8Array[], purpose: 'server' | 'client', nowMs: number, hostname?: string): ChainVerdict {
    this.calls.push({ chain, purpose, hostname });
    let certs: X509Certificate[];
    try {
      certs = chain.map((d) => new X509Certificate(d));
    } catch {
      return { ok: false, code: 'CERT_REJECTED', message: 'unparsable certificate', alert: AlertDescription.bad_certificate };
    }
    let cur = certs[0]!;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (nowMs > Date.parse(cur.validTo)) return { ok: false, code: 'CERT_HAS_EXPIRED', message: 'certificate has expired', alert: AlertDescription.certificate_expired };
      if (nowMs < Date.parse(cur.validFrom)) return { ok: false, code: 'CERT_NOT_YET_VALID', message: 'certificate is not yet valid', alert: AlertDescription.bad_certificate };
      const anchor = this.anchors.find((a) => a.raw.equals(cur.raw) || (cur.checkIssued(a) && cur.verify(a.publicKey)));
      if (anchor) return { ok: true };
      const issuer = certs.find((c) => c !== cur && cur.checkIssued(c) && cur.verify(c.publicKey));
      if (!issuer) {
        // Self-signed: names match and the key verifies itself (checkIssued also demands keyCertSign).
        if (cur.subject === cur.issuer && cur.verify(cur.publicKey)) {
          return depth === 0
            ? { ok: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate', alert: AlertDescription.bad_certificate }
            : { ok: false, code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in chain', alert: AlertDescription.unknown_ca };
        }
        return { ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', message: 'unable to get local issuer certificate', alert: AlertDescription.unknown_ca };
      }
      cur = issuer;
    }
    return { ok: false, code: 'CERT_CHAIN_TOO_LONG', message: 'chain too long', alert: AlertDescription.bad_certificate };
  }
}
