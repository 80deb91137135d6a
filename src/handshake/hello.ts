/**
 * The first flight and version dispatch. A client builds its ClientHello here; a server parses the
 * ClientHello here, picks the protocol version, optionally pauses for the driver's decision
 * (SNICallback & co.) and hands over to the version's state machine. TLS 1.2 slots in by adding
 * its branch to `dispatchServerVersion` and `clientVersionFromServerHello`.
 */
import type { KeyShare } from '../crypto/provider.js';
import { ByteReader } from '../util/bytes.js';
import { TlsError } from '../util/errors.js';
import { AlertDescription, ProtocolVersion, PskKeyExchangeMode } from '../wire/registry.js';
import type { ClientHello, DecodedHandshake, ServerHello } from '../wire/types.js';
import { checkDowngradeSentinel, isIpLiteral, RECORD_SIZE_LIMIT_TLS13, selectVersion, versionsInRange } from './common/negotiate.js';
import type { ClientHandshakeConfig, HandshakeIo, HandshakeState, HelloDecision, ServerHandshakeConfig } from './common/state.js';
import { expectType } from './common/state.js';
import { tls13Suite } from './tls13/keys.js';
import { acceptClientHello13, type ServerParams } from './tls13/server.js';
import { ExpectServerHello } from './tls13/client.js';

/** What a client offered in its (first) ClientHello; the server's answer is checked against it. */
export interface ClientOffer {
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  versions: number[];
  groups: number[];
  shares: KeyShare[];
  signatureSchemes: number[];
  alpn?: string[];
  serverName?: string;
  /** Extension types we sent: a response carrying any other is unsolicited (RFC 8446 §4.2). */
  extensionTypes: Set<number>;
}

const NOT_IMPLEMENTED_TLS12 = 'TLS 1.2 is not implemented yet (this engine speaks TLS 1.3 only for now)';

/** The SNI to send: RFC 6066 §3 forbids IP literals; an empty name means none. */
export function sniFor(config: ClientHandshakeConfig): string | undefined {
  const name = config.serverName;
  if (!name || isIpLiteral(name)) return undefined;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Builds the offer of a first ClientHello: fresh random, a fake session id (§D.4) and key shares. */
export function makeClientOffer(io: HandshakeIo, config: ClientHandshakeConfig): ClientOffer {
  const p = io.provider;
  if (config.maxVersion < ProtocolVersion.TLSv1_3) {
    throw new TlsError(AlertDescription.protocol_version, 'NoImplementedVersionEnabled', `maxVersion excludes TLS 1.3 and ${NOT_IMPLEMENTED_TLS12}`);
  }
  const cipherSuites = config.cipherSuites.filter((s) => tls13Suite(s) !== undefined);
  if (cipherSuites.length === 0) throw new TlsError(AlertDescription.handshake_failure, 'NoTls13CipherSuitesConfigured', 'no TLS 1.3 cipher suite is enabled');
  const groups = config.groups.filter((g) => p.supportedGroups.includes(g));
  if (groups.length === 0) throw new TlsError(AlertDescription.handshake_failure, 'NoKeyExchangeGroupsConfigured', 'no supported key-exchange group is enabled');
  const shareGroups = (config.keyShareGroups ?? [groups[0]!]).filter((g) => groups.includes(g));
  const shares = (shareGroups.length ? shareGroups : [groups[0]!]).map((g) => p.generateKeyShare(g));
  return {
    random: p.randomBytes(32),
    // §D.4: "the client MUST send a non-empty session ID" in compatibility mode.
    sessionId: p.randomBytes(32),
    cipherSuites,
    versions: versionsInRange(Math.max(config.minVersion, ProtocolVersion.TLSv1_2), config.maxVersion),
    groups,
    shares,
    signatureSchemes: [...config.signatureSchemes],
    alpn: config.alpnProtocols && config.alpnProtocols.length ? [...config.alpnProtocols] : undefined,
    serverName: sniFor(config),
    extensionTypes: new Set(),
  };
}

/**
 * The ClientHello for an offer; after a HelloRetryRequest, `cookie` is echoed (RFC 8446 §4.2.2).
 * Fields left undefined are simply not encoded (the extension codec skips undefined values).
 */
export function buildClientHello(offer: ClientOffer, cookie?: Uint8Array): ClientHello {
  return {
    type: 'client_hello',
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: offer.random,
    legacySessionId: offer.sessionId,
    cipherSuites: offer.cipherSuites,
    compressionMethods: new Uint8Array([0]),
    extensions: [],
    ext: {
      serverName: offer.serverName,
      supportedVersions: offer.versions,
      supportedGroups: offer.groups,
      signatureAlgorithms: offer.signatureSchemes,
      keyShares: offer.shares.map((s) => ({ group: s.group, keyExchange: s.publicKey })),
      alpn: offer.alpn,
      cookie,
      // psk_dhe_ke only: lets servers send NewSessionTicket (RFC 8446 §4.6.1) for later resumption.
      pskKeyExchangeModes: [PskKeyExchangeMode.psk_dhe_ke],
      // RFC 8449: lets a constrained server ask for smaller records; we accept full-size ones.
      recordSizeLimit: RECORD_SIZE_LIMIT_TLS13,
    },
  };
}

/**
 * Client: which version the ServerHello selected. RFC 8446 §4.2.1: a TLS 1.3 ServerHello carries
 * supported_versions; without it the server negotiated TLS 1.2 or older (after the §4.1.3
 * downgrade-sentinel check).
 */
export function clientVersionFromServerHello(sh: ServerHello, offer: ClientOffer, config: ClientHandshakeConfig): number {
  const v = sh.ext.supportedVersion;
  if (v === undefined) {
    checkDowngradeSentinel(sh.random, config.maxVersion);
    const legacy = sh.legacyVersion;
    if (legacy === ProtocolVersion.TLSv1_2 && config.minVersion <= ProtocolVersion.TLSv1_2) {
      throw new TlsError(AlertDescription.protocol_version, 'Tls12NotImplemented', `server selected TLS 1.2: ${NOT_IMPLEMENTED_TLS12}`);
    }
    throw new TlsError(AlertDescription.protocol_version, 'ServerSelectedUnsupportedVersion', `server selected version 0x${legacy.toString(16)}, which we do not allow`);
  }
  // §4.2.1: "If the "supported_versions" extension in the ServerHello contains a version not
  // offered by the client or contains a version prior to TLS 1.3, the client MUST abort the
  // handshake with an "illegal_parameter" alert."
  if (v !== ProtocolVersion.TLSv1_3 || !offer.versions.includes(v)) {
    throw new TlsError(AlertDescription.illegal_parameter, 'ServerSelectedUnofferedVersion', `ServerHello supported_versions selects 0x${v.toString(16)}, which is not an offered TLS 1.3 version`);
  }
  return v;
}

/**
 * The extension types a ClientHello really carries, read back from its encoding (RFC 8446 §4.1.2
 * layout). Walks the extension headers only: decoding every extension body again cost more than
 * the rest of building the ClientHello.
 */
export function sentExtensionTypes(clientHelloRaw: Uint8Array): Set<number> {
  const r = new ByteReader(clientHelloRaw);
  r.bytes(4 + 2 + 32, 'handshake header, legacy_version, random'); // msg_type, length, version, random
  r.vec8('legacy_session_id');
  r.vec16('cipher_suites');
  r.vec8('legacy_compression_methods');
  const ext = r.sub16('extensions');
  const types = new Set<number>();
  while (!ext.isEmpty()) {
    types.add(ext.u16('extension type'));
    ext.vec16('extension_data');
  }
  return types;
}

/** Client entry point: queues ClientHello1 and returns the state waiting for ServerHello. */
export function startClient(io: HandshakeIo, config: ClientHandshakeConfig): HandshakeState {
  const offer = makeClientOffer(io, config);
  const ch = buildClientHello(offer);
  const raw = io.send(ch);
  offer.extensionTypes = sentExtensionTypes(raw);
  return ExpectServerHello.afterClientHello(config, offer, raw);
}


/**
 * Server: the protocol version for a ClientHello. Without supported_versions the client is TLS 1.2
 * or older (RFC 8446 §4.2.1 "If this extension is not present, servers ... MUST negotiate TLS 1.2
 * or prior"); SSL 3.0, TLS 1.0 and 1.1 are refused outright (RFC 8996 §5).
 */
export function serverSelectVersion(ch: ClientHello, config: ServerHandshakeConfig): number {
  const offered = ch.ext.supportedVersions ?? [Math.min(ch.legacyVersion, ProtocolVersion.TLSv1_2)];
  const min = Math.max(config.minVersion, ProtocolVersion.TLSv1_2);
  const v = selectVersion(offered, min, config.maxVersion);
  if (v === ProtocolVersion.TLSv1_3) return v;
  if (v === ProtocolVersion.TLSv1_2) {
    throw new TlsError(AlertDescription.protocol_version, 'Tls12NotImplemented', `client offers at most TLS 1.2: ${NOT_IMPLEMENTED_TLS12}`);
  }
  const known = offered.filter((x) => (x & 0xff00) === 0x0300);
  if (known.length > 0 && known.every((x) => x < ProtocolVersion.TLSv1_2)) {
    throw new TlsError(AlertDescription.protocol_version, 'ObsoleteProtocolVersion', 'client offers only SSL 3.0 / TLS 1.0 / TLS 1.1, which RFC 8996 deprecates');
  }
  throw new TlsError(AlertDescription.protocol_version, 'NoCommonProtocolVersion', 'no protocol version in common with the client');
}

/** Server entry point. */
export function startServer(config: ServerHandshakeConfig): HandshakeState {
  return new ExpectClientHello(config);
}

export class ExpectClientHello implements HandshakeState {
  readonly expecting = 'ClientHello';
  readonly acceptsCompatCcs = false;
  constructor(private readonly config: ServerHandshakeConfig) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const ch = expectType(m, 'client_hello');
    const version = serverSelectVersion(ch, this.config);
    if (this.config.pauseOnClientHello) {
      io.emit({ type: 'clientHello', serverName: ch.ext.serverName, alpnProtocols: ch.ext.alpn, signatureSchemes: ch.ext.signatureAlgorithms });
      return new AwaitHelloDecision(this.config, m, version);
    }
    return dispatchServerVersion(io, { ...this.config }, m, version);
  }
}

/** The engine waits here for `resumeHandshake(decision)` (Node's SNICallback / ALPNCallback). */
export class AwaitHelloDecision implements HandshakeState {
  readonly expecting = 'the server decision on the ClientHello';
  readonly acceptsCompatCcs = false;
  readonly paused = true;
  constructor(
    private readonly config: ServerHandshakeConfig,
    private readonly hello: DecodedHandshake,
    private readonly version: number,
  ) {}

  handle(_io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    throw new TlsError(AlertDescription.unexpected_message, 'MessageWhileAwaitingDecision', `unexpected ${m.msg.type} while the ClientHello decision is pending`);
  }

  resume(io: HandshakeIo, d: HelloDecision): HandshakeState {
    if (d.reject) throw new TlsError(d.reject.alert, 'ClientHelloRejectedByApplication', d.reject.message);
    const params: ServerParams = { ...this.config };
    if (d.certificates) params.certificates = d.certificates;
    if (d.alpnProtocols) params.alpnProtocols = d.alpnProtocols;
    if (d.requestCert !== undefined) params.requestCert = d.requestCert;
    if (d.rejectUnauthorized !== undefined) params.rejectUnauthorized = d.rejectUnauthorized;
    if (d.certificateAuthorities) params.certificateAuthorities = d.certificateAuthorities;
    if (d.verifier) params.verifier = d.verifier;
    if (Object.prototype.hasOwnProperty.call(d, 'selectedAlpn') && d.selectedAlpn !== null) params.selectedAlpn = d.selectedAlpn ?? false;
    return dispatchServerVersion(io, params, this.hello, this.version);
  }
}

function dispatchServerVersion(io: HandshakeIo, params: ServerParams, m: DecodedHandshake, version: number): HandshakeState {
  if (version === ProtocolVersion.TLSv1_3) return acceptClientHello13(io, params, m);
  throw new TlsError(AlertDescription.internal_error, 'VersionWithoutStateMachine', `no state machine for version 0x${version.toString(16)}`);
}
