/**
 * The handshake transcript hash (RFC 8446 §4.4.1).
 *
 * A client sends its ClientHello before it knows which hash the negotiated suite uses, so the
 * transcript buffers raw messages until `start(alg)` is called, then hashes incrementally. All
 * hashes are over the exact wire bytes (4-byte header included), never a re-encoding.
 */
import type { CryptoProvider, HashAlgorithm, HashContext } from '../../crypto/provider.js';
import { AlertDescription, HandshakeType } from '../../wire/registry.js';
import { ByteWriter } from '../../util/bytes.js';
import { TlsError } from '../../util/errors.js';

export class Transcript {
  private buffered: Uint8Array[] = [];
  private ctx: HashContext | undefined;
  private alg: HashAlgorithm | undefined;

  constructor(private readonly provider: CryptoProvider) {}

  get algorithm(): HashAlgorithm | undefined {
    return this.alg;
  }

  /** Appends one whole handshake message (header included). */
  add(raw: Uint8Array): void {
    if (this.ctx) this.ctx.update(raw);
    else this.buffered.push(raw);
  }

  /** Fixes the hash algorithm and hashes everything buffered so far. Idempotent for the same alg. */
  start(alg: HashAlgorithm): void {
    if (this.ctx) {
      if (this.alg !== alg) throw internal(`transcript already started with ${this.alg}, asked for ${alg}`);
      return;
    }
    this.alg = alg;
    this.ctx = this.provider.hash(alg);
    for (const m of this.buffered) this.ctx.update(m);
    this.buffered = [];
  }

  /**
   * RFC 8446 §4.4.1: "When the server responds to a ClientHello with a HelloRetryRequest, the value
   * of ClientHello1 is replaced with a special synthetic handshake message of handshake type
   * "message_hash" containing Hash(ClientHello1)." Call with exactly ClientHello1 buffered, before
   * adding the HelloRetryRequest.
   */
  startWithHelloRetry(alg: HashAlgorithm): void {
    if (this.ctx || this.buffered.length !== 1) throw internal('message_hash rule needs exactly ClientHello1 buffered');
    const ch1Hash = this.provider.digest(alg, this.buffered[0]!);
    this.buffered = [new ByteWriter(4 + ch1Hash.length).u8(HandshakeType.message_hash).vec24(ch1Hash).finish()];
    this.start(alg);
  }

  /** Transcript-Hash of the messages added so far (the context stays usable). */
  hash(): Uint8Array {
    if (!this.ctx) throw internal('transcript hash read before the hash algorithm was known');
    return this.ctx.peek();
  }
}

function internal(message: string): TlsError {
  return new TlsError(AlertDescription.internal_error, 'TranscriptMisuse', message);
}
