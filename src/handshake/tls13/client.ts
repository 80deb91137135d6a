/**
 * The TLS 1.3 client (RFC 8446 §2, full handshake with (EC)DHE and certificates), one class per
 * expected message:
 *
 *   ExpectServerHello (HelloRetryRequest loops back once) -> ExpectEncryptedExtensions
 *   -> ExpectCertificateOrCertificateRequest [-> ExpectCertificate] -> ExpectCertificateVerify
 *   -> ExpectFinished (sends the client's second flight) -> ExpectTraffic
 *
 * Everything the later states need is carried in `ClientHandshake`, filled in RFC order.
 */
import type { KeyShare } from '../../crypto/provider.js';
import { bytesEqual } from '../../util/bytes.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, ExtensionType, nameOf, NamedGroup, ProtocolVersion } from '../../wire/registry.js';
import type { CertificateRequest, DecodedHandshake, ServerHello } from '../../wire/types.js';
import { checkSolicited } from '../../wire/extension-rules.js';
import { checkRecordSizeLimit, selectClientCertificate } from '../common/negotiate.js';
import type { CertChecked, FinishedVerified, SignatureVerified } from '../common/proofs.js';
import { Transcript } from '../common/transcript.js';
import type { ClientHandshakeConfig, HandshakeIo, HandshakeState } from '../common/state.js';
import { expectType, summaryBytes, unexpectedMessage } from '../common/state.js';
import type { ChainVerdict } from '../common/verifier.js';
import { buildClientHello, clientVersionFromServerHello, sentExtensionTypes, type ClientOffer } from '../hello.js';
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
import { HandshakeSecrets, tls13Suite, trafficKey, type Tls13Suite } from './keys.js';
import { ExpectTraffic } from './traffic.js';

/** The client's view of one handshake, built up state by state. */
interface ClientHandshake {
  config: ClientHandshakeConfig;
  offer: ClientOffer;
  transcript: Transcript;
  suite: Tls13Suite;
  group: number;
  serverRandom: Uint8Array;
  secrets: HandshakeSecrets;
  /** §D.4: the compatibility CCS goes out once, before the first encrypted or second-hello flight. */
  sentCcs: boolean;
  alpn?: string;
  certRequest?: CertificateRequest;
  peerChain: Uint8Array[];
  verdict?: ChainVerdict;
  peerScheme?: number;
}

interface HelloRetry {
  suite: Tls13Suite;
  group: number;
  sentCcs: boolean;
}

export class ExpectServerHello implements HandshakeState {
  readonly expecting = 'ServerHello';
  readonly acceptsCompatCcs = true;

  /** After ClientHello1 (`ch1Raw` is its wire encoding, the start of the transcript). */
  static afterClientHello(config: ClientHandshakeConfig, offer: ClientOffer, ch1Raw: Uint8Array): ExpectServerHello {
    const transcript = new Transcript(config.provider);
    transcript.add(ch1Raw);
    return new ExpectServerHello(config, offer, transcript);
  }

  private constructor(
    private readonly config: ClientHandshakeConfig,
    private readonly offer: ClientOffer,
    private readonly transcript: Transcript,
    private readonly retry?: HelloRetry,
  ) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const sh = expectType(m, 'server_hello', 'ServerHello');
    clientVersionFromServerHello(sh, this.offer, this.config);
    const suite = this.checkCommonFields(sh);
    if (sh.isHelloRetryRequest) return this.processHelloRetry(io, sh, m.raw, suite);
    if (this.retry && this.retry.suite.id !== suite.id) {
      // §4.1.4: "the client MUST check that the cipher_suite in ServerHello is the same as that in the HelloRetryRequest"
      throw new TlsError(AlertDescription.illegal_parameter, 'ServerHelloChangedSuiteAfterRetry', 'ServerHello cipher suite differs from the HelloRetryRequest');
    }
    const share = this.checkKeyShare(sh);
    this.transcript.start(suite.hash);
    this.transcript.add(m.raw);
    const secrets = new HandshakeSecrets(io.provider, suite, share.agree(sh.ext.keyShare!.keyExchange), this.transcript.hash());
    const hs: ClientHandshake = {
      config: this.config,
      offer: this.offer,
      transcript: this.transcript,
      suite,
      group: share.group,
      serverRandom: sh.random,
      secrets,
      sentCcs: this.retry?.sentCcs ?? false,
      peerChain: [],
    };
    logHandshakeSecrets(io, this.config.keyLog, this.offer.random, secrets);
    io.setReadKey(trafficKey(io.provider, suite, secrets.serverTraffic));
    io.setWriteKey(trafficKey(io.provider, suite, secrets.clientTraffic));
    return new ExpectEncryptedExtensions(hs);
  }

  /** Checks shared by ServerHello and HelloRetryRequest (RFC 8446 §4.1.3). */
  private checkCommonFields(sh: ServerHello): Tls13Suite {
    // §4.1.3: "A client which receives a legacy_session_id_echo field that does not match what it sent in the ClientHello MUST abort the handshake with an "illegal_parameter" alert."
    if (!bytesEqual(sh.legacySessionIdEcho, this.offer.sessionId)) {
      throw new TlsError(AlertDescription.illegal_parameter, 'ServerHelloSessionIdMismatch', 'ServerHello legacy_session_id_echo differs from the ClientHello session id');
    }
    const suite = tls13Suite(sh.cipherSuite);
    // §4.1.3: "A client which receives a cipher suite that was not offered MUST abort the handshake with an "illegal_parameter" alert."
    if (!suite || !this.offer.cipherSuites.includes(sh.cipherSuite)) {
      throw new TlsError(AlertDescription.illegal_parameter, 'ServerSelectedUnofferedSuite', `ServerHello selects cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered`);
    }
    if (sh.compressionMethod !== 0) {
      throw new TlsError(AlertDescription.illegal_parameter, 'ServerSelectedCompression', 'ServerHello legacy_compression_method must be 0');
    }
    // §4.2: responses to extensions we did not send are fatal (the HRR cookie is the exception).
    checkSolicited(sh.extensions, this.offer.extensionTypes, sh.isHelloRetryRequest ? [ExtensionType.cookie] : [], sh.isHelloRetryRequest ? 'HelloRetryRequest' : 'ServerHello');
    return suite;
  }

  private checkKeyShare(sh: ServerHello): KeyShare {
    const entry = sh.ext.keyShare;
    if (!entry) throw new TlsError(AlertDescription.missing_extension, 'ServerHelloWithoutKeyShare', 'ServerHello has no key_share (PSK-only modes are not offered)');
    const share = this.offer.shares.find((s) => s.group === entry.group);
    // §4.2.8: the server's share "MUST be in the same group as one of the client's shares".
    if (!share) {
      throw new TlsError(AlertDescription.illegal_parameter, 'ServerKeyShareGroupNotOffered', `ServerHello key_share uses ${nameOf(NamedGroup, entry.group)}, for which we sent no share`);
    }
    if (this.retry && entry.group !== this.retry.group) {
      throw new TlsError(AlertDescription.illegal_parameter, 'ServerHelloGroupDiffersFromRetry', 'ServerHello key_share group differs from the one the HelloRetryRequest asked for');
    }
    return share;
  }

  /** RFC 8446 §4.1.4: answer a HelloRetryRequest with ClientHello2 (new share, echoed cookie). */
  private processHelloRetry(io: HandshakeIo, hrr: ServerHello, raw: Uint8Array, suite: Tls13Suite): HandshakeState {
    if (this.retry) {
      throw new TlsError(AlertDescription.unexpected_message, 'SecondHelloRetryRequest', 'received a second HelloRetryRequest');
    }
    const group = hrr.ext.selectedGroup;
    const cookie = hrr.ext.cookie;
    if (group === undefined && cookie === undefined) {
      throw new TlsError(AlertDescription.illegal_parameter, 'HelloRetryRequestChangesNothing', 'HelloRetryRequest would not change the ClientHello');
    }
    let shares = this.offer.shares;
    if (group !== undefined) {
      if (!this.offer.groups.includes(group)) {
        throw new TlsError(AlertDescription.illegal_parameter, 'HelloRetryRequestSelectedUnofferedGroup', `HelloRetryRequest selects ${nameOf(NamedGroup, group)}, which we did not offer`);
      }
      if (this.offer.shares.some((s) => s.group === group)) {
        throw new TlsError(AlertDescription.illegal_parameter, 'HelloRetryRequestSelectedGroupAlreadySent', `HelloRetryRequest asks for ${nameOf(NamedGroup, group)}, for which we already sent a share`);
      }
      shares = [io.provider.generateKeyShare(group)];
    }
    this.transcript.startWithHelloRetry(suite.hash);
    this.transcript.add(raw);
    // §4.1.2: ClientHello2 repeats ClientHello1 except for key_share, cookie, early_data and padding.
    const offer: ClientOffer = { ...this.offer, shares };
    // §D.4: the compatibility CCS may go "immediately before its second ClientHello".
    io.sendChangeCipherSpec();
    const ch2Raw = io.send(buildClientHello(offer, cookie));
    offer.extensionTypes = sentExtensionTypes(ch2Raw);
    this.transcript.add(ch2Raw);
    return new ExpectServerHello(this.config, offer, this.transcript, { suite, group: group ?? shares[0]!.group, sentCcs: true });
  }
}

export class ExpectEncryptedExtensions implements HandshakeState {
  readonly expecting = 'EncryptedExtensions';
  readonly acceptsCompatCcs = true;
  constructor(private readonly hs: ClientHandshake) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const ee = expectType(m, 'encrypted_extensions', 'EncryptedExtensions');
    const offer = this.hs.offer;
    checkSolicited(ee.extensions, offer.extensionTypes, [], 'EncryptedExtensions');
    // RFC 7301 §3.1: the server's "protocol_name_list MUST contain exactly one" protocol we offered.
    if (ee.ext.alpn !== undefined) {
      if (!offer.alpn?.includes(ee.ext.alpn)) {
        throw new TlsError(AlertDescription.illegal_parameter, 'ServerSelectedUnofferedAlpn', `server selected ALPN protocol "${ee.ext.alpn}", which we did not offer`);
      }
      this.hs.alpn = ee.ext.alpn;
    }
    if (ee.ext.recordSizeLimit !== undefined) io.setPeerRecordSizeLimit(checkRecordSizeLimit(ee.ext.recordSizeLimit));
    this.hs.transcript.add(m.raw);
    return new ExpectCertificateOrCertificateRequest(this.hs);
  }
}

export class ExpectCertificateOrCertificateRequest implements HandshakeState {
  readonly expecting = 'Certificate or CertificateRequest';
  readonly acceptsCompatCcs = true;
  constructor(private readonly hs: ClientHandshake) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    if (m.msg.type === 'certificate_request') {
      const cr = m.msg;
      // §4.3.2: "The "signature_algorithms" extension MUST be specified".
      if (!cr.ext.signatureAlgorithms) {
        throw new TlsError(AlertDescription.missing_extension, 'CertificateRequestWithoutSignatureAlgorithms', 'CertificateRequest has no signature_algorithms');
      }
      // §4.3.2: the context "SHALL be zero length unless used for ... post-handshake authentication".
      if (cr.context.length !== 0) {
        throw new TlsError(AlertDescription.illegal_parameter, 'CertificateRequestContextNotEmpty', 'handshake CertificateRequest has a non-empty context');
      }
      this.hs.certRequest = cr;
      this.hs.transcript.add(m.raw);
      return new ExpectCertificate(this.hs);
    }
    if (m.msg.type === 'certificate') return new ExpectCertificate(this.hs).handle(io, m);
    throw unexpectedMessage(this.expecting, m.msg);
  }
}

export class ExpectCertificate implements HandshakeState {
  readonly expecting = 'Certificate';
  readonly acceptsCompatCcs = true;
  constructor(private readonly hs: ClientHandshake) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const cert = expectType(m, 'certificate', 'Certificate');
    checkCertificateContext(cert, new Uint8Array(0));
    // §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort the handshake with a "decode_error" alert."
    if (cert.entries.length === 0) {
      throw new TlsError(AlertDescription.decode_error, 'ServerSentEmptyCertificate', 'server Certificate message is empty');
    }
    const cfg = this.hs.config;
    const checked = checkChain(cfg.verifier, cert, 'server', io.now(), cfg.rejectUnauthorized, cfg.hostname ?? cfg.serverName);
    this.hs.peerChain = checked.chain;
    this.hs.verdict = checked.verdict;
    this.hs.transcript.add(m.raw);
    return new ExpectCertificateVerify(this.hs, checked.proof);
  }
}

export class ExpectCertificateVerify implements HandshakeState {
  readonly expecting = 'CertificateVerify';
  readonly acceptsCompatCcs = true;
  constructor(
    private readonly hs: ClientHandshake,
    private readonly certChecked: CertChecked,
  ) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const cv = expectType(m, 'certificate_verify', 'CertificateVerify');
    const hs = this.hs;
    const proof = verifyCertificateVerify(io.provider, hs.config.verifier, cv, hs.peerChain[0]!, hs.offer.signatureSchemes, SERVER_CV_CONTEXT, hs.transcript.hash());
    hs.peerScheme = cv.scheme;
    hs.transcript.add(m.raw);
    return new ExpectFinished(hs, this.certChecked, proof);
  }
}

export class ExpectFinished implements HandshakeState {
  readonly expecting = 'Finished';
  readonly acceptsCompatCcs = true;
  constructor(
    private readonly hs: ClientHandshake,
    _cert: CertChecked,
    _sig: SignatureVerified,
  ) {}

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const fin = expectType(m, 'finished', 'Finished');
    const hs = this.hs;
    const p = io.provider;
    const proof: FinishedVerified = verifyFinished(p, hs.suite, hs.secrets.serverTraffic, hs.transcript.hash(), fin);
    hs.transcript.add(m.raw);
    const app = hs.secrets.master(hs.transcript.hash());
    logApplicationSecrets(io, hs.config.keyLog, false, hs.offer.random, app);
    io.setReadKey(trafficKey(p, hs.suite, app.serverTraffic));

    // The client's second flight (§2): [CCS] [Certificate [CertificateVerify]] Finished.
    if (!hs.sentCcs) io.sendChangeCipherSpec();
    const ownCertificate = hs.certRequest ? this.sendClientCertificate(io, hs.certRequest) : undefined;
    const ownFin = sendFinished(io, hs.suite, hs.secrets.clientTraffic, hs.transcript);
    io.setWriteKey(trafficKey(p, hs.suite, app.clientTraffic));

    // Copies: views would keep the ServerHello and the handshake joiner's buffer alive.
    const bytes = summaryBytes(hs.offer.random, hs.serverRandom, ownFin.verifyData, fin.verifyData);
    io.complete({
      version: ProtocolVersion.TLSv1_3,
      cipherSuite: hs.suite.id,
      group: hs.group,
      signatureScheme: hs.peerScheme,
      alpnProtocol: hs.alpn,
      serverName: hs.offer.serverName,
      peerCertificates: hs.peerChain,
      ownCertificate,
      peerVerdict: reportedVerdict(hs.verdict),
      resumed: false,
      // Named fields, not a spread: a spread literal would keep these in an out-of-object property array.
      clientRandom: bytes.clientRandom,
      serverRandom: bytes.serverRandom,
      ownFinished: bytes.ownFinished,
      peerFinished: bytes.peerFinished,
    });
    return new ExpectTraffic(false, app, proof);
  }

  /** §4.4.2: answer a CertificateRequest with our chain, or an empty Certificate when we have none that fits. */
  private sendClientCertificate(io: HandshakeIo, cr: CertificateRequest): Uint8Array | undefined {
    const hs = this.hs;
    const { certificates, certificate } = hs.config;
    const candidates = certificates ?? (certificate ? [certificate] : []);
    // Our own signature_algorithms limit what we sign with too, as the server's do (and OpenSSL's).
    const choice = selectClientCertificate(candidates, cr.ext.signatureAlgorithms ?? [], hs.config.signatureSchemes);
    if (!choice) {
      sendCertificateAndVerify(io, hs.transcript, cr.context, []);
      return undefined;
    }
    const { cert, scheme } = choice;
    sendCertificateAndVerify(io, hs.transcript, cr.context, cert.chain, { key: cert.key, scheme, cvContext: CLIENT_CV_CONTEXT });
    return cert.chain[0];
  }
}
