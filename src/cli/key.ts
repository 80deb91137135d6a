/**
 * `ts-tls key`: a new private key as PKCS#8 PEM, optionally encrypted (PBES2, AES-256-CBC). A tool,
 * not the core, so it uses node:crypto directly (async generation keeps the progress line alive).
 */
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { type Command, CliError, EXIT_OK, flag, int, oneOf, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { checkWritable, progress, resolveSecret, sha256Fingerprint, writeOutput } from './io.js';

export const KEY_TYPES = ['rsa', 'ec', 'ed25519'] as const;
export const RSA_SIZES = [2048, 3072, 4096] as const;
export const EC_CURVES = ['P-256', 'P-384'] as const;
/** NIST SP 800-131A: below 2048-bit RSA is disallowed; above 4096 is slow to no purpose here. */
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 4096;
/** PBES2 cipher for encrypted PKCS#8 (what `openssl genpkey -aes-256-cbc` writes). */
export const KEY_CIPHER = 'aes-256-cbc';

const generate = promisify(generateKeyPair) as (type: string, opts: object) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;

export interface KeySpec {
  type: (typeof KEY_TYPES)[number];
  bits?: number;
  curve?: (typeof EC_CURVES)[number];
}

export function keySpecFrom(args: ParsedArgs): KeySpec {
  const type = oneOf(args, 'type', KEY_TYPES, 'rsa');
  if (type === 'rsa') {
    const bits = int(args, 'bits', 2048, MIN_RSA_BITS, MAX_RSA_BITS);
    if (!(RSA_SIZES as readonly number[]).includes(bits)) throw new UsageError(`--bits must be one of ${RSA_SIZES.join(', ')}`);
    if (str(args, 'curve')) throw new UsageError('--curve applies to --type ec');
    return { type, bits };
  }
  if (str(args, 'bits')) throw new UsageError(`--bits applies to --type rsa`);
  if (type === 'ec') return { type, curve: oneOf(args, 'curve', EC_CURVES, 'P-256') };
  if (str(args, 'curve')) throw new UsageError('--curve applies to --type ec');
  return { type };
}

export function describeSpec(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA ${spec.bits}-bit` : spec.type === 'ec' ? `ECDSA ${spec.curve}` : 'Ed25519';
}

/** Generates the key; the PEM is encrypted when `passphrase` is given. */
export async function generateKeyPem(spec: KeySpec, passphrase?: string): Promise<{ pem: string; privateKey: KeyObject; spkiSha256: string }> {
  const { privateKey } = spec.type === 'rsa'
    ? await generate('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 })
    : spec.type === 'ec'
      ? await generate('ec', { namedCurve: spec.curve })
      : await generate('ed25519', {});
  const pem = privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    ...(passphrase !== undefined ? { cipher: KEY_CIPHER, passphrase } : {}),
  }) as string;
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { pem, privateKey, spkiSha256: sha256Fingerprint(spki) };
}

export const keyCommand: Command = {
  name: 'key',
  summary: 'Generate a private key (PKCS#8 PEM, optionally encrypted).',
  usage: 'key [--type rsa|ec|ed25519] [--bits N] [--curve P-256|P-384] [--out FILE] [--passphrase SECRET]',
  options: {
    type: { type: 'string', short: 't', arg: 'TYPE', help: 'rsa (default), ec or ed25519' },
    bits: { type: 'string', short: 'b', arg: 'N', help: 'RSA size: 2048 (default), 3072, 4096' },
    curve: { type: 'string', arg: 'CURVE', help: 'EC curve: P-256 (default) or P-384' },
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write the key (default: stdout); created with mode 0600' },
    passphrase: { type: 'string', short: 'p', arg: 'SECRET', help: `encrypt the key (${KEY_CIPHER}); pass:TEXT, env:VAR, file:PATH or the text` },
    force: { type: 'boolean', short: 'f', help: 'overwrite an existing file' },
    json: { type: 'boolean', help: 'print a JSON summary on stdout (needs --out FILE)' },
  },
  details: `
Examples:
  ts-tls key --out server.key                      RSA 2048
  ts-tls key -t ec --curve P-384 -o ec.key
  ts-tls key -t ed25519 -o ed.key --passphrase env:KEY_PASS
  ts-tls key -t rsa -b 4096 --out big.key --json

Check a key with:  openssl pkey -in server.key -check -noout`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const spec = keySpecFrom(args);
    const out = str(args, 'out') ?? '-';
    const json = flag(args, 'json');
    if (json && out === '-') throw new UsageError('--json needs --out FILE (the key itself would go to stdout)');
    const force = flag(args, 'force');
    checkWritable([out], force);
    const passphrase = resolveSecret(str(args, 'passphrase'));
    if (passphrase !== undefined && passphrase.length < 4) throw new CliError('the passphrase must be at least 4 characters (OpenSSL refuses shorter ones)');
    const done = spec.type === 'rsa' ? progress(io, `generating ${describeSpec(spec)} key`) : undefined;
    const { pem, spkiSha256 } = await generateKeyPem(spec, passphrase);
    done?.();
    writeOutput(io, out, pem, { force, secret: true });
    if (json) {
      io.out(JSON.stringify({ out, type: spec.type, bits: spec.bits, curve: spec.curve, encrypted: passphrase !== undefined, publicKeySha256: spkiSha256 }) + '\n');
    } else if (out !== '-') {
      io.err(`wrote ${describeSpec(spec)} key to ${out}${passphrase !== undefined ? ' (encrypted)' : ''}\n`);
    }
    return EXIT_OK;
  },
};
