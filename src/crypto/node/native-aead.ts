/**
 * AEAD through the optional native addon (native/aead/aead.c): OpenSSL's EVP AEAD — the same
 * OpenSSL node:crypto uses, linked from the node binary — with one cipher context per traffic
 * key and output into the caller's buffer. node:crypto can only make a new cipher object per
 * record (cipher fetch, key schedule, GCM tables, two output allocations and a copy): measured
 * 7 us per 16 KiB record against 2.9 us here, and no garbage (bench/compare-node.mjs, docs/performance.md).
 *
 * Optional by design: `npm run build` tries to compile it (scripts/build-native.mjs) and never
 * fails without a compiler; TS_TLS_NATIVE=0 turns it off at run time. Without it aead.ts uses
 * node:crypto alone, with identical results (test/crypto/aead-native.test.ts checks both).
 */
import { createRequire } from 'node:module';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadAlgorithm, type AeadKeyInto } from '../provider.js';
import { uninitialised } from './bytes.js';

interface NativeBinding {
  create(alg: number, key: Uint8Array, encrypt: boolean): object;
  seal(h: object, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, type: number, out: Uint8Array, offset: number): number;
  open(h: object, nonce: Uint8Array, aad: Uint8Array, ctAndTag: Uint8Array, out: Uint8Array, offset: number): number;
  /** Frees a context now; later seal/open on it fail. */
  dispose(h: object): void;
}

const ALG_ID: Record<AeadAlgorithm, number> = { 'aes-128-gcm': 0, 'aes-256-gcm': 1, 'chacha20-poly1305': 2 };
// From dist/crypto/node/ (or build/src/crypto/node/ for the tests) up to the package root.
const CANDIDATES = ['../../../native/aead/build/Release/ts_tls_aead.node', '../../../../native/aead/build/Release/ts_tls_aead.node'];

let binding: NativeBinding | null | undefined;

/** The addon, or null when it was not built, fails to load, or TS_TLS_NATIVE=0. */
export function nativeAeadBinding(): NativeBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.env.TS_TLS_NATIVE === '0') return binding;
  const require = createRequire(import.meta.url);
  for (const rel of CANDIDATES) {
    try {
      const b = require(rel) as Partial<NativeBinding>;
      // An addon built before dispose() existed could not forget a key: node:crypto instead.
      if (typeof b.dispose === 'function') binding = b as NativeBinding;
      break;
    } catch {
      // not built here: try the next location, else node:crypto it is
    }
  }
  return binding;
}

/** A context whose cipher is already freed: every seal and open on it fails. */
let deadContext: object | null = null;
function dead(native: NativeBinding): object {
  if (deadContext === null) {
    deadContext = native.create(ALG_ID['aes-128-gcm'], new Uint8Array(16), true);
    native.dispose(deadContext);
  }
  return deadContext;
}

class NativeAeadKey implements AeadKeyInto {
  // A traffic key protects one direction, so only one of the two contexts is ever made.
  private sealer: object | null = null;
  private opener: object | null = null;
  private key: Uint8Array | null;
  /**
   * Set by dispose() and read only off the hot path (when a context is made, and to name a
   * failure). Optimised seal/open code that read it would be thrown away at the first dispose():
   * V8 treats a field nothing has rewritten yet as constant and deoptimises what relied on that
   * when it changes, so each process recompiled its record path after its first connection.
   */
  private disposed = false;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
    private readonly native: NativeBinding,
    encrypt?: boolean,
  ) {
    this.key = new Uint8Array(key); // a copy (a Buffer's slice() would be a view): the caller may wipe its bytes
    // Made now when the direction is known, so the per-record calls never take the making branch:
    // optimised code that had not seen it would be thrown away when a new connection's key took it.
    if (encrypt !== undefined) this.context(encrypt);
  }

  private context(encrypt: boolean): object {
    const existing = encrypt ? this.sealer : this.opener;
    if (existing) return existing;
    // After dispose() a direction never used gets no context from the wiped key.
    if (this.disposed) return dead(this.native);
    const h = this.native.create(ALG_ID[this.algorithm], this.key!, encrypt);
    if (encrypt) this.sealer = h;
    else this.opener = h;
    if (this.sealer && this.opener) this.key = null; // both made: the key lives only in OpenSSL
    return h;
  }

  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, innerType: number, out: Uint8Array, offset: number): number {
    // A disposed key's contexts are freed (or dead): the native call fails and says nothing more.
    const n = this.native.seal(this.context(true), nonce, aad, plaintext, innerType, out, offset);
    if (n < 0) throw this.disposed ? new Error('AEAD key used after dispose()') : new RangeError(`AEAD seal failed (${plaintext.length} bytes into ${out.length - offset})`);
    return n;
  }

  openInto(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, offset: number): number {
    if (ciphertextAndTag.length < AEAD_TAG_LENGTH || nonce.length !== AEAD_NONCE_LENGTH) return -1;
    return this.native.open(this.context(false), nonce, aad, ciphertextAndTag, out, offset);
  }

  allocOpenOutput(n: number): Uint8Array {
    return uninitialised(n);
  }

  /**
   * Frees the contexts and wipes the key copy in place. Only the `disposed` flag changes: no field
   * changes type, so V8's hidden class of live keys is not deprecated (see node/warm-shapes.ts).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.sealer) this.native.dispose(this.sealer);
    if (this.opener) this.native.dispose(this.opener);
    this.key?.fill(0);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[] {
    const out = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH);
    this.sealInto(nonce, aad, plaintext, -1, out, 0);
    return [out];
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    if (ciphertextAndTag.length < AEAD_TAG_LENGTH) return null;
    // Uninitialised: every byte is written by the decryption (and wiped if it fails). This is the
    // plaintext handed to the application, so it gets an allocation of its own, exactly sized.
    const out = uninitialised(ciphertextAndTag.length - AEAD_TAG_LENGTH);
    return this.openInto(nonce, aad, ciphertextAndTag, out, 0) < 0 ? null : out;
  }
}

/**
 * A native AEAD key, or null when the addon is unavailable. `encrypt`, when known, makes the
 * cipher context for that direction at once (else at first use).
 */
export function nativeAead(alg: AeadAlgorithm, key: Uint8Array, encrypt?: boolean): AeadKeyInto | null {
  const native = nativeAeadBinding();
  return native ? new NativeAeadKey(alg, key, native, encrypt) : null;
}
