/**
 * tls.Server: a net.Server that wraps every accepted (or injected, via emit('connection', duplex))
 * stream in a server-side TLSSocket, and reports each one as 'secureConnection' once its handshake
 * is done, or as 'tlsClientError' (and io.js 'clientError') when it fails before that.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { defaultProvider } from './deps.js';
import { codedError, connReset, errInvalidArgType, errInvalidArgValue } from './errors.js';
import { parseAlpnProtocols, validateObject } from './options.js';
import { SecureContext, createSecureContext, isSecureContext, type SecureContextOptions } from './secure-context.js';
import { TLSSocket, type ALPNCallback, type SNICallback, type TLSSocketOptions } from './tls-socket.js';

/** Node's default: a handshake not finished within two minutes is abandoned. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;
/** Session ticket key material size (Node's getTicketKeys(): 16-byte name, 16-byte HMAC, 16-byte AES key). */
export const TICKET_KEYS_LENGTH = 48;

export interface ServerOptions extends SecureContextOptions {
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  handshakeTimeout?: number;
  SNICallback?: SNICallback;
  ALPNProtocols?: unknown;
  ALPNCallback?: ALPNCallback;
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  enableTrace?: boolean;
  ticketKeys?: Uint8Array;
}

type SecureConnectionListener = (socket: TLSSocket) => void;

const kErrorEmitted = Symbol('tls-error-emitted');
type ServerSideSocket = TLSSocket & { [kErrorEmitted]?: boolean };

export class Server extends net.Server {
  requestCert: boolean;
  rejectUnauthorized: boolean;
  ALPNProtocols: string[] | undefined;
  /** The context every connection starts with (Node's name; replaced by setSecureContext). */
  _sharedCreds!: SecureContext;
  private readonly contexts: [RegExp, SecureContext][] = [];
  private readonly handshakeTimeout: number;
  private readonly sniCallback: SNICallback | undefined;
  private readonly alpnCallback: ALPNCallback | undefined;
  private readonly socketAllowHalfOpen: boolean;
  private readonly enableTrace: boolean;
  private ticketKeys: Buffer;

  constructor(options?: ServerOptions | SecureConnectionListener, listener?: SecureConnectionListener) {
    let opts: ServerOptions;
    if (typeof options === 'function') {
      listener = options;
      opts = {};
    } else if (options === undefined || options === null) {
      opts = {};
    } else {
      validateObject(options, 'options');
      opts = options;
    }
    // The transport stays half-open so a close_notify can still be written after the peer's FIN.
    super({
      allowHalfOpen: true,
      pauseOnConnect: !!opts.pauseOnConnect,
      noDelay: !!opts.noDelay,
      keepAlive: !!opts.keepAlive,
      keepAliveInitialDelay: opts.keepAliveInitialDelay ?? 0,
    });
    this.requestCert = opts.requestCert === true;
    this.rejectUnauthorized = opts.rejectUnauthorized !== false;
    this.socketAllowHalfOpen = !!opts.allowHalfOpen;
    this.enableTrace = !!opts.enableTrace;
    const timeout = opts.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
      throw errInvalidArgType('options.handshakeTimeout', 'of type number', opts.handshakeTimeout);
    }
    this.handshakeTimeout = timeout || DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (opts.SNICallback !== undefined && typeof opts.SNICallback !== 'function') {
      throw errInvalidArgType('options.SNICallback', 'of type function', opts.SNICallback);
    }
    this.sniCallback = opts.SNICallback;
    if (opts.ALPNCallback !== undefined) {
      if (typeof opts.ALPNCallback !== 'function') throw errInvalidArgType('options.ALPNCallback', 'of type function', opts.ALPNCallback);
      if (opts.ALPNProtocols) {
        throw codedError(
          'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS',
          'The ALPNCallback and ALPNProtocols TLS options are mutually exclusive',
          TypeError,
        );
      }
    }
    this.alpnCallback = opts.ALPNCallback;
    this.ALPNProtocols = parseAlpnProtocols(opts.ALPNProtocols);
    this.ticketKeys = opts.ticketKeys ? Buffer.from(opts.ticketKeys) : Buffer.from(defaultProvider().randomBytes(TICKET_KEYS_LENGTH));
    this.setSecureContext(opts);
    this.on('connection', (raw: Duplex) => this.onConnection(raw));
    if (listener) this.on('secureConnection', listener);
  }

  /** Replaces the context for connections accepted from now on. */
  setSecureContext(options: SecureContextOptions): void {
    validateObject(options, 'options');
    this._sharedCreds = createSecureContext(options);
  }

  /** SNI: connections naming `hostname` (wildcards: '*.example.com') use `context`. */
  addContext(hostname: string, context: SecureContext | SecureContextOptions): void {
    if (!hostname) throw codedError('ERR_TLS_REQUIRED_SERVER_NAME', '"servername" is required parameter for Server.addContext');
    const escaped = hostname.replace(/([.^$+?\-\\[\]{}])/g, '\\$1').replaceAll('*', '[^.]*');
    const ctx = isSecureContext(context) ? context : createSecureContext(context);
    this.contexts.push([new RegExp(`^${escaped}$`), ctx]);
  }

  getTicketKeys(): Buffer {
    return Buffer.from(this.ticketKeys);
  }

  setTicketKeys(keys: Uint8Array): void {
    if (!ArrayBuffer.isView(keys)) throw errInvalidArgType('keys', 'an instance of Buffer, TypedArray, or DataView', keys);
    if (keys.byteLength !== TICKET_KEYS_LENGTH) throw errInvalidArgValue('keys', keys.byteLength, `must be exactly ${TICKET_KEYS_LENGTH} bytes`);
    this.ticketKeys = Buffer.from(keys);
  }

  /** The built-in SNICallback: the most recently added matching context (as Node 20 searches). */
  private readonly defaultSni: SNICallback = (servername, cb) => {
    for (let i = this.contexts.length - 1; i >= 0; i--) {
      const [re, ctx] = this.contexts[i]!;
      if (re.test(servername)) return cb(null, ctx);
    }
    cb(null, undefined);
  };

  private onConnection(raw: Duplex): void {
    const options: TLSSocketOptions = {
      secureContext: this._sharedCreds,
      isServer: true,
      server: this,
      requestCert: this.requestCert,
      rejectUnauthorized: this.rejectUnauthorized,
      handshakeTimeout: this.handshakeTimeout,
      ALPNProtocols: this.ALPNProtocols,
      ALPNCallback: this.alpnCallback,
      SNICallback: this.sniCallback ?? (this.contexts.length ? this.defaultSni : undefined),
      allowHalfOpen: this.socketAllowHalfOpen,
      enableTrace: this.enableTrace,
    };
    let socket: ServerSideSocket;
    try {
      socket = new TLSSocket(raw, options);
    } catch (err) {
      raw.destroy();
      this.reportClientError(err as Error, undefined);
      return;
    }
    socket[kErrorEmitted] = false;
    // Shared listeners (the socket is `this`, as in Node's onSocketTLSError): none made per connection.
    socket.on('_tlsError', Server.onSocketTlsError);
    socket.on('close', Server.onSocketClose);
  }

  private static onSocketTlsError(this: ServerSideSocket, err: Error): void {
    if (this[kErrorEmitted]) return;
    this[kErrorEmitted] = true;
    (this._tlsOptions.server as Server).reportClientError(err, this);
  }

  private static onSocketClose(this: ServerSideSocket, hadError: boolean): void {
    // Closed before the handshake without an error of its own: Node's ECONNRESET 'socket hang up'.
    if (hadError || this[kErrorEmitted] || this.secureConnecting === false) return;
    this[kErrorEmitted] = true;
    (this._tlsOptions.server as Server).reportClientError(connReset('socket hang up'), this);
  }

  /** Both today's 'tlsClientError' and the io.js 'clientError' (reference document) are emitted. */
  private reportClientError(err: Error, socket: TLSSocket | undefined): void {
    this.emit('tlsClientError', err, socket);
    this.emit('clientError', err, socket);
  }
}

/**
 * io.js `server.connections`: the number of open connections. Node removed it (DEP0020, use
 * getConnections()); the reference document has it, so it reads net.Server's own count.
 */
Object.defineProperty(Server.prototype, 'connections', {
  configurable: true,
  enumerable: false,
  get(this: Server) {
    return (this as unknown as { _connections: number })._connections;
  },
});

export function createServer(options?: ServerOptions | SecureConnectionListener, listener?: SecureConnectionListener): Server {
  return new Server(options, listener);
}
