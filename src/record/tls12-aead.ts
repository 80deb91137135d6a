/**
 * TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3): AES-GCM with a 4-byte implicit salt and
 * an 8-byte explicit nonce on the wire (RFC 5288 §3), and ChaCha20-Poly1305 with a 12-byte
 * implicit IV XORed with the sequence number (RFC 7905 §2). Unlike TLS 1.3 the content type is
 * not hidden, there is no padding, and the sequence number is part of the AAD.
 */
import type { AeadKey } from '../crypto/provider.js';
import { TlsError } from '../util/errors.js';
import { AlertDescription } from '../wire/registry.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12, MAX_PLAINTEXT_LENGTH, SEQUENCE_LIMIT } from './limits.js';
import { NonceBuilder, protectedRecordHeader, TLS12_PROTECTED_TYPES, tls12SeqHeader, type InboundRecord, type ReadProtection, type WriteProtection } from './protection.js';

const TAG_LENGTH = 16;
const GCM_SALT_LENGTH = 4;
const GCM_EXPLICIT_NONCE_LENGTH = 8;
/** The explicit GCM nonce we send: the sequence number, which never repeats under one key (RFC 5288 §3). */
function explicitNonce(seq: number): Uint8Array {
  return tls12SeqHeader(seq, 0, 0, 0, 0).subarray(0, GCM_EXPLICIT_NONCE_LENGTH);
}

function isGcm(aead: AeadKey): boolean {
  return aead.algorithm !== 'chacha20-poly1305';
}

function checkIv(aead: AeadKey, iv: Uint8Array): void {
  const want = isGcm(aead) ? GCM_SALT_LENGTH : 12;
  if (iv.length !== want) throw new RangeError(`TLS 1.2 ${aead.algorithm} needs a ${want}-byte IV from the key block, got ${iv.length}`);
}

/**
 * Where a record's nonce comes from: AES-GCM puts the 4-byte salt from the key block in front of
 * the record's explicit 8 bytes (RFC 5288 §3); ChaCha20-Poly1305 XORs the sequence number into a
 * 12-byte IV as TLS 1.3 does (RFC 7905 §2).
 */
function nonceSources(aead: AeadKey, iv: Uint8Array): { nonces: NonceBuilder | null; gcmNonce: Uint8Array | null } {
  checkIv(aead, iv);
  if (!isGcm(aead)) return { nonces: new NonceBuilder(iv), gcmNonce: null };
  const gcmNonce = new Uint8Array(12);
  gcmNonce.set(iv);
  return { nonces: null, gcmNonce };
}

function badMac(): TlsError {
  // RFC 5246 §6.2.3.3: "If the decryption fails, a fatal bad_record_mac alert MUST be generated."
  return new TlsError(AlertDescription.bad_record_mac, 'RecordDecryptionFailed', 'record failed AEAD authentication');
}

export class Tls12AeadReadProtection implements ReadProtection {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_LENGTH_TLS12;
  private readonly nonces: NonceBuilder | null;
  private readonly gcmNonce: Uint8Array | null;

  /** `iv` is the key block's client/server_write_IV: 4 bytes for AES-GCM, 12 for ChaCha20-Poly1305. */
  constructor(
    private readonly aead: AeadKey,
    iv: Uint8Array,
  ) {
    ({ nonces: this.nonces, gcmNonce: this.gcmNonce } = nonceSources(aead, iv));
  }

  protectsOuterType(type: number): boolean {
    return TLS12_PROTECTED_TYPES.has(type);
  }

  open(header: Uint8Array, body: Uint8Array, seq: number): InboundRecord {
    let nonce: Uint8Array;
    let sealed: Uint8Array;
    if (this.gcmNonce) {
      if (body.length < GCM_EXPLICIT_NONCE_LENGTH + TAG_LENGTH) throw badMac();
      this.gcmNonce.set(body.subarray(0, GCM_EXPLICIT_NONCE_LENGTH), GCM_SALT_LENGTH);
      nonce = this.gcmNonce;
      sealed = body.subarray(GCM_EXPLICIT_NONCE_LENGTH);
    } else {
      if (body.length < TAG_LENGTH) throw badMac();
      nonce = this.nonces!.at(seq);
      sealed = body;
    }
    const length = sealed.length - TAG_LENGTH;
    // RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length of the plaintext.
    const ad = tls12SeqHeader(seq, header[0]!, header[1]!, header[2]!, length);
    const payload = this.aead.open(nonce, ad, sealed);
    if (payload === null) throw badMac();
    // RFC 5246 §6.2.1/§6.2.3: the plaintext "MUST NOT exceed 2^14" bytes; record_overflow.
    if (payload.length > MAX_PLAINTEXT_LENGTH) {
      throw new TlsError(AlertDescription.record_overflow, 'InnerPlaintextTooLong', `decrypted record of ${payload.length} bytes exceeds ${MAX_PLAINTEXT_LENGTH}`);
    }
    return { type: header[0]!, payload };
  }
}

export class Tls12AeadWriteProtection implements WriteProtection {
  /** TLS 1.2 cannot rekey without renegotiation, so only the sequence space limits a key. */
  readonly recordLimit = SEQUENCE_LIMIT;
  readonly keyUpdateThreshold = Infinity;
  private readonly nonces: NonceBuilder | null;
  private readonly gcmNonce: Uint8Array | null;

  constructor(
    private readonly aead: AeadKey,
    iv: Uint8Array,
  ) {
    ({ nonces: this.nonces, gcmNonce: this.gcmNonce } = nonceSources(aead, iv));
  }

  seal(type: number, fragment: Uint8Array, seq: number): Uint8Array[] {
    const explicit = this.gcmNonce ? explicitNonce(seq) : null;
    const length = (explicit ? GCM_EXPLICIT_NONCE_LENGTH : 0) + fragment.length + TAG_LENGTH;
    const header = protectedRecordHeader(type, length);
    let nonce: Uint8Array;
    if (this.gcmNonce) {
      this.gcmNonce.set(explicit!, GCM_SALT_LENGTH);
      nonce = this.gcmNonce;
    } else {
      nonce = this.nonces!.at(seq);
    }
    const body = this.aead.seal(nonce, tls12SeqHeader(seq, type, 3, 3, fragment.length), fragment);
    if (explicit) body.unshift(explicit);
    body.unshift(header);
    return body;
  }
}
