/**
 * The `pfx` option of createSecureContext (and so of createServer/connect): one PKCS#12 file, or
 * an array of files and `{ buf, passphrase }` objects, read with pki/pkcs12.ts over node:crypto.
 * What each file yields follows Node's SecureContext::LoadPKCS12: the key and its certificate
 * become a certified key whose chain carries every other certificate of the file, and those other
 * certificates are also trusted (X509_STORE_add_cert) for verifying the peer.
 */
import { Buffer } from 'node:buffer';
import { nodePkcs12Crypto } from '../crypto/node/pkcs12-crypto.js';
import type { CryptoProvider, SigningKey } from '../crypto/provider.js';
import { PkiError } from '../pki/errors.js';
import { parsePfx } from '../pki/pkcs12.js';
import { codedError } from './errors.js';

export interface PfxObjectOption {
  buf: string | ArrayBufferView;
  passphrase?: string;
}

export interface LoadedPfx {
  chain: Uint8Array[];
  key: SigningKey;
  /** The file's other certificates, which Node adds to the context's trust store. */
  trusted: Uint8Array[];
}

/** Node's message when the value is not something OpenSSL can read as a PFX at all. */
const UNABLE_TO_LOAD = 'Unable to load PFX certificate';

/** Node's toBuf: strings are UTF-8, binary views are taken as they are. */
function pfxBytes(v: unknown): Uint8Array | undefined {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

/**
 * Reads every entry of the option. Errors, as Node reports them: a wrong passphrase is
 * Error('mac verify failure') with no code (OpenSSL's reason string, which Node throws as is);
 * an unavailable scheme such as RC2 (`openssl pkcs12 -legacy`'s certificate encryption) is
 * ERR_CRYPTO_UNSUPPORTED_OPERATION 'Unsupported PKCS12 PFX data: ...'; a value that is not a
 * string or buffer, or a file without a certificate, is ERR_CRYPTO_OPERATION_FAILED.
 */
export function loadPfxOption(pfx: unknown, passphrase: string | undefined, provider: CryptoProvider): LoadedPfx[] {
  const entries = Array.isArray(pfx) ? pfx : [pfx];
  return entries.map((entry: unknown) => {
    // Node: `val.buf ? val.buf : val`, and the entry's passphrase wins over the shared one.
    const obj = entry !== null && typeof entry === 'object' && !ArrayBuffer.isView(entry) ? (entry as Partial<PfxObjectOption>) : undefined;
    const raw = obj ? obj.buf : entry;
    const pass = (obj?.passphrase || passphrase) ?? undefined;
    const bytes = pfxBytes(raw);
    if (!bytes) throw codedError('ERR_CRYPTO_OPERATION_FAILED', UNABLE_TO_LOAD);
    if (pass !== undefined && typeof pass !== 'string') throw codedError('ERR_CRYPTO_OPERATION_FAILED', UNABLE_TO_LOAD);
    return loadOne(bytes, pass, provider);
  });
}

function loadOne(bytes: Uint8Array, passphrase: string | undefined, provider: CryptoProvider): LoadedPfx {
  let contents;
  try {
    contents = parsePfx(bytes, passphrase, nodePkcs12Crypto);
  } catch (e) {
    throw pfxError(e);
  }
  if (!contents.cert) throw codedError('ERR_CRYPTO_OPERATION_FAILED', `${UNABLE_TO_LOAD}: the file holds no certificate for its key`);
  const key = provider.loadSigningKey(contents.key);
  return { chain: [contents.cert, ...contents.ca], key, trusted: contents.ca };
}

function pfxError(e: unknown): Error {
  if (!(e instanceof PkiError)) return e as Error;
  switch (e.code) {
    case 'ERR_PKCS12_MAC_VERIFY_FAILURE':
      // Exactly Node's error: OpenSSL's reason string, thrown without a code.
      return new Error('mac verify failure');
    case 'ERR_CRYPTO_UNSUPPORTED_OPERATION': {
      const detail = e.message.replace(/^Unsupported PKCS12 PFX data:?\s*/, '');
      return codedError('ERR_CRYPTO_UNSUPPORTED_OPERATION', `Unsupported PKCS12 PFX data${detail ? `: ${detail}` : ''}`, Error, { cause: e });
    }
    default:
      return codedError(e.code, e.message, Error, { cause: e });
  }
}
