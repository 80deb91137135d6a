/**
 * `ts-tls verify CERT...`: checks certificate chains with the library's own verifier (pki/verifier.ts,
 * the one every handshake uses) and names failures with OpenSSL's verify codes, so its answers can
 * be compared line by line with `openssl verify`. `--host` adds Node's checkServerIdentity rules.
 */
import { X509Certificate } from 'node:crypto';
import { type Command, CliError, EXIT_FAILURE, EXIT_OK, flag, list, oneOf, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { describeCertificate, provider, readText } from './io.js';
import { createCertificateVerifier } from '../pki/verifier.js';
import '../node/pki-loaders.js'; // the bundled roots, used when no --ca is given, load on first use
import { checkHostIdentity } from '../pki/hostname.js';
import { decodePem } from '../pki/pem.js';

function pemBlocks(path: string, labels: readonly string[], what: string): Uint8Array[] {
  let blocks;
  try {
    blocks = decodePem(readText(path, what));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path}: ${(err as Error).message}`);
  }
  const ders = blocks.filter((b) => labels.includes(b.label)).map((b) => b.der);
  if (ders.length === 0) throw new CliError(`${path} holds no ${labels[0]} PEM block`);
  return ders;
}

export interface VerifyResult {
  file: string;
  ok: boolean;
  code?: string;
  depth?: number;
  message?: string;
  path?: string[];
}

/** Node's checkServerIdentity input from a DER certificate: subject CN and the subjectaltname string. */
function identityOf(der: Uint8Array): { subject: { CN?: string[] }; subjectaltname?: string } {
  const x = new X509Certificate(der);
  const cns = x.subject.split('\n').filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
  return { subject: cns.length ? { CN: cns } : {}, ...(x.subjectAltName ? { subjectaltname: x.subjectAltName } : {}) };
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Verify certificate chains with the ts-tls verifier (OpenSSL verify codes).',
  usage: 'verify [--ca FILE] [--untrusted FILE] [--crl FILE] [--purpose server|client] [--host NAME] CERT...',
  maxPositionals: 64,
  options: {
    ca: { type: 'string', multiple: true, arg: 'FILE', help: 'trusted CA certificates (PEM); default: the built-in root store' },
    untrusted: { type: 'string', multiple: true, arg: 'FILE', help: 'intermediate certificates to build the path with' },
    crl: { type: 'string', multiple: true, arg: 'FILE', help: 'CRLs (PEM); then every certificate of the path must be covered' },
    purpose: { type: 'string', arg: 'P', help: 'server (default) or client: which extKeyUsage is required' },
    host: { type: 'string', arg: 'NAME', help: 'also check the leaf names this host (Node checkServerIdentity rules)' },
    'partial-chain': { type: 'boolean', help: 'accept a path ending at any --ca certificate, not only a root' },
    at: { type: 'string', arg: 'TIME', help: 'verify as of this time (ISO 8601), not now' },
    json: { type: 'boolean', help: 'print one JSON object per file' },
  },
  details: `
Each CERT file holds a leaf, optionally followed by its chain (as a server sends it).
Exit status 0 when every file verifies, 1 otherwise. The codes are the ones a ts-tls (and node:tls)
connection reports; they match \`openssl verify\` except that a lone leaf whose issuer is unknown is
UNABLE_TO_VERIFY_LEAF_SIGNATURE in TLS and UNABLE_TO_GET_ISSUER_CERT_LOCALLY in \`openssl verify\`.

Examples:
  ts-tls verify --ca ca.pem site.pem
  ts-tls verify --ca root.pem --untrusted intermediate.pem --host www.example.test leaf.pem
  ts-tls verify --ca ca.pem --purpose client --json client.pem

Compare with:  openssl verify -CAfile ca.pem -untrusted intermediate.pem leaf.pem`,
  run(args: ParsedArgs, io: Io): number {
    if (args.positionals.length === 0) throw new UsageError('give at least one certificate file');
    const purpose = oneOf(args, 'purpose', ['server', 'client'] as const, 'server');
    const atText = str(args, 'at');
    const nowMs = atText ? Date.parse(atText) : Date.now();
    if (Number.isNaN(nowMs)) throw new UsageError(`--at "${atText}" is not a date`);
    const caFiles = list(args, 'ca');
    const crlFiles = list(args, 'crl');
    let verifier;
    try {
      verifier = createCertificateVerifier({
        provider: provider(),
        ...(caFiles.length ? { ca: caFiles.flatMap((f) => pemBlocks(f, ['CERTIFICATE'], 'CA file')) } : {}),
        ...(crlFiles.length ? { crl: crlFiles.flatMap((f) => pemBlocks(f, ['X509 CRL'], 'CRL file')) } : {}),
        ...(flag(args, 'partial-chain') ? { allowPartialTrustChain: true } : {}),
      });
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError((err as Error).message, (err as Error & { code?: string }).code);
    }
    const untrusted = list(args, 'untrusted').flatMap((f) => pemBlocks(f, ['CERTIFICATE'], 'certificate file'));
    const host = str(args, 'host');
    let allOk = true;
    for (const file of args.positionals) {
      const chain = [...pemBlocks(file, ['CERTIFICATE'], 'certificate file'), ...untrusted];
      const r = verifier.verifyPath(chain, purpose, nowMs);
      let result: VerifyResult = r.ok
        ? { file, ok: true, path: r.path.map((c) => describeCertificate(c.der).subject) }
        : { file, ok: false, code: r.code, depth: r.depth, message: r.message };
      if (result.ok && host !== undefined) {
        const id = checkHostIdentity(host, identityOf(chain[0]!));
        if (!id.valid) result = { file, ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID', depth: 0, message: id.reason };
      }
      allOk &&= result.ok;
      if (flag(args, 'json')) io.out(JSON.stringify(result) + '\n');
      else if (result.ok) io.out(`${file}: OK\n${result.path!.map((s, i) => `  ${i} ${s}\n`).join('')}`);
      else io.out(`${file}: error ${result.code} at ${result.depth} depth: ${result.message}\n`);
    }
    return allOk ? EXIT_OK : EXIT_FAILURE;
  },
};
