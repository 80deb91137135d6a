/**
 * The TLS 1.3 server (RFC 8446 §2, full handshake), one class per expected message:
 *
 *   (hello.ts ExpectClientHello) -> acceptClientHello13
 *     -> [HelloRetryRequest -> ExpectSecondClientHello]
 *     -> ServerHello, EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished
 *     -> [ExpectClientCertificate -> ExpectClientCertificateVerify] -> ExpectClientFinished -> ExpectTraffic
 */
import { bytesEqual, NO_BYTE_ARRAYS } from '../../util/bytes.js';
import { constantTimeEqual } from '../../util/ct.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, ExtensionType, nameOf, NamedGroup, ProtocolVersion } from '../../wire/registry.js';
import type { CertificateRequest, ClientHello, DecodedHandshake, EncryptedExtensions, KeyShareEntry, RawExtension, ServerHello } from '../../wire/types.js';
import { encodeAlpnSelected, encodeRecordSizeLimit, encodeSupportedGroups } from '../../wire/extensions.js';
import { checkRecordSizeLimit, firstCommon, RECORD_SIZE_LIMIT_TLS13, selectAlpn, selectGroup, selectSignatureScheme } from '../common/negotiate.js';
import type { CertChecked, FinishedVerified, NoPeerAuth, SignatureVerified } from '../common/proofs.js';
import { noPeerAuth } from '../common/proofs.js';
import type { HandshakeCertifiedKey, HandshakeIo, HandshakeState, ServerHandshakeConfig } from '../common/state.js';
import { expectType, summaryBytes } from '../common/state.js';
import { Transcript } from '../common/transcript.js';
import type { ChainVerdict } from '../common/verifier.js';
import {
  checkCertificateContext,
  checkChain,
  CLIENT_CV_CONTEXT,
  logApplicationSecrets,
  logHandshakeSecrets,
  reportedVerdict,
  sendCertificateAndVerify,
  sendFinished,
  SERVER_CV_CONTEXT,
  verifyCertificateVerify,
  verifyFinished,
} from './auth.js';
import { newCookieKey, openCookie, sealCookie } from './cookie.js';
import { HandshakeSecrets, tls13Suite, trafficKey, type ApplicationSecrets, type Tls13Suite } from './keys.js';
import { ExpectTraffic } from './traffic.js';

/** The server config after the application's ClientHello decision. `selectedAlpn: false` = no ALPN. */
export interface ServerParams extends ServerHandshakeConfig {
  selectedAlpn?: string | false;
}

/** RFC 8446 §4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** What the server chose from the first ClientHello. */
interface ServerChoice {
  params: ServerParams;
  suite: Tls13Suite;
  group: number;
  cert: HandshakeCertifiedKey;
  scheme: number;
  alpn?: string;
  transcript: Transcript;
  sentCcs: boolean;
}

/**
 * The server's view of the handshake once ServerHello is out. Of the ClientHello it keeps only
 * what the summary needs (a copy of the random): the decoded hello and its buffer are let go while
 * the client's Finished is awaited.
 */
interface ServerHandshake extends ServerChoice {
  clientRandom: Uint8Array;
  serverName: string | undefined;
  peerSignatureSchemes: number[] | undefined;
  serverRandom: Uint8Array;
  secrets: HandshakeSecrets;
  app: ApplicationSecrets;
  ownFinished: Uint8Array;
  certRequest?: CertificateRequest;
  peerChain: Uint8Array[];
  verdict?: ChainVerdict;
  peerScheme?: number;
}

/** Entry from hello.ts once TLS 1.3 is selected. */
export function acceptClientHello13(io: HandshakeIo, params: ServerParams, m: DecodedHandshake): HandshakeState {
  const ch = expectType(m, 'client_hello', 'ClientHello');
  const transcript = new Transcript(io.provider);
  const { choice, share } = chooseParameters(io, params, ch, transcript);
  transcript.add(m.raw);
  // A cookie in ClientHello1 is ignored: a stateful server asked for nothing yet (§4.2.2 lets a
  // client send one only to echo a HelloRetryRequest, which a stateless server may have sent).
  if (!share) return sendHelloRetryRequest(io, choice, ch, m.raw);
  transcript.start(choice.suite.hash);
  return sendServerFlight(io, choice, ch, share);
}

function chooseParameters(io: HandshakeIo, params: ServerParams, ch: ClientHello, transcript: Transcript): { choice: ServerChoice; share?: KeyShareEntry } {
  // §4.1.2: "If a TLS 1.3 ClientHello is received with any other value in this field, the server MUST abort the handshake with an "illegal_parameter" alert."
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
    throw new TlsError(AlertDescription.illegal_parameter, 'ClientHelloCompressionNotNull', 'TLS 1.3 ClientHello must offer only the null compression method');
  }
  // The server's order unless told to follow the client's (Node's honorCipherOrder: false).
  const ourSuites = params.cipherSuites.filter((s) => tls13Suite(s));
  const suiteId = params.preferClientCipherOrder ? firstCommon(ch.cipherSuites, ourSuites) : firstCommon(ourSuites, ch.cipherSuites);
  if (suiteId === undefined) throw new TlsError(AlertDescription.handshake_failure, 'NoCommonCipherSuite', 'no TLS 1.3 cipher suite in common with the client');
  const suite = tls13Suite(suiteId)!;
  // §9.2: a ClientHello without PSK "MUST contain both" signature_algorithms and supported_groups/key_share.
  const { signatureAlgorithms: sigalgs, supportedGroups, keyShares } = ch.ext;
  if (!sigalgs) throw missing('signature_algorithms');
  if (!supportedGroups) throw missing('supported_groups');
  if (!keyShares) throw missing('key_share');
  checkClientShares(keyShares, supportedGroups);

  const ours = params.groups.filter((g) => io.provider.supportedGroups.includes(g));
  const g = selectGroup(ours, supportedGroups, keyShares);
  if (g.kind === 'none') throw new TlsError(AlertDescription.handshake_failure, 'NoCommonGroup', 'no key-exchange group in common with the client');

  const picked = pickCertificate(params, sigalgs);
  const alpn = pickAlpn(params, ch.ext.alpn);
  const choice: ServerChoice = { params, suite, group: g.group, cert: picked.cert, scheme: picked.scheme, alpn, transcript, sentCcs: false };
  return { choice, share: g.kind === 'share' ? g.share : undefined };
}

function missing(ext: string): TlsError {
  return new TlsError(AlertDescription.missing_extension, 'ClientHelloMissingExtension', `TLS 1.3 ClientHello without PSK must carry ${ext} (RFC 8446 §9.2)`);
}

/** §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group [...] or for a group not in supported_groups." */
function checkClientShares(shares: readonly KeyShareEntry[], groups: readonly number[]): void {
  const seen = new Set<number>();
  for (const s of shares) {
    if (seen.has(s.group) || !groups.includes(s.group)) {
      throw new TlsError(AlertDescription.illegal_parameter, 'ClientKeySharesInvalid', `key_share entry for ${nameOf(NamedGroup, s.group)} is duplicated or not in supported_groups`);
    }
    seen.add(s.group);
  }
}

/** The first configured certificate whose key can sign with a scheme the client accepts. */
function pickCertificate(params: ServerParams, clientSchemes: readonly number[]): { cert: HandshakeCertifiedKey; scheme: number } {
  for (const cert of params.certificates) {
    const scheme = selectSignatureScheme(cert.key.schemes, clientSchemes, params.signatureSchemes);
    if (scheme !== undefined) return { cert, scheme };
  }
  throw new TlsError(AlertDescription.handshake_failure, 'NoCertificateForClientSignatureAlgorithms', params.certificates.length ? 'no certificate can sign with a scheme the client accepts' : 'the server has no certificate');
}

function pickAlpn(params: ServerParams, offered: readonly string[] | undefined): string | undefined {
  if (params.selectedAlpn === false) return undefined;
  if (typeof params.selectedAlpn === 'string') {
    if (offered?.includes(params.selectedAlpn)) return params.selectedAlpn;
    throw noAlpn();
  }
  const pick = selectAlpn(params.alpnProtocols, offered);
  if (pick === 'no-overlap') throw noAlpn();
  return pick;
}

function noAlpn(): TlsError {
  // RFC 7301 §3.2: "the server MUST respond with a fatal "no_application_protocol" alert".
  return new TlsError(AlertDescription.no_application_protocol, 'NoApplicationProtocolOverlap', 'no ALPN protocol in common with the client');
}

/** What ExpectSecondClientHello needs to check the echoed cookie. */
interface RetryCookie {
  key: Uint8Array;
  clientHelloHash: Uint8Array;
}

/**
 * §4.1.4: no acceptable share but a common group: ask for it with a HelloRetryRequest, which
 * carries a cookie (§4.2.2, cookie.ts) binding ClientHello2 to this exchange.
 */
function sendHelloRetryRequest(io: HandshakeIo, choice: ServerChoice, ch: ClientHello, ch1Raw: Uint8Array): HandshakeState {
  choice.transcript.startWithHelloRetry(choice.suite.hash);
  const retry: RetryCookie = { key: newCookieKey(io.provider), clientHelloHash: io.provider.digest(choice.suite.hash, ch1Raw) };
  const cookie = sealCookie(io.provider, retry.key, { cipherSuite: choice.suite.id, group: choice.group, clientHelloHash: retry.clientHelloHash });
  const hrr = serverHello(ch, choice.suite.id, HELLO_RETRY_REQUEST_RANDOM, { selectedGroup: choice.group, cookie });
  choice.transcript.add(io.send(hrr));
  // §D.4: the server "sends a dummy change_cipher_spec record immediately after its first handshake message" when the client sent a session id.
  if (ch.legacySessionId.length > 0) {
    io.sendChangeCipherSpec();
    choice.sentCcs = true;
  }
  return new ExpectSecondClientHello(choice, ch, retry);
}

export class ExpectSecondClientHello implements HandshakeState {
  readonly expecting = 'ClientHello';
  readonly acceptsCompatCcs = true;
  constructor(
    private readonly choice: ServerChoice,
    private readonly ch1: ClientHello,
    private readonly retry: RetryCookie,
  ) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const ch = expectType(m, 'client_hello', 'second ClientHello');
    const c = this.choice;
    // §4.1.2: the second ClientHello repeats the first except for key_share, cookie, early_data and padding.
    const same =
      bytesEqual(ch.random, this.ch1.random) &&
      bytesEqual(ch.legacySessionId, this.ch1.legacySessionId) &&
      ch.cipherSuites.includes(c.suite.id) &&
      (ch.ext.supportedVersions ?? []).includes(ProtocolVersion.TLSv1_3);
    if (!same) throw new TlsError(AlertDescription.illegal_parameter, 'SecondClientHelloChanged', 'second ClientHello changed fields other than key_share and cookie');
    const shares = ch.ext.keyShares ?? [];
    // §4.2.8: after HRR the client sends exactly one share, for the requested group.
    if (shares.length !== 1 || shares[0]!.group !== c.group) {
      throw new TlsError(AlertDescription.illegal_parameter, 'SecondClientHelloWrongKeyShare', `second ClientHello must carry exactly one share, for ${nameOf(NamedGroup, c.group)}`);
    }
    this.checkCookie(io, ch.ext.cookie);
    c.transcript.add(m.raw);
    return sendServerFlight(io, c, ch, shares[0]!);
  }

  /**
   * §4.2.2: "When sending the new ClientHello, the client MUST copy the contents of the extension
   * received in the HelloRetryRequest into a "cookie" extension in the new ClientHello." A missing
   * or different cookie is a ClientHello2 changed in a way §4.1.2 forbids: illegal_parameter, as
   * for the other fields. The check is the one a stateless server would make (a MAC that verifies
   * under our key, then its fields), so it keeps working when the state moves into the cookie.
   */
  private checkCookie(io: HandshakeIo, cookie: Uint8Array | undefined): void {
    if (cookie === undefined) {
      throw new TlsError(AlertDescription.illegal_parameter, 'SecondClientHelloWithoutCookie', 'second ClientHello does not echo the HelloRetryRequest cookie');
    }
    const sealed = openCookie(io.provider, this.retry.key, cookie);
    const ok =
      sealed !== undefined &&
      sealed.cipherSuite === this.choice.suite.id &&
      sealed.group === this.choice.group &&
      constantTimeEqual(sealed.clientHelloHash, this.retry.clientHelloHash);
    if (!ok) throw new TlsError(AlertDescription.illegal_parameter, 'SecondClientHelloCookieChanged', 'second ClientHello carries a cookie other than the one in the HelloRetryRequest');
  }
}

/** ServerHello, then the encrypted flight up to Finished (§2). */
function sendServerFlight(io: HandshakeIo, c: ServerChoice, ch: ClientHello, clientShare: KeyShareEntry): HandshakeState {
  const p = io.provider;
  const kx = p.generateKeyShare(c.group);
  const shared = kx.agree(clientShare.keyExchange);
  const serverRandom = p.randomBytes(32);
  const sh = serverHello(ch, c.suite.id, serverRandom, { keyShare: { group: c.group, keyExchange: kx.publicKey } });
  c.transcript.add(io.send(sh));
  if (ch.legacySessionId.length > 0 && !c.sentCcs) io.sendChangeCipherSpec();

  const secrets = new HandshakeSecrets(p, c.suite, shared, c.transcript.hash());
  logHandshakeSecrets(io, c.params.keyLog, ch.random, secrets);
  io.setWriteKey(trafficKey(p, c.suite, secrets.serverTraffic));
  io.setReadKey(trafficKey(p, c.suite, secrets.clientTraffic));

  if (ch.ext.recordSizeLimit !== undefined) io.setPeerRecordSizeLimit(checkRecordSizeLimit(ch.ext.recordSizeLimit));
  c.transcript.add(io.send(encryptedExtensions(c, ch, p.supportedGroups)));

  let certRequest: CertificateRequest | undefined;
  if (c.params.requestCert) {
    certRequest = {
      type: 'certificate_request',
      context: new Uint8Array(0),
      extensions: [],
      // Unfiltered: without signature_algorithms_cert this list also governs the client's chain
      // (§4.2.3), where PKCS#1 v1.5 stays legal; its CertificateVerify is checked against TLS 1.3 rules.
      ext: { signatureAlgorithms: [...c.params.signatureSchemes] },
    };
    if (c.params.certificateAuthorities?.length) certRequest.ext.certificateAuthorities = c.params.certificateAuthorities;
    c.transcript.add(io.send(certRequest));
  }
  sendCertificateAndVerify(io, c.transcript, new Uint8Array(0), c.cert.chain, { key: c.cert.key, scheme: c.scheme, cvContext: SERVER_CV_CONTEXT });
  const fin = sendFinished(io, c.suite, secrets.serverTraffic, c.transcript);

  const app = secrets.master(c.transcript.hash());
  logApplicationSecrets(io, c.params.keyLog, true, ch.random, app);
  io.setWriteKey(trafficKey(p, c.suite, app.serverTraffic));
  // Every field named, none spread: a spread of `c` gave each connection a hidden class of its own
  // (a map and descriptor array per in-flight handshake, and megamorphic accesses in the states).
  const hs: ServerHandshake = {
    params: c.params,
    suite: c.suite,
    group: c.group,
    cert: c.cert,
    scheme: c.scheme,
    alpn: c.alpn,
    transcript: c.transcript,
    sentCcs: c.sentCcs,
    clientRandom: ch.random.slice(),
    serverName: ch.ext.serverName,
    peerSignatureSchemes: sharedSchemeList(ch.ext.signatureAlgorithms),
    serverRandom,
    secrets,
    app,
    ownFinished: fin.verifyData,
    certRequest,
    peerChain: NO_BYTE_ARRAYS,
    verdict: undefined,
    peerScheme: undefined,
  };
  return certRequest ? new ExpectClientCertificate(hs) : new ExpectClientFinished(hs, noPeerAuth());
}

/**
 * §4.1.3: a TLS 1.3 ServerHello answering `ch` (legacy fields fixed, session id echoed,
 * supported_versions = TLS 1.3). With HELLO_RETRY_REQUEST_RANDOM it is a HelloRetryRequest.
 */
function serverHello(ch: ClientHello, cipherSuite: number, random: Uint8Array, ext: Omit<ServerHello['ext'], 'supportedVersion'>): ServerHello {
  return {
    type: 'server_hello',
    legacyVersion: ProtocolVersion.TLSv1_2,
    random,
    legacySessionIdEcho: ch.legacySessionId,
    cipherSuite,
    compressionMethod: 0,
    isHelloRetryRequest: random === HELLO_RETRY_REQUEST_RANDOM,
    extensions: [],
    ext: { supportedVersion: ProtocolVersion.TLSv1_3, ...ext },
  };
}

/**
 * EncryptedExtensions, written as raw extensions so their order is ours (the order of the RFC 8448
 * traces: supported_groups, record_size_limit, server_name, then ALPN).
 */
function encryptedExtensions(c: ServerChoice, ch: ClientHello, providerGroups: readonly number[]): EncryptedExtensions {
  const extensions: RawExtension[] = [];
  // §4.2.7: the server may tell the client its groups, so later connections can share the right key.
  extensions.push({ type: ExtensionType.supported_groups, data: encodeSupportedGroups(c.params.groups.filter((g) => providerGroups.includes(g))) });
  // RFC 8449 §4: answer a record_size_limit with ours (the client's was applied to our records).
  if (ch.ext.recordSizeLimit !== undefined) extensions.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(RECORD_SIZE_LIMIT_TLS13) });
  // RFC 6066 §3: a server that used the name "SHALL include an extension of type server_name ... with empty extension_data".
  if (ch.ext.serverName !== undefined) extensions.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
  if (c.alpn !== undefined) extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpnSelected(c.alpn) });
  return { type: 'encrypted_extensions', extensions, ext: {} };
}

export class ExpectClientCertificate implements HandshakeState {
  readonly expecting = 'client Certificate';
  readonly acceptsCompatCcs = true;
  constructor(private readonly hs: ServerHandshake) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const cert = expectType(m, 'certificate', this.expecting);
    const hs = this.hs;
    checkCertificateContext(cert, hs.certRequest!.context);
    hs.transcript.add(m.raw);
    if (cert.entries.length === 0) {
      // §4.4.2.4: "If the client does not send any certificates, the server MAY at its discretion
      // either continue the handshake without client authentication, or abort the handshake with a "certificate_required" alert."
      if (hs.params.rejectUnauthorized) {
        throw new TlsError(AlertDescription.certificate_required, 'ClientCertificateRequired', 'the client sent no certificate');
      }
      return new ExpectClientFinished(hs, noPeerAuth());
    }
    const checked = checkChain(hs.params.verifier, cert, 'client', io.now(), hs.params.rejectUnauthorized ?? false);
    hs.peerChain = checked.chain;
    hs.verdict = checked.verdict;
    return new ExpectClientCertificateVerify(hs, checked.proof);
  }
}

export class ExpectClientCertificateVerify implements HandshakeState {
  readonly expecting = 'client CertificateVerify';
  readonly acceptsCompatCcs = true;
  constructor(
    private readonly hs: ServerHandshake,
    private readonly certChecked: CertChecked,
  ) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const cv = expectType(m, 'certificate_verify', this.expecting);
    const hs = this.hs;
    const offered = hs.certRequest!.ext.signatureAlgorithms ?? [];
    const proof = verifyCertificateVerify(io.provider, hs.params.verifier, cv, hs.peerChain[0]!, offered, CLIENT_CV_CONTEXT, hs.transcript.hash());
    hs.peerScheme = cv.scheme;
    hs.transcript.add(m.raw);
    return new ExpectClientFinished(hs, [this.certChecked, proof]);
  }
}

/**
 * Clients of one kind send the same signature_algorithms list, and every connection's summary
 * keeps it (getSharedSigalgs): one frozen copy per distinct list instead of one per connection.
 * Bounded, so a peer cycling through lists cannot grow it; past the bound a list gets an
 * exact-size copy (the decoded list grew by push and has spare capacity).
 */
const SHARED_SCHEME_LISTS_MAX = 64;
const sharedSchemeLists = new Map<string, number[]>();

function sharedSchemeList(list: number[] | undefined): number[] | undefined {
  if (list === undefined) return undefined;
  const key = list.join(',');
  const known = sharedSchemeLists.get(key);
  if (known !== undefined) return known;
  if (sharedSchemeLists.size >= SHARED_SCHEME_LISTS_MAX) return list.slice();
  const frozen = Object.freeze(list.slice()) as number[];
  sharedSchemeLists.set(key, frozen);
  return frozen;
}

export class ExpectClientFinished implements HandshakeState {
  readonly expecting = 'client Finished';
  readonly acceptsCompatCcs = true;
  constructor(
    private readonly hs: ServerHandshake,
    _auth: NoPeerAuth | [CertChecked, SignatureVerified],
  ) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const fin = expectType(m, 'finished', this.expecting);
    const hs = this.hs;
    const proof: FinishedVerified = verifyFinished(io.provider, hs.suite, hs.secrets.clientTraffic, hs.transcript.hash(), fin);
    hs.transcript.add(m.raw);
    io.setReadKey(trafficKey(io.provider, hs.suite, hs.app.clientTraffic));
    // Copies: views would keep the whole ClientHello and the handshake joiner's buffer alive
    // for the life of the connection (~4.4 KiB per idle connection).
    const bytes = summaryBytes(hs.clientRandom, hs.serverRandom, hs.ownFinished, fin.verifyData);
    io.complete({
      version: ProtocolVersion.TLSv1_3,
      cipherSuite: hs.suite.id,
      group: hs.group,
      signatureScheme: hs.peerScheme,
      alpnProtocol: hs.alpn,
      serverName: hs.serverName,
      peerCertificates: hs.peerChain,
      ownCertificate: hs.cert.chain[0],
      peerVerdict: reportedVerdict(hs.verdict),
      resumed: false,
      // Named fields, not a spread: a spread literal would keep these in an out-of-object property array.
      clientRandom: bytes.clientRandom,
      serverRandom: bytes.serverRandom,
      ownFinished: bytes.ownFinished,
      peerFinished: bytes.peerFinished,
      peerSignatureSchemes: hs.peerSignatureSchemes,
    });
    return new ExpectTraffic(true, hs.app, proof);
  }
}
