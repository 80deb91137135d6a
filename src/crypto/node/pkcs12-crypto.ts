/**
 * Pkcs12Crypto (crypto/provider.ts, used by pki/pkcs12.ts) over node:crypto: digests, HMAC,
 * PBKDF2 and CBC ciphers. RC2 lives in OpenSSL 3's legacy provider, which Node does not load by
 * default; asking for it throws an Error with code 'ERR_CRYPTO_UNSUPPORTED_OPERATION' that
 * pkcs12.ts turns into a message naming the scheme.
 */
import type { Pkcs12Cipher, Pkcs12Crypto, Pkcs12Hash } from '../provider.js';
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { asU8 } from './bytes.js';
import { digest, hmac } from './digest.js';

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** RC2 names take the effective key length from the key size in OpenSSL ('rc2-40-cbc' is 5 bytes). */
const NODE_CIPHER: Record<Pkcs12Cipher, string> = {
  'aes-128-cbc': 'aes-128-cbc',
  'aes-192-cbc': 'aes-192-cbc',
  'aes-256-cbc': 'aes-256-cbc',
  'des-ede3-cbc': 'des-ede3-cbc',
  'rc2-40-cbc': 'rc2-40-cbc',
  'rc2-128-cbc': 'rc2-cbc',
};

function cipherOp(encrypt: boolean, cipher: Pkcs12Cipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  let c;
  try {
    c = encrypt ? createCipheriv(NODE_CIPHER[cipher], key, iv) : createDecipheriv(NODE_CIPHER[cipher], key, iv);
  } catch (e) {
    throw codedError('ERR_CRYPTO_UNSUPPORTED_OPERATION', `cipher ${cipher} is not available: ${(e as Error).message}`);
  }
  try {
    return asU8(Buffer.concat([c.update(data), c.final()]));
  } catch {
    // Bad padding after a MAC that verified means a damaged or inconsistent file.
    throw codedError('ERR_PKCS12_DECRYPT', `PKCS#12 ${cipher} decryption failed (bad padding)`);
  }
}

export const nodePkcs12Crypto: Pkcs12Crypto = Object.freeze({
  // The PKCS#12 hashes are the TLS ones: the provider's digest and HMAC serve both.
  digest,
  hmac,
  pbkdf2: (password: Uint8Array, salt: Uint8Array, iterations: number, keyLength: number, prf: Pkcs12Hash) =>
    asU8(pbkdf2Sync(password, salt, iterations, keyLength, prf)),
  cbcDecrypt: (cipher: Pkcs12Cipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array) => cipherOp(false, cipher, key, iv, data),
  cbcEncrypt: (cipher: Pkcs12Cipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array) => cipherOp(true, cipher, key, iv, data),
  randomBytes: (n: number) => asU8(randomBytes(n)),
});
