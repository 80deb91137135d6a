/**
 * Loads on first use what only some processes need, so `import 'ts-tls'` stays light: the bundled
 * root certificates (dist/pki/roots-data.cjs, ~0.7 MB of heap once loaded) and the PKCS#12 ASN.1
 * schemas (@peculiar/asn1-schema with asn1js, -pfx, -cms, -pkcs8, ~2 MB). Loaded eagerly they pushed the old
 * generation after import past V8's 8 MB incremental-marking threshold, and a bulk server then ran
 * back-to-back mark-compacts. The core (src/pki) cannot load a module synchronously without
 * node:module, so it takes loaders; this module installs them when it is evaluated. Imported for
 * that effect by deps.ts and extra-ca.ts, and by the CLI commands that read roots or PFX files.
 */
import { createRequire } from 'node:module';
import { setPkcs12SchemaSource } from '../pki/pkcs12.js';
import { setRootCertificateSource } from '../pki/root-store.js';

// Resolved from this file: dist/node/ -> dist/pki/roots-data.cjs (build/src/... in tests).
const require = createRequire(import.meta.url);

setRootCertificateSource(() => (require('../pki/roots-data.cjs') as typeof import('../pki/roots-data.cjs')).ROOT_PEMS);

setPkcs12SchemaSource(() => {
  const { AsnConvert, OctetString } = require('@peculiar/asn1-schema') as typeof import('@peculiar/asn1-schema');
  const { AuthenticatedSafe, CertBag, PFX, SafeContents } = require('@peculiar/asn1-pfx') as typeof import('@peculiar/asn1-pfx');
  const { EncryptedContentInfo } = require('@peculiar/asn1-cms') as typeof import('@peculiar/asn1-cms');
  const { EncryptedPrivateKeyInfo } = require('@peculiar/asn1-pkcs8') as typeof import('@peculiar/asn1-pkcs8');
  return { AsnConvert, OctetString, AuthenticatedSafe, CertBag, PFX, SafeContents, EncryptedContentInfo, EncryptedPrivateKeyInfo };
});
