/**
 * Record-layer sizes and limits (RFC 8446 §5, RFC 5246 §6.2, RFC 8449), as named constants.
 */

export const RECORD_HEADER_LENGTH = 5;

/** TLSPlaintext.length MUST NOT exceed 2^14 bytes (RFC 8446 §5.1). */
export const MAX_PLAINTEXT_LENGTH = 1 << 14;

/** TLSCiphertext.length MUST NOT exceed 2^14 + 256 bytes (RFC 8446 §5.2). */
export const MAX_CIPHERTEXT_LENGTH_TLS13 = MAX_PLAINTEXT_LENGTH + 256;

/** TLS 1.2: TLSCiphertext.length MUST NOT exceed 2^14 + 2048 (RFC 5246 §6.2.3). */
export const MAX_CIPHERTEXT_LENGTH_TLS12 = MAX_PLAINTEXT_LENGTH + 2048;

/** "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets" (RFC 8446 §5.4). */
export const MAX_INNER_PLAINTEXT_LENGTH = MAX_PLAINTEXT_LENGTH + 1;

/** Smallest record_size_limit a peer may ask for (RFC 8449 §4: "MUST NOT ... less than 64"). */
export const MIN_FRAGMENT_LENGTH = 64;

/**
 * Empty application-data records accepted in a row before we call it a denial-of-service attempt
 * (each costs an AEAD open and yields nothing). OpenSSL uses the same figure (MAX_EMPTY_RECORDS).
 */
export const MAX_EMPTY_RECORDS_IN_A_ROW = 32;

/**
 * AES-GCM: "up to 2^24.5 full-size records (about 24 million) may be encrypted on a given
 * connection" under one key (RFC 8446 §5.5). The writer refuses to go past it.
 */
export const AES_GCM_RECORD_LIMIT = Math.floor(2 ** 24.5);

/** Where the writer starts reporting `keyUpdateDue` for AES-GCM, well before the hard limit. */
export const AES_GCM_KEY_UPDATE_THRESHOLD = 2 ** 24;

/**
 * ChaCha20-Poly1305: "the record sequence number would wrap before the safety limit is reached"
 * (§5.5). Sequence numbers are JS numbers, exact up to 2^53 - 1, which no connection reaches
 * (285 years at a million records a second); we still fail rather than wrap.
 */
export const SEQUENCE_LIMIT = Number.MAX_SAFE_INTEGER;

/** keyUpdateDue threshold for ciphers without a practical per-key record limit. */
export const DEFAULT_KEY_UPDATE_THRESHOLD = 2 ** 48;
