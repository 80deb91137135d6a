/**
 * `ts-tls pkcs12`: bundles a key, its certificate and CA certificates into a PKCS#12 file (RFC 7292),
 * the `pfx` option of createSecureContext and what Windows/macOS/Java import; `--in` reads one back
 * to PEM. Both directions use the library's own PKCS#12 code (pki/pkcs12.ts), so the CLI writes
 * exactly what the `pfx` option reads: OpenSSL 3's layout and defaults (PBES2 with
 * PBKDF2-HMAC-SHA256 and AES-256-CBC for key and certificates, an HMAC-SHA256 MAC).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type Command, CliError, EXIT_OK, flag, list, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { checkWritable, describeCertificate, readInput, readText, resolveSecret, writeOutput } from './io.js';
import { buildPfx, DEFAULT_ITERATIONS, parsePfx, type PfxContents } from '../pki/pkcs12.js';
import { decodePem, encodePem } from '../pki/pem.js';
import { nodePkcs12Crypto } from '../crypto/node/pkcs12-crypto.js';
import '../node/pki-loaders.js'; // parsePfx's ASN.1 schemas load on first use

/**
 * Key and chain PEM from a PKCS#12 file, for the server/client `--pfx` option: decoded here with the
 * library's reader, so it works whatever the adapter's `pfx` option supports.
 */
export function pfxKeyAndCert(path: string, passphrase: string | undefined): { key: string; cert: string } {
  const c = readPfx(path, passphrase);
  if (!c.cert) throw new CliError(`${path} holds no certificate for its key`);
  return { key: encodePem('PRIVATE KEY', c.key), cert: [c.cert, ...c.ca].map((d) => encodePem('CERTIFICATE', d)).join('') };
}

function readPfx(path: string, passphrase: string | undefined): PfxContents {
  return withCode(`cannot read ${path}`, () => parsePfx(new Uint8Array(readInput(path, 'PKCS#12 file')), passphrase, nodePkcs12Crypto));
}

function certificatesIn(path: string): Uint8Array[] {
  const blocks = decodePem(readText(path, 'certificate file')).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new CliError(`${path} holds no PEM certificate`);
  return blocks.map((b) => b.der);
}

function withCode<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CliError || err instanceof UsageError) throw err;
    const e = err as Error & { code?: string };
    throw new CliError(`${what}: ${e.message}`, e.code ?? 'ERR_PKCS12');
  }
}

/** Writes key + certificates into a PFX; the first certificate must be the key's. */
function exportPfx(args: ParsedArgs, io: Io, force: boolean, out: string, password: string): number {
  const keyPath = str(args, 'key');
  const certPath = str(args, 'cert');
  if (!keyPath || !certPath) throw new UsageError('--key and --cert are required (or --in to read a file)');
  checkWritable([out], force);
  const certDers = [...certificatesIn(certPath), ...list(args, 'ca').flatMap(certificatesIn)];
  const keyPassphrase = resolveSecret(str(args, 'key-passphrase'));
  const key = withCode('cannot load the private key', () =>
    createPrivateKey({ key: readText(keyPath, 'key'), ...(keyPassphrase !== undefined ? { passphrase: keyPassphrase } : {}) }));
  if (!new X509Certificate(certDers[0]!).checkPrivateKey(key)) throw new CliError('the private key does not belong to the first certificate');
  const name = str(args, 'name');
  const der = withCode('cannot build the PKCS#12 file', () => buildPfx({
    key: new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })),
    cert: certDers[0]!,
    ca: certDers.slice(1),
    passphrase: password,
    crypto: nodePkcs12Crypto,
    ...(name !== undefined ? { friendlyName: name } : {}),
  }));
  writeOutput(io, out, der, { force, secret: true });
  io.out(`wrote ${out}: key + ${certDers.length} certificate${certDers.length === 1 ? '' : 's'} (PBES2 AES-256-CBC, HMAC-SHA256, ${DEFAULT_ITERATIONS} iterations)\n`);
  return EXIT_OK;
}

/** Reads a PFX: lists what is inside, and writes the key / certificates as PEM when asked. */
function importPfx(args: ParsedArgs, io: Io, force: boolean, inPath: string, password: string | undefined): number {
  const keyOut = str(args, 'key-out');
  const certOut = str(args, 'cert-out');
  checkWritable([keyOut, certOut], force);
  const contents = readPfx(inPath, password);
  const certs = [...(contents.cert ? [contents.cert] : []), ...contents.ca];
  const summary = certs.map((c) => describeCertificate(c));
  const keyType = createPrivateKey({ key: Buffer.from(contents.key), format: 'der', type: 'pkcs8' }).asymmetricKeyType;
  if (flag(args, 'json')) {
    io.out(JSON.stringify({ file: inPath, keyType, certificates: summary }) + '\n');
  } else {
    io.out(`${inPath}: a ${keyType} private key and ${certs.length} certificate${certs.length === 1 ? '' : 's'}\n`);
    summary.forEach((c, i) => io.out(`  ${i} s: ${c.subject}\n    i: ${c.issuer}\n    valid: ${c.validFrom} .. ${c.validTo}\n    SHA-256: ${c.fingerprint256}\n`));
  }
  if (keyOut) writeOutput(io, keyOut, encodePem('PRIVATE KEY', contents.key), { force, secret: true });
  if (certOut) writeOutput(io, certOut, certs.map((c) => encodePem('CERTIFICATE', c)).join(''), { force });
  return EXIT_OK;
}

export const pkcs12Command: Command = {
  name: 'pkcs12',
  summary: 'Bundle a key and its certificate chain into a PKCS#12 (.p12/.pfx) file, or read one back.',
  usage: 'pkcs12 --key FILE --cert FILE [--ca FILE] --out FILE --passphrase SECRET  |  pkcs12 --in FILE [--key-out FILE] [--cert-out FILE]',
  options: {
    key: { type: 'string', short: 'k', arg: 'FILE', help: 'private key (PEM) to export' },
    'key-passphrase': { type: 'string', arg: 'SECRET', help: 'passphrase of --key if it is encrypted' },
    cert: { type: 'string', short: 'c', arg: 'FILE', help: 'certificate (PEM; may hold the chain, leaf first)' },
    ca: { type: 'string', multiple: true, arg: 'FILE', help: 'more CA certificates to include' },
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'the .p12 file to write (mode 0600)' },
    name: { type: 'string', arg: 'TEXT', help: 'friendly name shown by key stores' },
    in: { type: 'string', short: 'i', arg: 'FILE', help: 'read this .p12/.pfx file instead' },
    'key-out': { type: 'string', arg: 'FILE', help: 'with --in: write the private key (PKCS#8 PEM, mode 0600)' },
    'cert-out': { type: 'string', arg: 'FILE', help: 'with --in: write the certificates (PEM, leaf first)' },
    passphrase: { type: 'string', short: 'p', arg: 'SECRET', help: 'the file password (pass:, env:, file:); required to export' },
    force: { type: 'boolean', short: 'f', help: 'overwrite existing files' },
    json: { type: 'boolean', help: 'with --in: print the contents as JSON' },
  },
  details: `
Examples:
  ts-tls pkcs12 --key key.pem --cert cert.pem --out server.p12 --passphrase env:P12_PASS
  ts-tls pkcs12 -k site-key.pem -c site.pem --ca ca.pem -o site.pfx -p pass:changeit --name "my site"
  ts-tls pkcs12 --in site.pfx -p pass:changeit --key-out key.pem --cert-out chain.pem

Use it with:  tls.createServer({ pfx: fs.readFileSync('server.p12'), passphrase })
Check it with: openssl pkcs12 -in server.p12 -info -noout -passin env:P12_PASS`,
  run(args: ParsedArgs, io: Io): number {
    const force = flag(args, 'force');
    const password = resolveSecret(str(args, 'passphrase'));
    const inPath = str(args, 'in');
    if (inPath) {
      if (str(args, 'key') || str(args, 'cert') || str(args, 'out')) throw new UsageError('--in reads a file; --key/--cert/--out export one');
      return importPfx(args, io, force, inPath, password);
    }
    if (str(args, 'key-out') || str(args, 'cert-out')) throw new UsageError('--key-out/--cert-out go with --in');
    const out = str(args, 'out');
    if (!out || out === '-') throw new UsageError('--out FILE is required');
    if (password === undefined) throw new UsageError('--passphrase is required (an unprotected PKCS#12 file would hold the key in the clear)');
    return exportPfx(args, io, force, out, password);
  },
};
