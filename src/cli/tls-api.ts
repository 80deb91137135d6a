/**
 * The part of the public `tls` API (src/index.ts) the server and client commands use, typed
 * minimally after Node's documented API, and what they print about a connection. The CLI stays a
 * plain user of the library: if it works here, it works for any Node program.
 */
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import * as lib from '../index.js';
import { describeCertificate, readText, resolveSecret } from './io.js';
import { CliError, list, oneOf, str, UsageError, type ParsedArgs } from './command.js';
import { pfxKeyAndCert } from './pkcs12.js';

/** Node's getPeerCertificate(true) shape, as far as we read it. */
export interface PeerCertificateLike {
  raw?: Uint8Array;
  subject?: Record<string, string | string[]>;
  issuer?: Record<string, string | string[]>;
  valid_from?: string;
  valid_to?: string;
  fingerprint256?: string;
  subjectaltname?: string;
  issuerCertificate?: PeerCertificateLike;
}

export interface TlsSocketLike extends Duplex {
  authorized: boolean;
  authorizationError?: Error | string | null;
  alpnProtocol?: string | false | null;
  servername?: string | false | null;
  remoteAddress?: string;
  remotePort?: number;
  getProtocol(): string | null;
  getCipher(): { name: string; standardName?: string; version: string } | null;
  getPeerCertificate(detailed?: boolean): PeerCertificateLike | null | Record<string, never>;
  getEphemeralKeyInfo?(): { type?: string; name?: string; size?: number } | null | Record<string, never>;
  setTimeout?(ms: number, cb?: () => void): unknown;
  /** ts-tls extension (Node has none): send a TLS 1.3 KeyUpdate, asking the peer to update too. */
  keyUpdate?(requestPeerUpdate?: boolean): void;
}

export interface TlsServerLike extends EventEmitter {
  listen(port: number, host: string, cb?: () => void): this;
  address(): { port: number; address: string; family: string } | string | null;
  close(cb?: (err?: Error) => void): this;
}

export interface TlsModuleLike {
  createServer(options: Record<string, unknown>, listener?: (s: TlsSocketLike) => void): TlsServerLike;
  connect(options: Record<string, unknown>, cb?: () => void): TlsSocketLike;
}

/** The library's tls surface; a clear error while src/index.ts does not export it yet. */
export function tlsModule(): TlsModuleLike {
  const m = lib as unknown as Partial<TlsModuleLike> & { default?: Partial<TlsModuleLike> };
  const api = typeof m.createServer === 'function' ? m : m.default;
  if (!api || typeof api.createServer !== 'function' || typeof api.connect !== 'function') {
    throw new CliError('this build of ts-tls does not export createServer/connect yet', 'ERR_TS_TLS_API_MISSING');
  }
  return api as TlsModuleLike;
}

export interface ChainEntry {
  depth: number;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  subjectAltName?: string;
}

function nameText(n: Record<string, string | string[]> | undefined): string {
  if (!n) return '';
  return Object.entries(n).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ');
}

/** Identifies a certificate object by its bytes (or, without raw, its fingerprint and subject). */
export function certKey(c: PeerCertificateLike): string {
  return c.raw ? Buffer.from(c.raw).toString('base64') : `${c.fingerprint256 ?? ''}|${nameText(c.subject)}`;
}

/** The peer chain, leaf first, from getPeerCertificate(true) (issuerCertificate links; a repeated certificate ends it). */
export function peerChain(socket: TlsSocketLike): ChainEntry[] {
  const out: ChainEntry[] = [];
  let cert = socket.getPeerCertificate(true) as PeerCertificateLike | null;
  // By content, not identity: Node links a self-signed peer to a copy of the trusted one, which
  // links to itself (three objects, one certificate).
  const seen = new Set<string>();
  while (cert && Object.keys(cert).length > 0 && !seen.has(certKey(cert)) && out.length < 16) {
    seen.add(certKey(cert));
    const d = cert.raw ? describeCertificate(cert.raw) : undefined;
    out.push({
      depth: out.length,
      subject: d?.subject ?? nameText(cert.subject),
      issuer: d?.issuer ?? nameText(cert.issuer),
      validFrom: d?.validFrom ?? cert.valid_from ?? '',
      validTo: d?.validTo ?? cert.valid_to ?? '',
      fingerprint256: d?.fingerprint256 ?? cert.fingerprint256 ?? '',
      ...(d?.subjectAltName ?? cert.subjectaltname ? { subjectAltName: d?.subjectAltName ?? cert.subjectaltname } : {}),
    });
    cert = cert.issuerCertificate ?? null;
  }
  return out;
}

export interface SessionInfo {
  protocol: string | null;
  cipher: string | null;
  standardName?: string;
  alpn: string | null;
  servername: string | null;
  keyExchange?: string;
  authorized: boolean;
  authorizationError?: string;
  peerChain: ChainEntry[];
}

export function sessionInfo(socket: TlsSocketLike): SessionInfo {
  const c = socket.getCipher();
  const ek = socket.getEphemeralKeyInfo?.();
  const err = socket.authorizationError;
  return {
    protocol: socket.getProtocol(),
    cipher: c?.name ?? null,
    ...(c?.standardName ? { standardName: c.standardName } : {}),
    alpn: socket.alpnProtocol ? String(socket.alpnProtocol) : null,
    servername: socket.servername ? String(socket.servername) : null,
    ...(ek && 'name' in ek && ek.name ? { keyExchange: `${ek.name}${ek.size ? ` (${ek.size} bits)` : ''}` } : {}),
    authorized: socket.authorized,
    ...(err ? { authorizationError: typeof err === 'string' ? err : `${(err as Error & { code?: string }).code ?? ''} ${err.message}`.trim() } : {}),
    peerChain: peerChain(socket),
  };
}

/** Human lines for a session: one line of parameters, then the chain. */
export function formatSession(info: SessionInfo, peerLabel: string): string {
  const lines = [
    `protocol: ${info.protocol ?? '?'}, cipher: ${info.cipher ?? '?'}${info.keyExchange ? `, key exchange: ${info.keyExchange}` : ''}` +
      `, ALPN: ${info.alpn ?? 'none'}, SNI: ${info.servername ?? 'none'}`,
  ];
  if (info.peerChain.length === 0) lines.push(`${peerLabel} certificate: none`);
  for (const c of info.peerChain) {
    lines.push(`  ${c.depth} s: ${c.subject}`);
    lines.push(`    i: ${c.issuer}`);
    lines.push(`    valid: ${c.validFrom} .. ${c.validTo}`);
    if (c.subjectAltName) lines.push(`    names: ${c.subjectAltName}`);
    lines.push(`    SHA-256: ${c.fingerprint256}`);
  }
  return lines.join('\n') + '\n';
}

/** Shared options of server and client that map onto tls options. */
export type TlsOptions = Record<string, unknown>;

export const PROTOCOL_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

/** 'h2,http/1.1' → ['h2', 'http/1.1'] (each 1..255 bytes, RFC 7301 §3.1). */
export function alpnList(values: string[]): string[] {
  for (const v of values) {
    if (Buffer.byteLength(v) < 1 || Buffer.byteLength(v) > 255) throw new CliError(`ALPN protocol "${v}" must be 1 to 255 bytes (RFC 7301 §3.1)`);
  }
  return values;
}

/** --alpn, --min-version, --max-version, --ciphers and --groups into `options`; returns the ALPN list. */
export function protocolOptions(args: ParsedArgs, options: TlsOptions): string[] {
  const alpn = alpnList(list(args, 'alpn'));
  if (alpn.length) options.ALPNProtocols = alpn;
  if (str(args, 'min-version')) options.minVersion = oneOf(args, 'min-version', PROTOCOL_VERSIONS, 'TLSv1.2');
  if (str(args, 'max-version')) options.maxVersion = oneOf(args, 'max-version', PROTOCOL_VERSIONS, 'TLSv1.3');
  if (str(args, 'ciphers')) options.ciphers = str(args, 'ciphers');
  if (str(args, 'groups')) options.ecdhCurve = str(args, 'groups');
  return alpn;
}

/**
 * --cert/--key (PEM, with --passphrase) or --pfx (with --passphrase) into `options`; returns
 * which was given, undefined for neither.
 */
export function credentialOptions(args: ParsedArgs, options: TlsOptions): 'pem' | 'pfx' | undefined {
  const certPath = str(args, 'cert');
  const keyPath = str(args, 'key');
  const pfxPath = str(args, 'pfx');
  if (!!certPath !== !!keyPath) throw new UsageError('--cert and --key go together');
  if (pfxPath && certPath) throw new UsageError('give --pfx or --cert/--key, not both');
  if (pfxPath) {
    Object.assign(options, pfxKeyAndCert(pfxPath, resolveSecret(str(args, 'passphrase'))));
    return 'pfx';
  }
  if (!certPath || !keyPath) return undefined;
  options.cert = readText(certPath, 'certificate');
  options.key = readText(keyPath, 'key');
  const pass = resolveSecret(str(args, 'passphrase'));
  if (pass !== undefined) options.passphrase = pass;
  return 'pem';
}
