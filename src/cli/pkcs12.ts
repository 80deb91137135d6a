/**
 * `ts-tls pkcs12`: bundles a key, its certificate and CA certificates into a PKCS#12 file (RFC 7292),
 * the `pfx` option of createSecureContext and what Windows/macOS/Java import. Modern algorithms only,
 * like OpenSSL 3's defaults: the key shrouded with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), the
 * integrity MAC HMAC-SHA256. Certificates are stored unencrypted (OpenSSL's `-certpbe NONE`): they
 * are public, and it spares every reader a second PBE.
 */
import { createHash, createHmac, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { ContentInfo } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AuthenticatedSafe, CertBag, MacData, PFX, PKCS12Attribute, SafeBag, SafeContents } from '@peculiar/asn1-pfx';
import { type Command, CliError, EXIT_OK, flag, list, str, UsageError, type Io, type ParsedArgs } from './command.js';
import { checkWritable, readText, resolveSecret, writeOutput } from './io.js';
import { decodePem } from '../pki/pem.js';

/** OpenSSL 3's PKCS12_DEFAULT_ITER, for the MAC and for PBKDF2 of the key. */
export const PKCS12_ITERATIONS = 2048;
const MAC_SALT_BYTES = 16;
const OID = {
  data: '1.2.840.113549.1.7.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  sha256: '2.16.840.1.101.3.4.2.1',
};
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

/** The password as PKCS#12 wants it for the MAC KDF: BMPString (UTF-16BE) with a two-zero-byte terminator (RFC 7292 §B.1). */
function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** RFC 7292 Appendix B.2 key derivation with SHA-256 (u = 32, v = 64), ID 3 = MAC key. */
export function pkcs12Kdf(password: string, salt: Uint8Array, id: number, iterations: number, n: number): Buffer {
  const u = 32;
  const v = 64;
  const fill = (src: Uint8Array): Buffer => {
    const len = src.length === 0 ? 0 : v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(bmpPassword(password))]);
  const blocks: Buffer[] = [];
  for (let done = 0; done < n; done += u) {
    let A = createHash('sha256').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha256').update(A).digest();
    blocks.push(A);
    const B = fill(A);
    // I_j = (I_j + B + 1) mod 2^(8v), each v-byte block as a big-endian integer
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, n);
}

function octetStringDer(data: Uint8Array): ArrayBuffer {
  return AsnConvert.serialize(new OctetString(data));
}

function dataContentInfo(der: ArrayBuffer): ContentInfo {
  return new ContentInfo({ contentType: OID.data, content: octetStringDer(new Uint8Array(der)) });
}

/** PKCS12Attribute's constructor drops its argument (asn1-pfx 2.x calls Object.assign(params)); set the fields. */
function attribute(attrId: string, value: ArrayBuffer): PKCS12Attribute {
  return Object.assign(new PKCS12Attribute(), { attrId, attrValues: [value] });
}

function attributes(localKeyId: Uint8Array, name?: string): PKCS12Attribute[] {
  const attrs = [attribute(OID.localKeyId, octetStringDer(localKeyId))];
  if (name !== undefined) {
    // BMPString, tag 0x1e, UTF-16BE without terminator
    const bmp = bmpPassword(name).subarray(0, name.length * 2);
    if (bmp.length > 127) throw new CliError('--name is too long (at most 63 characters)');
    attrs.push(attribute(OID.friendlyName, Uint8Array.from([0x1e, bmp.length, ...bmp]).buffer));
  }
  return attrs;
}

export interface Pkcs12Input {
  keyPem: string;
  keyPassphrase?: string;
  certDers: Uint8Array[];
  password: string;
  name?: string;
}

/** Builds the PFX DER. The first certificate must be the key's. */
export function buildPkcs12(input: Pkcs12Input): Uint8Array {
  let key;
  try {
    key = createPrivateKey({ key: input.keyPem, ...(input.keyPassphrase !== undefined ? { passphrase: input.keyPassphrase } : {}) });
  } catch (err) {
    throw new CliError(`cannot load the private key: ${(err as Error).message}`);
  }
  const leafDer = input.certDers[0];
  if (!leafDer) throw new CliError('no certificate given');
  if (!new X509Certificate(leafDer).checkPrivateKey(key)) throw new CliError('the private key does not belong to the first certificate');
  const localKeyId = createHash('sha1').update(leafDer).digest();

  const certBags = input.certDers.map((der, i) => new SafeBag({
    bagId: OID.certBag,
    bagValue: AsnConvert.serialize(new CertBag({ certId: OID.x509Certificate, certValue: octetStringDer(der) })),
    ...(i === 0 ? { bagAttributes: attributes(localKeyId, input.name) } : {}),
  }));
  // Node exports EncryptedPrivateKeyInfo with PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC: exactly the shrouded bag body.
  const shrouded = key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: input.password });
  const keyBag = new SafeBag({ bagId: OID.shroudedKeyBag, bagValue: new Uint8Array(shrouded).buffer, bagAttributes: attributes(localKeyId, input.name) });

  const authSafe = new AuthenticatedSafe([
    dataContentInfo(AsnConvert.serialize(new SafeContents(certBags))),
    dataContentInfo(AsnConvert.serialize(new SafeContents([keyBag]))),
  ]);
  const authSafeDer = new Uint8Array(AsnConvert.serialize(authSafe));
  const salt = randomBytes(MAC_SALT_BYTES);
  // RFC 7292 §5.1: the MAC covers the contents octets of the authSafe data.
  const macKey = pkcs12Kdf(input.password, salt, 3, PKCS12_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authSafeDer).digest();
  const pfx = new PFX({
    version: 3,
    authSafe: dataContentInfo(authSafeDer.buffer.slice(authSafeDer.byteOffset, authSafeDer.byteOffset + authSafeDer.byteLength)),
    macData: new MacData({
      mac: new DigestInfo({ digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: DER_NULL }), digest: new OctetString(mac) }),
      macSalt: new OctetString(salt),
      iterations: PKCS12_ITERATIONS,
    }),
  });
  return new Uint8Array(AsnConvert.serialize(pfx));
}

function certificatesIn(path: string): Uint8Array[] {
  const blocks = decodePem(readText(path, 'certificate file')).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new CliError(`${path} holds no PEM certificate`);
  return blocks.map((b) => b.der);
}

export const pkcs12Command: Command = {
  name: 'pkcs12',
  summary: 'Bundle a key and its certificate chain into a PKCS#12 (.p12/.pfx) file.',
  usage: 'pkcs12 --key FILE --cert FILE [--ca FILE] --out FILE --passphrase SECRET',
  options: {
    key: { type: 'string', short: 'k', arg: 'FILE', help: 'private key (PEM)' },
    'key-passphrase': { type: 'string', arg: 'SECRET', help: 'passphrase of --key if it is encrypted' },
    cert: { type: 'string', short: 'c', arg: 'FILE', help: 'certificate (PEM; may hold the chain, leaf first)' },
    ca: { type: 'string', multiple: true, arg: 'FILE', help: 'more CA certificates to include' },
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'the .p12 file to write (mode 0600)' },
    passphrase: { type: 'string', short: 'p', arg: 'SECRET', help: 'export password (pass:, env:, file:); required' },
    name: { type: 'string', arg: 'TEXT', help: 'friendly name shown by key stores' },
    force: { type: 'boolean', short: 'f', help: 'overwrite an existing file' },
  },
  details: `
The key is encrypted with PBES2 (PBKDF2-HMAC-SHA256, ${PKCS12_ITERATIONS} iterations, AES-256-CBC) and the
file is protected by an HMAC-SHA256 MAC, as OpenSSL 3 does by default.

Examples:
  ts-tls pkcs12 --key key.pem --cert cert.pem --out server.p12 --passphrase env:P12_PASS
  ts-tls pkcs12 -k site-key.pem -c site.pem --ca ca.pem -o site.pfx -p pass:changeit --name "my site"

Use it with:  tls.createServer({ pfx: fs.readFileSync('server.p12'), passphrase })
Check it with: openssl pkcs12 -in server.p12 -info -noout -passin env:P12_PASS`,
  run(args: ParsedArgs, io: Io): number {
    const keyPath = str(args, 'key');
    const certPath = str(args, 'cert');
    const out = str(args, 'out');
    if (!keyPath || !certPath || !out) throw new UsageError('--key, --cert and --out are required');
    const password = resolveSecret(str(args, 'passphrase'));
    if (password === undefined) throw new UsageError('--passphrase is required (an unprotected PKCS#12 file would hold the key in the clear)');
    if (out === '-') throw new UsageError('--out must be a file');
    const force = flag(args, 'force');
    checkWritable([out], force);
    const certDers = [...certificatesIn(certPath), ...list(args, 'ca').flatMap(certificatesIn)];
    const keyPassphrase = resolveSecret(str(args, 'key-passphrase'));
    const name = str(args, 'name');
    const der = buildPkcs12({ keyPem: readText(keyPath, 'key'), certDers, password, ...(keyPassphrase !== undefined ? { keyPassphrase } : {}), ...(name !== undefined ? { name } : {}) });
    writeOutput(io, out, der, { force, secret: true });
    io.out(`wrote ${out}: key + ${certDers.length} certificate${certDers.length === 1 ? '' : 's'} (PBES2 AES-256-CBC, HMAC-SHA256)\n`);
    return EXIT_OK;
  },
};
