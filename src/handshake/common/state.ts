/**
 * The seam between the handshake state machines and the connection that drives them.
 *
 * A state handles exactly one decoded handshake message and returns the next state. Everything a
 * state does to the outside world goes through `HandshakeIo` (implemented by connection/), so the
 * states never see records, sockets or the event queue. The config shapes here are structural
 * subsets of connection/types.ts (handshake/ may not import connection/), so the connection's
 * configs are accepted as they are.
 */
import type { AeadKey, CryptoProvider, SigningKey } from '../../crypto/provider.js';
import type { DecodedHandshake, HandshakeMessage } from '../../wire/types.js';
import type { CertificateVerifier } from './verifier.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription } from '../../wire/registry.js';

export interface HandshakeCertifiedKey {
  chain: Uint8Array[];
  key: SigningKey;
}

export interface HandshakeCommonConfig {
  provider: CryptoProvider;
  minVersion: number;
  maxVersion: number;
  cipherSuites: number[];
  groups: number[];
  signatureSchemes: number[];
  alpnProtocols?: string[];
  keyLog?: boolean;
  verifier: CertificateVerifier;
  now?: () => number;
}

export interface ClientHandshakeConfig extends HandshakeCommonConfig {
  serverName?: string;
  hostname?: string;
  rejectUnauthorized: boolean;
  keyShareGroups?: number[];
  certificate?: HandshakeCertifiedKey;
}

export interface ServerHandshakeConfig extends HandshakeCommonConfig {
  certificates: HandshakeCertifiedKey[];
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  certificateAuthorities?: Uint8Array[];
  pauseOnClientHello?: boolean;
  preferClientCipherOrder?: boolean;
}

/** What the server decided after a paused ClientHello (mirrors ServerHelloDecision). */
export interface HelloDecision {
  certificates?: HandshakeCertifiedKey[];
  alpnProtocols?: string[];
  selectedAlpn?: string | null;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  certificateAuthorities?: Uint8Array[];
  /** Verifier for the client's certificate (an SNI context's own `ca`). */
  verifier?: CertificateVerifier;
  reject?: { alert: number; message: string };
}

/** Events a state may raise; a structural subset of ConnectionEvent. */
export type HandshakeEvent =
  | { type: 'keylog'; line: string }
  | { type: 'sessionTicket'; ticket: Uint8Array; lifetime: number }
  | { type: 'keyUpdate'; requested: boolean }
  | { type: 'clientHello'; serverName?: string; alpnProtocols?: string[]; signatureSchemes?: number[] };

/** The negotiated parameters (same shape as NegotiatedParams in connection/types.ts). */
export interface HandshakeSummary {
  version: number;
  cipherSuite: number;
  group?: number;
  signatureScheme?: number;
  alpnProtocol?: string;
  serverName?: string;
  peerCertificates: Uint8Array[];
  ownCertificate?: Uint8Array;
  peerVerdict?: { ok: boolean; code?: string; message?: string };
  resumed: boolean;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  ownFinished?: Uint8Array;
  peerFinished?: Uint8Array;
  peerSignatureSchemes?: number[];
}

/** One direction's record protection, ready for the record layer. */
export interface TrafficKeyInstall {
  aead: AeadKey;
  iv: Uint8Array;
}

export interface HandshakeIo {
  readonly provider: CryptoProvider;
  now(): number;
  /**
   * Encodes `msg`, queues it as handshake content and traces it; returns the wire bytes (for the
   * transcript). Messages of one flight are coalesced into as few records as possible: the queue
   * is flushed under the current write key before any key change, CCS, alert or application data.
   */
  send(msg: HandshakeMessage): Uint8Array;
  /** Queues the middlebox-compatibility change_cipher_spec record (RFC 8446 §D.4), unprotected. */
  sendChangeCipherSpec(): void;
  /** The next record read is decrypted with this key; fails if handshake bytes are pending (§5.1). */
  setReadKey(key: TrafficKeyInstall): void;
  /** Records written from now on are protected with this key. */
  setWriteKey(key: TrafficKeyInstall): void;
  /** RFC 8449: the peer's record_size_limit (already validated); our protected records must fit it. */
  setPeerRecordSizeLimit(limit: number): void;
  emit(event: HandshakeEvent): void;
  /** The handshake is complete; application data may flow. */
  complete(summary: HandshakeSummary): void;
}

export interface HandshakeState {
  /** For error messages: "expected ServerHello, got Certificate". */
  readonly expecting: string;
  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState;
  /** True while a middlebox-compatibility CCS may arrive (between ClientHello and the peer's Finished). */
  readonly acceptsCompatCcs: boolean;
  /** True when the state waits for the driver (e.g. a `clientHello` decision) rather than for bytes. */
  readonly paused?: boolean;
  /** For a paused state: continue with the driver's decision. */
  resume?(io: HandshakeIo, decision: HelloDecision): HandshakeState;
}

/** Names used in messages and traces: 'server_hello' -> 'ServerHello'. */
export function messageName(type: HandshakeMessage['type']): string {
  return type
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** RFC 8446 §6.2 / rustls `inappropriate_handshake_message`: the one place that words this error. */
export function unexpectedMessage(expected: string, got: HandshakeMessage): TlsError {
  return new TlsError(AlertDescription.unexpected_message, 'UnexpectedHandshakeMessage', `expected ${expected}, got ${messageName(got.type)}`);
}

/** Asserts the message type and narrows it. */
export function expectType<T extends HandshakeMessage['type']>(m: DecodedHandshake, type: T, expected = messageName(type)): Extract<HandshakeMessage, { type: T }> {
  if (m.msg.type !== type) throw unexpectedMessage(expected, m.msg);
  return m.msg as Extract<HandshakeMessage, { type: T }>;
}

export function fail(alert: number, reason: string, message: string): TlsError {
  return new TlsError(alert, reason, message);
}
