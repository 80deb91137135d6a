/**
 * The default CryptoProvider, over node:crypto. All synchronous. The only core-side module
 * family that imports node:crypto.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { CryptoProvider } from '../provider.js';
import { nodeAead } from './aead.js';
import { asU8 } from './bytes.js';
import { nodeCbc } from './cbc.js';
import { digest, hashContext, hashLength, hkdfExpand, hkdfExtract, hmac } from './digest.js';
import { generateKeyShare, KX_GROUPS } from './kx.js';
import { generateSigningKey, loadSigningKey, verifySignature } from './signatures.js';

export { keyShareFromPrivateKey } from './kx.js';
export type { AeadKeyWithParts } from '../provider.js';

const provider: CryptoProvider = Object.freeze({
  randomBytes: (n: number) => asU8(randomBytes(n)),
  hash: hashContext,
  digest,
  hashLength,
  hmac,
  hkdfExtract,
  hkdfExpand,
  aead: nodeAead,
  supportedGroups: KX_GROUPS,
  generateKeyShare,
  verifySignature,
  loadSigningKey,
  generateSigningKey,
  timingSafeEqual: (a: Uint8Array, b: Uint8Array) => a.length === b.length && timingSafeEqual(a, b),
  cbc: nodeCbc,
});

/** The shared node:crypto provider (stateless apart from a small public-key cache). */
export function nodeCryptoProvider(): CryptoProvider {
  return provider;
}
