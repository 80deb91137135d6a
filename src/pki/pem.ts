/**
 * PEM armour (RFC 7468): many blocks per text, anything between blocks ignored (OpenSSL writes
 * "Bag Attributes" and `openssl x509 -text` output there). Base64 is decoded strictly so a damaged
 * file fails loudly instead of yielding a truncated key or certificate.
 */
import { PkiError } from './errors.js';

export interface PemBlock {
  /** The label between BEGIN/END, e.g. 'CERTIFICATE', 'PRIVATE KEY', 'X509 CRL'. */
  label: string;
  der: Uint8Array;
}

/** A PEM text larger than this is refused (a CA bundle is ~250 KB; 16 MiB bounds a runaway input). */
export const MAX_PEM_TEXT = 16 * 1024 * 1024;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Strict base64 (RFC 4648 §4): whitespace is skipped, '=' only as final padding, length a multiple of 4. */
export function decodeBase64(text: string, what = 'base64'): Uint8Array {
  const clean = text.replace(/[\s]+/g, '');
  if (clean.length % 4 !== 0) throw new PkiError('ERR_PEM_BAD_BASE64', `invalid ${what}: length ${clean.length} is not a multiple of 4`);
  let pad = 0;
  if (clean.endsWith('==')) pad = 2;
  else if (clean.endsWith('=')) pad = 1;
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean.charCodeAt(i + j);
      let d: number;
      if (c === 61 /* = */ && i + 4 === clean.length && j >= 4 - pad) d = 0;
      else {
        d = c < 128 ? B64_INDEX[c]! : -1;
        if (d < 0) throw new PkiError('ERR_PEM_BAD_BASE64', `invalid ${what}: unexpected character ${JSON.stringify(clean[i + j])} at ${i + j}`);
      }
      v = (v << 6) | d;
    }
    if (o < out.length) out[o++] = (v >> 16) & 0xff;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  return out;
}

export function encodeBase64(der: Uint8Array): string {
  let s = '';
  for (let i = 0; i < der.length; i += 3) {
    const a = der[i]!;
    const b = i + 1 < der.length ? der[i + 1]! : 0;
    const c = i + 2 < der.length ? der[i + 2]! : 0;
    const v = (a << 16) | (b << 8) | c;
    s += B64[(v >> 18) & 63]! + B64[(v >> 12) & 63]!;
    s += i + 1 < der.length ? B64[(v >> 6) & 63]! : '=';
    s += i + 2 < der.length ? B64[v & 63]! : '=';
  }
  return s;
}

/** Length of the first DER TLV in `der` (used to drop OpenSSL's trust aux after the certificate). */
function firstTlvLength(der: Uint8Array): number {
  if (der.length < 2) return -1;
  const l0 = der[1]!;
  if (l0 < 0x80) return 2 + l0;
  const n = l0 & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len;
}

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Every PEM block in `text`, in order. Encapsulated headers (RFC 1421 "Proc-Type:"/"DEK-Info:" of
 * legacy encrypted keys) are kept out of the base64 and reported as an error naming them, since
 * those keys must be handed to the key loader as PEM text instead.
 * `BEGIN TRUSTED CERTIFICATE` (OpenSSL's certificate + trust aux) yields label 'CERTIFICATE' with
 * the aux dropped: the trust settings are OpenSSL-specific and Node ignores them too.
 */
export function decodePem(text: string): PemBlock[] {
  if (text.length > MAX_PEM_TEXT) throw new PkiError('ERR_PEM_TOO_LARGE', `PEM text of ${text.length} characters exceeds ${MAX_PEM_TEXT}`);
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK_RE)) {
    const label = m[1]!;
    if (m[3] !== label) throw new PkiError('ERR_PEM_BAD_ARMOUR', `PEM block BEGIN ${label} ends with END ${m[3]}`);
    const body = m[2]!;
    if (/^[ \t]*[A-Za-z-]+:/m.test(body)) {
      throw new PkiError('ERR_PEM_ENCRYPTED_HEADERS', `PEM block ${label} has RFC 1421 headers (legacy encrypted PEM); pass it to the key loader with a passphrase`);
    }
    let der = decodeBase64(body, `base64 in PEM block ${label}`);
    if (der.length === 0) throw new PkiError('ERR_PEM_EMPTY', `PEM block ${label} is empty`);
    if (label === 'TRUSTED CERTIFICATE') {
      const n = firstTlvLength(der);
      if (n < 0 || n > der.length) throw new PkiError('ERR_PEM_BAD_TRUSTED_CERT', 'TRUSTED CERTIFICATE block does not start with a DER certificate');
      der = der.slice(0, n);
      blocks.push({ label: 'CERTIFICATE', der });
    } else {
      blocks.push({ label, der });
    }
  }
  return blocks;
}

/** One PEM block with 64-column lines and a trailing newline, as OpenSSL writes it. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = encodeBase64(der);
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** The DER of every CERTIFICATE block (including TRUSTED CERTIFICATE) in a PEM text. */
export function pemCertificates(text: string): Uint8Array[] {
  return decodePem(text)
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE')
    .map((b) => b.der);
}
