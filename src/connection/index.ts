/**
 * The engine's entry points for drivers (the Node adapter, tests, the CLI): a client or server
 * `TlsConnection` from a validated core config. See connection/types.ts for the contract.
 */
import { Connection } from './connection.js';
import type { ClientConfig, ServerConfig, TlsConnection } from './types.js';

export type { ClientConfig, ConnectionEvent, NegotiatedParams, ServerConfig, ServerHelloDecision, TlsConnection, CertifiedKey } from './types.js';
export { MAX_EMPTY_RECORDS_IN_ROW, MAX_WARNING_ALERTS_IN_ROW, MAX_KEY_UPDATES_PER_WINDOW, KEY_UPDATE_WINDOW_RECORDS, MIN_FRAGMENT_LENGTH, MAX_FRAGMENT_LENGTH, MAX_INPUT_WHILE_PAUSED, MAX_COMPAT_CCS, MAX_BUFFERED_HANDSHAKE_BYTES } from './connection.js';

/** A client connection; call `start()` to queue the ClientHello, then pump bytes both ways. */
export function createClientConnection(config: ClientConfig): TlsConnection {
  return new Connection(false, config);
}

/** A server connection; feed it the client's bytes with `receive()`. */
export function createServerConnection(config: ServerConfig): TlsConnection {
  return new Connection(true, config);
}
