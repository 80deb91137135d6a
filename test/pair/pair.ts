/**
 * In-memory client+server pairs (the rustls tests/api.rs style): make a pair, shuttle bytes both
 * ways until nothing moves, and optionally tamper with bytes in flight.
 *
 *   const { client, server } = makePair();
 *   const r = handshake(client, server);      // r.client / r.server: all events seen
 */
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { createClientConnection, createServerConnection } from '../../src/connection/index.js';
import type { CertifiedKey, ClientConfig, ConnectionEvent, ServerConfig, TlsConnection } from '../../src/connection/types.js';
import { pemCertificates } from '../../src/pki/pem.js';
import { DEFAULT_GROUPS } from '../../src/suites/groups.js';
import { DEFAULT_SIGALGS } from '../../src/suites/sigalgs.js';
import { DEFAULT_TLS13_SUITES } from '../../src/suites/suites.js';
import { concatBytes } from '../../src/util/bytes.js';
import { makeTestPki, type KeyCertPair } from '../fixtures/certs.js';
import { TestVerifier } from './verifier.js';

export const provider = nodeCryptoProvider();

export function certifiedKey(pair: KeyCertPair & { chain?: string }, p: CryptoProvider = provider): CertifiedKey {
  return { chain: pemCertificates(pair.chain ?? pair.cert), key: p.loadSigningKey(pair.key) };
}

export interface PairOptions {
  client?: Partial<ClientConfig>;
  server?: Partial<ServerConfig>;
}

/** A client trusting the test CA and a server with the CA-issued ECDSA leaf, default algorithms. */
export function makePair(opts: PairOptions = {}): { client: TlsConnection; server: TlsConnection; clientConfig: ClientConfig; serverConfig: ServerConfig } {
  const pki = makeTestPki();
  const verifier = new TestVerifier([pki.ca.certDer]);
  const common = {
    provider,
    minVersion: 0x0303,
    maxVersion: 0x0304,
    cipherSuites: [...DEFAULT_TLS13_SUITES],
    groups: [...DEFAULT_GROUPS],
    signatureSchemes: [...DEFAULT_SIGALGS],
    verifier,
  };
  const clientConfig: ClientConfig = { ...common, serverName: 'localhost', rejectUnauthorized: true, ...opts.client };
  const serverConfig: ServerConfig = { ...common, certificates: [certifiedKey(pki.leaf)], ...opts.server };
  return { client: createClientConnection(clientConfig), server: createServerConnection(serverConfig), clientConfig, serverConfig };
}

export type Tamper = (bytes: Uint8Array, flight: number) => Uint8Array;

export interface Transcript {
  client: ConnectionEvent[];
  server: ConnectionEvent[];
}

/** Moves everything `from` has queued into `to`; returns `to`'s events. */
export function transfer(from: TlsConnection, to: TlsConnection, tamper?: Tamper, flight = 0): ConnectionEvent[] {
  const chunks = from.takeOutgoing();
  if (chunks.length === 0) return [];
  let bytes = concatBytes(...chunks);
  if (tamper) bytes = tamper(bytes, flight);
  return to.receive(bytes);
}

/**
 * Starts the client and shuttles bytes until neither side has anything to send (or MAX_ROUNDS).
 * `tamperClient` / `tamperServer` see each flight from that side (numbered from 0).
 */
export function handshake(client: TlsConnection, server: TlsConnection, tamper: { client?: Tamper; server?: Tamper } = {}): Transcript {
  const t: Transcript = { client: [...client.start()], server: [] };
  run(client, server, t, tamper);
  return t;
}

const MAX_ROUNDS = 50;

/** Shuttles bytes both ways until quiet; appends events to `t`. */
export function run(client: TlsConnection, server: TlsConnection, t: Transcript = { client: [], server: [] }, tamper: { client?: Tamper; server?: Tamper } = {}): Transcript {
  let cf = 0;
  let sf = 0;
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const moved = client.outgoingBytes + server.outgoingBytes;
    if (moved === 0) return t;
    if (client.outgoingBytes) t.server.push(...transfer(client, server, tamper.client, cf++));
    if (server.outgoingBytes) t.client.push(...transfer(server, client, tamper.server, sf++));
  }
  throw new Error('pair did not go quiet');
}

export function errorsOf(events: ConnectionEvent[]): Extract<ConnectionEvent, { type: 'error' }>['error'][] {
  return events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
}

export function dataOf(events: ConnectionEvent[]): Uint8Array {
  return concatBytes(...events.flatMap((e) => (e.type === 'data' ? [e.data] : [])));
}

export function has(events: ConnectionEvent[], type: ConnectionEvent['type']): boolean {
  return events.some((e) => e.type === type);
}

/** One unprotected TLS 1.2-versioned record (RFC 8446 §5.1), built by hand so tests can send what the engine never would. */
export function plainRecord(type: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(type, 3, 3, body.length >> 8, body.length & 0xff), body);
}

/** Everything `c` has queued, as one buffer. */
export function takeAll(c: TlsConnection): Uint8Array {
  return concatBytes(...c.takeOutgoing());
}
