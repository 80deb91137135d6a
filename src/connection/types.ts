/**
 * The contract between the sans-I/O engine and whatever drives it (the Node adapter, tests, the
 * CLI). The engine implements `TlsConnection` (connection/connection.ts); the adapter never sees
 * handshake messages, keys or records, only these configs, calls and events.
 */
import type {
  ClientHandshakeConfig,
  HandshakeCertifiedKey,
  HandshakeCommonConfig,
  HandshakeEvent,
  HandshakeSummary,
  HelloDecision,
  ServerHandshakeConfig,
} from '../handshake/common/state.js';
import type { TlsError } from '../util/errors.js';

// The handshake's part of each shape is defined (and its fields documented) once, in
// handshake/common/state.ts; these add what only the record layer and the driver use.

/** A certificate chain (DER, leaf first) with its private key. */
export interface CertifiedKey extends HandshakeCertifiedKey {
  /** Optional stapled OCSP response for the leaf (later issue). */
  ocspResponse?: Uint8Array;
}

/** provider, versions, suites, groups, signature schemes, ALPN, keyLog, verifier, clock; plus: */
export interface CommonConfig extends HandshakeCommonConfig {
  /** Max plaintext bytes per record we send (512..16384). Default 16384. */
  maxFragmentLength?: number;
  /**
   * Emit 'trace' events (one line per handshake message). Default true. A function is asked at
   * each message, so tracing can be switched on mid-handshake (Node's enableTrace()); false
   * saves describing every message when nobody reads the lines.
   */
  trace?: boolean | (() => boolean);
}

/** serverName, hostname, rejectUnauthorized, keyShareGroups, certificate(s). */
export interface ClientConfig extends CommonConfig, ClientHandshakeConfig {
  certificate?: CertifiedKey;
  certificates?: CertifiedKey[];
}

/** certificates, requestCert, rejectUnauthorized, certificateAuthorities, pauseOnClientHello, preferClientCipherOrder; plus: */
export interface ServerConfig extends CommonConfig, ServerHandshakeConfig {
  certificates: CertifiedKey[];
  /** Number of TLS 1.3 NewSessionTickets to send after the handshake (resumption issue). */
  ticketCount?: number;
}

/** What the server decides after seeing the ClientHello (answer to a `clientHello` event). */
export interface ServerHelloDecision extends HelloDecision {
  certificates?: CertifiedKey[];
}

/** Version, suite, group, schemes, ALPN, SNI, certificates, verdict, randoms and Finished values. */
export type NegotiatedParams = HandshakeSummary;

export type ConnectionEvent =
  | { type: 'handshakeDone' }
  /** Decrypted application data, in order. */
  | { type: 'data'; data: Uint8Array }
  /** The peer sent close_notify: no more data will come (the write side may stay open). */
  | { type: 'peerClosed' }
  /** Fatal: the alert we sent (already queued in outgoing bytes) or received is in `error.alert`. */
  | { type: 'error'; error: TlsError }
  /** clientHello (server, pauseOnClientHello), keylog, sessionTicket, keyUpdate. */
  | HandshakeEvent
  /** Handshake trace for enableTrace()/debugging: one line per message sent or received. */
  | { type: 'trace'; direction: 'sent' | 'received'; message: string };

/**
 * The sans-I/O connection. Feed received bytes with `receive`; it returns the events that follow.
 * After every call, the driver must send `takeOutgoing()`. Fatal errors are sticky: once an
 * `error` event has been returned every later call is a no-op returning [] (and write throws).
 */
export interface TlsConnection {
  readonly isServer: boolean;
  /** Starts the handshake (a client queues its ClientHello). Returns events (e.g. keylog). */
  start(): ConnectionEvent[];
  /**
   * Feeds received bytes. With `transient` the bytes are only valid during this call (a read
   * buffer the caller reuses): nothing returned or kept refers to them afterwards, at the cost
   * of copying an incomplete trailing record. Without it the bytes are kept by reference.
   */
  receive(bytes: Uint8Array, transient?: boolean): ConnectionEvent[];
  /** Bytes to send, in order; empties the queue. */
  takeOutgoing(): Uint8Array[];
  /**
   * Lets later records reuse the memory of chunks already taken. Only for a transport that copies
   * what it is given (a TCP or IPC socket): the caller must then call releaseOutgoing() only when
   * none of the taken chunks is referenced any more (e.g. the socket's write queue is empty).
   */
  enableOutgoingReuse(): void;
  /** Every chunk taken so far is no longer referenced (see enableOutgoingReuse). */
  releaseOutgoing(): void;
  /** Bytes waiting to be taken with takeOutgoing() (a flight not yet framed counts its messages). */
  readonly outgoingBytes: number;
  /** Encrypts application data (after handshakeDone; throws before or after close). */
  write(data: Uint8Array): void;
  /** Queues close_notify; further writes throw. */
  close(): void;
  /** TLS 1.3: send a KeyUpdate, asking the peer to update too when `requestPeer`. */
  keyUpdate(requestPeer: boolean): void;
  /** Server, after a `clientHello` event. */
  resumeHandshake(decision: ServerHelloDecision): ConnectionEvent[];
  /** RFC 8446 §7.5 / RFC 5705 exporter. */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array;
  /**
   * The connection is over: traffic secrets are wiped and record keys freed now, not at garbage
   * collection. Afterwards receive() ignores input and write, keyUpdate and exporting throw.
   */
  dispose(): void;
  setMaxFragmentLength(n: number): void;
  readonly handshakeComplete: boolean;
  readonly negotiated: NegotiatedParams | undefined;
  /** Fatal error, if any. */
  readonly failure: TlsError | undefined;
}
