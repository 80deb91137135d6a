/**
 * tls.createSecureContext: turns Node's options into the engine-ready pieces (provider, certified
 * keys, trust anchors, suites, groups, signature schemes, version range) in one ordered function,
 * configSecureContext, as Node's lib/internal/tls/secure-context.js does. Every check throws
 * synchronously with Node's error code; nothing here touches a socket.
 */
import { Buffer } from 'node:buffer';
import type { CertifiedKey, CommonConfig } from '../connection/types.js';
import { nodePkcs12Crypto } from '../crypto/node/pkcs12-crypto.js';
import type { CryptoProvider, SigningKey } from '../crypto/provider.js';
import type { CertificateVerifier } from '../handshake/common/verifier.js';
import { PkiError } from '../pki/errors.js';
import { decodePem, pemCertificates } from '../pki/pem.js';
import { parsePfx } from '../pki/pkcs12.js';
import { parseCertificate } from '../pki/x509.js';
import { bytesEqual } from '../util/bytes.js';
import { selectCiphers } from './cipher-list.js';
import { liveDefaults } from './defaults.js';
import { createVerifier, defaultProvider } from './deps.js';
import { defaultAnchorDers } from './extra-ca.js';
import { codedError, errInvalidArgType, errInvalidArgValue } from './errors.js';
import {
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  isBinaryLike,
  parseSecureProtocol,
  parseVersion,
  toText,
  validateBinaryOrArray,
  validateObject,
  validateString,
  type BinaryLike,
} from './options.js';
import { DEFAULT_GROUPS, DEFAULT_SIGALGS, groupByName, sigalgByName } from './tables.js';

export interface KeyObjectOption {
  pem: BinaryLike;
  passphrase?: string;
}

export interface SecureContextOptions {
  key?: BinaryLike | (BinaryLike | KeyObjectOption)[];
  cert?: BinaryLike | BinaryLike[];
  ca?: BinaryLike | BinaryLike[];
  crl?: BinaryLike | BinaryLike[];
  passphrase?: string;
  pfx?: unknown;
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
  minVersion?: string;
  maxVersion?: string;
  secureProtocol?: string;
  honorCipherOrder?: boolean;
  sessionIdContext?: string;
  /** Trust a chain that ends at any `ca` certificate, not only at a self-signed root (Node 20.17+). */
  allowPartialTrustChain?: boolean;
}

/** The credentials object: what every connection made with it shares. */
export class SecureContext {
  provider: CryptoProvider = defaultProvider();
  /** Certificate chains with their keys, as configured (the engine picks one per handshake). */
  certificates: CertifiedKey[] = [];
  /** DER trust anchors from `ca`; undefined = the default root store. */
  ca: Uint8Array[] | undefined;
  crl: Uint8Array[] | undefined;
  /** CA certificates found in `pfx` files: trusted on top of `ca` or the default roots, as in Node. */
  pfxTrusted: Uint8Array[] = [];
  allowPartialTrustChain = false;
  minVersion = TLS1_2_VERSION;
  maxVersion = TLS1_3_VERSION;
  cipherSuites: number[] = [];
  groups: number[] = [...DEFAULT_GROUPS];
  signatureSchemes: number[] = [...DEFAULT_SIGALGS];
  honorCipherOrder = true;
  private verifierCache: CertificateVerifier | undefined;
  private caNamesCache: Uint8Array[] | undefined;

  /** Node code reads `ctx.context` (the native handle); ours is the object itself. */
  get context(): SecureContext {
    return this;
  }

  /** Built on first use so a server-only context never loads the root store. */
  get verifier(): CertificateVerifier {
    if (!this.verifierCache) {
      const ca = this.pfxTrusted.length ? [...(this.ca ?? defaultAnchorDers()), ...this.pfxTrusted] : this.ca;
      this.verifierCache = createVerifier({
        provider: this.provider,
        ca,
        crl: this.crl,
        ...(this.allowPartialTrustChain ? { allowPartialTrustChain: true } : {}),
      });
    }
    return this.verifierCache;
  }

  /**
   * The subject names (DER) a server lists in certificate_authorities when it asks for a client
   * certificate (RFC 8446 §4.2.4): every `ca` certificate, then the CA certificates of `pfx`
   * files, in order and with repeats, as Node's SSL_CTX_add_client_CA calls build OpenSSL's list.
   * The default root store adds none, so a context without `ca` or `pfx` CAs sends no extension.
   */
  get clientCaNames(): Uint8Array[] {
    this.caNamesCache ??= [...(this.ca ?? []), ...this.pfxTrusted].map((der) => parseCertificate(der).subject.der);
    return this.caNamesCache;
  }

  /**
   * The verifier engine configs get: it builds the trust store (verifier) only when a peer chain
   * is actually checked.
   */
  readonly engineVerifier: CertificateVerifier = {
    publicKeyOf: (der) => this.verifier.publicKeyOf(der),
    verifyChain: (chain, purpose, nowMs, hostname) => this.verifier.verifyChain(chain, purpose, nowMs, hostname),
  };

  /**
   * A fresh object with the engine config fields every connection made with this context shares;
   * the socket adds its own fields to it (Object.assign, not a spread: see tls-socket.ts).
   */
  commonConfig(): CommonConfig {
    return {
      provider: this.provider,
      minVersion: this.minVersion,
      maxVersion: this.maxVersion,
      cipherSuites: this.cipherSuites,
      groups: this.groups,
      signatureSchemes: this.signatureSchemes,
      verifier: this.engineVerifier,
    };
  }
}

export function createSecureContext(options: SecureContextOptions = {}): SecureContext {
  const ctx = new SecureContext();
  configSecureContext(ctx, options);
  return ctx;
}

export function isSecureContext(v: unknown): v is SecureContext {
  return v instanceof SecureContext;
}

/**
 * The ordered conversion, one step per option family. The order matters where options interact:
 * versions before ciphers (a cipher string without TLS 1.3 names caps the version, as in Node).
 */
export function configSecureContext(ctx: SecureContext, options: SecureContextOptions, name = 'options'): void {
  validateObject(options, name);
  configureVersions(ctx, options);
  configureCa(ctx, options, name);
  configureKeysAndCerts(ctx, options, name);
  configureSigalgs(ctx, options, name);
  configurePfx(ctx, options);
  configureCiphers(ctx, options, name);
  configureEcdhCurve(ctx, options, name);
  configureCrl(ctx, options, name);
  if (options.honorCipherOrder !== undefined) ctx.honorCipherOrder = !!options.honorCipherOrder;
  if (options.allowPartialTrustChain) ctx.allowPartialTrustChain = true;
}

/** `pfx` (Node loads it after key/cert): each file adds a certified key and trusts its CA certificates. */
function configurePfx(ctx: SecureContext, o: SecureContextOptions): void {
  if (o.pfx === undefined || o.pfx === null) return;
  for (const loaded of loadPfxOption(o.pfx, o.passphrase ?? undefined, ctx.provider)) {
    ctx.certificates.push({ chain: loaded.chain, key: loaded.key });
    ctx.pfxTrusted.push(...loaded.trusted);
  }
}

function configureVersions(ctx: SecureContext, o: SecureContextOptions): void {
  const { secureProtocol, minVersion, maxVersion } = o;
  if (secureProtocol !== undefined && secureProtocol !== null) {
    // Node: a method and an explicit version range contradict each other.
    const conflict = minVersion !== undefined ? minVersion : maxVersion;
    if (conflict !== undefined) {
      throw codedError(
        'ERR_TLS_PROTOCOL_VERSION_CONFLICT',
        `TLS protocol version ${JSON.stringify(conflict)} conflicts with secureProtocol ${JSON.stringify(secureProtocol)}`,
        TypeError,
      );
    }
    const [min, max] = parseSecureProtocol(secureProtocol);
    ctx.minVersion = min ?? TLS1_2_VERSION;
    ctx.maxVersion = max ?? TLS1_3_VERSION;
    return;
  }
  ctx.minVersion = parseVersion(minVersion ?? liveDefaults.DEFAULT_MIN_VERSION, 'minimum', 'options.minVersion');
  ctx.maxVersion = parseVersion(maxVersion ?? liveDefaults.DEFAULT_MAX_VERSION, 'maximum', 'options.maxVersion');
  if (ctx.minVersion > ctx.maxVersion) {
    throw codedError(
      'ERR_TLS_INVALID_PROTOCOL_VERSION',
      `minVersion ${String(minVersion ?? liveDefaults.DEFAULT_MIN_VERSION)} is above maxVersion ${String(maxVersion ?? liveDefaults.DEFAULT_MAX_VERSION)}: no protocol version is left`,
      TypeError,
    );
  }
}

function configureCa(ctx: SecureContext, o: SecureContextOptions, name: string): void {
  if (o.ca === undefined || o.ca === null) return;
  const entries = validateBinaryOrArray(o.ca, `${name}.ca`);
  const ders: Uint8Array[] = [];
  for (const entry of entries) ders.push(...pemCertificates(toText(entry)));
  // Parse now: a broken anchor is a configuration error, not a failure of some later handshake.
  for (const der of ders) parseCertificateOption(der, `${name}.ca`);
  ctx.ca = ders;
}

function configureKeysAndCerts(ctx: SecureContext, o: SecureContextOptions, name: string): void {
  if (o.passphrase !== undefined && o.passphrase !== null) validateString(o.passphrase, `${name}.passphrase`);
  const keys: SigningKey[] = [];
  if (o.key !== undefined && o.key !== null && (o.key as unknown) !== '') {
    const list = Array.isArray(o.key) ? o.key : [o.key];
    for (const entry of list) {
      let pem: unknown = entry;
      let passphrase = o.passphrase;
      if (entry !== null && typeof entry === 'object' && !ArrayBuffer.isView(entry)) {
        pem = (entry as KeyObjectOption).pem;
        passphrase = (entry as KeyObjectOption).passphrase ?? o.passphrase;
      }
      if (!isBinaryLike(pem)) {
        throw errInvalidArgType(`${name}.key`, 'of type string or an instance of Buffer, TypedArray, or DataView', pem);
      }
      keys.push(ctx.provider.loadSigningKey(toText(pem), passphrase ?? undefined));
    }
  }
  if (o.cert === undefined || o.cert === null || (o.cert as unknown) === '') return;
  const chains = validateBinaryOrArray(o.cert, `${name}.cert`).map((c) => pemCertificates(toText(c)));
  for (const chain of chains) {
    if (chain.length === 0) {
      throw codedError('ERR_OSSL_PEM_NO_START_LINE', 'error:0480006C:PEM routines::no start line', Error, {
        library: 'PEM routines',
        reason: 'no start line',
      });
    }
    const spki = parseCertificateOption(chain[0]!, `${name}.cert`).spki;
    const key = keys.find((k) => bytesEqual(k.publicKeySpki, spki));
    if (!key) {
      if (keys.length === 0) continue; // a cert without a key is inert, as in OpenSSL
      throw codedError('ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'error:05800074:x509 certificate routines::key values mismatch', Error, {
        library: 'x509 certificate routines',
        reason: 'key values mismatch',
      });
    }
    ctx.certificates.push({ chain, key });
  }
}

/** parseCertificate with a Node-style error naming the option, for certificates we are given. */
function parseCertificateOption(der: Uint8Array, option: string): ReturnType<typeof parseCertificate> {
  try {
    return parseCertificate(der);
  } catch (err) {
    throw codedError('ERR_TLS_INVALID_CERTIFICATE', `${option}: ${(err as Error).message}`, Error, { cause: err });
  }
}

function configureSigalgs(ctx: SecureContext, o: SecureContextOptions, name: string): void {
  if (o.sigalgs === undefined || o.sigalgs === null) return;
  validateString(o.sigalgs, `${name}.sigalgs`);
  if (o.sigalgs === '') throw errInvalidArgValue(`${name}.sigalgs`, o.sigalgs);
  const ids = o.sigalgs.split(':').map((n) => {
    const id = sigalgByName(n.trim());
    if (id === undefined) throw codedError('ERR_CRYPTO_OPERATION_FAILED', `Failed to set sigalgs: unknown signature algorithm '${n}'`);
    return id;
  });
  ctx.signatureSchemes = [...new Set(ids)];
}

function configureCiphers(ctx: SecureContext, o: SecureContextOptions, name: string): void {
  if (o.ciphers !== undefined && o.ciphers !== null) validateString(o.ciphers, `${name}.ciphers`);
  const sel = selectCiphers(o.ciphers || liveDefaults.DEFAULT_CIPHERS);
  // Node (processCiphers): no TLS 1.3 names → TLS 1.2 only; no TLS 1.2 suites → TLS 1.3 only.
  if (sel.noTls13Named && ctx.minVersion < TLS1_3_VERSION) ctx.maxVersion = Math.min(ctx.maxVersion, TLS1_2_VERSION);
  if (sel.tls12.length === 0 && ctx.maxVersion > TLS1_2_VERSION) ctx.minVersion = Math.max(ctx.minVersion, TLS1_3_VERSION);
  ctx.cipherSuites = [...sel.tls13, ...sel.tls12];
}

function configureEcdhCurve(ctx: SecureContext, o: SecureContextOptions, name: string): void {
  const curve = o.ecdhCurve ?? liveDefaults.DEFAULT_ECDH_CURVE;
  validateString(curve, `${name}.ecdhCurve`);
  if (curve === 'auto') {
    ctx.groups = DEFAULT_GROUPS.filter((g) => ctx.provider.supportedGroups.includes(g));
    return;
  }
  const ids = curve.split(':').map((n) => {
    const id = groupByName(n.trim());
    if (id === undefined || !ctx.provider.supportedGroups.includes(id)) {
      throw codedError('ERR_CRYPTO_OPERATION_FAILED', `Failed to set ECDH curve: unknown or unsupported group '${n}'`);
    }
    return id;
  });
  ctx.groups = [...new Set(ids)];
}

function configureCrl(ctx: SecureContext, o: SecureContextOptions, name: string): void {
  if (o.crl === undefined || o.crl === null) return;
  const entries = validateBinaryOrArray(o.crl, `${name}.crl`);
  const ders: Uint8Array[] = [];
  for (const entry of entries) {
    for (const block of decodePem(toText(entry))) if (block.label === 'X509 CRL') ders.push(block.der);
  }
  ctx.crl = ders;
}

// ---- pfx ----------------------------------------------------------------------------------------
// One PKCS#12 file, or an array of files and `{ buf, passphrase }` objects, read with
// pki/pkcs12.ts over node:crypto. As in Node's SecureContext::LoadPKCS12, the key and its
// certificate become a certified key whose chain carries the file's other certificates, and those
// are also trusted (X509_STORE_add_cert) for verifying the peer.

export interface PfxObjectOption {
  buf: string | ArrayBufferView;
  passphrase?: string;
}

export interface LoadedPfx {
  chain: Uint8Array[];
  key: SigningKey;
  /** The file's other certificates, which Node adds to the context's trust store. */
  trusted: Uint8Array[];
}

/** A wrong or missing passphrase (the MAC does not verify): a deliberate difference, Node has no code. */
export const PFX_MAC_VERIFY_FAILURE = 'ERR_OSSL_PKCS12_MAC_VERIFY_FAILURE';

/** Node's message when the value is not something OpenSSL can read as a PFX at all. */
const UNABLE_TO_LOAD = 'Unable to load PFX certificate';

/** Node's toBuf: strings are UTF-8, binary views are taken as they are. */
function pfxBytes(v: unknown): Uint8Array | undefined {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

/**
 * Reads every entry of the option. Errors, as Node reports them: a wrong passphrase is
 * Error('mac verify failure') (OpenSSL's reason string, which Node throws as is) with the code
 * PFX_MAC_VERIFY_FAILURE, which Node's error lacks; an unavailable scheme such as RC2
 * (`openssl pkcs12 -legacy`'s certificate encryption) is
 * ERR_CRYPTO_UNSUPPORTED_OPERATION 'Unsupported PKCS12 PFX data: ...'; a value that is not a
 * string or buffer, or a file without a certificate, is ERR_CRYPTO_OPERATION_FAILED.
 */
export function loadPfxOption(pfx: unknown, passphrase: string | undefined, provider: CryptoProvider): LoadedPfx[] {
  const entries = Array.isArray(pfx) ? pfx : [pfx];
  return entries.map((entry: unknown) => {
    // Node: `val.buf ? val.buf : val`, and the entry's passphrase wins over the shared one.
    const obj = entry !== null && typeof entry === 'object' && !ArrayBuffer.isView(entry) ? (entry as Partial<PfxObjectOption>) : undefined;
    const raw = obj ? obj.buf : entry;
    const pass = (obj?.passphrase || passphrase) ?? undefined;
    const bytes = pfxBytes(raw);
    if (!bytes) throw codedError('ERR_CRYPTO_OPERATION_FAILED', UNABLE_TO_LOAD);
    if (pass !== undefined && typeof pass !== 'string') throw codedError('ERR_CRYPTO_OPERATION_FAILED', UNABLE_TO_LOAD);
    return loadOne(bytes, pass, provider);
  });
}

function loadOne(bytes: Uint8Array, passphrase: string | undefined, provider: CryptoProvider): LoadedPfx {
  let contents;
  try {
    contents = parsePfx(bytes, passphrase, nodePkcs12Crypto);
  } catch (e) {
    throw pfxError(e);
  }
  if (!contents.cert) throw codedError('ERR_CRYPTO_OPERATION_FAILED', `${UNABLE_TO_LOAD}: the file holds no certificate for its key`);
  const key = provider.loadSigningKey(contents.key);
  return { chain: [contents.cert, ...contents.ca], key, trusted: contents.ca };
}

function pfxError(e: unknown): Error {
  if (!(e instanceof PkiError)) return e as Error;
  switch (e.code) {
    case 'ERR_PKCS12_MAC_VERIFY_FAILURE':
      // Node's message (OpenSSL's reason string), which Node throws without a code. Every adapter
      // error has one, so this one gets the code Node's own OpenSSL-error rule (ThrowCryptoError:
      // 'ERR_OSSL_' + library + reason) gives this error, like ERR_OSSL_X509_KEY_VALUES_MISMATCH.
      return codedError(PFX_MAC_VERIFY_FAILURE, 'mac verify failure', Error, {
        library: 'PKCS12 routines',
        reason: 'mac verify failure',
      });
    case 'ERR_CRYPTO_UNSUPPORTED_OPERATION': {
      const detail = e.message.replace(/^Unsupported PKCS12 PFX data:?\s*/, '');
      return codedError('ERR_CRYPTO_UNSUPPORTED_OPERATION', `Unsupported PKCS12 PFX data${detail ? `: ${detail}` : ''}`, Error, { cause: e });
    }
    default:
      return codedError(e.code, e.message, Error, { cause: e });
  }
}
