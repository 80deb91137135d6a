/**
 * Typed handshake messages and extensions: what the codec (wire/handshake/*.ts) decodes into and
 * encodes from. The state machines see only these types, never raw bytes.
 *
 * Extensions are kept twice on purpose: `extensions` holds every extension in wire order (type +
 * raw body, unknown ones included, so order rules such as "pre_shared_key MUST be last" and
 * "no duplicates" can be checked and HRR/CH comparisons made), and the typed fields hold the
 * decoded bodies of the extensions we understand for that message.
 */

export interface RawExtension {
  type: number;
  data: Uint8Array;
}

export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}

export interface OfferedPsks {
  identities: PskIdentity[];
  binders: Uint8Array[];
}

/** Decoded bodies of the ClientHello extensions we understand (RFC 8446 §4.2, RFC 6066, RFC 7301, ...). */
export interface ClientHelloExtensions {
  serverName?: string; // host_name entry of server_name (RFC 6066 §3); ASCII
  supportedVersions?: number[];
  supportedGroups?: number[];
  signatureAlgorithms?: number[];
  signatureAlgorithmsCert?: number[];
  keyShares?: KeyShareEntry[];
  alpn?: string[]; // protocol names (RFC 7301), decoded as latin1/ASCII
  cookie?: Uint8Array;
  pskKeyExchangeModes?: number[];
  preSharedKey?: OfferedPsks; // MUST be the last extension
  earlyData?: boolean;
  statusRequest?: boolean; // status_request with OCSP type
  ecPointFormats?: number[];
  renegotiationInfo?: Uint8Array;
  extendedMasterSecret?: boolean;
  encryptThenMac?: boolean;
  sessionTicket?: Uint8Array; // RFC 5077 (TLS 1.2)
  postHandshakeAuth?: boolean;
  recordSizeLimit?: number;
  certificateAuthorities?: Uint8Array[]; // DER DistinguishedNames
  npn?: boolean; // next_protocol_negotiation (empty in ClientHello)
}

export interface ClientHello {
  type: 'client_hello';
  legacyVersion: number;
  random: Uint8Array; // 32 bytes
  legacySessionId: Uint8Array; // 0..32 bytes
  cipherSuites: number[];
  compressionMethods: Uint8Array;
  extensions: RawExtension[];
  ext: ClientHelloExtensions;
}

/** ServerHello and HelloRetryRequest share a structure; `isHelloRetryRequest` is set from the magic random (RFC 8446 §4.1.3). */
export interface ServerHelloExtensions {
  supportedVersion?: number;
  keyShare?: KeyShareEntry; // ServerHello
  selectedGroup?: number; // HelloRetryRequest key_share
  cookie?: Uint8Array; // HelloRetryRequest
  preSharedKey?: number; // selected identity
  // TLS 1.2 ServerHello extensions
  renegotiationInfo?: Uint8Array;
  extendedMasterSecret?: boolean;
  encryptThenMac?: boolean;
  ecPointFormats?: number[];
  sessionTicket?: boolean;
  alpn?: string;
  serverName?: boolean; // empty server_name acknowledgement
  statusRequest?: boolean;
  npnProtocols?: string[];
  recordSizeLimit?: number;
}

export interface ServerHello {
  type: 'server_hello';
  legacyVersion: number;
  random: Uint8Array;
  legacySessionIdEcho: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  isHelloRetryRequest: boolean;
  extensions: RawExtension[];
  ext: ServerHelloExtensions;
}

export interface EncryptedExtensions {
  type: 'encrypted_extensions';
  extensions: RawExtension[];
  ext: {
    serverName?: boolean; // empty acknowledgement
    alpn?: string;
    supportedGroups?: number[];
    earlyData?: boolean;
    recordSizeLimit?: number;
    maxFragmentLength?: number;
  };
}

export interface CertificateEntry {
  certData: Uint8Array; // DER X.509
  extensions: RawExtension[]; // e.g. status_request (OCSP), signed_certificate_timestamp
}

/** TLS 1.3 Certificate (RFC 8446 §4.4.2). For TLS 1.2 `context` is empty and entries have no extensions. */
export interface CertificateMsg {
  type: 'certificate';
  context: Uint8Array;
  entries: CertificateEntry[];
}

export interface CertificateRequest {
  type: 'certificate_request';
  // TLS 1.3 (RFC 8446 §4.3.2)
  context: Uint8Array;
  /**
   * TLS 1.2 only (RFC 5246 §7.4.4): ClientCertificateType list. In TLS 1.2 `context` and
   * `extensions` are empty, supported_signature_algorithms goes to `ext.signatureAlgorithms` and
   * certificate_authorities to `ext.certificateAuthorities`.
   */
  certificateTypes?: number[];
  extensions: RawExtension[];
  ext: {
    signatureAlgorithms?: number[];
    signatureAlgorithmsCert?: number[];
    certificateAuthorities?: Uint8Array[];
    statusRequest?: boolean;
  };
}

export interface CertificateVerify {
  type: 'certificate_verify';
  scheme: number;
  signature: Uint8Array;
}

export interface Finished {
  type: 'finished';
  verifyData: Uint8Array;
}

export interface NewSessionTicket {
  type: 'new_session_ticket';
  lifetime: number; // seconds
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions: RawExtension[];
  ext: { maxEarlyDataSize?: number };
}

export interface KeyUpdate {
  type: 'key_update';
  requestUpdate: 0 | 1;
}

export interface EndOfEarlyData {
  type: 'end_of_early_data';
}

/** TLS 1.2 only; the body is parsed by the key-exchange code that knows the suite. */
export interface ServerKeyExchange {
  type: 'server_key_exchange';
  body: Uint8Array;
}
export interface ClientKeyExchange {
  type: 'client_key_exchange';
  body: Uint8Array;
}
export interface ServerHelloDone {
  type: 'server_hello_done';
}
export interface HelloRequest {
  type: 'hello_request';
}

export type HandshakeMessage =
  | ClientHello
  | ServerHello
  | EncryptedExtensions
  | CertificateMsg
  | CertificateRequest
  | CertificateVerify
  | Finished
  | NewSessionTicket
  | KeyUpdate
  | EndOfEarlyData
  | ServerKeyExchange
  | ClientKeyExchange
  | ServerHelloDone
  | HelloRequest;

/**
 * A decoded handshake message together with its exact wire encoding (4-byte header included):
 * the transcript hash is taken over `raw`, never over a re-encoding.
 */
export interface DecodedHandshake<M extends HandshakeMessage = HandshakeMessage> {
  msg: M;
  raw: Uint8Array;
}

export interface Alert {
  level: number;
  description: number;
}
