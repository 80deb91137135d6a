/**
 * `ts-tls client host:port`: connects with the public connect() API, prints the handshake (version,
 * suite, ALPN, the peer chain, the verification result and its reason) on stderr, then pipes stdin
 * to the server and the server to stdout. Like `openssl s_client`, a line holding only `K` sends a
 * KeyUpdate asking the peer to update too, `k` one that does not, `Q` closes.
 */
import { appendFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type Command, CliError, EXIT_FAILURE, EXIT_OK, flag, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { readText } from './io.js';
import { certKey, credentialOptions, formatSession, protocolOptions, sessionInfo, tlsModule, type PeerCertificateLike, type TlsOptions, type TlsSocketLike } from './tls-api.js';
import { encodePem } from '../pki/pem.js';

export const DEFAULT_TLS_PORT = 443;
/** Give up on a server that does not finish the handshake (Node has no default; a tool should). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A stdin line longer than this is sent as is, without looking for commands. */
const MAX_LINE = 64 * 1024;

/** "host:port", "[v6]:port", "host" (port 443). */
export function parseTarget(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? (isIP(text) === 6 ? [text, text, undefined] : /^([^:]+)(?::(\d+))?$/.exec(text));
  if (!m) throw new UsageError(`"${text}" is not host:port`);
  const port = m[2] === undefined ? DEFAULT_TLS_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`port in "${text}" must be 1..65535`);
  return { host: m[1]!, port };
}

/** The HOST[:PORT] argument of client and probe, and --servername (default HOST unless it is an IP address). */
export function serverTarget(args: ParsedArgs): { host: string; port: number; servername?: string } {
  const target = args.positionals[0];
  if (!target) throw new UsageError('give the server as HOST[:PORT]');
  const { host, port } = parseTarget(target);
  return { host, port, servername: str(args, 'servername') ?? (isIP(host) ? undefined : host) };
}

export const clientCommand: Command = {
  name: 'client',
  summary: 'Connect to a TLS server, show the handshake and the certificate chain, then pipe stdin/stdout.',
  usage: 'client HOST[:PORT] [--servername NAME] [--insecure | --ca FILE] [--alpn LIST] [--keylog FILE]',
  maxPositionals: 1,
  options: {
    servername: { type: 'string', arg: 'NAME', help: 'SNI and the name to check (default: HOST unless it is an IP address)' },
    insecure: { type: 'boolean', short: 'k', help: 'do not reject an unverified server (still prints why it failed)' },
    ca: { type: 'string', arg: 'FILE', help: 'trust these CA certificates (PEM) instead of the built-in roots' },
    cert: { type: 'string', arg: 'FILE', help: 'client certificate chain (PEM)' },
    key: { type: 'string', arg: 'FILE', help: 'client private key (PEM)' },
    pfx: { type: 'string', arg: 'FILE', help: 'client key and certificate as PKCS#12, instead of --cert/--key' },
    passphrase: { type: 'string', arg: 'SECRET', help: 'passphrase of --key or --pfx (pass:, env:, file:)' },
    alpn: { type: 'string', multiple: true, arg: 'LIST', help: 'ALPN protocols to offer, e.g. h2,http/1.1' },
    'min-version': { type: 'string', arg: 'VER', help: 'TLSv1.2 or TLSv1.3' },
    'max-version': { type: 'string', arg: 'VER', help: 'TLSv1.2 or TLSv1.3' },
    ciphers: { type: 'string', arg: 'STRING', help: 'OpenSSL cipher string (see ts-tls ciphers)' },
    groups: { type: 'string', arg: 'LIST', help: 'key-exchange groups to offer, e.g. P-384:X25519 (ecdhCurve)' },
    keylog: { type: 'string', arg: 'FILE', help: 'append NSS key log lines (for Wireshark)' },
    quiet: { type: 'boolean', short: 'q', help: 'do not print the handshake' },
    showcerts: { type: 'boolean', help: 'also print the peer certificates as PEM (like s_client -showcerts)' },
    json: { type: 'boolean', help: 'print the handshake as one JSON line on stderr' },
  },
  details: `
Typed lines go to the server; a line of only K sends a KeyUpdate (update_requested), k one without
the request, Q closes the connection. End of input (Ctrl-D) closes our side and waits for the server.

Examples:
  ts-tls client example.com:443
  ts-tls client 127.0.0.1:8000 --insecure               (the ts-tls server's in-memory certificate)
  ts-tls client localhost:8443 --ca ca.pem --alpn h2,http/1.1
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ts-tls client example.com:443 -q
  ts-tls client [::1]:8000 --servername localhost --keylog keys.txt`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const { host, port, servername } = serverTarget(args);
    const options: TlsOptions = { host, port, rejectUnauthorized: !flag(args, 'insecure') };
    if (servername) options.servername = servername;
    const caPath = str(args, 'ca');
    if (caPath) options.ca = readText(caPath, 'CA file');
    credentialOptions(args, options);
    protocolOptions(args, options);
    const keylog = str(args, 'keylog');
    const quiet = flag(args, 'quiet');

    const tls = tlsModule();
    return new Promise<number>((resolve) => {
      let connected = false;
      let finished = false;
      const finish = (code: number): void => {
        if (finished) return;
        finished = true;
        process.stdin.pause();
        resolve(code);
      };
      const socket: TlsSocketLike = tls.connect(options, () => {
        connected = true;
        socket.setTimeout?.(0);
        const info = sessionInfo(socket);
        if (flag(args, 'json')) io.err(JSON.stringify({ event: 'handshake', host, port, ...info }) + '\n');
        else if (!quiet) {
          io.err(`connected to ${host}:${port}\n` + formatSession(info, 'server'));
          if (flag(args, 'showcerts')) io.err(peerPems(socket).join(''));
          io.err(info.authorized ? 'verification: OK\n' : `verification: FAILED (${info.authorizationError ?? 'unknown reason'}); continuing because of --insecure\n`);
          io.err('---\n');
        }
        pipeStdin(socket, io, quiet);
      });
      socket.setTimeout?.(DEFAULT_CONNECT_TIMEOUT_MS, () => {
        if (!connected) socket.destroy(new CliError(`no TLS handshake with ${host}:${port} within ${DEFAULT_CONNECT_TIMEOUT_MS / 1000} s`, 'ETIMEDOUT'));
      });
      if (keylog) socket.on('keylog', (line: Buffer) => appendFileSync(keylog, line, { mode: 0o600 }));
      socket.on('data', (chunk: Buffer) => process.stdout.write(chunk)); // bytes as received
      socket.on('error', (err: Error & { code?: string }) => {
        io.err(`ts-tls client: error: ${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}\n`);
        finish(EXIT_FAILURE);
      });
      socket.on('end', () => {
        if (!quiet) io.err('--- server closed the connection\n');
      });
      socket.on('close', () => finish(connected ? EXIT_OK : EXIT_FAILURE));
    });
  },
};

/** The peer certificates as PEM, leaf first, from getPeerCertificate(true).raw links. */
function peerPems(socket: TlsSocketLike): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let c = socket.getPeerCertificate(true) as PeerCertificateLike | null; c?.raw && !seen.has(certKey(c)) && out.length < 16; c = c.issuerCertificate ?? null) {
    seen.add(certKey(c));
    out.push(encodePem('CERTIFICATE', c.raw));
  }
  return out;
}

/** The one-letter command a stdin line holds (`K`, `k`, `Q`, optional CR), or undefined. */
function commandOf(line: Buffer): string | undefined {
  const text = line.length <= 2 ? line.toString('latin1').replace(/\r$/, '') : '';
  return text === 'K' || text === 'k' || text === 'Q' ? text : undefined;
}

/**
 * Stdin to the socket, split into lines only to spot the K / k / Q commands; bytes are passed on
 * unchanged (binary-safe). EOF half-closes our side.
 */
function pipeStdin(socket: TlsSocketLike, io: Io, quiet: boolean): void {
  let pending: Buffer = Buffer.alloc(0);
  const handleLine = (line: Buffer): void => {
    const cmd = commandOf(line.subarray(0, line.length - 1));
    if (cmd === 'K' || cmd === 'k') {
      if (typeof socket.keyUpdate === 'function') {
        socket.keyUpdate(cmd === 'K');
        if (!quiet) io.err(`KeyUpdate sent${cmd === 'K' ? ' (update_requested)' : ''}\n`);
      } else {
        io.err('this socket has no keyUpdate(); KeyUpdate not sent\n');
      }
    } else if (cmd === 'Q') {
      socket.end();
    } else {
      socket.write(line);
    }
  };
  process.stdin.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let nl: number;
    while ((nl = pending.indexOf(0x0a)) >= 0) {
      handleLine(pending.subarray(0, nl + 1));
      pending = pending.subarray(nl + 1);
    }
    if (pending.length > MAX_LINE) {
      socket.write(pending);
      pending = Buffer.alloc(0);
    }
  });
  process.stdin.on('end', () => {
    if (pending.length) socket.write(pending);
    pending = Buffer.alloc(0);
    socket.end();
  });
  process.stdin.resume();
}
