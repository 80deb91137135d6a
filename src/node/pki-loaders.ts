/**
 * Loads on first use what only some processes need, so `import 'ts-tls'` stays light: the bundled
 * root certificates (dist/pki/roots-data.cjs, ~0.7 MB of heap once loaded). Loaded eagerly it pushed the old
 * generation after import past V8's 8 MB incremental-marking threshold, and a bulk server then ran
 * back-to-back mark-compacts. The core (src/pki) cannot load a module synchronously without
 * node:module, so it takes loaders; this module installs them when it is evaluated. Imported for
 * that effect by deps.ts and extra-ca.ts, and by the CLI commands that read roots.
 */
import { createRequire } from 'node:module';
import { setRootCertificateSource } from '../pki/root-store.js';

// Resolved from this file: dist/node/ -> dist/pki/roots-data.cjs (build/src/... in tests).
const require = createRequire(import.meta.url);

setRootCertificateSource(() => (require('../pki/roots-data.cjs') as typeof import('../pki/roots-data.cjs')).ROOT_PEMS);
