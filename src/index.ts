/**
 * ts-tls: the API of Node's `tls` module over a TypeScript TLS engine.
 *
 *   import tls from 'ts-tls';            // the default export: live, writable tls.DEFAULT_* values
 *   import { connect, createServer } from 'ts-tls';
 *   const tls = require('ts-tls');        // Node 20 require(esm): the namespace; use .default to
 *                                         // assign DEFAULT_* (namespace bindings are read-only)
 *
 * The named DEFAULT_* / CLIENT_RENEG_* exports are the values at load time; assignments made through
 * the default export are what new contexts read.
 */
import { liveDefaults } from './node/defaults.js';
import { tlsModule } from './node/tls.js';

export {
  connect,
  createServer,
  createSecureContext,
  createSecurePair,
  checkServerIdentity,
  convertALPNProtocols,
  getCiphers,
  getCACertificates,
  setDefaultCACertificates,
  rootCertificates,
  Server,
  SecureContext,
  SecurePair,
  TLSSocket,
} from './node/tls.js';
export type { ConnectionOptions } from './node/tls.js';
export type { ServerOptions } from './node/server.js';
export type { TLSSocketOptions } from './node/tls-socket.js';
export type { SecureContextOptions } from './node/secure-context.js';

export const DEFAULT_CIPHERS = liveDefaults.DEFAULT_CIPHERS;
export const DEFAULT_ECDH_CURVE = liveDefaults.DEFAULT_ECDH_CURVE;
export const DEFAULT_MIN_VERSION = liveDefaults.DEFAULT_MIN_VERSION;
export const DEFAULT_MAX_VERSION = liveDefaults.DEFAULT_MAX_VERSION;
export const CLIENT_RENEG_LIMIT = liveDefaults.CLIENT_RENEG_LIMIT;
export const CLIENT_RENEG_WINDOW = liveDefaults.CLIENT_RENEG_WINDOW;

export default tlsModule;
