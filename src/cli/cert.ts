/**
 * `ts-tls cert`: a certificate in one command. By default a self-signed ECDSA P-256 certificate for
 * localhost, 127.0.0.1 and ::1 (like mkcert) with its new key; `--ca` makes a CA; `--ca-cert` and
 * `--ca-key` sign with a CA instead; `--csr` certifies someone else's request.
 */
import { createPrivateKey } from 'node:crypto';
import { type Command, CliError, EXIT_OK, flag, int, list, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { checkWritable, describeCertificate, progress, provider, readText, resolveSecret, writeOutput } from './io.js';
import { describeSpec, EC_CURVES, KEY_CIPHER, KEY_TYPES, keySpecFrom, type KeySpec } from './key.js';
import {
  createSelfSigned,
  issueCertificate,
  MAX_VALIDITY_DAYS,
  parseSans,
  parseIp,
  PkiBuildError,
  signCsr,
  type KeyInput,
  type SubjectOptions,
} from '../pki/build/index.js';
import type { KeyGenSpec } from '../crypto/provider.js';

export const DEFAULT_NAMES = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };

/** Key options shared by `cert` and `csr`: an existing key (--key) or a new one (--type/--bits/--curve). */
export const KEY_OPTIONS = {
  key: { type: 'string', short: 'k', arg: 'FILE', help: 'use this private key instead of generating one' },
  passphrase: { type: 'string', short: 'p', arg: 'SECRET', help: 'passphrase of --key, or encrypt the new key with it (pass:, env:, file:)' },
  type: { type: 'string', short: 't', arg: 'TYPE', help: `new key type: ${KEY_TYPES.join(', ')} (default ec)` },
  bits: { type: 'string', short: 'b', arg: 'N', help: 'new RSA key size: 2048, 3072, 4096' },
  curve: { type: 'string', arg: 'CURVE', help: `new EC key curve: ${EC_CURVES.join(', ')} (default P-256)` },
  'key-out': { type: 'string', arg: 'FILE', help: 'where to write the new key (mode 0600)' },
} as const;

export const NAME_OPTIONS = {
  subject: { type: 'string', short: 's', arg: 'DN', help: 'subject, e.g. "/C=UK/O=Example/CN=localhost" or "CN=localhost,O=Example"' },
  san: { type: 'string', multiple: true, arg: 'NAMES', help: 'subject alternative names: DNS names, IPs, DNS:x, IP:x, email:x, URI:x (comma lists)' },
} as const;

export interface KeyChoice {
  input: KeyInput;
  /** The new key's spec when one is generated (then it must be written out). */
  spec?: KeySpec;
  passphrase?: string;
}

export function chooseKey(args: ParsedArgs): KeyChoice {
  const keyPath = str(args, 'key');
  const passphrase = resolveSecret(str(args, 'passphrase'));
  if (keyPath) {
    if (str(args, 'type') || str(args, 'bits') || str(args, 'curve')) throw new UsageError('--type/--bits/--curve describe a new key; not with --key');
    if (str(args, 'key-out')) throw new UsageError('--key-out writes a new key; not with --key');
    return { input: { pem: readText(keyPath, 'key'), ...(passphrase !== undefined ? { passphrase } : {}) }, ...(passphrase !== undefined ? { passphrase } : {}) };
  }
  const spec = str(args, 'type') ? keySpecFrom(args) : keySpecFrom({ values: { ...args.values, type: 'ec' }, positionals: [] });
  const gen: KeyGenSpec = spec.type === 'rsa' ? { type: 'rsa', bits: spec.bits as 2048 | 3072 | 4096 } : spec.type === 'ec' ? { type: 'ec', curve: spec.curve! } : { type: 'ed25519' };
  return { input: gen, spec, ...(passphrase !== undefined ? { passphrase } : {}) };
}

/** The PEM to write for a new key: the provider's PKCS#8, re-encrypted when a passphrase was given. */
export function newKeyPem(pkcs8Pem: string, passphrase: string | undefined): string {
  if (passphrase === undefined) return pkcs8Pem;
  if (passphrase.length < 4) throw new CliError('the passphrase must be at least 4 characters');
  return createPrivateKey(pkcs8Pem).export({ type: 'pkcs8', format: 'pem', cipher: KEY_CIPHER, passphrase }) as string;
}

/** Subject and SANs from --subject/--san; a leaf with neither gets localhost, 127.0.0.1 and ::1. */
export function namesFrom(args: ParsedArgs, isCA: boolean): Pick<SubjectOptions, 'subject' | 'dns' | 'ips' | 'emails' | 'uris'> {
  const subject = str(args, 'subject');
  const sans = parseSans(list(args, 'san'));
  const any = sans.dns.length + sans.ips.length + sans.emails.length + sans.uris.length > 0;
  if (!any && subject === undefined) return isCA ? {} : { ...DEFAULT_NAMES };
  if (!any && subject !== undefined && !isCA) {
    // Clients match host names against SANs only (RFC 6125 §6.4.4); copy a host-like CN there.
    const cn = /(?:^|\/|,)\s*CN=([^/,+]+)/.exec(subject)?.[1]?.trim();
    if (cn && parseIp(cn)) return { subject, ips: [cn] };
    if (cn && /^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(cn)) return { subject, dns: [cn] };
  }
  return { ...(subject !== undefined ? { subject } : {}), ...sans };
}

export function wrapBuildError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PkiBuildError) throw new CliError(err.message, err.code);
    throw err;
  }
}

export const certCommand: Command = {
  name: 'cert',
  summary: 'Make a certificate: self-signed (default), a CA (--ca), or signed by a CA (--ca-cert/--ca-key).',
  usage: 'cert [--out FILE] [--key-out FILE] [--san NAMES] [--subject DN] [--days N] [--ca] [--ca-cert FILE --ca-key FILE] [--csr FILE]',
  options: {
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'certificate file (default cert.pem, or ca.pem with --ca)' },
    ...KEY_OPTIONS,
    ...NAME_OPTIONS,
    days: { type: 'string', short: 'd', arg: 'N', help: 'validity in days (default 365; 3650 for --ca)' },
    ca: { type: 'boolean', help: 'make a CA certificate (basicConstraints CA:TRUE, keyCertSign)' },
    'path-length': { type: 'string', arg: 'N', help: 'with --ca: how many intermediate CAs may follow' },
    'ca-cert': { type: 'string', arg: 'FILE', help: 'sign with this CA certificate...' },
    'ca-key': { type: 'string', arg: 'FILE', help: '...and this CA private key' },
    'ca-passphrase': { type: 'string', arg: 'SECRET', help: 'passphrase of --ca-key' },
    csr: { type: 'string', arg: 'FILE', help: 'certify this PKCS#10 request (needs --ca-cert/--ca-key); its signature is checked' },
    force: { type: 'boolean', short: 'f', help: 'overwrite existing files' },
    json: { type: 'boolean', help: 'print a JSON summary on stdout' },
  },
  details: `
Examples:
  ts-tls cert                                   localhost.pem-style dev cert: cert.pem + key.pem
  ts-tls cert --ca --subject "/O=Example/CN=Example Root" --out ca.pem --key-out ca-key.pem
  ts-tls cert --ca-cert ca.pem --ca-key ca-key.pem --san example.test,10.0.0.5 --out site.pem --key-out site-key.pem
  ts-tls cert --ca-cert ca.pem --ca-key ca-key.pem --csr request.csr --out issued.pem
  ts-tls cert --key existing.key --subject /CN=myhost --days 30

Check the result with:  openssl x509 -in cert.pem -noout -text
                        openssl verify -CAfile ca.pem site.pem`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const isCA = flag(args, 'ca');
    const force = flag(args, 'force');
    const caCertPath = str(args, 'ca-cert');
    const caKeyPath = str(args, 'ca-key');
    const csrPath = str(args, 'csr');
    if (!!caCertPath !== !!caKeyPath) throw new UsageError('--ca-cert and --ca-key go together');
    if (csrPath && !caCertPath) throw new UsageError('--csr needs --ca-cert and --ca-key (a CSR is signed by a CA)');
    if (csrPath && (str(args, 'key') || str(args, 'type') || str(args, 'key-out'))) throw new UsageError('--csr brings its own public key; no --key/--type/--key-out');
    if (str(args, 'path-length') && !isCA) throw new UsageError('--path-length applies to --ca');
    const days = int(args, 'days', isCA ? 3650 : 365, 1, MAX_VALIDITY_DAYS);
    const pathLength = str(args, 'path-length') !== undefined ? int(args, 'path-length', 0, 0, 32) : undefined;
    const out = str(args, 'out') ?? (isCA ? 'ca.pem' : 'cert.pem');
    const p = provider();

    if (csrPath) {
      checkWritable([out], force);
      const issuer = { key: loadCaKey(caKeyPath!, str(args, 'ca-passphrase')), cert: readText(caCertPath!, 'CA certificate') };
      const sans = parseSans(list(args, 'san'));
      const overrides: SubjectOptions = {
        days, isCA,
        ...(pathLength !== undefined ? { pathLength } : {}),
        ...(str(args, 'subject') !== undefined ? { subject: str(args, 'subject')! } : {}),
        ...(list(args, 'san').length > 0 ? sans : {}),
      };
      const built = wrapBuildError(() => signCsr({ provider: p, csr: readText(csrPath, 'CSR'), issuer, ...overrides }));
      writeOutput(io, out, built.certPem, { force });
      report(io, args, { certificate: out }, built.certDer, `certified the request from ${built.request.subjectText || '(empty subject)'}`);
      return EXIT_OK;
    }

    const choice = chooseKey(args);
    const keyOut = choice.spec ? (str(args, 'key-out') ?? (isCA ? 'ca-key.pem' : 'key.pem')) : undefined;
    if (keyOut !== undefined && keyOut === out) throw new UsageError('the key and the certificate would go to the same file');
    checkWritable([out, keyOut], force);
    const names = namesFrom(args, isCA);
    const opts: SubjectOptions = { ...names, days, isCA, ...(pathLength !== undefined ? { pathLength } : {}) };
    const done = choice.spec?.type === 'rsa' ? progress(io, `generating ${describeSpec(choice.spec)} key`) : undefined;
    const built = wrapBuildError(() => caCertPath
      ? issueCertificate({ provider: p, key: choice.input, issuer: { key: loadCaKey(caKeyPath!, str(args, 'ca-passphrase')), cert: readText(caCertPath, 'CA certificate') }, ...opts })
      : createSelfSigned({ provider: p, key: choice.input, ...opts }));
    done?.();
    if (keyOut !== undefined) writeOutput(io, keyOut, newKeyPem(built.keyPem, choice.passphrase), { force, secret: true });
    writeOutput(io, out, built.certPem, { force });
    const what = isCA ? 'CA certificate' : caCertPath ? 'certificate signed by the CA' : 'self-signed certificate';
    report(io, args, { certificate: out, ...(keyOut ? { key: keyOut } : {}) }, built.certDer, `made a ${what}`);
    return EXIT_OK;
  },
};

export function loadCaKey(path: string, passSpec: string | undefined) {
  const passphrase = resolveSecret(passSpec);
  return wrapBuildError(() => {
    try {
      return provider().loadSigningKey(readText(path, 'CA key'), passphrase);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot load the CA key ${path}: ${(err as Error).message}`, 'ERR_PKI_BAD_KEY');
    }
  });
}

function report(io: Io, args: ParsedArgs, files: Record<string, string>, der: Uint8Array, headline: string): void {
  const info = describeCertificate(der);
  if (flag(args, 'json')) {
    io.out(JSON.stringify({ files, ...info }) + '\n');
    return;
  }
  const lines = [
    `${headline}`,
    `  subject:     ${info.subject || '(empty)'}`,
    `  issuer:      ${info.issuer}`,
    ...(info.subjectAltName ? [`  names:       ${info.subjectAltName}`] : []),
    `  valid:       ${info.validFrom} .. ${info.validTo}`,
    `  SHA-256:     ${info.fingerprint256}`,
    ...Object.entries(files).map(([k, v]) => `  ${(k + ':').padEnd(12)} ${v}`),
  ];
  io.out(lines.join('\n') + '\n');
}
