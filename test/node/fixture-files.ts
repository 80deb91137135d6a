/**
 * Certificate files on disk, made with the openssl CLI the way the reference document makes
 * them: self-signed PEM pairs for the PEM echo example, and a small CA with server and client
 * certificates exported as PKCS#12 (`openssl pkcs12 -export ... -certfile ca-cert.pem`) for the
 * PFX one, plus the legacy variants (3DES, RC2) for the pfx tests. Made once per process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PFX_PASSPHRASE = 'sesame';

export interface FixtureFiles {
  dir: string;
  path(name: string): string;
  read(name: string): Buffer;
  cleanup(): void;
}

let made: FixtureFiles | undefined;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ecKey(dir: string, file: string): void {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

function signed(dir: string, name: string, cn: string, san: string, usage: string, ca = 'ca'): void {
  ecKey(dir, `${name}-key.pem`);
  openssl(dir, ['req', '-new', '-key', `${name}-key.pem`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-cert.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial',
    '-days', '30', '-extfile', `${name}.ext`, '-out', `${name}-cert.pem`]);
}

/**
 * Files (all PEM unless named .pfx):
 * - self-signed: server-key/server-cert (CN localhost), client-key/client-cert (CN client)
 * - CA-signed: ca-key/ca-cert, agent-server-key/-cert (localhost), agent-client-key/-cert
 * - a second CA: ca2-key/ca2-cert and ca2-client-key/-cert
 * - int-key/int-cert (intermediate under ca) and chain-server-key/-cert (localhost, under int)
 * - revoked-server-key/-cert (under ca, revoked) and ca-crl.pem (ca's CRL listing it)
 * - rsa-server-key/-cert (RSA 2048, localhost) and server-trusted.pem (server-cert as TRUSTED CERTIFICATE)
 * - server.pfx, client.pfx: the agent pairs with the CA, no passphrase (the document's commands)
 * - secret.pfx: server pair with PFX_PASSPHRASE (OpenSSL 3 default: AES-256 + PBKDF2, SHA-256 MAC)
 * - legacy-3des.pfx: `-legacy -certpbe PBE-SHA1-3DES` (3DES everywhere, SHA-1 MAC)
 * - legacy-rc2.pfx: `-legacy` (certificates under RC2-40, which OpenSSL 3 keeps in its legacy provider)
 */
export function fixtureFiles(): FixtureFiles {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'ts-tls-files-'));
  const selfSigned = (name: string, cn: string, san: string): void => {
    ecKey(dir, `${name}-key.pem`);
    openssl(dir, ['req', '-x509', '-new', '-key', `${name}-key.pem`, '-subj', `/CN=${cn}`, '-days', '30',
      '-addext', `subjectAltName=${san}`, '-out', `${name}-cert.pem`]);
  };
  selfSigned('server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  selfSigned('client', 'client', 'DNS:client');
  ecKey(dir, 'ca-key.pem');
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca-key.pem', '-subj', '/CN=ts-tls test CA', '-days', '30',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca-cert.pem']);
  // A second, unrelated CA with its own client (SNI contexts carrying their own `ca`).
  ecKey(dir, 'ca2-key.pem');
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca2-key.pem', '-subj', '/CN=ts-tls second CA', '-days', '30',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca2-cert.pem']);
  signed(dir, 'ca2-client', 'second client', 'DNS:client2', 'clientAuth', 'ca2');
  signed(dir, 'agent-server', 'localhost', 'DNS:localhost,IP:127.0.0.1', 'serverAuth');
  signed(dir, 'agent-client', 'agent client', 'DNS:client', 'clientAuth');
  // root (ca) → intermediate → chain-server: for allowPartialTrustChain.
  ecKey(dir, 'int-key.pem');
  openssl(dir, ['req', '-new', '-key', 'int-key.pem', '-subj', '/CN=ts-tls intermediate CA', '-out', 'int.csr']);
  writeFileSync(join(dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(dir, ['x509', '-req', '-in', 'int.csr', '-CA', 'ca-cert.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '30',
    '-extfile', 'int.ext', '-out', 'int-cert.pem']);
  signed(dir, 'chain-server', 'localhost', 'DNS:localhost,IP:127.0.0.1', 'serverAuth', 'int');
  // An RSA twin of the self-signed server (key/cert arrays), and the EC one as TRUSTED CERTIFICATE.
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa-server-key.pem', '-subj', '/CN=localhost',
    '-days', '30', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-out', 'rsa-server-cert.pem']);
  openssl(dir, ['x509', '-in', 'server-cert.pem', '-trustout', '-addtrust', 'serverAuth', '-out', 'server-trusted.pem']);
  // A server certificate under ca that ca's CRL revokes (ca-crl.pem; `openssl ca` needs a tiny database).
  signed(dir, 'revoked-server', 'localhost', 'DNS:localhost,IP:127.0.0.1', 'serverAuth');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca=CA_default\n[CA_default]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n');
  openssl(dir, ['ca', '-config', 'ca.cnf', '-keyfile', 'ca-key.pem', '-cert', 'ca-cert.pem', '-revoke', 'revoked-server-cert.pem']);
  openssl(dir, ['ca', '-config', 'ca.cnf', '-keyfile', 'ca-key.pem', '-cert', 'ca-cert.pem', '-gencrl', '-out', 'ca-crl.pem']);
  const exportPfx = (out: string, who: string, pass: string, extra: string[] = []): void =>
    openssl(dir, ['pkcs12', '-export', ...extra, '-in', `agent-${who}-cert.pem`, '-inkey', `agent-${who}-key.pem`,
      '-certfile', 'ca-cert.pem', '-out', out, '-passout', `pass:${pass}`]);
  exportPfx('server.pfx', 'server', '');
  exportPfx('client.pfx', 'client', '');
  exportPfx('secret.pfx', 'server', PFX_PASSPHRASE);
  exportPfx('legacy-3des.pfx', 'server', PFX_PASSPHRASE, ['-legacy', '-certpbe', 'PBE-SHA1-3DES']);
  exportPfx('legacy-rc2.pfx', 'server', PFX_PASSPHRASE, ['-legacy']);
  made = {
    dir,
    path: (name) => join(dir, name),
    read: (name) => readFileSync(join(dir, name)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return made;
}
