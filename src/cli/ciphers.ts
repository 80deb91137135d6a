/**
 * `ts-tls ciphers [STRING]`: the suites ts-tls would offer for an OpenSSL cipher string, in order,
 * with the columns of `openssl ciphers -v`. The string goes through the adapter's own evaluator
 * (node/cipher-list.ts), so this shows exactly what the `ciphers` option of connect/createServer does.
 */
import { type Command, CliError, EXIT_OK, flag, type Io, type ParsedArgs } from './command.js';
import { selectCiphers } from '../node/cipher-list.js';
import { NODE_DEFAULT_CIPHERS } from '../node/tables.js';
import { isTls13Suite, suiteById, type SuiteRow } from '../suites/suites.js';

export interface CipherLine {
  name: string;
  standardName: string;
  id: string;
  protocol: 'TLSv1.3' | 'TLSv1.2';
  kx: string;
  auth: string;
  enc: string;
  mac: string;
}

/** The columns as OpenSSL names them (Kx=ECDH for ECDHE, Enc=AESGCM(128), Mac=AEAD). */
export function cipherLine(row: SuiteRow): CipherLine {
  const c = row.cipher;
  const enc = c.kind === 'aead'
    ? c.aead === 'chacha20-poly1305' ? 'CHACHA20/POLY1305(256)' : `AESGCM(${row.keyLength * 8})`
    : `AES(${row.keyLength * 8})`;
  const mac = c.kind === 'aead' ? 'AEAD' : c.mac.toUpperCase();
  return {
    name: row.opensslName,
    standardName: row.ianaName,
    id: '0x' + row.id.toString(16).padStart(4, '0').toUpperCase(),
    protocol: isTls13Suite(row) ? 'TLSv1.3' : 'TLSv1.2',
    kx: row.kx === 'ECDHE' ? 'ECDH' : row.kx === 'DHE' ? 'DH' : row.kx,
    auth: row.auth,
    enc,
    mac,
  };
}

/** Evaluates `cipherString` (default: Node's DEFAULT_CIPHERS) into ordered rows, TLS 1.3 first. */
export function expandCipherString(cipherString: string = NODE_DEFAULT_CIPHERS): { lines: CipherLine[]; tls13Named: boolean } {
  let sel;
  try {
    sel = selectCiphers(cipherString);
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new CliError(`no cipher suite matches "${cipherString}" (${e.code ?? e.message})`, e.code ?? 'ERR_SSL_NO_CIPHER_MATCH');
  }
  const rows = [...sel.tls13, ...sel.tls12].map((id) => suiteById(id)).filter((r): r is SuiteRow => r !== undefined);
  return { lines: rows.map(cipherLine), tls13Named: !sel.noTls13Named };
}

export const ciphersCommand: Command = {
  name: 'ciphers',
  summary: 'List the cipher suites ts-tls offers for an OpenSSL-style cipher string.',
  usage: 'ciphers [STRING] [--names] [--json]',
  maxPositionals: 1,
  options: {
    names: { type: 'boolean', short: 'n', help: 'print only the names, colon-separated (like `openssl ciphers`)' },
    stdname: { type: 'boolean', short: 's', help: 'add the IANA (RFC) name and code point of each suite' },
    json: { type: 'boolean', help: 'print the rows as JSON' },
  },
  details: `
STRING is an OpenSSL cipher string: names (ECDHE-RSA-AES128-GCM-SHA256 or TLS_AES_128_GCM_SHA256),
ALL, DEFAULT, HIGH, kECDHE/ECDHE, kDHE/DHE, kRSA, aRSA, aECDSA, AESGCM, AES128, AES256, CHACHA20,
SHA1, SHA256, SHA384, TLSv1.2, joined with + (all must hold); prefixes ! (remove for good),
- (remove), + (move to the end). Without STRING: Node's default (tls.DEFAULT_CIPHERS).
TLS 1.3 suites (TLS_*) are listed first; a string that names none limits a connection to TLS 1.2,
as in Node.

Examples:
  ts-tls ciphers
  ts-tls ciphers 'ECDHE+AESGCM:!aRSA'
  ts-tls ciphers 'TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-CHACHA20-POLY1305' --stdname
  ts-tls ciphers HIGH:-SHA1:+AES256 --names`,
  run(args: ParsedArgs, io: Io): number {
    const input = args.positionals[0];
    const { lines, tls13Named } = expandCipherString(input);
    if (flag(args, 'json')) {
      io.out(JSON.stringify({ cipherString: input ?? NODE_DEFAULT_CIPHERS, tls13Named, suites: lines }, null, 2) + '\n');
      return EXIT_OK;
    }
    if (flag(args, 'names')) {
      io.out(lines.map((l) => l.name).join(':') + '\n');
      return EXIT_OK;
    }
    const nameWidth = Math.max(...lines.map((l) => l.name.length)) + 1;
    const stdWidth = Math.max(...lines.map((l) => l.standardName.length)) + 1;
    for (const l of lines) {
      const std = flag(args, 'stdname') ? `${l.id} ${l.standardName.padEnd(stdWidth)}- ` : '';
      io.out(`${std}${l.name.padEnd(nameWidth)} ${l.protocol} Kx=${l.kx.padEnd(5)} Au=${l.auth.padEnd(6)} Enc=${l.enc.padEnd(23)} Mac=${l.mac}\n`);
    }
    if (input !== undefined && !tls13Named) io.err('note: the string names no TLS 1.3 suite, so a connection using it is limited to TLS 1.2 (as in Node)\n');
    return EXIT_OK;
  },
};
