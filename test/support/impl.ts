/**
 * The implementation under test. Interop and behaviour tests are written against Node's tls API, so
 * `TS_TLS_IMPL=node` runs them against node:tls itself: a test that fails there is a wrong test.
 */
import * as nodeTls from 'node:tls';
import * as oursNs from '../../src/index.js';

/** ts-tls as a `typeof node:tls` (its default export when the build has one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ours: typeof nodeTls = ((oursNs as any).default ?? oursNs) as typeof nodeTls;
export const usingNode = process.env.TS_TLS_IMPL === 'node';
export const tls: typeof nodeTls = usingNode ? nodeTls : ours;
export const implName = usingNode ? 'node:tls' : 'ts-tls';
