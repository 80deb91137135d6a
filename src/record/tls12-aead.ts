/**
 * TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3): AES-GCM with a 4-byte implicit salt and
 * an 8-byte explicit nonce on the wire (RFC 5288 §3), and ChaCha20-Poly1305 with a 12-byte
 * implicit IV XORed with the sequence number (RFC 7905 §2). Unlike TLS 1.3 the content type is
 * not hidden, there is no padding, and the sequence number is part of the AAD.
 */
import { AEAD_TAG_LENGTH, type AeadKey } from '../crypto/provider.js';
import { TlsError } from '../util/errors.js';
import { AlertDescription } from '../wire/registry.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12, MAX_PLAINTEXT_LENGTH, SEQUENCE_LIMIT } from './limits.js';
import { NonceBuilder, protectedRecordHeader, TLS12_PROTECTED_TYPES, tls12SeqHeader, type InboundRecord, type ReadProtection, type WriteProtection } from './protection.js';

const GCM_SALT_LENGTH = 4;
const GCM_EXPLICIT_NONCE_LENGTH = 8;

/**
 * Where a record's nonce comes from: AES-GCM puts the 4-byte salt from the key block in front of
 * the record's explicit 8 bytes (RFC 5288 §3); ChaCha20-Poly1305 XORs the sequence number into a
 * 12-byte IV as TLS 1.3 does (RFC 7905 §2). Reuses one buffer, like NonceBuilder.
 */
class Tls12Nonces {
  /** Bytes of explicit nonce in front of each record's ciphertext: 8 for GCM, none for ChaCha20. */
  readonly explicitLength: number;
  private readonly chacha: NonceBuilder | null = null;
  private readonly gcm: Uint8Array | null = null;

  constructor(aead: AeadKey, iv: Uint8Array) {
    const gcm = aead.algorithm !== 'chacha20-poly1305';
    const want = gcm ? GCM_SALT_LENGTH : 12;
    if (iv.length !== want) throw new RangeError(`TLS 1.2 ${aead.algorithm} needs a ${want}-byte IV from the key block, got ${iv.length}`);
    this.explicitLength = gcm ? GCM_EXPLICIT_NONCE_LENGTH : 0;
    if (!gcm) {
      this.chacha = new NonceBuilder(iv);
    } else {
      this.gcm = new Uint8Array(12);
      this.gcm.set(iv);
    }
  }

  /** The nonce of record `seq`, whose explicit part (GCM) is the first 8 bytes of `explicit`. Valid until the next call. */
  at(seq: number, explicit: Uint8Array): Uint8Array {
    const n = this.gcm;
    if (n === null) return this.chacha!.at(seq);
    for (let i = 0; i < GCM_EXPLICIT_NONCE_LENGTH; i++) n[GCM_SALT_LENGTH + i] = explicit[i]!;
    return n;
  }
}

function badMac(): TlsError {
  // RFC 5246 §6.2.3.3: "If the decryption fails, a fatal bad_record_mac alert MUST be generated."
  return new TlsError(AlertDescription.bad_record_mac, 'RecordDecryptionFailed', 'record failed AEAD authentication');
}

export class Tls12AeadReadProtection implements ReadProtection {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_LENGTH_TLS12;
  private readonly nonces: Tls12Nonces;

  /** `iv` is the key block's client/server_write_IV: 4 bytes for AES-GCM, 12 for ChaCha20-Poly1305. */
  constructor(
    private readonly aead: AeadKey,
    iv: Uint8Array,
  ) {
    this.nonces = new Tls12Nonces(aead, iv);
  }

  protectsOuterType(type: number): boolean {
    return TLS12_PROTECTED_TYPES.has(type);
  }

  dispose(): void {
    this.aead.dispose?.();
  }

  open(header: Uint8Array, body: Uint8Array, seq: number): InboundRecord {
    const explicit = this.nonces.explicitLength;
    if (body.length < explicit + AEAD_TAG_LENGTH) throw badMac();
    const nonce = this.nonces.at(seq, body);
    const sealed = explicit === 0 ? body : body.subarray(explicit);
    // RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length of the plaintext.
    const ad = tls12SeqHeader(seq, header[0]!, header[1]!, header[2]!, sealed.length - AEAD_TAG_LENGTH);
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
  private readonly nonces: Tls12Nonces;

  constructor(
    private readonly aead: AeadKey,
    iv: Uint8Array,
  ) {
    this.nonces = new Tls12Nonces(aead, iv);
  }

  dispose(): void {
    this.aead.dispose?.();
  }

  seal(type: number, fragment: Uint8Array, seq: number): Uint8Array[] {
    const explicit = this.nonces.explicitLength;
    const header = protectedRecordHeader(type, explicit + fragment.length + AEAD_TAG_LENGTH);
    // RFC 5246 §6.2.3.3: seq_num + type + version + length of the plaintext. Its first 8 bytes,
    // the sequence number, are also the explicit GCM nonce we send: it never repeats under one key (RFC 5288 §3).
    const ad = tls12SeqHeader(seq, type, 3, 3, fragment.length);
    const body = this.aead.seal(this.nonces.at(seq, ad), ad, fragment);
    if (explicit > 0) body.unshift(ad.subarray(0, explicit));
    body.unshift(header);
    return body;
  }
}
