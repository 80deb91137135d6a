/**
 * Side-by-side harness: a scenario is a function of the server's and the client's `tls` module
 * that returns what an application could observe (events in order, property values, error codes).
 * Running it with node:tls on both ends gives the reference; every pairing that involves ts-tls
 * must observe the same thing.
 */
import * as nodeTls from 'node:tls';
import { waitFor } from '../node/helpers.js';
import { ours } from '../support/impl.js';

export type TlsLib = typeof nodeTls;
export { ours };
export const node: TlsLib = nodeTls;

export interface Pairing {
  name: string;
  server: TlsLib;
  client: TlsLib;
}

export const REFERENCE: Pairing = { name: 'node server + node client', server: node, client: node };
export const PAIRINGS: Pairing[] = [
  { name: 'ts-tls server + ts-tls client', server: ours, client: ours },
  { name: 'node server + ts-tls client', server: node, client: ours },
  { name: 'ts-tls server + node client', server: ours, client: node },
];

/** Ordered event log of one endpoint; 'data' is logged once, with the bytes concatenated. */
export class EventLog {
  readonly events: string[] = [];
  readonly errors: { code?: string; message: string; reason?: string }[] = [];
  data = '';

  push(name: string): void {
    this.events.push(name);
  }

  error(err: Error & { code?: string; reason?: string }): void {
    this.events.push(`error:${err.code ?? '?'}`);
    this.errors.push(errorView(err));
  }

  /** Logs the standard stream events of a TLS socket. */
  watch(sock: nodeTls.TLSSocket, opts: { secureConnect?: boolean } = {}): this {
    if (opts.secureConnect) sock.on('secureConnect', () => this.push('secureConnect'));
    sock.on('data', (d: Buffer) => {
      if (this.data === '') this.push('data');
      this.data += d.toString('latin1');
    });
    sock.on('end', () => this.push('end'));
    sock.on('close', (hadError: boolean) => this.push(hadError ? 'close(hadError)' : 'close'));
    sock.on('error', (e) => this.error(e));
    return this;
  }
}

/**
 * What must match in an error. OpenSSL's messages carry a thread address and a source file path,
 * so for ERR_SSL_* errors the message is compared by whether it contains the OpenSSL reason.
 */
export function errorView(err: Error & { code?: string; reason?: string }): { code?: string; message: string; reason?: string } {
  const openssl = typeof err.code === 'string' && err.code.startsWith('ERR_SSL_');
  const message = openssl ? `(OpenSSL message naming '${err.reason}': ${err.message.includes(err.reason ?? '\u0000')})` : err.message;
  return { code: err.code, message, reason: err.reason };
}

/** Resolves when `pred()` holds (checked every 5 ms) or after `ms` (never rejects: callers assert). */
export function until(pred: () => boolean, ms = 4000): Promise<boolean> {
  return waitFor(pred, ms);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { listen, closeServer } from '../node/helpers.js';

/** The fields of getPeerCertificate() that must match between implementations. */
export function certView(c: nodeTls.PeerCertificate | Record<string, never> | null | undefined): Record<string, unknown> {
  if (!c || Object.keys(c).length === 0) return { empty: true };
  const pc = c as nodeTls.PeerCertificate;
  return {
    subject: { ...pc.subject },
    issuer: { ...pc.issuer },
    subjectaltname: pc.subjectaltname,
    valid_from: pc.valid_from,
    valid_to: pc.valid_to,
    fingerprint256: pc.fingerprint256,
    serialNumber: pc.serialNumber,
    rawLength: pc.raw?.length,
  };
}

/** CNs up the chain from getPeerCertificate(true), stopping at the self-issued root. */
function chainSubjects(s: nodeTls.TLSSocket): string[] {
  const out: string[] = [];
  let c: nodeTls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
  while (c && Object.keys(c).length > 0 && out.length < 5) {
    out.push(String(c.subject?.CN));
    if (!c.issuerCertificate || c.issuerCertificate === c) break;
    c = c.issuerCertificate;
  }
  return out;
}

/** The connection properties an application reads after the handshake. */
export function socketView(s: nodeTls.TLSSocket): Record<string, unknown> {
  const cipher = s.getCipher();
  return {
    encrypted: s.encrypted,
    authorized: s.authorized,
    authorizationError: s.authorizationError ?? null,
    protocol: s.getProtocol(),
    cipher: cipher ? { name: cipher.name, standardName: cipher.standardName, version: cipher.version } : cipher,
    alpnProtocol: s.alpnProtocol,
    servername: (s as unknown as { servername?: unknown }).servername,
    ephemeralKeyInfo: s.getEphemeralKeyInfo(),
    finishedLength: s.getFinished()?.length,
    peerFinishedLength: s.getPeerFinished()?.length,
    remoteFamily: s.remoteFamily,
    chainSubjects: chainSubjects(s),
  };
}
