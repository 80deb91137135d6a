/**
 * `ts-tls x509 FILE...`: what a certificate says, read by the library's own parser (pki/x509.ts,
 * the one the handshake uses), in the spirit of `openssl x509 -noout -text` but short: names,
 * validity, key, signature algorithm, the extensions TLS cares about, fingerprints.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { type Command, CliError, EXIT_FAILURE, EXIT_OK, flag, UsageError, type Io, type ParsedArgs } from './command.js';
import { colonHex, readInput } from './io.js';
import { parseCertificate, serialHex, type ParsedCertificate } from '../pki/x509.js';
import { decodePem } from '../pki/pem.js';

const KEY_USAGE_BITS: [number, string][] = [
  [1, 'digitalSignature'], [2, 'nonRepudiation'], [4, 'keyEncipherment'], [8, 'dataEncipherment'],
  [16, 'keyAgreement'], [32, 'keyCertSign'], [64, 'cRLSign'], [128, 'encipherOnly'], [256, 'decipherOnly'],
];
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth', '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection', '1.3.6.1.5.5.7.3.8': 'timeStamping', '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};
const SIG_NAMES: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256', '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384', '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption', '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption', '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassa-pss', '1.3.101.112': 'ED25519', '1.3.101.113': 'ED448',
};

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  expired: boolean;
  key: string;
  signatureAlgorithm: string;
  selfIssued: boolean;
  ca?: boolean;
  pathLength?: number;
  keyUsage?: string[];
  extKeyUsage?: string[];
  subjectAltName?: string;
  subjectKeyId?: string;
  authorityKeyId?: string;
  sha256: string;
  sha1: string;
}

export function summarize(c: ParsedCertificate, nowMs = Date.now()): CertificateSummary {
  const x = new X509Certificate(c.der);
  const k = c.publicKey;
  const e = c.ext;
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    serial: serialHex(c),
    notBefore: new Date(c.notBefore).toISOString(),
    notAfter: new Date(c.notAfter).toISOString(),
    expired: nowMs > c.notAfter,
    key: k.type === 'ec' ? `EC ${k.nistCurve ?? k.curveName ?? k.curveOid} (${k.bits} bits)` : `${k.type.toUpperCase()} ${k.bits} bits`,
    signatureAlgorithm: SIG_NAMES[c.sigAlg.oid] ?? c.sigAlg.oid,
    selfIssued: c.selfIssued,
    ...(e.basicConstraints ? { ca: e.basicConstraints.ca, ...(e.basicConstraints.pathLen !== undefined ? { pathLength: e.basicConstraints.pathLen } : {}) } : {}),
    ...(e.keyUsage !== undefined ? { keyUsage: KEY_USAGE_BITS.filter(([bit]) => (e.keyUsage! & bit) !== 0).map(([, n]) => n) } : {}),
    ...(e.extKeyUsage ? { extKeyUsage: e.extKeyUsage.map((o) => EKU_NAMES[o] ?? o) } : {}),
    ...(x.subjectAltName ? { subjectAltName: x.subjectAltName } : {}),
    ...(e.subjectKeyId ? { subjectKeyId: colonHex(e.subjectKeyId) } : {}),
    ...(e.authorityKeyId ? { authorityKeyId: colonHex(e.authorityKeyId) } : {}),
    sha256: colonHex(createHash('sha256').update(c.der).digest()),
    sha1: colonHex(createHash('sha1').update(c.der).digest()),
  };
}

function format(s: CertificateSummary): string {
  const rows: [string, string | undefined][] = [
    ['subject', s.subject || '(empty)'],
    ['issuer', s.issuer + (s.selfIssued ? '  (self-issued)' : '')],
    ['serial', s.serial],
    ['valid', `${s.notBefore} .. ${s.notAfter}${s.expired ? '  EXPIRED' : ''}`],
    ['key', s.key],
    ['signature', s.signatureAlgorithm],
    ['CA', s.ca === undefined ? undefined : `${s.ca}${s.pathLength !== undefined ? `, path length ${s.pathLength}` : ''}`],
    ['key usage', s.keyUsage?.join(', ')],
    ['ext key usage', s.extKeyUsage?.join(', ')],
    ['names', s.subjectAltName],
    ['subject key id', s.subjectKeyId],
    ['authority key id', s.authorityKeyId],
    ['SHA-256', s.sha256],
    ['SHA-1', s.sha1],
  ];
  return rows.filter(([, v]) => v !== undefined).map(([k, v]) => `  ${(k + ':').padEnd(18)}${v}`).join('\n') + '\n';
}

/** Every certificate in a PEM file (all CERTIFICATE blocks) or a DER file. */
function certificatesOf(path: string): Uint8Array[] {
  const data = readInput(path, 'certificate file');
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    try {
      return decodePem(text).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
    } catch (err) {
      throw new CliError(`${path}: ${(err as Error).message}`);
    }
  }
  return [new Uint8Array(data)];
}

export const x509Command: Command = {
  name: 'x509',
  summary: 'Show what certificates say (names, validity, key, extensions, fingerprints).',
  usage: 'x509 FILE... [--json]',
  maxPositionals: 64,
  options: {
    json: { type: 'boolean', help: 'print one JSON object per certificate' },
  },
  details: `
FILE is PEM (every CERTIFICATE block is shown, so a chain file shows the chain) or DER.
Exit status 1 when a certificate cannot be parsed.

Examples:
  ts-tls x509 cert.pem
  ts-tls x509 chain.pem --json`,
  run(args: ParsedArgs, io: Io): number {
    if (args.positionals.length === 0) throw new UsageError('give at least one certificate file');
    let ok = true;
    for (const file of args.positionals) {
      const ders = certificatesOf(file);
      if (ders.length === 0) throw new CliError(`${file} holds no certificate`);
      ders.forEach((der, i) => {
        let s: CertificateSummary;
        try {
          s = summarize(parseCertificate(der));
        } catch (err) {
          ok = false;
          io.err(`${file} [${i}]: cannot parse: ${(err as Error).message}\n`);
          return;
        }
        if (flag(args, 'json')) io.out(JSON.stringify({ file, index: i, ...s }) + '\n');
        else io.out(`${file}${ders.length > 1 ? ` [${i}]` : ''}:\n${format(s)}`);
      });
    }
    return ok ? EXIT_OK : EXIT_FAILURE;
  },
};
