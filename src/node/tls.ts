/**
 * The `tls` module surface: connect(), module functions and constants. The mutable defaults
 * (DEFAULT_CIPHERS, DEFAULT_MIN_VERSION, ...) live in defaults.ts; `tlsModule` (the package's
 * default export) exposes them as writable accessors, so `tls.DEFAULT_MIN_VERSION = 'TLSv1.3'`
 * works as in Node. Named ESM exports of those values are snapshots at load time.
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { bundledRootCertificates, rootCertificates } from '../pki/root-store.js';
import { liveDefaults } from './defaults.js';
import { getCACertificates, setDefaultCACertificates } from './extra-ca.js';
import { checkServerIdentity } from './check-server-identity.js';
import { codedError } from './errors.js';
import { convertALPNProtocols, normalizeConnectArgs, validateFunction } from './options.js';
import { SecureContext, createSecureContext } from './secure-context.js';
import { SecurePair, createSecurePair } from './secure-pair.js';
import { Server, createServer } from './server.js';
import { cipherNames } from './tables.js';
import { TLSSocket, type TLSSocketOptions } from './tls-socket.js';

export interface ConnectionOptions extends TLSSocketOptions {
  host?: string;
  port?: number;
  path?: string;
  socket?: Duplex;
  timeout?: number;
  localAddress?: string;
  localPort?: number;
  family?: number;
  lookup?: unknown;
  /** Smallest DHE prime accepted (TLS 1.2 DHE only; validated now, used once TLS 1.2 lands). */
  minDHSize?: number;
}

/** Node's default for minDHSize, in bits. */
export const DEFAULT_MIN_DH_SIZE = 1024;

let warnedIpServername = false;
let warnedRejectUnauthorized = false;

/**
 * connect(options[, cb]) | connect(port[, host][, options][, cb]) | connect(path[, options][, cb]).
 * `cb` is added as a 'secureConnect' listener. Throws synchronously for invalid options.
 */
export function connect(...args: unknown[]): TLSSocket {
  const [given, cb] = normalizeConnectArgs(args);
  const allowUnauthorized = process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0';
  if (allowUnauthorized && !warnedRejectUnauthorized) {
    warnedRejectUnauthorized = true;
    process.emitWarning(
      "Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections " +
        'and HTTPS requests insecure by disabling certificate verification.',
    );
  }
  const options: ConnectionOptions = {
    rejectUnauthorized: !allowUnauthorized,
    ciphers: liveDefaults.DEFAULT_CIPHERS,
    checkServerIdentity,
    ...given,
  };
  validateFunction(options.checkServerIdentity, 'options.checkServerIdentity');
  validateMinDHSize(options.minDHSize ?? DEFAULT_MIN_DH_SIZE);
  if (options.servername !== undefined && typeof options.servername !== 'string') {
    throw codedError('ERR_INVALID_ARG_TYPE', 'The "options.servername" property must be of type string.', TypeError);
  }
  if (options.servername && isIP(options.servername) && !warnedIpServername) {
    warnedIpServername = true;
    process.emitWarning(
      'Setting the TLS ServerName to an IP address is not permitted by RFC 6066. This will be ignored in a future version.',
      'DeprecationWarning',
      'DEP0123',
    );
  }
  const host = options.host ?? 'localhost';
  const secureContext = options.secureContext ?? createSecureContext(options);
  const socket = new TLSSocket(options.socket ?? null, {
    ...options,
    host,
    isServer: false,
    secureContext,
  });
  if (cb) socket.once('secureConnect', cb);
  if (!options.socket) {
    const netOptions: Record<string, unknown> = options.path
      ? { path: options.path }
      : { port: options.port, host, localAddress: options.localAddress, localPort: options.localPort, family: options.family };
    if (options.lookup) netOptions.lookup = options.lookup;
    socket.connect(netOptions);
  }
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket;
}

/** Node 20 checks minDHSize with assert(), hence its ERR_INTERNAL_ASSERTION code and wording. */
function validateMinDHSize(v: unknown): void {
  if (typeof v !== 'number') throw codedError('ERR_INTERNAL_ASSERTION', `options.minDHSize is not a number: ${String(v)}`);
  if (!(v > 0)) throw codedError('ERR_INTERNAL_ASSERTION', `options.minDHSize is not a positive number: ${v}`);
}

/** tls.getCiphers(): lower-case names of every suite ts-tls implements, sorted like Node prints them. */
export function getCiphers(): string[] {
  return cipherNames();
}

export {
  SecurePair,
  Server,
  SecureContext,
  TLSSocket,
  checkServerIdentity,
  convertALPNProtocols,
  createSecureContext,
  createSecurePair,
  createServer,
  getCACertificates,
  rootCertificates,
  setDefaultCACertificates,
};

/**
 * The default export: every function plus the live, writable defaults. Node code that assigns
 * tls.DEFAULT_* must use this object (`import tls from 'ts-tls'` or `require('ts-tls').default`).
 */
export const tlsModule = {
  connect,
  createServer,
  createSecureContext,
  createSecurePair,
  checkServerIdentity,
  convertALPNProtocols,
  getCiphers,
  getCACertificates,
  setDefaultCACertificates,
  Server,
  TLSSocket,
  SecureContext,
  SecurePair,
} as Record<string, unknown> & {
  connect: typeof connect;
  createServer: typeof createServer;
  createSecureContext: typeof createSecureContext;
  createSecurePair: typeof createSecurePair;
  SecurePair: typeof SecurePair;
  checkServerIdentity: typeof checkServerIdentity;
  convertALPNProtocols: typeof convertALPNProtocols;
  getCiphers: typeof getCiphers;
  getCACertificates: typeof getCACertificates;
  setDefaultCACertificates: typeof setDefaultCACertificates;
  Server: typeof Server;
  TLSSocket: typeof TLSSocket;
  SecureContext: typeof SecureContext;
  rootCertificates: readonly string[];
  DEFAULT_CIPHERS: string;
  DEFAULT_ECDH_CURVE: string;
  DEFAULT_MIN_VERSION: string;
  DEFAULT_MAX_VERSION: string;
  CLIENT_RENEG_LIMIT: number;
  CLIENT_RENEG_WINDOW: number;
};

// As in Node's lib/tls.js: a non-configurable getter that builds the frozen array on first access,
// so a process that never reads the roots never loads them (see src/node/pki-loaders.ts).
Object.defineProperty(tlsModule, 'rootCertificates', { enumerable: true, configurable: false, get: bundledRootCertificates });

for (const key of Object.keys(liveDefaults) as (keyof typeof liveDefaults)[]) {
  Object.defineProperty(tlsModule, key, {
    enumerable: true,
    configurable: true,
    get: () => liveDefaults[key],
    set: (v: never) => {
      liveDefaults[key] = v;
    },
  });
}
