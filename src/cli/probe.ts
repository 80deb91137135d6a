/**
 * `ts-tls probe HOST[:PORT]`: what a server accepts, found by handshaking with it repeatedly through
 * the public connect() API, each time offering one protocol version, one suite, one group or one
 * ALPN protocol. What our own client cannot offer yet is reported as "untested", never as a "no"
 * from the server.
 */
import { type Command, EXIT_FAILURE, EXIT_OK, flag, int, list, type Io, type ParsedArgs } from './command.js';
import { serverTarget } from './client.js';
import { formatSession, sessionInfo, tlsModule, type SessionInfo, type TlsModuleLike } from './tls-api.js';
import { isTls13Suite, SUITES } from '../suites/suites.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
const GROUP_NAMES = ['X25519', 'P-256', 'P-384', 'P-521', 'X448', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'];
const DEFAULT_ALPN = ['h2', 'http/1.1'];
/** Errors raised by our own client before anything reaches the server: "cannot test", not "rejected". */
const LOCAL_CODES = new Set(['ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_NO_CIPHER_MATCH', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE', 'ERR_TLS_INVALID_PROTOCOL_VERSION']);

export type ProbeVerdict = 'yes' | 'no' | 'untested';

export interface ProbeRow {
  what: string;
  verdict: ProbeVerdict;
  /** What was negotiated on success, or why it failed. */
  detail: string;
}

export interface Attempt {
  ok: boolean;
  info?: SessionInfo;
  code?: string;
  message?: string;
  local?: boolean;
}

function attempt(tls: TlsModuleLike, base: Record<string, unknown>, extra: Record<string, unknown>, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Attempt): void => {
      if (!done) {
        done = true;
        resolve(a);
      }
    };
    let socket: ReturnType<TlsModuleLike['connect']>;
    try {
      socket = tls.connect({ ...base, ...extra }, () => {
        finish({ ok: true, info: sessionInfo(socket) });
        socket.destroy();
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      finish({ ok: false, code: e.code, message: e.message, local: true });
      return;
    }
    socket.setTimeout?.(timeoutMs, () => {
      finish({ ok: false, code: 'ETIMEDOUT', message: `no answer within ${timeoutMs} ms` });
      socket.destroy();
    });
    socket.on('error', (e: Error & { code?: string }) => finish({ ok: false, code: e.code, message: e.message, local: e.code !== undefined && LOCAL_CODES.has(e.code) }));
    socket.on('close', () => finish({ ok: false, code: 'ECONNRESET', message: 'closed before the handshake finished' }));
  });
}

function row(what: string, a: Attempt, describe: (i: SessionInfo) => string): ProbeRow {
  if (a.ok) return { what, verdict: 'yes', detail: describe(a.info!) };
  return { what, verdict: a.local ? 'untested' : 'no', detail: `${a.code ?? 'error'}: ${a.message ?? ''}`.trim() };
}

export async function probe(
  host: string,
  port: number,
  opts: { servername?: string; timeoutMs: number; alpn: string[] },
  onRow: (section: string, r: ProbeRow) => void,
  onBaseline: (a: Attempt) => void = () => {},
): Promise<{ baseline: Attempt; sections: Record<string, ProbeRow[]> }> {
  const tls = tlsModule();
  const base: Record<string, unknown> = { host, port, rejectUnauthorized: false, ...(opts.servername ? { servername: opts.servername } : {}) };
  const sections: Record<string, ProbeRow[]> = {};
  const add = (section: string, r: ProbeRow): void => {
    (sections[section] ??= []).push(r);
    onRow(section, r);
  };
  const baseline = await attempt(tls, base, {}, opts.timeoutMs);
  onBaseline(baseline);
  if (!baseline.ok) return { baseline, sections };

  for (const v of ['TLSv1.3', 'TLSv1.2']) {
    add('versions', row(v, await attempt(tls, base, { minVersion: v, maxVersion: v }, opts.timeoutMs), (i) => `${i.protocol} ${i.cipher}`));
  }
  const v12 = sections.versions!.find((r) => r.what === 'TLSv1.2')!;
  for (const s of SUITES) {
    const is13 = isTls13Suite(s);
    const section = is13 ? 'TLS 1.3 suites' : 'TLS 1.2 suites';
    if (!is13 && v12.verdict !== 'yes') {
      // One row for the lot: each would only repeat the TLS 1.2 answer.
      if (!sections[section]) add(section, { what: '(all)', verdict: v12.verdict, detail: v12.verdict === 'untested' ? 'TLS 1.2 is not testable with this client' : 'the server refused TLS 1.2' });
      continue;
    }
    const versions = is13 ? { minVersion: 'TLSv1.3' } : { maxVersion: 'TLSv1.2' };
    add(section, row(s.opensslName, await attempt(tls, base, { ciphers: s.opensslName, ...versions }, opts.timeoutMs), (i) => `${i.protocol} ${i.cipher}`));
  }
  for (const g of GROUP_NAMES) {
    add('groups', row(g, await attempt(tls, base, { ecdhCurve: g }, opts.timeoutMs), (i) => `${i.protocol} ${i.keyExchange ?? ''}`.trim()));
  }
  for (const proto of opts.alpn) {
    add('ALPN', row(proto, await attempt(tls, base, { ALPNProtocols: [proto] }, opts.timeoutMs), (i) => (i.alpn ? `selected ${i.alpn}` : 'accepted without ALPN')));
  }
  return { baseline, sections };
}

export const probeCommand: Command = {
  name: 'probe',
  summary: 'Find which versions, suites, groups and ALPN protocols a TLS server accepts.',
  usage: 'probe HOST[:PORT] [--servername NAME] [--alpn LIST] [--timeout MS] [--json]',
  maxPositionals: 1,
  options: {
    servername: { type: 'string', arg: 'NAME', help: 'SNI to send (default: HOST unless it is an IP address)' },
    alpn: { type: 'string', multiple: true, arg: 'LIST', help: `ALPN protocols to try one by one (default ${DEFAULT_ALPN.join(',')})` },
    timeout: { type: 'string', arg: 'MS', help: `per-handshake timeout (default ${DEFAULT_PROBE_TIMEOUT_MS})` },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details: `
Every probe is a full handshake that offers one thing; "no" means the server refused it, "untested"
means this client cannot offer it (for example TLS 1.2 while the engine speaks TLS 1.3 only).
The certificate chain is shown but not trusted or rejected: probing is not verification.

Examples:
  ts-tls probe example.com
  ts-tls probe 127.0.0.1:8443 --servername localhost --alpn h2,http/1.1,acme-tls/1
  ts-tls probe localhost:8000 --json`,
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const { host, port, servername } = serverTarget(args);
    const timeoutMs = int(args, 'timeout', DEFAULT_PROBE_TIMEOUT_MS, 100, 120_000);
    const alpn = list(args, 'alpn').length ? list(args, 'alpn') : DEFAULT_ALPN;
    const json = flag(args, 'json');
    if (!json) io.out(`probing ${host}:${port}${servername ? ` (SNI ${servername})` : ''}\n`);
    let lastSection = '';
    const showBaseline = (b: Attempt): void => {
      if (json || !b.ok) return;
      io.out(`default handshake:\n  ${formatSession(b.info!, 'server').replace(/\n(?=.)/g, '\n  ')}`);
      io.out(`  chain verification (not enforced): ${b.info!.authorized ? 'OK' : `FAILED (${b.info!.authorizationError ?? '?'})`}\n`);
    };
    const result = await probe(host, port, { ...(servername ? { servername } : {}), timeoutMs, alpn }, (section, r) => {
      if (json) return;
      if (section !== lastSection) io.out(`${section}:\n`);
      lastSection = section;
      io.out(`  ${r.what.padEnd(32)} ${r.verdict.padEnd(9)} ${r.detail}\n`);
    }, showBaseline);
    if (!result.baseline.ok) {
      const b = result.baseline;
      if (json) io.out(JSON.stringify({ host, port, ok: false, error: { code: b.code, message: b.message } }) + '\n');
      else io.err(`ts-tls probe: cannot complete a handshake with ${host}:${port}: ${b.message ?? ''}${b.code ? ` (${b.code})` : ''}\n`);
      return EXIT_FAILURE;
    }
    if (json) io.out(JSON.stringify({ host, port, ok: true, default: result.baseline.info, ...result.sections }, null, 2) + '\n');
    return EXIT_OK;
  },
};
