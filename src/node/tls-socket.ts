/**
 * tls.TLSSocket: a net.Socket whose bytes go through one sans-I/O TlsConnection. It wraps any
 * duplex (a net.Socket, an in-memory pair, a WebSocket stream) or opens its own TCP connection.
 * This file is the engine pump and the event mapping:
 *
 *   raw 'data' → conn.receive → events → push() / 'secure' / 'secureConnect' / 'keylog' / errors
 *
 * with the client's verification step and the server's ClientHello decision (SNICallback,
 * ALPNCallback). The Duplex plumbing (writes, end, backpressure) is tls-socket-stream.ts; the
 * getters are tls-socket-info.ts. Errors follow Node's rules: a server socket reports
 * pre-handshake errors to its Server ('tlsClientError'), a client socket emits 'error' with a
 * Node-style code.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createClientConnection, createServerConnection } from '../connection/index.js';
import type { ConnectionEvent, ServerHelloDecision, TlsConnection } from '../connection/types.js';
import { AlertDescription } from '../wire/registry.js';
import { checkServerIdentity as defaultCheckServerIdentity } from './check-server-identity.js';
import {
  DISCONNECTED_BEFORE_SECURE,
  codedError,
  connReset,
  errInvalidArgType,
  handshakeTimeoutError,
  toNodeError,
  verifyError,
} from './errors.js';
import { keyLogFile } from './keylog-file.js';
import { useSharedReadBuffer } from './read-buffer.js';
import { defaultServername, parseAlpnProtocols } from './options.js';
import { SecureContext, createSecureContext, isSecureContext } from './secure-context.js';
import type { TLSSocketOptions } from './tls-socket-info.js';
import { TLSSocketStream } from './tls-socket-stream.js';
import { keepShapesOf, keepSocketShapes } from './warm-shapes.js';

export type { ALPNCallback, SNICallback, TLSSocketOptions } from './tls-socket-info.js';

/** On the transport: the TLSSocket over it, for the shared transport listeners. */
const kOwner = Symbol('ts-tls.tlsSocket');
type Transport = Duplex & { [kOwner]?: TLSSocket };

let inertContext: SecureContext | undefined;

export class TLSSocket extends TLSSocketStream {
  readonly _tlsOptions: TLSSocketOptions;
  readonly secureContext: SecureContext;

  private secureEstablished = false;
  private controlReleased: boolean;
  private peerEnded = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** ALPNProtocols as names, parsed (and so validated) once, as Node does when the socket is made. */
  private readonly alpnProtocols: string[] | undefined;

  constructor(socket?: Duplex | null, options: TLSSocketOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? (socket as net.Socket | undefined)?.allowHalfOpen ?? false,
      ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    } as net.SocketConstructorOpts);
    this._tlsOptions = { ...options };
    this.server = options.server;
    this.traceEnabled = !!options.enableTrace;
    const ctx = options.secureContext ?? createSecureContext(options);
    if (!isSecureContext(ctx)) throw errInvalidArgType('options.secureContext', 'an instance of SecureContext', ctx);
    this.secureContext = ctx;
    // Server sockets report failures to their Server until the handshake is done (Node's
    // _tlsError listener): an unhandled pre-handshake error must not crash the process.
    this.controlReleased = !options.isServer;
    if (options.isServer) this.on('error', TLSSocket.internalErrorListener);
    this.alpnProtocols = parseAlpnProtocols(options.ALPNProtocols);
    if (socket) this.attach(socket);
  }

  // ---- transport ------------------------------------------------------------------------------

  /** Opens a TCP (or IPC) connection and runs TLS over it: net.Socket#connect's argument forms. */
  override connect(...args: unknown[]): this {
    if (this.raw) throw codedError('ERR_SOCKET_CONNECTION_ALREADY_ESTABLISHED', 'Socket already has a transport', Error);
    const last = args[args.length - 1];
    const cb = typeof last === 'function' ? (args.pop() as () => void) : undefined;
    const first = args[0];
    const opts: net.NetConnectOpts =
      first !== null && typeof first === 'object'
        ? { ...(first as net.NetConnectOpts), allowHalfOpen: true }
        : typeof first === 'string' && !/^\d+$/.test(first)
          ? { path: first, allowHalfOpen: true }
          : { port: Number(first), host: typeof args[1] === 'string' ? args[1] : 'localhost', allowHalfOpen: true };
    // The host names the server for checkServerIdentity and SNI unless options said otherwise.
    if ('host' in opts && typeof opts.host === 'string') this._tlsOptions.host ??= opts.host;
    if (cb) this.once('secureConnect', cb);
    this.attach(net.connect(opts));
    return this;
  }

  private attach(raw: Duplex): void {
    this.raw = raw;
    const tcp = raw instanceof net.Socket ? raw : undefined;
    if (tcp?.connecting) {
      this.setConnecting(true);
      tcp.once('connect', () => {
        this.setConnecting(false);
        this.emit('connect');
      });
    }
    (raw as Transport)[kOwner] = this;
    raw.on('error', TLSSocket.onTransportError);
    raw.on('end', TLSSocket.onTransportEnd);
    raw.on('close', TLSSocket.onTransportClose);
    raw.on('drain', TLSSocket.onTransportDrain);
    // Start on the next tick so the caller can add 'keylog'/'secureConnect' listeners first.
    process.nextTick(() => this.start());
  }

  /** net.Socket's `connecting` is read-only in the typings but a plain field at run time. */
  private setConnecting(v: boolean): void {
    (this as { connecting: boolean }).connecting = v;
  }

  private start(): void {
    if (this.started || this.destroyed || !this.raw) return;
    this.started = true;
    const o = this._tlsOptions;
    if (o.handshakeTimeout && o.handshakeTimeout > 0) {
      this.handshakeTimer = setTimeout(() => this.destroy(handshakeTimeoutError()), o.handshakeTimeout);
      this.handshakeTimer.unref?.();
    }
    let events: ConnectionEvent[];
    try {
      this.conn = o.isServer ? this.createServerEngine() : this.createClientEngine();
      if (this.maxSendFragment !== undefined) this.conn.setMaxFragmentLength(this.maxSendFragment);
      this.enableOutputReuse();
      events = this.conn.start();
    } catch (err) {
      this.destroy(toNodeError(err));
      return;
    }
    this.handleEvents(events);
    this.flush();
    const raw = this.raw;
    // Reads into one shared buffer when the transport allows it (read-buffer.ts); else 'data'.
    if (raw instanceof net.Socket) useSharedReadBuffer(raw, TLSSocket.onTransportRead);
    raw.on('data', TLSSocket.onTransportData);
  }

  // The transport's listeners are shared by every socket: `this` is the transport, which names its
  // TLSSocket (Node's owner_symbol pattern). Closures per connection would live as long as it.
  private static onTransportError(this: Transport, err: Error): void {
    this[kOwner]!.emitTlsError(err);
  }
  private static onTransportEnd(this: Transport): void {
    this[kOwner]!.onRawEnd();
  }
  private static onTransportClose(this: Transport): void {
    this[kOwner]!.onRawClose();
  }
  private static onTransportDrain(this: Transport): void {
    this[kOwner]!.onRawDrain();
  }
  private static onTransportData(this: Transport, chunk: Buffer | string): void {
    this[kOwner]!.onRawData(chunk);
  }
  private static onTransportRead(this: Transport, nread: number, buf: Buffer): void {
    // A plain view: Buffer#subarray is JavaScript (three calls per read before it is optimised).
    this[kOwner]!.onRawData(new Uint8Array(buf.buffer, buf.byteOffset, nread), true);
  }

  private createClientEngine(): TlsConnection {
    const o = this._tlsOptions;
    const sni = o.servername !== undefined ? o.servername : defaultServername(o.host);
    this.servername = sni || null;
    const ctx = this.secureContext;
    // Properties added to the context's common fields (see createServerEngine).
    return createClientConnection(
      Object.assign(ctx.commonConfig(), {
        serverName: sni || undefined,
        hostname: this.verifyHostname(),
        // Like Node, the chain verdict is judged here (with checkServerIdentity), not in the engine.
        rejectUnauthorized: false,
        alpnProtocols: this.alpnProtocols,
        keyLog: this.listenerCount('keylog') > 0 || keyLogFile() !== undefined,
        trace: this.traceOn,
        // All pairs: the engine picks by the CertificateRequest's signature_algorithms, as OpenSSL does.
        certificates: this.keyCertOverride ?? ctx.certificates,
      }),
    );
  }

  /** The name the server's certificate must match: servername, else host (Node's tlsConnect). */
  private verifyHostname(): string {
    return this._tlsOptions.servername || this._tlsOptions.host || 'localhost';
  }

  private createServerEngine(): TlsConnection {
    const o = this._tlsOptions;
    const ctx = this.secureContext;
    // The per-connection fields are added to commonConfig()'s object in a fixed order, so V8
    // shares its hidden classes across connections. Spreading commonConfig() into one literal gave
    // each connection's config a hidden class of its own (~450 B, for the config's whole life).
    return createServerConnection(
      Object.assign(ctx.commonConfig(), {
        certificates: this.keyCertOverride ?? ctx.certificates,
        requestCert: !!o.requestCert,
        rejectUnauthorized: !!o.requestCert && o.rejectUnauthorized !== false,
        // RFC 8446 §4.2.4 certificate_authorities: the `ca` subjects, none for the default roots.
        certificateAuthorities: o.requestCert ? ctx.clientCaNames : undefined,
        alpnProtocols: this.alpnProtocols,
        keyLog: this.listenerCount('keylog') > 0 || (this.server?.listenerCount('keylog') ?? 0) > 0 || keyLogFile() !== undefined,
        trace: this.traceOn,
        pauseOnClientHello: !!(o.SNICallback || o.ALPNCallback),
        preferClientCipherOrder: !ctx.honorCipherOrder,
      }),
    );
  }

  /** `transient`: the bytes live in the shared read buffer and are only valid during this call. */
  private onRawData(chunk: Uint8Array | string, transient = false): void {
    const conn = this.conn;
    if (!conn || this.destroyed) return;
    this.refreshTimeout();
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    let events: ConnectionEvent[];
    try {
      events = conn.receive(bytes, transient);
    } catch (err) {
      events = [{ type: 'error', error: err as never }];
    }
    // Send what the engine queued (handshake replies, alerts) before acting on its events, and
    // cork so that data written from 'secureConnect' leaves with the Finished in one segment: a
    // separate small write would wait for the peer's delayed ACK under Nagle (~40 ms).
    const raw = this.raw;
    const wasEstablished = this.secureEstablished;
    if (!wasEstablished) raw?.cork();
    try {
      // Most reads of an established connection queue nothing to send: no flush to call then.
      if (conn.outgoingBytes > 0) this.flush();
      this.handleEvents(events);
      if (conn.outgoingBytes > 0) this.flush();
    } finally {
      if (raw && raw.writableCorked > 0) {
        // The handshake just completed: code that awaits 'secureConnect' (a promise) writes in a
        // microtask after this call returns. Keeping the cork until setImmediate lets that first
        // write leave with our Finished instead of ~40 ms later behind Nagle and delayed ACK.
        if (!wasEstablished && this.secureEstablished && !this._tlsOptions.isServer) {
          setImmediate(() => {
            if (raw.writableCorked > 0) raw.uncork();
          });
        } else {
          raw.uncork();
        }
      }
    }
  }

  private onRawEnd(): void {
    if (!this.secureEstablished) {
      if (this._tlsOptions.isServer || this.peerEnded) {
        this.destroy(connReset(this._tlsOptions.isServer ? 'socket hang up' : DISCONNECTED_BEFORE_SECURE));
        return;
      }
      // Node's client ends its readable side first and fails from that 'end' (onConnectEnd in
      // lib/_tls_wrap.js): the application sees 'end', then ECONNRESET, then 'close'.
      this.once('end', () => this.destroy(connReset(DISCONNECTED_BEFORE_SECURE)));
      this.endReadable();
      return;
    }
    // A TCP FIN without close_notify after the handshake ends the stream, as Node does.
    this.endReadable();
  }

  /**
   * The peer is done sending: end the readable side once. read(0) lets 'end' (and so the auto-end
   * of a non-half-open socket) happen for an application that never reads, as net's onStreamRead
   * does, so its connection does not linger.
   */
  private endReadable(): void {
    if (this.peerEnded) return;
    this.peerEnded = true;
    this.push(null);
    this.read(0);
  }

  private onRawClose(): void {
    if (this.destroyed) return;
    // A client whose raw side just ended fails from its own 'end' (see onRawEnd), due next tick.
    if (!this.secureEstablished && this.peerEnded && !this._tlsOptions.isServer && !this.readableEnded) return;
    if (!this.secureEstablished) this.onRawEnd();
    else if (this.peerEnded && !this.readableEnded) {
      // The peer finished cleanly but the application has not read everything (a paused or slow
      // reader): destroying now would drop buffered data and 'end'. Node emits 'end' after the
      // last 'data', then 'close'.
      this.once('end', () => process.nextTick(() => this.destroy()));
    } else this.destroy();
  }

  // ---- engine events --------------------------------------------------------------------------

  private handleEvents(events: ConnectionEvent[]): void {
    for (const ev of events) {
      if (this.destroyed) return;
      switch (ev.type) {
        case 'data':
          this.pushCleartext(ev.data);
          break;
        case 'handshakeDone':
          this.onHandshakeDone();
          break;
        case 'peerClosed':
          this.endReadable();
          break;
        case 'error':
          this.alertQueued = !ev.error.fromPeer;
          this.destroy(toNodeError(ev.error));
          return;
        case 'clientHello':
          this.onClientHello(ev);
          break;
        case 'keylog': {
          const line = Buffer.from(`${ev.line}\n`, 'latin1');
          this.emit('keylog', line);
          if (this._tlsOptions.isServer) this.server?.emit('keylog', line, this);
          keyLogFile()?.write(line);
          break;
        }
        case 'trace':
          if (this.traceEnabled) process.stderr.write(`${ev.direction === 'sent' ? '>>>' : '<<<'} ${ev.message}\n`);
          break;
        default:
          break; // sessionTicket / keyUpdate: resumption and traces come in later issues
      }
    }
  }

  private onHandshakeDone(): void {
    const neg = this.conn!.negotiated!;
    this.secureEstablished = true;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined; // a cleared Timeout still holds its closure and this socket's context
    this.alpnProtocol = neg.alpnProtocol ?? false;
    this.npnProtocol = false;
    // Node: the name received (server) or sent (client), false when there was none.
    this.servername = (this._tlsOptions.isServer ? neg.serverName : this.servername) || false;
    this.emit('secure');
    if (this.destroyed) return;
    if (this._tlsOptions.isServer) this.onServerSecure();
    else this.onClientSecure();
  }

  private onClientSecure(): void {
    const o = this._tlsOptions;
    const neg = this.conn!.negotiated!;
    const verdict = neg.peerVerdict;
    let err: Error | undefined;
    if (!verdict || !verdict.ok) {
      err = verifyError(verdict?.code ?? 'UNABLE_TO_GET_ISSUER_CERT', verdict?.message);
    } else if (!neg.resumed) {
      const hostname = this.verifyHostname();
      const check = o.checkServerIdentity ?? defaultCheckServerIdentity;
      // Node passes the detailed chain; the built-in check reads only the leaf's names, so the
      // issuer links (about 1.5 ms against the default roots) are built only for a user callback.
      const custom = check !== defaultCheckServerIdentity;
      try {
        err = check(hostname, this.getPeerCertificate(custom) ?? {}) ?? undefined;
      } catch (thrown) {
        err = thrown instanceof Error ? thrown : new Error(String(thrown));
      }
    }
    if (err) {
      this.authorized = false;
      this.authorizationError = ((err as { code?: string }).code ?? err.message) || 'CERT_REJECTED';
      if (o.rejectUnauthorized !== false) {
        this.destroy(err);
        return;
      }
    } else {
      this.authorized = true;
    }
    this.verified = true;
    this.secureConnecting = false;
    this.emit('secureConnect');
    this.flushPendingWrites();
  }

  private onServerSecure(): void {
    const o = this._tlsOptions;
    const neg = this.conn!.negotiated!;
    if (o.requestCert) {
      const verdict = neg.peerVerdict;
      if (neg.peerCertificates.length === 0 || !verdict) this.authorizationError = 'UNABLE_TO_GET_ISSUER_CERT';
      else if (!verdict.ok) this.authorizationError = verdict.code ?? 'CERT_REJECTED';
      else this.authorized = true;
      if (!this.authorized && o.rejectUnauthorized !== false) {
        this.destroy();
        return;
      }
    }
    this.verified = true;
    this.secureConnecting = false;
    this.releaseControl();
    this.flushPendingWrites();
    this.server?.emit('secureConnection', this);
  }

  /** Server: the engine paused after the ClientHello; SNICallback/ALPNCallback decide, maybe later. */
  private onClientHello(ev: Extract<ConnectionEvent, { type: 'clientHello' }>): void {
    const o = this._tlsOptions;
    this.servername = ev.serverName ?? false;
    const finish = (err: Error | null, ctx?: SecureContext): void => {
      if (this.destroyed || !this.conn) return;
      if (err) return this.rejectHello(AlertDescription.internal_error, err);
      if (ctx !== undefined && ctx !== null && !isSecureContext(ctx)) {
        return this.rejectHello(
          AlertDescription.internal_error,
          errInvalidArgType('context', 'an instance of SecureContext', ctx),
        );
      }
      const decision: ServerHelloDecision = {};
      // A context without certificates (say, only `ca`) keeps the default ones, rather than failing.
      if (ctx && ctx.certificates.length > 0) decision.certificates = ctx.certificates;
      // The chosen context's trust (its `ca`, else the default roots) judges client certificates,
      // as OpenSSL does once SSL_set_SSL_CTX switched to it (Node's test-tls-sni-option).
      if (ctx && ctx !== this.secureContext) {
        decision.verifier = ctx.engineVerifier;
        // ...and its `ca` names go in certificate_authorities (none without `ca`, as OpenSSL).
        if (o.requestCert) decision.certificateAuthorities = ctx.clientCaNames;
      }
      if (o.ALPNCallback) {
        const offered = ev.alpnProtocols ?? [];
        let selected: string | undefined;
        try {
          selected = offered.length ? o.ALPNCallback({ servername: ev.serverName, protocols: offered }) : undefined;
        } catch (e) {
          return this.rejectHello(AlertDescription.internal_error, e as Error);
        }
        if (selected !== undefined && !offered.includes(selected)) {
          return this.rejectHello(
            AlertDescription.internal_error,
            codedError('ERR_TLS_ALPN_CALLBACK_INVALID_RESULT', `ALPN callback returned a value (${selected}) that did not match any of the client's offered protocols (${offered.join(', ')})`, TypeError),
          );
        }
        if (offered.length && selected === undefined) {
          return this.rejectHello(AlertDescription.no_application_protocol, null);
        }
        decision.selectedAlpn = selected;
      }
      if (this.keyCertOverride) decision.certificates = this.keyCertOverride;
      this.endDecision();
      this.handleEvents(this.resumeEngine(decision));
      this.flush();
    };
    const sni = o.SNICallback;
    if (!sni || !ev.serverName) return finish(null);
    let called = false;
    this.pauseRawForDecision();
    try {
      sni.call(this, ev.serverName, (err, ctx) => {
        if (called) return this.destroy(codedError('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times'));
        called = true;
        finish(err, ctx);
      });
    } catch (err) {
      finish(err as Error);
    }
  }

  /** resumeHandshake with the engine's promise kept: failures come back as an error event. */
  private resumeEngine(decision: ServerHelloDecision): ConnectionEvent[] {
    try {
      return this.conn!.resumeHandshake(decision);
    } catch (err) {
      return [{ type: 'error', error: err as never }];
    }
  }

  private rejectHello(alert: number, err: Error | null): void {
    this.endDecision();
    const message = err?.message ?? 'no application protocol';
    const events = this.resumeEngine({ reject: { alert, message } });
    this.flush();
    if (err) {
      this.alertQueued = true;
      this.destroy(err);
    } else {
      this.handleEvents(events);
    }
  }

  // ---- errors ---------------------------------------------------------------------------------

  /** Asked by the engine per handshake message: describing messages nobody prints is wasted work. */
  private readonly traceOn = (): boolean => this.traceEnabled;

  /** A TLSSocket and a transport that never connect, with a context of no options: see warm-shapes.ts. */
  private static inertPair(this: void, isServer: boolean): object[] {
    return [new TLSSocket(null, { isServer, secureContext: (inertContext ??= createSecureContext()) }), new net.Socket()];
  }

  /** Shared by every server socket (`this` is the socket), so removable without a closure per socket. */
  private static internalErrorListener(this: TLSSocket, err: Error): void {
    this.emit('_tlsError', err);
  }

  private releaseControl(): void {
    if (this.controlReleased) return;
    this.controlReleased = true;
    this.removeListener('error', TLSSocket.internalErrorListener);
  }

  /**
   * Transport errors: Node's _emitTLSError (destroy with the error; servers report it to the Server).
   * Once our side has ended, a peer that vanished (EPIPE/ECONNRESET on the close_notify write) is
   * the end of the conversation, not an error: Node writes data, close_notify and the shutdown as
   * one request and never sees it either.
   */
  private emitTlsError(err: Error): void {
    if (this.destroyed) return;
    const code = (err as { code?: string }).code;
    if (this.closingSent && (code === 'EPIPE' || code === 'ECONNRESET')) this.destroy();
    else this.destroy(err);
  }

  // ---- teardown -------------------------------------------------------------------------------

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    clearTimeout(this.handshakeTimer);
    // Keys are forgotten now, not when the socket is collected; then the engine, and inert twins
    // of this socket and its transport, are kept for their hidden classes (warm-shapes.ts).
    const conn = this.conn;
    conn?.dispose();
    if (this.secureEstablished) {
      const isServer = this._tlsOptions.isServer === true;
      if (conn) keepShapesOf(conn, isServer);
      if (this.raw) keepSocketShapes([this, this.raw], isServer, TLSSocket.inertPair);
    }
    if (err && !this.secureEstablished && !this._tlsOptions.isServer && err.message === DISCONNECTED_BEFORE_SECURE) {
      Object.assign(err, { host: this._tlsOptions.host });
    }
    // Then the stream's part: drop held writes, let a queued alert out, close the transport.
    super._destroy(err, cb);
  }
}
