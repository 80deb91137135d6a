/**
 * Ephemeral key exchange (RFC 8446 §4.2.8, §7.4): X25519/X448, the NIST curves with uncompressed
 * points, and the RFC 7919 FFDHE groups. Every failure caused by the peer's share is a
 * TlsError(illegal_parameter); node's own error text is kept in the message.
 */
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, randomBytes, type DiffieHellman, type ECDH, type KeyObject } from 'node:crypto';
import type { KeyShare } from '../provider.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, NamedGroup } from '../../wire/registry.js';
import { asU8, isAllZero, leftPad } from './bytes.js';
import { FFDHE2048_P, FFDHE3072_P, FFDHE4096_P } from './ffdhe-primes.js';

function badShare(group: number, why: string): TlsError {
  return new TlsError(AlertDescription.illegal_parameter, 'InvalidPeerKeyShare', `invalid key share for group 0x${group.toString(16)}: ${why}`);
}

// ---- X25519 / X448 (RFC 7748; RFC 8446 §7.4.2) ----

interface OkpSpec {
  kind: 'okp';
  crv: 'X25519' | 'X448';
  len: number;
  /** PKCS#8 prefix for a raw private key (RFC 8410 §7), used to rebuild fixed test keys. */
  pkcs8Prefix: string;
}

class OkpShare implements KeyShare {
  readonly publicKey: Uint8Array;
  constructor(
    readonly group: number,
    private readonly spec: OkpSpec,
    private readonly privateKey: KeyObject,
    publicKey: KeyObject,
  ) {
    // JWK export/import is an order of magnitude cheaper than DER for these keys.
    this.publicKey = asU8(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  }

  agree(peer: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: "For X25519 and X448, the contents of the public value are the byte
    // string inputs and outputs of the corresponding functions defined in [RFC7748]: 32 bytes
    // for X25519 and 56 bytes for X448."
    if (peer.length !== this.spec.len) throw badShare(this.group, `length ${peer.length}, expected ${this.spec.len}`);
    let secret: Uint8Array;
    try {
      const pub = createPublicKey({ key: { kty: 'OKP', crv: this.spec.crv, x: Buffer.from(peer).toString('base64url') }, format: 'jwk' });
      secret = diffieHellman({ privateKey: this.privateKey, publicKey: pub });
    } catch (e) {
      // OpenSSL itself refuses an all-zero result (a low-order peer point).
      throw badShare(this.group, (e as Error).message);
    }
    // RFC 8446 §7.4.2: "implementations MUST check whether the computed Diffie-Hellman shared
    // secret is the all-zero value and abort if so".
    if (isAllZero(secret)) throw badShare(this.group, 'all-zero shared secret');
    return asU8(secret);
  }
}

// ---- NIST curves (RFC 8446 §4.2.8.2: UncompressedPointRepresentation) ----

interface EcSpec {
  kind: 'ec';
  curve: string;
  /** 1 + 2 * coordinate length. */
  len: number;
}

class EcShare implements KeyShare {
  readonly publicKey: Uint8Array;
  constructor(
    readonly group: number,
    private readonly spec: EcSpec,
    private readonly ecdh: ECDH,
  ) {
    this.publicKey = asU8(ecdh.getPublicKey());
  }

  agree(peer: Uint8Array): Uint8Array {
    // §4.2.8.2: only the uncompressed form (legacy_form = 4) is allowed in TLS 1.3.
    if (peer.length !== this.spec.len || peer[0] !== 4) throw badShare(this.group, `not an uncompressed point of ${this.spec.len} bytes`);
    try {
      // OpenSSL checks the point is on the curve when decoding it.
      return asU8(this.ecdh.computeSecret(peer));
    } catch (e) {
      throw badShare(this.group, (e as Error).message);
    }
  }
}

// ---- FFDHE (RFC 7919; RFC 8446 §4.2.8.1) ----

interface DhSpec {
  kind: 'dh';
  prime: Uint8Array;
}

class DhShare implements KeyShare {
  readonly publicKey: Uint8Array;
  private readonly p: bigint;
  constructor(
    readonly group: number,
    private readonly spec: DhSpec,
    private readonly dh: DiffieHellman,
  ) {
    this.p = BigInt('0x' + Buffer.from(spec.prime).toString('hex'));
    // §4.2.8.1: "Y ... left-padded with zeros to the size of p in bytes".
    this.publicKey = leftPad(dh.getPublicKey(), spec.prime.length);
  }

  agree(peer: Uint8Array): Uint8Array {
    const len = this.spec.prime.length;
    if (peer.length !== len) throw badShare(this.group, `length ${peer.length}, expected ${len}`);
    // RFC 7919 §5.1: the peer's Y must satisfy 1 < Y < p-1.
    const y = BigInt('0x' + Buffer.from(peer).toString('hex'));
    if (y <= 1n || y >= this.p - 1n) throw badShare(this.group, 'Y out of range 1 < Y < p-1');
    let z: Uint8Array;
    try {
      z = this.dh.computeSecret(peer);
    } catch (e) {
      throw badShare(this.group, (e as Error).message);
    }
    // RFC 8446 §7.4.1: Z is left-padded to the size of p. (TLS 1.2 strips leading zeros instead,
    // RFC 5246 §8.1.2: its key exchange must do that itself.)
    return leftPad(z, len);
  }
}

type GroupSpec = OkpSpec | EcSpec | DhSpec;

const hexBytes = (h: string): Uint8Array => asU8(Buffer.from(h, 'hex'));

const GROUPS = new Map<number, GroupSpec>([
  [NamedGroup.x25519, { kind: 'okp', crv: 'X25519', len: 32, pkcs8Prefix: '302e020100300506032b656e04220420' }],
  [NamedGroup.x448, { kind: 'okp', crv: 'X448', len: 56, pkcs8Prefix: '3046020100300506032b656f043a0438' }],
  [NamedGroup.secp256r1, { kind: 'ec', curve: 'prime256v1', len: 65 }],
  [NamedGroup.secp384r1, { kind: 'ec', curve: 'secp384r1', len: 97 }],
  [NamedGroup.secp521r1, { kind: 'ec', curve: 'secp521r1', len: 133 }],
  [NamedGroup.ffdhe2048, { kind: 'dh', prime: hexBytes(FFDHE2048_P) }],
  [NamedGroup.ffdhe3072, { kind: 'dh', prime: hexBytes(FFDHE3072_P) }],
  [NamedGroup.ffdhe4096, { kind: 'dh', prime: hexBytes(FFDHE4096_P) }],
]);

export const KX_GROUPS: readonly number[] = [...GROUPS.keys()];

function specFor(group: number): GroupSpec {
  const spec = GROUPS.get(group);
  if (!spec) throw new TlsError(AlertDescription.internal_error, 'UnsupportedKeyShareGroup', `no key exchange for group 0x${group.toString(16)}`);
  return spec;
}

function okpShare(group: number, spec: OkpSpec, privateKey: Uint8Array): KeyShare {
  const priv = okpPrivateKey(spec, privateKey);
  return new OkpShare(group, spec, priv, createPublicKey(priv));
}

/**
 * A raw X25519/X448 private key as a KeyObject. JWK import takes ~28 us; PKCS#8 DER import goes
 * through OpenSSL 3's decoder and takes ~300 us, which cost each handshake side a quarter of a
 * millisecond. Node 20 builds an OKP private key from `d` alone (`x` must be a string but is not
 * used); should a later Node check `x`, the PKCS#8 path still works.
 */
function okpPrivateKey(spec: OkpSpec, privateKey: Uint8Array): KeyObject {
  const d = Buffer.from(privateKey.buffer, privateKey.byteOffset, privateKey.byteLength).toString('base64url');
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: spec.crv, d, x: '' }, format: 'jwk' });
  } catch {
    const der = Buffer.concat([Buffer.from(spec.pkcs8Prefix, 'hex'), privateKey]);
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0); // the private key's only copy now lives in the KeyObject
    }
  }
}

/** A fresh ephemeral share for `group`. */
export function generateKeyShare(group: number): KeyShare {
  const spec = specFor(group);
  switch (spec.kind) {
    case 'okp':
      // RFC 7748 §6: the private key is len random bytes (the function clamps them). Not
      // generateKeyPairSync: in Node 20 its job object, collected later, locks the key's mutex
      // and can deadlock a GC that runs while diffieHellman() holds it (signatures.ts).
      return okpShare(group, spec, randomBytes(spec.len));
    case 'ec': {
      const ecdh = createECDH(spec.curve);
      ecdh.generateKeys();
      return new EcShare(group, spec, ecdh);
    }
    case 'dh': {
      const dh = createDiffieHellman(spec.prime, 2);
      dh.generateKeys();
      return new DhShare(group, spec, dh);
    }
  }
}

/**
 * A share with a fixed private key, for replaying published traces (RFC 8448) in tests and in
 * deterministic test providers. Supports X25519, X448 and the NIST curves.
 */
export function keyShareFromPrivateKey(group: number, privateKey: Uint8Array): KeyShare {
  const spec = specFor(group);
  if (spec.kind === 'okp') {
    if (privateKey.length !== spec.len) throw new RangeError(`${spec.crv} private key must be ${spec.len} bytes`);
    return okpShare(group, spec, privateKey);
  }
  if (spec.kind === 'ec') {
    const ecdh = createECDH(spec.curve);
    ecdh.setPrivateKey(privateKey);
    return new EcShare(group, spec, ecdh);
  }
  throw new RangeError('fixed FFDHE private keys are not supported');
}
