/**
 * `ts-tls csr`: a PKCS#10 certificate request (RFC 2986) with the SANs as an extension request,
 * for a new key (written alongside) or an existing one.
 */
import { type Command, EXIT_OK, flag, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { checkWritable, progress, provider, writeOutput } from './io.js';
import { describeSpec } from './key.js';
import { chooseKey, KEY_OPTIONS, NAME_OPTIONS, namesFrom, newKeyPem, wrapBuildError } from './cert.js';
import { createCsr, parseCsr } from '../pki/build/index.js';

export const csrCommand: Command = {
  name: 'csr',
  summary: 'Make a certificate signing request (PKCS#10) for a new or existing key.',
  usage: 'csr [--out FILE] [--key FILE | --type TYPE --key-out FILE] [--subject DN] [--san NAMES]',
  options: {
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'request file (default csr.pem; - for stdout)' },
    ...KEY_OPTIONS,
    ...NAME_OPTIONS,
    force: { type: 'boolean', short: 'f', help: 'overwrite existing files' },
    json: { type: 'boolean', help: 'print a JSON summary on stdout' },
  },
  details: `
With no --subject and no --san the request is for localhost, 127.0.0.1 and ::1.

Examples:
  ts-tls csr --subject "/C=UK/O=Example/CN=www.example.test" --san www.example.test,example.test
  ts-tls csr --key server.key --san api.internal,10.0.0.7 --out api.csr
  ts-tls csr -t rsa -b 3072 --key-out rsa.key --out rsa.csr

Check it with:  openssl req -in csr.pem -verify -noout -text
Sign it with:   ts-tls cert --ca-cert ca.pem --ca-key ca-key.pem --csr csr.pem --out cert.pem`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const force = flag(args, 'force');
    const out = str(args, 'out') ?? 'csr.pem';
    const choice = chooseKey(args);
    const keyOut = choice.spec ? (str(args, 'key-out') ?? 'key.pem') : undefined;
    if (keyOut === '-' ) throw new UsageError('--key-out - would mix the key into the output; give a file');
    if (keyOut !== undefined && keyOut === out) throw new UsageError('the key and the request would go to the same file');
    checkWritable([out, keyOut], force);
    const names = namesFrom(args, false);
    const done = choice.spec?.type === 'rsa' ? progress(io, `generating ${describeSpec(choice.spec)} key`) : undefined;
    const p = provider();
    const built = wrapBuildError(() => createCsr({ provider: p, key: choice.input, ...names }));
    done?.();
    if (keyOut !== undefined) writeOutput(io, keyOut, newKeyPem(built.keyPem, choice.passphrase), { force, secret: true });
    writeOutput(io, out, built.csrPem, { force });
    const parsed = parseCsr(p, built.csrDer);
    const sans = [...parsed.dns.map((d) => `DNS:${d}`), ...parsed.ips.map((i) => `IP:${i}`), ...parsed.emails, ...parsed.uris];
    const summary = { files: { request: out, ...(keyOut ? { key: keyOut } : {}) }, subject: parsed.subjectText, subjectAltName: sans.join(', '), keyType: parsed.keyType };
    if (flag(args, 'json')) io.out(JSON.stringify(summary) + '\n');
    else if (out !== '-') io.out(`made a request for ${summary.subject || '(empty subject)'}${sans.length ? ` (${summary.subjectAltName})` : ''}\n  request: ${out}\n${keyOut ? `  key:     ${keyOut}\n` : ''}`);
    return EXIT_OK;
  },
};
