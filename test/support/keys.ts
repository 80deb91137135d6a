/**
 * Key pairs for tests that need node:crypto KeyObjects of their own (not the provider's keys).
 *
 * Node 20 bug: generateKeyPairSync() leaves a job object whose GC destructor locks the generated
 * key's mutex; using that KeyObject (export, sign...) while a GC runs deadlocks the process.
 * So the job returns DER only and the KeyObjects are imported fresh (as src/crypto/node/signatures.ts).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type ECKeyPairKeyObjectOptions,
  type KeyObject,
  type RSAKeyPairKeyObjectOptions,
  type RSAPSSKeyPairKeyObjectOptions,
} from 'node:crypto';

export interface SafeKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const SPKI_DER = { type: 'spki', format: 'der' } as const;
const PKCS8_DER = { type: 'pkcs8', format: 'der' } as const;

/** generateKeyPairSync(type, options), minus the KeyObjects that share state with the job. */
export function safeKeyPair(type: 'rsa', options: RSAKeyPairKeyObjectOptions): SafeKeyPair;
export function safeKeyPair(type: 'rsa-pss', options: RSAPSSKeyPairKeyObjectOptions): SafeKeyPair;
export function safeKeyPair(type: 'ec', options: ECKeyPairKeyObjectOptions): SafeKeyPair;
export function safeKeyPair(type: 'ed25519' | 'ed448' | 'x25519' | 'x448'): SafeKeyPair;
export function safeKeyPair(type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'x25519' | 'x448', options: object = {}): SafeKeyPair {
  // The overloads above pin each type to its options; with DER encodings every overload
  // returns { publicKey: Buffer, privateKey: Buffer }.
  const generate = generateKeyPairSync as (type: string, options: object) => { publicKey: Buffer; privateKey: Buffer };
  const der = generate(type, { ...options, publicKeyEncoding: SPKI_DER, privateKeyEncoding: PKCS8_DER });
  return {
    privateKey: createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: der.publicKey, format: 'der', type: 'spki' }),
  };
}
