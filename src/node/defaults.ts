/**
 * The module-level defaults Node lets users reassign (tls.DEFAULT_CIPHERS = '...'). ESM namespace
 * bindings cannot be written from outside, so the live values are this object's properties; the
 * default export of the package exposes them as accessors, and every context reads them when it
 * is created (as Node does).
 */
import { NODE_DEFAULT_CIPHERS } from './tables.js';

export const liveDefaults = {
  DEFAULT_CIPHERS: NODE_DEFAULT_CIPHERS,
  DEFAULT_ECDH_CURVE: 'auto',
  DEFAULT_MIN_VERSION: 'TLSv1.2',
  DEFAULT_MAX_VERSION: 'TLSv1.3',
  /** io.js renegotiation limits; TLS 1.3 has no renegotiation, kept for API compatibility. */
  CLIENT_RENEG_LIMIT: 3,
  CLIENT_RENEG_WINDOW: 600,
};

export type LiveDefaults = typeof liveDefaults;
