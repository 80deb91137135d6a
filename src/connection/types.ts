/**
 * The contract between the sans-I/O engine and whatever drives it (the Node adapter, tests, the
 * CLI). The engine implements `TlsConnection` (connection/connection.ts); the adapter never sees
 * handshake messages, keys or records, only these configs, calls and events.
 */
import type { CryptoProvider, SigningKey } from '../crypto/provider.js';
import type { CertificateVerifier } from '../handshake/common/verifier.js';
import type { TlsError } from '../util/errors.js';

/** A certificate chain (DER, leaf first) with its private key. */
export interface CertifiedKey {
  chain: Uint8Array[];
  key: SigningKey;
  /** Optional stapled OCSP response for the leaf (later issue). */
  ocspResponse?: Uint8Array;
}

export interface CommonConfig {
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
  /** Max plaintext bytes per record we send (512..16384). Default 16384. */
  maxFragmentLength?: number;
  verifier: CertificateVerifier;
  /** Clock for certificate validity and ticket ages (ms since epoch). Default Date.now. */
  now?: () => number;
  /**
   * Emit 'trace' events (one line per handshake message). Default true. A function is asked at
   * each message, so tracing can be switched on mid-handshake (Node's enableTrace()); false
   * saves describing every message when nobody reads the lines.
   */
  trace?: boolean | (() => boolean);
}

export interface ClientConfig extends CommonConfig {
  /** Sent as SNI unless it is an IP address or empty. */
  serverName?: string;
  /** Used for host-name context in the verifier and reported back; the adapter checks the identity. */
  hostname?: string;
  /** true: a chain that fails verification is a fatal alert. false: report authorized=false and go on. */
  rejectUnauthorized: boolean;
  /** Groups to send key shares for in the first ClientHello (default: the first of `groups`). */
  keyShareGroups?: number[];
  /** Client certificate for servers that ask (certificate issue). */
  certificate?: CertifiedKey;
}

export interface ServerConfig extends CommonConfig {
  /** Candidate certificates; the engine picks one the client's signature_algorithms allows. */
  certificates: CertifiedKey[];
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
  /** Number of TLS 1.3 NewSessionTickets to send after the handshake (resumption issue). */
  ticketCount?: number;
}

/** What the server decides after seeing the ClientHello (answer to a `clientHello` event). */
export interface ServerHelloDecision {
  certificates?: CertifiedKey[];
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

export interface NegotiatedParams {
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

export type ConnectionEvent =
  | { type: 'handshakeDone' }
  /** Decrypted application data, in order. */
  | { type: 'data'; data: Uint8Array }
  /** The peer sent close_notify: no more data will come (the write side may stay open). */
  | { type: 'peerClosed' }
  /** Fatal: the alert we sent (already queued in outgoing bytes) or received is in `error.alert`. */
  | { type: 'error'; error: TlsError }
  /** Server only, when pauseOnClientHello: the engine waits for resumeHandshake(). */
  | { type: 'clientHello'; serverName?: string; alpnProtocols?: string[]; signatureSchemes?: number[] }
  /** An NSS key-log line without trailing newline: "CLIENT_HANDSHAKE_TRAFFIC_SECRET <cr> <secret>". */
  | { type: 'keylog'; line: string }
  /** Client: a NewSessionTicket arrived (resumption issue stores it). */
  | { type: 'sessionTicket'; ticket: Uint8Array; lifetime: number }
  /** A KeyUpdate was received and answered (for traces/tests). */
  | { type: 'keyUpdate'; requested: boolean }
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
  /** Bytes currently waiting in the outgoing queue. */
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
  setMaxFragmentLength(n: number): void;
  readonly handshakeComplete: boolean;
  readonly negotiated: NegotiatedParams | undefined;
  /** Fatal error, if any. */
  readonly failure: TlsError | undefined;
}
