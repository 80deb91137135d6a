#!/usr/bin/env node
/**
 * `ts-tls`: keys, certificates, DH parameters, cipher lists, and a test server/client, so a Node
 * user needs no OpenSSL command line. Each subcommand lives in its own module, loaded on demand
 * (`ts-tls key` should not pay for loading the TLS engine).
 *
 * Exit codes: 0 success, 1 the work failed, 2 the command line was wrong.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CliError, type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, helpText, type Io, parseCommandLine, UsageError } from './command.js';

interface Entry {
  summary: string;
  load(): Promise<Command>;
}

const COMMANDS: Record<string, Entry> = {
  key: { summary: 'generate a private key (RSA, ECDSA, Ed25519)', load: async () => (await import('./key.js')).keyCommand },
  csr: { summary: 'make a certificate signing request', load: async () => (await import('./csr.js')).csrCommand },
  cert: { summary: 'make a self-signed, CA or CA-signed certificate', load: async () => (await import('./cert.js')).certCommand },
  dhparam: { summary: 'write Diffie-Hellman parameters (RFC 7919 groups or new)', load: async () => (await import('./dhparam.js')).dhparamCommand },
  x509: { summary: 'show what certificates say (names, validity, key, extensions)', load: async () => (await import('./x509.js')).x509Command },
  verify: { summary: 'verify certificate chains with the ts-tls verifier (OpenSSL codes)', load: async () => (await import('./verify.js')).verifyCommand },
  pkcs12: { summary: 'bundle a key and its certificates into a PKCS#12 file', load: async () => (await import('./pkcs12.js')).pkcs12Command },
  ciphers: { summary: 'expand a cipher string into the suites ts-tls offers', load: async () => (await import('./ciphers.js')).ciphersCommand },
  server: { summary: 'run a TLS echo/HTTP test server (what `npm start` runs)', load: async () => (await import('./server.js')).serverCommand },
  probe: { summary: 'find which versions, suites, groups and ALPN protocols a server accepts', load: async () => (await import('./probe.js')).probeCommand },
  client: { summary: 'connect to a TLS server, show the handshake, pipe stdin/stdout', load: async () => (await import('./client.js')).clientCommand },
};

/** The package version: dist/cli/ sits two levels below package.json, build/src/cli/ (tests) three. */
function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ts-tls' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

function topHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, e]) => `  ${name.padEnd(10)} ${e.summary}`);
  return `ts-tls ${version()}: TLS tools in TypeScript (no OpenSSL needed)

Usage: ts-tls <command> [options]     ts-tls <command> --help

Commands:
${rows.join('\n')}

Exit codes: 0 ok, 1 failure, 2 usage error.

Quick start:
  ts-tls cert                       self-signed cert.pem + key.pem for localhost, 127.0.0.1, ::1
  ts-tls server                     TLS echo server on 127.0.0.1:8000 (in-memory certificate)
  ts-tls client 127.0.0.1:8000 --insecure
`;
}

export const stdio: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** Runs one command line; returns the exit code (never throws). */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const sub = name === 'help' ? rest[0] : undefined;
    if (sub && COMMANDS[sub]) return main([sub, '--help'], io);
    (name === undefined ? io.err : io.out)(topHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`ts-tls ${version()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`ts-tls: unknown command "${name}"\n\n${topHelp()}`);
    return EXIT_USAGE;
  }
  let cmd: Command;
  try {
    cmd = await entry.load();
  } catch (err) {
    // A module that fails to load is a broken installation, not a usage error.
    io.err(`ts-tls ${name}: error: cannot load the command: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
  try {
    const args = parseCommandLine(cmd, rest);
    if (args.values.help) {
      io.out(helpText(cmd));
      return EXIT_OK;
    }
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`ts-tls ${name}: ${err.message}\nTry 'ts-tls ${name} --help'.\n`);
      return EXIT_USAGE;
    }
    const e = err as Error & { code?: string };
    const msg = err instanceof CliError ? e.message : `${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`;
    io.err(`ts-tls ${name}: error: ${msg}\n`);
    if (process.env.TS_TLS_DEBUG && e.stack) io.err(e.stack + '\n');
    return EXIT_FAILURE;
  }
}

// Run when executed as the bin (not when imported by tests).
function invokedDirectly(): boolean {
  try {
    // npm's bin is a symlink to this file: compare real paths.
    return pathToFileURL(realpathSync(process.argv[1] ?? '')).href === import.meta.url;
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ts-tls: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
