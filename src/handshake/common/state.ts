/**
 * The seam between the handshake state machines and the connection that drives them.
 *
 * A state handles exactly one decoded handshake message and returns the next state. Everything a
 * state does to the outside world goes through `HandshakeIo` (implemented by connection/), so the
 * states never see records, sockets or the event queue. The configs, decision, events and summary
 * are defined here, once, with what the handshake reads; connection/types.ts (the public contract)
 * extends them with what only the record layer and the driver use (handshake/ may not import
 * connection/, the other way round is allowed).
 */
import type { AeadKey, CryptoProvider, SigningKey } from '../../crypto/provider.js';
import type { DecodedHandshake, HandshakeMessage } from '../../wire/types.js';
import type { CertificateVerifier } from './verifier.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription } from '../../wire/registry.js';

/** A certificate chain (DER, leaf first) with its private key. */
export interface HandshakeCertifiedKey {
  chain: Uint8Array[];
  key: SigningKey;
}

export interface HandshakeCommonConfig {
  provider: CryptoProvider;
  /** 0x0303 (TLS 1.2) .. 0x0304 (TLS 1.3). */
  minVersion: number;
  maxVersion: number;
  /** TLS 1.3 suites in preference order (and TLS 1.2 suites, once TLS 1.2 exists). */
  cipherSuites: number[];
  /** Named groups in preference order. */
  groups: number[];
  /** Signature schemes we accept from the peer / offer, in preference order. */
  signatureSchemes: number[];
  /** ALPN protocol names in preference order; empty or undefined means no ALPN. */
  alpnProtocols?: string[];
  /** Emit 'keylog' events (NSS key log lines). */
  keyLog?: boolean;
  verifier: CertificateVerifier;
  /** Clock for certificate validity and ticket ages (ms since epoch). Default Date.now. */
  now?: () => number;
}

export interface ClientHandshakeConfig extends HandshakeCommonConfig {
  /** Sent as SNI unless it is an IP address or empty. */
  serverName?: string;
  /** Used for host-name context in the verifier and reported back; the adapter checks the identity. */
  hostname?: string;
  /** true: a chain that fails verification is a fatal alert. false: report authorized=false and go on. */
  rejectUnauthorized: boolean;
  /** Groups to send key shares for in the first ClientHello (default: the first of `groups`). */
  keyShareGroups?: number[];
  /** Client certificate for servers that ask (certificate issue). */
  certificate?: HandshakeCertifiedKey;
  /**
   * Candidate client certificates (Node's `cert`/`key` arrays); when given, `certificate` is
   * ignored. The engine sends the one the CertificateRequest's signature_algorithms fits first.
   */
  certificates?: HandshakeCertifiedKey[];
}

export interface ServerHandshakeConfig extends HandshakeCommonConfig {
  /** Candidate certificates; the engine picks one the client's signature_algorithms allows. */
  certificates: HandshakeCertifiedKey[];
  /** Ask the client for a certificate (CertificateRequest). */
  requestCert?: boolean;
  /** With requestCert: a missing or unverifiable client certificate is fatal. */
  rejectUnauthorized?: boolean;
  /** DER DistinguishedNames for certificate_authorities in CertificateRequest. */
  certificateAuthorities?: Uint8Array[];
  /**
   * When true the server stops after parsing the ClientHello and emits `clientHello`; the driver
   * then calls `resumeHandshake(...)` (SNICallback, addContext, ALPNCallback live in the adapter).
   */
  pauseOnClientHello?: boolean;
  /** Pick the cipher suite by the client's preference instead of ours (Node's honorCipherOrder: false). */
  preferClientCipherOrder?: boolean;
}

/** What the server decides after seeing the ClientHello (answer to a `clientHello` event). */
export interface HelloDecision {
  certificates?: HandshakeCertifiedKey[];
  alpnProtocols?: string[];
  /** Pick the ALPN protocol directly (ALPNCallback); undefined = no ALPN, null = use the lists. */
  selectedAlpn?: string | null;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  certificateAuthorities?: Uint8Array[];
  /** Verify the client's certificate with this instead (the SNI context's `ca`, as OpenSSL's SSL_set_SSL_CTX does). */
  verifier?: CertificateVerifier;
  /** Abort with this alert instead (e.g. unrecognized_name when SNICallback fails). */
  reject?: { alert: number; message: string };
}

/** Events a state may raise; ConnectionEvent adds the connection's own. */
export type HandshakeEvent =
  /** Server only, when pauseOnClientHello: the engine waits for resumeHandshake(). */
  | { type: 'clientHello'; serverName?: string; alpnProtocols?: string[]; signatureSchemes?: number[] }
  /** An NSS key-log line without trailing newline: "CLIENT_HANDSHAKE_TRAFFIC_SECRET <cr> <secret>". */
  | { type: 'keylog'; line: string }
  /** Client: a NewSessionTicket arrived (resumption issue stores it). */
  | { type: 'sessionTicket'; ticket: Uint8Array; lifetime: number }
  /** A KeyUpdate was received and answered (for traces/tests). */
  | { type: 'keyUpdate'; requested: boolean };

/** The negotiated parameters (connection/types.ts publishes them as NegotiatedParams). */
export interface HandshakeSummary {
  version: number;
  cipherSuite: number;
  group?: number;
  signatureScheme?: number; // the one the peer signed with
  alpnProtocol?: string;
  serverName?: string; // SNI as received (server) or sent (client)
  peerCertificates: Uint8Array[]; // DER, as received, leaf first
  ownCertificate?: Uint8Array; // DER leaf we sent
  /** Result of the peer-chain verification (undefined when the peer sent none). */
  peerVerdict?: { ok: boolean; code?: string; message?: string };
  resumed: boolean;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  /** Finished verify_data we sent / received (getFinished/getPeerFinished). */
  ownFinished?: Uint8Array;
  peerFinished?: Uint8Array;
  /** Peer's signature_algorithms (server side) for getSharedSigalgs. */
  peerSignatureSchemes?: number[];
}

/**
 * The summary's randoms and Finished values as copies in one buffer: the summary lives as long as
 * the connection, and four views of one ArrayBuffer cost less than four arrays of their own.
 * Copies also let go of what the inputs may be views of (the ClientHello, the joiner's buffer).
 */
export function summaryBytes(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  ownFinished: Uint8Array,
  peerFinished: Uint8Array,
): Pick<HandshakeSummary, 'clientRandom' | 'serverRandom' | 'ownFinished' | 'peerFinished'> {
  const buf = new Uint8Array(clientRandom.length + serverRandom.length + ownFinished.length + peerFinished.length);
  let at = 0;
  const copy = (p: Uint8Array): Uint8Array => {
    buf.set(p, at);
    return buf.subarray(at, (at += p.length));
  };
  return { clientRandom: copy(clientRandom), serverRandom: copy(serverRandom), ownFinished: copy(ownFinished), peerFinished: copy(peerFinished) };
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

/** Asserts the message type and narrows it (the expected message's name is made only for the error). */
export function expectType<T extends HandshakeMessage['type']>(m: DecodedHandshake, type: T, expected?: string): Extract<HandshakeMessage, { type: T }> {
  if (m.msg.type !== type) throw unexpectedMessage(expected ?? messageName(type), m.msg);
  return m.msg as Extract<HandshakeMessage, { type: T }>;
}
