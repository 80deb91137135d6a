/**
 * TLS 1.2 CBC record protection with encrypt-then-MAC (RFC 7366 over RFC 5246 §6.2.3.2).
 *
 * Only the encrypt-then-MAC form is implemented, on purpose: the MAC covers the ciphertext and is
 * checked before anything is decrypted, so padding checks leak nothing. The original
 * MAC-then-encrypt form needs a constant-time padding-and-MAC check (Lucky Thirteen, RFC 7457
 * §2.7) that node:crypto's one-shot HMAC cannot give; a handshake that negotiates a CBC suite
 * must therefore also negotiate encrypt_then_mac (OpenSSL offers and accepts it by default), or
 * not select the CBC suite.
 */
import type { CbcKey, CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { concatBytes } from '../util/bytes.js';
import { TlsError } from '../util/errors.js';
import { AlertDescription } from '../wire/registry.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12, MAX_PLAINTEXT_LENGTH, SEQUENCE_LIMIT } from './limits.js';
import { protectedRecordHeader, TLS12_PROTECTED_TYPES, tls12SeqHeader, type InboundRecord, type ReadProtection, type WriteProtection } from './protection.js';

const BLOCK = 16;

function badMac(why: string): TlsError {
  // RFC 7366 §3: an invalid MAC is a fatal bad_record_mac alert; so is malformed padding after a
  // valid MAC (RFC 5246 §6.2.3.2), and a body that cannot hold IV + one block + MAC.
  return new TlsError(AlertDescription.bad_record_mac, 'RecordDecryptionFailed', why);
}

export class Tls12CbcEtmReadProtection implements ReadProtection {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_LENGTH_TLS12;
  private readonly macLength: number;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly cbc: CbcKey,
    private readonly mac: HashAlgorithm,
    private readonly macKey: Uint8Array,
  ) {
    this.macLength = provider.hashLength(mac);
  }

  protectsOuterType(type: number): boolean {
    return TLS12_PROTECTED_TYPES.has(type);
  }

  open(header: Uint8Array, body: Uint8Array, seq: number): InboundRecord {
    const ctEnd = body.length - this.macLength;
    if (ctEnd < 2 * BLOCK || ctEnd % BLOCK !== 0) throw badMac(`CBC record body of ${body.length} bytes`);
    const ivAndCt = body.subarray(0, ctEnd);
    // RFC 7366 §3: the MAC input's length field is that of IV + ciphertext.
    const expected = this.provider.hmac(this.mac, this.macKey, concatBytes(tls12SeqHeader(seq, header[0]!, header[1]!, header[2]!, ctEnd), ivAndCt));
    if (!this.provider.timingSafeEqual(expected, body.subarray(ctEnd))) throw badMac('record MAC does not verify');
    const plain = this.cbc.decrypt(ivAndCt.subarray(0, BLOCK), ivAndCt.subarray(BLOCK));
    // GenericBlockCipher: content || padding || padding_length, every padding byte equal to padding_length.
    const padLength = plain[plain.length - 1]!;
    const contentLength = plain.length - padLength - 1;
    if (contentLength < 0) throw badMac('CBC padding longer than the record');
    for (let i = contentLength; i < plain.length; i++) if (plain[i] !== padLength) throw badMac('malformed CBC padding');
    if (contentLength > MAX_PLAINTEXT_LENGTH) {
      throw new TlsError(AlertDescription.record_overflow, 'InnerPlaintextTooLong', `decrypted record of ${contentLength} bytes exceeds ${MAX_PLAINTEXT_LENGTH}`);
    }
    return { type: header[0]!, payload: plain.subarray(0, contentLength) };
  }
}

export class Tls12CbcEtmWriteProtection implements WriteProtection {
  /** TLS 1.2 cannot rekey without renegotiation, so only the sequence space limits a key. */
  readonly recordLimit = SEQUENCE_LIMIT;
  readonly keyUpdateThreshold = Infinity;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly cbc: CbcKey,
    private readonly mac: HashAlgorithm,
    private readonly macKey: Uint8Array,
  ) {}

  seal(type: number, fragment: Uint8Array, seq: number): Uint8Array[] {
    // RFC 5246 §6.2.3.2: a fresh unpredictable IV per record; minimal padding to a whole block.
    const iv = this.provider.randomBytes(BLOCK);
    const padLength = BLOCK - 1 - (fragment.length % BLOCK);
    const plain = new Uint8Array(fragment.length + padLength + 1);
    plain.set(fragment);
    plain.fill(padLength, fragment.length);
    const ct = this.cbc.encrypt(iv, plain);
    const ivCtLength = BLOCK + ct.length;
    const mac = this.provider.hmac(this.mac, this.macKey, concatBytes(tls12SeqHeader(seq, type, 3, 3, ivCtLength), iv, ct));
    const length = ivCtLength + mac.length;
    return [protectedRecordHeader(type, length), iv, ct, mac];
  }
}
