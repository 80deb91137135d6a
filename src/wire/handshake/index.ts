/** The handshake-message codec: public surface for handshake/, connection/ and tests. */
export { HANDSHAKE_HEADER_LENGTH, decodeHandshake, decodeHandshakeWithRaw, encodeHandshake, handshakeTypeOf } from './codec.js';
export {
  HELLO_RETRY_REQUEST_RANDOM,
  MAX_SESSION_ID_LENGTH,
  RANDOM_LENGTH,
  clientHelloBindersOffset,
  clientHelloWithoutBinders,
  encodeClientHelloForBinders,
  isHelloRetryRequestRandom,
  replaceClientHelloBinders,
} from './hello.js';
export { CLIENT_HELLO_EXTS, ENCRYPTED_EXTENSIONS_EXTS, HELLO_RETRY_REQUEST_EXTS, SERVER_HELLO_EXTS, decodeTyped, encodeTyped } from './ext-tables.js';
export type { ExtCodec } from './ext-tables.js';
export * from '../extensions.js';
export * from '../extension-rules.js';
export { ALERT_LENGTH, decodeAlert, encodeAlert } from '../alert.js';
export { HandshakeJoiner, MAX_HANDSHAKE_MESSAGE } from '../handshake-joiner.js';
