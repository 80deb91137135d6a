/**
 * The implementation under test. Interop and behaviour tests are written against Node's tls API, so
 * `TS_TLS_IMPL=node` runs them against node:tls itself: a test that fails there is a wrong test.
 */
import * as nodeTls from 'node:tls';
import * as ours from '../../src/index.js';

export const usingNode = process.env.TS_TLS_IMPL === 'node';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const tls: typeof nodeTls = (usingNode ? nodeTls : (ours as any).default ?? ours) as typeof nodeTls;
export const implName = usingNode ? 'node:tls' : 'ts-tls';
