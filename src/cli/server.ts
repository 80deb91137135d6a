/**
 * `ts-tls server`: a TLS test server on the public createServer API. By default the echo server of
 * Node's documentation (writes "welcome!\n", then echoes); `--www` answers HTTP with a page that
 * describes the connection (like `openssl s_server -www`). Without --key/--cert it makes a
 * self-signed certificate in memory and prints its fingerprint. This is what `npm start` runs.
 */
import { appendFileSync } from 'node:fs';
import { type Command, CliError, EXIT_OK, flag, int, str, type Io, type ParsedArgs } from './command.js';
import { provider, readText, sha256Fingerprint } from './io.js';
import { credentialOptions, protocolOptions, sessionInfo, tlsModule, type SessionInfo, type TlsOptions, type TlsSocketLike } from './tls-api.js';
import { createDevCertificate } from '../pki/build/index.js';

export const DEFAULT_PORT = 8000;
export const DEFAULT_HOST = '127.0.0.1';
/** An HTTP request head larger than this gets 431 (RFC 6585 §5) instead of more buffering. */
export const MAX_REQUEST_HEAD = 16 * 1024;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function wwwPage(info: SessionInfo, requestLine: string): string {
  const rows: [string, string][] = [
    ['Request', requestLine],
    ['Protocol', info.protocol ?? '?'],
    ['Cipher', `${info.cipher ?? '?'}${info.standardName ? ` (${info.standardName})` : ''}`],
    ['ALPN', info.alpn ?? 'none'],
    ['SNI', info.servername ?? 'none'],
    ['Client certificate', info.peerChain[0] ? `${info.peerChain[0].subject} (${info.authorized ? 'verified' : `not verified: ${info.authorizationError ?? ''}`})` : 'none'],
  ];
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>ts-tls server</title></head><body>\n<h1>ts-tls server</h1>\n<table>\n${rows.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}\n</table>\n</body></html>\n`;
}

/** Reads one request head, then answers with the page and closes (HTTP/1.0 style). */
function serveWww(socket: TlsSocketLike, info: SessionInfo): void {
  let head = '';
  const onData = (chunk: Buffer | string): void => {
    head += chunk.toString();
    const end = head.indexOf('\r\n\r\n');
    if (end < 0 && head.length <= MAX_REQUEST_HEAD) return;
    socket.off('data', onData);
    if (end < 0) {
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const body = wwwPage(info, head.slice(0, head.indexOf('\r\n')));
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  socket.on('data', onData);
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run a TLS test server: echo (default) or --www (HTTP page describing the connection).',
  usage: 'server [--port N] [--host ADDR] [--key FILE --cert FILE] [--www] [--alpn LIST] [--verify] [--ca FILE]',
  options: {
    port: { type: 'string', short: 'p', arg: 'N', help: `port (default ${DEFAULT_PORT}; 0 = any free port)` },
    host: { type: 'string', short: 'H', arg: 'ADDR', help: `address to listen on (default ${DEFAULT_HOST})` },
    key: { type: 'string', short: 'k', arg: 'FILE', help: 'private key PEM (default: a fresh in-memory self-signed certificate)' },
    cert: { type: 'string', short: 'c', arg: 'FILE', help: 'certificate chain PEM (leaf first)' },
    pfx: { type: 'string', arg: 'FILE', help: 'PKCS#12 file with key and chain, instead of --key/--cert' },
    passphrase: { type: 'string', arg: 'SECRET', help: 'passphrase of --key or --pfx (pass:, env:, file:)' },
    ca: { type: 'string', arg: 'FILE', help: 'CA certificates (PEM) for client certificates' },
    'request-cert': { type: 'boolean', help: 'ask for a client certificate, accept the connection without one' },
    verify: { type: 'boolean', help: 'require a valid client certificate (requestCert + rejectUnauthorized)' },
    alpn: { type: 'string', multiple: true, arg: 'LIST', help: 'ALPN protocols in preference order, e.g. h2,http/1.1' },
    'min-version': { type: 'string', arg: 'VER', help: 'TLSv1.2 or TLSv1.3' },
    'max-version': { type: 'string', arg: 'VER', help: 'TLSv1.2 or TLSv1.3' },
    ciphers: { type: 'string', arg: 'STRING', help: 'OpenSSL cipher string (see ts-tls ciphers)' },
    groups: { type: 'string', arg: 'LIST', help: 'key-exchange groups in preference order, e.g. X25519:P-256 (ecdhCurve)' },
    www: { type: 'boolean', help: 'answer HTTP requests with a page describing the connection' },
    keylog: { type: 'string', arg: 'FILE', help: 'append NSS key log lines (for Wireshark)' },
    json: { type: 'boolean', help: 'print events as JSON lines' },
  },
  details: `
Examples:
  ts-tls server                                     echo server on 127.0.0.1:8000, in-memory certificate
  ts-tls server --www --alpn http/1.1               then: curl -k https://localhost:8000/
  ts-tls server --key key.pem --cert cert.pem --port 8443
  ts-tls server --verify --ca ca.pem                require client certificates issued by ca.pem

Stop with Ctrl-C.`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const port = int(args, 'port', DEFAULT_PORT, 0, 65535);
    const host = str(args, 'host') ?? DEFAULT_HOST;
    const json = flag(args, 'json');
    const emit = (event: string, human: string, data: Record<string, unknown> = {}): void => {
      if (json) io.out(JSON.stringify({ event, time: new Date().toISOString(), ...data }) + '\n');
      else io.out(human + '\n');
    };
    const options: TlsOptions = {};
    const credentials = credentialOptions(args, options);
    let certNote: string;
    if (credentials === 'pfx') {
      certNote = `key and certificate from ${str(args, 'pfx')}`;
    } else if (credentials === 'pem') {
      certNote = `certificate ${str(args, 'cert')}`;
    } else {
      const dev = createDevCertificate(provider());
      options.key = dev.keyPem;
      options.cert = dev.certPem;
      certNote = `in-memory self-signed certificate for localhost, 127.0.0.1, ::1 (ECDSA P-256)\n  SHA-256 fingerprint: ${sha256Fingerprint(dev.certDer)}`;
    }
    const caPath = str(args, 'ca');
    if (caPath) options.ca = readText(caPath, 'CA file');
    if (flag(args, 'verify') || flag(args, 'request-cert')) {
      options.requestCert = true;
      options.rejectUnauthorized = flag(args, 'verify');
    }
    const alpn = protocolOptions(args, options);
    const www = flag(args, 'www');
    if (www && alpn.some((a) => a !== 'http/1.1' && a !== 'http/1.0')) {
      io.err(`warning: --www speaks HTTP/1.1 only; a client that picks ${alpn.filter((a) => !a.startsWith('http/1')).join(', ')} will not understand the answer\n`);
    }
    const keylog = str(args, 'keylog');

    const tls = tlsModule();
    const server = tls.createServer(options, (socket) => {
      const info = sessionInfo(socket);
      const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      const client = info.peerChain[0] ? `${info.peerChain[0].subject} (${info.authorized ? 'verified' : `unverified: ${info.authorizationError ?? '?'}`})` : 'none';
      emit('handshake', `${peer} ${info.protocol} ${info.cipher} SNI=${info.servername ?? 'none'} ALPN=${info.alpn ?? 'none'} client-cert=${client}`, { peer, ...info });
      socket.on('error', (err: Error & { code?: string }) => emit('error', `${peer} error: ${err.message}${err.code ? ` (${err.code})` : ''}`, { peer, code: err.code, message: err.message }));
      socket.on('close', () => emit('close', `${peer} closed`, { peer }));
      if (www) {
        serveWww(socket, info);
      } else {
        socket.write('welcome!\n');
        socket.pipe(socket);
      }
    });
    server.on('tlsClientError', (err: Error & { code?: string }, socket?: TlsSocketLike) => {
      const peer = socket ? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` : '?';
      emit('tlsClientError', `${peer} handshake failed: ${err.message}${err.code ? ` (${err.code})` : ''}`, { peer, code: err.code, message: err.message });
    });
    if (keylog) {
      // Appended, never truncated, so Wireshark can follow one file across runs.
      server.on('keylog', (line: Buffer) => appendFileSync(keylog, line, { mode: 0o600 }));
    }

    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: Error & { code?: string }) => reject(new CliError(`cannot listen on ${host}:${port}: ${err.message}`, err.code ?? 'ERR_LISTEN')));
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    emit('listening', `ts-tls server listening on ${shownHost}:${bound} (${www ? 'www' : 'echo'})\n  ${certNote}\n` +
      `try:  openssl s_client -connect ${shownHost}:${bound} -servername localhost\n` +
      (www ? `      curl -k https://localhost:${bound}/\n` : `      ts-tls client ${shownHost}:${bound} --insecure\n`) +
      'stop with Ctrl-C', { host, port: bound, mode: www ? 'www' : 'echo' });

    await new Promise<void>((resolve) => {
      const stop = (): void => {
        emit('stopping', 'stopping', {});
        server.close(() => resolve());
        // Open connections would keep close() waiting; a second signal or 2 s ends it.
        setTimeout(resolve, 2000).unref();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return EXIT_OK;
  },
};
