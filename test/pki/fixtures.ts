// A throw-away test PKI made with the openssl command (root, intermediates, leaves with faults),
// built once per process into a temp dir. `openssl ca` is used for signing because it is the one
// OpenSSL 3.0 tool that can set arbitrary validity dates (expired / not-yet-valid cases).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  path(name: string): string;
  pem(name: string): string;
  der(name: string): Uint8Array;
  /** Runs openssl verify and returns the OpenSSL code name of the first error, or 'OK'. */
  opensslVerify(args: string[]): string;
  /** The text openssl printed for the first error of the last opensslVerify call. */
  lastMessage?: string;
}

const CA_CNF = `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = DIR
database = DIR/index.txt
new_certs_dir = DIR/newcerts
serial = DIR/serial
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional
[ root_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ int_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ int0_ext ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,DNS:*.example.com,IP:127.0.0.1,IP:::1,email:a@example.com,URI:https://example.com/x
authorityInfoAccess = OCSP;URI:http://ocsp.example.com/,caIssuers;URI:http://ca.example.com/int.der
crlDistributionPoints = URI:http://crl.example.com/int.crl
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_client_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost
[ leaf_nonca_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyCertSign
subjectAltName = DNS:fakeca
[ leaf_crit_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
1.2.3.4.5.6.7 = critical,ASN1:UTF8String:unknown
[ nc_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
nameConstraints = critical,permitted;DNS:.example.com,permitted;IP:127.0.0.0/255.0.0.0,excluded;DNS:bad.example.com
[ ncgood_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.com,IP:127.0.0.1
[ ncbad_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.com,DNS:www.evil.org
[ ncexcl_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:bad.example.com
[ ncip_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:ip.example.com,IP:10.0.0.1
[ selfsigned_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
`;

let cached: Pki | undefined;

function run(cwd: string, args: string[]): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function buildPki(): Pki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'ts-tls-pki-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'newcerts'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), CA_CNF.replaceAll('DIR', dir));
  const o = (...args: string[]) => run(dir, args);
  const key = (name: string, kind: 'rsa' | 'rsa1024' | 'ec' | 'ed25519') => {
    if (kind === 'rsa') o('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}.key`);
    else if (kind === 'rsa1024') o('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', `${name}.key`);
    else if (kind === 'ec') o('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
    else o('genpkey', '-algorithm', 'ED25519', '-out', `${name}.key`);
  };
  const csr = (name: string, subj: string) => o('req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`);
  const sign = (name: string, issuer: string | null, ext: string, extra: string[] = []) => {
    const base = ['ca', '-config', 'ca.cnf', '-batch', '-notext', '-preserveDN', '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', ext];
    if (issuer === null) o(...base, '-selfsign', '-keyfile', `${name}.key`, ...extra);
    else o(...base, '-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`, ...extra);
  };
  const dates = (from: string, to: string) => ['-startdate', from, '-enddate', to];
  const ok = dates('20200101000000Z', '20450101000000Z');
  /** Key, request and certificate `name`.pem, issued by `issuer` (null: self-signed). */
  const issue = (name: string, kind: Parameters<typeof key>[1], subj: string, issuer: string | null, ext: string, extra = ok) => {
    key(name, kind);
    csr(name, subj);
    sign(name, issuer, ext, extra);
  };

  issue('root', 'rsa', '/C=US/O=ts-tls test/CN=ts-tls Test Root', null, 'root_ext');
  issue('int', 'ec', '/C=US/O=ts-tls test/CN=ts-tls Test Intermediate', 'root', 'int_ext');
  // The main leaf: every printable field, multi-valued OU, RSA key.
  issue('leaf', 'rsa', '/C=US/ST=California/L=San Francisco/O=ts-tls test/OU=Eng/OU=Web/CN=localhost/emailAddress=ops@example.com', 'int', 'leaf_ext');
  issue('leafec', 'ec', '/CN=localhost', 'int', 'leaf_ext');
  issue('leafed', 'ed25519', '/CN=localhost', 'int', 'leaf_ext');
  issue('expired', 'ec', '/CN=expired', 'int', 'leaf_ext', dates('20200101000000Z', '20210101000000Z'));
  issue('future', 'ec', '/CN=future', 'int', 'leaf_ext', dates('20900101000000Z', '20950101000000Z'));
  issue('clientonly', 'ec', '/CN=clientonly', 'int', 'leaf_client_ext');
  issue('critext', 'ec', '/CN=critext', 'int', 'leaf_crit_ext');
  // A CA:FALSE certificate used as an issuer.
  issue('nonca', 'ec', '/CN=fake CA', 'int', 'leaf_nonca_ext');
  issue('undernonca', 'ec', '/CN=undernonca', 'nonca', 'leaf_ext');
  // pathlen:0 intermediate that still issues a sub-CA.
  issue('int0', 'ec', '/CN=pathlen0 CA', 'root', 'int0_ext');
  issue('sub', 'ec', '/CN=sub CA', 'int0', 'int_ext');
  issue('undersub', 'ec', '/CN=undersub', 'sub', 'leaf_ext');
  // Self-signed leaf.
  issue('self', 'ec', '/CN=localhost', null, 'selfsigned_ext');
  // Small RSA key on a leaf.
  issue('weak', 'rsa1024', '/CN=weak', 'int', 'leaf_ext');
  // Name constraints.
  issue('ncca', 'ec', '/CN=constrained CA', 'root', 'nc_ext');
  for (const [n, ext, cn] of [['ncgood', 'ncgood_ext', 'www.example.com'], ['ncbad', 'ncbad_ext', 'www.example.com'], ['ncexcl', 'ncexcl_ext', 'bad.example.com'], ['ncip', 'ncip_ext', 'ip.example.com']] as const) {
    issue(n, 'ec', `/CN=${cn}`, 'ncca', ext);
  }
  // SHA-1 signed intermediate.
  issue('sha1int', 'ec', '/CN=sha1 intermediate', 'root', 'int_ext', [...ok, '-md', 'sha1']);
  issue('undersha1', 'ec', '/CN=undersha1', 'sha1int', 'leaf_ext');
  // RSASSA-PSS signed intermediate (salt = digest length, the RFC 8446 parameter set).
  issue('pssint', 'ec', '/CN=pss intermediate', 'root', 'int_ext', [...ok, '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']);
  issue('underpss', 'ec', '/CN=underpss', 'pssint', 'leaf_ext');
  // Revoked leaf + the intermediate's CRL.
  issue('revoked', 'ec', '/CN=revoked', 'int', 'leaf_ext');
  o('ca', '-config', 'ca.cnf', '-revoke', 'revoked.pem', '-cert', 'int.pem', '-keyfile', 'int.key');
  o('ca', '-config', 'ca.cnf', '-gencrl', '-cert', 'int.pem', '-keyfile', 'int.key', '-out', 'int.crl');
  o('ca', '-config', 'ca.cnf', '-gencrl', '-cert', 'root.pem', '-keyfile', 'root.key', '-out', 'root.crl');

  const pki: Pki = {
    dir,
    path: (n) => join(dir, n),
    pem: (n) => readFileSync(join(dir, n), 'utf8'),
    der: (n) => {
      const text = readFileSync(join(dir, n), 'utf8');
      const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END/.exec(text);
      return new Uint8Array(Buffer.from(m![2]!, 'base64'));
    },
    opensslVerify: (args) => {
      try {
        run(dir, ['verify', ...args]);
        return 'OK';
      } catch (e) {
        const out = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
        const m = /error (\d+) at (\d+) depth lookup: ([^\n]+)/.exec(out);
        if (!m) return `UNPARSED: ${out}`;
        pki.lastMessage = m[3]!;
        return OPENSSL_CODE_BY_NUMBER[Number(m[1])] ?? `X509_V_ERR_${m[1]}`;
      }
    },
  };
  cached = pki;
  return pki;
}

// X509_V_ERR_* numbers (openssl/x509_vfy.h) for the codes our tests meet.
const OPENSSL_CODE_BY_NUMBER: Record<number, string> = {
  2: 'UNABLE_TO_GET_ISSUER_CERT',
  3: 'UNABLE_TO_GET_CRL',
  6: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  7: 'CERT_SIGNATURE_FAILURE',
  8: 'CRL_SIGNATURE_FAILURE',
  9: 'CERT_NOT_YET_VALID',
  10: 'CERT_HAS_EXPIRED',
  11: 'CRL_NOT_YET_VALID',
  12: 'CRL_HAS_EXPIRED',
  18: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  19: 'SELF_SIGNED_CERT_IN_CHAIN',
  20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  22: 'CERT_CHAIN_TOO_LONG',
  23: 'CERT_REVOKED',
  24: 'NO_ISSUER_PUBLIC_KEY',
  79: 'INVALID_CA',
  25: 'PATH_LENGTH_EXCEEDED',
  26: 'INVALID_PURPOSE',
  27: 'CERT_UNTRUSTED',
  28: 'CERT_REJECTED',
  32: 'KEYUSAGE_NO_CERTSIGN',
  34: 'UNHANDLED_CRITICAL_EXTENSION',
  35: 'KEYUSAGE_NO_CRL_SIGN',
  36: 'UNHANDLED_CRITICAL_CRL_EXTENSION',
  37: 'INVALID_NON_CA',
  47: 'PERMITTED_VIOLATION',
  48: 'EXCLUDED_VIOLATION',
  51: 'UNSUPPORTED_CONSTRAINT_TYPE',
  66: 'EE_KEY_TOO_SMALL',
  67: 'CA_KEY_TOO_SMALL',
  68: 'CA_MD_TOO_WEAK',
};
