/**
 * The authentication checks shared by the TLS 1.3 client and server: certificate chains through
 * the injected verifier, CertificateVerify (RFC 8446 §4.4.3) and Finished (§4.4.4). Each check
 * returns the branded proof that the next state requires. Also the sending halves both sides
 * share: our Certificate, CertificateVerify and Finished, and the key-log lines.
 */
import type { CryptoProvider, SigningKey } from '../../crypto/provider.js';
import { toHex } from '../../util/bytes.js';
import { constantTimeEqual } from '../../util/ct.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, nameOf, SignatureScheme } from '../../wire/registry.js';
import type { CertificateMsg, CertificateVerify, Finished } from '../../wire/types.js';
import type { CertificateVerifier, ChainVerdict } from '../common/verifier.js';
import type { HandshakeIo, HandshakeSummary } from '../common/state.js';
import type { Transcript } from '../common/transcript.js';
import { isTls13SignatureScheme } from '../common/negotiate.js';
import { certChecked, finishedVerified, signatureVerified, type CertChecked, type FinishedVerified, type SignatureVerified } from '../common/proofs.js';
import { finishedVerifyData, type ApplicationSecrets, type HandshakeSecrets, type Tls13Suite } from './keys.js';

/** RFC 8446 §4.4.3 context strings. */
export const SERVER_CV_CONTEXT = 'TLS 1.3, server CertificateVerify';
export const CLIENT_CV_CONTEXT = 'TLS 1.3, client CertificateVerify';

/**
 * §4.4.3: "The digital signature is then computed over the concatenation of: A string that consists
 * of octet 32 (0x20) repeated 64 times; The context string; A single 0 byte which serves as the
 * separator; The content to be signed [the transcript hash]."
 */
export function signedContent(context: string, transcriptHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

export function signCertificateVerify(key: SigningKey, scheme: number, context: string, transcriptHash: Uint8Array): CertificateVerify {
  return { type: 'certificate_verify', scheme, signature: key.sign(scheme, signedContent(context, transcriptHash)) };
}

/**
 * Checks the peer's CertificateVerify. §4.4.3: the scheme must be one we offered in
 * signature_algorithms ("MUST ... be one offered ... [else] illegal_parameter" per rustls/BoringSSL),
 * PKCS#1 v1.5 is never allowed in TLS 1.3, and "If the verification fails, the receiver MUST
 * terminate the handshake with a "decrypt_error" alert."
 */
export function verifyCertificateVerify(
  p: CryptoProvider,
  verifier: CertificateVerifier,
  cv: CertificateVerify,
  leaf: Uint8Array,
  offered: readonly number[],
  context: string,
  transcriptHash: Uint8Array,
): SignatureVerified {
  if (!offered.includes(cv.scheme) || !isTls13SignatureScheme(cv.scheme)) {
    throw new TlsError(AlertDescription.illegal_parameter, 'PeerSignedWithSchemeNotOffered', `CertificateVerify uses ${nameOf(SignatureScheme, cv.scheme)}, which we did not offer for TLS 1.3`);
  }
  const spki = verifier.publicKeyOf(leaf);
  // tls13: the ECDSA curve must match the scheme and PKCS#1 v1.5/SHA-1 are refused (§4.2.3).
  if (!p.verifySignature(cv.scheme, spki, signedContent(context, transcriptHash), cv.signature, { tls13: true })) {
    throw new TlsError(AlertDescription.decrypt_error, 'BadCertificateVerifySignature', `CertificateVerify signature (${nameOf(SignatureScheme, cv.scheme)}) does not verify with the certificate's key`);
  }
  return signatureVerified();
}

/**
 * §4.4.2: our Certificate (entries without extensions; empty when we have none to offer), then,
 * with a signer, §4.4.3's CertificateVerify over the transcript that now includes it.
 */
export function sendCertificateAndVerify(
  io: HandshakeIo,
  transcript: Transcript,
  context: Uint8Array,
  chain: readonly Uint8Array[],
  signer?: { key: SigningKey; scheme: number; cvContext: string },
): void {
  transcript.add(io.send({ type: 'certificate', context, entries: chain.map((certData) => ({ certData, extensions: [] })) }));
  if (signer) transcript.add(io.send(signCertificateVerify(signer.key, signer.scheme, signer.cvContext, transcript.hash())));
}

/** §4.4.4: our Finished over the transcript so far, sent and added to it. */
export function sendFinished(io: HandshakeIo, s: Tls13Suite, ownTrafficSecret: Uint8Array, transcript: Transcript): Finished {
  const fin = makeFinished(io.provider, s, ownTrafficSecret, transcript.hash());
  transcript.add(io.send(fin));
  return fin;
}

export function makeFinished(p: CryptoProvider, s: Tls13Suite, ownTrafficSecret: Uint8Array, transcriptHash: Uint8Array): Finished {
  return { type: 'finished', verifyData: finishedVerifyData(p, s, ownTrafficSecret, transcriptHash) };
}

/** §4.4.4: "Recipients of Finished messages MUST verify that the contents are correct and if incorrect MUST terminate the connection with a "decrypt_error" alert." */
export function verifyFinished(p: CryptoProvider, s: Tls13Suite, peerTrafficSecret: Uint8Array, transcriptHash: Uint8Array, fin: Finished): FinishedVerified {
  // §4.4.4: verify_data is Hash.length bytes; another length is a malformed message (§6: "the
  // length of the message was incorrect" is decode_error), not a wrong MAC.
  if (fin.verifyData.length !== s.hashLen) {
    throw new TlsError(AlertDescription.decode_error, 'FinishedWrongLength', `Finished verify_data is ${fin.verifyData.length} bytes, expected ${s.hashLen}`);
  }
  const expected = finishedVerifyData(p, s, peerTrafficSecret, transcriptHash);
  if (!constantTimeEqual(expected, fin.verifyData)) {
    throw new TlsError(AlertDescription.decrypt_error, 'FinishedVerifyDataMismatch', 'the peer Finished verify_data does not match the transcript');
  }
  return finishedVerified();
}

export interface ChainResult {
  chain: Uint8Array[];
  verdict: ChainVerdict;
  proof: CertChecked;
}

/**
 * Runs the verifier over a non-empty Certificate. With `reject` a failing verdict is fatal with
 * the verdict's alert (default bad_certificate); otherwise the verdict is only recorded (Node's
 * rejectUnauthorized: false reports it as authorizationError).
 */
export function checkChain(verifier: CertificateVerifier, cert: CertificateMsg, purpose: 'server' | 'client', nowMs: number, reject: boolean, hostname?: string): ChainResult {
  const chain = cert.entries.map((e) => e.certData);
  let verdict: ChainVerdict;
  try {
    verdict = verifier.verifyChain(chain, purpose, nowMs, hostname);
  } catch (e) {
    if (e instanceof TlsError) throw e;
    verdict = { ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: `certificate verifier failed: ${(e as Error).message}`, alert: AlertDescription.bad_certificate };
  }
  if (!verdict.ok && reject) {
    throw new TlsError(verdict.alert ?? AlertDescription.bad_certificate, 'PeerCertificateRejected', `${purpose} certificate rejected: ${verdict.code ?? 'unverified'}${verdict.message ? ` (${verdict.message})` : ''}`);
  }
  return { chain, verdict, proof: certChecked() };
}

/** The verdict as HandshakeSummary reports it: without the alert, which only mattered for rejecting. */
export function reportedVerdict(v: ChainVerdict | undefined): HandshakeSummary['peerVerdict'] {
  return v && { ok: v.ok, code: v.code, message: v.message };
}

/** §4.4.2: the certificate_request_context of a handshake Certificate must be what was asked (empty for the server). */
export function checkCertificateContext(cert: CertificateMsg, expected: Uint8Array): void {
  if (cert.context.length !== expected.length || !constantTimeEqual(cert.context, expected)) {
    throw new TlsError(AlertDescription.illegal_parameter, 'CertificateContextMismatch', 'Certificate carries a certificate_request_context that was not requested');
  }
}

/** The NSS key-log line (draft-ietf-tls-keylogfile): label, client random and secret in lower-case hex. */
export function keylogLine(label: string, clientRandom: Uint8Array, secret: Uint8Array): string {
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}

/** With keyLog: the handshake traffic secrets as NSS key-log lines, server's first on both sides. */
export function logHandshakeSecrets(io: HandshakeIo, keyLog: boolean | undefined, clientRandom: Uint8Array, s: HandshakeSecrets): void {
  if (!keyLog) return;
  io.emit({ type: 'keylog', line: keylogLine('SERVER_HANDSHAKE_TRAFFIC_SECRET', clientRandom, s.serverTraffic) });
  io.emit({ type: 'keylog', line: keylogLine('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientRandom, s.clientTraffic) });
}

/** With keyLog: the application traffic secrets (our own first) and the exporter secret. */
export function logApplicationSecrets(io: HandshakeIo, keyLog: boolean | undefined, isServer: boolean, clientRandom: Uint8Array, app: ApplicationSecrets): void {
  if (!keyLog) return;
  const client = keylogLine('CLIENT_TRAFFIC_SECRET_0', clientRandom, app.clientTraffic);
  const server = keylogLine('SERVER_TRAFFIC_SECRET_0', clientRandom, app.serverTraffic);
  for (const line of isServer ? [server, client] : [client, server]) io.emit({ type: 'keylog', line });
  io.emit({ type: 'keylog', line: keylogLine('EXPORTER_SECRET', clientRandom, app.exporterMaster) });
}
