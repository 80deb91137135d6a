/**
 * What a TLSSocket reports about its connection (Node's getCipher, getProtocol, getPeerCertificate,
 * getFinished, exportKeyingMaterial, ...), kept apart from the byte pumping in tls-socket.ts. Every
 * getter reads the engine's `negotiated` parameters; before the handshake they answer as Node does
 * (null, {} or undefined).
 */
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import type { CertifiedKey, TlsConnection } from '../connection/types.js';
import { toPeerCertificate, type PeerCertificateObject } from './deps.js';
import { codedError, errInvalidArgType } from './errors.js';
import { validateString, versionName } from './options.js';
import { createSecureContext, isSecureContext, type SecureContext, type SecureContextOptions } from './secure-context.js';
import { groupName, sharedSigalgName, suiteById } from './tables.js';

/** setMaxSendFragment bounds (RFC 6066 §4 allows 2^9..2^14; OpenSSL's accepted range). */
export const MIN_SEND_FRAGMENT = 512;
export const MAX_SEND_FRAGMENT = 16384;

export type SNICallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
export type ALPNCallback = (info: { servername: string | undefined; protocols: string[] }) => string | undefined;

export interface TLSSocketOptions extends SecureContextOptions {
  isServer?: boolean;
  server?: net.Server;
  secureContext?: SecureContext;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  ALPNProtocols?: unknown;
  ALPNCallback?: ALPNCallback;
  SNICallback?: SNICallback;
  servername?: string;
  host?: string;
  checkServerIdentity?: (hostname: string, cert: PeerCertificateObject) => Error | undefined;
  handshakeTimeout?: number;
  allowHalfOpen?: boolean;
  highWaterMark?: number;
  enableTrace?: boolean;
}

export const u8ToBuffer = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

/** Node's getEphemeralKeyInfo() names and sizes per group. */
const EPHEMERAL_ECDH: Record<string, [string, number]> = {
  X25519: ['X25519', 253],
  X448: ['X448', 448],
  'P-256': ['prime256v1', 256],
  'P-384': ['secp384r1', 384],
  'P-521': ['secp521r1', 521],
};

export abstract class TLSSocketInfo extends net.Socket {
  readonly encrypted = true;
  authorized = false;
  authorizationError: string | null = null;
  alpnProtocol: string | false | null = null;
  /** io.js NPN: never negotiated (TLS 1.3 has no NPN); false like a socket without it. */
  npnProtocol: string | false | null = null;
  servername: string | false | null = null;
  secureConnecting = true;
  server: net.Server | undefined;
  abstract readonly _tlsOptions: TLSSocketOptions;
  abstract readonly secureContext: SecureContext;
  protected conn: TlsConnection | null = null;
  protected started = false;
  protected maxSendFragment: number | undefined;
  protected traceEnabled = false;
  /** setKeyCert(): certificates that replace the context's for this socket's handshake. */
  protected keyCertOverride: CertifiedKey[] | undefined;

  /** Whether destroy() was given an error: 'close' then carries hadError = true. */
  private destroyedWithError = false;

  /** Sends what the engine has queued; false when the transport asks us to wait for 'drain'. */
  protected abstract flush(): boolean;

  override destroy(error?: Error): this {
    if (error && !this.destroyed) this.destroyedWithError = true;
    return super.destroy(error);
  }

  /**
   * net.Socket emits 'close' with hadError only when it owns a libuv handle; we have none (our
   * transport is a stream), so without this 'close' after an error would report hadError false.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.destroyedWithError);
    return super.emit(event, ...args);
  }

  // Each getter below first answers as Node's do once the socket is destroyed (its TLS handle is
  // gone then; ours has disposed its engine): null, or undefined for the X509 ones.

  getCipher(): { name: string; standardName: string; version: string } | null {
    if (this.destroyed) return null;
    const neg = this.conn?.negotiated;
    const row = neg ? suiteById(neg.cipherSuite) : undefined;
    if (!neg || !row) return null;
    return { name: row.opensslName, standardName: row.ianaName, version: versionName(neg.version) ?? 'unknown' };
  }

  getProtocol(): string | null {
    if (this.destroyed) return null;
    const neg = this.conn?.negotiated;
    return neg ? versionName(neg.version) : null;
  }

  getPeerCertificate(detailed = false): PeerCertificateObject | null {
    if (!this.conn || this.destroyed) return null;
    const chain = this.conn.negotiated?.peerCertificates ?? [];
    return chain.length ? toPeerCertificate(chain, !!detailed, this.secureContext.ca) : {};
  }

  getCertificate(): PeerCertificateObject | null {
    if (!this.conn || this.destroyed) return null;
    const own = this.conn.negotiated?.ownCertificate;
    return own ? toPeerCertificate([own], false) : {};
  }

  /** The peer's leaf as a node:crypto X509Certificate (undefined before the handshake or without one). */
  getPeerX509Certificate(): X509Certificate | undefined {
    if (this.destroyed) return undefined;
    const leaf = this.conn?.negotiated?.peerCertificates[0];
    return leaf ? new X509Certificate(leaf) : undefined;
  }

  getX509Certificate(): X509Certificate | undefined {
    if (this.destroyed) return undefined;
    const own = this.conn?.negotiated?.ownCertificate;
    return own ? new X509Certificate(own) : undefined;
  }

  getFinished(): Buffer | null | undefined {
    if (this.destroyed) return null;
    const f = this.conn?.negotiated?.ownFinished;
    return f ? Buffer.from(f) : undefined;
  }

  getPeerFinished(): Buffer | null | undefined {
    if (this.destroyed) return null;
    const f = this.conn?.negotiated?.peerFinished;
    return f ? Buffer.from(f) : undefined;
  }

  isSessionReused(): boolean | null {
    return this.destroyed ? null : !!this.conn?.negotiated?.resumed;
  }

  getSession(): Buffer | null | undefined {
    return this.destroyed ? null : undefined; // resumption is a later issue
  }

  getTLSTicket(): Buffer | null | undefined {
    return this.destroyed ? null : undefined;
  }

  getSharedSigalgs(): string[] | null {
    if (this.destroyed) return null;
    const neg = this.conn?.negotiated;
    if (!neg?.peerSignatureSchemes) return [];
    const ours = this.secureContext.signatureSchemes;
    // OpenSSL lists them in the server's (our configured) order, filtered by what the peer offered.
    const theirs = new Set(neg.peerSignatureSchemes);
    return ours.filter((s) => theirs.has(s)).map(sharedSigalgName);
  }

  /** Client only, as in Node: the server side answers {}; before the handshake, null. */
  getEphemeralKeyInfo(): { type?: string; name?: string; size?: number } | null {
    if (this.destroyed) return null;
    const neg = this.conn?.negotiated;
    // Node: "only supported on a client socket; null is returned if called on a server socket".
    if (!neg || this._tlsOptions.isServer) return null;
    if (neg.group === undefined) return {};
    const name = groupName(neg.group) ?? '';
    const ec = EPHEMERAL_ECDH[name];
    if (ec) return { type: 'ECDH', name: ec[0], size: ec[1] };
    const dh = /^ffdhe(\d+)$/.exec(name);
    return dh ? { type: 'DH', size: Number(dh[1]) } : {};
  }

  exportKeyingMaterial(length: number, label: string, context?: ArrayBufferView): Buffer {
    if (typeof length !== 'number' || !Number.isInteger(length) || length <= 0) {
      throw errInvalidArgType('length', 'of type number', length);
    }
    validateString(label, 'label');
    if (context !== undefined && !ArrayBuffer.isView(context)) {
      throw errInvalidArgType('context', 'an instance of Buffer, TypedArray, or DataView', context);
    }
    if (!this.conn?.handshakeComplete) {
      throw codedError('ERR_TLS_INVALID_STATE', 'TLS socket connection must be securely established');
    }
    const ctx = context ? new Uint8Array(context.buffer, context.byteOffset, context.byteLength) : undefined;
    return u8ToBuffer(this.conn.exportKeyingMaterial(label, ctx, length));
  }

  setMaxSendFragment(size: number): boolean {
    if (typeof size !== 'number' || !Number.isInteger(size)) throw errInvalidArgType('size', 'of type number', size);
    if (size < MIN_SEND_FRAGMENT || size > MAX_SEND_FRAGMENT) return false;
    this.maxSendFragment = size;
    this.conn?.setMaxFragmentLength(size);
    return true;
  }

  setServername(name: string): void {
    validateString(name, 'name');
    if (this._tlsOptions.isServer) throw codedError('ERR_TLS_SNI_FROM_SERVER', 'Cannot issue SNI from a TLS server-side socket');
    if (this.started) throw codedError('ERR_TLS_INVALID_STATE', 'setServername() must be called before the handshake starts');
    this._tlsOptions.servername = name;
  }

  /**
   * Node's setKeyCert(context): this socket's key and certificate come from `context` (a
   * SecureContext or createSecureContext options). Effective until the certificate is chosen: before
   * the handshake, or from SNICallback (called with the socket as `this`).
   */
  setKeyCert(context: SecureContext | SecureContextOptions): void {
    const ctx = isSecureContext(context) ? context : createSecureContext(context);
    this.keyCertOverride = ctx.certificates.length ? ctx.certificates : undefined;
  }

  /** TLS 1.3 has no renegotiation (RFC 8446 §4.1.2 drops it); Node reports ERR_TLS_RENEGOTIATE. */
  renegotiate(_options: unknown, callback?: (err: Error | null) => void): boolean {
    if (callback) process.nextTick(callback, codedError('ERR_TLS_RENEGOTIATE', 'Attempt to renegotiate TLS session failed'));
    return false;
  }

  disableRenegotiation(): void {
    // Nothing to disable: renegotiation is never accepted.
  }

  enableTrace(): void {
    this.traceEnabled = true;
  }

  /** TLS 1.3 KeyUpdate (RFC 8446 §4.6.3), asking the peer to update too when requestPeer. */
  keyUpdate(requestPeer = false): void {
    if (!this.conn?.handshakeComplete) throw codedError('ERR_TLS_INVALID_STATE', 'TLS socket connection must be securely established');
    this.conn.keyUpdate(requestPeer);
    this.flush();
  }
}
