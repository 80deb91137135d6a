/**
 * `ts-tls dhparam`: Diffie-Hellman parameters as PEM "DH PARAMETERS" (PKCS#3 DHParameter).
 * `--group ffdhe2048|3072|4096` prints an RFC 7919 group instantly (the better choice: well-known
 * safe primes that peers can recognise); otherwise a fresh safe prime is generated, which takes time.
 */
import { generatePrime } from 'node:crypto';
import { type Command, EXIT_OK, flag, oneOf, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { checkWritable, progress, writeOutput } from './io.js';
import { FFDHE2048_P, FFDHE3072_P, FFDHE4096_P } from '../crypto/node/ffdhe-primes.js';
import { derSeq, derTlv } from '../pki/der.js';
import { encodePem } from '../pki/pem.js';
import { concatBytes, fromHex } from '../util/bytes.js';

export const FFDHE_GROUPS = { ffdhe2048: FFDHE2048_P, ffdhe3072: FFDHE3072_P, ffdhe4096: FFDHE4096_P } as const;
/** Below 1024 bits DH is broken in practice (Logjam, 2015); 2048 is the default and the floor we recommend. */
export const MIN_DH_BITS = 1024;
export const MAX_DH_BITS = 8192;
export const DEFAULT_DH_BITS = 2048;
const GENERATOR = 2n;

/** A positive INTEGER (X.690 §8.3: a leading 0 when the top bit is set). */
function derBigInt(v: bigint): Uint8Array {
  const hex = v.toString(16);
  const bytes = fromHex(hex.length % 2 ? '0' + hex : hex);
  return derTlv(0x02, bytes[0]! & 0x80 ? concatBytes(new Uint8Array([0]), bytes) : bytes);
}

/** PKCS#3 DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER } (no privateValueLength). */
export function dhParametersDer(p: bigint, g: bigint): Uint8Array {
  return derSeq(derBigInt(p), derBigInt(g));
}

/**
 * A safe prime p = 2q + 1 with p ≡ 23 (mod 24), so 2 generates the subgroup of order q (what
 * OpenSSL's DH_generate_parameters does for generator 2, and what `openssl dhparam -check` expects).
 */
export function generateSafePrime(bits: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    generatePrime(bits, { safe: true, add: 24n, rem: 23n, bigint: true }, (err, prime) => (err ? reject(err) : resolve(prime as bigint)));
  });
}

export const dhparamCommand: Command = {
  name: 'dhparam',
  summary: 'Write Diffie-Hellman parameters (PEM "DH PARAMETERS").',
  usage: 'dhparam [BITS] [--group ffdhe2048|ffdhe3072|ffdhe4096] [--out FILE]',
  maxPositionals: 1,
  options: {
    group: { type: 'string', short: 'g', arg: 'NAME', help: 'an RFC 7919 group, instantly: ffdhe2048, ffdhe3072, ffdhe4096' },
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'output file (default: stdout)' },
    force: { type: 'boolean', short: 'f', help: 'overwrite an existing file' },
    json: { type: 'boolean', help: 'print a JSON summary (with the prime in hex) on stdout; needs --out FILE' },
  },
  details: `
BITS (default ${DEFAULT_DH_BITS}) generates a new safe prime: expect seconds to minutes.
TLS 1.3 negotiates the RFC 7919 groups by name, so --group is usually what you want.

Examples:
  ts-tls dhparam --group ffdhe2048 --out dh.pem
  ts-tls dhparam 3072 > dh3072.pem

Check with:  openssl dhparam -in dh.pem -check -noout`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const force = flag(args, 'force');
    const out = str(args, 'out') ?? '-';
    if (flag(args, 'json') && out === '-') throw new UsageError('--json needs --out FILE');
    checkWritable([out], force);
    let prime: bigint;
    let source: string;
    if (str(args, 'group') !== undefined) {
      if (args.positionals.length) throw new UsageError('give BITS or --group, not both');
      const name = oneOf(args, 'group', Object.keys(FFDHE_GROUPS) as (keyof typeof FFDHE_GROUPS)[], 'ffdhe2048');
      prime = BigInt('0x' + FFDHE_GROUPS[name]);
      source = `RFC 7919 ${name}`;
    } else {
      const text = args.positionals[0] ?? String(DEFAULT_DH_BITS);
      const bits = Number(text);
      if (!/^\d+$/.test(text) || bits < MIN_DH_BITS || bits > MAX_DH_BITS) {
        throw new UsageError(`BITS must be a whole number from ${MIN_DH_BITS} to ${MAX_DH_BITS}, got "${text}"`);
      }
      if (bits < DEFAULT_DH_BITS) io.err(`warning: ${bits}-bit DH is weak; use ${DEFAULT_DH_BITS} or more outside tests\n`);
      const done = progress(io, `generating a ${bits}-bit safe prime (this can take a while)`);
      const ticker = setInterval(() => io.err('.'), 1000);
      try {
        prime = await generateSafePrime(bits);
      } finally {
        clearInterval(ticker);
      }
      done();
      source = `new ${bits}-bit safe prime`;
    }
    const pem = encodePem('DH PARAMETERS', dhParametersDer(prime, GENERATOR));
    writeOutput(io, out, pem, { force });
    if (flag(args, 'json')) io.out(JSON.stringify({ out, source, bits: prime.toString(2).length, generator: Number(GENERATOR), prime: prime.toString(16) }) + '\n');
    else if (out !== '-') io.err(`wrote ${source} (generator 2) to ${out}\n`);
    return EXIT_OK;
  },
};
